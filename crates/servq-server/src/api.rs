//! `/api/v1`: what the pages do, as JSON, for scripts (API tokens) and the page's own code
//! (session + `X-CSRF-Token` for state-changing calls).

use axum::{
    Json,
    extract::{
        Query, State,
        rejection::{JsonRejection, QueryRejection},
    },
    http::HeaderMap,
    response::{IntoResponse, Response},
};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use servq_app::report::{self, Report, ReportFormat, RequestError};
use servq_core::{PERMISSIONS, Permission};
use servq_kpi::{METRICS, MetricValue};
use servq_store::KpiQuery;

use crate::{
    AppState, Problem,
    auth::{Credential, CurrentUser},
    exports,
    i18n::t,
    query_params,
};

/// `GET /api/v1/me`.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct Me {
    username: String,
    /// desk_staff, agent, supervisor, qa_inspector, analyst or admin.
    role: String,
    /// en, zh-CN or zh-TW.
    locale: String,
    agent_id: Option<String>,
    /// Permission names from the matrix in docs/roles.md.
    permissions: Vec<String>,
    /// Send as `X-CSRF-Token` with state-changing calls made with the session cookie; null for
    /// API tokens.
    csrf_token: Option<String>,
}

/// `GET /api/v1/me`: who is signed in, what they may do, and the CSRF token of the session.
#[utoipa::path(get, path = "/api/v1/me", tag = "session",
    responses((status = 200, body = Me), (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn me(user: CurrentUser) -> Json<Me> {
    let permissions: Vec<String> = PERMISSIONS
        .iter()
        .filter(|(_, roles)| roles.contains(&user.user.role))
        .map(|(permission, _)| format!("{permission:?}"))
        .collect();
    Json(Me {
        username: user.user.username.clone(),
        role: user.user.role.name().to_owned(),
        locale: user.locale.tag().to_owned(),
        agent_id: user.user.agent_id.clone(),
        permissions,
        csrf_token: match &user.credential {
            Credential::Session { .. } => Some(user.csrf_token().to_owned()),
            Credential::ApiToken { .. } => None,
        },
    })
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
    /// `1`: CSV/XLSX headings are the stable keys and a CSV is exactly `servq kpi --format csv`.
    keys: Option<String>,
}

/// `GET /api/v1/kpi`.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct KpiReport {
    group_by: Vec<String>,
    time_zone: String,
    /// One object per group: the group keys, then each requested metric (numbers, or null
    /// where undefined).
    rows: Vec<Map<String, Value>>,
}

/// `GET /api/v1/kpi`: the same rows as `servq kpi --format json`, within the caller's rights
/// (agents see their own contacts only).
#[utoipa::path(get, path = "/api/v1/kpi", tag = "kpi",
    params(
        ("by" = Option<String>, Query, description = "Grouping fields, comma-separated: queue, agent, team, channel, category, direction, interval15, interval30, hour, day, week, month"),
        ("from" = Option<String>, Query, description = "First day, YYYY-MM-DD in the centre's zone"),
        ("to" = Option<String>, Query, description = "Last day, inclusive"),
        ("filter" = Option<String>, Query, description = "dimension=value pairs, comma-separated"),
        ("metrics" = Option<String>, Query, description = "Metric names, comma-separated, or all. Default: JSON every metric; CSV and XLSX the metrics that mean something for the grouping (not answer rate per agent, not occupancy per channel)"),
        ("format" = Option<String>, Query, description = "json (default), csv or xlsx (a download with the same columns as `servq kpi`)"),
        ("keys" = Option<String>, Query, description = "1: CSV/XLSX headings are the stable keys and a CSV is exactly `servq kpi --format csv` (no BOM); otherwise headings are in the user's language"),
    ),
    responses((status = 200, content(
            (KpiReport = "application/json"),
            (String = "text/csv"),
            (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))), (status = 400, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"), (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json")))]
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
    let format = params.format.as_deref().map(str::trim).unwrap_or_default();
    let dimensions = report::dimensions_of(&group_by, &filters);
    let metrics: Vec<&servq_kpi::Metric> = match params.metrics.as_deref() {
        // a download leaves out what means nothing for the grouping, as `servq kpi` does
        None | Some("") => report::default_metrics(
            if format == "csv" {
                ReportFormat::Csv
            } else {
                ReportFormat::Json
            },
            format == "xlsx",
            &dimensions,
        ),
        Some("all") => METRICS.iter().collect(),
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
    let groups = report::kpi_groups(&state.store, &query, &metrics)
        .await
        .map_err(Problem::internal)?;
    let report = Report {
        group_by: &group_by,
        metrics: &metrics,
        groups: &groups,
        notes: &[],
    };
    // for people, in their language; with keys=1, for scripts
    let people = (!exports::wants_keys(params.keys.as_deref())).then_some(locale);
    let download = |content_type: &str, extension: &str, bytes: Vec<u8>| {
        let localized =
            people.map(|locale| format!("{}.{extension}", t(locale, "export.file_kpi")));
        exports::download(
            content_type,
            &format!("kpi.{extension}"),
            localized.as_deref(),
            bytes,
        )
    };
    match params.format.as_deref().map(str::trim) {
        None | Some("") | Some("json") => {}
        Some("csv") => {
            let bytes = match people {
                Some(locale) => exports::kpi_csv(&report, locale).map_err(Problem::internal)?,
                None => {
                    let mut bytes = Vec::new();
                    report
                        .write(ReportFormat::Csv, &mut bytes)
                        .map_err(Problem::internal)?;
                    bytes
                }
            };
            return Ok(download(exports::CSV_TYPE, "csv", bytes));
        }
        Some("xlsx") => {
            let bytes = exports::kpi_xlsx(&report, people).map_err(Problem::internal)?;
            return Ok(download(exports::XLSX_TYPE, "xlsx", bytes));
        }
        Some(other) => {
            return Err(bad(
                "unknown_format",
                format!("format '{other}' is not json, csv or xlsx"),
            ));
        }
    }
    let rows: Vec<Map<String, Value>> = groups
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
            row
        })
        .collect();
    Ok(Json(KpiReport {
        group_by: group_by.iter().map(|f| f.name().to_owned()).collect(),
        time_zone: zone_name,
        rows,
    })
    .into_response())
}

/// The UI language.
#[derive(Deserialize, Serialize, utoipa::ToSchema)]
pub(crate) struct LocaleBody {
    #[schema(pattern = "^(en|zh-CN|zh-TW)$")]
    locale: String,
}

/// `PUT /api/v1/me/locale`: the user's UI language (what the header's switch sets).
#[utoipa::path(put, path = "/api/v1/me/locale", tag = "session", request_body = LocaleBody,
    responses((status = 200, body = LocaleBody), (status = 400, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"), (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 415, body = crate::ProblemDocument, content_type = "application/problem+json"), (status = 422, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn set_locale(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    request: Result<Json<LocaleBody>, JsonRejection>,
) -> Result<Json<LocaleBody>, Problem> {
    user.check_csrf_header(&headers)?;
    let Json(request) = request?;
    let locale = crate::pages::remember_locale(&state, &user, &request.locale).await?;
    Ok(Json(LocaleBody {
        locale: locale.tag().to_owned(),
    }))
}

#[derive(Deserialize)]
pub(crate) struct AuditParams {
    limit: Option<i64>,
    before: Option<i64>,
}

/// One audit entry.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct AuditEntry {
    id: i64,
    /// RFC 3339, UTC.
    at: String,
    user: String,
    action: String,
    entity: String,
    entity_id: String,
    detail: Value,
}

impl From<servq_store::AuditEntry> for AuditEntry {
    fn from(entry: servq_store::AuditEntry) -> Self {
        AuditEntry {
            id: entry.id,
            at: crate::rfc3339(entry.at_ms),
            detail: serde_json::from_str::<Value>(&entry.detail).unwrap_or(Value::Null),
            user: entry.username,
            action: entry.action,
            entity: entry.entity,
            entity_id: entry.entity_id,
        }
    }
}

/// `GET /api/v1/audit`.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct Audit {
    entries: Vec<AuditEntry>,
}

/// `GET /api/v1/audit` (administrators): newest first.
#[utoipa::path(get, path = "/api/v1/audit", tag = "users",
    params(("limit" = Option<i64>, Query, description = "1 to 1000, default 100"), ("before" = Option<i64>, Query, description = "Entries with a smaller id")),
    responses((status = 200, body = Audit), (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json"), (status = 400, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn audit(
    State(state): State<AppState>,
    user: CurrentUser,
    params: Result<Query<AuditParams>, QueryRejection>,
) -> Result<Json<Audit>, Problem> {
    user.require(Permission::ViewAuditLog)?;
    let Query(params) = params?;
    let limit = params.limit.unwrap_or(100).clamp(1, 1000);
    let entries = state
        .store
        .audit_log(limit, params.before)
        .await
        .map_err(Problem::internal)?;
    Ok(Json(Audit {
        entries: entries.into_iter().map(AuditEntry::from).collect(),
    }))
}
