//! The import pipeline shared by `servq import` and the web app's import page: read a table row
//! by row, parse every row into a domain type, stage the good ones in one store transaction and
//! commit only when the whole file is clean. Every bad row is reported with its line, column and
//! reason (the first `max_errors` kept, all counted); a rejected file writes nothing.

use jiff::tz::TimeZone;
use servq_core::{
    AgentId, AgentStateInterval, AgentStateRecord, CUSTOMER_COLUMNS, CUSTOMER_REQUIRED, Contact,
    ContactRecord, CustomerRecord, FieldError, Label, RATING_COLUMNS, RATING_REQUIRED,
    RatingRecord, SURVEY_COLUMNS, SURVEY_REQUIRED, SurveyRecord,
};
use servq_store::{
    AgentRecord, ContactImport, DuplicateKey, ImportRowError, ImportSummary, StateImport, Store,
    StoreError,
};

use crate::{
    AGENT_COLUMNS, AGENT_REQUIRED, CONTACT_COLUMNS, CONTACT_REQUIRED, ColumnIndex, ReadError,
    STATE_COLUMNS, STATE_REQUIRED, TableReader,
};

/// What a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ImportKind {
    /// Contacts (calls, chats, emails, …), keyed by contact_id.
    Contacts,
    /// Agent-state intervals, keyed by (agent_id, start_at).
    AgentStates,
    /// The agent roster (agent_id, name, team, queues), keyed by agent_id.
    Agents,
    /// Survey results from another system, keyed by response_id; each must name a stored
    /// contact.
    SurveyResults,
    /// 360° ratings of agents, keyed by rating_id; each must name a roster agent and a rater
    /// who may give it.
    Ratings,
    /// Customer profiles, keyed by customer_id; other columns kept as the centre's attributes.
    Customers,
}

impl ImportKind {
    /// Every kind, in the order the import page offers them.
    pub const ALL: [ImportKind; 6] = [
        ImportKind::Contacts,
        ImportKind::AgentStates,
        ImportKind::Agents,
        ImportKind::SurveyResults,
        ImportKind::Ratings,
        ImportKind::Customers,
    ];

    /// The name in the API and the import log.
    pub fn name(self) -> &'static str {
        match self {
            ImportKind::Contacts => "contacts",
            ImportKind::AgentStates => "agent_states",
            ImportKind::Agents => "agents",
            ImportKind::SurveyResults => "survey_results",
            ImportKind::Ratings => "ratings",
            ImportKind::Customers => "customers",
        }
    }

    /// `contacts`, `agent_states` (or the CLI's `agent-states`), `agents`, `survey_results`.
    pub fn parse(name: &str) -> Option<ImportKind> {
        let name = name.trim().replace('-', "_");
        ImportKind::ALL.into_iter().find(|kind| kind.name() == name)
    }

    /// The canonical columns of the kind.
    pub fn columns(self) -> &'static [&'static str] {
        match self {
            ImportKind::Contacts => CONTACT_COLUMNS,
            ImportKind::AgentStates => STATE_COLUMNS,
            ImportKind::Agents => AGENT_COLUMNS,
            ImportKind::SurveyResults => SURVEY_COLUMNS,
            ImportKind::Ratings => RATING_COLUMNS,
            ImportKind::Customers => CUSTOMER_COLUMNS,
        }
    }

    /// The columns a file of the kind must have.
    pub fn required(self) -> &'static [&'static str] {
        match self {
            ImportKind::Contacts => CONTACT_REQUIRED,
            ImportKind::AgentStates => STATE_REQUIRED,
            ImportKind::Agents => AGENT_REQUIRED,
            ImportKind::SurveyResults => SURVEY_REQUIRED,
            ImportKind::Ratings => RATING_REQUIRED,
            ImportKind::Customers => CUSTOMER_REQUIRED,
        }
    }
}

/// The stage an import is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Reading and staging rows; `done`/`total` count bytes (CSV) or rows (spreadsheets).
    Reading,
    /// The file is clean; merging it and updating the rollups (no countable steps).
    Merging,
}

/// Progress reported while importing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// The stage.
    pub phase: Phase,
    /// Bytes or rows read.
    pub done: u64,
    /// Bytes or rows in all.
    pub total: u64,
    /// Rows read so far.
    pub rows: u64,
}

/// Why a file was refused.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Rejection {
    /// The first errors, in file order (duplicate keys after the other errors).
    pub errors: Vec<ImportRowError>,
    /// Every error, counted.
    pub error_count: u64,
    /// Rows with at least one error.
    pub bad_rows: u64,
}

/// How an import ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The file was committed.
    Imported(ImportSummary),
    /// The file had bad rows; nothing was written.
    Rejected(Rejection),
}

/// A failure that is not about the rows: the file or the database.
#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    /// The file could not be read.
    #[error(transparent)]
    Read(#[from] ReadError),
    /// The database failed.
    #[error("database: {0}")]
    Store(#[from] StoreError),
    /// The stored automated-QA rule set cannot be used.
    #[error("automated-QA rules: {0}")]
    Rules(String),
}

/// How often (in rows) progress is reported.
const PROGRESS_EVERY_ROWS: u64 = 4096;

impl Progress {
    /// Where `reader` is after `rows` rows, once every few thousand rows; `None` in between.
    pub fn every_few_rows(reader: &TableReader, rows: u64) -> Option<Progress> {
        rows.is_multiple_of(PROGRESS_EVERY_ROWS).then(|| {
            let (done, total) = reader.progress();
            Progress {
                phase: Phase::Reading,
                done,
                total,
                rows,
            }
        })
    }

    /// The whole file read (`rows` rows): the write begins.
    pub fn merging(reader: &TableReader, rows: u64) -> Progress {
        let (_, total) = reader.progress();
        Progress {
            phase: Phase::Merging,
            done: total,
            total,
            rows,
        }
    }
}

impl Rejection {
    /// Counts one problem, keeping it if fewer than `limit` are kept.
    pub fn push_error(&mut self, line: u64, column: String, reason: String, limit: usize) {
        self.error_count += 1;
        if self.errors.len() < limit {
            self.errors.push(ImportRowError {
                line,
                column,
                reason,
            });
        }
    }

    /// Counts a bad row with its problems as (column, reason).
    pub fn add_row(
        &mut self,
        line: u64,
        problems: impl IntoIterator<Item = (String, String)>,
        limit: usize,
    ) {
        self.bad_rows += 1;
        for (column, reason) in problems {
            self.push_error(line, column, reason, limit);
        }
    }
}

/// Collects row errors: keeps the first `limit`, counts all.
struct Errors {
    limit: usize,
    rejection: Rejection,
}

impl Errors {
    fn push(&mut self, line: u64, column: String, reason: String) {
        self.rejection.push_error(line, column, reason, self.limit);
    }

    fn row(&mut self, line: u64, columns: &ColumnIndex, names: &[&str], errors: &[FieldError]) {
        let problems = errors.iter().map(|error| {
            (
                columns.display_name(names, error.column),
                error.reason.clone(),
            )
        });
        self.rejection.add_row(line, problems, self.limit);
    }

    fn duplicates(&mut self, column: &str, duplicates: &[DuplicateKey], total: u64) {
        for duplicate in duplicates {
            self.push(
                duplicate.line,
                column.to_owned(),
                format!(
                    "'{}' appears again (first on line {})",
                    duplicate.key, duplicate.first_line
                ),
            );
        }
        self.rejection.error_count += total - duplicates.len() as u64;
        self.rejection.bad_rows += total;
    }
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

/// A row of a contacts table as the contact parser reads it (columns in [`crate::CONTACT_COLUMNS`]
/// order).
pub fn contact_record<'r>(columns: &ColumnIndex, row: &'r [String]) -> ContactRecord<'r> {
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
        recording_url: get(15),
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

/// Imports the table `reader` holds as `kind`. Timestamps without an offset are read in `zone`.
/// `progress` is called every few thousand rows and once before the merge.
pub async fn import_table(
    store: &Store,
    reader: TableReader,
    kind: ImportKind,
    zone: &TimeZone,
    max_errors: usize,
    progress: impl FnMut(Progress),
) -> Result<Outcome, PipelineError> {
    let errors = Errors {
        limit: max_errors,
        rejection: Rejection::default(),
    };
    match kind {
        ImportKind::Contacts => {
            let pending = store.begin_contact_import().await?;
            let zone = zone.clone();
            stage_and_commit(
                reader,
                kind,
                pending,
                errors,
                progress,
                move |index, row| Contact::parse(&contact_record(index, row), &zone),
            )
            .await
        }
        ImportKind::AgentStates => {
            let pending = store.begin_state_import().await?;
            let zone = zone.clone();
            stage_and_commit(
                reader,
                kind,
                pending,
                errors,
                progress,
                move |index, row| AgentStateInterval::parse(&state_record(index, row), &zone),
            )
            .await
        }
        ImportKind::Agents => import_agents(store, reader, errors, progress).await,
        ImportKind::SurveyResults => {
            // checked against the stored contacts: unknown contacts, another agent
            import_checked(
                reader,
                SURVEY_COLUMNS,
                errors,
                progress,
                |field, _| SurveyRecord::parse(field, zone),
                async |rows, path, now, commit| {
                    store.import_survey_responses(rows, path, now, commit).await
                },
            )
            .await
        }
        // checked against the roster and the users: who may rate whom
        ImportKind::Ratings => {
            import_checked(
                reader,
                RATING_COLUMNS,
                errors,
                progress,
                |field, _| RatingRecord::parse(field),
                async |rows, path, now, commit| store.import_ratings(rows, path, now, commit).await,
            )
            .await
        }
        // a repeated customer_id; the file's other columns are the centre's attributes
        ImportKind::Customers => {
            import_checked(
                reader,
                CUSTOMER_COLUMNS,
                errors,
                progress,
                |field, others| CustomerRecord::parse(field, others),
                async |rows, path, now, commit| {
                    store.import_customers(rows, path, now, commit).await
                },
            )
            .await
        }
    }
}

/// Rows handed from the reading thread to the stager at a time.
const READ_BATCH_ROWS: usize = 2048;

/// Rows read and parsed (or refused, with their field errors), and how far the file is read.
struct ReadBatch<T> {
    rows: Vec<(u64, Result<T, Vec<FieldError>>)>,
    progress: Option<Progress>,
}

/// Reads every row, staging good ones even in a bad file (so repeated keys are found in the same
/// pass as the other errors); a bad file's staging transaction is dropped, writing nothing. The
/// file is read and parsed on a thread of its own, a few batches ahead of the stager, so that
/// parsing and the database's inserts overlap; rows keep their order and line numbers.
async fn stage_and_commit<S: Staging>(
    reader: TableReader,
    kind: ImportKind,
    mut pending: S,
    mut errors: Errors,
    mut progress: impl FnMut(Progress),
    parse: impl Fn(&ColumnIndex, &[String]) -> Result<S::Item, Vec<FieldError>> + Send + 'static,
) -> Result<Outcome, PipelineError>
where
    S::Item: Send + 'static,
{
    let names = kind.columns();
    let columns = reader.columns.clone();
    let (sender, mut batches) = tokio::sync::mpsc::channel(4);
    let reading = tokio::task::spawn_blocking(move || read_rows(reader, parse, sender));
    while let Some(batch) = batches.recv().await {
        let ReadBatch {
            rows,
            progress: now,
        } = batch;
        for (line, parsed) in rows {
            match parsed {
                Ok(item) => pending.push(line, item).await?,
                Err(field_errors) => errors.row(line, &columns, names, &field_errors),
            }
        }
        if let Some(now) = now {
            progress(now);
        }
    }
    let (reader, rows) = match reading.await {
        Ok(read) => read?,
        Err(failed) => std::panic::resume_unwind(failed.into_panic()),
    };
    let (duplicates, total) = pending.duplicates(errors.limit).await?;
    errors.duplicates(
        &reader.columns.display_name(names, S::KEY_COLUMN),
        &duplicates,
        total,
    );
    if errors.rejection.error_count > 0 {
        return Ok(Outcome::Rejected(errors.rejection));
    }
    progress(Progress::merging(&reader, rows));
    Ok(Outcome::Imported(pending.commit(reader.path()).await?))
}

/// The reading thread of [`stage_and_commit`]: gives the reader back with the rows it read. Stops
/// early when the stager has stopped (its end of the channel is gone).
fn read_rows<T>(
    mut reader: TableReader,
    parse: impl Fn(&ColumnIndex, &[String]) -> Result<T, Vec<FieldError>>,
    sender: tokio::sync::mpsc::Sender<ReadBatch<T>>,
) -> Result<(TableReader, u64), ReadError> {
    let mut row = Vec::new();
    let mut rows: u64 = 0;
    let mut batch = ReadBatch {
        rows: Vec::with_capacity(READ_BATCH_ROWS),
        progress: None,
    };
    while let Some(line) = reader.next_row(&mut row)? {
        rows += 1;
        let parsed = match reader.shape_error(&row) {
            Some(reason) => Err(vec![FieldError::rule("row", reason)]),
            None => parse(&reader.columns, &row),
        };
        batch.rows.push((line, parsed));
        if let Some(now) = Progress::every_few_rows(&reader, rows) {
            batch.progress = Some(now);
        }
        if batch.rows.len() >= READ_BATCH_ROWS {
            let full = std::mem::replace(
                &mut batch,
                ReadBatch {
                    rows: Vec::with_capacity(READ_BATCH_ROWS),
                    progress: None,
                },
            );
            if sender.blocking_send(full).is_err() {
                return Ok((reader, rows));
            }
        }
    }
    // the stager may have stopped; then nobody needs the last rows
    let _ = sender.blocking_send(batch);
    Ok((reader, rows))
}

async fn import_agents(
    store: &Store,
    mut reader: TableReader,
    mut errors: Errors,
    mut progress: impl FnMut(Progress),
) -> Result<Outcome, PipelineError> {
    let names = AGENT_COLUMNS;
    let mut agents = Vec::new();
    let mut row = Vec::new();
    while let Some(line) = reader.next_row(&mut row)? {
        if let Some(reason) = reader.shape_error(&row) {
            errors.row(
                line,
                &reader.columns,
                names,
                &[FieldError::rule("row", reason)],
            );
            continue;
        }
        let mut field_errors = Vec::new();
        let agent_id = AgentId::parse(reader.columns.get(&row, 0))
            .map_err(|error| field_errors.push(FieldError::new("agent_id", error)))
            .ok();
        let name = reader.columns.get(&row, 1).trim().to_owned();
        let team_text = reader.columns.get(&row, 2);
        let team = if team_text.trim().is_empty() {
            String::new()
        } else {
            Label::parse(team_text)
                .map(Label::into_string)
                .map_err(|error| field_errors.push(FieldError::new("team", error)))
                .unwrap_or_default()
        };
        // without the column, the stored queues stay as they are
        let queues = if reader.columns.has(3) {
            servq_core::parse_queue_list(reader.columns.get(&row, 3))
                .map(|queues| Some(queues.into_iter().map(Label::into_string).collect()))
                .map_err(|error| field_errors.push(FieldError::new("queues", error)))
                .unwrap_or_default()
        } else {
            None
        };
        match agent_id {
            Some(agent_id) if field_errors.is_empty() => agents.push(AgentRecord {
                agent_id: agent_id.into_string(),
                name,
                team,
                queues,
            }),
            _ => errors.row(line, &reader.columns, names, &field_errors),
        }
    }
    if errors.rejection.error_count > 0 {
        return Ok(Outcome::Rejected(errors.rejection));
    }
    progress(Progress::merging(&reader, agents.len() as u64));
    Ok(Outcome::Imported(store.upsert_agents(&agents).await?))
}

/// Reads every row of a file whose rows the store checks as a whole (survey results, ratings,
/// customers): each row parsed by `parse` with a lookup of its values by canonical column name
/// and the file's other columns as (header, value), bad rows recorded in `errors`; the parsed
/// records with their lines, and the number of rows.
fn parse_rows<R>(
    reader: &mut TableReader,
    names: &'static [&'static str],
    errors: &mut Errors,
    progress: &mut impl FnMut(Progress),
    parse: impl for<'r> Fn(
        &dyn Fn(&str) -> Option<&'r str>,
        &[(&'r str, &'r str)],
    ) -> Result<R, Vec<FieldError>>,
) -> Result<(Vec<(u64, R)>, u64), PipelineError> {
    let mut records = Vec::new();
    let mut row = Vec::new();
    let mut rows: u64 = 0;
    while let Some(line) = reader.next_row(&mut row)? {
        rows += 1;
        if let Some(now) = Progress::every_few_rows(reader, rows) {
            progress(now);
        }
        if let Some(reason) = reader.shape_error(&row) {
            errors.row(
                line,
                &reader.columns,
                names,
                &[FieldError::rule("row", reason)],
            );
            continue;
        }
        let columns = &reader.columns;
        let lookup = |name: &str| {
            names
                .iter()
                .position(|column| *column == name)
                .map(|index| columns.get(&row, index))
        };
        match parse(&lookup, &columns.others(&row)) {
            Ok(record) => records.push((line, record)),
            Err(field_errors) => errors.row(line, columns, names, &field_errors),
        }
    }
    Ok((records, rows))
}

/// The outcome of a file the store checked: its summary when the file was clean and the store
/// found nothing, else every error (the store's after the parser's, by line).
fn checked_outcome(
    reader: &TableReader,
    names: &'static [&'static str],
    mut errors: Errors,
    clean: bool,
    checked: Result<ImportSummary, Vec<ImportRowError>>,
) -> Outcome {
    match checked {
        Ok(summary) if clean => Outcome::Imported(summary),
        Ok(_) => Outcome::Rejected(errors.rejection),
        Err(row_errors) => {
            for error in row_errors {
                errors.rejection.bad_rows += 1;
                let column = reader.columns.display_name(names, &error.column);
                errors.push(error.line, column, error.reason);
            }
            errors.rejection.errors.sort_by_key(|error| error.line);
            Outcome::Rejected(errors.rejection)
        }
    }
}

/// A file whose rows the store checks as a whole: every row parsed (file order, bad ones
/// recorded), then `check` — the store's — sees the parsed rows even in a bad file, so that one
/// pass reports every error, and writes them in one transaction only when the file is clean.
async fn import_checked<R>(
    mut reader: TableReader,
    names: &'static [&'static str],
    mut errors: Errors,
    mut progress: impl FnMut(Progress),
    parse: impl for<'r> Fn(
        &dyn Fn(&str) -> Option<&'r str>,
        &[(&'r str, &'r str)],
    ) -> Result<R, Vec<FieldError>>,
    check: impl AsyncFnOnce(
        &[(u64, R)],
        &str,
        i64,
        bool,
    ) -> Result<Result<ImportSummary, Vec<ImportRowError>>, StoreError>,
) -> Result<Outcome, PipelineError> {
    let (records, rows) = parse_rows(&mut reader, names, &mut errors, &mut progress, parse)?;
    let clean = errors.rejection.error_count == 0;
    if clean {
        progress(Progress::merging(&reader, rows));
    }
    let now_ms = jiff::Timestamp::now().as_millisecond();
    let checked = check(&records, reader.path(), now_ms, clean).await?;
    Ok(checked_outcome(&reader, names, errors, clean, checked))
}
