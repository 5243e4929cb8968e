//! `servq ledger`: the front-desk ledgers' retention purge, summary, deposit reconciliation,
//! retention rules and entries (docs/ledgers.md, docs/cli.md#ledger).

use std::{path::PathBuf, process::ExitCode};

use anyhow::{Context, Result};
use jiff::civil::Date;
use servq_app::ledgers::{self, yuan_text as yuan};
use servq_desk::ledger::LedgerKind;

use crate::config::Config;

#[derive(Debug, clap::Subcommand)]
pub enum LedgerCommand {
    /// Anonymise entries closed more than their ledger's retention before --as-of (personal
    /// data goes, the counted entry stays). Idempotent; --dry-run changes nothing.
    Purge {
        /// The day retention is measured from (YYYY-MM-DD; default: today in the centre's zone).
        #[arg(long)]
        as_of: Option<Date>,
        /// Count only.
        #[arg(long)]
        dry_run: bool,
        /// json or text.
        #[arg(long, default_value = "text")]
        format: String,
    },
    /// Entries whose first time stamp falls in --from..=--to, by type and status, and the
    /// deposits of those loans.
    Summary {
        /// First day (YYYY-MM-DD).
        #[arg(long)]
        from: Date,
        /// Last day (YYYY-MM-DD).
        #[arg(long)]
        to: Date,
        /// json or text.
        #[arg(long, default_value = "text")]
        format: String,
    },
    /// The deposit ledger against the loans still out at the end of --day; exits 1 when they
    /// differ.
    Reconcile {
        /// The day (default: today in the centre's zone).
        #[arg(long)]
        day: Option<Date>,
        /// json or text.
        #[arg(long, default_value = "text")]
        format: String,
    },
    /// Show each ledger's retention (JSON), or set it from a file
    /// (`{"lending": {"retention_days": 365, "legal_basis": "…"}}`).
    Retention {
        /// A JSON file of rules to save.
        #[arg(long)]
        set: Option<PathBuf>,
    },
    /// A ledger's entries (JSON lines): the open ones, or those opened in the last --days.
    List {
        /// lending, lost_found, medicine, membership, paid_services.
        #[arg(long)]
        ledger: String,
        /// Only entries still open (lent, stored, requested).
        #[arg(long)]
        open: bool,
        /// How many days back.
        #[arg(long, default_value_t = 30)]
        days: i64,
    },
}

fn check_format(format: &str) -> Result<()> {
    anyhow::ensure!(
        matches!(format, "json" | "text"),
        "--format '{format}' is not json or text"
    );
    Ok(())
}

pub async fn run(config: &Config, command: LedgerCommand) -> Result<ExitCode> {
    let store = config.open_store().await?;
    let result = run_with(config, &store, command).await;
    store.close().await;
    result
}

fn today(config: &Config) -> Date {
    jiff::Timestamp::now().to_zoned(config.zone.clone()).date()
}

async fn run_with(
    config: &Config,
    store: &servq_store::Store,
    command: LedgerCommand,
) -> Result<ExitCode> {
    let actor = servq_store::Actor {
        user_id: None,
        name: "cli".to_owned(),
    };
    match command {
        LedgerCommand::Purge {
            as_of,
            dry_run,
            format,
        } => {
            check_format(&format)?;
            let as_of = as_of.unwrap_or_else(|| today(config));
            let report = ledgers::purge(store, as_of, dry_run, &actor).await?;
            if format == "json" {
                let value = serde_json::json!({"as_of": report.as_of, "dry_run": report.dry_run,
                    "ledgers": report.ledgers});
                println!("{value}");
            } else {
                let verb = if dry_run {
                    "would anonymise"
                } else {
                    "anonymised"
                };
                for (ledger, counts) in &report.ledgers {
                    println!(
                        "{ledger}: {verb} {} entries closed more than {} days before {}; {} keep personal data",
                        counts["purged"], counts["retention_days"], report.as_of, counts["kept"]
                    );
                }
            }
        }
        LedgerCommand::Summary { from, to, format } => {
            check_format(&format)?;
            anyhow::ensure!(from <= to, "--from {from} is after --to {to}");
            let summary = ledgers::summary(store, from, to).await?;
            if format == "json" {
                println!("{summary}");
            } else {
                println!("{from} – {to}");
                for ledger in LedgerKind::ALL {
                    let part = &summary["ledgers"][ledger.name()];
                    println!(
                        "{:<14} {:>6} entries  by type {}  by status {}",
                        ledger.name(),
                        part["entries"],
                        part["by_type"],
                        part["by_status"]
                    );
                }
                let deposits = &summary["deposits"];
                println!(
                    "deposits: taken {} yuan, refunded {} yuan, withheld {} yuan",
                    yuan(&deposits["taken_yuan"]),
                    yuan(&deposits["refunded_yuan"]),
                    yuan(&deposits["withheld_yuan"])
                );
            }
        }
        LedgerCommand::Reconcile { day, format } => {
            check_format(&format)?;
            let day = day.unwrap_or_else(|| today(config));
            let found = ledgers::reconciliation(store, day).await?;
            if format == "json" {
                println!("{found}");
            } else {
                println!(
                    "{day}: deposits held {} yuan, {} loans out with {} yuan of deposits, difference {} yuan",
                    yuan(&found["held_yuan"]),
                    found["open_loans"],
                    yuan(&found["open_deposits_yuan"]),
                    yuan(&found["difference_yuan"])
                );
                for difference in found["differences"].as_array().into_iter().flatten() {
                    println!(
                        "  {}: the money ledger holds {} yuan, the loan says {} yuan",
                        difference["entry_id"],
                        yuan(&difference["ledger_yuan"]),
                        yuan(&difference["expected_yuan"])
                    );
                }
            }
            if found["balanced"] != serde_json::Value::Bool(true) {
                return Ok(ExitCode::FAILURE);
            }
        }
        LedgerCommand::Retention { set } => {
            if let Some(path) = set {
                let text = std::fs::read_to_string(&path)
                    .with_context(|| format!("reading {}", path.display()))?;
                let rules: ledgers::RetentionRules = serde_json::from_str(&text)
                    .with_context(|| format!("{}: not retention rules", path.display()))?;
                let saved = ledgers::save_retention_rules(store, rules, &actor)
                    .await
                    .map(|()| "saved".to_owned());
                return crate::refused(saved);
            }
            let rules = ledgers::retention_rules(store).await?;
            println!("{}", serde_json::to_string_pretty(&rules)?);
        }
        LedgerCommand::List { ledger, open, days } => {
            let ledger = LedgerKind::parse(&ledger).with_context(|| {
                format!(
                    "--ledger '{ledger}' is not one of lending, lost_found, medicine, membership, paid_services"
                )
            })?;
            let now = servq_app::now_ms();
            let entries = store
                .ledger_entries(ledger, open, now - days * 86_400_000, 100_000)
                .await?;
            for entry in &entries {
                println!("{}", ledgers::entry_json(entry, &config.zone, now, true));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
