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

/// A new API token for `user_id`, named `name` (required): returns the token, shown once; only
/// its hash is stored.
pub async fn create_api_token(
    store: &Store,
    user_id: &str,
    name: &str,
    actor: &Actor,
) -> Result<Option<String>, StoreError> {
    let name = name.trim();
    if name.is_empty() {
        return Ok(None);
    }
    let token = new_token();
    store
        .create_api_token(&token_hash(&token), user_id, name, actor, now_ms())
        .await?;
    Ok(Some(token))
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
