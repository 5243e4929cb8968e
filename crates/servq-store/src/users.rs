//! Users, sessions, API tokens, login throttling and the audit log. Secrets never reach the
//! database in the clear: passwords arrive as argon2id hashes and tokens as SHA-256 digests,
//! both made by the caller.

use servq_core::Role;
use sqlx::{AnyConnection, Row, any::AnyRow};

use crate::{Result, Store, StoreError};

/// A stored user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRecord {
    /// Random id.
    pub user_id: String,
    /// Sign-in name, unique.
    pub username: String,
    /// argon2id PHC string.
    pub password_hash: String,
    /// The user's role.
    pub role: Role,
    /// Preferred UI language (`en`, `zh-CN`, `zh-TW`), empty to follow the browser.
    pub locale: String,
    /// For agents: the agent id whose records they see.
    pub agent_id: Option<String>,
    /// Disabled users cannot sign in.
    pub disabled: bool,
}

/// A user to create.
#[derive(Debug, Clone)]
pub struct NewUser {
    /// Random id made by the caller.
    pub user_id: String,
    /// Sign-in name.
    pub username: String,
    /// argon2id PHC string.
    pub password_hash: String,
    /// Role.
    pub role: Role,
    /// Agent id for the agent role.
    pub agent_id: Option<String>,
}

/// Who did something, for the audit log.
#[derive(Debug, Clone)]
pub struct Actor {
    /// The user's id (`None` for the command line or the system).
    pub user_id: Option<String>,
    /// A readable name: the username, `cli` or `system`.
    pub name: String,
}

/// One audit log entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    /// Increasing id.
    pub id: i64,
    /// UTC epoch milliseconds.
    pub at_ms: i64,
    /// Who.
    pub username: String,
    /// `create`, `update`, `delete`, `sign_in`, …
    pub action: String,
    /// What kind of thing: `user`, `api_token`, `import`, `setting`, …
    pub entity: String,
    /// Which one.
    pub entity_id: String,
    /// What changed, as JSON text.
    pub detail: String,
}

/// The columns `user_from_row` reads, for queries that name the users table `u`.
const USER_COLUMNS: &str =
    "u.user_id, u.username, u.password_hash, u.role, u.locale, u.agent_id, u.disabled";

fn user_from_row(row: &AnyRow) -> Result<UserRecord> {
    let role: String = row.try_get("role")?;
    Ok(UserRecord {
        user_id: row.try_get("user_id")?,
        username: row.try_get("username")?,
        password_hash: row.try_get("password_hash")?,
        role: role.parse().map_err(|_| StoreError::CorruptValue {
            column: "users.role",
            value: role.clone(),
        })?,
        locale: row.try_get("locale")?,
        agent_id: row.try_get("agent_id")?,
        disabled: row.try_get::<i64, _>("disabled")? != 0,
    })
}

pub(crate) async fn audit(
    connection: &mut AnyConnection,
    actor: &Actor,
    at_ms: i64,
    action: &str,
    entity: &str,
    entity_id: &str,
    detail: &str,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO audit_log (at, user_id, username, action, entity, entity_id, detail) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(at_ms)
    .bind(actor.user_id.as_deref())
    .bind(actor.name.as_str())
    .bind(action)
    .bind(entity)
    .bind(entity_id)
    .bind(detail)
    .execute(connection)
    .await?;
    Ok(())
}

impl Store {
    /// Creates a user and audits it, in one transaction. A taken username is an error.
    pub async fn create_user(&self, user: &NewUser, actor: &Actor, now_ms: i64) -> Result<()> {
        let mut transaction = self.begin_write().await?;
        let taken: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE username = $1")
            .bind(user.username.as_str())
            .fetch_one(&mut *transaction)
            .await?;
        if taken > 0 {
            return Err(StoreError::UsernameTaken(user.username.clone()));
        }
        sqlx::query(
            "INSERT INTO users (user_id, username, password_hash, role, locale, agent_id, created_at, disabled) \
             VALUES ($1, $2, $3, $4, '', $5, $6, 0)",
        )
        .bind(user.user_id.as_str())
        .bind(user.username.as_str())
        .bind(user.password_hash.as_str())
        .bind(user.role.name())
        .bind(user.agent_id.as_deref())
        .bind(now_ms)
        .execute(&mut *transaction)
        .await?;
        let detail = serde_json::json!({
            "username": user.username,
            "role": user.role.name(),
            "agent_id": user.agent_id,
        })
        .to_string();
        audit(
            &mut transaction,
            actor,
            now_ms,
            "create",
            "user",
            &user.user_id,
            &detail,
        )
        .await?;
        transaction.commit().await?;
        Ok(())
    }

    /// How many users exist (none means the set-up link is still open).
    pub async fn user_count(&self) -> Result<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM users")
            .fetch_one(&self.pool)
            .await?)
    }

    /// The user with this sign-in name.
    pub async fn user_by_username(&self, username: &str) -> Result<Option<UserRecord>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {USER_COLUMNS} FROM users u WHERE u.username = $1"
        )))
        .bind(username)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(user_from_row).transpose()
    }

    /// Every user, by name.
    pub async fn users(&self) -> Result<Vec<UserRecord>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {USER_COLUMNS} FROM users u ORDER BY u.username"
        )))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(user_from_row).collect()
    }

    /// Remembers a user's UI language.
    pub async fn set_user_locale(&self, user_id: &str, locale: &str) -> Result<()> {
        sqlx::query("UPDATE users SET locale = $1 WHERE user_id = $2")
            .bind(locale)
            .bind(user_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Opens a session; `csrf_token` must accompany every state-changing request of it.
    pub async fn create_session(
        &self,
        token_hash: &str,
        user_id: &str,
        csrf_token: &str,
        now_ms: i64,
        expires_ms: i64,
    ) -> Result<()> {
        let mut transaction = self.begin_write().await?;
        delete_expired_sessions(&mut transaction, now_ms).await?;
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(token_hash)
        .bind(user_id)
        .bind(csrf_token)
        .bind(now_ms)
        .bind(expires_ms)
        .execute(&mut *transaction)
        .await?;
        transaction.commit().await?;
        Ok(())
    }

    /// The user and CSRF token of a live session.
    pub async fn session_user(
        &self,
        token_hash: &str,
        now_ms: i64,
    ) -> Result<Option<(UserRecord, String)>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {}, s.csrf_token FROM sessions s JOIN users u ON u.user_id = s.user_id \
             WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.disabled = 0",
            USER_COLUMNS
        )))
        .bind(token_hash)
        .bind(now_ms)
        .fetch_optional(&self.pool)
        .await?;
        match row {
            None => Ok(None),
            Some(row) => Ok(Some((user_from_row(&row)?, row.try_get("csrf_token")?))),
        }
    }

    /// Ends a session.
    pub async fn delete_session(&self, token_hash: &str) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Stores an API token for a user and audits it.
    pub async fn create_api_token(
        &self,
        token_hash: &str,
        user_id: &str,
        name: &str,
        actor: &Actor,
        now_ms: i64,
    ) -> Result<()> {
        let mut transaction = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO api_tokens (token_hash, user_id, name, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(token_hash)
        .bind(user_id)
        .bind(name)
        .bind(now_ms)
        .execute(&mut *transaction)
        .await?;
        let detail = serde_json::json!({ "name": name }).to_string();
        audit(
            &mut transaction,
            actor,
            now_ms,
            "create",
            "api_token",
            &token_hash[..12.min(token_hash.len())],
            &detail,
        )
        .await?;
        transaction.commit().await?;
        Ok(())
    }

    /// The user an API token belongs to.
    pub async fn api_token_user(&self, token_hash: &str) -> Result<Option<UserRecord>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {} FROM api_tokens t JOIN users u ON u.user_id = t.user_id \
             WHERE t.token_hash = $1 AND u.disabled = 0",
            USER_COLUMNS
        )))
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(user_from_row).transpose()
    }

    /// Counts a failed sign-in under `key` (user name and address).
    pub async fn record_login_failure(&self, key: &str, now_ms: i64) -> Result<()> {
        sqlx::query("INSERT INTO login_failures (throttle_key, at) VALUES ($1, $2)")
            .bind(key)
            .bind(now_ms)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Failed sign-ins under `key` since `since_ms`.
    pub async fn login_failures_since(&self, key: &str, since_ms: i64) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "SELECT COUNT(*) FROM login_failures WHERE throttle_key = $1 AND at >= $2",
        )
        .bind(key)
        .bind(since_ms)
        .fetch_one(&self.pool)
        .await?)
    }

    /// Forgets the failures under `key` after a successful sign-in.
    pub async fn clear_login_failures(&self, key: &str) -> Result<()> {
        sqlx::query("DELETE FROM login_failures WHERE throttle_key = $1")
            .bind(key)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Stores a one-time set-up token (for creating the first admin in the browser).
    pub async fn create_setup_token(&self, token_hash: &str, expires_ms: i64) -> Result<()> {
        sqlx::query("INSERT INTO setup_tokens (token_hash, expires_at) VALUES ($1, $2)")
            .bind(token_hash)
            .bind(expires_ms)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Uses up a set-up token: true once, if it exists and has not expired.
    pub async fn take_setup_token(&self, token_hash: &str, now_ms: i64) -> Result<bool> {
        let used =
            sqlx::query("DELETE FROM setup_tokens WHERE token_hash = $1 AND expires_at > $2")
                .bind(token_hash)
                .bind(now_ms)
                .execute(&self.pool)
                .await?
                .rows_affected();
        Ok(used == 1)
    }

    /// Writes an audit entry on its own (for actions outside a store transaction).
    pub async fn audit(
        &self,
        actor: &Actor,
        now_ms: i64,
        action: &str,
        entity: &str,
        entity_id: &str,
        detail: &str,
    ) -> Result<()> {
        let mut connection = self.pool.acquire().await?;
        audit(
            &mut connection,
            actor,
            now_ms,
            action,
            entity,
            entity_id,
            detail,
        )
        .await
    }

    /// The newest audit entries first, `limit` of them, before id `before` when given.
    pub async fn audit_log(&self, limit: i64, before: Option<i64>) -> Result<Vec<AuditEntry>> {
        let rows = sqlx::query(
            "SELECT id, at, username, action, entity, entity_id, detail FROM audit_log \
             WHERE id < $1 ORDER BY id DESC LIMIT $2",
        )
        .bind(before.unwrap_or(i64::MAX))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(AuditEntry {
                    id: row.try_get("id")?,
                    at_ms: row.try_get("at")?,
                    username: row.try_get("username")?,
                    action: row.try_get("action")?,
                    entity: row.try_get("entity")?,
                    entity_id: row.try_get("entity_id")?,
                    detail: row.try_get("detail")?,
                })
            })
            .collect()
    }
}

/// Removes the sessions expired at `now_ms` (at each sign-in and in the daily purge); the number
/// removed.
pub(crate) async fn delete_expired_sessions(
    connection: &mut sqlx::AnyConnection,
    now_ms: i64,
) -> Result<u64> {
    Ok(sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
        .bind(now_ms)
        .execute(connection)
        .await?
        .rows_affected())
}
