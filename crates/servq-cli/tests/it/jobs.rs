//! `servq jobs`: scheduled periods run once across processes, missed periods catch up to the cap
//! and older ones are skipped, a named period re-runs only with --again, and the sign-in purge
//! removes what has expired — on SQLite and PostgreSQL, with the test clock `SERVQ_JOBS_CLOCK`.

use std::process::{Command, Output};

use serde_json::Value;
use servq_store::{Actor, NewUser, Store, testing::TestDatabase};

fn jobs(db: &TestDatabase, clock: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_servq"))
        .arg("jobs")
        .args(args)
        .env("SERVQ_DATABASE_URL", &db.url)
        .env("SERVQ_JOBS_CLOCK", clock)
        .env_remove("SERVQ_LOG")
        .output()
        .expect("running servq jobs")
}

/// The JSON lines a `servq jobs run` printed.
fn lines(output: &Output) -> Vec<Value> {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).expect("a JSON line"))
        .collect()
}

fn periods(lines: &[Value], status: &str) -> Vec<String> {
    lines
        .iter()
        .filter(|line| line["status"] == status)
        .map(|line| line["period"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn scheduled_periods_run_once_catch_up_to_the_cap_and_skip_older_ones() {
    for db in TestDatabase::both().await {
        // 2026-12-02 09:00 in Shanghai (the default centre zone): today's 03:30 is due
        let first = lines(&jobs(
            &db,
            "2026-12-02T01:00:00Z",
            &["run", "sign-in-purge"],
        ));
        assert_eq!(periods(&first, "done"), ["2026-12-02T03:30"], "{first:?}");
        // the same moment again: nothing due
        let again = jobs(&db, "2026-12-02T01:00:00Z", &["run", "sign-in-purge"]);
        assert!(lines(&again).is_empty());
        assert!(String::from_utf8_lossy(&again.stderr).contains("no period due"));
        // down five days: the last three periods run, the two before are skipped
        let later = lines(&jobs(
            &db,
            "2026-12-07T01:00:00Z",
            &["run", "sign-in-purge"],
        ));
        assert_eq!(
            periods(&later, "skipped"),
            ["2026-12-03T03:30", "2026-12-04T03:30"]
        );
        assert_eq!(
            periods(&later, "done"),
            ["2026-12-05T03:30", "2026-12-06T03:30", "2026-12-07T03:30"]
        );
        // a period that ran runs again only when asked to
        let refused = jobs(
            &db,
            "2026-12-07T01:00:00Z",
            &["run", "sign-in-purge", "--period", "2026-12-05T03:30"],
        );
        assert!(!refused.status.success());
        assert!(
            String::from_utf8_lossy(&refused.stderr).contains("--again"),
            "{}",
            String::from_utf8_lossy(&refused.stderr)
        );
        let rerun = lines(&jobs(
            &db,
            "2026-12-07T01:00:00Z",
            &[
                "run",
                "sign-in-purge",
                "--period",
                "2026-12-04T03:30",
                "--again",
            ],
        ));
        assert_eq!(periods(&rerun, "done"), ["2026-12-04T03:30"]);
        let list: Value = serde_json::from_slice(
            &jobs(&db, "2026-12-07T01:00:00Z", &["list", "--format", "json"]).stdout,
        )
        .unwrap();
        let purge = list["jobs"]
            .as_array()
            .unwrap()
            .iter()
            .find(|job| job["name"] == "sign-in-purge")
            .unwrap();
        let runs: Vec<(&str, &str)> = purge["runs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|run| {
                (
                    run["period"].as_str().unwrap(),
                    run["status"].as_str().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            runs,
            [
                ("2026-12-07T03:30", "done"),
                ("2026-12-06T03:30", "done"),
                ("2026-12-05T03:30", "done"),
                ("2026-12-04T03:30", "done"),
                ("2026-12-03T03:30", "skipped"),
            ]
        );
        // loops have no periods
        let loop_period = jobs(
            &db,
            "2026-12-07T01:00:00Z",
            &["run", "sla-escalation", "--period", "2026-12-05"],
        );
        assert!(!loop_period.status.success());
    }
}

#[tokio::test]
async fn eight_processes_at_once_run_a_period_exactly_once_on_postgresql() {
    let db = TestDatabase::postgres().await;
    let store = Store::open(&db.url).await.unwrap();
    store.close().await;
    let children: Vec<_> = (0..8)
        .map(|_| {
            Command::new(env!("CARGO_BIN_EXE_servq"))
                .args(["jobs", "run", "sign-in-purge"])
                .env("SERVQ_DATABASE_URL", &db.url)
                .env("SERVQ_JOBS_CLOCK", "2026-12-02T01:00:00Z")
                .env_remove("SERVQ_LOG")
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut done = Vec::new();
    for child in children {
        let output = child.wait_with_output().unwrap();
        done.extend(periods(&lines(&output), "done"));
    }
    assert_eq!(done, ["2026-12-02T03:30"]);
}

#[tokio::test]
async fn the_sign_in_purge_removes_expired_sessions_and_old_failures_only() {
    for db in TestDatabase::both().await {
        let store = Store::open(&db.url).await.unwrap();
        let actor = Actor {
            user_id: None,
            name: "test".to_owned(),
        };
        store
            .create_user(
                &NewUser {
                    user_id: "u1".to_owned(),
                    username: "li".to_owned(),
                    password_hash: "x".to_owned(),
                    role: servq_core::Role::Supervisor,
                    agent_id: None,
                },
                &actor,
                0,
            )
            .await
            .unwrap();
        let now: i64 = 1_796_000_000_000; // 2026-11-30
        let hour = 3_600_000;
        // one session lives on, one expired an hour ago (created last: creating a session
        // removes those expired at its creation)
        store
            .create_session("live", "u1", "c2", now - hour, now + 11 * hour)
            .await
            .unwrap();
        store
            .create_session("old", "u1", "c1", now - 13 * hour, now - hour)
            .await
            .unwrap();
        // failures: one from yesterday, one a minute ago (still throttling)
        store
            .record_login_failure("li|127.0.0.1", now - 24 * hour)
            .await
            .unwrap();
        store
            .record_login_failure("li|127.0.0.1", now - 60_000)
            .await
            .unwrap();
        store.close().await;
        let clock = jiff::Timestamp::from_millisecond(now).unwrap().to_string();
        let ran = lines(&jobs(&db, &clock, &["run", "sign-in-purge"]));
        assert_eq!(ran.len(), 1, "{ran:?}");
        assert_eq!(
            ran[0]["detail"],
            "1 sessions, 1 failed sign-ins, 0 set-up tokens removed"
        );
        let store = Store::open(&db.url).await.unwrap();
        assert!(store.session_user("live", now).await.unwrap().is_some());
        // gone, though it was alive two hours ago
        assert!(
            store
                .session_user("old", now - 2 * hour)
                .await
                .unwrap()
                .is_none()
        );
        assert_eq!(
            store.login_failures_since("li|127.0.0.1", 0).await.unwrap(),
            1
        );
        store.close().await;
    }
}
