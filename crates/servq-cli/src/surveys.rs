//! `servq surveys`: dispatch due survey invitations (as the server does every minute), printing
//! each with its link for an SMS, e-mail or webhook sender; and the dispatch rules as JSON.

use std::{io::Write, path::PathBuf, process::ExitCode};

use anyhow::{Context, Result};
use serde_json::json;

use crate::config::Config;

#[derive(Debug, clap::Subcommand)]
pub enum SurveysCommand {
    /// Create the invitations due now under the stored rules; prints one JSON object per
    /// invitation (id, contact_id, customer_id, send_via, link, message).
    Dispatch {
        #[command(flatten)]
        public: crate::serve::PublicUrl,
        /// Dispatch as of this moment (RFC 3339) instead of now: the delay, quiet hours and
        /// expiry are counted from it.
        #[arg(long)]
        now: Option<String>,
    },
    /// Print the dispatch rules, or replace them with the rules in a JSON file
    /// (`{"rules": [...]}`, the format of GET/PUT /api/v1/survey-rules).
    Rules {
        /// The rules to store.
        #[arg(long)]
        set: Option<PathBuf>,
    },
}

pub async fn run(config: &Config, command: SurveysCommand) -> Result<ExitCode> {
    let store = config.open_store().await?;
    match command {
        SurveysCommand::Dispatch { public, now } => {
            let now_ms = match now {
                Some(text) => {
                    servq_core::parse_timestamp(&text, &config.zone)
                        .map_err(|error| anyhow::anyhow!("--now: {error}"))?
                        .utc_ms
                }
                None => servq_app::now_ms(),
            };
            let created =
                servq_app::surveys::dispatch_due(&store, now_ms, &public.public_url).await?;
            let mut out = std::io::stdout().lock();
            for invitation in &created {
                writeln!(
                    out,
                    "{}",
                    json!({
                        "id": invitation.invitation_id, "contact_id": invitation.contact_id,
                        "customer_id": invitation.customer_id, "send_via": invitation.send_via,
                        "link": invitation.link, "message": invitation.message,
                    })
                )?;
            }
            eprintln!("{} invitations created", created.len());
        }
        SurveysCommand::Rules { set: None } => {
            let rules = store.survey_rules().await?;
            println!(
                "{}",
                serde_json::to_string_pretty(
                    &json!({"rules": servq_app::surveys::rules_json(&rules)})
                )?
            );
        }
        SurveysCommand::Rules { set: Some(path) } => {
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("reading {}", path.display()))?;
            let value: serde_json::Value = serde_json::from_str(&text)
                .with_context(|| format!("{}: not JSON", path.display()))?;
            let rules = servq_app::surveys::save_rules(&store, &value, &servq_app::cli_actor())
                .await
                .map_err(|refused| match refused {
                    refused @ servq_app::surveys::RulesRefused::Invalid(_) => {
                        anyhow::anyhow!("{}: {refused}", path.display())
                    }
                    servq_app::surveys::RulesRefused::Failed(error) => error,
                })?;
            eprintln!("{} dispatch rules stored", rules.len());
        }
    }
    store.close().await;
    Ok(ExitCode::SUCCESS)
}
