//! The contact page: facts, the repeat that broke first-contact resolution, survey answers,
//! evaluations and the Evaluate button, within the user's rights.

use crate::support::*;

/// Contacts of one customer on one issue, a day apart (the second repeats the first).
async fn import_repeat(store: &Store) {
    let rows = [
        (
            "r1",
            "a1",
            "2026-11-02T09:00:00Z",
            "2026-11-02T09:00:10Z",
            "2026-11-02T09:05:00Z",
        ),
        (
            "r2",
            "a2",
            "2026-11-03T09:00:00Z",
            "2026-11-03T09:00:20Z",
            "2026-11-03T09:06:00Z",
        ),
    ];
    let mut import = store.begin_contact_import().await.unwrap();
    for (line, (id, agent, offered, answered, ended)) in rows.into_iter().enumerate() {
        let record = ContactRecord {
            contact_id: id,
            channel: "phone",
            direction: "inbound",
            queue: "card",
            customer_id: "C-77",
            agent_id: agent,
            offered_at: offered,
            answered_at: answered,
            ended_at: ended,
            talk_seconds: "280",
            hold_seconds: "15",
            wrap_seconds: "30",
            transferred: "",
            category: "bill_query",
            resolved: "",
            // a playable file for the first, a page of the recorder for the second
            recording_url: if id == "r1" {
                "https://rec.example.cn/2026/11/r1.mp3?sig=a&b=1"
            } else {
                "https://recorder.example.cn/play?id=r2"
            },
        };
        let contact = Contact::parse(&record, &jiff::tz::TimeZone::UTC).unwrap();
        import.push(line as u64 + 2, contact).await.unwrap();
    }
    import.commit("contacts.csv").await.unwrap();
}

#[tokio::test]
async fn a_contact_page_shows_its_facts_its_repeat_and_what_to_do_next() {
    for app in TestApp::on_both_databases().await {
        import_repeat(&app.store).await;
        app.store
            .upsert_agents(&[servq_store::AgentRecord {
                queues: None,
                agent_id: "a1".into(),
                name: "李娜".into(),
                team: "一组".into(),
            }])
            .await
            .unwrap();
        let inspector = app.sign_in_as(Role::QaInspector).await;
        let (status, page) = inspector.get_text("/contacts/r1").await;
        assert_eq!(status, StatusCode::OK, "{page}");
        assert!(page.contains("李娜 (a1)"), "the agent by name: {page}");
        assert!(page.contains("C-77"));
        // the repeat the next day broke first-contact resolution: linked both ways
        assert!(page.contains("id=\"repeated-by\""), "{page}");
        assert!(page.contains("href=\"/contacts/r2\""), "{page}");
        let (_, second) = inspector.get_text("/contacts/r2").await;
        assert!(second.contains("id=\"repeats\""), "{second}");
        // the recording: played in the page when the browser can, else linked
        assert!(
            page.contains("<audio controls preload=\"none\" src=\"https://rec.example.cn/2026/11/r1.mp3?sig=a&#38;b=1\""),
            "{page}"
        );
        assert!(page.contains("id=\"recording-link\""));
        assert!(!second.contains("<audio"), "{second}");
        assert!(
            second.contains("href=\"https://recorder.example.cn/play?id=r2\""),
            "{second}"
        );
        assert!(second.contains("href=\"/contacts/r1\""));
        // not evaluated yet: the button; once evaluated, the evaluation instead
        assert!(page.contains("id=\"evaluate\""));
        let answers = json!({"greeting": 1, "polite": 4, "tone": 5, "closing": 1, "answer": 4, "reminders": 2});
        let (status, evaluation) = inspector
            .post_json(
                "/api/v1/evaluations",
                &json!({"contact_id": "r1", "answers": answers}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED);
        let (_, page) = inspector.get_text("/contacts/r1").await;
        assert!(!page.contains("id=\"evaluate\""), "{page}");
        assert!(
            page.contains(&format!(
                "/qa/evaluations/{}",
                evaluation["id"].as_str().unwrap()
            )),
            "{page}"
        );
        // a ticket of the same customer shows their history to whoever serves them: contacts,
        // never an evaluation or QA score; each look is audited
        let supervisor = app.sign_in_as(Role::Supervisor).await;
        let (status, ticket) = supervisor
            .post_json(
                "/api/v1/tickets",
                &json!({"ticket_type": "consult", "category": "bill_query", "priority": "normal",
                    "subject": "账单疑问", "customer_id": "C-77", "channel": "phone"}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{ticket}");
        let ticket_id = ticket["id"].as_str().unwrap();
        let (_, ticket_page) = supervisor.get_text(&format!("/tickets/{ticket_id}")).await;
        assert!(
            ticket_page.contains("id=\"customer-card\""),
            "{ticket_page}"
        );
        assert!(
            ticket_page.contains("href=\"/customers/C-77\""),
            "{ticket_page}"
        );
        assert!(
            ticket_page.contains("href=\"/contacts/r1\""),
            "{ticket_page}"
        );
        let score = format!("{:.2}", evaluation["score"].as_f64().unwrap());
        assert!(
            !ticket_page.contains(&score),
            "no QA score beside the history: {score}"
        );
        assert!(!ticket_page.contains("/qa/evaluations/"), "{ticket_page}");
        let audit = app.store.audit_log(20, None).await.unwrap();
        assert!(
            audit
                .iter()
                .any(|entry| entry.action == "view_customer_history"
                    && entry.entity_id == "C-77"
                    && entry.username == "supervisor"),
            "{audit:?}"
        );
        // agent a1 sees their own contact, not a2's; an unknown contact is a 404 page
        let agent = app.sign_in_as(Role::Agent).await;
        assert_eq!(agent.get_text("/contacts/r1").await.0, StatusCode::OK);
        assert_eq!(
            agent.get_text("/contacts/r2").await.0,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            inspector.get_text("/contacts/nope").await.0,
            StatusCode::NOT_FOUND
        );
    }
}
