//! Imports keep the rollups by their changes (the stored version out, the new one in, moved
//! repeat links out and in); `rebuild_rollups` recomputes everything from the raw rows. After any
//! sequence of imports — new contacts, changed ones, unchanged re-imports, repeat contacts across
//! files, agent states, customer merges — both must hold exactly the same rows: every counter of
//! the 15-minute rollups, every day cube and every repeat link.

use std::collections::BTreeMap;

use jiff::tz::TimeZone;
use proptest::prelude::*;
use servq_core::{Contact, ContactRecord};
use servq_store::{Actor, CellValue, Store, testing::TestDatabase};

use crate::{backup::all_rows, state};

/// The tables an import maintains beside the raw rows.
const DERIVED: &[&str] = &[
    "contact_rollup",
    "contact_day",
    "contact_day_queue",
    "contact_day_agent",
    "state_rollup",
    "state_day",
];

/// One generated contact: few ids, customers, categories and days, so that files overlap,
/// change each other's rows and form repeat chains inside and across the FCR window.
#[derive(Debug, Clone)]
struct Generated {
    id: u8,
    customer: Option<u8>,
    category: u8,
    queue: u8,
    agent: u8,
    /// Minutes after 2026-11-01T00:00Z, over twelve days.
    offered_minute: u32,
    /// Wait in seconds; `None`: abandoned.
    answered_after: Option<u16>,
    wait: u16,
    talk: u16,
    transferred: bool,
    resolved: Option<bool>,
}

impl Generated {
    fn contact(&self) -> Contact {
        let at = |seconds: i64| {
            jiff::Timestamp::from_second(1_793_491_200 + seconds)
                .unwrap()
                .to_string()
        };
        let offered = i64::from(self.offered_minute) * 60;
        let (answered, ended) = match self.answered_after {
            Some(wait) => (
                at(offered + i64::from(wait)),
                at(offered + i64::from(wait) + i64::from(self.talk)),
            ),
            None => (String::new(), at(offered + i64::from(self.wait))),
        };
        let text = |prefix: &str, n: u8| format!("{prefix}{n}");
        let record = ContactRecord {
            contact_id: &text("c", self.id),
            channel: "phone",
            direction: "inbound",
            queue: &text("q", self.queue),
            customer_id: &self.customer.map_or(String::new(), |n| text("u", n)),
            agent_id: &if self.answered_after.is_some() {
                text("a", self.agent)
            } else {
                String::new()
            },
            offered_at: &at(offered),
            answered_at: &answered,
            ended_at: &ended,
            talk_seconds: &if self.answered_after.is_some() {
                self.talk.to_string()
            } else {
                String::new()
            },
            hold_seconds: "",
            wrap_seconds: if self.answered_after.is_some() {
                "20"
            } else {
                ""
            },
            transferred: if self.transferred { "1" } else { "0" },
            category: &text("k", self.category),
            resolved: match self.resolved {
                Some(true) => "1",
                Some(false) => "0",
                None => "",
            },
            recording_url: "",
        };
        Contact::parse(&record, &TimeZone::UTC).unwrap()
    }
}

fn generated() -> impl Strategy<Value = Generated> {
    (
        (0..14_u8, proptest::option::weighted(0.8, 0..4_u8), 0..2_u8),
        (
            0..2_u8,
            0..2_u8,
            // a third at 10:00 of every third day: contacts of one issue offered in the same
            // minute, whose order is their ids'
            prop_oneof![2 => 0..12 * 1440_u32, 1 => (0..4_u32).prop_map(|day| day * 3 * 1440 + 600)],
        ),
        (
            proptest::option::weighted(0.8, 0..40_u16),
            0..90_u16,
            0..900_u16,
            any::<bool>(),
            proptest::option::of(any::<bool>()),
        ),
    )
        .prop_map(
            |(
                (id, customer, category),
                (queue, agent, offered_minute),
                (answered_after, wait, talk, transferred, resolved),
            )| Generated {
                id,
                customer,
                category,
                queue,
                agent,
                offered_minute,
                answered_after,
                wait,
                talk,
                transferred,
                resolved,
            },
        )
}

#[derive(Debug, Clone)]
enum Step {
    /// A contact file (a repeated id keeps its first row, as a valid file must).
    Contacts(Vec<Generated>),
    /// The file of an earlier step again (unchanged rows), by its index modulo the files so far.
    Again(usize),
    /// An agent-state file: (agent, start minute, minutes, state).
    States(Vec<(u8, u32, u16, u8)>),
    /// Customer `.1` merged into `.0`.
    Merge(u8, u8),
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        6 => proptest::collection::vec(generated(), 1..14).prop_map(Step::Contacts),
        2 => (0..8_usize).prop_map(Step::Again),
        1 => proptest::collection::vec((0..2_u8, 0..12 * 1440_u32, 1..120_u16, 0..3_u8), 1..6)
            .prop_map(Step::States),
        1 => (0..4_u8, 0..4_u8).prop_map(|(keep, merged)| Step::Merge(keep, merged)),
    ]
}

async fn import_contacts(store: &Store, rows: &[Generated]) {
    let mut seen = std::collections::HashSet::new();
    let mut import = store.begin_contact_import().await.unwrap();
    for (index, row) in rows.iter().filter(|row| seen.insert(row.id)).enumerate() {
        import.push(index as u64 + 2, row.contact()).await.unwrap();
    }
    let (_, duplicates) = import.duplicates(1).await.unwrap();
    assert_eq!(duplicates, 0);
    import.commit("generated").await.unwrap();
}

async fn import_states(store: &Store, rows: &[(u8, u32, u16, u8)]) {
    let at = |minute: u32| {
        jiff::Timestamp::from_second(1_793_491_200 + i64::from(minute) * 60)
            .unwrap()
            .to_string()
    };
    let mut seen = std::collections::HashSet::new();
    let mut import = store.begin_state_import().await.unwrap();
    for (index, (agent, start, minutes, kind)) in rows
        .iter()
        .filter(|(agent, start, ..)| seen.insert((*agent, *start)))
        .enumerate()
    {
        let kind = ["available", "talk", "break"][usize::from(*kind)];
        let interval = state(
            &format!("a{agent}"),
            kind,
            &at(*start),
            &at(start + u32::from(*minutes)),
        );
        import.push(index as u64 + 2, interval).await.unwrap();
    }
    let (_, duplicates) = import.duplicates(1).await.unwrap();
    assert_eq!(duplicates, 0);
    import.commit("generated").await.unwrap();
}

/// The derived tables and every contact's repeat link, as stored.
async fn derived(store: &Store) -> BTreeMap<String, Vec<Vec<CellValue>>> {
    let mut rows = all_rows(store).await;
    let links: Vec<Vec<CellValue>> = rows["contacts"].clone();
    rows.retain(|table, _| DERIVED.contains(&table.as_str()));
    rows.insert("contacts (with their links)".to_owned(), links);
    rows
}

async fn run_steps(url: &str, steps: Vec<Step>) {
    let store = Store::open(url).await.unwrap();
    let mut files: Vec<Vec<Generated>> = Vec::new();
    for step in steps {
        match step {
            Step::Contacts(rows) => {
                import_contacts(&store, &rows).await;
                files.push(rows);
            }
            Step::Again(index) if !files.is_empty() => {
                let rows = files[index % files.len()].clone();
                import_contacts(&store, &rows).await;
            }
            Step::Again(_) => {}
            Step::States(rows) => import_states(&store, &rows).await,
            Step::Merge(keep, merged) if keep != merged => {
                let actor = Actor {
                    user_id: None,
                    name: "test".to_owned(),
                };
                store
                    .merge_customers(
                        &format!("u{keep}"),
                        &[format!("u{merged}")],
                        None,
                        &actor,
                        0,
                    )
                    .await
                    .unwrap();
            }
            Step::Merge(..) => {}
        }
    }
    let kept = derived(&store).await;
    let rebuilt = store.rebuild_rollups().await.unwrap();
    assert_eq!(rebuilt.links_fixed, 0, "imports left wrong repeat links");
    let recomputed = derived(&store).await;
    for (table, rows) in &recomputed {
        assert_eq!(
            &kept[table], rows,
            "{table} kept by the imports' changes differs from the rebuild"
        );
    }
    store.close().await;
}

fn run_cases(postgres: bool, cases: u32) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    });
    runner
        .run(&proptest::collection::vec(step(), 1..8), |steps| {
            runtime.block_on(async {
                let db = if postgres {
                    TestDatabase::postgres().await
                } else {
                    TestDatabase::sqlite()
                };
                run_steps(&db.url, steps).await;
            });
            Ok(())
        })
        .unwrap();
}

#[test]
fn rollups_kept_by_imports_equal_the_rebuild_sqlite() {
    run_cases(false, 48);
}

#[test]
fn rollups_kept_by_imports_equal_the_rebuild_postgres() {
    run_cases(true, 12);
}

/// The store picks the moved links that matter with the FCR window rule written as SQL; on both
/// engines it must answer as the rule itself does, at the window's edge too.
#[tokio::test]
async fn the_window_rule_in_sql_answers_as_the_rule() {
    crate::on_both_databases(|store| async move {
        let settings = servq_kpi::KpiSettings::default();
        let window = settings.fcr_window_ms;
        let offered = 1_793_491_200_000_i64;
        let sql = servq_kpi::repeats_within_window_sql("o", "n", &settings);
        for next in [
            None,
            Some(offered),
            Some(offered + window - 1),
            Some(offered + window),
            Some(offered + window + 1),
            Some(offered + 30 * window),
        ] {
            let answered: Option<i64> = store
                .scalar_for_test(&format!(
                    "SELECT CASE WHEN {sql} THEN 1 ELSE 0 END FROM (SELECT CAST({offered} AS BIGINT) AS o, \
                     CAST({} AS BIGINT) AS n) t",
                    next.map_or("NULL".to_owned(), |n| n.to_string())
                ))
                .await;
            let rule = next.is_some_and(|n| servq_kpi::repeats_within_window(offered, n, &settings));
            assert_eq!(answered == Some(1), rule, "next {next:?} on {:?}", store.backend());
        }
    })
    .await;
}
