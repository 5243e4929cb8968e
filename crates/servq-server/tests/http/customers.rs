//! Customers over HTTP on both databases: who may see a customer, what is masked for whom, and
//! that every look is audited.

use servq_core::CustomerRecord;

use crate::support::*;

/// C1 (phone, e-mail, segment VIP) served by agent a1 yesterday; C2 nobody serves.
async fn seed(store: &Store) {
    let parse = |id: &str, phone: &str, email: &str| {
        let fields = [
            ("customer_id", id),
            ("name", "<script>alert(1)</script>"),
            ("phone", phone),
            ("email", email),
            ("segment", "VIP"),
        ];
        CustomerRecord::parse(
            |name| fields.iter().find(|(n, _)| *n == name).map(|(_, v)| *v),
            &[],
        )
        .unwrap()
    };
    let rows = vec![
        (2, parse("C1", "13800138000", "li@example.com")),
        (3, parse("C2", "13900139000", "wang@example.com")),
    ];
    store
        .import_customers(&rows, "customers.csv", 1, true)
        .await
        .unwrap()
        .unwrap();
    let yesterday = jiff::Timestamp::now() - jiff::SignedDuration::from_hours(24);
    let at = |minutes: i64| {
        (yesterday + jiff::SignedDuration::from_mins(minutes))
            .strftime("%Y-%m-%dT%H:%M:%SZ")
            .to_string()
    };
    let (offered, answered, ended) = (at(0), at(1), at(5));
    let mut import = store.begin_contact_import().await.unwrap();
    for (line, (id, customer, agent)) in [("k1", "C1", "a1"), ("k2", "C2", "a2")]
        .into_iter()
        .enumerate()
    {
        let record = ContactRecord {
            contact_id: id,
            channel: "phone",
            direction: "inbound",
            queue: "card",
            customer_id: customer,
            agent_id: agent,
            offered_at: &offered,
            answered_at: &answered,
            ended_at: &ended,
            talk_seconds: "240",
            hold_seconds: "",
            wrap_seconds: "",
            transferred: "",
            category: "bill",
            resolved: "",
            recording_url: "",
        };
        let contact = Contact::parse(&record, &jiff::tz::TimeZone::UTC).unwrap();
        import.push(line as u64 + 2, contact).await.unwrap();
    }
    import.commit("contacts.csv").await.unwrap();
}

#[tokio::test]
async fn a_customer_is_shown_to_those_who_serve_with_personal_fields_masked_by_role() {
    for app in TestApp::on_both_databases().await {
        seed(&app.store).await;
        // the agent serves C1 (their contact yesterday): everything whole
        let agent = app.sign_in_as(Role::Agent).await;
        let (status, c1) = agent.get_json("/api/v1/customers/C1").await;
        assert_eq!(status, StatusCode::OK, "{c1}");
        assert_eq!(c1["phone"], "13800138000");
        assert_eq!(c1["email"], "li@example.com");
        assert_eq!(c1["timeline"][0]["id"], "k1");
        // ...but not C2: the history, with phone and e-mail masked
        let (status, c2) = agent.get_json("/api/v1/customers/C2").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(c2["phone"], "*******9000");
        assert_eq!(c2["email"], "w***@example.com");
        let (_, page) = agent.get_text("/customers/C2").await;
        assert!(page.contains("id=\"masked-note\""), "{page}");
        assert!(!page.contains("13900139000"));
        // hostile text is shown as text
        assert!(!page.contains("<script>alert(1)"), "{page}");
        assert!(page.contains("script&#62;alert(1)"), "{page}");
        // an inspector serves nobody: masked; a supervisor manages the desk: whole
        let inspector = app.sign_in_as(Role::QaInspector).await;
        let (_, seen) = inspector.get_json("/api/v1/customers/C1").await;
        assert_eq!(seen["phone"], "*******8000");
        let supervisor = app.sign_in_as(Role::Supervisor).await;
        let (_, seen) = supervisor.get_json("/api/v1/customers/C2").await;
        assert_eq!(seen["phone"], "13900139000");
        // an analyst does not serve customers
        let analyst = app.sign_in_as(Role::Analyst).await;
        let (status, _) = analyst.get_json("/api/v1/customers/C1").await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert_eq!(
            analyst.get_text("/customers/C1").await.0,
            StatusCode::FORBIDDEN
        );
        // unknown: 404
        let (status, _) = agent.get_json("/api/v1/customers/nobody").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        // every look audited, with whether the personal fields were shown whole
        let audit = app.store.audit_log(50, None).await.unwrap();
        let looks: Vec<(String, String, bool)> = audit
            .iter()
            .filter(|e| e.action == "view_customer")
            .map(|e| {
                (
                    e.username.clone(),
                    e.entity_id.clone(),
                    e.detail.contains("\"personal_fields\":true"),
                )
            })
            .collect();
        for expected in [
            ("agent", "C1", true),
            ("agent", "C2", false),
            ("qa_inspector", "C1", false),
            ("supervisor", "C2", true),
        ] {
            assert!(
                looks.contains(&(expected.0.into(), expected.1.into(), expected.2)),
                "{expected:?} in {looks:?}"
            );
        }
        // the contact page carries the customer card
        let (_, contact) = agent.get_text("/contacts/k1").await;
        assert!(contact.contains("id=\"customer-card\""), "{contact}");
        assert!(contact.contains("href=\"/customers/C1\""));
    }
}
