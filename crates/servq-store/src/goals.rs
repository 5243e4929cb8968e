//! SMART goals bound to a KPI: what was set (metric, scope, baseline period and value, target,
//! deadline). Progress is computed from live KPIs by `servq-app::goals`, never stored.

use servq_kpi::TargetScope;
use sqlx::Row;

use crate::{Actor, Result, Store, StoreError, users::audit};

/// A goal as set.
#[derive(Debug, Clone, PartialEq)]
pub struct Goal {
    /// Row id (0 for a new one).
    pub id: i64,
    /// Its name.
    pub name: String,
    /// The `servq kpi` metric.
    pub metric: String,
    /// Centre, queue, team or agent.
    pub scope: TargetScope,
    /// The queue, team or agent id; empty for the centre.
    pub scope_value: String,
    /// First day of the baseline period (YYYY-MM-DD).
    pub baseline_from: String,
    /// Last day of the baseline period.
    pub baseline_to: String,
    /// The metric over the baseline period when the goal was set; `None` without data.
    pub baseline: Option<f64>,
    /// The target value.
    pub target: f64,
    /// The relative change asked for (−0.3 = −30 %), for a relative goal.
    pub relative: Option<f64>,
    /// The deadline (YYYY-MM-DD).
    pub deadline: String,
    /// The day it was set (YYYY-MM-DD, centre zone).
    pub created_day: String,
    /// Who set it.
    pub created_by: String,
}

pub(crate) fn number(row: &sqlx::any::AnyRow, column: &'static str) -> Result<Option<f64>> {
    let text: Option<String> = row.try_get(column)?;
    text.map(|text| {
        text.parse::<f64>().map_err(|_| StoreError::CorruptValue {
            column,
            value: text,
        })
    })
    .transpose()
}

fn goal_of(row: &sqlx::any::AnyRow) -> Result<Goal> {
    let scope: String = row.try_get("scope")?;
    Ok(Goal {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        metric: row.try_get("metric")?,
        scope: TargetScope::parse(&scope).ok_or(StoreError::CorruptValue {
            column: "scope",
            value: scope,
        })?,
        scope_value: row.try_get("scope_value")?,
        baseline_from: row.try_get("baseline_from")?,
        baseline_to: row.try_get("baseline_to")?,
        baseline: number(row, "baseline")?,
        target: number(row, "target")?.unwrap_or(f64::NAN),
        relative: number(row, "relative")?,
        deadline: row.try_get("deadline")?,
        created_day: row.try_get("created_day")?,
        created_by: row.try_get("created_by")?,
    })
}

impl Store {
    /// Stores a new goal and audits it; its id.
    pub async fn add_goal(&self, goal: &Goal, actor: &Actor, now_ms: i64) -> Result<i64> {
        let mut transaction = self.begin_write().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO goals (name, metric, scope, scope_value, baseline_from, baseline_to, \
             baseline, target, relative, deadline, created_day, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) \
             RETURNING CAST(id AS BIGINT)",
        )
        .bind(goal.name.as_str())
        .bind(goal.metric.as_str())
        .bind(goal.scope.name())
        .bind(goal.scope_value.as_str())
        .bind(goal.baseline_from.as_str())
        .bind(goal.baseline_to.as_str())
        .bind(goal.baseline.map(|v| v.to_string()))
        .bind(goal.target.to_string())
        .bind(goal.relative.map(|v| v.to_string()))
        .bind(goal.deadline.as_str())
        .bind(goal.created_day.as_str())
        .bind(actor.name.as_str())
        .bind(now_ms)
        .fetch_one(&mut *transaction)
        .await?;
        audit(
            &mut transaction,
            actor,
            now_ms,
            "create",
            "goal",
            &id.to_string(),
            &serde_json::json!({"metric": goal.metric, "scope": goal.scope.name(),
                "scope_value": goal.scope_value, "target": goal.target, "deadline": goal.deadline})
            .to_string(),
        )
        .await?;
        transaction.commit().await?;
        Ok(id)
    }

    /// Every goal, by deadline then id.
    pub async fn goals(&self) -> Result<Vec<Goal>> {
        sqlx::query(
            "SELECT CAST(id AS BIGINT) AS id, name, metric, scope, scope_value, baseline_from, \
             baseline_to, baseline, target, relative, deadline, created_day, created_by \
             FROM goals ORDER BY deadline, id",
        )
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(goal_of)
        .collect()
    }
}
