//! Bulk import writers. A file's rows are pushed into a staging table inside one transaction;
//! `duplicates` lists keys the file repeats (such a file must be dropped), and `commit` drops rows
//! identical to what is stored (so re-importing a file changes nothing), upserts the rest,
//! re-links repeat contacts for FCR and recomputes the rollup buckets and day cubes that changed. Dropping an import without committing rolls everything back, and
//! so does a killed process: the transaction never committed.

use servq_core::{AgentStateInterval, Contact};
use sqlx::{Any, Row, Transaction};

use crate::{
    Result, Store,
    cubes::{self, Source},
    rollup,
    sql::{ARRAY_ROWS, Value, execute, insert_values, scalar},
};

/// What one committed import did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ImportSummary {
    /// Rows read from the file.
    pub rows: i64,
    /// Rows whose key was new.
    pub inserted: i64,
    /// Rows whose key existed with different values.
    pub updated: i64,
    /// Rows identical to what was stored.
    pub unchanged: i64,
}

/// A key that occurs more than once in one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DuplicateKey {
    /// Line of the repeated occurrence.
    pub line: u64,
    /// The repeated key, as text.
    pub key: String,
    /// Line of its first occurrence.
    pub first_line: u64,
}

mod staged {
    use crate::sql::Value;

    /// The SQL type of a staging column.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum ColumnType {
        Int,
        NullableInt,
        Text,
        NullableText,
    }

    impl ColumnType {
        pub fn sql(self) -> &'static str {
            match self {
                Self::Int => "BIGINT NOT NULL",
                Self::NullableInt => "BIGINT",
                Self::Text => "TEXT NOT NULL",
                Self::NullableText => "TEXT",
            }
        }
    }

    /// A row type that can be staged for import: its temporary table and its values.
    pub trait StagedRow {
        /// Name of the staging table.
        const TABLE: &'static str;
        /// The staging table's columns after `line` (the row's line in the file).
        const COLUMNS: &'static [(&'static str, ColumnType)];
        /// The row's values in `COLUMNS` order.
        fn values<'a>(&'a self, out: &mut Vec<Value<'a>>);
        /// Whether rows are counted into the rollup as they are staged when the store holds
        /// none of their kind yet (a first import: no stored version, no link to read back).
        const COUNTED_WHILE_STAGED: bool = false;
        /// Counts a staged row into the rollup changes (see `COUNTED_WHILE_STAGED`).
        fn count_in(_deltas: &mut crate::rollup::ContactDeltas, _row: &Self) {}
    }
}
use staged::{ColumnType, StagedRow};

/// The first line of each key a file holds, to report a repeated key (survey results, ratings,
/// customers).
#[derive(Debug, Default)]
pub(crate) struct FirstLines<'a>(std::collections::HashMap<&'a str, u64>);

impl<'a> FirstLines<'a> {
    /// The error of `key` at `line` in `column` when an earlier line had it.
    pub(crate) fn repeat(
        &mut self,
        key: &'a str,
        line: u64,
        column: &str,
    ) -> Option<crate::ImportRowError> {
        let first = self.0.insert(key, line)?;
        Some(crate::ImportRowError {
            line,
            column: column.to_owned(),
            reason: format!(
                "'{}' appears again (first on line {first})",
                servq_core::shown(key)
            ),
        })
    }
}

impl StagedRow for Contact {
    const TABLE: &'static str = "import_contacts";
    const COLUMNS: &'static [(&'static str, ColumnType)] = &[
        ("contact_id", ColumnType::Text),
        ("channel", ColumnType::Text),
        ("direction", ColumnType::Text),
        ("queue", ColumnType::Text),
        ("customer_id", ColumnType::NullableText),
        ("agent_id", ColumnType::Text),
        ("offered_at", ColumnType::Int),
        ("utc_offset_secs", ColumnType::Int),
        ("answered_at", ColumnType::NullableInt),
        ("ended_at", ColumnType::NullableInt),
        ("wait_ms", ColumnType::Int),
        ("talk_ms", ColumnType::Int),
        ("hold_ms", ColumnType::Int),
        ("wrap_ms", ColumnType::Int),
        ("transferred", ColumnType::Int),
        ("category", ColumnType::Text),
        ("resolved", ColumnType::NullableInt),
        ("recording_url", ColumnType::Text),
    ];

    fn values<'a>(&'a self, out: &mut Vec<Value<'a>>) {
        let c = self;
        out.extend([
            Value::Text(Some(c.id.as_str())),
            Value::Text(Some(c.channel.as_str())),
            Value::Text(Some(c.direction.as_str())),
            Value::Text(Some(queue_text(c))),
            Value::Text(c.customer_id.as_ref().map(|id| id.as_str())),
            Value::Text(Some(agent_text(c))),
            Value::Int(Some(c.offered_at.utc_ms)),
            Value::Int(Some(i64::from(c.offered_at.offset_secs))),
            Value::Int(c.answered_at.map(|t| t.utc_ms)),
            Value::Int(c.ended_at.map(|t| t.utc_ms)),
            Value::Int(Some(c.wait_ms())),
            Value::Int(Some(c.talk_ms)),
            Value::Int(Some(c.hold_ms)),
            Value::Int(Some(c.wrap_ms)),
            Value::Int(Some(i64::from(c.transferred))),
            Value::Text(Some(category_text(c))),
            Value::Int(c.resolved.map(i64::from)),
            Value::Text(Some(c.recording_url.as_deref().unwrap_or(""))),
        ]);
    }

    const COUNTED_WHILE_STAGED: bool = true;

    /// In with no next same-issue contact yet: the re-link after the merge moves the links.
    fn count_in(deltas: &mut crate::rollup::ContactDeltas, c: &Self) {
        let key = (
            servq_kpi::bucket_start(c.offered_at.utc_ms),
            queue_text(c).to_owned(),
            agent_text(c).to_owned(),
            c.channel.as_str().to_owned(),
            category_text(c).to_owned(),
            c.direction.as_str().to_owned(),
        );
        let facts = servq_kpi::ContactFacts::of(c, None);
        deltas.count(key, &facts, crate::rollup::Change::In);
    }
}

/// A contact's queue, agent and category as stored ("" for none).
fn queue_text(c: &Contact) -> &str {
    c.queue.as_ref().map_or("", |q| q.as_str())
}

fn agent_text(c: &Contact) -> &str {
    c.agent_id.as_ref().map_or("", |id| id.as_str())
}

fn category_text(c: &Contact) -> &str {
    c.category.as_ref().map_or("", |q| q.as_str())
}

impl StagedRow for AgentStateInterval {
    const TABLE: &'static str = "import_states";
    const COLUMNS: &'static [(&'static str, ColumnType)] = &[
        ("agent_id", ColumnType::Text),
        ("start_at", ColumnType::Int),
        ("end_at", ColumnType::Int),
        ("state", ColumnType::Text),
        ("utc_offset_secs", ColumnType::Int),
    ];

    fn values<'a>(&'a self, out: &mut Vec<Value<'a>>) {
        out.extend([
            Value::Text(Some(self.agent_id.as_str())),
            Value::Int(Some(self.start_at.utc_ms)),
            Value::Int(Some(self.end_at.utc_ms)),
            Value::Text(Some(self.state.as_str())),
            Value::Int(Some(i64::from(self.start_at.offset_secs))),
        ]);
    }
}

/// An open import of rows of one kind; see the module docs. Dropping it rolls back.
pub struct StagedImport<T> {
    store: Store,
    transaction: Transaction<'static, Any>,
    buffer: Vec<(u64, T)>,
    rows: i64,
    /// When the import began and how long its staging inserts took (the phase log).
    began: std::time::Instant,
    staging: std::time::Duration,
    /// Rollup changes counted while staging, on a first import into SQLite (whose write lock,
    /// taken at the transaction's start, keeps the store empty until the commit).
    counted: Option<rollup::ContactDeltas>,
}

/// Logs how long each phase of an import's merge took (`SERVQ_LOG=servq_store=debug`): the
/// profile that says where an import's time goes.
pub(crate) struct Phases {
    kind: &'static str,
    last: std::time::Instant,
}

impl Phases {
    pub(crate) fn start(kind: &'static str) -> Self {
        Self {
            kind,
            last: std::time::Instant::now(),
        }
    }

    /// Ends the phase called `phase`.
    pub(crate) fn done(&mut self, phase: &str) {
        let now = std::time::Instant::now();
        tracing::debug!(
            import = self.kind,
            phase,
            ms = (now - self.last).as_secs_f64() * 1e3,
            "import phase"
        );
        self.last = now;
    }
}

/// The advisory lock every import merge takes on PostgreSQL (any number: the same everywhere).
const MERGE_LOCK: i64 = 0x005e_7010;

/// Merges run one at a time: two imports into the same rollup buckets would otherwise both
/// insert a bucket row and one would fail on its key (found by the soak: concurrent web imports
/// on PostgreSQL). Files are read and staged in parallel; only the merge waits — except a first
/// import, which takes the lock as it begins (`stays_first_import`). SQLite's write
/// transactions are serial already.
pub(crate) async fn serialize_merges(
    transaction: &mut sqlx::Transaction<'static, sqlx::Any>,
    backend: crate::Backend,
) -> Result<()> {
    if backend == crate::Backend::Postgres {
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(MERGE_LOCK)
            .execute(&mut **transaction)
            .await?;
    }
    Ok(())
}

/// An open contact import.
pub type ContactImport = StagedImport<Contact>;
/// An open agent-state import, keyed by (agent_id, start_at).
pub type StateImport = StagedImport<AgentStateInterval>;

/// Inserts rows into their staging table, `line` first.
async fn stage_rows<T: StagedRow>(
    connection: &mut sqlx::AnyConnection,
    rows: &[(u64, T)],
) -> Result<()> {
    let names: Vec<&str> = T::COLUMNS.iter().map(|(name, _)| *name).collect();
    insert_values(
        connection,
        &format!("INSERT INTO {} (line, {})", T::TABLE, names.join(", ")),
        "",
        T::COLUMNS.len() + 1,
        rows,
        |(line, row), values| {
            values.push(Value::Int(Some(*line as i64)));
            row.values(values);
        },
    )
    .await
}

impl Store {
    async fn begin_import<T: StagedRow>(&self) -> Result<StagedImport<T>> {
        let mut transaction = self.begin_write().await?;
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "DROP TABLE IF EXISTS {}",
            T::TABLE
        )))
        .execute(&mut *transaction)
        .await?;
        let columns: Vec<String> = T::COLUMNS
            .iter()
            .map(|(name, column_type)| format!(", {name} {}", column_type.sql()))
            .collect();
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "CREATE TEMP TABLE {} (line BIGINT NOT NULL{})",
            T::TABLE,
            columns.concat()
        )))
        .execute(&mut *transaction)
        .await?;
        if self.backend() == crate::Backend::Postgres {
            // The merge sorts, joins and indexes a whole file in this transaction: with the
            // 4 MB default each of those spills to disk.
            execute(&mut transaction, "SET LOCAL work_mem = '128MB'").await?;
            execute(&mut transaction, "SET LOCAL maintenance_work_mem = '256MB'").await?;
        }
        let counted = if T::COUNTED_WHILE_STAGED
            && stays_first_import(&mut transaction, self.backend()).await?
        {
            let settings = crate::settings::kpi_settings(&mut transaction).await?;
            Some(rollup::ContactDeltas::new(settings))
        } else {
            None
        };
        Ok(StagedImport {
            store: self.clone(),
            transaction,
            buffer: Vec::with_capacity(ARRAY_ROWS),
            rows: 0,
            began: std::time::Instant::now(),
            staging: std::time::Duration::ZERO,
            counted,
        })
    }

    /// Starts a contact import in a new transaction.
    pub async fn begin_contact_import(&self) -> Result<ContactImport> {
        self.begin_import().await
    }

    /// Starts an agent-state import in a new transaction.
    pub async fn begin_state_import(&self) -> Result<StateImport> {
        self.begin_import().await
    }
}

impl<T: StagedRow> StagedImport<T> {
    /// Stages one parsed row read from `line` of the file.
    pub async fn push(&mut self, line: u64, row: T) -> Result<()> {
        self.buffer.push((line, row));
        self.rows += 1;
        if self.buffer.len() >= ARRAY_ROWS {
            self.flush().await?;
        }
        Ok(())
    }

    async fn flush(&mut self) -> Result<()> {
        let started = std::time::Instant::now();
        let rows = std::mem::take(&mut self.buffer);
        if let Some(counted) = &mut self.counted {
            for (_, row) in &rows {
                T::count_in(counted, row);
            }
            counted.write_if_many(&mut self.transaction).await?;
        }
        stage_rows(&mut self.transaction, &rows).await?;
        self.buffer = rows;
        self.buffer.clear();
        self.staging += started.elapsed();
        Ok(())
    }

    /// Logs the reading and staging phases (see [`Phases`]).
    fn log_staging(&self) {
        tracing::debug!(
            import = T::TABLE,
            rows = self.rows,
            read_and_parse_ms = (self.began.elapsed() - self.staging).as_secs_f64() * 1e3,
            staging_inserts_ms = self.staging.as_secs_f64() * 1e3,
            "import staged"
        );
    }
}

/// The staged contacts by id: for the duplicate check and the merge's joins.
const CREATE_STAGED_CONTACTS_INDEX: &str =
    "CREATE INDEX import_contacts_by_id ON import_contacts (contact_id)";

impl ContactImport {
    /// Finishes staging and lists contact ids that occur more than once in the file (at most
    /// `limit` of them) with the total count. Call before `commit`; a file with duplicates should
    /// be dropped, not committed.
    pub async fn duplicates(&mut self, limit: usize) -> Result<(Vec<DuplicateKey>, u64)> {
        self.flush().await?;
        execute(&mut self.transaction, CREATE_STAGED_CONTACTS_INDEX).await?;
        let first_lines = "SELECT contact_id, MIN(line) AS first_line FROM import_contacts \
                           GROUP BY contact_id HAVING COUNT(*) > 1";
        let total: i64 = sqlx::query_scalar(
            "SELECT COALESCE(CAST(SUM(n - 1) AS BIGINT), 0) FROM (SELECT COUNT(*) AS n FROM import_contacts \
             GROUP BY contact_id HAVING COUNT(*) > 1) d",
        )
        .fetch_one(&mut *self.transaction)
        .await?;
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT s.line, s.contact_id, f.first_line FROM import_contacts s JOIN ({first_lines}) f \
             ON f.contact_id = s.contact_id WHERE s.line > f.first_line ORDER BY s.line LIMIT {limit}"
        )))
        .fetch_all(&mut *self.transaction)
        .await?;
        let duplicates = rows
            .iter()
            .map(|row| {
                Ok(DuplicateKey {
                    line: row.try_get::<i64, _>(0)? as u64,
                    key: row.try_get(1)?,
                    first_line: row.try_get::<i64, _>(2)? as u64,
                })
            })
            .collect::<Result<Vec<_>, sqlx::Error>>()?;
        Ok((duplicates, total as u64))
    }

    /// Merges the staged rows into the store, maintains FCR links and rollups, and commits.
    /// Call `duplicates` first and commit only a file without them.
    pub async fn commit(mut self, source: &str) -> Result<ImportSummary> {
        self.flush().await?;
        self.log_staging();
        let mut phases = Phases::start("contacts");
        serialize_merges(&mut self.transaction, self.store.backend()).await?;
        let connection: &mut sqlx::AnyConnection = &mut self.transaction;
        crate::sql::analyze(connection, "import_contacts").await?;
        // Rows were counted while staged only when the store was empty and stays so
        // (`stays_first_import`).
        let counted = self.counted.take();
        let counted_while_staged = counted.is_some();
        let first_import = counted_while_staged || holds_no_contacts(connection).await?;
        // Nothing is stored yet on a first import, so no row is unchanged. Otherwise the staged
        // rows' index goes while the unchanged rows are deleted and comes back over those left
        // (a re-import deletes millions of rows; the index would be kept for each).
        let unchanged = if first_import {
            0
        } else {
            execute(connection, "DROP INDEX IF EXISTS import_contacts_by_id").await?;
            let unchanged = execute(
                connection,
                "DELETE FROM import_contacts WHERE EXISTS (SELECT 1 FROM contacts c \
             WHERE c.contact_id = import_contacts.contact_id \
             AND c.channel = import_contacts.channel AND c.direction = import_contacts.direction \
             AND c.queue = import_contacts.queue AND c.customer_id IS NOT DISTINCT FROM import_contacts.customer_id \
             AND c.agent_id = import_contacts.agent_id AND c.offered_at = import_contacts.offered_at \
             AND c.utc_offset_secs = import_contacts.utc_offset_secs \
             AND c.answered_at IS NOT DISTINCT FROM import_contacts.answered_at \
             AND c.ended_at IS NOT DISTINCT FROM import_contacts.ended_at \
             AND c.talk_ms = import_contacts.talk_ms AND c.hold_ms = import_contacts.hold_ms \
             AND c.wrap_ms = import_contacts.wrap_ms AND c.transferred = import_contacts.transferred \
             AND c.category = import_contacts.category AND c.resolved IS NOT DISTINCT FROM import_contacts.resolved \
             AND c.recording_url = import_contacts.recording_url)",
            )
            .await? as i64;
            execute(connection, CREATE_STAGED_CONTACTS_INDEX).await?;
            unchanged
        };
        let updated = if first_import {
            0
        } else {
            scalar(
                connection,
                "SELECT COUNT(*) FROM import_contacts s JOIN contacts c ON c.contact_id = s.contact_id",
            )
            .await?
        };
        let changed = scalar(connection, "SELECT COUNT(*) FROM import_contacts").await?;
        phases.done("drop unchanged rows");
        if changed > 0 {
            rollup::create_affected_tables(connection).await?;
            let mut deltas = match counted {
                Some(counted) => counted,
                None => {
                    rollup::ContactDeltas::new(crate::settings::kpi_settings(connection).await?)
                }
            };
            if !first_import {
                deltas.keep_day_cube_changes(cubes::centre_zone(connection).await?);
            }
            let staged_contacts =
                "contacts c WHERE c.contact_id IN (SELECT contact_id FROM import_contacts) AND";
            if first_import {
                // the file's contacts are linked among themselves and stored with their links
                rollup::link_staged_contacts(connection).await?;
            } else {
                // The stored versions of updated rows leave the rollup, with their links.
                let stored: Vec<i64> = sqlx::query_scalar(
                    "SELECT DISTINCT (c.offered_at / 900000) * 900000 FROM contacts c \
                     JOIN import_contacts s ON s.contact_id = c.contact_id ORDER BY 1",
                )
                .fetch_all(&mut *connection)
                .await?;
                deltas
                    .read_ranges(connection, staged_contacts, &stored, rollup::Change::Out)
                    .await?;
                // Issues (customer × category) whose repeat chains change, from the earliest
                // time they change: those of the stored versions of updated rows and those of
                // the new rows, in one set operation.
                execute(
                    connection,
                    "CREATE TEMP TABLE affected_issues AS \
                     SELECT customer_id, category, MIN(offered_at) AS from_at FROM ( \
                     SELECT c.customer_id, c.category, c.offered_at FROM contacts c \
                     JOIN import_contacts s ON s.contact_id = c.contact_id WHERE c.customer_id IS NOT NULL \
                     UNION ALL SELECT customer_id, category, offered_at FROM import_contacts \
                     WHERE customer_id IS NOT NULL) t GROUP BY customer_id, category",
                )
                .await?;
                execute(connection, "CREATE INDEX affected_issues_by_key ON affected_issues (customer_id, category)")
                    .await?;
                crate::sql::analyze(connection, "affected_issues").await?;
            }
            phases.done(if first_import {
                "link staged contacts"
            } else {
                "stored versions out"
            });
            let (link, linked) = if first_import {
                (
                    "r.next_at",
                    "LEFT JOIN relinked r ON r.contact_id = s.contact_id",
                )
            } else {
                ("CAST(NULL AS BIGINT)", "")
            };
            // A first import into SQLite fills the empty table: its indexes are built after.
            let set_aside = if first_import && self.store.backend() == crate::Backend::Sqlite {
                crate::sql::set_aside_indexes(connection, "contacts").await?
            } else {
                Vec::new()
            };
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "INSERT INTO contacts (contact_id, channel, direction, queue, customer_id, agent_id, offered_at, \
                 utc_offset_secs, answered_at, ended_at, wait_ms, talk_ms, hold_ms, wrap_ms, transferred, category, \
                 resolved, recording_url, next_same_issue_at) \
                 SELECT s.contact_id, s.channel, s.direction, s.queue, s.customer_id, s.agent_id, s.offered_at, \
                 s.utc_offset_secs, s.answered_at, s.ended_at, s.wait_ms, s.talk_ms, s.hold_ms, s.wrap_ms, s.transferred, \
                 s.category, s.resolved, s.recording_url, {link} FROM import_contacts s {linked} WHERE true \
                 ON CONFLICT (contact_id) DO UPDATE SET channel = excluded.channel, direction = excluded.direction, \
                 queue = excluded.queue, customer_id = excluded.customer_id, agent_id = excluded.agent_id, \
                 offered_at = excluded.offered_at, utc_offset_secs = excluded.utc_offset_secs, \
                 answered_at = excluded.answered_at, ended_at = excluded.ended_at, wait_ms = excluded.wait_ms, \
                 talk_ms = excluded.talk_ms, hold_ms = excluded.hold_ms, wrap_ms = excluded.wrap_ms, \
                 transferred = excluded.transferred, category = excluded.category, resolved = excluded.resolved, \
                 recording_url = excluded.recording_url, next_same_issue_at = excluded.next_same_issue_at"
            )))
            .execute(&mut *connection)
            .await?;
            crate::sql::restore_indexes(connection, set_aside).await?;
            phases.done("upsert contacts");
            if !first_import {
                rollup::relink_repeat_contacts(connection, rollup::RelinkScope::AffectedIssues)
                    .await?;
                phases.done("relink repeat contacts");
            }
            if counted_while_staged {
                // the file's contacts came in without links: theirs move now
                deltas.relinked(connection, None).await?;
            } else if !first_import {
                // contacts the file did not hold whose next same-issue contact moved
                deltas.relinked(connection, Some("import_contacts")).await?;
            }
            phases.done("moved links counted");
            if !counted_while_staged {
                // the new versions come in, with their links
                let new: Vec<i64> = sqlx::query_scalar(
                    "SELECT DISTINCT (offered_at / 900000) * 900000 FROM import_contacts ORDER BY 1",
                )
                .fetch_all(&mut *connection)
                .await?;
                let new_contacts = if first_import {
                    "contacts c WHERE"
                } else {
                    staged_contacts
                };
                deltas
                    .read_ranges(connection, new_contacts, &new, rollup::Change::In)
                    .await?;
            }
            let cube_changes = deltas.finish(connection).await?;
            phases.done("rollup changes");
            cube_changes.apply(connection).await?;
            phases.done("day cubes");
            rollup::drop_affected_tables(connection).await?;
        }
        execute(connection, "DROP TABLE import_contacts").await?;
        let summary = ImportSummary {
            rows: self.rows,
            inserted: changed - updated,
            updated,
            unchanged,
        };
        record_run(connection, "contacts", source, &summary).await?;
        crate::cache::bump_data_version(&mut self.transaction).await?;
        self.transaction.commit().await?;
        phases.done("commit");
        self.store.checkpoint().await?;
        phases.done("checkpoint");
        Ok(summary)
    }
}

/// Whether the import of `transaction` is a first one and stays so until it commits, so that its
/// rows can be counted into the rollup as they are staged (no pass over them afterwards).
/// SQLite's write lock, held since the transaction began, keeps the store as it is; on
/// PostgreSQL a first import takes the merge lock now instead of at its merge (only another
/// import into the empty store waits for it), and looks again once it holds it.
async fn stays_first_import(
    transaction: &mut sqlx::Transaction<'static, sqlx::Any>,
    backend: crate::Backend,
) -> Result<bool> {
    if !holds_no_contacts(transaction).await? {
        return Ok(false);
    }
    if backend == crate::Backend::Postgres {
        serialize_merges(transaction, backend).await?;
        // an import that merged while this one waited for the lock has filled the store
        return holds_no_contacts(transaction).await;
    }
    Ok(true)
}

/// Whether the store holds no contact yet (a first import).
async fn holds_no_contacts(connection: &mut sqlx::AnyConnection) -> Result<bool> {
    Ok(scalar(
        connection,
        "SELECT COUNT(*) FROM (SELECT 1 FROM contacts LIMIT 1) t",
    )
    .await?
        == 0)
}

async fn record_run(
    connection: &mut sqlx::AnyConnection,
    kind: &str,
    source: &str,
    summary: &ImportSummary,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO import_runs (kind, source, finished_at, rows_read, inserted, updated, unchanged) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(kind)
    .bind(source)
    .bind(jiff::Timestamp::now().as_millisecond())
    .bind(summary.rows)
    .bind(summary.inserted)
    .bind(summary.updated)
    .bind(summary.unchanged)
    .execute(&mut *connection)
    .await?;
    Ok(())
}

impl StateImport {
    /// Lists (agent_id, start_at) pairs that occur more than once in the file; see
    /// [`ContactImport::duplicates`].
    pub async fn duplicates(&mut self, limit: usize) -> Result<(Vec<DuplicateKey>, u64)> {
        self.flush().await?;
        execute(
            &mut self.transaction,
            "CREATE INDEX import_states_by_key ON import_states (agent_id, start_at)",
        )
        .await?;
        let groups = "SELECT agent_id, start_at, MIN(line) AS first_line FROM import_states \
                      GROUP BY agent_id, start_at HAVING COUNT(*) > 1";
        let total: i64 = sqlx::query_scalar(
            "SELECT COALESCE(CAST(SUM(n - 1) AS BIGINT), 0) FROM (SELECT COUNT(*) AS n FROM import_states \
             GROUP BY agent_id, start_at HAVING COUNT(*) > 1) d",
        )
        .fetch_one(&mut *self.transaction)
        .await?;
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT s.line, s.agent_id, s.start_at, f.first_line FROM import_states s JOIN ({groups}) f \
             ON f.agent_id = s.agent_id AND f.start_at = s.start_at WHERE s.line > f.first_line \
             ORDER BY s.line LIMIT {limit}"
        )))
        .fetch_all(&mut *self.transaction)
        .await?;
        let duplicates = rows
            .iter()
            .map(|row| {
                let start: i64 = row.try_get(2)?;
                let start = jiff::Timestamp::from_millisecond(start)
                    .map(|t| t.to_string())
                    .unwrap_or_default();
                Ok(DuplicateKey {
                    line: row.try_get::<i64, _>(0)? as u64,
                    key: format!("{} at {start}", row.try_get::<String, _>(1)?),
                    first_line: row.try_get::<i64, _>(3)? as u64,
                })
            })
            .collect::<Result<Vec<_>, sqlx::Error>>()?;
        Ok((duplicates, total as u64))
    }

    /// Merges the staged intervals, recomputes the state rollup buckets they touch, and commits.
    pub async fn commit(mut self, source: &str) -> Result<ImportSummary> {
        self.flush().await?;
        self.log_staging();
        serialize_merges(&mut self.transaction, self.store.backend()).await?;
        let connection: &mut sqlx::AnyConnection = &mut self.transaction;
        let unchanged = execute(
            connection,
            "DELETE FROM import_states WHERE EXISTS (SELECT 1 FROM agent_states a \
             WHERE a.agent_id = import_states.agent_id AND a.start_at = import_states.start_at \
             AND a.end_at = import_states.end_at AND a.state = import_states.state \
             AND a.utc_offset_secs = import_states.utc_offset_secs)",
        )
        .await? as i64;
        let updated = scalar(
            connection,
            "SELECT COUNT(*) FROM import_states s JOIN agent_states a \
             ON a.agent_id = s.agent_id AND a.start_at = s.start_at",
        )
        .await?;
        let changed = scalar(connection, "SELECT COUNT(*) FROM import_states").await?;
        if changed > 0 {
            rollup::create_affected_tables(connection).await?;
            // Buckets covered by the stored (old) and the new versions of each interval.
            let mut buckets = Vec::new();
            for sql in [
                "SELECT a.start_at, a.end_at FROM agent_states a JOIN import_states s \
                 ON a.agent_id = s.agent_id AND a.start_at = s.start_at",
                "SELECT start_at, end_at FROM import_states",
            ] {
                let intervals: Vec<(i64, i64)> =
                    sqlx::query_as(sql).fetch_all(&mut *connection).await?;
                buckets.extend(
                    intervals
                        .iter()
                        .flat_map(|&(start, end)| rollup::interval_buckets(start, end)),
                );
            }
            buckets.sort_unstable();
            buckets.dedup();
            rollup::mark_buckets(connection, &buckets).await?;
            execute(
                connection,
                "INSERT INTO agent_states (agent_id, start_at, end_at, state, utc_offset_secs) \
                 SELECT agent_id, start_at, end_at, state, utc_offset_secs FROM import_states WHERE true \
                 ON CONFLICT (agent_id, start_at) DO UPDATE SET end_at = excluded.end_at, state = excluded.state, \
                 utc_offset_secs = excluded.utc_offset_secs",
            )
            .await?;
            rollup::recompute_state_buckets(connection).await?;
            cubes::refresh(connection, Source::States).await?;
            rollup::drop_affected_tables(connection).await?;
        }
        execute(connection, "DROP TABLE import_states").await?;
        let summary = ImportSummary {
            rows: self.rows,
            inserted: changed - updated,
            updated,
            unchanged,
        };
        record_run(connection, "agent_states", source, &summary).await?;
        crate::cache::bump_data_version(&mut self.transaction).await?;
        self.transaction.commit().await?;
        self.store.checkpoint().await?;
        Ok(summary)
    }
}

/// Ends an import the store checked row by row (survey results, ratings): audits it as the
/// `import` actor under `entity` with its counts, marks the reports stale, and commits.
pub(crate) async fn commit_checked_import(
    mut transaction: sqlx::Transaction<'static, sqlx::Any>,
    entity: &str,
    source: &str,
    summary: &ImportSummary,
    now_ms: i64,
) -> Result<()> {
    crate::users::audit(
        &mut transaction,
        &crate::Actor {
            user_id: None,
            name: "import".to_owned(),
        },
        now_ms,
        "import",
        entity,
        source,
        &serde_json::json!({"inserted": summary.inserted, "updated": summary.updated}).to_string(),
    )
    .await?;
    crate::cache::bump_data_version(&mut transaction).await?;
    transaction.commit().await?;
    Ok(())
}
