//! Users and secrets: argon2id password hashes, random tokens stored only as their SHA-256, and
//! creating a user with every check in one place (`servq user add`, `POST /api/v1/users`).

use argon2::{Argon2, PasswordHash, PasswordHasher, PasswordVerifier, password_hash::SaltString};
use rand::RngCore;
use servq_core::Role;
use servq_store::{Actor, NewUser, Store, StoreError};
use sha2::{Digest, Sha256};

use crate::now_ms;

/// The shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 10;
/// How long a session lives.
pub const SESSION_MS: i64 = 12 * 3600 * 1000;
/// Failed sign-ins allowed per user name and address in [`THROTTLE_WINDOW_MS`].
pub const MAX_FAILURES: i64 = 5;
/// The throttling window.
pub const THROTTLE_WINDOW_MS: i64 = 15 * 60 * 1000;

/// An argon2id hash (PHC string) of `password` with a random salt.
pub fn hash_password(password: &str) -> anyhow::Result<String> {
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(|e| anyhow::anyhow!("salt: {e}"))?;
    Ok(Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| anyhow::anyhow!("hashing the password: {e}"))?
        .to_string())
}

/// Whether `password` matches the stored hash.
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| {
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
}

/// What a sign-in attempt came to.
#[derive(Debug)]
pub enum SignIn {
    /// Too many attempts under this name and address in the window: nothing was checked.
    Throttled,
    /// Wrong name or password, or a disabled user (never said which).
    Refused,
    /// The user, whose earlier failures are forgotten.
    Accepted(Box<servq_store::UserRecord>),
    /// The password is right and the user has two-factor sign-in: a code must follow.
    NeedsCode(Box<servq_store::UserRecord>),
}

/// A hash to check passwords of unknown users against, so that a refusal takes as long
/// whether the name exists or not (no user enumeration by timing).
static DUMMY_HASH: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| hash_password("servq: no such user").unwrap_or_default());

/// Checks a sign-in: reserves one of [`MAX_FAILURES`] checks per name and address in
/// [`THROTTLE_WINDOW_MS`] before the (slow) password check, so parallel guesses cannot all be
/// checked; checks the password even for an unknown or disabled user.
pub async fn sign_in(
    store: &Store,
    username: &str,
    password: &str,
    address: &str,
) -> Result<SignIn, StoreError> {
    let username = username.trim();
    let key = format!("{}|{address}", username.to_lowercase());
    let now = now_ms();
    if !store
        .reserve_login_attempt(&key, now, now - THROTTLE_WINDOW_MS, MAX_FAILURES)
        .await?
    {
        return Ok(SignIn::Throttled);
    }
    let user = store.user_by_username(username).await?;
    let hash = user
        .as_ref()
        .map_or(DUMMY_HASH.as_str(), |user| user.password_hash.as_str());
    let matches = verify_password(password, hash);
    match user {
        Some(user) if matches && !user.disabled => {
            store.clear_login_failures(&key).await?;
            if store.two_factor(&user.user_id).await?.enabled {
                return Ok(SignIn::NeedsCode(Box::new(user)));
            }
            Ok(SignIn::Accepted(Box::new(user)))
        }
        _ => Ok(SignIn::Refused),
    }
}

/// How many recovery codes a user gets when turning two-factor sign-in on.
pub const RECOVERY_CODES: usize = 10;

/// The settings key of the roles that must use two-factor sign-in (comma-separated names).
pub const TWO_FACTOR_ROLES_KEY: &str = "two_factor_roles";

/// Starts two-factor enrolment for `user`: a new random secret; answers it in Base32 and as
/// the `otpauth://` address authenticator apps read from a QR code. `None` when two-factor is
/// already on (turn it off first).
pub async fn start_two_factor(
    store: &Store,
    user: &servq_store::UserRecord,
    issuer: &str,
) -> Result<Option<(String, String)>, StoreError> {
    let mut secret = [0u8; 20];
    rand::rng().fill_bytes(&mut secret);
    let secret = servq_core::base32_encode(&secret);
    if !store.start_two_factor(&user.user_id, &secret).await? {
        return Ok(None);
    }
    let label = |text: &str| {
        text.bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                    char::from(b).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect::<String>()
    };
    let address = format!(
        "otpauth://totp/{}:{}?secret={secret}&issuer={}&algorithm=SHA1&digits=6&period=30",
        label(issuer),
        label(&user.username),
        label(issuer)
    );
    Ok(Some((secret, address)))
}

/// Whether `code` is a right second factor for `user_id` now: a TOTP code of the current step
/// (±1) not used before, or an unused recovery code (used up by this).
pub async fn check_second_factor(
    store: &Store,
    user_id: &str,
    code: &str,
) -> Result<bool, StoreError> {
    let state = store.two_factor(user_id).await?;
    let Some(secret) = servq_core::base32_decode(&state.secret).filter(|s| !s.is_empty()) else {
        return Ok(false);
    };
    let now = now_ms();
    let seconds = u64::try_from(now / 1000).unwrap_or_default();
    if let Some(step) = servq_core::verify_totp(&secret, code, seconds) {
        return store.use_totp_step(user_id, step as i64).await;
    }
    let normalized: String = code
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_ascii_lowercase();
    if normalized.len() == 10 {
        return store
            .use_recovery_code(user_id, &token_hash(&normalized), now)
            .await;
    }
    Ok(false)
}

/// Turns two-factor on once the user shows a right code from their app; answers the recovery
/// codes (shown once; stored only as digests). `None` for a wrong code.
pub async fn confirm_two_factor(
    store: &Store,
    user: &servq_store::UserRecord,
    code: &str,
    actor: &Actor,
) -> Result<Option<Vec<String>>, StoreError> {
    let state = store.two_factor(&user.user_id).await?;
    if state.enabled || state.secret.is_empty() {
        return Ok(None);
    }
    if !check_second_factor(store, &user.user_id, code).await? {
        return Ok(None);
    }
    let codes: Vec<String> = (0..RECOVERY_CODES)
        .map(|_| {
            let mut bytes = [0u8; 5];
            rand::rng().fill_bytes(&mut bytes);
            let text = hex::encode(bytes);
            format!("{}-{}", &text[..5], &text[5..])
        })
        .collect();
    let hashes: Vec<String> = codes
        .iter()
        .map(|code| token_hash(&code.replace('-', "")))
        .collect();
    store
        .enable_two_factor(&user.user_id, &hashes, actor, now_ms())
        .await?;
    Ok(Some(codes))
}

/// The roles the centre requires two-factor sign-in of (settings: `two_factor_roles`).
pub async fn two_factor_roles(store: &Store) -> Result<Vec<Role>, StoreError> {
    Ok(store
        .text_setting(TWO_FACTOR_ROLES_KEY)
        .await?
        .unwrap_or_default()
        .split(',')
        .filter_map(|name| name.trim().parse::<Role>().ok())
        .collect())
}

/// Whether the centre requires two-factor sign-in of `role`.
pub async fn two_factor_required(store: &Store, role: Role) -> Result<bool, StoreError> {
    Ok(two_factor_roles(store).await?.contains(&role))
}

/// A random 256-bit token, hex.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// The SHA-256 digest under which a token is stored.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A user to create, as a person typed it.
#[derive(Debug, Clone)]
pub struct UserRequest {
    /// Sign-in name (trimmed; must not be empty).
    pub username: String,
    /// At least [`MIN_PASSWORD_CHARS`] characters.
    pub password: String,
    /// A role name (`admin`, `manager`, `supervisor`, `qa`, `agent`, …).
    pub role: String,
    /// The agent whose records an agent user sees (required for the agent role).
    pub agent_id: Option<String>,
}

/// Why a user was not created.
#[derive(Debug, thiserror::Error)]
pub enum UserRefused {
    /// The user name is empty.
    #[error("the user name is empty")]
    UsernameRequired,
    /// Not a role.
    #[error("{0}")]
    UnknownRole(#[from] servq_core::UnknownRole),
    /// The password is too short.
    #[error("the password must have at least {MIN_PASSWORD_CHARS} characters")]
    WeakPassword,
    /// An agent user without the agent whose records they see.
    #[error("an agent needs the agent_id whose records they see")]
    AgentIdRequired,
    /// The name is taken.
    #[error("'{0}' exists")]
    UsernameTaken(String),
    /// No user has this name.
    #[error("no user '{0}'")]
    UnknownUser(String),
    /// The change would leave no enabled administrator.
    #[error("the last enabled administrator cannot be disabled or given another role")]
    LastAdmin,
    /// The current password given is not the user's.
    #[error("the current password is wrong")]
    WrongPassword,
    /// The store failed (a server error, not the request's fault).
    #[error(transparent)]
    Failed(anyhow::Error),
}

impl UserRefused {
    /// A stable code for the API's problem documents.
    pub fn code(&self) -> &'static str {
        match self {
            UserRefused::UsernameRequired => "username_required",
            UserRefused::UnknownRole(_) => "unknown_role",
            UserRefused::WeakPassword => "weak_password",
            UserRefused::AgentIdRequired => "agent_id_required",
            UserRefused::UsernameTaken(_) => "username_taken",
            UserRefused::UnknownUser(_) => "unknown_user",
            UserRefused::LastAdmin => "last_admin",
            UserRefused::WrongPassword => "wrong_password",
            UserRefused::Failed(_) => "internal",
        }
    }
}

/// The checked user: its role parsed, name and agent id trimmed, password hashed.
pub fn check_user(request: &UserRequest) -> Result<NewUser, UserRefused> {
    let username = request.username.trim();
    if username.is_empty() {
        return Err(UserRefused::UsernameRequired);
    }
    let role: Role = request.role.parse()?;
    if request.password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(UserRefused::WeakPassword);
    }
    let agent_id = request
        .agent_id
        .as_deref()
        .map(str::trim)
        .filter(|agent| !agent.is_empty())
        .map(str::to_owned);
    if role == Role::Agent && agent_id.is_none() {
        return Err(UserRefused::AgentIdRequired);
    }
    Ok(NewUser {
        user_id: new_token()[..24].to_owned(),
        username: username.to_owned(),
        password_hash: hash_password(&request.password).map_err(UserRefused::Failed)?,
        role,
        agent_id,
    })
}

/// Creates a user after [`check_user`]; audited as `actor`.
pub async fn create_user(
    store: &Store,
    request: &UserRequest,
    actor: &Actor,
) -> Result<NewUser, UserRefused> {
    let user = check_user(request)?;
    store_user(store, &user, actor).await?;
    Ok(user)
}

/// Stores a user [`check_user`] made; audited as `actor`.
pub async fn store_user(store: &Store, user: &NewUser, actor: &Actor) -> Result<(), UserRefused> {
    match store.create_user(user, actor, now_ms()).await {
        Ok(()) => Ok(()),
        Err(StoreError::UsernameTaken(name)) => Err(UserRefused::UsernameTaken(name)),
        Err(other) => Err(UserRefused::Failed(other.into())),
    }
}

/// A change to a user as an administrator asks for it; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct UserUpdate {
    /// A role name.
    pub role: Option<String>,
    /// A new password (a reset: the user's sessions end).
    pub password: Option<String>,
    /// Disable (sessions end, tokens stop) or enable.
    pub disabled: Option<bool>,
    /// The agent whose records an agent user sees; blank removes it.
    pub agent_id: Option<String>,
    /// The teams the user supervises (replacing the ones they had); blanks are dropped.
    pub teams: Option<Vec<String>>,
}

/// Checks and applies an administrator's change to user `username`; audited as `actor`.
pub async fn update_user(
    store: &Store,
    username: &str,
    update: &UserUpdate,
    actor: &Actor,
) -> Result<servq_store::UserRecord, UserRefused> {
    let failed = |error: StoreError| UserRefused::Failed(error.into());
    let user = store
        .user_by_username(username.trim())
        .await
        .map_err(failed)?
        .ok_or_else(|| UserRefused::UnknownUser(username.trim().to_owned()))?;
    let role: Option<Role> = update.role.as_deref().map(str::parse).transpose()?;
    let password_hash = match &update.password {
        Some(password) if password.chars().count() < MIN_PASSWORD_CHARS => {
            return Err(UserRefused::WeakPassword);
        }
        Some(password) => Some(hash_password(password).map_err(UserRefused::Failed)?),
        None => None,
    };
    let agent_id = update.agent_id.as_deref().map(|agent| {
        let agent = agent.trim();
        (!agent.is_empty()).then(|| agent.to_owned())
    });
    let agent_after = agent_id.clone().unwrap_or_else(|| user.agent_id.clone());
    if role.unwrap_or(user.role) == Role::Agent && agent_after.is_none() {
        return Err(UserRefused::AgentIdRequired);
    }
    let teams = update.teams.as_ref().map(|teams| {
        let mut teams: Vec<String> = teams
            .iter()
            .map(|team| team.trim().to_owned())
            .filter(|team| !team.is_empty())
            .collect();
        teams.sort();
        teams.dedup();
        teams
    });
    let change = servq_store::UserChange {
        role,
        end_sessions: update.disabled == Some(true) || password_hash.is_some(),
        password_hash,
        disabled: update.disabled,
        agent_id,
        teams,
    };
    match store
        .change_user(&user.user_id, &change, actor, now_ms())
        .await
    {
        Ok(()) => {}
        Err(StoreError::LastAdmin) => return Err(UserRefused::LastAdmin),
        Err(other) => return Err(failed(other)),
    }
    store
        .user_by_id(&user.user_id)
        .await
        .map_err(failed)?
        .ok_or_else(|| UserRefused::UnknownUser(user.username.clone()))
}

/// A user changes their own password: the current one must match; their other sessions end
/// (`keep_session_hash` is the one they are using, if any).
pub async fn change_own_password(
    store: &Store,
    user: &servq_store::UserRecord,
    current: &str,
    new: &str,
    keep_session_hash: Option<&str>,
) -> Result<(), UserRefused> {
    if !verify_password(current, &user.password_hash) {
        return Err(UserRefused::WrongPassword);
    }
    if new.chars().count() < MIN_PASSWORD_CHARS {
        return Err(UserRefused::WeakPassword);
    }
    let failed = |error: StoreError| UserRefused::Failed(error.into());
    let change = servq_store::UserChange {
        password_hash: Some(hash_password(new).map_err(UserRefused::Failed)?),
        ..servq_store::UserChange::default()
    };
    let actor = Actor {
        user_id: Some(user.user_id.clone()),
        name: user.username.clone(),
    };
    store
        .change_user(&user.user_id, &change, &actor, now_ms())
        .await
        .map_err(failed)?;
    store
        .end_other_sessions(&user.user_id, keep_session_hash.unwrap_or(""))
        .await
        .map_err(failed)?;
    Ok(())
}

/// How long a new API token lives unless told otherwise.
pub const TOKEN_DAYS_DEFAULT: i64 = 90;
/// The longest life a token may be given.
pub const TOKEN_DAYS_MAX: i64 = 365;

/// An API token to make.
#[derive(Debug, Clone)]
pub struct TokenRequest {
    /// The user it acts as.
    pub user_id: String,
    /// What it is for (required).
    pub name: String,
    /// Days it lives: 1 to [`TOKEN_DAYS_MAX`], default [`TOKEN_DAYS_DEFAULT`].
    pub expires_days: Option<i64>,
    /// Only reading requests (GET) are allowed.
    pub read_only: bool,
}

/// A token just made: the secret, shown once.
#[derive(Debug, Clone)]
pub struct CreatedToken {
    /// The secret.
    pub token: String,
    /// Its public id.
    pub token_id: String,
    /// When it stops working, UTC ms.
    pub expires_ms: i64,
}

/// Why a token was not made.
#[derive(Debug, thiserror::Error)]
pub enum TokenRefused {
    /// No name.
    #[error("a token needs a name")]
    NameRequired,
    /// An expiry out of range.
    #[error("a token lives 1 to {TOKEN_DAYS_MAX} days, not {0}")]
    BadExpiry(i64),
    /// The store failed.
    #[error(transparent)]
    Failed(#[from] StoreError),
}

impl TokenRefused {
    /// A stable code for the API's problem documents.
    pub fn code(&self) -> &'static str {
        match self {
            TokenRefused::NameRequired => "name_required",
            TokenRefused::BadExpiry(_) => "bad_expiry",
            TokenRefused::Failed(_) => "internal",
        }
    }
}

/// A new API token: the secret is returned once; only its hash is stored. Audited.
pub async fn create_api_token(
    store: &Store,
    request: &TokenRequest,
    actor: &Actor,
) -> Result<CreatedToken, TokenRefused> {
    let name = request.name.trim();
    if name.is_empty() {
        return Err(TokenRefused::NameRequired);
    }
    let days = request.expires_days.unwrap_or(TOKEN_DAYS_DEFAULT);
    if !(1..=TOKEN_DAYS_MAX).contains(&days) {
        return Err(TokenRefused::BadExpiry(days));
    }
    let token = new_token();
    let hash = token_hash(&token);
    let now = now_ms();
    let expires_ms = now + days * 86_400_000;
    store
        .create_api_token(
            &servq_store::NewApiToken {
                token_hash: &hash,
                user_id: &request.user_id,
                name,
                expires_ms: Some(expires_ms),
                read_only: request.read_only,
            },
            actor,
            now,
        )
        .await?;
    Ok(CreatedToken {
        token_id: servq_store::token_id_of(&hash).to_owned(),
        token,
        expires_ms,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(role: &str, agent_id: Option<&str>) -> UserRequest {
        UserRequest {
            username: " li.na ".to_owned(),
            password: "a long password".to_owned(),
            role: role.to_owned(),
            agent_id: agent_id.map(str::to_owned),
        }
    }

    #[test]
    fn an_agent_needs_a_non_blank_agent_id() {
        assert!(matches!(
            check_user(&request("agent", None)),
            Err(UserRefused::AgentIdRequired)
        ));
        // the CLI used to accept `--agent-id ''`
        assert!(matches!(
            check_user(&request("agent", Some("  "))),
            Err(UserRefused::AgentIdRequired)
        ));
        let user = check_user(&request("agent", Some(" A07 "))).unwrap();
        assert_eq!(user.agent_id.as_deref(), Some("A07"));
        assert_eq!(user.username, "li.na");
        assert!(verify_password("a long password", &user.password_hash));
    }

    #[test]
    fn short_passwords_empty_names_and_unknown_roles_are_refused() {
        let mut short = request("qa_inspector", None);
        short.password = "123456789".to_owned();
        assert!(matches!(check_user(&short), Err(UserRefused::WeakPassword)));
        let mut unnamed = request("qa_inspector", None);
        unnamed.username = "  ".to_owned();
        assert!(matches!(
            check_user(&unnamed),
            Err(UserRefused::UsernameRequired)
        ));
        assert!(matches!(
            check_user(&request("boss", None)),
            Err(UserRefused::UnknownRole(_))
        ));
    }
}
