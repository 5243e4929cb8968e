//! The global search over HTTP: tickets by subject words, contacts by customer, agents by name,
//! within the user's rights.

use crate::support::*;

#[tokio::test]
async fn search_finds_tickets_by_subject_words_contacts_by_customer_and_agents_by_name() {
    for app in TestApp::on_both_databases().await {
        import_two_agents(&app.store).await;
        app.store
            .upsert_agents(&[servq_store::AgentRecord {
                queues: None,
                agent_id: "a2".into(),
                name: "王小明".into(),
                team: "south".into(),
            }])
            .await
            .unwrap();
        let supervisor = app.sign_in_as(Role::Supervisor).await;
        for subject in [
            "Card charged twice in November",
            "账单重复扣费 100% 退款",
            "Card lost",
        ] {
            let (status, _) = supervisor
                .post_json(
                    "/api/v1/tickets",
                    &json!({"ticket_type": "consult", "category": "bill_query", "priority": "normal",
                            "customer_id": "C-9", "subject": subject}),
                )
                .await;
            assert_eq!(status, StatusCode::CREATED);
        }
        let subjects = |found: &Value| -> Vec<String> {
            found["tickets"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t["subject"].as_str().unwrap().to_owned())
                .collect()
        };
        // every word, in any case and order
        let (_, found) = supervisor.get_json("/api/v1/search?q=TWICE%20card").await;
        assert_eq!(
            subjects(&found),
            ["Card charged twice in November"],
            "{found}"
        );
        // Chinese words inside the subject; % is a character, not a wildcard
        let (_, found) = supervisor
            .get_json("/api/v1/search?q=%E9%87%8D%E5%A4%8D%20100%25")
            .await;
        assert_eq!(subjects(&found), ["账单重复扣费 100% 退款"], "{found}");
        let (_, found) = supervisor.get_json("/api/v1/search?q=50%25").await;
        assert!(subjects(&found).is_empty(), "{found}");
        // the customer's tickets and contacts; an agent by part of the name
        let (_, found) = supervisor.get_json("/api/v1/search?q=C-9").await;
        assert_eq!(found["tickets"].as_array().unwrap().len(), 3);
        let (_, found) = supervisor.get_json("/api/v1/search?q=c2").await;
        assert_eq!(found["contacts"][0]["contact_id"], "c2", "{found}");
        let (_, found) = supervisor
            .get_json("/api/v1/search?q=%E5%B0%8F%E6%98%8E")
            .await;
        assert_eq!(found["agents"][0]["agent_id"], "a2", "{found}");
        // an agent (a1) finds only their own contacts, and no agent list
        let agent = app.sign_in_as(Role::Agent).await;
        let (_, found) = agent.get_json("/api/v1/search?q=c2").await;
        assert!(found["contacts"].as_array().unwrap().is_empty(), "{found}");
        let (_, found) = agent.get_json("/api/v1/search?q=c1").await;
        assert_eq!(found["contacts"].as_array().unwrap().len(), 1);
        let (_, found) = agent.get_json("/api/v1/search?q=a2").await;
        assert!(found["agents"].as_array().unwrap().is_empty(), "{found}");
        // the page: one hit opens it, several are listed, none says so
        let (status, page) = supervisor.get_text("/search?q=lost").await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
        let (_, page) = supervisor.get_text("/search?q=card").await;
        assert!(page.contains("id=\"found-tickets\""), "{page}");
        let (_, page) = supervisor.get_text("/search?q=%3Cscript%3E").await;
        assert!(page.contains("id=\"no-results\""), "{page}");
        assert!(
            page.contains("&#60;script&#62;"),
            "the text is shown escaped: {page}"
        );
        assert!(!page.contains("value=\"<script>"), "{page}");
    }
}

#[tokio::test]
async fn the_ticket_list_filters_sorts_pages_and_shows_my_tickets() {
    for app in TestApp::on_both_databases().await {
        app.store
            .upsert_agents(&[servq_store::AgentRecord {
                queues: None,
                agent_id: "a1".into(),
                name: "李娜".into(),
                team: "north".into(),
            }])
            .await
            .unwrap();
        let supervisor = app.sign_in_as(Role::Supervisor).await;
        let mut ids = Vec::new();
        for (subject, priority) in [
            ("low one", "low"),
            ("urgent one", "urgent"),
            ("high one", "high"),
        ] {
            let (status, ticket) = supervisor
                .post_json(
                    "/api/v1/tickets",
                    &json!({"ticket_type": "consult", "category": "bill_query", "priority": priority,
                            "customer_id": "C-1", "subject": subject}),
                )
                .await;
            assert_eq!(status, StatusCode::CREATED, "{ticket}");
            ids.push(ticket["id"].as_str().unwrap().to_owned());
        }
        let (status, _) = supervisor
            .post_json(
                &format!("/api/v1/tickets/{}/transfer", ids[0]),
                &json!({"team": "north", "assignee": "a1"}),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        let subjects = |list: &Value| -> Vec<String> {
            list["tickets"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t["subject"].as_str().unwrap().to_owned())
                .collect()
        };
        let (_, mine) = supervisor.get_json("/api/v1/tickets?assignee=a1").await;
        assert_eq!(
            (subjects(&mine), mine["total"].clone()),
            (vec!["low one".to_owned()], json!(1))
        );
        let (_, by_priority) = supervisor
            .get_json("/api/v1/tickets?sort=priority&assignee=none&open=true")
            .await;
        assert_eq!(
            subjects(&by_priority),
            ["urgent one", "high one"],
            "{by_priority}"
        );
        let (_, paged) = supervisor
            .get_json("/api/v1/tickets?limit=1&offset=1")
            .await;
        assert_eq!(
            (
                paged["tickets"].as_array().unwrap().len(),
                paged["total"].clone()
            ),
            (1, json!(3))
        );
        let (status, bad) = supervisor.get_json("/api/v1/tickets?priority=soon").await;
        assert_eq!(
            (status, bad["code"].clone()),
            (StatusCode::BAD_REQUEST, json!("bad_filter"))
        );
        // the agent a1's "my tickets" view; the list shows the assignee by name and the deadline
        let agent = app.sign_in_as(Role::Agent).await;
        let (status, page) = agent.get_text("/tickets?assignee=me&open=true").await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            page.contains("id=\"view-mine\" aria-current=\"page\""),
            "{page}"
        );
        assert!(
            page.contains("low one") && !page.contains("urgent one"),
            "{page}"
        );
        assert!(page.contains("李娜 (a1)"), "{page}");
        assert!(page.contains("data-urgency=\"ok\""), "{page}");
        // a bad filter on the page is said on the page
        let (status, page) = agent.get_text("/tickets?priority=soon").await;
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains("id=\"filter-problem\""), "{page}");
    }
}
