//! Backups, restores and moving a store between engines (docs/operations.md).
//!
//! A backup is one file: a zstd-compressed stream of JSON lines, the same whichever engine wrote
//! it — a header, then for each table a line naming its columns, one JSON array per row and a
//! line closing the table with its row count and digest, and last a manifest (schema version,
//! rows and digest per table, id counters) with the SHA-256 of every line before it. The rows
//! are read inside one snapshot transaction, so a backup taken while the server imports and
//! saves is the store as it was at one instant. A restore verifies the whole file before it
//! loads anything, loads in committed batches (an interrupted load continues with `--resume`),
//! compares every table's rows with the manifest, and only then runs the migrations newer than
//! the backup.

use std::{
    collections::BTreeMap,
    io::{BufRead, BufReader, BufWriter, Write},
    path::{Path, PathBuf},
};

use base64::Engine as _;
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;
use servq_store::{
    CellValue, ColumnSchema, CopiedTable, RestoreRefused, RestoreTarget, Snapshot, Store,
    StoreError,
};
use sha2::{Digest, Sha256};

/// The `format` every backup's header names.
pub const FORMAT: &str = "servq-backup";
/// The version of the file layout (not of the schema).
pub const FORMAT_VERSION: u32 = 1;
/// The file name ending servq gives backups.
pub const EXTENSION: &str = "servq-backup";
/// Rows loaded per committed batch.
const BATCH_ROWS: usize = 2_000;
/// Bytes of row data per committed batch at most (attachments are large rows).
const BATCH_BYTES: usize = 16 << 20;

/// What went wrong with a backup, a restore or a copy.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The failure.
        source: std::io::Error,
    },
    /// The file is not a servq backup or is damaged.
    #[error("{path}: line {line}: {reason}")]
    Damaged {
        /// The file.
        path: String,
        /// The line (of the uncompressed stream) where it shows.
        line: u64,
        /// What is wrong.
        reason: String,
    },
    /// The target refused the restore.
    #[error("{0}")]
    Refused(String),
    /// The loaded store does not hold what the backup holds.
    #[error("verification failed: {0}")]
    Mismatch(String),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

type Result<T, E = BackupError> = std::result::Result<T, E>;

/// The first line of a backup.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Header {
    /// Always [`FORMAT`].
    pub format: String,
    /// [`FORMAT_VERSION`].
    pub format_version: u32,
    /// A random id naming this backup (a resumed load checks it).
    pub backup_id: String,
    /// When the snapshot was taken (RFC 3339, UTC).
    pub created_at: String,
    /// `sqlite` or `postgres`: the engine it was read from.
    pub engine: String,
    /// The latest migration of the store it was read from.
    pub schema_version: i64,
    /// The servq version that wrote it.
    pub servq_version: String,
}

/// A table's entry in the manifest.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct TableEntry {
    /// Rows.
    pub rows: u64,
    /// Order-independent digest of the rows (see [`RowDigest`]).
    pub digest: String,
}

/// The last line of a backup: what it holds and the checksum of everything before it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Manifest {
    /// The header again, so that the manifest alone says what the file is.
    #[serde(flatten)]
    pub header: Header,
    /// Rows and digest per table, in load order.
    pub tables: serde_json::Map<String, Json>,
    /// Id counters per table (see `Snapshot::id_sequences`).
    pub sequences: BTreeMap<String, i64>,
    /// SHA-256 (hex) of the uncompressed lines before the manifest.
    pub sha256: String,
}

impl Manifest {
    /// The entry of `table`.
    pub fn table(&self, table: &str) -> Option<TableEntry> {
        self.tables
            .get(table)
            .and_then(|entry| serde_json::from_value(entry.clone()).ok())
    }

    /// Rows in all tables.
    pub fn total_rows(&self) -> u64 {
        self.tables
            .keys()
            .filter_map(|table| self.table(table))
            .map(|entry| entry.rows)
            .sum()
    }
}

/// An order-independent digest of a table's rows: the wrapping sum of the first 128 bits of
/// each row line's SHA-256. The same rows give the same digest whatever order an engine returns
/// them in; a changed, missing or extra row changes it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RowDigest {
    rows: u64,
    sum: u128,
}

impl RowDigest {
    /// Adds one row, given as its line.
    pub fn add(&mut self, line: &[u8]) {
        let hash = Sha256::digest(line);
        let mut first = [0u8; 16];
        first.copy_from_slice(&hash[..16]);
        self.sum = self.sum.wrapping_add(u128::from_be_bytes(first));
        self.rows += 1;
    }

    /// As the manifest writes it.
    pub fn entry(&self) -> TableEntry {
        TableEntry {
            rows: self.rows,
            digest: format!("{:032x}", self.sum),
        }
    }
}

/// A row as its JSON line: integers and reals as numbers, texts as strings, bytes as
/// `{"b64": …}`, NULL as null.
pub fn row_line(values: &[CellValue]) -> Vec<u8> {
    let row: Vec<Json> = values
        .iter()
        .map(|value| match value {
            CellValue::Null => Json::Null,
            CellValue::Integer(v) => Json::from(*v),
            CellValue::Real(v) => Json::from(*v),
            CellValue::Text(v) => Json::from(v.as_str()),
            CellValue::Bytes(v) => serde_json::json!({
                "b64": base64::engine::general_purpose::STANDARD.encode(v)
            }),
        })
        .collect();
    let mut line = serde_json::to_vec(&row).unwrap_or_default();
    line.push(b'\n');
    line
}

/// A row line read back with its table's columns.
fn parse_row(line: &[u8], columns: &[ColumnSchema]) -> std::result::Result<Vec<CellValue>, String> {
    let row: Vec<Json> =
        serde_json::from_slice(line).map_err(|error| format!("not a row: {error}"))?;
    if row.len() != columns.len() {
        return Err(format!(
            "a row of {} values where the table has {} columns",
            row.len(),
            columns.len()
        ));
    }
    row.into_iter()
        .zip(columns)
        .map(|(value, column)| {
            let cell = match (value, column.kind.as_str()) {
                (Json::Null, _) => CellValue::Null,
                (Json::Number(n), "integer") => n.as_i64().map(CellValue::Integer).ok_or(())?,
                (Json::Number(n), "real") => n.as_f64().map(CellValue::Real).ok_or(())?,
                (Json::String(s), "text") => CellValue::Text(s),
                (Json::Object(o), "bytes") => o
                    .get("b64")
                    .and_then(Json::as_str)
                    .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
                    .map(CellValue::Bytes)
                    .ok_or(())?,
                _ => return Err(()),
            };
            Ok(cell)
        })
        .collect::<std::result::Result<Vec<_>, ()>>()
        .map_err(|()| "a value does not fit its column's kind".to_owned())
}

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> BackupError + '_ {
    move |source| BackupError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// Writes lines into the compressed file and the running checksum.
struct LineWriter {
    encoder: zstd::stream::write::Encoder<'static, BufWriter<std::fs::File>>,
    checksum: Sha256,
}

impl LineWriter {
    fn line(&mut self, line: &[u8]) -> std::io::Result<()> {
        self.checksum.update(line);
        self.encoder.write_all(line)
    }

    fn json(&mut self, value: &Json) -> std::io::Result<()> {
        let mut line = serde_json::to_vec(value).map_err(std::io::Error::other)?;
        line.push(b'\n');
        self.line(&line)
    }
}

/// What [`backup`] wrote.
#[derive(Debug, Clone, Serialize)]
pub struct BackupSummary {
    /// The file.
    pub file: String,
    /// Its size in bytes.
    pub bytes: u64,
    /// The manifest.
    pub manifest: Manifest,
}

/// Reads `store` in one snapshot into the backup file `output` (written beside as
/// `output.partial` and renamed when complete, so a file with the name is always whole).
/// `progress(table, rows_so_far)` is called now and then.
pub async fn backup(
    store: &Store,
    output: &Path,
    mut progress: impl FnMut(&str, u64),
) -> Result<BackupSummary> {
    let partial = PathBuf::from(format!("{}.partial", output.display()));
    let result = write_backup(store, output, &partial, &mut progress).await;
    if result.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    result
}

async fn write_backup(
    store: &Store,
    output: &Path,
    partial: &Path,
    progress: &mut impl FnMut(&str, u64),
) -> Result<BackupSummary> {
    let schema = store.schema().await?;
    let mut snapshot = store.snapshot().await?;
    let header = Header {
        format: FORMAT.to_owned(),
        format_version: FORMAT_VERSION,
        backup_id: new_backup_id(),
        created_at: jiff::Timestamp::now()
            .round(jiff::Unit::Second)
            .map_or_else(
                |_| jiff::Timestamp::now().to_string(),
                |now| now.to_string(),
            ),
        engine: match store.backend() {
            servq_store::Backend::Sqlite => "sqlite",
            servq_store::Backend::Postgres => "postgres",
        }
        .to_owned(),
        schema_version: snapshot.schema_version().await?,
        servq_version: env!("CARGO_PKG_VERSION").to_owned(),
    };
    let tables = snapshot.tables(&schema).await?;
    let sequences = snapshot.id_sequences().await?;
    let file = std::fs::File::create(partial).map_err(io_error(partial))?;
    let mut encoder =
        zstd::stream::write::Encoder::new(BufWriter::new(file), 3).map_err(io_error(partial))?;
    encoder.include_checksum(true).map_err(io_error(partial))?;
    let mut writer = LineWriter {
        encoder,
        checksum: Sha256::new(),
    };
    writer
        .json(&serde_json::json!({ "header": header }))
        .map_err(io_error(partial))?;
    let mut entries = serde_json::Map::new();
    for table in &tables {
        let entry = write_table(&mut snapshot, table, &mut writer, partial, progress).await?;
        entries.insert(
            table.name.clone(),
            serde_json::to_value(entry).unwrap_or_default(),
        );
    }
    drop(snapshot);
    let manifest = Manifest {
        header,
        tables: entries,
        sequences,
        sha256: hex::encode(writer.checksum.clone().finalize()),
    };
    let line = serde_json::json!({ "manifest": manifest });
    let mut bytes = serde_json::to_vec(&line).unwrap_or_default();
    bytes.push(b'\n');
    writer
        .encoder
        .write_all(&bytes)
        .map_err(io_error(partial))?;
    let file = writer
        .encoder
        .finish()
        .map_err(io_error(partial))?
        .into_inner()
        .map_err(|error| io_error(partial)(error.into_error()))?;
    file.sync_all().map_err(io_error(partial))?;
    drop(file);
    std::fs::rename(partial, output).map_err(io_error(output))?;
    let bytes = std::fs::metadata(output).map_err(io_error(output))?.len();
    Ok(BackupSummary {
        file: output.display().to_string(),
        bytes,
        manifest,
    })
}

async fn write_table(
    snapshot: &mut Snapshot,
    table: &CopiedTable,
    writer: &mut LineWriter,
    partial: &Path,
    progress: &mut impl FnMut(&str, u64),
) -> Result<TableEntry> {
    writer
        .json(&serde_json::json!({ "table": table.name, "columns": columns_json(&table.columns) }))
        .map_err(io_error(partial))?;
    let mut digest = RowDigest::default();
    let written = snapshot
        .for_each_row(table, |values| {
            let line = row_line(values);
            digest.add(&line);
            if digest.rows.is_multiple_of(50_000) {
                progress(&table.name, digest.rows);
            }
            writer.line(&line)
        })
        .await?;
    written.map_err(io_error(partial))?;
    progress(&table.name, digest.rows);
    let entry = digest.entry();
    writer
        .json(&serde_json::json!({ "end": table.name, "rows": entry.rows, "digest": entry.digest }))
        .map_err(io_error(partial))?;
    Ok(entry)
}

fn columns_json(columns: &[ColumnSchema]) -> Json {
    columns
        .iter()
        .map(|column| {
            serde_json::json!({ "name": column.name, "kind": column.kind, "nullable": column.nullable })
        })
        .collect()
}

fn new_backup_id() -> String {
    use rand::Rng;
    let bytes: [u8; 12] = rand::rng().random();
    hex::encode(bytes)
}

/// One step of reading a backup.
enum Item {
    Table(CopiedTable),
    Row(Vec<u8>),
    End { table: String, entry: TableEntry },
}

/// Reads a backup line by line, checking its checksum and structure as it goes.
struct BackupReader {
    path: String,
    lines: BufReader<zstd::stream::read::Decoder<'static, BufReader<std::fs::File>>>,
    checksum: Sha256,
    line_no: u64,
    header: Header,
    manifest: Option<Manifest>,
}

impl BackupReader {
    fn open(path: &Path) -> Result<BackupReader> {
        let file = std::fs::File::open(path).map_err(io_error(path))?;
        let decoder = zstd::stream::read::Decoder::new(file).map_err(io_error(path))?;
        let mut reader = BackupReader {
            path: path.display().to_string(),
            lines: BufReader::with_capacity(1 << 20, decoder),
            checksum: Sha256::new(),
            line_no: 0,
            header: Header {
                format: String::new(),
                format_version: 0,
                backup_id: String::new(),
                created_at: String::new(),
                engine: String::new(),
                schema_version: 0,
                servq_version: String::new(),
            },
            manifest: None,
        };
        let first = reader
            .raw_line()?
            .ok_or_else(|| reader.damaged("the file is empty"))?;
        reader.checksum.update(&first);
        let header = serde_json::from_slice::<Json>(&first)
            .ok()
            .and_then(|line| line.get("header").cloned())
            .and_then(|header| serde_json::from_value::<Header>(header).ok())
            .filter(|header| header.format == FORMAT)
            .ok_or_else(|| reader.damaged("this is not a servq backup (no servq-backup header)"))?;
        if header.format_version > FORMAT_VERSION {
            return Err(reader.damaged(&format!(
                "the backup's layout is version {}, this servq reads up to {FORMAT_VERSION}: use a newer servq",
                header.format_version
            )));
        }
        reader.header = header;
        Ok(reader)
    }

    fn damaged(&self, reason: &str) -> BackupError {
        BackupError::Damaged {
            path: self.path.clone(),
            line: self.line_no,
            reason: reason.to_owned(),
        }
    }

    fn raw_line(&mut self) -> Result<Option<Vec<u8>>> {
        let mut line = Vec::new();
        let read = self.lines.read_until(b'\n', &mut line).map_err(|error| {
            // zstd reports a damaged or cut-off frame as an I/O error
            BackupError::Damaged {
                path: self.path.clone(),
                line: self.line_no + 1,
                reason: format!("cannot be decompressed ({error}): the file is damaged or cut off"),
            }
        })?;
        if read == 0 {
            return Ok(None);
        }
        self.line_no += 1;
        if line.last() != Some(&b'\n') {
            return Err(self.damaged("the file ends inside a line: it is cut off"));
        }
        Ok(Some(line))
    }

    /// The next table, row or table end; `None` after the manifest.
    fn next(&mut self) -> Result<Option<Item>> {
        if self.manifest.is_some() {
            return Ok(None);
        }
        let Some(line) = self.raw_line()? else {
            return Err(
                self.damaged("the file ends before its manifest: it is incomplete or cut off")
            );
        };
        if line.first() == Some(&b'[') {
            self.checksum.update(&line);
            return Ok(Some(Item::Row(line)));
        }
        let value: Json = serde_json::from_slice(&line)
            .map_err(|error| self.damaged(&format!("not a JSON line: {error}")))?;
        if let Some(manifest) = value.get("manifest") {
            let manifest: Manifest = serde_json::from_value(manifest.clone())
                .map_err(|error| self.damaged(&format!("the manifest is damaged: {error}")))?;
            let computed = hex::encode(self.checksum.clone().finalize());
            if computed != manifest.sha256 {
                return Err(self.damaged(&format!(
                    "the checksum of the contents is {computed}, the manifest says {}: the file was changed",
                    manifest.sha256
                )));
            }
            if manifest.header != self.header {
                return Err(self.damaged("the manifest describes another backup than the header"));
            }
            let mut rest = Vec::new();
            if self
                .lines
                .read_until(b'\n', &mut rest)
                .map_err(|e| self.damaged(&e.to_string()))?
                > 0
            {
                return Err(self.damaged("there is data after the manifest"));
            }
            self.manifest = Some(manifest);
            return Ok(None);
        }
        self.checksum.update(&line);
        if let (Some(name), Some(columns)) = (value.get("table"), value.get("columns")) {
            let name = name.as_str().unwrap_or_default().to_owned();
            let columns = columns
                .as_array()
                .map(|columns| {
                    columns
                        .iter()
                        .map(|c| ColumnSchema {
                            name: c["name"].as_str().unwrap_or_default().to_owned(),
                            kind: c["kind"].as_str().unwrap_or_default().to_owned(),
                            nullable: c["nullable"].as_bool().unwrap_or(true),
                        })
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default();
            if name.is_empty() || columns.is_empty() || columns.iter().any(|c| c.name.is_empty()) {
                return Err(self.damaged("a table line without its name or columns"));
            }
            return Ok(Some(Item::Table(CopiedTable { name, columns })));
        }
        if let Some(table) = value.get("end").and_then(Json::as_str) {
            let entry = TableEntry {
                rows: value["rows"].as_u64().unwrap_or(u64::MAX),
                digest: value["digest"].as_str().unwrap_or_default().to_owned(),
            };
            return Ok(Some(Item::End {
                table: table.to_owned(),
                entry,
            }));
        }
        Err(self.damaged("a line that is neither a row nor a table, table end or manifest"))
    }
}

/// What a verified backup holds.
#[derive(Debug, Clone)]
pub struct Contents {
    /// The manifest.
    pub manifest: Manifest,
    /// Its tables with their columns, in load order.
    pub tables: Vec<CopiedTable>,
}

/// Reads the whole backup at `path` and checks it: the checksum, every row against its table's
/// columns, each table's row count and digest against its end line and the manifest.
pub fn verify(path: &Path) -> Result<Contents> {
    let mut reader = BackupReader::open(path)?;
    let mut tables: Vec<CopiedTable> = Vec::new();
    let mut ends: BTreeMap<String, TableEntry> = BTreeMap::new();
    let mut current: Option<(CopiedTable, RowDigest)> = None;
    while let Some(item) = reader.next()? {
        match item {
            Item::Table(table) => {
                if current.is_some() {
                    return Err(reader.damaged("a table starts before the previous one ended"));
                }
                if tables.iter().any(|t| t.name == table.name) {
                    return Err(reader.damaged(&format!("table {} appears twice", table.name)));
                }
                current = Some((table, RowDigest::default()));
            }
            Item::Row(line) => {
                let Some((table, digest)) = current.as_mut() else {
                    return Err(reader.damaged("a row outside a table"));
                };
                if let Err(reason) = parse_row(&line, &table.columns) {
                    return Err(reader.damaged(&format!("table {}: {reason}", table.name)));
                }
                digest.add(&line);
            }
            Item::End { table: name, entry } => {
                let Some((table, digest)) = current.take().filter(|(t, _)| t.name == name) else {
                    return Err(
                        reader.damaged(&format!("the end of table {name}, which did not start"))
                    );
                };
                if digest.entry() != entry {
                    return Err(reader.damaged(&format!(
                        "table {name}: {} rows (digest {}) where its end line says {} (digest {})",
                        digest.rows,
                        digest.entry().digest,
                        entry.rows,
                        entry.digest
                    )));
                }
                ends.insert(name, entry);
                tables.push(table);
            }
        }
    }
    if current.is_some() {
        return Err(reader.damaged("the manifest comes before the last table ended"));
    }
    let Some(manifest) = reader.manifest.take() else {
        return Err(reader.damaged("no manifest"));
    };
    let listed: Vec<&String> = manifest.tables.keys().collect();
    let read: Vec<&String> = tables.iter().map(|t| &t.name).collect();
    if listed != read {
        return Err(reader.damaged("the manifest lists other tables than the file holds"));
    }
    for (name, entry) in &ends {
        if manifest.table(name).as_ref() != Some(entry) {
            return Err(reader.damaged(&format!(
                "table {name}: the manifest's count or digest differs"
            )));
        }
    }
    Ok(Contents { manifest, tables })
}

/// What a restore did.
#[derive(Debug, Clone, Serialize)]
pub struct RestoreSummary {
    /// The backup's manifest.
    pub manifest: Manifest,
    /// Whether an interrupted load was continued.
    pub resumed: bool,
    /// Rows this run loaded (on a resume, those the interrupted run had not).
    pub loaded_rows: u64,
    /// The backup's tables with their columns (a store copy compares its source with them).
    #[serde(skip)]
    pub tables: Vec<CopiedTable>,
}

/// Loads the backup at `path` into the store at `url`: verifies the file, refuses a store that
/// holds data, a newer schema or another backup's interrupted load, loads in committed batches
/// (`resume` continues an interrupted load of the same file), checks every table's rows against
/// the manifest, then migrates the store to this build. `progress(table, loaded, rows)`.
pub async fn restore(
    path: &Path,
    url: &str,
    resume: bool,
    mut progress: impl FnMut(&str, u64, u64),
) -> Result<(Store, RestoreSummary)> {
    let contents = verify(path)?;
    let manifest = &contents.manifest;
    let target = RestoreTarget::open(url, manifest.header.schema_version)
        .await?
        .map_err(|refused| BackupError::Refused(refused_text(&refused)))?;
    match load(&target, path, &contents, resume, &mut progress).await {
        Ok((resumed, loaded_rows)) => {
            let store = target.finish(&manifest.sequences).await?;
            Ok((
                store,
                RestoreSummary {
                    manifest: contents.manifest,
                    resumed,
                    loaded_rows,
                    tables: contents.tables,
                },
            ))
        }
        Err(error) => {
            target.close().await;
            Err(error)
        }
    }
}

async fn load(
    target: &RestoreTarget,
    path: &Path,
    contents: &Contents,
    resume: bool,
    progress: &mut impl FnMut(&str, u64, u64),
) -> Result<(bool, u64)> {
    let live = target.store().schema().await?;
    for table in &contents.tables {
        let names =
            |columns: &[ColumnSchema]| columns.iter().map(|c| c.name.clone()).collect::<Vec<_>>();
        match live.get(&table.name) {
            Some(schema) if names(&schema.columns) == names(&table.columns) => {}
            _ => {
                return Err(BackupError::Refused(format!(
                    "table {} of the backup does not match the store's schema {} (columns differ)",
                    table.name, contents.manifest.header.schema_version
                )));
            }
        }
    }
    let file = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let progress_now = target
        .begin(
            &contents.tables,
            &contents.manifest.header.backup_id,
            &file.display().to_string(),
            resume,
            jiff::Timestamp::now().as_millisecond(),
        )
        .await?
        .map_err(|refused| BackupError::Refused(refused_text(&refused)))?;
    let mut reader = BackupReader::open(path)?;
    let mut loaded_rows = 0u64;
    let mut current: Option<(CopiedTable, u64, u64)> = None; // table, rows seen, rows to skip
    let mut batch: Vec<Vec<CellValue>> = Vec::new();
    let mut batch_bytes = 0usize;
    while let Some(item) = reader.next()? {
        match item {
            Item::Table(table) => {
                let skip = progress_now
                    .loaded
                    .get(&table.name)
                    .copied()
                    .unwrap_or(0)
                    .max(0) as u64;
                current = Some((table, 0, skip));
            }
            Item::Row(line) => {
                let Some((table, seen, skip)) = current.as_mut() else {
                    return Err(reader.damaged("a row outside a table"));
                };
                *seen += 1;
                if *seen <= *skip {
                    continue;
                }
                batch_bytes += line.len();
                batch.push(
                    parse_row(&line, &table.columns).map_err(|reason| reader.damaged(&reason))?,
                );
                if batch.len() >= BATCH_ROWS || batch_bytes >= BATCH_BYTES {
                    target.load(table, &batch).await?;
                    loaded_rows += batch.len() as u64;
                    batch.clear();
                    batch_bytes = 0;
                    tracing::info!(table = %table.name, rows = *seen, "restore batch committed");
                    let total = contents.manifest.table(&table.name).map_or(0, |e| e.rows);
                    progress(&table.name, *seen, total);
                }
            }
            Item::End { .. } => {
                if let Some((table, seen, skip)) = current.take() {
                    if seen < skip {
                        return Err(BackupError::Mismatch(format!(
                            "table {} holds {skip} rows, more than the backup's {seen}: it was written to during the load",
                            table.name
                        )));
                    }
                    target.load(&table, &batch).await?;
                    loaded_rows += batch.len() as u64;
                    batch.clear();
                    batch_bytes = 0;
                    progress(&table.name, seen, seen);
                }
            }
        }
    }
    let differences =
        compare_with_manifest(target.store(), &contents.tables, &contents.manifest).await?;
    if !differences.is_empty() {
        return Err(BackupError::Mismatch(differences.join("; ")));
    }
    Ok((progress_now.resumed, loaded_rows))
}

/// Reads every table of `store` in one snapshot and says where its rows differ from the
/// manifest's counts and digests (empty when they are equal).
pub async fn compare_with_manifest(
    store: &Store,
    tables: &[CopiedTable],
    manifest: &Manifest,
) -> Result<Vec<String>> {
    let mut snapshot = store.snapshot().await?;
    let mut differences = Vec::new();
    for table in tables {
        let mut digest = RowDigest::default();
        snapshot
            .for_each_row(table, |values| {
                digest.add(&row_line(values));
                Ok::<(), ()>(())
            })
            .await?
            .ok();
        let expected = manifest.table(&table.name);
        if expected.as_ref() != Some(&digest.entry()) {
            let expected_rows = expected.map_or(0, |e| e.rows);
            differences.push(if expected_rows == digest.rows {
                format!(
                    "{}: the same {} rows count but their contents differ",
                    table.name, digest.rows
                )
            } else {
                format!(
                    "{}: {} rows where the backup has {expected_rows}",
                    table.name, digest.rows
                )
            });
        }
    }
    Ok(differences)
}

/// A refusal in words, saying what to do.
pub fn refused_text(refused: &RestoreRefused) -> String {
    match refused {
        RestoreRefused::NotEmpty { table, rows } => format!(
            "the target store is not empty (table {table} holds {rows} rows): restore into a new database"
        ),
        RestoreRefused::Interrupted { backup_file } => format!(
            "a load of this backup into the target was interrupted (from {backup_file}): run the same command with --resume"
        ),
        RestoreRefused::OtherBackup {
            backup_id,
            backup_file,
        } => format!(
            "the target holds an interrupted load of another backup ({backup_id}, {backup_file}): resume that one or start over with a new database"
        ),
        RestoreRefused::SchemaMismatch { store, backup } => format!(
            "the target store is at schema {store} and the backup at {backup}: restore into a new, empty database (servq migrates it after loading)"
        ),
        RestoreRefused::NewerSchema { known, backup } => format!(
            "the backup comes from a newer servq (schema {backup}; this servq knows up to {known}): restore it with that version or newer"
        ),
    }
}

/// The KPIs of every day with every metric (contacts, QA, surveys, tickets, customers), as CSV:
/// the measure two stores must agree on after a copy.
pub async fn kpi_fingerprint(store: &Store, zone: &jiff::tz::TimeZone) -> Result<String> {
    let query = servq_store::KpiQuery {
        group_by: vec![servq_store::GroupField::Time(servq_store::TimeGrain::Day)],
        from_ms: None,
        to_ms: None,
        zone: zone.clone(),
        filters: Vec::new(),
    };
    let metrics: Vec<&servq_kpi::Metric> = servq_kpi::METRICS.iter().collect();
    let groups = crate::report::kpi_groups(store, &query, &metrics).await?;
    let report = crate::report::Report {
        group_by: &query.group_by,
        metrics: &metrics,
        groups: &groups,
        notes: &[],
    };
    let mut text = Vec::new();
    report
        .write(crate::report::ReportFormat::Csv, &mut text)
        .map_err(|error| BackupError::Mismatch(format!("writing the KPI report: {error}")))?;
    Ok(String::from_utf8_lossy(&text).into_owned())
}

/// Where scheduled backups go and how many are kept (`servq serve --backup-dir`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupPlan {
    /// The folder.
    pub dir: PathBuf,
    /// Daily backups kept.
    pub keep_daily: usize,
    /// Weekly backups kept (the newest of each week).
    pub keep_weekly: usize,
}

/// The name of the scheduled backup of `day`.
pub fn scheduled_file_name(day: jiff::civil::Date) -> String {
    format!("servq-{day}.{EXTENSION}")
}

fn scheduled_day(name: &str) -> Option<jiff::civil::Date> {
    name.strip_prefix("servq-")?
        .strip_suffix(&format!(".{EXTENSION}"))?
        .parse()
        .ok()
}

/// The scheduled backup of `today` into the plan's folder, then the retention: scheduled backups
/// (files named `servq-YYYY-MM-DD.servq-backup`) that neither the daily nor the weekly count
/// keeps are deleted; other files in the folder are left alone.
pub async fn scheduled(
    store: &Store,
    plan: Option<&BackupPlan>,
    today: jiff::civil::Date,
) -> anyhow::Result<String> {
    let Some(plan) = plan else {
        return Ok("no backup folder set (servq serve --backup-dir): nothing done".to_owned());
    };
    std::fs::create_dir_all(&plan.dir).map_err(io_error(&plan.dir))?;
    let output = plan.dir.join(scheduled_file_name(today));
    let summary = backup(store, &output, |_, _| {}).await?;
    let mut days = Vec::new();
    for entry in std::fs::read_dir(&plan.dir).map_err(io_error(&plan.dir))? {
        let entry = entry.map_err(io_error(&plan.dir))?;
        if let Some(day) = entry.file_name().to_str().and_then(scheduled_day) {
            days.push(day);
        }
    }
    let keep = servq_core::backups_to_keep(&days, plan.keep_daily.max(1), plan.keep_weekly);
    let mut deleted = 0;
    for day in days.iter().filter(|day| !keep.contains(day)) {
        let path = plan.dir.join(scheduled_file_name(*day));
        std::fs::remove_file(&path).map_err(io_error(&path))?;
        deleted += 1;
    }
    Ok(format!(
        "{}: {} rows, {} bytes; {deleted} old backups deleted, {} kept",
        output.display(),
        summary.manifest.total_rows(),
        summary.bytes,
        keep.len()
    ))
}

/// What `servq store copy` is asked to do.
#[derive(Debug, Clone)]
pub struct CopyRequest {
    /// The store copied (and compared with afterwards); may be left out with `from_backup`.
    pub from: Option<String>,
    /// An existing backup to load instead of taking one.
    pub from_backup: Option<PathBuf>,
    /// The new, empty store.
    pub to: String,
    /// Where the backup taken of `from` is written (kept: an interrupted load resumes from it).
    pub backup_file: PathBuf,
    /// Continue an interrupted copy into `to`.
    pub resume: bool,
}

/// What a copy did and checked.
#[derive(Debug, Clone, Serialize)]
pub struct CopyReport {
    /// The backup loaded.
    pub backup_file: String,
    /// The load.
    pub restore: RestoreSummary,
    /// Whether the source was read again and found equal to the backup, row for row.
    pub source_unchanged: Option<bool>,
    /// Days whose KPIs (every metric) were compared between the two stores.
    pub kpi_days_compared: usize,
}

/// One step of a copy, for the progress display.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CopyStep<'a> {
    /// Taking the backup: a table and its rows so far.
    Backup(&'a str, u64),
    /// Loading: a table, its rows loaded, its rows in all.
    Load(&'a str, u64, u64),
    /// Comparing the two stores.
    Verify,
}

/// Moves a store to another database (another engine or the same): a backup of `from` (or the
/// given one), loaded into `to`, every table compared with the backup, then — with a source —
/// the source read again (it must not have changed: a copy is taken with the servers stopped)
/// and the KPIs of every day compared on both sides. Succeeds only when all of it agrees.
pub async fn copy(
    request: &CopyRequest,
    mut progress: impl FnMut(CopyStep<'_>),
) -> Result<(Store, CopyReport)> {
    let interrupted = servq_store::RestoreTarget::mark(&request.to).await?;
    if let (Some((_, backup_file)), false) = (&interrupted, request.resume) {
        // before a new backup is taken: it would be another backup than the one half-loaded
        return Err(BackupError::Refused(refused_text(
            &RestoreRefused::Interrupted {
                backup_file: backup_file.clone(),
            },
        )));
    }
    let backup_file = match (&interrupted, &request.from_backup, &request.from) {
        (Some((_, file)), _, _) => PathBuf::from(file),
        (None, Some(file), _) => file.clone(),
        (None, None, Some(from)) => {
            let source = Store::open(from).await?;
            let taken = backup(&source, &request.backup_file, |table, rows| {
                progress(CopyStep::Backup(table, rows));
            })
            .await;
            source.close().await;
            taken?;
            request.backup_file.clone()
        }
        (None, None, None) => {
            return Err(BackupError::Refused(
                "name the store to copy (--from URL) or a backup (--from-backup FILE)".to_owned(),
            ));
        }
    };
    let (target, summary) = restore(
        &backup_file,
        &request.to,
        request.resume,
        |table, done, all| {
            progress(CopyStep::Load(table, done, all));
        },
    )
    .await?;
    progress(CopyStep::Verify);
    let mut report = CopyReport {
        backup_file: backup_file.display().to_string(),
        restore: summary,
        source_unchanged: None,
        kpi_days_compared: 0,
    };
    if let Some(from) = &request.from {
        let source = Store::open(from).await?;
        let checked = compare_source(
            &source,
            &target,
            &report.restore.tables,
            &report.restore.manifest,
        )
        .await;
        source.close().await;
        let days = checked?;
        report.source_unchanged = Some(true);
        report.kpi_days_compared = days;
    }
    Ok((target, report))
}

async fn compare_source(
    source: &Store,
    target: &Store,
    tables: &[CopiedTable],
    manifest: &Manifest,
) -> Result<usize> {
    let changed = compare_with_manifest(source, tables, manifest).await?;
    if !changed.is_empty() {
        return Err(BackupError::Mismatch(format!(
            "the source changed after the backup was taken ({}): stop every servq on it and copy again into a new database",
            changed.join("; ")
        )));
    }
    let (_, source_zone) = crate::centre_zone(source)
        .await
        .map_err(|e| BackupError::Mismatch(e.to_string()))?;
    let (_, target_zone) = crate::centre_zone(target)
        .await
        .map_err(|e| BackupError::Mismatch(e.to_string()))?;
    let before = kpi_fingerprint(source, &source_zone).await?;
    let after = kpi_fingerprint(target, &target_zone).await?;
    if before != after {
        let first = before
            .lines()
            .zip(after.lines())
            .find(|(a, b)| a != b)
            .map(|(a, b)| format!("source: {a} / copy: {b}"))
            .unwrap_or_else(|| "the reports have different lengths".to_owned());
        return Err(BackupError::Mismatch(format!("the KPIs differ: {first}")));
    }
    Ok(before.lines().count().saturating_sub(1))
}
