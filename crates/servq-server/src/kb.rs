//! The knowledge base over HTTP: `GET /api/v1/kb/search?q=` (the same results as
//! `servq kb search`, logged for the content-gap list), `GET/PUT /api/v1/kb/articles/{id}`,
//! `…/diff`, `…/restore`, and the pages `/kb` (search as you type, articles by level),
//! `/kb/{id}` (the article, its versions and their diff), `/kb/new`, `/kb/{id}/edit`. The rules
//! live in `servq_app::kb`; every staff member reads and searches published articles, editors
//! (EditKnowledge) write, restore and publish.

use askama::Template;
use axum::{
    Json,
    extract::{
        Path, Query, State,
        rejection::{JsonRejection, PathRejection, QueryRejection},
    },
    http::HeaderMap,
    response::{IntoResponse, Redirect, Response},
};
use serde::Deserialize;
use serde_json::{Value, json};
use servq_app::i18n::t;
use servq_app::kb as app;
use servq_core::Permission;

use crate::{
    AppState, Problem,
    auth::CurrentUser,
    pages::{Text, render, signed_in_header},
};

/// `GET /api/v1/kb/search` parameters.
#[derive(Debug, Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct SearchParams {
    /// The query: Chinese (either script), English or both.
    q: String,
    /// How many results (1–100, default 10).
    limit: Option<usize>,
}

/// `GET /api/v1/kb/search`: the published articles best matching `q`, best first.
#[utoipa::path(get, path = "/api/v1/kb/search", tag = "kb", params(SearchParams),
    responses((status = 200, description = "{query, results: [{id, title, score, snippet}]} — snippet is HTML: matches in <mark>, the rest escaped", body = Object),
        (status = 400, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn search(
    State(state): State<AppState>,
    user: CurrentUser,
    params: Result<Query<SearchParams>, QueryRejection>,
) -> Result<Json<Value>, Problem> {
    user.require(Permission::ViewOwnKpis)?;
    let Query(params) = params?;
    let limit = params.limit.unwrap_or(app::DEFAULT_LIMIT);
    let results = app::search(&state.store, &params.q, limit, false, true)
        .await
        .map_err(Problem::internal)?;
    Ok(Json(app::search_json(&params.q, &results)))
}

/// `PUT /api/v1/kb/articles/{id}`: an article as the editor sends it.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub(crate) struct ArticleBody {
    /// The title.
    title: String,
    /// The body, Markdown.
    body: String,
    /// basic, advanced or expert.
    level: String,
    /// Tags.
    #[serde(default)]
    tags: Vec<String>,
    /// Its category.
    #[serde(default)]
    category: String,
    /// internal or public.
    #[serde(default)]
    audience: String,
    /// zh-CN, zh-TW or en.
    language: String,
    /// Who looks after it (a username).
    #[serde(default)]
    owner: String,
    /// Next review day, YYYY-MM-DD.
    #[serde(default)]
    review_date: String,
    /// draft, in_review or published.
    status: String,
    /// What changed (kept with the version).
    #[serde(default)]
    note: String,
}

/// `POST /api/v1/kb/articles/{id}/restore`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub(crate) struct RestoreBody {
    /// The version to bring back (as a new version).
    version: i64,
}

/// `GET /api/v1/kb/articles/{id}/diff` parameters.
#[derive(Debug, Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct DiffParams {
    /// The older version.
    from: i64,
    /// The newer version.
    to: i64,
}

/// An article `user` may read: published ones for everyone, every status for editors.
async fn readable(
    state: &AppState,
    user: &CurrentUser,
    id: &str,
) -> Result<servq_store::StoredArticle, Problem> {
    let article = state
        .store
        .kb_article(id)
        .await
        .map_err(Problem::internal)?
        .ok_or_else(|| Problem::not_found(user.locale))?;
    if article.status != servq_kb::ArticleStatus::Published
        && !user.user.role.allows(Permission::EditKnowledge)
    {
        return Err(Problem::not_found(user.locale));
    }
    Ok(article)
}

/// `GET /api/v1/kb/articles/{id}`: the article with its versions (newest first).
#[utoipa::path(get, path = "/api/v1/kb/articles/{id}", tag = "kb",
    params(("id" = String, Path, description = "Article id")),
    responses((status = 200, description = "{id, title, body, html, level, tags, category, audience, language, owner, review_date, status, version, updated_by, updated_at, versions: [{version, author, note, status, created_at}]}", body = Object),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 404, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn article(
    State(state): State<AppState>,
    user: CurrentUser,
    id: Result<Path<String>, PathRejection>,
) -> Result<Json<Value>, Problem> {
    user.require(Permission::ViewOwnKpis)?;
    let Path(id) = id.map_err(|_| Problem::not_found(user.locale))?;
    let article = readable(&state, &user, &id).await?;
    let mut out = app::article_json(&article);
    out["html"] = json!(servq_kb::markdown_html(&article.input.body));
    out["versions"] = versions(&state, &id)
        .await?
        .iter()
        .map(|v| {
            json!({"version": v.version, "author": v.author, "note": v.note,
                "status": v.status.name(), "created_at": servq_app::rfc3339(v.created_at)})
        })
        .collect();
    Ok(Json(out))
}

async fn versions(state: &AppState, id: &str) -> Result<Vec<servq_store::ArticleVersion>, Problem> {
    state.store.kb_versions(id).await.map_err(Problem::internal)
}

/// `PUT /api/v1/kb/articles/{id}`: creates the article or saves a new version of it.
#[utoipa::path(put, path = "/api/v1/kb/articles/{id}", tag = "kb", request_body = ArticleBody,
    params(("id" = String, Path, description = "Article id (1–64 letters, digits, -, _, .)")),
    responses((status = 200, description = "{id, version}", body = Object),
        (status = 400, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 415, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 422, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn save(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
    body: Result<Json<ArticleBody>, JsonRejection>,
) -> Result<Json<Value>, Problem> {
    user.require(Permission::EditKnowledge)?;
    user.check_csrf_header(&headers)?;
    let Path(id) = id.map_err(|_| Problem::not_found(user.locale))?;
    let Json(body) = body?;
    let input = servq_kb::ArticleInput::new(
        &id,
        &body.title,
        &body.body,
        &body.level,
        &body.tags,
        &body.language,
        &body.category,
        &body.audience,
        &body.owner,
    );
    let saved = app::save(
        &state.store,
        input,
        &body.status,
        &body.review_date,
        &body.note,
        &user.actor(),
        user.user.role.allows(Permission::PublishKnowledge),
    )
    .await
    .map_err(|e| Problem::refused_setting(user.locale, "bad_article", e))?;
    Ok(Json(saved_json(&id, saved)))
}

/// `POST /api/v1/kb/articles/{id}/restore`: brings an old version back as a new version.
#[utoipa::path(post, path = "/api/v1/kb/articles/{id}/restore", tag = "kb", request_body = RestoreBody,
    params(("id" = String, Path, description = "Article id")),
    responses((status = 200, description = "{id, version}", body = Object),
        (status = 400, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 415, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 422, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn restore(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
    body: Result<Json<RestoreBody>, JsonRejection>,
) -> Result<Json<Value>, Problem> {
    user.require(Permission::EditKnowledge)?;
    user.check_csrf_header(&headers)?;
    let Path(id) = id.map_err(|_| Problem::not_found(user.locale))?;
    let Json(body) = body?;
    let saved = app::restore(
        &state.store,
        &id,
        body.version,
        &user.actor(),
        user.user.role.allows(Permission::PublishKnowledge),
    )
    .await
    .map_err(|e| Problem::refused_setting(user.locale, "bad_restore", e))?;
    Ok(Json(saved_json(&id, saved)))
}

/// A save's answer: `{id, version, awaiting_approval}`.
fn saved_json(id: &str, saved: app::Saved) -> Value {
    json!({"id": id, "version": saved.version, "awaiting_approval": saved.awaiting_approval})
}

/// `POST /api/v1/kb/articles/{id}/approve`: publishes what awaits approval (approvers).
#[utoipa::path(post, path = "/api/v1/kb/articles/{id}/approve", tag = "kb",
    params(("id" = String, Path, description = "Article id")),
    responses((status = 200, description = "{id, version}: the version now published", body = Object),
        (status = 400, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn approve(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
) -> Result<Json<Value>, Problem> {
    user.require(Permission::PublishKnowledge)?;
    user.check_csrf_header(&headers)?;
    let Path(id) = id.map_err(|_| Problem::not_found(user.locale))?;
    let version = app::approve(&state.store, &id, &user.actor())
        .await
        .map_err(|e| Problem::refused_setting(user.locale, "bad_approval", e))?;
    Ok(Json(json!({"id": id, "version": version})))
}

/// A note sent with an action.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub(crate) struct NoteBody {
    /// Why (shown in the history).
    #[serde(default)]
    note: String,
}

/// `POST /api/v1/kb/articles/{id}/send-back` `{"note"}`: turns down what awaits approval.
#[utoipa::path(post, path = "/api/v1/kb/articles/{id}/send-back", tag = "kb", request_body = NoteBody,
    params(("id" = String, Path, description = "Article id")),
    responses((status = 200, description = "{id}", body = Object),
        (status = 400, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 415, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 422, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn send_back(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
    body: Result<Json<NoteBody>, JsonRejection>,
) -> Result<Json<Value>, Problem> {
    user.require(Permission::PublishKnowledge)?;
    user.check_csrf_header(&headers)?;
    let Path(id) = id.map_err(|_| Problem::not_found(user.locale))?;
    let Json(body) = body?;
    app::send_back(&state.store, &id, &body.note, &user.actor())
        .await
        .map_err(|e| Problem::refused_setting(user.locale, "bad_approval", e))?;
    Ok(Json(json!({"id": id})))
}

/// `POST /api/v1/kb/articles/{id}/flags` body.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub(crate) struct FlagBody {
    /// The version involved (the current one when left out).
    #[serde(default)]
    version: Option<i64>,
    /// What is wrong.
    note: String,
}

/// `POST /api/v1/kb/articles/{id}/flags` `{"version"?, "note"}`: flags an article version for
/// review (anyone who reads articles). Open until a later version is published or an editor
/// resolves it.
#[utoipa::path(post, path = "/api/v1/kb/articles/{id}/flags", tag = "kb", request_body = FlagBody,
    params(("id" = String, Path, description = "Article id")),
    responses((status = 200, description = "{id, version}", body = Object),
        (status = 400, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 415, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 422, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn flag(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
    body: Result<Json<FlagBody>, JsonRejection>,
) -> Result<Json<Value>, Problem> {
    user.require(Permission::ViewOwnKpis)?;
    user.check_csrf_header(&headers)?;
    let Path(id) = id.map_err(|_| Problem::not_found(user.locale))?;
    let Json(body) = body?;
    let version = app::flag(&state.store, &id, body.version, &body.note, &user.actor())
        .await
        .map_err(|e| Problem::refused_setting(user.locale, "bad_flag", e))?;
    Ok(Json(json!({"id": id, "version": version})))
}

/// `POST /api/v1/kb/articles/{id}/flags/{flag}/resolve`: an editor settles a flag.
#[utoipa::path(post, path = "/api/v1/kb/articles/{id}/flags/{flag}/resolve", tag = "kb",
    params(("id" = String, Path, description = "Article id"), ("flag" = i64, Path, description = "Flag id")),
    responses((status = 200, description = "{id, flag}", body = Object),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 404, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn resolve_flag(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    path: Result<Path<(String, i64)>, PathRejection>,
) -> Result<Json<Value>, Problem> {
    user.require(Permission::EditKnowledge)?;
    user.check_csrf_header(&headers)?;
    let Path((id, flag)) = path.map_err(|_| Problem::not_found(user.locale))?;
    if !state
        .store
        .kb_resolve_flag(&id, flag, &user.actor(), servq_app::now_ms())
        .await
        .map_err(Problem::internal)?
    {
        return Err(Problem::not_found(user.locale));
    }
    Ok(Json(json!({"id": id, "flag": flag})))
}

/// `GET /api/v1/kb/export`: every article as JSON lines, the format `servq kb import` reads.
#[utoipa::path(get, path = "/api/v1/kb/export", tag = "kb",
    responses((status = 200, description = "One article a line: {id, title, body, level, tags, language, category, audience, owner}", content_type = "application/x-ndjson", body = String),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn export(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Response, Problem> {
    user.require(Permission::EditKnowledge)?;
    let (_, text) = app::export(&state.store).await.map_err(Problem::internal)?;
    Ok((
        [
            (
                axum::http::header::CONTENT_TYPE,
                "application/x-ndjson; charset=utf-8",
            ),
            (
                axum::http::header::CONTENT_DISPOSITION,
                "attachment; filename=\"kb-articles.jsonl\"",
            ),
        ],
        text,
    )
        .into_response())
}

/// `GET /api/v1/kb/terms`: the centre's own dictionary terms.
#[utoipa::path(get, path = "/api/v1/kb/terms", tag = "kb",
    responses((status = 200, description = "{terms: [...]}", body = Object),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn terms(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Json<Value>, Problem> {
    user.require(Permission::EditKnowledge)?;
    let terms = state.store.kb_terms().await.map_err(Problem::internal)?;
    Ok(Json(json!({ "terms": terms })))
}

/// `PUT /api/v1/kb/terms` body.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub(crate) struct TermsBody {
    /// Terms to add (2–20 characters, no spaces).
    #[serde(default)]
    add: Vec<String>,
    /// Terms to remove.
    #[serde(default)]
    remove: Vec<String>,
}

/// `PUT /api/v1/kb/terms` `{"add": [...], "remove": [...]}`: changes the dictionary; every
/// article is cut again when it changed.
#[utoipa::path(put, path = "/api/v1/kb/terms", tag = "kb", request_body = TermsBody,
    responses((status = 200, description = "{terms: [...]}", body = Object),
        (status = 400, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 415, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 422, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn change_terms(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    body: Result<Json<TermsBody>, JsonRejection>,
) -> Result<Json<Value>, Problem> {
    user.require(Permission::EditKnowledge)?;
    user.check_csrf_header(&headers)?;
    let Json(body) = body?;
    let terms = app::change_terms(&state.store, &body.add, &body.remove, &user.actor())
        .await
        .map_err(|e| Problem::refused_setting(user.locale, "bad_terms", e))?;
    Ok(Json(json!({ "terms": terms })))
}

/// `PUT /api/v1/tickets/{id}/articles/{article}`: the agent used this article on the ticket
/// (its current version is recorded).
#[utoipa::path(put, path = "/api/v1/tickets/{id}/articles/{article}", tag = "kb",
    params(("id" = String, Path, description = "Ticket id"), ("article" = String, Path, description = "Article id")),
    responses((status = 200, description = "{ticket, article, version}", body = Object),
        (status = 400, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn link_ticket(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    path: Result<Path<(String, String)>, PathRejection>,
) -> Result<Json<Value>, Problem> {
    user.require(Permission::HandleTickets)?;
    user.check_csrf_header(&headers)?;
    let Path((ticket, article)) = path.map_err(|_| Problem::not_found(user.locale))?;
    let version = app::link_ticket(&state.store, &ticket, &article, &user.actor())
        .await
        .map_err(|e| Problem::refused_setting(user.locale, "bad_link", e))?;
    Ok(Json(
        json!({"ticket": ticket, "article": article, "version": version}),
    ))
}

/// `DELETE /api/v1/tickets/{id}/articles/{article}`: removes the used-article link.
#[utoipa::path(delete, path = "/api/v1/tickets/{id}/articles/{article}", tag = "kb",
    params(("id" = String, Path, description = "Ticket id"), ("article" = String, Path, description = "Article id")),
    responses((status = 204, description = "Removed"),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 404, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn unlink_ticket(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    path: Result<Path<(String, String)>, PathRejection>,
) -> Result<axum::http::StatusCode, Problem> {
    user.require(Permission::HandleTickets)?;
    user.check_csrf_header(&headers)?;
    let Path((ticket, article)) = path.map_err(|_| Problem::not_found(user.locale))?;
    if !state
        .store
        .kb_unlink_ticket(&ticket, &article, &user.actor(), servq_app::now_ms())
        .await
        .map_err(Problem::internal)?
    {
        return Err(Problem::not_found(user.locale));
    }
    Ok(axum::http::StatusCode::NO_CONTENT)
}

/// The line diff of two versions' bodies (and titles, as the first line).
fn version_diff(
    all: &[servq_store::ArticleVersion],
    from: i64,
    to: i64,
) -> Option<Vec<servq_kb::DiffLine>> {
    let text = |v: &servq_store::ArticleVersion| format!("# {}\n\n{}", v.input.title, v.input.body);
    let old = all.iter().find(|v| v.version == from)?;
    let new = all.iter().find(|v| v.version == to)?;
    Some(servq_kb::diff(&text(old), &text(new)))
}

/// `GET /api/v1/kb/articles/{id}/diff?from=&to=`: the line diff between two versions.
#[utoipa::path(get, path = "/api/v1/kb/articles/{id}/diff", tag = "kb", params(("id" = String, Path, description = "Article id"), DiffParams),
    responses((status = 200, description = "{id, from, to, lines: [{tag: '+'|'-'|' ', text}]}", body = Object),
        (status = 400, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 404, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn diff(
    State(state): State<AppState>,
    user: CurrentUser,
    id: Result<Path<String>, PathRejection>,
    params: Result<Query<DiffParams>, QueryRejection>,
) -> Result<Json<Value>, Problem> {
    user.require(Permission::EditKnowledge)?;
    let Path(id) = id.map_err(|_| Problem::not_found(user.locale))?;
    let Query(params) = params?;
    let all = versions(&state, &id).await?;
    let lines = version_diff(&all, params.from, params.to)
        .ok_or_else(|| Problem::not_found(user.locale))?;
    Ok(Json(json!({
        "id": id, "from": params.from, "to": params.to,
        "lines": lines.iter().map(|l| json!({"tag": l.tag.to_string(), "text": l.text})).collect::<Vec<_>>(),
    })))
}

/// `/kb` query: a search, a level.
#[derive(Debug, Deserialize, Default)]
pub(crate) struct KbQuery {
    q: Option<String>,
    level: Option<String>,
    /// Articles skipped in the list (its pages).
    offset: Option<i64>,
}

/// Articles on one page of a list.
const LIST_PAGE: i64 = 50;

/// An article as a list shows it.
fn summary_of(article: &servq_store::StoredArticle) -> servq_store::ArticleSummary {
    servq_store::ArticleSummary {
        id: article.input.id.clone(),
        title: article.input.title.clone(),
        level: article.input.level,
        language: article.input.language.clone(),
        status: article.status,
        audience: article.input.audience,
        updated_at: article.updated_at,
    }
}

/// The pager of a list: (page number, pages, previous page's offset, next page's offset).
fn pager(total: i64, offset: i64) -> (i64, i64, Option<i64>, Option<i64>) {
    let pages = ((total + LIST_PAGE - 1) / LIST_PAGE).max(1);
    let page = offset / LIST_PAGE + 1;
    (
        page,
        pages,
        (page > 1).then(|| (page - 2) * LIST_PAGE),
        (page < pages).then(|| page * LIST_PAGE),
    )
}

/// An article in a list.
pub(crate) struct ArticleRow {
    id: String,
    title: String,
    level: String,
    language: String,
    status_code: &'static str,
    status: String,
    updated: String,
    snippet: String,
}

/// `/kb`.
#[derive(Template)]
#[template(path = "kb.html")]
pub(crate) struct KbPage {
    i18n: Text,
    title: String,
    header: String,
    csrf: String,
    query: String,
    level: String,
    levels: Vec<(&'static str, String)>,
    results: Option<Vec<ArticleRow>>,
    articles: Vec<ArticleRow>,
    /// Articles in the list, all pages (digits grouped).
    total: String,
    page_number: i64,
    pages: i64,
    previous: Option<String>,
    next: Option<String>,
    can_edit: bool,
    /// (query, times)
    gaps: Vec<(String, i64)>,
    /// Articles awaiting approval: (id, title, version awaiting).
    awaiting: Vec<(String, String, i64)>,
    /// Open flags: (article id, title, version, note).
    flagged: Vec<(String, String, i64, String)>,
    /// The centre's dictionary terms, each with the body that removes it.
    terms: Vec<(String, String)>,
}

/// `GET /kb`: search (typed or sent), and the articles by level.
pub(crate) async fn page(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    query: Result<Query<KbQuery>, QueryRejection>,
) -> Result<Response, Problem> {
    let Some(user) = user else {
        return Ok(Redirect::to("/login").into_response());
    };
    user.require(Permission::ViewOwnKpis)?;
    let Query(query) = query?;
    let locale = user.locale;
    let (_, zone) = state.centre_zone().await?;
    let can_edit = user.user.role.allows(Permission::EditKnowledge);
    let text = query.q.clone().unwrap_or_default();
    let level = query.level.clone().unwrap_or_default();
    let row = |a: &servq_store::ArticleSummary, snippet: String| ArticleRow {
        id: a.id.clone(),
        title: a.title.clone(),
        level: t(locale, &format!("kb.level_{}", a.level.name())),
        language: a.language.clone(),
        status_code: a.status.name(),
        status: t(locale, &format!("kb.status_{}", a.status.name())),
        updated: crate::desk_pages::local_time(&zone, Some(a.updated_at)),
        snippet,
    };
    let results = if text.trim().is_empty() {
        None
    } else {
        let found = app::search(&state.store, &text, 20, false, true)
            .await
            .map_err(Problem::internal)?;
        Some(
            found
                .into_iter()
                .map(|hit| row(&summary_of(&hit.article), hit.snippet))
                .collect(),
        )
    };
    let offset = query.offset.unwrap_or(0).max(0);
    let level_filter = servq_kb::ArticleLevel::parse(&level);
    let (listed, total) = state
        .store
        .kb_article_page(&servq_store::ArticleListQuery {
            published_only: !can_edit,
            public_only: false,
            level: level_filter,
            language_first: None,
            limit: LIST_PAGE,
            offset,
        })
        .await
        .map_err(Problem::internal)?;
    let articles = listed.iter().map(|a| row(a, String::new())).collect();
    let (page_number, pages, previous, next) = pager(total, offset);
    let list_link = |offset: i64| {
        let mut link = format!("/kb?offset={offset}");
        if let Some(level) = level_filter {
            link.push_str(&format!("&level={}", level.name()));
        }
        link
    };
    let gaps = if can_edit {
        state
            .store
            .kb_content_gaps(servq_app::now_ms() - 30 * 86_400_000, 10)
            .await
            .map_err(Problem::internal)?
            .into_iter()
            .map(|(q, times, _)| (q, times))
            .collect()
    } else {
        Vec::new()
    };
    let (awaiting, flagged, terms) = if can_edit {
        let awaiting = state
            .store
            .kb_awaiting_approval()
            .await
            .map_err(Problem::internal)?
            .into_iter()
            .map(|a| {
                let version = if a.pending_version > 0 {
                    a.pending_version
                } else {
                    a.version
                };
                (a.input.id, a.input.title, version)
            })
            .collect();
        let flags = state
            .store
            .kb_open_flags()
            .await
            .map_err(Problem::internal)?;
        let ids: Vec<String> = flags.iter().map(|flag| flag.article_id.clone()).collect();
        let titles = state
            .store
            .kb_titles(&ids)
            .await
            .map_err(Problem::internal)?;
        let flagged = flags
            .into_iter()
            .map(|flag| {
                let title = titles.get(&flag.article_id).cloned().unwrap_or_default();
                (flag.article_id, title, flag.version, flag.note)
            })
            .collect();
        let terms = state
            .store
            .kb_terms()
            .await
            .map_err(Problem::internal)?
            .into_iter()
            .map(|term| {
                let body = json!({ "remove": [term] }).to_string();
                (term, body)
            })
            .collect();
        (awaiting, flagged, terms)
    } else {
        (Vec::new(), Vec::new(), Vec::new())
    };
    let page = KbPage {
        awaiting,
        flagged,
        terms,
        i18n: Text::new(locale),
        title: t(locale, "kb.title"),
        header: signed_in_header(&user),
        csrf: user.csrf_token().to_owned(),
        query: text,
        level,
        levels: servq_kb::ArticleLevel::ALL
            .iter()
            .map(|l| (l.name(), t(locale, &format!("kb.level_{}", l.name()))))
            .collect(),
        results,
        articles,
        total: crate::pages::thousands(total),
        page_number,
        pages,
        previous: previous.map(list_link),
        next: next.map(list_link),
        can_edit,
        gaps,
    };
    Ok(render(&page)?.into_response())
}

/// `/kb/{id}` query: versions to compare.
#[derive(Debug, Deserialize, Default)]
pub(crate) struct ArticleQuery {
    from: Option<i64>,
    to: Option<i64>,
}

/// `/kb/{id}`.
#[derive(Template)]
#[template(path = "kb_article.html")]
pub(crate) struct ArticlePage {
    i18n: Text,
    title: String,
    header: String,
    csrf: String,
    id: String,
    html: String,
    meta: Vec<(String, String)>,
    tags: Vec<String>,
    can_edit: bool,
    /// (version, author, note, when, status)
    versions: Vec<(i64, String, String, String, String)>,
    current: i64,
    diff: Option<VersionDiff>,
    /// A change awaiting approval: (version, author, note).
    pending: Option<(i64, String, String)>,
    /// The article itself is in review (never published, or sent for approval).
    in_review: bool,
    can_publish: bool,
    /// Open flags: (id, version, note, who, when).
    flags: Vec<(i64, i64, String, String, String)>,
    /// How many tickets used it.
    uses: i64,
}

/// Two versions compared on the article page.
pub(crate) struct VersionDiff {
    from: i64,
    to: i64,
    /// (tag, text): `+` added, `-` removed, ` ` the same
    lines: Vec<(char, String)>,
}

/// `GET /kb/{id}`: the article, its versions and (with ?from=&to=) their diff.
pub(crate) async fn article_page(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    id: Result<Path<String>, PathRejection>,
    query: Result<Query<ArticleQuery>, QueryRejection>,
) -> Result<Response, Problem> {
    let Some(user) = user else {
        return Ok(Redirect::to("/login").into_response());
    };
    user.require(Permission::ViewOwnKpis)?;
    let locale = user.locale;
    let Path(id) = id.map_err(|_| Problem::not_found(locale))?;
    let Query(query) = query?;
    let article = readable(&state, &user, &id).await?;
    let (_, zone) = state.centre_zone().await?;
    let can_edit = user.user.role.allows(Permission::EditKnowledge);
    let all = if can_edit {
        versions(&state, &id).await?
    } else {
        Vec::new()
    };
    let diff = match (query.from, query.to) {
        (Some(from), Some(to)) if can_edit => {
            version_diff(&all, from, to).map(|lines| VersionDiff {
                from,
                to,
                lines: lines.into_iter().map(|l| (l.tag, l.text)).collect(),
            })
        }
        _ => None,
    };
    let input = &article.input;
    let page = ArticlePage {
        i18n: Text::new(locale),
        title: input.title.clone(),
        header: signed_in_header(&user),
        csrf: user.csrf_token().to_owned(),
        id: input.id.clone(),
        html: servq_kb::markdown_html(&input.body),
        meta: vec![
            (
                t(locale, "kb.level"),
                t(locale, &format!("kb.level_{}", input.level.name())),
            ),
            (t(locale, "kb.category"), input.category.clone()),
            (
                t(locale, "kb.audience"),
                t(locale, &format!("kb.audience_{}", input.audience.name())),
            ),
            (t(locale, "kb.language"), input.language.clone()),
            (
                t(locale, "kb.status"),
                t(locale, &format!("kb.status_{}", article.status.name())),
            ),
            (t(locale, "kb.version"), article.version.to_string()),
            (t(locale, "kb.owner"), input.owner.clone()),
            (
                t(locale, "kb.updated"),
                crate::desk_pages::local_time(&zone, Some(article.updated_at)),
            ),
        ],
        tags: input.tags.clone(),
        can_edit,
        versions: all
            .iter()
            .map(|v| {
                (
                    v.version,
                    v.author.clone(),
                    v.note.clone(),
                    crate::desk_pages::local_time(&zone, Some(v.created_at)),
                    t(locale, &format!("kb.status_{}", v.status.name())),
                )
            })
            .collect(),
        current: article.version,
        diff,
        pending: all
            .iter()
            .find(|v| v.version == article.pending_version)
            .map(|v| (v.version, v.author.clone(), v.note.clone())),
        in_review: article.status == servq_kb::ArticleStatus::InReview,
        can_publish: user.user.role.allows(Permission::PublishKnowledge),
        flags: state
            .store
            .kb_flags(&id, true)
            .await
            .map_err(Problem::internal)?
            .into_iter()
            .map(|f| {
                (
                    f.id,
                    f.version,
                    f.note,
                    f.flagged_by,
                    crate::desk_pages::local_time(&zone, Some(f.flagged_at)),
                )
            })
            .collect(),
        uses: state
            .store
            .kb_article_uses(&id)
            .await
            .map_err(Problem::internal)?,
    };
    Ok(render(&page)?.into_response())
}

/// `/kb/new` and `/kb/{id}/edit`.
#[derive(Template)]
#[template(path = "kb_edit.html")]
pub(crate) struct EditPage {
    i18n: Text,
    title: String,
    header: String,
    csrf: String,
    is_new: bool,
    id: String,
    article_title: String,
    body: String,
    level: String,
    tags: String,
    category: String,
    audience: String,
    language: String,
    owner: String,
    review_date: String,
    status: String,
    levels: Vec<(&'static str, String)>,
    audiences: Vec<(&'static str, String)>,
    statuses: Vec<(&'static str, String)>,
    languages: [&'static str; 3],
}

fn edit_page(user: &CurrentUser, article: Option<&servq_store::StoredArticle>) -> EditPage {
    let locale = user.locale;
    let input = article.map(|a| &a.input);
    EditPage {
        i18n: Text::new(locale),
        title: t(
            locale,
            if article.is_some() {
                "kb.edit"
            } else {
                "kb.new"
            },
        ),
        header: signed_in_header(user),
        csrf: user.csrf_token().to_owned(),
        is_new: article.is_none(),
        id: input.map_or(String::new(), |i| i.id.clone()),
        article_title: input.map_or(String::new(), |i| i.title.clone()),
        body: input.map_or(String::new(), |i| i.body.clone()),
        level: input.map_or("basic", |i| i.level.name()).to_owned(),
        tags: input.map_or(String::new(), |i| i.tags.join("; ")),
        category: input.map_or(String::new(), |i| i.category.clone()),
        audience: input.map_or("internal", |i| i.audience.name()).to_owned(),
        language: input
            .map_or(locale.tag(), |i| i.language.as_str())
            .to_owned(),
        owner: input.map_or(user.user.username.clone(), |i| i.owner.clone()),
        review_date: article.map_or(String::new(), |a| a.review_date.clone()),
        status: article.map_or("draft", |a| a.status.name()).to_owned(),
        levels: servq_kb::ArticleLevel::ALL
            .iter()
            .map(|l| (l.name(), t(locale, &format!("kb.level_{}", l.name()))))
            .collect(),
        audiences: servq_kb::Audience::ALL
            .iter()
            .map(|a| (a.name(), t(locale, &format!("kb.audience_{}", a.name()))))
            .collect(),
        statuses: servq_kb::ArticleStatus::ALL
            .iter()
            .map(|s| (s.name(), t(locale, &format!("kb.status_{}", s.name()))))
            .collect(),
        languages: servq_kb::article::LANGUAGES,
    }
}

/// `GET /kb/new`.
pub(crate) async fn new_page(user: Option<CurrentUser>) -> Result<Response, Problem> {
    let Some(user) = user else {
        return Ok(Redirect::to("/login").into_response());
    };
    user.require(Permission::EditKnowledge)?;
    Ok(render(&edit_page(&user, None))?.into_response())
}

/// `GET /kb/{id}/edit`.
pub(crate) async fn edit(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    id: Result<Path<String>, PathRejection>,
) -> Result<Response, Problem> {
    let Some(user) = user else {
        return Ok(Redirect::to("/login").into_response());
    };
    user.require(Permission::EditKnowledge)?;
    let Path(id) = id.map_err(|_| Problem::not_found(user.locale))?;
    let article = readable(&state, &user, &id).await?;
    Ok(render(&edit_page(&user, Some(&article)))?.into_response())
}

/// `/help` query: a search and the language.
#[derive(Debug, Deserialize, Default)]
pub(crate) struct HelpQuery {
    q: Option<String>,
    lang: Option<String>,
    /// Articles skipped in the list (its pages).
    offset: Option<i64>,
}

/// An article on the public help page.
pub(crate) struct HelpRow {
    id: String,
    title: String,
    snippet: String,
}

/// `/help`: public articles, searchable without signing in.
#[derive(Template)]
#[template(path = "help.html")]
pub(crate) struct HelpPage {
    i18n: Text,
    languages: [servq_app::i18n::Locale; 3],
    title: String,
    path: String,
    centre: String,
    query: String,
    lang: String,
    results: Option<Vec<HelpRow>>,
    articles: Vec<HelpRow>,
    page_number: i64,
    pages: i64,
    previous: Option<String>,
    next: Option<String>,
}

/// Queries longer than this are cut before searching (a help page is open to anyone).
const PUBLIC_QUERY_CHARS: usize = 100;

/// `GET /help`: the centre's public articles (published, audience public) in the reader's
/// language first, and a search over them.
pub(crate) async fn help(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Result<Query<HelpQuery>, QueryRejection>,
) -> Result<Response, Problem> {
    let query = query.map(|q| q.0).unwrap_or_default();
    let locale = crate::surveys::survey_locale(&headers, query.lang.as_deref());
    let text: String = query
        .q
        .unwrap_or_default()
        .chars()
        .take(PUBLIC_QUERY_CHARS)
        .collect();
    let results = if text.trim().is_empty() {
        None
    } else {
        let found = app::search(&state.store, &text, 20, true, true)
            .await
            .map_err(Problem::internal)?;
        Some(
            found
                .into_iter()
                .map(|r| HelpRow {
                    id: r.article.input.id,
                    title: r.article.input.title,
                    snippet: r.snippet,
                })
                .collect(),
        )
    };
    let offset = query.offset.unwrap_or(0).max(0);
    let (public, total) = state
        .store
        .kb_article_page(&servq_store::ArticleListQuery {
            published_only: true,
            public_only: true,
            level: None,
            // the reader's language first
            language_first: Some(locale.tag()),
            limit: LIST_PAGE,
            offset,
        })
        .await
        .map_err(Problem::internal)?;
    let (page_number, pages, previous, next) = pager(total, offset);
    let list_link = |offset: i64| format!("/help?lang={}&offset={offset}", locale.tag());
    let centre = servq_app::centre::settings(&state.store)
        .await
        .map_err(Problem::internal)?
        .name;
    let page = HelpPage {
        i18n: Text::new(locale),
        languages: servq_app::i18n::Locale::ALL,
        title: t(locale, "kb.help_title"),
        path: "/help".to_owned(),
        centre,
        query: text,
        lang: locale.tag().to_owned(),
        results,
        articles: public
            .into_iter()
            .map(|a| HelpRow {
                id: a.id,
                title: a.title,
                snippet: String::new(),
            })
            .collect(),
        page_number,
        pages,
        previous: previous.map(list_link),
        next: next.map(list_link),
    };
    Ok(render(&page)?.into_response())
}

/// `/help/{id}`.
#[derive(Template)]
#[template(path = "help_article.html")]
pub(crate) struct HelpArticlePage {
    i18n: Text,
    languages: [servq_app::i18n::Locale; 3],
    title: String,
    path: String,
    centre: String,
    lang: String,
    html: String,
}

/// `GET /help/{id}`: a public, published article; any other is not found.
pub(crate) async fn help_article(
    State(state): State<AppState>,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
    query: Result<Query<HelpQuery>, QueryRejection>,
) -> Result<Response, Problem> {
    let query = query.map(|q| q.0).unwrap_or_default();
    let locale = crate::surveys::survey_locale(&headers, query.lang.as_deref());
    let Path(id) = id.map_err(|_| Problem::not_found(locale))?;
    let article = state
        .store
        .kb_article(&id)
        .await
        .map_err(Problem::internal)?
        .filter(|a| {
            a.status == servq_kb::ArticleStatus::Published
                && a.input.audience == servq_kb::Audience::Public
        })
        .ok_or_else(|| Problem::not_found(locale))?;
    let centre = servq_app::centre::settings(&state.store)
        .await
        .map_err(Problem::internal)?
        .name;
    let page = HelpArticlePage {
        i18n: Text::new(locale),
        languages: servq_app::i18n::Locale::ALL,
        title: article.input.title.clone(),
        path: format!("/help/{}", servq_app::path_segment(&id)),
        centre,
        lang: locale.tag().to_owned(),
        html: servq_kb::markdown_html(&article.input.body),
    };
    Ok(render(&page)?.into_response())
}
