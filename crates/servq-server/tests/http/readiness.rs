//! `/readyz` for a load balancer: ready (200) only while the database answers, every migration
//! of this build is applied and the jobs loop woke within three scheduler ticks; otherwise 503
//! with the failing check named. Every answer carries a request id: the client's when sane.

use crate::support::*;

async fn readiness(app: &TestApp) -> (StatusCode, Value) {
    let response = client()
        .get(format!("{}/readyz", app.base))
        .send()
        .await
        .unwrap();
    (response.status(), response.json().await.unwrap())
}

#[tokio::test]
async fn readiness_follows_the_database_the_migrations_and_the_jobs_loop() {
    for database in TestDatabase::both().await {
        let store = Store::open(&database.url).await.unwrap();
        // a server whose jobs loop never started is not ready
        let idle = TestApp::spawn(store.clone()).await;
        let (status, body) = readiness(&idle).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
        assert_eq!(
            body,
            json!({"status": "not_ready", "database": "ok", "migrations": "ok",
                "jobs": "not_started"})
        );
        // one whose scheduler woke just now is
        let heartbeat = servq_app::jobs::Heartbeat::default();
        heartbeat.beat(servq_app::now_ms());
        let mut state = servq_server::AppState::new(store.clone(), false);
        state.jobs = Some(heartbeat.clone());
        let running = TestApp::spawn_with(state).await;
        let (status, body) = readiness(&running).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["status"], "ready");
        // three ticks without waking: stalled
        heartbeat.beat(servq_app::now_ms() - 91_000);
        let (status, body) = readiness(&running).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(body["jobs"], "stalled");
        // the request id: the client's when sane, else a fresh one
        let answered = |id: &'static str| {
            let base = running.base.clone();
            async move {
                client()
                    .get(format!("{base}/healthz"))
                    .header("x-request-id", id)
                    .send()
                    .await
                    .unwrap()
                    .headers()
                    .get("x-request-id")
                    .unwrap()
                    .to_str()
                    .unwrap()
                    .to_owned()
            }
        };
        assert_eq!(answered("lb-7f3a.9").await, "lb-7f3a.9");
        let fresh = answered("not <sane>").await;
        assert_eq!(fresh.len(), 16, "{fresh}");
        assert!(fresh.bytes().all(|b| b.is_ascii_hexdigit()));
        store.close().await;
    }
}
