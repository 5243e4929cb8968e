//! `servq goals`: SMART goals bound to a KPI. `add` sets one (printing its id), `list` shows how
//! each stands on a day (the JSON contract in docs/goals.md).

use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use servq_app::SettingError;
use servq_app::goals::{self, DEFAULT_WINDOW_DAYS, GoalRequest};

use crate::config::Config;

#[derive(Debug, clap::Subcommand)]
pub enum GoalsCommand {
    /// Set a goal: `servq goals add --metric csat --target 0.88 --deadline 2027-03-01
    /// --baseline-from 2026-11-01 --baseline-to 2026-11-30`. Prints the new goal's id.
    Add {
        /// The metric (a `servq kpi` name).
        #[arg(long)]
        metric: String,
        /// The target value, in `servq kpi` JSON units (ratios 0–1, seconds, scores).
        #[arg(long, allow_negative_numbers = true)]
        target: Option<f64>,
        /// Instead of --target: a change relative to the baseline (-0.3 = −30 %).
        #[arg(long, allow_negative_numbers = true)]
        relative: Option<f64>,
        /// The deadline, YYYY-MM-DD.
        #[arg(long)]
        deadline: String,
        /// The baseline period's first day.
        #[arg(long)]
        baseline_from: String,
        /// The baseline period's last day.
        #[arg(long)]
        baseline_to: String,
        /// queue=…, team=… or agent=… (none: the centre).
        #[arg(long, default_value = "")]
        filter: String,
        /// A name (default: the metric and the target).
        #[arg(long, default_value = "")]
        name: String,
    },
    /// How every goal stands on --as-of (default today).
    List {
        /// The day (YYYY-MM-DD); the current value is measured over the window ending the day
        /// before.
        #[arg(long)]
        as_of: Option<String>,
        /// The window's length in days.
        #[arg(long, default_value_t = DEFAULT_WINDOW_DAYS)]
        window_days: i64,
        /// table or json.
        #[arg(long, default_value = "table")]
        format: String,
    },
}

pub async fn run(config: &Config, command: GoalsCommand) -> Result<ExitCode> {
    let store = config.open_store().await?;
    let result = run_with(&store, command).await;
    store.close().await;
    result
}

async fn run_with(store: &servq_store::Store, command: GoalsCommand) -> Result<ExitCode> {
    match command {
        GoalsCommand::Add {
            metric,
            target,
            relative,
            deadline,
            baseline_from,
            baseline_to,
            filter,
            name,
        } => {
            let filter = servq_app::report::parse_filters(filter.split(','))
                .map_err(|error| anyhow::anyhow!("--{error}"))?;
            let request = GoalRequest {
                name,
                metric,
                filter,
                target,
                relative,
                deadline,
                baseline_from,
                baseline_to,
            };
            match goals::add(store, &request, &servq_app::cli_actor()).await {
                Ok(id) => {
                    println!("{id}");
                    Ok(ExitCode::SUCCESS)
                }
                Err(SettingError::Refused(problems)) => {
                    for problem in problems {
                        eprintln!(
                            "error: --{}: {}",
                            problem.field.replace('_', "-"),
                            problem.reason
                        );
                    }
                    Ok(ExitCode::FAILURE)
                }
                Err(SettingError::Failed(error)) => Err(error),
            }
        }
        GoalsCommand::List {
            as_of,
            window_days,
            format,
        } => {
            if window_days < 1 {
                bail!("--window-days must be at least 1, not {window_days}");
            }
            let (_, zone) = servq_app::centre_zone(store).await?;
            let as_of = match as_of {
                Some(text) => text
                    .trim()
                    .parse()
                    .with_context(|| format!("--as-of '{text}' is not a date like 2026-12-01"))?,
                None => jiff::Timestamp::now().to_zoned(zone).date(),
            };
            let goals = goals::progress_on(store, as_of, window_days).await?;
            match format.as_str() {
                "json" => {
                    let rows: Vec<_> = goals.iter().map(goals::goal_json).collect();
                    println!("{}", serde_json::json!({ "goals": rows }));
                }
                "table" => {
                    let mut table = comfy_table::Table::new();
                    table.load_preset(comfy_table::presets::NOTHING);
                    table.set_header([
                        "id", "name", "metric", "scope", "baseline", "current", "target",
                        "deadline", "progress", "status", "signal",
                    ]);
                    for goal in &goals {
                        let metric = &goal.goal.metric;
                        table.add_row([
                            goal.goal.id.to_string(),
                            goal.goal.name.clone(),
                            metric.clone(),
                            format!("{} {}", goal.goal.scope.name(), goal.goal.scope_value),
                            servq_kpi::show(metric, goal.goal.baseline),
                            servq_kpi::show(metric, goal.current),
                            servq_kpi::show(metric, Some(goal.goal.target)),
                            goal.goal.deadline.clone(),
                            goal.progress
                                .map_or("—".into(), |p| format!("{:.0}%", p * 100.0)),
                            goal.status.map_or("—", |s| s.name()).to_owned(),
                            goal.signal
                                .map_or("—", |s| if s { "yes" } else { "no" })
                                .to_owned(),
                        ]);
                    }
                    println!("{table}");
                }
                other => bail!("--format '{other}' is not one of table, json"),
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
