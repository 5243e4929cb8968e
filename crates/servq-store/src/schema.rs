//! The live schema of a store — tables, columns with their kind and nullability, primary keys,
//! and the indexes created by the migrations — read from the engine's own catalogue. The
//! SQLite and PostgreSQL migrations are twins written by hand; the twin test compares the two
//! live schemas, and operations (moving a store between engines) can check what they copy.

use std::collections::BTreeMap;

use sqlx::Row;

use crate::{Backend, Result, Store};

/// A column: its name, the kind of value it holds (`integer`, `text`, `bytes`, `real`) and
/// whether it may be NULL.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ColumnSchema {
    /// Column name.
    pub name: String,
    /// `integer`, `text`, `bytes`, `real`, or the engine's own name for anything else.
    pub kind: String,
    /// Whether NULL is allowed (a primary-key column is NOT NULL on both engines).
    pub nullable: bool,
}

/// A table: its columns in order, its primary key and its created indexes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TableSchema {
    /// Columns in declaration order.
    pub columns: Vec<ColumnSchema>,
    /// The primary key's columns, in key order.
    pub primary_key: Vec<String>,
    /// Indexes created with CREATE INDEX: name → (unique, columns in order).
    pub indexes: BTreeMap<String, (bool, Vec<String>)>,
}

/// The kind of a declared type, the same on both engines.
fn kind(declared: &str) -> String {
    let lower = declared.trim().to_ascii_lowercase();
    match lower.as_str() {
        "bigint" | "integer" | "int" | "int8" | "bigserial" => "integer".to_owned(),
        "text" | "character varying" | "varchar" => "text".to_owned(),
        "blob" | "bytea" => "bytes".to_owned(),
        "real" | "double precision" | "double" | "float8" => "real".to_owned(),
        _ => lower,
    }
}

impl Store {
    /// The live schema, table by table (sqlx's migration table and engine internals left out).
    pub async fn schema(&self) -> Result<BTreeMap<String, TableSchema>> {
        match self.backend {
            Backend::Sqlite => self.sqlite_schema().await,
            Backend::Postgres => self.postgres_schema().await,
        }
    }

    async fn sqlite_schema(&self) -> Result<BTreeMap<String, TableSchema>> {
        let tables: Vec<String> = sqlx::query_scalar(
            "SELECT name FROM sqlite_master WHERE type = 'table' \
             AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_sqlx_%' ORDER BY name",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut schema = BTreeMap::new();
        for table in tables {
            let mut entry = TableSchema::default();
            let columns = sqlx::query(
                "SELECT name, type, \"notnull\" AS not_null, pk FROM pragma_table_info($1) ORDER BY cid",
            )
            .bind(&table)
            .fetch_all(&self.pool)
            .await?;
            let mut key: Vec<(i64, String)> = Vec::new();
            for row in &columns {
                let name: String = row.try_get("name")?;
                let pk: i64 = row.try_get("pk")?;
                let not_null: i64 = row.try_get("not_null")?;
                if pk > 0 {
                    key.push((pk, name.clone()));
                }
                entry.columns.push(ColumnSchema {
                    kind: kind(&row.try_get::<String, _>("type")?),
                    nullable: not_null == 0 && pk == 0,
                    name,
                });
            }
            key.sort();
            entry.primary_key = key.into_iter().map(|(_, name)| name).collect();
            let indexes = sqlx::query(
                "SELECT name, \"unique\" AS is_unique FROM pragma_index_list($1) WHERE origin = 'c'",
            )
            .bind(&table)
            .fetch_all(&self.pool)
            .await?;
            for row in &indexes {
                let name: String = row.try_get("name")?;
                let unique: i64 = row.try_get("is_unique")?;
                let columns: Vec<String> =
                    sqlx::query_scalar("SELECT name FROM pragma_index_info($1) ORDER BY seqno")
                        .bind(&name)
                        .fetch_all(&self.pool)
                        .await?;
                entry.indexes.insert(name, (unique != 0, columns));
            }
            schema.insert(table, entry);
        }
        Ok(schema)
    }

    async fn postgres_schema(&self) -> Result<BTreeMap<String, TableSchema>> {
        let tables: Vec<String> = sqlx::query_scalar(
            "SELECT table_name::TEXT FROM information_schema.tables \
             WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' \
             AND table_name NOT LIKE '\\_sqlx\\_%' ORDER BY table_name",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut schema = BTreeMap::new();
        for table in tables {
            let mut entry = TableSchema::default();
            let columns = sqlx::query(
                "SELECT column_name::TEXT AS name, data_type::TEXT AS type, \
                 is_nullable::TEXT AS nullable FROM information_schema.columns \
                 WHERE table_schema = current_schema() AND table_name = $1 \
                 ORDER BY ordinal_position",
            )
            .bind(&table)
            .fetch_all(&self.pool)
            .await?;
            for row in &columns {
                entry.columns.push(ColumnSchema {
                    name: row.try_get("name")?,
                    kind: kind(&row.try_get::<String, _>("type")?),
                    nullable: row.try_get::<String, _>("nullable")? == "YES",
                });
            }
            entry.primary_key = sqlx::query_scalar(
                "SELECT a.attname::TEXT FROM pg_index i \
                 JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, position) ON TRUE \
                 JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum \
                 WHERE i.indrelid = (quote_ident(current_schema()) || '.' || quote_ident($1))::regclass \
                 AND i.indisprimary ORDER BY k.position",
            )
            .bind(&table)
            .fetch_all(&self.pool)
            .await?;
            // indexes that back no constraint: those the migrations created with CREATE INDEX
            let indexes = sqlx::query(
                "SELECT c.relname::TEXT AS name, CASE WHEN i.indisunique THEN 1 ELSE 0 END AS is_unique, \
                 array_to_string(ARRAY(SELECT a.attname::TEXT FROM unnest(i.indkey) WITH ORDINALITY AS k(attnum, position) \
                 JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum ORDER BY k.position), ',') AS columns \
                 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid \
                 WHERE i.indrelid = (quote_ident(current_schema()) || '.' || quote_ident($1))::regclass \
                 AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)",
            )
            .bind(&table)
            .fetch_all(&self.pool)
            .await?;
            for row in &indexes {
                let columns: String = row.try_get("columns")?;
                let unique: i32 = row.try_get("is_unique")?;
                entry.indexes.insert(
                    row.try_get("name")?,
                    (unique != 0, columns.split(',').map(str::to_owned).collect()),
                );
            }
            schema.insert(table, entry);
        }
        Ok(schema)
    }
}
