//! `servq briefing --date D --format json` against `servq kpi` on both databases: each key
//! measure's value is the day before D, `previous` the day before that, `target` the centre
//! target in effect; the measures can be chosen, an unknown one is refused by name.

use serde_json::Value;
use servq_store::testing::TestDatabase;

use super::{servq, servq_ok, stderr};

fn day_kpis(db: &TestDatabase, day: &str) -> Value {
    let out: Value = serde_json::from_slice(
        &servq_ok(db, &["kpi", "--from", day, "--to", day, "--format", "json"]).stdout,
    )
    .unwrap();
    out["rows"][0].clone()
}

#[tokio::test]
async fn the_briefing_reports_yesterday_like_servq_kpi() {
    for db in TestDatabase::both().await {
        servq_ok(
            &db,
            &[
                "demo",
                "--days",
                "10",
                "--end",
                "2026-11-30",
                "--daily-contacts",
                "200",
                "--agents",
                "8",
            ],
        );
        servq_ok(
            &db,
            &[
                "targets",
                "set",
                "service_level",
                "0.8",
                "--effective-from",
                "2026-11-01",
            ],
        );
        let briefing: Value = serde_json::from_slice(
            &servq_ok(
                &db,
                &["briefing", "--date", "2026-11-30", "--format", "json"],
            )
            .stdout,
        )
        .unwrap();
        assert_eq!(briefing["date"], "2026-11-30");
        let (yesterday, before) = (day_kpis(&db, "2026-11-29"), day_kpis(&db, "2026-11-28"));
        let kpis = briefing["kpis"].as_object().unwrap();
        assert_eq!(
            kpis.keys().map(String::as_str).collect::<Vec<_>>(),
            [
                "offered",
                "answer_rate",
                "service_level",
                "asa_seconds",
                "aht_seconds",
                "fcr_rate",
                "csat",
                "complaints"
            ]
        );
        for (metric, entry) in kpis {
            for (key, source) in [("value", &yesterday), ("previous", &before)] {
                match (entry[key].as_f64(), source[metric].as_f64()) {
                    (Some(ours), Some(theirs)) => {
                        assert!(
                            (ours - theirs).abs() <= 1e-12,
                            "{metric}.{key}: {ours} vs {theirs}"
                        )
                    }
                    (ours, theirs) => assert_eq!(ours, theirs, "{metric}.{key}"),
                }
            }
        }
        assert_eq!(kpis["service_level"]["target"], 0.8);
        // the demo sets CSAT 85 % and no ASA target
        assert_eq!(kpis["csat"]["target"], 0.85);
        assert!(kpis["asa_seconds"]["target"].is_null());
        assert_eq!(briefing["overdue_tasks"], serde_json::json!([]));
        assert_eq!(briefing["problems"], serde_json::json!([]));

        servq_ok(&db, &["briefing", "--set-metrics", "service_level,csat"]);
        let chosen: Value = serde_json::from_slice(
            &servq_ok(
                &db,
                &["briefing", "--date", "2026-11-30", "--format", "json"],
            )
            .stdout,
        )
        .unwrap();
        assert_eq!(chosen["kpis"].as_object().unwrap().len(), 2);
        let bad = servq(&db, &["briefing", "--set-metrics", "service_level,smiles"]);
        assert!(!bad.status.success());
        assert!(stderr(&bad).contains("smiles"), "{}", stderr(&bad));
    }
}
