//! SLA escalation exactly once: 1 000 tickets breaching in the same minute, escalated by two
//! `servq desk escalate` processes at the same time on one database, give exactly 1 000
//! escalations (and events, notifications, outbox messages) — then 1 000 warnings later.

use std::process::{Command, Stdio};

use serde_json::Value;
use servq_app::desk::{CALENDAR_KEY, TicketRequest, open_ticket};
use servq_desk::CalendarSpec;
use servq_store::{Actor, DeskTable, Store, testing::TestDatabase};

use crate::{servq, servq_ok, stderr};

fn escalate_twice_at_once(db: &TestDatabase, now: &str) -> (u64, u64) {
    let spawn = || {
        Command::new(env!("CARGO_BIN_EXE_servq"))
            .args(["desk", "escalate", "--now", now])
            .env("SERVQ_DATABASE_URL", &db.url)
            .env_remove("SERVQ_LOG")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("starting servq")
    };
    let (first, second) = (spawn(), spawn());
    let mut totals = (0, 0);
    for child in [first, second] {
        let output = child.wait_with_output().unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let counts: Value = serde_json::from_slice(&output.stdout).unwrap();
        totals.0 += counts["breaches"].as_u64().unwrap();
        totals.1 += counts["warnings"].as_u64().unwrap();
    }
    totals
}

/// 1 000 urgent consults created within one second from 2026-11-02T10:00Z, on a calendar open
/// around the clock (so deadlines are plain arithmetic here): first response due at 10:30.
async fn thousand_urgent_consults(store: &Store) {
    let actor = Actor {
        user_id: None,
        name: "test".to_owned(),
    };
    // open around the clock, so that deadlines are plain arithmetic here
    let always = CalendarSpec {
        week: std::array::from_fn(|_| vec!["00:00-24:00".to_owned()]),
        ..CalendarSpec::office_hours("Asia/Shanghai")
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
    for index in 0..1000 {
        let request = TicketRequest {
            ticket_type: "consult".into(),
            category: "billing".into(),
            priority: "urgent".into(),
            subject: format!("ticket {index}"),
            description: String::new(),
            customer_id: format!("u{index}"),
            segment: String::new(),
            channel: "phone".into(),
            contact_id: None,
            team: "care".into(),
        };
        // spread over one second: they all breach in the same minute
        let at = created + jiff::SignedDuration::from_millis(index);
        open_ticket(store, &request, &actor, at).await.unwrap();
    }
}

#[tokio::test]
async fn a_thousand_breaches_in_one_minute_escalate_exactly_once_with_two_processes() {
    for db in TestDatabase::both().await {
        let store = Store::open(&db.url).await.unwrap();
        thousand_urgent_consults(&store).await;
        // urgent consults: first response within 30 minutes; nothing is due before
        assert_eq!(
            escalate_twice_at_once(&db, "2026-11-02T10:20:00Z"),
            (0, 0),
            "{:?}",
            db.backend
        );
        // 10:30:30 — every first-response clock is past its deadline (warnings folded in)
        assert_eq!(
            escalate_twice_at_once(&db, "2026-11-02T10:30:30Z"),
            (1000, 0)
        );
        assert_eq!(store.escalation_counts().await.unwrap(), (0, 1000));
        assert_eq!(
            store.desk_count(DeskTable::BreachEvents).await.unwrap(),
            1000
        );
        assert_eq!(
            store.desk_count(DeskTable::Notifications).await.unwrap(),
            1000
        );
        assert_eq!(store.desk_count(DeskTable::Outbox).await.unwrap(), 2000);
        // again: nothing new
        assert_eq!(escalate_twice_at_once(&db, "2026-11-02T10:31:00Z"), (0, 0));
        // 16:25: the answering stage (4 h) breached at 14:00 and resolution (8 h) warns at 80 %
        // (6 h 24 min) — one of each per ticket
        assert_eq!(
            escalate_twice_at_once(&db, "2026-11-02T16:25:00Z"),
            (1000, 1000)
        );
        assert_eq!(store.escalation_counts().await.unwrap(), (1000, 2000));
        assert_eq!(
            store.desk_count(DeskTable::BreachEvents).await.unwrap(),
            2000
        );
        store.close().await;
    }
}

/// The same with two real `servq serve` processes on one PostgreSQL, their escalation loops
/// running at a test-controlled instant (`SERVQ_JOBS_CLOCK`).
#[tokio::test]
async fn two_servers_on_one_postgresql_escalate_a_thousand_breaches_exactly_once() {
    let db = TestDatabase::postgres().await;
    let store = Store::open(&db.url).await.unwrap();
    thousand_urgent_consults(&store).await;
    let serve = || {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        Command::new(env!("CARGO_BIN_EXE_servq"))
            .args(["serve", "--addr", &format!("127.0.0.1:{port}")])
            .env("SERVQ_DATABASE_URL", &db.url)
            .env("SERVQ_JOBS_CLOCK", "2026-11-02T10:30:30Z")
            .env_remove("SERVQ_LOG")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("starting servq serve")
    };
    let mut servers = [serve(), serve()];
    // both loops fire at start; wait until the breaches are in and nothing moves any more
    let mut last = (-1, -1);
    for _ in 0..600 {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        let counts = store.escalation_counts().await.unwrap();
        if counts.1 == 1000 && counts == last {
            break;
        }
        last = counts;
    }
    for server in &mut servers {
        server.kill().unwrap();
        server.wait().unwrap();
    }
    assert_eq!(store.escalation_counts().await.unwrap(), (0, 1000));
    assert_eq!(
        store.desk_count(DeskTable::BreachEvents).await.unwrap(),
        1000
    );
    assert_eq!(
        store.desk_count(DeskTable::Notifications).await.unwrap(),
        1000
    );
    store.close().await;
}

/// Tickets from another system: every bad row reported, nothing stored; a clean file stored in
/// one go with clocks started at each ticket's creation; importing it again changes nothing.
#[tokio::test]
async fn tickets_import_all_or_nothing_with_their_clocks_from_created_at() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        "ticket_id,ticket_type,category,priority,subject,customer_id,created_at\n\
         X1,complaint,billing,high,charged twice,u1,2026-11-02 17:59:00\n\
         X2,complaint,nowhere,critical,?,u2,2026-11-02 09:00:00\n\
         X1,consult,bill_query,normal,again,u3,yesterday\n",
    )
    .unwrap();
    let good = dir.path().join("good.csv");
    std::fs::write(
        &good,
        "ticket_id,ticket_type,category,priority,subject,customer_id,created_at\n\
         X1,complaint,billing,high,charged twice,u1,2026-11-06 17:59:00\n\
         X2,consult,bill_query,normal,bill question,u2,2026-11-02 09:00:00\n",
    )
    .unwrap();
    for db in TestDatabase::both().await {
        let refused = servq(&db, &["import", "tickets", bad.to_str().unwrap()]);
        assert_eq!(refused.status.code(), Some(1));
        let report = stderr(&refused);
        let file = bad.to_str().unwrap();
        for expected in [
            format!("{file}:3: priority: priority 'critical' is not urgent, high, normal or low"),
            format!("{file}:3: category: category 'nowhere' is not in the category tree"),
            format!("{file}:4: ticket_id: 'X1' appears again (first on line 2)"),
            format!("{file}:4: created_at:"),
        ] {
            assert!(report.contains(&expected), "{expected}\n{report}");
        }
        let store = Store::open(&db.url).await.unwrap();
        assert!(
            store.ticket("X1").await.unwrap().is_none(),
            "nothing stored"
        );
        let imported = servq_ok(&db, &["import", "tickets", good.to_str().unwrap()]);
        assert!(
            stderr(&imported).contains("2 new, 0 updated, 0 unchanged"),
            "{}",
            stderr(&imported)
        );
        let again = servq_ok(&db, &["import", "tickets", good.to_str().unwrap()]);
        assert!(
            stderr(&again).contains("0 new, 0 updated, 2 unchanged"),
            "{}",
            stderr(&again)
        );
        // X1: Friday 17:59 in Shanghai, high priority: first response within 60 business
        // minutes of Monday–Friday 09:00–18:00 → Monday 09:59
        let clocks = store.ticket_clocks("X1").await.unwrap();
        let first = clocks
            .iter()
            .find(|c| c.metric == servq_desk::SlaMetric::FirstResponse)
            .unwrap();
        let due: jiff::Timestamp = "2026-11-09T01:59:00Z".parse().unwrap();
        assert_eq!(first.due_ms, Some(due.as_millisecond()));
        let ticket = store.ticket("X1").await.unwrap().unwrap();
        assert_eq!(ticket.stage, "reception");
        store.close().await;
    }
}
