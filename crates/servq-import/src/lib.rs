//! File readers for servq imports. A file (CSV in UTF-8 with or without BOM, or GBK/GB18030; or
//! an XLSX sheet) is read row by row as text, its header is matched to the canonical columns of an
//! import kind (with an optional column mapping for other systems' exports), and each row is
//! handed out with its line number so that errors can say `file:line: column: reason`.
//!
//! CSV is streamed: memory does not grow with the file. XLSX sheets are read whole by calamine;
//! they hold at most 1 048 576 rows.

use std::{
    collections::HashMap,
    fs::File,
    io::{BufReader, Read},
    path::Path,
};

use calamine::{Data, Reader as _};
use encoding_rs_io::DecodeReaderBytesBuilder;

mod pipeline;
mod transcripts;

pub use pipeline::{
    ImportKind, Outcome, Phase, PipelineError, Progress, Rejection, contact_record, import_table,
};
pub use transcripts::{centre_rules, import_transcripts};

/// Canonical columns of a contacts file, in documented order.
pub const CONTACT_COLUMNS: &[&str] = &[
    "contact_id",
    "channel",
    "direction",
    "queue",
    "customer_id",
    "agent_id",
    "offered_at",
    "answered_at",
    "ended_at",
    "talk_seconds",
    "hold_seconds",
    "wrap_seconds",
    "transferred",
    "category",
    "resolved",
    "recording_url",
];
/// Columns a contacts file must have (the others default to empty).
pub const CONTACT_REQUIRED: &[&str] = &[
    "contact_id",
    "channel",
    "offered_at",
    "answered_at",
    "ended_at",
];
/// Canonical columns of an agent-states file.
pub const STATE_COLUMNS: &[&str] = &["agent_id", "state", "start_at", "end_at"];
/// Columns an agent-states file must have.
pub const STATE_REQUIRED: &[&str] = STATE_COLUMNS;
/// Canonical columns of an agents (roster) file.
/// `queues` lists the agent's queues separated by `;`.
pub const AGENT_COLUMNS: &[&str] = &["agent_id", "name", "team", "queues"];
/// Columns an agents file must have.
pub const AGENT_REQUIRED: &[&str] = &["agent_id"];

/// Text encodings of CSV files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TextEncoding {
    /// UTF-8; a byte-order mark is skipped.
    #[default]
    Utf8,
    /// GBK / GB18030 (Chinese Excel's "CSV" default); GB18030 is a superset of GBK.
    Gb18030,
    /// Decided from the file: UTF-8 when its first 64 KiB are UTF-8 (or it starts with a
    /// UTF-8 byte-order mark), GB18030 otherwise.
    Auto,
}

/// How much of a file [`TextEncoding::Auto`] looks at.
const SNIFF_BYTES: usize = 64 * 1024;

impl TextEncoding {
    /// Parses `utf-8`, `utf8`, `gbk`, `gb2312`, `gb18030`, `auto` (case-insensitive).
    pub fn parse(text: &str) -> Option<TextEncoding> {
        match text.trim().to_ascii_lowercase().as_str() {
            "utf-8" | "utf8" => Some(TextEncoding::Utf8),
            "gbk" | "gb2312" | "gb18030" | "cp936" => Some(TextEncoding::Gb18030),
            "auto" => Some(TextEncoding::Auto),
            _ => None,
        }
    }

    /// The encoding of a file that starts with `sample`: UTF-8 when the sample is UTF-8 (a
    /// character cut by the sample's end counts), GB18030 otherwise; a known encoding as is.
    pub fn decide(self, sample: &[u8]) -> TextEncoding {
        match self {
            TextEncoding::Auto => match std::str::from_utf8(sample) {
                Ok(_) => TextEncoding::Utf8,
                // an incomplete character at the very end of the sample is not an error
                Err(error) if error.error_len().is_none() => TextEncoding::Utf8,
                Err(_) => TextEncoding::Gb18030,
            },
            known => known,
        }
    }
}

/// Why a file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The file could not be opened or read.
    #[error("{path}")]
    Io {
        /// The file.
        path: String,
        /// The IO error.
        source: std::io::Error,
    },
    /// The CSV structure is broken at a line (unbalanced quotes, bad UTF-8, …).
    #[error("{path}:{line}: {reason}")]
    Csv {
        /// The file.
        path: String,
        /// Line where the problem was found.
        line: u64,
        /// What is wrong.
        reason: String,
    },
    /// The spreadsheet could not be read.
    #[error("{path}: {reason}")]
    Spreadsheet {
        /// The file.
        path: String,
        /// What is wrong.
        reason: String,
    },
    /// The header lacks required columns.
    #[error(
        "{path}:1: missing column(s) {missing}; the header has: {found} (map other names with --map servq_name=their_name)"
    )]
    MissingColumns {
        /// The file.
        path: String,
        /// Missing canonical names.
        missing: String,
        /// Header as found.
        found: String,
    },
    /// A mapping option is malformed or names an unknown column.
    #[error("column mapping: {0}")]
    BadMapping(String),
}

/// A column mapping from canonical servq names to the source file's header names.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ColumnMap(HashMap<String, String>);

impl ColumnMap {
    /// Parses `servq_name=their_name,...` (commas or new lines between pairs; `#` starts a
    /// comment line in mapping files). Canonical names are checked against `columns`.
    pub fn parse(text: &str, columns: &[&str]) -> Result<ColumnMap, ReadError> {
        let mut map = HashMap::new();
        for pair in text
            .split([',', '\n'])
            .map(str::trim)
            .filter(|p| !p.is_empty() && !p.starts_with('#'))
        {
            let (ours, theirs) = pair.split_once('=').ok_or_else(|| {
                ReadError::BadMapping(format!("'{pair}' is not servq_name=their_name"))
            })?;
            let ours = ours.trim().to_ascii_lowercase();
            if !columns.contains(&ours.as_str()) {
                return Err(ReadError::BadMapping(format!(
                    "'{ours}' is not a servq column; expected one of {}",
                    columns.join(", ")
                )));
            }
            map.insert(ours, theirs.trim().to_owned());
        }
        Ok(ColumnMap(map))
    }

    /// Adds the pairs of `other`, which win over existing ones.
    pub fn extend(&mut self, other: ColumnMap) {
        self.0.extend(other.0);
    }
}

/// Where each canonical column sits in the source rows.
#[derive(Debug, Clone)]
pub struct ColumnIndex {
    positions: Vec<Option<usize>>,
    display: Vec<String>,
    /// The file's other columns: (position, header as written).
    others: Vec<(usize, String)>,
}

impl ColumnIndex {
    fn new(
        path: &str,
        header: &[String],
        columns: &[&str],
        required: &[&str],
        map: &ColumnMap,
    ) -> Result<ColumnIndex, ReadError> {
        let normalized: Vec<String> = header
            .iter()
            .map(|name| name.trim().trim_start_matches('\u{feff}').to_lowercase())
            .collect();
        let mut positions = Vec::with_capacity(columns.len());
        let mut display = Vec::with_capacity(columns.len());
        let mut missing = Vec::new();
        for &column in columns {
            let source = map
                .0
                .get(column)
                .map(|name| name.to_lowercase())
                .unwrap_or_else(|| column.to_owned());
            let position = normalized.iter().position(|name| *name == source);
            if position.is_none() && required.contains(&column) {
                missing.push(if source == column {
                    column.to_owned()
                } else {
                    format!("{column} (mapped to '{source}')")
                });
            }
            positions.push(position);
            display.push(match map.0.get(column) {
                Some(theirs) => format!("{column} ('{theirs}')"),
                None => column.to_owned(),
            });
        }
        if !missing.is_empty() {
            return Err(ReadError::MissingColumns {
                path: path.to_owned(),
                missing: missing.join(", "),
                found: header.join(", "),
            });
        }
        let others = header
            .iter()
            .enumerate()
            .filter(|(position, name)| {
                !positions.contains(&Some(*position))
                    && !name.trim().trim_start_matches('\u{feff}').is_empty()
            })
            .map(|(position, name)| {
                (
                    position,
                    name.trim().trim_start_matches('\u{feff}').to_owned(),
                )
            })
            .collect();
        Ok(ColumnIndex {
            positions,
            display,
            others,
        })
    }

    /// The file's columns that are none of the kind's, with their text in `row`: (header as
    /// written, value). A customer file keeps them as the centre's own attributes.
    pub fn others<'r>(&'r self, row: &'r [String]) -> Vec<(&'r str, &'r str)> {
        self.others
            .iter()
            .map(|(position, name)| (name.as_str(), row.get(*position).map_or("", String::as_str)))
            .collect()
    }

    /// Whether the file has canonical column number `column`.
    pub fn has(&self, column: usize) -> bool {
        self.positions[column].is_some()
    }

    /// The text of canonical column number `column` in `row` (empty when absent).
    pub fn get<'r>(&self, row: &'r [String], column: usize) -> &'r str {
        self.positions[column]
            .and_then(|position| row.get(position))
            .map_or("", String::as_str)
    }

    /// How to name canonical column `name` in messages: the servq name, plus the source name when
    /// it was mapped.
    pub fn display_name(&self, columns: &[&str], name: &str) -> String {
        columns
            .iter()
            .position(|column| *column == name)
            .map_or_else(|| name.to_owned(), |index| self.display[index].clone())
    }
}

enum Source {
    /// A CSV reader, its record buffer and the number of header fields.
    Csv(
        Box<csv::Reader<LineTracking>>,
        csv::StringRecord,
        usize,
        std::sync::Arc<std::sync::Mutex<LineStarts>>,
    ),
    Sheet(std::vec::IntoIter<(u64, Vec<String>)>),
}

/// The longest line a CSV file may have, in bytes: a longer one stops the import (memory stays
/// flat whatever the file holds).
pub const MAX_LINE_BYTES: u64 = 16 * 1024 * 1024;
/// The longest value a cell may hold, in bytes (a longer one is a row error).
pub const MAX_FIELD_BYTES: usize = 256 * 1024;

/// Where the lines of the text handed to the CSV reader start, so that a record's line is its
/// line in the file whatever the line endings: `\n`, `\r\n` (Excel) and a lone `\r` each end
/// one line, blank lines included (the csv crate's own count misses CRLF and blank lines). The
/// reader asks in byte order, so only the starts not yet passed are kept.
#[derive(Default)]
struct LineStarts {
    /// Starts of lines after the last position asked about.
    pending: std::collections::VecDeque<u64>,
    /// Line starts at or before the last position asked about.
    passed: u64,
    /// Bytes seen so far.
    seen: u64,
    /// Where a `\r` ended the last chunk (a line break unless a `\n` follows).
    open_cr: Option<u64>,
    /// Where the current line started.
    line_start: u64,
}

impl LineStarts {
    /// Notes the line starts in the next `chunk`; false when a line has grown past
    /// [`MAX_LINE_BYTES`].
    fn scan(&mut self, chunk: &[u8]) -> bool {
        let base = self.seen;
        if let Some(cr) = self.open_cr.take()
            && chunk.first() != Some(&b'\n')
        {
            self.pending.push_back(cr + 1);
            self.line_start = cr + 1;
        }
        for at in memchr::memchr2_iter(b'\n', b'\r', chunk) {
            let next = base + at as u64 + 1;
            if chunk[at] == b'\n' {
                self.pending.push_back(next);
                self.line_start = next;
            } else if at + 1 == chunk.len() {
                self.open_cr = Some(base + at as u64);
            } else if chunk[at + 1] != b'\n' {
                self.pending.push_back(next);
                self.line_start = next;
            }
        }
        self.seen += chunk.len() as u64;
        self.seen - self.line_start <= MAX_LINE_BYTES
    }

    /// The 1-based line of the byte at `offset` (asked in increasing order).
    fn line_at(&mut self, offset: u64) -> u64 {
        while self.pending.front().is_some_and(|start| *start <= offset) {
            self.pending.pop_front();
            self.passed += 1;
        }
        self.passed + 1
    }
}

/// A reader that notes line starts as the text goes by.
struct LineTracking {
    inner: Box<dyn Read + Send>,
    starts: std::sync::Arc<std::sync::Mutex<LineStarts>>,
}

impl Read for LineTracking {
    fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
        let read = self.inner.read(buffer)?;
        if let Ok(mut starts) = self.starts.lock()
            && !starts.scan(&buffer[..read])
        {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!(
                    "a line is longer than {} MiB: not a table servq reads (a binary file, or a \
                     missing line break?)",
                    MAX_LINE_BYTES / (1024 * 1024)
                ),
            ));
        }
        Ok(read)
    }
}

/// An open table: the header is matched, rows are read on demand.
pub struct TableReader {
    path: String,
    source: Source,
    /// Where each canonical column is.
    pub columns: ColumnIndex,
    total_units: u64,
    rows_read: u64,
}

/// How to open a table.
#[derive(Debug, Clone)]
pub struct OpenOptions<'a> {
    /// Canonical columns of the import kind.
    pub columns: &'a [&'a str],
    /// Columns that must be present.
    pub required: &'a [&'a str],
    /// Mapping from canonical to source names.
    pub map: ColumnMap,
    /// Text encoding of CSV files.
    pub encoding: TextEncoding,
    /// Sheet name of XLSX files (first sheet when `None`).
    pub sheet: Option<String>,
    /// How much a spreadsheet may hold.
    pub limits: SheetLimits,
}

fn is_spreadsheet(path: &Path) -> bool {
    matches!(
        path.extension()
            .and_then(|ext| ext.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref(),
        Some("xlsx" | "xlsm" | "xls" | "xlsb" | "ods")
    )
}

impl TableReader {
    /// Opens `path` as CSV, or as a spreadsheet when its extension says so, and matches the header.
    pub fn open(path: &Path, options: &OpenOptions<'_>) -> Result<TableReader, ReadError> {
        TableReader::open_named(path, &path.display().to_string(), options)
    }

    /// Opens `path` like [`TableReader::open`], naming it `name` in messages (an uploaded file is
    /// stored under a temporary path but reported under the name the user gave it).
    pub fn open_named(
        path: &Path,
        name: &str,
        options: &OpenOptions<'_>,
    ) -> Result<TableReader, ReadError> {
        let display = name.to_owned();
        let io_error = |source| ReadError::Io {
            path: display.clone(),
            source,
        };
        if is_spreadsheet(path) {
            // a parser bug on a hostile workbook must be a refusal, not a crashed import
            let rows = std::panic::catch_unwind(|| {
                read_sheet(path, &display, options.sheet.as_deref(), options.limits)
            })
            .unwrap_or_else(|_| {
                Err(ReadError::Spreadsheet {
                    path: display.clone(),
                    reason: "the workbook could not be read (damaged, or not a spreadsheet)"
                        .to_owned(),
                })
            })?;
            let mut rows = rows.into_iter();
            let header = rows.next().map(|(_, header)| header).unwrap_or_default();
            let columns = ColumnIndex::new(
                &display,
                &header,
                options.columns,
                options.required,
                &options.map,
            )?;
            let total_units = rows.len() as u64;
            return Ok(TableReader {
                path: display,
                source: Source::Sheet(rows.collect::<Vec<_>>().into_iter()),
                columns,
                total_units,
                rows_read: 0,
            });
        }
        let mut file = File::open(path).map_err(io_error)?;
        let total_units = file.metadata().map(|meta| meta.len()).unwrap_or(0);
        let encoding = if options.encoding == TextEncoding::Auto {
            let mut sample = Vec::with_capacity(SNIFF_BYTES);
            (&mut file)
                .take(SNIFF_BYTES as u64)
                .read_to_end(&mut sample)
                .map_err(io_error)?;
            std::io::Seek::rewind(&mut file).map_err(io_error)?;
            options.encoding.decide(&sample)
        } else {
            options.encoding
        };
        let encoding = match encoding {
            TextEncoding::Utf8 | TextEncoding::Auto => None,
            TextEncoding::Gb18030 => Some(encoding_rs::GB18030),
        };
        let decoded: Box<dyn Read + Send> = Box::new(
            DecodeReaderBytesBuilder::new()
                .encoding(encoding)
                .bom_sniffing(true)
                .strip_bom(true)
                .build(BufReader::with_capacity(1 << 20, file)),
        );
        let starts = std::sync::Arc::new(std::sync::Mutex::new(LineStarts::default()));
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .buffer_capacity(1 << 20)
            .from_reader(LineTracking {
                inner: decoded,
                starts: starts.clone(),
            });
        let header: Vec<String> = reader
            .headers()
            .map_err(|error| csv_error(&display, error, &starts))?
            .iter()
            .map(str::to_owned)
            .collect();
        let columns = ColumnIndex::new(
            &display,
            &header,
            options.columns,
            options.required,
            &options.map,
        )?;
        Ok(TableReader {
            path: display,
            source: Source::Csv(
                Box::new(reader),
                csv::StringRecord::new(),
                header.len(),
                starts,
            ),
            columns,
            total_units,
            rows_read: 0,
        })
    }

    /// The file name as given, for messages.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Progress as (done, total) in bytes for CSV (of the decoded text, close to the file size)
    /// or rows for spreadsheets.
    pub fn progress(&self) -> (u64, u64) {
        match &self.source {
            Source::Csv(reader, _, _, _) => (
                reader.position().byte().min(self.total_units),
                self.total_units,
            ),
            Source::Sheet(_) => (self.rows_read, self.total_units),
        }
    }

    /// Why `row` cannot be read column by column, if it cannot: a CSV row whose number of fields
    /// differs from the header's usually hides an unclosed quote or a stray separator, and its
    /// values would land in the wrong columns. (Spreadsheet rows may end early: empty cells.)
    pub fn shape_error(&self, row: &[String]) -> Option<String> {
        // a NUL is refused on every database (PostgreSQL cannot store it in text)
        if let Some(position) = row.iter().position(|cell| cell.contains('\0')) {
            return Some(format!(
                "value {} holds a NUL character (a binary file, or a damaged export?)",
                position + 1
            ));
        }
        if let Some(cell) = row.iter().find(|cell| cell.len() > MAX_FIELD_BYTES) {
            return Some(format!(
                "a value of {} bytes is longer than the {} KiB a cell may hold ('{}')",
                cell.len(),
                MAX_FIELD_BYTES / 1024,
                servq_core::shown(cell)
            ));
        }
        match &self.source {
            Source::Csv(_, _, fields, _) if row.len() != *fields => Some(format!(
                "has {} fields but the header has {fields} (an unclosed quote, or a comma inside an unquoted value?)",
                row.len()
            )),
            _ => None,
        }
    }

    /// Reads the next data row into `row`, returning its line number, or `None` at the end.
    /// Blank rows are skipped.
    pub fn next_row(&mut self, row: &mut Vec<String>) -> Result<Option<u64>, ReadError> {
        loop {
            let line = match &mut self.source {
                Source::Csv(reader, record, _, starts) => {
                    let more = reader
                        .read_record(record)
                        .map_err(|error| csv_error(&self.path, error, starts))?;
                    if !more {
                        return Ok(None);
                    }
                    // The record's last line is where its terminator is (the reader stands
                    // just past it); its first is that less the line breaks inside its values.
                    // (The record's own start position would count blank lines before it.)
                    let end = reader.position().byte();
                    let inside: u64 = record.iter().map(line_breaks).sum();
                    let line = line_of(starts, end.saturating_sub(1)).saturating_sub(inside);
                    row.clear();
                    row.extend(record.iter().map(str::to_owned));
                    line
                }
                Source::Sheet(rows) => {
                    let Some((line, cells)) = rows.next() else {
                        return Ok(None);
                    };
                    *row = cells;
                    line
                }
            };
            self.rows_read += 1;
            if row.iter().any(|cell| !cell.trim().is_empty()) {
                return Ok(Some(line));
            }
        }
    }
}

/// Line breaks in a value (`\n`, `\r\n` or a lone `\r`, each one).
fn line_breaks(value: &str) -> u64 {
    let bytes = value.as_bytes();
    memchr::memchr2_iter(b'\n', b'\r', bytes)
        .filter(|at| bytes[*at] == b'\n' || bytes.get(at + 1) != Some(&b'\n'))
        .count() as u64
}

/// The file line of the byte at `offset` of the decoded text.
fn line_of(starts: &std::sync::Mutex<LineStarts>, offset: u64) -> u64 {
    starts.lock().map_or(0, |mut starts| starts.line_at(offset))
}

fn csv_error(path: &str, error: csv::Error, starts: &std::sync::Mutex<LineStarts>) -> ReadError {
    let line = error
        .position()
        .map_or(0, |position| line_of(starts, position.byte()));
    let reason = match error.kind() {
        csv::ErrorKind::Utf8 { .. } => {
            "is not valid UTF-8 (for a file saved by Chinese Excel, try --encoding gbk)".to_owned()
        }
        _ => error.to_string(),
    };
    ReadError::Csv {
        path: path.to_owned(),
        line,
        reason,
    }
}

/// Reads a whole sheet as text cells with 1-based row numbers. Date cells become naive local
/// `YYYY-MM-DD HH:MM:SS.fff` text and duration cells become seconds, so the same parsers apply.
/// The most a workbook may unpack to, all its parts together, in bytes (`SERVQ_MAX_UNPACKED_MB`
/// sets it in MiB): a 4 MB file may declare gigabytes of XML (a decompression bomb).
pub const MAX_UNPACKED_BYTES: u64 = 1 << 30;
/// The most cells a sheet may hold (`SERVQ_MAX_SHEET_CELLS` sets it): 1 048 576 rows of 30
/// columns.
pub const MAX_SHEET_CELLS: u64 = 1_048_576 * 30;

/// How much a spreadsheet may hold before it is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SheetLimits {
    /// All parts of the workbook unpacked, bytes.
    pub max_unpacked_bytes: u64,
    /// Cells of the sheet read.
    pub max_cells: u64,
}

impl Default for SheetLimits {
    fn default() -> Self {
        SheetLimits {
            max_unpacked_bytes: MAX_UNPACKED_BYTES,
            max_cells: MAX_SHEET_CELLS,
        }
    }
}

impl SheetLimits {
    /// The defaults, each replaced by its environment variable when set
    /// (`SERVQ_MAX_UNPACKED_MB`, `SERVQ_MAX_SHEET_CELLS`).
    pub fn from_env() -> SheetLimits {
        let limit = |variable: &str, default: u64, unit: u64| {
            std::env::var(variable)
                .ok()
                .and_then(|value| value.trim().parse::<u64>().ok())
                .map_or(default, |value| value.saturating_mul(unit))
        };
        SheetLimits {
            max_unpacked_bytes: limit("SERVQ_MAX_UNPACKED_MB", MAX_UNPACKED_BYTES, 1024 * 1024),
            max_cells: limit("SERVQ_MAX_SHEET_CELLS", MAX_SHEET_CELLS, 1),
        }
    }
}

/// Refuses a workbook whose parts unpack to more than [`MAX_UNPACKED_BYTES`] (as its own
/// directory declares them) before anything is unpacked. Formats that are not ZIP (`.xls`) pass.
fn check_unpacked_size(
    path: &Path,
    max: u64,
    fail: &dyn Fn(String) -> ReadError,
) -> Result<(), ReadError> {
    let Ok(file) = File::open(path) else {
        return Ok(());
    };
    let Ok(mut archive) = zip::ZipArchive::new(BufReader::new(file)) else {
        return Ok(());
    };
    let mut total: u64 = 0;
    for index in 0..archive.len() {
        let entry = archive
            .by_index_raw(index)
            .map_err(|error| fail(format!("not a readable workbook: {error}")))?;
        total = total.saturating_add(entry.size());
    }
    if total > max {
        return Err(fail(format!(
            "the workbook unpacks to {} MiB, more than the {} MiB allowed (save the sheet as CSV, \
             or raise SERVQ_MAX_UNPACKED_MB)",
            total / (1024 * 1024),
            max / (1024 * 1024)
        )));
    }
    Ok(())
}

fn read_sheet(
    path: &Path,
    display: &str,
    sheet: Option<&str>,
    limits: SheetLimits,
) -> Result<Vec<(u64, Vec<String>)>, ReadError> {
    // messages name the file as the user gave it, never the server's temporary path
    let fail = |reason: String| ReadError::Spreadsheet {
        path: display.to_owned(),
        reason: reason.replace(&path.display().to_string(), display),
    };
    check_unpacked_size(path, limits.max_unpacked_bytes, &fail)?;
    let max_cells = limits.max_cells;
    let pick = |names: Vec<String>| -> Result<String, ReadError> {
        match sheet {
            Some(name) => names
                .iter()
                .find(|candidate| candidate.as_str() == name)
                .cloned()
                .ok_or_else(|| {
                    fail(format!(
                        "no sheet named '{name}'; sheets: {}",
                        names.join(", ")
                    ))
                }),
            None => names
                .first()
                .cloned()
                .ok_or_else(|| fail("the workbook has no sheets".to_owned())),
        }
    };
    let too_many = || {
        fail(format!(
            "the sheet has more than {max_cells} cells (save it as CSV, or raise \
             SERVQ_MAX_SHEET_CELLS)"
        ))
    };
    let is_xlsx = matches!(
        path.extension()
            .and_then(|ext| ext.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref(),
        Some("xlsx" | "xlsm")
    );
    if is_xlsx {
        // streamed cell by cell: memory follows the cells the sheet has, not the range it
        // declares, and stops at the cell limit
        let mut workbook: calamine::Xlsx<_> = calamine::open_workbook(path)
            .map_err(|error: calamine::XlsxError| fail(error.to_string()))?;
        let name = pick(workbook.sheet_names())?;
        let mut cells = workbook
            .worksheet_cells_reader(&name)
            .map_err(|error| fail(error.to_string()))?;
        let mut rows: Vec<(u64, Vec<String>)> = Vec::new();
        let mut count: u64 = 0;
        while let Some(cell) = cells.next_cell().map_err(|error| fail(error.to_string()))? {
            count += 1;
            if count > max_cells {
                return Err(too_many());
            }
            let (row, column) = cell.get_position();
            let line = u64::from(row) + 1;
            if rows.last().is_none_or(|(last, _)| *last != line) {
                rows.push((line, Vec::new()));
            }
            let Some((_, values)) = rows.last_mut() else {
                continue;
            };
            let column = column as usize;
            if values.len() <= column {
                values.resize(column + 1, String::new());
            }
            values[column] = cell_text(&Data::from(cell.get_value().clone()));
        }
        return Ok(rows);
    }
    let mut workbook =
        calamine::open_workbook_auto(path).map_err(|error| fail(error.to_string()))?;
    let name = pick(workbook.sheet_names())?;
    let range = workbook
        .worksheet_range(&name)
        .map_err(|error| fail(error.to_string()))?;
    let (height, width) = range.get_size();
    if (height as u64).saturating_mul(width as u64) > max_cells {
        return Err(too_many());
    }
    let (first_row, first_column) = range.start().unwrap_or((0, 0));
    Ok(range
        .rows()
        .enumerate()
        .map(|(index, cells)| {
            // Cells left of the used range are empty; keep positions aligned with the header.
            let mut row = vec![String::new(); first_column as usize];
            row.extend(cells.iter().map(cell_text));
            (u64::from(first_row) + index as u64 + 1, row)
        })
        .collect())
}

fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(text) | Data::DateTimeIso(text) | Data::DurationIso(text) => text.clone(),
        Data::Int(value) => value.to_string(),
        Data::Float(value) if value.fract() == 0.0 && value.abs() < 1e15 => {
            format!("{}", *value as i64)
        }
        Data::Float(value) => value.to_string(),
        Data::Bool(value) => value.to_string(),
        Data::DateTime(datetime) if datetime.is_duration() => {
            format!("{}", (datetime.as_f64() * 86_400_000.0).round() / 1000.0)
        }
        Data::DateTime(datetime) => {
            let (year, month, day, hour, minute, second, milli) = datetime.to_ymd_hms_milli();
            format!("{year:04}-{month:02}-{day:02} {hour:02}:{minute:02}:{second:02}.{milli:03}")
        }
        Data::Error(error) => format!("#ERROR {error}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(map: ColumnMap, encoding: TextEncoding) -> OpenOptions<'static> {
        OpenOptions {
            columns: STATE_COLUMNS,
            required: STATE_REQUIRED,
            map,
            encoding,
            sheet: None,
            limits: SheetLimits::default(),
        }
    }

    fn read_all(reader: &mut TableReader) -> Vec<(u64, Vec<String>)> {
        let mut out = Vec::new();
        let mut row = Vec::new();
        while let Some(line) = reader.next_row(&mut row).unwrap() {
            out.push((
                line,
                STATE_COLUMNS
                    .iter()
                    .enumerate()
                    .map(|(i, _)| reader.columns.get(&row, i).to_owned())
                    .collect(),
            ));
        }
        out
    }

    #[test]
    fn csv_with_bom_mapping_quoted_newlines_and_blank_rows() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.csv");
        std::fs::write(
            &path,
            "\u{feff}Agent,STATE,begin,end_at,extra\n\"a\n1\",talk,2026-11-02 09:00,2026-11-02 09:05,x\n,,,,\na2,hold,t1,t2,y\n",
        )
        .unwrap();
        let map = ColumnMap::parse("agent_id=agent, start_at=begin", STATE_COLUMNS).unwrap();
        let mut reader = TableReader::open(&path, &options(map, TextEncoding::Utf8)).unwrap();
        let rows = read_all(&mut reader);
        assert_eq!(
            rows[0],
            (
                2,
                vec![
                    "a\n1".into(),
                    "talk".into(),
                    "2026-11-02 09:00".into(),
                    "2026-11-02 09:05".into()
                ]
            )
        );
        assert_eq!(
            rows[1].0, 5,
            "line numbers count the quoted newline and the blank row"
        );
        assert_eq!(
            reader.columns.display_name(STATE_COLUMNS, "start_at"),
            "start_at ('begin')"
        );
    }

    #[test]
    fn line_numbers_are_the_lines_of_the_file_whatever_its_line_endings() {
        // the same table with LF, CRLF (what Excel writes), mixed and old-Mac CR endings, a
        // quoted value over two lines and a blank row: each row is on the same file line
        let lf =
            "agent_id,state,start_at,end_at\na1,talk,t1,t2\n\"a\n2\",hold,t3,t4\n\na3,idle,t5,t6\n";
        let expected = vec![2, 3, 6];
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in [
            ("lf", lf.to_owned()),
            ("crlf", lf.replace('\n', "\r\n")),
            ("mixed", lf.replacen('\n', "\r\n", 2)),
            ("cr", lf.replace('\n', "\r")),
        ] {
            let path = dir.path().join(format!("{name}.csv"));
            std::fs::write(&path, &text).unwrap();
            let mut reader =
                TableReader::open(&path, &options(ColumnMap::default(), TextEncoding::Utf8))
                    .unwrap();
            let lines: Vec<u64> = read_all(&mut reader)
                .iter()
                .map(|(line, _)| *line)
                .collect();
            assert_eq!(lines, expected, "{name}");
        }
    }

    #[test]
    fn nul_bytes_huge_cells_and_endless_lines_are_refused_with_short_messages() {
        let dir = tempfile::tempdir().unwrap();
        let open = |name: &str, text: &[u8]| {
            let path = dir.path().join(name);
            std::fs::write(&path, text).unwrap();
            TableReader::open(&path, &options(ColumnMap::default(), TextEncoding::Utf8)).unwrap()
        };
        let mut row = Vec::new();
        // a NUL inside a value: a row error (PostgreSQL could not store it)
        let mut reader = open(
            "nul.csv",
            b"agent_id,state,start_at,end_at\na\x001,talk,t1,t2\n",
        );
        assert_eq!(reader.next_row(&mut row).unwrap(), Some(2));
        assert!(reader.shape_error(&row).unwrap().contains("NUL"));
        // a 300 KiB cell: a row error that quotes 80 characters, not the cell
        let big = format!(
            "agent_id,state,start_at,end_at\n{},talk,t1,t2\n",
            "x".repeat(300 * 1024)
        );
        let mut reader = open("big.csv", big.as_bytes());
        reader.next_row(&mut row).unwrap();
        let problem = reader.shape_error(&row).unwrap();
        assert!(problem.len() < 300, "{problem}");
        // a line over the limit stops the file with a reason, without reading it whole
        let mut endless = b"agent_id,state,start_at,end_at\n".to_vec();
        endless.resize(endless.len() + MAX_LINE_BYTES as usize + 10, b'y');
        let mut reader = open("endless.csv", &endless);
        let error = reader.next_row(&mut row).unwrap_err().to_string();
        assert!(error.contains("longer than 16 MiB"), "{error}");
    }

    #[test]
    fn auto_tells_gbk_from_utf8() {
        let gbk = encoding_rs::GBK
            .encode("agent_id,name\nA1,张三\n")
            .0
            .into_owned();
        assert_eq!(TextEncoding::Auto.decide(&gbk), TextEncoding::Gb18030);
        let utf8 = "agent_id,name\nA1,张三\n".as_bytes();
        assert_eq!(TextEncoding::Auto.decide(utf8), TextEncoding::Utf8);
        // a sample that ends inside 张 is still UTF-8
        assert_eq!(
            TextEncoding::Auto.decide(&utf8[..utf8.len() - 5]),
            TextEncoding::Utf8
        );
        assert_eq!(TextEncoding::Gb18030.decide(utf8), TextEncoding::Gb18030);
        // the reader decodes a GBK file opened as auto
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("auto.csv");
        std::fs::write(&path, &gbk).unwrap();
        let columns: &[&str] = &["agent_id", "name"];
        let options = OpenOptions {
            columns,
            required: &["agent_id"],
            map: ColumnMap::default(),
            encoding: TextEncoding::Auto,
            sheet: None,
            limits: SheetLimits::default(),
        };
        let mut reader = TableReader::open(&path, &options).unwrap();
        let mut row = Vec::new();
        reader.next_row(&mut row).unwrap();
        assert!(row.iter().any(|cell| cell == "张三"), "{row:?}");
    }

    #[test]
    fn gbk_files_decode_and_bad_utf8_says_what_to_do() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("gbk.csv");
        let (bytes, _, _) =
            encoding_rs::GBK.encode("agent_id,state,start_at,end_at\n张三,talk,a,b\n");
        std::fs::write(&path, &bytes).unwrap();
        let mut reader =
            TableReader::open(&path, &options(ColumnMap::default(), TextEncoding::Gb18030))
                .unwrap();
        assert_eq!(read_all(&mut reader)[0].1[0], "张三");
        let mut reader =
            TableReader::open(&path, &options(ColumnMap::default(), TextEncoding::Utf8)).unwrap();
        let error = reader.next_row(&mut Vec::new()).unwrap_err().to_string();
        assert!(error.contains("gbk.csv:2: is not valid UTF-8"), "{error}");
    }

    #[test]
    fn rows_with_the_wrong_number_of_fields_are_flagged() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("shape.csv");
        std::fs::write(
            &path,
            "agent_id,state,start_at,end_at\na1,talk,x,y\na2,talk,x\na3,talk,\"x,y\n",
        )
        .unwrap();
        let mut reader =
            TableReader::open(&path, &options(ColumnMap::default(), TextEncoding::Utf8)).unwrap();
        let mut row = Vec::new();
        let mut problems = Vec::new();
        while let Some(line) = reader.next_row(&mut row).unwrap() {
            problems.push((line, reader.shape_error(&row)));
        }
        assert_eq!(problems[0], (2, None));
        assert_eq!(problems[1].0, 3);
        assert!(
            problems[1]
                .1
                .as_deref()
                .unwrap()
                .starts_with("has 3 fields but the header has 4")
        );
        assert!(
            problems[2].1.is_some(),
            "an unclosed quote swallows the rest of the file"
        );
    }

    #[test]
    fn missing_columns_and_bad_mappings_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.csv");
        std::fs::write(&path, "agent_id,state\n").unwrap();
        let error = TableReader::open(&path, &options(ColumnMap::default(), TextEncoding::Utf8))
            .err()
            .unwrap()
            .to_string();
        assert!(
            error.contains(
                "m.csv:1: missing column(s) start_at, end_at; the header has: agent_id, state"
            ),
            "{error}"
        );
        let error = ColumnMap::parse("agent=x", STATE_COLUMNS)
            .unwrap_err()
            .to_string();
        assert!(error.contains("'agent' is not a servq column"), "{error}");
        assert!(ColumnMap::parse("agent_id", STATE_COLUMNS).is_err());
    }

    #[test]
    fn xlsx_dates_and_numbers_become_parseable_text() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.xlsx");
        let mut workbook = rust_xlsxwriter::Workbook::new();
        let sheet = workbook.add_worksheet();
        let format = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd hh:mm:ss");
        for (column, name) in STATE_COLUMNS.iter().enumerate() {
            sheet.write_string(0, column as u16, *name).unwrap();
        }
        sheet.write_number(1, 0, 1001.0).unwrap();
        sheet.write_string(1, 1, "talk").unwrap();
        let start = rust_xlsxwriter::ExcelDateTime::parse_from_str("2026-11-02 09:00:30").unwrap();
        sheet
            .write_datetime_with_format(1, 2, &start, &format)
            .unwrap();
        sheet.write_string(1, 3, "2026-11-02 09:05:00").unwrap();
        workbook.save(&path).unwrap();
        let mut reader =
            TableReader::open(&path, &options(ColumnMap::default(), TextEncoding::Utf8)).unwrap();
        let rows = read_all(&mut reader);
        assert_eq!(
            rows,
            vec![(
                2,
                vec![
                    "1001".into(),
                    "talk".into(),
                    "2026-11-02 09:00:30.000".into(),
                    "2026-11-02 09:05:00".into()
                ]
            )]
        );
    }

    /// A workbook of `rows` rows of the state columns, every cell the same long text (it
    /// compresses to almost nothing, as a decompression bomb does).
    fn compressible_workbook(path: &Path, rows: u32) {
        let mut workbook = rust_xlsxwriter::Workbook::new();
        let sheet = workbook.add_worksheet_with_constant_memory().unwrap();
        for (column, name) in STATE_COLUMNS.iter().enumerate() {
            sheet.write_string(0, column as u16, *name).unwrap();
        }
        let text = "x".repeat(200);
        for row in 1..=rows {
            for column in 0..4u16 {
                sheet.write_string(row, column, &text).unwrap();
            }
        }
        workbook.save(path).unwrap();
    }

    #[test]
    fn a_workbook_that_unpacks_too_large_or_has_too_many_cells_is_refused_by_its_given_name() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("upload-7f3a.xlsx");
        // 20 000 rows × 4 cells of 200 characters: ~17 MiB of XML in a file of a few hundred KiB
        compressible_workbook(&path, 20_000);
        assert!(std::fs::metadata(&path).unwrap().len() < 2 * 1024 * 1024);
        let open = |limits: SheetLimits| {
            TableReader::open_named(
                &path,
                "calls.xlsx",
                &OpenOptions {
                    limits,
                    ..options(ColumnMap::default(), TextEncoding::Utf8)
                },
            )
        };
        let mut limits = SheetLimits {
            max_unpacked_bytes: 4 * 1024 * 1024,
            max_cells: MAX_SHEET_CELLS,
        };
        let error = open(limits).err().unwrap().to_string();
        assert!(error.contains("more than the 4 MiB allowed"), "{error}");
        assert!(
            error.starts_with("calls.xlsx"),
            "the name given, not the temporary path: {error}"
        );
        assert!(!error.contains("upload-7f3a"), "{error}");
        limits.max_unpacked_bytes = 64 * 1024 * 1024;
        limits.max_cells = 1000;
        let error = open(limits).err().unwrap().to_string();
        assert!(error.contains("more than 1000 cells"), "{error}");
        limits.max_cells = 100_000;
        let mut reader = open(limits).unwrap();
        assert_eq!(read_all(&mut reader).len(), 20_000);
    }
}
