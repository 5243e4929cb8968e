//! Rollup maintenance. Imports record which 15-minute buckets and which (customer, category)
//! issues they touched in temporary tables; this module re-links repeat contacts for those issues
//! and recomputes exactly those buckets from the raw rows, using `servq-kpi` for every definition
//! so that the SQL here only moves data.

use std::collections::{HashMap, HashSet};

use futures::TryStreamExt;
use servq_core::{AgentStateKind, MAX_STATE_SECONDS};
use servq_kpi::{
    BUCKET_MS, ContactCounters, ContactFacts, KpiSettings, StateCounters, split_into_buckets,
};
use sqlx::{AnyConnection, Row};

use crate::{
    Result,
    sql::{execute, insert_batch},
};

/// Longest span of buckets recomputed by one query: one day keeps the in-memory aggregate small
/// however large the import.
const MAX_RANGE_BUCKETS: i64 = 96;

pub(crate) async fn create_affected_tables(connection: &mut AnyConnection) -> Result<()> {
    drop_affected_tables(connection).await?;
    execute(
        connection,
        "CREATE TEMP TABLE affected_buckets (bucket BIGINT PRIMARY KEY)",
    )
    .await?;
    Ok(())
}

pub(crate) async fn drop_affected_tables(connection: &mut AnyConnection) -> Result<()> {
    execute(connection, "DROP TABLE IF EXISTS affected_buckets").await?;
    execute(connection, "DROP TABLE IF EXISTS affected_issues").await?;
    Ok(())
}

/// Which contacts' repeat links to recompute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RelinkScope {
    /// Those of the issues listed in the temporary table `affected_issues`.
    AffectedIssues,
    /// Every contact with a customer: after a first import into an empty table, where listing
    /// the affected issues would only cost a pass over every row.
    All,
}

/// Recomputes `next_same_issue_at` for the contacts in `scope` and marks the buckets of contacts
/// whose link changed. Order within an issue is (offered_at, contact_id), so of two contacts
/// offered in the same millisecond the one with the larger id is the later.
pub(crate) async fn relink_repeat_contacts(
    connection: &mut AnyConnection,
    scope: RelinkScope,
) -> Result<()> {
    execute(connection, "DROP TABLE IF EXISTS relinked").await?;
    let contacts = match scope {
        RelinkScope::AffectedIssues => {
            "contacts c JOIN affected_issues k ON k.customer_id = c.customer_id AND k.category = c.category"
        }
        RelinkScope::All => "contacts c WHERE c.customer_id IS NOT NULL",
    };
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "CREATE TEMP TABLE relinked AS SELECT contact_id, offered_at, next_at FROM ( \
         SELECT c.contact_id, c.offered_at, c.next_same_issue_at AS old_next, \
         LEAD(c.offered_at) OVER (PARTITION BY c.customer_id, c.category ORDER BY c.offered_at, c.contact_id) AS next_at \
         FROM {contacts}) w WHERE w.next_at IS DISTINCT FROM w.old_next"
    )))
    .execute(&mut *connection)
    .await?;
    execute(
        connection,
        "INSERT INTO affected_buckets (bucket) SELECT DISTINCT (offered_at / 900000) * 900000 FROM relinked \
         WHERE true ON CONFLICT DO NOTHING",
    )
    .await?;
    execute(
        connection,
        "UPDATE contacts SET next_same_issue_at = r.next_at FROM relinked r WHERE contacts.contact_id = r.contact_id",
    )
    .await?;
    execute(connection, "DROP TABLE relinked").await?;
    Ok(())
}

/// Splits sorted bucket starts into half-open time ranges of consecutive buckets, each at most
/// `MAX_RANGE_BUCKETS` long.
fn bucket_ranges(sorted_buckets: &[i64]) -> Vec<(i64, i64)> {
    let mut ranges: Vec<(i64, i64)> = Vec::new();
    for &bucket in sorted_buckets {
        match ranges.last_mut() {
            Some((low, high))
                if *high == bucket && (*high - *low) < MAX_RANGE_BUCKETS * BUCKET_MS =>
            {
                *high = bucket + BUCKET_MS;
            }
            _ => ranges.push((bucket, bucket + BUCKET_MS)),
        }
    }
    ranges
}

pub(crate) async fn affected_buckets(connection: &mut AnyConnection) -> Result<Vec<i64>> {
    Ok(
        sqlx::query_scalar("SELECT bucket FROM affected_buckets ORDER BY bucket")
            .fetch_all(&mut *connection)
            .await?,
    )
}

type ContactRollupKey = (i64, String, String, String, String, String);

/// Recomputes `contact_rollup` for every affected bucket from the raw contacts.
pub(crate) async fn recompute_contact_buckets(
    connection: &mut AnyConnection,
    settings: &KpiSettings,
) -> Result<()> {
    let buckets = affected_buckets(connection).await?;
    execute(
        connection,
        "DELETE FROM contact_rollup WHERE bucket IN (SELECT bucket FROM affected_buckets)",
    )
    .await?;
    for (low, high) in bucket_ranges(&buckets) {
        let mut groups: HashMap<ContactRollupKey, ContactCounters> = HashMap::new();
        {
            let mut rows = sqlx::query(
                "SELECT offered_at, queue, agent_id, channel, category, direction, answered_at, wait_ms, \
                 talk_ms, hold_ms, wrap_ms, transferred, customer_id, next_same_issue_at, resolved \
                 FROM contacts WHERE offered_at >= $1 AND offered_at < $2",
            )
            .bind(low)
            .bind(high)
            .fetch(&mut *connection);
            while let Some(row) = rows.try_next().await? {
                let offered_ms: i64 = row.try_get(0)?;
                let facts = ContactFacts {
                    offered_ms,
                    answered: row.try_get::<Option<i64>, _>(6)?.is_some(),
                    wait_ms: row.try_get(7)?,
                    talk_ms: row.try_get(8)?,
                    hold_ms: row.try_get(9)?,
                    wrap_ms: row.try_get(10)?,
                    transferred: row.try_get::<i64, _>(11)? != 0,
                    has_customer: row.try_get::<Option<String>, _>(12)?.is_some(),
                    next_same_issue_offered_ms: row.try_get(13)?,
                    resolved: row.try_get::<Option<i64>, _>(14)?.map(|flag| flag != 0),
                };
                let key = (
                    servq_kpi::bucket_start(offered_ms),
                    row.try_get(1)?,
                    row.try_get(2)?,
                    row.try_get(3)?,
                    row.try_get(4)?,
                    row.try_get(5)?,
                );
                groups.entry(key).or_default().add(&facts, settings);
            }
        }
        let rows: Vec<(ContactRollupKey, ContactCounters)> = groups.into_iter().collect();
        insert_batch(
            connection,
            &format!(
                "INSERT INTO contact_rollup (bucket, queue, agent_id, channel, category, direction, {})",
                ContactCounters::FIELDS.join(", ")
            ),
            6 + ContactCounters::FIELDS.len(),
            &rows,
            |query, ((bucket, queue, agent, channel, category, direction), counters)| {
                let query = query
                    .bind(*bucket)
                    .bind(queue.as_str())
                    .bind(agent.as_str())
                    .bind(channel.as_str())
                    .bind(category.as_str())
                    .bind(direction.as_str());
                counters.to_array().into_iter().fold(query, |query, value| query.bind(value))
            },
        )
        .await?;
    }
    Ok(())
}

/// Recomputes `state_rollup` for every affected bucket from the raw agent-state intervals.
pub(crate) async fn recompute_state_buckets(connection: &mut AnyConnection) -> Result<()> {
    let buckets = affected_buckets(connection).await?;
    let affected: HashSet<i64> = buckets.iter().copied().collect();
    execute(
        connection,
        "DELETE FROM state_rollup WHERE bucket IN (SELECT bucket FROM affected_buckets)",
    )
    .await?;
    for (low, high) in bucket_ranges(&buckets) {
        let mut groups: HashMap<(i64, String), StateCounters> = HashMap::new();
        {
            // Intervals are at most MAX_STATE_SECONDS long, so this start bound finds every one
            // overlapping the range while still using the start_at index.
            let mut rows = sqlx::query(
                "SELECT agent_id, state, start_at, end_at FROM agent_states \
                 WHERE start_at >= $1 AND start_at < $2 AND end_at > $3",
            )
            .bind(low - MAX_STATE_SECONDS * 1000)
            .bind(high)
            .bind(low)
            .fetch(&mut *connection);
            while let Some(row) = rows.try_next().await? {
                let agent: String = row.try_get(0)?;
                let state_text: String = row.try_get(1)?;
                let state = AgentStateKind::parse(&state_text).map_err(|_| {
                    crate::StoreError::CorruptValue {
                        column: "agent_states.state",
                        value: state_text.clone(),
                    }
                })?;
                let start: i64 = row.try_get(2)?;
                let end: i64 = row.try_get(3)?;
                for (bucket, ms) in split_into_buckets(start.max(low), end.min(high)) {
                    if affected.contains(&bucket) {
                        groups
                            .entry((bucket, agent.clone()))
                            .or_default()
                            .add(state, ms);
                    }
                }
            }
        }
        let rows: Vec<((i64, String), StateCounters)> = groups.into_iter().collect();
        insert_batch(
            connection,
            &format!(
                "INSERT INTO state_rollup (bucket, agent_id, {})",
                StateCounters::FIELDS.join(", ")
            ),
            2 + StateCounters::FIELDS.len(),
            &rows,
            |query, ((bucket, agent), counters)| {
                let query = query.bind(*bucket).bind(agent.as_str());
                counters
                    .to_array()
                    .into_iter()
                    .fold(query, |query, value| query.bind(value))
            },
        )
        .await?;
    }
    Ok(())
}

/// Marks every bucket holding a contact as affected and recomputes the contact rollup, as needed
/// after the KPI settings change.
pub(crate) async fn rebuild_contact_rollup(
    connection: &mut AnyConnection,
    settings: &KpiSettings,
) -> Result<()> {
    create_affected_tables(connection).await?;
    execute(
        connection,
        "INSERT INTO affected_buckets (bucket) SELECT DISTINCT (offered_at / 900000) * 900000 FROM contacts",
    )
    .await?;
    execute(connection, "DELETE FROM contact_rollup").await?;
    recompute_contact_buckets(connection, settings).await?;
    crate::cubes::refresh(connection, crate::cubes::Source::Contacts).await?;
    drop_affected_tables(connection).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_join_consecutive_buckets_up_to_a_day() {
        let b = BUCKET_MS;
        assert_eq!(
            bucket_ranges(&[0, b, 2 * b, 5 * b]),
            vec![(0, 3 * b), (5 * b, 6 * b)]
        );
        let day: Vec<i64> = (0..100).map(|i| i * b).collect();
        assert_eq!(bucket_ranges(&day), vec![(0, 96 * b), (96 * b, 100 * b)]);
        assert!(bucket_ranges(&[]).is_empty());
    }
}
