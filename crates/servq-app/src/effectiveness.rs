//! Did the fix hold? (`docs/problems.md#effectiveness-checks`) When a problem that names a goal
//! is closed, its goal's KPI is re-measured 30, 60 and 90 days later — over the
//! `goals::DEFAULT_WINDOW_DAYS` days ending the day before each check's due day, with the goal's
//! scope, exactly as `servq goals list` measures `current`. The fix held while the goal's target
//! is still met (`servq_kpi::goals::fix_held`); a check that finds it no longer met reopens the
//! problem (its owner is told) and cancels the checks still pending. A KPI without a value over
//! the window is recorded as `no_data` and judges nothing.

use anyhow::Result;
use jiff::{Span, civil::Date};
use serde_json::{Value, json};
use servq_store::{CheckStatus, EffectivenessCheck, NewCheck, Store};

use crate::goals::{DEFAULT_WINDOW_DAYS, filters_of, value_over};
use crate::{now_ms, system_actor};

/// Days after closing at which a problem's goal is re-measured.
pub const CHECK_AFTER_DAYS: [i64; 3] = [30, 60, 90];

/// The checks to schedule when a problem measured by `goal_id` is closed on `closed_on`; none
/// when the goal is gone.
pub async fn on_closing(store: &Store, goal_id: i64, closed_on: Date) -> Result<Vec<NewCheck>> {
    let Some(goal) = store.goals().await?.into_iter().find(|g| g.id == goal_id) else {
        return Ok(Vec::new());
    };
    CHECK_AFTER_DAYS
        .iter()
        .map(|&days| {
            Ok(NewCheck {
                goal_id,
                closed_on: closed_on.to_string(),
                after_days: days,
                due: closed_on.checked_add(Span::new().days(days))?.to_string(),
                target: goal.target,
            })
        })
        .collect()
}

/// What one pass of the checks did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CheckPass {
    /// Checks that found the target still met.
    pub held: usize,
    /// Checks that found it missed (their problems reopened).
    pub slipped: usize,
    /// Checks without a value to judge.
    pub no_data: usize,
}

/// The window a check measures: the `DEFAULT_WINDOW_DAYS` days ending the day before it is due.
pub fn window(due: Date) -> Result<(Date, Date)> {
    let end = due.yesterday()?;
    Ok((
        end.checked_sub(Span::new().days(DEFAULT_WINDOW_DAYS - 1))?,
        end,
    ))
}

/// Runs every pending check due on or before `today`, oldest first; each measures its own
/// window, so a check caught up late judges the days it was due for.
pub async fn run_due(store: &Store, today: Date) -> Result<CheckPass> {
    let goals = store.goals().await?;
    let mut pass = CheckPass::default();
    for check in store.due_effectiveness_checks(&today.to_string()).await? {
        let value = match goals.iter().find(|g| g.id == check.goal_id) {
            Some(goal) => {
                let (from, to) = window(check.due.parse()?)?;
                let value = value_over(store, &goal.metric, from, to, &filters_of(goal)).await?;
                let higher_is_better = servq_kpi::metric(&goal.metric)
                    .and_then(servq_kpi::TargetDirection::of)
                    != Some(servq_kpi::TargetDirection::AtMost);
                servq_kpi::goals::fix_held(goal.baseline, check.target, higher_is_better, value)
                    .map(|held| (held, value))
            }
            None => None,
        };
        let (status, value) = match value {
            Some((true, value)) => (CheckStatus::Held, value),
            Some((false, value)) => (CheckStatus::Slipped, value),
            None => (CheckStatus::NoData, None),
        };
        if store
            .record_effectiveness_check(&check, status, value, &system_actor(), now_ms())
            .await?
        {
            match status {
                CheckStatus::Held => pass.held += 1,
                CheckStatus::Slipped => pass.slipped += 1,
                _ => pass.no_data += 1,
            }
        }
    }
    Ok(pass)
}

/// A check as JSON (the problem's API answer and `servq problems show`).
pub fn check_json(check: &EffectivenessCheck) -> Value {
    json!({
        "id": check.id,
        "goal_id": check.goal_id,
        "closed_on": check.closed_on,
        "after_days": check.after_days,
        "due": check.due,
        "status": check.status.name(),
        "value": check.value.map_or(Value::Null, crate::analysis::json_number),
        "target": crate::analysis::json_number(check.target),
        "checked_at": check.checked_at.map(crate::rfc3339),
    })
}
