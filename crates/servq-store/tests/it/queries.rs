//! KPI queries: groupings, filters, zones, teams and settings changes.

use jiff::tz::TimeZone;
use servq_kpi::KpiSettings;
use servq_store::{AgentRecord, Dimension, GroupField, KpiQuery};

use crate::{BASE, Row, import, imports::totals, on_both_databases};

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
            shanghai[0].states.is_none(),
            "no occupancy when grouped by queue"
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
                    agent_id: "a1".into(),
                    name: "Li".into(),
                    team: "A".into(),
                },
                AgentRecord {
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
            loan.iter().all(|g| g.states.is_none()),
            "a queue filter makes occupancy undefined"
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
