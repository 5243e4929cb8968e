//! The interval history a staffing forecast starts from: inbound contacts per 15- or 30-minute
//! interval of the centre's days, read from the store's rollups, as `servq-wfm` wants them
//! (`servq staffing --from-store`), and the staffing reports built on it: one interval, or every
//! interval of forecast days — one code path for `servq staffing`, the planning API and the
//! staffing page.

use std::collections::BTreeMap;

use anyhow::{Context, Result, ensure};
use jiff::{Span, civil::Date};
use serde_json::{Map, Value, json};
use servq_store::{Dimension, GroupField, KpiQuery, Store, TimeGrain};
use servq_wfm::{
    Model, Patience, Performance, Staffing, StaffingPolicy, Target, Workload, evaluate,
    forecast::{self, DayHistory},
    required_staff, staff_with_shrinkage,
};

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

/// The longest history a forecast learns from, in weeks (ten years).
pub const MAX_HISTORY_WEEKS: u32 = 520;

/// The longest forecast, in days.
pub const MAX_FORECAST_DAYS: u32 = 62;

/// Why a history request cannot be read. The messages name the parameter as the command line
/// spells it; `servq staffing` prefixes its `--`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HistoryRequestError {
    /// A forecast of no days or of more than [`MAX_FORECAST_DAYS`].
    #[error("days must be 1 to {MAX_FORECAST_DAYS}, not {0}")]
    Days(u32),
    /// No weeks of history, or more than [`MAX_HISTORY_WEEKS`].
    #[error("history-weeks must be 1 to {MAX_HISTORY_WEEKS}, not {0}")]
    HistoryWeeks(u32),
}

impl HistoryRequest {
    /// The contacts the history counts: inbound, of the request's queues and channels.
    pub fn filters(&self) -> Vec<(Dimension, Vec<String>)> {
        let mut filters = vec![(Dimension::Direction, vec!["inbound".to_owned()])];
        if !self.queues.is_empty() {
            filters.push((Dimension::Queue, self.queues.clone()));
        }
        if !self.channels.is_empty() {
            filters.push((Dimension::Channel, self.channels.clone()));
        }
        filters
    }

    /// The first day of history the forecast learns from: `history_weeks` before `date`.
    pub fn first_history_day(&self) -> Result<Date> {
        self.date
            .checked_sub(Span::new().days(i64::from(self.history_weeks) * 7))
            .context("the date is out of range")
    }

    /// Whether the request can be read: 1 to [`MAX_FORECAST_DAYS`] days, 1 to
    /// [`MAX_HISTORY_WEEKS`] weeks of history.
    pub fn check(&self) -> Result<(), HistoryRequestError> {
        if !(1..=MAX_FORECAST_DAYS).contains(&self.days) {
            return Err(HistoryRequestError::Days(self.days));
        }
        if !(1..=MAX_HISTORY_WEEKS).contains(&self.history_weeks) {
            return Err(HistoryRequestError::HistoryWeeks(self.history_weeks));
        }
        Ok(())
    }
}

use crate::{centre_zone, day_start_ms};

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
    let (zone_name, zone) = centre_zone(store).await?;
    let date = request.date;
    let first_day = request.first_history_day()?;
    let day_after = date
        .checked_add(Span::new().days(i64::from(request.days)))
        .context("the date is out of range")?;
    let filters = request.filters();
    let groups = store
        .kpi(&KpiQuery {
            group_by: vec![GroupField::Time(request.grain)],
            from_ms: Some(day_start_ms(&zone, first_day)?),
            to_ms: Some(day_start_ms(&zone, day_after)?),
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

/// The queueing model, when not implied by the options.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModelName {
    /// Lost calls, no queue.
    ErlangB,
    /// Callers wait indefinitely.
    ErlangC,
    /// Callers hang up after an exponential patience.
    ErlangA,
}

impl ModelName {
    /// Parses `erlang_a`, `erlang_b`, `erlang_c`.
    pub fn parse(text: &str) -> Option<ModelName> {
        match text.trim() {
            "erlang_a" => Some(ModelName::ErlangA),
            "erlang_b" => Some(ModelName::ErlangB),
            "erlang_c" => Some(ModelName::ErlangC),
            _ => None,
        }
    }
}

/// What to staff for, as `servq staffing` and `GET /api/v1/planning/*` take it. Messages name
/// an option through `flag` (`target_sl` → `--target-sl` on the command line).
#[derive(Debug, Clone)]
pub struct StaffingSpec {
    /// Target service level (fraction answered within `target_time`).
    pub target_sl: Option<f64>,
    /// Service-level threshold, seconds.
    pub target_time: f64,
    /// Target ASA at most, seconds.
    pub target_asa: Option<f64>,
    /// Target answer rate at least.
    pub target_answer_rate: Option<f64>,
    /// Target abandon rate at most.
    pub target_abandon_rate: Option<f64>,
    /// Target blocking at most (Erlang B).
    pub target_blocking: Option<f64>,
    /// Occupancy cap.
    pub max_occupancy: Option<f64>,
    /// Share of paid time off the phones.
    pub shrinkage: f64,
    /// Mean caller patience, seconds: Erlang A.
    pub patience: Option<f64>,
    /// The model, when given.
    pub model: Option<ModelName>,
    /// What-if: evaluate the given agents instead of searching.
    pub evaluate: bool,
}

/// How an option is named in messages: `--target-sl` on the command line, `target_sl` in the
/// API.
pub type FlagName = fn(&str) -> String;

impl StaffingSpec {
    /// The queueing model these options select.
    pub fn model(&self, flag: FlagName) -> Result<Model> {
        let patience = self
            .patience
            .map(Patience::seconds)
            .transpose()
            .with_context(|| flag("patience"))?;
        Ok(match (self.model, patience) {
            (Some(ModelName::ErlangA) | None, Some(patience)) => Model::ErlangA(patience),
            (Some(ModelName::ErlangA), None) => {
                anyhow::bail!(
                    "{} erlang_a needs {} SECONDS",
                    flag("model"),
                    flag("patience")
                )
            }
            (Some(ModelName::ErlangB), None) => Model::ErlangB,
            (Some(ModelName::ErlangC), None) => Model::ErlangC,
            (Some(other), Some(_)) => {
                anyhow::bail!(
                    "{} only applies to erlang_a, not {other:?}",
                    flag("patience")
                )
            }
            (None, None) if self.target_blocking.is_some() => Model::ErlangB,
            (None, None) => Model::ErlangC,
        })
    }

    /// The targets, cap and shrinkage these options set.
    pub fn policy(&self, flag: FlagName) -> Result<StaffingPolicy> {
        let mut targets = Vec::new();
        if let Some(fraction) = self.target_sl {
            targets.push(
                Target::service_level(fraction, self.target_time)
                    .with_context(|| flag("target_sl"))?,
            );
        }
        if let Some(seconds) = self.target_asa {
            targets.push(Target::max_asa(seconds).with_context(|| flag("target_asa"))?);
        }
        if let Some(fraction) = self.target_answer_rate {
            targets.push(
                Target::min_answer_rate(fraction).with_context(|| flag("target_answer_rate"))?,
            );
        }
        if let Some(fraction) = self.target_abandon_rate {
            targets.push(
                Target::max_abandon_rate(fraction).with_context(|| flag("target_abandon_rate"))?,
            );
        }
        if let Some(fraction) = self.target_blocking {
            targets.push(Target::max_blocking(fraction).with_context(|| flag("target_blocking"))?);
        }
        if targets.is_empty() && !self.evaluate {
            anyhow::bail!(
                "give a target ({} with {}, {}, {}, {} or {}), or {} {} N",
                flag("target_sl"),
                flag("target_time"),
                flag("target_asa"),
                flag("target_answer_rate"),
                flag("target_abandon_rate"),
                flag("target_blocking"),
                flag("evaluate"),
                flag("agents")
            );
        }
        Ok(StaffingPolicy::new(
            targets,
            self.max_occupancy,
            self.shrinkage,
            self.target_time,
        )?)
    }
}

/// A finite number as JSON, else null.
fn number(value: f64) -> Value {
    crate::analysis::json_number(value)
}

/// Searches the staffing, or with `agents` evaluates it.
pub fn staff_interval(
    workload: &Workload,
    model: &Model,
    policy: &StaffingPolicy,
    agents: Option<u32>,
) -> Result<Staffing> {
    Ok(match agents {
        Some(agents) => Staffing {
            agents,
            staff_with_shrinkage: staff_with_shrinkage(agents, policy.shrinkage()),
            performance: evaluate(workload, model, agents, policy.service_level_seconds())?,
        },
        None => required_staff(workload, model, policy)?,
    })
}

/// The contract keys of one interval, in documented order (docs/cli.md, `servq staffing`).
pub fn interval_json(model: &Model, staffing: &Staffing) -> Map<String, Value> {
    let p: &Performance = &staffing.performance;
    let mut object = Map::new();
    object.insert("model".into(), json!(model.name()));
    object.insert("traffic_erlangs".into(), number(p.traffic_erlangs));
    object.insert("agents".into(), json!(staffing.agents));
    object.insert(
        "staff_with_shrinkage".into(),
        json!(staffing.staff_with_shrinkage),
    );
    object.insert("probability_wait".into(), number(p.probability_wait));
    object.insert("service_level".into(), number(p.service_level));
    object.insert("asa_seconds".into(), number(p.asa_seconds));
    object.insert("occupancy".into(), number(p.occupancy));
    object.insert(
        "abandon_probability".into(),
        p.abandon_probability.map_or(Value::Null, number),
    );
    object.insert("answer_rate".into(), number(p.answer_rate));
    object.insert(
        "blocking_probability".into(),
        p.blocking_probability.map_or(Value::Null, number),
    );
    object.insert("stable".into(), json!(p.stable));
    object
}

/// `servq staffing --calls … --format json`: one interval staffed (or, with `agents`, evaluated).
pub fn interval_report(
    workload: &Workload,
    model: &Model,
    policy: &StaffingPolicy,
    agents: Option<u32>,
) -> Result<Value> {
    let staffing = staff_interval(workload, model, policy, agents)?;
    let mut object = interval_json(model, &staffing);
    object.insert(
        "service_level_seconds".into(),
        number(policy.service_level_seconds()),
    );
    object.insert("shrinkage".into(), number(policy.shrinkage()));
    Ok(Value::Object(object))
}

/// The interval length of a grain, seconds.
pub fn grain_seconds(grain: TimeGrain) -> Option<f64> {
    match grain {
        TimeGrain::Interval15 => Some(900.0),
        TimeGrain::Interval30 => Some(1800.0),
        _ => None,
    }
}

/// The columns of a staffing day's requirement, in the order tables and workbooks show them.
pub const REQUIREMENT_COLUMNS: [&str; 10] = [
    "date",
    "start",
    "calls",
    "aht_seconds",
    "agents",
    "staff_with_shrinkage",
    "service_level",
    "asa_seconds",
    "occupancy",
    "abandon_probability",
];

/// `HH:MM` of interval `slot`.
pub fn slot_label(slot: usize, interval: f64) -> String {
    let minutes = (slot as f64 * interval / 60.0) as usize;
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

/// The agents of a what-if: the same number every interval, or a number per interval slot
/// (slots not given have none).
#[derive(Debug, Clone)]
pub enum WhatIf {
    /// Search the staffing for the targets.
    Search,
    /// The same agents every interval.
    Every(u32),
    /// Agents by interval slot.
    BySlot(BTreeMap<usize, u32>),
}

/// A forecast of `request`'s days: the history it learnt from, its error on the last week of
/// that history (when long enough), what it expects and what came where the store knows.
struct Forecast {
    zone_name: String,
    history: Vec<DayHistory>,
    target_days: Vec<i64>,
    actuals: Vec<Option<DayHistory>>,
    holdout: Option<forecast::HoldoutError>,
    predictions: Vec<forecast::DayForecast>,
}

async fn forecast_days(store: &Store, request: &HistoryRequest) -> Result<Forecast> {
    let StoreHistory {
        zone_name,
        history,
        target_days,
        actuals,
    } = interval_history(store, request).await?;
    let holdout = (history.len() >= forecast::MIN_HISTORY_DAYS + 7)
        .then(|| forecast::holdout(&history, 7))
        .transpose()?;
    let predictions = forecast::forecast(&history, &target_days)?;
    Ok(Forecast {
        zone_name,
        history,
        target_days,
        actuals,
        holdout,
        predictions,
    })
}

/// Contacts per day of `request`'s days as forecast from the history before them, and what
/// actually came (`None` for a day the store has no data of): the monthly report's forecast
/// against actual.
pub async fn daily_forecast(
    store: &Store,
    request: &HistoryRequest,
) -> Result<(Vec<f64>, Vec<Option<f64>>)> {
    let forecast = forecast_days(store, request).await?;
    let predicted = forecast
        .predictions
        .iter()
        .map(|day| day.offered.iter().sum())
        .collect();
    let actual = forecast
        .actuals
        .iter()
        .map(|day| day.as_ref().map(|day| day.offered.iter().sum()))
        .collect();
    Ok((predicted, actual))
}

/// The holdout error as JSON (the keys of `servq staffing`'s `holdout`).
fn holdout_json(holdout: Option<&forecast::HoldoutError>) -> Value {
    holdout.map_or(Value::Null, |error| {
        json!({
            "days": error.days,
            "intervals": error.intervals,
            "mape_percent": error.mape,
            "wape_percent": error.wape,
            "daily_wape_percent": error.daily_wape,
            "seasonal_naive_wape_percent": error.naive_wape,
        })
    })
}

/// `GET /api/v1/planning/forecast`: the expected contacts and handling time per interval of
/// `request`'s days, with what actually came where the store has it, the history it learnt from
/// and its holdout error — the forecast `servq staffing --from-store` staffs, without staffing.
pub async fn forecast_report(store: &Store, request: &HistoryRequest) -> Result<Value> {
    let interval =
        grain_seconds(request.grain).context("a forecast has 15- or 30-minute intervals")?;
    let slots = (86_400.0 / interval) as usize;
    let forecast = forecast_days(store, request).await?;
    let mut intervals = Vec::new();
    for ((predicted, actual), day) in forecast
        .predictions
        .iter()
        .zip(&forecast.actuals)
        .zip(&forecast.target_days)
    {
        let date = day_date(*day)?.to_string();
        for slot in 0..slots {
            let mut object = Map::new();
            object.insert("date".into(), json!(date));
            object.insert("start".into(), json!(slot_label(slot, interval)));
            object.insert("calls".into(), number(predicted.offered[slot]));
            object.insert("aht_seconds".into(), number(predicted.aht_seconds[slot]));
            if let Some(actual) = actual {
                object.insert("actual_calls".into(), number(actual.offered[slot]));
            }
            intervals.push(Value::Object(object));
        }
    }
    Ok(json!({
        "date": request.date.to_string(),
        "days": request.days,
        "time_zone": forecast.zone_name,
        "interval_seconds": interval,
        "history": {
            "from": day_date(forecast.history[0].day)?.to_string(),
            "days": forecast.history.len(),
        },
        "holdout": holdout_json(forecast.holdout.as_ref()),
        "intervals": intervals,
    }))
}

/// `servq staffing --from-store --date …`: forecasts `request`'s days from the store's
/// history and staffs (or evaluates) every interval.
pub async fn day_report(
    store: &Store,
    request: &HistoryRequest,
    model: &Model,
    policy: &StaffingPolicy,
    what_if: &WhatIf,
) -> Result<Value> {
    let interval =
        grain_seconds(request.grain).context("a staffing day has 15- or 30-minute intervals")?;
    let slots = (86_400.0 / interval) as usize;
    let Forecast {
        zone_name,
        history,
        target_days,
        actuals,
        holdout,
        predictions,
    } = forecast_days(store, request).await?;

    let mut intervals = Vec::new();
    let (mut total_calls, mut agent_slots, mut staff_slots, mut answered_within) =
        (0.0, 0_u64, 0_u64, 0.0);
    for ((predicted, actual), day) in predictions.iter().zip(&actuals).zip(&target_days) {
        let day_date = day_date(*day)?.to_string();
        for slot in 0..slots {
            let calls = predicted.offered[slot];
            let aht = predicted.aht_seconds[slot];
            let start = slot_label(slot, interval);
            let agents = match what_if {
                WhatIf::Search => None,
                WhatIf::Every(agents) => Some(*agents),
                WhatIf::BySlot(by_slot) => Some(by_slot.get(&slot).copied().unwrap_or(0)),
            };
            let mut object = Map::new();
            object.insert("date".into(), json!(day_date));
            object.insert("start".into(), json!(start));
            object.insert("calls".into(), number(calls));
            object.insert("aht_seconds".into(), number(aht));
            if calls > 0.0 && aht > 0.0 {
                let workload = Workload::new(calls, interval, aht)?;
                let staffing = staff_interval(&workload, model, policy, agents)
                    .with_context(|| format!("interval {start}"))?;
                total_calls += calls;
                agent_slots += u64::from(staffing.agents);
                staff_slots += u64::from(staffing.staff_with_shrinkage);
                answered_within += calls * staffing.performance.service_level;
                let mut values = interval_json(model, &staffing);
                values.shift_remove("model");
                object.extend(values);
            } else {
                let agents = agents.unwrap_or(0);
                object.insert("traffic_erlangs".into(), json!(0.0));
                object.insert("agents".into(), json!(agents));
                object.insert(
                    "staff_with_shrinkage".into(),
                    json!(staff_with_shrinkage(agents, policy.shrinkage())),
                );
                agent_slots += u64::from(agents);
                staff_slots += u64::from(staff_with_shrinkage(agents, policy.shrinkage()));
            }
            if let Some(actual) = actual {
                object.insert("actual_calls".into(), number(actual.offered[slot]));
            }
            intervals.push(Value::Object(object));
        }
    }
    let known_actuals: Vec<f64> = actuals
        .iter()
        .flatten()
        .map(|day| day.offered.iter().sum())
        .collect();
    let hours = interval / 3600.0;
    let history_from = day_date(history[0].day)?;
    Ok(json!({
        "date": request.date.to_string(),
        "days": request.days,
        "time_zone": zone_name,
        "model": model.name(),
        "interval_seconds": interval,
        "service_level_seconds": policy.service_level_seconds(),
        "shrinkage": policy.shrinkage(),
        "history": {
            "from": history_from.to_string(),
            "days": history.len(),
        },
        "holdout": holdout_json(holdout.as_ref()),
        "totals": {
            "calls": total_calls,
            "actual_calls": (!known_actuals.is_empty()).then(|| known_actuals.iter().sum::<f64>()),
            "agent_hours": agent_slots as f64 * hours,
            "staff_hours": staff_slots as f64 * hours,
            "service_level": (total_calls > 0.0).then(|| answered_within / total_calls),
        },
        "intervals": intervals,
    }))
}

/// Mean caller patience measured from the store by the censored estimate: the total waiting
/// time of all callers (answered or not, short abandons left out) divided by the number of
/// abandons, over the weeks of history before `request.date`, for its queues and channels.
/// `None` when nobody abandoned (patience cannot be told from the data).
pub async fn measured_patience(store: &Store, request: &HistoryRequest) -> Result<Option<f64>> {
    let (_, zone) = centre_zone(store).await?;
    request.check()?;
    let from = request.first_history_day()?;
    let filters = request.filters();
    let groups = store
        .kpi(&KpiQuery {
            group_by: Vec::new(),
            from_ms: Some(day_start_ms(&zone, from)?),
            to_ms: Some(day_start_ms(&zone, request.date)?),
            zone,
            filters,
        })
        .await?;
    Ok(groups.first().and_then(|group| {
        let c = &group.contacts;
        let abandons = c.abandoned - c.short_abandoned;
        (abandons > 0).then(|| c.wait_counted_ms as f64 / 1000.0 / abandons as f64)
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Found by schemathesis: `history_weeks=2147483648` made a span out of jiff's range (a
    /// panic); a request past ten years of history is refused instead.
    #[test]
    fn history_is_bounded() {
        let request = |history_weeks| HistoryRequest {
            date: Date::constant(2026, 12, 2),
            days: 1,
            history_weeks,
            grain: TimeGrain::Interval30,
            queues: Vec::new(),
            channels: Vec::new(),
        };
        assert_eq!(
            request(2_147_483_647).check(),
            Err(HistoryRequestError::HistoryWeeks(2_147_483_647))
        );
        assert_eq!(
            request(0).check(),
            Err(HistoryRequestError::HistoryWeeks(0))
        );
        assert_eq!(request(MAX_HISTORY_WEEKS).check(), Ok(()));
    }
}
