//! `servq desk`: the service desk from the command line — one escalation pass (as every server
//! runs each minute), and the business calendar, SLA policy, routing and workflows as JSON.

use std::{path::PathBuf, process::ExitCode};

use anyhow::{Context, Result};
use servq_app::{
    cli_actor,
    desk::{self, DeskSettingsUpdate, SettingsRefused},
    now_ms, outbox,
};

use crate::config::Config;

// parsed once per run: the outbox flags of one command make it large, which costs nothing here
#[allow(clippy::large_enum_variant)]
#[derive(Debug, clap::Subcommand)]
pub enum DeskCommand {
    /// Fire the SLA escalations due now (or as of --now): each breach and warning once, however
    /// many servers or commands run at the same time. Prints the counts as JSON.
    Escalate {
        /// Escalate as of this moment (RFC 3339) instead of now.
        #[arg(long)]
        now: Option<String>,
    },
    /// Print the business calendar (JSON), or store one from a file (checked first).
    Calendar {
        /// The calendar to store.
        #[arg(long)]
        set: Option<PathBuf>,
    },
    /// Print the SLA policy (JSON), or store one from a file (checked first).
    Policy {
        /// The policy to store.
        #[arg(long)]
        set: Option<PathBuf>,
    },
    /// Send the outbox messages due now (escalation e-mails and webhooks), as every server does
    /// each 30 seconds. Prints the counts as JSON.
    SendOutbox {
        #[command(flatten)]
        outbox: crate::serve::OutboxArgs,
    },
    /// Print the routing rules and assignment strategy (JSON), or store them from a file.
    Routing {
        /// The routing to store.
        #[arg(long)]
        set: Option<PathBuf>,
    },
    /// Print the canned replies (JSON `{"replies": [...]}`), or store them from a file (that
    /// object or the bare list; checked first: every problem is listed).
    CannedReplies {
        /// The replies to store.
        #[arg(long)]
        set: Option<PathBuf>,
    },
    /// Print the workflows of the ticket types (JSON), or store them from a file (checked
    /// first: every problem is listed).
    Workflows {
        /// The workflows to store.
        #[arg(long)]
        set: Option<PathBuf>,
    },
}

pub async fn run(config: &Config, command: DeskCommand) -> Result<ExitCode> {
    let store = config.open_store().await?;
    match command {
        DeskCommand::Escalate { now } => {
            let now = match now {
                Some(text) => jiff::Timestamp::from_millisecond(
                    servq_core::parse_timestamp(&text, &config.zone)
                        .map_err(|error| anyhow::anyhow!("--now: {error}"))?
                        .utc_ms,
                )?,
                None => jiff::Timestamp::now(),
            };
            let pass = desk::escalate(&store, now).await?;
            println!(
                "{}",
                serde_json::json!({"breaches": pass.breaches, "warnings": pass.warnings})
            );
        }
        DeskCommand::SendOutbox { outbox } => {
            let config = outbox.config()?;
            let delivery = outbox::deliver_due(&store, &config, now_ms()).await?;
            println!(
                "{}",
                serde_json::json!({"sent": delivery.sent, "failed": delivery.failed})
            );
        }
        DeskCommand::Routing { set: None } => {
            let routing = desk::routing(&store).await?;
            println!("{}", serde_json::to_string_pretty(&routing)?);
        }
        DeskCommand::Routing { set: Some(path) } => {
            let routing = read_json(&path, "a routing")?;
            save(
                &store,
                &path,
                DeskSettingsUpdate {
                    routing: Some(routing),
                    ..DeskSettingsUpdate::default()
                },
            )
            .await?;
            eprintln!("routing stored; new tickets use it");
        }
        DeskCommand::CannedReplies { set: None } => {
            let replies = servq_app::replies::canned_replies(&store).await?;
            println!(
                "{}",
                serde_json::to_string_pretty(&serde_json::json!({ "replies": replies }))?
            );
        }
        DeskCommand::CannedReplies { set: Some(path) } => {
            let value: serde_json::Value = read_json(&path, "JSON")?;
            let list = value.get("replies").cloned().unwrap_or(value);
            let replies: Vec<servq_desk::CannedReply> = serde_json::from_value(list)
                .with_context(|| format!("{}: not a list of canned replies", path.display()))?;
            let saved =
                servq_app::replies::save_canned_replies(&store, replies, &cli_actor()).await;
            store.close().await;
            return crate::refused(saved.map(|()| "canned replies stored".to_owned()));
        }
        DeskCommand::Workflows { set: None } => {
            let workflows = desk::workflows(&store).await?;
            println!("{}", serde_json::to_string_pretty(&workflows)?);
        }
        DeskCommand::Workflows { set: Some(path) } => {
            let workflows = read_json(&path, "a list of workflows")?;
            save(
                &store,
                &path,
                DeskSettingsUpdate {
                    workflows: Some(workflows),
                    ..DeskSettingsUpdate::default()
                },
            )
            .await?;
            eprintln!("workflows stored; new tickets and stage moves use them");
        }
        DeskCommand::Calendar { set: None } => {
            let spec = desk::calendar_spec(&store).await?;
            println!("{}", serde_json::to_string_pretty(&spec)?);
        }
        DeskCommand::Policy { set: None } => {
            let policy = desk::sla_policy(&store).await?;
            println!("{}", serde_json::to_string_pretty(&policy)?);
        }
        DeskCommand::Calendar { set: Some(path) } => {
            let calendar = read_json(&path, "a calendar")?;
            save(
                &store,
                &path,
                DeskSettingsUpdate {
                    calendar: Some(calendar),
                    ..DeskSettingsUpdate::default()
                },
            )
            .await?;
            eprintln!("calendar stored; new and resumed SLA clocks use it");
        }
        DeskCommand::Policy { set: Some(path) } => {
            let policy = read_json(&path, "an SLA policy")?;
            save(
                &store,
                &path,
                DeskSettingsUpdate {
                    policy: Some(policy),
                    ..DeskSettingsUpdate::default()
                },
            )
            .await?;
            eprintln!("SLA policy stored; new tickets use it");
        }
    }
    store.close().await;
    Ok(ExitCode::SUCCESS)
}

/// A settings file read as `what` (named in the error when it is not).
fn read_json<T: serde::de::DeserializeOwned>(path: &std::path::Path, what: &str) -> Result<T> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("{}: not {what}", path.display()))
}

/// Stores a settings change checked by the app; every problem is named after the file.
async fn save(
    store: &servq_store::Store,
    path: &std::path::Path,
    update: DeskSettingsUpdate,
) -> Result<()> {
    desk::save_settings(store, &update, &cli_actor())
        .await
        .map_err(|refused| match refused {
            SettingsRefused::Invalid(_) => anyhow::anyhow!("{}: {refused}", path.display()),
            SettingsRefused::Failed(error) => error,
        })
}
