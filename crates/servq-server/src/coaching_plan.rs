//! The monthly coaching plan over HTTP: `GET /api/v1/coaching-plan?month=YYYY-MM` and the
//! printable `/coaching-plan/{month}` page (`/coaching-plan` is the month before's). The rules
//! live in `servq_app::coaching_plan`; reading takes ViewAllKpis (managers and supervisors).

use askama::Template;
use axum::{
    Json,
    extract::{Path, Query, State, rejection::PathRejection, rejection::QueryRejection},
    response::{IntoResponse, Redirect, Response},
};
use serde::Deserialize;
use serde_json::Value;
use servq_app::coaching_plan as app;
use servq_app::i18n::{Locale, t};
use servq_app::monthly_report::Month;
use servq_core::Permission;

use crate::{
    AppState, Problem,
    auth::CurrentUser,
    pages::{Text, render, signed_in_header},
    query_params::today,
};

/// `GET /api/v1/coaching-plan` parameters.
#[derive(Debug, Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct PlanParams {
    /// The month (YYYY-MM); default the month before this one.
    month: Option<String>,
}

/// The month named `text` (YYYY-MM), or the month before today's.
async fn month(state: &AppState, locale: Locale, text: Option<&str>) -> Result<Month, Problem> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        Some(text) => Month::parse(text).ok_or_else(|| {
            Problem::bad_request(
                locale,
                "bad_month",
                t(locale, "reports.bad_month").replace("{month}", text),
            )
        }),
        None => {
            let (_, zone) = state.centre_zone().await?;
            Ok(Month::of(today(&zone)).previous())
        }
    }
}

/// `GET /api/v1/coaching-plan`: the agents to coach one to one over a month, with why and the
/// suggested topics, and the problems for group training.
#[utoipa::path(get, path = "/api/v1/coaching-plan", tag = "briefing", params(PlanParams),
    responses((status = 200, description = "{month, from, to, agents: [{agent_id, name, team, flags: [{metric, value, reference}], qa_problems, topics}], group_training}", body = Object),
        (status = 400, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn api(
    State(state): State<AppState>,
    user: CurrentUser,
    params: Result<Query<PlanParams>, QueryRejection>,
) -> Result<Json<Value>, Problem> {
    user.require(Permission::ViewAllKpis)?;
    let Query(params) = params?;
    let month = month(&state, user.locale, params.month.as_deref()).await?;
    let plan = app::plan(&state.store, month)
        .await
        .map_err(Problem::internal)?;
    Ok(Json(app::plan_json(&plan, user.locale)))
}

/// An agent of the plan on the page.
pub(crate) struct AgentRow {
    agent_id: String,
    name: String,
    team: String,
    /// (measure, value, reference)
    why: Vec<(String, String, String)>,
    topics: Vec<String>,
    card: String,
}

/// `/coaching-plan/{month}`.
#[derive(Template)]
#[template(path = "coaching_plan.html")]
pub(crate) struct PlanPage {
    i18n: Text,
    title: String,
    header: String,
    csrf: String,
    month: String,
    previous: String,
    next: String,
    rows: Vec<AgentRow>,
    group_training: Vec<String>,
}

/// `GET /coaching-plan`: the month before's plan.
pub(crate) async fn last_month_page(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
) -> Result<Response, Problem> {
    let Some(user) = user else {
        return Ok(Redirect::to("/login").into_response());
    };
    let month = month(&state, user.locale, None).await?;
    show(&state, &user, month).await
}

/// `GET /coaching-plan/{month}`.
pub(crate) async fn page(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    month_text: Result<Path<String>, PathRejection>,
) -> Result<Response, Problem> {
    let Some(user) = user else {
        return Ok(Redirect::to("/login").into_response());
    };
    let Path(text) = month_text.map_err(|_| Problem::not_found(user.locale))?;
    let month = month(&state, user.locale, Some(&text)).await?;
    show(&state, &user, month).await
}

async fn show(state: &AppState, user: &CurrentUser, month: Month) -> Result<Response, Problem> {
    user.require(Permission::ViewAllKpis)?;
    let locale = user.locale;
    let plan = app::plan(&state.store, month)
        .await
        .map_err(Problem::internal)?;
    let next = Month::of(month.last().tomorrow().unwrap_or(month.last())).name();
    let previous = month.previous().name();
    let month = month.name();
    let rows = plan
        .agents
        .iter()
        .map(|agent| AgentRow {
            agent_id: agent.agent_id.clone(),
            name: agent.name.clone(),
            team: agent.team.clone(),
            why: agent
                .flags
                .iter()
                .map(|f| {
                    (
                        app::measure_name(&f.metric, locale),
                        servq_kpi::show(&f.metric, Some(f.value)),
                        servq_kpi::show(&f.metric, Some(f.reference)),
                    )
                })
                .collect(),
            topics: app::topics(agent, locale),
            card: format!(
                "/performance?{}#coaching",
                crate::query_params::query_string(&[
                    ("month", month.clone()),
                    ("agent", agent.agent_id.clone()),
                ])
            ),
        })
        .collect();
    let page = PlanPage {
        i18n: Text::new(locale),
        title: t(locale, "coaching_plan.title").replace("{month}", &month),
        header: signed_in_header(user),
        csrf: user.csrf_token().to_owned(),
        previous,
        next,
        month,
        rows,
        group_training: plan.group_training,
    };
    Ok(render(&page)?.into_response())
}
