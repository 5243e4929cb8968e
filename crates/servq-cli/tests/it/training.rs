//! `servq training` on both databases: a case and a course saved from the API's JSON (a bad
//! tree refused at its fields), shown with their statistics, a course assigned to a team.

use serde_json::{Value, json};

use crate::admin::servq_input_ok;
use crate::*;

#[tokio::test]
async fn cases_and_courses_are_kept_from_the_command_line() {
    for db in TestDatabase::both().await {
        let dir = tempfile::tempdir().unwrap();
        let write = |name: &str, value: Value| {
            let path = dir.path().join(name);
            std::fs::write(&path, value.to_string()).unwrap();
            path.to_str().unwrap().to_owned()
        };
        let node = |id: i64, parent: Option<i64>, kind: &str, agent: &str| {
            json!({"id": id, "parent": parent, "kind": kind, "customer": "我的卡丢了",
                "agent": agent, "avoid": ""})
        };
        // two roots: refused, every problem named at its field, nothing stored
        let bad = write(
            "bad.json",
            json!({"title": "挂失", "kind": "standard", "nodes": [
                node(1, None, "request", "您好"), node(2, None, "request", "您好")]}),
        );
        let out = servq(&db, &["training", "save-case", "lost-card", &bad]);
        assert!(!out.status.success());
        let said = stderr(&out);
        assert!(said.contains("error: nodes"), "{said}");
        let cases: Value =
            serde_json::from_slice(&servq_ok(&db, &["training", "cases"]).stdout).unwrap();
        assert_eq!(cases["cases"], json!([]));
        let good = write(
            "case.json",
            json!({"title": "挂失", "kind": "standard", "nodes": [
                node(1, None, "request", "您好，我先帮您挂失"),
                node(2, Some(1), "question", "请问卡号后四位？"),
                node(3, Some(2), "resolution", "已挂失，补卡五个工作日寄到")]}),
        );
        servq_ok(&db, &["training", "save-case", "lost-card", &good]);
        let case: Value =
            serde_json::from_slice(&servq_ok(&db, &["training", "case", "lost-card"]).stdout)
                .unwrap();
        assert_eq!(case["nodes"].as_array().unwrap().len(), 3);
        assert_eq!(case["walks"], 0);
        // a course on the case, assigned to a team's agents
        let course = write(
            "course.json",
            json!({"title": "挂失流程", "items": [{"kind": "case", "id": "lost-card"}],
                "questions": [{"kind": "true_false", "prompt": "挂失前要核实身份", "answer": [1],
                    "points": 1}],
                "pass_mark": 80}),
        );
        servq_ok(&db, &["training", "save-course", "c-lost", &course]);
        let line = "a long password\n";
        let roster = dir.path().join("agents.csv");
        std::fs::write(&roster, "agent_id,name,team\nA07,蔡,north\nA08,白,south\n").unwrap();
        servq_ok(&db, &["import", "agents", roster.to_str().unwrap()]);
        servq_input_ok(
            &db,
            &["user", "add", "bai", "--role", "agent", "--agent-id", "A08"],
            line,
        );
        servq_input_ok(
            &db,
            &["user", "add", "cai", "--role", "agent", "--agent-id", "A07"],
            line,
        );
        let assigned = servq_ok(
            &db,
            &[
                "training",
                "assign",
                "c-lost",
                "--team",
                "north",
                "--due",
                "2026-12-31",
            ],
        );
        assert_eq!(
            String::from_utf8_lossy(&assigned.stdout).trim(),
            "1 new assignments"
        );
        let report: Value =
            serde_json::from_slice(&servq_ok(&db, &["training", "course", "c-lost"]).stdout)
                .unwrap();
        assert_eq!(
            report["items"],
            json!([{"kind": "case", "id": "lost-card"}])
        );
        assert_eq!(report["assignments"][0]["username"], "cai");
        assert_eq!(report["assignments"][0]["due_date"], "2026-12-31");
        assert_eq!(report["attempts"], json!([]));
        // an unknown course is refused at its id
        let out = servq(&db, &["training", "assign", "nope", "--user", "cai"]);
        assert!(!out.status.success());
        assert!(stderr(&out).contains("error: id"), "{}", stderr(&out));
    }
}
