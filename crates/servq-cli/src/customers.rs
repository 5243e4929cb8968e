//! `servq customers`: one customer's profile, timeline and measures (docs/customers.md). The
//! command line reads the store directly, as its owner: personal fields whole, the look audited.

use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use servq_app::customers as app;

use crate::config::Config;

#[derive(Debug, clap::Subcommand)]
pub enum CustomersCommand {
    /// A customer's profile, every contact, ticket, survey answer and return visit (newest
    /// first) and the measures.
    Show {
        id: String,
        /// At most this many timeline entries (default: all).
        #[arg(long)]
        limit: Option<usize>,
        /// text or json.
        #[arg(long, default_value = "text", value_parser = ["text", "json"])]
        format: String,
    },
    /// Merges duplicates into one customer: their contacts, tickets and survey invitations move
    /// to KEEP (FCR re-linked), the profiles become one, the old ids lead to KEEP.
    Merge {
        /// The id kept.
        keep: String,
        /// The ids merged into it.
        #[arg(required = true)]
        duplicates: Vec<String>,
    },
    /// Customers whose risk is rising (complaints, unsatisfied answers, repeat contacts,
    /// weighted), highest first.
    AtRisk {
        /// At most this many.
        #[arg(long, default_value_t = 200)]
        limit: usize,
        /// text or json.
        #[arg(long, default_value = "text", value_parser = ["text", "json"])]
        format: String,
    },
    /// Opens the return-visit follow-up ticket of a customer; prints its id.
    ReturnVisit {
        /// The customer.
        id: String,
    },
    /// The tag rules (JSON `{"rules": [...]}`, as `set-tag-rules` takes them).
    TagRules,
    /// Replaces the tag rules from a JSON file (`{"rules": [...]}` or the list) and gives every
    /// customer their tags under them; refused with every problem named.
    SetTagRules {
        /// The JSON file.
        file: std::path::PathBuf,
    },
    /// Gives every customer the tags the rules give now (what the nightly `customer-tags` job
    /// does).
    RefreshTags,
    /// Everything stored about a customer (their access request; audited): JSON, or a readable
    /// HTML page with --format html; to a file with --output.
    Export {
        /// The customer id.
        id: String,
        /// json or html.
        #[arg(long, default_value = "json")]
        format: String,
        /// Write here instead of standard output.
        #[arg(long)]
        output: Option<std::path::PathBuf>,
    },
    /// Erase a customer on their request (audited; cannot be undone): profile, contact details,
    /// transcript words, ticket texts and attachments go; a pseudonym keeps the counts.
    Erase {
        /// The customer id.
        id: String,
        /// Confirms the erasure.
        #[arg(long)]
        yes: bool,
    },
    /// Print the retention periods (JSON), or store them from a file
    /// (`{"contacts_days", "transcripts_days", "closed_profiles_days"}`, null keeps).
    Retention {
        /// The periods to store.
        #[arg(long)]
        set: Option<std::path::PathBuf>,
    },
}

pub async fn run(config: &Config, command: CustomersCommand) -> Result<ExitCode> {
    let store = config.open_store().await?;
    let result = run_with(&store, command).await;
    store.close().await;
    result
}

async fn run_with(store: &servq_store::Store, command: CustomersCommand) -> Result<ExitCode> {
    match command {
        CustomersCommand::Merge { keep, duplicates } => {
            match app::merge(store, &keep, &duplicates, &servq_app::cli_actor()).await {
                Ok(moved) => {
                    eprintln!(
                        "merged {} into {}: {} contacts, {} tickets, {} survey invitations moved",
                        duplicates.join(", "),
                        keep.trim(),
                        moved.contacts,
                        moved.tickets,
                        moved.invitations
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Err(servq_app::SettingError::Refused(problems)) => {
                    for problem in problems {
                        eprintln!("error: {problem}");
                    }
                    Ok(ExitCode::FAILURE)
                }
                Err(servq_app::SettingError::Failed(error)) => Err(error),
            }
        }
        CustomersCommand::AtRisk { limit, format } => {
            let list = app::at_risk(store, servq_app::now_ms(), limit).await?;
            let (_, zone) = servq_app::centre_zone(store).await?;
            if format == "json" {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&app::at_risk_json(&list, &zone))?
                );
                return Ok(ExitCode::SUCCESS);
            }
            let w = servq_core::RISK_WEIGHTS;
            println!(
                "score = complaints × {} + unsatisfied × {} + repeats × {}, last {} days (≥ {} and rising)",
                w.complaints,
                w.unsatisfied,
                w.repeats,
                servq_core::RISK_PERIOD_DAYS,
                servq_core::RISK_MIN_SCORE
            );
            for c in &list {
                println!(
                    "{:<14} {:>3} (before {:>3})  complaints {} · unsatisfied {} · repeats {}  {} {}",
                    c.customer_id,
                    c.now.score(),
                    c.before.score(),
                    c.now.complaints,
                    c.now.unsatisfied,
                    c.now.repeats,
                    c.segment,
                    c.name
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        CustomersCommand::ReturnVisit { id } => {
            if app::view(store, &id, Some(1), app::Reader::Owner, servq_app::now_ms())
                .await?
                .is_none()
            {
                bail!("no customer {id}");
            }
            let ticket = app::schedule_return_visit(
                store,
                &id,
                &servq_app::cli_actor(),
                servq_app::i18n::Locale::ZhCn,
            )
            .await
            .map_err(|refused| anyhow::anyhow!("{refused}"))?;
            println!("{ticket}");
            Ok(ExitCode::SUCCESS)
        }
        CustomersCommand::TagRules => {
            let rules = app::tag_rules(store).await?;
            println!(
                "{}",
                serde_json::to_string_pretty(&serde_json::json!({ "rules": rules }))?
            );
            Ok(ExitCode::SUCCESS)
        }
        CustomersCommand::SetTagRules { file } => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("reading {}", file.display()))?;
            let value: serde_json::Value = serde_json::from_str(&text)
                .with_context(|| format!("{} is not JSON", file.display()))?;
            let list = value.get("rules").cloned().unwrap_or(value);
            let rules: Vec<servq_core::TagRule> = serde_json::from_value(list)
                .with_context(|| format!("{}: not a list of tag rules", file.display()))?;
            match app::save_tag_rules(store, rules, &servq_app::cli_actor()).await {
                Ok(changed) => {
                    eprintln!("tag rules saved; {changed} customers' tags changed");
                    Ok(ExitCode::SUCCESS)
                }
                Err(servq_app::SettingError::Refused(problems)) => {
                    for problem in problems {
                        eprintln!("{}: {problem}", file.display());
                    }
                    Ok(ExitCode::FAILURE)
                }
                Err(servq_app::SettingError::Failed(error)) => Err(error),
            }
        }
        CustomersCommand::Export { id, format, output } => {
            let html = match format.as_str() {
                "json" => false,
                "html" => true,
                other => anyhow::bail!("--format '{other}' is not json or html"),
            };
            let Some(exported) =
                servq_app::privacy::export(store, &id, &servq_app::cli_actor()).await?
            else {
                eprintln!("no customer '{id}'");
                return Ok(ExitCode::FAILURE);
            };
            let text = if html {
                servq_app::privacy::export_html(&exported, servq_app::i18n::Locale::default())
            } else {
                serde_json::to_string_pretty(&exported)?
            };
            match output {
                Some(path) => std::fs::write(&path, text)
                    .with_context(|| format!("writing {}", path.display()))?,
                None => println!("{text}"),
            }
            Ok(ExitCode::SUCCESS)
        }
        CustomersCommand::Erase { id, yes } => {
            anyhow::ensure!(yes, "erasing '{id}' cannot be undone: add --yes to confirm");
            match servq_app::privacy::erase(store, &id, &servq_app::cli_actor()).await? {
                Some(erased) => {
                    println!("{}", serde_json::to_string(&erased)?);
                    Ok(ExitCode::SUCCESS)
                }
                None => {
                    eprintln!("no customer '{id}'");
                    Ok(ExitCode::FAILURE)
                }
            }
        }
        CustomersCommand::Retention { set: None } => {
            let retention = servq_app::privacy::retention(store).await?;
            println!("{}", serde_json::to_string_pretty(&retention)?);
            Ok(ExitCode::SUCCESS)
        }
        CustomersCommand::Retention { set: Some(path) } => {
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("reading {}", path.display()))?;
            let retention: servq_app::privacy::Retention = serde_json::from_str(&text)
                .with_context(|| format!("{}: not retention periods", path.display()))?;
            crate::refused(
                servq_app::privacy::save_retention(store, retention, &servq_app::cli_actor())
                    .await
                    .map(|()| {
                        "retention periods stored; the data-retention job applies them nightly"
                            .to_owned()
                    }),
            )
        }
        CustomersCommand::RefreshTags => {
            let changed = app::refresh_rule_tags(store, None, servq_app::now_ms()).await?;
            eprintln!("{changed} customers' tags changed");
            Ok(ExitCode::SUCCESS)
        }
        CustomersCommand::Show { id, limit, format } => {
            let Some(view) =
                app::view(store, &id, limit, app::Reader::Owner, servq_app::now_ms()).await?
            else {
                bail!("no customer {id}: no profile, contact, ticket or survey answer names it");
            };
            store
                .audit(
                    &servq_app::cli_actor(),
                    servq_app::now_ms(),
                    "view_customer",
                    "customer",
                    &view.customer_id,
                    "{\"personal_fields\":true}",
                )
                .await?;
            let (_, zone) = servq_app::centre_zone(store).await?;
            let json = app::view_json(&view, &zone);
            if format == "json" {
                println!("{}", serde_json::to_string_pretty(&json)?);
                return Ok(ExitCode::SUCCESS);
            }
            println!("customer {}", view.customer_id);
            for key in [
                "name",
                "phone",
                "email",
                "language",
                "segment",
                "since",
                "closed_at",
            ] {
                if let Some(value) = json[key].as_str().filter(|v| !v.is_empty()) {
                    println!("  {key}: {value}");
                }
            }
            if let Some(tags) = json["tags"].as_array().filter(|t| !t.is_empty()) {
                let tags: Vec<&str> = tags.iter().filter_map(|t| t.as_str()).collect();
                println!("  tags: {}", tags.join("; "));
            }
            let m = &view.measures;
            println!(
                "  contacts {}, tickets {} ({} complaints, {} open), CSAT mean {}, repeat-contact rate {}",
                m.contacts,
                m.tickets,
                m.complaints,
                m.open_tickets,
                m.csat_mean.map_or("—".to_owned(), |v| format!("{v:.2}")),
                m.repeat_contact_rate
                    .map_or("—".to_owned(), |v| format!("{:.1}%", v * 100.0)),
            );
            for entry in json["timeline"].as_array().into_iter().flatten() {
                println!(
                    "{}  {:<12} {}  {}",
                    entry["at"].as_str().unwrap_or(""),
                    entry["kind"].as_str().unwrap_or(""),
                    entry["id"].as_str().unwrap_or(""),
                    entry["summary"].as_str().unwrap_or("")
                );
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
