//! Monthly quality reports over HTTP: the `/reports` archive page (make a month's report, open
//! or download any stored one), `/reports/{id}` (the report as a page), and the API —
//! `GET/POST /api/v1/reports`, `GET /api/v1/reports/{id}` (the stored data snapshot) and
//! `GET /api/v1/reports/{id}/{format}` (PDF, XLSX or HTML, rendered from the snapshot). The use
//! case lives in `servq_app::monthly_report`.

use askama::Template;
use axum::{
    Json,
    extract::{
        Path, Query, State,
        rejection::{JsonRejection, PathRejection},
    },
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Redirect, Response},
};
use serde::Deserialize;
use serde_json::{Value, json};
use servq_app::i18n::{Locale, t};
use servq_app::monthly_report::{self as app, Month, RenderFormat};
use servq_core::Permission;
use servq_store::ReportOrigin;

use crate::{
    AppState, Problem,
    auth::CurrentUser,
    pages::{Text, render, signed_in_header},
};

/// `POST /api/v1/reports`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub(crate) struct MakeReportBody {
    /// The month, YYYY-MM (days counted in the centre's zone).
    month: String,
}

/// `GET /api/v1/reports/{id}/{format}` parameters.
#[derive(Debug, Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct RenderParams {
    /// The reader's language (zh-CN, zh-TW, en); default the user's.
    lang: Option<String>,
}

fn report_json(report: &servq_store::StoredReport) -> Value {
    json!({
        "id": report.id,
        "kind": report.kind,
        "period": report.period,
        "origin": report.origin.name(),
        "created_by": report.created_by,
        "created_at": servq_app::rfc3339(report.created_at),
        "links": {
            "html": format!("/reports/{}", report.id),
            "pdf": format!("/api/v1/reports/{}/pdf", report.id),
            "xlsx": format!("/api/v1/reports/{}/xlsx", report.id),
            "snapshot": format!("/api/v1/reports/{}", report.id),
        },
    })
}

/// `GET /api/v1/reports`: the stored reports, newest month first.
#[utoipa::path(get, path = "/api/v1/reports", tag = "reports",
    responses((status = 200, description = "reports: [{id, kind, period, origin, created_by, created_at, links: {html, pdf, xlsx, snapshot}}]", body = Object),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Json<Value>, Problem> {
    user.require(Permission::ViewAllKpis)?;
    let reports = state.store.reports().await.map_err(Problem::internal)?;
    Ok(Json(json!({
        "reports": reports.iter().map(report_json).collect::<Vec<_>>(),
    })))
}

/// `POST /api/v1/reports`: makes the month's report now and keeps its data snapshot (a month
/// may have several; the newest is listed first). 201 with the stored report.
#[utoipa::path(post, path = "/api/v1/reports", tag = "reports", request_body = MakeReportBody,
    responses((status = 201, description = "The stored report: id, kind, period, origin, created_by, created_at, links", body = Object),
        (status = 400, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 415, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 422, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn make(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    body: Result<Json<MakeReportBody>, JsonRejection>,
) -> Result<Response, Problem> {
    user.require(Permission::ViewAllKpis)?;
    user.check_csrf_header(&headers)?;
    let Json(body) = body?;
    let month = Month::parse(&body.month).ok_or_else(|| {
        Problem::bad_request(
            user.locale,
            "bad_month",
            t(user.locale, "reports.bad_month").replace("{month}", &body.month),
        )
    })?;
    // a month that has not begun has nothing to report
    let (_, zone) = state.centre_zone().await?;
    if month.first > crate::query_params::today(&zone) {
        return Err(Problem::bad_request(
            user.locale,
            "future_month",
            t(user.locale, "reports.future_month").replace("{month}", &month.name()),
        ));
    }
    let (id, _) = app::generate(
        &state.store,
        month,
        ReportOrigin::Manual,
        &user.actor(),
        None,
    )
    .await
    .map_err(Problem::internal)?
    .ok_or_else(|| Problem::internal("a manual report was not stored"))?;
    let stored = state
        .store
        .reports()
        .await
        .map_err(Problem::internal)?
        .into_iter()
        .find(|r| r.id == id)
        .ok_or_else(|| Problem::internal("the new report is gone"))?;
    Ok((StatusCode::CREATED, Json(report_json(&stored))).into_response())
}

async fn stored(
    state: &AppState,
    user: &CurrentUser,
    id: Result<Path<i64>, PathRejection>,
) -> Result<(servq_store::StoredReport, servq_report::MonthlyReport), Problem> {
    user.require(Permission::ViewAllKpis)?;
    let Path(id) = id.map_err(|_| Problem::not_found(user.locale))?;
    app::stored(&state.store, id)
        .await
        .map_err(Problem::internal)?
        .ok_or_else(|| Problem::not_found(user.locale))
}

/// `GET /api/v1/reports/{id}`: the stored data snapshot (`docs/reports.md`).
#[utoipa::path(get, path = "/api/v1/reports/{id}", tag = "reports",
    params(("id" = i64, Path, description = "Report id")),
    responses((status = 200, description = "The snapshot: schema, month, previous_month, time_zone, generated_at, model, headline, tickets, findings, daily, dimensions, grades, teams, best_agents, bottom_agents, agents_graded, qa, surveys, pareto, forecast", body = Object),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 404, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn snapshot(
    State(state): State<AppState>,
    user: CurrentUser,
    id: Result<Path<i64>, PathRejection>,
) -> Result<Json<servq_report::MonthlyReport>, Problem> {
    let (_, report) = stored(&state, &user, id).await?;
    Ok(Json(report))
}

/// The sandbox a rendered report is served in: its own inline styles, nothing else (no script).
const REPORT_POLICY: &str =
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'";

async fn rendered(
    id: i64,
    report: servq_report::MonthlyReport,
    format: RenderFormat,
    locale: Locale,
    download: bool,
) -> Result<Response, Problem> {
    let file_name = app::file_name(&report, format);
    // setting a PDF takes a good part of a second of CPU: not on the request threads
    let bytes = tokio::task::spawn_blocking(move || {
        let back = format!("← {}", t(locale, "reports.archive"));
        let pdf = format!("/api/v1/reports/{id}/pdf");
        let xlsx = format!("/api/v1/reports/{id}/xlsx");
        let links = [
            ("/reports", back.as_str()),
            (pdf.as_str(), "PDF"),
            (xlsx.as_str(), "XLSX"),
        ];
        app::render_with(&report, format, locale, if download { &[] } else { &links })
    })
    .await
    .map_err(Problem::internal)?
    .map_err(Problem::internal)?;
    let disposition = if download {
        format!("attachment; filename=\"{file_name}\"")
    } else {
        "inline".to_owned()
    };
    Ok((
        [
            (header::CONTENT_TYPE, format.media_type().to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CONTENT_SECURITY_POLICY, REPORT_POLICY.to_owned()),
            (header::CACHE_CONTROL, "private, no-store".to_owned()),
        ],
        bytes,
    )
        .into_response())
}

/// `GET /api/v1/reports/{id}/{format}`: the report as `pdf`, `xlsx` or `html`, rendered from
/// its snapshot (so identical to the first rendering), as a download.
#[utoipa::path(get, path = "/api/v1/reports/{id}/{format}", tag = "reports",
    params(("id" = i64, Path, description = "Report id"),
        ("format" = String, Path, description = "pdf, xlsx or html"), RenderParams),
    responses((status = 200, content_type = "application/pdf", body = Vec<u8>),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 404, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn file(
    State(state): State<AppState>,
    user: CurrentUser,
    path: Result<Path<(i64, String)>, PathRejection>,
    Query(params): Query<RenderParams>,
) -> Result<Response, Problem> {
    user.require(Permission::ViewAllKpis)?;
    let Path((id, format)) = path.map_err(|_| Problem::not_found(user.locale))?;
    let format = RenderFormat::parse(&format).ok_or_else(|| Problem::not_found(user.locale))?;
    let locale = params
        .lang
        .as_deref()
        .and_then(Locale::parse)
        .unwrap_or(user.locale);
    let (_, report) = stored(&state, &user, Ok(Path(id))).await?;
    rendered(id, report, format, locale, true).await
}

/// `GET /reports/{id}`: the report as a page in the user's language.
pub(crate) async fn view(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    id: Result<Path<i64>, PathRejection>,
) -> Result<Response, Problem> {
    let Some(user) = user else {
        return Ok(Redirect::to("/login").into_response());
    };
    let (row, report) = stored(&state, &user, id).await?;
    rendered(row.id, report, RenderFormat::Html, user.locale, false).await
}

/// A stored report in the archive list.
pub(crate) struct ReportRow {
    id: i64,
    /// The newest report of its month.
    latest: bool,
    period: String,
    origin: String,
    created_by: String,
    created_at: String,
}

/// `/reports`.
#[derive(Template)]
#[template(path = "reports.html")]
pub(crate) struct ReportsPage {
    i18n: Text,
    title: String,
    header: String,
    csrf: String,
    rows: Vec<ReportRow>,
    /// The month the form offers: the last complete one.
    last_month: String,
    /// The latest month that may be asked for (the current one).
    this_month: String,
}

/// `GET /reports`.
pub(crate) async fn page(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
) -> Result<Response, Problem> {
    let Some(user) = user else {
        return Ok(Redirect::to("/login").into_response());
    };
    user.require(Permission::ViewAllKpis)?;
    let locale = user.locale;
    let (_, zone) = state.centre_zone().await?;
    let today = crate::query_params::today(&zone);
    let mut seen = std::collections::HashSet::new();
    let rows = state
        .store
        .reports()
        .await
        .map_err(Problem::internal)?
        .into_iter()
        .map(|report| ReportRow {
            // the list is newest first within a month
            latest: seen.insert(report.period.clone()),
            id: report.id,
            period: report.period,
            origin: t(locale, &format!("reports.origin_{}", report.origin.name())),
            created_by: report.created_by,
            created_at: jiff::Timestamp::from_millisecond(report.created_at)
                .map(|at| {
                    at.to_zoned(zone.clone())
                        .strftime("%Y-%m-%d %H:%M")
                        .to_string()
                })
                .unwrap_or_default(),
        })
        .collect();
    let page = ReportsPage {
        i18n: Text::new(locale),
        title: t(locale, "reports.title"),
        header: signed_in_header(&user),
        csrf: user.csrf_token().to_owned(),
        rows,
        last_month: Month::of(today).previous().name(),
        this_month: Month::of(today).name(),
    };
    Ok(render(&page)?.into_response())
}
