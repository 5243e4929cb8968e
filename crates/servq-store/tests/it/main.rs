//! Store integration tests. Every test runs twice: on a fresh SQLite file and on a fresh
//! PostgreSQL database created on the server named by `SERVQ_TEST_PG_URL` (`./test.sh` starts one).

#![allow(missing_docs)] // test helpers, not a public API
mod backup;
mod drill;
mod imports;
mod kb;
mod queries;
mod rollups;
mod schema;
mod surveys;
mod tickets;
mod users;

use std::future::Future;

use jiff::tz::TimeZone;
use servq_core::{AgentStateInterval, AgentStateRecord, Contact, ContactRecord};
use servq_store::{ContactImport, ImportSummary, Store, testing::TestDatabase};

/// Runs `test` against a fresh SQLite store and a fresh PostgreSQL store.
pub async fn on_both_databases<F, Fut>(test: F)
where
    F: Fn(Store) -> Fut,
    Fut: Future<Output = ()>,
{
    for database in TestDatabase::both().await {
        let store = Store::open(&database.url).await.unwrap();
        test(store.clone()).await;
        store.close().await;
    }
}

/// A contact row in UTC; fields are the canonical CSV columns.
#[derive(Clone, Copy)]
pub struct Row {
    pub id: &'static str,
    pub queue: &'static str,
    pub customer: &'static str,
    pub agent: &'static str,
    pub offered: &'static str,
    pub answered: &'static str,
    pub ended: &'static str,
    pub talk: &'static str,
    pub transferred: &'static str,
    pub category: &'static str,
}

impl Row {
    pub fn contact(&self) -> Contact {
        let record = ContactRecord {
            contact_id: self.id,
            channel: "phone",
            direction: "inbound",
            queue: self.queue,
            customer_id: self.customer,
            agent_id: self.agent,
            offered_at: self.offered,
            answered_at: self.answered,
            ended_at: self.ended,
            talk_seconds: self.talk,
            hold_seconds: "",
            wrap_seconds: if self.answered.is_empty() { "" } else { "30" },
            transferred: self.transferred,
            category: self.category,
            resolved: "",
            recording_url: "",
        };
        Contact::parse(&record, &TimeZone::UTC).unwrap()
    }
}

pub const BASE: Row = Row {
    id: "c",
    queue: "card",
    customer: "",
    agent: "a1",
    offered: "2026-11-02T09:00:00Z",
    answered: "2026-11-02T09:00:10Z",
    ended: "2026-11-02T09:05:00Z",
    talk: "240",
    transferred: "0",
    category: "balance",
};

pub async fn import(store: &Store, rows: &[Row]) -> ImportSummary {
    let mut import: ContactImport = store.begin_contact_import().await.unwrap();
    for (index, row) in rows.iter().enumerate() {
        import.push(index as u64 + 2, row.contact()).await.unwrap();
    }
    let (duplicates, total) = import.duplicates(10).await.unwrap();
    assert_eq!(total, 0, "{duplicates:?}");
    import.commit("test").await.unwrap()
}

pub fn state(agent: &str, kind: &str, start: &str, end: &str) -> AgentStateInterval {
    AgentStateInterval::parse(
        &AgentStateRecord {
            agent_id: agent,
            state: kind,
            start_at: start,
            end_at: end,
        },
        &TimeZone::UTC,
    )
    .unwrap()
}

/// Found by the soak (bench/soak.py): two imports into the same 15-minute bucket at once on
/// PostgreSQL — one failed on the rollup's key. Merges now wait for each other.
#[tokio::test]
async fn concurrent_imports_into_the_same_buckets_both_commit() {
    on_both_databases(|store| async move {
        let rows = |prefix: &'static str| -> Vec<Row> {
            ["1", "2", "3", "4"]
                .iter()
                .map(|n| Row {
                    id: Box::leak(format!("{prefix}{n}").into_boxed_str()),
                    ..BASE
                })
                .collect()
        };
        let stage = |prefix: &'static str| {
            let store = store.clone();
            async move {
                let mut staged = store.begin_contact_import().await.unwrap();
                for (index, row) in rows(prefix).iter().enumerate() {
                    staged.push(index as u64 + 2, row.contact()).await.unwrap();
                }
                staged
            }
        };
        let (first, second) = if store.backend() == servq_store::Backend::Postgres {
            // the bucket exists already; then two files are staged and merged at the same moment
            import(&store, &rows("w")).await;
            for round in ["p", "q", "r"] {
                let a = stage(Box::leak(format!("{round}a").into_boxed_str())).await;
                let b = stage(Box::leak(format!("{round}b").into_boxed_str())).await;
                let (a, b) = tokio::join!(tokio::spawn(a.commit("a")), tokio::spawn(b.commit("b")));
                a.unwrap().unwrap();
                b.unwrap().unwrap();
            }
            let (first, second) = (stage("x").await, stage("y").await);
            let (first, second) = tokio::join!(first.commit("first"), second.commit("second"));
            (first.unwrap(), second.unwrap())
        } else {
            // SQLite: a second write transaction waits for the first
            let first = stage("x").await.commit("first").await.unwrap();
            (first, stage("y").await.commit("second").await.unwrap())
        };
        assert_eq!((first.inserted, second.inserted), (4, 4));
    })
    .await;
}
