//! Administration over the API: users (create, change role, reset password, disable and enable,
//! teams), one's own password, and API tokens (create with a name, an expiry and an optional
//! read-only scope; list without the secret; revoke). The rules are in `servq_app::users`;
//! every change is audited in the store.

use axum::{
    Json,
    extract::{
        Path, Query, State,
        rejection::{JsonRejection, PathRejection, QueryRejection},
    },
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
};
use serde::{Deserialize, Serialize};
use servq_app::users::{self, TokenRefused, TokenRequest, UserRefused, UserRequest, UserUpdate};
use servq_core::Permission;

use crate::{
    AppState, Problem,
    auth::{Credential, CurrentUser},
};

/// A refused user change as a problem: in the user's language, with the stable code.
pub(crate) fn user_refused(user: &CurrentUser, refused: UserRefused) -> Problem {
    let code = refused.code();
    let detail = refused.to_string();
    let problem = match refused {
        UserRefused::Failed(error) => return Problem::internal(format!("{error:#}")),
        UserRefused::UsernameTaken(_) | UserRefused::LastAdmin => Problem::conflict(code, detail),
        UserRefused::UnknownUser(_) => Problem::not_found(user.locale),
        _ => Problem::bad_request(user.locale, code, detail),
    };
    problem.with_message(user.locale, code, &[])
}

fn token_refused(user: &CurrentUser, refused: TokenRefused) -> Problem {
    match refused {
        TokenRefused::Failed(error) => Problem::internal(error),
        refused => Problem::bad_request(user.locale, refused.code(), refused.to_string())
            .with_message(user.locale, refused.code(), &[]),
    }
}

/// A user as listed.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct UserSummary {
    pub(crate) username: String,
    pub(crate) role: String,
    pub(crate) agent_id: Option<String>,
    pub(crate) locale: String,
    pub(crate) disabled: bool,
    /// The teams the user supervises, sorted.
    pub(crate) teams: Vec<String>,
}

/// `GET /api/v1/users`.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct Users {
    users: Vec<UserSummary>,
}

/// Every user with their teams, by name.
pub(crate) async fn user_summaries(state: &AppState) -> Result<Vec<UserSummary>, Problem> {
    let users = state.store.users().await.map_err(Problem::internal)?;
    let teams = state.store.user_teams().await.map_err(Problem::internal)?;
    Ok(users
        .into_iter()
        .map(|u| UserSummary {
            teams: teams
                .iter()
                .filter(|(id, _)| *id == u.user_id)
                .map(|(_, team)| team.clone())
                .collect(),
            username: u.username,
            role: u.role.name().to_owned(),
            agent_id: u.agent_id,
            locale: u.locale,
            disabled: u.disabled,
        })
        .collect())
}

/// `GET /api/v1/users` (administrators).
#[utoipa::path(get, path = "/api/v1/users", tag = "users",
    responses((status = 200, body = Users), (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn users(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Json<Users>, Problem> {
    user.require(Permission::ManageUsers)?;
    Ok(Json(Users {
        users: user_summaries(&state).await?,
    }))
}

/// `POST /api/v1/users` body.
#[derive(Deserialize, utoipa::ToSchema)]
pub(crate) struct NewUserBody {
    #[schema(min_length = 1, pattern = r"\S")]
    username: String,
    /// At least 10 characters.
    #[schema(min_length = 10)]
    password: String,
    #[schema(pattern = "^(desk_staff|agent|supervisor|qa_inspector|analyst|admin)$")]
    role: String,
    /// Required for the agent role.
    agent_id: Option<String>,
}

/// A created user.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct CreatedUser {
    username: String,
    role: String,
}

/// `POST /api/v1/users` (administrators): creates a user; audited.
#[utoipa::path(post, path = "/api/v1/users", tag = "users", request_body = NewUserBody,
    responses((status = 201, body = CreatedUser), (status = 400, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"), (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 409, body = crate::ProblemDocument, content_type = "application/problem+json"), (status = 415, body = crate::ProblemDocument, content_type = "application/problem+json"), (status = 422, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn create_user(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    request: Result<Json<NewUserBody>, JsonRejection>,
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
    let new = users::create_user(&state.store, &request, &user.actor())
        .await
        .map_err(|refused| user_refused(&user, refused))?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedUser {
            role: new.role.name().to_owned(),
            username: new.username,
        }),
    )
        .into_response())
}

/// `PATCH /api/v1/users/{username}` body: only the fields given change.
#[derive(Deserialize, utoipa::ToSchema)]
pub(crate) struct UserPatchBody {
    #[schema(pattern = "^(desk_staff|agent|supervisor|qa_inspector|analyst|admin)$")]
    role: Option<String>,
    /// A new password (at least 10 characters): the user's sessions end.
    password: Option<String>,
    /// true disables (sessions end and tokens stop at the next request), false enables.
    disabled: Option<bool>,
    /// For agents: the agent whose records they see; blank removes it.
    agent_id: Option<String>,
    /// The teams the user supervises (replacing the ones they had).
    teams: Option<Vec<String>>,
}

/// `PATCH /api/v1/users/{username}` (administrators): change role, reset the password, disable
/// or enable, agent id, teams; audited. The last enabled administrator cannot be disabled or
/// demoted (409 last_admin).
#[utoipa::path(patch, path = "/api/v1/users/{username}", tag = "users", request_body = UserPatchBody,
    params(("username" = String, Path, description = "Sign-in name")),
    responses((status = 200, body = UserSummary), (status = 400, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"), (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 404, body = crate::ProblemDocument, content_type = "application/problem+json"), (status = 409, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 415, body = crate::ProblemDocument, content_type = "application/problem+json"), (status = 422, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn change_user(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    username: Result<Path<String>, PathRejection>,
    request: Result<Json<UserPatchBody>, JsonRejection>,
) -> Result<Json<UserSummary>, Problem> {
    user.require(Permission::ManageUsers)?;
    user.check_csrf_header(&headers)?;
    let Path(username) = username?;
    let Json(request) = request?;
    let update = UserUpdate {
        role: request.role,
        password: request.password,
        disabled: request.disabled,
        agent_id: request.agent_id,
        teams: request.teams,
    };
    let changed = users::update_user(&state.store, &username, &update, &user.actor())
        .await
        .map_err(|refused| user_refused(&user, refused))?;
    user_summaries(&state)
        .await?
        .into_iter()
        .find(|summary| summary.username == changed.username)
        .map(Json)
        .ok_or_else(|| Problem::internal("the user just changed is missing"))
}

/// `POST /api/v1/me/password` body.
#[derive(Deserialize, utoipa::ToSchema)]
pub(crate) struct PasswordBody {
    current_password: String,
    /// At least 10 characters.
    #[schema(min_length = 10)]
    new_password: String,
}

/// `POST /api/v1/me/password`: change one's own password (signed in with a session; the
/// current password is required); the user's other sessions end.
#[utoipa::path(post, path = "/api/v1/me/password", tag = "session", request_body = PasswordBody,
    responses((status = 204), (status = 400, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"), (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 415, body = crate::ProblemDocument, content_type = "application/problem+json"), (status = 422, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn change_password(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    request: Result<Json<PasswordBody>, JsonRejection>,
) -> Result<StatusCode, Problem> {
    user.check_csrf_header(&headers)?;
    let Credential::Session { hash, .. } = &user.credential else {
        return Err(Problem::forbidden(user.locale));
    };
    let Json(request) = request?;
    users::change_own_password(
        &state.store,
        &user.user,
        &request.current_password,
        &request.new_password,
        Some(hash),
    )
    .await
    .map_err(|refused| user_refused(&user, refused))?;
    Ok(StatusCode::NO_CONTENT)
}

/// Two-factor enrolment started: what the user's authenticator app needs.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct TwoFactorStart {
    /// The secret in Base32, to type in by hand.
    secret: String,
    /// The `otpauth://` address the QR code holds.
    otpauth: String,
    /// The QR code as an SVG data URL, for an `<img>`.
    qr: String,
}

/// A code from the user's authenticator app (or, to turn it off, a recovery code).
#[derive(Deserialize, utoipa::ToSchema)]
pub(crate) struct TwoFactorCode {
    code: String,
}

/// Two-factor sign-in turned on.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct TwoFactorOn {
    /// Ten one-time recovery codes, shown this once (only their digests are stored).
    recovery_codes: Vec<String>,
}

/// `POST /api/v1/me/two-factor`: starts two-factor enrolment (a new secret, not yet asked at
/// sign-in): answers the secret, its `otpauth://` address and a QR code. 409 when it is on.
#[utoipa::path(post, path = "/api/v1/me/two-factor", tag = "session",
    responses((status = 200, body = TwoFactorStart),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 409, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn start_two_factor(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
) -> Result<Json<TwoFactorStart>, Problem> {
    user.check_csrf_header(&headers)?;
    let Credential::Session { .. } = &user.credential else {
        return Err(Problem::forbidden(user.locale));
    };
    let issuer = state
        .store
        .text_setting(servq_app::desk::CENTRE_NAME_KEY)
        .await
        .map_err(Problem::internal)?
        .filter(|name| !name.trim().is_empty())
        .unwrap_or_else(|| "servq".to_owned());
    let Some((secret, otpauth)) = users::start_two_factor(&state.store, &user.user, &issuer)
        .await
        .map_err(Problem::internal)?
    else {
        return Err(Problem::conflict(
            "two_factor_on",
            "two-factor sign-in is on; turn it off first".to_owned(),
        )
        .with_message(user.locale, "two_factor_on", &[]));
    };
    let svg = qrcode::QrCode::new(otpauth.as_bytes())
        .map_err(Problem::internal)?
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(220, 220)
        .build();
    use base64::Engine as _;
    let qr = format!(
        "data:image/svg+xml;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(svg)
    );
    Ok(Json(TwoFactorStart {
        secret,
        otpauth,
        qr,
    }))
}

/// `POST /api/v1/me/two-factor/confirm` `{"code"}`: a code from the app turns two-factor
/// sign-in on; answers the recovery codes once. 400 `code_wrong`.
#[utoipa::path(post, path = "/api/v1/me/two-factor/confirm", tag = "session",
    request_body = TwoFactorCode,
    responses((status = 200, body = TwoFactorOn),
        (status = 400, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 415, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 422, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn confirm_two_factor(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    body: Result<Json<TwoFactorCode>, JsonRejection>,
) -> Result<Json<TwoFactorOn>, Problem> {
    user.check_csrf_header(&headers)?;
    let Json(body) = body?;
    match users::confirm_two_factor(&state.store, &user.user, &body.code, &user.actor())
        .await
        .map_err(Problem::internal)?
    {
        Some(recovery_codes) => Ok(Json(TwoFactorOn { recovery_codes })),
        None => Err(code_wrong(&user)),
    }
}

fn code_wrong(user: &CurrentUser) -> Problem {
    Problem::bad_request(
        user.locale,
        "code_wrong",
        "the code is not right".to_owned(),
    )
    .with_message(user.locale, "code_wrong", &[])
}

/// `DELETE /api/v1/me/two-factor` `{"code"}`: a current code (or a recovery code) turns
/// two-factor sign-in off. 400 `code_wrong`.
#[utoipa::path(delete, path = "/api/v1/me/two-factor", tag = "session",
    request_body = TwoFactorCode,
    responses((status = 204),
        (status = 400, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 415, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 422, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn stop_two_factor(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    body: Result<Json<TwoFactorCode>, JsonRejection>,
) -> Result<StatusCode, Problem> {
    user.check_csrf_header(&headers)?;
    let Json(body) = body?;
    let on = state
        .store
        .two_factor(&user.user.user_id)
        .await
        .map_err(Problem::internal)?
        .enabled;
    if !on
        || !users::check_second_factor(&state.store, &user.user.user_id, &body.code)
            .await
            .map_err(Problem::internal)?
    {
        return Err(code_wrong(&user));
    }
    state
        .store
        .disable_two_factor(&user.user.user_id, &user.actor(), crate::now_ms())
        .await
        .map_err(Problem::internal)?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/v1/tokens` body.
#[derive(Deserialize, utoipa::ToSchema)]
pub(crate) struct NewToken {
    /// What the token is for.
    #[schema(min_length = 1, pattern = r"\S")]
    name: String,
    /// 1 to 365, default 90.
    #[schema(minimum = 1, maximum = 365)]
    expires_in_days: Option<i64>,
    /// Only GET requests; default false.
    #[serde(default)]
    read_only: bool,
    /// The user the token acts as (administrators only; default: oneself).
    username: Option<String>,
}

/// A token, shown once.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct Token {
    /// Public id, for listing and revoking.
    id: String,
    name: String,
    /// The secret: `Authorization: Bearer …`. Shown only now.
    token: String,
    /// RFC 3339, UTC.
    expires_at: String,
    read_only: bool,
}

/// `POST /api/v1/tokens`: a new API token, shown once. Made from a signed-in session only (a
/// token cannot make tokens); for another user only by administrators.
#[utoipa::path(post, path = "/api/v1/tokens", tag = "session", request_body = NewToken,
    responses((status = 201, body = Token), (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json"), (status = 404, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 400, body = crate::ProblemDocument, content_type = "application/problem+json"), (status = 415, body = crate::ProblemDocument, content_type = "application/problem+json"), (status = 422, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn create_token(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    request: Result<Json<NewToken>, JsonRejection>,
) -> Result<Response, Problem> {
    user.require(Permission::UseApiTokens)?;
    if !matches!(user.credential, Credential::Session { .. }) {
        return Err(Problem::forbidden(user.locale).with_message(
            user.locale,
            "token_makes_token",
            &[],
        ));
    }
    user.check_csrf_header(&headers)?;
    let Json(request) = request?;
    let owner = match request
        .username
        .as_deref()
        .map(str::trim)
        .filter(|name| !name.is_empty() && *name != user.user.username)
    {
        None => user.user.clone(),
        Some(name) => {
            user.require(Permission::ManageUsers)?;
            state
                .store
                .user_by_username(name)
                .await
                .map_err(Problem::internal)?
                .ok_or_else(|| Problem::not_found(user.locale))?
        }
    };
    let created = users::create_api_token(
        &state.store,
        &TokenRequest {
            user_id: owner.user_id.clone(),
            name: request.name.clone(),
            expires_days: request.expires_in_days,
            read_only: request.read_only,
        },
        &user.actor(),
    )
    .await
    .map_err(|refused| token_refused(&user, refused))?;
    Ok((
        StatusCode::CREATED,
        Json(Token {
            id: created.token_id,
            name: request.name.trim().to_owned(),
            token: created.token,
            expires_at: crate::rfc3339(created.expires_ms),
            read_only: request.read_only,
        }),
    )
        .into_response())
}

/// A token as listed: never its secret.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct TokenSummary {
    id: String,
    /// The user it acts as.
    user: String,
    name: String,
    created_by: String,
    /// RFC 3339, UTC.
    created_at: String,
    /// RFC 3339, UTC; null: never (tokens made before expiry existed).
    expires_at: Option<String>,
    read_only: bool,
    /// RFC 3339, UTC; null while live.
    revoked_at: Option<String>,
}

/// `GET /api/v1/tokens`.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct Tokens {
    tokens: Vec<TokenSummary>,
}

#[derive(Deserialize)]
pub(crate) struct TokenListParams {
    /// Administrators: one user's tokens (default: everyone's).
    username: Option<String>,
}

/// The tokens a user may see: their own, or (administrators) everyone's or one user's.
pub(crate) async fn visible_tokens(
    state: &AppState,
    user: &CurrentUser,
    username: Option<&str>,
) -> Result<Vec<servq_store::ApiTokenRecord>, Problem> {
    let admin = user.user.role.allows(Permission::ManageUsers);
    let owner = match username.map(str::trim).filter(|n| !n.is_empty()) {
        _ if !admin => Some(user.user.user_id.clone()),
        None => None,
        Some(name) => Some(
            state
                .store
                .user_by_username(name)
                .await
                .map_err(Problem::internal)?
                .ok_or_else(|| Problem::not_found(user.locale))?
                .user_id,
        ),
    };
    state
        .store
        .api_tokens(owner.as_deref())
        .await
        .map_err(Problem::internal)
}

/// `GET /api/v1/tokens`: one's own tokens (administrators: everyone's, or `?username=`),
/// newest first, without their secrets.
#[utoipa::path(get, path = "/api/v1/tokens", tag = "session",
    params(("username" = Option<String>, Query, description = "Administrators: only this user's tokens")),
    responses((status = 200, body = Tokens), (status = 400, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 404, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn tokens(
    State(state): State<AppState>,
    user: CurrentUser,
    params: Result<Query<TokenListParams>, QueryRejection>,
) -> Result<Json<Tokens>, Problem> {
    user.require(Permission::UseApiTokens)?;
    let Query(params) = params?;
    let tokens = visible_tokens(&state, &user, params.username.as_deref()).await?;
    Ok(Json(Tokens {
        tokens: tokens
            .into_iter()
            .map(|t| TokenSummary {
                id: t.token_id,
                user: t.username,
                name: t.name,
                created_by: t.created_by,
                created_at: crate::rfc3339(t.created_ms),
                expires_at: t.expires_ms.map(crate::rfc3339),
                read_only: t.read_only,
                revoked_at: t.revoked_ms.map(crate::rfc3339),
            })
            .collect(),
    }))
}

/// `DELETE /api/v1/tokens/{id}`: revoke a token (one's own; administrators any); audited.
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "session",
    params(("id" = String, Path, description = "The token's public id")),
    responses((status = 204), (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 404, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn revoke_token(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
) -> Result<StatusCode, Problem> {
    user.require(Permission::UseApiTokens)?;
    user.check_csrf_header(&headers)?;
    let Path(id) = id?;
    let owner =
        (!user.user.role.allows(Permission::ManageUsers)).then(|| user.user.user_id.clone());
    let revoked = state
        .store
        .revoke_api_token(&id, owner.as_deref(), &user.actor(), crate::now_ms())
        .await
        .map_err(Problem::internal)?;
    if revoked {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(Problem::not_found(user.locale))
    }
}

/// `GET/PUT /api/v1/settings`: the centre's settings.
#[derive(Serialize, Deserialize, utoipa::ToSchema)]
pub(crate) struct CentreSettingsBody {
    /// Shown at the top of the customers' pages; empty for none (at most 80 characters).
    name: Option<String>,
    /// IANA zone, e.g. Asia/Shanghai: days are cut at its midnights.
    time_zone: Option<String>,
    /// 0 to 600.
    short_abandon_seconds: Option<f64>,
    /// 1 to 3 600.
    service_level_seconds: Option<f64>,
    /// 1 to 720.
    fcr_window_hours: Option<f64>,
    /// Supervisors with supervised teams see only those teams' KPIs and contacts.
    supervisors_see_own_teams: Option<bool>,
    /// Roles that must sign in with a second factor (admin, supervisor, qa_inspector, agent,
    /// analyst, desk_clerk): their users enrol on /account before anything else.
    two_factor_roles: Option<Vec<String>>,
    /// Knowledge-base changes need an approver (a supervisor or an admin) before agents see
    /// them; editors save them for review.
    kb_approval_required: Option<bool>,
}

impl From<servq_app::centre::CentreSettings> for CentreSettingsBody {
    fn from(settings: servq_app::centre::CentreSettings) -> CentreSettingsBody {
        CentreSettingsBody {
            name: Some(settings.name),
            time_zone: Some(settings.time_zone),
            short_abandon_seconds: Some(settings.short_abandon_seconds),
            service_level_seconds: Some(settings.service_level_seconds),
            fcr_window_hours: Some(settings.fcr_window_hours),
            supervisors_see_own_teams: Some(settings.supervisors_see_own_teams),
            two_factor_roles: Some(
                settings
                    .two_factor_roles
                    .iter()
                    .map(|role| role.name().to_owned())
                    .collect(),
            ),
            kb_approval_required: Some(settings.kb_approval_required),
        }
    }
}

/// `GET /api/v1/settings` (administrators).
#[utoipa::path(get, path = "/api/v1/settings", tag = "users",
    responses((status = 200, body = CentreSettingsBody),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn centre_settings(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Json<CentreSettingsBody>, Problem> {
    user.require(Permission::ManageSettings)?;
    let settings = servq_app::centre::settings(&state.store)
        .await
        .map_err(Problem::internal)?;
    Ok(Json(settings.into()))
}

/// `PUT /api/v1/settings` (administrators): the fields given change (all checked first, every
/// problem named: 400 bad_settings); a new zone rebuilds the day summaries, new thresholds the
/// rollups; audited.
#[utoipa::path(put, path = "/api/v1/settings", tag = "users", request_body = CentreSettingsBody,
    responses((status = 200, body = CentreSettingsBody),
        (status = 400, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 415, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 422, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn save_centre_settings(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    body: Result<Json<CentreSettingsBody>, JsonRejection>,
) -> Result<Json<CentreSettingsBody>, Problem> {
    user.require(Permission::ManageSettings)?;
    user.check_csrf_header(&headers)?;
    let Json(body) = body?;
    let update = servq_app::centre::CentreUpdate {
        name: body.name,
        time_zone: body.time_zone,
        short_abandon_seconds: body.short_abandon_seconds,
        service_level_seconds: body.service_level_seconds,
        fcr_window_hours: body.fcr_window_hours,
        supervisors_see_own_teams: body.supervisors_see_own_teams,
        two_factor_roles: body.two_factor_roles,
        kb_approval_required: body.kb_approval_required,
    };
    match servq_app::centre::save(&state.store, &update, &user.actor()).await {
        Ok(saved) => Ok(Json(saved.into())),
        Err(servq_app::centre::CentreRefused::Failed(error)) => {
            Err(Problem::internal(format!("{error:#}")))
        }
        Err(refused) => {
            let detail = refused.to_string();
            Err(
                Problem::bad_request(user.locale, "bad_settings", detail.clone()).with_message(
                    user.locale,
                    "bad_settings",
                    &[("detail", &detail)],
                ),
            )
        }
    }
}

/// One agent of the roster.
#[derive(Serialize, Deserialize, utoipa::ToSchema)]
pub(crate) struct AgentBody {
    agent_id: String,
    name: String,
    team: String,
    /// The queues (skill groups) the agent serves, in order; agent-state time is split evenly
    /// across them for occupancy per queue.
    queues: Vec<String>,
}

impl From<servq_store::AgentRecord> for AgentBody {
    fn from(agent: servq_store::AgentRecord) -> Self {
        AgentBody {
            agent_id: agent.agent_id,
            name: agent.name,
            team: agent.team,
            queues: agent.queues.unwrap_or_default(),
        }
    }
}

/// `GET /api/v1/agents`.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct Roster {
    agents: Vec<AgentBody>,
}

/// `GET /api/v1/agents`: the roster, by id.
#[utoipa::path(get, path = "/api/v1/agents", tag = "users",
    responses((status = 200, body = Roster),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn roster(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Json<Roster>, Problem> {
    user.require(Permission::ViewAllKpis)?;
    let agents = state.store.agents().await.map_err(Problem::internal)?;
    Ok(Json(Roster {
        agents: agents.into_iter().map(AgentBody::from).collect(),
    }))
}

/// `PUT /api/v1/agents/{id}` body.
#[derive(Deserialize, utoipa::ToSchema)]
pub(crate) struct AgentChange {
    #[serde(default)]
    name: String,
    #[serde(default)]
    team: String,
    /// The queues the agent serves, replacing the stored list; absent: kept as they are.
    #[serde(default)]
    queues: Option<Vec<String>>,
}

/// `PUT /api/v1/agents/{id}` (ImportData): add or change one agent (name, team, queues);
/// audited.
#[utoipa::path(put, path = "/api/v1/agents/{id}", tag = "users", request_body = AgentChange,
    params(("id" = String, Path, description = "The agent's id")),
    responses((status = 200, body = AgentBody),
        (status = 400, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 415, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 422, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn save_agent(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
    body: Result<Json<AgentChange>, JsonRejection>,
) -> Result<Json<AgentBody>, Problem> {
    user.require(Permission::ImportData)?;
    user.check_csrf_header(&headers)?;
    let Path(id) = id?;
    let Json(body) = body?;
    match servq_app::roster::save_agent(
        &state.store,
        &id,
        &body.name,
        &body.team,
        body.queues.as_deref(),
        &user.actor(),
    )
    .await
    {
        Ok(agent) => Ok(Json(AgentBody::from(agent))),
        Err(servq_app::roster::RosterRefused::Failed(error)) => {
            Err(Problem::internal(format!("{error:#}")))
        }
        Err(refused) => {
            let detail = refused.to_string();
            Err(
                Problem::bad_request(user.locale, "bad_agent", detail.clone()).with_message(
                    user.locale,
                    "bad_agent",
                    &[("detail", &detail)],
                ),
            )
        }
    }
}
