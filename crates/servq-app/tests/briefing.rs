//! The morning briefing on the scheduler, for real: two servers on one database run the job at
//! the same moments (a test clock) and each morning's briefing is made and mailed exactly once;
//! after two mornings down, the next run catches up both missed days once each, each reporting
//! its own day. On SQLite and PostgreSQL.
#![allow(missing_docs)]

mod support;

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
