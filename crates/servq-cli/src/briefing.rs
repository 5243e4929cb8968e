//! `servq briefing`: the morning briefing of a day (yesterday's key KPIs against the day before
//! and the targets, a good case, overdue tasks, problems); `--set-metrics` chooses its measures.

use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use servq_app::SettingError;
use servq_app::briefing;

use crate::config::Config;

#[derive(Debug, clap::Args)]
pub struct BriefingArgs {
    /// The briefing's date (YYYY-MM-DD, centre zone; it reports the day before); default today.
    #[arg(long)]
    date: Option<String>,
    /// table or json.
    #[arg(long, default_value = "table")]
    format: String,
    /// Choose the measures the briefing shows (comma-separated `servq kpi` names) and exit.
    #[arg(long, value_delimiter = ',')]
    set_metrics: Vec<String>,
}

pub async fn run(config: &Config, args: BriefingArgs) -> Result<ExitCode> {
    let store = config.open_store().await?;
    let result = run_with(&store, args).await;
    store.close().await;
    result
}

async fn run_with(store: &servq_store::Store, args: BriefingArgs) -> Result<ExitCode> {
    if !args.set_metrics.is_empty() {
        return match briefing::set_metrics(store, &args.set_metrics, &servq_app::cli_actor()).await
        {
            Ok(()) => Ok(ExitCode::SUCCESS),
            Err(SettingError::Refused(problems)) => {
                for problem in problems {
                    eprintln!("error: --set-metrics: {}", problem.reason);
                }
                Ok(ExitCode::FAILURE)
            }
            Err(SettingError::Failed(error)) => Err(error),
        };
    }
    let (_, zone) = servq_app::centre_zone(store).await?;
    let date = match &args.date {
        Some(text) => text
            .trim()
            .parse()
            .with_context(|| format!("--date '{text}' is not a date like 2026-12-01"))?,
        None => jiff::Timestamp::now().to_zoned(zone).date(),
    };
    let briefing = briefing::briefing(store, date).await?;
    match args.format.as_str() {
        "json" => println!("{}", briefing::briefing_json(&briefing)),
        "table" => print!(
            "{}",
            briefing::briefing_text(&briefing, servq_app::i18n::Locale::En, "")
        ),
        other => bail!("--format '{other}' is not one of table, json"),
    }
    Ok(ExitCode::SUCCESS)
}
