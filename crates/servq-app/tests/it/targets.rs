//! Trend alerts for real on both databases: a queue's service level misses its target three
//! days running (one alert, however often the day is judged), and a day beyond the XmR limits
//! of the twenty days before it raises its own episode; each episode is told once, to the
//! supervisor, in the app and through the outbox, and ends when the value recovers.
#![allow(missing_docs)]

use crate::support;

use jiff::civil::Date;
use servq_app::targets::{TargetRequest, alert_pass, set};
use servq_core::Role;
use servq_store::{Actor, NewUser, Store, testing::TestDatabase};
use support::day_contacts;

#[tokio::test]
async fn misses_and_out_of_control_days_alert_once_per_episode() {
    for db in TestDatabase::both().await {
        let store = Store::open(&db.url).await.unwrap();
        store.set_centre_zone("UTC").await.unwrap();
        let actor = Actor {
            user_id: None,
            name: "test".into(),
        };
        store
            .create_user(
                &NewUser {
                    user_id: "u-sup".into(),
                    username: "sup".into(),
                    password_hash: "x".into(),
                    role: Role::Supervisor,
                    agent_id: None,
                },
                &actor,
                1,
            )
            .await
            .unwrap();
        // the notification pass starts from now: history is not news
        servq_app::notifications::pass(&store, servq_app::now_ms())
            .await
            .unwrap();
        let first: Date = "2026-11-01".parse().unwrap();
        let day = |n: i64| first.checked_add(jiff::Span::new().days(n)).unwrap();
        // 20 days alternating 90 % and 80 %, then 50 %, 70 %, 70 %, 90 %
        let mut within: Vec<usize> = (0..20).map(|n| if n % 2 == 0 { 9 } else { 8 }).collect();
        within.extend([5, 7, 7, 9]);
        let mut import = store.begin_contact_import().await.unwrap();
        let mut line = 2;
        for (n, within) in within.iter().enumerate() {
            for contact in day_contacts(day(n as i64), *within) {
                import.push(line, contact).await.unwrap();
                line += 1;
            }
        }
        import.commit("test").await.unwrap();

        let request = TargetRequest {
            metric: "service_level".into(),
            scope: "queue".into(),
            scope_value: "card".into(),
            target: Some(0.8),
            warn_at: Some(0.75),
            effective_from: "2026-11-01".into(),
            ..TargetRequest::default()
        };
        let stored = set(&store, &request, &actor).await.unwrap();
        assert_eq!(stored.direction.name(), "higher");

        // day 20 (50 %): beyond the lower limit of the 20 days before (0.85 − 3·0.1/1.128)
        let pass = alert_pass(&store, day(20)).await.unwrap();
        assert_eq!((pass.raised, pass.continued, pass.ended), (1, 0, 0));
        // day 21 (70 %): within the limits again, missed two days running: nothing new
        let pass = alert_pass(&store, day(21)).await.unwrap();
        assert_eq!((pass.raised, pass.continued, pass.ended), (0, 0, 1));
        // day 22: the third miss running raises the miss episode, once however often judged
        for _ in 0..2 {
            alert_pass(&store, day(22)).await.unwrap();
        }
        // day 23 (90 %): the miss ends
        let pass = alert_pass(&store, day(23)).await.unwrap();
        assert_eq!((pass.raised, pass.continued, pass.ended), (0, 0, 1));

        let alerts = store.recent_alerts("2026-11-01").await.unwrap();
        let summary: Vec<(String, String, String, Option<String>)> = alerts
            .iter()
            .map(|a| {
                (
                    a.rule.clone(),
                    a.first_day.clone(),
                    a.last_day.clone(),
                    a.ended_day.clone(),
                )
            })
            .collect();
        assert_eq!(
            summary,
            vec![
                (
                    "missed_target".into(),
                    "2026-11-21".into(),
                    "2026-11-23".into(),
                    Some("2026-11-24".into())
                ),
                (
                    "out_of_control".into(),
                    "2026-11-21".into(),
                    "2026-11-21".into(),
                    Some("2026-11-22".into())
                ),
            ]
        );
        let detail: serde_json::Value = serde_json::from_str(&alerts[1].detail).unwrap();
        let lower = 0.85 - 3.0 * 0.1 / 1.128;
        assert!(
            (detail["lower"].as_f64().unwrap() - lower).abs() < 1e-9,
            "{detail}"
        );
        assert_eq!(detail["value"], 0.5);

        servq_app::notifications::pass(&store, servq_app::now_ms())
            .await
            .unwrap();
        let (notes, _) = store.user_notifications("u-sup", false, 10).await.unwrap();
        assert_eq!(notes.len(), 2, "{notes:?}");
        assert!(notes.iter().all(|n| n.kind == "kpi_alert"));
        let (_, queued, _) = store.outbox_counts(5).await.unwrap();
        assert_eq!(queued, 4, "an e-mail and a webhook per episode");
        store.close().await;
    }
}
