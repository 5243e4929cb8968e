//! `servq evaluation`: grade a period with the evaluation model (five dimensions of weighted
//! measures, a composite and a grade) per agent, team or queue — JSON as documented in
//! `docs/evaluation.md`, or a table; `servq evaluation model` shows the model in effect (or every
//! version) and `--set FILE` stores a new version.

use std::{path::PathBuf, process::ExitCode};

use anyhow::{Context, Result, anyhow, bail};
use serde_json::json;
use servq_app::SettingError;
use servq_app::evaluation::{self, EVALUATION_GROUPINGS, EvaluationRequest, evaluation_json};

use crate::config::Config;

#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct EvaluationArgs {
    #[command(subcommand)]
    command: Option<EvaluationCommand>,
    /// First day of the period (YYYY-MM-DD, in the report's zone).
    #[arg(long)]
    from: Option<String>,
    /// Last day of the period (inclusive); the model in effect on it grades the period.
    #[arg(long)]
    to: Option<String>,
    /// One row per agent, team or queue; default one row for everything.
    #[arg(long)]
    by: Option<String>,
    /// Keep only contacts where a dimension has one of the values: queue=card or team=north.
    #[arg(long, value_delimiter = ',')]
    filter: Vec<String>,
    /// table or json.
    #[arg(long, default_value = "table")]
    format: String,
}

#[derive(Debug, clap::Subcommand)]
pub enum EvaluationCommand {
    /// Show the model in effect (JSON), every version with --versions, or store a new version
    /// from a model file with --set FILE.
    Model {
        /// A model file (JSON) to store as the next version.
        #[arg(long)]
        set: Option<PathBuf>,
        /// List every stored version (number, name, effective_from, by, at).
        #[arg(long)]
        versions: bool,
    },
}

pub async fn run(config: &Config, args: EvaluationArgs) -> Result<ExitCode> {
    let store = config.open_store().await?;
    let result = run_with(config, &store, args).await;
    store.close().await;
    result
}

fn refused(problems: Vec<servq_core::SettingProblem>) -> ExitCode {
    for problem in problems {
        eprintln!("error: {problem}");
    }
    ExitCode::FAILURE
}

async fn run_with(
    config: &Config,
    store: &servq_store::Store,
    args: EvaluationArgs,
) -> Result<ExitCode> {
    if let Some(EvaluationCommand::Model { set, versions }) = args.command {
        if let Some(path) = set {
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("reading {}", path.display()))?;
            return match evaluation::save(store, &text, &servq_app::cli_actor()).await {
                Ok(version) => {
                    println!("{}", json!({"version": version}));
                    Ok(ExitCode::SUCCESS)
                }
                Err(SettingError::Refused(problems)) => {
                    eprintln!("{}: the model was not saved", path.display());
                    Ok(refused(problems))
                }
                Err(SettingError::Failed(error)) => Err(error),
            };
        }
        if versions {
            let stored = store.evaluation_models().await?;
            let rows: Vec<_> = stored
                .iter()
                .map(|v| {
                    json!({"version": v.version, "name": v.name, "effective_from": v.effective_from,
                        "created_by": v.created_by, "created_at": servq_app::rfc3339(v.created_ms)})
                })
                .collect();
            println!(
                "{}",
                serde_json::to_string_pretty(&json!({ "versions": rows }))?
            );
            return Ok(ExitCode::SUCCESS);
        }
        let latest = evaluation::latest(store).await?;
        println!(
            "{}",
            serde_json::to_string_pretty(
                &json!({"version": latest.version, "model": latest.model})
            )?
        );
        return Ok(ExitCode::SUCCESS);
    }
    let (Some(from), Some(to)) = (args.from.as_deref(), args.to.as_deref()) else {
        bail!("give the period: --from YYYY-MM-DD --to YYYY-MM-DD (or `servq evaluation model`)");
    };
    let date = |text: &str, flag: &str| {
        text.parse::<jiff::civil::Date>()
            .map_err(|_| anyhow!("{flag} '{text}' is not a date like 2026-11-30"))
    };
    let by = match args.by.as_deref() {
        None => None,
        Some(name) => Some(
            EVALUATION_GROUPINGS
                .into_iter()
                .find(|d| d.name() == name.trim())
                .ok_or_else(|| anyhow!("--by '{name}': grade by agent, team or queue"))?,
        ),
    };
    let request = EvaluationRequest {
        from: date(from, "--from")?,
        to: date(to, "--to")?,
        by,
        filters: crate::kpi::parse_filters(&args.filter)?,
    };
    let graded = match evaluation::evaluate(store, &config.zone, &request).await {
        Ok(graded) => graded,
        Err(SettingError::Refused(problems)) => return Ok(refused(problems)),
        Err(SettingError::Failed(error)) => return Err(error),
    };
    if args.format == "json" {
        println!("{}", serde_json::to_string(&evaluation_json(&graded))?);
        return Ok(ExitCode::SUCCESS);
    }
    let mut table = comfy_table::Table::new();
    table.load_preset(comfy_table::presets::UTF8_FULL_CONDENSED);
    let mut header: Vec<String> = by.map(|d| d.name().to_owned()).into_iter().collect();
    header.extend(graded.model.model.dimensions.iter().map(|d| d.id.clone()));
    header.extend(["composite".to_owned(), "grade".to_owned()]);
    table.set_header(header);
    let score = |s: Option<f64>| s.map_or("-".to_owned(), |s| format!("{s:.1}"));
    for group in &graded.groups {
        let mut row: Vec<String> = by
            .map(|_| group.key.clone().unwrap_or_else(|| "(none)".to_owned()))
            .into_iter()
            .collect();
        row.extend(group.score.dimensions.iter().map(|d| score(d.score)));
        row.push(score(group.score.composite));
        row.push(group.score.grade.clone().unwrap_or_else(|| "-".to_owned()));
        table.add_row(row);
    }
    println!(
        "model: {} (version {})\n{table}",
        graded.model.model.name, graded.model.version
    );
    Ok(ExitCode::SUCCESS)
}
