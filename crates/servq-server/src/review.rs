//! The weekly review over HTTP: `GET /api/v1/review` and the `/review/{date}` page (`/review` is
//! this week's): the indicators that missed their targets the week before, with drill-downs.

use askama::Template;
use axum::{
    Json,
    extract::{Path, Query, State, rejection::PathRejection, rejection::QueryRejection},
    response::{IntoResponse, Redirect, Response},
};
use serde::Deserialize;
use serde_json::Value;
use servq_app::i18n::t;
use servq_app::review as app;
use servq_core::Permission;

use crate::{
    AppState, Problem,
    auth::CurrentUser,
    dashboard::show,
    pages::{Text, render, signed_in_header},
    query_params::{add_days, parse_date, today},
};

/// `GET /api/v1/review` parameters.
#[derive(Debug, Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ReviewParams {
    /// A day of the week after the one reviewed (YYYY-MM-DD); default today.
    date: Option<String>,
}

/// `GET /api/v1/review`: the indicators that missed their targets the week before.
#[utoipa::path(get, path = "/api/v1/review", tag = "briefing", params(ReviewParams),
    responses((status = 200, description = "{from, to, missed: [{metric, scope, scope_value, target, value, status, days_missed, days_with_value, link}]}", body = Object),
        (status = 400, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn api(
    State(state): State<AppState>,
    user: CurrentUser,
    params: Result<Query<ReviewParams>, QueryRejection>,
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
    let (week, missed) = app::missed(&state.store, date)
        .await
        .map_err(Problem::internal)?;
    Ok(Json(app::review_json(week, &missed)))
}

/// A missed indicator on the page.
pub(crate) struct MissedRow {
    metric: String,
    scope: String,
    value: String,
    target: String,
    status: String,
    status_code: &'static str,
    days: String,
    link: String,
}

/// `/review/{date}`.
#[derive(Template)]
#[template(path = "review.html")]
pub(crate) struct ReviewPage {
    i18n: Text,
    title: String,
    header: String,
    csrf: String,
    rows: Vec<MissedRow>,
    previous_week: String,
}

/// `GET /review`: this week's.
pub(crate) async fn this_week(State(state): State<AppState>) -> Result<Response, Problem> {
    let (_, zone) = state.centre_zone().await?;
    Ok(Redirect::to(&format!("/review/{}", today(&zone))).into_response())
}

/// `GET /review/{date}`.
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
    let (week, missed) = app::missed(&state.store, date)
        .await
        .map_err(Problem::internal)?;
    let rows = missed
        .iter()
        .map(|m| MissedRow {
            metric: t(locale, &format!("kpi.{}", m.metric)),
            scope: if m.scope_value.is_empty() {
                t(locale, "targets.scope_centre")
            } else {
                format!(
                    "{} · {}",
                    t(locale, &format!("targets.scope_{}", m.scope)),
                    m.scope_value
                )
            },
            value: show(&m.metric, Some(m.value)),
            target: show(&m.metric, Some(m.target)),
            status: t(locale, &format!("targets.status_{}", m.status.name())),
            status_code: m.status.name(),
            days: format!("{}/{}", m.days_missed, m.days_with_value),
            link: app::drill_link(m, week),
        })
        .collect();
    let page = ReviewPage {
        i18n: Text::new(locale),
        title: t(locale, "review.title")
            .replace("{from}", &week.0.to_string())
            .replace("{to}", &week.1.to_string()),
        header: signed_in_header(&user),
        csrf: user.csrf_token().to_owned(),
        rows,
        previous_week: add_days(date, -7).to_string(),
    };
    Ok(render(&page)?.into_response())
}
