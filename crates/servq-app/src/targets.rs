//! KPI targets and trend alerts: setting a target (one checked path for the form, the API and
//! `servq targets set`), the targets in effect on a day, the target a view is judged by, and the
//! daily alert pass — a measure that misses its target `alert_days` days running, or whose daily
//! value moves beyond its XmR control limits on the worse side, opens an alert episode once
//! (a notification for the people concerned and an outbox e-mail/webhook); the episode ends on
//! the first day the condition no longer holds.

use anyhow::Result;
use jiff::{Span, civil::Date};
use serde_json::{Value, json};
use servq_core::{SettingProblem, SettingReason};
use servq_kpi::{
    Dimension, MetricValue, Target, TargetDirection, TargetScope, TargetSpec, TargetStatus,
};
use servq_store::{
    Actor, GroupField, KpiAlert, KpiQuery, NewTarget, Store, StoredTarget, TimeGrain,
};

use crate::{SettingError, centre_zone, day_start_ms, now_ms};

/// A target as a person or a script states it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TargetRequest {
    /// The `servq kpi` metric name.
    pub metric: String,
    /// `centre`, `queue`, `team` or `agent`.
    pub scope: String,
    /// The queue, team or agent id (empty for the centre).
    pub scope_value: String,
    /// `higher` or `lower`; empty takes the metric's direction.
    pub direction: String,
    /// The target in `servq kpi` JSON units; `None` ends the target from `effective_from`.
    pub target: Option<f64>,
    /// The far edge of the warning band, on the worse side of the target.
    pub warn_at: Option<f64>,
    /// `YYYY-MM-DD`; empty for today in the centre's zone.
    pub effective_from: String,
}

/// Settings key of the number of days running a miss must last before it alerts.
pub const ALERT_DAYS_KEY: &str = "targets.alert_days";
/// The default of [`ALERT_DAYS_KEY`].
pub const DEFAULT_ALERT_DAYS: i64 = 3;
/// Days before the judged day whose values set the control limits.
pub const BASELINE_DAYS: i64 = 20;
/// Fewer baseline values than this give no control limits.
pub const MIN_BASELINE_VALUES: usize = 8;

/// Checks and stores a target version; returns it as stored.
pub async fn set(
    store: &Store,
    request: &TargetRequest,
    actor: &Actor,
) -> Result<StoredTarget, SettingError> {
    let mut problems = Vec::new();
    let scope = TargetScope::parse(&request.scope);
    if scope.is_none() {
        problems.push(SettingProblem::new(
            "scope",
            SettingReason::Unknown(request.scope.clone()),
        ));
    }
    let direction = match request.direction.trim() {
        "" => None,
        name => {
            let parsed = TargetDirection::parse(name);
            if parsed.is_none() {
                problems.push(SettingProblem::new(
                    "direction",
                    SettingReason::Unknown(name.to_owned()),
                ));
            }
            parsed
        }
    };
    let (_, zone) = centre_zone(store).await?;
    let effective_from = match request.effective_from.trim() {
        "" => jiff::Timestamp::now().to_zoned(zone).date(),
        text => match text.parse::<Date>() {
            Ok(date) => date,
            Err(_) => {
                problems.push(SettingProblem::new(
                    "effective_from",
                    SettingReason::Other(format!("'{text}' is not a date like 2026-12-01")),
                ));
                Date::constant(1970, 1, 1)
            }
        },
    };
    let Some(scope) = scope else {
        return Err(SettingError::Refused(problems));
    };
    let spec = TargetSpec {
        metric: request.metric.clone(),
        scope,
        scope_value: request.scope_value.clone(),
        direction,
        // ending a target checks only what it ends
        value: request.target.unwrap_or(0.0),
        warn_at: request.target.and(request.warn_at),
    };
    let checked = match spec.check() {
        Ok(target) => Some(target),
        Err(found) => {
            let ending = request.target.is_none();
            problems.extend(
                found
                    .into_iter()
                    .filter(|p| !(ending && (p.field == "value" || p.field == "direction"))),
            );
            None
        }
    };
    if request.target.is_none() && request.warn_at.is_some() {
        problems.push(SettingProblem::new("target", SettingReason::Required));
    }
    if !problems.is_empty() {
        return Err(SettingError::Refused(problems));
    }
    let metric = servq_kpi::metric(request.metric.trim())
        .map(|m| m.name)
        .unwrap_or_default();
    let new = NewTarget {
        metric: metric.to_owned(),
        scope,
        scope_value: if scope == TargetScope::Centre {
            String::new()
        } else {
            request.scope_value.trim().to_owned()
        },
        direction: checked
            .as_ref()
            .map(|t| t.direction)
            .or(direction)
            .unwrap_or(TargetDirection::AtLeast),
        value: request.target,
        warn_at: request.target.and(request.warn_at),
        effective_from: effective_from.to_string(),
    };
    store.set_target(&new, actor, now_ms()).await?;
    let stored = store
        .target_versions()
        .await?
        .into_iter()
        .find(|t| {
            t.metric == new.metric
                && t.scope == new.scope
                && t.scope_value == new.scope_value
                && t.effective_from == new.effective_from
        })
        .ok_or_else(|| anyhow::anyhow!("the target just stored is missing"))?;
    Ok(stored)
}

/// A stored target as the rule judges it (`None` for an ended one, or one whose metric servq no
/// longer has).
pub fn checked(stored: &StoredTarget) -> Option<Target> {
    TargetSpec {
        metric: stored.metric.clone(),
        scope: stored.scope,
        scope_value: stored.scope_value.clone(),
        direction: Some(stored.direction),
        value: stored.value?,
        warn_at: stored.warn_at,
    }
    .check()
    .ok()
}

/// The targets in effect on `day`, checked.
pub async fn in_effect(store: &Store, day: Date) -> Result<Vec<Target>> {
    Ok(store
        .targets_on(&day.to_string())
        .await?
        .iter()
        .filter_map(checked)
        .collect())
}

/// The scope a view filtered by `filters` is judged as: the centre without filters, a queue,
/// team or agent filtered to exactly one value; `None` for anything else (two queues, a channel).
pub fn view_scope(filters: &[(Dimension, Vec<String>)]) -> Option<(TargetScope, String)> {
    match filters {
        [] => Some((TargetScope::Centre, String::new())),
        [(dimension, values)] if values.len() == 1 => {
            let scope = TargetScope::ALL
                .into_iter()
                .find(|s| s.dimension() == Some(*dimension))?;
            Some((scope, values[0].clone()))
        }
        _ => None,
    }
}

/// The target of `metric` for the view filtered by `filters`, among `targets`.
pub fn for_view<'a>(
    targets: &'a [Target],
    metric: &str,
    filters: &[(Dimension, Vec<String>)],
) -> Option<&'a Target> {
    let (scope, value) = view_scope(filters)?;
    targets
        .iter()
        .find(|t| t.metric.name == metric && t.scope == scope && t.scope_value == value)
}

/// A stored target version as JSON (`servq targets list --format json`, the API).
pub fn target_json(target: &StoredTarget) -> Value {
    json!({
        "metric": target.metric,
        "scope": target.scope.name(),
        "scope_value": target.scope_value,
        "direction": target.direction.name(),
        "target": target.value,
        "warn_at": target.warn_at,
        "effective_from": target.effective_from,
        "created_by": target.created_by,
        "created_at": crate::rfc3339(target.created_ms),
    })
}

/// An alert episode as JSON (`servq targets alerts --format json`, the API).
pub fn alert_json(alert: &KpiAlert) -> Value {
    json!({
        "id": alert.id,
        "metric": alert.metric,
        "scope": alert.scope.name(),
        "scope_value": alert.scope_value,
        "rule": alert.rule,
        "first_day": alert.first_day,
        "last_day": alert.last_day,
        "ended_day": alert.ended_day,
        "detail": serde_json::from_str::<Value>(&alert.detail).unwrap_or(Value::Null),
    })
}

/// The number of days running a miss must last before it alerts.
pub async fn alert_days(store: &Store) -> Result<i64> {
    Ok(store
        .text_setting(ALERT_DAYS_KEY)
        .await?
        .and_then(|text| text.parse().ok())
        .filter(|days| (1..=31).contains(days))
        .unwrap_or(DEFAULT_ALERT_DAYS))
}

/// Changes [`alert_days`] (1 to 31), audited.
pub async fn set_alert_days(store: &Store, days: i64, actor: &Actor) -> Result<(), SettingError> {
    if !(1..=31).contains(&days) {
        return Err(SettingError::Refused(vec![SettingProblem::new(
            "alert_days",
            SettingReason::Range {
                min: "1".to_owned(),
                max: "31".to_owned(),
            },
        )]));
    }
    store
        .set_text_settings(&[(ALERT_DAYS_KEY, days.to_string())], actor, now_ms())
        .await?;
    Ok(())
}

/// What one alert pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AlertPass {
    /// Episodes opened (each told once).
    pub raised: u64,
    /// Open episodes that still hold.
    pub continued: u64,
    /// Episodes that ended.
    pub ended: u64,
}

/// The alert rules.
const MISSED_TARGET: &str = "missed_target";
const OUT_OF_CONTROL: &str = "out_of_control";

/// Judges `day` (a closed day in the centre's zone) for every target in effect on it.
pub async fn alert_pass(store: &Store, day: Date) -> Result<AlertPass> {
    let (_, zone) = centre_zone(store).await?;
    let run_days = alert_days(store).await?;
    let first = day.checked_sub(Span::new().days(BASELINE_DAYS))?;
    let (from_ms, to_ms) = (
        day_start_ms(&zone, first)?,
        day_start_ms(&zone, day.checked_add(Span::new().days(1))?)?,
    );
    let mut pass = AlertPass::default();
    for target in in_effect(store, day).await? {
        let filters = match target.scope.dimension() {
            Some(dimension) => vec![(dimension, vec![target.scope_value.clone()])],
            None => Vec::new(),
        };
        let groups = store
            .kpi(&KpiQuery {
                group_by: vec![GroupField::Time(TimeGrain::Day)],
                from_ms: Some(from_ms),
                to_ms: Some(to_ms),
                zone: zone.clone(),
                filters,
            })
            .await?;
        // one value per calendar day, None where the day had none
        let mut values: Vec<(Date, Option<f64>)> = Vec::new();
        let mut date = first;
        while date <= day {
            let label = date.to_string();
            let value = groups
                .iter()
                .find(|g| g.key[0].as_deref() == Some(label.as_str()))
                .and_then(|g| {
                    match (target.metric.compute)(&g.contacts, g.states.as_ref(), &g.feedback) {
                        MetricValue::Number(value) => value,
                        MetricValue::Count(count) => Some(count as f64),
                    }
                });
            values.push((date, value));
            date = date.checked_add(Span::new().days(1))?;
        }
        let today = values.last().and_then(|(_, v)| *v);
        let recent = &values[values.len().saturating_sub(run_days as usize)..];
        let missed_run = recent.len() == run_days as usize
            && recent
                .iter()
                .all(|(_, v)| v.is_some_and(|v| target.status(v) == TargetStatus::Missed));
        let baseline: Vec<f64> = values[..values.len() - 1]
            .iter()
            .filter_map(|(_, v)| *v)
            .collect();
        let limits = (baseline.len() >= MIN_BASELINE_VALUES)
            .then(|| servq_stats::xmr_limits(&baseline))
            .flatten();
        let beyond = match (today, limits) {
            (Some(value), Some(limits)) => match target.direction {
                TargetDirection::AtLeast => value < limits.lower,
                TargetDirection::AtMost => value > limits.upper,
            },
            _ => false,
        };
        let detail = json!({
            "value": today,
            "target": target.value,
            "warn_at": target.warn_at,
            "days": run_days,
            "lower": limits.map(|l| l.lower),
            "centre": limits.map(|l| l.centre),
            "upper": limits.map(|l| l.upper),
        })
        .to_string();
        for (rule, holds) in [(MISSED_TARGET, missed_run), (OUT_OF_CONTROL, beyond)] {
            let open = store
                .open_alert(target.metric.name, target.scope, &target.scope_value, rule)
                .await?;
            let label = day.to_string();
            match (open, holds) {
                (Some(open), true) => {
                    store.update_alert_episode(open.id, &label, false).await?;
                    pass.continued += 1;
                }
                (Some(open), false) => {
                    store.update_alert_episode(open.id, &label, true).await?;
                    pass.ended += 1;
                }
                (None, true) => {
                    let first_day = if rule == MISSED_TARGET {
                        recent.first().map_or(label.clone(), |(d, _)| d.to_string())
                    } else {
                        label.clone()
                    };
                    let alert = KpiAlert {
                        id: 0,
                        metric: target.metric.name.to_owned(),
                        scope: target.scope,
                        scope_value: target.scope_value.clone(),
                        rule: rule.to_owned(),
                        first_day,
                        last_day: label,
                        ended_day: None,
                        detail: detail.clone(),
                    };
                    if store.open_alert_episode(&alert, now_ms()).await? > 0 {
                        pass.raised += 1;
                    }
                }
                (None, false) => {}
            }
        }
    }
    Ok(pass)
}
