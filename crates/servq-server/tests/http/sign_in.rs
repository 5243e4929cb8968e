//! Sign-in hardening: the throttle holds under parallel guesses, a refusal takes as long for an
//! unknown name as for a known one, and a sign-in posted from another site is refused.

use crate::support::*;

/// A wrong-password sign-in of `username`; the status.
async fn wrong(client: &Client, base: &str, username: &str) -> StatusCode {
    client
        .post(format!("{base}/login"))
        .form(&[("username", username), ("password", "not the password")])
        .send()
        .await
        .unwrap()
        .status()
}

#[tokio::test]
async fn forty_parallel_guesses_get_at_most_five_password_checks() {
    for app in TestApp::on_both_databases().await {
        app.add_user(Role::Supervisor).await;
        let guesses = (0..40).map(|_| {
            let base = app.base.clone();
            tokio::spawn(async move { wrong(&client(), &base, "supervisor").await })
        });
        let mut checked = 0;
        let mut throttled = 0;
        for guess in guesses {
            match guess.await.unwrap() {
                StatusCode::UNAUTHORIZED => checked += 1,
                StatusCode::TOO_MANY_REQUESTS => throttled += 1,
                other => panic!("{other}"),
            }
        }
        // before: the count, the slow check and the record were three steps, and all 40 ran
        assert_eq!((checked, throttled), (5, 35));
    }
}

#[tokio::test]
async fn an_unknown_name_is_refused_as_slowly_as_a_known_one() {
    let app = TestApp::on_both_databases().await.remove(0);
    app.add_user(Role::Supervisor).await;
    let median = |mut times: Vec<f64>| {
        times.sort_by(f64::total_cmp);
        times[times.len() / 2]
    };
    let mut known = Vec::new();
    let mut unknown = Vec::new();
    // each name from its own address key would be throttled after 5: 4 tries of each
    for n in 0..4 {
        let client = client();
        let started = std::time::Instant::now();
        assert_eq!(
            wrong(&client, &app.base, "supervisor").await,
            StatusCode::UNAUTHORIZED
        );
        known.push(started.elapsed().as_secs_f64());
        let started = std::time::Instant::now();
        assert_eq!(
            wrong(&client, &app.base, &format!("nobody{n}")).await,
            StatusCode::UNAUTHORIZED
        );
        unknown.push(started.elapsed().as_secs_f64());
    }
    let (known, unknown) = (median(known), median(unknown));
    // before: 49 ms against 5 ms; both now check a password hash
    assert!(
        unknown > known * 0.5,
        "unknown {unknown:.4} s, known {known:.4} s"
    );
}

#[tokio::test]
async fn a_sign_in_posted_from_another_site_is_refused() {
    let app = TestApp::on_both_databases().await.remove(0);
    app.add_user(Role::Supervisor).await;
    let post = |headers: Vec<(&'static str, String)>| {
        let base = app.base.clone();
        async move {
            let mut request = client()
                .post(format!("{base}/login"))
                .form(&[("username", "supervisor"), ("password", PASSWORD)]);
            for (name, value) in headers {
                request = request.header(name, value);
            }
            request.send().await.unwrap().status()
        }
    };
    // login CSRF: another site's form would sign this browser in as the attacker
    assert_eq!(
        post(vec![("origin", "https://evil.example".into())]).await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        post(vec![("sec-fetch-site", "cross-site".into())]).await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        post(vec![("origin", "null".into())]).await,
        StatusCode::FORBIDDEN
    );
    // the sign-in page itself, and scripts without browser headers
    let host = app.base.trim_start_matches("http://").to_owned();
    assert_eq!(
        post(vec![
            ("origin", format!("http://{host}")),
            ("sec-fetch-site", "same-origin".into())
        ])
        .await,
        StatusCode::SEE_OTHER
    );
    assert_eq!(post(Vec::new()).await, StatusCode::SEE_OTHER);
}

/// The 6-digit code of `secret` (Base32) `steps_ahead` 30-second steps from now.
fn code_of(secret: &str, steps_ahead: u64) -> String {
    let bytes = servq_core::base32_decode(secret).unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    format!("{:06}", servq_core::totp(&bytes, now + steps_ahead * 30, 6))
}

#[tokio::test]
async fn two_factor_sign_in_enrols_with_a_code_asks_for_it_and_can_be_required_per_role() {
    for app in TestApp::on_both_databases().await {
        let supervisor = app.sign_in_as(Role::Supervisor).await;
        // enrol: a secret with its QR code, confirmed by a code from the app
        let (status, started) = supervisor
            .post_json("/api/v1/me/two-factor", &json!({}))
            .await;
        assert_eq!(status, StatusCode::OK, "{started}");
        let secret = started["secret"].as_str().unwrap().to_owned();
        assert!(
            started["otpauth"]
                .as_str()
                .unwrap()
                .starts_with("otpauth://totp/")
        );
        assert!(
            started["qr"]
                .as_str()
                .unwrap()
                .starts_with("data:image/svg+xml;base64,")
        );
        let (status, wrong) = supervisor
            .post_json("/api/v1/me/two-factor/confirm", &json!({"code": "000000"}))
            .await;
        assert_eq!(
            (status, wrong["code"].as_str()),
            (StatusCode::BAD_REQUEST, Some("code_wrong"))
        );
        let (status, on) = supervisor
            .post_json(
                "/api/v1/me/two-factor/confirm",
                &json!({"code": code_of(&secret, 0)}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{on}");
        let recovery: Vec<String> = on["recovery_codes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|code| code.as_str().unwrap().to_owned())
            .collect();
        assert_eq!(recovery.len(), 10);

        // signing in now asks for the code after the password
        let browser = client();
        let password = browser
            .post(format!("{}/login", app.base))
            .form(&[("username", "supervisor"), ("password", PASSWORD)])
            .send()
            .await
            .unwrap();
        assert_eq!(password.status(), StatusCode::OK);
        assert!(password.text().await.unwrap().contains("id=\"code\""));
        let answer = |code: String| {
            let browser = browser.clone();
            let base = app.base.clone();
            async move {
                browser
                    .post(format!("{base}/login/code"))
                    .form(&[("code", code)])
                    .send()
                    .await
                    .unwrap()
                    .status()
            }
        };
        assert_eq!(answer("123456".into()).await, StatusCode::UNAUTHORIZED);
        // the code used to confirm cannot be replayed; the next one is taken
        assert_eq!(answer(code_of(&secret, 0)).await, StatusCode::UNAUTHORIZED);
        assert_eq!(answer(code_of(&secret, 1)).await, StatusCode::SEE_OTHER);
        let me = browser
            .get(format!("{}/api/v1/me", app.base))
            .send()
            .await
            .unwrap();
        assert_eq!(me.status(), StatusCode::OK);
        // a recovery code works once
        for (code, expected) in [
            (recovery[0].clone(), StatusCode::SEE_OTHER),
            (recovery[0].clone(), StatusCode::UNAUTHORIZED),
        ] {
            let again = client();
            again
                .post(format!("{}/login", app.base))
                .form(&[("username", "supervisor"), ("password", PASSWORD)])
                .send()
                .await
                .unwrap();
            let status = again
                .post(format!("{}/login/code", app.base))
                .form(&[("code", code)])
                .send()
                .await
                .unwrap()
                .status();
            assert_eq!(status, expected);
        }

        // required of a role: its users reach only their account page until they enrol
        let admin = app.sign_in_as(Role::Admin).await;
        let (status, _) = admin
            .put_json(
                "/api/v1/settings",
                &json!({"two_factor_roles": ["qa_inspector"]}),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        let inspector = app.sign_in_as(Role::QaInspector).await;
        let (status, refused) = inspector.get_json("/api/v1/evaluations").await;
        assert_eq!(
            (status, refused["code"].as_str()),
            (StatusCode::FORBIDDEN, Some("two_factor_required"))
        );
        let (status, account) = inspector.get_text("/account").await;
        assert_eq!(status, StatusCode::OK);
        assert!(account.contains("id=\"two-factor-required\""), "{account}");
        // the admin (no such requirement) goes on as before
        assert_eq!(admin.get_json("/api/v1/users").await.0, StatusCode::OK);
    }
}
