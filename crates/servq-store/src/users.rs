//! Users, sessions, API tokens, login throttling and the audit log. Secrets never reach the
//! database in the clear: passwords arrive as argon2id hashes and tokens as SHA-256 digests,
//! both made by the caller.

use servq_core::Role;
use sqlx::{AnyConnection, Row, any::AnyRow};

use crate::{Backend, Result, Store, StoreError};

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
    /// Where e-mail notifications go; empty for none.
    pub email: String,
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

/// A change to a user; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct UserChange {
    /// A new role.
    pub role: Option<Role>,
    /// A new argon2id password hash.
    pub password_hash: Option<String>,
    /// Disable (true) or enable (false).
    pub disabled: Option<bool>,
    /// A new agent id (`Some(None)` removes it).
    pub agent_id: Option<Option<String>>,
    /// The teams the user supervises (replacing the ones they had).
    pub teams: Option<Vec<String>>,
    /// End every session of the user (a disabled user or a password reset by an administrator).
    pub end_sessions: bool,
}

/// An API token to store.
#[derive(Debug, Clone, Copy)]
pub struct NewApiToken<'a> {
    /// SHA-256 of the secret, hex.
    pub token_hash: &'a str,
    /// The user it acts as.
    pub user_id: &'a str,
    /// What it is for.
    pub name: &'a str,
    /// When it stops working, UTC ms.
    pub expires_ms: Option<i64>,
    /// Only reading requests (GET) are allowed.
    pub read_only: bool,
}

/// A stored API token, as it is listed (never its secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiTokenRecord {
    /// Public id: the first 12 hex digits of the secret's SHA-256.
    pub token_id: String,
    /// The user it acts as.
    pub user_id: String,
    /// Their sign-in name.
    pub username: String,
    /// What it is for.
    pub name: String,
    /// Who made it.
    pub created_by: String,
    /// Made, UTC ms.
    pub created_ms: i64,
    /// Stops working, UTC ms; `None` never (tokens made before schema v17).
    pub expires_ms: Option<i64>,
    /// Read-only scope.
    pub read_only: bool,
    /// Revoked, UTC ms.
    pub revoked_ms: Option<i64>,
}

/// The public id of a token: the first 12 hex digits of its hash.
pub fn token_id_of(token_hash: &str) -> &str {
    &token_hash[..12.min(token_hash.len())]
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
    "u.user_id, u.username, u.password_hash, u.role, u.locale, u.agent_id, u.disabled, u.email";

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
        email: row.try_get("email")?,
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
        token: &NewApiToken<'_>,
        actor: &Actor,
        now_ms: i64,
    ) -> Result<()> {
        let mut transaction = self.begin_write().await?;
        let token_id = token_id_of(token.token_hash);
        sqlx::query(
            "INSERT INTO api_tokens (token_hash, user_id, name, created_at, token_id, expires_at, \
             read_only, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(token.token_hash)
        .bind(token.user_id)
        .bind(token.name)
        .bind(now_ms)
        .bind(token_id)
        .bind(token.expires_ms)
        .bind(i64::from(token.read_only))
        .bind(actor.name.as_str())
        .execute(&mut *transaction)
        .await?;
        let detail = serde_json::json!({
            "name": token.name,
            "user_id": token.user_id,
            "expires_at": token.expires_ms,
            "read_only": token.read_only,
        })
        .to_string();
        audit(
            &mut transaction,
            actor,
            now_ms,
            "create",
            "api_token",
            token_id,
            &detail,
        )
        .await?;
        transaction.commit().await?;
        Ok(())
    }

    /// The user an API token acts as, and whether it is read-only: none for an unknown,
    /// revoked or expired token, or a disabled user.
    pub async fn api_token_user(
        &self,
        token_hash: &str,
        now_ms: i64,
    ) -> Result<Option<(UserRecord, bool)>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {}, t.read_only FROM api_tokens t JOIN users u ON u.user_id = t.user_id \
             WHERE t.token_hash = $1 AND u.disabled = 0 AND t.revoked_at IS NULL \
               AND (t.expires_at IS NULL OR t.expires_at > $2)",
            USER_COLUMNS
        )))
        .bind(token_hash)
        .bind(now_ms)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            Ok((
                user_from_row(&row)?,
                row.try_get::<i64, _>("read_only")? != 0,
            ))
        })
        .transpose()
    }

    /// API tokens, newest first: one user's, or everyone's.
    pub async fn api_tokens(&self, user_id: Option<&str>) -> Result<Vec<ApiTokenRecord>> {
        sqlx::query(
            "SELECT t.token_id, t.user_id, u.username, t.name, t.created_by, t.created_at, \
             t.expires_at, t.read_only, t.revoked_at FROM api_tokens t \
             JOIN users u ON u.user_id = t.user_id WHERE ($1 = '' OR t.user_id = $1) \
             ORDER BY t.created_at DESC, t.token_id",
        )
        .bind(user_id.unwrap_or(""))
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|row| {
            Ok(ApiTokenRecord {
                token_id: row.try_get("token_id")?,
                user_id: row.try_get("user_id")?,
                username: row.try_get("username")?,
                name: row.try_get("name")?,
                created_by: row.try_get("created_by")?,
                created_ms: row.try_get("created_at")?,
                expires_ms: row.try_get("expires_at")?,
                read_only: row.try_get::<i64, _>("read_only")? != 0,
                revoked_ms: row.try_get("revoked_at")?,
            })
        })
        .collect()
    }

    /// Revokes a token by its public id — only one of `owner`'s when given; false when there is
    /// no such live token. Audited.
    pub async fn revoke_api_token(
        &self,
        token_id: &str,
        owner: Option<&str>,
        actor: &Actor,
        now_ms: i64,
    ) -> Result<bool> {
        let mut transaction = self.begin_write().await?;
        let revoked = sqlx::query(
            "UPDATE api_tokens SET revoked_at = $1 WHERE token_id = $2 AND revoked_at IS NULL \
             AND ($3 = '' OR user_id = $3)",
        )
        .bind(now_ms)
        .bind(token_id)
        .bind(owner.unwrap_or(""))
        .execute(&mut *transaction)
        .await?
        .rows_affected();
        if revoked == 0 {
            return Ok(false);
        }
        audit(
            &mut transaction,
            actor,
            now_ms,
            "revoke",
            "api_token",
            token_id,
            "{}",
        )
        .await?;
        transaction.commit().await?;
        Ok(true)
    }

    /// The user with this id.
    pub async fn user_by_id(&self, user_id: &str) -> Result<Option<UserRecord>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {USER_COLUMNS} FROM users u WHERE u.user_id = $1"
        )))
        .bind(user_id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(user_from_row).transpose()
    }

    /// The teams one user supervises, sorted.
    pub async fn teams_of_user(&self, user_id: &str) -> Result<Vec<String>> {
        Ok(
            sqlx::query_scalar("SELECT team FROM user_teams WHERE user_id = $1 ORDER BY team")
                .bind(user_id)
                .fetch_all(&self.pool)
                .await?,
        )
    }

    /// The teams each user supervises: (user id, team), by user then team.
    pub async fn user_teams(&self) -> Result<Vec<(String, String)>> {
        Ok(
            sqlx::query_as("SELECT user_id, team FROM user_teams ORDER BY user_id, team")
                .fetch_all(&self.pool)
                .await?,
        )
    }

    /// Changes a user in one transaction, audited (`update` on `user`, with what changed —
    /// never the hash). Refused with [`StoreError::LastAdmin`] when it would leave no enabled
    /// administrator.
    pub async fn change_user(
        &self,
        user_id: &str,
        change: &UserChange,
        actor: &Actor,
        now_ms: i64,
    ) -> Result<()> {
        let mut transaction = self.begin_write().await?;
        let current = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {USER_COLUMNS} FROM users u WHERE u.user_id = $1"
        )))
        .bind(user_id)
        .fetch_optional(&mut *transaction)
        .await?
        .as_ref()
        .map(user_from_row)
        .transpose()?
        .ok_or_else(|| StoreError::CorruptValue {
            column: "users.user_id",
            value: user_id.to_owned(),
        })?;
        let stays_admin = change.role.unwrap_or(current.role) == Role::Admin
            && !change.disabled.unwrap_or(current.disabled);
        if current.role == Role::Admin && !current.disabled && !stays_admin {
            let others: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM users WHERE role = 'admin' AND disabled = 0 AND user_id <> $1",
            )
            .bind(user_id)
            .fetch_one(&mut *transaction)
            .await?;
            if others == 0 {
                return Err(StoreError::LastAdmin);
            }
        }
        let mut detail = serde_json::Map::new();
        if let Some(role) = change.role {
            sqlx::query("UPDATE users SET role = $1 WHERE user_id = $2")
                .bind(role.name())
                .bind(user_id)
                .execute(&mut *transaction)
                .await?;
            detail.insert("role".into(), role.name().into());
        }
        if let Some(hash) = &change.password_hash {
            sqlx::query("UPDATE users SET password_hash = $1 WHERE user_id = $2")
                .bind(hash.as_str())
                .bind(user_id)
                .execute(&mut *transaction)
                .await?;
            detail.insert("password".into(), "changed".into());
        }
        if let Some(disabled) = change.disabled {
            sqlx::query("UPDATE users SET disabled = $1 WHERE user_id = $2")
                .bind(i64::from(disabled))
                .bind(user_id)
                .execute(&mut *transaction)
                .await?;
            detail.insert("disabled".into(), disabled.into());
        }
        if let Some(agent_id) = &change.agent_id {
            sqlx::query("UPDATE users SET agent_id = $1 WHERE user_id = $2")
                .bind(agent_id.as_deref())
                .bind(user_id)
                .execute(&mut *transaction)
                .await?;
            detail.insert("agent_id".into(), agent_id.clone().into());
        }
        if let Some(teams) = &change.teams {
            sqlx::query("DELETE FROM user_teams WHERE user_id = $1")
                .bind(user_id)
                .execute(&mut *transaction)
                .await?;
            for team in teams {
                sqlx::query(
                    "INSERT INTO user_teams (user_id, team) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                )
                .bind(user_id)
                .bind(team.as_str())
                .execute(&mut *transaction)
                .await?;
            }
            detail.insert("teams".into(), teams.clone().into());
        }
        if change.end_sessions {
            sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                .bind(user_id)
                .execute(&mut *transaction)
                .await?;
        }
        audit(
            &mut transaction,
            actor,
            now_ms,
            "update",
            "user",
            user_id,
            &serde_json::Value::Object(detail).to_string(),
        )
        .await?;
        transaction.commit().await?;
        Ok(())
    }

    /// Ends every session of a user but `keep` (the one that changed its own password).
    pub async fn end_other_sessions(&self, user_id: &str, keep_hash: &str) -> Result<u64> {
        Ok(
            sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2")
                .bind(user_id)
                .bind(keep_hash)
                .execute(&self.pool)
                .await?
                .rows_affected(),
        )
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

    /// Reserves one password check under `key`: true (and counted, as a failure until
    /// [`Store::clear_login_failures`] forgets it) when fewer than `max` were made since
    /// `since_ms`, false otherwise. Counting and recording are one step, so parallel attempts
    /// cannot all slip under the limit (SQLite: an immediate transaction; PostgreSQL: a lock on
    /// the key for the transaction).
    pub async fn reserve_login_attempt(
        &self,
        key: &str,
        now_ms: i64,
        since_ms: i64,
        max: i64,
    ) -> Result<bool> {
        let mut transaction = self.begin_write().await?;
        if self.backend == Backend::Postgres {
            sqlx::query("SELECT pg_advisory_xact_lock(hashtext($1))")
                .bind(key)
                .execute(&mut *transaction)
                .await?;
        }
        let made: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM login_failures WHERE throttle_key = $1 AND at >= $2",
        )
        .bind(key)
        .bind(since_ms)
        .fetch_one(&mut *transaction)
        .await?;
        if made >= max {
            transaction.commit().await?;
            return Ok(false);
        }
        sqlx::query("INSERT INTO login_failures (throttle_key, at) VALUES ($1, $2)")
            .bind(key)
            .bind(now_ms)
            .execute(&mut *transaction)
            .await?;
        transaction.commit().await?;
        Ok(true)
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

/// A user's two-factor state.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TwoFactor {
    /// Base32 secret (empty: never started).
    pub secret: String,
    /// Whether sign-in asks for a code.
    pub enabled: bool,
    /// The last TOTP step accepted (a code is never accepted twice).
    pub last_step: i64,
}

impl Store {
    /// The two-factor state of a user (default for an unknown one).
    pub async fn two_factor(&self, user_id: &str) -> Result<TwoFactor> {
        let row = sqlx::query(
            "SELECT totp_secret, totp_enabled, totp_last_step FROM users WHERE user_id = $1",
        )
        .bind(user_id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(match row {
            Some(row) => TwoFactor {
                secret: row.try_get(0)?,
                enabled: row.try_get::<i64, _>(1)? != 0,
                last_step: row.try_get(2)?,
            },
            None => TwoFactor::default(),
        })
    }

    /// Starts enrolment: a new secret, not yet asked for at sign-in (an enabled user keeps
    /// theirs: they disable first).
    pub async fn start_two_factor(&self, user_id: &str, secret: &str) -> Result<bool> {
        Ok(sqlx::query(
            "UPDATE users SET totp_secret = $1, totp_last_step = 0 \
             WHERE user_id = $2 AND totp_enabled = 0",
        )
        .bind(secret)
        .bind(user_id)
        .execute(&self.pool)
        .await?
        .rows_affected()
            == 1)
    }

    /// Turns two-factor on with these recovery codes (digests), replacing older ones. Audited.
    pub async fn enable_two_factor(
        &self,
        user_id: &str,
        recovery_hashes: &[String],
        actor: &Actor,
        now_ms: i64,
    ) -> Result<()> {
        let mut transaction = self.begin_write().await?;
        sqlx::query("UPDATE users SET totp_enabled = 1 WHERE user_id = $1")
            .bind(user_id)
            .execute(&mut *transaction)
            .await?;
        sqlx::query("DELETE FROM user_recovery_codes WHERE user_id = $1")
            .bind(user_id)
            .execute(&mut *transaction)
            .await?;
        for hash in recovery_hashes {
            sqlx::query("INSERT INTO user_recovery_codes (user_id, code_hash) VALUES ($1, $2)")
                .bind(user_id)
                .bind(hash.as_str())
                .execute(&mut *transaction)
                .await?;
        }
        audit(
            &mut transaction,
            actor,
            now_ms,
            "two_factor_on",
            "user",
            user_id,
            "{}",
        )
        .await?;
        transaction.commit().await?;
        Ok(())
    }

    /// Turns two-factor off and forgets the secret and recovery codes. Audited.
    pub async fn disable_two_factor(
        &self,
        user_id: &str,
        actor: &Actor,
        now_ms: i64,
    ) -> Result<()> {
        let mut transaction = self.begin_write().await?;
        sqlx::query(
            "UPDATE users SET totp_enabled = 0, totp_secret = '', totp_last_step = 0 \
             WHERE user_id = $1",
        )
        .bind(user_id)
        .execute(&mut *transaction)
        .await?;
        sqlx::query("DELETE FROM user_recovery_codes WHERE user_id = $1")
            .bind(user_id)
            .execute(&mut *transaction)
            .await?;
        audit(
            &mut transaction,
            actor,
            now_ms,
            "two_factor_off",
            "user",
            user_id,
            "{}",
        )
        .await?;
        transaction.commit().await?;
        Ok(())
    }

    /// Records `step` as used: true once per step and only forward (no replay).
    pub async fn use_totp_step(&self, user_id: &str, step: i64) -> Result<bool> {
        Ok(sqlx::query(
            "UPDATE users SET totp_last_step = $1 WHERE user_id = $2 AND totp_last_step < $1",
        )
        .bind(step)
        .bind(user_id)
        .execute(&self.pool)
        .await?
        .rows_affected()
            == 1)
    }

    /// Uses up a recovery code (by digest): true once.
    pub async fn use_recovery_code(&self, user_id: &str, hash: &str, now_ms: i64) -> Result<bool> {
        Ok(sqlx::query(
            "UPDATE user_recovery_codes SET used_at = $1 \
             WHERE user_id = $2 AND code_hash = $3 AND used_at IS NULL",
        )
        .bind(now_ms)
        .bind(user_id)
        .bind(hash)
        .execute(&self.pool)
        .await?
        .rows_affected()
            == 1)
    }

    /// Leaves a sign-in challenge for `user_id` (the token's digest) until `expires_ms`.
    pub async fn create_login_challenge(
        &self,
        token_hash: &str,
        user_id: &str,
        expires_ms: i64,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO login_challenges (token_hash, user_id, expires_at) VALUES ($1, $2, $3)",
        )
        .bind(token_hash)
        .bind(user_id)
        .bind(expires_ms)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The user a live challenge is for.
    pub async fn login_challenge(&self, token_hash: &str, now_ms: i64) -> Result<Option<String>> {
        Ok(sqlx::query_scalar(
            "SELECT user_id FROM login_challenges WHERE token_hash = $1 AND expires_at > $2",
        )
        .bind(token_hash)
        .bind(now_ms)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// Ends a challenge (answered, or expired ones of the past).
    pub async fn end_login_challenge(&self, token_hash: &str, now_ms: i64) -> Result<()> {
        sqlx::query("DELETE FROM login_challenges WHERE token_hash = $1 OR expires_at <= $2")
            .bind(token_hash)
            .bind(now_ms)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
