//! The improvement loop's commands on both databases: `servq coaching-plan` against
//! `servq evaluation` (each flag's value is the agent's measure, its reference the centre's, on
//! the worse side; every agent with a composite below 60 is in the plan), the monthly job mails
//! it once; `servq tasks` add/comment/list/done; `servq problems link/show`; `servq jobs
//! schedule` changes and restores a pattern and refuses a bad one by name.

use serde_json::Value;
use servq_store::testing::TestDatabase;

use super::{servq, servq_ok, stderr};

fn json(db: &TestDatabase, args: &[&str]) -> Value {
    serde_json::from_slice(&servq_ok(db, args).stdout).unwrap()
}

fn lines(db: &TestDatabase, args: &[&str]) -> Vec<Value> {
    String::from_utf8(servq_ok(db, args).stdout)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

/// The measure `metric` of an evaluation row.
fn measure(row: &Value, metric: &str) -> Option<f64> {
    row["dimensions"]
        .as_object()?
        .values()
        .find_map(|d| d["measures"][metric]["value"].as_f64())
}

#[tokio::test]
async fn the_coaching_plan_follows_the_evaluation_and_the_loop_commands_work() {
    for db in TestDatabase::both().await {
        servq_ok(
            &db,
            &[
                "demo",
                "--days",
                "45",
                "--end",
                "2026-11-30",
                "--daily-contacts",
                "200",
                "--agents",
                "8",
            ],
        );
        servq_ok(&db, &["config", "set-centre-zone", "Asia/Shanghai"]);
        let plan = json(
            &db,
            &["coaching-plan", "--month", "2026-11", "--format", "json"],
        );
        assert_eq!(plan["from"], "2026-11-01");
        assert_eq!(plan["to"], "2026-11-30");
        let (from, to) = ("2026-11-01", "2026-11-30");
        let by_agent = json(
            &db,
            &[
                "evaluation",
                "--from",
                from,
                "--to",
                to,
                "--by",
                "agent",
                "--format",
                "json",
            ],
        );
        let centre = json(
            &db,
            &["evaluation", "--from", from, "--to", to, "--format", "json"],
        );
        let centre = &centre["rows"][0];
        let agents = plan["agents"].as_array().unwrap();
        assert!(!agents.is_empty(), "{plan}");
        for agent in agents {
            let id = agent["agent_id"].as_str().unwrap();
            let row = by_agent["rows"]
                .as_array()
                .unwrap()
                .iter()
                .find(|r| r["agent"] == id)
                .unwrap();
            let flags = agent["flags"].as_array().unwrap();
            assert!(!flags.is_empty(), "{agent}");
            for flag in flags {
                let metric = flag["metric"].as_str().unwrap();
                let value = flag["value"].as_f64().unwrap();
                let reference = flag["reference"].as_f64().unwrap();
                if metric == "composite" {
                    assert!((value - row["composite"].as_f64().unwrap()).abs() < 1e-9);
                    assert_eq!(reference, 60.0);
                    continue;
                }
                assert!(
                    (value - measure(row, metric).unwrap()).abs() < 1e-9,
                    "{id} {metric}"
                );
                assert!(
                    (reference - measure(centre, metric).unwrap()).abs() < 1e-9,
                    "{id} {metric}"
                );
                let lower_is_better = matches!(
                    metric,
                    "aht_seconds"
                        | "avg_acw_seconds"
                        | "avg_hold_seconds"
                        | "asa_seconds"
                        | "transfer_rate"
                        | "first_response_seconds"
                );
                assert!(
                    if lower_is_better {
                        value > reference
                    } else {
                        value < reference
                    },
                    "{id} {metric}: {value} vs centre {reference}"
                );
            }
            // one topic per flag, then one per QA problem of theirs
            assert_eq!(
                agent["topics"].as_array().unwrap().len(),
                flags.len() + agent["qa_problems"].as_array().unwrap().len(),
                "{agent}"
            );
        }
        for row in by_agent["rows"].as_array().unwrap() {
            if let (Some(id), Some(composite)) = (row["agent"].as_str(), row["composite"].as_f64())
                && composite < 60.0
            {
                assert!(
                    agents.iter().any(|a| a["agent_id"] == id),
                    "{id} has composite {composite}"
                );
            }
        }
        let text = String::from_utf8(
            servq_ok(
                &db,
                &["coaching-plan", "--month", "2026-11", "--lang", "zh-CN"],
            )
            .stdout,
        )
        .unwrap();
        assert!(text.starts_with("2026-11 一对一辅导计划"), "{text}");
        let bad = servq(&db, &["coaching-plan", "--month", "2026-13"]);
        assert!(!bad.status.success());
        assert!(stderr(&bad).contains("2026-13"), "{}", stderr(&bad));

        // the monthly job makes it on the 1st, once
        let ran = lines(
            &db,
            &[
                "jobs",
                "run",
                "coaching-plan",
                "--period",
                "2026-12-01T07:30",
            ],
        );
        assert_eq!(ran[0]["status"], "done", "{ran:?}");
        assert_eq!(
            ran[0]["detail"],
            format!("2026-11: {} agents to coach, mailed", agents.len())
        );
        let again = servq(
            &db,
            &[
                "jobs",
                "run",
                "coaching-plan",
                "--period",
                "2026-12-01T07:30",
            ],
        );
        assert!(!again.status.success());

        // schedules
        let bad = servq(
            &db,
            &["jobs", "schedule", "daily-briefing", "8:30 every day"],
        );
        assert!(!bad.status.success());
        assert!(stderr(&bad).contains("pattern"), "{}", stderr(&bad));
        servq_ok(&db, &["jobs", "schedule", "daily-briefing", "0 7 * * 1-5"]);
        let listed = json(&db, &["jobs", "list", "--format", "json"]);
        let briefing = listed["jobs"]
            .as_array()
            .unwrap()
            .iter()
            .find(|j| j["name"] == "daily-briefing")
            .unwrap()
            .clone();
        assert_eq!(briefing["pattern"], "0 7 * * 1-5");
        assert_eq!(briefing["changed"], true);
        servq_ok(&db, &["jobs", "schedule", "daily-briefing", "--default"]);
        let listed = json(&db, &["jobs", "list", "--format", "json"]);
        assert!(
            listed["jobs"]
                .as_array()
                .unwrap()
                .iter()
                .any(|j| j["name"] == "daily-briefing" && j["pattern"] == "30 8 * * *")
        );

        // a problem, evidence, a task with a comment
        crate::admin::servq_input_ok(
            &db,
            &["user", "add", "lead", "--role", "supervisor"],
            "a long password\n",
        );
        let problem = String::from_utf8(
            servq_ok(
                &db,
                &[
                    "problems",
                    "add",
                    "--class",
                    "problem_solving",
                    "--title",
                    "重复来电多",
                    "--owner",
                    "lead",
                ],
            )
            .stdout,
        )
        .unwrap()
        .trim()
        .to_owned();
        servq_ok(
            &db,
            &[
                "problems",
                "link",
                &problem,
                "--kind",
                "kpi",
                "--ref",
                "fcr_rate|team=一组",
                "--note",
                "一组首解率最低",
            ],
        );
        let bad = servq(
            &db,
            &[
                "problems", "link", &problem, "--kind", "contact", "--ref", "nope",
            ],
        );
        assert!(!bad.status.success());
        assert!(stderr(&bad).contains("reference"), "{}", stderr(&bad));
        let task = String::from_utf8(
            servq_ok(
                &db,
                &[
                    "tasks",
                    "add",
                    "--title",
                    "整理常见重复问题清单",
                    "--owner",
                    "lead",
                    "--due",
                    "2026-11-20",
                    "--problem",
                    &problem,
                ],
            )
            .stdout,
        )
        .unwrap()
        .trim()
        .to_owned();
        servq_ok(&db, &["tasks", "comment", &task, "清单初稿见共享盘"]);
        let overdue = lines(&db, &["tasks", "list", "--overdue"]);
        assert_eq!(overdue.len(), 1);
        assert_eq!(overdue[0]["comments"][0]["body"], "清单初稿见共享盘");
        let done = lines(&db, &["tasks", "done", &task, "--evidence", "清单已发布"]);
        assert_eq!(done[0]["status"], "done");
        assert!(lines(&db, &["tasks", "list", "--overdue"]).is_empty());
        let shown = json(&db, &["problems", "show", &problem]);
        assert_eq!(shown["evidence"][0]["kind"], "kpi");
        assert_eq!(shown["evidence"][0]["link"], "/?team=%E4%B8%80%E7%BB%84");
        assert_eq!(shown["tasks"][0]["evidence"], "清单已发布");
    }
}
