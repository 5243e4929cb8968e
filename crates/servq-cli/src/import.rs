//! `servq import`: reads a file row by row, parses every row into a domain type, stages the good
//! ones in one transaction and commits only if the whole file is clean. Every bad row is reported
//! as `file:line: column: reason` (capped, with the total counted); then nothing is written.

use std::{io::IsTerminal, path::PathBuf, process::ExitCode, time::Instant};

use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use servq_import::{ColumnMap, ImportKind, OpenOptions, Outcome, Phase, TableReader, TextEncoding};

use crate::config::Config;

/// What a file holds (the names of [`ImportKind`]).
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum KindArg {
    /// Contacts (calls, chats, emails, …), keyed by contact_id.
    Contacts,
    /// Agent-state intervals, keyed by (agent_id, start_at).
    AgentStates,
    /// The agent roster (agent_id, name, team), keyed by agent_id.
    Agents,
    /// Survey results from another system (response_id, contact_id, responded_at, csat, nps,
    /// ces, stage_*, comment, agent_id), keyed by response_id.
    SurveyResults,
    /// Transcripts (JSONL, one contact per line), scanned by the automated-QA rules.
    Transcripts,
    /// Tickets from another system (ticket_id, ticket_type, category, priority, subject,
    /// description, customer_id, segment, channel, team, assignee, created_at), keyed by
    /// ticket_id; SLA clocks start at created_at.
    Tickets,
}

impl KindArg {
    /// The table kind, `None` for transcripts (JSONL, not a table).
    fn table(self) -> Option<ImportKind> {
        match self {
            KindArg::Contacts => Some(ImportKind::Contacts),
            KindArg::AgentStates => Some(ImportKind::AgentStates),
            KindArg::Agents => Some(ImportKind::Agents),
            KindArg::SurveyResults => Some(ImportKind::SurveyResults),
            KindArg::Transcripts | KindArg::Tickets => None,
        }
    }
}

#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// What the file holds.
    #[arg(value_enum)]
    kind: KindArg,
    /// CSV or XLSX file.
    file: PathBuf,
    /// Column mapping for other systems' exports: servq_name=their_name,...
    #[arg(long)]
    map: Option<String>,
    /// A file of servq_name=their_name lines (`#` comments allowed); --map pairs win over it.
    #[arg(long)]
    map_file: Option<PathBuf>,
    /// Text encoding of a CSV file: utf-8 (BOM allowed) or gbk/gb18030.
    #[arg(long, default_value = "utf-8")]
    encoding: String,
    /// Sheet of an XLSX file (default: the first).
    #[arg(long)]
    sheet: Option<String>,
    /// Most row errors to print; all are counted.
    #[arg(long, default_value_t = 100)]
    max_errors: usize,
    /// Transcripts: the automated-QA rule set (TOML) to scan them with; default: the centre's
    /// saved rule set (`servq qa rules --set`), else the shipped rules.
    #[arg(long)]
    rules: Option<PathBuf>,
}

fn progress_bar(label: &str) -> ProgressBar {
    let target = if std::io::stderr().is_terminal() {
        ProgressDrawTarget::stderr()
    } else {
        ProgressDrawTarget::hidden()
    };
    let bar = ProgressBar::with_draw_target(Some(0), target);
    bar.set_style(
        ProgressStyle::with_template("{msg} [{bar:30}] {percent}% {elapsed_precise} eta {eta}")
            .expect("static template")
            .progress_chars("=> "),
    );
    bar.set_message(label.to_owned());
    bar
}

pub async fn run(config: &Config, args: ImportArgs) -> Result<ExitCode> {
    if matches!(args.kind, KindArg::Tickets) {
        return import_tickets(config, args).await;
    }
    let Some(kind) = args.kind.table() else {
        return import_transcripts(config, args).await;
    };
    let columns = kind.columns();
    let mut map = ColumnMap::default();
    if let Some(map_file) = &args.map_file {
        let text = std::fs::read_to_string(map_file)
            .with_context(|| format!("reading mapping file {}", map_file.display()))?;
        map.extend(ColumnMap::parse(&text, columns)?);
    }
    if let Some(pairs) = &args.map {
        map.extend(ColumnMap::parse(pairs, columns)?);
    }
    let encoding = TextEncoding::parse(&args.encoding).with_context(|| {
        format!(
            "--encoding '{}' is not one of utf-8, gbk, gb18030",
            args.encoding
        )
    })?;
    let options = OpenOptions {
        columns,
        required: kind.required(),
        map,
        encoding,
        sheet: args.sheet.clone(),
    };
    let reader = TableReader::open(&args.file, &options)?;
    let path = reader.path().to_owned();
    let store = config.open_store().await?;
    let started = Instant::now();
    let bar = progress_bar(&format!("reading {path}"));
    let outcome = servq_import::import_table(
        &store,
        reader,
        kind,
        &config.zone,
        args.max_errors,
        |progress| match progress.phase {
            Phase::Reading => {
                tracing::info!(rows = progress.rows, "staged");
                bar.set_length(progress.total);
                bar.set_position(progress.done);
            }
            Phase::Merging => {
                // merging has no countable steps: show that it is alive and for how long
                bar.set_style(
                    ProgressStyle::with_template("{spinner} {msg} {elapsed_precise}")
                        .expect("static template"),
                );
                bar.set_message(format!("merging {path} and updating KPI rollups"));
                bar.enable_steady_tick(std::time::Duration::from_millis(200));
            }
        },
    )
    .await;
    bar.finish_and_clear();
    let outcome = outcome?;
    store.close().await;
    Ok(report(&path, outcome, started))
}

/// Prints what an import did (or every error of a refused file) and gives the exit code.
fn report(path: &str, outcome: Outcome, started: Instant) -> ExitCode {
    match outcome {
        Outcome::Imported(summary) => {
            eprintln!(
                "{path}: imported {} row(s): {} new, {} updated, {} unchanged ({:.1} s)",
                summary.rows,
                summary.inserted,
                summary.updated,
                summary.unchanged,
                started.elapsed().as_secs_f64()
            );
            ExitCode::SUCCESS
        }
        Outcome::Rejected(rejection) => {
            for error in &rejection.errors {
                eprintln!("{path}:{}: {}: {}", error.line, error.column, error.reason);
            }
            let shown = rejection.errors.len() as u64;
            if rejection.error_count > shown {
                eprintln!(
                    "… and {} more errors not shown (--max-errors)",
                    rejection.error_count - shown
                );
            }
            eprintln!(
                "{path}: nothing imported: {} bad row(s), {} error(s); fix them and import the file again",
                rejection.bad_rows, rejection.error_count
            );
            ExitCode::from(1)
        }
    }
}

async fn import_transcripts(config: &Config, args: ImportArgs) -> Result<ExitCode> {
    let store = config.open_store().await?;
    let rules = match &args.rules {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading rules {}", path.display()))?;
            servq_qa::RuleSet::parse(&text).with_context(|| path.display().to_string())?
        }
        None => servq_import::centre_rules(&store).await?.1,
    };
    let scanner = servq_qa::Scanner::new(rules)?;
    let path = args.file.display().to_string();
    let started = Instant::now();
    let outcome = servq_import::import_transcripts(
        &store,
        &args.file,
        &path,
        &scanner,
        args.max_errors,
        jiff::Timestamp::now().as_millisecond(),
    )
    .await?;
    store.close().await;
    Ok(report(&path, outcome, started))
}

/// Ticket import columns, in this order.
const TICKET_COLUMNS: &[&str] = &[
    "ticket_id",
    "ticket_type",
    "category",
    "priority",
    "subject",
    "description",
    "customer_id",
    "segment",
    "channel",
    "team",
    "assignee",
    "created_at",
    "status",
    "first_response_at",
    "resolved_at",
    "closed_at",
];

/// Columns a ticket file must have.
const TICKET_REQUIRED: &[&str] = &[
    "ticket_id",
    "category",
    "subject",
    "customer_id",
    "created_at",
];

/// Tickets from another system, all-or-nothing: every row is checked (the same rules as tickets
/// opened in the app, ids unique in the file, a time stamp) and every problem reported as
/// `file:line: column: reason`; a clean file is stored in one transaction with its SLA clocks
/// started at each ticket's `created_at`. Ids stored already are left as they are.
async fn import_tickets(config: &Config, args: ImportArgs) -> Result<ExitCode> {
    let mut map = ColumnMap::default();
    if let Some(map_file) = &args.map_file {
        let text = std::fs::read_to_string(map_file)
            .with_context(|| format!("reading mapping file {}", map_file.display()))?;
        map.extend(ColumnMap::parse(&text, TICKET_COLUMNS)?);
    }
    if let Some(pairs) = &args.map {
        map.extend(ColumnMap::parse(pairs, TICKET_COLUMNS)?);
    }
    let encoding = TextEncoding::parse(&args.encoding).with_context(|| {
        format!(
            "--encoding '{}' is not one of utf-8, gbk, gb18030",
            args.encoding
        )
    })?;
    let options = OpenOptions {
        columns: TICKET_COLUMNS,
        required: TICKET_REQUIRED,
        map,
        encoding,
        sheet: args.sheet.clone(),
    };
    let mut reader = TableReader::open(&args.file, &options)?;
    let path = reader.path().to_owned();
    let store = config.open_store().await?;
    let setup = servq_server::desk::DeskSetup::load(&store).await?;
    let started = Instant::now();
    let mut errors: Vec<(u64, String, String)> = Vec::new();
    let mut seen: std::collections::HashMap<String, u64> = Default::default();
    let mut tickets = Vec::new();
    let mut row = Vec::new();
    while let Some(line) = reader.next_row(&mut row)? {
        if let Some(reason) = reader.shape_error(&row) {
            errors.push((line, "row".to_owned(), reason));
            continue;
        }
        let get = |name: &str| {
            let index = TICKET_COLUMNS
                .iter()
                .position(|c| *c == name)
                .expect("known column");
            reader.columns.get(&row, index).trim().to_owned()
        };
        let column = |name: &str| reader.columns.display_name(TICKET_COLUMNS, name);
        let or = |value: String, default: &str| {
            if value.is_empty() {
                default.to_owned()
            } else {
                value
            }
        };
        let request = servq_server::desk::TicketRequest {
            ticket_type: or(get("ticket_type"), "consult"),
            category: get("category"),
            priority: or(get("priority"), "normal"),
            subject: get("subject"),
            description: get("description"),
            customer_id: get("customer_id"),
            segment: get("segment"),
            channel: or(get("channel"), "import"),
            contact_id: None,
            team: get("team"),
        };
        let mut row_errors: Vec<(String, String)> = setup
            .check(&request)
            .into_iter()
            .map(|(field, reason)| (column(field), reason))
            .collect();
        let id = get("ticket_id");
        if id.is_empty() || id.chars().count() > 64 {
            row_errors.push((
                column("ticket_id"),
                "must have 1 to 64 characters".to_owned(),
            ));
        } else if let Some(first) = seen.insert(id.clone(), line) {
            row_errors.push((
                column("ticket_id"),
                format!("'{id}' appears again (first on line {first})"),
            ));
        }
        let mut time = |name: &str, required: bool| -> Option<jiff::Timestamp> {
            let text = get(name);
            if text.is_empty() && !required {
                return None;
            }
            servq_core::parse_timestamp(&text, &config.zone)
                .map_err(|error| row_errors.push((column(name), error.to_string())))
                .ok()
                .and_then(|at| jiff::Timestamp::from_millisecond(at.utc_ms).ok())
        };
        let created = time("created_at", true);
        let first_response = time("first_response_at", false);
        let resolved = time("resolved_at", false);
        let closed = time("closed_at", false);
        let status_text = or(get("status"), "open");
        let status = servq_desk::TicketStatus::parse(&status_text).unwrap_or_else(|| {
            row_errors.push((
                column("status"),
                format!("status '{status_text}' is not open, resolved or closed"),
            ));
            servq_desk::TicketStatus::Open
        });
        let history = servq_server::desk::TicketHistory {
            status,
            first_response,
            resolved,
            closed,
        };
        if let Some(created) = created {
            row_errors.extend(
                history
                    .problems(created)
                    .into_iter()
                    .map(|(field, reason)| (column(field), reason)),
            );
        }
        if !row_errors.is_empty() {
            errors.extend(row_errors.into_iter().map(|(c, r)| (line, c, r)));
            continue;
        }
        let created = created.expect("checked");
        let team = setup.team_for(&request);
        match setup.prepare(
            id,
            &request,
            (team, get("assignee")),
            created,
            &history.completed(),
        ) {
            Ok((ticket, _token)) => tickets.push((ticket, created.as_millisecond())),
            Err(reason) => errors.push((line, "row".to_owned(), reason)),
        }
    }
    if !errors.is_empty() {
        for (line, column, reason) in errors.iter().take(args.max_errors) {
            eprintln!("{path}:{line}: {column}: {reason}");
        }
        if errors.len() > args.max_errors {
            eprintln!(
                "… and {} more errors not shown (--max-errors)",
                errors.len() - args.max_errors
            );
        }
        eprintln!(
            "{path}: nothing imported: {} error(s); fix them and import the file again",
            errors.len()
        );
        store.close().await;
        return Ok(ExitCode::from(1));
    }
    let actor = servq_store::Actor {
        user_id: None,
        name: "import".to_owned(),
    };
    let (created, existing) = store
        .import_tickets(&tickets, &path, &actor, servq_server::now_ms())
        .await?;
    eprintln!(
        "{path}: imported {} ticket(s): {created} new, {existing} unchanged ({:.1} s)",
        tickets.len(),
        started.elapsed().as_secs_f64()
    );
    store.close().await;
    Ok(ExitCode::SUCCESS)
}
