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
        // desk managers save a profile through the form's API, refused at the bad fields
        let (status, refused) = supervisor
            .put_json(
                "/api/v1/customers/C1",
                &json!({"email": "not an address", "language": "fr", "tags": ["老客户"]}),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{refused}");
        let fields: Vec<&str> = refused["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap())
            .collect();
        assert_eq!(fields, ["email", "language"], "{refused}");
        let (status, _) = supervisor
            .put_json(
                "/api/v1/customers/C1",
                &json!({"name": "李雷", "phone": "13800138000", "segment": "VIP",
                    "tags": ["老客户", "投诉过"], "since": "2019-03-01"}),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        let (_, saved) = supervisor.get_json("/api/v1/customers/C1").await;
        assert_eq!(saved["name"], "李雷");
        // the typed tags, then what the rules give (the default rule tags the VIP segment)
        assert_eq!(saved["tags"], json!(["老客户", "投诉过", "vip"]));
        assert_eq!(saved["rule_tags"], json!(["vip"]));
        assert_eq!(saved["since"], "2019-03-01");
        assert_eq!(saved["email"], "", "a field left out is cleared");
        let (_, page) = supervisor.get_text("/customers/C1").await;
        assert!(page.contains("id=\"edit-customer\""));
        // a ticket takes the customer's segment unless it names one
        for (body_segment, expected) in [(None, "VIP"), (Some("普通"), "普通")] {
            let mut body = json!({"ticket_type": "consult", "category": "bill_query",
                "priority": "normal", "subject": "账单", "customer_id": "C1", "channel": "phone"});
            if let Some(segment) = body_segment {
                body["segment"] = json!(segment);
            }
            let (status, opened) = supervisor.post_json("/api/v1/tickets", &body).await;
            assert_eq!(status, StatusCode::CREATED, "{opened}");
            let (_, ticket) = supervisor
                .get_json(&format!(
                    "/api/v1/tickets/{}",
                    opened["id"].as_str().unwrap()
                ))
                .await;
            assert_eq!(ticket["segment"], expected, "{ticket}");
        }
        // an agent may not
        let (status, _) = agent
            .put_json("/api/v1/customers/C1", &json!({"name": "x"}))
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (_, page) = agent.get_text("/customers/C1").await;
        assert!(!page.contains("id=\"edit-customer\""));
        // the header's search finds customers by phone, e-mail or name, for those who serve them
        let (_, found) = agent.get_json("/api/v1/search?q=13900139000").await;
        assert_eq!(found["customers"][0]["customer_id"], "C2", "{found}");
        let (_, found) = agent.get_json("/api/v1/search?q=WANG@example.com").await;
        assert_eq!(found["customers"][0]["customer_id"], "C2", "{found}");
        let (_, found) = analyst.get_json("/api/v1/search?q=13900139000").await;
        assert_eq!(found["customers"], json!([]), "{found}");
        // one customer alone opens their page
        let by_name = agent
            .client
            .get(format!(
                "{}/search?q={}",
                app.base,
                servq_app::path_segment("李雷")
            ))
            .send()
            .await
            .unwrap();
        let location = by_name
            .headers()
            .get("location")
            .map(|l| l.to_str().unwrap().to_owned());
        assert_eq!(
            location.as_deref(),
            Some("/customers/C1"),
            "{:?}",
            by_name.status()
        );
        // the contact page carries the customer card
        let (_, contact) = agent.get_text("/contacts/k1").await;
        assert!(contact.contains("id=\"customer-card\""), "{contact}");
        assert!(contact.contains("href=\"/customers/C1\""));
    }
}

/// The tag rules over the API on both databases: desk managers read and replace them (refused
/// at `rules.{n}.…`, nothing stored then), a change tags everyone at once and shows on the
/// customer page as a computed tag; agents may not touch them; the desk set-up page offers them.
#[tokio::test]
async fn tag_rules_are_edited_by_desk_managers_and_tag_everyone_at_once() {
    for app in TestApp::on_both_databases().await {
        seed(&app.store).await;
        let supervisor = app.sign_in_as(Role::Supervisor).await;
        let (status, rules) = supervisor.get_json("/api/v1/customer-tag-rules").await;
        assert_eq!(status, StatusCode::OK, "{rules}");
        let tags: Vec<&str> = rules["rules"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["tag"].as_str().unwrap())
            .collect();
        assert_eq!(
            tags,
            [
                "frequent",
                "complained_90d",
                "unsatisfied_last_survey",
                "vip"
            ]
        );
        let (status, refused) = supervisor
            .put_json(
                "/api/v1/customer-tag-rules",
                &json!({"rules": [{"tag": "", "condition": {"kind": "unsatisfied_last_survey", "csat_at_most": 9}}]}),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{refused}");
        let fields: Vec<&str> = refused["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap())
            .collect();
        assert_eq!(fields, ["rules.0.tag", "rules.0.condition.csat_at_most"]);
        let (status, saved) = supervisor
            .put_json(
                "/api/v1/customer-tag-rules",
                &json!({"rules": [
                    {"tag": "贵宾", "condition": {"kind": "segment", "segment": "VIP"}},
                    {"tag": "off", "enabled": false, "condition": {"kind": "complained_within", "days": 90}}
                ]}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{saved}");
        assert_eq!(saved["changed"], 2, "C1 and C2 are VIP");
        let (_, c1) = supervisor.get_json("/api/v1/customers/C1").await;
        assert_eq!(c1["rule_tags"], json!(["贵宾"]));
        let (_, page) = supervisor.get_text("/customers/C1").await;
        assert!(page.contains("pill tag computed"), "{page}");
        let (_, setup) = supervisor.get_text("/desk/setup").await;
        assert!(setup.contains("data-editor=\"tag_rules\""), "{setup}");
        let agent = app.sign_in_as(Role::Agent).await;
        let (status, _) = agent.get_json("/api/v1/customer-tag-rules").await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let audit = app.store.audit_log(50, None).await.unwrap();
        assert!(
            audit
                .iter()
                .any(|e| e.entity_id == "customer_tag_rules" && e.username == "supervisor"),
            "the change is audited"
        );
    }
}

/// Merging over the API on both databases: desk managers only, refused at its field, and the
/// merged id's page leads to the kept customer, whose page names it.
#[tokio::test]
async fn desk_managers_merge_duplicates_and_the_old_page_leads_to_the_kept_one() {
    for app in TestApp::on_both_databases().await {
        seed(&app.store).await;
        let agent = app.sign_in_as(Role::Agent).await;
        let (status, _) = agent
            .post_json("/api/v1/customers/C1/merge", &json!({"duplicates": ["C2"]}))
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let supervisor = app.sign_in_as(Role::Supervisor).await;
        let (status, refused) = supervisor
            .post_json(
                "/api/v1/customers/C1/merge",
                &json!({"duplicates": ["C2", "nobody"]}),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{refused}");
        assert_eq!(refused["errors"][0]["field"], "duplicates.1");
        let (status, moved) = supervisor
            .post_json("/api/v1/customers/C1/merge", &json!({"duplicates": ["C2"]}))
            .await;
        assert_eq!(status, StatusCode::OK, "{moved}");
        assert_eq!(moved["contacts"], 1);
        let old = supervisor
            .client
            .get(format!("{}/customers/C2", supervisor.base))
            .send()
            .await
            .unwrap();
        assert_eq!(old.status(), StatusCode::SEE_OTHER);
        assert_eq!(old.headers()["location"], "/customers/C1");
        let (_, page) = supervisor.get_text("/customers/C1").await;
        assert!(page.contains("id=\"merged-ids\""), "{page}");
        assert!(page.contains("id=\"merge-customers\""));
        let (_, c1) = supervisor.get_json("/api/v1/customers/C1").await;
        let ids: Vec<&str> = c1["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["id"].as_str().unwrap())
            .collect();
        assert_eq!(ids.len(), 2, "both contacts: {ids:?}");
        let audit = app.store.audit_log(50, None).await.unwrap();
        assert!(
            audit
                .iter()
                .any(|e| e.action == "merge" && e.entity_id == "C1")
        );
    }
}

/// The at-risk list on both databases: a customer with a complaint this month (score 3, none
/// the month before) is listed with the weights; the return-visit action opens a high-priority
/// ticket for them in the complaint's category, which their timeline shows; a customer who left
/// is not listed.
#[tokio::test]
async fn rising_risk_lists_the_customer_and_a_return_visit_opens_their_follow_up() {
    for app in TestApp::on_both_databases().await {
        seed(&app.store).await;
        let supervisor = app.sign_in_as(Role::Supervisor).await;
        for customer in ["C1", "C2"] {
            let (status, opened) = supervisor
                .post_json(
                    "/api/v1/tickets",
                    &json!({"ticket_type": "complaint", "category": "billing", "priority": "high",
                        "subject": "扣款两次", "customer_id": customer, "channel": "phone"}),
                )
                .await;
            assert_eq!(status, StatusCode::CREATED, "{opened}");
        }
        // C2 left the centre: not at risk of leaving any more
        let (status, _) = supervisor
            .put_json(
                "/api/v1/customers/C2",
                &json!({"segment": "VIP", "since": "2020-01-01", "closed_at": "2026-01-01"}),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        let agent = app.sign_in_as(Role::Agent).await;
        let (status, list) = agent.get_json("/api/v1/at-risk-customers").await;
        assert_eq!(status, StatusCode::OK, "{list}");
        assert_eq!(list["weights"]["complaints"], 3);
        let customers = list["customers"].as_array().unwrap();
        assert_eq!(customers.len(), 1, "{list}");
        assert_eq!(customers[0]["customer_id"], "C1");
        assert_eq!(customers[0]["now"]["score"], 3);
        assert_eq!(customers[0]["before"]["score"], 0);
        let (_, page) = agent.get_text("/customers-at-risk").await;
        assert!(page.contains("data-customer=\"C1\""), "{page}");
        // the customer's own page offers the same action
        let (_, page) = agent.get_text("/customers/C1").await;
        assert!(
            page.contains("data-url=\"/api/v1/customers/C1/return-visit\""),
            "{page}"
        );
        let (status, visit) = agent
            .post_json("/api/v1/customers/C1/return-visit", &json!({}))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{visit}");
        let ticket_id = visit["ticket_id"].as_str().unwrap();
        assert_eq!(visit["url"], format!("/tickets/{ticket_id}"));
        let ticket = app.store.ticket(ticket_id).await.unwrap().unwrap();
        assert_eq!(
            (ticket.customer_id.as_str(), ticket.category.as_str()),
            ("C1", "billing")
        );
        assert_eq!(ticket.priority.name(), "high");
        let (_, c1) = agent.get_json("/api/v1/customers/C1").await;
        assert!(
            c1["timeline"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["id"] == ticket_id),
            "{c1}"
        );
        let analyst = app.sign_in_as(Role::Analyst).await;
        let (status, _) = analyst.get_json("/api/v1/at-risk-customers").await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
}

/// Survey dispatch on both databases leaves out a customer whose complaint is open (C1), and
/// surveys the other (C2) as usual.
#[tokio::test]
async fn a_customer_with_an_open_complaint_is_not_surveyed() {
    for app in TestApp::on_both_databases().await {
        seed(&app.store).await;
        let supervisor = app.sign_in_as(Role::Supervisor).await;
        let (status, opened) = supervisor
            .post_json(
                "/api/v1/tickets",
                &json!({"ticket_type": "complaint", "category": "billing", "priority": "high",
                    "subject": "扣款两次", "customer_id": "C1", "channel": "phone"}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{opened}");
        let rule = servq_core::DispatchRule {
            rule_id: "after-call".into(),
            template_id: "standard".into(),
            channels: Vec::new(),
            categories: Vec::new(),
            delay_minutes: 0,
            sample_percent: 100,
            quiet_hours: None,
            no_repeat_days: 7,
            expiry_hours: 72,
            send_via: servq_core::SendVia::Sms,
            locale: "zh-CN".into(),
            active: true,
        };
        let actor = Actor {
            user_id: None,
            name: "test".into(),
        };
        app.store
            .set_survey_rules(&[rule], &actor, 0)
            .await
            .unwrap();
        let now = jiff::Timestamp::now().as_millisecond();
        let sent = servq_app::surveys::dispatch_due(&app.store, now, "https://example.invalid")
            .await
            .unwrap();
        let customers: Vec<&str> = sent.iter().map(|d| d.customer_id.as_str()).collect();
        assert_eq!(customers, ["C2"]);
    }
}
