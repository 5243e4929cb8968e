//! KPI queries: groupings, filters, zones, teams and settings changes.

use jiff::tz::TimeZone;
use servq_kpi::KpiSettings;
use servq_store::{AgentRecord, Dimension, GroupField, KpiQuery};

use crate::{BASE, Row, import, imports::totals, on_both_databases, state};

fn query(by: &[&str], zone: &str) -> KpiQuery {
    KpiQuery {
        group_by: by
            .iter()
            .map(|name| GroupField::parse(name).unwrap())
            .collect(),
        from_ms: None,
        to_ms: None,
        zone: TimeZone::get(zone).unwrap(),
        filters: vec![],
    }
}

fn rows() -> Vec<Row> {
    vec![
        Row {
            id: "1",
            queue: "card",
            agent: "a1",
            offered: "2026-11-01T15:59:00Z",
            answered: "2026-11-01T15:59:20Z",
            ended: "2026-11-01T16:05:00Z",
            ..BASE
        },
        Row {
            id: "2",
            queue: "card",
            agent: "a2",
            offered: "2026-11-01T16:00:00Z",
            answered: "2026-11-01T16:00:21Z",
            ended: "2026-11-01T16:05:00Z",
            ..BASE
        },
        Row {
            id: "3",
            queue: "loan",
            agent: "a2",
            offered: "2026-11-01T16:30:00Z",
            answered: "2026-11-01T16:30:01Z",
            ended: "2026-11-01T16:35:00Z",
            transferred: "1",
            ..BASE
        },
        Row {
            id: "4",
            queue: "loan",
            agent: "",
            offered: "2026-11-01T16:40:00Z",
            answered: "",
            ended: "2026-11-01T16:40:25Z",
            talk: "",
            ..BASE
        },
    ]
}

#[tokio::test]
async fn days_follow_the_requested_zone() {
    on_both_databases(|store| async move {
        import(&store, &rows()).await;
        let utc = store.kpi(&query(&["day"], "UTC")).await.unwrap();
        assert_eq!(utc.len(), 1);
        let shanghai = store
            .kpi(&query(&["day", "queue"], "Asia/Shanghai"))
            .await
            .unwrap();
        let keys: Vec<_> = shanghai
            .iter()
            .map(|g| {
                (
                    g.key[0].clone().unwrap(),
                    g.key[1].clone().unwrap(),
                    g.contacts.offered,
                )
            })
            .collect();
        assert_eq!(
            keys,
            vec![
                ("2026-11-01".into(), "card".into(), 1),
                ("2026-11-02".into(), "card".into(), 1),
                ("2026-11-02".into(), "loan".into(), 2),
            ]
        );
        let loan = &shanghai[2].contacts;
        assert_eq!(
            (
                loan.answered,
                loan.abandoned,
                loan.short_abandoned,
                loan.transferred
            ),
            (1, 1, 0, 1)
        );
        assert!(
            shanghai[0].states.is_some(),
            "occupancy exists per queue (through the roster's queues)"
        );
        let by_channel = store.kpi(&query(&["channel"], "UTC")).await.unwrap();
        assert!(
            by_channel.iter().all(|g| g.states.is_none()),
            "agent states have no channel"
        );
    })
    .await;
}

#[tokio::test]
async fn teams_filters_and_missing_values() {
    on_both_databases(|store| async move {
        import(&store, &rows()).await;
        store
            .upsert_agents(&[
                AgentRecord {
                    queues: None,
                    agent_id: "a1".into(),
                    name: "Li".into(),
                    team: "A".into(),
                },
                AgentRecord {
                    queues: None,
                    agent_id: "a2".into(),
                    name: "Wang".into(),
                    team: "B".into(),
                },
            ])
            .await
            .unwrap();
        let by_team = store.kpi(&query(&["team"], "UTC")).await.unwrap();
        let teams: Vec<_> = by_team
            .iter()
            .map(|g| (g.key[0].clone(), g.contacts.offered))
            .collect();
        assert_eq!(
            teams,
            vec![(None, 1), (Some("A".into()), 1), (Some("B".into()), 2)]
        );
        let mut filtered = query(&["agent"], "UTC");
        filtered.filters = vec![(Dimension::Queue, vec!["loan".into()])];
        let loan = store.kpi(&filtered).await.unwrap();
        assert_eq!(loan.iter().map(|g| g.contacts.offered).sum::<i64>(), 2);
        assert!(
            loan.iter().all(|g| g.states.is_some()),
            "a queue filter keeps occupancy (states reach queues through the roster)"
        );
    })
    .await;
}

#[tokio::test]
async fn changing_thresholds_rebuilds_the_rollups() {
    on_both_databases(|store| async move {
        import(&store, &rows()).await;
        assert_eq!(totals(&store).await.answered_within_sl, 2);
        let settings = KpiSettings {
            service_level_ms: 30_000,
            short_abandon_ms: 30_000,
            ..KpiSettings::default()
        };
        store.set_kpi_settings(&settings).await.unwrap();
        assert_eq!(store.kpi_settings().await.unwrap(), settings);
        let after = totals(&store).await;
        assert_eq!((after.answered_within_sl, after.short_abandoned), (3, 1));
    })
    .await;
}

#[tokio::test]
async fn time_range_is_half_open() {
    on_both_databases(|store| async move {
        import(&store, &rows()).await;
        let mut ranged = query(&[], "UTC");
        ranged.from_ms = Some(
            "2026-11-01T16:00:00Z"
                .parse::<jiff::Timestamp>()
                .unwrap()
                .as_millisecond(),
        );
        ranged.to_ms = Some(
            "2026-11-01T16:30:00Z"
                .parse::<jiff::Timestamp>()
                .unwrap()
                .as_millisecond(),
        );
        let groups = store.kpi(&ranged).await.unwrap();
        assert_eq!(groups[0].contacts.offered, 1);
    })
    .await;
}

#[tokio::test]
async fn day_cubes_agree_with_the_15_minute_rollups() {
    on_both_databases(|store| async move {
        import(&store, &rows()).await;
        let mut pending = store.begin_state_import().await.unwrap();
        pending
            .push(
                2,
                crate::state("a2", "talk", "2026-11-01T15:50:00Z", "2026-11-01T16:20:00Z"),
            )
            .await
            .unwrap();
        pending.commit("s").await.unwrap();
        assert_eq!(store.centre_zone().await.unwrap(), "Asia/Shanghai");
        for groupings in [
            &["queue", "day"][..],
            &["agent", "week"],
            &["team", "month"],
            &["category"],
            &[],
        ] {
            for zone in ["Asia/Shanghai", "UTC"] {
                store.set_centre_zone(zone).await.unwrap();
                let from_cubes = store.kpi(&query(groupings, zone)).await.unwrap();
                let other = if zone == "UTC" {
                    "Asia/Shanghai"
                } else {
                    "UTC"
                };
                store.set_centre_zone(other).await.unwrap();
                let from_buckets = store.kpi(&query(groupings, zone)).await.unwrap();
                assert_eq!(from_cubes, from_buckets, "{groupings:?} in {zone}");
                assert!(!from_cubes.is_empty());
            }
        }
        // A later import refreshes the cube days it touches.
        store.set_centre_zone("Asia/Shanghai").await.unwrap();
        import(
            &store,
            &[Row {
                id: "late",
                queue: "card",
                offered: "2026-11-01T16:10:00Z",
                answered: "2026-11-01T16:10:05Z",
                ended: "2026-11-01T16:12:00Z",
                ..BASE
            }],
        )
        .await;
        let by_day = store
            .kpi(&query(&["queue", "day"], "Asia/Shanghai"))
            .await
            .unwrap();
        let card_2nd = by_day
            .iter()
            .find(|g| g.key == vec![Some("card".into()), Some("2026-11-02".into())])
            .unwrap();
        assert_eq!(card_2nd.contacts.offered, 2);
    })
    .await;
}

/// The rule of docs/kpi.md#occupancy-per-queue, by hand: an agent's state time in each 15-minute
/// bucket is split evenly across the agent's queues in whole milliseconds, the first queue taking
/// the remainder; an agent without queues keeps its time under "no queue"; the queues' shares add
/// up to the agent's time exactly.
#[tokio::test]
async fn agent_time_is_split_evenly_across_the_roster_queues() {
    on_both_databases(|store| async move {
        let queues = |list: &[&str]| Some(list.iter().map(|q| q.to_string()).collect());
        store
            .upsert_agents(&[
                AgentRecord {
                    agent_id: "a1".into(),
                    name: "Li".into(),
                    team: "A".into(),
                    queues: queues(&["card", "loan", "vip"]),
                },
                AgentRecord {
                    agent_id: "a2".into(),
                    name: "Wang".into(),
                    team: "A".into(),
                    queues: queues(&["loan"]),
                },
                AgentRecord {
                    agent_id: "a3".into(),
                    name: "Zhao".into(),
                    team: "B".into(),
                    queues: None,
                },
            ])
            .await
            .unwrap();
        let mut pending = store.begin_state_import().await.unwrap();
        for (line, interval) in [
            // 100.001 s of talk and 200 s available for a1, within one bucket
            state(
                "a1",
                "talk",
                "2026-11-02T09:00:00Z",
                "2026-11-02T09:01:40.001Z",
            ),
            state(
                "a1",
                "available",
                "2026-11-02T09:01:40.001Z",
                "2026-11-02T09:05:00.001Z",
            ),
            state("a2", "talk", "2026-11-02T09:00:00Z", "2026-11-02T09:06:00Z"),
            state(
                "a2",
                "available",
                "2026-11-02T09:06:00Z",
                "2026-11-02T09:08:00Z",
            ),
            state("a3", "wrap", "2026-11-02T09:00:00Z", "2026-11-02T09:01:00Z"),
            state(
                "a3",
                "available",
                "2026-11-02T09:01:00Z",
                "2026-11-02T09:04:00Z",
            ),
        ]
        .into_iter()
        .enumerate()
        {
            pending.push(line as u64 + 2, interval).await.unwrap();
        }
        pending.commit("states.csv").await.unwrap();
        let groups = store.kpi(&query(&["queue"], "UTC")).await.unwrap();
        let states: Vec<(Option<String>, i64, i64, i64)> = groups
            .iter()
            .map(|g| {
                let s = g.states.unwrap();
                (g.key[0].clone(), s.talk_ms, s.wrap_ms, s.available_ms)
            })
            .collect();
        // a1: talk 100 001 ms → 33 333 each + 2 to card; available 200 000 ms → 66 666 each + 2
        assert_eq!(
            states,
            vec![
                (None, 0, 60_000, 180_000),
                (Some("card".into()), 33_335, 0, 66_668),
                (Some("loan".into()), 33_333 + 360_000, 0, 66_666 + 120_000),
                (Some("vip".into()), 33_333, 0, 66_666),
            ]
        );
        let occupancy = |key: &str| {
            let group = groups
                .iter()
                .find(|g| g.key[0].as_deref() == Some(key))
                .unwrap();
            servq_kpi::occupancy(group.states.as_ref().unwrap()).unwrap()
        };
        assert!((occupancy("vip") - 33_333.0 / 99_999.0).abs() < 1e-12);
        // the shares add up to the centre's time exactly
        let centre = store.kpi(&query(&[], "UTC")).await.unwrap();
        let total = centre[0].states.unwrap();
        let summed = groups.iter().fold((0, 0), |(talk, available), g| {
            let s = g.states.unwrap();
            (talk + s.talk_ms, available + s.available_ms)
        });
        assert_eq!(summed, (total.talk_ms, total.available_ms));
        // a queue filter keeps the agent's share of that queue
        let mut vip = query(&["agent"], "UTC");
        vip.filters = vec![(Dimension::Queue, vec!["vip".into()])];
        let vip = store.kpi(&vip).await.unwrap();
        assert_eq!(vip.len(), 1);
        assert_eq!(vip[0].key[0].as_deref(), Some("a1"));
        assert_eq!(vip[0].states.unwrap().talk_ms, 33_333);
        // a roster file without queues keeps them; an empty list removes them
        store
            .upsert_agents(&[AgentRecord {
                agent_id: "a2".into(),
                name: "Wang".into(),
                team: "A".into(),
                queues: None,
            }])
            .await
            .unwrap();
        let roster = store.agents().await.unwrap();
        assert_eq!(roster[1].queues, queues(&["loan"]));
        let summary = store
            .upsert_agents(&[AgentRecord {
                agent_id: "a2".into(),
                name: "Wang".into(),
                team: "A".into(),
                queues: Some(vec![]),
            }])
            .await
            .unwrap();
        assert_eq!(summary.updated, 1);
        assert_eq!(store.agents().await.unwrap()[1].queues, Some(vec![]));
    })
    .await;
}
