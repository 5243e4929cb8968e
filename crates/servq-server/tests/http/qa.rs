//! Quality inspection over HTTP: evaluations with dispute and re-review, sampling plans and the
//! queue, blind calibration, rule sets and scorecards edited and versioned.

use crate::support::*;

#[tokio::test]
async fn evaluations_go_from_inspector_to_agent_through_dispute_and_rereview() {
    for db in TestDatabase::both().await {
        let store = Store::open(&db.url).await.unwrap();
        import_two_agents(&store).await;
        add_user(&store, Role::Agent).await;
        add_user(&store, Role::QaInspector).await;
        add_user(&store, Role::Admin).await;
        let base = start(store).await;
        let (inspector, inspector_csrf) = sign_in(&base, "qa_inspector").await;
        let card: Value = inspector
            .get(format!("{base}/api/v1/scorecards/default"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(card["version"], 1, "{card}");
        assert_eq!(card["sections"][1]["items"][0]["critical"], true);
        // the hand-computed case of servq-qa: 68.75
        let answers = json!({"greeting": 1, "polite": 4, "tone": 5, "closing": 0, "answer": 4, "reminders": 2});
        let post = |path: String, csrf: &str, client: &Client, body: Value| {
            client
                .post(format!("{base}{path}"))
                .header("x-csrf-token", csrf.to_owned())
                .json(&body)
                .send()
        };
        let created = post(
            "/api/v1/evaluations".into(),
            &inspector_csrf,
            &inspector,
            json!({"contact_id": "c1", "answers": answers, "comments": "语气平淡"}),
        )
        .await
        .unwrap();
        assert_eq!(created.status(), StatusCode::CREATED, "{:?}", db.backend);
        let evaluation: Value = created.json().await.unwrap();
        assert_eq!(
            (
                evaluation["agent_id"].as_str(),
                evaluation["status"].as_str()
            ),
            (Some("a1"), Some("submitted"))
        );
        assert!(
            (evaluation["score"].as_f64().unwrap() - 68.75).abs() < 1e-6,
            "{evaluation}"
        );
        let id = evaluation["id"].as_str().unwrap().to_owned();
        // one for a2's contact, with the reminders N/A: 73.4375
        let other: Value = post("/api/v1/evaluations".into(), &inspector_csrf, &inspector,
            json!({"contact_id": "c2", "answers": {"greeting": 1, "polite": 4, "tone": 5, "closing": 0, "answer": 4, "reminders": "na"}}))
            .await.unwrap().json().await.unwrap();
        assert!(
            (other["score"].as_f64().unwrap() - 73.4375).abs() < 1e-6,
            "{other}"
        );
        // bad requests
        let missing: Value = post(
            "/api/v1/evaluations".into(),
            &inspector_csrf,
            &inspector,
            json!({"contact_id": "c1", "answers": {"greeting": 1}}),
        )
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
        assert_eq!(missing["code"], "bad_answers");
        assert!(
            missing["detail"]
                .as_str()
                .unwrap()
                .contains("'polite' has no answer"),
            "{missing}"
        );
        let unknown = post(
            "/api/v1/evaluations".into(),
            &inspector_csrf,
            &inspector,
            json!({"contact_id": "nope", "answers": answers}),
        )
        .await
        .unwrap();
        assert_eq!(unknown.status(), StatusCode::NOT_FOUND);

        // the agent (a1) sees only their own, may not score, disputes, and cannot re-review
        let (agent, agent_csrf) = sign_in(&base, "agent").await;
        let mine: Value = agent
            .get(format!("{base}/api/v1/evaluations"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(mine["evaluations"].as_array().unwrap().len(), 1);
        let theirs = agent
            .get(format!(
                "{base}/api/v1/evaluations/{}",
                other["id"].as_str().unwrap()
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(theirs.status(), StatusCode::FORBIDDEN);
        let scoring = post(
            "/api/v1/evaluations".into(),
            &agent_csrf,
            &agent,
            json!({"contact_id": "c1", "answers": answers}),
        )
        .await
        .unwrap();
        assert_eq!(scoring.status(), StatusCode::FORBIDDEN);
        let no_reason: Value = post(
            format!("/api/v1/evaluations/{id}/dispute"),
            &agent_csrf,
            &agent,
            json!({"reason": " "}),
        )
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
        assert_eq!(no_reason["code"], "reason_required");
        // a disputed item must be an item of the scorecard
        let unknown: Value = post(
            format!("/api/v1/evaluations/{id}/dispute"),
            &agent_csrf,
            &agent,
            json!({"reason": "x", "items": [{"item_id": "smile", "reason": "y"}]}),
        )
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
        assert_eq!(unknown["code"], "unknown_item", "{unknown}");
        let disputed: Value = post(
            format!("/api/v1/evaluations/{id}/dispute"),
            &agent_csrf,
            &agent,
            json!({"reason": "客户先挂断，结束语来不及说",
                "items": [{"item_id": "closing", "reason": "客户先挂断"}]}),
        )
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
        assert_eq!(disputed["status"], "disputed");
        // the disputed item is kept with its own reason
        assert_eq!(
            disputed["dispute_items"],
            json!([{"item_id": "closing", "reason": "客户先挂断"}]),
            "{disputed}"
        );
        let self_review = post(
            format!("/api/v1/evaluations/{id}/rereview"),
            &agent_csrf,
            &agent,
            json!({"answers": answers}),
        )
        .await
        .unwrap();
        assert_eq!(self_review.status(), StatusCode::FORBIDDEN);
        // the inspector may not acknowledge for the agent; re-reviews with the closing N/A
        let not_theirs = post(
            format!("/api/v1/evaluations/{id}/acknowledge"),
            &inspector_csrf,
            &inspector,
            json!({}),
        )
        .await
        .unwrap();
        assert_eq!(not_theirs.status(), StatusCode::FORBIDDEN);
        // a re-review needs a reason, and starts from the current answers and comments: only
        // the closing item changes (to N/A); the rest and the comment are kept
        let no_reason: Value = post(
            format!("/api/v1/evaluations/{id}/rereview"),
            &inspector_csrf,
            &inspector,
            json!({"answers": {"closing": "na"}}),
        )
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
        assert_eq!(no_reason["code"], "reason_required", "{no_reason}");
        assert!(no_reason["message"].as_str().is_some(), "{no_reason}");
        let rereviewed: Value = post(
            format!("/api/v1/evaluations/{id}/rereview"),
            &inspector_csrf,
            &inspector,
            json!({"reason": "录音证实客户先挂断", "answers": {"closing": "na"}}),
        )
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
        assert_eq!(rereviewed["status"], "rereviewed", "{rereviewed}");
        // (10 + 11.25 + 15 + 22.5 + 10) / 90 = 76.3888…
        assert!(
            (rereviewed["score"].as_f64().unwrap() - 68.75 / 90.0 * 100.0).abs() < 1e-6,
            "{rereviewed}"
        );
        assert_eq!(rereviewed["comments"], "语气平淡", "{rereviewed}");
        assert_eq!(
            rereviewed["answers"],
            json!({"greeting": 1, "polite": 4, "tone": 5, "closing": "na", "answer": 4, "reminders": 2})
        );
        // both scorings are kept: the original and the re-review with its reason
        let revisions = rereviewed["revisions"].as_array().unwrap();
        assert_eq!(revisions.len(), 2, "{rereviewed}");
        assert_eq!(revisions[0]["answers"], answers);
        assert!((revisions[0]["score"].as_f64().unwrap() - 68.75).abs() < 1e-6);
        assert_eq!(revisions[0]["reason"], "");
        assert_eq!(revisions[1]["reason"], "录音证实客户先挂断");
        assert_eq!(revisions[1]["inspector"], "qa_inspector");
        // a second evaluation of the same contact on the same scorecard is refused: it would
        // count twice in qa_score
        let twice = post(
            "/api/v1/evaluations".into(),
            &inspector_csrf,
            &inspector,
            json!({"contact_id": "c1", "answers": answers}),
        )
        .await
        .unwrap();
        assert_eq!(twice.status(), StatusCode::CONFLICT);
        let twice: Value = twice.json().await.unwrap();
        assert_eq!(twice["code"], "already_evaluated", "{twice}");
        // the evaluate page of an evaluated contact leads to its evaluation
        let page = inspector
            .get(format!("{base}/qa/evaluate/c1"))
            .send()
            .await
            .unwrap();
        let location = page.headers()["location"].to_str().unwrap().to_owned();
        assert_eq!(location, format!("/qa/evaluations/{id}?already=1"));
        let html = inspector
            .get(format!("{base}{location}"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(html.contains("id=\"already-evaluated\""), "{html}");
        assert!(
            html.contains("录音证实客户先挂断"),
            "the history shows the reason"
        );
        assert!(
            html.contains("客户先挂断，结束语来不及说"),
            "the dispute is shown"
        );
        let acknowledged: Value = post(
            format!("/api/v1/evaluations/{id}/acknowledge"),
            &agent_csrf,
            &agent,
            json!({}),
        )
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
        assert_eq!(acknowledged["status"], "acknowledged");
        let again: Value = post(
            format!("/api/v1/evaluations/{id}/acknowledge"),
            &agent_csrf,
            &agent,
            json!({}),
        )
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
        assert_eq!(again["code"], "wrong_status");
        // every step is in the audit log
        let (admin, _) = sign_in(&base, "admin").await;
        let audit: Value = admin
            .get(format!("{base}/api/v1/audit"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let steps: Vec<String> = audit["entries"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["entity_id"] == json!(id))
            .map(|e| e["action"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(steps, ["acknowledged", "rereviewed", "disputed", "create"]);
        // the QA score joins the KPIs: per agent, the mean of their evaluations (re-reviewed
        // score for a1), counted where the contact was offered
        let kpi: Value = inspector
            .get(format!(
                "{base}/api/v1/kpi?by=agent,day&metrics=qa_evaluations,qa_score"
            ))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let rows = kpi["rows"].as_array().unwrap();
        let a1 = rows.iter().find(|r| r["agent"] == "a1").unwrap();
        assert_eq!(a1["qa_evaluations"], 1);
        assert!(
            (a1["qa_score"].as_f64().unwrap() - 68.75 / 90.0 * 100.0).abs() < 1e-6,
            "{kpi}"
        );
        let a2 = rows.iter().find(|r| r["agent"] == "a2").unwrap();
        assert!(
            (a2["qa_score"].as_f64().unwrap() - 73.4375).abs() < 1e-6,
            "{kpi}"
        );
        let all: Value = inspector
            .get(format!("{base}/api/v1/kpi?metrics=qa_evaluations,qa_score"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let mean = (68.75 / 90.0 * 100.0 + 73.4375) / 2.0;
        assert_eq!(all["rows"][0]["qa_evaluations"], 2);
        assert!(
            (all["rows"][0]["qa_score"].as_f64().unwrap() - mean).abs() < 1e-6,
            "{all}"
        );
        // an agent's KPIs carry only their own evaluations
        let own: Value = agent
            .get(format!("{base}/api/v1/kpi?metrics=qa_evaluations"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(own["rows"][0]["qa_evaluations"], 1);
    }
}

#[tokio::test]
async fn sampling_plans_fill_the_queue_and_evaluations_empty_it() {
    for db in TestDatabase::both().await {
        let store = Store::open(&db.url).await.unwrap();
        store.set_centre_zone("UTC").await.unwrap();
        import_two_agents(&store).await;
        add_user(&store, Role::QaInspector).await;
        add_user(&store, Role::Agent).await;
        let base = start(store).await;
        let (inspector, csrf) = sign_in(&base, "qa_inspector").await;
        let sample = |body: Value| {
            inspector
                .post(format!("{base}/api/v1/qa/sample"))
                .header("x-csrf-token", csrf.clone())
                .json(&body)
                .send()
        };
        let plan: Value = sample(json!({"from": "2026-11-02", "to": "2026-11-02", "per_agent": 1, "strategy": "random", "seed": 7}))
            .await.unwrap().json().await.unwrap();
        // c1 (a1) and c2 (a2) were answered; c3 was abandoned and has no agent
        assert_eq!(
            (plan["candidates"].as_u64(), plan["queued"].as_u64()),
            (Some(2), Some(2)),
            "{plan}"
        );
        let again: Value = sample(json!({"from": "2026-11-02", "to": "2026-11-02", "per_agent": 5, "strategy": "longest_handle"}))
            .await.unwrap().json().await.unwrap();
        assert_eq!(again["queued"], 0, "queued contacts are not picked twice");
        let queue: Value = inspector
            .get(format!("{base}/api/v1/qa/queue"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let ids: Vec<&str> = queue["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["contact_id"].as_str().unwrap())
            .collect();
        assert_eq!(ids, ["c1", "c2"]);
        let answers = json!({"greeting": 1, "polite": 5, "tone": 5, "closing": 1, "answer": 5, "reminders": 3});
        let evaluated = inspector
            .post(format!("{base}/api/v1/evaluations"))
            .header("x-csrf-token", csrf.clone())
            .json(&json!({"contact_id": "c1", "answers": answers}))
            .send()
            .await
            .unwrap();
        assert_eq!(evaluated.status(), StatusCode::CREATED);
        let queue: Value = inspector
            .get(format!("{base}/api/v1/qa/queue"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(queue["items"].as_array().unwrap().len(), 1);
        assert_eq!(queue["items"][0]["contact_id"], "c2");
        // both agents first took contacts on 2026-11-02: new, and c2 is still unevaluated
        let new: Value = sample(json!({"from": "2026-11-02", "to": "2026-11-02", "per_agent": 1, "strategy": "new_agents"}))
            .await.unwrap().json().await.unwrap();
        assert_eq!(
            (new["candidates"].as_u64(), new["queued"].as_u64()),
            (Some(0), Some(0)),
            "{new}"
        );
        let bad: Value = sample(json!({"from": "2026-11-02", "to": "2026-11-02", "per_agent": 1, "strategy": "loudest"}))
            .await.unwrap().json().await.unwrap();
        assert_eq!(bad["code"], "unknown_strategy");
        let (agent, agent_csrf) = sign_in(&base, "agent").await;
        let refused = agent
            .post(format!("{base}/api/v1/qa/sample"))
            .header("x-csrf-token", agent_csrf)
            .json(&json!({"from": "2026-11-02", "to": "2026-11-02", "per_agent": 1, "strategy": "random"}))
            .send().await.unwrap();
        assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    }
}

#[tokio::test]
async fn calibration_sessions_are_blind_until_closed_then_show_deviations() {
    for db in TestDatabase::both().await {
        let store = Store::open(&db.url).await.unwrap();
        import_two_agents(&store).await;
        for role in [
            Role::QaInspector,
            Role::Supervisor,
            Role::Admin,
            Role::Agent,
        ] {
            add_user(&store, role).await;
        }
        let base = start(store).await;
        let mut inspectors = Vec::new();
        for name in ["qa_inspector", "supervisor", "admin"] {
            inspectors.push(sign_in(&base, name).await);
        }
        let post = |who: usize, path: String, body: Value| {
            let (client, csrf) = &inspectors[who];
            client
                .post(format!("{base}{path}"))
                .header("x-csrf-token", csrf.clone())
                .json(&body)
                .send()
        };
        let opened: Value = post(
            0,
            "/api/v1/calibrations".into(),
            json!({"contact_id": "c1"}),
        )
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
        assert_eq!(opened["status"], "open");
        let id = opened["id"].as_str().unwrap().to_owned();
        let best = json!({"greeting": 1, "polite": 5, "tone": 5, "closing": 1, "answer": 5, "reminders": 3});
        let mut tone = best.clone();
        tone["tone"] = json!(3);
        let mut harsh = best.clone();
        harsh["answer"] = json!(3);
        harsh["reminders"] = json!(1);
        // 100, 92.5 and (10 + 15 + 15 + 10 + 15 + 0) = 65
        for (who, answers) in [(0, &best), (1, &tone), (2, &harsh)] {
            let scored: Value = post(
                who,
                format!("/api/v1/calibrations/{id}/scores"),
                json!({"answers": answers}),
            )
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
            assert!(
                scored.get("results").is_none_or(Value::is_null),
                "blind while open: {scored}"
            );
        }
        let twice = post(
            0,
            format!("/api/v1/calibrations/{id}/scores"),
            json!({"answers": best}),
        )
        .await
        .unwrap();
        assert_eq!(twice.status(), StatusCode::CONFLICT);
        let open: Value = inspectors[1]
            .0
            .get(format!("{base}/api/v1/calibrations/{id}"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        // listed in scoring order (scores within one millisecond by name)
        let mut names: Vec<&str> = open["inspectors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n.as_str().unwrap())
            .collect();
        names.sort_unstable();
        assert_eq!(names, ["admin", "qa_inspector", "supervisor"]);
        assert!(open["results"].is_null());
        let open_page = inspectors[1]
            .0
            .get(format!("{base}/qa/calibrations/{id}"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let scored_line = open_page
            .split("<p id=\"scored\">")
            .nth(1)
            .and_then(|rest| rest.split("</p>").next())
            .unwrap_or("");
        assert!(
            scored_line.starts_with("Scored so far (blind): "),
            "{open_page}"
        );
        for name in ["qa_inspector", "supervisor", "admin"] {
            assert!(scored_line.contains(name), "{scored_line}");
        }
        assert!(
            open_page.contains("id=\"close\"") && !open_page.contains("class=\"deviation\""),
            "{open_page}"
        );
        let bad: Value = post(
            0,
            format!("/api/v1/calibrations/{id}/close"),
            json!({"reference": "nobody"}),
        )
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
        assert_eq!(bad["code"], "bad_reference");
        let closed: Value = post(
            0,
            format!("/api/v1/calibrations/{id}/close"),
            json!({"reference": "mean"}),
        )
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
        let mean = (100.0 + 92.5 + 65.0) / 3.0;
        assert!(
            (closed["reference_score"].as_f64().unwrap() - mean).abs() < 1e-6,
            "{closed}"
        );
        for (inspector, score) in [
            ("qa_inspector", 100.0),
            ("supervisor", 92.5),
            ("admin", 65.0),
        ] {
            let row = closed["results"]
                .as_array()
                .unwrap()
                .iter()
                .find(|r| r["inspector"] == inspector)
                .unwrap();
            assert!(
                (row["deviation"].as_f64().unwrap() - (score - mean)).abs() < 1e-6,
                "{closed}"
            );
        }
        let late = post(
            1,
            format!("/api/v1/calibrations/{id}/scores"),
            json!({"answers": best}),
        )
        .await
        .unwrap();
        assert_eq!(late.status(), StatusCode::CONFLICT);
        let again = post(
            0,
            format!("/api/v1/calibrations/{id}/close"),
            json!({"reference": "mean"}),
        )
        .await
        .unwrap();
        assert_eq!(again.status(), StatusCode::CONFLICT);
        // the page shows the same comparison
        let page = inspectors[0]
            .0
            .get(format!("{base}/qa/calibrations/{id}"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            page.contains("<td>admin</td><td>65.00</td><td class=\"deviation\">-20.83</td>"),
            "{page}"
        );
        let (agent, _) = sign_in(&base, "agent").await;
        let refused = agent
            .get(format!("{base}/api/v1/calibrations/{id}"))
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    }
}

#[tokio::test]
async fn rule_sets_and_scorecards_are_edited_checked_and_versioned() {
    for db in TestDatabase::both().await {
        let store = Store::open(&db.url).await.unwrap();
        for role in [Role::Supervisor, Role::QaInspector] {
            add_user(&store, role).await;
        }
        import_two_agents(&store).await;
        let base = start(store.clone()).await;
        let (supervisor, csrf) = sign_in(&base, "supervisor").await;
        let put = |path: &str, body: Value| {
            supervisor
                .put(format!("{base}{path}"))
                .header("x-csrf-token", &csrf)
                .json(&body)
                .send()
        };
        let shipped: Value = supervisor
            .get(format!("{base}/api/v1/qa/rules"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(shipped["version"], Value::Null);
        assert!(shipped["rules"].as_str().unwrap().contains("[[forbidden]]"));
        // a syntax error names its line; an unusable rule names the rule
        let broken = put(
            "/api/v1/qa/rules",
            json!({"rules": "[[forbidden]]\nname = \"x\"\nphrases = [\"a\"\n"}),
        )
        .await
        .unwrap();
        assert_eq!(broken.status(), StatusCode::BAD_REQUEST);
        let problem: Value = broken.json().await.unwrap();
        assert_eq!(problem["code"], "bad_rules");
        assert!(
            problem["detail"].as_str().unwrap().contains("line 3"),
            "{problem}"
        );
        let unknown = put(
            "/api/v1/qa/rules",
            json!({"rules": "[[forbidden]]\nname = \"x\"\nphrases = [\"a\"]\nwords = 1\n"}),
        )
        .await
        .unwrap();
        assert_eq!(unknown.status(), StatusCode::BAD_REQUEST);
        let rules =
            "[[forbidden]]\nname = \"blame\"\nspeaker = \"agent\"\nphrases = [\"不关我的事\"]\n";
        let saved: Value = put("/api/v1/qa/rules", json!({"rules": rules}))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(saved["version"], 1, "{saved}");
        // an inspector may read it, not change it
        let (inspector, inspector_csrf) = sign_in(&base, "qa_inspector").await;
        let read: Value = inspector
            .get(format!("{base}/api/v1/qa/rules"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(read["rules"], rules);
        let refused = inspector
            .put(format!("{base}/api/v1/qa/rules"))
            .header("x-csrf-token", &inspector_csrf)
            .json(&json!({"rules": rules}))
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), StatusCode::FORBIDDEN);
        // transcripts imported from now on are scanned with the saved rules only
        let transcript = json!({"contact_id": "c1", "turns": [
            {"speaker": "agent", "start": 0.0, "end": 2.0, "text": "喂"},
            {"speaker": "agent", "start": 5.5, "end": 8.0, "text": "這種事不關我的事"}]});
        let started: Value = supervisor
            .post(format!("{base}/api/v1/imports"))
            .header("x-csrf-token", &csrf)
            .multipart(upload(
                "transcripts",
                "calls.jsonl",
                &format!("{transcript}\n"),
            ))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let job = finished_import(&supervisor, &base, started["id"].as_str().unwrap()).await;
        assert_eq!(job["status"], "imported", "{job}");
        let view: Value = supervisor
            .get(format!("{base}/api/v1/contacts/c1/transcript"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let rules_hit: Vec<&str> = view["hits"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["rule"].as_str().unwrap())
            .collect();
        assert_eq!(rules_hit, ["blame"], "no greeting rule any more: {view}");

        // scorecards: checked, then a new version that new evaluations use
        let card: Value = supervisor
            .get(format!("{base}/api/v1/scorecards/default"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(card["version"], 1, "{card}");
        let mut edited = card.clone();
        edited["sections"][0]["items"][0]["weight"] = json!(0);
        let bad = put("/api/v1/scorecards/default", edited).await.unwrap();
        assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
        let problem: Value = bad.json().await.unwrap();
        assert!(
            problem["detail"]
                .as_str()
                .unwrap()
                .contains("sections.0.items.0.weight: must be greater than 0"),
            "{problem}"
        );
        assert_eq!(
            problem["errors"][0]["field"], "sections.0.items.0.weight",
            "{problem}"
        );
        let mut edited = card.clone();
        edited["sections"][0]["items"]
            .as_array_mut()
            .unwrap()
            .push(json!({"id": "empathy", "name": "Empathy", "weight": 2.0, "scale": "binary"}));
        let saved: Value = put("/api/v1/scorecards/default", edited)
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(saved["version"], 2, "{saved}");
        let card: Value = inspector
            .get(format!("{base}/api/v1/scorecards/default"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(card["version"], 2);
        assert!(card.to_string().contains("\"empathy\""));
        let page = inspector
            .get(format!("{base}/qa/evaluate/c1"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            page.contains("Empathy"),
            "the evaluation form shows the new item"
        );
        let setup = supervisor
            .get(format!("{base}/qa/setup"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(setup.contains("不关我的事") && setup.contains("empathy"));
    }
}

/// A sampling plan by customer tag takes only the contacts of customers carrying it: as their
/// segment, as a typed tag, or computed by the tag rules; a tag with LIKE's wildcards matches
/// only itself.
#[tokio::test]
async fn a_sampling_plan_by_tag_takes_only_those_customers_contacts() {
    for db in TestDatabase::both().await {
        let store = Store::open(&db.url).await.unwrap();
        store.set_centre_zone("UTC").await.unwrap();
        let contacts = [
            ("k1", "V1", "2026-11-02T09:00:00Z"),
            ("k2", "T1", "2026-11-02T09:10:00Z"),
            ("k3", "F1", "2026-11-02T09:20:00Z"),
            ("k4", "F1", "2026-11-02T09:30:00Z"),
            ("k5", "F1", "2026-11-02T09:40:00Z"),
            ("k6", "N1", "2026-11-02T09:50:00Z"),
        ];
        let mut import = store.begin_contact_import().await.unwrap();
        for (line, (id, customer, offered)) in contacts.into_iter().enumerate() {
            let answered = offered.replace(":00Z", ":05Z");
            let ended = offered.replace("T09", "T10");
            let record = ContactRecord {
                contact_id: id,
                channel: "phone",
                direction: "inbound",
                queue: "card",
                customer_id: customer,
                agent_id: "a1",
                offered_at: offered,
                answered_at: &answered,
                ended_at: &ended,
                talk_seconds: "",
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
        let actor = servq_store::Actor {
            user_id: None,
            name: "test".into(),
        };
        for (id, segment, tags) in [("V1", "VIP", vec![]), ("T1", "", vec!["老客户".to_owned()])]
        {
            let record = servq_core::CustomerRecord {
                customer_id: id.into(),
                segment: segment.into(),
                tags,
                ..Default::default()
            };
            store.save_customer(&record, &actor, 1).await.unwrap();
        }
        // F1's three contacts within a week make the default rule tag it `frequent`
        let now: jiff::Timestamp = "2026-11-03T00:00:00Z".parse().unwrap();
        servq_app::customers::refresh_rule_tags(&store, None, now.as_millisecond())
            .await
            .unwrap();
        add_user(&store, Role::QaInspector).await;
        let base = start(store).await;
        let (inspector, csrf) = sign_in(&base, "qa_inspector").await;
        let candidates = |tag: &'static str| {
            let inspector = inspector.clone();
            let csrf = csrf.clone();
            let base = base.clone();
            async move {
                let plan: Value = inspector
                    .post(format!("{base}/api/v1/qa/sample"))
                    .header("x-csrf-token", csrf)
                    .json(
                        &json!({"from": "2026-11-02", "to": "2026-11-02", "per_agent": 10,
                        "strategy": "random", "seed": 1, "customer_tag": tag}),
                    )
                    .send()
                    .await
                    .unwrap()
                    .json()
                    .await
                    .unwrap();
                (
                    plan["candidates"].as_u64().unwrap(),
                    plan["queued"].as_u64().unwrap(),
                )
            }
        };
        assert_eq!(candidates("no_such_tag").await, (0, 0));
        assert_eq!(
            candidates("%").await,
            (0, 0),
            "wildcards match only themselves"
        );
        assert_eq!(candidates("VIP").await, (1, 1), "the segment");
        assert_eq!(candidates("老客户").await, (1, 1), "a typed tag");
        assert_eq!(candidates("frequent").await, (3, 3), "a computed tag");
        let queue: Value = inspector
            .get(format!("{base}/api/v1/qa/queue"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let mut ids: Vec<&str> = queue["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["contact_id"].as_str().unwrap())
            .collect();
        ids.sort_unstable();
        assert_eq!(
            ids,
            ["k1", "k2", "k3", "k4", "k5"],
            "k6's customer has no tag"
        );
    }
}
