//! `/api/v1`: what the pages do, as JSON, for scripts (API tokens) and the page's own code
//! (session + `X-CSRF-Token` for state-changing calls).

use axum::{
    Json,
    extract::{
        Query, State,
        rejection::{JsonRejection, QueryRejection},
    },
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use servq_app::{
    report::{self, Report, ReportFormat, RequestError},
    users::{self, UserRefused, UserRequest},
};
use servq_core::{PERMISSIONS, Permission};
use servq_kpi::{METRICS, MetricValue};
use servq_store::KpiQuery;

use crate::{
    AppState, Problem,
    auth::{Credential, CurrentUser},
    query_params,
};

/// `GET /api/v1/me`: who is signed in, what they may do, and the CSRF token of the session.
#[utoipa::path(get, path = "/api/v1/me", tag = "session",
    responses((status = 200, body = crate::openapi::Me), (status = 401, body = crate::openapi::Problem, content_type = "application/problem+json")))]
pub(crate) async fn me(user: CurrentUser) -> Json<Value> {
    let permissions: Vec<String> = PERMISSIONS
        .iter()
        .filter(|(_, roles)| roles.contains(&user.user.role))
        .map(|(permission, _)| format!("{permission:?}"))
        .collect();
    Json(json!({
        "username": user.user.username,
        "role": user.user.role.name(),
        "locale": user.locale.tag(),
        "agent_id": user.user.agent_id,
        "permissions": permissions,
        "csrf_token": match &user.credential {
            Credential::Session { .. } => Some(user.csrf_token()),
            Credential::ApiToken => None,
        },
    }))
}

#[derive(Deserialize)]
pub(crate) struct KpiParams {
    /// Grouping fields, comma-separated (as `servq kpi --by`).
    by: Option<String>,
    /// First day, YYYY-MM-DD in the centre's zone.
    from: Option<String>,
    /// Last day, inclusive.
    to: Option<String>,
    /// `dimension=value`, comma-separated.
    filter: Option<String>,
    /// Metric names, comma-separated (default all).
    metrics: Option<String>,
    /// json, csv or xlsx.
    format: Option<String>,
}

/// `GET /api/v1/kpi`: the same rows as `servq kpi --format json`, within the caller's rights
/// (agents see their own contacts only).
#[utoipa::path(get, path = "/api/v1/kpi", tag = "kpi",
    params(
        ("by" = Option<String>, Query, description = "Grouping fields, comma-separated: queue, agent, team, channel, category, direction, interval15, interval30, hour, day, week, month"),
        ("from" = Option<String>, Query, description = "First day, YYYY-MM-DD in the centre's zone"),
        ("to" = Option<String>, Query, description = "Last day, inclusive"),
        ("filter" = Option<String>, Query, description = "dimension=value pairs, comma-separated"),
        ("metrics" = Option<String>, Query, description = "Metric names, comma-separated (default all)"),
        ("format" = Option<String>, Query, description = "json (default), csv or xlsx (a download with the same columns as `servq kpi`)"),
    ),
    responses((status = 200, content(
            (crate::openapi::KpiReport = "application/json"),
            (String = "text/csv"),
            (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))), (status = 400, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 401, body = crate::openapi::Problem, content_type = "application/problem+json"), (status = 403, body = crate::openapi::Problem, content_type = "application/problem+json")))]
pub(crate) async fn kpi(
    State(state): State<AppState>,
    user: CurrentUser,
    params: Result<Query<KpiParams>, QueryRejection>,
) -> Result<Response, Problem> {
    user.require(Permission::ViewOwnKpis)?;
    let Query(params) = params?;
    let locale = user.locale;
    let bad = |code: &'static str, detail: String| Problem::bad_request(locale, code, detail);
    let request = |error: RequestError| bad(error.code(), error.to_string());
    let group_by =
        report::parse_group_by(params.by.iter().flat_map(|b| b.split(','))).map_err(request)?;
    let filters = query_params::filters(locale, params.filter.as_deref())?;
    let metrics: Vec<&servq_kpi::Metric> = match params.metrics.as_deref() {
        None | Some("") | Some("all") => METRICS.iter().collect(),
        Some(names) => report::parse_metrics(names.split(',')).map_err(request)?,
    };
    let (zone_name, zone) = state.centre_zone().await?;
    let (from_ms, to_ms) =
        query_params::day_range_ms(locale, &zone, params.from.as_deref(), params.to.as_deref())?;
    let mut query = KpiQuery {
        group_by: group_by.clone(),
        from_ms,
        to_ms,
        zone,
        filters,
    };
    user.restrict_filters(&mut query.filters)?;
    let groups = state.store.kpi(&query).await.map_err(Problem::internal)?;
    let report = Report {
        group_by: &group_by,
        metrics: &metrics,
        groups: &groups,
    };
    let download = |content_type: &'static str, extension: &str, bytes: Vec<u8>| {
        (
            [
                (header::CONTENT_TYPE, content_type.to_owned()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"kpi.{extension}\""),
                ),
            ],
            bytes,
        )
            .into_response()
    };
    match params.format.as_deref().map(str::trim) {
        None | Some("") | Some("json") => {}
        Some("csv") => {
            let mut bytes = Vec::new();
            report
                .write(ReportFormat::Csv, &mut bytes)
                .map_err(Problem::internal)?;
            return Ok(download("text/csv; charset=utf-8", "csv", bytes));
        }
        Some("xlsx") => {
            let bytes = report.xlsx().map_err(Problem::internal)?;
            return Ok(download(
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "xlsx",
                bytes,
            ));
        }
        Some(other) => {
            return Err(bad(
                "unknown_format",
                format!("format '{other}' is not json, csv or xlsx"),
            ));
        }
    }
    let rows: Vec<Value> = groups
        .iter()
        .map(|group| {
            let mut row = Map::new();
            for (field, key) in group_by.iter().zip(&group.key) {
                row.insert(field.name().to_owned(), json!(key));
            }
            for metric in &metrics {
                let value =
                    match (metric.compute)(&group.contacts, group.states.as_ref(), &group.feedback)
                    {
                        MetricValue::Count(count) => json!(count),
                        MetricValue::Number(number) => json!(number),
                    };
                row.insert(metric.name.to_owned(), value);
            }
            Value::Object(row)
        })
        .collect();
    Ok(Json(json!({
        "group_by": group_by.iter().map(|f| f.name()).collect::<Vec<_>>(),
        "time_zone": zone_name,
        "rows": rows,
    }))
    .into_response())
}

#[derive(Deserialize)]
pub(crate) struct LocaleRequest {
    locale: String,
}

/// `PUT /api/v1/me/locale`: the user's UI language (what the header's switch sets).
#[utoipa::path(put, path = "/api/v1/me/locale", tag = "session", request_body = crate::openapi::LocaleBody,
    responses((status = 200, body = crate::openapi::LocaleBody), (status = 400, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 401, body = crate::openapi::Problem, content_type = "application/problem+json"), (status = 403, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 415, body = crate::openapi::Problem, content_type = "application/problem+json"), (status = 422, body = crate::openapi::Problem, content_type = "application/problem+json")))]
pub(crate) async fn set_locale(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    request: Result<Json<LocaleRequest>, JsonRejection>,
) -> Result<Json<Value>, Problem> {
    user.check_csrf_header(&headers)?;
    let Json(request) = request?;
    let locale = crate::pages::remember_locale(&state, &user, &request.locale).await?;
    Ok(Json(json!({"locale": locale.tag()})))
}

#[derive(Deserialize)]
pub(crate) struct TokenRequest {
    name: String,
}

/// `POST /api/v1/tokens`: a new API token, shown once.
#[utoipa::path(post, path = "/api/v1/tokens", tag = "session", request_body = crate::openapi::NewToken,
    responses((status = 201, body = crate::openapi::Token), (status = 401, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 403, body = crate::openapi::Problem, content_type = "application/problem+json"), (status = 400, body = crate::openapi::Problem, content_type = "application/problem+json"), (status = 415, body = crate::openapi::Problem, content_type = "application/problem+json"), (status = 422, body = crate::openapi::Problem, content_type = "application/problem+json")))]
pub(crate) async fn create_token(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    request: Result<Json<TokenRequest>, JsonRejection>,
) -> Result<Response, Problem> {
    user.require(Permission::UseApiTokens)?;
    user.check_csrf_header(&headers)?;
    let Json(request) = request?;
    let token = users::create_api_token(
        &state.store,
        &user.user.user_id,
        &request.name,
        &user.actor(),
    )
    .await
    .map_err(Problem::internal)?
    .ok_or_else(|| {
        Problem::bad_request(
            user.locale,
            "name_required",
            "a token needs a name".to_owned(),
        )
    })?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"name": request.name.trim(), "token": token})),
    )
        .into_response())
}

/// `GET /api/v1/users` (administrators).
#[utoipa::path(get, path = "/api/v1/users", tag = "users",
    responses((status = 200, body = crate::openapi::Users), (status = 401, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 403, body = crate::openapi::Problem, content_type = "application/problem+json")))]
pub(crate) async fn users(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Json<Value>, Problem> {
    user.require(Permission::ManageUsers)?;
    let users = state.store.users().await.map_err(Problem::internal)?;
    Ok(Json(json!({
        "users": users.iter().map(|u| json!({
            "username": u.username, "role": u.role.name(), "agent_id": u.agent_id,
            "locale": u.locale, "disabled": u.disabled,
        })).collect::<Vec<_>>(),
    })))
}

#[derive(Deserialize)]
pub(crate) struct NewUserRequest {
    username: String,
    password: String,
    role: String,
    agent_id: Option<String>,
}

/// `POST /api/v1/users` (administrators): creates a user; audited.
#[utoipa::path(post, path = "/api/v1/users", tag = "users", request_body = crate::openapi::NewUserBody,
    responses((status = 201, body = crate::openapi::CreatedUser), (status = 400, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 401, body = crate::openapi::Problem, content_type = "application/problem+json"), (status = 403, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 409, body = crate::openapi::Problem, content_type = "application/problem+json"), (status = 415, body = crate::openapi::Problem, content_type = "application/problem+json"), (status = 422, body = crate::openapi::Problem, content_type = "application/problem+json")))]
pub(crate) async fn create_user(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    request: Result<Json<NewUserRequest>, JsonRejection>,
) -> Result<Response, Problem> {
    user.require(Permission::ManageUsers)?;
    user.check_csrf_header(&headers)?;
    let Json(request) = request?;
    let request = UserRequest {
        username: request.username,
        password: request.password,
        role: request.role,
        agent_id: request.agent_id,
    };
    match users::create_user(&state.store, &request, &user.actor()).await {
        Ok(new) => Ok((
            StatusCode::CREATED,
            Json(json!({"username": new.username, "role": new.role.name()})),
        )
            .into_response()),
        Err(UserRefused::Failed(error)) => Err(Problem::internal(format!("{error:#}"))),
        Err(refused @ UserRefused::UsernameTaken(_)) => {
            Err(Problem::conflict(refused.code(), refused.to_string()))
        }
        Err(refused) => Err(Problem::bad_request(
            user.locale,
            refused.code(),
            refused.to_string(),
        )),
    }
}

#[derive(Deserialize)]
pub(crate) struct AuditParams {
    limit: Option<i64>,
    before: Option<i64>,
}

/// `GET /api/v1/audit` (administrators): newest first.
#[utoipa::path(get, path = "/api/v1/audit", tag = "users",
    params(("limit" = Option<i64>, Query, description = "1 to 1000, default 100"), ("before" = Option<i64>, Query, description = "Entries with a smaller id")),
    responses((status = 200, body = crate::openapi::Audit), (status = 401, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 403, body = crate::openapi::Problem, content_type = "application/problem+json"), (status = 400, body = crate::openapi::Problem, content_type = "application/problem+json")))]
pub(crate) async fn audit(
    State(state): State<AppState>,
    user: CurrentUser,
    params: Result<Query<AuditParams>, QueryRejection>,
) -> Result<Json<Value>, Problem> {
    user.require(Permission::ViewAuditLog)?;
    let Query(params) = params?;
    let limit = params.limit.unwrap_or(100).clamp(1, 1000);
    let entries = state
        .store
        .audit_log(limit, params.before)
        .await
        .map_err(Problem::internal)?;
    Ok(Json(json!({
        "entries": entries.iter().map(|e| json!({
            "id": e.id,
            "at": crate::rfc3339(e.at_ms),
            "user": e.username, "action": e.action, "entity": e.entity, "entity_id": e.entity_id,
            "detail": serde_json::from_str::<Value>(&e.detail).unwrap_or(Value::Null),
        })).collect::<Vec<_>>(),
    })))
}
