//! `servq staffing`: agents needed for one interval (or a whole forecast day from the store)
//! under Erlang C, A or B, and what-if performance of a given staffing. The maths is in
//! `servq-wfm`; this module parses flags, reads history and prints.

use std::{collections::BTreeMap, io::Write, path::PathBuf, process::ExitCode};

use anyhow::{Context, Result, bail, ensure};
use jiff::civil::Date;
use serde_json::Value;
use servq_app::staffing::{self, HistoryRequest, StaffingSpec, WhatIf};
use servq_store::TimeGrain;
use servq_wfm::{Model, StaffingPolicy, Workload};

use crate::config::Config;

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Aligned text for a terminal.
    Table,
    /// One JSON object (see docs/cli.md for the keys).
    Json,
}

/// The queueing model, when not implied by the flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
#[value(rename_all = "snake_case")]
pub enum ModelName {
    /// Lost calls, no queue (needs --target-blocking or --evaluate).
    ErlangB,
    /// Callers wait indefinitely.
    ErlangC,
    /// Callers hang up after an exponential patience (needs --patience).
    ErlangA,
}

#[derive(Debug, clap::Args)]
pub struct StaffingArgs {
    /// Contacts offered in the interval (not with --from-store).
    #[arg(long, allow_negative_numbers = true)]
    calls: Option<f64>,
    /// Interval length in seconds (900 or 1800 with --from-store).
    #[arg(long, default_value_t = 1800.0)]
    interval: f64,
    /// Average handle time in seconds (not with --from-store, which forecasts it).
    #[arg(long)]
    aht: Option<f64>,
    /// Target service level: the fraction answered within --target-time, e.g. 0.8.
    #[arg(long)]
    target_sl: Option<f64>,
    /// Service-level threshold in seconds.
    #[arg(long, default_value_t = 20.0)]
    target_time: f64,
    /// Target average speed of answer, seconds at most.
    #[arg(long)]
    target_asa: Option<f64>,
    /// Target answer rate, a fraction at least (Erlang A or B).
    #[arg(long)]
    target_answer_rate: Option<f64>,
    /// Target abandon rate, a fraction at most (Erlang A).
    #[arg(long)]
    target_abandon_rate: Option<f64>,
    /// Target blocking probability, a fraction at most (Erlang B).
    #[arg(long)]
    target_blocking: Option<f64>,
    /// Occupancy cap, e.g. 0.85: agents are added until occupancy is at most this.
    #[arg(long)]
    max_occupancy: Option<f64>,
    /// Share of paid time off the phones (breaks, training, absence), e.g. 0.3.
    #[arg(long, default_value_t = 0.0)]
    shrinkage: f64,
    /// Mean caller patience in seconds: selects Erlang A.
    #[arg(long)]
    patience: Option<f64>,
    /// The model; by default Erlang A with --patience, Erlang B with --target-blocking, else
    /// Erlang C.
    #[arg(long, value_enum)]
    model: Option<ModelName>,
    /// What-if: report the performance of the given agents instead of searching.
    #[arg(long)]
    evaluate: bool,
    /// Agents on the phones, with --evaluate (every interval, with --from-store).
    #[arg(long)]
    agents: Option<u32>,
    /// With --evaluate --from-store: a CSV with columns `interval,agents` (interval as HH:MM).
    #[arg(long)]
    agents_file: Option<PathBuf>,
    /// Forecast the day given by --date from the contacts in the store, then staff each
    /// interval.
    #[arg(long)]
    from_store: bool,
    /// The day to forecast and staff (YYYY-MM-DD in the centre's time zone).
    #[arg(long)]
    date: Option<String>,
    /// With --from-store: how many days from --date to forecast and staff (7 for a week).
    #[arg(long, default_value_t = 1)]
    days: u32,
    /// Weeks of history before --date that the forecast learns from.
    #[arg(long, default_value_t = 8)]
    history_weeks: u32,
    /// Only contacts of these queues (comma-separated); default all inbound contacts.
    #[arg(long, value_delimiter = ',')]
    queue: Vec<String>,
    /// Only contacts of these channels (comma-separated).
    #[arg(long, value_delimiter = ',')]
    channel: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
}

impl StaffingArgs {
    fn spec(&self) -> StaffingSpec {
        StaffingSpec {
            target_sl: self.target_sl,
            target_time: self.target_time,
            target_asa: self.target_asa,
            target_answer_rate: self.target_answer_rate,
            target_abandon_rate: self.target_abandon_rate,
            target_blocking: self.target_blocking,
            max_occupancy: self.max_occupancy,
            shrinkage: self.shrinkage,
            patience: self.patience,
            model: self.model.map(|name| match name {
                ModelName::ErlangA => staffing::ModelName::ErlangA,
                ModelName::ErlangB => staffing::ModelName::ErlangB,
                ModelName::ErlangC => staffing::ModelName::ErlangC,
            }),
            evaluate: self.evaluate,
        }
    }
}

/// An option as the command line spells it: `target_sl` → `--target-sl`.
fn flag(name: &str) -> String {
    format!("--{}", name.replace('_', "-"))
}

pub async fn run(config: &Config, args: StaffingArgs) -> Result<ExitCode> {
    let spec = args.spec();
    let model = spec.model(flag)?;
    let policy = spec.policy(flag)?;
    if args.evaluate {
        ensure!(
            args.agents.is_some() || (args.from_store && args.agents_file.is_some()),
            "--evaluate needs --agents N (or --agents-file with --from-store)"
        );
    } else {
        ensure!(
            args.agents.is_none() && args.agents_file.is_none(),
            "--agents and --agents-file go with --evaluate"
        );
    }
    let report = if args.from_store {
        ensure!(
            args.calls.is_none() && args.aht.is_none(),
            "--from-store forecasts calls and AHT: leave out --calls and --aht"
        );
        day_report(config, &args, &model, &policy).await?
    } else {
        ensure!(
            args.date.is_none() && args.agents_file.is_none(),
            "--date and --agents-file go with --from-store"
        );
        let calls = args
            .calls
            .context("--calls is required (or use --from-store)")?;
        let aht = args
            .aht
            .context("--aht is required (or use --from-store)")?;
        let workload = Workload::new(calls, args.interval, aht)?;
        staffing::interval_report(
            &workload,
            &model,
            &policy,
            args.evaluate.then(|| args.agents.unwrap_or(0)),
        )?
    };
    // written, not println!'d, so that `servq staffing … | head` ends quietly
    let mut out = std::io::stdout().lock();
    match args.format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut out, &report)?;
            writeln!(out)?;
        }
        Format::Table => print_table(&report, &mut out)?,
    }
    Ok(ExitCode::SUCCESS)
}

/// Forecasts `--date` from the store's history and staffs every interval of it.
async fn day_report(
    config: &Config,
    args: &StaffingArgs,
    model: &Model,
    policy: &StaffingPolicy,
) -> Result<Value> {
    let date_text = args
        .date
        .as_deref()
        .context("--from-store needs --date YYYY-MM-DD")?;
    let date: Date = date_text
        .trim()
        .parse()
        .with_context(|| format!("--date '{date_text}' is not a date like 2026-11-30"))?;
    let grain = if args.interval == 900.0 {
        TimeGrain::Interval15
    } else if args.interval == 1800.0 {
        TimeGrain::Interval30
    } else {
        bail!(
            "with --from-store, --interval must be 900 or 1800 seconds, not {}",
            args.interval
        )
    };
    let request = HistoryRequest {
        date,
        days: args.days,
        history_weeks: args.history_weeks,
        grain,
        queues: args.queue.clone(),
        channels: args.channel.clone(),
    };
    request
        .check()
        .map_err(|error| anyhow::anyhow!("--{error}"))?;
    let what_if = match &args.agents_file {
        Some(path) => WhatIf::BySlot(read_agents_file(path, args.interval)?),
        None if args.evaluate => WhatIf::Every(args.agents.unwrap_or(0)),
        None => WhatIf::Search,
    };
    let store = config.open_store().await?;
    let report = staffing::day_report(&store, &request, model, policy, &what_if).await;
    store.close().await;
    report
}

/// Reads `interval,agents` rows (interval as HH:MM on the interval grid) into agents by slot.
fn read_agents_file(path: &PathBuf, interval: f64) -> Result<BTreeMap<usize, u32>> {
    let name = path.display();
    let mut reader = csv::Reader::from_path(path).with_context(|| format!("opening {name}"))?;
    let headers = reader
        .headers()
        .with_context(|| format!("{name}: reading the header"))?
        .clone();
    let column = |wanted: &str| {
        headers
            .iter()
            .position(|header| header.trim().eq_ignore_ascii_case(wanted))
            .with_context(|| format!("{name}:1: missing column '{wanted}' (need interval,agents)"))
    };
    let (interval_column, agents_column) = (column("interval")?, column("agents")?);
    let mut agents = BTreeMap::new();
    for (index, record) in reader.records().enumerate() {
        let line = index + 2;
        let record = record.with_context(|| format!("{name}:{line}: unreadable row"))?;
        let text = record.get(interval_column).unwrap_or_default().trim();
        let time: jiff::civil::Time = text.parse().with_context(|| {
            format!("{name}:{line}: interval: '{text}' is not a time like 09:30")
        })?;
        let seconds = f64::from(time.hour()) * 3600.0 + f64::from(time.minute()) * 60.0;
        ensure!(
            seconds % interval == 0.0 && time.second() == 0,
            "{name}:{line}: interval: '{text}' does not start a {}-minute interval",
            interval / 60.0
        );
        let value = record.get(agents_column).unwrap_or_default().trim();
        let count: u32 = value.parse().with_context(|| {
            format!("{name}:{line}: agents: '{value}' is not a whole number ≥ 0")
        })?;
        let slot = (seconds / interval) as usize;
        ensure!(
            agents.insert(slot, count).is_none(),
            "{name}:{line}: interval: '{text}' appears twice"
        );
    }
    Ok(agents)
}

/// Terminal output: key/value pairs for one interval, a row per interval for a day.
fn print_table(report: &Value, out: &mut impl Write) -> std::io::Result<()> {
    let mut table = comfy_table::Table::new();
    table.load_preset(comfy_table::presets::UTF8_BORDERS_ONLY);
    let show = |value: &Value| match value {
        Value::Number(number) => match number.as_f64() {
            Some(float) if number.is_f64() => format!("{float:.4}"),
            _ => number.to_string(),
        },
        Value::Null => "—".to_owned(),
        Value::String(text) => text.clone(),
        other => other.to_string(),
    };
    match report.get("intervals").and_then(Value::as_array) {
        None => {
            for (key, value) in report.as_object().into_iter().flatten() {
                table.add_row(vec![key.clone(), show(value)]);
            }
        }
        Some(intervals) => {
            let multi_day = report["days"].as_u64().unwrap_or(1) > 1;
            let columns: Vec<&str> = staffing::REQUIREMENT_COLUMNS
                .into_iter()
                .chain(["actual_calls"])
                .filter(|column| multi_day || *column != "date")
                .collect();
            table.set_header(&columns);
            for interval in intervals.iter().filter(|row| {
                row["calls"].as_f64().unwrap_or(0.0) > 0.0
                    || row["agents"].as_u64().unwrap_or(0) > 0
            }) {
                table.add_row(columns.iter().map(|column| show(&interval[*column])));
            }
            writeln!(
                out,
                "{} {} ({}-minute intervals), model {}, history from {} ({} days)",
                report["date"].as_str().unwrap_or_default(),
                report["time_zone"].as_str().unwrap_or_default(),
                report["interval_seconds"].as_f64().unwrap_or_default() / 60.0,
                report["model"].as_str().unwrap_or_default(),
                report["history"]["from"].as_str().unwrap_or_default(),
                report["history"]["days"],
            )?;
            if let Some(holdout) = report["holdout"].as_object() {
                writeln!(
                    out,
                    "forecast error on the last 7 history days: WAPE {} % (same-day-last-week \
                     baseline {} %), MAPE {} %, daily WAPE {} %",
                    show(&holdout["wape_percent"]),
                    show(&holdout["seasonal_naive_wape_percent"]),
                    show(&holdout["mape_percent"]),
                    show(&holdout["daily_wape_percent"]),
                )?;
            }
            let totals = &report["totals"];
            writeln!(
                out,
                "total: {} calls, {} agent hours, {} staff hours, service level {}",
                show(&totals["calls"]),
                show(&totals["agent_hours"]),
                show(&totals["staff_hours"]),
                show(&totals["service_level"]),
            )?;
        }
    }
    writeln!(out, "{table}")
}
