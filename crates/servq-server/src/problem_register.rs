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
    /// The status to move to (one of the problem's `next`).
    status: String,
    /// The owner; absent keeps it.
    #[serde(default)]
    owner: Option<String>,
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

/// `PUT /api/v1/problems/{id}`: moves a problem along its life cycle; 200 with it.
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
    let problem = app::move_to(
        &state.store,
        id,
        &body.status,
        body.owner.as_deref(),
        &user.actor(),
    )
    .await
    .map_err(|e| Problem::refused_setting(user.locale, "bad_move", e))?;
    Ok(Json(app::problem_json(&problem)))
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
