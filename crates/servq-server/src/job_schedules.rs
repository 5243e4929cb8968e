//! The background jobs over HTTP: `GET /api/v1/jobs` (every job, its schedule in effect and its
//! last periods) and `PUT /api/v1/jobs/{name}/schedule` (a scheduled job's cron pattern, or the
//! default back); the settings page edits the same. Both take ManageSettings.

use axum::{
    Json,
    extract::{Path, State, rejection::JsonRejection, rejection::PathRejection},
    http::HeaderMap,
};
use serde::Deserialize;
use serde_json::{Value, json};
use servq_app::jobs::{self, Job, JobSchedule, Schedule};
use servq_core::Permission;

use crate::{AppState, Problem, auth::CurrentUser};

/// `PUT /api/v1/jobs/{name}/schedule`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub(crate) struct ScheduleBody {
    /// A cron pattern (minute hour day-of-month month day-of-week) in the centre's zone, e.g.
    /// `30 8 * * 1-5`; null puts the default back.
    #[serde(default)]
    pattern: Option<String>,
}

/// A job's schedule as JSON, with its last periods.
async fn job_json(state: &AppState, schedule: &JobSchedule) -> Result<Value, Problem> {
    let runs = match schedule.default {
        Schedule::Cron { .. } => state
            .store
            .job_runs(schedule.job.name(), 5)
            .await
            .map_err(Problem::internal)?,
        Schedule::Every(_) => Vec::new(),
    };
    Ok(jobs::job_json(schedule, &runs))
}

/// `GET /api/v1/jobs`: every job with its schedule in effect and its last periods.
#[utoipa::path(get, path = "/api/v1/jobs", tag = "admin",
    responses((status = 200, description = "jobs: [{name, about, schedule, pattern, default_pattern, changed, catch_up, every_seconds, runs: [{period, status, started_at, finished_at, detail}]}]", body = Object),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Json<Value>, Problem> {
    user.require(Permission::ManageSettings)?;
    let mut out = Vec::new();
    for schedule in jobs::schedules(&state.store)
        .await
        .map_err(Problem::internal)?
    {
        out.push(job_json(&state, &schedule).await?);
    }
    Ok(Json(json!({ "jobs": out })))
}

/// `PUT /api/v1/jobs/{name}/schedule`: changes when a scheduled job runs; 200 with the job.
#[utoipa::path(put, path = "/api/v1/jobs/{name}/schedule", tag = "admin", request_body = ScheduleBody,
    params(("name" = String, Path, description = "The job's name")),
    responses((status = 200, description = "The job", body = Object),
        (status = 400, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 404, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 415, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 422, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn set_schedule(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    name: Result<Path<String>, PathRejection>,
    body: Result<Json<ScheduleBody>, JsonRejection>,
) -> Result<Json<Value>, Problem> {
    user.require(Permission::ManageSettings)?;
    user.check_csrf_header(&headers)?;
    let Path(name) = name.map_err(|_| Problem::not_found(user.locale))?;
    let job = Job::parse(&name).ok_or_else(|| Problem::not_found(user.locale))?;
    let Json(body) = body?;
    let schedule = jobs::set_schedule(&state.store, job, body.pattern.as_deref(), &user.actor())
        .await
        .map_err(|e| Problem::refused_setting(user.locale, "bad_schedule", e))?;
    Ok(Json(job_json(&state, &schedule).await?))
}
