//! KPI targets over HTTP: `GET/PUT /api/v1/targets`, `GET /api/v1/targets/alerts`,
//! `PUT /api/v1/targets/alert-days` and the `/targets` page (the targets in effect with a form to
//! set or end one, and the recent trend alerts). The rules live in `servq_app::targets`.

use askama::Template;
use axum::{
    Json,
    extract::{Query, State, rejection::JsonRejection, rejection::QueryRejection},
    http::HeaderMap,
    response::{IntoResponse, Redirect, Response},
};
use serde::Deserialize;
use serde_json::{Value, json};
use servq_app::i18n::{Locale, t};
use servq_app::targets::{self as app, TargetRequest};
use servq_core::Permission;
use servq_kpi::{METRICS, TargetScope, Unit};

use crate::{
    AppState, Problem,
    auth::CurrentUser,
    dashboard::show,
    pages::{AgentNames, Text, render, signed_in_header},
};

/// `GET /api/v1/targets` parameters.
#[derive(Debug, Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct TargetsParams {
    /// The day (YYYY-MM-DD, centre zone) whose targets in effect are listed; default today.
    on: Option<String>,
    /// `true`: every stored version, ended ones included.
    all: Option<bool>,
}

/// A target to set (`PUT /api/v1/targets`).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub(crate) struct TargetBody {
    /// A `servq kpi` metric name (not a count).
    metric: String,
    /// `centre`, `queue`, `team` or `agent`.
    scope: String,
    /// The queue, team or agent id; empty for the centre.
    #[serde(default)]
    scope_value: String,
    /// `higher` or `lower`; absent: the metric's own direction.
    #[serde(default)]
    direction: Option<String>,
    /// In `servq kpi` JSON units; `null` ends the target from `effective_from`.
    target: Option<f64>,
    /// The far edge of the warning band, on the worse side of the target.
    #[serde(default)]
    warn_at: Option<f64>,
    /// YYYY-MM-DD; absent: today in the centre's zone.
    #[serde(default)]
    effective_from: Option<String>,
}

/// `PUT /api/v1/targets/alert-days`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub(crate) struct AlertDaysBody {
    /// Days running (1–31) a missed target lasts before it alerts.
    days: i64,
}

/// `GET /api/v1/targets/alerts` parameters.
#[derive(Debug, Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct AlertsParams {
    /// Alerts whose last day is within this many days (open ones always); default 30.
    days: Option<i64>,
}

async fn today(state: &AppState) -> Result<jiff::civil::Date, Problem> {
    let (_, zone) = state.centre_zone().await?;
    Ok(crate::query_params::today(&zone))
}

/// `GET /api/v1/targets`: the targets in effect on a day (or every version) and the alert rule.
#[utoipa::path(get, path = "/api/v1/targets", tag = "targets", params(TargetsParams),
    responses((status = 200, description = "targets: [{metric, scope, scope_value, direction, target, warn_at, effective_from, created_by, created_at}], alert_days", body = Object),
        (status = 400, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    params: Result<Query<TargetsParams>, QueryRejection>,
) -> Result<Json<Value>, Problem> {
    user.require(Permission::ViewAllKpis)?;
    let Query(params) = params?;
    let rows = if params.all == Some(true) {
        state.store.target_versions().await
    } else {
        let day = match params.on.as_deref() {
            Some(text) => crate::query_params::parse_date(user.locale, text)?,
            None => today(&state).await?,
        };
        state.store.targets_on(&day.to_string()).await
    }
    .map_err(Problem::internal)?;
    let alert_days = app::alert_days(&state.store)
        .await
        .map_err(Problem::internal)?;
    Ok(Json(json!({
        "targets": rows.iter().map(app::target_json).collect::<Vec<_>>(),
        "alert_days": alert_days,
    })))
}

/// `PUT /api/v1/targets`: stores a target version (replacing one of the same metric, scope and
/// day); `target: null` ends the target. Refused with every problem named (400 bad_target).
#[utoipa::path(put, path = "/api/v1/targets", tag = "targets", request_body = TargetBody,
    responses((status = 200, description = "The stored version: metric, scope, scope_value, direction, target, warn_at, effective_from, created_by, created_at", body = Object),
        (status = 400, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 415, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 422, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn set(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    body: Result<Json<TargetBody>, JsonRejection>,
) -> Result<Json<Value>, Problem> {
    user.require(Permission::ManageTargets)?;
    user.check_csrf_header(&headers)?;
    let Json(body) = body?;
    let request = TargetRequest {
        metric: body.metric,
        scope: body.scope,
        scope_value: body.scope_value,
        direction: body.direction.unwrap_or_default(),
        target: body.target,
        warn_at: body.warn_at,
        effective_from: body.effective_from.unwrap_or_default(),
    };
    let stored = app::set(&state.store, &request, &user.actor())
        .await
        .map_err(|error| Problem::refused_setting(user.locale, "bad_target", error))?;
    Ok(Json(app::target_json(&stored)))
}

/// `GET /api/v1/targets/alerts`: recent trend-alert episodes, newest first.
#[utoipa::path(get, path = "/api/v1/targets/alerts", tag = "targets", params(AlertsParams),
    responses((status = 200, description = "alerts: [{id, metric, scope, scope_value, rule, first_day, last_day, ended_day, detail}]", body = Object),
        (status = 400, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn alerts(
    State(state): State<AppState>,
    user: CurrentUser,
    params: Result<Query<AlertsParams>, QueryRejection>,
) -> Result<Json<Value>, Problem> {
    user.require(Permission::ViewAllKpis)?;
    let Query(params) = params?;
    let since = crate::query_params::add_days(
        today(&state).await?,
        -params.days.unwrap_or(30).clamp(0, 3650),
    );
    let alerts = state
        .store
        .recent_alerts(&since.to_string())
        .await
        .map_err(Problem::internal)?;
    Ok(Json(json!({
        "alerts": alerts.iter().map(app::alert_json).collect::<Vec<_>>(),
    })))
}

/// `PUT /api/v1/targets/alert-days`: how many days running a miss lasts before it alerts.
#[utoipa::path(put, path = "/api/v1/targets/alert-days", tag = "targets", request_body = AlertDaysBody,
    responses((status = 200, description = "alert_days", body = Object),
        (status = 400, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 415, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 422, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn set_alert_days(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    body: Result<Json<AlertDaysBody>, JsonRejection>,
) -> Result<Json<Value>, Problem> {
    user.require(Permission::ManageTargets)?;
    user.check_csrf_header(&headers)?;
    let Json(body) = body?;
    app::set_alert_days(&state.store, body.days, &user.actor())
        .await
        .map_err(|error| Problem::refused_setting(user.locale, "bad_target", error))?;
    Ok(Json(json!({ "alert_days": body.days })))
}

/// One target row of the page.
pub(crate) struct TargetRow {
    metric: String,
    scope: String,
    target: String,
    warn_at: String,
    direction: String,
    effective_from: String,
    created_by: String,
    /// The body that ends this target today (`data-body`).
    end_body: String,
}

/// One alert row of the page.
pub(crate) struct AlertRow {
    metric: String,
    scope: String,
    rule: String,
    rule_code: String,
    days: String,
    value: String,
    open: bool,
}

/// `/targets`.
#[derive(Template)]
#[template(path = "targets.html")]
pub(crate) struct TargetsPage {
    i18n: Text,
    title: String,
    header: String,
    csrf: String,
    can_edit: bool,
    rows: Vec<TargetRow>,
    alerts: Vec<AlertRow>,
    /// (name, label) of every metric a target may be set on.
    metrics: Vec<(&'static str, String)>,
    scopes: Vec<(&'static str, String)>,
    /// Datalist values for the scope value: queues, teams, agents.
    scope_values: Vec<String>,
    alert_days: i64,
    today: String,
    /// The metrics whose form value is a percentage (sent divided by 100), comma-separated.
    ratio_metrics: String,
}

fn scope_label(locale: Locale, scope: TargetScope, value: &str, names: &AgentNames) -> String {
    let name = t(locale, &format!("targets.scope_{}", scope.name()));
    match scope {
        TargetScope::Centre => name,
        TargetScope::Agent => format!("{name} · {}", names.label(value)),
        _ => format!("{name} · {value}"),
    }
}

/// `GET /targets`.
pub(crate) async fn page(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
) -> Result<Response, Problem> {
    let Some(user) = user else {
        return Ok(Redirect::to("/login").into_response());
    };
    user.require(Permission::ViewAllKpis)?;
    let locale = user.locale;
    let day = today(&state).await?;
    let names = AgentNames::load(&state).await?;
    let store = &state.store;
    let stored = store
        .targets_on(&day.to_string())
        .await
        .map_err(Problem::internal)?;
    let rows = stored
        .iter()
        .map(|target| TargetRow {
            metric: t(locale, &format!("kpi.{}", target.metric)),
            scope: scope_label(locale, target.scope, &target.scope_value, &names),
            target: show(&target.metric, target.value),
            warn_at: target
                .warn_at
                .map_or(String::new(), |w| show(&target.metric, Some(w))),
            direction: t(
                locale,
                &format!("targets.better_{}", target.direction.name()),
            ),
            effective_from: target.effective_from.clone(),
            created_by: target.created_by.clone(),
            end_body: json!({
                "metric": target.metric,
                "scope": target.scope.name(),
                "scope_value": target.scope_value,
                "target": null,
            })
            .to_string(),
        })
        .collect();
    let since = crate::query_params::add_days(day, -30);
    let alerts = store
        .recent_alerts(&since.to_string())
        .await
        .map_err(Problem::internal)?
        .into_iter()
        .map(|alert| {
            let detail: Value = serde_json::from_str(&alert.detail).unwrap_or(Value::Null);
            AlertRow {
                metric: t(locale, &format!("kpi.{}", alert.metric)),
                scope: scope_label(locale, alert.scope, &alert.scope_value, &names),
                rule: t(locale, &format!("targets.rule_{}", alert.rule)),
                rule_code: alert.rule.clone(),
                days: if alert.first_day == alert.last_day {
                    alert.first_day.clone()
                } else {
                    format!("{} – {}", alert.first_day, alert.last_day)
                },
                value: show(&alert.metric, detail["value"].as_f64()),
                open: alert.ended_day.is_none(),
            }
        })
        .collect();
    let mut scope_values: Vec<String> = Vec::new();
    for dimension in [
        servq_kpi::Dimension::Queue,
        servq_kpi::Dimension::Team,
        servq_kpi::Dimension::Agent,
    ] {
        scope_values.extend(
            store
                .dimension_values(dimension)
                .await
                .map_err(Problem::internal)?,
        );
    }
    scope_values.sort_by_key(|v| crate::pages::natural_key(v));
    scope_values.dedup();
    let page = TargetsPage {
        i18n: Text::new(locale),
        title: t(locale, "targets.title"),
        header: signed_in_header(&user),
        csrf: user.csrf_token().to_owned(),
        can_edit: user.user.role.allows(Permission::ManageTargets),
        rows,
        alerts,
        metrics: METRICS
            .iter()
            .filter(|m| m.unit != Unit::Count)
            .map(|m| (m.name, t(locale, &format!("kpi.{}", m.name))))
            .collect(),
        scopes: TargetScope::ALL
            .iter()
            .map(|s| (s.name(), t(locale, &format!("targets.scope_{}", s.name()))))
            .collect(),
        scope_values,
        alert_days: app::alert_days(store).await.map_err(Problem::internal)?,
        today: day.to_string(),
        ratio_metrics: METRICS
            .iter()
            .filter(|m| m.unit == Unit::Ratio)
            .map(|m| m.name)
            .collect::<Vec<_>>()
            .join(","),
    };
    Ok(render(&page)?.into_response())
}
