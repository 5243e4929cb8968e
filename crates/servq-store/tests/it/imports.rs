//! Import semantics: idempotence, updates, duplicates, rollback, repeat-contact maintenance.

use jiff::tz::TimeZone;
use servq_kpi::ContactCounters;
use servq_store::{GroupField, ImportSummary, KpiQuery, Store};

use crate::{BASE, Row, import, on_both_databases, state};

pub async fn totals(store: &Store) -> ContactCounters {
    let query = KpiQuery {
        group_by: vec![],
        from_ms: None,
        to_ms: None,
        zone: TimeZone::UTC,
        filters: vec![],
    };
    let groups = store.kpi(&query).await.unwrap();
    assert!(groups.len() <= 1);
    groups
        .first()
        .map(|group| group.contacts)
        .unwrap_or_default()
}

fn sample() -> Vec<Row> {
    vec![
        Row {
            id: "c1",
            customer: "u1",
            ..BASE
        },
        Row {
            id: "c2",
            customer: "u2",
            offered: "2026-11-02T09:20:00Z",
            answered: "",
            ended: "2026-11-02T09:20:30Z",
            talk: "",
            agent: "",
            ..BASE
        },
        Row {
            id: "c3",
            customer: "u1",
            offered: "2026-11-03T10:00:00Z",
            answered: "2026-11-03T10:00:05Z",
            ended: "2026-11-03T10:02:00Z",
            ..BASE
        },
    ]
}

#[tokio::test]
async fn reimporting_the_same_rows_changes_nothing() {
    on_both_databases(|store| async move {
        let schema = store.schema().await.unwrap();
        let first = import(&store, &sample()).await;
        // a first import builds the contacts' indexes after filling the table: all are back
        assert_eq!(store.schema().await.unwrap(), schema);
        assert_eq!(
            first,
            ImportSummary {
                rows: 3,
                inserted: 3,
                updated: 0,
                unchanged: 0
            }
        );
        let before = totals(&store).await;
        let again = import(&store, &sample()).await;
        assert_eq!(
            again,
            ImportSummary {
                rows: 3,
                inserted: 0,
                updated: 0,
                unchanged: 3
            }
        );
        assert_eq!(totals(&store).await, before);
        assert_eq!(store.contact_count().await.unwrap(), 3);
        // c1 has a same-issue repeat (c3) a day later; c3 has none.
        assert_eq!((before.fcr_eligible, before.fcr_resolved), (2, 1));
    })
    .await;
}

#[tokio::test]
async fn an_updated_row_moves_its_counts_and_relinks_repeats() {
    on_both_databases(|store| async move {
        import(&store, &sample()).await;
        // c3 is re-coded to another category: c1 no longer has a repeat.
        let recoded = Row {
            id: "c3",
            customer: "u1",
            category: "lost card",
            offered: "2026-11-03T10:00:00Z",
            answered: "2026-11-03T10:00:05Z",
            ended: "2026-11-03T10:02:00Z",
            ..BASE
        };
        let summary = import(&store, &[recoded]).await;
        assert_eq!(
            summary,
            ImportSummary {
                rows: 1,
                inserted: 0,
                updated: 1,
                unchanged: 0
            }
        );
        let after = totals(&store).await;
        assert_eq!(
            (
                after.offered,
                after.answered,
                after.fcr_eligible,
                after.fcr_resolved
            ),
            (3, 2, 2, 2)
        );
        // c1 becomes abandoned: its answered count and talk time leave the rollup.
        let abandoned = Row {
            id: "c1",
            customer: "u1",
            answered: "",
            ended: "2026-11-02T09:00:03Z",
            talk: "",
            agent: "",
            ..BASE
        };
        import(&store, &[abandoned]).await;
        let after = totals(&store).await;
        assert_eq!(
            (after.answered, after.abandoned, after.short_abandoned),
            (1, 2, 1)
        );
        assert_eq!(after.talk_ms, 240_000);
    })
    .await;
}

#[tokio::test]
async fn a_later_import_can_make_an_earlier_contact_a_repeat() {
    on_both_databases(|store| async move {
        import(
            &store,
            &[Row {
                id: "first",
                customer: "u9",
                ..BASE
            }],
        )
        .await;
        assert_eq!(totals(&store).await.fcr_resolved, 1);
        // Exactly 7 days later: still inside the window (inclusive).
        import(
            &store,
            &[Row {
                id: "second",
                customer: "u9",
                offered: "2026-11-09T09:00:00Z",
                answered: "2026-11-09T09:00:10Z",
                ended: "2026-11-09T09:05:00Z",
                ..BASE
            }],
        )
        .await;
        let after = totals(&store).await;
        assert_eq!((after.fcr_eligible, after.fcr_resolved), (2, 1));
        // Another customer's repeat 7 days and 1 second later does not count.
        import(
            &store,
            &[
                Row {
                    id: "x1",
                    customer: "u10",
                    ..BASE
                },
                Row {
                    id: "x2",
                    customer: "u10",
                    offered: "2026-11-09T09:00:01Z",
                    answered: "2026-11-09T09:00:10Z",
                    ended: "2026-11-09T09:05:00Z",
                    ..BASE
                },
            ],
        )
        .await;
        let after = totals(&store).await;
        assert_eq!((after.fcr_eligible, after.fcr_resolved), (4, 3));
    })
    .await;
}

/// A later file re-links only from its own earliest contact on, and the one contact before it:
/// of two offered in the same millisecond that is the one with the larger id, while the other
/// keeps its link to it.
#[tokio::test]
async fn a_later_contact_links_the_last_of_two_offered_together() {
    on_both_databases(|store| async move {
        let together = |id| Row {
            id,
            customer: "u9",
            ..BASE
        };
        import(&store, &[together("b"), together("a")]).await;
        assert_eq!(
            (
                totals(&store).await.fcr_eligible,
                totals(&store).await.fcr_resolved
            ),
            (2, 1)
        );
        import(
            &store,
            &[Row {
                id: "c",
                customer: "u9",
                offered: "2026-11-03T09:00:00Z",
                answered: "2026-11-03T09:00:10Z",
                ended: "2026-11-03T09:05:00Z",
                ..BASE
            }],
        )
        .await;
        let kept = totals(&store).await;
        assert_eq!((kept.fcr_eligible, kept.fcr_resolved), (3, 1));
        assert_eq!(store.rebuild_rollups().await.unwrap().links_fixed, 0);
        assert_eq!(totals(&store).await, kept);
    })
    .await;
}

/// PostgreSQL stages a batch as one array per column: text that looks like array syntax, the
/// word NULL, quotes, backslashes and non-ASCII text must be stored exactly as read.
#[tokio::test]
async fn staged_text_is_stored_exactly_as_read() {
    const TEXTS: [&str; 8] = [
        r#"q"uote"#,
        r"back\slash\",
        "{braces},comma",
        "NULL",
        "  spaced  ",
        "=HYPERLINK(\"x\")",
        "账单查询 😀",
        "<script>alert(1)</script>",
    ];
    on_both_databases(|store| async move {
        let ids: Vec<String> = (0..TEXTS.len())
            .map(|n| format!("{}#{n}", TEXTS[n]))
            .collect();
        let rows: Vec<Row> = TEXTS
            .iter()
            .zip(&ids)
            .map(|(text, id)| Row {
                id: Box::leak(id.clone().into_boxed_str()),
                queue: text,
                customer: text,
                agent: text,
                category: text,
                ..BASE
            })
            .collect();
        let summary = import(&store, &rows).await;
        assert_eq!(summary.inserted, TEXTS.len() as i64);
        for row in &rows {
            let read = row.contact();
            let stored = store
                .contact_detail(read.id.as_str())
                .await
                .unwrap()
                .unwrap()
                .contact;
            let text = |value: Option<&str>| value.unwrap_or_default().to_owned();
            assert_eq!(stored.contact_id, read.id.as_str());
            assert_eq!(stored.queue, text(read.queue.as_ref().map(|q| q.as_str())));
            assert_eq!(
                stored.customer_id,
                read.customer_id.as_ref().map(|c| c.as_str().to_owned())
            );
            assert_eq!(
                stored.agent_id,
                text(read.agent_id.as_ref().map(|a| a.as_str()))
            );
            assert_eq!(
                stored.category,
                text(read.category.as_ref().map(|c| c.as_str()))
            );
            // what the parser kept of each hostile text reached the store unchanged
            assert!(stored.queue.contains(row.queue.trim()), "{stored:?}");
        }
        // the same file again matches what was stored, value for value
        assert_eq!(import(&store, &rows).await.unchanged, TEXTS.len() as i64);
    })
    .await;
}

#[tokio::test]
async fn duplicate_ids_are_reported_and_a_dropped_import_leaves_nothing() {
    on_both_databases(|store| async move {
        import(&store, &sample()).await;
        let before = totals(&store).await;
        let mut pending = store.begin_contact_import().await.unwrap();
        for (line, id) in [(2, "n1"), (3, "n2"), (4, "n1"), (5, "n1")] {
            pending
                .push(line, Row { id, ..BASE }.contact())
                .await
                .unwrap();
        }
        let (duplicates, total) = pending.duplicates(1).await.unwrap();
        assert_eq!(total, 2);
        assert_eq!(duplicates.len(), 1, "capped at the limit");
        assert_eq!(
            (
                duplicates[0].line,
                duplicates[0].key.as_str(),
                duplicates[0].first_line
            ),
            (4, "n1", 2)
        );
        drop(pending);
        assert_eq!(store.contact_count().await.unwrap(), 3);
        assert_eq!(totals(&store).await, before);
        // The store is usable again at once, on every pooled connection.
        for _ in 0..5 {
            import(&store, &sample()).await;
        }
    })
    .await;
}

#[tokio::test]
async fn agent_states_import_idempotently_and_split_across_buckets() {
    on_both_databases(|store| async move {
        let intervals = [
            state(
                "a1",
                "available",
                "2026-11-02T09:10:00Z",
                "2026-11-02T09:20:00Z",
            ),
            state("a1", "talk", "2026-11-02T09:20:00Z", "2026-11-02T09:50:00Z"),
            state(
                "a1",
                "not_ready",
                "2026-11-02T09:50:00Z",
                "2026-11-02T10:00:00Z",
            ),
        ];
        for expected in [(3, 0), (0, 3)] {
            let mut pending = store.begin_state_import().await.unwrap();
            for (line, interval) in intervals.iter().enumerate() {
                pending
                    .push(line as u64 + 2, interval.clone())
                    .await
                    .unwrap();
            }
            assert_eq!(pending.duplicates(10).await.unwrap().1, 0);
            let summary = pending.commit("states.csv").await.unwrap();
            assert_eq!((summary.inserted, summary.unchanged), expected);
        }
        let query = KpiQuery {
            group_by: vec![
                GroupField::parse("agent").unwrap(),
                GroupField::parse("interval30").unwrap(),
            ],
            from_ms: None,
            to_ms: None,
            zone: TimeZone::UTC,
            filters: vec![],
        };
        let groups = store.kpi(&query).await.unwrap();
        let states: Vec<_> = groups
            .iter()
            .map(|g| (g.key[1].clone().unwrap(), g.states.unwrap()))
            .collect();
        assert_eq!(states.len(), 2);
        assert_eq!(states[0].0, "2026-11-02T09:00");
        assert_eq!(
            (states[0].1.available_ms, states[0].1.talk_ms),
            (600_000, 600_000)
        );
        assert_eq!(
            (states[1].1.talk_ms, states[1].1.not_ready_ms),
            (1_200_000, 600_000)
        );
        // A corrected interval (talk ends earlier, then available) replaces the stored one.
        let mut pending = store.begin_state_import().await.unwrap();
        pending
            .push(
                2,
                state("a1", "talk", "2026-11-02T09:20:00Z", "2026-11-02T09:40:00Z"),
            )
            .await
            .unwrap();
        pending
            .push(
                3,
                state(
                    "a1",
                    "available",
                    "2026-11-02T09:40:00Z",
                    "2026-11-02T09:50:00Z",
                ),
            )
            .await
            .unwrap();
        let summary = pending.commit("fix.csv").await.unwrap();
        assert_eq!((summary.inserted, summary.updated), (1, 1));
        let groups = store.kpi(&query).await.unwrap();
        let late = groups[1].states.unwrap();
        assert_eq!(
            (late.talk_ms, late.available_ms, late.not_ready_ms),
            (600_000, 600_000, 600_000)
        );
    })
    .await;
}
