//! The problem register: problems found (by hand or accepted from a suggestion), where each
//! stands in its life cycle, and the suggestions a manager dismissed.

use servq_core::{ProblemClass, ProblemStatus};
use sqlx::Row;

use crate::{Actor, NewCheck, Result, Store, StoreError, users::audit};

/// A problem in the register.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Row id (0 for a new one).
    pub id: i64,
    /// Its class.
    pub class: ProblemClass,
    /// A short title.
    pub title: String,
    /// What is wrong, with the evidence in words.
    pub description: String,
    /// Where it came from: `manual`, or the suggestion's kind (`review_reason`, `qa`,
    /// `ticket_category`, `kpi_alert`).
    pub source: String,
    /// The suggestion it was accepted from (e.g. `kpi_alert:12`); empty for a manual one.
    pub source_key: String,
    /// Where it stands.
    pub status: ProblemStatus,
    /// Who owns it (a username); empty: nobody yet.
    pub owner: String,
    /// The goal whose KPI measures the fix (checked 30/60/90 days after closing), if any.
    pub goal_id: Option<i64>,
    /// Who recorded it.
    pub created_by: String,
    /// When, epoch ms.
    pub created_at: i64,
    /// Last change, epoch ms.
    pub updated_at: i64,
}

fn problem_of(row: &sqlx::any::AnyRow) -> Result<Problem> {
    let class: String = row.try_get("class")?;
    let status: String = row.try_get("status")?;
    Ok(Problem {
        id: row.try_get("id")?,
        class: ProblemClass::parse(&class).ok_or(StoreError::CorruptValue {
            column: "class",
            value: class,
        })?,
        title: row.try_get("title")?,
        description: row.try_get("description")?,
        source: row.try_get("source")?,
        source_key: row.try_get("source_key")?,
        status: ProblemStatus::parse(&status).ok_or(StoreError::CorruptValue {
            column: "status",
            value: status,
        })?,
        owner: row.try_get("owner")?,
        goal_id: row.try_get("goal_id")?,
        created_by: row.try_get("created_by")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

const COLUMNS: &str = "CAST(id AS BIGINT) AS id, class, title, description, source, source_key, \
                       status, owner, goal_id, created_by, created_at, updated_at";

impl Store {
    /// Records a problem (status open) and audits it; its id. A suggestion accepted twice (two
    /// managers at once) is recorded once: the second gets the first one's id.
    pub async fn add_problem(&self, problem: &Problem, actor: &Actor, now_ms: i64) -> Result<i64> {
        let mut transaction = self.begin_write().await?;
        let id = insert_problem(&mut transaction, problem, actor, now_ms).await?;
        transaction.commit().await?;
        match id {
            Some(id) => Ok(id),
            None => self.problem_with_source(&problem.source_key).await,
        }
    }

    /// The id of the problem recorded from `source_key`.
    pub(crate) async fn problem_with_source(&self, source_key: &str) -> Result<i64> {
        Ok(
            sqlx::query_scalar("SELECT CAST(id AS BIGINT) FROM problems WHERE source_key = $1")
                .bind(source_key)
                .fetch_one(&self.pool)
                .await?,
        )
    }

    /// Every problem, open ones first (by status order), newest first within.
    pub async fn problems(&self) -> Result<Vec<Problem>> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM problems ORDER BY updated_at DESC, id DESC"
        )))
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(problem_of)
        .collect()
    }

    /// One problem.
    pub async fn problem(&self, id: i64) -> Result<Option<Problem>> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM problems WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .as_ref()
        .map(problem_of)
        .transpose()
    }

    /// Moves a problem from `from` to `to`, sets its owner and goal, and in the same
    /// transaction schedules `checks` (when it is closed) or cancels the pending checks (when
    /// it leaves `closed`); audited. `false` when it was no longer at `from` (someone moved it
    /// meanwhile).
    #[allow(clippy::too_many_arguments)]
    pub async fn move_problem(
        &self,
        id: i64,
        from: ProblemStatus,
        to: ProblemStatus,
        owner: &str,
        goal_id: Option<i64>,
        checks: &[NewCheck],
        actor: &Actor,
        now_ms: i64,
    ) -> Result<bool> {
        let mut transaction = self.begin_write().await?;
        let changed = sqlx::query(
            "UPDATE problems SET status = $1, owner = $2, goal_id = $3, updated_at = $4 \
             WHERE id = $5 AND status = $6",
        )
        .bind(to.name())
        .bind(owner)
        .bind(goal_id)
        .bind(now_ms)
        .bind(id)
        .bind(from.name())
        .execute(&mut *transaction)
        .await?
        .rows_affected();
        if changed == 0 {
            return Ok(false);
        }
        if from == ProblemStatus::Closed && to != ProblemStatus::Closed {
            crate::improvement::cancel_pending_checks(&mut transaction, id).await?;
        }
        for check in checks {
            crate::improvement::insert_check(&mut transaction, id, check).await?;
        }
        audit(
            &mut transaction,
            actor,
            now_ms,
            if to == ProblemStatus::Reopened {
                "reopen"
            } else {
                "update"
            },
            "problem",
            &id.to_string(),
            &serde_json::json!({"from": from.name(), "to": to.name(), "owner": owner,
                "goal_id": goal_id, "checks": checks.len()})
            .to_string(),
        )
        .await?;
        transaction.commit().await?;
        Ok(true)
    }

    /// Dismisses a suggestion so it is not offered again; audited.
    pub async fn dismiss_suggestion(&self, key: &str, actor: &Actor, now_ms: i64) -> Result<()> {
        let mut transaction = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO problem_dismissals (source_key, dismissed_by, dismissed_at) \
             VALUES ($1, $2, $3) ON CONFLICT (source_key) DO NOTHING",
        )
        .bind(key)
        .bind(actor.name.as_str())
        .bind(now_ms)
        .execute(&mut *transaction)
        .await?;
        audit(
            &mut transaction,
            actor,
            now_ms,
            "dismiss",
            "problem_suggestion",
            key,
            "{}",
        )
        .await?;
        transaction.commit().await?;
        Ok(())
    }

    /// The suggestion keys already accepted or dismissed.
    pub async fn handled_suggestions(&self) -> Result<Vec<String>> {
        Ok(sqlx::query_scalar(
            "SELECT source_key FROM problems WHERE source_key <> '' \
             UNION SELECT source_key FROM problem_dismissals",
        )
        .fetch_all(&self.pool)
        .await?)
    }
}

impl Store {
    /// A problem's root-cause analysis (JSON of `servq_core::RootCauseAnalysis`), if recorded.
    pub async fn problem_analysis(&self, problem_id: i64) -> Result<Option<String>> {
        Ok(
            sqlx::query_scalar("SELECT analysis FROM problem_analyses WHERE problem_id = $1")
                .bind(problem_id)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    /// Replaces a problem's root-cause analysis; audited.
    pub async fn save_problem_analysis(
        &self,
        problem_id: i64,
        analysis: &str,
        actor: &Actor,
        now_ms: i64,
    ) -> Result<()> {
        let mut transaction = self.begin_write().await?;
        sqlx::query("DELETE FROM problem_analyses WHERE problem_id = $1")
            .bind(problem_id)
            .execute(&mut *transaction)
            .await?;
        sqlx::query(
            "INSERT INTO problem_analyses (problem_id, analysis, updated_by, updated_at) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(problem_id)
        .bind(analysis)
        .bind(actor.name.as_str())
        .bind(now_ms)
        .execute(&mut *transaction)
        .await?;
        sqlx::query("UPDATE problems SET updated_at = $1 WHERE id = $2")
            .bind(now_ms)
            .bind(problem_id)
            .execute(&mut *transaction)
            .await?;
        audit(
            &mut transaction,
            actor,
            now_ms,
            "analyse",
            "problem",
            &problem_id.to_string(),
            analysis,
        )
        .await?;
        transaction.commit().await?;
        Ok(())
    }
}

/// Records `problem` (status open) inside `connection`'s transaction and audits it; its id, or
/// `None` when a problem from the same `source_key` exists (the unique index on source_key makes
/// a second accept of one suggestion a no-op, even in a transaction that began before the first
/// one committed).
pub(crate) async fn insert_problem(
    connection: &mut sqlx::AnyConnection,
    problem: &Problem,
    actor: &Actor,
    now_ms: i64,
) -> Result<Option<i64>> {
    let id: Option<i64> = sqlx::query_scalar(
        "INSERT INTO problems (class, title, description, source, source_key, status, owner, \
         goal_id, created_by, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, 'open', $6, $7, $8, $9, $9) \
         ON CONFLICT DO NOTHING RETURNING CAST(id AS BIGINT)",
    )
    .bind(problem.class.name())
    .bind(problem.title.as_str())
    .bind(problem.description.as_str())
    .bind(problem.source.as_str())
    .bind(problem.source_key.as_str())
    .bind(problem.owner.as_str())
    .bind(problem.goal_id)
    .bind(actor.name.as_str())
    .bind(now_ms)
    .fetch_optional(&mut *connection)
    .await?;
    if let Some(id) = id {
        audit(
            connection,
            actor,
            now_ms,
            "create",
            "problem",
            &id.to_string(),
            &serde_json::json!({"class": problem.class.name(), "title": problem.title,
                "source": problem.source_key})
            .to_string(),
        )
        .await?;
    }
    Ok(id)
}
