//! Notifications over the API and on `/notifications`: one's own list (newest first, with the
//! unread count the header's bell shows), marking read, and the per-kind preferences with the
//! e-mail address. Who is told what is decided in `servq_app::notifications`.

use axum::{
    Json,
    extract::{
        Query, State,
        rejection::{JsonRejection, QueryRejection},
    },
    http::HeaderMap,
    response::{IntoResponse, Redirect, Response},
};
use serde::{Deserialize, Serialize};
use servq_app::notifications::{NotificationKind, text};
use servq_store::NotificationPref;

use crate::{
    AppState, Problem,
    auth::CurrentUser,
    desk_pages::local_time,
    i18n::t,
    pages::{Text, render, signed_in_header},
};

/// Runs a notification pass now, after an action that notifies (the jobs loop catches up what
/// this misses); a failure is logged, never the action's.
pub(crate) async fn notify_now(state: &AppState) {
    if let Err(error) = servq_app::notifications::pass(&state.store, crate::now_ms()).await {
        tracing::error!("notification pass: {error:#}");
    }
}

/// One notification.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct NotificationBody {
    id: i64,
    /// evaluation_new, evaluation_disputed, evaluation_rereviewed, ticket_assigned,
    /// sla_warning or sla_breach.
    kind: String,
    /// In the user's language.
    text: String,
    /// The page it is about.
    link: String,
    /// RFC 3339, UTC.
    created_at: String,
    read: bool,
}

/// `GET /api/v1/notifications`.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct NotificationList {
    /// Unread notifications in all.
    unread: i64,
    notifications: Vec<NotificationBody>,
}

#[derive(Deserialize)]
pub(crate) struct ListParams {
    unread: Option<bool>,
    limit: Option<i64>,
}

async fn list_of(
    state: &AppState,
    user: &CurrentUser,
    unread_only: bool,
    limit: i64,
) -> Result<(Vec<servq_store::StoredNotification>, i64), Problem> {
    state
        .store
        .user_notifications(&user.user.user_id, unread_only, limit)
        .await
        .map_err(Problem::internal)
}

fn link_of(kind: &str, subject: &str) -> String {
    NotificationKind::parse(kind).map_or_else(|| "/".to_owned(), |kind| kind.link(subject))
}

/// `GET /api/v1/notifications?unread=true&limit=20`: one's own, newest first.
#[utoipa::path(get, path = "/api/v1/notifications", tag = "session",
    params(("unread" = Option<bool>, Query, description = "Only unread ones"),
        ("limit" = Option<i64>, Query, description = "0 to 200, default 50 (0: only the count)")),
    responses((status = 200, body = NotificationList),
        (status = 400, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    params: Result<Query<ListParams>, QueryRejection>,
) -> Result<Json<NotificationList>, Problem> {
    let Query(params) = params?;
    let (rows, unread) = list_of(
        &state,
        &user,
        params.unread.unwrap_or(false),
        params.limit.unwrap_or(50).clamp(0, 200),
    )
    .await?;
    Ok(Json(NotificationList {
        unread,
        notifications: rows
            .into_iter()
            .map(|row| NotificationBody {
                text: text(user.locale, &row.kind, &row.detail),
                link: link_of(&row.kind, &row.subject_id),
                id: row.id,
                kind: row.kind,
                created_at: crate::rfc3339(row.created_ms),
                read: row.read_ms.is_some(),
            })
            .collect(),
    }))
}

/// `POST /api/v1/notifications/read` body.
#[derive(Deserialize, utoipa::ToSchema)]
pub(crate) struct ReadBody {
    /// These notifications; omitted: all of one's own.
    ids: Option<Vec<i64>>,
}

/// How many changed.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct ReadResult {
    marked: u64,
}

/// `POST /api/v1/notifications/read` `{"ids":[…]}`: mark read (all when no ids).
#[utoipa::path(post, path = "/api/v1/notifications/read", tag = "session", request_body = ReadBody,
    responses((status = 200, body = ReadResult),
        (status = 400, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 415, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 422, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn mark_read(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    body: Result<Json<ReadBody>, JsonRejection>,
) -> Result<Json<ReadResult>, Problem> {
    user.check_csrf_header(&headers)?;
    let Json(body) = body?;
    let marked = state
        .store
        .mark_notifications_read(&user.user.user_id, body.ids.as_deref(), crate::now_ms())
        .await
        .map_err(Problem::internal)?;
    Ok(Json(ReadResult { marked }))
}

/// One kind's choice.
#[derive(Serialize, Deserialize, utoipa::ToSchema)]
pub(crate) struct KindSetting {
    kind: String,
    in_app: bool,
    email: bool,
}

/// `GET/PUT /api/v1/me/notifications`.
#[derive(Serialize, Deserialize, utoipa::ToSchema)]
pub(crate) struct NotificationSettings {
    /// Where e-mails go; empty for none.
    email: String,
    /// Every kind (a kind left out keeps the default: in the app, no e-mail).
    kinds: Vec<KindSetting>,
}

async fn settings_of(
    state: &AppState,
    user: &CurrentUser,
) -> Result<NotificationSettings, Problem> {
    let prefs = state
        .store
        .notification_prefs()
        .await
        .map_err(Problem::internal)?;
    Ok(NotificationSettings {
        email: user.user.email.clone(),
        kinds: NotificationKind::ALL
            .iter()
            .map(|kind| {
                let pref = prefs
                    .iter()
                    .find(|p| p.user_id == user.user.user_id && p.kind == kind.name());
                KindSetting {
                    kind: kind.name().to_owned(),
                    in_app: pref.is_none_or(|p| p.in_app),
                    email: pref.is_some_and(|p| p.email),
                }
            })
            .collect(),
    })
}

/// `GET /api/v1/me/notifications`: one's e-mail address and choices per kind.
#[utoipa::path(get, path = "/api/v1/me/notifications", tag = "session",
    responses((status = 200, body = NotificationSettings),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn settings(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Json<NotificationSettings>, Problem> {
    Ok(Json(settings_of(&state, &user).await?))
}

/// `PUT /api/v1/me/notifications`: set one's e-mail address and choices; audited.
#[utoipa::path(put, path = "/api/v1/me/notifications", tag = "session", request_body = NotificationSettings,
    responses((status = 200, body = NotificationSettings),
        (status = 400, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 415, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 422, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn set_settings(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    body: Result<Json<NotificationSettings>, JsonRejection>,
) -> Result<Json<NotificationSettings>, Problem> {
    user.check_csrf_header(&headers)?;
    let Json(body) = body?;
    let email = body.email.trim();
    let plausible = email.is_empty()
        || (email.len() <= 254
            && email.split_once('@').is_some_and(|(local, domain)| {
                !local.is_empty() && domain.contains('.') && !email.contains(char::is_whitespace)
            }));
    if !plausible {
        return Err(Problem::bad_request(
            user.locale,
            "bad_email",
            format!("'{email}' is not an e-mail address"),
        )
        .with_message(user.locale, "bad_email", &[]));
    }
    let mut prefs = Vec::new();
    for setting in &body.kinds {
        let Some(kind) = NotificationKind::parse(&setting.kind) else {
            return Err(Problem::bad_request(
                user.locale,
                "unknown_kind",
                format!("'{}' is not a notification kind", setting.kind),
            ));
        };
        prefs.push(NotificationPref {
            user_id: user.user.user_id.clone(),
            kind: kind.name().to_owned(),
            in_app: setting.in_app,
            email: setting.email,
        });
    }
    state
        .store
        .set_notification_prefs(
            &user.user.user_id,
            email,
            &prefs,
            &user.actor(),
            crate::now_ms(),
        )
        .await
        .map_err(Problem::internal)?;
    let mut user = user;
    user.user.email = email.to_owned();
    Ok(Json(settings_of(&state, &user).await?))
}

/// `/notifications` (`notifications.html`).
#[derive(askama::Template)]
#[template(path = "notifications.html")]
struct NotificationsPage {
    i18n: Text,
    title: String,
    header: String,
    csrf: String,
    unread: i64,
    rows: Vec<Row>,
    settings: NotificationSettings,
}

struct Row {
    id: i64,
    text: String,
    link: String,
    at: String,
    read: bool,
}

/// `/notifications`: one's notifications, newest first, and the preferences.
pub(crate) async fn page(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
) -> Result<Response, Problem> {
    let Some(user) = user else {
        return Ok(Redirect::to("/login").into_response());
    };
    let locale = user.locale;
    let (_, zone) = state.centre_zone().await?;
    let (rows, unread) = list_of(&state, &user, false, 200).await?;
    let page = NotificationsPage {
        i18n: Text::new(locale),
        title: t(locale, "notify.title"),
        header: signed_in_header(&user),
        csrf: user.csrf_token().to_owned(),
        unread,
        rows: rows
            .into_iter()
            .map(|row| Row {
                text: text(locale, &row.kind, &row.detail),
                link: link_of(&row.kind, &row.subject_id),
                at: local_time(&zone, Some(row.created_ms)),
                read: row.read_ms.is_some(),
                id: row.id,
            })
            .collect(),
        settings: settings_of(&state, &user).await?,
    };
    Ok(render(&page)?.into_response())
}
