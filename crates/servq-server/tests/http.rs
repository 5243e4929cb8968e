//! The web app over real HTTP on both databases: every route × every role against the
//! permission matrix, agents restricted to their own records, CSRF, API tokens, sign-in
//! throttling, sign-out, the one-time set-up link, problem documents.
#![allow(missing_docs)]

use std::{collections::HashMap, net::SocketAddr};

use reqwest::{Client, StatusCode, redirect::Policy};
use serde_json::{Value, json};
use servq_core::{Contact, ContactRecord, Permission, Role};
use servq_server::{AppState, auth, router};
use servq_store::{Actor, NewUser, Store, testing::TestDatabase};

const PASSWORD: &str = "long enough password";
const ROSTER: &str = "agent_id,name,team\na1,Li,north\na2,Wang,south\n";

fn upload(kind: &str, file_name: &str, text: &str) -> reqwest::multipart::Form {
    reqwest::multipart::Form::new()
        .text("kind", kind.to_owned())
        .part(
            "file",
            reqwest::multipart::Part::bytes(text.as_bytes().to_vec())
                .file_name(file_name.to_owned()),
        )
}

/// Polls an import until it ends.
async fn finished_import(client: &Client, base: &str, id: &str) -> Value {
    for _ in 0..500 {
        let job: Value = client
            .get(format!("{base}/api/v1/imports/{id}"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if job["finished"] == json!(true) {
            return job;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("import {id} did not end");
}

async fn start(store: Store) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = router(AppState::new(store, false));
    tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .unwrap();
    });
    format!("http://{addr}")
}

async fn add_user(store: &Store, role: Role) {
    store
        .create_user(
            &NewUser {
                user_id: format!("id-{}", role.name()),
                username: role.name().to_owned(),
                password_hash: auth::hash_password(PASSWORD).unwrap(),
                role,
                agent_id: (role == Role::Agent).then(|| "a1".to_owned()),
            },
            &Actor {
                user_id: None,
                name: "test".into(),
            },
            1,
        )
        .await
        .unwrap();
}

fn client() -> Client {
    Client::builder()
        .cookie_store(true)
        .redirect(Policy::none())
        .build()
        .unwrap()
}

/// A signed-in client and its CSRF token.
async fn sign_in(base: &str, username: &str) -> (Client, String) {
    let client = client();
    let response = client
        .post(format!("{base}/login"))
        .form(&[("username", username), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        StatusCode::SEE_OTHER,
        "sign-in of {username}"
    );
    let me: Value = client
        .get(format!("{base}/api/v1/me"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    (client, me["csrf_token"].as_str().unwrap().to_owned())
}

/// Three contacts: one of agent a1, two of agent a2.
async fn import_two_agents(store: &Store) {
    let rows = [
        (
            "c1",
            "card",
            "a1",
            "2026-11-02T09:00:00Z",
            "2026-11-02T09:00:10Z",
            "2026-11-02T09:05:00Z",
            "290",
        ),
        (
            "c2",
            "card",
            "a2",
            "2026-11-02T09:01:00Z",
            "2026-11-02T09:01:30Z",
            "2026-11-02T09:06:00Z",
            "270",
        ),
        (
            "c3",
            "loan",
            "a2",
            "2026-11-02T09:02:00Z",
            "",
            "2026-11-02T09:03:00Z",
            "",
        ),
    ];
    let mut import = store.begin_contact_import().await.unwrap();
    for (line, (id, queue, agent, offered, answered, ended, talk)) in rows.into_iter().enumerate() {
        let record = ContactRecord {
            contact_id: id,
            channel: "phone",
            direction: "inbound",
            queue,
            customer_id: "",
            agent_id: agent,
            offered_at: offered,
            answered_at: answered,
            ended_at: ended,
            talk_seconds: talk,
            hold_seconds: "",
            wrap_seconds: "",
            transferred: "",
            category: "",
            resolved: "",
        };
        let contact = Contact::parse(&record, &jiff::tz::TimeZone::UTC).unwrap();
        import.push(line as u64 + 2, contact).await.unwrap();
    }
    import.commit("contacts.csv").await.unwrap();
}

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
    let base = start(store).await;
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
async fn imports_from_the_web_report_row_errors_and_commit_clean_files() {
    for db in TestDatabase::both().await {
        let store = Store::open(&db.url).await.unwrap();
        add_user(&store, Role::Supervisor).await;
        add_user(&store, Role::Admin).await;
        let base = start(store.clone()).await;
        let (client, csrf) = sign_in(&base, "supervisor").await;
        let post = |form: reqwest::multipart::Form| {
            client
                .post(format!("{base}/api/v1/imports"))
                .header("x-csrf-token", &csrf)
                .multipart(form)
                .send()
        };
        // a bad row (line 3: an offered time that is no time) and a repeated id (line 4)
        let bad = "contact_id,channel,queue,agent_id,offered_at,answered_at,ended_at,talk_seconds\n\
                   w1,phone,card,a1,2026-11-02 09:00:00,2026-11-02 09:00:10,2026-11-02 09:05:00,290\n\
                   w2,phone,card,a1,yesterday,,2026-11-02 09:06:00,\n\
                   w1,phone,card,a2,2026-11-02 09:02:00,,2026-11-02 09:03:00,\n";
        let started = post(upload("contacts", "话务.csv", bad)).await.unwrap();
        assert_eq!(started.status(), StatusCode::ACCEPTED, "{:?}", db.backend);
        let started: Value = started.json().await.unwrap();
        let job = finished_import(&client, &base, started["id"].as_str().unwrap()).await;
        assert_eq!(job["status"], "rejected", "{job}");
        assert_eq!(job["file_name"], "话务.csv");
        assert_eq!(job["bad_rows"], 2);
        let errors = job["errors"].as_array().unwrap();
        assert_eq!(errors[0]["line"], 3);
        assert_eq!(errors[0]["column"], "offered_at");
        assert_eq!(errors[1]["line"], 4);
        assert_eq!(errors[1]["column"], "contact_id");
        assert!(
            errors[1]["reason"]
                .as_str()
                .unwrap()
                .contains("first on line 2"),
            "{job}"
        );
        assert_eq!(
            store.contact_count().await.unwrap(),
            0,
            "a bad file writes nothing"
        );

        // the same file fixed imports, in the centre's zone, and the KPIs see it
        let good = bad
            .replace("yesterday", "2026-11-02 09:01:00")
            .replace("\nw1,phone,card,a2", "\nw3,phone,card,a2");
        let started: Value = post(upload("contacts", "话务.csv", &good))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let job = finished_import(&client, &base, started["id"].as_str().unwrap()).await;
        assert_eq!(job["status"], "imported", "{job}");
        assert_eq!(
            job["summary"],
            json!({"rows": 3, "inserted": 3, "updated": 0, "unchanged": 0})
        );
        let kpi: Value = client
            .get(format!(
                "{base}/api/v1/kpi?from=2026-11-02&to=2026-11-02&metrics=offered,abandoned"
            ))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(kpi["rows"][0]["offered"], 3, "{kpi}");
        // the drill-down lists the two abandoned contacts the KPI counts
        let drill: Value = client
            .get(format!(
                "{base}/api/v1/contacts?from=2026-11-02&to=2026-11-02&subset=abandoned"
            ))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(drill["total"], kpi["rows"][0]["abandoned"], "{drill}");
        let ids: Vec<&str> = drill["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["contact_id"].as_str().unwrap())
            .collect();
        assert_eq!(ids, ["w3", "w2"], "newest first");
        assert_eq!(drill["rows"][1]["offered_at"], "2026-11-02T09:01:00+08:00");
        let csv = client
            .get(format!(
                "{base}/api/v1/contacts?from=2026-11-02&to=2026-11-02&subset=abandoned&format=csv"
            ))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert_eq!(csv.lines().count(), 3, "{csv}");
        let xlsx = client
            .get(format!(
                "{base}/api/v1/contacts?from=2026-11-02&to=2026-11-02&format=xlsx"
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(xlsx.status(), StatusCode::OK);
        assert!(
            xlsx.bytes().await.unwrap().starts_with(b"PK"),
            "an XLSX (zip) file"
        );
        assert!(csv.starts_with("contact_id,offered_at,"), "{csv}");
        let page = client
            .get(format!(
                "{base}/contacts?from=2026-11-02&to=2026-11-02&metric=abandon_rate&subset=abandoned"
            ))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(page.contains("data-total=\"2\""), "{page}");

        // a file that is not what it claims fails with the reason, and bad forms are refused
        let started: Value = post(upload("agent_states", "states.csv", "who,when\nx,y\n"))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let job = finished_import(&client, &base, started["id"].as_str().unwrap()).await;
        assert_eq!(job["status"], "failed");
        assert!(
            job["message"].as_str().unwrap().contains("missing column"),
            "{job}"
        );
        let unknown: Value = post(upload("planets", "p.csv", "x\n"))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(unknown["code"], "unknown_import_kind");
        let no_file: Value = post(reqwest::multipart::Form::new().text("kind", "agents"))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(no_file["code"], "file_required");
        let no_csrf = client
            .post(format!("{base}/api/v1/imports"))
            .multipart(upload("agents", "roster.csv", ROSTER))
            .send()
            .await
            .unwrap();
        assert_eq!(no_csrf.status(), StatusCode::FORBIDDEN);
        let missing = client
            .get(format!("{base}/api/v1/imports/nope"))
            .send()
            .await
            .unwrap();
        assert_eq!(missing.status(), StatusCode::NOT_FOUND);

        // transcripts (JSONL) through the same upload, scanned by the default QA rules
        let transcript = json!({"contact_id": "w1", "turns": [
            {"speaker": "agent", "start": 0.0, "end": 2.0, "text": "喂"},
            {"speaker": "customer", "start": 2.5, "end": 5.0, "text": "我的卡"},
            {"speaker": "agent", "start": 5.5, "end": 8.0, "text": "我不知道。再見"}]});
        let started: Value = post(upload(
            "transcripts",
            "calls.jsonl",
            &format!("{transcript}\n"),
        ))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
        let job = finished_import(&client, &base, started["id"].as_str().unwrap()).await;
        assert_eq!(job["status"], "imported", "{job}");
        let view: Value = client
            .get(format!("{base}/api/v1/contacts/w1/transcript"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let kinds: Vec<&str> = view["hits"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["kind"].as_str().unwrap())
            .collect();
        assert_eq!(
            kinds,
            ["required_phrase_missing", "forbidden_phrase"],
            "{view}"
        );

        // the import list and the audit page show what happened
        let list: Value = client
            .get(format!("{base}/api/v1/imports"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(list["imports"].as_array().unwrap().len(), 4);
        let (admin, _) = sign_in(&base, "admin").await;
        let audit = admin
            .get(format!("{base}/audit"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            audit.contains("<td>import</td>") && audit.contains("supervisor"),
            "{audit}"
        );
    }
}

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
        let disputed: Value = post(
            format!("/api/v1/evaluations/{id}/dispute"),
            &agent_csrf,
            &agent,
            json!({"reason": "客户先挂断，结束语来不及说"}),
        )
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
        assert_eq!(disputed["status"], "disputed");
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
        let rereviewed: Value = post(format!("/api/v1/evaluations/{id}/rereview"), &inspector_csrf, &inspector,
            json!({"answers": {"greeting": 1, "polite": 4, "tone": 5, "closing": "na", "answer": 4, "reminders": 2}}))
            .await.unwrap().json().await.unwrap();
        assert_eq!(rereviewed["status"], "rereviewed");
        // (10 + 11.25 + 15 + 22.5 + 10) / 90 = 76.3888…
        assert!(
            (rereviewed["score"].as_f64().unwrap() - 68.75 / 90.0 * 100.0).abs() < 1e-6,
            "{rereviewed}"
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

/// Contacts of agents a1 and a2 (customers u1..u3) that closed an hour or two ago, so that a
/// dispatch now surveys them.
async fn import_recent_contacts(store: &Store) -> jiff::Timestamp {
    let now = jiff::Timestamp::now();
    let at = |minutes: i64| (now - jiff::SignedDuration::from_mins(minutes)).to_string();
    let rows = [
        ("s1", "a1", "u1", at(120), at(119), at(110)),
        ("s2", "a2", "u2", at(100), at(99), at(90)),
        ("s3", "a2", "u3", at(80), at(79), at(70)),
        // u1 again: within the no-repeat days of s1's survey
        ("s4", "a1", "u1", at(60), at(59), at(50)),
    ];
    let mut import = store.begin_contact_import().await.unwrap();
    for (line, (id, agent, customer, offered, answered, ended)) in rows.iter().enumerate() {
        let record = ContactRecord {
            contact_id: id,
            channel: "phone",
            direction: "inbound",
            queue: "card",
            customer_id: customer,
            agent_id: agent,
            offered_at: offered,
            answered_at: answered,
            ended_at: ended,
            talk_seconds: "500",
            hold_seconds: "",
            wrap_seconds: "30",
            transferred: "",
            category: "billing",
            resolved: "",
        };
        let contact = Contact::parse(&record, &jiff::tz::TimeZone::UTC).unwrap();
        import.push(line as u64 + 2, contact).await.unwrap();
    }
    import.commit("contacts.csv").await.unwrap();
    now
}

fn token_of(link: &str) -> String {
    let path = link.split("/s/").nth(1).unwrap();
    path.split('?').next().unwrap().to_owned()
}

#[tokio::test]
async fn surveys_go_out_once_are_answered_once_and_unsatisfied_ones_are_reviewed() {
    for db in TestDatabase::both().await {
        let store = Store::open(&db.url).await.unwrap();
        for role in Role::ALL {
            add_user(&store, role).await;
        }
        let now = import_recent_contacts(&store).await;
        let base = start(store.clone()).await;
        let (supervisor, csrf) = sign_in(&base, "supervisor").await;
        // a bad rule is refused with its index and reason
        let refused = supervisor
            .put(format!("{base}/api/v1/survey-rules"))
            .header("x-csrf-token", &csrf)
            .json(
                &json!({"rules": [{"rule_id": "r", "template_id": "standard", "delay_minutes": 0,
                "sample_percent": 100, "quiet_hours": "25:00-08:00", "no_repeat_days": 7,
                "expiry_hours": 72, "send_via": "sms", "active": true}]}),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
        let problem: Value = refused.json().await.unwrap();
        assert_eq!(
            problem["detail"],
            "rules[0]: quiet_hours '25:00-08:00' is not like 22:00-08:00"
        );
        let saved = supervisor
            .put(format!("{base}/api/v1/survey-rules"))
            .header("x-csrf-token", &csrf)
            .json(
                &json!({"rules": [{"rule_id": "after-call", "template_id": "standard",
                "channels": ["phone"], "delay_minutes": 10, "sample_percent": 100,
                "quiet_hours": null, "no_repeat_days": 7, "expiry_hours": 72, "send_via": "sms",
                "locale": "zh-TW", "active": true}]}),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(saved.status(), StatusCode::OK, "{:?}", db.backend);
        let dispatch = || async {
            let response: Value = supervisor
                .post(format!("{base}/api/v1/surveys/dispatch"))
                .header("x-csrf-token", &csrf)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            response
        };
        let first = dispatch().await;
        assert_eq!(first["created"], 3, "{first}");
        assert_eq!(
            dispatch().await["created"],
            0,
            "each contact is surveyed once"
        );
        let links: HashMap<String, String> = first["invitations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| {
                (
                    i["contact_id"].as_str().unwrap().to_owned(),
                    i["link"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        assert!(links["s2"].ends_with("?lang=zh-TW"));
        assert!(token_of(&links["s2"]).len() >= 32, "at least 128 bits");
        let outbox: Value = supervisor
            .get(format!("{base}/api/v1/surveys/outbox"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let message = outbox["messages"][0]["message"].as_str().unwrap();
        assert!(message.starts_with("感謝您的來電"), "{message}");
        assert!(message.contains("/s/"), "{message}");

        // the customer: no sign-in, traditional Chinese from the link
        let customer = client();
        let form_url = format!("{base}/s/{}", token_of(&links["s2"]));
        let page = customer
            .get(format!("{form_url}?lang=zh-TW"))
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), StatusCode::OK);
        let html = page.text().await.unwrap();
        assert!(html.contains("<html lang=\"zh-TW\">"));
        assert!(html.contains("請評價本次服務"));
        assert!(html.contains("name=\"csat\" value=\"1\""));
        // CSAT is required: the form comes back with the reason
        let missing = customer
            .post(format!("{form_url}?lang=zh-TW"))
            .form(&[("nps", "3")])
            .send()
            .await
            .unwrap();
        assert_eq!(missing.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = missing.text().await.unwrap();
        assert!(html.contains("請選擇一個答案"), "{html}");
        assert!(
            html.contains("value=\"3\" checked"),
            "answers given are kept"
        );
        // a filled honeypot is refused
        let bot = customer
            .post(&form_url)
            .form(&[("csat", "5"), ("website", "http://spam")])
            .send()
            .await
            .unwrap();
        assert_eq!(bot.status(), StatusCode::BAD_REQUEST);
        let answered = customer
            .post(format!("{form_url}?lang=zh-TW"))
            .form(&[
                ("csat", "1"),
                ("nps", "2"),
                ("ces", "3"),
                ("stage_greeting", "4"),
                ("stage_farewell", "1"),
                ("comment", "等太久了"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(answered.status(), StatusCode::OK);
        assert!(answered.text().await.unwrap().contains("感謝您的評價"));
        // the same link again: refused with a clear page, nothing more stored
        for again in [
            customer.get(&form_url).send().await.unwrap(),
            customer
                .post(&form_url)
                .form(&[("csat", "5")])
                .send()
                .await
                .unwrap(),
        ] {
            assert_eq!(again.status(), StatusCode::GONE);
            assert!(
                again
                    .text()
                    .await
                    .unwrap()
                    .contains("data-notice=\"answered\"")
            );
        }
        let unknown = customer
            .get(format!("{base}/s/{}", "0".repeat(64)))
            .send()
            .await
            .unwrap();
        assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
        // a satisfied answer for a1
        let ok = customer
            .post(format!("{base}/s/{}", token_of(&links["s1"])))
            .form(&[("csat", "5"), ("nps", "10")])
            .send()
            .await
            .unwrap();
        assert_eq!(ok.status(), StatusCode::OK);
        // an expired link (s4 was not surveyed: its customer had s1's survey)
        let expired_token = "e".repeat(64);
        let made = store
            .create_invitations(
                &[servq_store::NewInvitation {
                    invitation_id: "expired".into(),
                    token_hash: auth::token_hash(&expired_token),
                    contact_id: "s4".into(),
                    customer_id: "u1".into(),
                    template: ("standard".into(), 1),
                    rule_id: "after-call".into(),
                    send_via: servq_core::SendVia::Sms,
                    expires_ms: now.as_millisecond() - 1,
                    message: String::new(),
                }],
                now.as_millisecond() - 73 * 3_600_000,
            )
            .await
            .unwrap();
        assert_eq!(made, ["expired"]);
        let expired = customer
            .get(format!("{base}/s/{expired_token}?lang=en"))
            .send()
            .await
            .unwrap();
        assert_eq!(expired.status(), StatusCode::GONE);
        let html = expired.text().await.unwrap();
        assert!(html.contains("This survey link has expired"), "{html}");

        // the ratings count for the agents who handled the contacts
        let zone = jiff::tz::TimeZone::get("Asia/Shanghai").unwrap();
        let today = now.to_zoned(zone).date();
        let range = format!(
            "from={}&to={}",
            today.checked_sub(jiff::Span::new().days(1)).unwrap(),
            today
        );
        let metrics: Value = supervisor
            .get(format!("{base}/api/v1/surveys/metrics?{range}&by=agent"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(metrics["total"]["responses"], 2, "{metrics}");
        assert_eq!(metrics["total"]["invitations"], 4);
        assert_eq!(metrics["total"]["csat"]["value"], 0.5);
        assert_eq!(metrics["total"]["nps"]["value"], 0.0);
        assert_eq!(metrics["total"]["unsatisfied"], 1);
        let row = |agent: &str| {
            metrics["rows"]
                .as_array()
                .unwrap()
                .iter()
                .find(|r| r["key"] == agent)
                .unwrap()
                .clone()
        };
        assert_eq!(row("a1")["csat"]["value"], 1.0);
        assert_eq!(row("a2")["csat"]["value"], 0.0);
        assert_eq!(row("a2")["invitations"], 2);
        assert_eq!(row("a2")["response_rate"]["value"], 0.5);
        assert_eq!(
            row("a1")["response_rate"]["value"],
            0.5,
            "s4's link expired unanswered"
        );
        // Wilson 95 % for 1 of 2: 0.0945–0.9055
        let rate = &metrics["total"]["csat"];
        assert!(
            (rate["lower"].as_f64().unwrap() - 0.0945).abs() < 1e-4,
            "{rate}"
        );
        assert!(
            (rate["upper"].as_f64().unwrap() - 0.9055).abs() < 1e-4,
            "{rate}"
        );
        assert_eq!(metrics["stages"][0]["n"], 1);
        assert_eq!(metrics["peak_end"]["peak_end"], 2.5);
        // agents see only their own ratings
        let (agent, _) = sign_in(&base, "agent").await;
        let own: Value = agent
            .get(format!("{base}/api/v1/surveys/metrics?{range}&by=agent"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(own["total"]["responses"], 1);
        assert_eq!(own["rows"].as_array().unwrap().len(), 1);
        // CSAT in the KPI API too
        let kpi: Value = supervisor
            .get(format!(
                "{base}/api/v1/kpi?{range}&by=agent&metrics=csat,csat_mean,nps,survey_responses"
            ))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let a2 = kpi["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["agent"] == "a2")
            .unwrap();
        assert_eq!(a2["csat"], 0.0);
        assert_eq!(a2["csat_mean"], 1.0);

        // the unsatisfied answer waits for review; an inspector codes it
        let (inspector, inspector_csrf) = sign_in(&base, "qa_inspector").await;
        let tasks: Value = inspector
            .get(format!("{base}/api/v1/reviews?status=open"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let task = &tasks["tasks"][0];
        assert_eq!(task["contact_id"], "s2");
        assert_eq!(task["agent_id"], "a2");
        assert_eq!(task["comment"], "等太久了");
        let id = task["response_id"].as_str().unwrap();
        let page = inspector
            .get(format!("{base}/reviews/{id}"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(page.contains("value=\"flat_tone\""));
        let none = inspector
            .put(format!("{base}/api/v1/reviews/{id}"))
            .header("x-csrf-token", &inspector_csrf)
            .json(&json!({"reasons": []}))
            .send()
            .await
            .unwrap();
        assert_eq!(none.status(), StatusCode::BAD_REQUEST);
        let coded = inspector
            .put(format!("{base}/api/v1/reviews/{id}"))
            .header("x-csrf-token", &inspector_csrf)
            .json(&json!({"reasons": ["impatient", "interrupting", "policy"], "note": "listened"}))
            .send()
            .await
            .unwrap();
        assert_eq!(coded.status(), StatusCode::OK);
        let week = now
            .to_zoned(jiff::tz::TimeZone::get("Asia/Shanghai").unwrap())
            .date();
        let report: Value = supervisor
            .get(format!("{base}/api/v1/reviews/report?week={week}"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(report["unsatisfied"], 1, "{report}");
        assert_eq!(report["coded"], 1);
        assert_eq!(report["both"], 1);
        assert_eq!(report["agent_caused"]["calls"], 1);
        assert_eq!(report["agent_caused"]["items"], 2);
        assert_eq!(report["agent_caused"]["pareto"][1]["cumulative_share"], 1.0);
        assert_eq!(report["agents"][0]["agent_id"], "a2");
        let xlsx = supervisor
            .get(format!(
                "{base}/api/v1/reviews/report?week={week}&format=xlsx"
            ))
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        assert_eq!(&xlsx[..2], b"PK");
        // a sampling plan of every unsatisfied interaction queues s2 alone
        let sampled: Value = inspector
            .post(format!("{base}/api/v1/qa/sample"))
            .header("x-csrf-token", &inspector_csrf)
            .json(&json!({"strategy": "unsatisfied", "per_agent": 1,
                "from": range.split('&').next().unwrap().trim_start_matches("from="),
                "to": week.to_string()}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(sampled["queued"], 1, "{sampled}");
        let queue: Value = inspector
            .get(format!("{base}/api/v1/qa/queue"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(queue["items"][0]["contact_id"], "s2", "{queue}");
        // complaint plans: categories with 投诉/complaint by default, or the ones named
        let period = json!({"from": range.split('&').next().unwrap().trim_start_matches("from="),
            "to": week.to_string()});
        let complaints = |categories: Value| {
            let mut body = period.clone();
            body["strategy"] = json!("complaints");
            body["per_agent"] = json!(1);
            body["complaint_categories"] = categories;
            inspector
                .post(format!("{base}/api/v1/qa/sample"))
                .header("x-csrf-token", &inspector_csrf)
                .json(&body)
                .send()
        };
        let none: Value = complaints(json!([])).await.unwrap().json().await.unwrap();
        assert_eq!(
            none["queued"], 0,
            "billing is not a complaint category: {none}"
        );
        let named: Value = complaints(json!(["Billing"]))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(
            named["queued"], 3,
            "s1, s3, s4 (s2 is queued already): {named}"
        );
        // survey results from another system through the web import
        let bad = "response_id,contact_id,responded_at,csat,agent_id\n\
                   x1,s3,2026-11-20 10:00:00,不满意,\n\
                   x2,nope,2026-11-20 10:00:00,5,\n\
                   x3,s3,2026-11-20 10:00:00,9,\n\
                   x4,s3,2026-11-20 10:00:00,4,a1\n";
        let started: Value = supervisor
            .post(format!("{base}/api/v1/imports"))
            .header("x-csrf-token", &csrf)
            .multipart(upload("survey_results", "results.csv", bad))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let job = finished_import(&supervisor, &base, started["id"].as_str().unwrap()).await;
        assert_eq!(job["status"], "rejected", "{job}");
        let errors: Vec<(u64, String)> = job["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["line"].as_u64().unwrap(),
                    e["column"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        assert_eq!(
            errors,
            [
                (3, "contact_id".to_owned()),
                (4, "csat".to_owned()),
                (5, "agent_id".to_owned())
            ]
        );
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
                .contains("positive weight"),
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
                .starts_with("calendar: "),
            "{problem}"
        );
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
            "workflows: installation: stage 'on_site' needs a name in zh-CN",
            "installation: stage 'on_site' appears twice",
            "installation: stage 'on_site': limit_minutes must be 1 to 525600",
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

/// Tickets uploaded on the import page: a bad file is refused with every problem by line and
/// column (the other help desk's headers named through the mapping) and writes nothing; the
/// clean file stores its tickets with their history, once.
#[tokio::test]
async fn tickets_from_another_help_desk_are_imported_from_the_web() {
    let headers = "单号,类型,分类,优先级,标题,客户,创建时间,状态,首次响应,解决时间";
    let map = "ticket_id=单号,ticket_type=类型,category=分类,priority=优先级,subject=标题,\
               customer_id=客户,created_at=创建时间,status=状态,first_response_at=首次响应,\
               resolved_at=解决时间";
    let bad = format!(
        "{headers}\n\
         W1,complaint,billing,high,charged twice,u1,2026-11-02 17:59:00,open,,\n\
         W2,consult,nowhere,critical,fee,u2,2026-11-02 09:00:00,open,,\n\
         W3,consult,bill_query,normal,fee,u3,2026-11-03 09:00:00,resolved,,\n\
         W1,consult,bill_query,normal,again,u4,2026-11-03 10:00:00,open,,\n"
    );
    let good = format!(
        "{headers}\n\
         W1,complaint,billing,high,charged twice,u1,2026-11-02 17:59:00,open,,\n\
         W3,consult,bill_query,normal,fee,u3,2026-11-03 09:00:00,resolved,2026-11-03 09:10:00,2026-11-03 11:00:00\n"
    );
    for db in TestDatabase::both().await {
        let store = Store::open(&db.url).await.unwrap();
        add_user(&store, Role::Analyst).await;
        let base = start(store.clone()).await;
        let (analyst, csrf) = sign_in(&base, "analyst").await;
        let import = async |text: &str| {
            let started = analyst
                .post(format!("{base}/api/v1/imports"))
                .header("x-csrf-token", &csrf)
                .multipart(upload("tickets", "旧系统工单.csv", text).text("map", map))
                .send()
                .await
                .unwrap();
            assert_eq!(started.status(), StatusCode::ACCEPTED);
            let id = started.json::<Value>().await.unwrap()["id"]
                .as_str()
                .unwrap()
                .to_owned();
            finished_import(&analyst, &base, &id).await
        };
        let job = import(&bad).await;
        assert_eq!(job["status"], "rejected", "{job}");
        assert_eq!(job["kind"], "tickets");
        assert_eq!(job["bad_rows"], 3, "{job}");
        let errors: Vec<(i64, String, String)> = job["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["line"].as_i64().unwrap(),
                    e["column"].as_str().unwrap().to_owned(),
                    e["reason"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        for (line, column, reason) in [
            (
                3,
                "category ('分类')",
                "category 'nowhere' is not in the category tree",
            ),
            (
                3,
                "priority ('优先级')",
                "priority 'critical' is not urgent, high, normal or low",
            ),
            (
                4,
                "resolved_at ('解决时间')",
                "a resolved ticket needs resolved_at",
            ),
            (
                5,
                "ticket_id ('单号')",
                "'W1' appears again (first on line 2)",
            ),
        ] {
            assert!(
                errors
                    .iter()
                    .any(|e| e.0 == line && e.1 == column && e.2.starts_with(reason)),
                "{line} {column} {reason}: {errors:?}"
            );
        }
        assert_eq!(errors.len(), 4, "{errors:?}");
        assert!(
            store.ticket("W1").await.unwrap().is_none(),
            "nothing stored"
        );

        let job = import(&good).await;
        assert_eq!(job["status"], "imported", "{job}");
        assert_eq!(job["summary"]["inserted"], 2, "{job}");
        let resolved = store.ticket("W3").await.unwrap().unwrap();
        assert_eq!(resolved.status, "resolved");
        let at = |text: &str| text.parse::<jiff::Timestamp>().unwrap().as_millisecond();
        // 11:00 in the centre's zone (Asia/Shanghai)
        assert_eq!(resolved.resolved_ms, Some(at("2026-11-03T03:00:00Z")));
        assert_eq!(resolved.first_response_ms, Some(at("2026-11-03T01:10:00Z")));
        assert_eq!(
            store.ticket("W1").await.unwrap().unwrap().stage,
            "reception"
        );
        let again = import(&good).await;
        assert_eq!(again["summary"]["unchanged"], 2, "{again}");
        assert_eq!(again["summary"]["inserted"], 0, "{again}");
        // the page offers the kind in the user's language
        let page = analyst
            .get(format!("{base}/import"))
            .header("accept-language", "zh-CN")
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(page.contains("<option value=\"tickets\">"), "{page}");
        store.close().await;
    }
}
