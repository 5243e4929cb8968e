//! The daily briefing over HTTP: `GET /api/v1/briefing` (the `servq briefing --format json`
//! contract) and the printable `/briefing/{date}` page (`/briefing` is today's).

use askama::Template;
use axum::{
    Json,
    extract::{Path, Query, State, rejection::PathRejection, rejection::QueryRejection},
    response::{IntoResponse, Redirect, Response},
};
use serde::Deserialize;
use serde_json::Value;
use servq_app::briefing as app;
use servq_app::i18n::t;
use servq_core::Permission;

use crate::{
    AppState, Problem,
    auth::CurrentUser,
    dashboard::show,
    pages::{AgentNames, Text, render, signed_in_header},
    query_params::{add_days, parse_date, today},
};

/// `GET /api/v1/briefing` parameters.
#[derive(Debug, Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct BriefingParams {
    /// The briefing's date (YYYY-MM-DD, centre zone; it reports the day before); default today.
    date: Option<String>,
}

/// `GET /api/v1/briefing`: the morning briefing of a day.
#[utoipa::path(get, path = "/api/v1/briefing", tag = "briefing", params(BriefingParams),
    responses((status = 200, description = "{date, kpis: {<metric>: {value, previous, target}}, good_case: {kind, id, agent_id, why}|null, overdue_tasks: [], problems: []}", body = Object),
        (status = 400, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn api(
    State(state): State<AppState>,
    user: CurrentUser,
    params: Result<Query<BriefingParams>, QueryRejection>,
) -> Result<Json<Value>, Problem> {
    user.require(Permission::ViewAllKpis)?;
    let Query(params) = params?;
    let date = match params
        .date
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty())
    {
        Some(text) => parse_date(user.locale, text)?,
        None => {
            let (_, zone) = state.centre_zone().await?;
            today(&zone)
        }
    };
    let briefing = app::briefing(&state.store, date)
        .await
        .map_err(Problem::internal)?;
    Ok(Json(app::briefing_json(&briefing)))
}

/// A measure on the page.
pub(crate) struct KpiRow {
    name: String,
    value: String,
    previous: String,
    change: String,
    judgement: &'static str,
    target: String,
    status: String,
    status_class: &'static str,
}

/// `/briefing/{date}`.
#[derive(Template)]
#[template(path = "briefing.html")]
pub(crate) struct BriefingPage {
    i18n: Text,
    title: String,
    header: String,
    csrf: String,
    intro: String,
    rows: Vec<KpiRow>,
    /// (kind label, agent, why, link)
    good_case: Option<(String, String, String, String)>,
    previous_day: String,
    next_day: Option<String>,
    /// (id, title, status text, status code)
    problems: Vec<(i64, String, String, &'static str)>,
    /// (id, title, owner, due)
    overdue_tasks: Vec<(i64, String, String, String)>,
}

/// `GET /briefing`: today's.
pub(crate) async fn today_page(State(state): State<AppState>) -> Result<Response, Problem> {
    let (_, zone) = state.centre_zone().await?;
    Ok(Redirect::to(&format!("/briefing/{}", today(&zone))).into_response())
}

/// `GET /briefing/{date}`.
pub(crate) async fn page(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    date: Result<Path<String>, PathRejection>,
) -> Result<Response, Problem> {
    let Some(user) = user else {
        return Ok(Redirect::to("/login").into_response());
    };
    user.require(Permission::ViewAllKpis)?;
    let locale = user.locale;
    let Path(date) = date.map_err(|_| Problem::not_found(locale))?;
    let date = parse_date(locale, &date)?;
    let briefing = app::briefing(&state.store, date)
        .await
        .map_err(Problem::internal)?;
    let names = AgentNames::load(&state).await?;
    let rows = briefing
        .kpis
        .iter()
        .map(|k| {
            let (change, judgement) = servq_kpi::change(&k.metric, k.value, k.previous)
                .map_or(("—".to_owned(), "neutral"), |(text, j)| (text, j.name()));
            let status = k.status.unwrap_or_default();
            KpiRow {
                name: t(locale, &format!("kpi.{}", k.metric)),
                value: show(&k.metric, k.value),
                previous: show(&k.metric, k.previous),
                change,
                judgement,
                target: k.target.map_or(String::new(), |v| show(&k.metric, Some(v))),
                status: if status.is_empty() {
                    String::new()
                } else {
                    t(locale, &format!("targets.status_{status}"))
                },
                status_class: status,
            }
        })
        .collect();
    let good_case = briefing.good_case.as_ref().map(|case| {
        let link = match case.kind {
            "evaluation" => format!("/qa/evaluations/{}", case.id),
            _ => format!("/reviews/{}", case.id),
        };
        (
            t(locale, &format!("briefing.case_{}", case.kind)),
            names.label(&case.agent_id),
            case.why.clone(),
            link,
        )
    });
    let (_, zone) = state.centre_zone().await?;
    let page = BriefingPage {
        i18n: Text::new(locale),
        title: t(locale, "briefing.title").replace("{date}", &date.to_string()),
        header: signed_in_header(&user),
        csrf: user.csrf_token().to_owned(),
        intro: t(locale, "briefing.intro").replace("{day}", &add_days(date, -1).to_string()),
        rows,
        good_case,
        problems: briefing
            .problems
            .iter()
            .map(|p| {
                (
                    p.id,
                    p.title.clone(),
                    t(locale, &format!("problems.status_{}", p.status.name())),
                    p.status.name(),
                )
            })
            .collect(),
        overdue_tasks: briefing
            .overdue_tasks
            .iter()
            .map(|task| {
                (
                    task.id,
                    task.title.clone(),
                    task.owner.clone(),
                    task.due.clone(),
                )
            })
            .collect(),
        previous_day: add_days(date, -1).to_string(),
        next_day: (date < today(&zone)).then(|| add_days(date, 1).to_string()),
    };
    Ok(render(&page)?.into_response())
}
