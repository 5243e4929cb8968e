//! Canned replies (`GET/PUT /api/v1/canned-replies`), the replies filled in for one ticket
//! (`GET /api/v1/tickets/{id}/canned-replies`) and the forbidden-phrase check of a reply before
//! it is sent (`POST /api/v1/reply-check`). Docs: docs/desk.md#canned-replies.

use axum::{
    Json,
    extract::{Path, State, rejection::JsonRejection, rejection::PathRejection},
    http::HeaderMap,
};
use serde_json::Value;
use servq_app::replies as app;
use servq_core::Permission;

use crate::{AppState, Problem, auth::CurrentUser};

/// `{"replies": [...]}`: the canned replies as `PUT /api/v1/canned-replies` takes them.
#[derive(Debug, serde::Deserialize)]
pub(crate) struct CannedRepliesBody {
    replies: Vec<servq_desk::CannedReply>,
}

/// `GET /api/v1/canned-replies`: every canned reply (anyone who handles tickets).
#[utoipa::path(get, path = "/api/v1/canned-replies", tag = "desk",
    responses((status = 200, description = "{replies: [{id, title, language: zh-CN|zh-TW|en, category ('' for every category), body with {customer_name} {ticket_id} {due_at}}]}", body = Object),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Json<Value>, Problem> {
    user.require(Permission::HandleTickets)?;
    let replies = app::canned_replies(&state.store)
        .await
        .map_err(Problem::internal)?;
    Ok(Json(serde_json::json!({ "replies": replies })))
}

/// `PUT /api/v1/canned-replies`: replaces the canned replies (ManageDesk, audited).
#[utoipa::path(put, path = "/api/v1/canned-replies", tag = "desk",
    request_body(content = Object, description = "{replies: [...]} as GET gives them; problems at replies.{n}.{field}"),
    responses((status = 200, description = "{replies}", body = Object),
        (status = 400, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 415, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 422, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn save(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    body: Result<Json<CannedRepliesBody>, JsonRejection>,
) -> Result<Json<Value>, Problem> {
    user.require(Permission::ManageDesk)?;
    user.check_csrf_header(&headers)?;
    let Json(body) = body?;
    app::save_canned_replies(&state.store, body.replies, &user.actor())
        .await
        .map_err(|e| Problem::refused_setting(user.locale, "bad_canned_replies", e))?;
    let replies = app::canned_replies(&state.store)
        .await
        .map_err(Problem::internal)?;
    Ok(Json(serde_json::json!({ "replies": replies })))
}

/// `GET /api/v1/tickets/{id}/canned-replies`: the replies that suit the ticket's category, in
/// its customer's language, with the customer's name, the ticket id and the due time filled in.
#[utoipa::path(get, path = "/api/v1/tickets/{id}/canned-replies", tag = "desk",
    params(("id" = String, Path, description = "Ticket id")),
    responses((status = 200, description = "{language, replies: [{id, title, text}]}", body = Object),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 404, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn for_ticket(
    State(state): State<AppState>,
    user: CurrentUser,
    id: Result<Path<String>, PathRejection>,
) -> Result<Json<Value>, Problem> {
    user.require(Permission::HandleTickets)?;
    let Path(id) = id?;
    let ticket = state
        .store
        .ticket(&id)
        .await
        .map_err(Problem::internal)?
        .ok_or_else(|| Problem::not_found(user.locale))?;
    let (locale, replies) = app::for_ticket(&state.store, &ticket)
        .await
        .map_err(Problem::internal)?;
    Ok(Json(
        serde_json::json!({ "language": locale.tag(), "replies": replies }),
    ))
}

/// `{"text": ...}`: a reply to check.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
pub(crate) struct ReplyCheckBody {
    /// The reply as it would be sent.
    text: String,
}

/// The forbidden phrases a reply holds.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub(crate) struct ReplyCheck {
    /// The phrases found, as the centre's rules write them (empty: nothing to warn about).
    forbidden: Vec<String>,
}

/// `POST /api/v1/reply-check`: the forbidden phrases of the centre's automated-QA rules that a
/// reply holds (matched like transcripts: simplified and traditional, full- and half-width
/// alike). A warning, not a refusal: the reply can still be sent.
#[utoipa::path(post, path = "/api/v1/reply-check", tag = "desk",
    request_body = ReplyCheckBody,
    responses((status = 200, body = ReplyCheck),
        (status = 400, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 415, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 422, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn check(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    body: Result<Json<ReplyCheckBody>, JsonRejection>,
) -> Result<Json<ReplyCheck>, Problem> {
    user.require(Permission::HandleTickets)?;
    user.check_csrf_header(&headers)?;
    let Json(body) = body?;
    let forbidden = app::forbidden_in(&state.store, &body.text)
        .await
        .map_err(Problem::internal)?;
    Ok(Json(ReplyCheck { forbidden }))
}
