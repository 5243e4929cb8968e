//! Day cubes: the 15-minute rollups summed per day of the centre's time zone over fewer
//! dimensions. A year of 15-minute rows per agent, channel and category is millions of rows; the
//! same year per day and queue is a few thousand, which is what keeps dashboards instant. An
//! import changes them in its transaction by the changes it made to the 15-minute rollup
//! ([`ContactCubeChanges`]), or re-sums from the rollup (never from raw rows) exactly the days it
//! touched when those changes are too many to hold or it is the first.

use std::collections::{BTreeSet, HashMap};

use jiff::{Timestamp, tz::TimeZone};
use servq_kpi::ContactCounters;
use sqlx::AnyConnection;

use crate::{
    Result, StoreError,
    rollup::{ContactRollupKey, add_contact_counters},
    sql::{Value, insert_batch},
};

/// Which rollup a cube sums.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Source {
    Contacts,
    States,
}

impl Source {
    fn table(self) -> &'static str {
        match self {
            Source::Contacts => "contact_rollup",
            Source::States => "state_rollup",
        }
    }

    pub(crate) fn sums(self) -> &'static [&'static str] {
        match self {
            Source::Contacts => crate::kpi_query::CONTACT_SUMS,
            Source::States => crate::kpi_query::STATE_SUMS,
        }
    }
}

/// One day cube: its table and the rollup columns it keeps.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Cube {
    pub table: &'static str,
    pub source: Source,
    pub columns: &'static [&'static str],
    /// A finer day cube this one is summed from (much smaller than the 15-minute rollup), or
    /// `None` to sum the rollup itself.
    pub from_cube: Option<&'static str>,
}

/// Cubes in the order queries try them: the smallest that has every needed column wins.
pub(crate) const CUBES: &[Cube] = &[
    Cube {
        table: "contact_day_queue",
        source: Source::Contacts,
        columns: &["queue", "channel", "direction"],
        from_cube: Some("contact_day"),
    },
    Cube {
        table: "contact_day_agent",
        source: Source::Contacts,
        columns: &["queue", "agent_id"],
        from_cube: Some("contact_day"),
    },
    Cube {
        table: "contact_day",
        source: Source::Contacts,
        columns: &["queue", "agent_id", "channel", "category", "direction"],
        from_cube: None,
    },
    Cube {
        table: "state_day",
        source: Source::States,
        columns: &["agent_id"],
        from_cube: None,
    },
];

/// The smallest cube of `source` holding every column in `needed`.
pub(crate) fn pick(source: Source, needed: &[&str]) -> Option<&'static Cube> {
    CUBES
        .iter()
        .filter(|cube| cube.source == source)
        .find(|cube| needed.iter().all(|column| cube.columns.contains(column)))
}

/// The centre's time zone, in which cube days are cut.
pub(crate) const CENTRE_ZONE_KEY: &str = "centre.time_zone";
/// The default centre zone.
pub const DEFAULT_CENTRE_ZONE: &str = "Asia/Shanghai";

pub(crate) async fn centre_zone_name(connection: &mut AnyConnection) -> Result<String> {
    let value: Option<String> = sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
        .bind(CENTRE_ZONE_KEY)
        .fetch_optional(&mut *connection)
        .await?;
    Ok(value.unwrap_or_else(|| DEFAULT_CENTRE_ZONE.to_owned()))
}

pub(crate) async fn centre_zone(connection: &mut AnyConnection) -> Result<TimeZone> {
    let name = centre_zone_name(connection).await?;
    TimeZone::get(&name).map_err(|_| StoreError::BadSetting {
        key: CENTRE_ZONE_KEY.to_owned(),
        value: name,
    })
}

/// The local days (start, end) in UTC ms that hold the given bucket starts.
pub(crate) fn days_of(buckets: &[i64], zone: &TimeZone) -> Vec<(i64, i64)> {
    let mut days = BTreeSet::new();
    let mut last_day: Option<(i64, i64)> = None;
    for &bucket in buckets {
        if let Some((start, end)) = last_day
            && (start..end).contains(&bucket)
        {
            continue;
        }
        let Ok(timestamp) = Timestamp::from_millisecond(bucket) else {
            continue;
        };
        let zoned = timestamp.to_zoned(zone.clone());
        let (Ok(start), Ok(next)) = (
            zoned.start_of_day(),
            zoned.tomorrow().and_then(|t| t.start_of_day()),
        ) else {
            continue;
        };
        let day = (
            start.timestamp().as_millisecond(),
            next.timestamp().as_millisecond(),
        );
        days.insert(day);
        last_day = Some(day);
    }
    days.into_iter().collect()
}

/// (Re)creates the temporary table `name` (period, day_end) holding `days` (UTC ms).
pub(crate) async fn days_table(
    connection: &mut AnyConnection,
    name: &str,
    days: &[(i64, i64)],
) -> Result<()> {
    sqlx::query(sqlx::AssertSqlSafe(format!("DROP TABLE IF EXISTS {name}")))
        .execute(&mut *connection)
        .await?;
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "CREATE TEMP TABLE {name} (period BIGINT PRIMARY KEY, day_end BIGINT NOT NULL)"
    )))
    .execute(&mut *connection)
    .await?;
    insert_batch(
        connection,
        &format!("INSERT INTO {name} (period, day_end)"),
        2,
        days,
        |query, (start, end)| query.bind(*start).bind(*end),
    )
    .await
}

/// Re-sums the cubes of `source` for every day holding an affected bucket.
pub(crate) async fn refresh(connection: &mut AnyConnection, source: Source) -> Result<()> {
    let buckets = crate::rollup::affected_buckets(connection).await?;
    let zone = centre_zone(connection).await?;
    let days = days_of(&buckets, &zone);
    // One set-based statement per cube over all touched days, joined by range to the 15-minute
    // rollup, instead of two statements per day.
    days_table(connection, "affected_days", &days).await?;
    // Cubes summed from the rollup first, then those summed from them.
    let cubes = CUBES.iter().filter(|cube| cube.source == source);
    for cube in cubes
        .clone()
        .filter(|cube| cube.from_cube.is_none())
        .chain(cubes.filter(|cube| cube.from_cube.is_some()))
    {
        let columns: Vec<String> = cube
            .columns
            .iter()
            .map(|column| format!("r.{column}"))
            .collect();
        let sums: Vec<String> = source
            .sums()
            .iter()
            .map(|sum| format!("SUM(r.{sum})"))
            .collect();
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "DELETE FROM {} WHERE period IN (SELECT period FROM affected_days)",
            cube.table
        )))
        .execute(&mut *connection)
        .await?;
        let from = match cube.from_cube {
            Some(day_cube) => format!("{day_cube} r ON r.period = d.period"),
            None => format!(
                "{} r ON r.bucket >= d.period AND r.bucket < d.day_end",
                source.table()
            ),
        };
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO {table} (period, {names}, {sum_names}) SELECT d.period, {columns}, {sums} \
             FROM affected_days d JOIN {from} GROUP BY d.period, {columns}",
            table = cube.table,
            names = cube.columns.join(", "),
            sum_names = source.sums().join(", "),
            columns = columns.join(", "),
            sums = sums.join(", "),
        )))
        .execute(&mut *connection)
        .await?;
    }
    sqlx::query("DROP TABLE affected_days")
        .execute(&mut *connection)
        .await?;
    Ok(())
}

/// The columns of a contact rollup key after its bucket, in the key's order.
const CONTACT_KEY_COLUMNS: [&str; 5] = ["queue", "agent_id", "channel", "category", "direction"];

/// Cube keys held in memory before the changes give way to re-summing the touched days: about
/// a month of a large centre's `contact_day`, so a day's file is summed from its changes while
/// a file of months stays bounded in memory. (Writing held changes early instead, as the rollup
/// does, was measured slower for a first import: 1 M contacts, 4.6 s of re-summing became 8 s
/// of upserts.)
const HELD_CUBE_KEYS: usize = 100_000;

/// Changes to the contact day cubes, summed in memory from the changes written to the 15-minute
/// rollup (counters add up, so a cube row changes by the sum of its rollup rows' changes): a
/// day's file changes a few thousand cube rows instead of re-summing whole days from the rollup.
/// Beyond [`HELD_CUBE_KEYS`] keys, and for a first import, the touched days are re-summed.
pub(crate) struct ContactCubeChanges {
    zone: TimeZone,
    day_of_bucket: HashMap<i64, i64>,
    /// `contact_day` changes by (period, queue, agent, channel, category, direction); `None`
    /// once re-summing was chosen.
    held: Option<HashMap<ContactRollupKey, ContactCounters>>,
}

impl ContactCubeChanges {
    /// Changes kept as they come, cut into days of `zone`.
    pub(crate) fn kept(zone: TimeZone) -> Self {
        Self {
            zone,
            day_of_bucket: HashMap::new(),
            held: Some(HashMap::new()),
        }
    }

    /// No changes kept: the touched days are re-summed (a first import touches every day).
    pub(crate) fn resummed() -> Self {
        Self {
            zone: TimeZone::UTC,
            day_of_bucket: HashMap::new(),
            held: None,
        }
    }

    /// Adds a change written to the rollup row `key`.
    pub(crate) fn add(&mut self, key: &ContactRollupKey, change: &ContactCounters) {
        let Some(held) = &mut self.held else {
            return;
        };
        let (bucket, queue, agent, channel, category, direction) = key;
        let period = match self.day_of_bucket.get(bucket) {
            Some(&period) => period,
            None => match days_of(&[*bucket], &self.zone).first() {
                Some(&(start, _)) => {
                    self.day_of_bucket.insert(*bucket, start);
                    start
                }
                None => {
                    // a bucket outside the zone's calendar: the refresh skips it as it always did
                    self.held = None;
                    return;
                }
            },
        };
        held.entry((
            period,
            queue.clone(),
            agent.clone(),
            channel.clone(),
            category.clone(),
            direction.clone(),
        ))
        .or_default()
        .merge(change);
        if held.len() > HELD_CUBE_KEYS {
            self.held = None;
        }
    }

    /// Writes the changes into every contact cube (rows left with nothing offered are removed),
    /// or re-sums the days of `affected_buckets` when the changes were not kept.
    pub(crate) async fn apply(self, connection: &mut AnyConnection) -> Result<()> {
        let Some(held) = self.held else {
            return refresh(connection, Source::Contacts).await;
        };
        let periods: BTreeSet<i64> = held.keys().map(|(period, ..)| *period).collect();
        for cube in CUBES.iter().filter(|cube| cube.source == Source::Contacts) {
            let positions: Vec<usize> = cube
                .columns
                .iter()
                .filter_map(|column| {
                    CONTACT_KEY_COLUMNS
                        .iter()
                        .position(|key_column| key_column == column)
                })
                .collect();
            let mut rows: HashMap<(i64, Vec<&str>), ContactCounters> = HashMap::new();
            for ((period, queue, agent, channel, category, direction), change) in &held {
                let values = [queue, agent, channel, category, direction];
                let key = positions.iter().map(|&at| values[at].as_str()).collect();
                rows.entry((*period, key)).or_default().merge(change);
            }
            let mut rows: Vec<((i64, Vec<&str>), ContactCounters)> = rows
                .into_iter()
                .filter(|(_, change)| !change.is_zero())
                .collect();
            rows.sort_unstable_by(|(a, _), (b, _)| a.cmp(b));
            let key: Vec<&str> = std::iter::once("period")
                .chain(cube.columns.iter().copied())
                .collect();
            add_contact_counters(
                connection,
                cube.table,
                &key,
                &rows,
                |(period, key), values| {
                    values.push(Value::Int(Some(*period)));
                    values.extend(key.iter().map(|text| Value::Text(Some(*text))));
                },
            )
            .await?;
            for period in &periods {
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "DELETE FROM {} WHERE period = $1 AND offered = 0",
                    cube.table
                )))
                .bind(*period)
                .execute(&mut *connection)
                .await?;
            }
        }
        Ok(())
    }
}

/// Rebuilds every cube of `source` from scratch, as needed when the centre zone changes.
pub(crate) async fn rebuild(connection: &mut AnyConnection, source: Source) -> Result<()> {
    for cube in CUBES.iter().filter(|cube| cube.source == source) {
        sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM {}", cube.table)))
            .execute(&mut *connection)
            .await?;
    }
    crate::rollup::create_affected_tables(connection).await?;
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO affected_buckets (bucket) SELECT DISTINCT bucket FROM {}",
        source.table()
    )))
    .execute(&mut *connection)
    .await?;
    refresh(connection, source).await?;
    crate::rollup::drop_affected_tables(connection).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contact_cubes_keep_columns_of_the_rollup_key() {
        for cube in CUBES.iter().filter(|cube| cube.source == Source::Contacts) {
            for column in cube.columns {
                assert!(CONTACT_KEY_COLUMNS.contains(column), "{column}");
            }
        }
    }

    #[test]
    fn the_smallest_sufficient_cube_is_picked() {
        assert_eq!(
            pick(Source::Contacts, &["queue"]).unwrap().table,
            "contact_day_queue"
        );
        assert_eq!(
            pick(Source::Contacts, &["agent_id"]).unwrap().table,
            "contact_day_agent"
        );
        assert_eq!(
            pick(Source::Contacts, &["agent_id", "category"])
                .unwrap()
                .table,
            "contact_day"
        );
        assert_eq!(
            pick(Source::States, &["agent_id"]).unwrap().table,
            "state_day"
        );
        assert!(pick(Source::States, &["queue"]).is_none());
    }

    #[test]
    fn days_follow_the_zone_including_daylight_saving() {
        let shanghai = TimeZone::get("Asia/Shanghai").unwrap();
        let at = |text: &str| text.parse::<Timestamp>().unwrap().as_millisecond();
        let days = days_of(
            &[
                at("2026-11-01T15:45:00Z"),
                at("2026-11-01T16:00:00Z"),
                at("2026-11-02T15:45:00Z"),
            ],
            &shanghai,
        );
        assert_eq!(
            days,
            vec![
                (at("2026-10-31T16:00:00Z"), at("2026-11-01T16:00:00Z")),
                (at("2026-11-01T16:00:00Z"), at("2026-11-02T16:00:00Z"))
            ]
        );
        let new_york = TimeZone::get("America/New_York").unwrap();
        // 2026-11-01 is 25 hours long in New York.
        let days = days_of(&[at("2026-11-01T12:00:00Z")], &new_york);
        assert_eq!(
            days,
            vec![(at("2026-11-01T04:00:00Z"), at("2026-11-02T05:00:00Z"))]
        );
    }
}
