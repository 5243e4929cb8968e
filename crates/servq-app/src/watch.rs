//! A watched import folder (`servq import watch DIR --kind contacts`, docs/import.md): the files a
//! telephony system drops there each night are imported once each — by name and SHA-256 of the
//! content — and moved to `done/`, or to `failed/` beside their error report.
//!
//! A file is taken once it has not changed for the settle time (an export still being written
//! is left for the next pass); hidden files and names ending `.part`, `.partial` or `.tmp` are
//! never taken. The record of an import is written after its commit and before the file moves:
//! a watcher stopped in between imports the file again on its next pass, which changes nothing
//! (imports are idempotent), or finds the record and only moves it.

use std::{
    path::{Path, PathBuf},
    time::{Duration, SystemTime},
};

use anyhow::{Context, Result};
use serde::Serialize;
use servq_import::Outcome;
use servq_store::{Actor, Store, StoreError, WatchOutcome, WatchedFile};
use sha2::{Digest, Sha256};

use crate::imports::{FileImport, FileKind, TableOptions, import_file};

/// The folder imported files move to.
pub const DONE: &str = "done";
/// The folder refused files move to, with `NAME.errors.csv`.
pub const FAILED: &str = "failed";

/// How a folder is watched.
#[derive(Debug, Clone)]
pub struct WatchOptions {
    /// What its files hold.
    pub kind: FileKind,
    /// How to read them (column mapping, encoding, sheet).
    pub table: TableOptions,
    /// The zone of times written without an offset.
    pub zone: jiff::tz::TimeZone,
    /// A file is taken once unchanged this long.
    pub settle: Duration,
}

/// What became of one file (one JSON line of `servq import watch`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TakenFile {
    /// Its name in the folder.
    pub file: String,
    /// `imported`, `already_imported`, `rejected` or `unreadable`.
    pub outcome: &'static str,
    /// Rows imported (or, already imported, then), or bad rows.
    pub rows: i64,
    /// What happened, in a line.
    pub detail: String,
    /// Where the file is now.
    pub moved_to: String,
    /// The error report of a refused file.
    pub report: Option<String>,
}

/// The files of `dir` a pass takes now, in name order.
fn ready_files(dir: &Path, settle: Duration, now: SystemTime) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for entry in
        std::fs::read_dir(dir).with_context(|| format!("reading folder {}", dir.display()))?
    {
        let entry = entry.with_context(|| format!("reading folder {}", dir.display()))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let lower = name.to_lowercase();
        if name.starts_with('.')
            || [".part", ".partial", ".tmp"]
                .iter()
                .any(|end| lower.ends_with(end))
        {
            continue;
        }
        let meta = entry
            .metadata()
            .with_context(|| format!("reading {name}"))?;
        if !meta.is_file() {
            continue;
        }
        let changed = meta.modified().unwrap_or(now);
        if now.duration_since(changed).unwrap_or_default() < settle {
            continue;
        }
        files.push(entry.path());
    }
    files.sort();
    Ok(files)
}

/// `name` in `folder`, or `name.2`, `name.3`… when taken.
fn free_name(folder: &Path, name: &str) -> PathBuf {
    let mut candidate = folder.join(name);
    let mut n = 2;
    while candidate.exists() {
        candidate = folder.join(format!("{name}.{n}"));
        n += 1;
    }
    candidate
}

fn move_into(file: &Path, folder: &Path) -> Result<PathBuf> {
    std::fs::create_dir_all(folder).with_context(|| format!("creating {}", folder.display()))?;
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let target = free_name(folder, &name);
    std::fs::rename(file, &target)
        .with_context(|| format!("moving {} to {}", file.display(), target.display()))?;
    Ok(target)
}

/// Whether an import failed for the database (retry the file later) rather than for the file.
fn is_database(error: &anyhow::Error) -> bool {
    error
        .chain()
        .any(|cause| cause.downcast_ref::<StoreError>().is_some())
}

/// The SHA-256 of a file, read in a stream: a night's export can be gigabytes.
fn file_sha256(path: &Path) -> std::io::Result<String> {
    let mut hasher = Sha256::new();
    std::io::copy(&mut std::fs::File::open(path)?, &mut hasher)?;
    Ok(hex::encode(hasher.finalize()))
}

/// One pass over `dir`: every settled file imported once and moved.
pub async fn pass(store: &Store, dir: &Path, options: &WatchOptions) -> Result<Vec<TakenFile>> {
    let mut taken = Vec::new();
    for path in ready_files(dir, options.settle, SystemTime::now())? {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let sha256 = file_sha256(&path).with_context(|| format!("reading {}", path.display()))?;
        if let Some(earlier) = store.watched_file(&name, &sha256).await?
            && earlier.outcome == WatchOutcome::Imported
        {
            let moved = move_into(&path, &dir.join(DONE))?;
            taken.push(TakenFile {
                file: name,
                outcome: "already_imported",
                rows: earlier.rows,
                detail: format!(
                    "the same file was imported at {}",
                    crate::rfc3339(earlier.at_ms)
                ),
                moved_to: moved.display().to_string(),
                report: None,
            });
            continue;
        }
        let actor = Actor {
            user_id: None,
            name: "import watch".to_owned(),
        };
        let outcome = import_file(
            store,
            FileImport {
                kind: options.kind,
                path: &path,
                name: &name,
                table: options.table.clone(),
                zone: &options.zone,
                max_errors: 100_000,
                actor: &actor,
                rules: None,
            },
            |_| {},
        )
        .await;
        let record = |outcome: WatchOutcome, rows: i64, detail: String| WatchedFile {
            name: name.clone(),
            sha256: sha256.clone(),
            kind: options.kind.name().to_owned(),
            outcome,
            rows,
            detail,
            at_ms: crate::now_ms(),
        };
        let result = match outcome {
            Ok(Outcome::Imported(summary)) => {
                let detail = format!(
                    "{} rows: {} new, {} updated, {} unchanged",
                    summary.rows, summary.inserted, summary.updated, summary.unchanged
                );
                let rows = summary.rows;
                store
                    .record_watched_file(&record(WatchOutcome::Imported, rows, detail.clone()))
                    .await?;
                let moved = move_into(&path, &dir.join(DONE))?;
                TakenFile {
                    file: name.clone(),
                    outcome: "imported",
                    rows,
                    detail,
                    moved_to: moved.display().to_string(),
                    report: None,
                }
            }
            Ok(Outcome::Rejected(rejection)) => {
                let mut report = csv::Writer::from_writer(Vec::new());
                report.write_record(["file", "line", "column", "reason"])?;
                for error in &rejection.errors {
                    report.write_record([
                        name.as_str(),
                        &error.line.to_string(),
                        &error.column,
                        &error.reason,
                    ])?;
                }
                let detail = format!(
                    "{} bad rows, {} errors; nothing imported",
                    rejection.bad_rows, rejection.error_count
                );
                let rows = i64::try_from(rejection.bad_rows).unwrap_or(i64::MAX);
                store
                    .record_watched_file(&record(WatchOutcome::Rejected, rows, detail.clone()))
                    .await?;
                let moved = move_into(&path, &dir.join(FAILED))?;
                let report_path = PathBuf::from(format!("{}.errors.csv", moved.display()));
                std::fs::write(&report_path, report.into_inner()?)
                    .with_context(|| format!("writing {}", report_path.display()))?;
                TakenFile {
                    file: name.clone(),
                    outcome: "rejected",
                    rows,
                    detail,
                    moved_to: moved.display().to_string(),
                    report: Some(report_path.display().to_string()),
                }
            }
            Err(error) if is_database(&error) => return Err(error),
            Err(error) => {
                let detail = format!("{error:#}");
                store
                    .record_watched_file(&record(WatchOutcome::Unreadable, 0, detail.clone()))
                    .await?;
                let moved = move_into(&path, &dir.join(FAILED))?;
                let report_path = PathBuf::from(format!("{}.errors.txt", moved.display()));
                std::fs::write(&report_path, format!("{detail}\n"))
                    .with_context(|| format!("writing {}", report_path.display()))?;
                TakenFile {
                    file: name.clone(),
                    outcome: "unreadable",
                    rows: 0,
                    detail,
                    moved_to: moved.display().to_string(),
                    report: Some(report_path.display().to_string()),
                }
            }
        };
        taken.push(result);
    }
    Ok(taken)
}
