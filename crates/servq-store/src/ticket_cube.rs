//! Ticket KPIs from a day cube (migration 0014). A year of tickets is a million rows; the
//! dashboard and `GET /api/v1/desk/kpi` read a few thousand cube rows instead.
//!
//! Writes log the instants they touched (a ticket's creation and resolution, before and after
//! the change) in `ticket_cube_dirty`, an append-only log, so concurrent writers never wait on
//! one another. A report first takes the log (`DELETE … RETURNING`: an entry whose writer has
//! not committed yet is not seen and stays for the next report) and re-sums the local days it
//! names from the tickets, in one transaction serialised by SQLite's write lock or a PostgreSQL
//! advisory lock.

use std::collections::BTreeMap;

use jiff::{Timestamp, tz::TimeZone};
use sqlx::{AnyConnection, Row};

use crate::{Backend, Result, Store, TicketGroup, cubes, sql::insert_batch};

/// Reads the [`CREATED_SUMS`] of a row (columns 1.. after the group key) into the first slots of
/// a cube row or a counters array (`servq_desk::TicketCounters::from_array` order).
pub(crate) fn read_created_sums(row: &sqlx::any::AnyRow, counters: &mut [i64]) -> Result<()> {
    for (index, value) in counters.iter_mut().take(CREATED_SUMS.len()).enumerate() {
        *value = row.try_get(index + 1)?;
    }
    Ok(())
}

/// Serialises cube refreshes on PostgreSQL (an arbitrary key of `pg_advisory_xact_lock`).
const REFRESH_LOCK: i64 = 0x7365_7276_7164_6b31;

/// The cube's groups: `dim` value and the ticket column it groups by ('' = every ticket).
const DIMS: [(&str, &str); 7] = [
    ("", "''"),
    ("team", "t.team"),
    ("category", "t.category"),
    ("priority", "t.priority"),
    ("type", "t.ticket_type"),
    ("assignee", "t.assignee"),
    ("channel", "t.channel"),
];

/// The counters of the tickets created in a period — the one definition the cube and
/// `Store::ticket_counters_live` share — in `servq_desk::TicketCounters::FIELDS` order (backlog
/// apart), as SQL over a ticket `t` and its first-response `f` and resolution `r` clocks.
pub(crate) const CREATED_SUMS: [(&str, &str); 9] = [
    ("created", "COUNT(*)"),
    (
        "resolved",
        "SUM(CASE WHEN t.resolved_at IS NOT NULL THEN 1 ELSE 0 END)",
    ),
    (
        "responded",
        "SUM(CASE WHEN f.state IN ('met', 'breached') THEN 1 ELSE 0 END)",
    ),
    (
        "first_response_ms",
        "SUM(CASE WHEN f.state IN ('met', 'breached') THEN f.used_ms ELSE 0 END)",
    ),
    (
        "resolution_ms",
        "SUM(CASE WHEN t.resolved_at IS NOT NULL AND r.state IN ('met', 'breached') \
         THEN r.used_ms ELSE 0 END)",
    ),
    (
        "complaints",
        "SUM(CASE WHEN t.ticket_type = 'complaint' THEN 1 ELSE 0 END)",
    ),
    (
        "complaints_in_24h",
        "SUM(CASE WHEN t.ticket_type = 'complaint' AND t.resolved_at IS NOT NULL \
         AND t.resolved_at - t.created_at <= 86400000 THEN 1 ELSE 0 END)",
    ),
    (
        "sla_met",
        "SUM(CASE WHEN f.state = 'met' THEN 1 ELSE 0 END) \
         + SUM(CASE WHEN r.state = 'met' THEN 1 ELSE 0 END)",
    ),
    (
        "sla_breached",
        "SUM(CASE WHEN f.breached = 1 THEN 1 ELSE 0 END) \
         + SUM(CASE WHEN r.breached = 1 THEN 1 ELSE 0 END)",
    ),
];

pub(crate) const CLOCK_JOINS: &str = "LEFT JOIN sla_clocks f ON f.ticket_id = t.ticket_id \
     AND f.metric = 'first_response' \
     LEFT JOIN sla_clocks r ON r.ticket_id = t.ticket_id AND r.metric = 'resolution'";

/// Logs a ticket's creation and resolution instants (call before and after changing it, in the
/// same transaction, so both its old and new days are re-summed).
pub(crate) async fn mark_ticket(connection: &mut AnyConnection, ticket_id: &str) -> Result<()> {
    sqlx::query(
        "INSERT INTO ticket_cube_dirty (at) SELECT created_at FROM tickets WHERE ticket_id = $1 \
         UNION ALL SELECT resolved_at FROM tickets WHERE ticket_id = $1 AND resolved_at IS NOT NULL",
    )
    .bind(ticket_id)
    .execute(connection)
    .await?;
    Ok(())
}

/// The distinct 15-minute buckets of instants, in order (log entries are the KPI rollups'
/// buckets: every zone offset is a multiple of 15 minutes, so a bucket lies in one local day).
fn buckets(instants: impl IntoIterator<Item = i64>) -> Vec<i64> {
    let mut buckets: Vec<i64> = instants.into_iter().map(servq_kpi::bucket_start).collect();
    buckets.sort_unstable();
    buckets.dedup();
    buckets
}

/// Logs instants (an import's creations and resolutions), one entry per 15-minute bucket.
pub(crate) async fn mark_instants(
    connection: &mut AnyConnection,
    instants: impl IntoIterator<Item = i64>,
) -> Result<()> {
    let buckets = buckets(instants);
    insert_batch(
        connection,
        "INSERT INTO ticket_cube_dirty (at)",
        1,
        &buckets,
        |query, at| query.bind(*at),
    )
    .await
}

/// Empties the cube and logs every ticket's days (the centre's zone changed: days are cut at
/// other midnights).
pub(crate) async fn mark_all(connection: &mut AnyConnection) -> Result<()> {
    sqlx::query("DELETE FROM ticket_day_cube")
        .execute(&mut *connection)
        .await?;
    sqlx::query(
        "INSERT INTO ticket_cube_dirty (at) \
         SELECT DISTINCT created_at - created_at % 900000 FROM tickets \
         UNION SELECT DISTINCT resolved_at - resolved_at % 900000 FROM tickets \
         WHERE resolved_at IS NOT NULL",
    )
    .execute(connection)
    .await?;
    Ok(())
}

/// How much of the log one refresh transaction takes: the entries within this span of the
/// oldest, so that re-summing a year after an import holds the write lock for a week's tickets
/// at a time, never long enough to make other writers time out.
const REFRESH_SPAN_MS: i64 = 7 * 24 * 3_600_000;

/// One refresh step: the log entries taken (ids) and the local days they name.
struct Step {
    ids: Vec<i64>,
    days: Vec<(i64, i64)>,
}

/// The log's entries of the week from its oldest one and their days; `None` when the log is
/// empty.
async fn next_step(connection: &mut AnyConnection) -> Result<Option<Step>> {
    let oldest: Option<i64> = sqlx::query_scalar("SELECT MIN(at) FROM ticket_cube_dirty")
        .fetch_one(&mut *connection)
        .await?;
    let Some(oldest) = oldest else {
        return Ok(None);
    };
    let entries = sqlx::query("SELECT id, at FROM ticket_cube_dirty WHERE at < $1")
        .bind(oldest + REFRESH_SPAN_MS)
        .fetch_all(&mut *connection)
        .await?;
    let mut ids = Vec::with_capacity(entries.len());
    let mut instants = Vec::with_capacity(entries.len());
    for entry in &entries {
        ids.push(entry.try_get::<i64, _>(0)?);
        instants.push(entry.try_get::<i64, _>(1)?);
    }
    let zone = cubes::centre_zone(connection).await?;
    Ok(Some(Step {
        ids,
        days: cubes::days_of(&buckets(instants), &zone),
    }))
}

/// A cube row: (day start, dim, key) and the counters in `CREATED_SUMS` order, then the
/// tickets resolved that day.
type CubeRows = BTreeMap<(i64, &'static str, String), [i64; 10]>;

/// Sums the days from the tickets (reads only).
async fn sum_days(connection: &mut AnyConnection, days: &[(i64, i64)]) -> Result<CubeRows> {
    let sums = CREATED_SUMS
        .map(|(_, sum)| format!("CAST(COALESCE({sum}, 0) AS BIGINT)"))
        .join(", ");
    let mut rows = CubeRows::new();
    for &(start, end) in days {
        for (dim, column) in DIMS {
            // PostgreSQL refuses GROUP BY a constant
            let group = if dim.is_empty() {
                String::new()
            } else {
                format!(" GROUP BY {column}")
            };
            let created = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {column}, {sums} FROM tickets t {CLOCK_JOINS} \
                 WHERE t.created_at >= $1 AND t.created_at < $2{group}"
            )))
            .bind(start)
            .bind(end)
            .fetch_all(&mut *connection)
            .await?;
            for row in &created {
                let count: i64 = row.try_get(1)?;
                if count == 0 {
                    continue; // the ungrouped sum of an empty day
                }
                read_created_sums(row, rows.entry((start, dim, row.try_get(0)?)).or_default())?;
            }
            let resolved = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {column}, COUNT(*) FROM tickets t \
                 WHERE t.resolved_at >= $1 AND t.resolved_at < $2{group}"
            )))
            .bind(start)
            .bind(end)
            .fetch_all(&mut *connection)
            .await?;
            for row in &resolved {
                let count: i64 = row.try_get(1)?;
                if count > 0 {
                    rows.entry((start, dim, row.try_get(0)?)).or_default()[9] = count;
                }
            }
        }
    }
    Ok(rows)
}

/// Replaces the cube rows of the days and removes the log entries that named them.
async fn write_step(connection: &mut AnyConnection, step: &Step, rows: &CubeRows) -> Result<()> {
    for (start, _) in &step.days {
        sqlx::query("DELETE FROM ticket_day_cube WHERE day_start = $1")
            .bind(*start)
            .execute(&mut *connection)
            .await?;
    }
    let names = CREATED_SUMS.map(|(name, _)| name).join(", ");
    let rows: Vec<_> = rows.iter().collect();
    insert_batch(
        connection,
        &format!("INSERT INTO ticket_day_cube (day_start, dim, key, {names}, left_backlog)"),
        13,
        &rows,
        |query, ((day, dim, key), values)| {
            values.iter().fold(
                query.bind(*day).bind(*dim).bind(key.as_str()),
                |query, value| query.bind(*value),
            )
        },
    )
    .await?;
    let numbered = connection.backend_name() != "SQLite";
    for chunk in step.ids.chunks(1000) {
        let placeholders = crate::sql::placeholders(chunk.len(), numbered);
        let mut query = sqlx::query(sqlx::AssertSqlSafe(format!(
            "DELETE FROM ticket_cube_dirty WHERE id IN ({placeholders})"
        )));
        for id in chunk {
            query = query.bind(*id);
        }
        query.execute(&mut *connection).await?;
    }
    Ok(())
}

/// The number of refresh steps written so far (SQLite: a refresh that summed from an older
/// snapshot than the last one written must not overwrite it).
async fn cube_version(connection: &mut AnyConnection) -> Result<i64> {
    let value: Option<String> = sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
        .bind(CUBE_VERSION_KEY)
        .fetch_optional(connection)
        .await?;
    Ok(value.and_then(|v| v.parse().ok()).unwrap_or(0))
}

const CUBE_VERSION_KEY: &str = "desk.ticket_cube_version";

/// The start of the local day holding `at`.
fn day_start(at_ms: i64, zone: &TimeZone) -> Option<i64> {
    let zoned = Timestamp::from_millisecond(at_ms)
        .ok()?
        .to_zoned(zone.clone());
    Some(zoned.start_of_day().ok()?.timestamp().as_millisecond())
}

impl Store {
    /// Brings the ticket cube up to date with every committed change (a no-op when nothing
    /// changed), a week of the log at a time. Reports call it first, imports at their end, and
    /// the escalation loop every minute so that a busy desk's log stays short.
    ///
    /// PostgreSQL sums and writes in one transaction under an advisory lock (readers and
    /// ticket writers never wait on it). SQLite sums in a read transaction — its snapshot —
    /// and then only writes the sums under the write lock, so tickets keep being written
    /// while a day is summed; a step whose snapshot is older than the last one written is
    /// summed again.
    pub async fn refresh_ticket_cube(&self) -> Result<()> {
        loop {
            let pending: Option<i64> =
                sqlx::query_scalar("SELECT id FROM ticket_cube_dirty LIMIT 1")
                    .fetch_optional(&self.pool)
                    .await?;
            if pending.is_none() {
                return Ok(());
            }
            if self.backend() == Backend::Postgres {
                let mut transaction = self.begin_write().await?;
                sqlx::query("SELECT pg_advisory_xact_lock($1)")
                    .bind(REFRESH_LOCK)
                    .execute(&mut *transaction)
                    .await?;
                let Some(step) = next_step(&mut transaction).await? else {
                    return Ok(());
                };
                let rows = sum_days(&mut transaction, &step.days).await?;
                write_step(&mut transaction, &step, &rows).await?;
                transaction.commit().await?;
                continue;
            }
            let mut snapshot = self.pool.begin().await?;
            let version = cube_version(&mut snapshot).await?;
            let Some(step) = next_step(&mut snapshot).await? else {
                return Ok(());
            };
            let rows = sum_days(&mut snapshot, &step.days).await?;
            snapshot.commit().await?;
            let mut transaction = self.begin_write().await?;
            if cube_version(&mut transaction).await? != version {
                continue; // another refresh wrote newer sums meanwhile
            }
            write_step(&mut transaction, &step, &rows).await?;
            sqlx::query(
                "INSERT INTO settings (key, value) VALUES ($1, $2) \
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            )
            .bind(CUBE_VERSION_KEY)
            .bind((version + 1).to_string())
            .execute(&mut *transaction)
            .await?;
            transaction.commit().await?;
        }
    }

    /// The counters of all tickets for `[from_ms, to_ms)` (one row of [`Store::ticket_counters`]
    /// without a group).
    pub async fn ticket_totals(
        &self,
        from_ms: i64,
        to_ms: i64,
        aged_ms: i64,
    ) -> Result<servq_desk::TicketCounters> {
        Ok(self
            .ticket_counters(from_ms, to_ms, None, aged_ms)
            .await?
            .into_iter()
            .next()
            .map(|(_, counters)| counters)
            .unwrap_or_default())
    }

    /// Ticket counters per group (see [`Store::ticket_counters_live`] for the definitions),
    /// read from the day cube when `[from_ms, to_ms)` are local midnights of the centre's zone
    /// (as every report asks), else counted from the tickets.
    pub async fn ticket_counters(
        &self,
        from_ms: i64,
        to_ms: i64,
        group: Option<TicketGroup>,
        aged_ms: i64,
    ) -> Result<Vec<(Option<String>, servq_desk::TicketCounters)>> {
        let zone = {
            let mut connection = self.pool.acquire().await?;
            cubes::centre_zone(&mut connection).await?
        };
        let aged_from = to_ms - aged_ms;
        let (Some(aged_day), true) = (
            day_start(aged_from, &zone),
            day_start(from_ms, &zone) == Some(from_ms) && day_start(to_ms, &zone) == Some(to_ms),
        ) else {
            return self
                .ticket_counters_live(from_ms, to_ms, group, aged_ms)
                .await;
        };
        self.refresh_ticket_cube().await?;
        let dim = group.map_or("", TicketGroup::name);
        let column = DIMS
            .iter()
            .find(|(name, _)| *name == dim)
            .map_or("''", |(_, column)| column);
        let mut groups: BTreeMap<String, [i64; 11]> = BTreeMap::new();
        let sums = CREATED_SUMS
            .map(|(name, _)| format!("CAST(COALESCE(SUM({name}), 0) AS BIGINT)"))
            .join(", ");
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT key, {sums} FROM ticket_day_cube WHERE dim = $1 AND day_start >= $2 \
             AND day_start < $3 GROUP BY key"
        )))
        .bind(dim)
        .bind(from_ms)
        .bind(to_ms)
        .fetch_all(&self.pool)
        .await?;
        for row in &rows {
            read_created_sums(row, groups.entry(row.try_get(0)?).or_default())?;
        }
        // backlog at to = created before it − resolved before it; aged: created before
        // to − aged and not resolved before to, the part after aged_day's midnight counted
        // from the tickets of those last days
        let rows = sqlx::query(
            "SELECT key, CAST(COALESCE(SUM(created - left_backlog), 0) AS BIGINT), \
             CAST(COALESCE(SUM(CASE WHEN day_start < $3 THEN created ELSE 0 END) \
             - SUM(left_backlog), 0) AS BIGINT) \
             FROM ticket_day_cube WHERE dim = $1 AND day_start < $2 GROUP BY key",
        )
        .bind(dim)
        .bind(to_ms)
        .bind(aged_day)
        .fetch_all(&self.pool)
        .await?;
        for row in &rows {
            let key: String = row.try_get(0)?;
            let (backlog, aged): (i64, i64) = (row.try_get(1)?, row.try_get(2)?);
            if backlog != 0 || aged != 0 || groups.contains_key(&key) {
                let entry = groups.entry(key).or_default();
                entry[9] = backlog;
                entry[10] = aged;
            }
        }
        let group_by = if dim.is_empty() {
            String::new()
        } else {
            format!(" GROUP BY {column}")
        };
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {column}, CAST(COALESCE(SUM(CASE WHEN t.created_at < $3 THEN 1 \
             WHEN t.resolved_at IS NOT NULL AND t.resolved_at < $2 THEN 1 ELSE 0 END), 0) AS BIGINT) \
             FROM tickets t WHERE t.created_at >= $1 AND t.created_at < $2{group_by}"
        )))
        .bind(aged_day)
        .bind(to_ms)
        .bind(aged_from)
        .fetch_all(&self.pool)
        .await?;
        for row in &rows {
            let recent: i64 = row.try_get(1)?;
            if recent != 0 {
                groups.entry(row.try_get(0)?).or_default()[10] += recent;
            }
        }
        if group.is_none() {
            groups.entry(String::new()).or_default();
        }
        Ok(groups
            .into_iter()
            .filter(|(_, values)| group.is_none() || values.iter().any(|v| *v != 0))
            .map(|(key, values)| {
                (
                    group.map(|_| key),
                    servq_desk::TicketCounters::from_array(values),
                )
            })
            .collect())
    }
}

#[cfg(test)]
mod complaint_type_tests {
    /// The SQL counts complaints by the ticket type `servq-desk` defines; a renamed type must
    /// not silently count none.
    #[test]
    fn complaint_sums_use_the_desks_complaint_type() {
        let literal = format!("t.ticket_type = '{}'", servq_desk::COMPLAINT);
        for (name, sql) in &super::CREATED_SUMS[5..7] {
            assert!(name.starts_with("complaints"), "{name}");
            assert!(sql.contains(&literal), "{name}: {sql}");
        }
    }
}
