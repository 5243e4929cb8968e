//! `servq import`: reads a file row by row, parses every row into a domain type, stages the good
//! ones in one transaction and commits only if the whole file is clean. Every bad row is reported
//! as `file:line: column: reason` (capped, with the total counted); then nothing is written.

use std::{io::IsTerminal, path::PathBuf, process::ExitCode, time::Instant};

use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use servq_core::{
    AgentId, AgentStateInterval, AgentStateRecord, Contact, ContactRecord, FieldError, Label,
};
use servq_import::{
    AGENT_COLUMNS, AGENT_REQUIRED, CONTACT_COLUMNS, CONTACT_REQUIRED, ColumnIndex, ColumnMap,
    OpenOptions, STATE_COLUMNS, STATE_REQUIRED, TableReader, TextEncoding,
};
use servq_store::{AgentRecord, ContactImport, DuplicateKey, ImportSummary, StateImport, Store};

use crate::config::Config;

/// What a file holds.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum ImportKind {
    /// Contacts (calls, chats, emails, …), keyed by contact_id.
    Contacts,
    /// Agent-state intervals, keyed by (agent_id, start_at).
    AgentStates,
    /// The agent roster (agent_id, name, team), keyed by agent_id.
    Agents,
}

#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// What the file holds.
    #[arg(value_enum)]
    kind: ImportKind,
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
}

/// Collects row errors: prints the first `limit`, counts all.
struct ErrorReport {
    limit: usize,
    printed: usize,
    errors: u64,
    bad_rows: u64,
}

impl ErrorReport {
    fn new(limit: usize) -> Self {
        Self {
            limit,
            printed: 0,
            errors: 0,
            bad_rows: 0,
        }
    }

    fn line(&mut self, message: String) {
        self.errors += 1;
        if self.printed < self.limit {
            self.printed += 1;
            eprintln!("{message}");
        }
    }

    fn row(
        &mut self,
        path: &str,
        line: u64,
        columns: &ColumnIndex,
        names: &[&str],
        errors: &[FieldError],
    ) {
        self.bad_rows += 1;
        for error in errors {
            self.line(format!(
                "{path}:{line}: {}: {}",
                columns.display_name(names, error.column),
                error.reason
            ));
        }
    }

    fn duplicates(&mut self, path: &str, column: &str, duplicates: &[DuplicateKey], total: u64) {
        for duplicate in duplicates {
            self.line(format!(
                "{path}:{}: {column}: '{}' appears again (first on line {})",
                duplicate.line, duplicate.key, duplicate.first_line
            ));
        }
        self.errors += total - duplicates.len() as u64;
        self.bad_rows += total;
    }

    fn fail(&self, path: &str) -> ExitCode {
        if self.errors > self.printed as u64 {
            eprintln!(
                "… and {} more errors not shown (--max-errors)",
                self.errors - self.printed as u64
            );
        }
        eprintln!(
            "{path}: nothing imported: {} bad row(s), {} error(s); fix them and import the file again",
            self.bad_rows, self.errors
        );
        ExitCode::from(1)
    }
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

/// A staged import of one kind of row.
trait Staging {
    type Item;
    const KEY_COLUMN: &'static str;
    async fn push(&mut self, line: u64, item: Self::Item) -> servq_store::Result<()>;
    async fn duplicates(&mut self, limit: usize) -> servq_store::Result<(Vec<DuplicateKey>, u64)>;
    async fn commit(self, source: &str) -> servq_store::Result<ImportSummary>;
}

impl Staging for ContactImport {
    type Item = Contact;
    const KEY_COLUMN: &'static str = "contact_id";
    async fn push(&mut self, line: u64, item: Contact) -> servq_store::Result<()> {
        ContactImport::push(self, line, item).await
    }
    async fn duplicates(&mut self, limit: usize) -> servq_store::Result<(Vec<DuplicateKey>, u64)> {
        ContactImport::duplicates(self, limit).await
    }
    async fn commit(self, source: &str) -> servq_store::Result<ImportSummary> {
        ContactImport::commit(self, source).await
    }
}

impl Staging for StateImport {
    type Item = AgentStateInterval;
    const KEY_COLUMN: &'static str = "start_at";
    async fn push(&mut self, line: u64, item: AgentStateInterval) -> servq_store::Result<()> {
        StateImport::push(self, line, item).await
    }
    async fn duplicates(&mut self, limit: usize) -> servq_store::Result<(Vec<DuplicateKey>, u64)> {
        StateImport::duplicates(self, limit).await
    }
    async fn commit(self, source: &str) -> servq_store::Result<ImportSummary> {
        StateImport::commit(self, source).await
    }
}

fn contact_record<'r>(columns: &ColumnIndex, row: &'r [String]) -> ContactRecord<'r> {
    let get = |index| columns.get(row, index);
    ContactRecord {
        contact_id: get(0),
        channel: get(1),
        direction: get(2),
        queue: get(3),
        customer_id: get(4),
        agent_id: get(5),
        offered_at: get(6),
        answered_at: get(7),
        ended_at: get(8),
        talk_seconds: get(9),
        hold_seconds: get(10),
        wrap_seconds: get(11),
        transferred: get(12),
        category: get(13),
        resolved: get(14),
    }
}

fn state_record<'r>(columns: &ColumnIndex, row: &'r [String]) -> AgentStateRecord<'r> {
    AgentStateRecord {
        agent_id: columns.get(row, 0),
        state: columns.get(row, 1),
        start_at: columns.get(row, 2),
        end_at: columns.get(row, 3),
    }
}

/// Reads every row, staging good ones while the file is still clean; returns the summary, or
/// `None` after reporting errors (the staging transaction is then dropped, writing nothing).
async fn stage_and_commit<S: Staging>(
    mut reader: TableReader,
    names: &[&str],
    mut pending: S,
    parse: impl Fn(&ColumnIndex, &[String]) -> Result<S::Item, Vec<FieldError>>,
    max_errors: usize,
) -> Result<Option<ImportSummary>> {
    let path = reader.path().to_owned();
    let bar = progress_bar(&format!("reading {path}"));
    let mut report = ErrorReport::new(max_errors);
    let mut row = Vec::new();
    let mut rows: u64 = 0;
    while let Some(line) = reader.next_row(&mut row)? {
        rows += 1;
        if let Some(reason) = reader.shape_error(&row) {
            report.row(
                &path,
                line,
                &reader.columns,
                names,
                &[FieldError::rule("row", reason)],
            );
            continue;
        }
        match parse(&reader.columns, &row) {
            // Good rows are staged even in a bad file (the transaction is dropped in the end) so
            // that repeated keys are found in the same pass as the other errors.
            Ok(item) => pending.push(line, item).await?,
            Err(errors) => report.row(&path, line, &reader.columns, names, &errors),
        }
        if rows.is_multiple_of(16_384) {
            tracing::info!(rows, "staged");
            let (done, total) = reader.progress();
            bar.set_length(total);
            bar.set_position(done);
        }
    }
    let (duplicates, total) = pending.duplicates(max_errors).await?;
    report.duplicates(
        &path,
        &reader.columns.display_name(names, S::KEY_COLUMN),
        &duplicates,
        total,
    );
    if report.errors > 0 {
        bar.finish_and_clear();
        report.fail(&path);
        return Ok(None);
    }
    // Merging has no countable steps: show that it is alive and for how long.
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg} {elapsed_precise}").expect("static template"),
    );
    bar.set_message(format!("merging {path} and updating KPI rollups"));
    bar.enable_steady_tick(std::time::Duration::from_millis(200));
    let summary = pending
        .commit(&path)
        .await
        .context("committing the import")?;
    bar.finish_and_clear();
    Ok(Some(summary))
}

pub async fn run(config: &Config, args: ImportArgs) -> Result<ExitCode> {
    let (columns, required) = match args.kind {
        ImportKind::Contacts => (CONTACT_COLUMNS, CONTACT_REQUIRED),
        ImportKind::AgentStates => (STATE_COLUMNS, STATE_REQUIRED),
        ImportKind::Agents => (AGENT_COLUMNS, AGENT_REQUIRED),
    };
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
        required,
        map,
        encoding,
        sheet: args.sheet.clone(),
    };
    let reader = TableReader::open(&args.file, &options)?;
    let path = reader.path().to_owned();
    let store = config.open_store().await?;
    let started = Instant::now();
    let zone = config.zone.clone();
    let summary = match args.kind {
        ImportKind::Contacts => {
            let pending = store.begin_contact_import().await?;
            stage_and_commit(
                reader,
                columns,
                pending,
                |index, row| Contact::parse(&contact_record(index, row), &zone),
                args.max_errors,
            )
            .await?
        }
        ImportKind::AgentStates => {
            let pending = store.begin_state_import().await?;
            stage_and_commit(
                reader,
                columns,
                pending,
                |index, row| AgentStateInterval::parse(&state_record(index, row), &zone),
                args.max_errors,
            )
            .await?
        }
        ImportKind::Agents => import_agents(&store, reader, args.max_errors).await?,
    };
    let Some(summary) = summary else {
        store.close().await;
        return Ok(ExitCode::from(1));
    };
    eprintln!(
        "{path}: imported {} row(s): {} new, {} updated, {} unchanged ({:.1} s)",
        summary.rows,
        summary.inserted,
        summary.updated,
        summary.unchanged,
        started.elapsed().as_secs_f64()
    );
    store.close().await;
    Ok(ExitCode::SUCCESS)
}

async fn import_agents(
    store: &Store,
    mut reader: TableReader,
    max_errors: usize,
) -> Result<Option<ImportSummary>> {
    let path = reader.path().to_owned();
    let mut report = ErrorReport::new(max_errors);
    let mut agents = Vec::new();
    let mut row = Vec::new();
    while let Some(line) = reader.next_row(&mut row)? {
        if let Some(reason) = reader.shape_error(&row) {
            report.row(
                &path,
                line,
                &reader.columns,
                AGENT_COLUMNS,
                &[FieldError::rule("row", reason)],
            );
            continue;
        }
        let mut errors = Vec::new();
        let agent_id = AgentId::parse(reader.columns.get(&row, 0))
            .map_err(|error| errors.push(FieldError::new("agent_id", error)))
            .ok();
        let name = reader.columns.get(&row, 1).trim().to_owned();
        let team_text = reader.columns.get(&row, 2);
        let team = if team_text.trim().is_empty() {
            String::new()
        } else {
            Label::parse(team_text)
                .map(Label::into_string)
                .map_err(|error| errors.push(FieldError::new("team", error)))
                .unwrap_or_default()
        };
        match agent_id {
            Some(agent_id) if errors.is_empty() => agents.push(AgentRecord {
                agent_id: agent_id.into_string(),
                name,
                team,
            }),
            _ => report.row(&path, line, &reader.columns, AGENT_COLUMNS, &errors),
        }
    }
    if report.errors > 0 {
        report.fail(&path);
        return Ok(None);
    }
    Ok(Some(store.upsert_agents(&agents).await?))
}
