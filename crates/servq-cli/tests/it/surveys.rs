//! Survey results imported with `servq import survey-results`: CSAT, NPS and CES per day and per
//! agent against an independent DuckDB computation of the written definitions, daily CSAT as the
//! target of `servq drivers --from-store`, bad rows reported as file:line: column: reason, and
//! `servq surveys rules/dispatch`.

use std::{path::Path, process::Command};

use serde_json::Value;
use servq_store::testing::TestDatabase;

use crate::{python_reference, servq, servq_ok, stderr};

/// Survey results for every third answered contact with a customer of a demo data set, in both
/// number and word form: CSAT low when the customer waited over 5 s, so that daily CSAT falls
/// with the daily speed of answer.
pub(crate) fn survey_results(contacts: &Path) -> String {
    let mut reader = csv::Reader::from_path(contacts).unwrap();
    let headers = reader.headers().unwrap().clone();
    let column = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let (id, customer, agent, offered, answered, ended) = (
        column("contact_id"),
        column("customer_id"),
        column("agent_id"),
        column("offered_at"),
        column("answered_at"),
        column("ended_at"),
    );
    let mut out = String::from("response_id,contact_id,responded_at,csat,nps,ces,agent_id\n");
    for (index, record) in reader.records().enumerate() {
        let record = record.unwrap();
        if record[customer].is_empty() || record[answered].is_empty() || index % 3 != 0 {
            continue;
        }
        let at = |text: &str| text.parse::<jiff::civil::DateTime>().unwrap();
        let waited = at(&record[offered]).duration_until(at(&record[answered]));
        let slow = waited.as_secs() > 5;
        let csat = match (index % 7, slow) {
            (0, true) => "不满意".to_owned(),
            (1, true) => "一般".to_owned(),
            (_, true) => "2".to_owned(),
            (0, false) => "满意".to_owned(),
            (n, false) => (4 + n % 2).to_string(),
        };
        let nps = (index * 7) % 11;
        let ces = if index % 5 == 0 {
            String::new()
        } else {
            (1 + index % 7).to_string()
        };
        out.push_str(&format!(
            "R{index},{},{},{csat},{nps},{ces},{}\n",
            &record[id], &record[ended], &record[agent]
        ));
    }
    out
}

fn reference(contacts: &Path, responses: &Path, by: &str) -> Value {
    python_reference(
        "survey_reference.py",
        &[
            "--contacts".as_ref(),
            contacts.as_os_str(),
            "--responses".as_ref(),
            responses.as_os_str(),
            "--by".as_ref(),
            by.as_ref(),
        ],
    )
}

fn close(ours: &Value, theirs: &Value, context: &str) {
    match (ours.as_f64(), theirs.as_f64()) {
        (Some(a), Some(b)) => assert!(
            (a - b).abs() <= 1e-9 * b.abs().max(1.0),
            "{context}: {a} vs {b}"
        ),
        _ => assert_eq!(ours, theirs, "{context}"),
    }
}

#[tokio::test]
async fn survey_measures_match_an_independent_computation_and_feed_driver_analysis() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let generate = Command::new(env!("CARGO_BIN_EXE_servq"))
        .args([
            "demo",
            "--days",
            "28",
            "--daily-contacts",
            "150",
            "--agents",
            "6",
        ])
        .args(["--end", "2026-11-15", "--csv-out", data.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(generate.status.success(), "{}", stderr(&generate));
    let contacts = data.join("contacts.csv");
    let responses = dir.path().join("results.csv");
    std::fs::write(&responses, survey_results(&contacts)).unwrap();
    let bad = dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        "response_id,contact_id,responded_at,csat,agent_id\nB1,nope,2026-11-02 10:00:00,5,\nB2,x,yesterday,11,\n",
    )
    .unwrap();
    for db in TestDatabase::both().await {
        servq_ok(&db, &["import", "contacts", contacts.to_str().unwrap()]);
        let states = data.join("agent_states.csv");
        servq_ok(&db, &["import", "agent-states", states.to_str().unwrap()]);
        let refused = servq(&db, &["import", "survey-results", bad.to_str().unwrap()]);
        assert_eq!(refused.status.code(), Some(1));
        let report = stderr(&refused);
        let file = bad.to_str().unwrap();
        assert!(
            report.contains(&format!(
                "{file}:2: contact_id: no contact 'nope' is stored"
            )),
            "{report}"
        );
        assert!(
            report.contains(&format!("{file}:3: responded_at:")),
            "{report}"
        );
        assert!(
            report.contains(&format!(
                "{file}:3: csat: '11' is not a whole number from 1 to 5"
            )),
            "{report}"
        );
        servq_ok(
            &db,
            &["import", "survey-results", responses.to_str().unwrap()],
        );
        // a second import of the same file changes nothing
        let again = servq_ok(
            &db,
            &["import", "survey-results", responses.to_str().unwrap()],
        );
        assert!(stderr(&again).contains("0 new"), "{}", stderr(&again));

        for by in ["day", "agent"] {
            let ours: Value = serde_json::from_slice(
                &servq_ok(
                    &db,
                    &[
                        "kpi",
                        "--by",
                        by,
                        "--from",
                        "2026-10-19",
                        "--to",
                        "2026-11-15",
                        "--metrics",
                        "survey_responses,csat,csat_mean,nps,ces",
                        "--format",
                        "json",
                    ],
                )
                .stdout,
            )
            .unwrap();
            let theirs = reference(&contacts, &responses, by);
            let ours: Vec<&Value> = ours["rows"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|row| row["survey_responses"] != 0)
                .collect();
            let theirs = theirs["rows"].as_array().unwrap();
            assert_eq!(ours.len(), theirs.len(), "{by} groups");
            assert!(ours.len() >= 6);
            for (a, b) in ours.iter().zip(theirs) {
                assert_eq!(a[by], b[by]);
                for key in ["survey_responses", "csat", "csat_mean", "nps", "ces"] {
                    close(
                        &a[key],
                        &b[key],
                        &format!("{:?} {by} {} {key}", db.backend, b[by]),
                    );
                }
            }
        }

        // daily CSAT is a driver-analysis target like any KPI
        let drivers: Value = serde_json::from_slice(
            &servq_ok(
                &db,
                &[
                    "drivers",
                    "--from-store",
                    "--from",
                    "2026-10-19",
                    "--to",
                    "2026-11-15",
                    "--target",
                    "csat_mean",
                    "--format",
                    "json",
                ],
            )
            .stdout,
        )
        .unwrap();
        assert_eq!(drivers["steps"][0]["target"], "csat_mean", "{drivers}");
        assert_eq!(drivers["source"]["days"], 28);
        // the waits drive it: the model keeps a speed-of-answer measure with the right sign
        let kept: Vec<(&str, f64)> = drivers["model"]["coefficients"]
            .as_array()
            .unwrap()
            .iter()
            .skip(1)
            .map(|c| (c["name"].as_str().unwrap(), c["estimate"].as_f64().unwrap()))
            .collect();
        assert!(
            kept.iter().any(
                |&(name, estimate)| (name == "asa_seconds" && estimate < 0.0)
                    || (name == "service_level" && estimate > 0.0)
            ),
            "{kept:?}"
        );

        // dispatch rules from a file; a bad one names its rule and field
        let rules = dir.path().join("rules.json");
        std::fs::write(
            &rules,
            r#"{"rules":[{"rule_id":"r1","template_id":"standard","delay_minutes":0,"sample_percent":100,"quiet_hours":null,"no_repeat_days":0,"expiry_hours":0,"send_via":"sms","active":true}]}"#,
        )
        .unwrap();
        let refused = servq(&db, &["surveys", "rules", "--set", rules.to_str().unwrap()]);
        assert!(!refused.status.success());
        assert!(
            stderr(&refused).contains("rules.0.expiry_hours: must be at least 1"),
            "{}",
            stderr(&refused)
        );
        std::fs::write(
            &rules,
            r#"{"rules":[{"rule_id":"r1","template_id":"standard","channels":["phone"],"delay_minutes":0,"sample_percent":100,"quiet_hours":null,"no_repeat_days":0,"expiry_hours":48,"send_via":"webhook","active":true}]}"#,
        )
        .unwrap();
        servq_ok(&db, &["surveys", "rules", "--set", rules.to_str().unwrap()]);
        // as of the last evening: contacts closed in the day before, not yet rated, are invited
        let dispatched = servq_ok(
            &db,
            &[
                "surveys",
                "dispatch",
                "--public-url",
                "https://survey.example.com",
                "--now",
                "2026-11-15T20:00:00+08:00",
            ],
        );
        let lines: Vec<Value> = String::from_utf8(dispatched.stdout)
            .unwrap()
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect();
        assert!(!lines.is_empty());
        for line in &lines {
            assert!(
                line["link"]
                    .as_str()
                    .unwrap()
                    .starts_with("https://survey.example.com/s/")
            );
            let payload: Value = serde_json::from_str(line["message"].as_str().unwrap()).unwrap();
            assert_eq!(payload["contact_id"], line["contact_id"]);
            assert_eq!(payload["link"], line["link"]);
        }
        let twice = servq_ok(
            &db,
            &["surveys", "dispatch", "--now", "2026-11-15T20:00:00+08:00"],
        );
        assert!(twice.stdout.is_empty(), "each contact is invited once");
    }
}
