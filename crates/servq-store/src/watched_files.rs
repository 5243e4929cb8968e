//! The files a watched import folder gave (`servq import watch`, docs/import.md#a-watched-folder).

use sqlx::Row;

use crate::{Result, Store, StoreError};

/// What became of a watched file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WatchOutcome {
    /// Imported (moved to `done/`).
    Imported,
    /// Refused for bad rows (moved to `failed/` with its error report).
    Rejected,
    /// Not a file servq can read as the kind (moved to `failed/`).
    Unreadable,
}

impl WatchOutcome {
    /// The stored name.
    pub fn name(self) -> &'static str {
        match self {
            WatchOutcome::Imported => "imported",
            WatchOutcome::Rejected => "rejected",
            WatchOutcome::Unreadable => "unreadable",
        }
    }

    fn parse(text: &str) -> Result<WatchOutcome> {
        [
            WatchOutcome::Imported,
            WatchOutcome::Rejected,
            WatchOutcome::Unreadable,
        ]
        .into_iter()
        .find(|outcome| outcome.name() == text)
        .ok_or_else(|| StoreError::CorruptValue {
            column: "watched_files.outcome",
            value: text.to_owned(),
        })
    }
}

/// A file taken from a watched folder, as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WatchedFile {
    /// Its name in the folder.
    pub name: String,
    /// SHA-256 of its content (hex).
    pub sha256: String,
    /// The import kind it was read as.
    pub kind: String,
    /// What became of it.
    pub outcome: WatchOutcome,
    /// Rows imported, or bad rows when rejected.
    pub rows: i64,
    /// What happened, in a line.
    pub detail: String,
    /// When (UTC epoch ms).
    pub at_ms: i64,
}

impl Store {
    /// The record of the file `name` with content `sha256`, if it was taken before.
    pub async fn watched_file(&self, name: &str, sha256: &str) -> Result<Option<WatchedFile>> {
        let row = sqlx::query(
            "SELECT name, sha256, kind, outcome, rows, detail, at FROM watched_files \
             WHERE name = $1 AND sha256 = $2",
        )
        .bind(name)
        .bind(sha256)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            Ok(WatchedFile {
                name: row.try_get("name")?,
                sha256: row.try_get("sha256")?,
                kind: row.try_get("kind")?,
                outcome: WatchOutcome::parse(&row.try_get::<String, _>("outcome")?)?,
                rows: row.try_get("rows")?,
                detail: row.try_get("detail")?,
                at_ms: row.try_get("at")?,
            })
        })
        .transpose()
    }

    /// Records what became of a watched file (the latest outcome of the same name and content
    /// replaces an earlier one).
    pub async fn record_watched_file(&self, file: &WatchedFile) -> Result<()> {
        sqlx::query(
            "INSERT INTO watched_files (name, sha256, kind, outcome, rows, detail, at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) \
             ON CONFLICT (name, sha256) DO UPDATE SET kind = excluded.kind, \
             outcome = excluded.outcome, rows = excluded.rows, detail = excluded.detail, at = excluded.at",
        )
        .bind(file.name.as_str())
        .bind(file.sha256.as_str())
        .bind(file.kind.as_str())
        .bind(file.outcome.name())
        .bind(file.rows)
        .bind(file.detail.as_str())
        .bind(file.at_ms)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
