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
