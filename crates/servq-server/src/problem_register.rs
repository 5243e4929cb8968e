//! The problem register over HTTP: `GET/POST /api/v1/problems`, `PUT /api/v1/problems/{id}`
//! (move along the life cycle, set the owner), `GET /api/v1/problems/suggestions`,
//! `POST /api/v1/problems/suggestions/accept|dismiss`, and the `/problems` page. The rules live
//! in `servq_app::problems`; managing problems takes ManageTargets, reading them ViewAllKpis.

use askama::Template;
use axum::{
    Json,
    extract::{Path, State, rejection::JsonRejection, rejection::PathRejection},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Redirect, Response},
};
use serde::Deserialize;
use serde_json::{Value, json};
use servq_app::i18n::t;
use servq_app::problems::{self as app, ProblemRequest};
use servq_core::{Permission, ProblemClass};

use crate::{
    AppState, Problem,
    auth::CurrentUser,
    pages::{Text, render, signed_in_header},
    query_params::today,
};

/// `POST /api/v1/problems`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub(crate) struct ProblemBody {
    /// response_efficiency, problem_solving, attitude or process_design.
    class: String,
    /// A short title.
    title: String,
    /// What is wrong.
    #[serde(default)]
    description: String,
    /// The owner's username.
    #[serde(default)]
    owner: String,
}

/// `PUT /api/v1/problems/{id}`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub(crate) struct MoveBody {
    /// The status to move to (one of the problem's `next`); absent keeps it.
    #[serde(default)]
    status: Option<String>,
    /// The owner; absent keeps it.
    #[serde(default)]
    owner: Option<String>,
    /// The goal whose KPI measures the fix (checked 30/60/90 days after closing); 0 removes it,
    /// absent keeps it.
    #[serde(default)]
    goal_id: Option<i64>,
}

/// `POST /api/v1/problems/{id}/evidence`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub(crate) struct EvidenceBody {
    /// contact, ticket, review_task, evaluation or kpi.
    kind: String,
    /// The contact/ticket/response/evaluation id, or for kpi the series (`csat`,
    /// `fcr_rate|queue=billing`).
    reference: String,
    /// Why it matters.
    #[serde(default)]
    note: String,
}

/// `POST /api/v1/problems/suggestions/accept` and `…/dismiss`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub(crate) struct SuggestionBody {
    /// The suggestion's key.
    key: String,
}

/// `GET /api/v1/problems`: the register, most recently worked on first.
#[utoipa::path(get, path = "/api/v1/problems", tag = "problems",
    responses((status = 200, description = "problems: [{id, class, title, description, source, source_key, status, next, owner, created_by, created_at, updated_at}]", body = Object),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Json<Value>, Problem> {
    user.require(Permission::ViewAllKpis)?;
    let problems = state.store.problems().await.map_err(Problem::internal)?;
    Ok(Json(
        json!({ "problems": problems.iter().map(app::problem_json).collect::<Vec<_>>() }),
    ))
}

/// `POST /api/v1/problems`: records a problem by hand; 201 with it.
#[utoipa::path(post, path = "/api/v1/problems", tag = "problems", request_body = ProblemBody,
    responses((status = 201, description = "The problem", body = Object),
        (status = 400, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 415, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 422, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn add(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    body: Result<Json<ProblemBody>, JsonRejection>,
) -> Result<Response, Problem> {
    user.require(Permission::ManageTargets)?;
    user.check_csrf_header(&headers)?;
    let Json(body) = body?;
    let request = ProblemRequest {
        class: body.class,
        title: body.title,
        description: body.description,
        owner: body.owner,
    };
    let id = app::add(&state.store, &request, &user.actor())
        .await
        .map_err(|e| Problem::refused_setting(user.locale, "bad_problem", e))?;
    created(&state, id).await
}

async fn created(state: &AppState, id: i64) -> Result<Response, Problem> {
    let problem = state
        .store
        .problem(id)
        .await
        .map_err(Problem::internal)?
        .ok_or_else(|| Problem::internal("the new problem is gone"))?;
    Ok((StatusCode::CREATED, Json(app::problem_json(&problem))).into_response())
}

/// `PUT /api/v1/problems/{id}`: moves a problem along its life cycle, sets its owner or its goal
/// (closing a problem with a goal schedules its effectiveness checks); 200 with it.
#[utoipa::path(put, path = "/api/v1/problems/{id}", tag = "problems", request_body = MoveBody,
    params(("id" = i64, Path, description = "Problem id")),
    responses((status = 200, description = "The problem", body = Object),
        (status = 400, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 404, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 415, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 422, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn move_to(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    id: Result<Path<i64>, PathRejection>,
    body: Result<Json<MoveBody>, JsonRejection>,
) -> Result<Json<Value>, Problem> {
    user.require(Permission::ManageTargets)?;
    user.check_csrf_header(&headers)?;
    let Path(id) = id.map_err(|_| Problem::not_found(user.locale))?;
    let Json(body) = body?;
    if state
        .store
        .problem(id)
        .await
        .map_err(Problem::internal)?
        .is_none()
    {
        return Err(Problem::not_found(user.locale));
    }
    let change = app::ProblemChange {
        status: body.status,
        owner: body.owner,
        goal_id: body.goal_id,
    };
    let (_, zone) = state.centre_zone().await?;
    let problem = app::change(&state.store, id, &change, today(&zone), &user.actor())
        .await
        .map_err(|e| Problem::refused_setting(user.locale, "bad_move", e))?;
    Ok(Json(app::problem_json(&problem)))
}

/// `GET /api/v1/problems/{id}`: the problem with its analysis, evidence, effectiveness checks
/// and tasks.
#[utoipa::path(get, path = "/api/v1/problems/{id}", tag = "problems",
    params(("id" = i64, Path, description = "Problem id")),
    responses((status = 200, description = "{id, class, title, …, goal_id, analysis, evidence: [{id, kind, reference, note, link, added_by, added_at}], checks: [{id, goal_id, closed_on, after_days, due, status, value, target, checked_at}], tasks: [...]}", body = Object),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 404, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn one(
    State(state): State<AppState>,
    user: CurrentUser,
    id: Result<Path<i64>, PathRejection>,
) -> Result<Json<Value>, Problem> {
    user.require(Permission::ViewAllKpis)?;
    let Path(id) = id.map_err(|_| Problem::not_found(user.locale))?;
    let (_, zone) = state.centre_zone().await?;
    app::detail_json(&state.store, id, today(&zone))
        .await
        .map_err(Problem::internal)?
        .map(Json)
        .ok_or_else(|| Problem::not_found(user.locale))
}

/// `POST /api/v1/problems/{id}/evidence`: links a contact, ticket, review task, evaluation or
/// KPI series; 201 with the problem's evidence.
#[utoipa::path(post, path = "/api/v1/problems/{id}/evidence", tag = "problems", request_body = EvidenceBody,
    params(("id" = i64, Path, description = "Problem id")),
    responses((status = 201, description = "evidence: [{id, kind, reference, note, link, added_by, added_at}]", body = Object),
        (status = 400, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 404, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 415, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 422, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn link_evidence(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    id: Result<Path<i64>, PathRejection>,
    body: Result<Json<EvidenceBody>, JsonRejection>,
) -> Result<Response, Problem> {
    user.require(Permission::ManageTargets)?;
    user.check_csrf_header(&headers)?;
    let Path(id) = id.map_err(|_| Problem::not_found(user.locale))?;
    let Json(body) = body?;
    existing(&state, &user, id).await?;
    app::link_evidence(
        &state.store,
        id,
        &body.kind,
        &body.reference,
        &body.note,
        &user.actor(),
    )
    .await
    .map_err(|e| Problem::refused_setting(user.locale, "bad_evidence", e))?;
    Ok((StatusCode::CREATED, Json(evidence_list(&state, id).await?)).into_response())
}

/// `DELETE /api/v1/problems/{id}/evidence/{evidence_id}`: unlinks a piece of evidence; 204.
#[utoipa::path(delete, path = "/api/v1/problems/{id}/evidence/{evidence_id}", tag = "problems",
    params(("id" = i64, Path, description = "Problem id"), ("evidence_id" = i64, Path, description = "Evidence id")),
    responses((status = 204, description = "Unlinked"),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 404, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn unlink_evidence(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    ids: Result<Path<(i64, i64)>, PathRejection>,
) -> Result<StatusCode, Problem> {
    user.require(Permission::ManageTargets)?;
    user.check_csrf_header(&headers)?;
    let Path((id, evidence_id)) = ids.map_err(|_| Problem::not_found(user.locale))?;
    if state
        .store
        .remove_problem_evidence(id, evidence_id, &user.actor(), servq_app::now_ms())
        .await
        .map_err(Problem::internal)?
    {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(Problem::not_found(user.locale))
    }
}

async fn existing(state: &AppState, user: &CurrentUser, id: i64) -> Result<(), Problem> {
    match state.store.problem(id).await.map_err(Problem::internal)? {
        Some(_) => Ok(()),
        None => Err(Problem::not_found(user.locale)),
    }
}

async fn evidence_list(state: &AppState, id: i64) -> Result<Value, Problem> {
    let evidence = state
        .store
        .problem_evidence(id)
        .await
        .map_err(Problem::internal)?;
    Ok(json!({ "evidence": evidence.iter().map(app::evidence_json).collect::<Vec<_>>() }))
}

/// `GET /api/v1/problems/suggestions`: today's suggestions not yet accepted or dismissed.
#[utoipa::path(get, path = "/api/v1/problems/suggestions", tag = "problems",
    responses((status = 200, description = "suggestions: [{key, kind, class, title, evidence, link}]", body = Object),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn suggestions(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Json<Value>, Problem> {
    user.require(Permission::ViewAllKpis)?;
    let (_, zone) = state.centre_zone().await?;
    let found = app::suggestions(&state.store, today(&zone), user.locale)
        .await
        .map_err(Problem::internal)?;
    Ok(Json(
        json!({ "suggestions": found.iter().map(app::suggestion_json).collect::<Vec<_>>() }),
    ))
}

/// `POST /api/v1/problems/suggestions/accept`: records a suggestion as a problem; 201 with it.
#[utoipa::path(post, path = "/api/v1/problems/suggestions/accept", tag = "problems", request_body = SuggestionBody,
    responses((status = 201, description = "The problem", body = Object),
        (status = 400, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 415, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 422, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn accept(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    body: Result<Json<SuggestionBody>, JsonRejection>,
) -> Result<Response, Problem> {
    user.require(Permission::ManageTargets)?;
    user.check_csrf_header(&headers)?;
    let Json(body) = body?;
    let (_, zone) = state.centre_zone().await?;
    let id = app::accept(
        &state.store,
        &body.key,
        today(&zone),
        user.locale,
        &user.actor(),
    )
    .await
    .map_err(|e| Problem::refused_setting(user.locale, "bad_suggestion", e))?;
    created(&state, id).await
}

/// `POST /api/v1/problems/suggestions/dismiss`: never offers the suggestion again; 204.
#[utoipa::path(post, path = "/api/v1/problems/suggestions/dismiss", tag = "problems", request_body = SuggestionBody,
    responses((status = 204, description = "Dismissed"),
        (status = 400, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 415, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 422, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn dismiss(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    body: Result<Json<SuggestionBody>, JsonRejection>,
) -> Result<StatusCode, Problem> {
    user.require(Permission::ManageTargets)?;
    user.check_csrf_header(&headers)?;
    let Json(body) = body?;
    app::dismiss(&state.store, &body.key, &user.actor())
        .await
        .map_err(Problem::internal)?;
    Ok(StatusCode::NO_CONTENT)
}

/// A problem on the page.
pub(crate) struct ProblemRow {
    id: i64,
    class: String,
    title: String,
    description: String,
    source: String,
    status: String,
    status_code: &'static str,
    owner: String,
    /// (status code, label, request body)
    moves: Vec<(String, String, String)>,
}

/// A suggestion on the page.
pub(crate) struct SuggestionRow {
    kind: String,
    class: String,
    title: String,
    evidence: String,
    link: String,
    body: String,
}

/// `/problems`.
#[derive(Template)]
#[template(path = "problems.html")]
pub(crate) struct ProblemsPage {
    i18n: Text,
    title: String,
    header: String,
    csrf: String,
    can_edit: bool,
    suggestions: Vec<SuggestionRow>,
    rows: Vec<ProblemRow>,
    classes: Vec<(&'static str, String)>,
    /// Whether the risk register is theirs to open (linked beside goals and tasks).
    can_see_risks: bool,
}

/// `GET /problems`.
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
    let suggestions = app::suggestions(&state.store, today(&zone), locale)
        .await
        .map_err(Problem::internal)?
        .into_iter()
        .map(|s| SuggestionRow {
            kind: t(locale, &format!("problems.kind_{}", s.kind)),
            class: t(locale, &format!("problems.class_{}", s.class.name())),
            body: json!({ "key": s.key }).to_string(),
            title: s.title,
            evidence: s.evidence,
            link: s.link,
        })
        .collect();
    let rows = state
        .store
        .problems()
        .await
        .map_err(Problem::internal)?
        .into_iter()
        .map(|p| ProblemRow {
            id: p.id,
            class: t(locale, &format!("problems.class_{}", p.class.name())),
            source: t(locale, &format!("problems.kind_{}", p.source)),
            status: t(locale, &format!("problems.status_{}", p.status.name())),
            status_code: p.status.name(),
            moves: p
                .status
                .next()
                .iter()
                .map(|s| {
                    (
                        s.name().to_owned(),
                        t(locale, &format!("problems.move_{}", s.name())),
                        json!({ "status": s.name() }).to_string(),
                    )
                })
                .collect(),
            title: p.title,
            description: p.description,
            owner: p.owner,
        })
        .collect();
    let page = ProblemsPage {
        can_see_risks: user.user.role.allows(Permission::ViewRisks),
        i18n: Text::new(locale),
        title: t(locale, "problems.title"),
        header: signed_in_header(&user),
        csrf: user.csrf_token().to_owned(),
        can_edit: user.user.role.allows(Permission::ManageTargets),
        suggestions,
        rows,
        classes: ProblemClass::ALL
            .iter()
            .map(|c| (c.name(), t(locale, &format!("problems.class_{}", c.name()))))
            .collect(),
    };
    Ok(render(&page)?.into_response())
}

/// `PUT /api/v1/problems/{id}/analysis` and the answer of `GET`: the root-cause analysis.
#[utoipa::path(get, path = "/api/v1/problems/{id}/analysis", tag = "problems",
    params(("id" = i64, Path, description = "Problem id")),
    responses((status = 200, description = "{whys: [{why, because}], root, categories, causes: [{category, cause, likelihood, evidence}]}", body = Object),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 404, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn analysis(
    State(state): State<AppState>,
    user: CurrentUser,
    id: Result<Path<i64>, PathRejection>,
) -> Result<Json<servq_core::RootCauseAnalysis>, Problem> {
    user.require(Permission::ViewAllKpis)?;
    let Path(id) = id.map_err(|_| Problem::not_found(user.locale))?;
    if state
        .store
        .problem(id)
        .await
        .map_err(Problem::internal)?
        .is_none()
    {
        return Err(Problem::not_found(user.locale));
    }
    Ok(Json(
        app::analysis(&state.store, id)
            .await
            .map_err(Problem::internal)?,
    ))
}

/// `PUT /api/v1/problems/{id}/analysis`: replaces the 5-Why chain and the fishbone.
#[utoipa::path(put, path = "/api/v1/problems/{id}/analysis", tag = "problems",
    params(("id" = i64, Path, description = "Problem id")),
    request_body(content = Object, description = "{whys: [{why, because}], root: index|null, categories: [..], causes: [{category, cause, likelihood: possible|likely|confirmed, evidence}]}"),
    responses((status = 200, description = "The saved analysis", body = Object),
        (status = 400, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 404, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 415, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 422, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn save_analysis(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    id: Result<Path<i64>, PathRejection>,
    body: Result<Json<servq_core::RootCauseAnalysis>, JsonRejection>,
) -> Result<Json<servq_core::RootCauseAnalysis>, Problem> {
    user.require(Permission::ManageTargets)?;
    user.check_csrf_header(&headers)?;
    let Path(id) = id.map_err(|_| Problem::not_found(user.locale))?;
    let Json(body) = body?;
    if state
        .store
        .problem(id)
        .await
        .map_err(Problem::internal)?
        .is_none()
    {
        return Err(Problem::not_found(user.locale));
    }
    app::save_analysis(&state.store, id, &body, &user.actor())
        .await
        .map_err(|e| Problem::refused_setting(user.locale, "bad_analysis", e))?;
    Ok(Json(body))
}

/// A fishbone drawn as SVG coordinates: the spine, a branch per category (alternately above and
/// below), each cause a label along its branch.
pub(crate) struct Fishbone {
    width: i64,
    height: i64,
    spine_y: i64,
    head_x: i64,
    head: String,
    branches: Vec<Branch>,
}

/// One branch of the fishbone: a line from the spine, its label, its causes.
pub(crate) struct Branch {
    x1: i64,
    y1: i64,
    x2: i64,
    y2: i64,
    label_x: i64,
    label_y: i64,
    category: String,
    causes: Vec<CauseLabel>,
}

/// A cause's text on its branch.
pub(crate) struct CauseLabel {
    x: i64,
    y: i64,
    text: String,
    confirmed: bool,
}

fn fishbone(
    title: &str,
    analysis: &servq_core::RootCauseAnalysis,
    label: impl Fn(&str) -> String,
) -> Fishbone {
    let (width, height, spine_y, head_x) = (860, 340, 170, 700);
    let count = analysis.categories.len().max(1) as i64;
    let pairs = (count + 1) / 2;
    let spacing = (head_x - 80) / pairs.max(1);
    let branches = analysis
        .categories
        .iter()
        .enumerate()
        .map(|(index, category)| {
            let index = index as i64;
            let x = 80 + spacing * (index / 2) + spacing / 2 + 40;
            let up = index % 2 == 0;
            let end_y = if up { 40 } else { height - 40 };
            let end_x = x - 70;
            let causes: Vec<CauseLabel> = analysis
                .causes
                .iter()
                .filter(|c| c.category.trim() == category.trim())
                .enumerate()
                .map(|(k, cause)| {
                    let step = (k as i64 + 1) * 22;
                    let y = if up { end_y + step } else { end_y - step };
                    // along the branch: x moves right as y nears the spine
                    let along = (70 * step) / (spine_y - 40).max(1);
                    CauseLabel {
                        x: end_x + along + 6,
                        y: y + 4,
                        text: cause.cause.clone(),
                        confirmed: cause.likelihood == servq_core::Likelihood::Confirmed,
                    }
                })
                .collect();
            Branch {
                x1: x,
                y1: spine_y,
                x2: end_x,
                y2: end_y,
                label_x: end_x,
                label_y: if up { end_y - 8 } else { end_y + 16 },
                category: label(category),
                causes,
            }
        })
        .collect();
    Fishbone {
        width,
        height,
        spine_y,
        head_x,
        head: title.to_owned(),
        branches,
    }
}

/// `/problems/{id}`: one problem with its 5-Why chain and fishbone.
#[derive(Template)]
#[template(path = "problem.html")]
pub(crate) struct ProblemPage {
    i18n: Text,
    title: String,
    header: String,
    csrf: String,
    can_edit: bool,
    id: i64,
    status: String,
    class: String,
    description: String,
    /// Five rows at least: (why, because, is root)
    whys: Vec<(String, String, bool)>,
    categories: Vec<(String, String)>,
    /// (category, cause, likelihood, evidence), with blank rows to fill
    causes: Vec<(String, String, String, String)>,
    likelihoods: Vec<(&'static str, String)>,
    fishbone: Fishbone,
    root_text: String,
    /// (status code, label, request body)
    moves: Vec<(String, String, String)>,
    /// (id, name, chosen)
    goals: Vec<(i64, String, bool)>,
    checks: Vec<CheckRow>,
    evidence: Vec<EvidenceRow>,
    evidence_kinds: Vec<(&'static str, String)>,
    tasks: Vec<TaskRow>,
    matrix: Option<MatrixChart>,
    owner: String,
    users: Vec<String>,
}

/// An effectiveness check on the page.
pub(crate) struct CheckRow {
    after_days: i64,
    due: String,
    status_code: &'static str,
    status: String,
    value: String,
    target: String,
}

/// A piece of evidence on the page.
pub(crate) struct EvidenceRow {
    id: i64,
    kind: String,
    reference: String,
    link: String,
    note: String,
    added_by: String,
}

/// A task of the problem on the page.
pub(crate) struct TaskRow {
    id: i64,
    title: String,
    owner: String,
    due: String,
    status: String,
    overdue: bool,
}

/// The frequency × impact matrix drawn as SVG: each item a point linking to the Pareto page,
/// this problem's item marked; dashed lines at the medians split the quadrants.
pub(crate) struct MatrixChart {
    width: i64,
    height: i64,
    left: i64,
    bottom: i64,
    split_x: i64,
    split_y: i64,
    points: Vec<MatrixDot>,
    link: String,
    period: String,
    quadrant: String,
}

/// One item of the matrix.
pub(crate) struct MatrixDot {
    x: i64,
    y: i64,
    name: String,
    this: bool,
    title: String,
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    match values.len() {
        0 => 0.0,
        n if n % 2 == 1 => values[n / 2],
        n => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}

fn matrix_chart(
    position: &app::MatrixPosition,
    label: impl Fn(&str) -> String,
    locale: servq_app::i18n::Locale,
) -> MatrixChart {
    let (width, height, left, top, right, bottom) =
        (560_i64, 300_i64, 56_i64, 16_i64, 24_i64, 260_i64);
    let number = |item: &Value, key: &str| item[key].as_f64().unwrap_or(0.0);
    let max_x = position
        .matrix
        .iter()
        .map(|i| number(i, "frequency"))
        .fold(1.0_f64, f64::max);
    let max_y = position
        .matrix
        .iter()
        .map(|i| number(i, "impact"))
        .fold(1.0_f64, f64::max);
    let x_of = |v: f64| left + ((v / max_x) * (width - left - right) as f64).round() as i64;
    let y_of = |v: f64| bottom - ((v / max_y) * (bottom - top) as f64).round() as i64;
    let mut xs: Vec<f64> = position
        .matrix
        .iter()
        .map(|i| number(i, "frequency"))
        .collect();
    let mut ys: Vec<f64> = position
        .matrix
        .iter()
        .map(|i| number(i, "impact"))
        .collect();
    let mut quadrant = String::new();
    let points = position
        .matrix
        .iter()
        .map(|item| {
            let id = item["name"].as_str().unwrap_or_default();
            let this = id == position.item;
            let name = label(id);
            let frequency = number(item, "frequency");
            let impact = number(item, "impact");
            if this {
                quadrant = t(
                    locale,
                    &format!(
                        "pareto.quadrant_{}",
                        item["quadrant"].as_str().unwrap_or("watch")
                    ),
                );
            }
            MatrixDot {
                x: x_of(frequency),
                y: y_of(impact),
                title: format!(
                    "{name}: {} {frequency} · {} {impact}",
                    t(locale, "pareto.frequency"),
                    t(locale, "pareto.impact")
                ),
                name,
                this,
            }
        })
        .collect();
    MatrixChart {
        width,
        height,
        left,
        bottom,
        split_x: x_of(median(&mut xs)),
        split_y: y_of(median(&mut ys)),
        points,
        link: format!(
            "/analysis/pareto?source={}&from={}&to={}",
            position.source.name(),
            position.from,
            position.to
        ),
        period: format!("{} – {}", position.from, position.to),
        quadrant,
    }
}

/// `GET /problems/{id}`.
pub(crate) async fn detail(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    id: Result<Path<i64>, PathRejection>,
) -> Result<Response, Problem> {
    let Some(user) = user else {
        return Ok(Redirect::to("/login").into_response());
    };
    user.require(Permission::ViewAllKpis)?;
    let locale = user.locale;
    let Path(id) = id.map_err(|_| Problem::not_found(locale))?;
    let problem = state
        .store
        .problem(id)
        .await
        .map_err(Problem::internal)?
        .ok_or_else(|| Problem::not_found(locale))?;
    let analysis = app::analysis(&state.store, id)
        .await
        .map_err(Problem::internal)?;
    let category_label = |name: &str| {
        let key = format!("problems.branch_{name}");
        let text = t(locale, &key);
        if text == key { name.to_owned() } else { text }
    };
    let mut whys: Vec<(String, String, bool)> = analysis
        .whys
        .iter()
        .enumerate()
        .map(|(i, w)| (w.why.clone(), w.because.clone(), analysis.root == Some(i)))
        .collect();
    while whys.len() < 5 {
        whys.push((String::new(), String::new(), false));
    }
    let mut causes: Vec<(String, String, String, String)> = analysis
        .causes
        .iter()
        .map(|c| {
            (
                c.category.clone(),
                c.cause.clone(),
                serde_json::to_value(c.likelihood)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default(),
                c.evidence.clone(),
            )
        })
        .collect();
    for _ in 0..3 {
        causes.push((
            analysis.categories.first().cloned().unwrap_or_default(),
            String::new(),
            "possible".into(),
            String::new(),
        ));
    }
    let root_text = analysis
        .root
        .and_then(|r| analysis.whys.get(r))
        .map_or(String::new(), |w| w.because.clone());
    let (_, zone) = state.centre_zone().await?;
    let day = today(&zone);
    let goals = state.store.goals().await.map_err(Problem::internal)?;
    let checks = state
        .store
        .effectiveness_checks(id)
        .await
        .map_err(Problem::internal)?
        .into_iter()
        .map(|check| {
            let metric = goals
                .iter()
                .find(|g| g.id == check.goal_id)
                .map_or("", |g| g.metric.as_str());
            CheckRow {
                after_days: check.after_days,
                due: check.due.clone(),
                status_code: check.status.name(),
                status: t(locale, &format!("problems.check_{}", check.status.name())),
                value: check
                    .value
                    .map_or("—".to_owned(), |v| servq_kpi::show(metric, Some(v))),
                target: servq_kpi::show(metric, Some(check.target)),
            }
        })
        .collect();
    let evidence = state
        .store
        .problem_evidence(id)
        .await
        .map_err(Problem::internal)?
        .into_iter()
        .map(|e| EvidenceRow {
            id: e.id,
            kind: t(locale, &format!("problems.link_kind_{}", e.kind.name())),
            link: app::evidence_link(&e),
            reference: e.reference,
            note: e.note,
            added_by: e.added_by,
        })
        .collect();
    let tasks = state
        .store
        .tasks()
        .await
        .map_err(Problem::internal)?
        .into_iter()
        .filter(|task| task.problem_id == Some(id))
        .map(|task| TaskRow {
            id: task.id,
            overdue: task.status == servq_store::TaskStatus::Open && task.due < day.to_string(),
            status: t(locale, &format!("tasks.status_{}", task.status.name())),
            title: task.title,
            owner: task.owner,
            due: task.due,
        })
        .collect();
    let matrix = match app::matrix_position(&state.store, &problem, day)
        .await
        .map_err(Problem::internal)?
    {
        Some(position) => {
            let names = crate::analysis::problem_names(&state, locale, position.source).await?;
            Some(matrix_chart(
                &position,
                |id| names.get(id).cloned().unwrap_or_else(|| id.to_owned()),
                locale,
            ))
        }
        None => None,
    };
    let page = ProblemPage {
        i18n: Text::new(locale),
        title: problem.title.clone(),
        header: signed_in_header(&user),
        csrf: user.csrf_token().to_owned(),
        can_edit: user.user.role.allows(Permission::ManageTargets),
        id,
        status: t(
            locale,
            &format!("problems.status_{}", problem.status.name()),
        ),
        class: t(locale, &format!("problems.class_{}", problem.class.name())),
        description: problem.description.clone(),
        whys,
        categories: analysis
            .categories
            .iter()
            .map(|c| (c.clone(), category_label(c)))
            .collect(),
        causes,
        likelihoods: ["possible", "likely", "confirmed"]
            .into_iter()
            .map(|l| (l, t(locale, &format!("problems.likelihood_{l}"))))
            .collect(),
        fishbone: fishbone(&problem.title, &analysis, category_label),
        root_text,
        moves: problem
            .status
            .next()
            .iter()
            .map(|s| {
                (
                    s.name().to_owned(),
                    t(locale, &format!("problems.move_{}", s.name())),
                    json!({ "status": s.name() }).to_string(),
                )
            })
            .collect(),
        goals: goals
            .iter()
            .map(|g| (g.id, g.name.clone(), problem.goal_id == Some(g.id)))
            .collect(),
        checks,
        evidence,
        evidence_kinds: servq_store::EvidenceKind::ALL
            .iter()
            .map(|k| {
                (
                    k.name(),
                    t(locale, &format!("problems.link_kind_{}", k.name())),
                )
            })
            .collect(),
        tasks,
        matrix,
        owner: problem.owner.clone(),
        users: state
            .store
            .users()
            .await
            .map_err(Problem::internal)?
            .into_iter()
            .filter(|u| !u.disabled)
            .map(|u| u.username)
            .collect(),
    };
    Ok(render(&page)?.into_response())
}
