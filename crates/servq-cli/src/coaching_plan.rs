//! `servq coaching-plan`: a month's one-to-one coaching plan — the agents to coach, why, and
//! the suggested topics; the problems many share for group training.

use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use servq_app::coaching_plan;
use servq_app::i18n::Locale;
use servq_app::monthly_report::Month;

use crate::config::Config;

#[derive(Debug, clap::Args)]
pub struct CoachingPlanArgs {
    /// The month (YYYY-MM); default the month before this one.
    #[arg(long)]
    month: Option<String>,
    /// text or json.
    #[arg(long, default_value = "text")]
    format: String,
    /// The language of the topics: zh-CN, zh-TW or en.
    #[arg(long, default_value = "en")]
    lang: String,
}

pub async fn run(config: &Config, args: CoachingPlanArgs) -> Result<ExitCode> {
    if !matches!(args.format.as_str(), "text" | "json") {
        bail!("--format '{}' is not text or json", args.format);
    }
    let Some(locale) = Locale::parse(&args.lang) else {
        bail!("--lang '{}' is not zh-CN, zh-TW or en", args.lang);
    };
    let store = config.open_store().await?;
    let (_, zone) = servq_app::centre_zone(&store).await?;
    let month = match &args.month {
        Some(text) => Month::parse(text)
            .with_context(|| format!("--month '{text}' is not a month like 2026-11"))?,
        None => Month::of(jiff::Timestamp::now().to_zoned(zone).date()).previous(),
    };
    let plan = coaching_plan::plan(&store, month).await;
    store.close().await;
    let plan = plan?;
    if args.format == "json" {
        println!("{}", coaching_plan::plan_json(&plan, locale));
        return Ok(ExitCode::SUCCESS);
    }
    print!("{}", coaching_plan::plan_text(&plan, locale));
    Ok(ExitCode::SUCCESS)
}
