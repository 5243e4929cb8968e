//! The nightly backup job on both databases: it writes the day's backup into the folder, the
//! backup verifies and holds the store's users, and the retention deletes the scheduled backups
//! that neither the daily nor the weekly count keeps, leaving other files alone.

use servq_app::backup::{BackupPlan, scheduled_file_name, verify};
use servq_app::jobs::{Job, JobContext, run_once};
use servq_app::outbox::OutboxConfig;
use servq_core::Role;
use servq_store::{Actor, NewUser, Store, testing::TestDatabase};

#[tokio::test]
async fn the_nightly_backup_keeps_the_days_and_weeks_asked_for() {
    for db in TestDatabase::both().await {
        let store = Store::open(&db.url).await.unwrap();
        store
            .create_user(
                &NewUser {
                    user_id: "u-ada".to_owned(),
                    username: "ada".to_owned(),
                    password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".to_owned(),
                    role: Role::Admin,
                    agent_id: None,
                },
                &Actor {
                    user_id: None,
                    name: "cli".to_owned(),
                },
                1,
            )
            .await
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        // older scheduled backups: every night from 1 November to 2 December, and a file of the
        // centre's own
        let mut day = jiff::civil::date(2026, 11, 1);
        while day <= jiff::civil::date(2026, 12, 2) {
            std::fs::write(dir.path().join(scheduled_file_name(day)), b"old").unwrap();
            day = day.tomorrow().unwrap();
        }
        std::fs::write(dir.path().join("before-upgrade.servq-backup"), b"mine").unwrap();
        let context = JobContext {
            store: store.clone(),
            public_url: "http://127.0.0.1".to_owned(),
            outbox: OutboxConfig::default(),
            backup: Some(BackupPlan {
                dir: dir.path().to_owned(),
                keep_daily: 3,
                keep_weekly: 3,
            }),
        };
        // 3 December 2026, 03:15 in Shanghai
        let now: jiff::Timestamp = "2026-12-02T19:15:00Z".parse().unwrap();
        let said = run_once(&context, Job::Backup, now).await.unwrap();
        assert!(said.contains("servq-2026-12-03.servq-backup"), "{said}");
        let mut left: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|entry| entry.unwrap().file_name().into_string().unwrap())
            .collect();
        left.sort();
        assert_eq!(
            left,
            [
                "before-upgrade.servq-backup",
                // the newest of ISO weeks 47 (16–22 Nov) and 48 (23–29 Nov)
                "servq-2026-11-22.servq-backup",
                "servq-2026-11-29.servq-backup",
                // the last three nights, tonight's the newest of week 49
                "servq-2026-12-01.servq-backup",
                "servq-2026-12-02.servq-backup",
                "servq-2026-12-03.servq-backup",
            ],
            "{:?}",
            db.backend
        );
        let contents = verify(&dir.path().join("servq-2026-12-03.servq-backup")).unwrap();
        assert_eq!(contents.manifest.table("users").unwrap().rows, 1);
        store.close().await;
    }
}
