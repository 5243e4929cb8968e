//! Rollup maintenance. An import changes the 15-minute contact rollup by what it changes and
//! no more: the stored versions of updated contacts and the old links of re-linked ones are
//! subtracted, the new versions and new links added (`ContactDeltas`), so a day's file into a
//! store of years reads its own rows and the few contacts whose repeat link moved, never whole
//! buckets. The counters are those of `servq-kpi` (additive, property-tested), so the SQL here
//! only moves data. The full recompute stays as the repair (`Store::rebuild_rollups`), and a
//! property test keeps the two equal.

use std::collections::{BTreeSet, HashMap, HashSet};

use futures::TryStreamExt;
use servq_core::{AgentStateKind, MAX_STATE_SECONDS};
use servq_kpi::{
    BUCKET_MS, ContactCounters, ContactFacts, KpiSettings, StateCounters, split_into_buckets,
};
use sqlx::{Any, AnyConnection, Row, any::AnyArguments, query::Query};

use crate::{
    Result,
    cubes::ContactCubeChanges,
    sql::{Value, execute, insert_batch, insert_batch_then, insert_values},
};

/// Longest span of buckets read by one query: one day keeps the in-memory aggregate small
/// however large the import.
const MAX_RANGE_BUCKETS: i64 = 96;

/// Rollup keys held in memory before they are written: bounds an import's memory whatever its
/// size (writing early is safe because changes add up).
const HELD_KEYS: usize = 50_000;

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
    execute(connection, "DROP TABLE IF EXISTS relinked").await?;
    Ok(())
}

/// Which contacts' repeat links to recompute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RelinkScope {
    /// Those of the issues listed in the temporary table
    /// `affected_issues (customer_id, category, from_at)` from `from_at` on: the earliest time a
    /// contact of the issue came in, left or moved to. Before it only the last contact's link can
    /// change, so a day's file re-links its day and one contact per issue, not chains of years.
    AffectedIssues,
    /// Every contact with a customer: a rebuild.
    All,
}

/// Links a first import's staged contacts among themselves (the store holds no other), leaving
/// those with a next same-issue contact in `relinked` (old link none) with an index by id, so
/// that the upsert stores each contact with its link: no pass over the stored contacts and no
/// update of millions of rows after it. Same order as [`relink_repeat_contacts`].
pub(crate) async fn link_staged_contacts(connection: &mut AnyConnection) -> Result<()> {
    execute(connection, "DROP TABLE IF EXISTS relinked").await?;
    execute(
        connection,
        "CREATE TEMP TABLE relinked AS SELECT contact_id, offered_at, CAST(NULL AS BIGINT) AS old_next, next_at \
         FROM (SELECT contact_id, offered_at, LEAD(offered_at) OVER \
         (PARTITION BY customer_id, category ORDER BY offered_at, contact_id) AS next_at \
         FROM import_contacts WHERE customer_id IS NOT NULL) w WHERE next_at IS NOT NULL",
    )
    .await?;
    execute(
        connection,
        // covering: the upsert probes it in id order and never reads the table (10 M rows:
        // millions of random reads otherwise)
        "CREATE INDEX relinked_by_contact ON relinked (contact_id, next_at)",
    )
    .await?;
    crate::sql::analyze(connection, "relinked").await?;
    Ok(())
}

/// Recomputes `next_same_issue_at` for the contacts in `scope`, leaving the contacts whose link
/// moved in the temporary table `relinked (contact_id, offered_at, old_next, next_at)` for
/// [`ContactDeltas::relinked`]. Order within an issue is (offered_at, contact_id), so of two
/// contacts offered in the same millisecond the one with the larger id is the later.
pub(crate) async fn relink_repeat_contacts(
    connection: &mut AnyConnection,
    scope: RelinkScope,
) -> Result<()> {
    execute(connection, "DROP TABLE IF EXISTS relinked").await?;
    let contacts = match scope {
        // SQLite's CROSS JOIN keeps the few issues the outer loop; with a plain join it walks the
        // whole issue index in the window's order instead
        RelinkScope::AffectedIssues => {
            "affected_issues k CROSS JOIN contacts c WHERE k.customer_id = c.customer_id \
             AND k.category = c.category AND c.offered_at >= k.from_at"
        }
        RelinkScope::All => "contacts c WHERE c.customer_id IS NOT NULL",
    };
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "CREATE TEMP TABLE relinked AS SELECT contact_id, offered_at, old_next, next_at FROM ( \
         SELECT c.contact_id, c.offered_at, c.next_same_issue_at AS old_next, \
         LEAD(c.offered_at) OVER (PARTITION BY c.customer_id, c.category ORDER BY c.offered_at, c.contact_id) AS next_at \
         FROM {contacts}) w WHERE w.next_at IS DISTINCT FROM w.old_next"
    )))
    .execute(&mut *connection)
    .await?;
    if scope == RelinkScope::AffectedIssues {
        // The last contact before `from_at` (the larger id of a tie) now links to the first
        // from it on; the contacts before it keep their links, as nothing before `from_at` moved.
        execute(
            connection,
            "INSERT INTO relinked (contact_id, offered_at, old_next, next_at) \
             SELECT contact_id, offered_at, old_next, next_at FROM ( \
             SELECT p.contact_id, p.offered_at, p.next_same_issue_at AS old_next, \
             (SELECT MIN(n.offered_at) FROM contacts n WHERE n.customer_id = k.customer_id \
              AND n.category = k.category AND n.offered_at >= k.from_at) AS next_at \
             FROM affected_issues k JOIN contacts p ON p.customer_id = k.customer_id AND p.category = k.category \
             AND p.offered_at = (SELECT MAX(q.offered_at) FROM contacts q WHERE q.customer_id = k.customer_id \
              AND q.category = k.category AND q.offered_at < k.from_at) \
             WHERE NOT EXISTS (SELECT 1 FROM contacts t WHERE t.customer_id = p.customer_id \
              AND t.category = p.category AND t.offered_at = p.offered_at AND t.contact_id > p.contact_id)) w \
             WHERE w.next_at IS DISTINCT FROM w.old_next",
        )
        .await?;
    }
    crate::sql::analyze(connection, "relinked").await?;
    execute(
        connection,
        "UPDATE contacts SET next_same_issue_at = r.next_at FROM relinked r WHERE contacts.contact_id = r.contact_id",
    )
    .await?;
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

/// Adds `buckets` to the temporary table `affected_buckets`.
pub(crate) async fn mark_buckets(connection: &mut AnyConnection, buckets: &[i64]) -> Result<()> {
    insert_batch_then(
        connection,
        "INSERT INTO affected_buckets (bucket)",
        " ON CONFLICT DO NOTHING",
        1,
        buckets,
        |query, bucket| query.bind(*bucket),
    )
    .await
}

pub(crate) async fn affected_buckets(connection: &mut AnyConnection) -> Result<Vec<i64>> {
    Ok(
        sqlx::query_scalar("SELECT bucket FROM affected_buckets ORDER BY bucket")
            .fetch_all(&mut *connection)
            .await?,
    )
}

/// A contact rollup row's key: bucket, queue, agent, channel, category, direction.
pub(crate) type ContactRollupKey = (i64, String, String, String, String, String);

/// What a contact's rollup contribution is computed from, for `contacts c`, with the next
/// same-issue contact's offered time taken from `link`; read by [`contact_row`].
fn fact_columns(link: &str) -> String {
    format!(
        "c.offered_at, c.queue, c.agent_id, c.channel, c.category, c.direction, c.answered_at, c.wait_ms, \
         c.talk_ms, c.hold_ms, c.wrap_ms, c.transferred, c.customer_id, {link}, c.resolved"
    )
}

/// Moved links read at a time.
const RELINKED_PAGE: usize = 50_000;

/// How many columns [`fact_columns`] selects.
const FACT_COLUMNS: usize = 15;

/// A row of [`fact_columns`]: its rollup key and facts.
fn contact_row(row: &sqlx::any::AnyRow) -> Result<(ContactRollupKey, ContactFacts)> {
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
    Ok((key, facts))
}

/// Whether rows read come into the rollup or leave it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Change {
    /// A new version or a new link: its counters are added.
    In,
    /// A stored version or an old link: its counters are subtracted.
    Out,
}

/// Changes to `contact_rollup` summed in memory per key and added to the stored rows in batches.
pub struct ContactDeltas {
    settings: KpiSettings,
    held: HashMap<ContactRollupKey, ContactCounters>,
    /// Buckets whose counters changed: their days' cubes are re-summed unless `cubes` kept
    /// the changes.
    changed: BTreeSet<i64>,
    cubes: ContactCubeChanges,
}

impl ContactDeltas {
    pub(crate) fn new(settings: KpiSettings) -> Self {
        Self {
            settings,
            held: HashMap::new(),
            changed: BTreeSet::new(),
            cubes: ContactCubeChanges::resummed(),
        }
    }

    /// Keeps the changes for the day cubes of `zone` too, so that they change by the same
    /// amounts instead of being re-summed (not for a first import: it touches every day).
    pub(crate) fn keep_day_cube_changes(&mut self, zone: jiff::tz::TimeZone) {
        self.cubes = ContactCubeChanges::kept(zone);
    }

    /// Reads the contacts `query` selects ([`fact_columns`]) as coming in or going out.
    async fn read(
        &mut self,
        connection: &mut AnyConnection,
        query: Query<'_, Any, AnyArguments>,
        change: Change,
    ) -> Result<()> {
        let mut rows = query.fetch(&mut *connection);
        while let Some(row) = rows.try_next().await? {
            let (key, facts) = contact_row(&row)?;
            self.count(key, &facts, change);
        }
        Ok(())
    }

    /// Counts one contact (its rollup key and facts) as coming in or going out.
    pub(crate) fn count(&mut self, key: ContactRollupKey, facts: &ContactFacts, change: Change) {
        let mut one = ContactCounters::default();
        one.add(facts, &self.settings);
        let sums = self.held.entry(key).or_default();
        match change {
            Change::In => sums.merge(&one),
            Change::Out => sums.subtract(&one),
        }
    }

    /// Writes the changes held once they are many (they add up, so writing early is safe).
    pub(crate) async fn write_if_many(&mut self, connection: &mut AnyConnection) -> Result<()> {
        if self.held.len() >= HELD_KEYS {
            self.write(connection).await?;
        }
        Ok(())
    }

    /// Reads, for each range of `buckets`, the contacts of `contacts_where` (a `FROM … WHERE`
    /// clause over `contacts c`; the range is ANDed to it) offered in that range, writing the
    /// changes held whenever they grow large.
    pub(crate) async fn read_ranges(
        &mut self,
        connection: &mut AnyConnection,
        contacts_where: &str,
        buckets: &[i64],
        change: Change,
    ) -> Result<()> {
        let sql = format!(
            "SELECT {} FROM {contacts_where} c.offered_at >= $1 AND c.offered_at < $2",
            fact_columns("c.next_same_issue_at")
        );
        for (low, high) in bucket_ranges(buckets) {
            let query = sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
                .bind(low)
                .bind(high);
            self.read(connection, query, change).await?;
            self.write_if_many(connection).await?;
        }
        Ok(())
    }

    /// The contacts [`relink_repeat_contacts`] moved, other than those in `except` (a table of
    /// `contact_id`s whose versions are counted otherwise): their facts are unchanged, so the old
    /// link goes out and the new one comes in (one read: most moves change no counter).
    pub(crate) async fn relinked(
        &mut self,
        connection: &mut AnyConnection,
        except: Option<&str>,
    ) -> Result<()> {
        let outside = except.map_or(String::new(), |table| {
            format!(" AND NOT EXISTS (SELECT 1 FROM {table} s WHERE s.contact_id = r.contact_id)")
        });
        // A link counts only within the FCR window: one that moves between two places beyond it
        // (or from none to beyond it) changes no counter, and most moves are such.
        let within =
            |next: &str| servq_kpi::repeats_within_window_sql("r.offered_at", next, &self.settings);
        let matters = format!(" AND ({} OR {})", within("r.old_next"), within("r.next_at"));
        // A first import of years moves millions of links: read them a page at a time (by
        // offered_at, contact_id), writing the changes between pages, so memory stays bounded.
        execute(
            connection,
            "CREATE INDEX relinked_in_order ON relinked (offered_at, contact_id, old_next, next_at)",
        )
        .await?;
        let sql = format!(
            "SELECT {}, r.next_at, r.contact_id FROM relinked r JOIN contacts c ON c.contact_id = r.contact_id \
             WHERE (r.offered_at > $1 OR (r.offered_at = $1 AND r.contact_id > $2)){matters}{outside} \
             ORDER BY r.offered_at, r.contact_id LIMIT {RELINKED_PAGE}",
            fact_columns("r.old_next")
        );
        let mut after: (i64, String) = (i64::MIN, String::new());
        loop {
            let mut read = 0;
            {
                let mut rows = sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
                    .bind(after.0)
                    .bind(after.1.clone())
                    .fetch(&mut *connection);
                while let Some(row) = rows.try_next().await? {
                    let (key, old) = contact_row(&row)?;
                    let new = ContactFacts {
                        next_same_issue_offered_ms: row.try_get(FACT_COLUMNS)?,
                        ..old
                    };
                    after = (old.offered_ms, row.try_get(FACT_COLUMNS + 1)?);
                    self.count(key.clone(), &old, Change::Out);
                    self.count(key, &new, Change::In);
                    read += 1;
                }
            }
            self.write_if_many(connection).await?;
            if read < RELINKED_PAGE {
                return Ok(());
            }
        }
    }

    /// Adds the held changes to the stored rows (a change of nothing is skipped).
    async fn write(&mut self, connection: &mut AnyConnection) -> Result<()> {
        let mut rows: Vec<(ContactRollupKey, ContactCounters)> = self
            .held
            .drain()
            .filter(|(_, sums)| !sums.is_zero())
            .collect();
        // in key order: the rollup's index is then written page by page, not all over
        rows.sort_unstable_by(|(a, _), (b, _)| a.cmp(b));
        self.changed
            .extend(rows.iter().map(|((bucket, ..), _)| *bucket));
        for (key, change) in &rows {
            self.cubes.add(key, change);
        }
        add_contact_counters(
            connection,
            "contact_rollup",
            &CONTACT_ROLLUP_KEY,
            &rows,
            contact_rollup_key_values,
        )
        .await
    }

    /// Writes what is held, removes rollup rows no contact is left in, and lists the buckets
    /// that changed in `affected_buckets`; gives the day cubes' changes to apply.
    pub(crate) async fn finish(
        mut self,
        connection: &mut AnyConnection,
    ) -> Result<ContactCubeChanges> {
        self.write(connection).await?;
        let buckets: Vec<i64> = std::mem::take(&mut self.changed).into_iter().collect();
        mark_buckets(connection, &buckets).await?;
        execute(
            connection,
            "DELETE FROM contact_rollup WHERE offered = 0 AND bucket IN (SELECT bucket FROM affected_buckets)",
        )
        .await?;
        Ok(self.cubes)
    }
}

/// The key columns of `contact_rollup`, in [`ContactRollupKey`]'s order.
const CONTACT_ROLLUP_KEY: [&str; 6] = [
    "bucket",
    "queue",
    "agent_id",
    "channel",
    "category",
    "direction",
];

fn contact_rollup_key_values<'a>(
    (bucket, queue, agent, channel, category, direction): &'a ContactRollupKey,
    values: &mut Vec<Value<'a>>,
) {
    values.push(Value::Int(Some(*bucket)));
    values.extend(
        [queue, agent, channel, category, direction].map(|text| Value::Text(Some(text.as_str()))),
    );
}

/// Adds each row's counters to the row of `table` with the same key (`key_columns`, whose
/// values `key_values` gives), creating the rows not there yet: how the 15-minute rollup and the
/// day cubes take an import's changes.
pub(crate) async fn add_contact_counters<'a, K>(
    connection: &mut AnyConnection,
    table: &str,
    key_columns: &[&str],
    rows: &'a [(K, ContactCounters)],
    key_values: impl Fn(&'a K, &mut Vec<Value<'a>>),
) -> Result<()> {
    let added: Vec<String> = ContactCounters::FIELDS
        .iter()
        .map(|field| format!("{field} = {table}.{field} + excluded.{field}"))
        .collect();
    let on_conflict = format!(
        " ON CONFLICT ({}) DO UPDATE SET {}",
        key_columns.join(", "),
        added.join(", ")
    );
    insert_contact_counters(
        connection,
        table,
        key_columns,
        &on_conflict,
        rows,
        key_values,
    )
    .await
}

/// Inserts rows of key and counters into `table` (`suffix` an `ON CONFLICT` clause or empty).
async fn insert_contact_counters<'a, K>(
    connection: &mut AnyConnection,
    table: &str,
    key_columns: &[&str],
    suffix: &str,
    rows: &'a [(K, ContactCounters)],
    key_values: impl Fn(&'a K, &mut Vec<Value<'a>>),
) -> Result<()> {
    insert_values(
        connection,
        &format!(
            "INSERT INTO {table} ({}, {})",
            key_columns.join(", "),
            ContactCounters::FIELDS.join(", ")
        ),
        suffix,
        key_columns.len() + ContactCounters::FIELDS.len(),
        rows,
        |(key, counters), values| {
            key_values(key, values);
            values.extend(counters.to_array().map(|value| Value::Int(Some(value))));
        },
    )
    .await
}

/// Recomputes `contact_rollup` for every affected bucket from the raw contacts (the repair path).
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
            let sql = format!(
                "SELECT {} FROM contacts c WHERE c.offered_at >= $1 AND c.offered_at < $2",
                fact_columns("c.next_same_issue_at")
            );
            let mut rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(low)
                .bind(high)
                .fetch(&mut *connection);
            while let Some(row) = rows.try_next().await? {
                let (key, facts) = contact_row(&row)?;
                groups.entry(key).or_default().add(&facts, settings);
            }
        }
        let rows: Vec<(ContactRollupKey, ContactCounters)> = groups.into_iter().collect();
        insert_contact_counters(
            connection,
            "contact_rollup",
            &CONTACT_ROLLUP_KEY,
            "",
            &rows,
            contact_rollup_key_values,
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
    crate::cubes::rebuild(connection, crate::cubes::Source::Contacts).await?;
    drop_affected_tables(connection).await
}

/// What a rebuild of the rollups found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct RebuildSummary {
    /// Contacts whose next same-issue link was wrong.
    pub links_fixed: i64,
    /// Rows of the 15-minute contact rollup after the rebuild.
    pub contact_rollup_rows: i64,
    /// Rows of the 15-minute agent-state rollup after the rebuild.
    pub state_rollup_rows: i64,
}

impl crate::Store {
    /// Recomputes every repeat link, both 15-minute rollups and every day cube from the raw rows,
    /// in one transaction (`servq admin rebuild-rollups`): the repair for rollups believed wrong
    /// (imports keep them by their changes; a property test keeps both ways equal).
    pub async fn rebuild_rollups(&self) -> Result<RebuildSummary> {
        let mut transaction = self.begin_write().await?;
        crate::import::serialize_merges(&mut transaction, self.backend()).await?;
        let connection: &mut AnyConnection = &mut transaction;
        relink_repeat_contacts(connection, RelinkScope::All).await?;
        let links_fixed = crate::sql::scalar(connection, "SELECT COUNT(*) FROM relinked").await?;
        let settings = crate::settings::kpi_settings(connection).await?;
        rebuild_contact_rollup(connection, &settings).await?;
        rebuild_state_rollup(connection).await?;
        let summary = RebuildSummary {
            links_fixed,
            contact_rollup_rows: crate::sql::scalar(
                connection,
                "SELECT COUNT(*) FROM contact_rollup",
            )
            .await?,
            state_rollup_rows: crate::sql::scalar(connection, "SELECT COUNT(*) FROM state_rollup")
                .await?,
        };
        crate::cache::bump_data_version(&mut transaction).await?;
        transaction.commit().await?;
        Ok(summary)
    }
}

/// Buckets an agent-state interval covers (a zero-length one still names the bucket it sits in).
pub(crate) fn interval_buckets(start: i64, end: i64) -> impl Iterator<Item = i64> {
    split_into_buckets(start, end.max(start + 1)).map(|(bucket, _)| bucket)
}

/// Recomputes the whole state rollup and its day cube from the raw intervals.
pub(crate) async fn rebuild_state_rollup(connection: &mut AnyConnection) -> Result<()> {
    create_affected_tables(connection).await?;
    let mut buckets = BTreeSet::new();
    {
        let mut rows = sqlx::query_as::<_, (i64, i64)>("SELECT start_at, end_at FROM agent_states")
            .fetch(&mut *connection);
        while let Some((start, end)) = rows.try_next().await? {
            buckets.extend(interval_buckets(start, end));
        }
    }
    let buckets: Vec<i64> = buckets.into_iter().collect();
    mark_buckets(connection, &buckets).await?;
    execute(connection, "DELETE FROM state_rollup").await?;
    recompute_state_buckets(connection).await?;
    crate::cubes::rebuild(connection, crate::cubes::Source::States).await?;
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
