//! The improvement loop's API on both databases: a problem's goal, evidence and detail; task
//! comments (the owner or a manager only); job schedules refused by field with an example; the coaching plan.

use crate::support::*;

#[tokio::test]
async fn problems_tasks_and_schedules_over_the_api() {
    for app in TestApp::on_both_databases().await {
        app.store.set_centre_zone("UTC").await.unwrap();
        import_two_agents(&app.store).await;
        let lead = app.sign_in_as(Role::Supervisor).await;
        let agent = app.sign_in_as(Role::Agent).await;
        let (status, problem) = lead
            .post_json(
                "/api/v1/problems",
                &json!({"class": "attitude", "title": "语气生硬", "owner": "supervisor"}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{problem}");
        let id = problem["id"].as_i64().unwrap();

        // evidence: a contact that exists; an unknown one refused by field
        let (status, linked) = lead
            .post_json(
                &format!("/api/v1/problems/{id}/evidence"),
                &json!({"kind": "contact", "reference": "c1", "note": "<script>x</script>"}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{linked}");
        assert_eq!(linked["evidence"][0]["link"], "/contacts/c1");
        let (status, refused) = lead
            .post_json(
                &format!("/api/v1/problems/{id}/evidence"),
                &json!({"kind": "ticket", "reference": "T-404"}),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{refused}");
        assert_eq!(refused["errors"][0]["field"], "reference");
        let (status, _) = agent
            .post_json(
                &format!("/api/v1/problems/{id}/evidence"),
                &json!({"kind": "contact", "reference": "c2"}),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (_, detail) = lead.get_json(&format!("/api/v1/problems/{id}")).await;
        assert_eq!(detail["evidence"].as_array().unwrap().len(), 1, "{detail}");
        let evidence = detail["evidence"][0]["id"].as_i64().unwrap();
        let (_, page) = lead.get_text(&format!("/problems/{id}")).await;
        let start = page.find("id=\"evidence\"").unwrap_or(0);
        assert!(
            !page.contains("<script>x</script>"),
            "the note is escaped: {}",
            &page[start..]
        );
        assert!(page.contains("id=\"evidence-form\""));
        let (status, _) = lead
            .delete(&format!("/api/v1/problems/{id}/evidence/{evidence}"))
            .await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        let (status, _) = lead
            .delete(&format!("/api/v1/problems/{id}/evidence/{evidence}"))
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _) = lead.get_json("/api/v1/problems/999").await;
        assert_eq!(status, StatusCode::NOT_FOUND);

        // a goal that does not exist is refused; none (0) is accepted
        let (status, refused) = lead
            .put_json(&format!("/api/v1/problems/{id}"), &json!({"goal_id": 42}))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{refused}");
        assert_eq!(refused["errors"][0]["field"], "goal_id");
        let (status, kept) = lead
            .put_json(&format!("/api/v1/problems/{id}"), &json!({"goal_id": 0}))
            .await;
        assert_eq!(status, StatusCode::OK, "{kept}");
        assert_eq!(kept["status"], "open");

        // a task for the agent: the agent comments on their own task, not on others'
        let (status, task) = lead
            .post_json(
                "/api/v1/tasks",
                &json!({"title": "回听本人录音", "owner": "agent", "due": "2026-12-20", "problem_id": id}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{task}");
        let task = task["id"].as_i64().unwrap();
        let (status, other) = lead
            .post_json(
                "/api/v1/tasks",
                &json!({"title": "整理话术", "owner": "supervisor", "due": "2026-12-20", "problem_id": id}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{other}");
        let other = other["id"].as_i64().unwrap();
        let (status, comments) = agent
            .post_json(
                &format!("/api/v1/tasks/{task}/comments"),
                &json!({"body": "已回听 5 通"}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{comments}");
        assert_eq!(comments["comments"][0]["author"], "agent");
        let (status, _) = agent
            .post_json(
                &format!("/api/v1/tasks/{other}/comments"),
                &json!({"body": "x"}),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, refused) = agent
            .post_json(
                &format!("/api/v1/tasks/{task}/comments"),
                &json!({"body": "  "}),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{refused}");
        let (_, listed) = agent.get_json("/api/v1/tasks").await;
        assert_eq!(listed["tasks"].as_array().unwrap().len(), 1, "{listed}");
        assert_eq!(listed["tasks"][0]["comments"][0]["body"], "已回听 5 通");
        // the lead's comment tells the agent
        lead.post_json(
            &format!("/api/v1/tasks/{task}/comments"),
            &json!({"body": "很好，继续"}),
        )
        .await;
        let (_, told) = agent.get_json("/api/v1/notifications").await;
        assert!(
            told["notifications"]
                .as_array()
                .unwrap()
                .iter()
                .any(|n| n["kind"] == "task_comment"),
            "{told}"
        );

        // schedules: an admin changes one; a bad pattern is refused by field, with an example
        let admin = app.sign_in_as(Role::Admin).await;
        let (status, refused) = admin
            .put_json(
                "/api/v1/jobs/daily-briefing/schedule",
                &json!({"pattern": "每天八点"}),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{refused}");
        assert_eq!(refused["errors"][0]["field"], "pattern");
        assert!(
            refused["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("30 8 * * 1-5"),
            "{refused}"
        );
        let (status, _) = admin
            .put_json("/api/v1/jobs/nope/schedule", &json!({"pattern": null}))
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, job) = admin
            .put_json(
                "/api/v1/jobs/weekly-review/schedule",
                &json!({"pattern": "0 10 * * 1"}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{job}");
        assert_eq!(job["changed"], true);
        assert_eq!(job["default_pattern"], "0 9 * * 1");
        let (_, jobs) = admin.get_json("/api/v1/jobs").await;
        assert_eq!(
            jobs["jobs"].as_array().unwrap().len(),
            servq_app::jobs::Job::ALL.len(),
            "{jobs}"
        );
        let (_, page) = admin.get_text("/admin/settings").await;
        assert!(
            page.contains("value=\"0 10 * * 1\""),
            "the settings page shows it"
        );
        let (status, _) = lead
            .put_json(
                "/api/v1/jobs/weekly-review/schedule",
                &json!({"pattern": null}),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);

        // the coaching plan: a month that is no month is refused
        let (status, plan) = lead.get_json("/api/v1/coaching-plan?month=2026-11").await;
        assert_eq!(status, StatusCode::OK, "{plan}");
        assert_eq!(plan["month"], "2026-11");
        let (status, _) = lead.get_json("/api/v1/coaching-plan?month=11-2026").await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        let (status, page) = lead.get_text("/coaching-plan/2026-11").await;
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains("2026-11"), "{page}");
    }
}
