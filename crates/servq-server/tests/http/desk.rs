//! The service desk over HTTP: complaints through their workflow with clocks, the status page
//! and the return visit; routing, turns and transfers; centre-defined ticket types; attachments.

use crate::support::*;

#[tokio::test]
async fn a_complaint_goes_through_its_workflow_with_clocks_a_status_page_and_a_return_visit() {
    for db in TestDatabase::both().await {
        let store = Store::open(&db.url).await.unwrap();
        add_user(&store, Role::Supervisor).await;
        add_user(&store, Role::Analyst).await;
        let base = start(store.clone()).await;
        let (agent, csrf) = sign_in(&base, "supervisor").await;
        let post = |path: String, body: Value| {
            agent
                .post(format!("{base}{path}"))
                .header("x-csrf-token", &csrf)
                .json(&body)
                .send()
        };
        let bad = post(
            "/api/v1/tickets".into(),
            json!({"ticket_type": "complaint", "category": "billing", "priority": "critical",
                "subject": "x", "customer_id": "u1"}),
        )
        .await
        .unwrap();
        assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
        let problem: Value = bad.json().await.unwrap();
        assert_eq!(
            problem["detail"],
            "priority 'critical' is not urgent, high, normal or low"
        );
        let created = post(
            "/api/v1/tickets".into(),
            json!({"ticket_type": "complaint", "category": "billing", "priority": "high",
                "subject": "扣款两次", "customer_id": "u1", "channel": "phone"}),
        )
        .await
        .unwrap();
        assert_eq!(created.status(), StatusCode::CREATED);
        let created: Value = created.json().await.unwrap();
        let id = created["id"].as_str().unwrap().to_owned();
        let token = created["status_token"].as_str().unwrap().to_owned();
        assert!(token.len() >= 32, "at least 128 bits");
        let get = |id: String| {
            let agent = agent.clone();
            let base = base.clone();
            async move {
                agent
                    .get(format!("{base}/api/v1/tickets/{id}"))
                    .send()
                    .await
                    .unwrap()
                    .json::<Value>()
                    .await
                    .unwrap()
            }
        };
        let clock = |ticket: &Value, metric: &str| {
            ticket["sla"]
                .as_array()
                .unwrap()
                .iter()
                .find(|c| c["metric"] == metric)
                .cloned()
                .unwrap_or(Value::Null)
        };
        let ticket = get(id.clone()).await;
        assert_eq!(
            (ticket["stage"].as_str(), ticket["status"].as_str()),
            (Some("reception"), Some("open"))
        );
        assert_eq!(clock(&ticket, "first_response")["target_minutes"], 60);
        assert_eq!(clock(&ticket, "resolution")["target_minutes"], 960);
        assert_eq!(clock(&ticket, "stage")["target_minutes"], 30);
        // the customer's status page: no sign-in
        let page = client()
            .get(format!("{base}/t/{token}?lang=zh-CN"))
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), StatusCode::OK);
        let html = page.text().await.unwrap();
        assert!(html.contains("data-stage=\"reception\">受理"), "{html}");
        assert!(
            html.contains("<dd id=\"next-step\">调查核实</dd>"),
            "{html}"
        );
        assert!(html.contains("id=\"expected\""));
        let unknown = client()
            .get(format!("{base}/t/{}", "0".repeat(64)))
            .send()
            .await
            .unwrap();
        assert_eq!(unknown.status(), StatusCode::NOT_FOUND);

        let act = |action: &str| {
            post(
                format!("/api/v1/tickets/{id}/actions"),
                json!({"action": action}),
            )
        };
        let refused = act("close").await.unwrap();
        assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
        let problem: Value = refused.json().await.unwrap();
        assert_eq!(
            problem["detail"],
            "a ticket that is open cannot take 'close'"
        );
        assert_eq!(act("reply").await.unwrap().status(), StatusCode::OK);
        let ticket = get(id.clone()).await;
        assert_eq!(clock(&ticket, "first_response")["state"], "met");
        assert!(ticket["first_response_at"].is_string());
        let waiting: Value = act("wait_on_customer").await.unwrap().json().await.unwrap();
        assert_eq!(waiting["status"], "waiting_customer");
        assert_eq!(clock(&waiting, "resolution")["state"], "paused");
        assert_eq!(clock(&waiting, "resolution")["due_at"], Value::Null);
        assert_eq!(clock(&waiting, "stage")["state"], "paused");
        let back: Value = act("customer_reply").await.unwrap().json().await.unwrap();
        assert_eq!(back["status"], "open");
        assert_eq!(clock(&back, "resolution")["state"], "running");
        assert_eq!(clock(&back, "next_response")["state"], "running");
        // stages follow the complaint workflow
        let wrong = post(
            format!("/api/v1/tickets/{id}/stage"),
            json!({"stage": "repair_parts"}),
        )
        .await
        .unwrap();
        assert_eq!(wrong.status(), StatusCode::BAD_REQUEST);
        let problem: Value = wrong.json().await.unwrap();
        assert!(
            problem["detail"]
                .as_str()
                .unwrap()
                .contains("reception, investigation, handling, return_visit")
        );
        let moved: Value = post(format!("/api/v1/tickets/{id}/stage"), json!({}))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(moved["stage"], "investigation");
        assert_eq!(clock(&moved, "stage")["rule"], "investigation");
        assert_eq!(clock(&moved, "stage")["target_minutes"], 240);
        let resolved: Value = act("resolve").await.unwrap().json().await.unwrap();
        assert_eq!(resolved["status"], "resolved");
        for metric in ["resolution", "next_response", "stage"] {
            assert_eq!(clock(&resolved, metric)["state"], "met", "{metric}");
        }
        // a complaint closes only after its return visit
        let early = act("close").await.unwrap();
        assert_eq!(early.status(), StatusCode::BAD_REQUEST);
        let problem: Value = early.json().await.unwrap();
        assert!(problem["detail"].as_str().unwrap().contains("回访"));
        let visit = |outcome: &str| {
            agent
                .put(format!("{base}/api/v1/tickets/{id}/return-visit"))
                .header("x-csrf-token", &csrf)
                .json(&json!({"outcome": outcome, "root_cause": "duplicate_debit", "note": "refunded"}))
                .send()
        };
        assert_eq!(
            visit("happy").await.unwrap().status(),
            StatusCode::BAD_REQUEST
        );
        let visited: Value = visit("satisfied").await.unwrap().json().await.unwrap();
        assert_eq!(visited["return_visit"]["outcome"], "satisfied");
        // it closes only in the workflow's last stage: still in investigation, refused
        let not_last: Value = act("close").await.unwrap().json().await.unwrap();
        assert_eq!(not_last["code"], "not_in_last_stage", "{not_last}");
        assert!(
            not_last["message"]
                .as_str()
                .unwrap()
                .contains("Return visit"),
            "{not_last}"
        );
        // skipping handling needs a reason; with one, the move is made and the reason kept
        // for the desk, not the customer
        let skip = |reason: &str| {
            post(
                format!("/api/v1/tickets/{id}/stage"),
                json!({"stage": "return_visit", "reason": reason}),
            )
        };
        let no_reason: Value = skip(" ").await.unwrap().json().await.unwrap();
        assert_eq!(no_reason["code"], "stage_reason_required", "{no_reason}");
        let skipped: Value = skip("客户已在调查时接受退款")
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(skipped["stage"], "return_visit", "{skipped}");
        let closed: Value = act("close").await.unwrap().json().await.unwrap();
        assert_eq!(closed["status"], "closed");
        let html = client()
            .get(format!("{base}/t/{token}?lang=en"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(html.contains("data-status=\"closed\">Closed"), "{html}");
        assert!(
            html.contains("Investigation"),
            "the history shows the stage: {html}"
        );
        assert!(
            !html.contains("退款"),
            "the skip reason stays internal: {html}"
        );
        let desk_page = agent
            .get(format!("{base}/tickets/{id}"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            desk_page.contains(
                "investigation → return_visit (skipped handling): 客户已在调查时接受退款"
            ),
            "{desk_page}"
        );
        // ticket KPIs: one complaint created today, resolved within 24 h, every clock in time
        let (analyst, _) = sign_in(&base, "analyst").await;
        let today = jiff::Timestamp::now()
            .to_zoned(jiff::tz::TimeZone::get("Asia/Shanghai").unwrap())
            .date();
        let kpi: Value = analyst
            .get(format!(
                "{base}/api/v1/desk/kpi?from={today}&to={today}&by=category"
            ))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let total = &kpi["total"];
        assert_eq!(total["created"], 1, "{kpi}");
        assert_eq!(total["resolved"], 1);
        assert_eq!(total["backlog"], 0);
        assert_eq!(total["complaints"], 1);
        assert_eq!(total["complaints_in_24h_rate"], 1.0);
        assert_eq!(total["sla_attainment"], 1.0);
        assert_eq!(total["resolution_rate"], 1.0);
        assert_eq!(kpi["rows"][0]["key"], "billing");
        // the same ticket measures in the KPI table, per category (a desk without contacts)
        let table: Value = analyst
            .get(format!(
                "{base}/api/v1/kpi?by=category&from={today}&to={today}&metrics=tickets_created,complaints,complaints_in_24h_rate,sla_attainment,ticket_resolution_rate,first_response_seconds,occupancy"
            ))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let billing = &table["rows"][0];
        assert_eq!(billing["category"], "billing", "{table}");
        assert_eq!(billing["tickets_created"], 1, "{table}");
        assert_eq!(billing["complaints"], 1);
        assert_eq!(billing["complaints_in_24h_rate"], 1.0);
        assert_eq!(billing["sla_attainment"], 1.0);
        assert_eq!(billing["ticket_resolution_rate"], 1.0);
        assert_eq!(
            billing["first_response_seconds"], kpi["total"]["first_response_seconds"],
            "{table} {kpi}"
        );
        // and on the dashboard, for those who see every KPI
        let dashboard = analyst
            .get(format!("{base}/?from={today}&to={today}"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(dashboard.contains("id=\"desk-tiles\""), "{dashboard}");
        assert!(dashboard.contains("data-metric=\"sla_attainment\"><div>"));
        assert!(dashboard.contains(">100.0%</div>"));
    }
}

#[tokio::test]
async fn tickets_are_routed_assigned_in_turn_or_by_load_and_transferred_with_their_history() {
    for db in TestDatabase::both().await {
        let store = Store::open(&db.url).await.unwrap();
        add_user(&store, Role::Supervisor).await;
        add_user(&store, Role::Agent).await;
        let roster: Vec<servq_store::AgentRecord> = [
            ("a1", "care"),
            ("a2", "care"),
            ("a3", "care"),
            ("b1", "billing"),
        ]
        .iter()
        .map(|(id, team)| servq_store::AgentRecord {
            queues: None,
            agent_id: (*id).into(),
            name: String::new(),
            team: (*team).into(),
        })
        .collect();
        store.upsert_agents(&roster).await.unwrap();
        let base = start(store.clone()).await;
        let (supervisor, csrf) = sign_in(&base, "supervisor").await;
        let put_config = |body: Value| {
            supervisor
                .put(format!("{base}/api/v1/desk/config"))
                .header("x-csrf-token", &csrf)
                .json(&body)
                .send()
        };
        let bad = put_config(json!({"calendar": {"time_zone": "Asia/Shanghai",
            "week": [["18:00-09:00"], [], [], [], [], [], []]}}))
        .await
        .unwrap();
        assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
        let problem: Value = bad.json().await.unwrap();
        assert!(
            problem["detail"]
                .as_str()
                .unwrap()
                .starts_with("calendar.week.0: "),
            "{problem}"
        );
        // Monday's hours are marked for the form editor
        assert_eq!(problem["errors"][0]["field"], "calendar.week.0");
        assert_eq!(problem["errors"][0]["code"], "time_span");
        let routing = json!({"rules": [
            {"categories": ["credit_limit"], "team": "billing"},
            {"team": "care"}], "assignment": "round_robin"});
        let saved: Value = put_config(json!({"routing": routing}))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(saved["routing"]["assignment"], "round_robin");
        // an agent may read the configuration, not change it
        let (agent, agent_csrf) = sign_in(&base, "agent").await;
        let refused = agent
            .put(format!("{base}/api/v1/desk/config"))
            .header("x-csrf-token", &agent_csrf)
            .json(&json!({"routing": routing}))
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), StatusCode::FORBIDDEN);

        let open = |category: &str, customer: &str| {
            supervisor
                .post(format!("{base}/api/v1/tickets"))
                .header("x-csrf-token", &csrf)
                .json(&json!({"category": category, "subject": "help", "customer_id": customer}))
                .send()
        };
        let mut ids = Vec::new();
        let mut assignees = Vec::new();
        for (index, category) in [
            "bill_query",
            "bill_query",
            "bill_query",
            "bill_query",
            "credit_limit",
        ]
        .iter()
        .enumerate()
        {
            let created: Value = open(category, &format!("u{index}"))
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            let id = created["id"].as_str().unwrap().to_owned();
            let ticket: Value = supervisor
                .get(format!("{base}/api/v1/tickets/{id}"))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            assignees.push((
                ticket["team"].as_str().unwrap().to_owned(),
                ticket["assignee"].as_str().unwrap().to_owned(),
            ));
            ids.push(id);
        }
        let pairs: Vec<(&str, &str)> = assignees
            .iter()
            .map(|(t, a)| (t.as_str(), a.as_str()))
            .collect();
        assert_eq!(
            pairs,
            [
                ("care", "a1"),
                ("care", "a2"),
                ("care", "a3"),
                ("care", "a1"),
                ("billing", "b1")
            ]
        );
        // least-loaded: a1 has two open tickets, a2 and a3 one each → a2
        put_config(json!({"routing": {"rules": routing["rules"], "assignment": "least_loaded"}}))
            .await
            .unwrap();
        let created: Value = open("bill_query", "u9")
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let ticket: Value = supervisor
            .get(format!(
                "{base}/api/v1/tickets/{}",
                created["id"].as_str().unwrap()
            ))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(ticket["assignee"], "a2");

        // transfer to billing keeps the clocks and records the move
        let before: Value = supervisor
            .get(format!("{base}/api/v1/tickets/{}", ids[0]))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let transfer = |body: Value| {
            supervisor
                .post(format!("{base}/api/v1/tickets/{}/transfer", ids[0]))
                .header("x-csrf-token", &csrf)
                .json(&body)
                .send()
        };
        let nobody = transfer(json!({"team": "nobody"})).await.unwrap();
        assert_eq!(nobody.status(), StatusCode::BAD_REQUEST);
        let stranger = transfer(json!({"team": "billing", "assignee": "a1"}))
            .await
            .unwrap();
        assert_eq!(stranger.status(), StatusCode::BAD_REQUEST);
        let moved: Value = transfer(json!({"team": "billing"}))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(
            (moved["team"].as_str(), moved["assignee"].as_str()),
            (Some("billing"), Some("b1"))
        );
        assert_eq!(
            moved["sla"], before["sla"],
            "progress and deadlines are kept"
        );
        let last = moved["history"].as_array().unwrap().last().unwrap().clone();
        assert_eq!(last["kind"], "transfer");
        assert_eq!(last["detail"], "care → billing b1");
        // notes: internal ones stay off the customer's page
        let note = |text: &str, internal: bool| {
            supervisor
                .post(format!("{base}/api/v1/tickets/{}/notes", ids[0]))
                .header("x-csrf-token", &csrf)
                .json(&json!({"text": text, "internal": internal}))
                .send()
        };
        assert_eq!(
            note("  ", true).await.unwrap().status(),
            StatusCode::BAD_REQUEST
        );
        let noted: Value = note("customer is a lawyer", true)
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        // the category tree: tickets must use it; supervisors edit it
        let tree: Value = supervisor
            .get(format!("{base}/api/v1/desk/categories"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(
            tree["categories"][0]["children"].as_array().unwrap().len(),
            18
        );
        let unknown = open("warranty", "u20").await.unwrap();
        assert_eq!(unknown.status(), StatusCode::BAD_REQUEST);
        let put_tree = |body: Value| {
            supervisor
                .put(format!("{base}/api/v1/desk/categories"))
                .header("x-csrf-token", &csrf)
                .json(&body)
                .send()
        };
        let node = |id: &str| json!({"id": id, "name_zh_cn": "保修", "name_zh_tw": "保固", "name_en": "Warranty"});
        let repeated = put_tree(json!({"categories": [node("warranty"), node("warranty")]}))
            .await
            .unwrap();
        assert_eq!(repeated.status(), StatusCode::BAD_REQUEST);
        let saved = put_tree(json!({"categories": [node("warranty")]}))
            .await
            .unwrap();
        assert_eq!(saved.status(), StatusCode::OK);
        assert_eq!(
            open("warranty", "u21").await.unwrap().status(),
            StatusCode::CREATED
        );
        assert_eq!(
            noted["history"].as_array().unwrap().last().unwrap()["detail"],
            "customer is a lawyer"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn simultaneous_tickets_take_turns() {
    for db in TestDatabase::both().await {
        let store = Store::open(&db.url).await.unwrap();
        add_user(&store, Role::Supervisor).await;
        let roster: Vec<servq_store::AgentRecord> = ["a1", "a2", "a3"]
            .iter()
            .map(|id| servq_store::AgentRecord {
                queues: None,
                agent_id: (*id).into(),
                name: String::new(),
                team: "care".into(),
            })
            .collect();
        store.upsert_agents(&roster).await.unwrap();
        let base = start(store.clone()).await;
        let (supervisor, csrf) = sign_in(&base, "supervisor").await;
        // 30 tickets for the team, all sent at once
        let sent: Vec<_> = (0..30)
            .map(|n| {
                let request = supervisor
                    .post(format!("{base}/api/v1/tickets"))
                    .header("x-csrf-token", &csrf)
                    .json(&json!({"category": "bill_query", "subject": "fee",
                        "customer_id": format!("c{n}"), "team": "care"}))
                    .send();
                tokio::spawn(request)
            })
            .collect();
        for handle in sent {
            assert_eq!(handle.await.unwrap().unwrap().status(), StatusCode::CREATED);
        }
        let load = store.team_load("care").await.unwrap();
        assert_eq!(
            load,
            [
                ("a1".to_owned(), 10),
                ("a2".to_owned(), 10),
                ("a3".to_owned(), 10)
            ],
            "round-robin under simultaneous creation"
        );
    }
}

#[tokio::test]
async fn a_centre_adds_a_ticket_type_with_its_own_stages_and_names() {
    for db in TestDatabase::both().await {
        let store = Store::open(&db.url).await.unwrap();
        add_user(&store, Role::Supervisor).await;
        let base = start(store.clone()).await;
        let (supervisor, csrf) = sign_in(&base, "supervisor").await;
        let put_config = |body: Value| {
            supervisor
                .put(format!("{base}/api/v1/desk/config"))
                .header("x-csrf-token", &csrf)
                .json(&body)
                .send()
        };
        let config: Value = supervisor
            .get(format!("{base}/api/v1/desk/config"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let mut workflows = config["workflows"].as_array().unwrap().clone();
        assert_eq!(
            workflows
                .iter()
                .map(|w| w["ticket_type"].as_str().unwrap())
                .collect::<Vec<_>>(),
            ["after_sales", "complaint", "consult"]
        );
        // a consult ticket exists: its type cannot be dropped
        let opened = supervisor
            .post(format!("{base}/api/v1/tickets"))
            .header("x-csrf-token", &csrf)
            .json(&json!({"category": "bill_query", "subject": "fee", "customer_id": "c1"}))
            .send()
            .await
            .unwrap();
        assert_eq!(opened.status(), StatusCode::CREATED);
        let installation = json!({"ticket_type": "installation", "stages": [
            {"id": "booking", "limit_minutes": 60,
             "names": {"zh-CN": "预约上门", "zh-TW": "預約上門", "en": "Booking a visit"}},
            {"id": "on_site", "limit_minutes": 480, "names": {"en": "On site"}},
            {"id": "on_site", "limit_minutes": 0}]});
        let refused = put_config(json!({"workflows": [installation]}))
            .await
            .unwrap();
        assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
        let detail = refused.json::<Value>().await.unwrap()["detail"]
            .as_str()
            .unwrap()
            .to_owned();
        for reason in [
            "workflows.0.stages.1.names.zh-CN: is required",
            "workflows.0.stages.2.id: 'on_site' appears twice",
            "workflows.0.stages.2.limit_minutes: must be from 1 to 525600",
            "ticket type 'consult' has tickets: keep its workflow",
        ] {
            assert!(detail.contains(reason), "{reason} missing from {detail}");
        }
        let installation = json!({"ticket_type": "installation", "stages": [
            {"id": "booking", "limit_minutes": 60,
             "names": {"zh-CN": "预约上门", "zh-TW": "預約上門", "en": "Booking a visit"}},
            {"id": "on_site", "limit_minutes": 480,
             "names": {"zh-CN": "上门安装", "zh-TW": "到府安裝", "en": "Installing on site"}},
            {"id": "follow_up", "limit_minutes": 480}]});
        workflows.push(installation);
        let saved = put_config(json!({"workflows": workflows})).await.unwrap();
        assert_eq!(saved.status(), StatusCode::OK);
        // a ticket of the new type starts in its first stage with that stage's limit
        let created: Value = supervisor
            .post(format!("{base}/api/v1/tickets"))
            .header("x-csrf-token", &csrf)
            .json(
                &json!({"ticket_type": "installation", "category": "installation",
                "subject": "install the router", "customer_id": "c2"}),
            )
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let id = created["id"].as_str().expect("created").to_owned();
        let ticket: Value = supervisor
            .get(format!("{base}/api/v1/tickets/{id}"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(ticket["stage"], "booking");
        let stage_clock = ticket["sla"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["metric"] == "stage")
            .unwrap()
            .clone();
        assert_eq!(stage_clock["target_minutes"], 60, "{stage_clock}");
        // next stage, named in the page by the workflow's own name
        let moved = supervisor
            .post(format!("{base}/api/v1/tickets/{id}/stage"))
            .header("x-csrf-token", &csrf)
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        assert_eq!(moved.status(), StatusCode::OK);
        let page = supervisor
            .get(format!("{base}/tickets/{id}"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            page.contains("data-stage=\"on_site\">Installing on site<"),
            "{page}"
        );
        // an unknown type names the configured ones
        let unknown = supervisor
            .post(format!("{base}/api/v1/tickets"))
            .header("x-csrf-token", &csrf)
            .json(
                &json!({"ticket_type": "repair", "category": "bill_query", "subject": "x",
                "customer_id": "c3"}),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(unknown.status(), StatusCode::BAD_REQUEST);
        assert!(
            unknown.json::<Value>().await.unwrap()["detail"]
                .as_str()
                .unwrap()
                .contains(
                    "ticket_type 'repair' is not after_sales, complaint, consult, installation"
                )
        );
    }
}

#[tokio::test]
async fn attachments_are_size_limited_typed_by_content_and_always_downloaded() {
    for db in TestDatabase::both().await {
        let store = Store::open(&db.url).await.unwrap();
        add_user(&store, Role::Supervisor).await;
        let base = start(store.clone()).await;
        let (supervisor, csrf) = sign_in(&base, "supervisor").await;
        let created: Value = supervisor
            .post(format!("{base}/api/v1/tickets"))
            .header("x-csrf-token", &csrf)
            .json(&json!({"category": "bill_query", "subject": "receipt", "customer_id": "u1"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let id = created["id"].as_str().unwrap().to_owned();
        let upload = |ticket: &str, name: &str, bytes: Vec<u8>| {
            let part = reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned());
            supervisor
                .post(format!("{base}/api/v1/tickets/{ticket}/attachments"))
                .header("x-csrf-token", &csrf)
                .multipart(reqwest::multipart::Form::new().part("file", part))
                .send()
        };
        // a PNG whose name tries to climb out and to look like a page
        let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
        png.extend_from_slice(&[7u8; 100]);
        let stored = upload(&id, "../../evil.html", png.clone()).await.unwrap();
        assert_eq!(stored.status(), StatusCode::CREATED);
        let stored: Value = stored.json().await.unwrap();
        assert_eq!(stored["file_name"], "evil.html");
        assert_eq!(stored["content_type"], "image/png");
        assert_eq!(stored["size_bytes"], 108);
        let file = supervisor
            .get(format!("{base}{}", stored["url"].as_str().unwrap()))
            .send()
            .await
            .unwrap();
        assert_eq!(file.headers()["content-type"], "application/octet-stream");
        assert!(
            file.headers()["content-disposition"]
                .to_str()
                .unwrap()
                .starts_with("attachment;")
        );
        assert_eq!(file.headers()["x-content-type-options"], "nosniff");
        assert_eq!(file.headers()["content-security-policy"], "sandbox");
        assert_eq!(file.bytes().await.unwrap().to_vec(), png);
        let ticket: Value = supervisor
            .get(format!("{base}/api/v1/tickets/{id}"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(ticket["attachments"][0]["sha256"], stored["sha256"]);
        // too large, empty, unknown ticket
        let big = upload(&id, "big.bin", vec![0u8; 10 * 1024 * 1024 + 1])
            .await
            .unwrap();
        assert_eq!(big.status(), StatusCode::PAYLOAD_TOO_LARGE);
        let empty = upload(&id, "empty.txt", Vec::new()).await.unwrap();
        assert_eq!(empty.status(), StatusCode::BAD_REQUEST);
        let unknown = upload("nope", "a.txt", b"hi".to_vec()).await.unwrap();
        assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
        let text: Value = upload(&id, "note.txt", "你好".as_bytes().to_vec())
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(text["content_type"], "text/plain");
        let missing = supervisor
            .get(format!("{base}/api/v1/tickets/{id}/attachments/nope"))
            .send()
            .await
            .unwrap();
        assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    }
}

/// One check for the SLA policy wherever it is stored: `warn_at_percent` must be 1 to 99 (100
/// used to be accepted here and silently meant "never warn"), a rule target of 0 minutes is
/// refused, and a policy without `warn_at_percent` warns at 80 %.
#[tokio::test]
async fn an_sla_policy_is_checked_once_and_warns_at_80_percent_unless_told_otherwise() {
    for app in TestApp::on_both_databases().await {
        let supervisor = app.sign_in_as(Role::Supervisor).await;
        let (status, config) = supervisor.get_json("/api/v1/desk/config").await;
        assert_eq!(status, StatusCode::OK);
        let mut policy = config["policy"].clone();
        policy["warn_at_percent"] = json!(100);
        policy["rules"][0]["first_response_minutes"] = json!(0);
        let (status, problem) = supervisor
            .put_json("/api/v1/desk/config", &json!({ "policy": policy }))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{problem}");
        let detail = problem["detail"].as_str().unwrap();
        assert!(
            detail.contains("policy.warn_at_percent: must be from 1 to 99"),
            "{detail}"
        );
        assert!(
            detail.contains("policy.rules.0.first_response_minutes: must be at least 1"),
            "every problem is named: {detail}"
        );
        policy["rules"][0]["first_response_minutes"] = json!(15);
        policy.as_object_mut().unwrap().remove("warn_at_percent");
        let (status, stored) = supervisor
            .put_json("/api/v1/desk/config", &json!({ "policy": policy }))
            .await;
        assert_eq!(status, StatusCode::OK, "{stored}");
        assert_eq!(stored["policy"]["warn_at_percent"], 80);
        // a refused change stored nothing: the other parts are as they were
        assert_eq!(stored["calendar"], config["calendar"]);
    }
}

/// A ticket request with several problems is refused once, naming each; nothing is stored.
#[tokio::test]
async fn a_ticket_with_several_problems_is_refused_naming_each() {
    for app in TestApp::on_both_databases().await {
        let supervisor = app.sign_in_as(Role::Supervisor).await;
        let (status, problem) = supervisor
            .post_json(
                "/api/v1/tickets",
                &json!({"ticket_type": "consult", "category": "nope", "priority": "critical",
                    "subject": " ", "customer_id": "C1"}),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{problem}");
        assert_eq!(problem["code"], "bad_ticket");
        let detail = problem["detail"].as_str().unwrap();
        for expected in [
            "priority 'critical' is not urgent, high, normal or low",
            "subject is required",
            "category 'nope' is not in the category tree",
        ] {
            assert!(detail.contains(expected), "{expected} in {detail}");
        }
        let (status, page) = supervisor.get_text("/tickets").await;
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains("id=\"no-tickets\""), "nothing stored: {page}");
    }
}

/// A ticket's description is what the customer told us: stored, and shown on the ticket's API
/// answer and page (escaped, its lines kept); never on the customer's status page.
#[tokio::test]
async fn a_tickets_description_is_shown_to_the_desk_and_kept_off_the_status_page() {
    for app in TestApp::on_both_databases().await {
        let supervisor = app.sign_in_as(Role::Supervisor).await;
        let description = "扣了两次 <b>299 元</b>\n第二行: =HYPERLINK(\"x\")";
        let (status, created) = supervisor
            .post_json(
                "/api/v1/tickets",
                &json!({"ticket_type": "consult", "category": "bill_query",
                    "subject": "重复扣费", "customer_id": "C9", "description": description}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        let id = created["id"].as_str().unwrap();
        let (_, ticket) = supervisor.get_json(&format!("/api/v1/tickets/{id}")).await;
        assert_eq!(ticket["description"], description);
        let (_, list) = supervisor.get_json("/api/v1/tickets").await;
        assert_eq!(list["tickets"][0]["description"], description);
        let (_, page) = supervisor.get_text(&format!("/tickets/{id}")).await;
        assert!(
            page.contains("id=\"ticket-description\"")
                && page.contains("扣了两次 &#60;b&#62;299 元&#60;/b&#62;")
                && !page.contains("<b>299"),
            "{page}"
        );
        let token = created["status_token"].as_str().unwrap();
        let (_, status_page) = supervisor.get_text(&format!("/t/{token}")).await;
        assert!(!status_page.contains("扣了两次"), "{status_page}");
    }
}
