//! Imports started from the web app: a row per import with its progress, outcome and first row
//! errors. Progress is written from outside the import's own transaction, so a page polling any
//! servq instance sees it while the file is still being read.

use sqlx::{Row, any::AnyRow};

use crate::{Actor, ImportSummary, Result, Store, users};

/// Where an import stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportStatus {
    /// Reading, parsing and staging rows.
    Reading,
    /// The file was clean; merging into the store and updating rollups.
    Merging,
    /// Committed.
    Imported,
    /// Bad rows: nothing was written.
    Rejected,
    /// The file could not be read or the database failed: nothing was written.
    Failed,
}

impl ImportStatus {
    /// The stored and reported name.
    pub fn name(self) -> &'static str {
        match self {
            ImportStatus::Reading => "reading",
            ImportStatus::Merging => "merging",
            ImportStatus::Imported => "imported",
            ImportStatus::Rejected => "rejected",
            ImportStatus::Failed => "failed",
        }
    }

    fn parse(name: &str) -> Option<ImportStatus> {
        [
            ImportStatus::Reading,
            ImportStatus::Merging,
            ImportStatus::Imported,
            ImportStatus::Rejected,
            ImportStatus::Failed,
        ]
        .into_iter()
        .find(|status| status.name() == name)
    }

    /// Whether the import has ended.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            ImportStatus::Imported | ImportStatus::Rejected | ImportStatus::Failed
        )
    }
}

/// One bad row (or bad value) of an import file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportRowError {
    /// Line in the file (the header is line 1).
    pub line: u64,
    /// The column as the file names it.
    pub column: String,
    /// Why the value is refused.
    pub reason: String,
}

/// An import as the web app reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportJob {
    /// Random id.
    pub job_id: String,
    /// Who started it.
    pub username: String,
    /// contacts, agent_states or agents.
    pub kind: String,
    /// The uploaded file's name.
    pub file_name: String,
    /// Where it stands.
    pub status: ImportStatus,
    /// Progress: bytes (CSV) or rows (spreadsheets) read so far.
    pub done: i64,
    /// Progress: the whole.
    pub total: i64,
    /// Rows read so far.
    pub rows_read: i64,
    /// Start, UTC ms.
    pub started_ms: i64,
    /// End, UTC ms.
    pub finished_ms: Option<i64>,
    /// What a committed import did.
    pub summary: ImportSummary,
    /// Rows with at least one error.
    pub bad_rows: i64,
    /// All errors, counted.
    pub error_count: i64,
    /// The failure's reason, when it failed.
    pub message: String,
    /// The first errors (only from [`Store::import_job`]).
    pub errors: Vec<ImportRowError>,
}

/// How an import ended.
#[derive(Debug, Clone)]
pub enum ImportEnd<'a> {
    /// Committed.
    Imported(ImportSummary),
    /// Refused for bad rows.
    Rejected {
        /// Rows with at least one error.
        bad_rows: u64,
        /// All errors, counted.
        error_count: u64,
        /// The first errors, kept to show.
        errors: &'a [ImportRowError],
    },
    /// Could not be read or written.
    Failed(&'a str),
}

const JOB_COLUMNS: &str = "job_id, username, kind, file_name, status, done, total, rows_read, \
     started_at, finished_at, inserted, updated, unchanged, bad_rows, error_count, message";

fn job_of(row: &AnyRow) -> Result<ImportJob> {
    let status: String = row.try_get("status")?;
    Ok(ImportJob {
        job_id: row.try_get("job_id")?,
        username: row.try_get("username")?,
        kind: row.try_get("kind")?,
        file_name: row.try_get("file_name")?,
        status: ImportStatus::parse(&status).ok_or(crate::StoreError::CorruptValue {
            column: "import_jobs.status",
            value: status,
        })?,
        done: row.try_get("done")?,
        total: row.try_get("total")?,
        rows_read: row.try_get("rows_read")?,
        started_ms: row.try_get("started_at")?,
        finished_ms: row.try_get("finished_at")?,
        summary: ImportSummary {
            rows: row.try_get("rows_read")?,
            inserted: row.try_get("inserted")?,
            updated: row.try_get("updated")?,
            unchanged: row.try_get("unchanged")?,
        },
        bad_rows: row.try_get("bad_rows")?,
        error_count: row.try_get("error_count")?,
        message: row.try_get("message")?,
        errors: Vec::new(),
    })
}

impl Store {
    /// Records a new import in the `reading` state.
    pub async fn create_import_job(
        &self,
        job_id: &str,
        actor: &Actor,
        kind: &str,
        file_name: &str,
        now_ms: i64,
    ) -> Result<()> {
        self.create_owned_import_job(job_id, actor, kind, file_name, "", now_ms)
            .await
    }

    /// Records a new import run by the server process `owner` (its heartbeats keep it alive;
    /// see [`Store::beat_import_jobs`]).
    pub async fn create_owned_import_job(
        &self,
        job_id: &str,
        actor: &Actor,
        kind: &str,
        file_name: &str,
        owner: &str,
        now_ms: i64,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO import_jobs (job_id, user_id, username, kind, file_name, status, \
             started_at, updated_at, owner, heartbeat_at) \
             VALUES ($1, $2, $3, $4, $5, 'reading', $6, $6, $7, $6)",
        )
        .bind(job_id)
        .bind(actor.user_id.clone())
        .bind(actor.name.as_str())
        .bind(kind)
        .bind(file_name)
        .bind(now_ms)
        .bind(owner)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The running imports of `owner` say they are alive.
    pub async fn beat_import_jobs(&self, owner: &str, now_ms: i64) -> Result<()> {
        sqlx::query(
            "UPDATE import_jobs SET heartbeat_at = $1 \
             WHERE owner = $2 AND status IN ('reading', 'merging')",
        )
        .bind(now_ms)
        .bind(owner)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Ends as failed every running import with an owner whose last heartbeat is older than
    /// `stale_before_ms` (its server stopped during the import); their ids.
    pub async fn fail_orphaned_imports(
        &self,
        stale_before_ms: i64,
        now_ms: i64,
    ) -> Result<Vec<String>> {
        let mut transaction = self.begin_write().await?;
        let orphans: Vec<String> = sqlx::query_scalar(
            "SELECT job_id FROM import_jobs WHERE status IN ('reading', 'merging') \
             AND owner <> '' AND heartbeat_at < $1",
        )
        .bind(stale_before_ms)
        .fetch_all(&mut *transaction)
        .await?;
        for job_id in &orphans {
            sqlx::query(
                "UPDATE import_jobs SET status = 'failed', finished_at = $1, updated_at = $1, \
                 message = 'the server stopped during the import; nothing of it was stored' \
                 WHERE job_id = $2 AND status IN ('reading', 'merging')",
            )
            .bind(now_ms)
            .bind(job_id.as_str())
            .execute(&mut *transaction)
            .await?;
        }
        transaction.commit().await?;
        Ok(orphans)
    }

    /// Whether the import `job_id` is still running.
    pub async fn import_running(&self, job_id: &str) -> Result<bool> {
        let status: Option<String> =
            sqlx::query_scalar("SELECT status FROM import_jobs WHERE job_id = $1")
                .bind(job_id)
                .fetch_optional(&self.pool)
                .await?;
        Ok(matches!(status.as_deref(), Some("reading" | "merging")))
    }

    /// Records progress (a running import only; an ended one is left as it ended).
    pub async fn update_import_progress(
        &self,
        job_id: &str,
        status: ImportStatus,
        done: u64,
        total: u64,
        rows_read: u64,
        now_ms: i64,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE import_jobs SET status = $1, done = $2, total = $3, rows_read = $4, \
             updated_at = $5 WHERE job_id = $6 AND status IN ('reading', 'merging')",
        )
        .bind(status.name())
        .bind(done as i64)
        .bind(total as i64)
        .bind(rows_read as i64)
        .bind(now_ms)
        .bind(job_id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Records how an import ended, its first errors, and (for a committed one) an audit entry.
    pub async fn finish_import_job(
        &self,
        job_id: &str,
        end: &ImportEnd<'_>,
        actor: &Actor,
        now_ms: i64,
    ) -> Result<()> {
        let mut transaction = self.begin_write().await?;
        let (status, summary, bad_rows, error_count, message) = match end {
            ImportEnd::Imported(summary) => (ImportStatus::Imported, *summary, 0, 0, ""),
            ImportEnd::Rejected {
                bad_rows,
                error_count,
                ..
            } => (
                ImportStatus::Rejected,
                ImportSummary::default(),
                *bad_rows as i64,
                *error_count as i64,
                "",
            ),
            ImportEnd::Failed(message) => (
                ImportStatus::Failed,
                ImportSummary::default(),
                0,
                0,
                *message,
            ),
        };
        let finished = sqlx::query(
            "UPDATE import_jobs SET status = $1, finished_at = $2, updated_at = $2, inserted = $3, \
             updated = $4, unchanged = $5, bad_rows = $6, error_count = $7, message = $8, \
             rows_read = CASE WHEN $9 > 0 THEN $9 ELSE rows_read END \
             WHERE job_id = $10 AND status IN ('reading', 'merging')",
        )
        .bind(status.name())
        .bind(now_ms)
        .bind(summary.inserted)
        .bind(summary.updated)
        .bind(summary.unchanged)
        .bind(bad_rows)
        .bind(error_count)
        .bind(message)
        .bind(summary.rows)
        .bind(job_id)
        .execute(&mut *transaction)
        .await?
        .rows_affected();
        if finished == 0 {
            // ended already (or unknown): keep what was recorded first
            return Ok(());
        }
        if let ImportEnd::Rejected { errors, .. } = end {
            // numbered across the whole list, not per insert batch: (job_id, seq) is the key
            let numbered: Vec<(usize, &ImportRowError)> = errors.iter().enumerate().collect();
            crate::sql::insert_batch(
                &mut transaction,
                "INSERT INTO import_job_errors (job_id, seq, line, column_name, reason)",
                5,
                &numbered,
                |query, (seq, error)| {
                    query
                        .bind(job_id)
                        .bind(*seq as i64)
                        .bind(error.line as i64)
                        .bind(error.column.as_str())
                        .bind(error.reason.as_str())
                },
            )
            .await?;
        }
        if let ImportEnd::Imported(summary) = end {
            users::audit(
                &mut transaction,
                actor,
                now_ms,
                "import",
                "import",
                job_id,
                &serde_json::json!({
                    "rows": summary.rows, "inserted": summary.inserted,
                    "updated": summary.updated, "unchanged": summary.unchanged,
                })
                .to_string(),
            )
            .await?;
        }
        transaction.commit().await?;
        Ok(())
    }

    /// One import with its first `max_errors` errors.
    pub async fn import_job(&self, job_id: &str, max_errors: i64) -> Result<Option<ImportJob>> {
        let Some(row) = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {JOB_COLUMNS} FROM import_jobs WHERE job_id = $1"
        )))
        .bind(job_id)
        .fetch_optional(&self.pool)
        .await?
        else {
            return Ok(None);
        };
        let mut job = job_of(&row)?;
        let errors = sqlx::query(
            "SELECT line, column_name, reason FROM import_job_errors WHERE job_id = $1 \
             ORDER BY seq LIMIT $2",
        )
        .bind(job_id)
        .bind(max_errors)
        .fetch_all(&self.pool)
        .await?;
        job.errors = errors
            .iter()
            .map(|row| {
                Ok(ImportRowError {
                    line: row.try_get::<i64, _>(0)? as u64,
                    column: row.try_get(1)?,
                    reason: row.try_get(2)?,
                })
            })
            .collect::<Result<_>>()?;
        Ok(Some(job))
    }

    /// The newest imports first, without their errors.
    pub async fn import_jobs(&self, limit: i64) -> Result<Vec<ImportJob>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {JOB_COLUMNS} FROM import_jobs ORDER BY started_at DESC, job_id LIMIT $1"
        )))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(job_of).collect()
    }
}
