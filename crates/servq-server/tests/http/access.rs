//! Who may do what: every route for every role against the permission matrix, agents limited
//! to their own records, CSRF, sign-in throttling, sign-out, the set-up link, languages, health
//! and metrics, and schemathesis over the whole OpenAPI document.

use crate::support::*;

#[tokio::test]
async fn every_route_for_every_role_follows_the_permission_matrix() {
    for db in TestDatabase::both().await {
        let store = Store::open(&db.url).await.unwrap();
        for role in Role::ALL {
            add_user(&store, role).await;
        }
        let base = start(store.clone()).await;
        // (method, path, body, permission needed; None = any signed-in user)
        let routes: Vec<(&str, &str, Option<Value>, Option<Permission>)> = vec![
            ("GET", "/", None, None),
            ("GET", "/api/v1/me", None, None),
            (
                "GET",
                "/api/v1/kpi?by=queue",
                None,
                Some(Permission::ViewOwnKpis),
            ),
            (
                "POST",
                "/api/v1/tokens",
                Some(json!({"name": "script"})),
                Some(Permission::UseApiTokens),
            ),
            ("GET", "/api/v1/users", None, Some(Permission::ManageUsers)),
            ("GET", "/api/v1/audit", None, Some(Permission::ViewAuditLog)),
            ("GET", "/audit", None, Some(Permission::ViewAuditLog)),
            (
                "GET",
                "/contacts?subset=abandoned",
                None,
                Some(Permission::ViewOwnKpis),
            ),
            (
                "GET",
                "/api/v1/contacts?subset=repeated",
                None,
                Some(Permission::ViewOwnKpis),
            ),
            ("GET", "/import", None, Some(Permission::ImportData)),
            ("GET", "/api/v1/imports", None, Some(Permission::ImportData)),
            (
                "UPLOAD",
                "/api/v1/imports",
                None,
                Some(Permission::ImportData),
            ),
            ("GET", "/surveys", None, Some(Permission::ViewOwnKpis)),
            (
                "GET",
                "/api/v1/surveys/metrics?by=agent",
                None,
                Some(Permission::ViewOwnKpis),
            ),
            (
                "GET",
                "/surveys/setup",
                None,
                Some(Permission::ManageSurveys),
            ),
            (
                "GET",
                "/api/v1/survey-templates",
                None,
                Some(Permission::ManageSurveys),
            ),
            (
                "GET",
                "/api/v1/survey-rules",
                None,
                Some(Permission::ManageSurveys),
            ),
            (
                "POST",
                "/api/v1/surveys/dispatch",
                Some(json!({})),
                Some(Permission::ManageSurveys),
            ),
            (
                "GET",
                "/api/v1/surveys/outbox",
                None,
                Some(Permission::ManageSurveys),
            ),
            ("GET", "/reviews", None, Some(Permission::EvaluateQuality)),
            (
                "GET",
                "/api/v1/reviews",
                None,
                Some(Permission::EvaluateQuality),
            ),
            (
                "GET",
                "/api/v1/review-reasons",
                None,
                Some(Permission::EvaluateQuality),
            ),
            (
                "GET",
                "/reviews/report",
                None,
                Some(Permission::ViewAllKpis),
            ),
            (
                "GET",
                "/api/v1/reviews/report",
                None,
                Some(Permission::ViewAllKpis),
            ),
            ("GET", "/qa/setup", None, Some(Permission::ManageQuality)),
            ("GET", "/desk/setup", None, Some(Permission::ManageDesk)),
            ("GET", "/targets", None, Some(Permission::ViewAllKpis)),
            ("GET", "/reports", None, Some(Permission::ViewAllKpis)),
            ("GET", "/goals", None, Some(Permission::ViewOwnKpis)),
            (
                "GET",
                "/api/v1/briefing",
                None,
                Some(Permission::ViewAllKpis),
            ),
            ("GET", "/api/v1/review", None, Some(Permission::ViewAllKpis)),
            ("GET", "/coaching-plan", None, Some(Permission::ViewAllKpis)),
            (
                "GET",
                "/coaching-plan/2026-11",
                None,
                Some(Permission::ViewAllKpis),
            ),
            (
                "GET",
                "/api/v1/coaching-plan?month=2026-11",
                None,
                Some(Permission::ViewAllKpis),
            ),
            (
                "GET",
                "/api/v1/jobs",
                None,
                Some(Permission::ManageSettings),
            ),
            (
                "GET",
                "/admin/settings",
                None,
                Some(Permission::ManageSettings),
            ),
            (
                "GET",
                "/tasks?problem=1",
                None,
                Some(Permission::ViewOwnKpis),
            ),
            ("GET", "/api/v1/goals", None, Some(Permission::ViewOwnKpis)),
            (
                "GET",
                "/api/v1/reports",
                None,
                Some(Permission::ViewAllKpis),
            ),
            ("GET", "/performance", None, Some(Permission::ViewOwnKpis)),
            (
                "GET",
                "/performance/model",
                None,
                Some(Permission::ManageTargets),
            ),
            (
                "GET",
                "/performance/ratings",
                None,
                Some(Permission::ViewOwnKpis),
            ),
            (
                "GET",
                "/api/v1/tickets",
                None,
                Some(Permission::HandleTickets),
            ),
            (
                "GET",
                "/api/v1/desk/kpi",
                None,
                Some(Permission::ViewAllKpis),
            ),
            (
                "GET",
                "/api/v1/desk/config",
                None,
                Some(Permission::HandleTickets),
            ),
            (
                "GET",
                "/api/v1/qa/rules",
                None,
                Some(Permission::EvaluateQuality),
            ),
            ("GET", "/ledgers", None, Some(Permission::ViewLedgerSummary)),
            (
                "GET",
                "/api/v1/ledgers/summary?from=2026-12-01&to=2026-12-02",
                None,
                Some(Permission::ViewLedgerSummary),
            ),
            (
                "GET",
                "/ledgers/lending",
                None,
                Some(Permission::UseLedgers),
            ),
            (
                "GET",
                "/api/v1/ledger-entries/lost_found",
                None,
                Some(Permission::UseLedgers),
            ),
            (
                "GET",
                "/ledgers/medicine",
                None,
                Some(Permission::RecordMedicine),
            ),
            (
                "POST",
                "/api/v1/ledgers/paid-services",
                Some(json!({"service": "copy", "amount_yuan": "0.50"})),
                Some(Permission::UseLedgers),
            ),
            (
                "GET",
                "/ledgers/settings",
                None,
                Some(Permission::ManageLedgers),
            ),
            (
                "POST",
                "/api/v1/ledgers/purge",
                Some(json!({"dry_run": true})),
                Some(Permission::ManageLedgers),
            ),
            ("GET", "/risks", None, Some(Permission::ViewRisks)),
            ("GET", "/api/v1/risks", None, Some(Permission::ViewRisks)),
            ("GET", "/api/v1/drills", None, Some(Permission::ViewRisks)),
            (
                "POST",
                "/api/v1/risks",
                Some(
                    json!({"title": "Carrier line down", "category": "network_outage",
                    "likelihood": 3, "impact": 4, "owner": "admin", "treatment": "mitigate",
                    "review_on": "2027-06-01"}),
                ),
                Some(Permission::ManageRisks),
            ),
            (
                "POST",
                "/api/v1/emergency-plans",
                Some(json!({"title": "Line down", "owner": "admin", "steps": [
                    {"phase": "response", "role": "duty supervisor", "action": "switch lines"}]})),
                Some(Permission::ManageRisks),
            ),
        ];
        for role in Role::ALL {
            let (client, csrf) = sign_in(&base, role.name()).await;
            for (method, path, body, permission) in &routes {
                let request = match *method {
                    "GET" => client.get(format!("{base}{path}")),
                    "UPLOAD" => client
                        .post(format!("{base}{path}"))
                        .header("x-csrf-token", &csrf)
                        .multipart(upload("agents", "roster.csv", ROSTER)),
                    _ => client
                        .post(format!("{base}{path}"))
                        .header("x-csrf-token", &csrf)
                        .json(body.as_ref().unwrap()),
                };
                let status = request.send().await.unwrap().status();
                if *path == "/" && !role.allows(Permission::ViewOwnKpis) {
                    // desk staff have no dashboard: their home is the desk
                    assert_eq!(status, StatusCode::SEE_OTHER, "{role}");
                    continue;
                }
                let allowed = permission.is_none_or(|p| role.allows(p));
                assert_eq!(
                    status.is_success(),
                    allowed,
                    "{:?} {role} {method} {path}: {status}",
                    db.backend
                );
                if !allowed {
                    assert_eq!(status, StatusCode::FORBIDDEN);
                }
            }
            // administrators create users; nobody else may
            let created = client
                .post(format!("{base}/api/v1/users"))
                .header("x-csrf-token", &csrf)
                .json(&json!({"username": format!("new-by-{}", role.name()), "password": PASSWORD, "role": "analyst"}))
                .send()
                .await
                .unwrap()
                .status();
            assert_eq!(
                created == StatusCode::CREATED,
                role.allows(Permission::ManageUsers),
                "{role}: {created}"
            );
        }
        // signed out: the API answers 401 with a problem document, pages send to the sign-in
        let anonymous = client();
        let response = anonymous
            .get(format!("{base}/api/v1/kpi"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(
            response.headers()["content-type"],
            "application/problem+json"
        );
        let problem: Value = response.json().await.unwrap();
        assert_eq!(problem["code"], "unauthorized");
        let page = anonymous.get(format!("{base}/")).send().await.unwrap();
        assert_eq!(page.status(), StatusCode::SEE_OTHER);
        assert_eq!(page.headers()["location"], "/login");
    }
}

#[tokio::test]
async fn agents_see_only_their_own_records() {
    for db in TestDatabase::both().await {
        let store = Store::open(&db.url).await.unwrap();
        import_two_agents(&store).await;
        add_user(&store, Role::Agent).await;
        add_user(&store, Role::Supervisor).await;
        let base = start(store).await;
        let rows = |value: Value| value["rows"].as_array().unwrap().clone();
        let (agent, _) = sign_in(&base, "agent").await;
        let mine: Value = agent
            .get(format!("{base}/api/v1/kpi?by=agent&metrics=offered"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(rows(mine), vec![json!({"agent": "a1", "offered": 1})]);
        // a filter naming someone else is replaced, not honoured
        let other: Value = agent
            .get(format!(
                "{base}/api/v1/kpi?by=agent&filter=agent=a2&metrics=offered"
            ))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(rows(other), vec![json!({"agent": "a1", "offered": 1})]);
        let (supervisor, _) = sign_in(&base, "supervisor").await;
        let all: Value = supervisor
            .get(format!("{base}/api/v1/kpi?by=agent&metrics=offered"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(rows(all).len(), 2);
        let bad = supervisor
            .get(format!("{base}/api/v1/kpi?by=planet"))
            .send()
            .await
            .unwrap();
        assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
        let problem: Value = bad.json().await.unwrap();
        assert_eq!(problem["code"], "unknown_group");
        // the API reads by/filter/metrics with the CLI's parser: one time grain at most
        let two: Value = supervisor
            .get(format!("{base}/api/v1/kpi?by=day,week"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(two["code"], "two_time_grains");
    }
}

#[tokio::test]
async fn csrf_tokens_sign_out_throttling_and_the_setup_link() {
    let db = TestDatabase::sqlite();
    let store = Store::open(&db.url).await.unwrap();
    store
        .create_setup_token(&auth::token_hash("one-time"), i64::MAX)
        .await
        .unwrap();
    let base = start(store.clone()).await;

    // the set-up link creates the first administrator, once
    let anonymous = client();
    let created = anonymous
        .post(format!("{base}/setup"))
        .form(&[
            ("token", "one-time"),
            ("username", "admin"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::SEE_OTHER);
    let again = anonymous
        .post(format!("{base}/setup"))
        .form(&[
            ("token", "one-time"),
            ("username", "second"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::FORBIDDEN);

    let (client, csrf) = sign_in(&base, "admin").await;
    // without the CSRF token a state-changing call is refused
    let refused = client
        .post(format!("{base}/api/v1/tokens"))
        .json(&json!({"name": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let problem: Value = refused.json().await.unwrap();
    assert_eq!(problem["code"], "csrf_token_invalid");
    // an API token works without a session or CSRF token
    let token: Value = client
        .post(format!("{base}/api/v1/tokens"))
        .header("x-csrf-token", &csrf)
        .json(&json!({"name": "nightly export"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let script = reqwest::Client::new();
    let me: Value = script
        .get(format!("{base}/api/v1/me"))
        .bearer_auth(token["token"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["username"], "admin");
    assert!(me["csrf_token"].is_null());

    // every change is in the audit log
    let audit: Value = client
        .get(format!("{base}/api/v1/audit"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let actions: Vec<String> = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            format!(
                "{} {}",
                e["action"].as_str().unwrap(),
                e["entity"].as_str().unwrap()
            )
        })
        .collect();
    assert!(
        actions.contains(&"create api_token".to_owned()),
        "{actions:?}"
    );
    assert!(actions.contains(&"create user".to_owned()), "{actions:?}");
    assert!(
        actions.contains(&"sign_in session".to_owned()),
        "{actions:?}"
    );

    // signing out ends the session
    let out = client
        .post(format!("{base}/logout"))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        client
            .get(format!("{base}/api/v1/me"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::UNAUTHORIZED
    );

    // five wrong passwords, then even the right one waits
    let guesser = self::client();
    for _ in 0..auth::MAX_FAILURES {
        let wrong = guesser
            .post(format!("{base}/login"))
            .form(&[("username", "admin"), ("password", "wrong password")])
            .send()
            .await
            .unwrap();
        assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    }
    let blocked = guesser
        .post(format!("{base}/login"))
        .form(&[("username", "admin"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(blocked.status(), StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn pages_follow_the_language_choice() {
    let db = TestDatabase::sqlite();
    let store = Store::open(&db.url).await.unwrap();
    add_user(&store, Role::Supervisor).await;
    let base = start(store).await;
    let login = client()
        .get(format!("{base}/login"))
        .header("accept-language", "zh-TW,zh;q=0.9")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        login.contains("lang=\"zh-TW\"") && login.contains("登入"),
        "{login}"
    );
    let (client, csrf) = sign_in(&base, "supervisor").await;
    let english = client
        .get(format!("{base}/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(english.contains("KPI dashboard"));
    let switched = client
        .post(format!("{base}/language"))
        .form(&[("csrf", csrf.as_str()), ("locale", "zh-CN")])
        .send()
        .await
        .unwrap();
    assert_eq!(switched.status(), StatusCode::SEE_OTHER);
    let chinese = client
        .get(format!("{base}/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(chinese.contains("KPI 仪表盘") && chinese.contains("lang=\"zh-CN\""));
    // the same through the API
    let set: Value = client
        .put(format!("{base}/api/v1/me/locale"))
        .header("x-csrf-token", &csrf)
        .json(&json!({"locale": "zh-TW"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(set["locale"], "zh-TW");
    let me: Value = client
        .get(format!("{base}/api/v1/me"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["locale"], "zh-TW");
    let bad: Value = client
        .put(format!("{base}/api/v1/me/locale"))
        .header("x-csrf-token", &csrf)
        .json(&json!({"locale": "fr"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(bad["code"], "unknown_locale");
}

#[tokio::test]
async fn health_and_prometheus_metrics() {
    let db = TestDatabase::sqlite();
    let store = Store::open(&db.url).await.unwrap();
    let base = start(store).await;
    let anonymous = client();
    let health: Value = anonymous
        .get(format!("{base}/healthz"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health["status"], "ok");
    // made-up methods and paths must not each become a label (23 000 of them grew /metrics
    // to 34.5 MB)
    for n in 0..30 {
        let method = reqwest::Method::from_bytes(format!("BREW{n}").as_bytes()).unwrap();
        let _ = anonymous
            .request(method, format!("{base}/healthz"))
            .send()
            .await
            .unwrap();
        let _ = anonymous
            .get(format!("{base}/no/such/path/{n}"))
            .send()
            .await
            .unwrap();
    }
    let text = anonymous
        .get(format!("{base}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        text.contains(
            "servq_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"}"
        ),
        "{text}"
    );
    assert!(
        text.contains("servq_http_request_duration_seconds_bucket"),
        "{text}"
    );
    assert!(!text.contains("BREW"), "{text}");
    assert!(!text.contains("/no/such/path"), "{text}");
    assert!(
        text.contains("method=\"other\",route=\"/healthz\""),
        "{text}"
    );
}

/// schemathesis (PyPI) generates requests from /api/openapi.json against a running server with
/// data in it: no 5xx, and every answer matches the documented status codes, content types and
/// schemas.
#[tokio::test]
async fn schemathesis_finds_no_server_errors_or_schema_violations() {
    let db = TestDatabase::sqlite();
    let store = Store::open(&db.url).await.unwrap();
    import_two_agents(&store).await;
    add_user(&store, Role::Admin).await;
    // as `servq serve` runs it: a jobs loop whose heartbeat beats (so /readyz answers ready; a
    // 503 would be a server error to schemathesis)
    let heartbeat = servq_app::jobs::Heartbeat::default();
    let beating = heartbeat.clone();
    tokio::spawn(async move {
        loop {
            beating.beat(servq_app::now_ms());
            tokio::time::sleep(std::time::Duration::from_secs(5)).await;
        }
    });
    let mut state = servq_server::AppState::new(store, false);
    state.jobs = Some(heartbeat);
    let base = TestApp::spawn_with(state).await.base;
    let (client, csrf) = sign_in(&base, "admin").await;
    let token: Value = client
        .post(format!("{base}/api/v1/tokens"))
        .header("x-csrf-token", &csrf)
        .json(&json!({"name": "schemathesis"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = token["token"].as_str().unwrap().to_owned();
    let url = format!("{base}/api/openapi.json");
    let output = tokio::task::spawn_blocking(move || {
        // its working files (a cache of crashes) go to a scratch folder, not the source tree
        let scratch = std::env::temp_dir().join(format!("servq-schemathesis-{}", std::process::id()));
        std::fs::create_dir_all(&scratch).unwrap();
        std::process::Command::new("schemathesis")
            .current_dir(&scratch)
            .args(["run", &url, "--max-examples", "40", "--seed", "20261123"])
            .args(["-H", &format!("Authorization: Bearer {token}")])
            .args([
                "--checks",
                "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,response_headers_conformance",
            ])
            .env("SCHEMATHESIS_TELEMETRY", "false")
            .output()
            .expect("schemathesis runs (scripts/install-deps.sh installs it)")
    })
    .await
    .unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(text.contains("passed"), "{text}");
}

#[tokio::test]
async fn every_answer_carries_the_security_headers_and_assets_are_files() {
    let db = TestDatabase::sqlite();
    let store = Store::open(&db.url).await.unwrap();
    let base = start(store).await;
    let anonymous = client();
    for path in ["/login", "/api/v1/me", "/no/such/page", "/assets/app.js"] {
        let response = anonymous.get(format!("{base}{path}")).send().await.unwrap();
        let headers = response.headers();
        let policy = headers["content-security-policy"].to_str().unwrap();
        for directive in [
            "default-src 'self'",
            "script-src 'self';",
            "style-src 'self';",
            "frame-ancestors 'none'",
            "form-action 'self'",
            "base-uri 'none'",
        ] {
            assert!(policy.contains(directive), "{path}: {policy}");
        }
        assert!(!policy.contains("unsafe"), "{path}: {policy}");
        assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(headers["referrer-policy"], "same-origin", "{path}");
        // served over plain HTTP here (no --secure-cookies): no HSTS
        assert!(!headers.contains_key("strict-transport-security"), "{path}");
    }
    // the sign-in page runs no inline code: its script and style are files
    let login = anonymous
        .get(format!("{base}/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!login.contains("<style"), "{login}");
    assert!(!login.contains(" onclick="), "{login}");
    // an asset revalidates by its tag
    let script = anonymous
        .get(format!("{base}/assets/app.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(script.status(), StatusCode::OK);
    let tag = script.headers()["etag"].to_str().unwrap().to_owned();
    assert!(script.text().await.unwrap().contains("servqSend"));
    let again = anonymous
        .get(format!("{base}/assets/app.js"))
        .header("if-none-match", &tag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    let missing = anonymous
        .get(format!("{base}/assets/secret.txt"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    // behind HTTPS (--secure-cookies) browsers are told to stay on HTTPS
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let db = TestDatabase::sqlite();
    let app = servq_server::router(servq_server::AppState::new(
        Store::open(&db.url).await.unwrap(),
        true,
    ));
    tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .await
        .unwrap();
    });
    let secure = anonymous
        .get(format!("http://{addr}/login"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        secure.headers()["strict-transport-security"],
        "max-age=31536000"
    );
}
