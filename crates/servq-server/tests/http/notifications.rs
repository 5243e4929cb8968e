//! Notifications over HTTP: an evaluation tells the agent, a dispute the inspector, a
//! transferred ticket its new assignee; read marks, preferences and e-mail through the outbox.

use crate::support::*;

#[tokio::test]
async fn evaluations_disputes_and_assignments_notify_the_people_concerned() {
    for app in TestApp::on_both_databases().await {
        import_two_agents(&app.store).await;
        app.store
            .upsert_agents(&[servq_store::AgentRecord {
                queues: None,
                agent_id: "a1".into(),
                name: "Li".into(),
                team: "north".into(),
            }])
            .await
            .unwrap();
        let inspector = app.sign_in_as(Role::QaInspector).await;
        let agent = app.sign_in_as(Role::Agent).await;
        // the first pass only sets the cursors: nothing from before is announced
        let (_, before) = agent.get_json("/api/v1/notifications").await;
        assert_eq!(before["unread"], 0, "{before}");
        // the agent wants e-mails of new evaluations too
        let (status, settings) = agent
            .put_json(
                "/api/v1/me/notifications",
                &json!({"email": "li@example.com", "kinds": [
                    {"kind": "evaluation_new", "in_app": true, "email": true}]}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{settings}");
        // every kind: evaluations (3), tickets and SLA (3), KPI alerts, coaching sessions, tasks
        // given, overdue and commented on, problems reopened, courses assigned, drills coming
        // and risk reviews due
        assert_eq!(settings["kinds"].as_array().unwrap().len(), 15);
        let (status, bad) = agent
            .put_json(
                "/api/v1/me/notifications",
                &json!({"email": "not an address", "kinds": []}),
            )
            .await;
        assert_eq!(
            (status, bad["code"].clone()),
            (StatusCode::BAD_REQUEST, json!("bad_email"))
        );

        let answers = json!({"greeting": 1, "polite": 4, "tone": 5, "closing": 0, "answer": 4, "reminders": 2});
        let (status, evaluation) = inspector
            .post_json(
                "/api/v1/evaluations",
                &json!({"contact_id": "c1", "answers": answers}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED);
        let id = evaluation["id"].as_str().unwrap().to_owned();
        let (_, mine) = agent.get_json("/api/v1/notifications").await;
        assert_eq!(mine["unread"], 1, "{mine}");
        let first = &mine["notifications"][0];
        assert_eq!(first["kind"], "evaluation_new");
        assert_eq!(first["link"], format!("/qa/evaluations/{id}"));
        assert!(first["text"].as_str().unwrap().contains("c1"), "{first}");
        assert!(first["text"].as_str().unwrap().contains("68.75"), "{first}");
        // and an e-mail waits in the outbox for the agent's address
        let outbox = app
            .store
            .claim_outbox(&["email"], i64::MAX, 100, 0, 100)
            .await
            .unwrap();
        assert!(
            outbox
                .iter()
                .any(|m| m.recipient == "li@example.com" && m.body.contains(&id)),
            "{outbox:?}"
        );
        // the inspector is told nothing of their own evaluation, but of the dispute
        let (_, theirs) = inspector.get_json("/api/v1/notifications").await;
        assert_eq!(theirs["unread"], 0);
        agent
            .post_json(
                &format!("/api/v1/evaluations/{id}/dispute"),
                &json!({"reason": "客户先挂断"}),
            )
            .await;
        let (_, theirs) = inspector.get_json("/api/v1/notifications").await;
        assert_eq!(theirs["unread"], 1, "{theirs}");
        assert_eq!(theirs["notifications"][0]["kind"], "evaluation_disputed");

        // a ticket transferred to agent a1 tells the user who is a1
        let supervisor = app.sign_in_as(Role::Supervisor).await;
        let (status, ticket) = supervisor
            .post_json(
                "/api/v1/tickets",
                &json!({"ticket_type": "consult", "category": "bill_query", "priority": "normal",
                        "customer_id": "C-1", "subject": "账单疑问"}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{ticket}");
        let ticket_id = ticket["id"].as_str().unwrap();
        let (status, _) = supervisor
            .post_json(
                &format!("/api/v1/tickets/{ticket_id}/transfer"),
                &json!({"team": "north", "assignee": "a1"}),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        let (_, mine) = agent.get_json("/api/v1/notifications?unread=true").await;
        let kinds: Vec<&str> = mine["notifications"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["kind"].as_str().unwrap())
            .collect();
        assert_eq!(kinds, ["ticket_assigned", "evaluation_new"], "{mine}");
        assert!(
            mine["notifications"][0]["text"]
                .as_str()
                .unwrap()
                .contains("账单疑问")
        );

        // a second pass adds nothing; marking read
        servq_app::notifications::pass(&app.store, 1).await.unwrap();
        let (_, again) = agent.get_json("/api/v1/notifications").await;
        assert_eq!(again["unread"], 2);
        let first_id = again["notifications"][0]["id"].as_i64().unwrap();
        let (_, marked) = agent
            .post_json("/api/v1/notifications/read", &json!({"ids": [first_id]}))
            .await;
        assert_eq!(marked["marked"], 1);
        let (_, marked) = agent
            .post_json("/api/v1/notifications/read", &json!({}))
            .await;
        assert_eq!(marked["marked"], 1);
        let (_, after) = agent.get_json("/api/v1/notifications?unread=true").await;
        assert_eq!(after["unread"], 0);
        // the page lists them
        let (status, page) = agent.get_text("/notifications").await;
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains(&format!("/qa/evaluations/{id}")), "{page}");
    }
}
