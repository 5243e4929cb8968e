//! `servq desk`: the service desk from the command line — one escalation pass (as every server
//! runs each minute), and the business calendar, SLA policy, routing and workflows as JSON.

use std::{path::PathBuf, process::ExitCode};

use anyhow::{Context, Result};
use servq_store::Actor;

use crate::config::Config;

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
    /// Print the workflows of the ticket types (JSON), or store them from a file (checked
    /// first: every problem is listed).
    Workflows {
        /// The workflows to store.
        #[arg(long)]
        set: Option<PathBuf>,
    },
}

fn cli() -> Actor {
    Actor {
        user_id: None,
        name: "cli".to_owned(),
    }
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
            let pass = servq_server::desk::escalate(&store, now).await?;
            println!(
                "{}",
                serde_json::json!({"breaches": pass.breaches, "warnings": pass.warnings})
            );
        }
        DeskCommand::SendOutbox { outbox } => {
            let config = outbox.config()?;
            let delivery =
                servq_server::outbox::deliver_due(&store, &config, servq_server::now_ms()).await?;
            println!(
                "{}",
                serde_json::json!({"sent": delivery.sent, "failed": delivery.failed})
            );
        }
        DeskCommand::Routing { set: None } => {
            let routing = servq_server::desk::routing(&store).await?;
            println!("{}", serde_json::to_string_pretty(&routing)?);
        }
        DeskCommand::Routing { set: Some(path) } => {
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("reading {}", path.display()))?;
            let routing: servq_desk::Routing = serde_json::from_str(&text)
                .with_context(|| format!("{}: not a routing", path.display()))?;
            anyhow::ensure!(
                routing
                    .rules
                    .iter()
                    .all(|rule| !rule.team.trim().is_empty()),
                "{}: every routing rule needs a team",
                path.display()
            );
            store
                .set_text_setting(
                    servq_server::desk::ROUTING_KEY,
                    &serde_json::to_string(&routing)?,
                    &cli(),
                    servq_server::now_ms(),
                )
                .await?;
            eprintln!("routing stored; new tickets use it");
        }
        DeskCommand::Workflows { set: None } => {
            let workflows = servq_server::desk::workflows(&store).await?;
            println!("{}", serde_json::to_string_pretty(&workflows)?);
        }
        DeskCommand::Workflows { set: Some(path) } => {
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("reading {}", path.display()))?;
            let workflows: Vec<servq_desk::Workflow> = serde_json::from_str(&text)
                .with_context(|| format!("{}: not a list of workflows", path.display()))?;
            servq_server::desk::store_workflows(&store, &workflows, &cli())
                .await
                .map_err(|problems| anyhow::anyhow!("{}: {problems}", path.display()))?;
            eprintln!("workflows stored; new tickets and stage moves use them");
        }
        DeskCommand::Calendar { set: None } => {
            let spec = servq_server::desk::calendar_spec(&store).await?;
            println!("{}", serde_json::to_string_pretty(&spec)?);
        }
        DeskCommand::Policy { set: None } => {
            let policy = servq_server::desk::sla_policy(&store).await?;
            println!("{}", serde_json::to_string_pretty(&policy)?);
        }
        DeskCommand::Calendar { set: Some(path) } => {
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("reading {}", path.display()))?;
            let spec: servq_desk::CalendarSpec = serde_json::from_str(&text)
                .with_context(|| format!("{}: not a calendar", path.display()))?;
            servq_desk::BusinessCalendar::new(&spec).with_context(|| path.display().to_string())?;
            store
                .set_text_setting(
                    servq_server::desk::CALENDAR_KEY,
                    &serde_json::to_string(&spec)?,
                    &cli(),
                    servq_server::now_ms(),
                )
                .await?;
            eprintln!("calendar stored; new and resumed SLA clocks use it");
        }
        DeskCommand::Policy { set: Some(path) } => {
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("reading {}", path.display()))?;
            let policy: servq_desk::SlaPolicy = serde_json::from_str(&text)
                .with_context(|| format!("{}: not an SLA policy", path.display()))?;
            anyhow::ensure!(
                !policy.rules.is_empty(),
                "{}: an SLA policy needs at least one rule",
                path.display()
            );
            store
                .set_text_setting(
                    servq_server::desk::POLICY_KEY,
                    &serde_json::to_string(&policy)?,
                    &cli(),
                    servq_server::now_ms(),
                )
                .await?;
            eprintln!("SLA policy stored; new tickets use it");
        }
    }
    store.close().await;
    Ok(ExitCode::SUCCESS)
}
