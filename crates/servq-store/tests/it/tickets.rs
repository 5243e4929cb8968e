//! The ticket KPI day cube against the definition counted from every ticket
//! (`ticket_counters_live`), after creations, imports with history, resolutions, reopenings,
//! transfers and escalations, on both databases; and a small desk worked by hand.

use servq_desk::{
    AGED_BACKLOG_MS, ClockState, Priority, SlaMetric, TicketCounters, TicketStatus, TicketType,
};
use servq_store::{Actor, ClockRow, NewTicket, Store, TicketChange, TicketGroup};

use crate::on_both_databases;

const HOUR: i64 = 3_600_000;
const DAY: i64 = 24 * HOUR;
/// 2026-11-02 00:00 Asia/Shanghai (the default centre zone), a Monday.
const MONDAY: i64 = 1_793_548_800_000;

fn actor() -> Actor {
    Actor {
        user_id: None,
        name: "test".to_owned(),
    }
}

fn clock(metric: &str, state: &str, used_ms: i64, target_ms: i64, start: i64) -> ClockRow {
    let running = state == "running";
    ClockRow {
        metric: SlaMetric::parse(metric).unwrap(),
        rule: "normal".to_owned(),
        target_ms,
        used_ms,
        running_since: running.then_some(start),
        due_ms: running.then_some(start + target_ms),
        warn_ms: None,
        state: ClockState::parse(state).unwrap(),
        breached: state == "breached",
        warned: false,
    }
}

/// A ticket created at `created`; resolved after `resolve_after` when given (its clocks met or
/// breached by the times used), else open with running clocks.
fn ticket(
    id: &str,
    complaint: bool,
    team: &str,
    created: i64,
    resolve_after: Option<i64>,
) -> (NewTicket, i64) {
    let (first, resolution) = match resolve_after {
        Some(after) => (
            clock(
                "first_response",
                if after / 4 > HOUR { "breached" } else { "met" },
                after / 4,
                HOUR,
                created,
            ),
            clock(
                "resolution",
                if after > 8 * HOUR { "breached" } else { "met" },
                after,
                8 * HOUR,
                created,
            ),
        ),
        None => (
            clock("first_response", "running", 0, HOUR, created),
            clock("resolution", "running", 0, 8 * HOUR, created),
        ),
    };
    (
        NewTicket {
            ticket_id: id.to_owned(),
            ticket_type: TicketType::parse(if complaint { "complaint" } else { "consult" })
                .unwrap(),
            category: if complaint { "billing" } else { "bill_query" }.to_owned(),
            priority: Priority::Normal,
            subject: format!("subject {id}"),
            description: String::new(),
            customer_id: format!("C{id}"),
            segment: String::new(),
            channel: "web".to_owned(),
            contact_id: None,
            team: team.to_owned(),
            assignee: format!("{team}-1"),
            stage: "answering".to_owned(),
            status: if resolve_after.is_some() {
                TicketStatus::Resolved
            } else {
                TicketStatus::Open
            },
            status_token_hash: format!("hash-{id}"),
            clocks: vec![first, resolution],
            sla_events: Vec::new(),
            first_response_ms: resolve_after.map(|after| created + after / 4),
            resolved_ms: resolve_after.map(|after| created + after),
            closed_ms: None,
        },
        created,
    )
}

async fn both(
    store: &Store,
    from: i64,
    to: i64,
    group: Option<TicketGroup>,
) -> (
    Vec<(Option<String>, TicketCounters)>,
    Vec<(Option<String>, TicketCounters)>,
) {
    (
        store
            .ticket_counters(from, to, group, AGED_BACKLOG_MS)
            .await
            .unwrap(),
        store
            .ticket_counters_live(from, to, group, AGED_BACKLOG_MS)
            .await
            .unwrap(),
    )
}

/// Every period of whole days in the 20 days, every group: cube == live.
async fn assert_cube_is_live(store: &Store, step: &str) {
    let groups = [
        None,
        Some(TicketGroup::Team),
        Some(TicketGroup::Category),
        Some(TicketGroup::Priority),
        Some(TicketGroup::TicketType),
        Some(TicketGroup::Assignee),
        Some(TicketGroup::Channel),
    ];
    for (from_day, to_day) in [
        (0, 1),
        (0, 7),
        (3, 10),
        (9, 10),
        (0, 20),
        (15, 22),
        (19, 20),
        (25, 31),
        (0, 31),
    ] {
        for group in groups {
            let (cube, live) =
                both(store, MONDAY + from_day * DAY, MONDAY + to_day * DAY, group).await;
            assert_eq!(
                cube, live,
                "{step}: days {from_day}..{to_day} by {group:?}: cube (left) differs from the tickets"
            );
        }
    }
}

#[tokio::test]
async fn the_ticket_cube_answers_what_the_tickets_say() {
    on_both_databases(|store| async move {
        // 240 tickets over 20 days, about a third still open
        let mut seed = 7_u64;
        let mut next = move || {
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            seed >> 33
        };
        let teams = ["care", "billing", "cards"];
        let tickets: Vec<(NewTicket, i64)> = (0..240)
            .map(|n| {
                let created = MONDAY + (n as i64) * 20 * DAY / 240 + (next() % 3_600_000) as i64;
                let resolve = (next() % 3 != 0).then(|| ((next() % 40) as i64 + 1) * HOUR);
                ticket(
                    &format!("T{n:03}"),
                    next() % 10 == 0,
                    teams[(next() % 3) as usize],
                    created,
                    resolve,
                )
            })
            .collect();
        let (created, unchanged) = store
            .import_tickets(&tickets, "test", &actor(), MONDAY + 25 * DAY)
            .await
            .unwrap();
        assert_eq!((created, unchanged), (240, 0));
        assert_cube_is_live(&store, "after the import").await;

        // resolve some open ones, reopen some resolved ones, transfer some, one by one
        // ten days after the last ticket: no other change touches that day
        let now = MONDAY + 30 * DAY;
        for (n, (ticket, _)) in tickets.iter().enumerate() {
            let id = ticket.ticket_id.as_str();
            match (n % 7, ticket.status) {
                (0, TicketStatus::Open) => {
                    let clocks = [clock("resolution", "breached", 30 * HOUR, 8 * HOUR, 0)];
                    let change = TicketChange {
                        ticket_id: id,
                        from_status: TicketStatus::Open,
                        status: TicketStatus::Resolved,
                        stage: None,
                        first_response: true,
                        resolved: Some(true),
                        closed: false,
                        clocks: &clocks,
                        sla_events: &[],
                        event: ("status", "resolved"),
                        public: true,
                        internal_reason: None,
                        email: None,
                    };
                    assert!(
                        store
                            .apply_ticket_change(&change, &actor(), now)
                            .await
                            .unwrap()
                    );
                }
                (1, TicketStatus::Resolved) => {
                    let closed = TicketChange {
                        ticket_id: id,
                        from_status: TicketStatus::Resolved,
                        status: TicketStatus::Closed,
                        stage: None,
                        first_response: false,
                        resolved: None,
                        closed: true,
                        clocks: &[],
                        sla_events: &[],
                        event: ("status", "closed"),
                        public: true,
                        internal_reason: None,
                        email: None,
                    };
                    assert!(
                        store
                            .apply_ticket_change(&closed, &actor(), now)
                            .await
                            .unwrap()
                    );
                    let clocks = [clock("resolution", "running", 3 * HOUR, 8 * HOUR, now)];
                    let reopened = TicketChange {
                        from_status: TicketStatus::Closed,
                        status: TicketStatus::Open,
                        closed: false,
                        resolved: Some(false),
                        clocks: &clocks,
                        event: ("status", "reopened"),
                        ..closed
                    };
                    assert!(
                        store
                            .apply_ticket_change(&reopened, &actor(), now + HOUR)
                            .await
                            .unwrap()
                    );
                }
                (2, _) => {
                    assert!(
                        store
                            .assign_ticket(id, "vip", "vip-9", None, &actor(), now)
                            .await
                            .unwrap()
                            .is_some()
                    );
                }
                _ => {}
            }
        }
        assert_cube_is_live(&store, "after resolving, reopening and transferring").await;

        // the escalation pass breaches the running clocks that are due
        let pass = store
            .escalate_due(now + 2 * HOUR, 50, &|at| at)
            .await
            .unwrap();
        assert!(
            pass.breaches > 0,
            "some running clocks are past their deadline"
        );
        assert_cube_is_live(&store, "after escalating").await;

        // a new ticket today shows at once
        let (late, created_ms) = ticket("T999", true, "care", MONDAY + 19 * DAY + HOUR, None);
        store
            .create_ticket(&late, &actor(), created_ms, None)
            .await
            .unwrap();
        assert_cube_is_live(&store, "after one more ticket").await;

        // a new centre zone cuts the days at other midnights
        store.set_centre_zone("America/New_York").await.unwrap();
        let new_york_midnight = MONDAY + 13 * HOUR; // 2026-11-02 00:00 EST = 05:00 UTC = 13:00 Shanghai
        for group in [None, Some(TicketGroup::Team)] {
            let (cube, live) = both(
                &store,
                new_york_midnight,
                new_york_midnight + 7 * DAY,
                group,
            )
            .await;
            assert_eq!(cube, live, "New York week by {group:?}");
        }
    })
    .await;
}

#[tokio::test]
async fn backlog_and_aged_backlog_by_hand() {
    on_both_databases(|store| async move {
        // Monday 09:00 open still; Tuesday 10:00 resolved Thursday 10:00; Thursday 12:00 open;
        // a complaint Friday 08:00 resolved 20 hours later (in 24 h); all in Shanghai days
        let tickets = vec![
            ticket("A", false, "care", MONDAY + 9 * HOUR, None),
            ticket(
                "B",
                false,
                "care",
                MONDAY + DAY + 10 * HOUR,
                Some(48 * HOUR),
            ),
            ticket("C", false, "billing", MONDAY + 3 * DAY + 12 * HOUR, None),
            ticket(
                "D",
                true,
                "billing",
                MONDAY + 4 * DAY + 8 * HOUR,
                Some(20 * HOUR),
            ),
        ];
        store
            .import_tickets(&tickets, "test", &actor(), MONDAY + 7 * DAY)
            .await
            .unwrap();
        let total = |rows: Vec<(Option<String>, TicketCounters)>| rows[0].1;

        // Monday..Wednesday (to = Thursday 00:00): A and B created; backlog A and B; aged (before
        // Monday 00:00) none
        let (cube, _) = both(&store, MONDAY, MONDAY + 3 * DAY, None).await;
        let week_start = total(cube);
        assert_eq!((week_start.created, week_start.resolved), (2, 1));
        assert_eq!((week_start.backlog, week_start.aged_backlog), (2, 0));

        // the whole week (to = next Monday 00:00): 4 created, B and D resolved; backlog A and C;
        // aged (created before Friday 00:00): A and C
        let (cube, live) = both(&store, MONDAY, MONDAY + 7 * DAY, None).await;
        assert_eq!(cube, live);
        let week = total(cube);
        assert_eq!(
            (
                week.created,
                week.resolved,
                week.complaints,
                week.complaints_in_24h
            ),
            (4, 2, 1, 1)
        );
        assert_eq!((week.backlog, week.aged_backlog), (2, 2));
        // Thursday..Sunday by team: C and D created; backlog A and C (B left Thursday); aged
        // (created before Friday 00:00, three days before the end) A and C
        let (cube, _) = both(
            &store,
            MONDAY + 3 * DAY,
            MONDAY + 7 * DAY,
            Some(TicketGroup::Team),
        )
        .await;
        let by_team: Vec<(String, i64, i64, i64)> = cube
            .into_iter()
            .map(|(team, c)| (team.unwrap(), c.created, c.backlog, c.aged_backlog))
            .collect();
        assert_eq!(
            by_team,
            vec![
                ("billing".to_owned(), 2, 1, 1),
                ("care".to_owned(), 0, 1, 1)
            ]
        );
    })
    .await;
}
