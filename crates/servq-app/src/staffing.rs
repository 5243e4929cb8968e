//! The interval history a staffing forecast starts from: inbound contacts per 15- or 30-minute
//! interval of the centre's days, read from the store's rollups, as `servq-wfm` wants them
//! (`servq staffing --from-store`; the staffing page later).

use std::collections::BTreeMap;

use anyhow::{Context, Result, ensure};
use jiff::{Span, civil::Date, tz::TimeZone};
use servq_store::{Dimension, GroupField, KpiQuery, Store, TimeGrain};
use servq_wfm::forecast::{self, DayHistory};

/// What to read: the days to forecast, how far back, the interval width and the contacts.
#[derive(Debug, Clone)]
pub struct HistoryRequest {
    /// The first day to forecast.
    pub date: Date,
    /// How many days from `date` (1 to [`MAX_FORECAST_DAYS`]).
    pub days: u32,
    /// Weeks of history before `date` (at least 1).
    pub history_weeks: u32,
    /// Interval width: 15 or 30 minutes.
    pub grain: TimeGrain,
    /// Only these queues (empty: all).
    pub queues: Vec<String>,
    /// Only these channels (empty: all).
    pub channels: Vec<String>,
}

/// The longest forecast, in days.
pub const MAX_FORECAST_DAYS: u32 = 62;

/// Why a history request cannot be read. The messages name the parameter as the command line
/// spells it; `servq staffing` prefixes its `--`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HistoryRequestError {
    /// A forecast of no days or of more than [`MAX_FORECAST_DAYS`].
    #[error("days must be 1 to {MAX_FORECAST_DAYS}, not {0}")]
    Days(u32),
    /// No weeks of history.
    #[error("history-weeks must be at least 1")]
    HistoryWeeks,
}

impl HistoryRequest {
    /// Whether the request can be read: 1 to [`MAX_FORECAST_DAYS`] days, at least a week of
    /// history.
    pub fn check(&self) -> Result<(), HistoryRequestError> {
        if !(1..=MAX_FORECAST_DAYS).contains(&self.days) {
            return Err(HistoryRequestError::Days(self.days));
        }
        if self.history_weeks < 1 {
            return Err(HistoryRequestError::HistoryWeeks);
        }
        Ok(())
    }
}

/// The history read, in days since 1970-01-01 of the centre's calendar.
#[derive(Debug, Clone)]
pub struct StoreHistory {
    /// The centre's zone, by name.
    pub zone_name: String,
    /// Every day from the first to the last with contacts before `date` (quiet days between
    /// are real zeros).
    pub history: Vec<DayHistory>,
    /// The days forecast, as day numbers.
    pub target_days: Vec<i64>,
    /// What actually came on the forecast days, where the store has them.
    pub actuals: Vec<Option<DayHistory>>,
}

/// Day numbers count from this day.
pub const EPOCH: Date = Date::constant(1970, 1, 1);

/// The day number of `day` (days since 1970-01-01).
pub fn day_number(day: Date) -> Result<i64> {
    Ok(i64::from(day.since(EPOCH)?.get_days()))
}

/// The date of a day number.
pub fn day_date(day: i64) -> Result<Date> {
    EPOCH
        .checked_add(Span::new().days(day))
        .context("date out of range")
}

/// Reads the inbound history for `request` from the store's interval rollups. Fails when the
/// weeks before `date` hold fewer days than the forecast needs.
pub async fn interval_history(store: &Store, request: &HistoryRequest) -> Result<StoreHistory> {
    let interval_seconds = match request.grain {
        TimeGrain::Interval15 => 900,
        TimeGrain::Interval30 => 1800,
        other => anyhow::bail!("a staffing history has 15- or 30-minute intervals, not {other:?}"),
    };
    request.check()?;
    let slots = (86_400 / interval_seconds) as usize;
    let zone_name = store.centre_zone().await?;
    let zone =
        TimeZone::get(&zone_name).with_context(|| format!("centre time zone {zone_name}"))?;
    let date = request.date;
    let first_day = date
        .checked_sub(Span::new().days(i64::from(request.history_weeks) * 7))
        .context("the date is out of range")?;
    let day_after = date
        .checked_add(Span::new().days(i64::from(request.days)))
        .context("the date is out of range")?;
    let start_ms =
        |day: Date| -> Result<i64> { Ok(day.to_zoned(zone.clone())?.timestamp().as_millisecond()) };
    let mut filters = vec![(Dimension::Direction, vec!["inbound".to_owned()])];
    if !request.queues.is_empty() {
        filters.push((Dimension::Queue, request.queues.clone()));
    }
    if !request.channels.is_empty() {
        filters.push((Dimension::Channel, request.channels.clone()));
    }
    let groups = store
        .kpi(&KpiQuery {
            group_by: vec![GroupField::Time(request.grain)],
            from_ms: Some(start_ms(first_day)?),
            to_ms: Some(start_ms(day_after)?),
            zone: zone.clone(),
            filters,
        })
        .await?;

    let target_day = day_number(date)?;
    let target_days: Vec<i64> = (target_day..target_day + i64::from(request.days)).collect();
    let empty_day = |day: i64| DayHistory {
        day,
        offered: vec![0.0; slots],
        handled: vec![0.0; slots],
        handle_seconds: vec![0.0; slots],
    };
    let mut days: BTreeMap<i64, DayHistory> = BTreeMap::new();
    for group in &groups {
        let label = group.key[0].as_deref().unwrap_or_default();
        let (day_text, time_text) = label
            .split_once('T')
            .with_context(|| format!("unexpected interval label {label}"))?;
        let day = day_number(day_text.parse()?)?;
        let time: jiff::civil::Time = time_text.parse()?;
        let slot = ((i64::from(time.hour()) * 3600 + i64::from(time.minute()) * 60)
            / interval_seconds) as usize;
        let entry = days.entry(day).or_insert_with(|| empty_day(day));
        let counters = &group.contacts;
        // a repeated wall-clock hour (daylight saving ends) adds into the same slot
        entry.offered[slot] += counters.offered as f64;
        entry.handled[slot] += counters.answered as f64;
        entry.handle_seconds[slot] +=
            (counters.talk_ms + counters.hold_ms + counters.wrap_ms) as f64 / 1000.0;
    }
    let actuals: Vec<Option<DayHistory>> = target_days.iter().map(|day| days.remove(day)).collect();
    // History runs from the first to the last day with contacts before the date; quiet days in
    // between are real zeros (a closed Sunday); days outside have no data, not zero contacts.
    let first_with_data = days.keys().next().copied();
    let last_with_data = days.keys().next_back().copied();
    let history: Vec<DayHistory> = match (first_with_data, last_with_data) {
        (Some(first), Some(last)) => (first..=last)
            .map(|day| days.remove(&day).unwrap_or_else(|| empty_day(day)))
            .collect(),
        _ => Vec::new(),
    };
    ensure!(
        history.len() >= forecast::MIN_HISTORY_DAYS,
        "the store has {} day(s) of inbound contacts in the {} weeks before {date}; the forecast \
         needs at least {} (import more history or lower the filters)",
        history.len(),
        request.history_weeks,
        forecast::MIN_HISTORY_DAYS
    );
    Ok(StoreHistory {
        zone_name,
        history,
        target_days,
        actuals,
    })
}
