//! `servq evaluation` against an independent Python implementation of the written rules
//! (tests/reference/evaluation_reference.py) fed with `servq kpi --format json` and the model
//! file, to 1e-9, per agent, team, queue and for the whole centre, on both databases; model
//! versions grade by the period's last day; a bad model is refused with every problem named.

use serde_json::Value;
use servq_store::testing::TestDatabase;

use super::{data_set, import_data_set, python_reference, servq, servq_ok, stderr};

const MODEL: &str = r#"{
  "name": "test model", "effective_from": "2026-11-01",
  "dimensions": [
    {"id": "response_speed", "weight": 20, "names": {"en": "Response speed"}, "measures": [
      {"metric": "service_level", "weight": 2, "zero_at": 0.5, "full_at": 0.9},
      {"metric": "asa_seconds", "weight": 1, "zero_at": 120, "full_at": 10, "perspective": "process"}]},
    {"id": "problem_solving", "weight": 30, "measures": [
      {"metric": "fcr_rate", "weight": 3, "zero_at": 0.5, "full_at": 0.95},
      {"metric": "transfer_rate", "weight": 1, "zero_at": 0.3, "full_at": 0.02}]},
    {"id": "process", "weight": 10, "measures": [
      {"metric": "aht_seconds", "weight": 1, "zero_at": 600, "full_at": 240},
      {"metric": "occupancy", "weight": 1, "zero_at": 0.5, "full_at": 0.85}]},
    {"id": "satisfaction", "weight": 20, "measures": [
      {"metric": "csat", "weight": 1, "zero_at": 0.6, "full_at": 0.95}]}],
  "grades": [{"min": 0, "grade": "E"}, {"min": 60, "grade": "D"}, {"min": 75, "grade": "B"}, {"min": 90, "grade": "A"}]
}"#;

fn assert_close(ours: &Value, theirs: &Value, path: &str) {
    match (ours, theirs) {
        (Value::Number(a), Value::Number(b)) => {
            let (a, b) = (a.as_f64().unwrap(), b.as_f64().unwrap());
            assert!((a - b).abs() <= 1e-9, "{path}: {a} vs {b}");
        }
        (Value::Object(a), Value::Object(b)) => {
            assert_eq!(
                a.keys().collect::<Vec<_>>(),
                b.keys().collect::<Vec<_>>(),
                "{path}"
            );
            for (key, value) in a {
                assert_close(value, &b[key], &format!("{path}.{key}"));
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            assert_eq!(a.len(), b.len(), "{path}");
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                assert_close(x, y, &format!("{path}[{i}]"));
            }
        }
        _ => assert_eq!(ours, theirs, "{path}"),
    }
}

#[tokio::test]
async fn evaluation_equals_an_independent_reference_and_versions_grade_by_the_last_day() {
    let data = data_set();
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("model.json");
    std::fs::write(&model, MODEL).unwrap();
    for db in TestDatabase::both().await {
        import_data_set(&db, &data);
        // before any model is saved the built-in standard grades (version 0)
        let built_in: Value = serde_json::from_slice(
            &servq_ok(
                &db,
                &[
                    "evaluation",
                    "--from",
                    "2026-11-02",
                    "--to",
                    "2026-11-10",
                    "--format",
                    "json",
                ],
            )
            .stdout,
        )
        .unwrap();
        assert_eq!(built_in["model"]["version"], 0);
        let saved: Value = serde_json::from_slice(
            &servq_ok(
                &db,
                &["evaluation", "model", "--set", model.to_str().unwrap()],
            )
            .stdout,
        )
        .unwrap();
        assert_eq!(saved["version"], 1);
        // a later version takes effect only from its own day
        let later = dir.path().join("later.json");
        std::fs::write(
            &later,
            MODEL
                .replace("test model", "later model")
                .replace("2026-11-01", "2027-01-01"),
        )
        .unwrap();
        servq_ok(
            &db,
            &["evaluation", "model", "--set", later.to_str().unwrap()],
        );
        for (by, filter) in [
            ("agent", ""),
            ("team", ""),
            ("queue", ""),
            ("", ""),
            ("agent", "team=一组"),
        ] {
            let mut args = vec![
                "evaluation",
                "--from",
                "2026-11-02",
                "--to",
                "2026-11-10",
                "--format",
                "json",
            ];
            let mut kpi_args = vec![
                "kpi",
                "--from",
                "2026-11-02",
                "--to",
                "2026-11-10",
                "--format",
                "json",
            ];
            if !by.is_empty() {
                args.extend(["--by", by]);
                kpi_args.extend(["--by", by]);
            }
            if !filter.is_empty() {
                args.extend(["--filter", filter]);
                kpi_args.extend(["--filter", filter]);
            }
            let ours: Value = serde_json::from_slice(&servq_ok(&db, &args).stdout).unwrap();
            assert_eq!(ours["model"]["name"], "test model");
            assert_eq!(ours["model"]["version"], 1);
            let kpi_file = dir.path().join("kpi.json");
            std::fs::write(&kpi_file, servq_ok(&db, &kpi_args).stdout).unwrap();
            let mut reference_args: Vec<&std::ffi::OsStr> = vec![
                "--kpi".as_ref(),
                kpi_file.as_os_str(),
                "--model".as_ref(),
                model.as_os_str(),
                "--by".as_ref(),
                by.as_ref(),
            ];
            if !filter.is_empty() {
                reference_args.extend([
                    std::ffi::OsStr::new("--filtered-by"),
                    std::ffi::OsStr::new("team"),
                ]);
            }
            let theirs = python_reference("evaluation_reference.py", &reference_args);
            assert_close(
                &ours["rows"],
                &theirs["rows"],
                &format!("{:?} by '{by}' {filter}", db.backend),
            );
            let rows = ours["rows"].as_array().unwrap();
            assert!(
                rows.iter().any(|r| r["grade"].is_string()),
                "{by}: nothing graded"
            );
            if by == "agent" {
                // an agent's service level means nothing: left out, not scored
                assert!(rows.iter().all(|r| {
                    r["dimensions"]["response_speed"]["measures"]["service_level"]["value"]
                        .is_null()
                }));
            }
        }
        let graded_later: Value = serde_json::from_slice(
            &servq_ok(
                &db,
                &[
                    "evaluation",
                    "--from",
                    "2027-01-01",
                    "--to",
                    "2027-01-31",
                    "--format",
                    "json",
                ],
            )
            .stdout,
        )
        .unwrap();
        assert_eq!(graded_later["model"]["version"], 2);

        let bad = dir.path().join("bad.json");
        std::fs::write(
            &bad,
            MODEL
                .replace("\"fcr_rate\"", "\"fcr\"")
                .replace("\"weight\": 30", "\"weight\": 0")
                .replace(
                    "\"zero_at\": 600, \"full_at\": 240",
                    "\"zero_at\": 600, \"full_at\": 600",
                )
                .replace("{\"min\": 0, \"grade\": \"E\"}, ", ""),
        )
        .unwrap();
        let refused = servq(
            &db,
            &["evaluation", "model", "--set", bad.to_str().unwrap()],
        );
        assert!(!refused.status.success());
        let text = stderr(&refused);
        for expected in [
            "dimensions.1.weight: must be greater than 0",
            "dimensions.1.measures.0.metric: 'fcr'",
            "dimensions.2.measures.0.full_at: full_at equals zero_at (600)",
            "grades: the grades must cover 0",
        ] {
            assert!(text.contains(expected), "{expected}\n{text}");
        }
        let versions: Value =
            serde_json::from_slice(&servq_ok(&db, &["evaluation", "model", "--versions"]).stdout)
                .unwrap();
        assert_eq!(
            versions["versions"].as_array().unwrap().len(),
            2,
            "a refused model is not stored"
        );
    }
}

/// 360° ratings by file: who may rate whom is checked row by row (every refusal named by line,
/// column and reason, nothing written), and the means per source and dimension reach `servq kpi`
/// per agent — and nowhere a rating has no meaning (per queue).
#[tokio::test]
async fn ratings_import_checks_raters_and_feed_the_rating_metrics() {
    let data = data_set();
    let dir = tempfile::tempdir().unwrap();
    let header = "rating_id,agent_id,rater,source,period_start,period_end,response_speed,problem_solving,professionalism,process,satisfaction,comment\n";
    let bad = dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        format!(
            "{header}b1,A001,A001,peer,2026-11-01,2026-11-10,3,,,,,\n\
             b2,A001,A002,peer,2026-11-01,2026-11-10,3,,,,,\n\
             b3,A001,sup,supervisor,2026-11-01,2026-11-10,4,,,6,,\n\
             b4,A999,sup,supervisor,2026-11-01,2026-11-10,4,,,,,\n\
             b5,A002,li,supervisor,2026-11-01,2026-11-10,4,,,,,\n"
        ),
    )
    .unwrap();
    let good = dir.path().join("ratings.csv");
    std::fs::write(
        &good,
        format!(
            "{header}r1,A001,sup,Supervisor,2026-11-01,2026-11-10,4,5,4,,3,=HYPERLINK(\"x\")\n\
             r2,A001,A005,peer,2026-11-01,2026-11-10,3,,,,,\n\
             r3,A001,li,self,2026-11-01,2026-11-10,5,5,5,5,5,\n"
        ),
    )
    .unwrap();
    for db in TestDatabase::both().await {
        import_data_set(&db, &data);
        super::admin::servq_input_ok(
            &db,
            &["user", "add", "sup", "--role", "supervisor"],
            "a long enough password\n",
        );
        super::admin::servq_input_ok(
            &db,
            &["user", "add", "li", "--role", "agent", "--agent-id", "A001"],
            "a long enough password\n",
        );
        let refused = servq(&db, &["import", "ratings", bad.to_str().unwrap()]);
        assert_eq!(refused.status.code(), Some(1), "{}", stderr(&refused));
        let report = stderr(&refused);
        let file = bad.to_str().unwrap();
        for expected in [
            format!("{file}:2: rater: A001: nobody rates themselves except as self"),
            format!("{file}:3: rater: A002: a peer must be an agent of the same team"),
            format!("{file}:4: process: '6' is not a whole number from 1 to 5"),
            format!("{file}:5: agent_id: no agent 'A999' in the roster"),
            format!("{file}:6: rater: li: a supervisor rating must come from a supervisor"),
        ] {
            assert!(report.contains(&expected), "{expected}\n{report}");
        }
        servq_ok(&db, &["import", "ratings", good.to_str().unwrap()]);
        // again: nothing changes
        let again = servq_ok(&db, &["import", "ratings", good.to_str().unwrap()]);
        assert!(
            stderr(&again).contains("3 unchanged")
                || String::from_utf8_lossy(&again.stdout).contains("3 unchanged"),
            "{}{}",
            stderr(&again),
            String::from_utf8_lossy(&again.stdout)
        );
        let kpi: Value = serde_json::from_slice(
            &servq_ok(
                &db,
                &[
                    "kpi",
                    "--by",
                    "agent",
                    "--from",
                    "2026-11-10",
                    "--to",
                    "2026-11-10",
                    "--filter",
                    "agent=A001",
                    "--format",
                    "json",
                ],
            )
            .stdout,
        )
        .unwrap();
        let row = &kpi["rows"][0];
        assert_eq!(row["rating_supervisor"], 4.0, "{row}");
        assert_eq!(row["rating_supervisor_satisfaction"], 3.0, "{row}");
        assert_eq!(row["rating_peer"], 3.0, "{row}");
        assert_eq!(row["rating_self"], 5.0, "{row}");
        assert!(row["rating_peer_process"].is_null(), "{row}");
        // counted on the period's last day only
        let before: Value = serde_json::from_slice(
            &servq_ok(
                &db,
                &[
                    "kpi",
                    "--from",
                    "2026-11-09",
                    "--to",
                    "2026-11-09",
                    "--filter",
                    "agent=A001",
                    "--format",
                    "json",
                ],
            )
            .stdout,
        )
        .unwrap();
        assert!(before["rows"][0]["rating_self"].is_null());
        let per_queue: Value = serde_json::from_slice(
            &servq_ok(
                &db,
                &[
                    "kpi",
                    "--by",
                    "queue",
                    "--from",
                    "2026-11-10",
                    "--to",
                    "2026-11-10",
                    "--format",
                    "json",
                ],
            )
            .stdout,
        )
        .unwrap();
        assert!(
            per_queue["rows"]
                .as_array()
                .unwrap()
                .iter()
                .all(|r| r["rating_self"].is_null())
        );
    }
}
