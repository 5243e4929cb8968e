//! The store's side of backups and of moving a store between engines (docs/operations.md): a
//! read-only snapshot that lists servq's tables and streams their rows as engine-neutral values,
//! and a restore that loads such rows into an empty store in committed batches, resumable after
//! an interruption. The file format lives in servq-app; this module only reads and writes rows.

use std::collections::BTreeMap;

use futures::TryStreamExt;
use sqlx::{AnyConnection, Row};

use crate::{Backend, ColumnSchema, Result, Store, StoreError, migrator};

/// One stored value as both engines read it back.
#[derive(Debug, Clone, PartialEq)]
pub enum CellValue {
    /// SQL NULL.
    Null,
    /// BIGINT / INTEGER.
    Integer(i64),
    /// REAL / DOUBLE PRECISION.
    Real(f64),
    /// TEXT.
    Text(String),
    /// BLOB / BYTEA.
    Bytes(Vec<u8>),
}

/// A table as a backup carries it: its name and columns in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopiedTable {
    /// Table name.
    pub name: String,
    /// Columns in declaration order.
    pub columns: Vec<ColumnSchema>,
}

/// Tables that describe the running store rather than its data: never copied.
const NOT_COPIED: &[&str] = &["store_restore"];

/// Tables whose rows the migrations write into a fresh store. A restore replaces them with the
/// backup's rows; every other table must be empty for a restore to start. The store test
/// `a_fresh_store_holds_rows_only_in_the_seeded_tables` keeps this list true.
pub const SEEDED_BY_MIGRATIONS: &[&str] = &["data_version", "kb_collection", "review_reasons"];

/// A consistent read-only view of a store: every read through it sees the database as it was
/// when the snapshot began, whatever commits meanwhile (SQLite: one read transaction on the
/// write-ahead log; PostgreSQL: REPEATABLE READ READ ONLY).
pub struct Snapshot {
    tx: sqlx::Transaction<'static, sqlx::Any>,
    backend: Backend,
}

/// Why a restore did not start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RestoreRefused {
    /// The target holds data.
    NotEmpty {
        /// The first table found with rows.
        table: String,
        /// Its rows.
        rows: i64,
    },
    /// A load of this same backup was interrupted; it continues only when asked to resume.
    Interrupted {
        /// The backup file named when the load started.
        backup_file: String,
    },
    /// A load of another backup was interrupted in this store.
    OtherBackup {
        /// That backup's id.
        backup_id: String,
        /// Its file.
        backup_file: String,
    },
    /// The store's schema is not the backup's (a store can only be filled at the backup's own
    /// version; servq migrates it afterwards).
    SchemaMismatch {
        /// The store's latest applied migration.
        store: i64,
        /// The backup's.
        backup: i64,
    },
    /// The backup comes from a newer servq than this build.
    NewerSchema {
        /// The newest migration this build knows.
        known: i64,
        /// The backup's.
        backup: i64,
    },
}

/// A restore that may go ahead: rows already loaded per table (all zero on a fresh start).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RestoreProgress {
    /// Whether an interrupted load of the same backup is being continued.
    pub resumed: bool,
    /// Rows each table holds already; the load skips that many of the table's rows.
    pub loaded: BTreeMap<String, i64>,
}

/// A restore in progress: a store opened at the backup's schema version, without running newer
/// migrations until the load is complete.
#[derive(Debug, Clone)]
pub struct RestoreTarget {
    store: Store,
    url: String,
}

fn quoted(identifier: &str) -> String {
    format!("\"{}\"", identifier.replace('"', "\"\""))
}

/// The newest migration this build knows.
pub fn newest_schema_version() -> i64 {
    migrator(Backend::Sqlite)
        .iter()
        .map(|migration| migration.version)
        .max()
        .unwrap_or(0)
}

impl Store {
    /// A consistent read-only snapshot of the store (see [`Snapshot`]). It holds one of the
    /// pool's connections until dropped.
    pub async fn snapshot(&self) -> Result<Snapshot> {
        let mut tx = match self.backend {
            Backend::Sqlite => self.pool.begin().await?,
            Backend::Postgres => {
                self.pool
                    .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                    .await?
            }
        };
        // SQLite fixes a deferred transaction's view at its first read
        let _: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM data_version")
            .fetch_one(&mut *tx)
            .await?;
        Ok(Snapshot {
            tx,
            backend: self.backend,
        })
    }

    /// The load in progress in this store, if any: (backup id, backup file).
    pub async fn restore_in_progress(&self) -> Result<Option<(String, String)>> {
        let row = sqlx::query("SELECT backup_id, backup_file FROM store_restore")
            .fetch_optional(&self.pool)
            .await?;
        Ok(match row {
            Some(row) => Some((row.try_get("backup_id")?, row.try_get("backup_file")?)),
            None => None,
        })
    }
}

/// The latest migration applied to a store (NULL before the first).
const LATEST_MIGRATION: &str = "SELECT MAX(version) FROM _sqlx_migrations WHERE success";

impl Snapshot {
    /// The latest migration applied to the snapshot's store.
    pub async fn schema_version(&mut self) -> Result<i64> {
        Ok(sqlx::query_scalar::<_, Option<i64>>(LATEST_MIGRATION)
            .fetch_one(&mut *self.tx)
            .await?
            .unwrap_or(0))
    }

    /// servq's tables in an order a restore can load them in (a table after those its foreign
    /// keys name), with their columns.
    pub async fn tables(
        &mut self,
        schema: &BTreeMap<String, crate::TableSchema>,
    ) -> Result<Vec<CopiedTable>> {
        let mut parents: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for table in schema.keys() {
            let sql = match self.backend {
                Backend::Sqlite => {
                    "SELECT DISTINCT \"table\" AS parent FROM pragma_foreign_key_list($1)"
                }
                Backend::Postgres => {
                    "SELECT DISTINCT c.confrelid::regclass::TEXT AS parent FROM pg_constraint c \
                     WHERE c.contype = 'f' \
                     AND c.conrelid = (quote_ident(current_schema()) || '.' || quote_ident($1))::regclass"
                }
            };
            let names: Vec<String> = sqlx::query_scalar(sql)
                .bind(table.as_str())
                .fetch_all(&mut *self.tx)
                .await?;
            parents.insert(
                table.clone(),
                names
                    .into_iter()
                    .map(|name| name.trim_matches('"').to_owned())
                    .filter(|name| name != table)
                    .collect(),
            );
        }
        let mut ordered: Vec<CopiedTable> = Vec::new();
        let mut placed = std::collections::BTreeSet::new();
        while placed.len() < parents.len() {
            let ready: Vec<String> = parents
                .iter()
                .filter(|(name, of)| {
                    !placed.contains(*name)
                        && of
                            .iter()
                            .all(|parent| placed.contains(parent) || !parents.contains_key(parent))
                })
                .map(|(name, _)| name.clone())
                .collect();
            if ready.is_empty() {
                return Err(StoreError::CorruptValue {
                    column: "foreign keys",
                    value: "a cycle between tables".to_owned(),
                });
            }
            for name in ready {
                placed.insert(name.clone());
                if !NOT_COPIED.contains(&name.as_str()) {
                    ordered.push(CopiedTable {
                        columns: schema[&name].columns.clone(),
                        name,
                    });
                }
            }
        }
        Ok(ordered)
    }

    /// The id high-water marks the engine keeps beside the rows, by table: PostgreSQL's serial
    /// sequences, SQLite's AUTOINCREMENT counters. A restore sets them at least this high, so an
    /// id used once (and since deleted) is not handed out again.
    pub async fn id_sequences(&mut self) -> Result<BTreeMap<String, i64>> {
        let rows = match self.backend {
            Backend::Sqlite => {
                sqlx::query("SELECT name, seq FROM sqlite_sequence")
                    .fetch_all(&mut *self.tx)
                    .await?
            }
            Backend::Postgres => {
                sqlx::query(
                    "SELECT table_name::TEXT AS name, \
                     pg_sequence_last_value(pg_get_serial_sequence(quote_ident(table_name), column_name)::regclass) AS seq \
                     FROM information_schema.columns WHERE table_schema = current_schema() \
                     AND column_default LIKE 'nextval(%'",
                )
                .fetch_all(&mut *self.tx)
                .await?
            }
        };
        let mut sequences = BTreeMap::new();
        for row in rows {
            let name: String = row.try_get("name")?;
            if let Some(seq) = row.try_get::<Option<i64>, _>("seq")?
                && !NOT_COPIED.contains(&name.as_str())
            {
                sequences.insert(name, seq);
            }
        }
        Ok(sequences)
    }

    /// Calls `each` with every row of `table`, values in column order. `each` may stop the
    /// reading by returning an error of its own.
    pub async fn for_each_row<E>(
        &mut self,
        table: &CopiedTable,
        mut each: impl FnMut(&[CellValue]) -> std::result::Result<(), E>,
    ) -> Result<std::result::Result<(), E>> {
        let columns: Vec<String> = table.columns.iter().map(|c| quoted(&c.name)).collect();
        let sql = format!("SELECT {} FROM {}", columns.join(", "), quoted(&table.name));
        let mut rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch(&mut *self.tx);
        let mut values = Vec::with_capacity(table.columns.len());
        while let Some(row) = rows.try_next().await? {
            values.clear();
            for (index, column) in table.columns.iter().enumerate() {
                values.push(read_cell(
                    &row,
                    index,
                    &column.kind,
                    &table.name,
                    &column.name,
                )?);
            }
            if let Err(error) = each(&values) {
                return Ok(Err(error));
            }
        }
        Ok(Ok(()))
    }

    /// Rows per table, as the snapshot sees them.
    pub async fn row_counts(&mut self, tables: &[CopiedTable]) -> Result<BTreeMap<String, i64>> {
        let mut counts = BTreeMap::new();
        for table in tables {
            counts.insert(
                table.name.clone(),
                count_rows(&mut self.tx, &table.name).await?,
            );
        }
        Ok(counts)
    }
}

async fn count_rows(connection: &mut AnyConnection, table: &str) -> Result<i64> {
    Ok(sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT COUNT(*) FROM {}",
        quoted(table)
    )))
    .fetch_one(connection)
    .await?)
}

fn read_cell(
    row: &sqlx::any::AnyRow,
    index: usize,
    kind: &str,
    table: &str,
    column: &str,
) -> Result<CellValue> {
    let value = match kind {
        "integer" => row
            .try_get::<Option<i64>, _>(index)?
            .map(CellValue::Integer),
        "text" => row
            .try_get::<Option<String>, _>(index)?
            .map(CellValue::Text),
        "bytes" => row
            .try_get::<Option<Vec<u8>>, _>(index)?
            .map(CellValue::Bytes),
        "real" => row.try_get::<Option<f64>, _>(index)?.map(CellValue::Real),
        other => {
            return Err(StoreError::CorruptValue {
                column: "column kind",
                value: format!("{table}.{column}: {other}"),
            });
        }
    };
    Ok(value.unwrap_or(CellValue::Null))
}

impl RestoreTarget {
    /// Opens the store at `url` for a restore of a backup at `backup_schema`: a new database is
    /// migrated up to that version and no further; an existing one must be at it already.
    pub async fn open(
        url: &str,
        backup_schema: i64,
    ) -> Result<std::result::Result<RestoreTarget, RestoreRefused>> {
        let known = newest_schema_version();
        if backup_schema > known {
            return Ok(Err(RestoreRefused::NewerSchema {
                known,
                backup: backup_schema,
            }));
        }
        let store = Store::connect(url).await?;
        let applied: Option<i64> = match sqlx::query_scalar::<_, Option<i64>>(LATEST_MIGRATION)
            .fetch_one(&store.pool)
            .await
        {
            Ok(version) => version,
            // a new database has no migration table yet (the engine refuses the query); a lost
            // connection is an error
            Err(sqlx::Error::Database(_)) => None,
            Err(other) => return Err(other.into()),
        };
        if let Some(applied) = applied
            && applied != backup_schema
        {
            store.close().await;
            return Ok(Err(RestoreRefused::SchemaMismatch {
                store: applied,
                backup: backup_schema,
            }));
        }
        let mut up_to = migrator(store.backend);
        up_to.migrations = up_to
            .migrations
            .iter()
            .filter(|migration| migration.version <= backup_schema)
            .cloned()
            .collect::<Vec<_>>()
            .into();
        up_to.run(&store.pool).await?;
        Ok(Ok(RestoreTarget {
            store,
            url: url.to_owned(),
        }))
    }

    /// The interrupted load marked in the store at `url`, if any: (backup id, backup file).
    /// Reads without migrating; a database servq never opened has none.
    pub async fn mark(url: &str) -> Result<Option<(String, String)>> {
        let store = Store::connect(url).await?;
        let mark = match store.restore_in_progress().await {
            Ok(mark) => mark,
            // a database servq never opened has no such table
            Err(StoreError::Database(sqlx::Error::Database(_))) => None,
            Err(other) => return Err(other),
        };
        store.close().await;
        Ok(mark)
    }

    /// Starts (or, with `resume`, continues) loading the backup `backup_id` into this store.
    pub async fn begin(
        &self,
        tables: &[CopiedTable],
        backup_id: &str,
        backup_file: &str,
        resume: bool,
        now_ms: i64,
    ) -> Result<std::result::Result<RestoreProgress, RestoreRefused>> {
        let store = &self.store;
        let mut tx = store.begin_write().await?;
        let marked = sqlx::query("SELECT backup_id, backup_file FROM store_restore")
            .fetch_optional(&mut *tx)
            .await?;
        if let Some(row) = marked {
            let (id, file): (String, String) =
                (row.try_get("backup_id")?, row.try_get("backup_file")?);
            if id != backup_id {
                return Ok(Err(RestoreRefused::OtherBackup {
                    backup_id: id,
                    backup_file: file,
                }));
            }
            if !resume {
                return Ok(Err(RestoreRefused::Interrupted { backup_file: file }));
            }
            let mut loaded = BTreeMap::new();
            for table in tables {
                loaded.insert(table.name.clone(), count_rows(&mut tx, &table.name).await?);
            }
            sqlx::query("UPDATE store_restore SET backup_file = $1")
                .bind(backup_file)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            return Ok(Ok(RestoreProgress {
                resumed: true,
                loaded,
            }));
        }
        for table in tables {
            if SEEDED_BY_MIGRATIONS.contains(&table.name.as_str()) {
                continue;
            }
            let rows = count_rows(&mut tx, &table.name).await?;
            if rows > 0 {
                return Ok(Err(RestoreRefused::NotEmpty {
                    table: table.name.clone(),
                    rows,
                }));
            }
        }
        for table in SEEDED_BY_MIGRATIONS {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "DELETE FROM {}",
                quoted(table)
            )))
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query(
            "INSERT INTO store_restore (backup_id, backup_file, started_at) VALUES ($1, $2, $3)",
        )
        .bind(backup_id)
        .bind(backup_file)
        .bind(now_ms)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Ok(RestoreProgress {
            resumed: false,
            loaded: tables.iter().map(|table| (table.name.clone(), 0)).collect(),
        }))
    }

    /// Inserts `rows` into `table` in one committed transaction.
    pub async fn load(&self, table: &CopiedTable, rows: &[Vec<CellValue>]) -> Result<()> {
        if rows.is_empty() {
            return Ok(());
        }
        let width = table.columns.len().max(1);
        // sqlx's SQLite driver looks each `$N` up by name, so a statement's binding costs the
        // square of its parameters (30 000 took 99 % of a restore's time); PostgreSQL binds by
        // position and gains from fewer, larger statements (up to 65 535 parameters)
        let parameters = match self.store.backend {
            Backend::Sqlite => 500,
            Backend::Postgres => 30_000,
        };
        let per_statement = (parameters / width).clamp(1, 500);
        let columns: Vec<String> = table.columns.iter().map(|c| quoted(&c.name)).collect();
        let mut tx = self.store.begin_write().await?;
        for chunk in rows.chunks(per_statement) {
            let mut sql = format!(
                "INSERT INTO {} ({}) VALUES ",
                quoted(&table.name),
                columns.join(", ")
            );
            let mut parameter = 0;
            for (index, _) in chunk.iter().enumerate() {
                if index > 0 {
                    sql.push_str(", ");
                }
                sql.push('(');
                for column in 0..table.columns.len() {
                    if column > 0 {
                        sql.push_str(", ");
                    }
                    parameter += 1;
                    sql.push_str(&format!("${parameter}"));
                }
                sql.push(')');
            }
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
            for row in chunk {
                for (value, column) in row.iter().zip(&table.columns) {
                    query = match (value, column.kind.as_str()) {
                        (CellValue::Integer(v), _) => query.bind(*v),
                        (CellValue::Real(v), _) => query.bind(*v),
                        (CellValue::Text(v), _) => query.bind(v.as_str()),
                        (CellValue::Bytes(v), _) => query.bind(v.as_slice()),
                        // a NULL is bound with its column's type: PostgreSQL refuses a text
                        // NULL for a BIGINT column
                        (CellValue::Null, "integer") => query.bind(None::<i64>),
                        (CellValue::Null, "real") => query.bind(None::<f64>),
                        (CellValue::Null, "bytes") => query.bind(None::<Vec<u8>>),
                        (CellValue::Null, _) => query.bind(None::<String>),
                    };
                }
            }
            query.execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Ends the load: id counters set at least as high as the backup's and as the loaded rows,
    /// the in-progress mark removed, and the migrations newer than the backup run. Returns the
    /// store, ready to serve.
    pub async fn finish(self, sequences: &BTreeMap<String, i64>) -> Result<Store> {
        let store = &self.store;
        let mut tx = store.begin_write().await?;
        match store.backend {
            Backend::Sqlite => {
                for (table, seq) in sequences {
                    let updated = sqlx::query(
                        "UPDATE sqlite_sequence SET seq = MAX(seq, $1) WHERE name = $2",
                    )
                    .bind(*seq)
                    .bind(table.as_str())
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                    let autoincrement: i64 = sqlx::query_scalar(
                        "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = $1 AND sql LIKE '%AUTOINCREMENT%'",
                    )
                    .bind(table.as_str())
                    .fetch_one(&mut *tx)
                    .await?;
                    if updated == 0 && autoincrement > 0 {
                        sqlx::query("INSERT INTO sqlite_sequence (name, seq) VALUES ($1, $2)")
                            .bind(table.as_str())
                            .bind(*seq)
                            .execute(&mut *tx)
                            .await?;
                    }
                }
            }
            Backend::Postgres => {
                let serial = sqlx::query(
                    "SELECT table_name::TEXT AS name, column_name::TEXT AS column_name \
                     FROM information_schema.columns WHERE table_schema = current_schema() \
                     AND column_default LIKE 'nextval(%'",
                )
                .fetch_all(&mut *tx)
                .await?;
                for row in serial {
                    let table: String = row.try_get("name")?;
                    let column: String = row.try_get("column_name")?;
                    let recorded = sequences.get(&table).copied().unwrap_or(0);
                    let sql = format!(
                        "SELECT setval(pg_get_serial_sequence($1, $2), GREATEST(COALESCE(MAX({col}), 0), $3, 1), \
                         GREATEST(COALESCE(MAX({col}), 0), $3) > 0) FROM {table}",
                        col = quoted(&column),
                        table = quoted(&table),
                    );
                    sqlx::query(sqlx::AssertSqlSafe(sql))
                        .bind(quoted(&table))
                        .bind(column.as_str())
                        .bind(recorded)
                        .execute(&mut *tx)
                        .await?;
                }
            }
        }
        sqlx::query("DELETE FROM store_restore")
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        self.store.close().await;
        Store::open(&self.url).await
    }

    /// The store being loaded.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Closes the target's connections (an interrupted load keeps its mark).
    pub async fn close(&self) {
        self.store.close().await;
    }
}
