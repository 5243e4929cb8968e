//! The risk register, emergency plans and drills (docs/risks.md). Every change is audited; the
//! reminders of drills and reviews are audit entries too (`drill_ahead`, `review_today` …), which
//! the notification pass turns into notifications for the owners. A drill's findings can become
//! problems of the improvement register (with a task for the finding's owner) in one transaction.

use servq_core::{
    DrillStatus, PlanStep, RiskCategory, RiskLevel, RiskStatus, RiskTreatment, risk_score,
};
use sqlx::Row;

use crate::{
    Actor, Problem, Result, Store, StoreError, Task, problem_register::insert_problem,
    tasks::insert_task, users::audit,
};

/// A risk on the register.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Risk {
    /// Row id (0 for a new one).
    pub id: i64,
    /// A short name.
    pub title: String,
    /// Its category.
    pub category: RiskCategory,
    /// What could happen and why.
    pub description: String,
    /// 1–5.
    pub likelihood: u8,
    /// 1–5.
    pub impact: u8,
    /// Who answers for it (a username).
    pub owner: String,
    /// What the centre does about it.
    pub treatment: RiskTreatment,
    /// The controls in place.
    pub controls: String,
    /// The next review, YYYY-MM-DD.
    pub review_on: String,
    /// Open or closed.
    pub status: RiskStatus,
    /// Who recorded it.
    pub created_by: String,
    /// When, epoch ms.
    pub created_at: i64,
    /// Last change, epoch ms.
    pub updated_at: i64,
}

impl Risk {
    /// Likelihood × impact.
    pub fn score(&self) -> u8 {
        risk_score(self.likelihood, self.impact)
    }

    /// The band of its score.
    pub fn level(&self) -> RiskLevel {
        RiskLevel::of(self.score())
    }
}

/// One review of a risk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RiskReview {
    /// Row id.
    pub id: i64,
    /// The risk.
    pub risk_id: i64,
    /// Who reviewed it.
    pub reviewed_by: String,
    /// When, epoch ms.
    pub reviewed_at: i64,
    /// The likelihood it left.
    pub likelihood: u8,
    /// The impact it left.
    pub impact: u8,
    /// What was found.
    pub note: String,
    /// The next review it set, YYYY-MM-DD.
    pub next_review_on: String,
}

/// An emergency plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmergencyPlan {
    /// Row id (0 for a new one).
    pub id: i64,
    /// A short name.
    pub title: String,
    /// The situation it is for.
    pub scenario: String,
    /// What sets it off.
    pub trigger: String,
    /// Who answers for it (a username).
    pub owner: String,
    /// Service back within this many hours.
    pub recovery_hours: u32,
    /// The steps, in the cycle's order.
    pub steps: Vec<PlanStep>,
    /// Who to call, one line each.
    pub contacts: Vec<String>,
    /// The risks it answers.
    pub risk_ids: Vec<i64>,
    /// Who wrote it.
    pub created_by: String,
    /// When, epoch ms.
    pub created_at: i64,
    /// Last change, epoch ms.
    pub updated_at: i64,
}

/// A drill of a plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Drill {
    /// Row id.
    pub id: i64,
    /// The plan drilled.
    pub plan_id: i64,
    /// The day it is planned for, YYYY-MM-DD.
    pub scheduled_on: String,
    /// Planned, done or cancelled.
    pub status: DrillStatus,
    /// The day it ran, once done.
    pub ran_on: Option<String>,
    /// Who took part.
    pub participants: Vec<String>,
    /// The minutes each step took, in the order of `steps`.
    pub step_minutes: Vec<Option<u32>>,
    /// The plan's steps as they were when it ran (empty while planned).
    pub steps: Vec<PlanStep>,
    /// What happened.
    pub notes: String,
    /// Who scheduled it.
    pub created_by: String,
    /// When, epoch ms.
    pub created_at: i64,
    /// Last change, epoch ms.
    pub updated_at: i64,
}

/// A finding of a drill.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DrillFinding {
    /// Row id (0 for a new one).
    pub id: i64,
    /// The drill.
    pub drill_id: i64,
    /// What was found.
    pub finding: String,
    /// Who follows it up (a username).
    pub owner: String,
    /// By when, YYYY-MM-DD.
    pub due_on: String,
    /// The improvement-register problem it became.
    pub problem_id: Option<i64>,
    /// The task given to its owner under that problem.
    pub task_id: Option<i64>,
}

/// A drill's run as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DrillRun {
    /// The day it ran.
    pub ran_on: String,
    /// Who took part.
    pub participants: Vec<String>,
    /// The plan's steps as they were.
    pub steps: Vec<PlanStep>,
    /// The minutes each step took.
    pub step_minutes: Vec<Option<u32>>,
    /// What happened.
    pub notes: String,
    /// What was found.
    pub findings: Vec<DrillFinding>,
}

/// A reminder to leave: the audit entry the notification pass reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RiskReminder {
    /// `drill` or `risk`.
    pub entity: &'static str,
    /// The drill's or risk's id.
    pub id: i64,
    /// `drill_ahead`, `drill_today`, `drill_overdue`, `review_ahead`, `review_today`,
    /// `review_overdue`.
    pub action: String,
    /// The day it is about.
    pub day: String,
}

fn corrupt(column: &'static str, value: impl Into<String>) -> StoreError {
    StoreError::CorruptValue {
        column,
        value: value.into(),
    }
}

fn json_column<T: serde::de::DeserializeOwned>(
    row: &sqlx::any::AnyRow,
    column: &'static str,
) -> Result<T> {
    let text: String = row.try_get(column)?;
    serde_json::from_str(&text).map_err(|_| corrupt(column, text))
}

fn rating_column(row: &sqlx::any::AnyRow, column: &'static str) -> Result<u8> {
    let value: i64 = row.try_get(column)?;
    u8::try_from(value)
        .ok()
        .filter(|v| (1..=5).contains(v))
        .ok_or_else(|| corrupt(column, value.to_string()))
}

const RISK_COLUMNS: &str = "CAST(id AS BIGINT) AS id, title, category, description, likelihood, \
     impact, owner, treatment, controls, review_on, status, created_by, created_at, updated_at";

fn risk_of(row: &sqlx::any::AnyRow) -> Result<Risk> {
    let category: String = row.try_get("category")?;
    let treatment: String = row.try_get("treatment")?;
    let status: String = row.try_get("status")?;
    Ok(Risk {
        id: row.try_get("id")?,
        title: row.try_get("title")?,
        category: RiskCategory::parse(&category)
            .ok_or_else(|| corrupt("risks.category", category))?,
        description: row.try_get("description")?,
        likelihood: rating_column(row, "likelihood")?,
        impact: rating_column(row, "impact")?,
        owner: row.try_get("owner")?,
        treatment: RiskTreatment::parse(&treatment)
            .ok_or_else(|| corrupt("risks.treatment", treatment))?,
        controls: row.try_get("controls")?,
        review_on: row.try_get("review_on")?,
        status: RiskStatus::parse(&status).ok_or_else(|| corrupt("risks.status", status))?,
        created_by: row.try_get("created_by")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

const PLAN_COLUMNS: &str = "CAST(id AS BIGINT) AS id, title, scenario, trigger_text, owner, \
     recovery_hours, steps, contacts, risk_ids, created_by, created_at, updated_at";

fn plan_of(row: &sqlx::any::AnyRow) -> Result<EmergencyPlan> {
    let hours: i64 = row.try_get("recovery_hours")?;
    Ok(EmergencyPlan {
        id: row.try_get("id")?,
        title: row.try_get("title")?,
        scenario: row.try_get("scenario")?,
        trigger: row.try_get("trigger_text")?,
        owner: row.try_get("owner")?,
        recovery_hours: u32::try_from(hours)
            .map_err(|_| corrupt("emergency_plans.recovery_hours", hours.to_string()))?,
        steps: json_column(row, "steps")?,
        contacts: json_column(row, "contacts")?,
        risk_ids: json_column(row, "risk_ids")?,
        created_by: row.try_get("created_by")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

const DRILL_COLUMNS: &str = "CAST(id AS BIGINT) AS id, plan_id, scheduled_on, status, ran_on, \
     participants, step_minutes, steps, notes, created_by, created_at, updated_at";

fn drill_of(row: &sqlx::any::AnyRow) -> Result<Drill> {
    let status: String = row.try_get("status")?;
    Ok(Drill {
        id: row.try_get("id")?,
        plan_id: row.try_get("plan_id")?,
        scheduled_on: row.try_get("scheduled_on")?,
        status: DrillStatus::parse(&status).ok_or_else(|| corrupt("drills.status", status))?,
        ran_on: row.try_get("ran_on")?,
        participants: json_column(row, "participants")?,
        step_minutes: json_column(row, "step_minutes")?,
        steps: json_column(row, "steps")?,
        notes: row.try_get("notes")?,
        created_by: row.try_get("created_by")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

const FINDING_COLUMNS: &str = "CAST(id AS BIGINT) AS id, drill_id, finding, owner, due_on, \
     problem_id, task_id";

fn finding_of(row: &sqlx::any::AnyRow) -> Result<DrillFinding> {
    Ok(DrillFinding {
        id: row.try_get("id")?,
        drill_id: row.try_get("drill_id")?,
        finding: row.try_get("finding")?,
        owner: row.try_get("owner")?,
        due_on: row.try_get("due_on")?,
        problem_id: row.try_get("problem_id")?,
        task_id: row.try_get("task_id")?,
    })
}

fn to_json<T: serde::Serialize>(value: &T) -> String {
    // plain data (strings, numbers, lists): serialising cannot fail
    serde_json::to_string(value).unwrap_or_else(|_| "null".to_owned())
}

impl Store {
    /// The rows of `sql` (with `$1` bound to `id` when given), each read by `parse`.
    async fn select<T>(
        &self,
        sql: String,
        id: Option<i64>,
        parse: fn(&sqlx::any::AnyRow) -> Result<T>,
    ) -> Result<Vec<T>> {
        let query = sqlx::query(sqlx::AssertSqlSafe(sql));
        let query = match id {
            Some(id) => query.bind(id),
            None => query,
        };
        query
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(parse)
            .collect()
    }

    /// The one row of `sql` with `$1` bound to `id`, if any.
    async fn select_one<T>(
        &self,
        sql: String,
        id: i64,
        parse: fn(&sqlx::any::AnyRow) -> Result<T>,
    ) -> Result<Option<T>> {
        Ok(self.select(sql, Some(id), parse).await?.pop())
    }

    /// Records a new risk (`id` 0) or changes one; audited. Its id; `None` when the risk to
    /// change does not exist.
    pub async fn save_risk(&self, risk: &Risk, actor: &Actor, now_ms: i64) -> Result<Option<i64>> {
        let mut transaction = self.begin_write().await?;
        let id: Option<i64> = if risk.id == 0 {
            Some(
                sqlx::query_scalar(
                    "INSERT INTO risks (title, category, description, likelihood, impact, owner, \
                     treatment, controls, review_on, status, created_by, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12) \
                     RETURNING CAST(id AS BIGINT)",
                )
                .bind(risk.title.as_str())
                .bind(risk.category.name())
                .bind(risk.description.as_str())
                .bind(i64::from(risk.likelihood))
                .bind(i64::from(risk.impact))
                .bind(risk.owner.as_str())
                .bind(risk.treatment.name())
                .bind(risk.controls.as_str())
                .bind(risk.review_on.as_str())
                .bind(risk.status.name())
                .bind(actor.name.as_str())
                .bind(now_ms)
                .fetch_one(&mut *transaction)
                .await?,
            )
        } else {
            sqlx::query_scalar(
                "UPDATE risks SET title = $1, category = $2, description = $3, likelihood = $4, \
                 impact = $5, owner = $6, treatment = $7, controls = $8, review_on = $9, \
                 status = $10, updated_at = $11 WHERE id = $12 RETURNING CAST(id AS BIGINT)",
            )
            .bind(risk.title.as_str())
            .bind(risk.category.name())
            .bind(risk.description.as_str())
            .bind(i64::from(risk.likelihood))
            .bind(i64::from(risk.impact))
            .bind(risk.owner.as_str())
            .bind(risk.treatment.name())
            .bind(risk.controls.as_str())
            .bind(risk.review_on.as_str())
            .bind(risk.status.name())
            .bind(now_ms)
            .bind(risk.id)
            .fetch_optional(&mut *transaction)
            .await?
        };
        let Some(id) = id else {
            return Ok(None);
        };
        audit(
            &mut transaction,
            actor,
            now_ms,
            if risk.id == 0 { "create" } else { "update" },
            "risk",
            &id.to_string(),
            &serde_json::json!({
                "title": risk.title, "category": risk.category.name(),
                "likelihood": risk.likelihood, "impact": risk.impact, "owner": risk.owner,
                "treatment": risk.treatment.name(), "review_on": risk.review_on,
                "status": risk.status.name(),
            })
            .to_string(),
        )
        .await?;
        transaction.commit().await?;
        Ok(Some(id))
    }

    /// Every risk, highest score first.
    pub async fn risks(&self) -> Result<Vec<Risk>> {
        self.select(
            format!(
                "SELECT {RISK_COLUMNS} FROM risks ORDER BY likelihood * impact DESC, impact DESC, id"
            ),
            None,
            risk_of,
        )
        .await
    }

    /// One risk.
    pub async fn risk(&self, id: i64) -> Result<Option<Risk>> {
        self.select_one(
            format!("SELECT {RISK_COLUMNS} FROM risks WHERE id = $1"),
            id,
            risk_of,
        )
        .await
    }

    /// Records a review of risk `review.risk_id`: its rating and next review date become the
    /// risk's; audited. `false` when there is no such risk.
    pub async fn review_risk(
        &self,
        review: &RiskReview,
        actor: &Actor,
        now_ms: i64,
    ) -> Result<bool> {
        let mut transaction = self.begin_write().await?;
        let changed = sqlx::query(
            "UPDATE risks SET likelihood = $1, impact = $2, review_on = $3, updated_at = $4 \
             WHERE id = $5",
        )
        .bind(i64::from(review.likelihood))
        .bind(i64::from(review.impact))
        .bind(review.next_review_on.as_str())
        .bind(now_ms)
        .bind(review.risk_id)
        .execute(&mut *transaction)
        .await?
        .rows_affected();
        if changed == 0 {
            return Ok(false);
        }
        sqlx::query(
            "INSERT INTO risk_reviews (risk_id, reviewed_by, reviewed_at, likelihood, impact, \
             note, next_review_on) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(review.risk_id)
        .bind(actor.name.as_str())
        .bind(now_ms)
        .bind(i64::from(review.likelihood))
        .bind(i64::from(review.impact))
        .bind(review.note.as_str())
        .bind(review.next_review_on.as_str())
        .execute(&mut *transaction)
        .await?;
        audit(
            &mut transaction,
            actor,
            now_ms,
            "review",
            "risk",
            &review.risk_id.to_string(),
            &serde_json::json!({"likelihood": review.likelihood, "impact": review.impact,
                "next_review_on": review.next_review_on, "note": review.note})
            .to_string(),
        )
        .await?;
        transaction.commit().await?;
        Ok(true)
    }

    /// The reviews of a risk, newest first.
    pub async fn risk_reviews(&self, risk_id: i64) -> Result<Vec<RiskReview>> {
        sqlx::query(
            "SELECT CAST(id AS BIGINT) AS id, risk_id, reviewed_by, reviewed_at, likelihood, \
             impact, note, next_review_on FROM risk_reviews WHERE risk_id = $1 \
             ORDER BY reviewed_at DESC, id DESC",
        )
        .bind(risk_id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|row| {
            Ok(RiskReview {
                id: row.try_get("id")?,
                risk_id: row.try_get("risk_id")?,
                reviewed_by: row.try_get("reviewed_by")?,
                reviewed_at: row.try_get("reviewed_at")?,
                likelihood: rating_column(row, "likelihood")?,
                impact: rating_column(row, "impact")?,
                note: row.try_get("note")?,
                next_review_on: row.try_get("next_review_on")?,
            })
        })
        .collect()
    }

    /// Writes a new plan (`id` 0) or changes one; audited. Its id; `None` when the plan to
    /// change does not exist.
    pub async fn save_plan(
        &self,
        plan: &EmergencyPlan,
        actor: &Actor,
        now_ms: i64,
    ) -> Result<Option<i64>> {
        let mut transaction = self.begin_write().await?;
        let steps = to_json(&plan.steps);
        let contacts = to_json(&plan.contacts);
        let risk_ids = to_json(&plan.risk_ids);
        let id: Option<i64> = if plan.id == 0 {
            Some(
                sqlx::query_scalar(
                    "INSERT INTO emergency_plans (title, scenario, trigger_text, owner, \
                     recovery_hours, steps, contacts, risk_ids, created_by, created_at, \
                     updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) \
                     RETURNING CAST(id AS BIGINT)",
                )
                .bind(plan.title.as_str())
                .bind(plan.scenario.as_str())
                .bind(plan.trigger.as_str())
                .bind(plan.owner.as_str())
                .bind(i64::from(plan.recovery_hours))
                .bind(steps.as_str())
                .bind(contacts.as_str())
                .bind(risk_ids.as_str())
                .bind(actor.name.as_str())
                .bind(now_ms)
                .fetch_one(&mut *transaction)
                .await?,
            )
        } else {
            sqlx::query_scalar(
                "UPDATE emergency_plans SET title = $1, scenario = $2, trigger_text = $3, \
                 owner = $4, recovery_hours = $5, steps = $6, contacts = $7, risk_ids = $8, \
                 updated_at = $9 WHERE id = $10 RETURNING CAST(id AS BIGINT)",
            )
            .bind(plan.title.as_str())
            .bind(plan.scenario.as_str())
            .bind(plan.trigger.as_str())
            .bind(plan.owner.as_str())
            .bind(i64::from(plan.recovery_hours))
            .bind(steps.as_str())
            .bind(contacts.as_str())
            .bind(risk_ids.as_str())
            .bind(now_ms)
            .bind(plan.id)
            .fetch_optional(&mut *transaction)
            .await?
        };
        let Some(id) = id else {
            return Ok(None);
        };
        audit(
            &mut transaction,
            actor,
            now_ms,
            if plan.id == 0 { "create" } else { "update" },
            "emergency_plan",
            &id.to_string(),
            &serde_json::json!({"title": plan.title, "owner": plan.owner,
                "steps": plan.steps.len(), "risk_ids": plan.risk_ids})
            .to_string(),
        )
        .await?;
        transaction.commit().await?;
        Ok(Some(id))
    }

    /// Every plan, by title.
    pub async fn plans(&self) -> Result<Vec<EmergencyPlan>> {
        self.select(
            format!("SELECT {PLAN_COLUMNS} FROM emergency_plans ORDER BY title, id"),
            None,
            plan_of,
        )
        .await
    }

    /// One plan.
    pub async fn plan(&self, id: i64) -> Result<Option<EmergencyPlan>> {
        self.select_one(
            format!("SELECT {PLAN_COLUMNS} FROM emergency_plans WHERE id = $1"),
            id,
            plan_of,
        )
        .await
    }

    /// Schedules a drill of plan `plan_id` on `day`; audited. Its id.
    pub async fn schedule_drill(
        &self,
        plan_id: i64,
        day: &str,
        actor: &Actor,
        now_ms: i64,
    ) -> Result<i64> {
        let mut transaction = self.begin_write().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO drills (plan_id, scheduled_on, status, ran_on, participants, \
             step_minutes, steps, notes, created_by, created_at, updated_at) \
             VALUES ($1, $2, 'planned', NULL, '[]', '[]', '[]', '', $3, $4, $4) \
             RETURNING CAST(id AS BIGINT)",
        )
        .bind(plan_id)
        .bind(day)
        .bind(actor.name.as_str())
        .bind(now_ms)
        .fetch_one(&mut *transaction)
        .await?;
        audit(
            &mut transaction,
            actor,
            now_ms,
            "schedule",
            "drill",
            &id.to_string(),
            &serde_json::json!({"plan_id": plan_id, "scheduled_on": day}).to_string(),
        )
        .await?;
        transaction.commit().await?;
        Ok(id)
    }

    /// The drills (of one plan, or all), by date.
    pub async fn drills(&self, plan_id: Option<i64>) -> Result<Vec<Drill>> {
        self.select(
            format!(
                "SELECT {DRILL_COLUMNS} FROM drills WHERE ($1 = 0 OR plan_id = $1) \
                 ORDER BY scheduled_on, id"
            ),
            Some(plan_id.unwrap_or(0)),
            drill_of,
        )
        .await
    }

    /// One drill.
    pub async fn drill(&self, id: i64) -> Result<Option<Drill>> {
        self.select_one(
            format!("SELECT {DRILL_COLUMNS} FROM drills WHERE id = $1"),
            id,
            drill_of,
        )
        .await
    }

    /// Records how planned drill `id` ran, with its findings; audited. `false` when it is not
    /// (or no longer) planned: two people recording one drill at once record it once.
    pub async fn record_drill(
        &self,
        id: i64,
        run: &DrillRun,
        actor: &Actor,
        now_ms: i64,
    ) -> Result<bool> {
        let mut transaction = self.begin_write().await?;
        let changed = sqlx::query(
            "UPDATE drills SET status = 'done', ran_on = $1, participants = $2, \
             step_minutes = $3, steps = $4, notes = $5, updated_at = $6 \
             WHERE id = $7 AND status = 'planned'",
        )
        .bind(run.ran_on.as_str())
        .bind(to_json(&run.participants))
        .bind(to_json(&run.step_minutes))
        .bind(to_json(&run.steps))
        .bind(run.notes.as_str())
        .bind(now_ms)
        .bind(id)
        .execute(&mut *transaction)
        .await?
        .rows_affected();
        if changed == 0 {
            return Ok(false);
        }
        for (position, finding) in run.findings.iter().enumerate() {
            sqlx::query(
                "INSERT INTO drill_findings (drill_id, position, finding, owner, due_on) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(id)
            .bind(i64::try_from(position).unwrap_or(i64::MAX))
            .bind(finding.finding.as_str())
            .bind(finding.owner.as_str())
            .bind(finding.due_on.as_str())
            .execute(&mut *transaction)
            .await?;
        }
        audit(
            &mut transaction,
            actor,
            now_ms,
            "record",
            "drill",
            &id.to_string(),
            &serde_json::json!({"ran_on": run.ran_on, "participants": run.participants.len(),
                "step_minutes": run.step_minutes, "findings": run.findings.len()})
            .to_string(),
        )
        .await?;
        transaction.commit().await?;
        Ok(true)
    }

    /// Calls off planned drill `id`; audited. `false` when it is not planned.
    pub async fn cancel_drill(&self, id: i64, actor: &Actor, now_ms: i64) -> Result<bool> {
        let mut transaction = self.begin_write().await?;
        let changed = sqlx::query(
            "UPDATE drills SET status = 'cancelled', updated_at = $1 \
             WHERE id = $2 AND status = 'planned'",
        )
        .bind(now_ms)
        .bind(id)
        .execute(&mut *transaction)
        .await?
        .rows_affected();
        if changed == 0 {
            return Ok(false);
        }
        audit(
            &mut transaction,
            actor,
            now_ms,
            "cancel",
            "drill",
            &id.to_string(),
            "{}",
        )
        .await?;
        transaction.commit().await?;
        Ok(true)
    }

    /// The findings of drill `drill_id` (or of every drill), in order.
    pub async fn drill_findings(&self, drill_id: Option<i64>) -> Result<Vec<DrillFinding>> {
        self.select(
            format!(
                "SELECT {FINDING_COLUMNS} FROM drill_findings WHERE ($1 = 0 OR drill_id = $1) \
                 ORDER BY drill_id, position"
            ),
            Some(drill_id.unwrap_or(0)),
            finding_of,
        )
        .await
    }

    /// Makes finding `finding_id` a problem of the improvement register with a task for the
    /// finding's owner, all in one transaction: (problem id, task id). A finding that became a
    /// problem already keeps it (the ids it has are returned and nothing is added). `None` when
    /// there is no such finding. `task.problem_id` is filled in here.
    pub async fn finding_to_problem(
        &self,
        finding_id: i64,
        problem: &Problem,
        task: &Task,
        actor: &Actor,
        now_ms: i64,
    ) -> Result<Option<(i64, i64)>> {
        let mut transaction = self.begin_write().await?;
        let existing: Option<(Option<i64>, Option<i64>)> =
            sqlx::query("SELECT problem_id, task_id FROM drill_findings WHERE id = $1")
                .bind(finding_id)
                .fetch_optional(&mut *transaction)
                .await?
                .map(|row| -> Result<_> { Ok((row.try_get(0)?, row.try_get(1)?)) })
                .transpose()?;
        let Some(existing) = existing else {
            return Ok(None);
        };
        if let (Some(problem_id), Some(task_id)) = existing {
            return Ok(Some((problem_id, task_id)));
        }
        let Some(problem_id) = insert_problem(&mut transaction, problem, actor, now_ms).await?
        else {
            // the source key is the finding's: another request made it a problem meanwhile
            transaction.rollback().await?;
            return self.finding_links(finding_id).await;
        };
        let task = Task {
            problem_id: Some(problem_id),
            ..task.clone()
        };
        let task_id = insert_task(&mut transaction, &task, actor, now_ms).await?;
        // guarded: on PostgreSQL a second request may have read the row before this one wrote it
        let linked = sqlx::query(
            "UPDATE drill_findings SET problem_id = $1, task_id = $2 \
             WHERE id = $3 AND problem_id IS NULL",
        )
        .bind(problem_id)
        .bind(task_id)
        .bind(finding_id)
        .execute(&mut *transaction)
        .await?
        .rows_affected();
        if linked == 0 {
            // the other request linked it first: its problem and task stand, these are undone
            transaction.rollback().await?;
            return self.finding_links(finding_id).await;
        }
        transaction.commit().await?;
        Ok(Some((problem_id, task_id)))
    }

    /// The problem and task finding `finding_id` became, once both are there.
    async fn finding_links(&self, finding_id: i64) -> Result<Option<(i64, i64)>> {
        let row = sqlx::query("SELECT problem_id, task_id FROM drill_findings WHERE id = $1")
            .bind(finding_id)
            .fetch_optional(&self.pool)
            .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        Ok(row
            .try_get::<Option<i64>, _>(0)?
            .zip(row.try_get::<Option<i64>, _>(1)?))
    }

    /// Leaves the reminders as audit entries (which tell the owners) in one transaction; how many.
    pub async fn leave_risk_reminders(
        &self,
        reminders: &[RiskReminder],
        actor: &Actor,
        now_ms: i64,
    ) -> Result<usize> {
        let mut transaction = self.begin_write().await?;
        for reminder in reminders {
            audit(
                &mut transaction,
                actor,
                now_ms,
                &reminder.action,
                reminder.entity,
                &reminder.id.to_string(),
                &serde_json::json!({"day": reminder.day}).to_string(),
            )
            .await?;
        }
        transaction.commit().await?;
        Ok(reminders.len())
    }
}
