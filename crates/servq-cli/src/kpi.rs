//! `servq kpi`: KPIs from the rollups, grouped and filtered, as a table, CSV, JSON or XLSX.
//! Column names come from `servq_kpi::METRICS`, the one list every output uses.

use std::{path::PathBuf, process::ExitCode};

use anyhow::{Context, Result, anyhow, bail};
use jiff::{Span, civil::Date, tz::TimeZone};
use servq_kpi::{METRICS, Metric};
use servq_store::{Dimension, GroupField, KpiQuery};

use servq_app::i18n::Locale;
use servq_app::report::{self, Report, ReportFormat};

use crate::{config::Config, output_path};

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Aligned text for a terminal.
    Table,
    /// Comma-separated values with a header row.
    Csv,
    /// `{"group_by": [...], "rows": [{...}]}` with full-precision numbers and nulls.
    Json,
    /// An Excel workbook (needs --output).
    Xlsx,
}

impl Format {
    fn text(self) -> ReportFormat {
        match self {
            Format::Table => ReportFormat::Table,
            Format::Csv => ReportFormat::Csv,
            Format::Json | Format::Xlsx => ReportFormat::Json,
        }
    }
}

#[derive(Debug, clap::Args)]
pub struct KpiArgs {
    /// Group by these, comma-separated: queue, agent, team, channel, category, direction,
    /// segment (the customer's current one: customer measures only), interval15, interval30,
    /// hour, day, week, month (at most one time grain).
    #[arg(long, value_delimiter = ',')]
    by: Vec<String>,
    /// First day to include (YYYY-MM-DD, in the report's zone).
    #[arg(long)]
    from: Option<String>,
    /// Last day to include (YYYY-MM-DD, in the report's zone; inclusive).
    #[arg(long)]
    to: Option<String>,
    /// Keep only rows where a dimension has one of the values: queue=card or agent=a1,agent=a2.
    #[arg(long, value_delimiter = ',')]
    filter: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
    /// Metrics to show, comma-separated, or `all`. Default: JSON every metric; CSV and XLSX every
    /// metric that means something for the grouping; the table the headline KPIs (per agent or
    /// team: the measures that belong to an agent). A note says what was left out and why.
    #[arg(long, value_delimiter = ',')]
    metrics: Vec<String>,
    /// Write to this file instead of standard output.
    #[arg(long, short)]
    output: Option<PathBuf>,
}

fn parse_group_by(names: &[String]) -> Result<Vec<GroupField>> {
    report::parse_group_by(names.iter().map(String::as_str)).map_err(|e| anyhow!("--{e}"))
}

/// The metrics named by `--metrics` (`all`: every one), or `None` when none are named.
fn parse_metrics(names: &[String]) -> Result<Option<Vec<&'static Metric>>> {
    let names: Vec<&str> = names
        .iter()
        .map(|name| name.trim())
        .filter(|name| !name.is_empty())
        .collect();
    if names.is_empty() {
        return Ok(None);
    }
    if names == ["all"] {
        return Ok(Some(METRICS.iter().collect()));
    }
    report::parse_metrics(names)
        .map(Some)
        .map_err(|e| anyhow!("--{e}"))
}

pub(crate) fn parse_filters(filters: &[String]) -> Result<Vec<(Dimension, Vec<String>)>> {
    report::parse_filters(filters.iter().map(String::as_str)).map_err(|e| anyhow!("--{e}"))
}

pub(crate) fn day_start_ms(text: &str, zone: &TimeZone, flag: &str, add_days: i64) -> Result<i64> {
    let date: Date = text
        .trim()
        .parse()
        .with_context(|| format!("{flag} '{text}' is not a date like 2026-11-02"))?;
    let date = date
        .checked_add(Span::new().days(add_days))
        .with_context(|| format!("{flag} '{text}' is out of range"))?;
    let start = date
        .to_zoned(zone.clone())
        .with_context(|| format!("{flag} '{text}' has no start in the zone"))?;
    Ok(start.timestamp().as_millisecond())
}

pub async fn run(config: &Config, args: KpiArgs) -> Result<ExitCode> {
    let group_by = parse_group_by(&args.by)?;
    let named = parse_metrics(&args.metrics)?;
    let filters = parse_filters(&args.filter)?;
    let dimensions = report::dimensions_of(&group_by, &filters);
    let metrics = named.clone().unwrap_or_else(|| {
        report::default_metrics(args.format.text(), args.format == Format::Xlsx, &dimensions)
    });
    let notes = match args.format {
        Format::Json => Vec::new(),
        _ => report::exclusion_notes(Locale::En, &metrics, &dimensions, |m| m.name.to_owned()),
    };
    let zone = config.zone.clone();
    let from_ms = args
        .from
        .as_deref()
        .map(|text| day_start_ms(text, &zone, "--from", 0))
        .transpose()?;
    let to_ms = args
        .to
        .as_deref()
        .map(|text| day_start_ms(text, &zone, "--to", 1))
        .transpose()?;
    if let (Some(from), Some(to)) = (from_ms, to_ms) {
        anyhow::ensure!(from < to, "--from must not be after --to");
    }
    if args.format == Format::Xlsx && output_path(&args.output).is_none() {
        bail!("--format xlsx needs --output FILE.xlsx");
    }
    let store = config.open_store().await?;
    let query = KpiQuery {
        group_by: group_by.clone(),
        from_ms,
        to_ms,
        zone,
        filters,
    };
    let groups = report::kpi_groups(&store, &query, &metrics).await?;
    let table_notes = if args.format == Format::Table {
        notes.clone()
    } else {
        Vec::new()
    };
    let report = Report {
        group_by: &group_by,
        metrics: &metrics,
        groups: &groups,
        notes: &table_notes,
    };
    if args.format != Format::Table && !notes.is_empty() {
        // a CSV or a workbook has no place for notes: say it where a person sees it
        for note in &notes {
            eprintln!("{note}");
        }
        if named.is_none() {
            eprintln!("{}", servq_app::i18n::t(Locale::En, "excluded.cli_hint"));
        }
    }
    match (args.format, output_path(&args.output)) {
        (Format::Xlsx, Some(path)) => std::fs::write(path, report.xlsx()?)
            .with_context(|| format!("writing {}", path.display()))?,
        (Format::Xlsx, None) => bail!("--format xlsx needs --output FILE.xlsx"),
        (format, Some(path)) => {
            let file = std::fs::File::create(path)
                .with_context(|| format!("creating {}", path.display()))?;
            report.write(format.text(), std::io::BufWriter::new(file))?;
        }
        (format, None) => report.write(
            format.text(),
            std::io::BufWriter::new(std::io::stdout().lock()),
        )?,
    }
    store.close().await;
    Ok(ExitCode::SUCCESS)
}
