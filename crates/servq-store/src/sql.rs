//! The SQL helpers every writer shares: multi-row INSERTs in batches, `IN (…)` placeholder
//! lists, and single fixed statements — written once for both engines' placeholder styles.

use sqlx::{Any, query::Query};

use crate::Result;

/// Rows per multi-row INSERT: large enough to amortise statement overhead, small enough to stay
/// under SQLite's 32 766 bound parameters.
pub(crate) const BATCH_ROWS: usize = 1000;

/// Builds `prefix VALUES (…),(…)`. SQLite gets anonymous `?` placeholders: its parser looks up
/// each named or `$N` parameter in a linear list, which makes a 20 000-parameter statement take
/// a second to prepare; PostgreSQL needs `$N`.
pub(crate) fn insert_values_sql(
    prefix: &str,
    columns: usize,
    rows: usize,
    numbered: bool,
) -> String {
    let mut sql = String::with_capacity(prefix.len() + rows * columns * 6);
    sql.push_str(prefix);
    sql.push_str(" VALUES ");
    for row in 0..rows {
        if row > 0 {
            sql.push(',');
        }
        sql.push('(');
        for column in 0..columns {
            if column > 0 {
                sql.push(',');
            }
            if numbered {
                sql.push('$');
                sql.push_str(&(row * columns + column + 1).to_string());
            } else {
                sql.push('?');
            }
        }
        sql.push(')');
    }
    sql
}

/// `count` bind placeholders separated by commas, for an `IN (…)` list: `?` on SQLite, `$N` on
/// PostgreSQL (see [`insert_values_sql`]).
pub(crate) fn placeholders(count: usize, numbered: bool) -> String {
    (1..=count)
        .map(|n| {
            if numbered {
                format!("${n}")
            } else {
                "?".to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// Executes a multi-row INSERT of `rows`, binding each with `bind`.
pub(crate) async fn insert_batch<'a, T>(
    connection: &mut sqlx::AnyConnection,
    prefix: &str,
    columns: usize,
    rows: &'a [T],
    bind: impl FnMut(
        Query<'a, Any, sqlx::any::AnyArguments>,
        &'a T,
    ) -> Query<'a, Any, sqlx::any::AnyArguments>,
) -> Result<()> {
    insert_batch_then(connection, prefix, "", columns, rows, bind).await
}

/// [`insert_batch`] with `suffix` after the values (an `ON CONFLICT …` clause).
pub(crate) async fn insert_batch_then<'a, T>(
    connection: &mut sqlx::AnyConnection,
    prefix: &str,
    suffix: &str,
    columns: usize,
    rows: &'a [T],
    mut bind: impl FnMut(
        Query<'a, Any, sqlx::any::AnyArguments>,
        &'a T,
    ) -> Query<'a, Any, sqlx::any::AnyArguments>,
) -> Result<()> {
    let numbered = connection.backend_name() != "SQLite";
    for chunk in rows.chunks(BATCH_ROWS) {
        let mut sql = insert_values_sql(prefix, columns, chunk.len(), numbered);
        sql.push_str(suffix);
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for row in chunk {
            query = bind(query, row);
        }
        query.execute(&mut *connection).await?;
    }
    Ok(())
}

/// A value of a row written by [`insert_values`].
#[derive(Debug, Clone, Copy)]
pub enum Value<'a> {
    Int(Option<i64>),
    Text(Option<&'a str>),
}

/// Rows PostgreSQL takes in one statement of [`insert_values`].
pub(crate) const ARRAY_ROWS: usize = 10_000;

/// Inserts `rows` — `prefix` is `INSERT INTO t (columns…)`, `suffix` an `ON CONFLICT …` clause
/// or empty — each given by `values` as its values in column order (a column holds one kind of
/// value). PostgreSQL takes each column of up to [`ARRAY_ROWS`] rows as one array (`unnest`):
/// a handful of parameters instead of one per value, for the bulk writes of imports (sqlx's
/// `Any` driver, which the store speaks, has no `COPY`). SQLite has no arrays; it takes
/// [`insert_batch_then`]'s `VALUES` with anonymous parameters, which is cheap there.
pub(crate) async fn insert_values<'a, T>(
    connection: &mut sqlx::AnyConnection,
    prefix: &str,
    suffix: &str,
    columns: usize,
    rows: &'a [T],
    mut values: impl FnMut(&'a T, &mut Vec<Value<'a>>),
) -> Result<()> {
    let mut row_values = Vec::with_capacity(columns);
    if connection.backend_name() == "SQLite" {
        return insert_batch_then(connection, prefix, suffix, columns, rows, |query, row| {
            row_values.clear();
            values(row, &mut row_values);
            row_values.iter().fold(query, |query, value| match *value {
                Value::Int(v) => query.bind(v),
                Value::Text(v) => query.bind(v),
            })
        })
        .await;
    }
    for chunk in rows.chunks(ARRAY_ROWS) {
        let mut arrays = vec![String::from("{"); columns];
        let mut types = vec!["text[]"; columns];
        for (n, row) in chunk.iter().enumerate() {
            row_values.clear();
            values(row, &mut row_values);
            for ((array, array_type), value) in arrays.iter_mut().zip(&mut types).zip(&row_values) {
                if n > 0 {
                    array.push(',');
                }
                if let Value::Int(_) = value {
                    *array_type = "bigint[]";
                }
                push_array_element(array, *value);
            }
        }
        let casts: Vec<String> = types
            .iter()
            .enumerate()
            .map(|(at, array_type)| format!("${}::{array_type}", at + 1))
            .collect();
        let sql = format!(
            "{prefix} SELECT * FROM unnest({}){suffix}",
            casts.join(", ")
        );
        let query =
            arrays
                .into_iter()
                .fold(sqlx::query(sqlx::AssertSqlSafe(sql)), |query, mut array| {
                    array.push('}');
                    query.bind(array)
                });
        query.execute(&mut *connection).await?;
    }
    Ok(())
}

/// Appends `value` as an element of a PostgreSQL array literal: NULL bare, numbers as they are,
/// text double-quoted with `"` and `\` escaped (so any text, commas and braces included, comes
/// back as it was).
fn push_array_element(array: &mut String, value: Value<'_>) {
    use std::fmt::Write;
    match value {
        Value::Int(None) | Value::Text(None) => array.push_str("NULL"),
        Value::Int(Some(number)) => {
            let _ = write!(array, "{number}");
        }
        Value::Text(Some(text)) => {
            array.push('"');
            for ch in text.chars() {
                if ch == '"' || ch == '\\' {
                    array.push('\\');
                }
                array.push(ch);
            }
            array.push('"');
        }
    }
}

/// Drops the secondary indexes of `table` (SQLite), giving the statements that create them
/// again: a table filled from empty in one transaction gets its indexes built once from the
/// sorted rows, far cheaper than keeping them up to date row by row (10 M contacts: 84 s of
/// inserting became 10 s plus 24 s of building). The definitions stay those of the migrations.
/// Other connections go on reading the committed schema; the transaction holds the write lock.
pub(crate) async fn set_aside_indexes(
    connection: &mut sqlx::AnyConnection,
    table: &str,
) -> Result<Vec<String>> {
    let indexes: Vec<(String, String)> = sqlx::query_as(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = $1 AND sql IS NOT NULL",
    )
    .bind(table)
    .fetch_all(&mut *connection)
    .await?;
    for (name, _) in &indexes {
        sqlx::query(sqlx::AssertSqlSafe(format!("DROP INDEX {name}")))
            .execute(&mut *connection)
            .await?;
    }
    Ok(indexes.into_iter().map(|(_, create)| create).collect())
}

/// Runs the statements [`set_aside_indexes`] gave.
pub(crate) async fn restore_indexes(
    connection: &mut sqlx::AnyConnection,
    creates: Vec<String>,
) -> Result<()> {
    for create in creates {
        sqlx::query(sqlx::AssertSqlSafe(create))
            .execute(&mut *connection)
            .await?;
    }
    Ok(())
}

/// Runs one fixed statement, giving the number of rows it changed.
pub(crate) async fn execute(
    connection: &mut sqlx::AnyConnection,
    sql: &'static str,
) -> Result<u64> {
    Ok(sqlx::query(sql)
        .execute(&mut *connection)
        .await?
        .rows_affected())
}

pub(crate) async fn scalar(connection: &mut sqlx::AnyConnection, sql: &'static str) -> Result<i64> {
    Ok(sqlx::query_scalar(sql).fetch_one(&mut *connection).await?)
}

/// Gives PostgreSQL's planner the size and spread of a temporary table filled in this
/// transaction (autovacuum never analyses temporary tables; without it a join with a file of a
/// million rows is planned as if it held a few hundred). SQLite plans well without.
pub(crate) async fn analyze(connection: &mut sqlx::AnyConnection, table: &str) -> Result<()> {
    if connection.backend_name() != "SQLite" {
        sqlx::query(sqlx::AssertSqlSafe(format!("ANALYZE {table}")))
            .execute(&mut *connection)
            .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_sql_numbers_parameters_row_major() {
        assert_eq!(
            insert_values_sql("INSERT INTO t (a, b)", 2, 2, true),
            "INSERT INTO t (a, b) VALUES ($1,$2),($3,$4)"
        );
        assert_eq!(
            insert_values_sql("INSERT INTO t (a)", 1, 2, false),
            "INSERT INTO t (a) VALUES (?),(?)"
        );
        assert_eq!(placeholders(3, true), "$1,$2,$3");
        assert_eq!(placeholders(2, false), "?,?");
    }
}
