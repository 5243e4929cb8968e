//! KPI queries over the rollups. The database sums counters per (15-minute bucket ×) dimension;
//! buckets are then labelled in the requested time zone and merged here, so day, week and month
//! boundaries follow the zone's own calendar, daylight-saving changes included.

use std::{
    collections::{BTreeMap, HashMap},
    sync::Arc,
};

use futures::TryStreamExt;
use jiff::{Timestamp, tz::TimeZone};
use servq_kpi::{
    ContactCounters, FeedbackCounters, QaCounters, RatingCounters, StateCounters, SurveyCounters,
};
use sqlx::Row;

use crate::{
    Result, Store,
    cache::Cached,
    cubes::{self, Source},
};

pub use servq_kpi::Dimension;

/// Where each dimension lives in the rollups and the raw tables; column expressions come from
/// this closed list, never from user text.
pub(crate) trait DimensionColumns {
    /// The rollup and cube column holding this dimension (team is derived from the agent).
    fn rollup_column(self) -> &'static str;
    /// The expression on contact rollups and `contacts` aliased `r`, the roster `a`.
    fn contact_column(self) -> &'static str;
    /// The same dimension on agent-state rollups (`r`), through the roster (`a`) and the
    /// agent's queues (`q`, see [`AGENT_QUEUE_SHARES`]); `None` for what states do not have.
    fn state_column(self) -> Option<&'static str>;
}

impl DimensionColumns for Dimension {
    fn rollup_column(self) -> &'static str {
        match self {
            Dimension::Queue => "queue",
            Dimension::Agent | Dimension::Team => "agent_id",
            Dimension::Channel => "channel",
            Dimension::Category => "category",
            Dimension::Direction => "direction",
            // no rollup holds it: customer measures read the customers themselves
            Dimension::Segment => "segment",
        }
    }

    fn contact_column(self) -> &'static str {
        match self {
            Dimension::Queue => "r.queue",
            Dimension::Agent => "r.agent_id",
            Dimension::Team => "COALESCE(a.team, '')",
            Dimension::Channel => "r.channel",
            Dimension::Category => "r.category",
            Dimension::Direction => "r.direction",
            // the customer's current segment (raw contacts only)
            Dimension::Segment => {
                "COALESCE((SELECT k.segment FROM customers k WHERE k.customer_id = r.customer_id), '')"
            }
        }
    }

    fn state_column(self) -> Option<&'static str> {
        match self {
            Dimension::Queue => Some("COALESCE(q.queue, '')"),
            Dimension::Agent => Some("r.agent_id"),
            Dimension::Team => Some("COALESCE(a.team, '')"),
            _ => None,
        }
    }
}

/// Each (agent, queue) of the roster with the queue's position in the agent's list and the
/// number of queues the agent serves: the weights that attribute agent-state time to queues.
const AGENT_QUEUE_SHARES: &str = " LEFT JOIN (SELECT aq.agent_id, aq.queue, aq.position, n.queues \
     FROM agent_queues aq JOIN (SELECT agent_id, COUNT(*) AS queues FROM agent_queues \
     GROUP BY agent_id) n ON n.agent_id = aq.agent_id) q ON q.agent_id = r.agent_id";

/// The agent's share of state counter `column` for queue `q`: the time split evenly across
/// the agent's queues in whole milliseconds, the remainder going to the first queue listed,
/// so the queues' shares add up to the agent's time exactly. An agent with no queues keeps
/// all of it (under "no queue"). (`docs/kpi.md#occupancy-per-queue`)
fn queue_share(column: &str) -> String {
    format!(
        "r.{column} / COALESCE(q.queues, 1) + CASE WHEN COALESCE(q.position, 0) = 0 \
         THEN r.{column} % COALESCE(q.queues, 1) ELSE 0 END"
    )
}

/// A time grouping, applied in the query's time zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TimeGrain {
    /// 15-minute interval, labelled `2026-11-02T09:15`.
    Interval15,
    /// 30-minute interval, labelled `2026-11-02T09:30`.
    Interval30,
    /// Hour, labelled `2026-11-02T09:00`.
    Hour,
    /// Day, labelled `2026-11-02`.
    Day,
    /// ISO week (Monday to Sunday), labelled with its Monday `2026-11-02`.
    Week,
    /// Calendar month, labelled `2026-11`.
    Month,
}

impl TimeGrain {
    /// The name used in `--by` and as the output key.
    pub fn name(self) -> &'static str {
        match self {
            TimeGrain::Interval15 => "interval15",
            TimeGrain::Interval30 => "interval30",
            TimeGrain::Hour => "hour",
            TimeGrain::Day => "day",
            TimeGrain::Week => "week",
            TimeGrain::Month => "month",
        }
    }

    /// The label of the period holding the instant `utc_ms`, in `zone`.
    pub fn label(self, utc_ms: i64, zone: &TimeZone) -> String {
        let Ok(timestamp) = Timestamp::from_millisecond(utc_ms) else {
            return String::new();
        };
        let local = timestamp.to_zoned(zone.clone()).datetime();
        let minute_floor = |step: i8| local.minute() - local.minute() % step;
        match self {
            TimeGrain::Interval15 => format!(
                "{}T{:02}:{:02}",
                local.date(),
                local.hour(),
                minute_floor(15)
            ),
            TimeGrain::Interval30 => format!(
                "{}T{:02}:{:02}",
                local.date(),
                local.hour(),
                minute_floor(30)
            ),
            TimeGrain::Hour => format!("{}T{:02}:00", local.date(), local.hour()),
            TimeGrain::Day => local.date().to_string(),
            TimeGrain::Week => {
                let days_from_monday = i64::from(local.date().weekday().to_monday_zero_offset());
                local
                    .date()
                    .checked_sub(jiff::Span::new().days(days_from_monday))
                    .map(|monday| monday.to_string())
                    .unwrap_or_default()
            }
            TimeGrain::Month => format!("{:04}-{:02}", local.year(), local.month()),
        }
    }
}

/// One element of `--by`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GroupField {
    /// A dimension such as queue or agent.
    Dimension(Dimension),
    /// A time period.
    Time(TimeGrain),
}

impl GroupField {
    /// Every accepted name, for help and error messages.
    pub const NAMES: &'static str = "queue, agent, team, channel, category, direction, segment, interval15, interval30, hour, day, week, month";

    /// Parses a `--by` element.
    pub fn parse(text: &str) -> Option<GroupField> {
        use Dimension::*;
        use TimeGrain::*;
        Some(match text.trim() {
            "queue" => GroupField::Dimension(Queue),
            "agent" => GroupField::Dimension(Agent),
            "team" => GroupField::Dimension(Team),
            "channel" => GroupField::Dimension(Channel),
            "category" => GroupField::Dimension(Category),
            "direction" => GroupField::Dimension(Direction),
            "segment" => GroupField::Dimension(Segment),
            "interval15" => GroupField::Time(Interval15),
            "interval30" => GroupField::Time(Interval30),
            "hour" => GroupField::Time(Hour),
            "day" => GroupField::Time(Day),
            "week" => GroupField::Time(Week),
            "month" => GroupField::Time(Month),
            _ => return None,
        })
    }

    /// The output key name.
    pub fn name(self) -> &'static str {
        match self {
            GroupField::Dimension(dimension) => dimension.name(),
            GroupField::Time(grain) => grain.name(),
        }
    }
}

/// What to compute: grouping, half-open time range `[from_ms, to_ms)` and equality filters.
#[derive(Debug, Clone)]
pub struct KpiQuery {
    /// Grouping fields in output order; at most one time grain.
    pub group_by: Vec<GroupField>,
    /// Start of the range, UTC ms, inclusive.
    pub from_ms: Option<i64>,
    /// End of the range, UTC ms, exclusive.
    pub to_ms: Option<i64>,
    /// Zone for time labels.
    pub zone: TimeZone,
    /// Keep only rows whose dimension equals one of the values.
    pub filters: Vec<(Dimension, Vec<String>)>,
}

impl KpiQuery {
    /// Every dimension the query groups or filters by.
    fn dimensions(&self) -> impl Iterator<Item = Dimension> + '_ {
        self.group_by
            .iter()
            .filter_map(|field| match field {
                GroupField::Dimension(dimension) => Some(*dimension),
                GroupField::Time(_) => None,
            })
            .chain(self.filters.iter().map(|(dimension, _)| *dimension))
    }
}

/// The counters of one group. `states` is `None` when the grouping or a filter uses a dimension
/// agent states do not have (queue, channel, category, direction): occupancy is then undefined.
#[derive(Debug, Clone, PartialEq)]
pub struct KpiGroup {
    /// Values of the group fields, in `group_by` order; `None` where the source had no value.
    pub key: Vec<Option<String>>,
    /// Contact counters.
    pub contacts: ContactCounters,
    /// Agent-state counters, where applicable.
    pub states: Option<StateCounters>,
    /// QA evaluation and survey sums of the group's contacts.
    pub feedback: FeedbackCounters,
}

pub(crate) const CONTACT_SUMS: &[&str] = &ContactCounters::FIELDS;
pub(crate) const STATE_SUMS: &[&str] = &StateCounters::FIELDS;

struct GroupedSql {
    sql: String,
    binds: Vec<String>,
}

impl GroupedSql {
    /// The query with the time range and the filter values bound.
    fn bind(
        self,
        from: i64,
        to: i64,
    ) -> sqlx::query::Query<'static, sqlx::Any, sqlx::any::AnyArguments> {
        self.binds.into_iter().fold(
            sqlx::query(sqlx::AssertSqlSafe(self.sql))
                .bind(from)
                .bind(to),
            |query, value| query.bind(value),
        )
    }
}

/// Reads `N` summed counters starting at column `first`; a NULL sum (no rows) is 0.
fn sums_of<const N: usize>(row: &sqlx::any::AnyRow, first: usize) -> Result<[i64; N]> {
    let mut values = [0; N];
    for (index, value) in values.iter_mut().enumerate() {
        *value = row.try_get::<Option<i64>, _>(first + index)?.unwrap_or(0);
    }
    Ok(values)
}

/// Appends `column IN ($3, $4, …)` for each filter to `conditions` (the time range holds `$1`
/// and `$2`) and returns the values to bind, in placeholder order. Column expressions come from
/// the closed `Dimension` enum; values are only ever bound.
pub(crate) fn filter_conditions(
    filters: &[(Dimension, Vec<String>)],
    column: impl Fn(Dimension) -> &'static str,
    conditions: &mut Vec<String>,
) -> Vec<String> {
    let mut binds = Vec::new();
    for (dimension, values) in filters {
        let placeholders: Vec<String> = values
            .iter()
            .map(|value| {
                binds.push(value.clone());
                format!("${}", binds.len() + 2)
            })
            .collect();
        conditions.push(format!(
            "{} IN ({})",
            column(*dimension),
            placeholders.join(", ")
        ));
    }
    binds
}

/// Builds `SELECT [bucket,] dims, sums FROM table ... GROUP BY ...`; column expressions come from
/// the closed `Dimension` enum and values are bound, so no user text reaches the SQL.
fn grouped_sql(
    query: &KpiQuery,
    table: &str,
    time_column: &str,
    sums: &[&str],
    column: impl Fn(Dimension) -> &'static str,
    split_by_queue: bool,
) -> GroupedSql {
    let has_time = query
        .group_by
        .iter()
        .any(|field| matches!(field, GroupField::Time(_)));
    let time_key = format!("r.{time_column}");
    let mut keys: Vec<&str> = Vec::new();
    if has_time {
        keys.push(&time_key);
    }
    for field in &query.group_by {
        if let GroupField::Dimension(dimension) = field {
            keys.push(column(*dimension));
        }
    }
    let mut select: Vec<String> = keys.iter().map(|key| key.to_string()).collect();
    select.extend(sums.iter().map(|sum| {
        if split_by_queue {
            format!("CAST(SUM({}) AS BIGINT)", queue_share(sum))
        } else {
            format!("CAST(SUM(r.{sum}) AS BIGINT)")
        }
    }));
    let uses_team = query
        .dimensions()
        .any(|dimension| dimension == Dimension::Team);
    let mut join = String::new();
    if uses_team {
        join.push_str(" LEFT JOIN agents a ON a.agent_id = r.agent_id");
    }
    if split_by_queue {
        join.push_str(AGENT_QUEUE_SHARES);
    }
    let mut conditions = vec![format!("{time_key} >= $1"), format!("{time_key} < $2")];
    let binds = filter_conditions(&query.filters, column, &mut conditions);
    let mut sql = format!(
        "SELECT {} FROM {table} r{join} WHERE {}",
        select.join(", "),
        conditions.join(" AND ")
    );
    if !keys.is_empty() {
        sql.push_str(" GROUP BY ");
        sql.push_str(&keys.join(", "));
    }
    GroupedSql { sql, binds }
}

/// Evaluations or survey answers few enough to walk them and look their contacts up by id
/// (about 20 ms on SQLite) rather than walk the period's contacts.
const SMALL_SOURCE_ROWS: i64 = 20_000;

impl Store {
    /// Whether day cubes can answer `query` exactly: a day, week or month grain (or none), in the
    /// centre's zone, over whole local days.
    async fn day_cubes_apply(&self, query: &KpiQuery) -> Result<bool> {
        let coarse = query.group_by.iter().all(|field| {
            !matches!(
                field,
                GroupField::Time(TimeGrain::Interval15 | TimeGrain::Interval30 | TimeGrain::Hour)
            )
        });
        if !coarse {
            return Ok(false);
        }
        let mut connection = self.pool.acquire().await?;
        let centre = cubes::centre_zone_name(&mut connection).await?;
        if query.zone.iana_name() != Some(centre.as_str()) {
            return Ok(false);
        }
        let at_midnight = |ms: Option<i64>| {
            ms.is_none_or(|ms| {
                Timestamp::from_millisecond(ms)
                    .ok()
                    .and_then(|t| t.to_zoned(query.zone.clone()).start_of_day().ok())
                    .is_some_and(|start| start.timestamp().as_millisecond() == ms)
            })
        };
        Ok(at_midnight(query.from_ms) && at_midnight(query.to_ms))
    }

    /// Sums rollup counters per group. Groups appear in key order. Results are cached until the
    /// data changes (see `cache`).
    pub async fn kpi(&self, query: &KpiQuery) -> Result<Vec<KpiGroup>> {
        let version = self.data_version().await?;
        let key = format!("kpi {query:?}");
        if let Some(Cached::Groups(groups)) = self.cache.get(&key, version) {
            return Ok(groups.as_ref().clone());
        }
        let groups = self.kpi_uncached(query).await?;
        self.cache
            .put(key, version, Cached::Groups(Arc::new(groups.clone())));
        Ok(groups)
    }

    async fn kpi_uncached(&self, query: &KpiQuery) -> Result<Vec<KpiGroup>> {
        if query
            .dimensions()
            .any(|dimension| dimension == Dimension::Segment)
        {
            // contacts, states, ratings and tickets are not summed by the customer's segment
            // (Exclusion::NotPerSegment): customer measures come from `customer_sums`
            return Ok(Vec::new());
        }
        let has_time = query
            .group_by
            .iter()
            .any(|field| matches!(field, GroupField::Time(_)));
        let states_apply = query.dimensions().all(Dimension::has_agent_states);
        let mut labels: HashMap<i64, String> = HashMap::new();
        let mut groups: BTreeMap<Vec<Option<String>>, (ContactCounters, Option<StateCounters>)> =
            BTreeMap::new();
        let n_dimensions = query.group_by.len() - usize::from(has_time);
        // Builds the output key from a row: the time label at the grain's position, then
        // dimensions in order; an empty stored value means "none".
        let mut key_of = |row: &sqlx::any::AnyRow| -> Result<Vec<Option<String>>> {
            let mut dimensions = Vec::with_capacity(n_dimensions);
            let offset = usize::from(has_time);
            for index in 0..n_dimensions {
                let value: String = row.try_get(offset + index)?;
                dimensions.push((!value.is_empty()).then_some(value));
            }
            let mut dimensions = dimensions.into_iter();
            let mut key = Vec::with_capacity(query.group_by.len());
            for field in &query.group_by {
                match field {
                    GroupField::Time(grain) => {
                        let bucket: i64 = row.try_get(0)?;
                        let label = labels
                            .entry(bucket)
                            .or_insert_with(|| grain.label(bucket, &query.zone));
                        key.push(Some(label.clone()));
                    }
                    GroupField::Dimension(_) => key.push(dimensions.next().flatten()),
                }
            }
            Ok(key)
        };
        let from = query.from_ms.unwrap_or(i64::MIN);
        let to = query.to_ms.unwrap_or(i64::MAX);
        let sums_at = usize::from(has_time) + n_dimensions;

        let needed: Vec<&str> = query.dimensions().map(Dimension::rollup_column).collect();
        // states reach queues through the roster at 15-minute resolution, so that a queue's
        // share is the same whatever the period (no day cube holds it)
        let states_by_queue = query
            .dimensions()
            .any(|dimension| dimension == Dimension::Queue);
        let day_cubes = self.day_cubes_apply(query).await?;
        let source_of = |source: Source, fine: &'static str| {
            day_cubes
                .then(|| cubes::pick(source, &needed))
                .flatten()
                .map_or((fine, "bucket"), |cube| (cube.table, "period"))
        };
        let (contact_table, contact_time) = source_of(Source::Contacts, "contact_rollup");
        let (state_table, state_time) = source_of(Source::States, "state_rollup");

        let contact_sql = grouped_sql(
            query,
            contact_table,
            contact_time,
            CONTACT_SUMS,
            Dimension::contact_column,
            false,
        );
        let mut rows = contact_sql.bind(from, to).fetch(&self.pool);
        while let Some(row) = rows.try_next().await? {
            let key = key_of(&row)?;
            let counters = ContactCounters::from_array(sums_of(&row, sums_at)?);
            let entry = groups.entry(key).or_default();
            entry.0.merge(&counters);
            if states_apply {
                entry.1.get_or_insert_with(StateCounters::default);
            }
        }
        drop(rows);

        if states_apply {
            let state_sql = grouped_sql(
                query,
                state_table,
                state_time,
                STATE_SUMS,
                |dimension| dimension.state_column().unwrap_or("''"),
                states_by_queue,
            );
            let mut rows = state_sql.bind(from, to).fetch(&self.pool);
            while let Some(row) = rows.try_next().await? {
                let key = key_of(&row)?;
                let counters = StateCounters::from_array(sums_of(&row, sums_at)?);
                if counters == StateCounters::default() && !has_time && n_dimensions == 0 {
                    // An empty store still reports one overall row, without states.
                    continue;
                }
                groups
                    .entry(key)
                    .or_default()
                    .1
                    .get_or_insert_with(StateCounters::default)
                    .merge(&counters);
            }
        }
        let mut feedback = self.feedback_sums(query, from, to, &mut key_of).await?;
        // a team, agent, category or channel with tickets or ratings but no contacts in the
        // period still has its row (a desk that imports no contacts has ticket measures)
        for key in feedback.keys() {
            if !groups.contains_key(key) {
                groups.insert(
                    key.clone(),
                    (
                        ContactCounters::default(),
                        states_apply.then(StateCounters::default),
                    ),
                );
            }
        }
        // Ungrouped queries over an empty range yield one row of zeros from SUM, kept as-is.
        Ok(groups
            .into_iter()
            .map(|(key, (contacts, states))| KpiGroup {
                feedback: feedback.remove(&key).unwrap_or_default(),
                key,
                contacts,
                states,
            })
            .collect())
    }

    /// QA evaluation and survey sums per group. Evaluations, invitations and responses count
    /// where their contact was offered, with the contact's dimensions (the agent credited is the
    /// contact's agent). They are few next to contacts (a handful of evaluations per agent and
    /// week, surveys for a sample of contacts), so they are read directly rather than rolled
    /// up. Groups without contacts get none.
    async fn feedback_sums(
        &self,
        query: &KpiQuery,
        from: i64,
        to: i64,
        key_of: &mut impl FnMut(&sqlx::any::AnyRow) -> Result<Vec<Option<String>>>,
    ) -> Result<HashMap<Vec<Option<String>>, FeedbackCounters>> {
        let mut sums: HashMap<Vec<Option<String>>, FeedbackCounters> = HashMap::new();
        let qa = self
            .sums_by_contact(
                query,
                (from, to),
                key_of,
                "(SELECT contact_id, score_micro FROM evaluations WHERE score_micro IS NOT NULL)",
                ["COUNT(*)", "SUM(s.score_micro)"],
            )
            .await?;
        for (key, [evaluated, score_sum_micro]) in qa {
            sums.entry(key).or_default().qa.merge(&QaCounters {
                evaluated,
                score_sum_micro,
            });
        }
        let surveys = self
            .sums_by_contact(
                query,
                (from, to),
                key_of,
                "(SELECT contact_id, 1 AS invited, \
                   CASE WHEN used_at IS NULL THEN 0 ELSE 1 END AS invited_responded, \
                   0 AS response, CAST(NULL AS BIGINT) AS csat, CAST(NULL AS BIGINT) AS nps, \
                   CAST(NULL AS BIGINT) AS ces FROM survey_invitations \
                 UNION ALL SELECT contact_id, 0, 0, 1, csat, nps, ces FROM survey_responses)",
                [
                    "SUM(s.invited)",
                    "SUM(s.invited_responded)",
                    "SUM(s.response)",
                    "COUNT(s.csat)",
                    "SUM(CASE WHEN s.csat >= 4 THEN 1 ELSE 0 END)",
                    "SUM(CASE WHEN s.csat <= 2 THEN 1 ELSE 0 END)",
                    "SUM(s.csat)",
                    "SUM(s.csat * s.csat)",
                    "COUNT(s.nps)",
                    "SUM(CASE WHEN s.nps >= 9 THEN 1 ELSE 0 END)",
                    "SUM(CASE WHEN s.nps <= 6 THEN 1 ELSE 0 END)",
                    "COUNT(s.ces)",
                    "SUM(s.ces)",
                    "SUM(s.ces * s.ces)",
                ],
            )
            .await?;
        for (key, values) in surveys {
            sums.entry(key)
                .or_default()
                .survey
                .merge(&SurveyCounters::from_array(values));
        }
        // ratings belong to agents: they exist per agent or team (and overall), nowhere else
        if query
            .dimensions()
            .all(|dimension| matches!(dimension, Dimension::Agent | Dimension::Team))
        {
            for (key, ratings) in self.rating_sums(query, (from, to), key_of).await? {
                sums.entry(key).or_default().ratings.merge(&ratings);
            }
        }
        for (key, tickets) in self.ticket_sums(query, (from, to), key_of).await? {
            sums.entry(key).or_default().tickets.merge(&tickets);
        }
        Ok(sums)
    }

    /// Ticket counters per group, from the ticket day cube (tickets counted on their creation
    /// day; backlogs, a period-end notion, are left out). The cube keeps one dimension at a
    /// time — the assignee (agent), team, category or channel — and whole days: a query that
    /// groups or filters by two of them, by another dimension, or by less than a day gets none.
    async fn ticket_sums(
        &self,
        query: &KpiQuery,
        (from, to): (i64, i64),
        key_of: &mut impl FnMut(&sqlx::any::AnyRow) -> Result<Vec<Option<String>>>,
    ) -> Result<HashMap<Vec<Option<String>>, servq_desk::TicketCounters>> {
        let mut dimensions: Vec<Dimension> = query.dimensions().collect();
        dimensions.sort();
        dimensions.dedup();
        let cube_dim = match dimensions.as_slice() {
            [] => "",
            [Dimension::Agent] => "assignee",
            [Dimension::Team] => "team",
            [Dimension::Category] => "category",
            [Dimension::Channel] => "channel",
            _ => return Ok(HashMap::new()),
        };
        if !self.day_cubes_apply(query).await? {
            return Ok(HashMap::new());
        }
        self.refresh_ticket_cube().await?;
        let mut keys: Vec<&str> = Vec::new();
        if query
            .group_by
            .iter()
            .any(|field| matches!(field, GroupField::Time(_)))
        {
            keys.push("day_start");
        }
        if query
            .group_by
            .iter()
            .any(|field| matches!(field, GroupField::Dimension(_)))
        {
            keys.push("key");
        }
        let mut select: Vec<String> = keys.iter().map(|key| key.to_string()).collect();
        select.extend(
            crate::ticket_cube::CREATED_SUMS
                .iter()
                .map(|(name, _)| format!("CAST(SUM({name}) AS BIGINT)")),
        );
        let mut conditions = vec![
            "day_start >= $1".to_owned(),
            "day_start < $2".to_owned(),
            "dim = $3".to_owned(),
        ];
        let mut values: Vec<String> = Vec::new();
        for (_, wanted) in &query.filters {
            let first = 4 + values.len();
            let marks: Vec<String> = (first..first + wanted.len())
                .map(|n| format!("${n}"))
                .collect();
            conditions.push(format!("key IN ({})", marks.join(", ")));
            values.extend(wanted.iter().cloned());
        }
        let mut sql = format!(
            "SELECT {} FROM ticket_day_cube WHERE {}",
            select.join(", "),
            conditions.join(" AND ")
        );
        if !keys.is_empty() {
            sql.push_str(" GROUP BY ");
            sql.push_str(&keys.join(", "));
        }
        let statement = values.into_iter().fold(
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(from)
                .bind(to)
                .bind(cube_dim),
            |statement, value| statement.bind(value),
        );
        let mut sums: HashMap<Vec<Option<String>>, servq_desk::TicketCounters> = HashMap::new();
        let at = keys.len();
        let mut rows = statement.fetch(&self.pool);
        while let Some(row) = rows.try_next().await? {
            let key = key_of(&row)?;
            let created: [i64; 9] = sums_of(&row, at)?;
            let mut all = [0; 11];
            all[..9].copy_from_slice(&created);
            sums.entry(key)
                .or_default()
                .merge(&servq_desk::TicketCounters::from_array(all));
        }
        Ok(sums)
    }

    /// 360° rating sums per group, each rating counted on its period's last day, with its
    /// agent's roster team.
    async fn rating_sums(
        &self,
        query: &KpiQuery,
        (from, to): (i64, i64),
        key_of: &mut impl FnMut(&sqlx::any::AnyRow) -> Result<Vec<Option<String>>>,
    ) -> Result<HashMap<Vec<Option<String>>, RatingCounters>> {
        let mut keys: Vec<&str> = Vec::new();
        if query
            .group_by
            .iter()
            .any(|field| matches!(field, GroupField::Time(_)))
        {
            keys.push("r.counted_at");
        }
        for field in &query.group_by {
            if let GroupField::Dimension(dimension) = field {
                keys.push(dimension.contact_column());
            }
        }
        let mut conditions = vec![
            "r.counted_at >= $1".to_owned(),
            "r.counted_at < $2".to_owned(),
        ];
        let binds = filter_conditions(&query.filters, Dimension::contact_column, &mut conditions);
        let mut select: Vec<String> = keys.iter().map(|key| key.to_string()).collect();
        select.push("r.source".to_owned());
        for column in servq_core::RATING_DIMENSIONS {
            select.push(format!("CAST(COUNT(r.{column}) AS BIGINT)"));
            select.push(format!("CAST(SUM(r.{column}) AS BIGINT)"));
        }
        let mut group: Vec<&str> = keys.clone();
        group.push("r.source");
        let sql = format!(
            "SELECT {} FROM ratings r LEFT JOIN agents a ON a.agent_id = r.agent_id WHERE {} \
             GROUP BY {}",
            select.join(", "),
            conditions.join(" AND "),
            group.join(", ")
        );
        let statement = binds.into_iter().fold(
            sqlx::query(sqlx::AssertSqlSafe(sql)).bind(from).bind(to),
            |statement, value| statement.bind(value),
        );
        let mut sums: HashMap<Vec<Option<String>>, RatingCounters> = HashMap::new();
        let at = keys.len();
        let mut rows = statement.fetch(&self.pool);
        while let Some(row) = rows.try_next().await? {
            let key = key_of(&row)?;
            let source: String = row.try_get(at)?;
            let Some(index) = servq_kpi::RATING_SOURCES.iter().position(|s| *s == source) else {
                return Err(crate::StoreError::CorruptValue {
                    column: "ratings.source",
                    value: source,
                });
            };
            let values: [i64; 10] = sums_of(&row, at + 1)?;
            let pairs: [(i64, i64); 5] =
                std::array::from_fn(|d| (values[2 * d], values[2 * d + 1]));
            sums.entry(key).or_default().add_source(index, pairs);
        }
        Ok(sums)
    }

    /// Whether `source` (a table or a sub-select) holds fewer than `limit` rows; reads at most
    /// `limit` of them.
    async fn fewer_rows_than(&self, source: &str, limit: i64) -> Result<bool> {
        let counted: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT COUNT(*) FROM (SELECT 1 FROM {source} s LIMIT {limit}) t"
        )))
        .fetch_one(&self.pool)
        .await?;
        Ok(counted < limit)
    }

    /// Sums `aggregates` over the rows of `source` (a sub-select with a `contact_id`, aliased
    /// `s`) whose contact was offered in `[from, to)` and passes the filters, grouped like the
    /// query by the contact's dimensions.
    async fn sums_by_contact<const N: usize>(
        &self,
        query: &KpiQuery,
        (from, to): (i64, i64),
        key_of: &mut impl FnMut(&sqlx::any::AnyRow) -> Result<Vec<Option<String>>>,
        source: &str,
        aggregates: [&str; N],
    ) -> Result<HashMap<Vec<Option<String>>, [i64; N]>> {
        let has_time = query
            .group_by
            .iter()
            .any(|field| matches!(field, GroupField::Time(_)));
        let mut keys: Vec<&str> = Vec::new();
        if has_time {
            keys.push("r.offered_at");
        }
        for field in &query.group_by {
            if let GroupField::Dimension(dimension) = field {
                keys.push(dimension.contact_column());
            }
        }
        // SQLite has no statistics: it walks the period's contacts (by their offered_at index, or
        // all of them when the source is a compound select) and probes the evaluations or
        // answers for each — 0.1–0.3 s for a year of a million contacts with no evaluation at
        // all. When the source is small, SQLite's CROSS JOIN keeps it the outer loop, so it is
        // walked and its contacts found by id.
        let join = if self.backend() == crate::Backend::Sqlite
            && self.fewer_rows_than(source, SMALL_SOURCE_ROWS).await?
        {
            "CROSS JOIN"
        } else {
            "JOIN"
        };
        let mut conditions = vec![
            "r.offered_at >= $1".to_owned(),
            "r.offered_at < $2".to_owned(),
        ];
        let binds = filter_conditions(&query.filters, Dimension::contact_column, &mut conditions);
        let mut select: Vec<String> = keys.iter().map(|key| key.to_string()).collect();
        select.extend(
            aggregates
                .iter()
                .map(|aggregate| format!("CAST({aggregate} AS BIGINT)")),
        );
        let mut sql = format!(
            "SELECT {} FROM {source} s {join} contacts r ON r.contact_id = s.contact_id \
             LEFT JOIN agents a ON a.agent_id = r.agent_id WHERE {}",
            select.join(", "),
            conditions.join(" AND ")
        );
        if !keys.is_empty() {
            sql.push_str(" GROUP BY ");
            sql.push_str(&keys.join(", "));
        }
        let statement = binds.into_iter().fold(
            sqlx::query(sqlx::AssertSqlSafe(sql)).bind(from).bind(to),
            |statement, value| statement.bind(value),
        );
        let mut sums: HashMap<Vec<Option<String>>, [i64; N]> = HashMap::new();
        let at = keys.len();
        let mut rows = statement.fetch(&self.pool);
        while let Some(row) = rows.try_next().await? {
            let key = key_of(&row)?;
            let values: [i64; N] = sums_of(&row, at)?;
            let entry = sums.entry(key).or_insert([0; N]);
            for (sum, value) in entry.iter_mut().zip(values) {
                *sum += value;
            }
        }
        Ok(sums)
    }
}

impl Store {
    /// The values a dimension takes, sorted, for the dashboard's filter lists: queues, channels
    /// and directions from the daily queue cube, teams and agents from the roster. Categories
    /// are not listed (the per-category cube is large); they are typed.
    pub async fn dimension_values(&self, dimension: Dimension) -> Result<Vec<String>> {
        let sql = match dimension {
            Dimension::Queue => "SELECT DISTINCT queue FROM contact_day_queue ORDER BY 1",
            Dimension::Channel => "SELECT DISTINCT channel FROM contact_day_queue ORDER BY 1",
            Dimension::Direction => "SELECT DISTINCT direction FROM contact_day_queue ORDER BY 1",
            Dimension::Team => "SELECT DISTINCT team FROM agents WHERE team <> '' ORDER BY 1",
            Dimension::Agent => "SELECT agent_id FROM agents ORDER BY 1",
            Dimension::Segment => {
                "SELECT DISTINCT segment FROM customers WHERE segment <> '' ORDER BY 1"
            }
            Dimension::Category => return Ok(Vec::new()),
        };
        let version = self.data_version().await?;
        if let Some(Cached::Values(values)) = self.cache.get(sql, version) {
            return Ok(values.as_ref().clone());
        }
        let values: Vec<String> = sqlx::query_scalar(sql).fetch_all(&self.pool).await?;
        self.cache.put(
            sql.to_owned(),
            version,
            Cached::Values(Arc::new(values.clone())),
        );
        Ok(values)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_follow_the_zone_calendar() {
        let shanghai = TimeZone::get("Asia/Shanghai").unwrap();
        // 2026-11-01T16:45Z is Monday 2026-11-02 00:45 in Shanghai.
        let ms = "2026-11-01T16:45:00Z"
            .parse::<Timestamp>()
            .unwrap()
            .as_millisecond();
        assert_eq!(TimeGrain::Day.label(ms, &shanghai), "2026-11-02");
        assert_eq!(TimeGrain::Day.label(ms, &TimeZone::UTC), "2026-11-01");
        assert_eq!(
            TimeGrain::Interval30.label(ms, &shanghai),
            "2026-11-02T00:30"
        );
        assert_eq!(
            TimeGrain::Interval15.label(ms, &shanghai),
            "2026-11-02T00:45"
        );
        assert_eq!(TimeGrain::Hour.label(ms, &shanghai), "2026-11-02T00:00");
        assert_eq!(TimeGrain::Week.label(ms, &shanghai), "2026-11-02");
        assert_eq!(TimeGrain::Week.label(ms, &TimeZone::UTC), "2026-10-26");
        assert_eq!(TimeGrain::Month.label(ms, &TimeZone::UTC), "2026-11");
    }

    #[test]
    fn group_names_round_trip() {
        for name in GroupField::NAMES.split(", ") {
            assert_eq!(GroupField::parse(name).unwrap().name(), name);
        }
        assert_eq!(GroupField::parse("weekday"), None);
    }
}
