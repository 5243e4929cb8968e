//! `POST /api/v1/inbound/email`: mail services that push (instead of being polled over IMAP)
//! post each raw message here with an API token (docs/email.md).

use axum::{
    Json,
    body::Bytes,
    extract::{Query, State},
    http::{HeaderMap, StatusCode},
};
use serde::{Deserialize, Serialize};
use servq_app::email::{self, Inbox, Received};
use servq_core::Permission;

use crate::{AppState, Problem, auth::CurrentUser};

/// The largest raw message taken (10 MiB of attachments, base64 grows them by a third).
pub const MAX_MESSAGE_BYTES: usize = 15 * 1024 * 1024;

/// Where a pushed message's ticket goes.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
pub(crate) struct InboundParams {
    /// The team its ticket goes to (none: the routing rules decide).
    #[serde(default)]
    team: String,
    /// The category of a new ticket (default: consult).
    #[serde(default)]
    category: String,
}

/// What became of a pushed message.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct InboundAnswer {
    /// opened, threaded, ignored or duplicate.
    outcome: String,
    /// The ticket it opened or joined.
    ticket_id: Option<String>,
    /// Why it was ignored: auto_submitted, auto_reply, bounce, own_address, no_sender.
    reason: Option<String>,
}

/// `POST /api/v1/inbound/email`: one raw message (RFC 5322, sent as `message/rfc822` or
/// `application/octet-stream`) opens a ticket,
/// joins the ticket it answers, or is recorded and ignored as automatic mail; the same message
/// twice is a `duplicate`. Needs a user (an API token) who handles tickets. A `team` or
/// `category` the desk does not know is a 400 (the message is not kept: send it again).
#[utoipa::path(post, path = "/api/v1/inbound/email", tag = "desk",
    params(InboundParams),
    request_body(content = Vec<u8>, content_type = "application/octet-stream",
        description = "The raw message (RFC 5322), as received; sent as message/rfc822 or application/octet-stream"),
    responses((status = 200, body = InboundAnswer),
        (status = 400, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 413, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn inbound(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    params: Query<InboundParams>,
    body: Bytes,
) -> Result<(StatusCode, Json<InboundAnswer>), Problem> {
    user.require(Permission::HandleTickets)?;
    user.check_csrf_header(&headers)?;
    if body.is_empty() {
        return Err(Problem::bad_request(
            user.locale,
            "file_required",
            "send the raw message (RFC 5322) as the request body".to_owned(),
        ));
    }
    let Query(params) = params;
    let inbox = Inbox {
        mailbox: email::UPLOAD_MAILBOX.to_owned(),
        team: params.team,
        category: params.category,
        own_addresses: state.own_addresses.clone(),
        public_url: crate::desk::public_base(&state, &headers),
        from_address: state.email_from.clone(),
    };
    let received = email::receive(&state.store, &body, &inbox, jiff::Timestamp::now())
        .await
        .map_err(
            |error| match error.downcast_ref::<email::SettingsRefused>() {
                Some(refused) => {
                    Problem::bad_request(user.locale, "bad_inbound", refused.to_string())
                }
                None => Problem::internal(format!("{error:#}")),
            },
        )?;
    if matches!(received, Received::Opened(_) | Received::Threaded(_)) {
        crate::notifications::notify_now(&state).await;
    }
    Ok((
        StatusCode::OK,
        Json(InboundAnswer {
            outcome: received.name().to_owned(),
            ticket_id: received.ticket_id().map(str::to_owned),
            reason: received.reason().map(str::to_owned),
        }),
    ))
}
