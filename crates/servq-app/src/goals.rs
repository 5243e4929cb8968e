//! SMART goals bound to a KPI (`docs/goals.md`): setting one (the baseline computed over its
//! period and scope, a relative goal turned into its absolute target, goals that would not move
//! or would move the wrong way refused) and how each stands on a day — the current value over a
//! trailing window, progress, status against the straight line to the deadline, and whether the
//! weekly values show a real change against the baseline weeks' XmR limits.

use anyhow::Result;
use jiff::{Span, civil::Date};
use serde_json::{Value, json};
use servq_core::{SettingProblem, SettingReason};
use servq_kpi::{Better, Dimension, GoalStatus, MetricValue, TargetScope};
use servq_store::{Actor, Goal, GroupField, KpiGroup, KpiQuery, Store, TimeGrain};

use crate::{SettingError, centre_zone, day_start_ms, now_ms};

/// The days the current value is measured over, ending the day before "as of".
pub const DEFAULT_WINDOW_DAYS: i64 = 28;

/// A goal to set, as the CLI, the API and the form give it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GoalRequest {
    /// Its name (default: the metric and the target).
    pub name: String,
    /// The `servq kpi` metric.
    pub metric: String,
    /// At most one `queue=…`, `team=…` or `agent=…` pair; none for the centre.
    pub filter: Vec<(Dimension, Vec<String>)>,
    /// The absolute target (or `relative`).
    pub target: Option<f64>,
    /// A relative change from the baseline (−0.3 = −30 %), turned into the absolute target.
    pub relative: Option<f64>,
    /// YYYY-MM-DD.
    pub deadline: String,
    /// YYYY-MM-DD.
    pub baseline_from: String,
    /// YYYY-MM-DD.
    pub baseline_to: String,
}

fn date_of(field: &'static str, text: &str, problems: &mut Vec<SettingProblem>) -> Option<Date> {
    match text.trim().parse::<Date>() {
        Ok(date) => Some(date),
        Err(_) => {
            problems.push(SettingProblem::new(
                field,
                SettingReason::Other(format!("'{}' is not a date like 2026-12-01", text.trim())),
            ));
            None
        }
    }
}

fn value_of(group: &KpiGroup, metric: &str) -> Option<f64> {
    let metric = servq_kpi::metric(metric)?;
    match (metric.compute)(&group.contacts, group.states.as_ref(), &group.feedback) {
        MetricValue::Count(count) => Some(count as f64),
        MetricValue::Number(value) => value,
    }
}

/// The goal's scope as `servq kpi` filters.
pub(crate) fn filters_of(goal: &Goal) -> Vec<(Dimension, Vec<String>)> {
    goal.scope
        .dimension()
        .map(|d| (d, vec![goal.scope_value.clone()]))
        .into_iter()
        .collect()
}

/// `metric` over `[from, to]` (days in the centre's zone) with `filters`, grouped by `group_by`.
async fn kpi(
    store: &Store,
    from: Date,
    to: Date,
    filters: &[(Dimension, Vec<String>)],
    group_by: Vec<GroupField>,
) -> Result<Vec<KpiGroup>> {
    let (_, zone) = centre_zone(store).await?;
    let end = to.checked_add(Span::new().days(1))?;
    Ok(store
        .kpi(&KpiQuery {
            group_by,
            from_ms: Some(day_start_ms(&zone, from)?),
            to_ms: Some(day_start_ms(&zone, end)?),
            zone,
            filters: filters.to_vec(),
        })
        .await?)
}

pub(crate) async fn value_over(
    store: &Store,
    metric: &str,
    from: Date,
    to: Date,
    filters: &[(Dimension, Vec<String>)],
) -> Result<Option<f64>> {
    Ok(kpi(store, from, to, filters, Vec::new())
        .await?
        .first()
        .and_then(|g| value_of(g, metric)))
}

fn coded(
    field: &'static str,
    code: &'static str,
    values: Vec<(&'static str, String)>,
    english: String,
) -> SettingProblem {
    SettingProblem::new(
        field,
        SettingReason::Coded {
            code,
            values,
            english,
        },
    )
}

/// Sets a goal; its id. Refused with every problem named: unknown metric or scope, a metric
/// meaningless for the scope, bad dates, a deadline not after today, neither or both of target
/// and relative, a relative goal without a baseline, a target equal to the baseline or on the
/// worse side of it.
pub async fn add(store: &Store, request: &GoalRequest, actor: &Actor) -> Result<i64, SettingError> {
    let mut problems = Vec::new();
    let metric = servq_kpi::metric(request.metric.trim());
    if metric.is_none() {
        problems.push(SettingProblem::new(
            "metric",
            SettingReason::Unknown(request.metric.clone()),
        ));
    }
    let scope = match crate::targets::view_scope(&request.filter) {
        Some(scope) => Some(scope),
        None => {
            problems.push(coded(
                "filter",
                "goal_filter",
                Vec::new(),
                "a goal is for the centre or for one queue, team or agent (queue=…, team=… or agent=…)".to_owned(),
            ));
            None
        }
    };
    if let (Some(metric), Some((scope, _))) = (metric, &scope)
        && let Some(dimension) = scope.dimension()
        && metric.exclusion(&[dimension]).is_some()
    {
        problems.push(coded(
            "filter",
            "target_scope",
            vec![("metric", metric.name.to_owned())],
            format!("{} means nothing per {}", metric.name, dimension.name()),
        ));
    }
    let baseline_from = date_of("baseline_from", &request.baseline_from, &mut problems);
    let baseline_to = date_of("baseline_to", &request.baseline_to, &mut problems);
    if let (Some(from), Some(to)) = (baseline_from, baseline_to)
        && from > to
    {
        problems.push(SettingProblem::new(
            "baseline_to",
            SettingReason::Other("the baseline period ends before it starts".to_owned()),
        ));
    }
    let deadline = date_of("deadline", &request.deadline, &mut problems);
    let (_, zone) = centre_zone(store).await?;
    let today = jiff::Timestamp::now().to_zoned(zone).date();
    if let Some(deadline) = deadline
        && deadline <= today
    {
        problems.push(coded(
            "deadline",
            "goal_deadline",
            vec![("today", today.to_string())],
            format!("the deadline must be after today ({today})"),
        ));
    }
    match (request.target, request.relative) {
        (None, None) | (Some(_), Some(_)) => problems.push(coded(
            "target",
            "goal_target",
            Vec::new(),
            "give either a target value or a relative change".to_owned(),
        )),
        (Some(target), None) if !target.is_finite() => {
            problems.push(SettingProblem::new("target", SettingReason::Required))
        }
        (None, Some(relative)) if !(relative.is_finite() && relative > -1.0) => {
            problems.push(SettingProblem::new(
                "relative",
                SettingReason::Range {
                    min: "-1".into(),
                    max: "∞".into(),
                },
            ))
        }
        _ => {}
    }
    let (Some(metric), Some((scope, scope_value)), Some(from), Some(to), Some(deadline)) =
        (metric, scope, baseline_from, baseline_to, deadline)
    else {
        return Err(SettingError::Refused(problems));
    };
    let filters: Vec<(Dimension, Vec<String>)> = scope
        .dimension()
        .map(|d| (d, vec![scope_value.clone()]))
        .into_iter()
        .collect();
    let baseline = value_over(store, metric.name, from, to, &filters).await?;
    let target = match (request.target, request.relative, baseline) {
        (Some(target), None, _) => Some(target),
        (None, Some(relative), Some(baseline)) => Some(baseline * (1.0 + relative)),
        (None, Some(_), None) => {
            problems.push(coded(
                "relative",
                "goal_no_baseline",
                Vec::new(),
                format!(
                    "{} has no value over the baseline period to change from",
                    metric.name
                ),
            ));
            None
        }
        _ => None,
    };
    if let (Some(target), Some(baseline)) = (target, baseline) {
        let wrong_way = match metric.better {
            Better::Higher => target < baseline,
            Better::Lower => target > baseline,
            Better::Neither => false,
        };
        if target == baseline {
            problems.push(coded(
                "target",
                "goal_equal",
                vec![("baseline", baseline.to_string())],
                format!("the target equals the baseline ({baseline}): nothing to reach"),
            ));
        } else if wrong_way {
            problems.push(coded(
                "target",
                "goal_wrong_way",
                vec![("baseline", baseline.to_string())],
                format!("the target is on the worse side of the baseline ({baseline})"),
            ));
        }
    }
    let Some(target) = target.filter(|_| problems.is_empty()) else {
        return Err(SettingError::Refused(problems));
    };
    let name = match request.name.trim() {
        "" => format!(
            "{} → {}",
            metric.name,
            servq_kpi::show(metric.name, Some(target))
        ),
        name => name.to_owned(),
    };
    let goal = Goal {
        id: 0,
        name,
        metric: metric.name.to_owned(),
        scope,
        scope_value: if scope == TargetScope::Centre {
            String::new()
        } else {
            scope_value
        },
        baseline_from: from.to_string(),
        baseline_to: to.to_string(),
        baseline,
        target,
        relative: request.relative,
        deadline: deadline.to_string(),
        created_day: today.to_string(),
        created_by: actor.name.clone(),
    };
    Ok(store.add_goal(&goal, actor, now_ms()).await?)
}

/// How a goal stands on a day.
#[derive(Debug, Clone, PartialEq)]
pub struct GoalProgress {
    /// The goal.
    pub goal: Goal,
    /// The window the current value is measured over (inclusive days).
    pub window: (Date, Date),
    /// The metric over the window.
    pub current: Option<f64>,
    /// (current − baseline) / (target − baseline).
    pub progress: Option<f64>,
    /// Met, on track, at risk, off track, missed.
    pub status: Option<GoalStatus>,
    /// Whether the weekly values after the baseline show a real change (XmR); `None` with fewer
    /// than six baseline weeks.
    pub signal: Option<bool>,
    /// Weekly values from the baseline's first week: Monday and value.
    pub weeks: Vec<(String, Option<f64>)>,
}

/// How every goal stands on `as_of`: current over the `window_days` days ending the day before
/// (after the deadline: ending on the deadline, so the verdict is final).
pub async fn progress_on(
    store: &Store,
    as_of: Date,
    window_days: i64,
) -> Result<Vec<GoalProgress>> {
    let mut out = Vec::new();
    for goal in store.goals().await? {
        let deadline: Date = goal.deadline.parse()?;
        let created: Date = goal.created_day.parse()?;
        let baseline_from: Date = goal.baseline_from.parse()?;
        let baseline_to: Date = goal.baseline_to.parse()?;
        let end = as_of.yesterday()?.min(deadline);
        let start = end.checked_sub(Span::new().days(window_days.max(1) - 1))?;
        let filters = filters_of(&goal);
        let current = value_over(store, &goal.metric, start, end, &filters).await?;
        let progress = servq_kpi::goals::progress(goal.baseline, goal.target, current);
        let status = servq_kpi::goals::status(progress, created, deadline, as_of);
        // weeks (Monday-based) from the baseline's first whole week up to the window's end
        let weekly = kpi(
            store,
            baseline_from,
            end.max(baseline_to),
            &filters,
            vec![GroupField::Time(TimeGrain::Week)],
        )
        .await?;
        let weeks: Vec<(String, Option<f64>)> = weekly
            .iter()
            .filter_map(|g| Some((g.key.first()?.clone()?, value_of(g, &goal.metric))))
            .collect();
        let mut baseline_weeks = Vec::new();
        let mut later_weeks = Vec::new();
        for (monday, value) in &weeks {
            let (Ok(monday), Some(value)) = (monday.parse::<Date>(), value) else {
                continue;
            };
            let sunday = monday.checked_add(Span::new().days(6))?;
            if monday >= baseline_from && sunday <= baseline_to {
                baseline_weeks.push(*value);
            } else if monday > baseline_to && sunday <= end {
                later_weeks.push(*value);
            }
        }
        let signal = servq_stats::xmr_signal(&baseline_weeks, &later_weeks);
        out.push(GoalProgress {
            goal,
            window: (start, end),
            current,
            progress,
            status,
            signal,
            weeks,
        });
    }
    Ok(out)
}

/// A goal as the `servq goals list --format json` contract writes it.
pub fn goal_json(progress: &GoalProgress) -> Value {
    let goal = &progress.goal;
    let number = |v: Option<f64>| v.map_or(Value::Null, crate::analysis::json_number);
    let filter = match goal.scope.dimension() {
        Some(dimension) => json!({ dimension.name(): goal.scope_value }),
        None => json!({}),
    };
    json!({
        "id": goal.id,
        "name": goal.name,
        "metric": goal.metric,
        "filter": filter,
        "baseline": number(goal.baseline),
        "baseline_from": goal.baseline_from,
        "baseline_to": goal.baseline_to,
        "target": crate::analysis::json_number(goal.target),
        "relative": number(goal.relative),
        "deadline": goal.deadline,
        "created": goal.created_day,
        "window": {"from": progress.window.0.to_string(), "to": progress.window.1.to_string()},
        "current": number(progress.current),
        "progress": number(progress.progress),
        "status": progress.status.map(GoalStatus::name),
        "signal": progress.signal,
    })
}
