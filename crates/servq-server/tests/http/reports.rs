//! The dashboard (form, tiles, drill-down links, exports) and transcripts with their hits.

use crate::support::*;

#[tokio::test]
async fn the_dashboard_follows_its_form_and_links_tiles_to_their_contacts() {
    let db = TestDatabase::sqlite();
    let store = Store::open(&db.url).await.unwrap();
    store.set_centre_zone("UTC").await.unwrap();
    import_two_agents(&store).await;
    add_user(&store, Role::Supervisor).await;
    add_user(&store, Role::Agent).await;
    let base = start(store).await;
    let (supervisor, _) = sign_in(&base, "supervisor").await;
    let html = supervisor
        .get(format!(
            "{base}/?from=2026-11-02&to=2026-11-02&by=agent&grain=hour&queue=card"
        ))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    // queue=card: two contacts, both answered
    assert!(
        html.contains(
            "data-metric=\"offered\"><div>Offered</div><div class=\"value\" data-value=\"2\""
        ),
        "{html}"
    );
    assert!(html.contains("Trend by hour"), "{html}");
    // the chart's text alternative: its numbers as a table
    assert!(html.contains("id=\"trend-table\""), "{html}");
    assert!(
        html.contains("<summary>Show as a table</summary>"),
        "{html}"
    );
    assert!(html.contains("href=\"/contacts?from=2026-11-02&#38;to=2026-11-02&#38;queue=card&#38;metric=service_level&#38;subset=missed_service_level\""), "{html}");
    assert!(html.contains("/api/v1/kpi?by=agent&#38;from=2026-11-02&#38;to=2026-11-02&#38;filter=queue%3Dcard&#38;format=xlsx"), "{html}");
    // the tile's drill-down lists the one contact that waited more than 20 s
    let drill = supervisor
        .get(format!("{base}/contacts?from=2026-11-02&to=2026-11-02&queue=card&metric=service_level&subset=missed_service_level"))
        .send().await.unwrap().text().await.unwrap();
    assert!(
        drill.contains("data-total=\"1\"") && drill.contains("<a href=\"/contacts/c2\">c2</a>"),
        "{drill}"
    );
    let export = supervisor
        .get(format!("{base}/api/v1/kpi?by=agent&from=2026-11-02&to=2026-11-02&filter=queue%3Dcard&format=csv"))
        .send().await.unwrap().text().await.unwrap();
    assert_eq!(export.lines().count(), 3, "{export}");
    // an agent's drill-down holds their own contacts whatever the link asks
    let (agent, _) = sign_in(&base, "agent").await;
    let mine = agent
        .get(format!(
            "{base}/contacts?from=2026-11-02&to=2026-11-02&agent=a2"
        ))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        mine.contains("data-total=\"1\"") && mine.contains(">c1</a>"),
        "{mine}"
    );
    let backwards = supervisor
        .get(format!("{base}/?from=2026-11-03&to=2026-11-01"))
        .send()
        .await
        .unwrap();
    assert_eq!(backwards.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn transcripts_with_their_hits_for_those_who_may_see_them() {
    for db in TestDatabase::both().await {
        let store = Store::open(&db.url).await.unwrap();
        import_two_agents(&store).await;
        add_user(&store, Role::Agent).await;
        add_user(&store, Role::QaInspector).await;
        let mut import = store.begin_transcript_import(1).await.unwrap();
        for id in ["c1", "c2"] {
            import
                .push(
                    id,
                    r#"[{"speaker":"agent","start":0.0,"end":2.0,"text":"喂"},{"speaker":"customer","start":2.5,"end":4.0,"text":"<b>hi</b>"}]"#,
                    &[servq_store::StoredHit {
                        rule: "greeting".into(),
                        kind: "required_phrase_missing".into(),
                        turn: Some(0),
                        at_ms: 0,
                        text: "您好".into(),
                    }],
                )
                .await
                .unwrap();
        }
        import.commit().await.unwrap();
        let base = start(store).await;
        let (inspector, _) = sign_in(&base, "qa_inspector").await;
        let body: Value = inspector
            .get(format!("{base}/api/v1/contacts/c2/transcript"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(body["hits"][0]["kind"], "required_phrase_missing");
        assert_eq!(body["turns"][1]["text"], "<b>hi</b>");
        let page = inspector
            .get(format!("{base}/contacts/c2"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            page.contains("<a href=\"#turn-0\">Required phrase missing</a>"),
            "{page}"
        );
        assert!(
            page.contains("&#60;b&#62;hi&#60;/b&#62;") && !page.contains("<b>hi</b>"),
            "text is escaped: {page}"
        );
        assert!(
            page.contains("<tr id=\"turn-0\" class=\"bottom\">"),
            "{page}"
        );
        let missing = inspector
            .get(format!("{base}/api/v1/contacts/nope/transcript"))
            .send()
            .await
            .unwrap();
        assert_eq!(missing.status(), StatusCode::NOT_FOUND);
        // the agent a1 sees c1 (theirs), not c2 (a2's)
        let (agent, _) = sign_in(&base, "agent").await;
        let own = agent
            .get(format!("{base}/api/v1/contacts/c1/transcript"))
            .send()
            .await
            .unwrap();
        assert_eq!(own.status(), StatusCode::OK);
        let other = agent
            .get(format!("{base}/api/v1/contacts/c2/transcript"))
            .send()
            .await
            .unwrap();
        assert_eq!(other.status(), StatusCode::FORBIDDEN);
        let other_page = agent
            .get(format!("{base}/contacts/c2"))
            .send()
            .await
            .unwrap();
        assert_eq!(other_page.status(), StatusCode::FORBIDDEN);
        // the hits make the coaching list (agents: their own) and pre-fill the scorecard
        let coaching: Value = inspector
            .get(format!(
                "{base}/api/v1/qa/coaching?from=2026-11-01&to=2026-11-03"
            ))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let lines: Vec<(&str, &str, i64)> = coaching["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| {
                (
                    i["agent_id"].as_str().unwrap(),
                    i["rule"].as_str().unwrap(),
                    i["hits"].as_i64().unwrap(),
                )
            })
            .collect();
        assert_eq!(lines, [("a1", "greeting", 1), ("a2", "greeting", 1)]);
        let own: Value = agent
            .get(format!(
                "{base}/api/v1/qa/coaching?from=2026-11-01&to=2026-11-03"
            ))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(own["items"].as_array().unwrap().len(), 1);
        assert_eq!(own["items"][0]["example_contact"], "c1");
        let form = inspector
            .get(format!("{base}/qa/evaluate/c1"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            form.contains("<option value=\"0\" selected>0</option>"),
            "greeting pre-filled: {form}"
        );
        assert!(
            form.contains("suggested by automated QA: greeting"),
            "{form}"
        );
    }
}

#[tokio::test]
async fn the_agent_filter_takes_a_name() {
    let db = TestDatabase::sqlite();
    let store = Store::open(&db.url).await.unwrap();
    store.set_centre_zone("UTC").await.unwrap();
    import_two_agents(&store).await;
    store
        .upsert_agents(&[servq_store::AgentRecord {
            queues: None,
            agent_id: "a2".into(),
            name: "王芳".into(),
            team: "二组".into(),
        }])
        .await
        .unwrap();
    add_user(&store, Role::Supervisor).await;
    let base = start(store).await;
    let (supervisor, _) = sign_in(&base, "supervisor").await;
    // a2 was offered two contacts that day; typed by name, the filter finds them
    let drill = supervisor
        .get(format!(
            "{base}/contacts?from=2026-11-02&to=2026-11-02&agent=%E7%8E%8B%E8%8A%B3&subset=all"
        ))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(drill.contains("data-total=\"2\""), "{drill}");
}
