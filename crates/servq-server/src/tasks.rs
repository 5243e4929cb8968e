//! Action-plan tasks over HTTP: `GET/POST /api/v1/tasks`, `PUT /api/v1/tasks/{id}` and the
//! `/tasks` page. Managers (ManageTargets) set tasks and see all; everyone sees and finishes the
//! tasks they own.

use askama::Template;
use axum::{
    Json,
    extract::{Path, State, rejection::JsonRejection, rejection::PathRejection},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Redirect, Response},
};
use serde::Deserialize;
use serde_json::{Value, json};
use servq_app::i18n::t;
use servq_app::tasks::{self as app, TaskRequest};
use servq_core::Permission;
use servq_store::{Task, TaskStatus};

use crate::{
    AppState, Problem,
    auth::CurrentUser,
    pages::{Text, render, signed_in_header},
    query_params::today,
};

/// `POST /api/v1/tasks`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub(crate) struct TaskBody {
    /// What to do.
    title: String,
    /// Who does it (a username).
    owner: String,
    /// By when, YYYY-MM-DD.
    due: String,
    /// The problem it serves (or `goal_id`).
    #[serde(default)]
    problem_id: Option<i64>,
    /// The goal it serves.
    #[serde(default)]
    goal_id: Option<i64>,
}

/// `PUT /api/v1/tasks/{id}`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub(crate) struct FinishBody {
    /// open, done or cancelled.
    status: String,
    /// What was done.
    #[serde(default)]
    evidence: String,
}

/// `POST /api/v1/tasks/{id}/comments`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub(crate) struct CommentBody {
    /// The comment (at most 4000 characters).
    body: String,
}

/// `/tasks?problem=ID`: the form's parent chosen.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct TasksQuery {
    problem: Option<String>,
    goal: Option<String>,
}

/// The tasks `user` may see: all for managers, else their own.
fn visible(user: &CurrentUser, tasks: Vec<Task>) -> Vec<Task> {
    if user.user.role.allows(Permission::ManageTargets) {
        return tasks;
    }
    tasks
        .into_iter()
        .filter(|t| t.owner == user.user.username)
        .collect()
}

/// `GET /api/v1/tasks`: the tasks I may see, by due date.
#[utoipa::path(get, path = "/api/v1/tasks", tag = "problems",
    responses((status = 200, description = "tasks: [{id, title, owner, due, status, overdue, problem_id, goal_id, evidence, created_by}]", body = Object),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Json<Value>, Problem> {
    user.require(Permission::ViewOwnKpis)?;
    let (_, zone) = state.centre_zone().await?;
    let day = today(&zone);
    let tasks = visible(&user, state.store.tasks().await.map_err(Problem::internal)?);
    let comments = state
        .store
        .task_comments(None)
        .await
        .map_err(Problem::internal)?;
    Ok(Json(json!({ "tasks": tasks.iter().map(|t| {
        let mut task = app::task_json(t, day);
        task["comments"] = app::comments_json(&comments, t.id);
        task
    }).collect::<Vec<_>>() })))
}

/// `POST /api/v1/tasks/{id}/comments`: the owner or a manager comments; the owner is told
/// (unless they wrote it). 201 with the task's comments.
#[utoipa::path(post, path = "/api/v1/tasks/{id}/comments", tag = "problems", request_body = CommentBody,
    params(("id" = i64, Path, description = "Task id")),
    responses((status = 201, description = "comments: [{id, author, body, created_at}]", body = Object),
        (status = 400, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 404, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 415, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 422, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn comment(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    id: Result<Path<i64>, PathRejection>,
    body: Result<Json<CommentBody>, JsonRejection>,
) -> Result<Response, Problem> {
    user.require(Permission::ViewOwnKpis)?;
    user.check_csrf_header(&headers)?;
    let Path(id) = id.map_err(|_| Problem::not_found(user.locale))?;
    let Json(body) = body?;
    let task = state
        .store
        .task(id)
        .await
        .map_err(Problem::internal)?
        .ok_or_else(|| Problem::not_found(user.locale))?;
    if task.owner != user.user.username {
        user.require(Permission::ManageTargets)?;
    }
    app::comment(&state.store, id, &body.body, &user.actor())
        .await
        .map_err(|e| Problem::refused_setting(user.locale, "bad_comment", e))?;
    servq_app::notifications::pass(&state.store, servq_app::now_ms())
        .await
        .map_err(Problem::internal)?;
    let comments = state
        .store
        .task_comments(Some(id))
        .await
        .map_err(Problem::internal)?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "comments": app::comments_json(&comments, id) })),
    )
        .into_response())
}

/// `POST /api/v1/tasks`: sets a task; its owner is told. 201 with it.
#[utoipa::path(post, path = "/api/v1/tasks", tag = "problems", request_body = TaskBody,
    responses((status = 201, description = "The task", body = Object),
        (status = 400, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 415, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 422, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn add(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    body: Result<Json<TaskBody>, JsonRejection>,
) -> Result<Response, Problem> {
    user.require(Permission::ManageTargets)?;
    user.check_csrf_header(&headers)?;
    let Json(body) = body?;
    let request = TaskRequest {
        title: body.title,
        owner: body.owner,
        due: body.due,
        problem_id: body.problem_id,
        goal_id: body.goal_id,
    };
    let id = app::add(&state.store, &request, &user.actor())
        .await
        .map_err(|e| Problem::refused_setting(user.locale, "bad_task", e))?;
    // the owner hears of it now, not at the next loop
    servq_app::notifications::pass(&state.store, servq_app::now_ms())
        .await
        .map_err(Problem::internal)?;
    let (_, zone) = state.centre_zone().await?;
    let task = state
        .store
        .task(id)
        .await
        .map_err(Problem::internal)?
        .ok_or_else(|| Problem::internal("the new task is gone"))?;
    Ok((
        StatusCode::CREATED,
        Json(app::task_json(&task, today(&zone))),
    )
        .into_response())
}

/// `PUT /api/v1/tasks/{id}`: the owner or a manager marks a task done, cancelled or open.
#[utoipa::path(put, path = "/api/v1/tasks/{id}", tag = "problems", request_body = FinishBody,
    params(("id" = i64, Path, description = "Task id")),
    responses((status = 200, description = "The task", body = Object),
        (status = 400, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 404, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 415, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 422, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn finish(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    id: Result<Path<i64>, PathRejection>,
    body: Result<Json<FinishBody>, JsonRejection>,
) -> Result<Json<Value>, Problem> {
    user.require(Permission::ViewOwnKpis)?;
    user.check_csrf_header(&headers)?;
    let Path(id) = id.map_err(|_| Problem::not_found(user.locale))?;
    let Json(body) = body?;
    let task = state
        .store
        .task(id)
        .await
        .map_err(Problem::internal)?
        .ok_or_else(|| Problem::not_found(user.locale))?;
    if task.owner != user.user.username {
        user.require(Permission::ManageTargets)?;
    }
    let task = app::finish(
        &state.store,
        id,
        &body.status,
        &body.evidence,
        &user.actor(),
    )
    .await
    .map_err(|e| Problem::refused_setting(user.locale, "bad_task", e))?;
    let (_, zone) = state.centre_zone().await?;
    Ok(Json(app::task_json(&task, today(&zone))))
}

/// A task on the page.
pub(crate) struct TaskRow {
    id: i64,
    title: String,
    owner: String,
    due: String,
    overdue: bool,
    status: String,
    status_code: &'static str,
    parent: String,
    can_finish: bool,
    evidence: String,
    /// (author, when, text)
    comments: Vec<(String, String, String)>,
    can_comment: bool,
}

/// `/tasks`.
#[derive(Template)]
#[template(path = "tasks.html")]
pub(crate) struct TasksPage {
    i18n: Text,
    title: String,
    header: String,
    csrf: String,
    can_edit: bool,
    rows: Vec<TaskRow>,
    /// (id, title) of the problems and goals a task can serve.
    problems: Vec<(i64, String)>,
    goals: Vec<(i64, String)>,
    users: Vec<String>,
    due: String,
    /// The form's parent, `problem:ID` or `goal:ID`, from the query.
    chosen: String,
}

/// `GET /tasks`.
pub(crate) async fn page(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    query: Result<axum::extract::Query<TasksQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, Problem> {
    let query = query.map(|q| q.0).unwrap_or_default();
    let Some(user) = user else {
        return Ok(Redirect::to("/login").into_response());
    };
    user.require(Permission::ViewOwnKpis)?;
    let locale = user.locale;
    let (_, zone) = state.centre_zone().await?;
    let day = today(&zone);
    let store = &state.store;
    let problems: Vec<(i64, String)> = store
        .problems()
        .await
        .map_err(Problem::internal)?
        .into_iter()
        .filter(|p| p.status.is_open())
        .map(|p| (p.id, p.title))
        .collect();
    let goals: Vec<(i64, String)> = store
        .goals()
        .await
        .map_err(Problem::internal)?
        .into_iter()
        .map(|g| (g.id, g.name))
        .collect();
    let can_edit = user.user.role.allows(Permission::ManageTargets);
    let comments = store.task_comments(None).await.map_err(Problem::internal)?;
    let rows = visible(&user, store.tasks().await.map_err(Problem::internal)?)
        .into_iter()
        .map(|task| {
            let parent = match (task.problem_id, task.goal_id) {
                (Some(id), _) => format!(
                    "{} · {}",
                    t(locale, "tasks.problem"),
                    problems
                        .iter()
                        .find(|(p, _)| *p == id)
                        .map_or(id.to_string(), |(_, title)| title.clone())
                ),
                (_, Some(id)) => format!(
                    "{} · {}",
                    t(locale, "tasks.goal"),
                    goals
                        .iter()
                        .find(|(g, _)| *g == id)
                        .map_or(id.to_string(), |(_, name)| name.clone())
                ),
                _ => String::new(),
            };
            let own = task.owner == user.user.username;
            TaskRow {
                comments: comments
                    .iter()
                    .filter(|c| c.task_id == task.id)
                    .map(|c| {
                        (
                            c.author.clone(),
                            crate::desk_pages::local_time(&zone, Some(c.created_at)),
                            c.body.clone(),
                        )
                    })
                    .collect(),
                can_comment: can_edit || own,
                evidence: task.evidence.clone(),
                id: task.id,
                overdue: task.status == TaskStatus::Open && task.due < day.to_string(),
                status: t(locale, &format!("tasks.status_{}", task.status.name())),
                status_code: task.status.name(),
                can_finish: task.status == TaskStatus::Open
                    && (can_edit || task.owner == user.user.username),
                title: task.title,
                owner: task.owner,
                due: task.due,
                parent,
            }
        })
        .collect();
    let users = if can_edit {
        store
            .users()
            .await
            .map_err(Problem::internal)?
            .into_iter()
            .map(|u| u.username)
            .collect()
    } else {
        Vec::new()
    };
    let page = TasksPage {
        i18n: Text::new(locale),
        title: t(locale, "tasks.title"),
        header: signed_in_header(&user),
        csrf: user.csrf_token().to_owned(),
        can_edit,
        rows,
        problems,
        goals,
        users,
        due: crate::query_params::add_days(day, 14).to_string(),
        chosen: match (&query.problem, &query.goal) {
            (Some(id), _) => format!("problem:{}", id.trim()),
            (_, Some(id)) => format!("goal:{}", id.trim()),
            _ => String::new(),
        },
    };
    Ok(render(&page)?.into_response())
}
