//! Sign-in: argon2id passwords, database sessions behind an HttpOnly SameSite=Strict cookie, a
//! CSRF token per session for every state-changing request, API tokens for scripts, and
//! throttling of failed sign-ins.

use axum::{
    extract::{FromRequestParts, OptionalFromRequestParts},
    http::{HeaderMap, Method, header, request::Parts},
};
use servq_core::Permission;
use servq_store::UserRecord;

use crate::{AppState, Problem, i18n::Locale, now_ms};

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "servq_session";
pub use servq_app::users::{
    MAX_FAILURES, MIN_PASSWORD_CHARS, SESSION_MS, THROTTLE_WINDOW_MS, hash_password, new_token,
    token_hash, verify_password,
};

/// The value of cookie `name` in the request.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.to_owned())
}

/// A `Set-Cookie` value for the session.
pub fn session_cookie(token: &str, secure: bool) -> String {
    format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{}",
        SESSION_MS / 1000,
        if secure { "; Secure" } else { "" }
    )
}

/// A `Set-Cookie` value that removes the session cookie.
pub fn clear_session_cookie(secure: bool) -> String {
    format!(
        "{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{}",
        if secure { "; Secure" } else { "" }
    )
}

/// How the user proved who they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    /// A browser session, with its CSRF token.
    Session {
        /// The token forms and scripts in the page must send back.
        csrf: String,
        /// The session's stored hash (kept when the user changes their own password).
        hash: String,
    },
    /// An API token (no CSRF: it is never sent by a browser on its own).
    ApiToken {
        /// Only reading requests are let through.
        read_only: bool,
    },
}

/// The signed-in user of a request.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    /// The stored user.
    pub user: UserRecord,
    /// Session or token.
    pub credential: Credential,
    /// The UI language: the user's choice, else the browser's.
    pub locale: Locale,
    /// The teams a supervisor is limited to, when the centre scopes supervisors to their teams
    /// and the user has teams; `None`: no team limit.
    pub scope_teams: Option<Vec<String>>,
}

impl CurrentUser {
    /// Refuses with 403 unless the role has `permission`.
    pub fn require(&self, permission: Permission) -> Result<(), Problem> {
        if self.user.role.allows(permission) {
            Ok(())
        } else {
            Err(Problem::forbidden(self.locale))
        }
    }

    /// Limits `filters` to what the user may see: agents see their own contacts only (any agent
    /// filter they send is replaced by their own agent id); others are left as they are.
    pub fn restrict_filters(
        &self,
        filters: &mut Vec<(servq_store::Dimension, Vec<String>)>,
    ) -> Result<(), Problem> {
        if let Some(teams) = &self.scope_teams {
            // a team filter stays only where it is one of theirs; otherwise their teams
            let chosen: Vec<String> = filters
                .iter()
                .filter(|(dimension, _)| *dimension == servq_store::Dimension::Team)
                .flat_map(|(_, values)| values.iter().filter(|v| teams.contains(v)).cloned())
                .collect();
            filters.retain(|(dimension, _)| *dimension != servq_store::Dimension::Team);
            filters.push((
                servq_store::Dimension::Team,
                if chosen.is_empty() {
                    teams.clone()
                } else {
                    chosen
                },
            ));
            return Ok(());
        }
        if self.user.role.allows(Permission::ViewAllKpis) {
            return Ok(());
        }
        self.require(Permission::ViewOwnKpis)?;
        let agent = self
            .user
            .agent_id
            .clone()
            .ok_or_else(|| Problem::forbidden(self.locale))?;
        filters.retain(|(dimension, _)| *dimension != servq_store::Dimension::Agent);
        filters.push((servq_store::Dimension::Agent, vec![agent]));
        Ok(())
    }

    /// The user as the audit log names them.
    pub fn actor(&self) -> servq_store::Actor {
        servq_store::Actor {
            user_id: Some(self.user.user_id.clone()),
            name: self.user.username.clone(),
        }
    }

    /// The session's CSRF token, for forms and page scripts; empty for an API token.
    pub fn csrf_token(&self) -> &str {
        match &self.credential {
            Credential::Session { csrf, .. } => csrf,
            Credential::ApiToken { .. } => "",
        }
    }

    /// Checks the `X-CSRF-Token` header of a state-changing API call made with a session.
    pub fn check_csrf_header(&self, headers: &HeaderMap) -> Result<(), Problem> {
        self.check_csrf(headers.get("x-csrf-token").and_then(|v| v.to_str().ok()))
    }

    /// For a session, checks the CSRF token sent with a state-changing request.
    pub fn check_csrf(&self, sent: Option<&str>) -> Result<(), Problem> {
        match &self.credential {
            Credential::ApiToken { .. } => Ok(()),
            Credential::Session { csrf, .. } if sent == Some(csrf.as_str()) => Ok(()),
            Credential::Session { .. } => Err(Problem::csrf(self.locale)),
        }
    }
}

/// The browser's language, for pages shown before sign-in.
pub fn browser_locale(headers: &HeaderMap) -> Locale {
    headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|value| value.to_str().ok())
        .map_or(Locale::En, Locale::negotiate)
}

async fn authenticate(parts: &Parts, state: &AppState) -> Result<Option<CurrentUser>, Problem> {
    let browser = browser_locale(&parts.headers);
    let found = if let Some(token) = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
    {
        let found = state
            .store
            .api_token_user(&token_hash(token.trim()), now_ms())
            .await
            .map_err(Problem::internal)?;
        // a read-only token reads: anything but GET and HEAD is refused before any handler
        if let Some((user, true)) = &found
            && !matches!(parts.method, Method::GET | Method::HEAD)
        {
            let locale = Locale::parse(&user.locale).unwrap_or(browser);
            return Err(Problem::forbidden(locale).with_message(locale, "read_only_token", &[]));
        }
        found.map(|(user, read_only)| (user, Credential::ApiToken { read_only }))
    } else if let Some(token) = cookie(&parts.headers, SESSION_COOKIE) {
        let hash = token_hash(&token);
        state
            .store
            .session_user(&hash, now_ms())
            .await
            .map_err(Problem::internal)?
            .map(|(user, csrf)| (user, Credential::Session { csrf, hash }))
    } else {
        None
    };
    let Some((user, credential)) = found else {
        return Ok(None);
    };
    let scope_teams = if user.role == servq_core::Role::Supervisor
        && servq_app::centre::supervisors_see_own_teams(&state.store)
            .await
            .map_err(Problem::internal)?
    {
        let teams = state
            .store
            .teams_of_user(&user.user_id)
            .await
            .map_err(Problem::internal)?;
        (!teams.is_empty()).then_some(teams)
    } else {
        None
    };
    let locale = Locale::parse(&user.locale).unwrap_or(browser);
    Ok(Some(CurrentUser {
        user,
        credential,
        locale,
        scope_teams,
    }))
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Problem> {
        let user = authenticate(parts, state)
            .await?
            .ok_or_else(|| Problem::unauthorized(browser_locale(&parts.headers)))?;
        note_user(parts, &user);
        second_factor_in_place(parts, state, user).await
    }
}

impl OptionalFromRequestParts<AppState> for CurrentUser {
    type Rejection = Problem;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Option<Self>, Problem> {
        match authenticate(parts, state).await? {
            Some(user) => {
                note_user(parts, &user);
                Ok(Some(second_factor_in_place(parts, state, user).await?))
            }
            None => Ok(None),
        }
    }
}

/// Tells the request's log line who it acted as.
fn note_user(parts: &Parts, user: &CurrentUser) {
    if let Some(slot) = parts.extensions.get::<crate::observe::RequestUser>() {
        slot.set(&user.user.username);
    }
}

/// Where a user who must enrol in two-factor sign-in may still go: their account page (to
/// enrol), what it calls, the language switch and signing out.
const ENROLMENT_PATHS: [&str; 6] = [
    "/account",
    "/api/v1/me",
    "/api/v1/me/two-factor",
    "/api/v1/me/two-factor/confirm",
    "/language",
    "/logout",
];

/// The user, unless the centre requires a second factor of their role and they signed in
/// without one set up: then only [`ENROLMENT_PATHS`] answer (403 `two_factor_required`
/// elsewhere, saying to enrol on the account page).
async fn second_factor_in_place(
    parts: &Parts,
    state: &AppState,
    user: CurrentUser,
) -> Result<CurrentUser, Problem> {
    if !matches!(user.credential, Credential::Session { .. })
        || ENROLMENT_PATHS.contains(&parts.uri.path())
    {
        return Ok(user);
    }
    let required = servq_app::users::two_factor_required(&state.store, user.user.role)
        .await
        .map_err(Problem::internal)?;
    if required
        && !state
            .store
            .two_factor(&user.user.user_id)
            .await
            .map_err(Problem::internal)?
            .enabled
    {
        return Err(Problem::forbidden(user.locale)
            .with_code("two_factor_required")
            .with_message(user.locale, "two_factor_required", &[]));
    }
    Ok(user)
}

/// The host (and port) of an address or origin, lower-case.
pub(crate) fn authority(address: &str) -> String {
    let address = address.trim();
    let rest = address.split_once("://").map_or(address, |(_, rest)| rest);
    rest.split(['/', '?', '#'])
        .next()
        .unwrap_or("")
        .to_ascii_lowercase()
}

/// Whether a form post comes from a page of this server, whatever the browser's SameSite rules:
/// a browser's `Sec-Fetch-Site` must say `same-origin` (or `none`: typed by the user); an
/// `Origin` must be the request's `Host` or that of the configured public URL. `null` origins
/// pass only when `allow_null` (the public pages send no referrer, and browsers then say
/// `null`). A request with neither header (a script) passes.
pub(crate) fn same_origin(state: &AppState, headers: &HeaderMap, allow_null: bool) -> bool {
    if let Some(site) = headers.get("sec-fetch-site") {
        let site = site.to_str().unwrap_or_default();
        if !matches!(site, "same-origin" | "none") {
            return false;
        }
    }
    let Some(origin) = headers.get(axum::http::header::ORIGIN) else {
        return true;
    };
    let Ok(origin) = origin.to_str() else {
        return false;
    };
    if origin.trim().eq_ignore_ascii_case("null") {
        return allow_null;
    }
    let origin = authority(origin);
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|host| host.to_str().ok())
        .map(|host| host.trim().to_ascii_lowercase());
    host.is_some_and(|host| host == origin)
        || state
            .public_url
            .as_deref()
            .is_some_and(|public| authority(public) == origin)
}

/// The client's address for rate limits and the audit log: the socket's peer, unless the peer
/// is one of the trusted proxies — then the right-most address of `X-Forwarded-For` that is
/// not itself a trusted proxy (what the nearest untrusted hop said). The header is never read
/// from anyone else: a client could write any address into it.
pub(crate) fn client_ip(
    proxies: &[ipnet::IpNet],
    peer: std::net::SocketAddr,
    headers: &HeaderMap,
) -> std::net::IpAddr {
    let trusted = |ip: &std::net::IpAddr| proxies.iter().any(|net| net.contains(ip));
    let peer = peer.ip();
    if !trusted(&peer) {
        return peer;
    }
    headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .filter_map(|hop| hop.trim().parse::<std::net::IpAddr>().ok())
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .find(|ip| !trusted(ip))
        .unwrap_or(peer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_and_tokens() {
        let hash = hash_password("correct horse battery").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &hash));
        assert!(!verify_password("wrong", &hash));
        let token = new_token();
        assert_eq!(token.len(), 64);
        assert_ne!(token, new_token());
        assert_eq!(token_hash("abc").len(), 64);
    }

    #[test]
    fn cookies() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            "a=1; servq_session=xyz; b=2".parse().unwrap(),
        );
        assert_eq!(cookie(&headers, SESSION_COOKIE).as_deref(), Some("xyz"));
        assert!(session_cookie("t", true).contains("HttpOnly; SameSite=Strict"));
        assert!(session_cookie("t", true).ends_with("; Secure"));
    }

    #[test]
    fn forwarded_addresses_count_only_behind_a_trusted_proxy() {
        let proxies: Vec<ipnet::IpNet> = vec!["10.0.0.0/8".parse().unwrap()];
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-forwarded-for",
            "6.6.6.6, 203.0.113.7, 10.1.2.3".parse().unwrap(),
        );
        let from = |peer: &str| client_ip(&proxies, peer.parse().unwrap(), &headers).to_string();
        // through the proxy: the nearest hop it did not add itself (not the spoofable first)
        assert_eq!(from("10.0.0.5:443"), "203.0.113.7");
        // straight from a client: the header is its own writing and is ignored
        assert_eq!(from("198.51.100.9:5000"), "198.51.100.9");
        // no proxies configured: never read
        assert_eq!(
            client_ip(&[], "10.0.0.5:443".parse().unwrap(), &headers).to_string(),
            "10.0.0.5"
        );
    }
}
