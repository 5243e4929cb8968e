//! `servq import customers` and `servq customers show` on both databases: a profile file as
//! people make them (BOM, CRLF, an extra column, hostile text), refused whole with every bad
//! field named, idempotent; the timeline holds every contact, ticket and survey answer of the
//! customer after their imports, newest first, in the centre's offset; the measures count them.

use serde_json::Value;

use crate::*;

#[tokio::test]
async fn a_customers_timeline_holds_everything_imported_about_them() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path.to_str().unwrap().to_owned()
    };
    let bad = write(
        "bad.csv",
        "customer_id,email,language,since,closed_at\nC1,not-an-address,fr,2026-12-01,2026-11-01\n",
    );
    let customers = write(
        "customers.csv",
        "\u{feff}customer_id,name,phone,email,language,segment,tags,since,会员等级\r\n\
         C1,=HYPERLINK(\"http://x\"),13800138000,Li@Example.com,zh-TW,VIP,老客户；投诉过,2019-03-01,金卡\r\n\
         C2,王五,,,,,,,\r\n",
    );
    // C1: three contacts (one unanswered, one repeat within the 7-day window), C2 one
    let contacts = write(
        "contacts.csv",
        "contact_id,channel,queue,customer_id,agent_id,offered_at,answered_at,ended_at,category\n\
         K1,voice,card,C1,A1,2026-11-02 09:00:00,2026-11-02 09:00:10,2026-11-02 09:05:00,loss\n\
         K2,voice,card,C1,A1,2026-11-04 10:00:00,2026-11-04 10:00:05,2026-11-04 10:03:00,bill\n\
         K3,voice,card,C1,,2026-11-20 11:00:00,,2026-11-20 11:01:00,bill\n\
         K4,voice,card,C2,A2,2026-11-03 09:00:00,2026-11-03 09:00:05,2026-11-03 09:02:00,bill\n\
         K5,voice,card,C9,A2,2026-11-06 09:00:00,2026-11-06 09:00:05,2026-11-06 09:02:00,bill\n",
    );
    let tickets = write(
        "tickets.csv",
        "ticket_id,ticket_type,category,priority,subject,customer_id,created_at\n\
         T1,complaint,billing,high,多扣了年费,C1,2026-11-05 08:30:00\n\
         T2,consult,bill_query,normal,账单日,C2,2026-11-05 09:00:00\n",
    );
    let surveys = write(
        "results.csv",
        "response_id,contact_id,responded_at,csat\nR1,K1,2026-11-02 09:10:00,2\nR2,K2,2026-11-04 10:10:00,4\nR3,K4,2026-11-03 09:10:00,5\n",
    );
    for db in TestDatabase::both().await {
        let refused = servq(&db, &["import", "customers", &bad]);
        assert_eq!(refused.status.code(), Some(1));
        let report = stderr(&refused);
        for expected in [
            format!("{bad}:2: email:"),
            format!("{bad}:2: language:"),
            format!("{bad}:2: closed_at: the customer left before joining"),
        ] {
            assert!(report.contains(&expected), "{expected}\n{report}");
        }
        let nothing = servq(&db, &["customers", "show", "C1"]);
        assert!(!nothing.status.success(), "nothing was stored");
        let imported = servq_ok(&db, &["import", "customers", &customers]);
        assert!(
            stderr(&imported).contains("2 new, 0 updated, 0 unchanged"),
            "{}",
            stderr(&imported)
        );
        let again = servq_ok(&db, &["import", "customers", &customers]);
        assert!(
            stderr(&again).contains("0 new, 0 updated, 2 unchanged"),
            "{}",
            stderr(&again)
        );
        servq_ok(&db, &["import", "contacts", &contacts]);
        servq_ok(&db, &["import", "tickets", &tickets]);
        servq_ok(&db, &["import", "survey-results", &surveys]);
        let shown: Value = serde_json::from_slice(
            &servq_ok(&db, &["customers", "show", "C1", "--format", "json"]).stdout,
        )
        .unwrap();
        assert_eq!(shown["customer_id"], "C1");
        assert_eq!(shown["name"], "=HYPERLINK(\"http://x\")");
        assert_eq!(shown["email"], "li@example.com");
        assert_eq!(shown["segment"], "VIP");
        // the typed tags first, then what the rules give (the VIP segment's tag)
        let tags = shown["tags"].as_array().unwrap();
        assert_eq!(
            tags[..2],
            [serde_json::json!("老客户"), serde_json::json!("投诉过")]
        );
        assert!(
            shown["rule_tags"]
                .as_array()
                .unwrap()
                .contains(&"vip".into())
        );
        assert_eq!(tags.len(), 2 + shown["rule_tags"].as_array().unwrap().len());
        assert_eq!(shown["attributes"]["会员等级"], "金卡");
        let timeline: Vec<(String, String, String)> = shown["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["kind"].as_str().unwrap().to_owned(),
                    e["id"].as_str().unwrap().to_owned(),
                    e["at"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        let expected = [
            ("contact", "K3", "2026-11-20T11:00:00+08:00"),
            ("ticket", "T1", "2026-11-05T08:30:00+08:00"),
            ("survey", "R2", "2026-11-04T10:10:00+08:00"),
            ("contact", "K2", "2026-11-04T10:00:00+08:00"),
            ("survey", "R1", "2026-11-02T09:10:00+08:00"),
            ("contact", "K1", "2026-11-02T09:00:00+08:00"),
        ]
        .map(|(k, i, a)| (k.to_owned(), i.to_owned(), a.to_owned()));
        assert_eq!(timeline, expected);
        let m = &shown["measures"];
        assert_eq!(m["contacts"], 3);
        assert_eq!(m["tickets"], 1);
        assert_eq!(m["complaints"], 1);
        assert_eq!(m["csat_mean"], 3.0);
        // K1 answered, repeated by K2 two days later (7-day window); K2 answered, next contact
        // 16 days later; K3 unanswered: 1 of 2
        assert_eq!(m["repeat_contact_rate"], 0.5);
        let capped: Value = serde_json::from_slice(
            &servq_ok(
                &db,
                &[
                    "customers",
                    "show",
                    "C1",
                    "--format",
                    "json",
                    "--limit",
                    "2",
                ],
            )
            .stdout,
        )
        .unwrap();
        assert_eq!(capped["timeline"].as_array().unwrap().len(), 2);
        assert_eq!(
            capped["measures"], shown["measures"],
            "measures count everything"
        );
        // a customer known only from a contact still shows; an unknown one is refused
        let only_history: Value = serde_json::from_slice(
            &servq_ok(&db, &["customers", "show", "C9", "--format", "json"]).stdout,
        )
        .unwrap();
        assert_eq!(only_history["name"], "");
        assert_eq!(only_history["timeline"].as_array().unwrap().len(), 1);
        let unknown = servq(&db, &["customers", "show", "nobody"]);
        assert!(!unknown.status.success());
        assert!(
            stderr(&unknown).contains("no customer nobody"),
            "{}",
            stderr(&unknown)
        );
    }
}

/// `servq kpi --by segment` (and by month and segment, and for the centre) against an
/// independent DuckDB computation of the written definitions (tests/reference/
/// customer_reference.py), on a generated population with the edges put in by hand: a repeat at
/// exactly the 7-day window and one a second past it, two contacts in the same second, a
/// customer closing on the range's first day, one joining on it, contacts and complaints of
/// customers without a profile.
#[tokio::test]
async fn segment_measures_match_an_independent_duckdb_computation() {
    let dir = tempfile::tempdir().unwrap();
    let mut seed: u64 = 20261203;
    let mut next = |n: u64| {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) % n
    };
    let segments = ["VIP", "普通", ""];
    let mut customers = String::from("customer_id,segment,since,closed_at\n");
    for n in 0..80 {
        let since = match next(4) {
            0 => String::new(),
            _ => format!("2026-{:02}-{:02}", 1 + next(12), 1 + next(28)),
        };
        let closed = if next(3) == 0 {
            // never before since
            let floor = if since.is_empty() {
                "2026-01-01".to_owned()
            } else {
                since.clone()
            };
            let candidate = format!("2026-{:02}-{:02}", 9 + next(4), 1 + next(28));
            if candidate >= floor { candidate } else { floor }
        } else {
            String::new()
        };
        let segment = segments[next(3) as usize];
        customers.push_str(&format!("C{n},{segment},{since},{closed}\n"));
    }
    // by hand: closes on the range's first day; joins on it; closed the day before
    customers.push_str("E1,VIP,2025-05-01,2026-10-01\nE2,VIP,2026-10-01,\nE3,普通,,2026-09-30\n");
    let mut contacts = String::from(
        "contact_id,channel,queue,customer_id,agent_id,offered_at,answered_at,ended_at,category\n",
    );
    for n in 0..500 {
        // C0..C89: the last ten have no profile; every tenth contact has no customer
        let customer = if n % 10 == 0 {
            String::new()
        } else {
            format!("C{}", next(90))
        };
        let day = 1 + next(28);
        let month = 9 + next(4);
        let (hour, minute) = (8 + next(10), next(60));
        let at = format!("2026-{month:02}-{day:02} {hour:02}:{minute:02}:00");
        let answered = next(5) != 0;
        let (answered_at, agent) = if answered {
            (
                format!("2026-{month:02}-{day:02} {hour:02}:{minute:02}:09"),
                "A1",
            )
        } else {
            (String::new(), "")
        };
        let category = ["bill", "card", "loss"][next(3) as usize];
        contacts.push_str(&format!(
            "K{n},voice,card,{customer},{agent},{at},{answered_at},2026-{month:02}-{day:02} {hour:02}:{minute:02}:50,{category}\n"
        ));
    }
    contacts.push_str(
        "X1,voice,card,E1,A1,2026-10-01 00:00:00,2026-10-01 00:00:05,2026-10-01 00:01:00,bill\n\
         X2,voice,card,E1,A1,2026-10-08 00:00:00,2026-10-08 00:00:05,2026-10-08 00:01:00,card\n\
         X3,voice,card,E2,A1,2026-10-02 00:00:00,2026-10-02 00:00:05,2026-10-02 00:01:00,bill\n\
         X4,voice,card,E2,,2026-10-09 00:00:01,,2026-10-09 00:01:00,bill\n\
         X5,voice,card,E3,A1,2026-10-03 09:00:00,2026-10-03 09:00:05,2026-10-03 09:01:00,bill\n\
         X6,voice,card,E3,A1,2026-10-03 09:00:00,2026-10-03 09:00:06,2026-10-03 09:01:00,card\n",
    );
    let mut tickets =
        String::from("ticket_id,ticket_type,category,priority,subject,customer_id,created_at\n");
    for n in 0..60 {
        let kind = if next(2) == 0 { "complaint" } else { "consult" };
        let customer = format!("C{}", next(90));
        tickets.push_str(&format!(
            "T{n},{kind},billing,normal,账单,{customer},2026-{:02}-{:02} 10:00:00\n",
            9 + next(4),
            1 + next(28)
        ));
    }
    let write = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path
    };
    let customers = write("customers.csv", &customers);
    let contacts = write("contacts.csv", &contacts);
    let tickets = write("tickets.csv", &tickets);
    let metrics =
        "customers_active,customers_churned,churn_rate,repeat_contact_rate,complaint_customers";
    let runs = [
        ("segment", "2026-11-01", "2026-11-30"),
        ("month,segment", "2026-10-01", "2026-12-31"),
        ("week", "2026-10-01", "2026-10-31"),
        ("", "2026-10-01", "2026-12-31"),
    ];
    for db in TestDatabase::both().await {
        servq_ok(&db, &["import", "customers", customers.to_str().unwrap()]);
        servq_ok(&db, &["import", "contacts", contacts.to_str().unwrap()]);
        servq_ok(&db, &["import", "tickets", tickets.to_str().unwrap()]);
        for (by, from, to) in runs {
            let mut args = vec!["kpi", "--from", from, "--to", to, "--metrics", metrics];
            args.extend(["--format", "json"]);
            if !by.is_empty() {
                args.extend(["--by", by]);
            }
            let ours: Value = serde_json::from_slice(&servq_ok(&db, &args).stdout).unwrap();
            let theirs = python_reference(
                "customer_reference.py",
                &[
                    "--customers".as_ref(),
                    customers.as_os_str(),
                    "--contacts".as_ref(),
                    contacts.as_os_str(),
                    "--tickets".as_ref(),
                    tickets.as_os_str(),
                    "--from".as_ref(),
                    from.as_ref(),
                    "--to".as_ref(),
                    to.as_ref(),
                    "--by".as_ref(),
                    by.as_ref(),
                ],
            );
            assert_same_kpis(&ours, &theirs, &format!("{:?} by {by}", db.backend));
        }
        // a filter keeps one segment; other measures are named as not kept per segment
        let vip: Value = serde_json::from_slice(
            &servq_ok(
                &db,
                &[
                    "kpi",
                    "--by",
                    "segment",
                    "--filter",
                    "segment=VIP",
                    "--from",
                    "2026-11-01",
                    "--to",
                    "2026-11-30",
                    "--metrics",
                    metrics,
                    "--format",
                    "json",
                ],
            )
            .stdout,
        )
        .unwrap();
        let rows = vip["rows"].as_array().unwrap();
        assert_eq!(rows.len(), 1, "{vip}");
        assert_eq!(rows[0]["segment"], "VIP");
        let table = servq_ok(
            &db,
            &[
                "kpi",
                "--by",
                "segment",
                "--from",
                "2026-11-01",
                "--to",
                "2026-11-30",
            ],
        );
        let text = String::from_utf8_lossy(&table.stdout);
        assert!(text.contains("not summed by customer segment"), "{text}");
    }
}

/// Rule tags on both databases: given as the history arrives (a third contact in 7 days makes
/// `frequent`, a complaint `complained_90d`, a CSAT of 1 `unsatisfied_last_survey`, the VIP
/// segment `vip`), taken away when the condition stops (a later CSAT of 5; the nightly job eight
/// days on, when the contacts have left the window), and under edited rules; bad rules refused
/// with every field named.
#[tokio::test]
async fn rule_tags_follow_the_history_and_the_rules() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path.to_str().unwrap().to_owned()
    };
    let zone = jiff::tz::TimeZone::get("Asia/Shanghai").unwrap();
    let now = jiff::Timestamp::now();
    // naive Shanghai time `hours` before now
    let ago = |hours: i64| {
        (now - jiff::SignedDuration::from_hours(hours))
            .to_zoned(zone.clone())
            .strftime("%Y-%m-%d %H:%M:%S")
            .to_string()
    };
    let contact = |id: &str, customer: &str, hours: i64| {
        format!(
            "{id},voice,card,{customer},A1,{},{},{},bill\n",
            ago(hours),
            ago(hours),
            ago(hours)
        )
    };
    let header =
        "contact_id,channel,queue,customer_id,agent_id,offered_at,answered_at,ended_at,category\n";
    let customers = write("customers.csv", "customer_id,segment\nC1,VIP\nC2,普通\n");
    let two = write(
        "two.csv",
        &format!(
            "{header}{}{}",
            contact("K1", "C2", 100),
            contact("K2", "C2", 50)
        ),
    );
    let third = write("third.csv", &format!("{header}{}", contact("K3", "C2", 2)));
    let tickets = write(
        "tickets.csv",
        &format!(
            "ticket_id,ticket_type,category,priority,subject,customer_id,created_at\nT1,complaint,billing,high,多扣费,C2,{}\n",
            ago(24 * 30)
        ),
    );
    let unhappy = write(
        "unhappy.csv",
        &format!(
            "response_id,contact_id,responded_at,csat\nR1,K1,{},1\n",
            ago(90)
        ),
    );
    let happy = write(
        "happy.csv",
        &format!(
            "response_id,contact_id,responded_at,csat\nR2,K3,{},5\n",
            ago(1)
        ),
    );
    let bad_rules = write(
        "bad.json",
        r#"{"rules": [{"tag": "常客", "condition": {"kind": "frequent", "contacts": 5, "days": 0}},
                      {"tag": "常客", "condition": {"kind": "segment", "segment": " "}}]}"#,
    );
    let rules = write(
        "rules.json",
        r#"[{"tag": "常客", "condition": {"kind": "frequent", "contacts": 4, "days": 7}},
            {"tag": "vip", "condition": {"kind": "segment", "segment": "VIP"}}]"#,
    );
    let tags_of = |db: &TestDatabase, id: &str| -> (Vec<String>, Vec<String>) {
        let shown: Value = serde_json::from_slice(
            &servq_ok(db, &["customers", "show", id, "--format", "json"]).stdout,
        )
        .unwrap();
        let list = |key: &str| -> Vec<String> {
            shown[key]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t.as_str().unwrap().to_owned())
                .collect()
        };
        (list("tags"), list("rule_tags"))
    };
    for db in TestDatabase::both().await {
        servq_ok(&db, &["import", "customers", &customers]);
        assert_eq!(tags_of(&db, "C1").1, ["vip"]);
        servq_ok(&db, &["import", "contacts", &two]);
        assert!(
            tags_of(&db, "C2").1.is_empty(),
            "two contacts are not frequent"
        );
        servq_ok(&db, &["import", "contacts", &third]);
        assert_eq!(tags_of(&db, "C2").1, ["frequent"]);
        servq_ok(&db, &["import", "tickets", &tickets]);
        servq_ok(&db, &["import", "survey-results", &unhappy]);
        assert_eq!(
            tags_of(&db, "C2").1,
            ["complained_90d", "frequent", "unsatisfied_last_survey"]
        );
        // the latest answer counts
        servq_ok(&db, &["import", "survey-results", &happy]);
        let (tags, rule_tags) = tags_of(&db, "C2");
        assert_eq!(rule_tags, ["complained_90d", "frequent"]);
        assert_eq!(tags, rule_tags, "no typed tags: the rule tags are the tags");
        // eight days on, the nightly job: the contacts left the 7-day window
        let later = (now + jiff::SignedDuration::from_hours(24 * 8)).to_string();
        let job = std::process::Command::new(env!("CARGO_BIN_EXE_servq"))
            .args(["jobs", "run", "customer-tags"])
            .env("SERVQ_DATABASE_URL", &db.url)
            .env("SERVQ_JOBS_CLOCK", &later)
            .env_remove("SERVQ_LOG")
            .output()
            .unwrap();
        assert!(job.status.success(), "{}", stderr(&job));
        assert_eq!(tags_of(&db, "C2").1, ["complained_90d"]);
        // bad rules: every problem at its field, nothing changed
        let refused = servq(&db, &["customers", "set-tag-rules", &bad_rules]);
        assert_eq!(refused.status.code(), Some(1));
        let report = stderr(&refused);
        for field in [
            "rules.0.condition.days",
            "rules.1.tag",
            "rules.1.condition.segment",
        ] {
            assert!(report.contains(field), "{field}\n{report}");
        }
        assert_eq!(tags_of(&db, "C1").1, ["vip"]);
        // edited rules apply to everyone at once: C2 has 3 contacts now (4 needed), complaints
        // no longer tag
        servq_ok(&db, &["import", "contacts", &third]);
        servq_ok(&db, &["customers", "set-tag-rules", &rules]);
        assert!(tags_of(&db, "C2").1.is_empty());
        let listed: Value =
            serde_json::from_slice(&servq_ok(&db, &["customers", "tag-rules"]).stdout).unwrap();
        assert_eq!(listed["rules"][0]["tag"], "常客");
        assert_eq!(listed["rules"][0]["condition"]["contacts"], 4);
    }
}

/// Merging duplicates on both databases keeps the history: the duplicate's contacts, ticket and
/// survey answer appear in the kept customer's timeline, FCR is re-linked across them (a repeat
/// that was two customers is now one: fcr_resolved falls by one, the eligible count stays),
/// the profiles become one, the old id leads to the kept one; bad merges are refused whole.
#[tokio::test]
async fn merging_duplicates_keeps_their_history_and_relinks_fcr() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path.to_str().unwrap().to_owned()
    };
    let customers = write(
        "customers.csv",
        "customer_id,name,phone,segment,tags\nC1,李雷,,VIP,老客户\nC9,Li Lei,13800138000,,投诉过\n",
    );
    // the same caller under two ids, about the same thing two days apart
    let contacts = write(
        "contacts.csv",
        "contact_id,channel,queue,customer_id,agent_id,offered_at,answered_at,ended_at,category\n\
         K1,voice,card,C1,A1,2026-11-02 09:00:00,2026-11-02 09:00:10,2026-11-02 09:05:00,bill\n\
         K2,voice,card,C9,A2,2026-11-04 09:00:00,2026-11-04 09:00:10,2026-11-04 09:05:00,bill\n",
    );
    let tickets = write(
        "tickets.csv",
        "ticket_id,ticket_type,category,priority,subject,customer_id,created_at\nT9,complaint,billing,high,多扣费,C9,2026-11-04 10:00:00\n",
    );
    let results = write(
        "results.csv",
        "response_id,contact_id,responded_at,csat\nR2,K2,2026-11-04 10:10:00,2\n",
    );
    let fcr = |db: &TestDatabase| -> (i64, i64) {
        let json: Value = serde_json::from_slice(
            &servq_ok(
                db,
                &[
                    "kpi",
                    "--metrics",
                    "fcr_eligible,fcr_resolved",
                    "--format",
                    "json",
                ],
            )
            .stdout,
        )
        .unwrap();
        (
            json["rows"][0]["fcr_eligible"].as_i64().unwrap(),
            json["rows"][0]["fcr_resolved"].as_i64().unwrap(),
        )
    };
    for db in TestDatabase::both().await {
        servq_ok(&db, &["import", "customers", &customers]);
        servq_ok(&db, &["import", "contacts", &contacts]);
        servq_ok(&db, &["import", "tickets", &tickets]);
        servq_ok(&db, &["import", "survey-results", &results]);
        assert_eq!(
            fcr(&db),
            (2, 2),
            "two customers, each resolved at first contact"
        );
        for (args, expected) in [
            (vec!["C1", "C1"], "duplicates.0"),
            (vec!["C1", "nobody"], "duplicates.0"),
            (vec!["ghost", "C9"], "id"),
        ] {
            let mut command = vec!["customers", "merge"];
            command.extend(args);
            let refused = servq(&db, &command);
            assert_eq!(refused.status.code(), Some(1));
            assert!(stderr(&refused).contains(expected), "{}", stderr(&refused));
        }
        assert_eq!(fcr(&db), (2, 2), "a refused merge changes nothing");
        let merged = servq_ok(&db, &["customers", "merge", "C1", "C9"]);
        assert!(
            stderr(&merged).contains("1 contacts, 1 tickets, 0 survey invitations moved"),
            "{}",
            stderr(&merged)
        );
        assert_eq!(fcr(&db), (2, 1), "K1 is now repeated by K2 two days later");
        let shown: Value = serde_json::from_slice(
            &servq_ok(&db, &["customers", "show", "C1", "--format", "json"]).stdout,
        )
        .unwrap();
        let ids: Vec<&str> = shown["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["id"].as_str().unwrap())
            .collect();
        assert_eq!(ids, ["R2", "T9", "K2", "K1"]);
        assert_eq!(shown["name"], "李雷", "the kept profile's name wins");
        assert_eq!(shown["phone"], "13800138000", "an empty field is filled");
        assert_eq!(shown["segment"], "VIP");
        assert_eq!(shown["merged_ids"], serde_json::json!(["C9"]));
        assert!(shown["tags"].as_array().unwrap().contains(&"投诉过".into()));
        assert_eq!(shown["measures"]["complaints"], 1);
        // the old id leads to the kept customer
        let old: Value = serde_json::from_slice(
            &servq_ok(&db, &["customers", "show", "C9", "--format", "json"]).stdout,
        )
        .unwrap();
        assert_eq!(old["customer_id"], "C1");
    }
}

/// A customer's data requests and the retention pass, on both databases: the export holds their
/// profile, contacts with transcript words, tickets and survey comments (JSON and an escaped HTML
/// page); the erasure removes all of it while every KPI stays equal (the repeat link survives
/// under the pseudonym); the retention job removes old words and ids and changes no KPI either.
#[tokio::test]
async fn erasure_and_retention_remove_personal_data_and_keep_every_kpi() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path.to_str().unwrap().to_owned()
    };
    let customers = write(
        "customers.csv",
        "customer_id,name,phone,email,closed_at\nC1,<b>李四</b>,13800138000,li@example.cn,\n\
         C2,王五,13900139000,wang@example.cn,2026-01-10\n",
    );
    // C1 calls twice about the bill within the FCR window (a repeat), C2 once
    let contacts = write(
        "contacts.csv",
        "contact_id,channel,queue,customer_id,agent_id,offered_at,answered_at,ended_at,category\n\
         K1,voice,card,C1,A1,2026-11-02 09:00:00,2026-11-02 09:00:10,2026-11-02 09:05:00,bill\n\
         K2,voice,card,C1,A1,2026-11-04 10:00:00,2026-11-04 10:00:05,2026-11-04 10:03:00,bill\n\
         K3,voice,card,C2,A2,2026-11-03 09:00:00,2026-11-03 09:00:05,2026-11-03 09:02:00,bill\n",
    );
    let transcripts = write(
        "transcripts.jsonl",
        &format!(
            "{}\n{}\n",
            serde_json::json!({"contact_id": "K1", "turns": [
                {"speaker": "customer", "start": 0.0, "end": 3.0, "text": "我的卡号是 6222 0000 1111 2222"},
                {"speaker": "agent", "start": 3.5, "end": 6.0, "text": "您好，已为您核实"}]}),
            serde_json::json!({"contact_id": "K3", "turns": [
                {"speaker": "customer", "start": 0.0, "end": 2.0, "text": "王五查账单"}]})
        ),
    );
    let tickets = write(
        "tickets.csv",
        "ticket_id,ticket_type,category,priority,subject,description,customer_id,created_at\n\
         T1,complaint,bill_query,high,李四投诉年费,客户手机 13800138000,C1,2026-11-05 08:30:00\n",
    );
    let surveys = write(
        "results.csv",
        "response_id,contact_id,responded_at,csat,comment\nR1,K1,2026-11-02 09:10:00,2,李四说太慢\n",
    );
    for db in TestDatabase::both().await {
        for (kind, file) in [
            ("customers", &customers),
            ("contacts", &contacts),
            ("transcripts", &transcripts),
            ("tickets", &tickets),
            ("survey_results", &surveys),
        ] {
            servq_ok(&db, &["import", kind, file]);
        }
        let kpis = |db: &TestDatabase| -> Value {
            let out = servq_ok(
                db,
                &[
                    "kpi",
                    "--by",
                    "queue",
                    "--from",
                    "2026-11-01",
                    "--to",
                    "2026-11-30",
                    "--format",
                    "json",
                ],
            );
            serde_json::from_slice(&out.stdout).unwrap()
        };
        let before = kpis(&db);
        assert_eq!(
            before["rows"][0]["fcr_rate"],
            serde_json::json!(2.0 / 3.0),
            "{before}"
        );

        // the access request: everything, as JSON and as a page
        let exported: Value =
            serde_json::from_slice(&servq_ok(&db, &["customers", "export", "C1"]).stdout).unwrap();
        assert_eq!(exported["profile"]["phone"], "13800138000");
        assert_eq!(exported["contacts"].as_array().unwrap().len(), 2);
        let k1 = exported["contacts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["contact_id"] == "K1")
            .unwrap();
        assert_eq!(
            k1["transcript"][0]["text"],
            "我的卡号是 6222 0000 1111 2222"
        );
        assert_eq!(
            exported["tickets"][0]["description"],
            "客户手机 13800138000"
        );
        assert_eq!(exported["survey_answers"][0]["comment"], "李四说太慢");
        let page = dir.path().join("c1.html");
        servq_ok(
            &db,
            &[
                "customers",
                "export",
                "C1",
                "--format",
                "html",
                "--output",
                page.to_str().unwrap(),
            ],
        );
        let page = std::fs::read_to_string(&page).unwrap();
        assert!(
            page.contains("&lt;b&gt;李四&lt;/b&gt;") && !page.contains("<b>李四"),
            "escaped"
        );
        assert!(page.contains("6222 0000 1111 2222"));

        // the erasure: asked twice, then nothing about C1 is left, and every KPI is the same
        assert!(
            !servq(&db, &["customers", "erase", "C1"]).status.success(),
            "needs --yes"
        );
        let erased: Value =
            serde_json::from_slice(&servq_ok(&db, &["customers", "erase", "C1", "--yes"]).stdout)
                .unwrap();
        assert_eq!(
            erased,
            serde_json::json!({"profiles": 1, "contacts": 2, "transcripts": 1, "tickets": 1,
                "survey_rows": 1, "attachments": 0})
        );
        assert_eq!(kpis(&db), before, "counts and KPIs stay after an erasure");
        // rebuilt from the contacts as they now are (same thresholds), FCR is still 2/3: the
        // pseudonym keeps the repeat link
        servq_ok(&db, &["config", "set-kpi", "--fcr-window-hours", "168"]);
        assert_eq!(kpis(&db), before, "and after the rollups are rebuilt");
        assert!(!servq(&db, &["customers", "show", "C1"]).status.success());
        assert!(!servq(&db, &["customers", "export", "C1"]).status.success());
        let store = servq_store::Store::open(&db.url).await.unwrap();
        let turns = |contact: &str| {
            let store = store.clone();
            let contact = contact.to_owned();
            async move {
                let stored = store.transcript(&contact).await.unwrap().unwrap();
                serde_json::from_str::<Vec<Value>>(&stored.turns_json).unwrap()
            }
        };
        let k1 = turns("K1").await;
        assert!(k1.iter().all(|turn| turn["text"] == ""), "{k1:?}");
        assert_eq!(k1.len(), 2, "timing and speakers stay");
        assert_eq!(k1[1]["end"], 6.0);
        let t1 = store.ticket("T1").await.unwrap().unwrap();
        assert!(t1.customer_id.starts_with("anon-"));
        assert!(t1.description.is_empty());
        let anon = &t1.customer_id;
        let history = store.customer_history(anon, None).await.unwrap();
        assert_eq!(
            history.contacts.len(),
            2,
            "the contacts share the pseudonym"
        );
        assert!(history.surveys.iter().all(|s| s.comment.is_empty()));
        let audit = store.audit_log(20, None).await.unwrap();
        assert!(
            audit
                .iter()
                .any(|e| e.action == "erase" && e.entity_id == "C1")
        );
        assert!(
            audit
                .iter()
                .any(|e| e.action == "export" && e.entity_id == "C1")
        );

        // retention: periods below 30 days are refused; with 30 days the nightly job removes
        // C2's id and words (older than that at its clock) and empties the closed profile
        let periods = write("short.json", r#"{"contacts_days": 7}"#);
        let refused = servq(&db, &["customers", "retention", "--set", &periods]);
        assert_eq!(refused.status.code(), Some(1));
        assert!(
            stderr(&refused).contains("contacts_days"),
            "{}",
            stderr(&refused)
        );
        let periods = write(
            "periods.json",
            r#"{"contacts_days": 30, "transcripts_days": 30, "closed_profiles_days": 300}"#,
        );
        servq_ok(&db, &["customers", "retention", "--set", &periods]);
        // the nightly job's period at a clock past every retention period; the line it prints
        let retention_job = |again: &[&str]| {
            let run = std::process::Command::new(env!("CARGO_BIN_EXE_servq"))
                .args([
                    "jobs",
                    "run",
                    "data-retention",
                    "--period",
                    "2027-01-10T02:50",
                ])
                .args(again)
                .env("SERVQ_DATABASE_URL", &db.url)
                .env("SERVQ_JOBS_CLOCK", "2027-01-10T00:00:00Z")
                .output()
                .unwrap();
            assert!(
                run.status.success(),
                "{}",
                String::from_utf8_lossy(&run.stderr)
            );
            String::from_utf8_lossy(&run.stdout).into_owned()
        };
        let line = retention_job(&[]);
        assert!(
            line.contains(
                "1 contacts pseudonymised, 1 transcripts without words, 1 profiles emptied"
            ),
            "{line}"
        );
        assert_eq!(kpis(&db), before, "counts and KPIs stay after retention");
        let c2 = store.customer("C2").await.unwrap().unwrap();
        assert_eq!(
            (c2.record.name.as_str(), c2.record.phone.as_str()),
            ("", "")
        );
        assert!(
            store
                .customer_history("C2", None)
                .await
                .unwrap()
                .contacts
                .is_empty()
        );
        assert_eq!(turns("K3").await[0]["text"], "");
        // a second run changes nothing
        let again = retention_job(&["--again"]);
        assert!(
            again.contains(
                "0 contacts pseudonymised, 0 transcripts without words, 0 profiles emptied"
            ),
            "{again}"
        );
        store.close().await;
    }
}

/// The driver analysis reads the customer measures too ("does low FCR precede churn?"): its
/// daily table holds `repeat_contact_rate` and `churn_rate` as `servq kpi --by day` gives them,
/// not empty values.
#[tokio::test]
async fn the_driver_table_carries_the_customer_measures() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path.to_str().unwrap().to_owned()
    };
    // four days; each day two customers call, one of them again the next day; one leaves a day
    let mut contacts = String::from(
        "contact_id,channel,queue,customer_id,agent_id,offered_at,answered_at,ended_at,category\n",
    );
    let mut customers = String::from("customer_id,since,closed_at\n");
    for day in 2..=5 {
        for (n, customer) in [format!("D{day}"), format!("D{}", day + 1)]
            .iter()
            .enumerate()
        {
            contacts.push_str(&format!(
                "K{day}{n},voice,card,{customer},A1,2026-11-0{day} 09:0{n}:00,2026-11-0{day} 09:0{n}:05,2026-11-0{day} 09:0{n}:50,bill\n"
            ));
        }
        customers.push_str(&format!("D{day},2026-01-01,2026-11-0{}\n", day + 1));
    }
    customers.push_str("D6,2026-01-01,\n");
    let contacts = write("contacts.csv", &contacts);
    let customers = write("customers.csv", &customers);
    for db in TestDatabase::both().await {
        servq_ok(&db, &["import", "customers", &customers]);
        servq_ok(&db, &["import", "contacts", &contacts]);
        let out = servq_ok(
            &db,
            &[
                "kpi",
                "--by",
                "day",
                "--from",
                "2026-11-02",
                "--to",
                "2026-11-05",
                "--metrics",
                "repeat_contact_rate,churn_rate,fcr_rate",
                "--format",
                "json",
            ],
        );
        let cli: Value = serde_json::from_slice(&out.stdout).unwrap();
        let store = servq_store::Store::open(&db.url).await.unwrap();
        let request = servq_app::analysis::DriversRequest {
            from: "2026-11-02".parse().unwrap(),
            to: "2026-11-05".parse().unwrap(),
            target: "churn_rate".into(),
            predictors: vec!["repeat_contact_rate".into(), "fcr_rate".into()],
            filters: Vec::new(),
            options: Default::default(),
            grain: Default::default(),
        };
        let zone = jiff::tz::TimeZone::get("Asia/Shanghai").unwrap();
        let table = servq_app::analysis::kpi_table(&store, &zone, &request)
            .await
            .map_err(|e| format!("{e:?}"))
            .unwrap();
        assert_eq!(
            table.names,
            ["churn_rate", "repeat_contact_rate", "fcr_rate"]
        );
        let rows = cli["rows"].as_array().unwrap();
        assert_eq!(table.rows.len(), rows.len());
        for (column, name) in table.columns.iter().zip(&table.names) {
            for (value, row) in column.iter().zip(rows) {
                let expected = row[name.as_str()].as_f64().expect("a value every day");
                assert!(
                    (value - expected).abs() < 1e-12,
                    "{name}: {value} vs {expected}"
                );
            }
        }
        assert!(
            table.columns[0].iter().any(|churn| *churn > 0.0),
            "{:?}",
            table.columns[0]
        );
        store.close().await;
    }
}
