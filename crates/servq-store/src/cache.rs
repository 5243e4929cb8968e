//! Report results cached until the data changes. Every transaction that changes what reports
//! read (an import, the roster, KPI thresholds, the centre's zone) increments `data_version`
//! before it commits; a cached result is used only while the version it was computed at is
//! still the current one. The version is read before the data, so a result can at worst be
//! stored under an older version than it reflects, which only costs a recomputation.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use sqlx::AnyConnection;

use crate::{ContactPage, KpiGroup, Result, Store};

/// Entries kept before the cache is emptied (dashboards ask for a few dozen distinct results).
const MAX_ENTRIES: usize = 4096;

/// A cached result.
#[derive(Clone)]
pub(crate) enum Cached {
    Groups(Arc<Vec<KpiGroup>>),
    Values(Arc<Vec<String>>),
    Contacts(Arc<ContactPage>),
}

/// Results by request, with the data version they were computed at.
#[derive(Default)]
pub(crate) struct ReportCache(Mutex<HashMap<String, (i64, Cached)>>);

impl std::fmt::Debug for ReportCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ReportCache")
    }
}

impl ReportCache {
    pub(crate) fn get(&self, key: &str, version: i64) -> Option<Cached> {
        let entries = self.0.lock().ok()?;
        entries
            .get(key)
            .filter(|(at, _)| *at == version)
            .map(|(_, value)| value.clone())
    }

    pub(crate) fn put(&self, key: String, version: i64, value: Cached) {
        if let Ok(mut entries) = self.0.lock() {
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
            entries.insert(key, (version, value));
        }
    }
}

/// Marks the data changed; call inside the changing transaction, just before it commits (on
/// PostgreSQL the row stays locked until then).
pub(crate) async fn bump_data_version(connection: &mut AnyConnection) -> Result<()> {
    sqlx::query("UPDATE data_version SET version = version + 1 WHERE id = 1")
        .execute(&mut *connection)
        .await?;
    Ok(())
}

impl Store {
    /// The current data version (see the module docs).
    pub(crate) async fn data_version(&self) -> Result<i64> {
        Ok(
            sqlx::query_scalar("SELECT version FROM data_version WHERE id = 1")
                .fetch_one(&self.pool)
                .await?,
        )
    }
}
