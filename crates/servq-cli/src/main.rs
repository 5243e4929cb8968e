//! The `servq` command line: imports, KPI reports, demo data and configuration. Each subcommand
//! parses its flags into domain types at the edge and calls the store and the pure crates.

mod admin;
mod backup;
mod briefing;
mod coaching_plan;
mod config;
mod customers;
mod demo;
mod desk;
mod email;
mod evaluation;
mod goals;
mod import;
mod jobs;
mod kb;
mod kpi;
mod ledger;
mod problems;
mod qa;
mod report;
mod review;
mod risk;
mod serve;
mod staffing;
mod stats;
mod surveys;
mod targets;
mod tasks;
mod training;

use std::{path::PathBuf, process::ExitCode};

use clap::{Parser, Subcommand};

use crate::config::Config;

/// servq — customer-service quality management.
#[derive(Debug, Parser)]
#[command(name = "servq", version, about)]
struct Cli {
    #[command(flatten)]
    config: config::ConfigArgs,
    /// Log lines on standard error as `text` or `json` (one object per line: timestamp, level,
    /// target, fields — for `serve`: request_id, user, method, route, status, ms — and the
    /// request's span).
    #[arg(long, global = true, env = "SERVQ_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,
    /// What to log: a level (`error`, `warn`, `info`, `debug`) or a filter such as
    /// `info,sqlx=warn` (default `warn,sqlx=error`; `info` logs every request of `serve`).
    #[arg(long, global = true, env = "SERVQ_LOG")]
    log_level: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Import a CSV or XLSX file, or transcripts (JSONL) (all-or-nothing per file; re-importing
    /// changes nothing).
    Import(import::ImportArgs),
    /// Report KPIs grouped by queue, agent, team, channel, category and/or time.
    Kpi(kpi::KpiArgs),
    /// Agents needed for an interval (Erlang C, A or B), what-if performance of a staffing, or
    /// a whole day forecast from the store and staffed interval by interval.
    Staffing(staffing::StaffingArgs),
    /// Statistics on the columns of a file: OLS regression, correlation matrices.
    Stats {
        #[command(subcommand)]
        command: stats::StatsCommand,
    },
    /// Driver analysis: which measures move an outcome (e.g. CSAT), after removing collinear
    /// and insignificant ones, with the reasons in words.
    Drivers(stats::DriverArgs),
    /// Quality inspection: automated QA of transcripts.
    Qa {
        #[command(subcommand)]
        command: qa::QaCommand,
    },
    /// Service desk: SLA escalations, the business calendar and the SLA policy.
    Desk {
        #[command(subcommand)]
        command: desk::DeskCommand,
    },
    /// Surveys: dispatch due invitations, show or set the dispatch rules.
    Surveys {
        #[command(subcommand)]
        command: surveys::SurveysCommand,
    },
    /// Background jobs: list them, or run one now (`servq serve` runs them on schedule).
    Jobs {
        #[command(subcommand)]
        command: jobs::JobsCommand,
    },
    /// Grade a period with the evaluation model (five dimensions, composite, grade) per agent,
    /// team or queue; `servq evaluation model` shows or sets the model.
    Evaluation(evaluation::EvaluationArgs),
    /// KPI targets per metric and scope (centre, queue, team, agent) and their trend alerts.
    Targets {
        #[command(subcommand)]
        command: targets::TargetsCommand,
    },
    /// The morning briefing: yesterday's key KPIs against the day before and the targets, a good
    /// case, overdue tasks and problems.
    Briefing(briefing::BriefingArgs),
    /// The problem register: suggestions to accept or dismiss, problems and their life cycle.
    Problems {
        #[command(subcommand)]
        command: problems::ProblemsCommand,
    },
    /// The weekly review: the indicators that missed their targets the week before.
    Review(review::ReviewArgs),
    /// The risk register (likelihood × impact, heat map, reviews), emergency plans and drills.
    Risk {
        #[command(subcommand)]
        command: risk::RiskCommand,
    },
    /// The front-desk ledgers: retention purge, summary, deposit reconciliation, entries.
    Ledger {
        #[command(subcommand)]
        command: ledger::LedgerCommand,
    },
    /// Action-plan tasks under problems and goals: list, add, finish, comment.
    Tasks {
        #[command(subcommand)]
        command: tasks::TasksCommand,
    },
    /// A month's one-to-one coaching plan: low performers with suggested topics.
    CoachingPlan(coaching_plan::CoachingPlanArgs),
    /// The knowledge base: import articles, search them, show one, the searches that found
    /// nothing.
    Kb {
        #[command(subcommand)]
        command: kb::KbCommand,
    },
    /// Customers: a customer's profile, timeline and measures.
    Customers {
        #[command(subcommand)]
        command: customers::CustomersCommand,
    },
    /// E-mail tickets: import a raw message, or read the IMAP mailboxes once.
    Email {
        #[command(subcommand)]
        command: email::EmailCommand,
    },
    /// The case library and courses: list, show, save from JSON, assign.
    Training {
        #[command(subcommand)]
        command: training::TrainingCommand,
    },
    /// SMART goals bound to a KPI: set one, or see how each stands (progress, status, signal).
    Goals {
        #[command(subcommand)]
        command: goals::GoalsCommand,
    },
    /// The monthly quality report: make one (PDF, XLSX or HTML), list or re-render the archive.
    Report {
        #[command(subcommand)]
        command: report::ReportCommand,
    },
    /// Run the web app and REST API.
    Serve(serve::ServeArgs),
    /// Manage users: add, list, disable, enable, set-role, set-password, set-team.
    User {
        #[command(subcommand)]
        command: admin::UserCommand,
    },
    /// API tokens for scripts: create (the secret is shown once), list and revoke them.
    Token {
        #[command(subcommand)]
        command: admin::TokenCommand,
    },
    /// Back the store up into one file (a consistent snapshot, also while servers run), or
    /// check a backup (`servq backup verify FILE`).
    Backup(backup::BackupArgs),
    /// Load a backup into a new, empty store (--db); `--resume` continues an interrupted load.
    Restore(backup::RestoreArgs),
    /// Repairs: `servq admin rebuild-rollups` recomputes the rollups from the raw rows.
    Admin {
        #[command(subcommand)]
        command: admin::AdminCommand,
    },
    /// Move a store to another database: `servq store copy --from URL --to URL`.
    Store {
        #[command(subcommand)]
        command: backup::StoreCommand,
    },
    /// Generate a realistic demo data set (40 agents, 3 queues, 28 days) into the database.
    Demo(demo::DemoArgs),
    /// Show or change configuration and stored KPI thresholds.
    Config {
        #[command(subcommand)]
        action: ConfigAction,
    },
}

#[derive(Debug, Subcommand)]
enum ConfigAction {
    /// Print the effective configuration and the KPI thresholds stored in the database.
    Show,
    /// Set the centre's time zone stored in the database: daily summaries are cut at its
    /// midnights, so day/week/month reports in that zone are served from them.
    SetCentreZone {
        /// IANA zone name, e.g. Asia/Shanghai.
        zone: String,
    },
    /// Change the KPI thresholds stored in the database and rebuild the rollups with them.
    SetKpi {
        /// Abandons with a wait below this many seconds are short abandons.
        #[arg(long)]
        short_abandon_seconds: Option<f64>,
        /// Answered within this many seconds meets the service level.
        #[arg(long)]
        service_level_seconds: Option<f64>,
        /// A same-customer, same-category contact within this many hours is a repeat (FCR).
        #[arg(long)]
        fcr_window_hours: Option<f64>,
    },
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum LogFormat {
    /// For people: one line each, fields as `name=value`.
    Text,
    /// For log collectors: one JSON object per line.
    Json,
}

/// The default of `--log-level`.
const DEFAULT_LOG_FILTER: &str = "warn,sqlx=error";

fn main() -> ExitCode {
    let cli = Cli::parse();
    let filter = cli.log_level.as_deref().unwrap_or(DEFAULT_LOG_FILTER);
    let filter = match tracing_subscriber::EnvFilter::try_new(filter) {
        Ok(filter) => filter,
        Err(error) => {
            eprintln!("error: --log-level: '{filter}' is not a level or filter ({error})");
            return ExitCode::FAILURE;
        }
    };
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match cli.log_format {
        LogFormat::Text => logs.init(),
        LogFormat::Json => logs.json().flatten_event(true).init(),
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(error) if is_broken_pipe(&error) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// A reader that stops early (`servq kpi | head`) is not an error.
fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            || cause.downcast_ref::<serde_json::Error>().and_then(|json| json.io_error_kind())
                == Some(std::io::ErrorKind::BrokenPipe)
            || cause.downcast_ref::<csv::Error>().is_some_and(|csv| {
                matches!(csv.kind(), csv::ErrorKind::Io(io) if io.kind() == std::io::ErrorKind::BrokenPipe)
            })
    })
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let config = Config::from_args(&cli.config)?;
    match cli.command {
        Command::Import(args) => import::run(&config, args).await,
        Command::Kpi(args) => kpi::run(&config, args).await,
        Command::Demo(args) => demo::run(&config, args).await,
        Command::Staffing(args) => staffing::run(&config, args).await,
        Command::Qa { command } => qa::run(&config, command).await,
        Command::Surveys { command } => surveys::run(&config, command).await,
        Command::Desk { command } => desk::run(&config, command).await,
        Command::Jobs { command } => jobs::run(&config, command).await,
        Command::Evaluation(args) => evaluation::run(&config, args).await,
        Command::Targets { command } => targets::run(&config, command).await,
        Command::Briefing(args) => briefing::run(&config, args).await,
        Command::Problems { command } => problems::run(&config, command).await,
        Command::Risk { command } => risk::run(&config, command).await,
        Command::Review(args) => review::run(&config, args).await,
        Command::Tasks { command } => tasks::run(&config, command).await,
        Command::Ledger { command } => ledger::run(&config, command).await,
        Command::CoachingPlan(args) => coaching_plan::run(&config, args).await,
        Command::Kb { command } => kb::run(&config, command).await,
        Command::Training { command } => training::run(&config, command).await,
        Command::Customers { command } => customers::run(&config, command).await,
        Command::Email { command } => email::run(&config, command).await,
        Command::Goals { command } => goals::run(&config, command).await,
        Command::Report { command } => report::run(&config, command).await,
        Command::Serve(args) => serve::serve(&config, args).await,
        Command::Backup(args) => backup::backup(&config, args).await,
        Command::Restore(args) => backup::restore(&config, args).await,
        Command::Store { command } => backup::store(command).await,
        Command::Admin { command } => admin::admin(&config, command).await,
        Command::User { command } => admin::user(&config, command).await,
        Command::Token { command } => admin::token(&config, command).await,
        Command::Stats { command } => stats::run_stats(command).await,
        Command::Drivers(args) => stats::run_drivers(&config, args).await,
        Command::Config {
            action: ConfigAction::Show,
        } => config::show(&config).await,
        Command::Config {
            action: ConfigAction::SetCentreZone { zone },
        } => config::set_centre_zone(&config, &zone).await,
        Command::Config {
            action:
                ConfigAction::SetKpi {
                    short_abandon_seconds,
                    service_level_seconds,
                    fcr_window_hours,
                },
        } => {
            config::set_kpi(
                &config,
                short_abandon_seconds,
                service_level_seconds,
                fcr_window_hours,
            )
            .await
        }
    }
}

/// Where a command writes its report: a file, or standard output.
pub(crate) fn output_path(output: &Option<PathBuf>) -> Option<&PathBuf> {
    output.as_ref().filter(|path| path.as_os_str() != "-")
}

/// A float as JSON, or null where it is not finite (an unstable queue's ASA, an exact fit's t).
pub(crate) use servq_app::analysis::json_number;

/// Prints a use case's answer line and succeeds, or each refused field on standard error and
/// fails (exit 1); a store failure is an error.
pub(crate) fn refused(
    result: std::result::Result<String, servq_app::SettingError>,
) -> anyhow::Result<ExitCode> {
    match result {
        Ok(line) => {
            println!("{line}");
            Ok(ExitCode::SUCCESS)
        }
        Err(servq_app::SettingError::Refused(problems)) => {
            for problem in problems {
                eprintln!("error: {}: {}", problem.field, problem.reason);
            }
            Ok(ExitCode::FAILURE)
        }
        Err(servq_app::SettingError::Failed(error)) => Err(error),
    }
}
