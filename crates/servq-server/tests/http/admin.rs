//! Administration over HTTP: users changed and disabled (their session and tokens stop at the
//! next request), the last administrator kept, one's own password, and API tokens with expiry,
//! read-only scope and revocation.

use crate::support::*;

/// A bearer-token client's answer: status and JSON.
async fn with_token(method: reqwest::Method, url: String, token: &str) -> (StatusCode, Value) {
    let response = client()
        .request(method, url)
        .bearer_auth(token)
        .json(&json!({"name": "x"}))
        .send()
        .await
        .unwrap();
    let status = response.status();
    let text = response.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

#[tokio::test]
async fn users_are_changed_and_disabled_and_one_admin_always_stays() {
    for app in TestApp::on_both_databases().await {
        let admin = app.sign_in_as(Role::Admin).await;
        let supervisor = app.sign_in_as(Role::Supervisor).await;
        let (status, _) = supervisor.get_json("/api/v1/me").await;
        assert_eq!(status, StatusCode::OK);
        // a supervisor's token, made from their session
        let (status, token) = supervisor
            .post_json("/api/v1/tokens", &json!({"name": "nightly export"}))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{token}");
        let secret = token["token"].as_str().unwrap().to_owned();
        let me = format!("{}/api/v1/me", app.base);
        assert_eq!(
            with_token(reqwest::Method::GET, me.clone(), &secret)
                .await
                .0,
            StatusCode::OK
        );

        // change role and teams; agents need an agent id
        let (status, changed) = admin
            .patch_json(
                "/api/v1/users/supervisor",
                &json!({"role": "analyst", "teams": ["二组", " 一组 ", ""]}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{changed}");
        assert_eq!(changed["role"], "analyst");
        assert_eq!(changed["teams"], json!(["一组", "二组"]));
        let (status, refused) = admin
            .patch_json("/api/v1/users/supervisor", &json!({"role": "agent"}))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(refused["code"], "agent_id_required");
        let (status, _) = admin
            .patch_json("/api/v1/users/nobody", &json!({"disabled": true}))
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);

        // disabled: the session and the token stop at the next request
        let (status, _) = admin
            .patch_json("/api/v1/users/supervisor", &json!({"disabled": true}))
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(
            supervisor.get_json("/api/v1/me").await.0,
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(
            with_token(reqwest::Method::GET, me.clone(), &secret)
                .await
                .0,
            StatusCode::UNAUTHORIZED
        );
        let (status, _) = admin
            .patch_json("/api/v1/users/supervisor", &json!({"disabled": false}))
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(
            with_token(reqwest::Method::GET, me.clone(), &secret)
                .await
                .0,
            StatusCode::OK,
            "re-enabled: the token works again"
        );
        // the only admin cannot be disabled or demoted
        let (status, last) = admin
            .patch_json("/api/v1/users/admin", &json!({"disabled": true}))
            .await;
        assert_eq!(status, StatusCode::CONFLICT, "{last}");
        assert_eq!(last["code"], "last_admin");
        assert!(last["message"].as_str().is_some());
        let (status, _) = admin
            .patch_json("/api/v1/users/admin", &json!({"role": "analyst"}))
            .await;
        assert_eq!(status, StatusCode::CONFLICT);
        // a non-admin may not manage users
        let (status, _) = supervisor
            .patch_json("/api/v1/users/admin", &json!({"disabled": true}))
            .await;
        assert_eq!(
            status,
            StatusCode::UNAUTHORIZED,
            "signed out by the disable"
        );

        // the users page lists them for the admin; others get 403
        let (status, page) = admin.get_text("/admin/users").await;
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains("data-user=\"supervisor\""), "{page}");
        let analyst = app.sign_in_as(Role::Analyst).await;
        assert_eq!(
            analyst.get_text("/admin/users").await.0,
            StatusCode::FORBIDDEN
        );
        // every change is in the audit log, never a password hash
        let (_, audit) = admin.get_json("/api/v1/audit?limit=50").await;
        let updates = audit["entries"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["action"] == "update" && e["entity"] == "user")
            .count();
        assert_eq!(updates, 3);
        assert!(!audit.to_string().contains("argon2"));
    }
}

#[tokio::test]
async fn passwords_change_with_the_current_one_and_end_other_sessions() {
    for app in TestApp::on_both_databases().await {
        let first = app.sign_in_as(Role::QaInspector).await;
        let (second, _) = sign_in(&app.base, "qa_inspector").await;
        let (status, wrong) = first
            .post_json(
                "/api/v1/me/password",
                &json!({"current_password": "not it at all", "new_password": "a brand new password"}),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(wrong["code"], "wrong_password");
        let (status, weak) = first
            .post_json(
                "/api/v1/me/password",
                &json!({"current_password": PASSWORD, "new_password": "short"}),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(weak["code"], "weak_password");
        let (status, _) = first
            .post_json(
                "/api/v1/me/password",
                &json!({"current_password": PASSWORD, "new_password": "a brand new password"}),
            )
            .await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        // this session goes on; the other one ended; the new password signs in
        assert_eq!(first.get_json("/api/v1/me").await.0, StatusCode::OK);
        let (status, _) = second
            .get(format!("{}/api/v1/me", app.base))
            .send()
            .await
            .map(|r| (r.status(), ()))
            .unwrap();
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        let fresh = client();
        let response = fresh
            .post(format!("{}/login", app.base))
            .form(&[
                ("username", "qa_inspector"),
                ("password", "a brand new password"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        // the account page is everyone's
        let (status, page) = first.get_text("/account").await;
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains("id=\"password-form\""));
    }
}

#[tokio::test]
async fn tokens_expire_can_be_read_only_are_listed_without_secrets_and_revoked() {
    for app in TestApp::on_both_databases().await {
        let admin = app.sign_in_as(Role::Admin).await;
        let analyst = app.sign_in_as(Role::Analyst).await;
        for days in [0, 366] {
            let (status, refused) = analyst
                .post_json(
                    "/api/v1/tokens",
                    &json!({"name": "x", "expires_in_days": days}),
                )
                .await;
            assert_eq!(status, StatusCode::BAD_REQUEST);
            assert_eq!(refused["code"], "bad_expiry");
        }
        let (status, refused) = analyst
            .post_json("/api/v1/tokens", &json!({"name": "  "}))
            .await;
        assert_eq!(
            (status, refused["code"].clone()),
            (StatusCode::BAD_REQUEST, json!("name_required"))
        );
        // only administrators make tokens for others
        let (status, _) = analyst
            .post_json("/api/v1/tokens", &json!({"name": "x", "username": "admin"}))
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, made) = analyst
            .post_json(
                "/api/v1/tokens",
                &json!({"name": "dashboard screen", "read_only": true, "expires_in_days": 30}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{made}");
        let secret = made["token"].as_str().unwrap().to_owned();
        let id = made["id"].as_str().unwrap().to_owned();
        assert_eq!(made["read_only"], true);
        let expires: jiff::Timestamp = made["expires_at"].as_str().unwrap().parse().unwrap();
        let days = (expires - jiff::Timestamp::now())
            .total(jiff::Unit::Hour)
            .unwrap()
            / 24.0;
        assert!((29.9..30.1).contains(&days), "{days}");
        // read-only: reads pass, writes are refused before any handler
        let base = &app.base;
        assert_eq!(
            with_token(reqwest::Method::GET, format!("{base}/api/v1/kpi"), &secret)
                .await
                .0,
            StatusCode::OK
        );
        let (status, refused) = with_token(
            reqwest::Method::POST,
            format!("{base}/api/v1/tokens"),
            &secret,
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert_eq!(refused["code"], "forbidden");
        // a read-write token cannot make tokens either
        let (_, writer) = admin
            .post_json(
                "/api/v1/tokens",
                &json!({"name": "etl", "username": "analyst"}),
            )
            .await;
        let writer_secret = writer["token"].as_str().unwrap().to_owned();
        let (status, _) = with_token(
            reqwest::Method::POST,
            format!("{base}/api/v1/tokens"),
            &writer_secret,
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        // listed without secrets: the analyst sees their two, the admin everyone's
        let (_, mine) = analyst.get_json("/api/v1/tokens").await;
        assert_eq!(mine["tokens"].as_array().unwrap().len(), 2, "{mine}");
        assert!(!mine.to_string().contains(&secret));
        assert_eq!(mine["tokens"][0]["created_by"], "admin");
        let (_, everyone) = admin.get_json("/api/v1/tokens").await;
        assert_eq!(everyone["tokens"].as_array().unwrap().len(), 2);
        // revoked: refused at once; once only; not someone else's
        let (_, own) = admin
            .post_json("/api/v1/tokens", &json!({"name": "admin's own"}))
            .await;
        let (status, _) = analyst
            .delete(&format!("/api/v1/tokens/{}", own["id"].as_str().unwrap()))
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _) = analyst.delete(&format!("/api/v1/tokens/{id}")).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        assert_eq!(
            with_token(reqwest::Method::GET, format!("{base}/api/v1/kpi"), &secret)
                .await
                .0,
            StatusCode::UNAUTHORIZED
        );
        let (status, _) = analyst.delete(&format!("/api/v1/tokens/{id}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (_, page) = analyst.get_text("/account").await;
        assert!(
            page.contains(&format!("data-token=\"{id}\" data-state=\"revoked\"")),
            "{page}"
        );
        assert!(!page.contains(&secret));
    }
}

#[tokio::test]
async fn errors_on_pages_are_localized_pages_and_the_api_keeps_problem_documents() {
    let database = TestDatabase::sqlite();
    let app = TestApp::spawn(Store::open(&database.url).await.unwrap()).await;
    let get = |path: &str, language: &str| {
        client()
            .get(format!("{}{path}", app.base))
            .header("accept-language", language.to_owned())
            .send()
    };
    let page = get("/no/such/page", "zh-CN,zh;q=0.9").await.unwrap();
    assert_eq!(page.status(), StatusCode::NOT_FOUND);
    assert!(
        page.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let html = page.text().await.unwrap();
    assert!(html.contains("<html lang=\"zh-CN\""), "{html}");
    assert!(html.contains("未找到"), "{html}");
    assert!(html.contains("id=\"error-home\""), "a way back: {html}");
    let traditional = get("/no/such/page", "zh-TW")
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(traditional.contains("回到首頁"), "{traditional}");
    let api = get("/api/v1/no-such-thing", "zh-CN").await.unwrap();
    assert_eq!(api.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        api.headers()["content-type"].to_str().unwrap(),
        "application/problem+json"
    );
    // a page the role may not open: 403 as a page in the user's language
    app.add_user(Role::Agent).await;
    let (agent, _) = sign_in(&app.base, "agent").await;
    let forbidden = agent
        .get(format!("{}/admin/users", app.base))
        .header("accept-language", "zh-CN")
        .send()
        .await
        .unwrap();
    assert_eq!(forbidden.status(), StatusCode::FORBIDDEN);
    let html = forbidden.text().await.unwrap();
    assert!(html.contains("您无权访问此内容"), "{html}");
    assert!(html.contains("data-status=\"403\""), "{html}");
}

#[tokio::test]
async fn centre_settings_are_checked_saved_audited_and_shown() {
    for app in TestApp::on_both_databases().await {
        let admin = app.sign_in_as(Role::Admin).await;
        let (status, current) = admin.get_json("/api/v1/settings").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(current["service_level_seconds"], 20.0, "{current}");
        // every problem at once, nothing stored
        let (status, refused) = admin
            .put_json(
                "/api/v1/settings",
                &json!({"time_zone": "Mars/Olympus", "service_level_seconds": 0, "fcr_window_hours": 24}),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        let detail = refused["detail"].as_str().unwrap();
        assert!(
            detail.contains("time_zone") && detail.contains("service_level_seconds"),
            "{detail}"
        );
        let (_, unchanged) = admin.get_json("/api/v1/settings").await;
        assert_eq!(unchanged["fcr_window_hours"], 168.0);
        let (status, saved) = admin
            .put_json(
                "/api/v1/settings",
                &json!({"name": "招商信用卡中心", "time_zone": "Asia/Hong_Kong", "service_level_seconds": 15}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{saved}");
        assert_eq!(
            (
                saved["name"].clone(),
                saved["time_zone"].clone(),
                saved["service_level_seconds"].clone()
            ),
            (
                json!("招商信用卡中心"),
                json!("Asia/Hong_Kong"),
                json!(15.0)
            )
        );
        assert_eq!(
            app.store.kpi_settings().await.unwrap().service_level_ms,
            15_000
        );
        let (_, audit) = admin.get_json("/api/v1/audit?limit=20").await;
        let settings: Vec<&str> = audit["entries"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["entity"] == "setting")
            .map(|e| e["entity_id"].as_str().unwrap())
            .collect();
        assert!(
            settings.contains(&"kpi") && settings.contains(&"time_zone"),
            "{settings:?}"
        );
        let (status, page) = admin.get_text("/admin/settings").await;
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains("value=\"Asia/Hong_Kong\""), "{page}");
        let supervisor = app.sign_in_as(Role::Supervisor).await;
        assert_eq!(
            supervisor
                .put_json("/api/v1/settings", &json!({"name": "x"}))
                .await
                .0,
            StatusCode::FORBIDDEN
        );
    }
}

#[tokio::test]
async fn the_roster_is_edited_one_agent_at_a_time() {
    for app in TestApp::on_both_databases().await {
        let supervisor = app.sign_in_as(Role::Supervisor).await;
        let (status, saved) = supervisor
            .put_json(
                "/api/v1/agents/A7",
                &json!({"name": " 王芳 ", "team": "二组"}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{saved}");
        assert_eq!(
            saved,
            json!({"agent_id": "A7", "name": "王芳", "team": "二组", "queues": []})
        );
        // queues as people type them: the full-width separator, a repeat, blanks
        let (status, saved) = supervisor
            .put_json(
                "/api/v1/agents/A7",
                &json!({"name": "王芳", "team": "二组", "queues": [" 信用卡 ", "贷款；信用卡", ""]}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{saved}");
        assert_eq!(saved["queues"], json!(["信用卡", "贷款"]));
        // without queues the stored ones stay
        let (_, saved) = supervisor
            .put_json(
                "/api/v1/agents/A7",
                &json!({"name": "王芳", "team": "一组"}),
            )
            .await;
        assert_eq!(
            (saved["team"].clone(), saved["queues"].clone()),
            (json!("一组"), json!(["信用卡", "贷款"]))
        );
        let (status, refused) = supervisor
            .put_json("/api/v1/agents/A7", &json!({"queues": ["q".repeat(201)]}))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{refused}");
        assert!(
            refused["detail"].as_str().unwrap().contains("queues"),
            "{refused}"
        );
        let (status, refused) = supervisor
            .put_json(
                "/api/v1/agents/A8",
                &json!({"name": "x".repeat(65), "team": "一组"}),
            )
            .await;
        assert_eq!(
            (status, refused["code"].clone()),
            (StatusCode::BAD_REQUEST, json!("bad_agent"))
        );
        let (_, roster) = supervisor.get_json("/api/v1/agents").await;
        assert_eq!(roster["agents"].as_array().unwrap().len(), 1, "{roster}");
        let (status, page) = supervisor.get_text("/admin/roster").await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            page.contains("data-agent=\"A7\"")
                && page.contains("value=\"王芳\"")
                && page.contains("value=\"信用卡;贷款\""),
            "{page}"
        );
        let agent = app.sign_in_as(Role::Agent).await;
        assert_eq!(
            agent
                .put_json("/api/v1/agents/A7", &json!({"name": "me"}))
                .await
                .0,
            StatusCode::FORBIDDEN
        );
    }
}

#[tokio::test]
async fn supervisors_can_be_limited_to_the_teams_they_supervise() {
    for app in TestApp::on_both_databases().await {
        import_two_agents(&app.store).await;
        app.store
            .upsert_agents(&[
                servq_store::AgentRecord {
                    queues: None,
                    agent_id: "a1".into(),
                    name: "Li".into(),
                    team: "north".into(),
                },
                servq_store::AgentRecord {
                    queues: None,
                    agent_id: "a2".into(),
                    name: "Wang".into(),
                    team: "south".into(),
                },
            ])
            .await
            .unwrap();
        let admin = app.sign_in_as(Role::Admin).await;
        let supervisor = app.sign_in_as(Role::Supervisor).await;
        let offered = |kpi: &Value| kpi["rows"][0]["offered"].as_i64().unwrap();
        let (_, all) = supervisor.get_json("/api/v1/kpi?metrics=offered").await;
        assert_eq!(offered(&all), 3, "{all}");
        // the supervisor supervises north; the centre limits supervisors to their teams
        admin
            .patch_json("/api/v1/users/supervisor", &json!({"teams": ["north"]}))
            .await;
        let (_, still) = supervisor.get_json("/api/v1/kpi?metrics=offered").await;
        assert_eq!(offered(&still), 3, "the setting is off: everything");
        let (status, _) = admin
            .put_json(
                "/api/v1/settings",
                &json!({"supervisors_see_own_teams": true}),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        let (_, north) = supervisor.get_json("/api/v1/kpi?metrics=offered").await;
        assert_eq!(offered(&north), 1, "{north}");
        // asking for another team gives their own instead, never the other's
        let (_, asked) = supervisor
            .get_json("/api/v1/kpi?metrics=offered&filter=team%3Dsouth")
            .await;
        assert_eq!(offered(&asked), 1, "{asked}");
        let (_, contacts) = supervisor.get_json("/api/v1/contacts?subset=all").await;
        assert_eq!(contacts["total"], 1, "{contacts}");
        // administrators are not limited
        let (_, everything) = admin.get_json("/api/v1/kpi?metrics=offered").await;
        assert_eq!(offered(&everything), 3);
    }
}

/// An administrator downloads a backup from the settings page: a whole, verifiable file of the
/// store, audited; the settings page says how to turn on the nightly backup; other roles are
/// refused.
#[tokio::test]
async fn an_administrator_downloads_a_backup_of_the_store() {
    for app in TestApp::on_both_databases().await {
        let admin = app.sign_in_as(Role::Admin).await;
        let (_, page) = admin.get_text("/admin/settings").await;
        assert!(page.contains("id=\"backup-download\""), "{page}");
        assert!(page.contains("--backup-dir"), "{page}");
        assert!(
            !page.contains("jobs.name_"),
            "a job without its name: {page}"
        );
        let response = admin
            .client
            .get(format!("{}/api/v1/backup", app.base))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()["content-type"], "application/zstd");
        let disposition = response.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(
            disposition.starts_with("attachment; filename=\"servq-"),
            "{disposition}"
        );
        let bytes = response.bytes().await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("download.servq-backup");
        std::fs::write(&file, &bytes).unwrap();
        let contents = servq_app::backup::verify(&file).unwrap();
        assert_eq!(contents.manifest.table("users").unwrap().rows, 1);
        let audit = app.store.audit_log(20, None).await.unwrap();
        assert!(
            audit.iter().any(|entry| entry.action == "backup_downloaded"
                && entry.entity_id == contents.manifest.header.backup_id
                && entry.username == "admin"),
            "{audit:?}"
        );
        let supervisor = app.sign_in_as(Role::Supervisor).await;
        let (status, _) = supervisor.get_json("/api/v1/backup").await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
}
