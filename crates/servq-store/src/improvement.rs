//! The follow-up of the improvement loop: the evidence linked to a problem and the
//! effectiveness checks that re-measure a closed problem's goal 30, 60 and 90 days later (a
//! check that finds the target no longer met reopens the problem in the same transaction).

use sqlx::{AnyConnection, Row};

use crate::{Actor, Result, Store, StoreError, goals::number, users::audit};

/// What a piece of evidence is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EvidenceKind {
    /// A contact (its id).
    Contact,
    /// A ticket (its id).
    Ticket,
    /// A review task of an unsatisfied answer (the response id).
    ReviewTask,
    /// A QA evaluation with its hits (the evaluation id).
    Evaluation,
    /// A KPI series: a metric, with `|queue=…`, `|team=…` or `|agent=…` for a scope.
    Kpi,
}

impl EvidenceKind {
    /// Every kind, in the order the page offers them.
    pub const ALL: [EvidenceKind; 5] = [
        EvidenceKind::Contact,
        EvidenceKind::Ticket,
        EvidenceKind::ReviewTask,
        EvidenceKind::Evaluation,
        EvidenceKind::Kpi,
    ];

    /// The stored name.
    pub fn name(self) -> &'static str {
        match self {
            EvidenceKind::Contact => "contact",
            EvidenceKind::Ticket => "ticket",
            EvidenceKind::ReviewTask => "review_task",
            EvidenceKind::Evaluation => "evaluation",
            EvidenceKind::Kpi => "kpi",
        }
    }

    /// The kind called `name`.
    pub fn parse(name: &str) -> Option<EvidenceKind> {
        EvidenceKind::ALL
            .into_iter()
            .find(|k| k.name() == name.trim())
    }
}

/// A piece of evidence linked to a problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evidence {
    /// Row id.
    pub id: i64,
    /// The problem.
    pub problem_id: i64,
    /// What it is.
    pub kind: EvidenceKind,
    /// Which one (see [`EvidenceKind`]).
    pub reference: String,
    /// Why it matters.
    pub note: String,
    /// Who linked it.
    pub added_by: String,
    /// When, epoch ms.
    pub added_at: i64,
}

/// Where an effectiveness check stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckStatus {
    /// Not yet due, or due and not yet run.
    Pending,
    /// The goal's target was still met.
    Held,
    /// The target was no longer met: the problem was reopened.
    Slipped,
    /// The KPI had no value over the window (nothing to judge; the problem stays closed).
    NoData,
    /// The problem was reopened before the check was due.
    Cancelled,
}

impl CheckStatus {
    /// Every status.
    pub const ALL: [CheckStatus; 5] = [
        CheckStatus::Pending,
        CheckStatus::Held,
        CheckStatus::Slipped,
        CheckStatus::NoData,
        CheckStatus::Cancelled,
    ];

    /// The stored name.
    pub fn name(self) -> &'static str {
        match self {
            CheckStatus::Pending => "pending",
            CheckStatus::Held => "held",
            CheckStatus::Slipped => "slipped",
            CheckStatus::NoData => "no_data",
            CheckStatus::Cancelled => "cancelled",
        }
    }

    /// The status called `name`.
    pub fn parse(name: &str) -> Option<CheckStatus> {
        CheckStatus::ALL.into_iter().find(|s| s.name() == name)
    }
}

/// A check to schedule when a problem is closed.
#[derive(Debug, Clone, PartialEq)]
pub struct NewCheck {
    /// The goal whose KPI is re-measured.
    pub goal_id: i64,
    /// The day the problem was closed (YYYY-MM-DD).
    pub closed_on: String,
    /// Days after closing.
    pub after_days: i64,
    /// The day it is due (YYYY-MM-DD).
    pub due: String,
    /// The goal's target when the problem was closed.
    pub target: f64,
}

/// An effectiveness check.
#[derive(Debug, Clone, PartialEq)]
pub struct EffectivenessCheck {
    /// Row id.
    pub id: i64,
    /// The problem.
    pub problem_id: i64,
    /// The goal re-measured.
    pub goal_id: i64,
    /// The day the problem was closed.
    pub closed_on: String,
    /// Days after closing.
    pub after_days: i64,
    /// The day it is due.
    pub due: String,
    /// Where it stands.
    pub status: CheckStatus,
    /// The KPI found (when run and the KPI had a value).
    pub value: Option<f64>,
    /// The target it was held to.
    pub target: f64,
    /// When it ran, epoch ms.
    pub checked_at: Option<i64>,
}

const CHECK_COLUMNS: &str = "CAST(id AS BIGINT) AS id, problem_id, goal_id, closed_on, \
     CAST(after_days AS BIGINT) AS after_days, due, status, value, target, checked_at";

fn check_of(row: &sqlx::any::AnyRow) -> Result<EffectivenessCheck> {
    let status: String = row.try_get("status")?;
    Ok(EffectivenessCheck {
        id: row.try_get("id")?,
        problem_id: row.try_get("problem_id")?,
        goal_id: row.try_get("goal_id")?,
        closed_on: row.try_get("closed_on")?,
        after_days: row.try_get("after_days")?,
        due: row.try_get("due")?,
        status: CheckStatus::parse(&status).ok_or(StoreError::CorruptValue {
            column: "status",
            value: status,
        })?,
        value: number(row, "value")?,
        target: number(row, "target")?.unwrap_or(f64::NAN),
        checked_at: row.try_get("checked_at")?,
    })
}

fn evidence_of(row: &sqlx::any::AnyRow) -> Result<Evidence> {
    let kind: String = row.try_get("kind")?;
    Ok(Evidence {
        id: row.try_get("id")?,
        problem_id: row.try_get("problem_id")?,
        kind: EvidenceKind::parse(&kind).ok_or(StoreError::CorruptValue {
            column: "kind",
            value: kind,
        })?,
        reference: row.try_get("reference")?,
        note: row.try_get("note")?,
        added_by: row.try_get("added_by")?,
        added_at: row.try_get("added_at")?,
    })
}

/// Schedules one check. Closing the problem again on a day it was closed before starts that
/// day's check afresh (the earlier one was cancelled when it was reopened).
pub(crate) async fn insert_check(
    connection: &mut AnyConnection,
    problem_id: i64,
    check: &NewCheck,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO effectiveness_checks (problem_id, goal_id, closed_on, after_days, due, \
         status, value, target, checked_at) VALUES ($1, $2, $3, $4, $5, 'pending', NULL, $6, NULL) \
         ON CONFLICT (problem_id, closed_on, after_days) DO UPDATE SET goal_id = excluded.goal_id, \
         due = excluded.due, status = 'pending', value = NULL, target = excluded.target, \
         checked_at = NULL",
    )
    .bind(problem_id)
    .bind(check.goal_id)
    .bind(check.closed_on.as_str())
    .bind(check.after_days)
    .bind(check.due.as_str())
    .bind(check.target.to_string())
    .execute(&mut *connection)
    .await?;
    Ok(())
}

/// Cancels a problem's pending checks (it left `closed`).
pub(crate) async fn cancel_pending_checks(
    connection: &mut AnyConnection,
    problem_id: i64,
) -> Result<()> {
    sqlx::query(
        "UPDATE effectiveness_checks SET status = 'cancelled' \
         WHERE problem_id = $1 AND status = 'pending'",
    )
    .bind(problem_id)
    .execute(&mut *connection)
    .await?;
    Ok(())
}

impl Store {
    /// A problem's evidence, in the order it was linked.
    pub async fn problem_evidence(&self, problem_id: i64) -> Result<Vec<Evidence>> {
        sqlx::query(
            "SELECT CAST(id AS BIGINT) AS id, problem_id, kind, reference, note, added_by, \
             added_at FROM problem_evidence WHERE problem_id = $1 ORDER BY id",
        )
        .bind(problem_id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(evidence_of)
        .collect()
    }

    /// Links a piece of evidence to a problem; audited. `false` when it was linked already.
    pub async fn add_problem_evidence(
        &self,
        evidence: &Evidence,
        actor: &Actor,
        now_ms: i64,
    ) -> Result<bool> {
        let mut transaction = self.begin_write().await?;
        let added = sqlx::query(
            "INSERT INTO problem_evidence (problem_id, kind, reference, note, added_by, added_at) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (problem_id, kind, reference) DO NOTHING",
        )
        .bind(evidence.problem_id)
        .bind(evidence.kind.name())
        .bind(evidence.reference.as_str())
        .bind(evidence.note.as_str())
        .bind(actor.name.as_str())
        .bind(now_ms)
        .execute(&mut *transaction)
        .await?
        .rows_affected()
            > 0;
        if added {
            audit(
                &mut transaction,
                actor,
                now_ms,
                "link",
                "problem",
                &evidence.problem_id.to_string(),
                &serde_json::json!({"kind": evidence.kind.name(), "reference": evidence.reference})
                    .to_string(),
            )
            .await?;
        }
        transaction.commit().await?;
        Ok(added)
    }

    /// Unlinks evidence `id` from `problem_id`; audited. `false` when there was none.
    pub async fn remove_problem_evidence(
        &self,
        problem_id: i64,
        id: i64,
        actor: &Actor,
        now_ms: i64,
    ) -> Result<bool> {
        let mut transaction = self.begin_write().await?;
        let removed = sqlx::query("DELETE FROM problem_evidence WHERE id = $1 AND problem_id = $2")
            .bind(id)
            .bind(problem_id)
            .execute(&mut *transaction)
            .await?
            .rows_affected()
            > 0;
        if removed {
            audit(
                &mut transaction,
                actor,
                now_ms,
                "unlink",
                "problem",
                &problem_id.to_string(),
                &serde_json::json!({"evidence": id}).to_string(),
            )
            .await?;
        }
        transaction.commit().await?;
        Ok(removed)
    }

    /// A problem's effectiveness checks, by closing day and offset.
    pub async fn effectiveness_checks(&self, problem_id: i64) -> Result<Vec<EffectivenessCheck>> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {CHECK_COLUMNS} FROM effectiveness_checks WHERE problem_id = $1 \
             ORDER BY closed_on, after_days"
        )))
        .bind(problem_id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(check_of)
        .collect()
    }

    /// The pending checks due on or before `today` (YYYY-MM-DD), oldest first.
    pub async fn due_effectiveness_checks(&self, today: &str) -> Result<Vec<EffectivenessCheck>> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {CHECK_COLUMNS} FROM effectiveness_checks \
             WHERE status = 'pending' AND due <= $1 ORDER BY due, id"
        )))
        .bind(today)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(check_of)
        .collect()
    }

    /// Records a check's outcome; a `Slipped` one reopens its problem (when it is still closed)
    /// and cancels its other pending checks, in one transaction; the `reopen` audit entry tells
    /// the owner. `false` when the check was no longer pending.
    pub async fn record_effectiveness_check(
        &self,
        check: &EffectivenessCheck,
        status: CheckStatus,
        value: Option<f64>,
        actor: &Actor,
        now_ms: i64,
    ) -> Result<bool> {
        let mut transaction = self.begin_write().await?;
        let recorded = sqlx::query(
            "UPDATE effectiveness_checks SET status = $1, value = $2, checked_at = $3 \
             WHERE id = $4 AND status = 'pending'",
        )
        .bind(status.name())
        .bind(value.map(|v| v.to_string()))
        .bind(now_ms)
        .bind(check.id)
        .execute(&mut *transaction)
        .await?
        .rows_affected()
            > 0;
        if !recorded {
            return Ok(false);
        }
        let detail = serde_json::json!({"after_days": check.after_days, "value": value,
            "target": check.target, "status": status.name()});
        if status == CheckStatus::Slipped {
            let reopened = sqlx::query(
                "UPDATE problems SET status = 'reopened', updated_at = $1 \
                 WHERE id = $2 AND status = 'closed'",
            )
            .bind(now_ms)
            .bind(check.problem_id)
            .execute(&mut *transaction)
            .await?
            .rows_affected()
                > 0;
            if reopened {
                cancel_pending_checks(&mut transaction, check.problem_id).await?;
                audit(
                    &mut transaction,
                    actor,
                    now_ms,
                    "reopen",
                    "problem",
                    &check.problem_id.to_string(),
                    &detail.to_string(),
                )
                .await?;
            }
        }
        audit(
            &mut transaction,
            actor,
            now_ms,
            "check",
            "problem",
            &check.problem_id.to_string(),
            &detail.to_string(),
        )
        .await?;
        transaction.commit().await?;
        Ok(true)
    }
}
