//! Evaluation over HTTP on both databases: the API grades as the command line does, agents get
//! their own row and card only, a model is saved as a new version or refused field by field, and
//! the performance page shows team and agent scorecards to a supervisor.

use crate::support::*;

#[tokio::test]
async fn scorecards_for_supervisors_own_cards_for_agents_and_model_versions() {
    for app in TestApp::on_both_databases().await {
        app.store.set_centre_zone("UTC").await.unwrap();
        import_two_agents(&app.store).await;
        let agent = |id: &str, name: &str| servq_store::AgentRecord {
            agent_id: id.into(),
            name: name.into(),
            team: "north".into(),
            queues: None,
        };
        app.store
            .upsert_agents(&[agent("a1", "Li"), agent("a2", "Wang")])
            .await
            .unwrap();
        let supervisor = app.sign_in_as(Role::Supervisor).await;
        let (status, graded) = supervisor
            .get_json("/api/v1/evaluation?from=2026-11-02&to=2026-11-02&by=agent")
            .await;
        assert_eq!(status, StatusCode::OK, "{graded}");
        assert_eq!(graded["model"]["version"], 0);
        let agents: Vec<&str> = graded["rows"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|r| r["agent"].as_str())
            .collect();
        assert_eq!(agents, ["a1", "a2"], "{graded}");
        // a1: one call of 290 s without wrap → process: acw (180→30) 100, aht (600→240) 86.1…
        let a1 = &graded["rows"][0];
        let aht = a1["dimensions"]["process"]["measures"]["aht_seconds"]["score"]
            .as_f64()
            .unwrap();
        assert!(
            (aht - 100.0 * (290.0 - 600.0) / (240.0 - 600.0)).abs() < 1e-9,
            "{a1}"
        );
        assert!(a1["dimensions"]["response_speed"]["measures"]["service_level"]["value"].is_null());

        let agent = app.sign_in_as(Role::Agent).await;
        let (_, mine) = agent
            .get_json("/api/v1/evaluation?from=2026-11-02&to=2026-11-02&by=agent")
            .await;
        let rows = mine["rows"].as_array().unwrap();
        assert_eq!(rows.len(), 1, "{mine}");
        assert_eq!(rows[0]["agent"], "a1");
        let (status, _) = agent
            .get_json("/api/v1/evaluation?from=2026-11-02&to=2026-11-02&by=channel")
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);

        let (_, model) = supervisor.get_json("/api/v1/evaluation/model").await;
        let mut model = model["model"].clone();
        model["effective_from"] = json!("2026-11-01");
        model["dimensions"][0]["weight"] = json!(-1);
        let (status, problem) = supervisor
            .put_json("/api/v1/evaluation/model", &model)
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{problem}");
        assert_eq!(problem["errors"][0]["field"], "dimensions.0.weight");
        model["dimensions"][0]["weight"] = json!(10);
        let (status, saved) = supervisor
            .put_json("/api/v1/evaluation/model", &model)
            .await;
        assert_eq!(status, StatusCode::OK, "{saved}");
        assert_eq!(saved["version"], 1);
        let (status, _) = agent.put_json("/api/v1/evaluation/model", &model).await;
        assert_eq!(status, StatusCode::FORBIDDEN);

        let (status, page) = supervisor.get_text("/performance?month=2026-11").await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            page.contains("id=\"team-cards\"") && page.contains("id=\"agent-cards\""),
            "{page}"
        );
        assert!(page.contains("(version 1)"), "{page}");
        // both agents of team north: a2 (99.1) first, a1 second in team and centre
        let a1_row = page.split("agent=a1#card").nth(1).unwrap();
        let a1_row = &a1_row[..a1_row.find("</tr>").unwrap()];
        assert!(
            a1_row.contains("<td class=\"num\">2</td><td class=\"num\">2</td>"),
            "{a1_row}"
        );
        assert!(
            page.contains("href=\"/performance?month=2026-11&#38;team=north\">north</a>"),
            "{page}"
        );
        let (_, page) = supervisor
            .get_text("/performance?month=2026-11&agent=a2")
            .await;
        assert!(page.contains("Scorecard of Wang (a2)"), "{page}");
        let (_, page) = agent.get_text("/performance?month=2026-11&agent=a2").await;
        assert!(!page.contains("id=\"agent-cards\""), "{page}");
        assert!(page.contains("Scorecard of Li (a1)"), "{page}");
        assert!(!page.contains("Wang"), "{page}");
    }
}

#[tokio::test]
async fn the_rating_form_follows_who_may_rate_whom() {
    for app in TestApp::on_both_databases().await {
        app.store.set_centre_zone("UTC").await.unwrap();
        import_two_agents(&app.store).await;
        let agent = |id: &str, team: &str| servq_store::AgentRecord {
            agent_id: id.into(),
            name: String::new(),
            team: team.into(),
            queues: None,
        };
        app.store
            .upsert_agents(&[
                agent("a1", "north"),
                agent("a2", "north"),
                agent("a3", "south"),
            ])
            .await
            .unwrap();
        let me = app.sign_in_as(Role::Agent).await; // agent a1
        let rating = |agent: &str, source: &str| {
            json!({"agent_id": agent, "source": source, "period_start": "2026-11-01",
                   "period_end": "2026-11-02", "professionalism": 4, "comment": "<script>x</script>"})
        };
        let (status, problem) = me.post_json("/api/v1/ratings", &rating("a1", "peer")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{problem}");
        assert_eq!(problem["code"], "bad_rating");
        assert!(
            problem["detail"]
                .as_str()
                .unwrap()
                .contains("nobody rates themselves"),
            "{problem}"
        );
        let (status, _) = me.post_json("/api/v1/ratings", &rating("a3", "peer")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        let (status, _) = me
            .post_json("/api/v1/ratings", &rating("a2", "supervisor"))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        let (status, saved) = me.post_json("/api/v1/ratings", &rating("a1", "self")).await;
        assert_eq!(status, StatusCode::OK, "{saved}");
        let (status, _) = me.post_json("/api/v1/ratings", &rating("a2", "peer")).await;
        assert_eq!(status, StatusCode::OK);
        let mut no_scores = rating("a2", "peer");
        no_scores["professionalism"] = json!(null);
        let (status, problem) = me.post_json("/api/v1/ratings", &no_scores).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{problem}");

        let supervisor = app.sign_in_as(Role::Supervisor).await;
        let (status, _) = supervisor
            .post_json("/api/v1/ratings", &rating("a1", "supervisor"))
            .await;
        assert_eq!(status, StatusCode::OK);
        let (_, listed) = supervisor
            .get_json("/api/v1/ratings?from=2026-11-01&to=2026-11-30")
            .await;
        assert_eq!(listed["ratings"].as_array().unwrap().len(), 3, "{listed}");
        let (status, _) = me
            .get_json("/api/v1/ratings?from=2026-11-01&to=2026-11-30")
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        // the means reach the KPIs of the period's last day, per agent
        let (_, kpi) = supervisor
            .get_json("/api/v1/kpi?by=agent&from=2026-11-02&to=2026-11-02&metrics=rating_self,rating_supervisor_professionalism")
            .await;
        let a1 = kpi["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["agent"] == "a1")
            .unwrap();
        assert_eq!(a1["rating_self"], 4.0, "{kpi}");
        assert_eq!(a1["rating_supervisor_professionalism"], 4.0, "{kpi}");
        let (_, page) = supervisor
            .get_text("/performance/ratings?month=2026-11")
            .await;
        assert!(
            page.contains("&#60;script&#62;x") && !page.contains("<script>x"),
            "{page}"
        );
    }
}

#[tokio::test]
async fn shared_problems_suggest_group_training_and_coaching_sessions_are_followed_up() {
    for app in TestApp::on_both_databases().await {
        app.store.set_centre_zone("UTC").await.unwrap();
        import_two_agents(&app.store).await;
        let agent = |id: &str| servq_store::AgentRecord {
            agent_id: id.into(),
            name: String::new(),
            team: "north".into(),
            queues: None,
        };
        app.store
            .upsert_agents(&[agent("a1"), agent("a2")])
            .await
            .unwrap();
        let inspector = app.sign_in_as(Role::QaInspector).await;
        // a1 misses the closing (binary: 0 of 1); a2 meets every item
        for (contact, closing) in [("c1", 0), ("c2", 1)] {
            let answers = json!({"greeting": 1, "polite": 5, "tone": 5, "closing": closing,
                                 "answer": 5, "reminders": 3});
            let (status, body) = inspector
                .post_json(
                    "/api/v1/evaluations",
                    &json!({"contact_id": contact, "answers": answers}),
                )
                .await;
            assert_eq!(status, StatusCode::CREATED, "{body}");
        }
        let supervisor = app.sign_in_as(Role::Supervisor).await;
        let (status, coaching) = supervisor
            .get_json("/api/v1/qa/coaching?from=2026-11-02&to=2026-11-02")
            .await;
        assert_eq!(status, StatusCode::OK, "{coaching}");
        let problems = coaching["problems"].as_array().unwrap();
        assert_eq!(problems.len(), 1, "{coaching}");
        assert_eq!(problems[0]["kind"], "item");
        assert_eq!(problems[0]["id"], "closing");
        assert_eq!(problems[0]["agents"], json!(["a1"]));
        // one of the two evaluated agents: 50 % ≥ 30 % → shared
        assert_eq!(problems[0]["share"], 0.5);
        assert_eq!(problems[0]["suggestion"], "group_training");
        assert!(coaching["flagged"].is_array());
        let (_, page) = supervisor.get_text("/performance?month=2026-11").await;
        assert!(page.contains("id=\"group-training\""), "{page}");

        let me = app.sign_in_as(Role::Agent).await; // a1
        let (_, mine) = me
            .get_json("/api/v1/qa/coaching?from=2026-11-02&to=2026-11-02")
            .await;
        assert_eq!(mine["problems"][0]["agents"], json!(["a1"]), "{mine}");

        let session = |follow_up: &str| {
            json!({"agent_id": "a1", "topic": "结束语", "problems": ["item:closing"],
                   "session_date": "2026-11-02", "follow_up": follow_up, "actions": "每通电话确认结束语"})
        };
        let (status, problem) = supervisor
            .post_json("/api/v1/coaching/sessions", &session("2026-11-01"))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{problem}");
        assert_eq!(problem["errors"][0]["field"], "follow_up");
        let (status, _) = me
            .post_json("/api/v1/coaching/sessions", &session("2026-11-03"))
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, saved) = supervisor
            .post_json("/api/v1/coaching/sessions", &session("2026-11-03"))
            .await;
        assert_eq!(status, StatusCode::OK, "{saved}");
        // the agent is told
        let (_, told) = me.get_json("/api/v1/notifications").await;
        let kinds: Vec<&str> = told["notifications"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["kind"].as_str().unwrap())
            .collect();
        assert!(kinds.contains(&"coaching_session"), "{told}");
        // the follow-up has passed: the composite after (2–3 Nov) is there, before it no data
        let (_, sessions) = me.get_json("/api/v1/coaching/sessions?agent=a2").await;
        let sessions = sessions["sessions"].as_array().unwrap();
        assert_eq!(sessions.len(), 1);
        assert_eq!(sessions[0]["agent_id"], "a1");
        assert!(sessions[0]["before"].is_null());
        assert!(sessions[0]["after"].as_f64().is_some(), "{sessions:?}");
        let (_, card) = me.get_text("/performance?month=2026-11").await;
        assert!(
            card.contains("id=\"sessions\"") && card.contains("每通电话确认结束语"),
            "{card}"
        );
        assert!(
            !card.contains("id=\"coaching-form\""),
            "an agent does not record sessions"
        );
    }
}
