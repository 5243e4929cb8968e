//! `servq jobs`: the background jobs every `servq serve` runs — list them with their schedules
//! and last periods, or run one now (a loop's pass, or a scheduled job's due periods or a named
//! period). Output is JSON lines for `run`, a table (or JSON) for `list`.

use std::process::ExitCode;

use anyhow::{Result, bail};
use serde_json::json;
use servq_app::jobs::{self, Job, JobContext, Period, PeriodOutcome, Schedule};

use crate::config::Config;

#[derive(Debug, clap::Subcommand)]
pub enum JobsCommand {
    /// Every job: its schedule, what it does and (scheduled jobs) its last periods.
    List {
        /// table or json.
        #[arg(long, default_value = "table")]
        format: String,
    },
    /// Run a job now. A loop runs one pass; a scheduled job runs its due periods (those no
    /// server ran yet), or the period named with --period.
    Run {
        /// The job's name (see `servq jobs list`).
        name: String,
        /// A scheduled job's period: its local time in the centre's zone, e.g. 2026-12-01T03:30.
        #[arg(long)]
        period: Option<String>,
        /// Run --period again even if it ran (or was skipped) before.
        #[arg(long)]
        again: bool,
        #[command(flatten)]
        public: crate::serve::PublicUrl,
        #[command(flatten)]
        outbox: Box<crate::serve::OutboxArgs>,
        #[command(flatten)]
        backup: crate::backup::BackupPlanArgs,
    },
    /// Change when a scheduled job runs: a cron pattern (minute hour day-of-month month
    /// day-of-week) in the centre's zone, e.g. `0 8 * * 1-5`; --default puts the built-in one
    /// back. Every server picks the change up within a minute.
    Schedule {
        /// The job's name (see `servq jobs list`).
        name: String,
        /// The new pattern.
        #[arg(required_unless_present = "default")]
        pattern: Option<String>,
        /// Put the built-in pattern back.
        #[arg(long, conflicts_with = "pattern")]
        default: bool,
    },
}

pub async fn run(config: &Config, command: JobsCommand) -> Result<ExitCode> {
    match command {
        JobsCommand::Schedule { name, pattern, .. } => {
            let Some(job) = Job::parse(&name) else {
                bail!(
                    "no job '{name}' (jobs: {})",
                    Job::ALL.map(Job::name).join(", ")
                );
            };
            let store = config.open_store().await?;
            let result =
                jobs::set_schedule(&store, job, pattern.as_deref(), &servq_app::cli_actor()).await;
            store.close().await;
            crate::refused(
                result.map(|schedule| format!("{}: {}", job.name(), schedule.describe())),
            )
        }
        JobsCommand::List { format } => list(config, &format).await,
        JobsCommand::Run {
            name,
            period,
            again,
            public,
            outbox,
            backup,
        } => {
            let Some(job) = Job::parse(&name) else {
                bail!(
                    "no job '{name}' (jobs: {})",
                    Job::ALL.map(Job::name).join(", ")
                );
            };
            let context = JobContext {
                backup: backup.plan(),
                store: config.open_store().await?,
                public_url: public.public_url,
                outbox: outbox.config()?,
            };
            let result = run_job(&context, job, period.as_deref(), again).await;
            context.store.close().await;
            result
        }
    }
}

async fn run_job(
    context: &JobContext,
    job: Job,
    period: Option<&str>,
    again: bool,
) -> Result<ExitCode> {
    let now = jobs::clock();
    let schedule = job.schedule();
    let outcomes = match (schedule, period) {
        (Schedule::Every(_), Some(_)) => {
            bail!("{} runs every few seconds: it has no periods", job.name())
        }
        (Schedule::Every(_), None) => {
            let detail = jobs::run_once(context, job, now).await?;
            println!("{}", json!({"job": job.name(), "detail": detail}));
            return Ok(ExitCode::SUCCESS);
        }
        (Schedule::Cron { .. }, None) => jobs::run_due(context, job, now).await?,
        (Schedule::Cron { .. }, Some(text)) => {
            let zone = jiff::tz::TimeZone::get(&context.store.centre_zone().await?)?;
            let period = Period::parse(text, &zone)?;
            if again {
                context
                    .store
                    .forget_job_run(job.name(), &period.key)
                    .await?;
            }
            match jobs::run_period(context, job, &period, now).await? {
                Some(outcome) => vec![outcome],
                None => bail!(
                    "{} {} has run (or was skipped) already; --again runs it again",
                    job.name(),
                    period.key
                ),
            }
        }
    };
    let mut failed = false;
    for outcome in &outcomes {
        let line = match outcome {
            PeriodOutcome::Ran {
                period,
                detail,
                failed: period_failed,
            } => {
                failed |= period_failed;
                json!({"job": job.name(), "period": period,
                    "status": if *period_failed { "failed" } else { "done" }, "detail": detail})
            }
            PeriodOutcome::Skipped(period) => {
                json!({"job": job.name(), "period": period, "status": "skipped"})
            }
        };
        println!("{line}");
    }
    if outcomes.is_empty() {
        eprintln!("{}: no period due", job.name());
    }
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

async fn list(config: &Config, format: &str) -> Result<ExitCode> {
    if !matches!(format, "table" | "json") {
        bail!("--format '{format}' is not table or json");
    }
    let store = config.open_store().await?;
    let mut rows = Vec::new();
    for schedule in jobs::schedules(&store).await? {
        let runs = match schedule.default {
            Schedule::Cron { .. } => store.job_runs(schedule.job.name(), 5).await?,
            Schedule::Every(_) => Vec::new(),
        };
        rows.push((schedule, runs));
    }
    store.close().await;
    if format == "json" {
        let jobs: Vec<_> = rows
            .iter()
            .map(|(schedule, runs)| jobs::job_json(schedule, runs))
            .collect();
        println!(
            "{}",
            serde_json::to_string_pretty(&json!({ "jobs": jobs }))?
        );
        return Ok(ExitCode::SUCCESS);
    }
    let mut table = comfy_table::Table::new();
    table.load_preset(comfy_table::presets::UTF8_FULL_CONDENSED);
    table.set_header(["job", "schedule", "what it does", "last period"]);
    for (schedule, runs) in &rows {
        let job = schedule.job;
        let last = runs.first().map_or_else(
            || "-".to_owned(),
            |run| format!("{} {} {}", run.period, run.status.name(), run.detail),
        );
        table.add_row([
            job.name().to_owned(),
            schedule.describe(),
            job.about().to_owned(),
            last,
        ]);
    }
    println!("{table}");
    Ok(ExitCode::SUCCESS)
}
