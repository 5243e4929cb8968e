//! `servq targets`: KPI targets per metric and scope (centre, queue, team, agent), versioned by
//! the day they take effect. `list` shows the targets in effect (or every version with `--all`),
//! `set` stores a new version (or ends a target with `--clear`), `alerts` lists recent trend
//! alerts and `alert-days` sets how many missed days running raise one.

use std::process::ExitCode;

use anyhow::{Result, bail};
use serde_json::json;
use servq_app::SettingError;
use servq_app::targets::{self, TargetRequest};

use crate::config::Config;

#[derive(Debug, clap::Subcommand)]
pub enum TargetsCommand {
    /// The targets in effect today (or on --on), or every version with --all.
    List {
        /// A day (YYYY-MM-DD) in the centre's zone; default today.
        #[arg(long)]
        on: Option<String>,
        /// Every stored version, ended ones included.
        #[arg(long)]
        all: bool,
        /// table or json.
        #[arg(long, default_value = "table")]
        format: String,
    },
    /// Set a target: `servq targets set service_level 0.8 --scope queue --value card
    /// --warn-at 0.75`. Values are in `servq kpi` JSON units (ratios 0–1, seconds, scores).
    Set {
        /// The metric (a `servq kpi` name such as service_level, aht_seconds, csat).
        metric: String,
        /// The target value; leave out with --clear.
        target: Option<f64>,
        /// centre, queue, team or agent.
        #[arg(long, default_value = "centre")]
        scope: String,
        /// The queue, team or agent id (not for the centre).
        #[arg(long, default_value = "")]
        value: String,
        /// The far edge of the warning band, on the worse side of the target.
        #[arg(long)]
        warn_at: Option<f64>,
        /// higher or lower (which way the target is met); default the metric's own.
        #[arg(long, default_value = "")]
        direction: String,
        /// The first day it is in effect (YYYY-MM-DD); default today.
        #[arg(long, default_value = "")]
        effective_from: String,
        /// End the target from --effective-from instead of setting one.
        #[arg(long)]
        clear: bool,
    },
    /// Trend alerts whose last day is within the last --days days (open ones always).
    Alerts {
        #[arg(long, default_value_t = 30)]
        days: i64,
        /// table or json.
        #[arg(long, default_value = "table")]
        format: String,
    },
    /// How many days running a missed target must last before it alerts (1–31, default 3).
    AlertDays { days: i64 },
}

pub async fn run(config: &Config, command: TargetsCommand) -> Result<ExitCode> {
    let store = config.open_store().await?;
    let result = run_with(&store, command).await;
    store.close().await;
    result
}

async fn run_with(store: &servq_store::Store, command: TargetsCommand) -> Result<ExitCode> {
    let (_, zone) = servq_app::centre_zone(store).await?;
    let today = jiff::Timestamp::now().to_zoned(zone).date();
    match command {
        TargetsCommand::List { on, all, format } => {
            let rows = if all {
                store.target_versions().await?
            } else {
                let day = match on {
                    Some(text) => text.parse().map_err(|_| {
                        anyhow::anyhow!("--on '{text}' is not a date like 2026-12-01")
                    })?,
                    None => today,
                };
                store.targets_on(&day.to_string()).await?
            };
            if format == "json" {
                let targets: Vec<_> = rows.iter().map(targets::target_json).collect();
                println!(
                    "{}",
                    serde_json::to_string_pretty(&json!({ "targets": targets }))?
                );
                return Ok(ExitCode::SUCCESS);
            }
            let mut table = comfy_table::Table::new();
            table.load_preset(comfy_table::presets::UTF8_FULL_CONDENSED);
            table.set_header([
                "metric", "scope", "value", "target", "warn at", "better", "from", "by",
            ]);
            let number = |v: Option<f64>| v.map_or("-".to_owned(), |v| v.to_string());
            for row in &rows {
                table.add_row([
                    row.metric.clone(),
                    row.scope.name().to_owned(),
                    row.scope_value.clone(),
                    row.value.map_or("(ended)".to_owned(), |v| v.to_string()),
                    number(row.warn_at),
                    row.direction.name().to_owned(),
                    row.effective_from.clone(),
                    row.created_by.clone(),
                ]);
            }
            println!("{table}");
            Ok(ExitCode::SUCCESS)
        }
        TargetsCommand::Set {
            metric,
            target,
            scope,
            value,
            warn_at,
            direction,
            effective_from,
            clear,
        } => {
            if clear == target.is_some() {
                bail!("give a target value, or --clear to end the target");
            }
            let request = TargetRequest {
                metric,
                scope,
                scope_value: value,
                direction,
                target,
                warn_at,
                effective_from,
            };
            match targets::set(store, &request, &servq_app::cli_actor()).await {
                Ok(stored) => {
                    println!("{}", serde_json::to_string(&targets::target_json(&stored))?);
                    Ok(ExitCode::SUCCESS)
                }
                Err(SettingError::Refused(problems)) => {
                    for problem in problems {
                        let flag = match problem.field.as_str() {
                            "scope_value" => "--value".to_owned(),
                            "value" => "target".to_owned(),
                            field => format!("--{}", field.replace('_', "-")),
                        };
                        eprintln!("error: {flag}: {}", problem.reason);
                    }
                    Ok(ExitCode::FAILURE)
                }
                Err(SettingError::Failed(error)) => Err(error),
            }
        }
        TargetsCommand::Alerts { days, format } => {
            let since = today.checked_sub(jiff::Span::new().days(days.clamp(0, 3650)))?;
            let alerts = store.recent_alerts(&since.to_string()).await?;
            if format == "json" {
                let rows: Vec<_> = alerts.iter().map(targets::alert_json).collect();
                println!(
                    "{}",
                    serde_json::to_string_pretty(&json!({ "alerts": rows }))?
                );
                return Ok(ExitCode::SUCCESS);
            }
            let mut table = comfy_table::Table::new();
            table.load_preset(comfy_table::presets::UTF8_FULL_CONDENSED);
            table.set_header(["metric", "scope", "value", "rule", "from", "to", "ended"]);
            for alert in &alerts {
                table.add_row([
                    alert.metric.clone(),
                    alert.scope.name().to_owned(),
                    alert.scope_value.clone(),
                    alert.rule.clone(),
                    alert.first_day.clone(),
                    alert.last_day.clone(),
                    alert.ended_day.clone().unwrap_or_else(|| "open".to_owned()),
                ]);
            }
            println!("{table}");
            Ok(ExitCode::SUCCESS)
        }
        TargetsCommand::AlertDays { days } => {
            match targets::set_alert_days(store, days, &servq_app::cli_actor()).await {
                Ok(()) => Ok(ExitCode::SUCCESS),
                Err(SettingError::Refused(problems)) => {
                    for problem in problems {
                        eprintln!("error: {problem}");
                    }
                    Ok(ExitCode::FAILURE)
                }
                Err(SettingError::Failed(error)) => Err(error),
            }
        }
    }
}
