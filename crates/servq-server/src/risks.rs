//! The risk register, emergency plans and drills over HTTP (docs/risks.md): `/api/v1/risks…`,
//! `/api/v1/emergency-plans…`, `/api/v1/drills…` and the `/risks` pages. Reading needs
//! ViewRisks, every change ManageRisks.

use askama::Template;
use axum::{
    Json,
    extract::{Path, Query, State, rejection::JsonRejection, rejection::PathRejection},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Redirect, Response},
};
use jiff::civil::Date;
use serde::Deserialize;
use serde_json::{Value, json};
use servq_app::i18n::{Locale, t};
use servq_app::risks::{
    self as app, DrillRecordRequest, DrillRequest, PlanRequest, ReviewRequest, RiskError,
    RiskRequest,
};
use servq_core::{
    DrillStatus, MAX_RATING, Permission, PlanPhase, RiskCategory, RiskLevel, RiskStatus,
    RiskTreatment, risk_score, time_to_recovery,
};
use servq_store::{Drill, EmergencyPlan, Risk};

use crate::{
    AppState, Problem,
    auth::CurrentUser,
    pages::{Text, render, signed_in_header},
    query_params::{add_days, today},
};

/// A refusal as the API answers it.
fn risk_problem(locale: Locale, error: RiskError) -> Problem {
    match error {
        RiskError::Refused(problems) => Problem::invalid_fields(locale, "bad_risk", &problems),
        RiskError::NotFound => Problem::not_found(locale),
        RiskError::NotPlanned(status) => Problem::conflict(
            "drill_not_planned",
            format!("the drill is {} now", status.name()),
        )
        .with_message(
            locale,
            "drill_not_planned",
            &[(
                "status",
                &t(locale, &format!("risks.drill_{}", status.name())),
            )],
        ),
        RiskError::Failed(error) => Problem::internal(format!("{error:#}")),
    }
}

async fn centre_today(state: &AppState) -> Result<Date, Problem> {
    let (_, zone) = state.centre_zone().await?;
    Ok(today(&zone))
}

fn path_id(locale: Locale, id: Result<Path<i64>, PathRejection>) -> Result<i64, Problem> {
    id.map(|Path(id)| id)
        .map_err(|_| Problem::not_found(locale))
}

/// The thing a store read found, 404 when there is none, a logged 500 when the store failed.
fn found<T>(locale: Locale, read: servq_store::Result<Option<T>>) -> Result<T, Problem> {
    read.map_err(Problem::internal)?
        .ok_or_else(|| Problem::not_found(locale))
}

/// A write's checks: ManageRisks and the CSRF header.
fn may_change(user: &CurrentUser, headers: &HeaderMap) -> Result<(), Problem> {
    user.require(Permission::ManageRisks)?;
    user.check_csrf_header(headers)
}

// ---------------------------------------------------------------- API: risks

/// `GET /api/v1/risks`: the register, highest score first, and the open risks' heat map.
#[utoipa::path(get, path = "/api/v1/risks", tag = "risks",
    responses((status = 200, description = "{risks: [{id, title, category, description, likelihood, impact, score, level, owner, treatment, controls, review_on, review_due, status}], heat_map: [[count; 5]; 5] by impact − 1 then likelihood − 1}", body = Object),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Json<Value>, Problem> {
    user.require(Permission::ViewRisks)?;
    let day = centre_today(&state).await?;
    let risks = state.store.risks().await.map_err(Problem::internal)?;
    Ok(Json(app::register_json(&risks, day)))
}

/// `POST /api/v1/risks`: records a risk. 201 with it.
#[utoipa::path(post, path = "/api/v1/risks", tag = "risks", request_body = RiskRequest,
    responses((status = 201, description = "The risk (as in the list)", body = Object),
        (status = 400, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 415, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 422, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn add(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    body: Result<Json<RiskRequest>, JsonRejection>,
) -> Result<Response, Problem> {
    may_change(&user, &headers)?;
    let Json(body) = body?;
    let id = app::save_risk(&state.store, None, &body, &user.actor())
        .await
        .map_err(|e| risk_problem(user.locale, e))?;
    let risk = one_risk(&state, user.locale, id).await?;
    let day = centre_today(&state).await?;
    Ok((StatusCode::CREATED, Json(app::risk_json(&risk, day))).into_response())
}

async fn one_risk(state: &AppState, locale: Locale, id: i64) -> Result<Risk, Problem> {
    found(locale, state.store.risk(id).await)
}

/// `GET /api/v1/risks/{id}`: one risk with its reviews.
#[utoipa::path(get, path = "/api/v1/risks/{id}", tag = "risks",
    params(("id" = i64, Path, description = "Risk id")),
    responses((status = 200, description = "The risk, with reviews: [{reviewed_by, reviewed_at, likelihood, impact, note, next_review_on}]", body = Object),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 404, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    id: Result<Path<i64>, PathRejection>,
) -> Result<Json<Value>, Problem> {
    user.require(Permission::ViewRisks)?;
    let id = path_id(user.locale, id)?;
    let risk = one_risk(&state, user.locale, id).await?;
    let reviews = state
        .store
        .risk_reviews(id)
        .await
        .map_err(Problem::internal)?;
    let mut out = app::risk_json(&risk, centre_today(&state).await?);
    out["reviews"] = reviews
        .iter()
        .map(|r| {
            json!({"reviewed_by": r.reviewed_by, "reviewed_at": r.reviewed_at,
                "likelihood": r.likelihood, "impact": r.impact, "note": r.note,
                "next_review_on": r.next_review_on})
        })
        .collect();
    Ok(Json(out))
}

/// `PUT /api/v1/risks/{id}`: changes a risk (every field, as when recording it).
#[utoipa::path(put, path = "/api/v1/risks/{id}", tag = "risks", request_body = RiskRequest,
    params(("id" = i64, Path, description = "Risk id")),
    responses((status = 200, description = "The risk", body = Object),
        (status = 400, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 404, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 415, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 422, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn change(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    id: Result<Path<i64>, PathRejection>,
    body: Result<Json<RiskRequest>, JsonRejection>,
) -> Result<Json<Value>, Problem> {
    may_change(&user, &headers)?;
    let id = path_id(user.locale, id)?;
    let Json(body) = body?;
    app::save_risk(&state.store, Some(id), &body, &user.actor())
        .await
        .map_err(|e| risk_problem(user.locale, e))?;
    let risk = one_risk(&state, user.locale, id).await?;
    Ok(Json(app::risk_json(&risk, centre_today(&state).await?)))
}

/// `POST /api/v1/risks/{id}/reviews`: records a review; the risk takes its rating and next date.
#[utoipa::path(post, path = "/api/v1/risks/{id}/reviews", tag = "risks", request_body = ReviewRequest,
    params(("id" = i64, Path, description = "Risk id")),
    responses((status = 201, description = "The risk after the review", body = Object),
        (status = 400, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 404, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 415, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 422, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn review(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    id: Result<Path<i64>, PathRejection>,
    body: Result<Json<ReviewRequest>, JsonRejection>,
) -> Result<Response, Problem> {
    may_change(&user, &headers)?;
    let id = path_id(user.locale, id)?;
    let Json(body) = body?;
    let day = centre_today(&state).await?;
    app::review_risk(&state.store, id, &body, day, &user.actor())
        .await
        .map_err(|e| risk_problem(user.locale, e))?;
    let risk = one_risk(&state, user.locale, id).await?;
    Ok((StatusCode::CREATED, Json(app::risk_json(&risk, day))).into_response())
}

// ---------------------------------------------------------------- API: plans and drills

/// `GET /api/v1/emergency-plans`: every plan.
#[utoipa::path(get, path = "/api/v1/emergency-plans", tag = "risks",
    responses((status = 200, description = "{plans: [{id, title, scenario, trigger, owner, recovery_hours, steps: [{phase, role, action, target_minutes}], contacts, risk_ids}]}", body = Object),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn plans(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Json<Value>, Problem> {
    user.require(Permission::ViewRisks)?;
    let plans = state.store.plans().await.map_err(Problem::internal)?;
    Ok(Json(
        json!({"plans": plans.iter().map(app::plan_json).collect::<Vec<_>>()}),
    ))
}

async fn one_plan(state: &AppState, locale: Locale, id: i64) -> Result<EmergencyPlan, Problem> {
    found(locale, state.store.plan(id).await)
}

/// `POST /api/v1/emergency-plans`: writes a plan. 201 with it.
#[utoipa::path(post, path = "/api/v1/emergency-plans", tag = "risks", request_body = PlanRequest,
    responses((status = 201, description = "The plan", body = Object),
        (status = 400, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 415, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 422, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn add_plan(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    body: Result<Json<PlanRequest>, JsonRejection>,
) -> Result<Response, Problem> {
    may_change(&user, &headers)?;
    let Json(body) = body?;
    let id = app::save_plan(&state.store, None, &body, &user.actor())
        .await
        .map_err(|e| risk_problem(user.locale, e))?;
    let plan = one_plan(&state, user.locale, id).await?;
    Ok((StatusCode::CREATED, Json(app::plan_json(&plan))).into_response())
}

/// `GET /api/v1/emergency-plans/{id}`: one plan with its drills.
#[utoipa::path(get, path = "/api/v1/emergency-plans/{id}", tag = "risks",
    params(("id" = i64, Path, description = "Plan id")),
    responses((status = 200, description = "The plan, with drills (as GET /api/v1/drills/{id})", body = Object),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 404, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn show_plan(
    State(state): State<AppState>,
    user: CurrentUser,
    id: Result<Path<i64>, PathRejection>,
) -> Result<Json<Value>, Problem> {
    user.require(Permission::ViewRisks)?;
    let id = path_id(user.locale, id)?;
    let plan = one_plan(&state, user.locale, id).await?;
    let drills = state
        .store
        .drills(Some(id))
        .await
        .map_err(Problem::internal)?;
    let findings = state
        .store
        .drill_findings(None)
        .await
        .map_err(Problem::internal)?;
    let day = centre_today(&state).await?;
    let mut out = app::plan_json(&plan);
    out["drills"] = drills
        .iter()
        .map(|d| app::drill_json(d, Some(&plan), &findings, day))
        .collect();
    Ok(Json(out))
}

/// `PUT /api/v1/emergency-plans/{id}`: changes a plan (every field, as when writing it).
#[utoipa::path(put, path = "/api/v1/emergency-plans/{id}", tag = "risks", request_body = PlanRequest,
    params(("id" = i64, Path, description = "Plan id")),
    responses((status = 200, description = "The plan", body = Object),
        (status = 400, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 404, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 415, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 422, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn change_plan(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    id: Result<Path<i64>, PathRejection>,
    body: Result<Json<PlanRequest>, JsonRejection>,
) -> Result<Json<Value>, Problem> {
    may_change(&user, &headers)?;
    let id = path_id(user.locale, id)?;
    let Json(body) = body?;
    app::save_plan(&state.store, Some(id), &body, &user.actor())
        .await
        .map_err(|e| risk_problem(user.locale, e))?;
    Ok(Json(app::plan_json(
        &one_plan(&state, user.locale, id).await?,
    )))
}

/// `POST /api/v1/emergency-plans/{id}/drills`: schedules a drill. 201 with it.
#[utoipa::path(post, path = "/api/v1/emergency-plans/{id}/drills", tag = "risks", request_body = DrillRequest,
    params(("id" = i64, Path, description = "Plan id")),
    responses((status = 201, description = "The drill", body = Object),
        (status = 400, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 404, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 415, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 422, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn schedule(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    id: Result<Path<i64>, PathRejection>,
    body: Result<Json<DrillRequest>, JsonRejection>,
) -> Result<Response, Problem> {
    may_change(&user, &headers)?;
    let plan_id = path_id(user.locale, id)?;
    let Json(body) = body?;
    let day = centre_today(&state).await?;
    let id = app::schedule_drill(&state.store, plan_id, &body, day, &user.actor())
        .await
        .map_err(|e| risk_problem(user.locale, e))?;
    Ok((
        StatusCode::CREATED,
        Json(drill_out(&state, user.locale, id, day).await?),
    )
        .into_response())
}

async fn drill_out(state: &AppState, locale: Locale, id: i64, day: Date) -> Result<Value, Problem> {
    let drill = one_drill(state, locale, id).await?;
    let plan = state
        .store
        .plan(drill.plan_id)
        .await
        .map_err(Problem::internal)?;
    let findings = state
        .store
        .drill_findings(Some(id))
        .await
        .map_err(Problem::internal)?;
    Ok(app::drill_json(&drill, plan.as_ref(), &findings, day))
}

async fn one_drill(state: &AppState, locale: Locale, id: i64) -> Result<Drill, Problem> {
    found(locale, state.store.drill(id).await)
}

/// `GET /api/v1/drills`: every drill, by date.
#[utoipa::path(get, path = "/api/v1/drills", tag = "risks",
    responses((status = 200, description = "{drills: [{id, plan_id, plan, scheduled_on, status, overdue, ran_on, participants, steps, step_minutes, recovery_minutes, recovery_target_minutes, notes, findings: [{id, finding, owner, due_on, problem_id, task_id}]}]}", body = Object),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn drills(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Json<Value>, Problem> {
    user.require(Permission::ViewRisks)?;
    let day = centre_today(&state).await?;
    let store = &state.store;
    let drills = store.drills(None).await.map_err(Problem::internal)?;
    let plans = store.plans().await.map_err(Problem::internal)?;
    let findings = store
        .drill_findings(None)
        .await
        .map_err(Problem::internal)?;
    Ok(Json(json!({"drills": drills.iter().map(|d| {
        app::drill_json(d, plans.iter().find(|p| p.id == d.plan_id), &findings, day)
    }).collect::<Vec<_>>()})))
}

/// `GET /api/v1/drills/{id}`: one drill.
#[utoipa::path(get, path = "/api/v1/drills/{id}", tag = "risks",
    params(("id" = i64, Path, description = "Drill id")),
    responses((status = 200, description = "The drill (as in the list)", body = Object),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 404, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn show_drill(
    State(state): State<AppState>,
    user: CurrentUser,
    id: Result<Path<i64>, PathRejection>,
) -> Result<Json<Value>, Problem> {
    user.require(Permission::ViewRisks)?;
    let id = path_id(user.locale, id)?;
    let day = centre_today(&state).await?;
    Ok(Json(drill_out(&state, user.locale, id, day).await?))
}

/// `PUT /api/v1/drills/{id}`: records how a planned drill ran (once: 409 when it is recorded or
/// cancelled already).
#[utoipa::path(put, path = "/api/v1/drills/{id}", tag = "risks", request_body = DrillRecordRequest,
    params(("id" = i64, Path, description = "Drill id")),
    responses((status = 200, description = "The drill", body = Object),
        (status = 400, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 404, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 409, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 415, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 422, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn record(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    id: Result<Path<i64>, PathRejection>,
    body: Result<Json<DrillRecordRequest>, JsonRejection>,
) -> Result<Json<Value>, Problem> {
    may_change(&user, &headers)?;
    let id = path_id(user.locale, id)?;
    let Json(body) = body?;
    let day = centre_today(&state).await?;
    app::record_drill(&state.store, id, &body, day, &user.actor())
        .await
        .map_err(|e| risk_problem(user.locale, e))?;
    Ok(Json(drill_out(&state, user.locale, id, day).await?))
}

/// `POST /api/v1/drills/{id}/cancel`: calls off a planned drill (409 when it is not planned).
#[utoipa::path(post, path = "/api/v1/drills/{id}/cancel", tag = "risks",
    params(("id" = i64, Path, description = "Drill id")),
    responses((status = 200, description = "The drill", body = Object),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 404, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 409, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn cancel(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    id: Result<Path<i64>, PathRejection>,
) -> Result<Json<Value>, Problem> {
    may_change(&user, &headers)?;
    let id = path_id(user.locale, id)?;
    app::cancel_drill(&state.store, id, &user.actor())
        .await
        .map_err(|e| risk_problem(user.locale, e))?;
    let day = centre_today(&state).await?;
    Ok(Json(drill_out(&state, user.locale, id, day).await?))
}

/// `POST /api/v1/drills/{id}/findings/{finding}/problem`: makes a finding a problem of the
/// improvement register, with a task for the finding's owner due on its date (once: a second
/// call answers the same ids).
#[utoipa::path(post, path = "/api/v1/drills/{id}/findings/{finding}/problem", tag = "risks",
    params(("id" = i64, Path, description = "Drill id"), ("finding" = i64, Path, description = "Finding id")),
    responses((status = 201, description = "{problem_id, task_id, url}", body = Object),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 404, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn finding_problem(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    ids: Result<Path<(i64, i64)>, PathRejection>,
) -> Result<Response, Problem> {
    may_change(&user, &headers)?;
    let Path((drill_id, finding_id)) = ids.map_err(|_| Problem::not_found(user.locale))?;
    let (problem_id, task_id) = app::finding_to_problem(
        &state.store,
        drill_id,
        finding_id,
        user.locale,
        &user.actor(),
    )
    .await
    .map_err(|e| risk_problem(user.locale, e))?;
    // the owner hears of the task now
    servq_app::notifications::pass(&state.store, servq_app::now_ms())
        .await
        .map_err(Problem::internal)?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"problem_id": problem_id, "task_id": task_id,
            "url": format!("/problems/{problem_id}")})),
    )
        .into_response())
}

// ---------------------------------------------------------------- pages

/// A (value, shown text) choice of a select.
type Choice = (String, String);

fn choices<T: Copy>(
    locale: Locale,
    all: &[T],
    name: fn(T) -> &'static str,
    prefix: &str,
) -> Vec<Choice> {
    all.iter()
        .map(|v| {
            (
                name(*v).to_owned(),
                t(locale, &format!("{prefix}{}", name(*v))),
            )
        })
        .collect()
}

/// The words of a 1–5 scale (`likelihood` or `impact`): (value, word).
fn scale_words(locale: Locale, of: &str) -> Vec<Choice> {
    (1..=MAX_RATING)
        .map(|v| (v.to_string(), t(locale, &format!("risks.{of}_{v}"))))
        .collect()
}

/// The 1–5 scales as a select offers them: (value, "value · word").
fn scale(locale: Locale, of: &str) -> Vec<Choice> {
    scale_words(locale, of)
        .into_iter()
        .map(|(value, word)| {
            let text = format!("{value} · {word}");
            (value, text)
        })
        .collect()
}

/// The values of the risk form (empty for a new one).
pub(crate) struct RiskForm {
    id: i64,
    title: String,
    category: String,
    description: String,
    likelihood: String,
    impact: String,
    owner: String,
    treatment: String,
    controls: String,
    review_on: String,
    status: String,
}

/// The lists the risk form chooses from.
pub(crate) struct RiskChoices {
    categories: Vec<Choice>,
    treatments: Vec<Choice>,
    statuses: Vec<Choice>,
    likelihoods: Vec<Choice>,
    impacts: Vec<Choice>,
    users: Vec<String>,
}

async fn risk_choices(state: &AppState, locale: Locale) -> Result<RiskChoices, Problem> {
    Ok(RiskChoices {
        categories: choices(
            locale,
            RiskCategory::ALL,
            RiskCategory::name,
            "risks.category_",
        ),
        treatments: choices(
            locale,
            RiskTreatment::ALL,
            RiskTreatment::name,
            "risks.treatment_",
        ),
        statuses: choices(locale, RiskStatus::ALL, RiskStatus::name, "risks.status_"),
        likelihoods: scale(locale, "likelihood"),
        impacts: scale(locale, "impact"),
        users: usernames(state).await?,
    })
}

async fn usernames(state: &AppState) -> Result<Vec<String>, Problem> {
    app::usernames(&state.store)
        .await
        .map_err(Problem::internal)
}

/// A risk on the pages.
pub(crate) struct RiskRow {
    id: i64,
    title: String,
    category: String,
    likelihood: u8,
    impact: u8,
    score: u8,
    level_code: &'static str,
    level: String,
    owner: String,
    treatment: String,
    controls: String,
    description: String,
    review_on: String,
    review_due: bool,
    status_code: &'static str,
    status: String,
}

fn risk_row(locale: Locale, risk: &Risk, day: Date) -> RiskRow {
    let score = risk.score();
    let level = risk.level().name();
    RiskRow {
        id: risk.id,
        title: risk.title.clone(),
        category: t(locale, &format!("risks.category_{}", risk.category.name())),
        likelihood: risk.likelihood,
        impact: risk.impact,
        score,
        level_code: level,
        level: t(locale, &format!("risks.level_{level}")),
        owner: risk.owner.clone(),
        treatment: t(
            locale,
            &format!("risks.treatment_{}", risk.treatment.name()),
        ),
        controls: risk.controls.clone(),
        description: risk.description.clone(),
        review_on: risk.review_on.clone(),
        review_due: app::review_due(risk, day),
        status_code: risk.status.name(),
        status: t(locale, &format!("risks.status_{}", risk.status.name())),
    }
}

/// One cell of the heat map.
pub(crate) struct HeatCell {
    likelihood: u8,
    count: u32,
    level: &'static str,
    selected: bool,
}

/// A drill on the pages.
pub(crate) struct DrillRow {
    id: i64,
    plan: String,
    day: String,
    status_code: &'static str,
    status: String,
    overdue: bool,
    findings: usize,
}

fn drill_row(locale: Locale, drill: &Drill, plan: &str, findings: usize, day: Date) -> DrillRow {
    DrillRow {
        id: drill.id,
        plan: plan.to_owned(),
        day: drill
            .ran_on
            .clone()
            .unwrap_or_else(|| drill.scheduled_on.clone()),
        status_code: drill.status.name(),
        status: t(locale, &format!("risks.drill_{}", drill.status.name())),
        overdue: app::drill_overdue(drill, day),
        findings,
    }
}

/// `/risks?category=&level=&status=&likelihood=&impact=`.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct RisksQuery {
    category: Option<String>,
    level: Option<String>,
    status: Option<String>,
    likelihood: Option<u8>,
    impact: Option<u8>,
    /// Only risks whose review day has come.
    due: Option<String>,
}

/// A plan in the list.
pub(crate) struct PlanRow {
    id: i64,
    title: String,
    owner: String,
    steps: usize,
    last_drill: String,
    next_drill: String,
}

/// `/risks`.
#[derive(Template)]
#[template(path = "risks.html")]
pub(crate) struct RisksPage {
    i18n: Text,
    title: String,
    header: String,
    csrf: String,
    can_edit: bool,
    /// (impact, its word, the cells by likelihood 1–5), impact 5 first.
    heat: Vec<(u8, String, Vec<HeatCell>)>,
    /// The likelihood words, 1–5.
    likelihood_words: Vec<Choice>,
    rows: Vec<RiskRow>,
    total: usize,
    filtered: bool,
    /// The filter's values.
    category: String,
    level: String,
    status: String,
    levels: Vec<Choice>,
    /// (level, its word, its scores "1–4").
    legend: Vec<(String, String, String)>,
    plans: Vec<PlanRow>,
    drills: Vec<DrillRow>,
    reviews_due: usize,
    form: RiskForm,
    options: RiskChoices,
}

/// `GET /risks`: the heat map of the open risks, the register (filtered by a cell or the
/// selects), the plans and the drills coming.
pub(crate) async fn page(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    query: Result<Query<RisksQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, Problem> {
    let Some(user) = user else {
        return Ok(Redirect::to("/login").into_response());
    };
    user.require(Permission::ViewRisks)?;
    let query = query.map(|q| q.0).unwrap_or_default();
    let locale = user.locale;
    let day = centre_today(&state).await?;
    let store = &state.store;
    let risks = store.risks().await.map_err(Problem::internal)?;
    let map = app::heat_map(&risks);
    let heat = (1..=MAX_RATING)
        .rev()
        .map(|impact| {
            let cells = (1..=MAX_RATING)
                .map(|likelihood| HeatCell {
                    likelihood,
                    count: map.count(likelihood, impact),
                    level: RiskLevel::of(risk_score(likelihood, impact)).name(),
                    selected: query.likelihood == Some(likelihood) && query.impact == Some(impact),
                })
                .collect();
            (impact, t(locale, &format!("risks.impact_{impact}")), cells)
        })
        .collect();
    let status = query.status.clone().unwrap_or_else(|| "open".to_owned());
    let category = query.category.clone().unwrap_or_default();
    let level = query.level.clone().unwrap_or_default();
    let rows: Vec<RiskRow> = risks
        .iter()
        .filter(|r| status.is_empty() || r.status.name() == status)
        .filter(|r| category.is_empty() || r.category.name() == category)
        .filter(|r| level.is_empty() || r.level().name() == level)
        .filter(|r| query.likelihood.is_none_or(|l| r.likelihood == l))
        .filter(|r| query.impact.is_none_or(|i| r.impact == i))
        .filter(|r| query.due.is_none() || app::review_due(r, day))
        .map(|r| risk_row(locale, r, day))
        .collect();
    let plans = store.plans().await.map_err(Problem::internal)?;
    let drills = store.drills(None).await.map_err(Problem::internal)?;
    let findings = store
        .drill_findings(None)
        .await
        .map_err(Problem::internal)?;
    let plan_rows = plans
        .iter()
        .map(|plan| PlanRow {
            id: plan.id,
            title: plan.title.clone(),
            owner: plan.owner.clone(),
            steps: plan.steps.len(),
            last_drill: drills
                .iter()
                .rev()
                .filter(|d| d.plan_id == plan.id && d.status == DrillStatus::Done)
                .find_map(|d| d.ran_on.clone())
                .unwrap_or_else(|| "—".to_owned()),
            next_drill: drills
                .iter()
                .find(|d| d.plan_id == plan.id && d.status == DrillStatus::Planned)
                .map_or_else(|| "—".to_owned(), |d| d.scheduled_on.clone()),
        })
        .collect();
    // planned drills, and those run in the last year, newest last
    let year_ago = add_days(day, -365).to_string();
    let drill_rows = drills
        .iter()
        .filter(|d| {
            d.status == DrillStatus::Planned
                || d.ran_on.as_deref().unwrap_or(&d.scheduled_on) >= year_ago.as_str()
        })
        .map(|d| {
            let plan = plans
                .iter()
                .find(|p| p.id == d.plan_id)
                .map_or("", |p| p.title.as_str());
            drill_row(
                locale,
                d,
                plan,
                findings.iter().filter(|f| f.drill_id == d.id).count(),
                day,
            )
        })
        .collect();
    let page = RisksPage {
        i18n: Text::new(locale),
        title: t(locale, "risks.title"),
        header: signed_in_header(&user),
        csrf: user.csrf_token().to_owned(),
        can_edit: user.user.role.allows(Permission::ManageRisks),
        heat,
        likelihood_words: scale_words(locale, "likelihood"),
        total: risks.len(),
        filtered: query.likelihood.is_some()
            || query.impact.is_some()
            || !category.is_empty()
            || !level.is_empty()
            || query.due.is_some()
            || status != "open",
        reviews_due: risks.iter().filter(|r| app::review_due(r, day)).count(),
        rows,
        category,
        level,
        status,
        levels: choices(locale, RiskLevel::ALL, RiskLevel::name, "risks.level_"),
        legend: RiskLevel::ALL
            .iter()
            .map(|level| {
                let (low, high) = level.bounds();
                (
                    level.name().to_owned(),
                    t(locale, &format!("risks.level_{}", level.name())),
                    format!("{low}–{high}"),
                )
            })
            .collect(),
        plans: plan_rows,
        drills: drill_rows,
        form: RiskForm {
            id: 0,
            title: String::new(),
            category: String::new(),
            description: String::new(),
            likelihood: "3".to_owned(),
            impact: "3".to_owned(),
            owner: user.user.username.clone(),
            treatment: "mitigate".to_owned(),
            controls: String::new(),
            review_on: add_days(day, 90).to_string(),
            status: "open".to_owned(),
        },
        options: risk_choices(&state, locale).await?,
    };
    Ok(render(&page)?.into_response())
}

/// A review in the history.
pub(crate) struct ReviewRow {
    by: String,
    at: String,
    likelihood: u8,
    impact: u8,
    score: u8,
    note: String,
    next: String,
}

/// `/risks/{id}`.
#[derive(Template)]
#[template(path = "risk.html")]
pub(crate) struct RiskPage {
    i18n: Text,
    title: String,
    header: String,
    csrf: String,
    can_edit: bool,
    risk: RiskRow,
    reviews: Vec<ReviewRow>,
    /// (id, title) of the plans answering it.
    plans: Vec<(i64, String)>,
    next_review: String,
    form: RiskForm,
    options: RiskChoices,
}

/// `GET /risks/{id}`.
pub(crate) async fn risk_page(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    id: Result<Path<i64>, PathRejection>,
) -> Result<Response, Problem> {
    let Some(user) = user else {
        return Ok(Redirect::to("/login").into_response());
    };
    user.require(Permission::ViewRisks)?;
    let locale = user.locale;
    let id = path_id(locale, id)?;
    let risk = one_risk(&state, locale, id).await?;
    let (_, zone) = state.centre_zone().await?;
    let day = today(&zone);
    let reviews = state
        .store
        .risk_reviews(id)
        .await
        .map_err(Problem::internal)?
        .into_iter()
        .map(|r| ReviewRow {
            by: r.reviewed_by,
            at: crate::desk_pages::local_time(&zone, Some(r.reviewed_at)),
            likelihood: r.likelihood,
            impact: r.impact,
            score: risk_score(r.likelihood, r.impact),
            note: r.note,
            next: r.next_review_on,
        })
        .collect();
    let plans = state
        .store
        .plans()
        .await
        .map_err(Problem::internal)?
        .into_iter()
        .filter(|p| p.risk_ids.contains(&id))
        .map(|p| (p.id, p.title))
        .collect();
    let page = RiskPage {
        i18n: Text::new(locale),
        title: risk.title.clone(),
        header: signed_in_header(&user),
        csrf: user.csrf_token().to_owned(),
        can_edit: user.user.role.allows(Permission::ManageRisks),
        reviews,
        plans,
        next_review: add_days(day, 90).to_string(),
        form: RiskForm {
            id: risk.id,
            title: risk.title.clone(),
            category: risk.category.name().to_owned(),
            description: risk.description.clone(),
            likelihood: risk.likelihood.to_string(),
            impact: risk.impact.to_string(),
            owner: risk.owner.clone(),
            treatment: risk.treatment.name().to_owned(),
            controls: risk.controls.clone(),
            review_on: risk.review_on.clone(),
            status: risk.status.name().to_owned(),
        },
        risk: risk_row(locale, &risk, day),
        options: risk_choices(&state, locale).await?,
    };
    Ok(render(&page)?.into_response())
}

/// A step of the plan as shown: (number, role, action, target minutes or empty).
type StepView = (usize, String, String, String);

/// A step of the plan form: (phase, role, action, target minutes or empty).
type StepForm = (String, String, String, String);

/// `/risks/plans/{id}` and `/risks/plans/new`.
#[derive(Template)]
#[template(path = "risk_plan.html")]
pub(crate) struct PlanPage {
    i18n: Text,
    title: String,
    header: String,
    csrf: String,
    can_edit: bool,
    /// 0 for a new plan.
    id: i64,
    owner: String,
    scenario: String,
    trigger: String,
    recovery_hours: u32,
    /// (phase text, its steps), in the cycle's order.
    phases: Vec<(String, Vec<StepView>)>,
    /// Who to call, each line in parts: (text, whether it is a phone number to dial).
    contacts: Vec<Vec<(String, bool)>>,
    /// The same lines as written, for the editor.
    contact_lines: Vec<String>,
    /// When it was last changed (centre's zone).
    revised: String,
    /// (id, title, level code, linked).
    risks: Vec<(i64, String, &'static str, bool)>,
    drills: Vec<DrillRow>,
    next_drill: String,
    /// The edit form's steps and phase choices.
    steps: Vec<StepForm>,
    phase_choices: Vec<Choice>,
    users: Vec<String>,
}

fn step_forms(plan: Option<&EmergencyPlan>) -> Vec<StepForm> {
    match plan {
        Some(plan) => plan
            .steps
            .iter()
            .map(|s| {
                (
                    s.phase.clone(),
                    s.role.clone(),
                    s.action.clone(),
                    s.target_minutes.map_or_else(String::new, |m| m.to_string()),
                )
            })
            .collect(),
        // a new plan starts with one step in each phase of the cycle
        None => PlanPhase::ALL
            .iter()
            .map(|phase| {
                (
                    phase.name().to_owned(),
                    String::new(),
                    String::new(),
                    String::new(),
                )
            })
            .collect(),
    }
}

/// `GET /risks/plans/new`: the form for a new plan.
pub(crate) async fn new_plan_page(
    state: State<AppState>,
    user: Option<CurrentUser>,
) -> Result<Response, Problem> {
    plan_page_for(state, user, None).await
}

/// `GET /risks/plans/{id}`.
pub(crate) async fn plan_page(
    state: State<AppState>,
    user: Option<CurrentUser>,
    id: Result<Path<i64>, PathRejection>,
) -> Result<Response, Problem> {
    let id = id
        .map(|Path(id)| id)
        .map_err(|_| Problem::not_found(user.as_ref().map_or(Locale::ZhCn, |u| u.locale)))?;
    plan_page_for(state, user, Some(id)).await
}

async fn plan_page_for(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    id: Option<i64>,
) -> Result<Response, Problem> {
    let Some(user) = user else {
        return Ok(Redirect::to("/login").into_response());
    };
    user.require(Permission::ViewRisks)?;
    let locale = user.locale;
    let can_edit = user.user.role.allows(Permission::ManageRisks);
    if id.is_none() {
        user.require(Permission::ManageRisks)?;
    }
    let plan = match id {
        Some(id) => Some(one_plan(&state, locale, id).await?),
        None => None,
    };
    let (_, zone) = state.centre_zone().await?;
    let day = today(&zone);
    let store = &state.store;
    let drills = match id {
        Some(id) => store.drills(Some(id)).await.map_err(Problem::internal)?,
        None => Vec::new(),
    };
    let findings = store
        .drill_findings(None)
        .await
        .map_err(Problem::internal)?;
    let risks = store.risks().await.map_err(Problem::internal)?;
    let linked = plan.as_ref().map_or(&[][..], |p| &p.risk_ids[..]);
    let mut number = 0;
    let phases = plan
        .as_ref()
        .map(|plan| {
            app::steps_by_phase(&plan.steps)
                .into_iter()
                .map(|(phase, steps)| {
                    (
                        t(locale, &format!("risks.phase_{}", phase.name())),
                        steps
                            .into_iter()
                            .map(|(_, step)| {
                                number += 1;
                                (
                                    number,
                                    step.role.clone(),
                                    step.action.clone(),
                                    step.target_minutes
                                        .map_or_else(String::new, |m| m.to_string()),
                                )
                            })
                            .collect(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let page = PlanPage {
        i18n: Text::new(locale),
        title: plan
            .as_ref()
            .map_or_else(|| t(locale, "risks.new_plan"), |p| p.title.clone()),
        header: signed_in_header(&user),
        csrf: user.csrf_token().to_owned(),
        can_edit,
        id: plan.as_ref().map_or(0, |p| p.id),
        owner: plan
            .as_ref()
            .map_or_else(|| user.user.username.clone(), |p| p.owner.clone()),
        scenario: plan
            .as_ref()
            .map_or_else(String::new, |p| p.scenario.clone()),
        trigger: plan
            .as_ref()
            .map_or_else(String::new, |p| p.trigger.clone()),
        recovery_hours: plan.as_ref().map_or(
            u32::try_from(app::DEFAULT_RECOVERY_HOURS).unwrap_or(48),
            |p| p.recovery_hours,
        ),
        phases,
        contacts: plan.as_ref().map_or_else(Vec::new, |p| {
            p.contacts.iter().map(|line| dialable(line)).collect()
        }),
        contact_lines: plan.as_ref().map_or_else(Vec::new, |p| p.contacts.clone()),
        revised: plan.as_ref().map_or_else(String::new, |p| {
            crate::desk_pages::local_time(&zone, Some(p.updated_at))
        }),
        risks: risks
            .iter()
            .filter(|r| r.status == RiskStatus::Open || linked.contains(&r.id))
            .map(|r| {
                (
                    r.id,
                    r.title.clone(),
                    r.level().name(),
                    linked.contains(&r.id),
                )
            })
            .collect(),
        drills: drills
            .iter()
            .rev()
            .map(|d| {
                drill_row(
                    locale,
                    d,
                    plan.as_ref().map_or("", |p| p.title.as_str()),
                    findings.iter().filter(|f| f.drill_id == d.id).count(),
                    day,
                )
            })
            .collect(),
        next_drill: add_days(day, 30).to_string(),
        steps: step_forms(plan.as_ref()),
        phase_choices: choices(locale, PlanPhase::ALL, PlanPhase::name, "risks.phase_"),
        users: usernames(&state).await?,
    };
    Ok(render(&page)?.into_response())
}

/// A plan step on the drill page.
pub(crate) struct DrillStep {
    index: usize,
    phase: String,
    role: String,
    action: String,
    target: String,
    actual: String,
    /// Took longer than its target.
    over: bool,
}

/// A contact line in parts, the phone numbers (runs of at least five digits, `+` and `-`) apart
/// so a phone can dial them.
fn dialable(line: &str) -> Vec<(String, bool)> {
    let mut parts: Vec<(String, bool)> = Vec::new();
    for word in line.split_inclusive(char::is_whitespace) {
        let number = word.trim();
        let phone = number.chars().filter(char::is_ascii_digit).count() >= 5
            && number
                .chars()
                .all(|c| c.is_ascii_digit() || c == '+' || c == '-');
        if phone {
            parts.push((number.to_owned(), true));
            let rest = &word[number.len()..];
            if !rest.is_empty() {
                parts.push((rest.to_owned(), false));
            }
        } else {
            match parts.last_mut() {
                Some((text, false)) => text.push_str(word),
                _ => parts.push((word.to_owned(), false)),
            }
        }
    }
    parts
}

/// The findings with the status of the problem each became.
async fn finding_rows(
    state: &AppState,
    locale: Locale,
    findings: Vec<servq_store::DrillFinding>,
) -> Result<Vec<FindingRow>, Problem> {
    let mut rows = Vec::new();
    for finding in findings {
        let problem = match finding.problem_id {
            Some(id) => state
                .store
                .problem(id)
                .await
                .map_err(Problem::internal)?
                .map(|p| {
                    (
                        id,
                        t(locale, &format!("problems.status_{}", p.status.name())),
                    )
                }),
            None => None,
        };
        rows.push((
            finding.id,
            finding.finding,
            finding.owner,
            finding.due_on,
            problem,
        ));
    }
    Ok(rows)
}

/// `minutes` in words: "4 小时 15 分钟", "45 分钟".
fn duration_text(locale: Locale, minutes: u32) -> String {
    if minutes < 60 {
        return t(locale, "risks.duration_m").replace("{m}", &minutes.to_string());
    }
    t(locale, "risks.duration_hm")
        .replace("{h}", &(minutes / 60).to_string())
        .replace("{m}", &(minutes % 60).to_string())
}

/// A finding on the drill page: (id, text, owner, due, the problem it became and its status).
pub(crate) type FindingRow = (i64, String, String, String, Option<(i64, String)>);

/// `/risks/drills/{id}`.
#[derive(Template)]
#[template(path = "risk_drill.html")]
pub(crate) struct DrillPage {
    i18n: Text,
    title: String,
    header: String,
    csrf: String,
    can_edit: bool,
    id: i64,
    plan_id: i64,
    plan: String,
    scheduled_on: String,
    status_code: &'static str,
    status: String,
    overdue: bool,
    ran_on: String,
    today: String,
    steps: Vec<DrillStep>,
    participants: Vec<String>,
    notes: String,
    /// Once run and timed: the sentence of the time to recovery against the plan's target, and
    /// whether it took longer.
    recovery: Option<(String, bool)>,
    findings: Vec<FindingRow>,
    users: Vec<String>,
    due: String,
}

/// `GET /risks/drills/{id}`: a planned drill's record form, or how it ran.
pub(crate) async fn drill_page(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    id: Result<Path<i64>, PathRejection>,
) -> Result<Response, Problem> {
    let Some(user) = user else {
        return Ok(Redirect::to("/login").into_response());
    };
    user.require(Permission::ViewRisks)?;
    let locale = user.locale;
    let id = path_id(locale, id)?;
    let drill = one_drill(&state, locale, id).await?;
    let plan = one_plan(&state, locale, drill.plan_id).await?;
    let day = centre_today(&state).await?;
    let findings = state
        .store
        .drill_findings(Some(id))
        .await
        .map_err(Problem::internal)?;
    // a drill that ran shows the steps as they were then; a planned one the plan's now
    let steps = if drill.status == DrillStatus::Done {
        &drill.steps
    } else {
        &plan.steps
    };
    let recovery = time_to_recovery(&drill.steps, &drill.step_minutes)
        .filter(|_| drill.status == DrillStatus::Done)
        .map(|minutes| {
            let over = minutes > plan.recovery_hours * 60;
            (
                t(locale, "risks.recovery_result")
                    .replace("{taken}", &duration_text(locale, minutes))
                    .replace("{hours}", &plan.recovery_hours.to_string())
                    .replace(
                        "{verdict}",
                        &t(
                            locale,
                            if over {
                                "risks.recovery_missed"
                            } else {
                                "risks.recovery_met"
                            },
                        ),
                    ),
                over,
            )
        });
    let page = DrillPage {
        i18n: Text::new(locale),
        title: t(locale, "risks.drill_title")
            .replace("{plan}", &plan.title)
            .replace(
                "{day}",
                drill.ran_on.as_deref().unwrap_or(&drill.scheduled_on),
            ),
        header: signed_in_header(&user),
        csrf: user.csrf_token().to_owned(),
        can_edit: user.user.role.allows(Permission::ManageRisks),
        id,
        plan_id: plan.id,
        plan: plan.title.clone(),
        scheduled_on: drill.scheduled_on.clone(),
        status_code: drill.status.name(),
        status: t(locale, &format!("risks.drill_{}", drill.status.name())),
        overdue: app::drill_overdue(&drill, day),
        ran_on: drill.ran_on.clone().unwrap_or_default(),
        today: day.to_string(),
        steps: steps
            .iter()
            .enumerate()
            .map(|(index, step)| {
                let actual = drill.step_minutes.get(index).copied().flatten();
                DrillStep {
                    index,
                    phase: t(locale, &format!("risks.phase_{}", step.phase)),
                    role: step.role.clone(),
                    action: step.action.clone(),
                    target: step
                        .target_minutes
                        .map_or_else(String::new, |m| m.to_string()),
                    actual: actual.map_or_else(String::new, |m| m.to_string()),
                    over: matches!((actual, step.target_minutes), (Some(a), Some(t)) if a > t),
                }
            })
            .collect(),
        participants: drill.participants.clone(),
        notes: drill.notes.clone(),
        recovery,
        findings: finding_rows(&state, locale, findings).await?,
        users: usernames(&state).await?,
        due: add_days(day, 30).to_string(),
    };
    Ok(render(&page)?.into_response())
}

#[cfg(test)]
mod tests {
    use super::dialable;

    #[test]
    fn phone_numbers_in_contact_lines_can_be_dialled() {
        assert_eq!(
            dialable("张伟 值班主管 138-0000-0001"),
            [
                ("张伟 值班主管 ".to_owned(), false),
                ("138-0000-0001".to_owned(), true)
            ]
        );
        assert_eq!(
            dialable("运营商热线 10000 （24 小时）"),
            [
                ("运营商热线 ".to_owned(), false),
                ("10000".to_owned(), true),
                (" （24 小时）".to_owned(), false)
            ]
        );
        // too short to be a phone number, or mixed with letters
        assert_eq!(dialable("B1 1234"), [("B1 1234".to_owned(), false)]);
    }
}
