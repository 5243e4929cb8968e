//! The morning briefing on the scheduler, for real: two servers on one database run the job at
//! the same moments (a test clock) and each morning's briefing is made and mailed exactly once;
//! after two mornings down, the next run catches up both missed days once each, each reporting
//! its own day. On SQLite and PostgreSQL.
#![allow(missing_docs)]

use crate::support;

use jiff::civil::Date;
use servq_app::jobs::{Job, JobContext, PeriodOutcome, run_due};
use servq_app::outbox::OutboxConfig;
use servq_store::{Store, testing::TestDatabase};
use support::day_contacts;

#[tokio::test]
async fn each_morning_is_briefed_once_across_servers_and_missed_mornings_catch_up() {
    for db in TestDatabase::both().await {
        let store = Store::open(&db.url).await.unwrap();
        store.set_centre_zone("UTC").await.unwrap();
        let mut import = store.begin_contact_import().await.unwrap();
        let mut line = 2;
        let mut day: Date = "2026-11-25".parse().unwrap();
        while day <= "2026-12-04".parse().unwrap() {
            for contact in day_contacts(day, (day.day() % 10) as usize) {
                import.push(line, contact).await.unwrap();
                line += 1;
            }
            day = day.tomorrow().unwrap();
        }
        import.commit("test").await.unwrap();
        let server = |store: Store| JobContext {
            backup: None,
            store,
            public_url: "https://servq.example.com".into(),
            outbox: OutboxConfig::default(),
        };
        let (first, second) = (
            server(store.clone()),
            server(Store::open(&db.url).await.unwrap()),
        );
        let ran = |outcomes: &[PeriodOutcome]| {
            outcomes
                .iter()
                .filter(|o| matches!(o, PeriodOutcome::Ran { failed: false, .. }))
                .count()
        };
        // 1 December 08:31: both servers wake; the morning runs once
        let now: jiff::Timestamp = "2026-12-01T08:31:00Z".parse().unwrap();
        let (a, b) = tokio::join!(
            run_due(&first, Job::DailyBriefing, now),
            run_due(&second, Job::DailyBriefing, now)
        );
        let (a, b) = (a.unwrap(), b.unwrap());
        assert_eq!(ran(&a) + ran(&b), 1, "{a:?} {b:?}");
        // down on the 2nd and 3rd; on the 4th at 08:31 the missed mornings catch up (cap 2):
        // the 3rd and the 4th, once each, whichever server gets them
        let now: jiff::Timestamp = "2026-12-04T08:31:00Z".parse().unwrap();
        let (a, b) = tokio::join!(
            run_due(&first, Job::DailyBriefing, now),
            run_due(&second, Job::DailyBriefing, now)
        );
        let (a, b) = (a.unwrap(), b.unwrap());
        assert_eq!(ran(&a) + ran(&b), 2, "{a:?} {b:?}");
        let again = run_due(&first, Job::DailyBriefing, now).await.unwrap();
        assert_eq!(ran(&again), 0, "{again:?}");

        // what waits in the outbox (claimed here as the sender would)
        let mails = store
            .claim_outbox(&["email"], i64::MAX / 2, 100, 60_000, 10)
            .await
            .unwrap();
        let mut subjects: Vec<String> = mails
            .iter()
            .filter(|m| m.recipient == servq_app::briefing::RECIPIENT)
            .map(|m| m.subject.clone())
            .collect();
        subjects.sort();
        assert_eq!(
            subjects,
            [
                "每日简报 2026-12-01",
                "每日简报 2026-12-03",
                "每日简报 2026-12-04"
            ],
            "each morning once, each about its own day"
        );
        // the 3rd reports the 2nd: 2 of 10 answered within the service level
        let third = mails
            .iter()
            .find(|m| m.subject == "每日简报 2026-12-03")
            .unwrap();
        assert!(third.body.contains("服务水平: 20.0%"), "{}", third.body);
        assert!(
            third
                .body
                .contains("https://servq.example.com/briefing/2026-12-03"),
            "{}",
            third.body
        );
    }
}

#[tokio::test]
async fn the_weekly_review_lists_the_targets_missed_the_week_before_and_mails_it() {
    for db in TestDatabase::both().await {
        let store = Store::open(&db.url).await.unwrap();
        store.set_centre_zone("UTC").await.unwrap();
        let mut import = store.begin_contact_import().await.unwrap();
        let mut line = 2;
        // Monday 23 to Sunday 29 November: 5 of 10 within the service level, every day
        let mut day: Date = "2026-11-23".parse().unwrap();
        while day <= "2026-11-29".parse().unwrap() {
            for contact in day_contacts(day, 5) {
                import.push(line, contact).await.unwrap();
                line += 1;
            }
            day = day.tomorrow().unwrap();
        }
        import.commit("test").await.unwrap();
        let actor = servq_app::cli_actor();
        for (metric, target) in [(Some(0.8), "service_level"), (Some(400.0), "aht_seconds")] {
            servq_app::targets::set(
                &store,
                &servq_app::targets::TargetRequest {
                    metric: target.into(),
                    scope: "centre".into(),
                    target: metric,
                    effective_from: "2026-11-01".into(),
                    ..Default::default()
                },
                &actor,
            )
            .await
            .unwrap();
        }
        let (week, missed) = servq_app::review::missed(&store, "2026-12-02".parse().unwrap())
            .await
            .unwrap();
        assert_eq!(
            (week.0.to_string(), week.1.to_string()),
            ("2026-11-23".into(), "2026-11-29".into())
        );
        // service level 50 % < 80 % every day; AHT 110 s meets its 400 s ceiling
        assert_eq!(missed.len(), 1, "{missed:?}");
        assert_eq!(missed[0].metric, "service_level");
        assert!((missed[0].value - 0.5).abs() < 1e-12);
        assert_eq!((missed[0].days_missed, missed[0].days_with_value), (7, 7));

        let context = JobContext {
            backup: None,
            store: store.clone(),
            public_url: "https://servq.example.com".into(),
            outbox: OutboxConfig::default(),
        };
        let monday: jiff::Timestamp = "2026-11-30T09:01:00Z".parse().unwrap();
        let (a, b) = tokio::join!(
            run_due(&context, Job::WeeklyReview, monday),
            run_due(&context, Job::WeeklyReview, monday)
        );
        let ran = a.unwrap().len() + b.unwrap().len();
        assert_eq!(ran, 1);
        let mails = store
            .claim_outbox(&["email"], i64::MAX / 2, 100, 60_000, 10)
            .await
            .unwrap();
        let reviews: Vec<_> = mails
            .iter()
            .filter(|m| m.subject.starts_with("周复盘"))
            .collect();
        assert_eq!(reviews.len(), 1);
        assert_eq!(reviews[0].subject, "周复盘 2026-11-23 至 2026-11-29");
        assert!(
            reviews[0].body.contains("服务水平 (全中心): 50.0%"),
            "{}",
            reviews[0].body
        );
    }
}
