//! Escalation messages leave the outbox for real: e-mails over SMTP to a local sink that speaks
//! the protocol, webhooks to a local receiver that checks the HMAC signature and fails the first
//! attempt (retried after the back-off), each message sent once; on SQLite and PostgreSQL.
#![allow(missing_docs)]

use crate::support;

use std::sync::{Arc, Mutex};

use axum::{Router, body::Bytes, http::HeaderMap, http::StatusCode, routing::post};
use servq_app::{
    desk::{CALENDAR_KEY, TicketRequest, escalate, open_ticket},
    outbox::{MAX_ATTEMPTS, OutboxConfig, SmtpTls, deliver_due, webhook_signature},
};
use servq_store::{Actor, Store, testing::TestDatabase};
use support::smtp_sink;

/// A webhook receiver: refuses the first call, then checks signatures and keeps the bodies.
async fn webhook_receiver(secret: &'static str) -> (String, Arc<Mutex<Vec<(bool, String)>>>) {
    let calls: Arc<Mutex<Vec<(bool, String)>>> = Arc::new(Mutex::new(Vec::new()));
    let kept = calls.clone();
    let app = Router::new().route(
        "/hook",
        post(move |headers: HeaderMap, body: Bytes| {
            let kept = kept.clone();
            async move {
                let body = String::from_utf8(body.to_vec()).unwrap();
                let timestamp: i64 = headers["x-servq-timestamp"]
                    .to_str()
                    .unwrap()
                    .parse()
                    .unwrap();
                let valid = headers["x-servq-signature"].to_str().unwrap()
                    == webhook_signature(secret, timestamp, &body);
                let mut calls = kept.lock().unwrap();
                calls.push((valid, body));
                if calls.len() == 1 {
                    StatusCode::SERVICE_UNAVAILABLE
                } else {
                    StatusCode::OK
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{address}/hook"), calls)
}

#[tokio::test]
async fn escalations_are_mailed_and_posted_once_with_retries() {
    for db in TestDatabase::both().await {
        let store = Store::open(&db.url).await.unwrap();
        let actor = Actor {
            user_id: None,
            name: "test".into(),
        };
        let always = servq_desk::CalendarSpec {
            week: std::array::from_fn(|_| vec!["00:00-24:00".to_owned()]),
            ..servq_desk::CalendarSpec::office_hours("Asia/Shanghai")
        };
        store
            .set_text_setting(
                CALENDAR_KEY,
                &serde_json::to_string(&always).unwrap(),
                &actor,
                1,
            )
            .await
            .unwrap();
        let created: jiff::Timestamp = "2026-11-02T10:00:00Z".parse().unwrap();
        let request = TicketRequest {
            ticket_type: "consult".into(),
            category: "billing".into(),
            priority: "urgent".into(),
            subject: "card blocked".into(),
            description: String::new(),
            customer_id: "u1".into(),
            segment: String::new(),
            channel: "phone".into(),
            contact_id: None,
            team: String::new(),
        };
        let (ticket_id, _) = open_ticket(&store, &request, &actor, created)
            .await
            .unwrap();
        let pass = escalate(&store, "2026-11-02T10:31:00Z".parse().unwrap())
            .await
            .unwrap();
        assert_eq!(pass.breaches, 1);

        let (smtp_port, mails) = smtp_sink().await;
        let (webhook_url, calls) = webhook_receiver("s3cret").await;
        let config = OutboxConfig {
            smtp_host: Some("127.0.0.1".into()),
            smtp_port,
            smtp_tls: SmtpTls::None,
            smtp_credentials: None,
            email_from: "servq <servq@example.com>".into(),
            email_to: vec!["duty@example.com".into()],
            webhook_url: Some(webhook_url),
            webhook_secret: "s3cret".into(),
            ..OutboxConfig::default()
        };
        let now = "2026-11-02T10:32:00Z"
            .parse::<jiff::Timestamp>()
            .unwrap()
            .as_millisecond();
        let first = deliver_due(&store, &config, now).await.unwrap();
        assert_eq!((first.sent, first.failed), (1, 1), "{:?}", db.backend);
        {
            let mails = mails.lock().unwrap();
            assert_eq!(mails.len(), 1);
            assert!(mails[0].contains(&ticket_id), "{}", mails[0]);
            assert!(mails[0].contains("To: duty@example.com"), "{}", mails[0]);
        }
        // before the back-off (1 minute) nothing is retried; after it the webhook goes through
        let early = deliver_due(&store, &config, now + 30_000).await.unwrap();
        assert_eq!((early.sent, early.failed), (0, 0));
        let retried = deliver_due(&store, &config, now + 61_000).await.unwrap();
        assert_eq!((retried.sent, retried.failed), (1, 0));
        let calls = calls.lock().unwrap().clone();
        assert_eq!(calls.len(), 2);
        assert!(
            calls.iter().all(|(valid, _)| *valid),
            "signatures check out"
        );
        let payload: serde_json::Value = serde_json::from_str(&calls[1].1).unwrap();
        assert_eq!(payload["ticket_id"], ticket_id);
        assert_eq!(payload["level"], "breach");
        // everything sent once; nothing more to do
        assert_eq!(store.outbox_counts(MAX_ATTEMPTS).await.unwrap(), (2, 0, 0));
        let idle = deliver_due(&store, &config, now + 3_600_000).await.unwrap();
        assert_eq!((idle.sent, idle.failed), (0, 0));
        assert_eq!(mails.lock().unwrap().len(), 1);
        store.close().await;
    }
}
