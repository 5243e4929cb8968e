//! KPI targets (versioned by `effective_from`), the trend-alert episodes they raise, and the
//! versions of the evaluation model. Values are stored as micro-units of the metric's JSON unit
//! (integer columns only, as everywhere in the store).

use servq_kpi::{TargetDirection, TargetScope};
use sqlx::Row;

use crate::{Actor, Result, Store, StoreError, users::audit};

/// A stored target version.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredTarget {
    /// Row id.
    pub id: i64,
    /// The metric name.
    pub metric: String,
    /// Whom it is for.
    pub scope: TargetScope,
    /// The queue, team or agent id; empty for the centre.
    pub scope_value: String,
    /// Which way it is met.
    pub direction: TargetDirection,
    /// The target; `None` ends an earlier version.
    pub value: Option<f64>,
    /// The far edge of the warning band.
    pub warn_at: Option<f64>,
    /// First day (centre zone) it is in effect, `YYYY-MM-DD`.
    pub effective_from: String,
    /// Who set it.
    pub created_by: String,
    /// When, UTC ms.
    pub created_ms: i64,
}

/// A new target version.
#[derive(Debug, Clone, PartialEq)]
pub struct NewTarget {
    /// The metric name.
    pub metric: String,
    /// Whom it is for.
    pub scope: TargetScope,
    /// The queue, team or agent id; empty for the centre.
    pub scope_value: String,
    /// Which way it is met.
    pub direction: TargetDirection,
    /// The target; `None` ends the target from `effective_from`.
    pub value: Option<f64>,
    /// The far edge of the warning band.
    pub warn_at: Option<f64>,
    /// First day it is in effect.
    pub effective_from: String,
}

/// A trend-alert episode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KpiAlert {
    /// Row id (the notification's source id).
    pub id: i64,
    /// The metric name.
    pub metric: String,
    /// Whom it concerns.
    pub scope: TargetScope,
    /// The queue, team or agent id; empty for the centre.
    pub scope_value: String,
    /// `missed_target` or `out_of_control`.
    pub rule: String,
    /// The day the episode was raised.
    pub first_day: String,
    /// The latest day it held.
    pub last_day: String,
    /// The day it stopped holding; `None` while open.
    pub ended_day: Option<String>,
    /// The values behind it, JSON.
    pub detail: String,
}

/// A stored version of the evaluation model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredModel {
    /// 1, 2, …
    pub version: i64,
    /// The model's name.
    pub name: String,
    /// First day it grades.
    pub effective_from: String,
    /// The model file, JSON.
    pub body: String,
    /// Who saved it.
    pub created_by: String,
    /// When, UTC ms.
    pub created_ms: i64,
}

fn micro(value: f64) -> i64 {
    (value * 1e6).round() as i64
}

fn unmicro(value: Option<i64>) -> Option<f64> {
    value.map(|v| v as f64 / 1e6)
}

fn scope_of(text: String) -> Result<TargetScope> {
    TargetScope::parse(&text).ok_or(StoreError::CorruptValue {
        column: "scope",
        value: text,
    })
}

fn target_of(row: &sqlx::any::AnyRow) -> Result<StoredTarget> {
    let direction: String = row.try_get("direction")?;
    Ok(StoredTarget {
        id: row.try_get("id")?,
        metric: row.try_get("metric")?,
        scope: scope_of(row.try_get("scope")?)?,
        scope_value: row.try_get("scope_value")?,
        direction: TargetDirection::parse(&direction).ok_or(StoreError::CorruptValue {
            column: "kpi_targets.direction",
            value: direction,
        })?,
        value: unmicro(row.try_get("target_micro")?),
        warn_at: unmicro(row.try_get("warn_micro")?),
        effective_from: row.try_get("effective_from")?,
        created_by: row.try_get("created_by")?,
        created_ms: row.try_get("created_at")?,
    })
}

const TARGET_COLUMNS: &str = "CAST(id AS BIGINT) AS id, metric, scope, scope_value, direction, \
    target_micro, warn_micro, effective_from, created_by, created_at";

impl Store {
    /// Every target version, by metric, scope, value and day.
    pub async fn target_versions(&self) -> Result<Vec<StoredTarget>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {TARGET_COLUMNS} FROM kpi_targets \
             ORDER BY metric, scope, scope_value, effective_from"
        )))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(target_of).collect()
    }

    /// The targets in effect on `day` (`YYYY-MM-DD`): per metric and scope the latest version on
    /// or before it, ended ones left out.
    pub async fn targets_on(&self, day: &str) -> Result<Vec<StoredTarget>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {TARGET_COLUMNS} FROM kpi_targets t WHERE effective_from = (\
               SELECT MAX(effective_from) FROM kpi_targets l WHERE l.metric = t.metric \
               AND l.scope = t.scope AND l.scope_value = t.scope_value AND l.effective_from <= $1) \
             AND target_micro IS NOT NULL ORDER BY metric, scope, scope_value"
        )))
        .bind(day)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(target_of).collect()
    }

    /// Stores a target version (replacing one of the same metric, scope and day) and audits it.
    pub async fn set_target(&self, target: &NewTarget, actor: &Actor, now_ms: i64) -> Result<()> {
        let mut transaction = self.begin_write().await?;
        sqlx::query(
            "DELETE FROM kpi_targets WHERE metric = $1 AND scope = $2 AND scope_value = $3 \
             AND effective_from = $4",
        )
        .bind(target.metric.as_str())
        .bind(target.scope.name())
        .bind(target.scope_value.as_str())
        .bind(target.effective_from.as_str())
        .execute(&mut *transaction)
        .await?;
        sqlx::query(
            "INSERT INTO kpi_targets (metric, scope, scope_value, direction, target_micro, \
             warn_micro, effective_from, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(target.metric.as_str())
        .bind(target.scope.name())
        .bind(target.scope_value.as_str())
        .bind(target.direction.name())
        .bind(target.value.map(micro))
        .bind(target.warn_at.map(micro))
        .bind(target.effective_from.as_str())
        .bind(actor.name.as_str())
        .bind(now_ms)
        .execute(&mut *transaction)
        .await?;
        let detail = serde_json::json!({
            "metric": target.metric,
            "scope": target.scope.name(),
            "scope_value": target.scope_value,
            "direction": target.direction.name(),
            "target": target.value,
            "warn_at": target.warn_at,
            "effective_from": target.effective_from,
        });
        let entity_id = format!(
            "{}/{}/{}",
            target.metric,
            target.scope.name(),
            target.scope_value
        );
        audit(
            &mut transaction,
            actor,
            now_ms,
            "set",
            "kpi_target",
            &entity_id,
            &detail.to_string(),
        )
        .await?;
        transaction.commit().await?;
        Ok(())
    }

    /// The open alert episode of (metric, scope, value, rule), if any.
    pub async fn open_alert(
        &self,
        metric: &str,
        scope: TargetScope,
        scope_value: &str,
        rule: &str,
    ) -> Result<Option<KpiAlert>> {
        let rows = self
            .alerts_where(
                "metric = $1 AND scope = $2 AND scope_value = $3 AND rule = $4 \
                 AND ended_day IS NULL",
                &[metric, scope.name(), scope_value, rule],
            )
            .await?;
        Ok(rows.into_iter().next())
    }

    /// The alert episodes whose last day is on or after `since` (open ones always), newest first.
    pub async fn recent_alerts(&self, since: &str) -> Result<Vec<KpiAlert>> {
        self.alerts_where("ended_day IS NULL OR last_day >= $1", &[since])
            .await
    }

    /// The alert with this id.
    pub async fn alert(&self, id: i64) -> Result<Option<KpiAlert>> {
        let id = id.to_string();
        Ok(self
            .alerts_where("CAST(id AS TEXT) = $1", &[id.as_str()])
            .await?
            .into_iter()
            .next())
    }

    async fn alerts_where(&self, condition: &str, binds: &[&str]) -> Result<Vec<KpiAlert>> {
        let sql = format!(
            "SELECT CAST(id AS BIGINT) AS id, metric, scope, scope_value, rule, first_day, \
             last_day, ended_day, detail FROM kpi_alerts WHERE {condition} ORDER BY id DESC"
        );
        let query = binds
            .iter()
            .fold(sqlx::query(sqlx::AssertSqlSafe(sql)), |query, value| {
                query.bind(value.to_string())
            });
        let rows = query.fetch_all(&self.pool).await?;
        rows.iter()
            .map(|row| {
                Ok(KpiAlert {
                    id: row.try_get("id")?,
                    metric: row.try_get("metric")?,
                    scope: scope_of(row.try_get("scope")?)?,
                    scope_value: row.try_get("scope_value")?,
                    rule: row.try_get("rule")?,
                    first_day: row.try_get("first_day")?,
                    last_day: row.try_get("last_day")?,
                    ended_day: row.try_get("ended_day")?,
                    detail: row.try_get("detail")?,
                })
            })
            .collect()
    }

    /// Opens an episode (the caller found none open); returns its id.
    pub async fn open_alert_episode(&self, alert: &KpiAlert, now_ms: i64) -> Result<i64> {
        let mut transaction = self.begin_write().await?;
        let open: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM kpi_alerts WHERE metric = $1 AND scope = $2 \
             AND scope_value = $3 AND rule = $4 AND ended_day IS NULL",
        )
        .bind(alert.metric.as_str())
        .bind(alert.scope.name())
        .bind(alert.scope_value.as_str())
        .bind(alert.rule.as_str())
        .fetch_one(&mut *transaction)
        .await?;
        // another server opened it meanwhile: once per episode
        if open > 0 {
            return Ok(0);
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO kpi_alerts (metric, scope, scope_value, rule, first_day, last_day, \
             detail, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
             RETURNING CAST(id AS BIGINT)",
        )
        .bind(alert.metric.as_str())
        .bind(alert.scope.name())
        .bind(alert.scope_value.as_str())
        .bind(alert.rule.as_str())
        .bind(alert.first_day.as_str())
        .bind(alert.last_day.as_str())
        .bind(alert.detail.as_str())
        .bind(now_ms)
        .fetch_one(&mut *transaction)
        .await?;
        // as SLA escalations: the supervisors' address and the webhook hear of it once
        let subject = format!(
            "KPI alert: {} {} {} ({})",
            alert.metric,
            alert.scope.name(),
            alert.scope_value,
            alert.rule
        );
        let body = serde_json::json!({
            "alert_id": id,
            "metric": alert.metric,
            "scope": alert.scope.name(),
            "scope_value": alert.scope_value,
            "rule": alert.rule,
            "day": alert.last_day,
            "detail": serde_json::from_str::<serde_json::Value>(&alert.detail)
                .unwrap_or(serde_json::Value::Null),
        })
        .to_string();
        for channel in ["email", "webhook"] {
            crate::outbox::enqueue(
                &mut transaction,
                crate::outbox::Outgoing {
                    channel,
                    recipient: "supervisors",
                    subject: &subject,
                    body: &body,
                    created_ms: now_ms,
                    send_after_ms: now_ms,
                },
            )
            .await?;
        }
        transaction.commit().await?;
        Ok(id)
    }

    /// Moves an open episode on to `day` (it still holds) or ends it there.
    pub async fn update_alert_episode(&self, id: i64, day: &str, ended: bool) -> Result<()> {
        let sql = if ended {
            "UPDATE kpi_alerts SET ended_day = $1 WHERE id = $2 AND ended_day IS NULL"
        } else {
            "UPDATE kpi_alerts SET last_day = $1 WHERE id = $2 AND last_day < $1"
        };
        sqlx::query(sql)
            .bind(day)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Every version of the evaluation model, oldest first.
    pub async fn evaluation_models(&self) -> Result<Vec<StoredModel>> {
        let rows = sqlx::query(
            "SELECT CAST(version AS BIGINT) AS version, name, effective_from, body, created_by, \
             created_at FROM evaluation_models ORDER BY version",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(StoredModel {
                    version: row.try_get("version")?,
                    name: row.try_get("name")?,
                    effective_from: row.try_get("effective_from")?,
                    body: row.try_get("body")?,
                    created_by: row.try_get("created_by")?,
                    created_ms: row.try_get("created_at")?,
                })
            })
            .collect()
    }

    /// Stores the next version of the evaluation model and audits it; returns its number.
    pub async fn save_evaluation_model(
        &self,
        name: &str,
        effective_from: &str,
        body: &str,
        actor: &Actor,
        now_ms: i64,
    ) -> Result<i64> {
        let mut transaction = self.begin_write().await?;
        let latest: i64 = sqlx::query_scalar(
            "SELECT CAST(COALESCE(MAX(version), 0) AS BIGINT) FROM evaluation_models",
        )
        .fetch_one(&mut *transaction)
        .await?;
        let version = latest + 1;
        sqlx::query(
            "INSERT INTO evaluation_models (version, name, effective_from, body, created_by, \
             created_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(version)
        .bind(name)
        .bind(effective_from)
        .bind(body)
        .bind(actor.name.as_str())
        .bind(now_ms)
        .execute(&mut *transaction)
        .await?;
        audit(
            &mut transaction,
            actor,
            now_ms,
            "save",
            "evaluation_model",
            &version.to_string(),
            &serde_json::json!({"name": name, "effective_from": effective_from}).to_string(),
        )
        .await?;
        transaction.commit().await?;
        Ok(version)
    }
}
