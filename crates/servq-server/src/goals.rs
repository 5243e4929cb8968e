//! SMART goals over HTTP: `GET/POST /api/v1/goals` and the `/goals` page (every goal with its
//! baseline, current value, target, progress, status and signal; a form to set one). The rules
//! live in `servq_app::goals`; an agent sees only the goals set on them.

use askama::Template;
use axum::{
    Json,
    extract::{Query, State, rejection::JsonRejection, rejection::QueryRejection},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Redirect, Response},
};
use serde::Deserialize;
use serde_json::{Value, json};
use servq_app::goals::{self as app, DEFAULT_WINDOW_DAYS, GoalProgress, GoalRequest};
use servq_app::i18n::{Locale, t};
use servq_core::Permission;
use servq_kpi::{Dimension, METRICS, TargetScope, Unit};

use crate::{
    AppState, Problem,
    auth::CurrentUser,
    dashboard::show,
    pages::{AgentNames, Text, render, signed_in_header},
};

/// `GET /api/v1/goals` parameters.
#[derive(Debug, Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct GoalsParams {
    /// The day the goals are judged on (YYYY-MM-DD, centre zone); default today.
    as_of: Option<String>,
    /// Days the current value is measured over, ending the day before `as_of` (default 28).
    window_days: Option<i64>,
}

/// A goal to set (`POST /api/v1/goals`).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub(crate) struct GoalBody {
    /// A name; default the metric and the target.
    #[serde(default)]
    name: String,
    /// A `servq kpi` metric.
    metric: String,
    /// `{}` for the centre, or one of `{"queue": …}`, `{"team": …}`, `{"agent": …}`.
    #[serde(default)]
    filter: std::collections::BTreeMap<String, String>,
    /// The target in `servq kpi` JSON units (or `relative`).
    #[serde(default)]
    target: Option<f64>,
    /// A change relative to the baseline (−0.3 = −30 %).
    #[serde(default)]
    relative: Option<f64>,
    /// YYYY-MM-DD.
    deadline: String,
    /// YYYY-MM-DD.
    baseline_from: String,
    /// YYYY-MM-DD.
    baseline_to: String,
}

/// The goals `user` may see: all of them with ViewAllKpis, else those set on their agent id.
fn visible(user: &CurrentUser, goals: Vec<GoalProgress>) -> Vec<GoalProgress> {
    if user.user.role.allows(Permission::ViewAllKpis) {
        return goals;
    }
    let own = user.user.agent_id.clone().unwrap_or_default();
    goals
        .into_iter()
        .filter(|g| {
            g.goal.scope == TargetScope::Agent && g.goal.scope_value == own && !own.is_empty()
        })
        .collect()
}

async fn judged(
    state: &AppState,
    user: &CurrentUser,
    as_of: Option<&str>,
    window_days: Option<i64>,
) -> Result<(jiff::civil::Date, Vec<GoalProgress>), Problem> {
    let as_of = match as_of.map(str::trim).filter(|t| !t.is_empty()) {
        Some(text) => crate::query_params::parse_date(user.locale, text)?,
        None => {
            let (_, zone) = state.centre_zone().await?;
            crate::query_params::today(&zone)
        }
    };
    let window = window_days.unwrap_or(DEFAULT_WINDOW_DAYS);
    if !(1..=366).contains(&window) {
        return Err(Problem::bad_request(
            user.locale,
            "bad_window",
            format!("window_days must be 1 to 366, not {window}"),
        ));
    }
    let goals = app::progress_on(&state.store, as_of, window)
        .await
        .map_err(Problem::internal)?;
    Ok((as_of, visible(user, goals)))
}

/// `GET /api/v1/goals`: how each goal stands (the `servq goals list --format json` contract).
#[utoipa::path(get, path = "/api/v1/goals", tag = "goals", params(GoalsParams),
    responses((status = 200, description = "goals: [{id, name, metric, filter, baseline, baseline_from, baseline_to, target, relative, deadline, created, window: {from, to}, current, progress, status, signal}]", body = Object),
        (status = 400, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    params: Result<Query<GoalsParams>, QueryRejection>,
) -> Result<Json<Value>, Problem> {
    user.require(Permission::ViewOwnKpis)?;
    let Query(params) = params?;
    let (_, goals) = judged(&state, &user, params.as_of.as_deref(), params.window_days).await?;
    Ok(Json(json!({
        "goals": goals.iter().map(app::goal_json).collect::<Vec<_>>(),
    })))
}

/// `POST /api/v1/goals`: sets a goal (its baseline computed now); 201 `{"id"}`. Refused with
/// every problem named (400 bad_goal).
#[utoipa::path(post, path = "/api/v1/goals", tag = "goals", request_body = GoalBody,
    responses((status = 201, description = "{id}", body = Object),
        (status = 400, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 415, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 422, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn add(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    body: Result<Json<GoalBody>, JsonRejection>,
) -> Result<Response, Problem> {
    user.require(Permission::ManageTargets)?;
    user.check_csrf_header(&headers)?;
    let Json(body) = body?;
    let mut filter = Vec::new();
    for (name, value) in &body.filter {
        let dimension = [Dimension::Queue, Dimension::Team, Dimension::Agent]
            .into_iter()
            .find(|d| d.name() == name.trim())
            .ok_or_else(|| {
                Problem::bad_request(
                    user.locale,
                    "bad_goal",
                    format!("filter '{name}' is not one of queue, team, agent"),
                )
            })?;
        filter.push((dimension, vec![value.trim().to_owned()]));
    }
    let request = GoalRequest {
        name: body.name,
        metric: body.metric,
        filter,
        target: body.target,
        relative: body.relative,
        deadline: body.deadline,
        baseline_from: body.baseline_from,
        baseline_to: body.baseline_to,
    };
    let id = app::add(&state.store, &request, &user.actor())
        .await
        .map_err(|error| Problem::refused_setting(user.locale, "bad_goal", error))?;
    Ok((StatusCode::CREATED, Json(json!({ "id": id }))).into_response())
}

/// A goal on the page.
pub(crate) struct GoalRow {
    name: String,
    metric: String,
    scope: String,
    baseline: String,
    current: String,
    target: String,
    deadline: String,
    /// Progress in percent for the meter (0–100) and as text.
    meter: f64,
    progress: String,
    status: String,
    status_code: String,
    signal: String,
}

/// `/goals`.
#[derive(Template)]
#[template(path = "goals.html")]
pub(crate) struct GoalsPage {
    i18n: Text,
    title: String,
    header: String,
    csrf: String,
    can_edit: bool,
    rows: Vec<GoalRow>,
    as_of: String,
    metrics: Vec<(&'static str, String)>,
    scope_values: Vec<String>,
    ratio_metrics: String,
    baseline_from: String,
    baseline_to: String,
    deadline: String,
}

fn scope_text(locale: Locale, scope: TargetScope, value: &str, names: &AgentNames) -> String {
    let name = t(locale, &format!("targets.scope_{}", scope.name()));
    match scope {
        TargetScope::Centre => name,
        TargetScope::Agent => format!("{name} · {}", names.label(value)),
        _ => format!("{name} · {value}"),
    }
}

/// `GET /goals`.
pub(crate) async fn page(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    query: Result<Query<GoalsParams>, QueryRejection>,
) -> Result<Response, Problem> {
    let Some(user) = user else {
        return Ok(Redirect::to("/login").into_response());
    };
    user.require(Permission::ViewOwnKpis)?;
    let Query(query) = query?;
    let locale = user.locale;
    let (as_of, goals) = judged(&state, &user, query.as_of.as_deref(), query.window_days).await?;
    let names = AgentNames::load(&state).await?;
    let rows = goals
        .iter()
        .map(|g| {
            let metric = g.goal.metric.as_str();
            let target = match g.goal.relative {
                Some(relative) => format!(
                    "{} ({:+.0}%)",
                    show(metric, Some(g.goal.target)),
                    relative * 100.0
                ),
                None => show(metric, Some(g.goal.target)),
            };
            let status_code = g.status.map_or("none", |s| s.name()).to_owned();
            GoalRow {
                name: g.goal.name.clone(),
                metric: t(locale, &format!("kpi.{metric}")),
                scope: scope_text(locale, g.goal.scope, &g.goal.scope_value, &names),
                baseline: show(metric, g.goal.baseline),
                current: show(metric, g.current),
                target,
                deadline: g.goal.deadline.clone(),
                meter: g.progress.map_or(0.0, |p| (p * 100.0).clamp(0.0, 100.0)),
                progress: g
                    .progress
                    .map_or("—".into(), |p| format!("{:.0}%", p * 100.0)),
                status: t(locale, &format!("goals.status_{status_code}")),
                status_code,
                signal: t(
                    locale,
                    match g.signal {
                        Some(true) => "goals.signal_yes",
                        Some(false) => "goals.signal_no",
                        None => "goals.signal_none",
                    },
                ),
            }
        })
        .collect();
    let mut scope_values: Vec<String> = Vec::new();
    for dimension in [Dimension::Queue, Dimension::Team, Dimension::Agent] {
        scope_values.extend(
            state
                .store
                .dimension_values(dimension)
                .await
                .map_err(Problem::internal)?,
        );
    }
    scope_values.sort_by_key(|v| crate::pages::natural_key(v));
    scope_values.dedup();
    let add_days = crate::query_params::add_days;
    let page = GoalsPage {
        i18n: Text::new(locale),
        title: t(locale, "goals.title"),
        header: signed_in_header(&user),
        csrf: user.csrf_token().to_owned(),
        can_edit: user.user.role.allows(Permission::ManageTargets),
        rows,
        as_of: as_of.to_string(),
        metrics: METRICS
            .iter()
            .map(|m| (m.name, t(locale, &format!("kpi.{}", m.name))))
            .collect(),
        scope_values,
        ratio_metrics: METRICS
            .iter()
            .filter(|m| m.unit == Unit::Ratio)
            .map(|m| m.name)
            .collect::<Vec<_>>()
            .join(","),
        baseline_from: add_days(as_of, -28).to_string(),
        baseline_to: add_days(as_of, -1).to_string(),
        deadline: add_days(as_of, 90).to_string(),
    };
    Ok(render(&page)?.into_response())
}
