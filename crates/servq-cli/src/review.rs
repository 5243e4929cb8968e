//! `servq review`: the weekly review — the indicators that missed their targets over the week
//! before --date (Monday to Sunday).

use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use servq_app::review;

use crate::config::Config;

#[derive(Debug, clap::Args)]
pub struct ReviewArgs {
    /// A day of the week after the one reviewed (YYYY-MM-DD, centre zone); default today.
    #[arg(long)]
    date: Option<String>,
    /// table or json.
    #[arg(long, default_value = "table")]
    format: String,
}

pub async fn run(config: &Config, args: ReviewArgs) -> Result<ExitCode> {
    let store = config.open_store().await?;
    let result = run_with(&store, args).await;
    store.close().await;
    result
}

async fn run_with(store: &servq_store::Store, args: ReviewArgs) -> Result<ExitCode> {
    let (_, zone) = servq_app::centre_zone(store).await?;
    let date = match &args.date {
        Some(text) => text
            .trim()
            .parse()
            .with_context(|| format!("--date '{text}' is not a date like 2026-12-07"))?,
        None => jiff::Timestamp::now().to_zoned(zone).date(),
    };
    let (week, missed) = review::missed(store, date).await?;
    match args.format.as_str() {
        "json" => println!("{}", review::review_json(week, &missed)),
        "table" => {
            println!("{} – {}", week.0, week.1);
            for m in &missed {
                println!(
                    "{} {} {}: {} (target {}, {}, {}/{} days missed)",
                    m.metric,
                    m.scope,
                    m.scope_value,
                    servq_kpi::show(&m.metric, Some(m.value)),
                    servq_kpi::show(&m.metric, Some(m.target)),
                    m.status.name(),
                    m.days_missed,
                    m.days_with_value
                );
            }
        }
        other => bail!("--format '{other}' is not one of table, json"),
    }
    Ok(ExitCode::SUCCESS)
}
