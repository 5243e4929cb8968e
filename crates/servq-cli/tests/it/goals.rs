//! `servq goals` against `servq kpi` on both databases: a goal's baseline is the metric over its
//! baseline period and scope, its current value the metric over the 28 days before `--as-of`,
//! progress and status follow the written rules (computed here, not borrowed from servq); a
//! relative goal's target is the baseline changed by the given share; bad goals are refused by
//! name.

use serde_json::Value;
use servq_store::testing::TestDatabase;

use super::{servq, servq_ok, stderr};

fn kpi(db: &TestDatabase, metric: &str, from: &str, to: &str, filter: &str) -> f64 {
    let mut args = vec!["kpi", "--from", from, "--to", to, "--format", "json"];
    if !filter.is_empty() {
        args.extend(["--filter", filter]);
    }
    let out: Value = serde_json::from_slice(&servq_ok(db, &args).stdout).unwrap();
    out["rows"][0][metric].as_f64().unwrap()
}

fn day(offset: i64) -> String {
    let today = jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::get("Asia/Shanghai").unwrap())
        .date();
    today
        .checked_add(jiff::Span::new().days(offset))
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn goals_measure_like_servq_kpi_and_judge_by_the_written_rules() {
    for db in TestDatabase::both().await {
        servq_ok(
            &db,
            &[
                "demo",
                "--days",
                "60",
                "--daily-contacts",
                "200",
                "--agents",
                "8",
            ],
        );
        servq_ok(&db, &["config", "set-centre-zone", "Asia/Shanghai"]);
        let (from, to, deadline) = (day(-60), day(-31), day(90));
        let cases = [
            ("csat", "0.95", "", ""),
            ("aht_seconds", "", "-0.1", "team=一组"),
            ("fcr_rate", "0.97", "", "agent=A001"),
        ];
        let mut ids = Vec::new();
        for (metric, target, relative, filter) in cases {
            let mut args = vec![
                "goals",
                "add",
                "--metric",
                metric,
                "--deadline",
                &deadline,
                "--baseline-from",
                &from,
                "--baseline-to",
                &to,
            ];
            if !target.is_empty() {
                args.extend(["--target", target]);
            }
            if !relative.is_empty() {
                args.extend(["--relative", relative]);
            }
            if !filter.is_empty() {
                args.extend(["--filter", filter]);
            }
            let id = String::from_utf8(servq_ok(&db, &args).stdout).unwrap();
            ids.push(id.trim().parse::<i64>().unwrap());
        }
        let today = day(0);
        let listed: Value = serde_json::from_slice(
            &servq_ok(
                &db,
                &["goals", "list", "--as-of", &today, "--format", "json"],
            )
            .stdout,
        )
        .unwrap();
        let goals = listed["goals"].as_array().unwrap();
        assert_eq!(goals.len(), 3, "{listed}");
        for (metric, target, relative, filter) in cases {
            let goal = goals.iter().find(|g| g["metric"] == metric).unwrap();
            let baseline = kpi(&db, metric, &from, &to, filter);
            assert!(
                (goal["baseline"].as_f64().unwrap() - baseline).abs() <= 1e-12,
                "{goal}"
            );
            let current = kpi(&db, metric, &day(-28), &day(-1), filter);
            assert!(
                (goal["current"].as_f64().unwrap() - current).abs() <= 1e-12,
                "{goal}"
            );
            let target = if relative.is_empty() {
                target.parse::<f64>().unwrap()
            } else {
                baseline * (1.0 + relative.parse::<f64>().unwrap())
            };
            assert!(
                (goal["target"].as_f64().unwrap() - target).abs() <= 1e-9,
                "{goal}"
            );
            let progress = (current - baseline) / (target - baseline);
            assert!(
                (goal["progress"].as_f64().unwrap() - progress).abs() <= 1e-9,
                "{goal}"
            );
            // set today: the straight line expects nothing yet (e = 0)
            let status = if progress >= 1.0 {
                "met"
            } else if progress >= 0.0 {
                "on_track"
            } else if progress >= -0.25 {
                "at_risk"
            } else {
                "off_track"
            };
            assert_eq!(goal["status"], status, "{goal}");
            let expected_filter = match filter.split_once('=') {
                Some((dimension, value)) => serde_json::json!({ dimension: value }),
                None => serde_json::json!({}),
            };
            assert_eq!(goal["filter"], expected_filter);
            // four baseline weeks at most: too few for control limits
            assert!(goal["signal"].is_null(), "{goal}");
        }

        // refused by name, nothing stored
        let bad = servq(
            &db,
            &[
                "goals",
                "add",
                "--metric",
                "service_level",
                "--target",
                "0.9",
                "--deadline",
                &day(-1),
                "--baseline-from",
                &to,
                "--baseline-to",
                &from,
                "--filter",
                "agent=A001",
            ],
        );
        assert!(!bad.status.success());
        let text = stderr(&bad);
        assert!(
            text.contains("--filter: service_level means nothing per agent"),
            "{text}"
        );
        assert!(
            text.contains("--baseline-to: the baseline period ends before it starts"),
            "{text}"
        );
        assert!(
            text.contains("--deadline: the deadline must be after today"),
            "{text}"
        );
        let wrong_way = servq(
            &db,
            &[
                "goals",
                "add",
                "--metric",
                "csat",
                "--target",
                "0.01",
                "--deadline",
                &deadline,
                "--baseline-from",
                &from,
                "--baseline-to",
                &to,
            ],
        );
        assert!(
            stderr(&wrong_way)
                .contains("--target: the target is on the worse side of the baseline"),
            "{}",
            stderr(&wrong_way)
        );
        let listed: Value =
            serde_json::from_slice(&servq_ok(&db, &["goals", "list", "--format", "json"]).stdout)
                .unwrap();
        assert_eq!(listed["goals"].as_array().unwrap().len(), 3);
    }
}
