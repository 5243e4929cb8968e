//! Action-plan tasks of the improvement loop: a task under a problem or a goal, with an owner
//! and a due date; assigning it and each day it is overdue leave an audit entry that tells the
//! owner (the notification pass reads them).

use sqlx::Row;

use crate::{Actor, Result, Store, StoreError, users::audit};

/// Where a task stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskStatus {
    /// To do.
    Open,
    /// Done.
    Done,
    /// No longer needed.
    Cancelled,
}

impl TaskStatus {
    /// Every status.
    pub const ALL: [TaskStatus; 3] = [TaskStatus::Open, TaskStatus::Done, TaskStatus::Cancelled];

    /// The stored name.
    pub fn name(self) -> &'static str {
        match self {
            TaskStatus::Open => "open",
            TaskStatus::Done => "done",
            TaskStatus::Cancelled => "cancelled",
        }
    }

    /// The status called `name`.
    pub fn parse(name: &str) -> Option<TaskStatus> {
        TaskStatus::ALL
            .into_iter()
            .find(|s| s.name() == name.trim())
    }
}

/// A task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Task {
    /// Row id (0 for a new one).
    pub id: i64,
    /// The problem it serves, if any.
    pub problem_id: Option<i64>,
    /// The goal it serves, if any.
    pub goal_id: Option<i64>,
    /// What to do.
    pub title: String,
    /// Who does it (a username).
    pub owner: String,
    /// By when (YYYY-MM-DD).
    pub due: String,
    /// Open, done or cancelled.
    pub status: TaskStatus,
    /// What was done, or the evidence it worked.
    pub evidence: String,
    /// Who set it.
    pub created_by: String,
}

const COLUMNS: &str = "CAST(id AS BIGINT) AS id, problem_id, goal_id, title, owner, due, status, \
                       evidence, created_by";

fn task_of(row: &sqlx::any::AnyRow) -> Result<Task> {
    let status: String = row.try_get("status")?;
    Ok(Task {
        id: row.try_get("id")?,
        problem_id: row.try_get("problem_id")?,
        goal_id: row.try_get("goal_id")?,
        title: row.try_get("title")?,
        owner: row.try_get("owner")?,
        due: row.try_get("due")?,
        status: TaskStatus::parse(&status).ok_or(StoreError::CorruptValue {
            column: "status",
            value: status,
        })?,
        evidence: row.try_get("evidence")?,
        created_by: row.try_get("created_by")?,
    })
}

impl Store {
    /// Stores a task; the audit entry (`assign`) tells its owner. Its id.
    pub async fn add_task(&self, task: &Task, actor: &Actor, now_ms: i64) -> Result<i64> {
        let mut transaction = self.begin_write().await?;
        let id = insert_task(&mut transaction, task, actor, now_ms).await?;
        transaction.commit().await?;
        Ok(id)
    }

    /// Every task, by due date.
    pub async fn tasks(&self) -> Result<Vec<Task>> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM tasks ORDER BY due, id"
        )))
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(task_of)
        .collect()
    }

    /// One task.
    pub async fn task(&self, id: i64) -> Result<Option<Task>> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM tasks WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .as_ref()
        .map(task_of)
        .transpose()
    }

    /// Sets a task's status and evidence; audited.
    pub async fn finish_task(
        &self,
        id: i64,
        status: TaskStatus,
        evidence: &str,
        actor: &Actor,
        now_ms: i64,
    ) -> Result<()> {
        let mut transaction = self.begin_write().await?;
        sqlx::query("UPDATE tasks SET status = $1, evidence = $2, updated_at = $3 WHERE id = $4")
            .bind(status.name())
            .bind(evidence)
            .bind(now_ms)
            .bind(id)
            .execute(&mut *transaction)
            .await?;
        audit(
            &mut transaction,
            actor,
            now_ms,
            "update",
            "task",
            &id.to_string(),
            &serde_json::json!({"status": status.name()}).to_string(),
        )
        .await?;
        transaction.commit().await?;
        Ok(())
    }

    /// Leaves an `overdue` audit entry (which tells the owner) for each open task due before
    /// `today`; the number reminded.
    pub async fn remind_overdue_tasks(
        &self,
        today: &str,
        actor: &Actor,
        now_ms: i64,
    ) -> Result<usize> {
        let overdue: Vec<Task> = self
            .tasks()
            .await?
            .into_iter()
            .filter(|t| t.status == TaskStatus::Open && t.due.as_str() < today)
            .collect();
        let mut transaction = self.begin_write().await?;
        for task in &overdue {
            audit(
                &mut transaction,
                actor,
                now_ms,
                "overdue",
                "task",
                &task.id.to_string(),
                &serde_json::json!({"title": task.title, "owner": task.owner, "due": task.due})
                    .to_string(),
            )
            .await?;
        }
        transaction.commit().await?;
        Ok(overdue.len())
    }
}

/// Stores `task` inside `connection`'s transaction; the audit entry (`assign`) tells its owner.
/// Its id.
pub(crate) async fn insert_task(
    connection: &mut sqlx::AnyConnection,
    task: &Task,
    actor: &Actor,
    now_ms: i64,
) -> Result<i64> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO tasks (problem_id, goal_id, title, owner, due, status, evidence, \
         created_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, 'open', '', $6, $7, $7) \
         RETURNING CAST(id AS BIGINT)",
    )
    .bind(task.problem_id)
    .bind(task.goal_id)
    .bind(task.title.as_str())
    .bind(task.owner.as_str())
    .bind(task.due.as_str())
    .bind(actor.name.as_str())
    .bind(now_ms)
    .fetch_one(&mut *connection)
    .await?;
    audit(
        connection,
        actor,
        now_ms,
        "assign",
        "task",
        &id.to_string(),
        &serde_json::json!({"title": task.title, "owner": task.owner, "due": task.due}).to_string(),
    )
    .await?;
    Ok(id)
}

/// A comment on a task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskComment {
    /// Row id.
    pub id: i64,
    /// The task.
    pub task_id: i64,
    /// Who wrote it (a username).
    pub author: String,
    /// What they wrote.
    pub body: String,
    /// When, epoch ms.
    pub created_at: i64,
}

impl Store {
    /// The comments on task `task_id` (on every task when `None`), oldest first.
    pub async fn task_comments(&self, task_id: Option<i64>) -> Result<Vec<TaskComment>> {
        let rows = match task_id {
            Some(id) => {
                sqlx::query(
                    "SELECT CAST(id AS BIGINT) AS id, task_id, author, body, created_at \
                     FROM task_comments WHERE task_id = $1 ORDER BY id",
                )
                .bind(id)
                .fetch_all(&self.pool)
                .await?
            }
            None => {
                sqlx::query(
                    "SELECT CAST(id AS BIGINT) AS id, task_id, author, body, created_at \
                     FROM task_comments ORDER BY id",
                )
                .fetch_all(&self.pool)
                .await?
            }
        };
        rows.iter()
            .map(|row| {
                Ok(TaskComment {
                    id: row.try_get("id")?,
                    task_id: row.try_get("task_id")?,
                    author: row.try_get("author")?,
                    body: row.try_get("body")?,
                    created_at: row.try_get("created_at")?,
                })
            })
            .collect()
    }

    /// Adds a comment to a task; the audit entry (`comment`) tells the task's owner. Its id.
    pub async fn add_task_comment(
        &self,
        task_id: i64,
        body: &str,
        actor: &Actor,
        now_ms: i64,
    ) -> Result<i64> {
        let mut transaction = self.begin_write().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO task_comments (task_id, author, body, created_at) \
             VALUES ($1, $2, $3, $4) RETURNING CAST(id AS BIGINT)",
        )
        .bind(task_id)
        .bind(actor.name.as_str())
        .bind(body)
        .bind(now_ms)
        .fetch_one(&mut *transaction)
        .await?;
        sqlx::query("UPDATE tasks SET updated_at = $1 WHERE id = $2")
            .bind(now_ms)
            .bind(task_id)
            .execute(&mut *transaction)
            .await?;
        audit(
            &mut transaction,
            actor,
            now_ms,
            "comment",
            "task",
            &task_id.to_string(),
            &serde_json::json!({"author": actor.name, "comment": id}).to_string(),
        )
        .await?;
        transaction.commit().await?;
        Ok(id)
    }
}
