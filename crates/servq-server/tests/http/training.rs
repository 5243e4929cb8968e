//! The case library and training over HTTP on both databases: a case tree is checked (shape,
//! forbidden wording), walked and counted; a course's exam is graded at once for choices and by
//! a supervisor for short answers, with attempts limited, a certificate and feedback.

use crate::support::*;

/// A small case: request → (question → resolution) | closing.
fn case_body() -> Value {
    json!({"title": "信用卡挂失", "category": "lost_card", "kind": "standard",
    "summary": "先核身再挂失",
    "nodes": [
        {"id": 1, "parent": null, "kind": "request", "customer": "我的卡丢了",
         "agent": "请您别着急，我先帮您核实身份。", "avoid": "你怎么这么不小心"},
        {"id": 2, "parent": 1, "kind": "question", "customer": "新卡多久能到？",
         "agent": "新卡会在 7 个工作日内寄到。", "avoid": "不知道"},
        {"id": 3, "parent": 2, "kind": "resolution", "customer": "",
         "agent": "已为您挂失并补卡。", "avoid": ""},
        {"id": 4, "parent": 1, "kind": "closing", "customer": "",
         "agent": "感谢您的来电，再见。", "avoid": ""}
    ]})
}

#[tokio::test]
async fn a_case_tree_is_checked_walked_and_counted() {
    for app in TestApp::on_both_databases().await {
        let editor = app.sign_in_as(Role::QaInspector).await;
        let agent = app.sign_in_as(Role::Agent).await;
        // a loop and a forbidden phrase are refused at their nodes
        let mut bad = case_body();
        bad["nodes"][1]["parent"] = json!(3);
        bad["nodes"][3]["agent"] = json!("我不知道，你自己看吧");
        let (status, refused) = editor.put_json("/api/v1/kb/cases/lost", &bad).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{refused}");
        let fields: Vec<&str> = refused["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap())
            .collect();
        assert!(fields.contains(&"nodes.1.parent"), "{refused}");
        assert!(fields.contains(&"nodes.3.agent"), "{refused}");
        let (status, _) = agent.put_json("/api/v1/kb/cases/lost", &case_body()).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "agents do not write cases");
        let (status, saved) = editor.put_json("/api/v1/kb/cases/lost", &case_body()).await;
        assert_eq!(status, StatusCode::OK, "{saved}");
        // walks: one through the question (missing its wording), one straight to the closing
        let (status, _) = agent
            .post_json(
                "/api/v1/kb/cases/lost/walks",
                &json!({"path": [1, 2, 3], "missed": [2]}),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        agent
            .post_json("/api/v1/kb/cases/lost/walks", &json!({"path": [1, 4]}))
            .await;
        for bad_walk in [
            json!({"path": [1, 2]}),
            json!({"path": [1, 3]}),
            json!({"path": [1, 4], "missed": [2]}),
        ] {
            let (status, _) = agent
                .post_json("/api/v1/kb/cases/lost/walks", &bad_walk)
                .await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{bad_walk}");
        }
        let (_, case) = editor.get_json("/api/v1/kb/cases/lost").await;
        assert_eq!(case["walks"], 2);
        let stat = |node: i64| {
            case["stats"]
                .as_array()
                .unwrap()
                .iter()
                .find(|s| s["node"] == node)
                .cloned()
                .unwrap()
        };
        assert_eq!(
            stat(1),
            json!({"node": 1, "visits": 2, "missed": 0, "ended": 0})
        );
        assert_eq!(
            stat(2),
            json!({"node": 2, "visits": 1, "missed": 1, "ended": 0})
        );
        assert_eq!(
            stat(4),
            json!({"node": 4, "visits": 1, "missed": 0, "ended": 1})
        );
        let (_, html) = editor.get_text("/kb/cases/lost").await;
        assert!(html.contains("id=\"case-tree\""), "{html}");
        assert!(html.contains("你怎么这么不小心"));
    }
}

/// A course with one question of each kind (10 points; 60 % passes).
fn course_body() -> Value {
    json!({"title": "挂失业务", "description": "挂失流程与话术",
        "items": [{"kind": "case", "id": "lost"}],
        "questions": [
            {"kind": "single", "prompt": "新卡几天寄到？", "options": ["3 天", "7 个工作日"], "answer": [1], "points": 2},
            {"kind": "multiple", "prompt": "哪些是规范用语？", "options": ["您好", "不知道", "请稍等"], "answer": [0, 2], "points": 2},
            {"kind": "true_false", "prompt": "可以念出完整卡号", "answer": [0], "points": 1},
            {"kind": "short", "prompt": "客户着急时第一句怎么说？", "model_answer": "先安抚", "points": 5}
        ],
        "pass_mark": 60, "max_attempts": 2, "qa_items": ["empathy"]})
}

#[tokio::test]
async fn an_exam_is_graded_at_once_then_by_a_supervisor_and_certified() {
    for app in TestApp::on_both_databases().await {
        let editor = app.sign_in_as(Role::Supervisor).await;
        let agent = app.sign_in_as(Role::Agent).await;
        editor.put_json("/api/v1/kb/cases/lost", &case_body()).await;
        let mut bad = course_body();
        bad["pass_mark"] = json!(0);
        bad["items"] = json!([{"kind": "case", "id": "nope"}]);
        let (status, refused) = editor.put_json("/api/v1/courses/lost-card", &bad).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        let fields: Vec<&str> = refused["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap())
            .collect();
        assert_eq!(fields, ["pass_mark", "items.0.id"], "{refused}");
        let (status, _) = editor
            .put_json("/api/v1/courses/lost-card", &course_body())
            .await;
        assert_eq!(status, StatusCode::OK);
        let (status, assigned) = editor
            .post_json(
                "/api/v1/courses/lost-card/assignments",
                &json!({"users": ["agent"], "due_date": "2026-12-31", "reason": "共性问题：安抚"}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{assigned}");
        assert_eq!(assigned["added"], 1);
        // the trainee is told, with the course and the due day, and the link opens the course
        let told = |notes: &Value| -> Vec<Value> {
            notes["notifications"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|n| n["kind"] == "course_assigned")
                .cloned()
                .collect()
        };
        let (_, notes) = agent.get_json("/api/v1/notifications").await;
        let course_notes = told(&notes);
        assert_eq!(course_notes.len(), 1, "{notes}");
        let note = course_notes[0].to_string();
        assert!(
            note.contains("2026-12-31") && note.contains("/training/lost-card"),
            "{note}"
        );
        // assigning again adds nobody and tells nobody again
        let (_, again) = editor
            .post_json(
                "/api/v1/courses/lost-card/assignments",
                &json!({"users": ["agent"], "due_date": "2026-12-31"}),
            )
            .await;
        assert_eq!(again["added"], 0);
        let (_, notes) = agent.get_json("/api/v1/notifications").await;
        assert_eq!(told(&notes).len(), 1, "{notes}");
        // the trainee does not get the answers
        let (_, course) = agent.get_json("/api/v1/courses/lost-card").await;
        assert!(course["questions"][0].get("answer").is_none(), "{course}");
        // a first attempt: 2 of 5 choice points and no short answer → failed at once
        let (status, first) = agent
            .post_json(
                "/api/v1/courses/lost-card/attempts",
                &json!({"answers": [[1], [0, 1, 2], true, ""]}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{first}");
        assert_eq!(first["status"], "failed");
        assert_eq!(
            (first["points"].as_u64(), first["max_points"].as_u64()),
            (Some(2), Some(10))
        );
        // a second: the choices right (5) and a short answer → waits for the supervisor
        let (_, second) = agent
            .post_json(
                "/api/v1/courses/lost-card/attempts",
                &json!({"answers": [[1], [2, 0], false, "先安抚客户情绪"]}),
            )
            .await;
        assert_eq!(second["status"], "awaiting_grading", "{second}");
        assert_eq!(second["points"], 5);
        // the attempts are used up
        let (status, refused) = agent
            .post_json(
                "/api/v1/courses/lost-card/attempts",
                &json!({"answers": [[1], [2, 0], false, "x"]}),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(refused["errors"][0]["field"], "attempts", "{refused}");
        // grading: more points than the question holds is refused; 1 of 5 → 6 of 10 passes
        let id = second["id"].as_i64().unwrap();
        let (status, _) = agent
            .post_json(
                &format!("/api/v1/attempts/{id}/grade"),
                &json!({"points": {"3": 1}}),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, _) = editor
            .post_json(
                &format!("/api/v1/attempts/{id}/grade"),
                &json!({"points": {"3": 6}}),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        let (status, graded) = editor
            .post_json(
                &format!("/api/v1/attempts/{id}/grade"),
                &json!({"points": {"3": 1}}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{graded}");
        assert_eq!(graded["status"], "passed");
        let (_, html) = agent.get_text(&format!("/training/attempts/{id}")).await;
        assert!(html.contains("id=\"certificate\""), "{html}");
        let (status, _) = agent
            .post_json(
                "/api/v1/courses/lost-card/feedback",
                &json!({"rating": 4, "comment": "案例很实用"}),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        let (_, report) = editor.get_json("/api/v1/courses/lost-card").await;
        assert!(
            report["assignments"][0]["completed_at"].is_string(),
            "{report}"
        );
        assert_eq!(report["feedback"][0]["rating"], 4);
        assert_eq!(report["effect"][0]["item"], "empathy");
        assert_eq!(report["effect"][0]["trainees"], 0, "no evaluations yet");
    }
}

#[tokio::test]
async fn a_case_is_drafted_from_the_turns_ticked_on_the_contact_page() {
    for app in TestApp::on_both_databases().await {
        import_two_agents(&app.store).await;
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("calls.jsonl");
        let transcript = json!({"contact_id": "c1", "turns": [
            {"speaker": "agent", "start": 0.0, "end": 2.0, "text": "您好，请讲"},
            {"speaker": "customer", "start": 2.0, "end": 6.0,
                "text": "我的卡 6222 0211 0012 3456 丢了"},
            {"speaker": "agent", "start": 6.0, "end": 9.0, "text": "天气不错"},
            {"speaker": "customer", "start": 9.0, "end": 12.0, "text": "要补卡吗"},
            {"speaker": "agent", "start": 12.0, "end": 15.0, "text": "已挂失，补卡五天寄到"}]});
        std::fs::write(&file, format!("{transcript}\n")).unwrap();
        let outcome = servq_app::imports::import_file(
            &app.store,
            servq_app::imports::FileImport {
                kind: servq_app::imports::FileKind::Transcripts,
                path: &file,
                name: "calls.jsonl",
                table: Default::default(),
                zone: &jiff::tz::TimeZone::UTC,
                max_errors: 10,
                actor: &Actor {
                    user_id: None,
                    name: "test".into(),
                },
                rules: None,
            },
            |_| {},
        )
        .await
        .unwrap();
        assert!(
            matches!(outcome, servq_import::Outcome::Imported(_)),
            "{outcome:?}"
        );
        let editor = app.sign_in_as(Role::Supervisor).await;
        let (status, contact) = editor.get_text("/contacts/c1").await;
        assert_eq!(status, StatusCode::OK);
        // one checkbox per turn, belonging to the draft form, numbered from 1
        assert_eq!(
            contact.matches("type=\"checkbox\" name=\"turns\"").count(),
            5
        );
        assert!(
            contact.contains("value=\"5\" form=\"make-case-form\""),
            "{contact}"
        );
        assert!(
            contact.contains("<form id=\"make-case-form\" method=\"get\" action=\"/kb/cases/new\"")
        );
        // an agent sees the transcript without the picker
        let agent = app.sign_in_as(Role::Agent).await;
        let (_, seen) = agent.get_text("/contacts/c1").await;
        assert!(!seen.contains("name=\"turns\""));
        // the turns ticked, as the browser sends them: the greeting, the loss, the resolution
        let (status, draft) = editor
            .get_text("/kb/cases/new?contact=c1&turns=1&turns=2&turns=5")
            .await;
        assert_eq!(status, StatusCode::OK);
        assert!(draft.contains("已挂失，补卡五天寄到"), "{draft}");
        assert!(!draft.contains("天气不错") && !draft.contains("要补卡吗"));
        // the card number masked, its last four kept
        assert!(
            !draft.contains("6222 0211") && draft.contains("3456"),
            "{draft}"
        );
        // none ticked: the whole conversation
        let (_, whole) = editor.get_text("/kb/cases/new?contact=c1").await;
        assert!(whole.contains("天气不错") && whole.contains("要补卡吗"));
    }
}
