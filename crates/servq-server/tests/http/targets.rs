//! KPI targets over HTTP on both databases: a supervisor sets and ends targets (refusals name
//! every field), others read or are refused, and the dashboard colours a tile by the target of
//! the view's scope (the queue filtered to, or the agent's own).

use crate::support::*;

#[tokio::test]
async fn targets_are_set_checked_read_and_colour_the_dashboard() {
    for app in TestApp::on_both_databases().await {
        app.store.set_centre_zone("UTC").await.unwrap();
        import_two_agents(&app.store).await;
        let supervisor = app.sign_in_as(Role::Supervisor).await;
        let (status, problem) = supervisor
            .put_json(
                "/api/v1/targets",
                &json!({"metric": "answer_rate", "scope": "agent", "target": 1.5, "warn_at": 2}),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{problem}");
        let fields: Vec<&str> = problem["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap())
            .collect();
        assert_eq!(
            fields,
            ["scope", "scope_value", "value", "warn_at"],
            "{problem}"
        );
        let (status, stored) = supervisor
            .put_json(
                "/api/v1/targets",
                &json!({"metric": "service_level", "scope": "queue", "scope_value": "card",
                        "target": 0.8, "warn_at": 0.75, "effective_from": "2026-11-01"}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{stored}");
        assert_eq!(stored["direction"], "higher");
        assert_eq!(stored["created_by"], "supervisor");
        let (status, _) = supervisor
            .put_json(
                "/api/v1/targets",
                &json!({"metric": "aht_seconds", "scope": "agent", "scope_value": "a1",
                        "target": 280, "effective_from": "2026-11-01"}),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        let (_, listed) = supervisor.get_json("/api/v1/targets?on=2026-11-02").await;
        assert_eq!(listed["targets"].as_array().unwrap().len(), 2, "{listed}");
        assert_eq!(listed["alert_days"], 3);

        // queue card on 2 Nov: one of two answered within 20 s, 50 % against 80 % → missed
        let (_, html) = supervisor
            .get_text("/?from=2026-11-02&to=2026-11-02&queue=card")
            .await;
        assert!(
            html.contains("class=\"tile target-missed\" href=\"/contacts?from=2026-11-02&#38;to=2026-11-02&#38;queue=card&#38;metric=service_level"),
            "{html}"
        );
        assert!(html.contains("Target: 80.0% · missed"), "{html}");
        // the centre has no service-level target: no colour without a filter
        let (_, html) = supervisor.get_text("/?from=2026-11-02&to=2026-11-02").await;
        assert!(!html.contains("target-missed"), "{html}");
        // the agent sees their own target: AHT 290 s against 280 s → missed
        let agent = app.sign_in_as(Role::Agent).await;
        let (_, html) = agent.get_text("/?from=2026-11-02&to=2026-11-02").await;
        assert!(html.contains("Target: 280.0 · missed"), "{html}");
        assert!(!html.contains("id=\"targets-link\""), "{html}");
        let (status, _) = agent.get_json("/api/v1/targets").await;
        assert_eq!(status, StatusCode::FORBIDDEN);

        let analyst = app.sign_in_as(Role::Analyst).await;
        let (status, _) = analyst.get_json("/api/v1/targets/alerts").await;
        assert_eq!(status, StatusCode::OK);
        let (status, _) = analyst
            .put_json(
                "/api/v1/targets",
                &json!({"metric": "csat", "scope": "centre", "target": 0.9}),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);

        // ending a target from a day keeps its history
        let (status, _) = supervisor
            .put_json(
                "/api/v1/targets",
                &json!({"metric": "aht_seconds", "scope": "agent", "scope_value": "a1",
                        "target": null, "effective_from": "2026-11-03"}),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        let (_, later) = supervisor.get_json("/api/v1/targets?on=2026-11-03").await;
        assert_eq!(later["targets"].as_array().unwrap().len(), 1, "{later}");
        let (_, all) = supervisor.get_json("/api/v1/targets?all=true").await;
        assert_eq!(all["targets"].as_array().unwrap().len(), 3, "{all}");
        let (status, problem) = supervisor
            .put_json("/api/v1/targets/alert-days", &json!({"days": 0}))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{problem}");
        let (status, _) = supervisor
            .put_json("/api/v1/targets/alert-days", &json!({"days": 5}))
            .await;
        assert_eq!(status, StatusCode::OK);
        let (status, page) = supervisor.get_text("/targets").await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            page.contains("id=\"target-form\"") && page.contains("Queue · card"),
            "{page}"
        );
        assert!(page.contains("value=\"5\""), "{page}");
    }
}
