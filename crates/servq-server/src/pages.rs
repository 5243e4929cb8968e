//! Server-rendered pages: the page frame and header, sign-in, first-run set-up, the language
//! switch, the audit log.

use std::net::SocketAddr;

use axum::{
    Form,
    extract::{ConnectInfo, Query, State},
    http::{HeaderMap, StatusCode, header},
    response::{Html, IntoResponse, Redirect, Response},
};
use serde::Deserialize;
use servq_app::users::{self, UserRefused, UserRequest};
use servq_core::{Permission, Role};
use servq_store::Actor;

use crate::{
    AppState, Problem,
    auth::{self, CurrentUser},
    i18n::{Locale, t},
    now_ms,
};

/// The catalogue in one language, as templates use it: `{{ i18n.t("login.title") }}`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Text {
    /// The page's language.
    pub(crate) locale: Locale,
}

impl Text {
    pub(crate) fn new(locale: Locale) -> Text {
        Text { locale }
    }

    /// The text of `key` in the page's language.
    pub(crate) fn t(&self, key: impl AsRef<str>) -> String {
        t(self.locale, key.as_ref())
    }

    /// The language tag of the page (the `lang` attribute of its root element).
    pub(crate) fn tag(&self) -> &'static str {
        self.locale.tag()
    }
}

/// JSON for a `<script type="application/json">` island: a `</` in it must not end the element.
pub(crate) fn script_json(value: &serde_json::Value) -> String {
    value.to_string().replace("</", "<\\/")
}

/// The catalogue entries under `prefix` (`editor.` → `{"save": …}`) in `locale`, as a script
/// island for page scripts.
pub(crate) fn catalogue_island(locale: Locale, prefix: &str) -> String {
    let entries: serde_json::Map<String, serde_json::Value> = crate::i18n::keys(locale)
        .into_iter()
        .filter_map(|key| {
            let short = key.strip_prefix(prefix)?.to_owned();
            Some((short, serde_json::Value::String(t(locale, &key))))
        })
        .collect();
    script_json(&serde_json::Value::Object(entries))
}

/// A count with thousands separators (`1,079`), as zh-CN, zh-TW and en all write them.
pub(crate) fn thousands(value: i64) -> String {
    let digits = value.unsigned_abs().to_string();
    let mut out = String::new();
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    if value < 0 {
        out.insert(0, '-');
    }
    out
}

/// Sorts names as people count (see [`servq_core::natural_key`]).
pub(crate) use servq_core::natural_key;

/// Agents' names from the roster, to show an agent as "name (id)" wherever pages list agents.
#[derive(Default)]
pub(crate) struct AgentNames {
    names: std::collections::HashMap<String, String>,
}

impl AgentNames {
    /// The roster as it is now.
    pub(crate) async fn load(state: &crate::AppState) -> Result<AgentNames, Problem> {
        let agents = state.store.agents().await.map_err(Problem::internal)?;
        Ok(AgentNames {
            names: agents
                .into_iter()
                .filter(|agent| !agent.name.is_empty())
                .map(|agent| (agent.agent_id, agent.name))
                .collect(),
        })
    }

    /// The agent id a person typed: an id as it is, else the one agent whose name is the text
    /// or contains it (`None` when no agent or several match).
    pub(crate) fn resolve(&self, text: &str) -> Option<String> {
        let text = text.trim();
        if self.names.contains_key(text) {
            return Some(text.to_owned());
        }
        let exact: Vec<&String> = self
            .names
            .iter()
            .filter(|(_, name)| name.as_str() == text)
            .map(|(id, _)| id)
            .collect();
        let found: Vec<&String> = if exact.is_empty() {
            self.names
                .iter()
                .filter(|(_, name)| name.contains(text))
                .map(|(id, _)| id)
                .collect()
        } else {
            exact
        };
        match found.as_slice() {
            [one] => Some((*one).clone()),
            _ => None,
        }
    }

    /// "name (id)", or the id alone for an agent without a name on the roster.
    pub(crate) fn label(&self, agent_id: &str) -> String {
        match self.names.get(agent_id) {
            Some(name) => format!("{name} ({agent_id})"),
            None => agent_id.to_owned(),
        }
    }
}

/// Renders a template into a page; a template that fails to render is a logged 500.
pub(crate) fn render(template: &impl askama::Template) -> Result<Html<String>, Problem> {
    template.render().map(Html).map_err(Problem::internal)
}

/// A link of the header's navigation.
struct NavLink {
    href: &'static str,
    id: &'static str,
    label_key: &'static str,
}

/// The header of signed-in pages: the links the user's role may open, the language switch,
/// who is signed in, and signing out.
#[derive(askama::Template)]
#[template(path = "header.html")]
struct Header<'a> {
    i18n: Text,
    links: Vec<NavLink>,
    languages: [Locale; 3],
    csrf: &'a str,
    username: &'a str,
    role_key: String,
    /// Whether the dashboard, the search and the bell are theirs (desk staff have none of them).
    kpis: bool,
}

/// The pages in the header, each with the permission that opens it.
const NAV_LINKS: [(Permission, &str, &str, &str); 14] = [
    (Permission::ViewOwnKpis, "/qa", "nav.qa", "nav-qa"),
    (Permission::ViewOwnKpis, "/kb", "nav.kb", "nav-kb"),
    (
        Permission::ViewOwnKpis,
        "/performance",
        "nav.performance",
        "nav-performance",
    ),
    // the improvement loop: problems, with goals, tasks and the coaching plan linked from there
    (
        Permission::ViewAllKpis,
        "/problems",
        "nav.improvement",
        "nav-improvement",
    ),
    (
        Permission::RunAnalysis,
        "/analysis/drivers",
        "nav.analysis",
        "nav-analysis",
    ),
    (
        Permission::PlanStaffing,
        "/planning/staffing",
        "nav.planning",
        "nav-planning",
    ),
    (
        Permission::ViewOwnKpis,
        "/surveys",
        "nav.surveys",
        "nav-surveys",
    ),
    (
        Permission::HandleTickets,
        "/tickets",
        "nav.tickets",
        "nav-tickets",
    ),
    (
        Permission::ViewLedgerSummary,
        "/ledgers",
        "nav.ledgers",
        "nav-ledgers",
    ),
    (
        Permission::ImportData,
        "/import",
        "nav.import",
        "nav-import",
    ),
    (Permission::ViewAuditLog, "/audit", "nav.audit", "nav-audit"),
    (
        Permission::ManageUsers,
        "/admin/users",
        "nav.users",
        "nav-users",
    ),
    (
        Permission::ManageSettings,
        "/admin/settings",
        "nav.settings",
        "nav-settings",
    ),
    (
        Permission::ViewOwnKpis,
        "/api/docs/",
        "nav.api_docs",
        "nav-api",
    ),
];

pub(crate) fn signed_in_header(user: &CurrentUser) -> String {
    let header = Header {
        i18n: Text::new(user.locale),
        links: NAV_LINKS
            .iter()
            .filter(|(permission, ..)| user.user.role.allows(*permission))
            .map(|(_, href, label_key, id)| NavLink {
                href,
                id,
                label_key,
            })
            .collect(),
        languages: Locale::ALL,
        csrf: user.csrf_token(),
        username: &user.user.username,
        role_key: format!("role.{}", user.user.role.name()),
        kpis: user.user.role.allows(Permission::ViewOwnKpis),
    };
    askama::Template::render(&header).unwrap_or_default()
}

#[derive(Deserialize)]
pub(crate) struct LangQuery {
    lang: Option<String>,
}

#[derive(askama::Template)]
#[template(path = "login.html")]
struct LoginPage<'a> {
    i18n: Text,
    title: String,
    error: Option<&'a str>,
    /// The second step: the two-factor code.
    code: bool,
}

fn login_page(locale: Locale, error: Option<&str>) -> Html<String> {
    login_step(locale, error, false)
}

/// The sign-in page: name and password, or (`code`) the second factor's code.
fn login_step(locale: Locale, error: Option<&str>, code: bool) -> Html<String> {
    let login = LoginPage {
        i18n: Text::new(locale),
        title: t(locale, "login.title"),
        error,
        code,
    };
    render(&login).unwrap_or_else(|_| Html(String::new()))
}

/// The cookie holding a sign-in challenge (a password accepted, the code awaited).
const CHALLENGE_COOKIE: &str = "servq_challenge";
/// How long a challenge waits for its code.
const CHALLENGE_MS: i64 = 5 * 60 * 1000;

pub(crate) async fn login_form(headers: HeaderMap, Query(query): Query<LangQuery>) -> Html<String> {
    let locale = query
        .lang
        .as_deref()
        .and_then(Locale::parse)
        .unwrap_or_else(|| auth::browser_locale(&headers));
    login_page(locale, None)
}

#[derive(Deserialize)]
pub(crate) struct LoginForm {
    username: String,
    password: String,
}

pub(crate) async fn login(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Result<Response, Problem> {
    let locale = auth::browser_locale(&headers);
    // a sign-in posted from another site would sign this browser in as someone else
    if !auth::same_origin(&state, &headers, false) {
        return Err(Problem::forbidden(locale));
    }
    let now = now_ms();
    let address = auth::client_ip(&state.trusted_proxies, peer, &headers).to_string();
    let user = match servq_app::users::sign_in(
        &state.store,
        &form.username,
        &form.password,
        &address,
    )
    .await
    .map_err(Problem::internal)?
    {
        servq_app::users::SignIn::Throttled => {
            return Ok((
                StatusCode::TOO_MANY_REQUESTS,
                login_page(locale, Some("login.throttled")),
            )
                .into_response());
        }
        servq_app::users::SignIn::Refused => {
            return Ok((
                StatusCode::UNAUTHORIZED,
                login_page(locale, Some("login.failed")),
            )
                .into_response());
        }
        servq_app::users::SignIn::Accepted(user) => user,
        servq_app::users::SignIn::NeedsCode(user) => {
            // the password was right: the code answers a challenge bound to this browser
            let token = auth::new_token();
            state
                .store
                .create_login_challenge(
                    &auth::token_hash(&token),
                    &user.user_id,
                    now + CHALLENGE_MS,
                )
                .await
                .map_err(Problem::internal)?;
            let secure = if state.secure_cookies { "; Secure" } else { "" };
            return Ok((
                    [(
                        header::SET_COOKIE,
                        format!(
                            "{CHALLENGE_COOKIE}={token}; Path=/login; HttpOnly; SameSite=Strict; Max-Age=300{secure}"
                        ),
                    )],
                    login_step(locale, None, true),
                )
                    .into_response());
        }
    };
    start_session(&state, &user, &address, now).await
}

#[derive(Deserialize)]
pub(crate) struct CodeForm {
    code: String,
}

/// `POST /login/code`: the second factor (a code from the user's app, or a recovery code)
/// answering the challenge the password left; then signed in as after a password alone.
pub(crate) async fn login_code(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<CodeForm>,
) -> Result<Response, Problem> {
    let locale = auth::browser_locale(&headers);
    if !auth::same_origin(&state, &headers, false) {
        return Err(Problem::forbidden(locale));
    }
    let now = now_ms();
    let Some(token) = auth::cookie(&headers, CHALLENGE_COOKIE) else {
        return Ok(Redirect::to("/login").into_response());
    };
    let hash = auth::token_hash(&token);
    let Some(user_id) = state
        .store
        .login_challenge(&hash, now)
        .await
        .map_err(Problem::internal)?
    else {
        return Ok((
            StatusCode::UNAUTHORIZED,
            login_page(locale, Some("login.code_expired")),
        )
            .into_response());
    };
    // codes are throttled like passwords: 5 tries per user and address in the window
    let address = auth::client_ip(&state.trusted_proxies, peer, &headers).to_string();
    let key = format!("code|{user_id}|{address}");
    if !state
        .store
        .reserve_login_attempt(
            &key,
            now,
            now - auth::THROTTLE_WINDOW_MS,
            auth::MAX_FAILURES,
        )
        .await
        .map_err(Problem::internal)?
    {
        return Ok((
            StatusCode::TOO_MANY_REQUESTS,
            login_step(locale, Some("login.throttled"), true),
        )
            .into_response());
    }
    if !servq_app::users::check_second_factor(&state.store, &user_id, &form.code)
        .await
        .map_err(Problem::internal)?
    {
        return Ok((
            StatusCode::UNAUTHORIZED,
            login_step(locale, Some("login.code_wrong"), true),
        )
            .into_response());
    }
    state
        .store
        .clear_login_failures(&key)
        .await
        .map_err(Problem::internal)?;
    state
        .store
        .end_login_challenge(&hash, now)
        .await
        .map_err(Problem::internal)?;
    let Some(user) = state
        .store
        .user_by_id(&user_id)
        .await
        .map_err(Problem::internal)?
        .filter(|user| !user.disabled)
    else {
        return Ok(Redirect::to("/login").into_response());
    };
    start_session(&state, &user, &address, now).await
}

/// A new session for `user` (signed in from `address`), audited; to the dashboard.
async fn start_session(
    state: &AppState,
    user: &servq_store::UserRecord,
    address: &str,
    now: i64,
) -> Result<Response, Problem> {
    let token = auth::new_token();
    let csrf = auth::new_token();
    state
        .store
        .create_session(
            &auth::token_hash(&token),
            &user.user_id,
            &csrf,
            now,
            now + auth::SESSION_MS,
        )
        .await
        .map_err(Problem::internal)?;
    let actor = Actor {
        user_id: Some(user.user_id.clone()),
        name: user.username.clone(),
    };
    state
        .store
        .audit(
            &actor,
            now,
            "sign_in",
            "session",
            &user.user_id,
            &format!("{{\"address\":\"{address}\"}}"),
        )
        .await
        .map_err(Problem::internal)?;
    Ok((
        [(
            header::SET_COOKIE,
            auth::session_cookie(&token, state.secure_cookies),
        )],
        Redirect::to("/"),
    )
        .into_response())
}

#[derive(Deserialize)]
pub(crate) struct CsrfForm {
    csrf: String,
}

pub(crate) async fn logout(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Form(form): Form<CsrfForm>,
) -> Result<Response, Problem> {
    user.check_csrf(Some(&form.csrf))?;
    if let Some(token) = auth::cookie(&headers, auth::SESSION_COOKIE) {
        state
            .store
            .delete_session(&auth::token_hash(&token))
            .await
            .map_err(Problem::internal)?;
    }
    Ok((
        [(
            header::SET_COOKIE,
            auth::clear_session_cookie(state.secure_cookies),
        )],
        Redirect::to("/login"),
    )
        .into_response())
}

#[derive(Deserialize)]
pub(crate) struct LanguageForm {
    csrf: String,
    locale: String,
}

pub(crate) async fn language(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(form): Form<LanguageForm>,
) -> Result<Response, Problem> {
    user.check_csrf(Some(&form.csrf))?;
    remember_locale(&state, &user, &form.locale).await?;
    Ok(Redirect::to("/").into_response())
}

/// Stores the user's choice of language (the header's switch and `PUT /api/v1/me/locale`).
pub(crate) async fn remember_locale(
    state: &AppState,
    user: &CurrentUser,
    tag: &str,
) -> Result<Locale, Problem> {
    let locale = Locale::parse(tag).ok_or_else(|| {
        Problem::bad_request(
            user.locale,
            "unknown_locale",
            format!("'{tag}' is not en, zh-CN or zh-TW"),
        )
    })?;
    state
        .store
        .set_user_locale(&user.user.user_id, locale.tag())
        .await
        .map_err(Problem::internal)?;
    Ok(locale)
}

#[derive(Deserialize)]
pub(crate) struct SetupQuery {
    token: Option<String>,
}

#[derive(askama::Template)]
#[template(path = "setup.html")]
struct SetupPage<'a> {
    i18n: Text,
    title: String,
    token: &'a str,
    error: Option<&'a str>,
}

fn setup_page(locale: Locale, token: &str, error: Option<&str>) -> Html<String> {
    let setup = SetupPage {
        i18n: Text::new(locale),
        title: t(locale, "setup.title"),
        token,
        error,
    };
    render(&setup).unwrap_or_else(|_| Html(String::new()))
}

pub(crate) async fn setup_form(
    headers: HeaderMap,
    Query(query): Query<SetupQuery>,
) -> Html<String> {
    setup_page(
        auth::browser_locale(&headers),
        query.token.as_deref().unwrap_or(""),
        None,
    )
}

#[derive(Deserialize)]
pub(crate) struct SetupForm {
    token: String,
    username: String,
    password: String,
}

pub(crate) async fn setup(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<SetupForm>,
) -> Result<Response, Problem> {
    let locale = auth::browser_locale(&headers);
    let request = UserRequest {
        username: form.username,
        password: form.password,
        role: Role::Admin.name().to_owned(),
        agent_id: None,
    };
    let user = match users::check_user(&request) {
        Ok(user) => user,
        Err(UserRefused::Failed(error)) => return Err(Problem::internal(format!("{error:#}"))),
        Err(_) => {
            return Ok((
                StatusCode::BAD_REQUEST,
                setup_page(locale, &form.token, Some("setup.weak_password")),
            )
                .into_response());
        }
    };
    let now = now_ms();
    let has_users = state.store.user_count().await.map_err(Problem::internal)? > 0;
    if has_users
        || !state
            .store
            .take_setup_token(&auth::token_hash(&form.token), now)
            .await
            .map_err(Problem::internal)?
    {
        return Ok((
            StatusCode::FORBIDDEN,
            setup_page(locale, "", Some("setup.invalid_link")),
        )
            .into_response());
    }
    let actor = Actor {
        user_id: None,
        name: "setup link".to_owned(),
    };
    users::store_user(&state.store, &user, &actor)
        .await
        .map_err(|refused| Problem::internal(refused.to_string()))?;
    Ok(Redirect::to("/login").into_response())
}

/// ECharts, pinned in web/package.json and embedded; the version in the path lets browsers
/// cache it for good.
pub(crate) const ECHARTS_PATH: &str = "/assets/echarts-6.1.0.min.js";

/// The page assets served at `/assets/{name}`: (name, content, content type). Pages load them
/// as files (no inline script or style: the Content-Security-Policy allows only `'self'`).
const ASSETS: &[(&str, &str, &str)] = &[
    (
        "cases.js",
        include_str!("../assets/cases.js"),
        "text/javascript; charset=utf-8",
    ),
    (
        "training.js",
        include_str!("../assets/training.js"),
        "text/javascript; charset=utf-8",
    ),
    (
        "kb.js",
        include_str!("../assets/kb.js"),
        "text/javascript; charset=utf-8",
    ),
    (
        "composer.js",
        include_str!("../assets/composer.js"),
        "text/javascript; charset=utf-8",
    ),
    (
        "ledgers.js",
        include_str!("../assets/ledgers.js"),
        "text/javascript; charset=utf-8",
    ),
    (
        "pareto.js",
        include_str!("../assets/pareto.js"),
        "text/javascript; charset=utf-8",
    ),
    (
        "planning.js",
        include_str!("../assets/planning.js"),
        "text/javascript; charset=utf-8",
    ),
    (
        "analysis.js",
        include_str!("../assets/analysis.js"),
        "text/javascript; charset=utf-8",
    ),
    (
        "app.css",
        include_str!("../assets/app.css"),
        "text/css; charset=utf-8",
    ),
    (
        "public.css",
        include_str!("../assets/public.css"),
        "text/css; charset=utf-8",
    ),
    (
        "app.js",
        include_str!("../assets/app.js"),
        "text/javascript; charset=utf-8",
    ),
    (
        "actions.js",
        include_str!("../assets/actions.js"),
        "text/javascript; charset=utf-8",
    ),
    (
        "editors.js",
        include_str!("../assets/editors.js"),
        "text/javascript; charset=utf-8",
    ),
    (
        "desk_editors.js",
        include_str!("../assets/desk_editors.js"),
        "text/javascript; charset=utf-8",
    ),
    (
        "setup_editors.js",
        include_str!("../assets/setup_editors.js"),
        "text/javascript; charset=utf-8",
    ),
    (
        "trend.js",
        include_str!("../assets/trend.js"),
        "text/javascript; charset=utf-8",
    ),
    (
        "import.js",
        include_str!("../assets/import.js"),
        "text/javascript; charset=utf-8",
    ),
];

/// `GET /assets/{name}`: a page asset, revalidated on each use by its ETag (a new version of
/// servq changes the content and so the tag; an unchanged one answers 304 with no body).
pub(crate) async fn asset(
    axum::extract::Path(name): axum::extract::Path<String>,
    headers: axum::http::HeaderMap,
) -> Result<Response, Problem> {
    let Some((_, content, content_type)) = ASSETS.iter().find(|(known, _, _)| *known == name)
    else {
        return Err(Problem::not_found(auth::browser_locale(&headers)));
    };
    let tag = format!(
        "\"{}\"",
        &hex::encode(<sha2::Sha256 as sha2::Digest>::digest(content.as_bytes()))[..16]
    );
    let fresh = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.split(',').any(|t| t.trim() == tag));
    let caching = [
        (header::CACHE_CONTROL, "no-cache".to_owned()),
        (header::ETAG, tag),
    ];
    if fresh {
        return Ok((StatusCode::NOT_MODIFIED, caching).into_response());
    }
    Ok((caching, [(header::CONTENT_TYPE, *content_type)], *content).into_response())
}

pub(crate) async fn echarts() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
        ],
        include_str!("../assets/echarts.min.js"),
    )
        .into_response()
}

#[derive(Deserialize)]
pub(crate) struct AuditQuery {
    before: Option<i64>,
}

/// Entries per page of the audit log.
const AUDIT_PAGE_ROWS: i64 = 100;

/// An audit entry with its time in the centre's zone.
struct AuditRow {
    at: String,
    /// The action and the kind of thing in the user's words (the stored word when the
    /// catalogue has none).
    action_label: String,
    entity_label: String,
    entry: servq_store::AuditEntry,
}

/// The catalogue's word for `section.{key}`, else `key` as stored.
fn word_or_key(locale: Locale, section: &str, key: &str) -> String {
    let full = format!("{section}.{key}");
    let text = t(locale, &full);
    if text == full { key.to_owned() } else { text }
}

impl std::ops::Deref for AuditRow {
    type Target = servq_store::AuditEntry;
    fn deref(&self) -> &Self::Target {
        &self.entry
    }
}

#[derive(askama::Template)]
#[template(path = "audit.html")]
struct AuditPage {
    i18n: Text,
    title: String,
    header: String,
    entries: Vec<AuditRow>,
    older: Option<i64>,
}

/// `/audit` (administrators): who created, changed or deleted what, and when, newest first.
pub(crate) async fn audit_page(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    query: Result<Query<AuditQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, Problem> {
    let Some(user) = user else {
        return Ok(Redirect::to("/login").into_response());
    };
    user.require(Permission::ViewAuditLog)?;
    let Query(query) = query?;
    let locale = user.locale;
    let entries = state
        .store
        .audit_log(AUDIT_PAGE_ROWS, query.before)
        .await
        .map_err(Problem::internal)?;
    let (_, zone) = state.centre_zone().await?;
    let older = (entries.len() as i64 == AUDIT_PAGE_ROWS)
        .then(|| entries.last().map(|last| last.id))
        .flatten();
    let rows = entries
        .into_iter()
        .map(|entry| AuditRow {
            at: jiff::Timestamp::from_millisecond(entry.at_ms)
                .map(|at| {
                    at.to_zoned(zone.clone())
                        .strftime("%Y-%m-%d %H:%M:%S")
                        .to_string()
                })
                .unwrap_or_default(),
            action_label: word_or_key(locale, "audit_action", &entry.action),
            entity_label: word_or_key(locale, "audit_entity", &entry.entity),
            entry,
        })
        .collect();
    let audit = AuditPage {
        i18n: Text::new(locale),
        title: t(locale, "audit.title"),
        header: signed_in_header(&user),
        entries: rows,
        older,
    };
    Ok(render(&audit)?.into_response())
}

/// An unknown path: 404 (an HTML page for browsers, a problem document under `/api/`).
pub(crate) async fn not_found(headers: axum::http::HeaderMap) -> Problem {
    Problem::not_found(crate::auth::browser_locale(&headers))
}

/// The error page (`error.html`): what went wrong in the user's language and a way back.
#[derive(askama::Template)]
#[template(path = "error.html")]
struct ErrorPage {
    i18n: Text,
    title: String,
    status: u16,
    /// The problem's title, in the user's language.
    heading: String,
    /// What exactly, when the problem says it.
    message: Option<String>,
}

/// Turns a problem answered on a page route into an HTML page: a person who follows a stale link
/// or lacks a permission sees a page with a way back, not a JSON document. `/api/` keeps RFC 9457
/// JSON; other answers pass unchanged.
pub(crate) async fn html_errors(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let path = request.uri().path();
    let page_route = !(path.starts_with("/api/")
        || path == "/metrics"
        || path == "/healthz"
        || path == "/readyz");
    let browser = crate::auth::browser_locale(request.headers());
    let response = next.run(request).await;
    let problem = response
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .is_some_and(|kind| kind.as_bytes().starts_with(b"application/problem+json"));
    if !page_route || !problem {
        return response;
    }
    let status = response.status();
    let locale = response
        .extensions()
        .get::<Locale>()
        .copied()
        .unwrap_or(browser);
    let body = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap_or_default();
    let document: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
    let text = |key: &str| {
        document[key]
            .as_str()
            .filter(|text| !text.is_empty())
            .map(str::to_owned)
    };
    // the status's own words where the problem's title is generic or English
    let heading = match status.as_u16() {
        401 => t(locale, "error.unauthorized"),
        403 => t(locale, "error.forbidden"),
        404 => t(locale, "error.not_found"),
        500..=599 => t(locale, "error.internal"),
        _ => text("title").unwrap_or_else(|| t(locale, "error.bad_request")),
    };
    let message = text("message").or_else(|| {
        // an English detail is shown only on English pages
        (locale == Locale::En).then(|| text("detail")).flatten()
    });
    let page = ErrorPage {
        i18n: Text::new(locale),
        title: format!("{} · {heading}", status.as_u16()),
        status: status.as_u16(),
        heading,
        message,
    };
    match askama::Template::render(&page) {
        Ok(html) => (status, axum::response::Html(html)).into_response(),
        Err(error) => Problem::internal(error).into_response(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn an_agent_is_found_by_id_name_or_part_of_the_name() {
        let names = super::AgentNames {
            names: [("A1", "李娜"), ("A2", "李娜娜"), ("A3", "王芳")]
                .into_iter()
                .map(|(id, name)| (id.to_owned(), name.to_owned()))
                .collect(),
        };
        assert_eq!(names.resolve("A3").as_deref(), Some("A3"));
        assert_eq!(names.resolve(" 王芳 ").as_deref(), Some("A3"));
        assert_eq!(names.resolve("芳").as_deref(), Some("A3"));
        // the exact name wins over a longer one containing it
        assert_eq!(names.resolve("李娜").as_deref(), Some("A1"));
        assert_eq!(names.resolve("李").as_deref(), None, "two match");
        assert_eq!(names.resolve("赵").as_deref(), None);
    }

    #[test]
    fn teams_sort_as_people_count() {
        let mut teams = vec![
            "十组",
            "二组",
            "Team 10",
            "一组",
            "十二组",
            "Team 2",
            "二十组",
            "三组",
        ];
        teams.sort_by_key(|team| super::natural_key(team));
        assert_eq!(
            teams,
            [
                "一组",
                "二组",
                "三组",
                "十组",
                "十二组",
                "二十组",
                "Team 2",
                "Team 10"
            ]
        );
    }

    #[test]
    fn thousands_separators() {
        let cases = [
            (0, "0"),
            (999, "999"),
            (1_079, "1,079"),
            (-1_234_567, "-1,234,567"),
        ];
        for (value, text) in cases {
            assert_eq!(super::thousands(value), text);
        }
    }
}
