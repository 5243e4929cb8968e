//! Customer measures per KPI group (`docs/kpi.md#customer-measures`): churn, repeat contacts in
//! any category and customers who complained, for the centre or per customer segment — each
//! customer in their **current** segment. Read from the customers, contacts and tickets
//! themselves (no rollup holds a customer's segment, which changes), so they are asked for only
//! when a report shows them.

use std::collections::{BTreeSet, HashMap, HashSet};

use futures::TryStreamExt;
use jiff::{Span, Timestamp, civil::Date, tz::TimeZone};
use servq_kpi::{ActiveCustomers, CustomerCounters};
use sqlx::Row;

use crate::{
    Result, Store,
    kpi_query::{Dimension, GroupField, KpiQuery, TimeGrain},
};

/// Most periods a churn table lists (ten years of days).
const MAX_PERIODS: usize = 3_700;

/// The local day holding the instant `ms` in `zone`.
fn local_day(ms: i64, zone: &TimeZone) -> Option<Date> {
    Timestamp::from_millisecond(ms)
        .ok()
        .map(|t| t.to_zoned(zone.clone()).date())
}

/// The first instant of `day` in `zone`.
fn day_start_ms(day: Date, zone: &TimeZone) -> Option<i64> {
    day.to_zoned(zone.clone())
        .ok()
        .and_then(|zoned| zoned.start_of_day().ok())
        .map(|start| start.timestamp().as_millisecond())
}

/// The first day of the period of `grain` holding `day`; `None` for grains finer than a day,
/// where churn (a matter of days) has no period.
fn period_first_day(grain: TimeGrain, day: Date) -> Option<Date> {
    match grain {
        TimeGrain::Day => Some(day),
        TimeGrain::Week => day
            .checked_sub(Span::new().days(i64::from(day.weekday().to_monday_zero_offset())))
            .ok(),
        TimeGrain::Month => day.first_of_month().into(),
        TimeGrain::Interval15 | TimeGrain::Interval30 | TimeGrain::Hour => None,
    }
}

/// The first day of the next period of `grain`.
fn next_period(grain: TimeGrain, first: Date) -> Option<Date> {
    match grain {
        TimeGrain::Day => first.tomorrow().ok(),
        TimeGrain::Week => first.checked_add(Span::new().days(7)).ok(),
        TimeGrain::Month => first.checked_add(Span::new().months(1)).ok(),
        _ => None,
    }
}

/// A stored `YYYY-MM-DD` day; '' is none.
fn stored_day(text: &str) -> Option<Date> {
    text.parse().ok()
}

/// How the groups of one query are keyed.
struct Keys<'a> {
    query: &'a KpiQuery,
    grain: Option<TimeGrain>,
    by_segment: bool,
    segments: Option<HashSet<&'a str>>,
}

impl<'a> Keys<'a> {
    fn new(query: &'a KpiQuery) -> Self {
        let grain = query.group_by.iter().find_map(|field| match field {
            GroupField::Time(grain) => Some(*grain),
            GroupField::Dimension(_) => None,
        });
        let by_segment = query
            .group_by
            .contains(&GroupField::Dimension(Dimension::Segment));
        let segments = query
            .filters
            .iter()
            .filter(|(dimension, _)| *dimension == Dimension::Segment)
            .map(|(_, values)| values.iter().map(String::as_str).collect::<HashSet<_>>())
            .reduce(|a, b| a.intersection(&b).copied().collect());
        Keys {
            query,
            grain,
            by_segment,
            segments,
        }
    }

    fn wanted(&self, segment: &str) -> bool {
        self.segments
            .as_ref()
            .is_none_or(|wanted| wanted.contains(segment))
    }

    /// The key of a group: the time label of `at_ms` and the segment, in `group_by` order.
    fn key(&self, at_ms: i64, segment: &str) -> Vec<Option<String>> {
        self.query
            .group_by
            .iter()
            .map(|field| match field {
                GroupField::Time(grain) => Some(grain.label(at_ms, &self.query.zone)),
                GroupField::Dimension(_) => (!segment.is_empty()).then(|| segment.to_owned()),
            })
            .collect()
    }
}

impl Store {
    /// Customer counters per group of `query`, which may group by a time grain and the segment
    /// and filter by segment; any other dimension gives none (the measures do not exist there).
    /// Repeat contacts and complaints count where the contact was offered or the ticket created;
    /// churn per period of a day, week or month grain, or over `[from, to)` without a grain
    /// (without a start there is no "active at the start": none).
    pub async fn customer_sums(
        &self,
        query: &KpiQuery,
    ) -> Result<HashMap<Vec<Option<String>>, CustomerCounters>> {
        let mut sums: HashMap<Vec<Option<String>>, CustomerCounters> = HashMap::new();
        let only_segment = query.group_by.iter().all(|field| {
            matches!(
                field,
                GroupField::Time(_) | GroupField::Dimension(Dimension::Segment)
            )
        }) && query
            .filters
            .iter()
            .all(|(dimension, _)| *dimension == Dimension::Segment);
        if !only_segment {
            return Ok(sums);
        }
        let keys = Keys::new(query);
        let from = query.from_ms.unwrap_or(i64::MIN);
        let to = query.to_ms.unwrap_or(i64::MAX);
        let window_ms = self.kpi_settings().await?.fcr_window_ms;

        self.add_repeats(&keys, (from, to), window_ms, &mut sums)
            .await?;

        // distinct customers with a complaint ticket created in the group's period
        let mut complained: HashMap<Vec<Option<String>>, HashSet<String>> = HashMap::new();
        let mut rows = sqlx::query(
            "SELECT t.created_at, COALESCE(k.segment, ''), t.customer_id FROM tickets t \
             LEFT JOIN customers k ON k.customer_id = t.customer_id \
             WHERE t.ticket_type = 'complaint' AND t.customer_id <> '' \
             AND t.created_at >= $1 AND t.created_at < $2",
        )
        .bind(from)
        .bind(to)
        .fetch(&self.pool);
        while let Some(row) = rows.try_next().await? {
            let created: i64 = row.try_get(0)?;
            let segment: String = row.try_get(1)?;
            if keys.wanted(&segment) {
                complained
                    .entry(keys.key(created, &segment))
                    .or_default()
                    .insert(row.try_get(2)?);
            }
        }
        drop(rows);
        for (key, customers) in complained {
            sums.entry(key).or_default().complaint_customers = customers.len() as i64;
        }

        self.add_churn(&keys, &mut sums).await?;
        Ok(sums)
    }

    /// Adds repeat contacts: each answered contact of a customer offered in `[from, to)` and
    /// whether the customer's next contact (any category, strictly later) came within the
    /// window. Reads the contacts of `[from, to + window]` once, in offered order per customer
    /// (a lookup of each contact's next one costs a scan of the customer's contacts: quadratic
    /// for a customer who calls every day).
    async fn add_repeats(
        &self,
        keys: &Keys<'_>,
        (from, to): (i64, i64),
        window_ms: i64,
        sums: &mut HashMap<Vec<Option<String>>, CustomerCounters>,
    ) -> Result<()> {
        let mut customers: HashMap<String, u32> = HashMap::new();
        let mut segments: Vec<String> = Vec::new();
        let mut segment_ids: HashMap<String, u32> = HashMap::new();
        // (customer, offered, answered, segment)
        let mut contacts: Vec<(u32, i64, bool, u32)> = Vec::new();
        let mut rows = sqlx::query(
            "SELECT c.customer_id, c.offered_at, \
             CASE WHEN c.answered_at IS NULL THEN 0 ELSE 1 END, COALESCE(k.segment, '') \
             FROM contacts c LEFT JOIN customers k ON k.customer_id = c.customer_id \
             WHERE c.customer_id IS NOT NULL AND c.customer_id <> '' \
             AND c.offered_at >= $1 AND c.offered_at <= $2",
        )
        .bind(from)
        .bind(to.saturating_add(window_ms))
        .fetch(&self.pool);
        while let Some(row) = rows.try_next().await? {
            let customer: String = row.try_get(0)?;
            let next_id = customers.len() as u32;
            let customer = *customers.entry(customer).or_insert(next_id);
            let segment: String = row.try_get(3)?;
            let segment = match segment_ids.get(&segment) {
                Some(id) => *id,
                None => {
                    let id = segments.len() as u32;
                    segments.push(segment.clone());
                    segment_ids.insert(segment, id);
                    id
                }
            };
            let answered: i64 = row.try_get(2)?;
            contacts.push((customer, row.try_get(1)?, answered != 0, segment));
        }
        drop(rows);
        contacts.sort_unstable();
        let mut times: Vec<(i64, bool)> = Vec::new();
        // one customer's contacts at a time, in offered order (a customer has one segment)
        for customer in contacts.chunk_by(|a, b| a.0 == b.0) {
            let segment = &segments[customer[0].3 as usize];
            if !keys.wanted(segment) {
                continue;
            }
            times.clear();
            times.extend(customer.iter().map(|&(_, at, answered, _)| (at, answered)));
            for (offered, repeated) in servq_core::answered_repeats(&times, window_ms) {
                if offered >= to {
                    continue;
                }
                let counters = sums.entry(keys.key(offered, segment)).or_default();
                counters.repeat_eligible += 1;
                counters.repeat_followed += i64::from(repeated);
            }
        }
        Ok(())
    }

    /// Adds churn: per period (or over the range), customers active at its first day and those
    /// whose `closed_at` falls in it, per segment when grouped by it.
    async fn add_churn(
        &self,
        keys: &Keys<'_>,
        sums: &mut HashMap<Vec<Option<String>>, CustomerCounters>,
    ) -> Result<()> {
        let zone = &keys.query.zone;
        if keys
            .grain
            .is_some_and(|grain| period_first_day(grain, Date::default()).is_none())
        {
            return Ok(());
        }
        let from_day = keys.query.from_ms.and_then(|ms| local_day(ms, zone));
        // the range's end is exclusive: its last day is the one before
        let to_day = keys
            .query
            .to_ms
            .and_then(|ms| local_day(ms.saturating_sub(1), zone))
            .and_then(|day| day.tomorrow().ok());
        if keys.grain.is_none() && from_day.is_none() {
            return Ok(());
        }
        let mut active: HashMap<String, ActiveCustomers> = HashMap::new();
        let mut churned: Vec<(Date, String)> = Vec::new();
        let mut rows =
            sqlx::query("SELECT segment, since, closed_at FROM customers").fetch(&self.pool);
        while let Some(row) = rows.try_next().await? {
            let segment: String = row.try_get(0)?;
            if !keys.wanted(&segment) {
                continue;
            }
            let since = stored_day(&row.try_get::<String, _>(1)?);
            let closed = stored_day(&row.try_get::<String, _>(2)?);
            let group = if keys.by_segment {
                segment.clone()
            } else {
                String::new()
            };
            if let Some(day) = closed
                && from_day.is_none_or(|from| day >= from)
                && to_day.is_none_or(|to| day < to)
            {
                churned.push((day, group.clone()));
            }
            active.entry(group).or_default().add(since, closed);
        }
        drop(rows);
        for counter in active.values_mut() {
            counter.finish();
        }
        // the periods: each first day from the range's start (or the first closing) to its end
        // (or the last closing), cut to the range
        let mut firsts: BTreeSet<Date> = BTreeSet::new();
        match keys.grain {
            None => {
                firsts.extend(from_day);
            }
            Some(grain) => {
                let start = from_day.or_else(|| churned.iter().map(|(day, _)| *day).min());
                let end = to_day.or_else(|| {
                    churned
                        .iter()
                        .map(|(day, _)| *day)
                        .max()
                        .and_then(|day| day.tomorrow().ok())
                });
                if let (Some(start), Some(end)) = (start, end) {
                    let mut first = period_first_day(grain, start);
                    while let Some(day) = first
                        && day < end
                        && firsts.len() < MAX_PERIODS
                    {
                        firsts.insert(day.max(start));
                        first = next_period(grain, day);
                    }
                }
            }
        }
        // a closing day's label is its period's, the same as the period's first day's
        for (day, group) in churned {
            if let Some(at) = day_start_ms(day, zone) {
                sums.entry(keys.key(at, &group)).or_default().churned += 1;
            }
        }
        for first in &firsts {
            let Some(at) = day_start_ms(*first, zone) else {
                continue;
            };
            for (group, counter) in &active {
                let count = counter.at(*first);
                if count > 0 {
                    sums.entry(keys.key(at, group)).or_default().active_at_start += count;
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn periods_start_on_their_first_day() {
        let thursday = date(2026, 12, 3);
        assert_eq!(
            period_first_day(TimeGrain::Week, thursday),
            Some(date(2026, 11, 30))
        );
        assert_eq!(
            period_first_day(TimeGrain::Month, thursday),
            Some(date(2026, 12, 1))
        );
        assert_eq!(period_first_day(TimeGrain::Day, thursday), Some(thursday));
        assert_eq!(period_first_day(TimeGrain::Hour, thursday), None);
        assert_eq!(
            next_period(TimeGrain::Month, date(2026, 12, 1)),
            Some(date(2027, 1, 1))
        );
    }
}
