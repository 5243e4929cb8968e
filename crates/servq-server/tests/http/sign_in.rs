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
