//! Action-plan tasks (`docs/problems.md#tasks`): a task under a problem or a goal with an owner
//! and a due date; the owner is told when it is assigned and each morning it is overdue; the
//! briefing lists the overdue ones.

use anyhow::Result;
use jiff::civil::Date;
use serde_json::{Value, json};
use servq_core::{SettingProblem, SettingReason};
use servq_store::{Actor, Store, Task, TaskComment, TaskStatus};

use crate::{SettingError, now_ms};

/// A task to set.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TaskRequest {
    /// What to do.
    pub title: String,
    /// Who does it (a username).
    pub owner: String,
    /// By when, YYYY-MM-DD.
    pub due: String,
    /// The problem it serves.
    pub problem_id: Option<i64>,
    /// The goal it serves.
    pub goal_id: Option<i64>,
}

/// Sets a task; its id. Refused with every problem named: no title, an owner who is not a user,
/// a bad date, no parent or an unknown one.
pub async fn add(store: &Store, request: &TaskRequest, actor: &Actor) -> Result<i64, SettingError> {
    let mut problems = Vec::new();
    if request.title.trim().is_empty() {
        problems.push(SettingProblem::new("title", SettingReason::Required));
    }
    let owner = request.owner.trim();
    let users = store.users().await?;
    if !users.iter().any(|u| u.username == owner) {
        problems.push(SettingProblem::new(
            "owner",
            SettingReason::Unknown(owner.to_owned()),
        ));
    }
    if request.due.trim().parse::<Date>().is_err() {
        problems.push(SettingProblem::new(
            "due",
            SettingReason::Other(format!(
                "'{}' is not a date like 2026-12-01",
                request.due.trim()
            )),
        ));
    }
    match (request.problem_id, request.goal_id) {
        (None, None) => problems.push(SettingProblem::new("problem_id", SettingReason::Required)),
        (Some(id), _) if store.problem(id).await?.is_none() => problems.push(SettingProblem::new(
            "problem_id",
            SettingReason::Unknown(id.to_string()),
        )),
        (_, Some(id)) if !store.goals().await?.iter().any(|g| g.id == id) => problems.push(
            SettingProblem::new("goal_id", SettingReason::Unknown(id.to_string())),
        ),
        _ => {}
    }
    if !problems.is_empty() {
        return Err(SettingError::Refused(problems));
    }
    let task = Task {
        id: 0,
        problem_id: request.problem_id,
        goal_id: request.goal_id,
        title: request.title.trim().to_owned(),
        owner: owner.to_owned(),
        due: request.due.trim().to_owned(),
        status: TaskStatus::Open,
        evidence: String::new(),
        created_by: actor.name.clone(),
    };
    Ok(store.add_task(&task, actor, now_ms()).await?)
}

/// Marks task `id` done or cancelled (or open again) with `evidence`. The owner or a manager
/// may; the caller checks who.
pub async fn finish(
    store: &Store,
    id: i64,
    status: &str,
    evidence: &str,
    actor: &Actor,
) -> Result<Task, SettingError> {
    let Some(status) = TaskStatus::parse(status) else {
        return Err(SettingError::Refused(vec![SettingProblem::new(
            "status",
            SettingReason::Unknown(status.to_owned()),
        )]));
    };
    store
        .finish_task(id, status, evidence.trim(), actor, now_ms())
        .await?;
    store.task(id).await?.ok_or_else(|| {
        SettingError::Refused(vec![SettingProblem::new(
            "id",
            SettingReason::Unknown(id.to_string()),
        )])
    })
}

/// The longest comment kept, in characters.
pub const MAX_COMMENT_CHARS: usize = 4000;

/// Comments on task `id`; the comment's id. The owner is told unless they wrote it. Refused
/// when empty, longer than [`MAX_COMMENT_CHARS`] or the task is unknown; who may comment (the
/// owner or a manager) is the caller's check.
pub async fn comment(
    store: &Store,
    id: i64,
    body: &str,
    actor: &Actor,
) -> Result<i64, SettingError> {
    let body = body.trim();
    let refuse = |field: &'static str, reason: SettingReason| {
        SettingError::Refused(vec![SettingProblem::new(field, reason)])
    };
    if store.task(id).await?.is_none() {
        return Err(refuse("id", SettingReason::Unknown(id.to_string())));
    }
    if body.is_empty() {
        return Err(refuse("body", SettingReason::Required));
    }
    if body.chars().count() > MAX_COMMENT_CHARS {
        return Err(refuse(
            "body",
            SettingReason::Coded {
                code: "too_long",
                values: vec![("max", MAX_COMMENT_CHARS.to_string())],
                english: format!("a comment is at most {MAX_COMMENT_CHARS} characters"),
            },
        ));
    }
    Ok(store.add_task_comment(id, body, actor, now_ms()).await?)
}

/// A task's comments as JSON.
pub fn comments_json(comments: &[TaskComment], task_id: i64) -> Value {
    comments
        .iter()
        .filter(|c| c.task_id == task_id)
        .map(|c| {
            json!({
                "id": c.id,
                "author": c.author,
                "body": c.body,
                "created_at": crate::rfc3339(c.created_at),
            })
        })
        .collect()
}

/// The open tasks due before `today`, by due date.
pub async fn overdue(store: &Store, today: Date) -> Result<Vec<Task>> {
    let today = today.to_string();
    Ok(store
        .tasks()
        .await?
        .into_iter()
        .filter(|t| t.status == TaskStatus::Open && t.due < today)
        .collect())
}

/// A task as JSON.
pub fn task_json(task: &Task, today: Date) -> Value {
    json!({
        "id": task.id,
        "title": task.title,
        "owner": task.owner,
        "due": task.due,
        "status": task.status.name(),
        "overdue": task.status == TaskStatus::Open && task.due < today.to_string(),
        "problem_id": task.problem_id,
        "goal_id": task.goal_id,
        "evidence": task.evidence,
        "created_by": task.created_by,
    })
}
