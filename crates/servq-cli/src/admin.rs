//! `servq user` and `servq token`: users and API tokens from the command line, through the same
//! checks as the web app's administration (`servq_app::users`), audited as `cli`; `servq admin`:
//! repairs.

use std::{collections::HashMap, io::BufRead, process::ExitCode};

use anyhow::{Context, Result, anyhow, bail};
use jiff::tz::TimeZone;
use serde_json::json;
use servq_app::{
    cli_actor, now_ms, rfc3339,
    users::{self, TokenRefused, TokenRequest, UserRefused, UserRequest, UserUpdate},
};
use servq_core::{Permission, Role};
use servq_store::{ApiTokenRecord, Store, UserRecord};

use crate::config::Config;

/// How a list is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ListFormat {
    /// Aligned columns for a terminal.
    Table,
    /// One JSON document (a contract).
    Json,
}

// `servq admin …`
#[derive(Debug, clap::Subcommand)]
pub enum AdminCommand {
    /// Recompute every repeat-contact link, the 15-minute rollups and the day cubes from the raw
    /// contacts and agent states, in one transaction (imports keep them by their changes; this
    /// is the repair). Prints what it found as JSON.
    RebuildRollups,
}

pub async fn admin(config: &Config, command: AdminCommand) -> Result<ExitCode> {
    match command {
        AdminCommand::RebuildRollups => {
            let store = config.open_store().await?;
            let started = std::time::Instant::now();
            let summary = store.rebuild_rollups().await?;
            let mut out = serde_json::to_value(summary)?;
            out["seconds"] = json!((started.elapsed().as_secs_f64() * 100.0).round() / 100.0);
            println!("{out}");
            Ok(ExitCode::SUCCESS)
        }
    }
}

// `servq user …`
#[derive(Debug, clap::Subcommand)]
pub enum UserCommand {
    /// Create a user; the password is read from the first line of standard input.
    Add {
        /// Sign-in name.
        #[arg(value_name = "NAME")]
        username: String,
        /// desk_staff, agent, supervisor, qa_inspector, analyst or admin.
        #[arg(long)]
        role: String,
        /// For an agent: the agent id whose records they see.
        #[arg(long)]
        agent_id: Option<String>,
    },
    /// Every user, by name: role, agent id, the teams they supervise, whether disabled, language.
    List {
        /// table or json.
        #[arg(long, value_enum, default_value = "table")]
        format: ListFormat,
    },
    /// Disable a user: they cannot sign in, their sessions end and their API tokens stop working
    /// (refused for the last enabled administrator).
    Disable {
        /// Sign-in name.
        #[arg(value_name = "NAME")]
        username: String,
    },
    /// Enable a disabled user again (their API tokens work again).
    Enable {
        /// Sign-in name.
        #[arg(value_name = "NAME")]
        username: String,
    },
    /// Give a user another role (refused for the last enabled administrator).
    SetRole {
        /// Sign-in name.
        #[arg(value_name = "NAME")]
        username: String,
        /// desk_staff, agent, supervisor, qa_inspector, analyst or admin.
        role: String,
        /// The agent id whose records they see: needed to make an agent of a user without one.
        #[arg(long)]
        agent_id: Option<String>,
    },
    /// Reset a user's password, read from the first line of standard input; their sessions end.
    SetPassword {
        /// Sign-in name.
        #[arg(value_name = "NAME")]
        username: String,
    },
    /// Set the teams a user supervises, replacing the ones they had; no team removes them all.
    SetTeam {
        /// Sign-in name.
        #[arg(value_name = "NAME")]
        username: String,
        /// Team names.
        #[arg(value_name = "TEAM")]
        teams: Vec<String>,
    },
}

// `servq token …`
#[derive(Debug, clap::Subcommand)]
pub enum TokenCommand {
    /// Make an API token for a user: the secret is printed once, on standard output; its id and
    /// expiry go to standard error.
    Create {
        /// The user the token acts as.
        #[arg(long, value_name = "NAME")]
        user: String,
        /// What it is for.
        #[arg(long, value_name = "TEXT")]
        name: String,
        /// Days it lives: 1 to 365 (default 90).
        #[arg(long, value_name = "N", allow_negative_numbers = true)]
        expires_days: Option<i64>,
        /// Only reading requests (GET) are allowed with it.
        #[arg(long)]
        read_only: bool,
    },
    /// API tokens, newest first, never their secrets.
    List {
        /// Only this user's tokens.
        #[arg(long, value_name = "NAME")]
        user: Option<String>,
        /// table or json.
        #[arg(long, value_enum, default_value = "table")]
        format: ListFormat,
    },
    /// Revoke a token: it stops working at once.
    Revoke {
        /// The token's id (see `servq token list`).
        #[arg(value_name = "ID")]
        id: String,
    },
}

/// Runs a `servq user` command; a refusal is an error in the command line's words.
pub async fn user(config: &Config, command: UserCommand) -> Result<ExitCode> {
    match command {
        UserCommand::Add {
            username,
            role,
            agent_id,
        } => {
            let password = read_password(&format!("password for {username}: "))?;
            let request = UserRequest {
                username,
                password,
                role,
                agent_id,
            };
            // the request's own problems first: no store is opened for a refused user
            let user = users::check_user(&request).map_err(refusal)?;
            let store = config.open_store().await?;
            let stored = users::store_user(&store, &user, &cli_actor()).await;
            store.close().await;
            stored.map_err(refusal)?;
            let (role, username) = (user.role, user.username);
            eprintln!("created {role} {username}");
        }
        UserCommand::List { format } => {
            let store = config.open_store().await?;
            let listed = list_users(&store, format).await;
            store.close().await;
            listed?;
        }
        UserCommand::Disable { username } => {
            let update = UserUpdate {
                disabled: Some(true),
                ..UserUpdate::default()
            };
            let (user, _) = change_user(config, &username, &update).await?;
            eprintln!(
                "disabled {}: their sessions ended and their API tokens stop working",
                user.username
            );
        }
        UserCommand::Enable { username } => {
            let update = UserUpdate {
                disabled: Some(false),
                ..UserUpdate::default()
            };
            let (user, _) = change_user(config, &username, &update).await?;
            eprintln!("enabled {}", user.username);
        }
        UserCommand::SetRole {
            username,
            role,
            agent_id,
        } => {
            let update = UserUpdate {
                role: Some(role),
                agent_id,
                ..UserUpdate::default()
            };
            let (user, _) = change_user(config, &username, &update).await?;
            match user
                .agent_id
                .as_deref()
                .filter(|_| user.role == Role::Agent)
            {
                Some(agent) => eprintln!("{} is now {} (agent {agent})", user.username, user.role),
                None => eprintln!("{} is now {}", user.username, user.role),
            }
        }
        UserCommand::SetPassword { username } => {
            let password = read_password(&format!("new password for {username}: "))?;
            let update = UserUpdate {
                password: Some(password),
                ..UserUpdate::default()
            };
            let (user, _) = change_user(config, &username, &update).await?;
            eprintln!(
                "changed the password of {}: their sessions ended",
                user.username
            );
        }
        UserCommand::SetTeam { username, teams } => {
            let update = UserUpdate {
                teams: Some(teams),
                ..UserUpdate::default()
            };
            let (user, teams) = change_user(config, &username, &update).await?;
            if teams.is_empty() {
                eprintln!("{} supervises no team", user.username);
            } else {
                eprintln!("{} supervises {}", user.username, teams.join(", "));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Runs a `servq token` command.
pub async fn token(config: &Config, command: TokenCommand) -> Result<ExitCode> {
    let store = config.open_store().await?;
    let done = match command {
        TokenCommand::Create {
            user,
            name,
            expires_days,
            read_only,
        } => create_token(&store, &user, name, expires_days, read_only).await,
        TokenCommand::List { user, format } => list_tokens(&store, user.as_deref(), format).await,
        TokenCommand::Revoke { id } => revoke_token(&store, &id).await,
    };
    store.close().await;
    done?;
    Ok(ExitCode::SUCCESS)
}

/// The first line of standard input without its line end; `prompt` goes to standard error when
/// a person types it.
fn read_password(prompt: &str) -> Result<String> {
    if std::io::IsTerminal::is_terminal(&std::io::stdin()) {
        eprint!("{prompt}");
    }
    let mut password = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut password)
        .context("reading the password from standard input")?;
    Ok(password.trim_end_matches(['\r', '\n']).to_owned())
}

/// A refusal as an error in the command line's words; a store failure as itself.
fn refusal(refused: UserRefused) -> anyhow::Error {
    match refused {
        UserRefused::Failed(error) => error,
        refused => anyhow!("{}", cli_words(&refused)),
    }
}

/// A refusal in the command line's words (flags where the API says fields).
fn cli_words(refused: &UserRefused) -> String {
    match refused {
        UserRefused::AgentIdRequired => {
            "an agent needs --agent-id (the agent whose records they see)".to_owned()
        }
        UserRefused::UnknownUser(name) => format!("no user '{name}' (see `servq user list`)"),
        UserRefused::LastAdmin => {
            format!("{refused}: make another user admin first (`servq user set-role NAME admin`)")
        }
        other => other.to_string(),
    }
}

/// A token refusal in the command line's words.
fn token_refusal(refused: TokenRefused) -> anyhow::Error {
    match refused {
        TokenRefused::Failed(error) => error.into(),
        bad @ TokenRefused::BadExpiry(_) => anyhow!("--expires-days: {bad}"),
        other => anyhow!("--name: {other}"),
    }
}

/// Applies an administrator's change to a user: the user as they are now, and their teams.
async fn change_user(
    config: &Config,
    username: &str,
    update: &UserUpdate,
) -> Result<(UserRecord, Vec<String>)> {
    let store = config.open_store().await?;
    let changed = change_in(&store, username, update).await;
    store.close().await;
    changed
}

async fn change_in(
    store: &Store,
    username: &str,
    update: &UserUpdate,
) -> Result<(UserRecord, Vec<String>)> {
    let user = users::update_user(store, username, update, &cli_actor())
        .await
        .map_err(refusal)?;
    let teams = teams_by_user(store.user_teams().await?)
        .remove(&user.user_id)
        .unwrap_or_default();
    Ok((user, teams))
}

/// The teams each user supervises, sorted, by user id.
fn teams_by_user(rows: Vec<(String, String)>) -> HashMap<String, Vec<String>> {
    let mut teams: HashMap<String, Vec<String>> = HashMap::new();
    for (user_id, team) in rows {
        teams.entry(user_id).or_default().push(team);
    }
    for list in teams.values_mut() {
        list.sort();
    }
    teams
}

/// The user with this sign-in name, or a refusal naming it.
async fn find_user(store: &Store, username: &str) -> Result<UserRecord> {
    let username = username.trim();
    match store.user_by_username(username).await? {
        Some(user) => Ok(user),
        None => Err(refusal(UserRefused::UnknownUser(username.to_owned()))),
    }
}

/// The centre's time zone, for times people read.
async fn centre_zone(store: &Store) -> Result<TimeZone> {
    let name = store.centre_zone().await?;
    TimeZone::get(&name).with_context(|| format!("the centre's time zone '{name}'"))
}

/// A time for people: RFC 3339 in the centre's zone, to the second.
fn local_time(ms: i64, zone: &TimeZone) -> String {
    match jiff::Timestamp::from_millisecond(ms) {
        Ok(at) => at
            .to_zoned(zone.clone())
            .strftime("%Y-%m-%dT%H:%M:%S%:z")
            .to_string(),
        Err(_) => ms.to_string(),
    }
}

fn new_table(header: &[&str]) -> comfy_table::Table {
    let mut table = comfy_table::Table::new();
    table.load_preset(comfy_table::presets::UTF8_FULL_CONDENSED);
    table.set_header(header.to_vec());
    table
}

async fn list_users(store: &Store, format: ListFormat) -> Result<()> {
    let mut teams = teams_by_user(store.user_teams().await?);
    let rows: Vec<(UserRecord, Vec<String>)> = store
        .users()
        .await?
        .into_iter()
        .map(|user| {
            let teams = teams.remove(&user.user_id).unwrap_or_default();
            (user, teams)
        })
        .collect();
    match format {
        ListFormat::Json => {
            let users: Vec<serde_json::Value> = rows
                .iter()
                .map(|(user, teams)| {
                    json!({
                        "username": user.username,
                        "role": user.role.name(),
                        "agent_id": user.agent_id,
                        "teams": teams,
                        "disabled": user.disabled,
                        "locale": user.locale,
                    })
                })
                .collect();
            println!(
                "{}",
                serde_json::to_string_pretty(&json!({ "users": users }))?
            );
        }
        ListFormat::Table => {
            let mut table = new_table(&["user", "role", "agent_id", "teams", "status", "locale"]);
            for (user, teams) in &rows {
                table.add_row(vec![
                    user.username.clone(),
                    user.role.name().to_owned(),
                    user.agent_id.clone().unwrap_or_else(|| "-".to_owned()),
                    if teams.is_empty() {
                        "-".to_owned()
                    } else {
                        teams.join(", ")
                    },
                    if user.disabled { "disabled" } else { "enabled" }.to_owned(),
                    if user.locale.is_empty() {
                        "-".to_owned()
                    } else {
                        user.locale.clone()
                    },
                ]);
            }
            println!("{table}");
        }
    }
    Ok(())
}

async fn create_token(
    store: &Store,
    username: &str,
    name: String,
    expires_days: Option<i64>,
    read_only: bool,
) -> Result<()> {
    let owner = find_user(store, username).await?;
    // before the token exists: nothing may fail between making it and printing it
    let zone = centre_zone(store).await?;
    let request = TokenRequest {
        user_id: owner.user_id.clone(),
        name,
        expires_days,
        read_only,
    };
    let created = users::create_api_token(store, &request, &cli_actor())
        .await
        .map_err(token_refusal)?;
    println!("{}", created.token);
    eprintln!(
        "token {} for {} ({}), expires {}; its secret (standard output) is shown only this once",
        created.token_id,
        owner.username,
        if read_only {
            "read-only"
        } else {
            "read and write"
        },
        local_time(created.expires_ms, &zone),
    );
    if !owner.role.allows(Permission::UseApiTokens) {
        eprintln!(
            "note: the {} role cannot use API tokens: requests with this one will be refused",
            owner.role
        );
    }
    if owner.disabled {
        eprintln!(
            "note: {} is disabled: the token works only once they are enabled",
            owner.username
        );
    }
    Ok(())
}

async fn list_tokens(store: &Store, username: Option<&str>, format: ListFormat) -> Result<()> {
    let owner = match username {
        Some(name) => Some(find_user(store, name).await?.user_id),
        None => None,
    };
    let tokens = store.api_tokens(owner.as_deref()).await?;
    match format {
        ListFormat::Json => {
            let tokens: Vec<serde_json::Value> = tokens
                .iter()
                .map(|token| {
                    json!({
                        "id": token.token_id,
                        "user": token.username,
                        "name": token.name,
                        "created_at": rfc3339(token.created_ms),
                        "expires_at": token.expires_ms.map(rfc3339),
                        "read_only": token.read_only,
                        "revoked_at": token.revoked_ms.map(rfc3339),
                        "created_by": token.created_by,
                    })
                })
                .collect();
            println!(
                "{}",
                serde_json::to_string_pretty(&json!({ "tokens": tokens }))?
            );
        }
        ListFormat::Table => {
            let zone = centre_zone(store).await?;
            let now = now_ms();
            let mut table = new_table(&[
                "id",
                "user",
                "name",
                "created",
                "expires",
                "read_only",
                "revoked",
                "created_by",
            ]);
            for token in &tokens {
                table.add_row(token_row(token, &zone, now));
            }
            println!("{table}");
        }
    }
    Ok(())
}

fn token_row(token: &ApiTokenRecord, zone: &TimeZone, now: i64) -> Vec<String> {
    let expires = match token.expires_ms {
        None => "never".to_owned(),
        Some(ms) if ms <= now => format!("{} (expired)", local_time(ms, zone)),
        Some(ms) => local_time(ms, zone),
    };
    vec![
        token.token_id.clone(),
        token.username.clone(),
        token.name.clone(),
        local_time(token.created_ms, zone),
        expires,
        if token.read_only { "yes" } else { "no" }.to_owned(),
        token
            .revoked_ms
            .map_or_else(|| "-".to_owned(), |ms| local_time(ms, zone)),
        token.created_by.clone(),
    ]
}

async fn revoke_token(store: &Store, id: &str) -> Result<()> {
    let id = id.trim().to_ascii_lowercase();
    if store
        .revoke_api_token(&id, None, &cli_actor(), now_ms())
        .await?
    {
        eprintln!("revoked token {id}");
        return Ok(());
    }
    let revoked_at = store
        .api_tokens(None)
        .await?
        .into_iter()
        .find(|token| token.token_id == id)
        .and_then(|token| token.revoked_ms);
    match revoked_at {
        Some(ms) => bail!(
            "token {id} was already revoked at {}",
            local_time(ms, &centre_zone(store).await?)
        ),
        None => bail!("no token '{id}' (see `servq token list`)"),
    }
}
