//! Imports from the web app: `POST /api/v1/imports` takes a multipart upload (streamed to a
//! temporary file), records a job and runs the same pipeline as `servq import` in the
//! background; `GET /api/v1/imports/{id}` reports progress, the outcome and the row errors
//! (file, line, column, reason); `/import` is the page that uploads with a progress bar and
//! shows them. Jobs live in the database, so any instance can answer for any import.

use axum::{
    Json,
    extract::{
        Multipart, Path, Query, State,
        multipart::MultipartRejection,
        rejection::{PathRejection, QueryRejection},
    },
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Redirect, Response},
};
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use servq_app::imports::{FileImport, FileKind, TableOptions, import_file};
use servq_core::Permission;
use servq_import::{ColumnMap, Outcome, Phase, Progress, TextEncoding};
use servq_store::{Actor, Backend, ImportEnd, ImportJob, ImportStatus, Store};
use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use tokio::io::AsyncWriteExt;

use crate::{
    AppState, Problem,
    auth::{self, CurrentUser},
    i18n::t,
    now_ms,
    pages::{Text, render, signed_in_header},
};

/// The latest progress of the imports this process runs. On PostgreSQL progress is also written
/// to the job's row, so that any instance can report it; an SQLite import holds the database's
/// only write lock until it commits, so there progress stays in this process (which is the only
/// one writing that file anyway).
#[derive(Clone, Default)]
pub(crate) struct ProgressBoard(Arc<Mutex<HashMap<String, Progress>>>);

impl ProgressBoard {
    fn set(&self, job_id: &str, progress: Progress) {
        if let Ok(mut board) = self.0.lock() {
            board.insert(job_id.to_owned(), progress);
        }
    }

    fn get(&self, job_id: &str) -> Option<Progress> {
        self.0.lock().ok()?.get(job_id).copied()
    }

    fn remove(&self, job_id: &str) {
        if let Ok(mut board) = self.0.lock() {
            board.remove(job_id);
        }
    }
}

fn status_of(phase: Phase) -> ImportStatus {
    match phase {
        Phase::Reading => ImportStatus::Reading,
        Phase::Merging => ImportStatus::Merging,
    }
}

/// Row errors kept per import (all are counted).
pub(crate) const MAX_KEPT_ERRORS: usize = 1000;
/// The largest upload accepted, bytes.
pub(crate) const MAX_UPLOAD_BYTES: usize = 4 << 30;
/// Progress is written to the database at most this often.
const PROGRESS_EVERY: std::time::Duration = std::time::Duration::from_millis(200);

/// What a committed import did.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct ImportCounts {
    rows: i64,
    inserted: i64,
    updated: i64,
    unchanged: i64,
}

/// One row error.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct ImportRowError {
    line: u64,
    column: String,
    reason: String,
}

/// `GET /api/v1/imports/{id}`.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct ImportJobBody {
    id: String,
    kind: String,
    file_name: String,
    username: String,
    /// reading, merging, imported, rejected or failed.
    status: String,
    finished: bool,
    /// Bytes (CSV) or rows (spreadsheets) read.
    done: i64,
    total: i64,
    rows_read: i64,
    started_at: String,
    finished_at: Option<String>,
    summary: ImportCounts,
    bad_rows: i64,
    error_count: i64,
    /// Why a failed import failed.
    message: String,
    /// The first 1 000 errors.
    errors: Vec<ImportRowError>,
}

impl From<&ImportJob> for ImportJobBody {
    fn from(job: &ImportJob) -> Self {
        ImportJobBody {
            id: job.job_id.clone(),
            kind: job.kind.clone(),
            file_name: job.file_name.clone(),
            username: job.username.clone(),
            status: job.status.name().to_owned(),
            finished: job.status.is_final(),
            done: job.done,
            total: job.total,
            rows_read: job.rows_read,
            started_at: crate::rfc3339(job.started_ms),
            finished_at: job.finished_ms.map(crate::rfc3339),
            summary: ImportCounts {
                rows: job.summary.rows,
                inserted: job.summary.inserted,
                updated: job.summary.updated,
                unchanged: job.summary.unchanged,
            },
            bad_rows: job.bad_rows,
            error_count: job.error_count,
            message: job.message.clone(),
            errors: job
                .errors
                .iter()
                .map(|e| ImportRowError {
                    line: e.line,
                    column: e.column.clone(),
                    reason: e.reason.clone(),
                })
                .collect(),
        }
    }
}

/// `GET /api/v1/imports`.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct ImportJobs {
    imports: Vec<ImportJobBody>,
}

/// The extension the reader recognises the format by (`csv` unless a spreadsheet's).
fn extension(file_name: &str) -> &'static str {
    let lower = file_name.to_ascii_lowercase();
    ["xlsx", "xlsm", "xls", "xlsb", "ods"]
        .into_iter()
        .find(|ext| lower.ends_with(&format!(".{ext}")))
        .unwrap_or("csv")
}

// The handler fills this from the multipart fields; `file` holds the uploaded file's cleaned
// name and the temporary path it was streamed to.
/// `POST /api/v1/imports` form (multipart/form-data).
#[derive(Default, utoipa::ToSchema)]
pub(crate) struct ImportUpload {
    /// contacts, agent_states, agents, survey_results, tickets or transcripts.
    #[schema(value_type = String)]
    kind: Option<String>,
    /// The CSV or spreadsheet file.
    #[schema(
        value_type = String,
        format = Binary,
        content_media_type = "application/octet-stream"
    )]
    file: Option<(String, std::path::PathBuf)>,
    /// utf-8 (default), gbk or gb18030.
    encoding: Option<String>,
    /// servq_name=their_name pairs, comma-separated.
    map: Option<String>,
    /// Sheet of a spreadsheet (default: the first).
    sheet: Option<String>,
}

/// `POST /api/v1/imports` answer.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct ImportStarted {
    id: String,
    status: String,
    /// Where to poll.
    url: String,
}

/// `POST /api/v1/imports`: upload a file (multipart/form-data fields `kind`, `file`, and
/// optionally `encoding`, `map`, `sheet`); answers 202 with the job to poll.
#[utoipa::path(post, path = "/api/v1/imports", tag = "imports",
    request_body(content = ImportUpload, content_type = "multipart/form-data"),
    responses((status = 202, body = ImportStarted),
        (status = 400, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 413, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 415, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn start_import(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, Problem> {
    user.require(Permission::ImportData)?;
    user.check_csrf_header(&headers)?;
    let locale = user.locale;
    let bad = |code: &'static str, detail: String| Problem::bad_request(locale, code, detail);
    let mut multipart = multipart?;
    // the upload waits in the data directory under its job's id: a server that stops during
    // the import leaves a folder the next one can tell is orphaned, and removes it
    let job_id = auth::new_token()[..32].to_owned();
    let folder = UploadFolder::create(&state, &job_id).map_err(Problem::internal)?;
    let mut fields = ImportUpload::default();
    let read_error = |error: axum::extract::multipart::MultipartError| {
        let status = error.status();
        if status == StatusCode::PAYLOAD_TOO_LARGE {
            Problem::too_large(format!("uploads are limited to {} bytes", MAX_UPLOAD_BYTES))
        } else {
            Problem::rejected(status, error.body_text())
        }
    };
    while let Some(mut field) = multipart.next_field().await.map_err(read_error)? {
        let name = field.name().unwrap_or("").to_owned();
        if name == "file" {
            if fields.file.is_some() {
                return Err(bad("file_required", "send one file per import".to_owned()));
            }
            let file_name =
                servq_app::desk::clean_file_name(field.file_name().unwrap_or(""), "upload.csv");
            let path = folder.0.join(format!("upload.{}", extension(&file_name)));
            let mut file = tokio::fs::File::create(&path)
                .await
                .map_err(Problem::internal)?;
            while let Some(chunk) = field.chunk().await.map_err(read_error)? {
                file.write_all(&chunk).await.map_err(Problem::internal)?;
            }
            file.flush().await.map_err(Problem::internal)?;
            fields.file = Some((file_name, path));
        } else {
            let text = field.text().await.map_err(read_error)?;
            let slot = match name.as_str() {
                "kind" => &mut fields.kind,
                "encoding" => &mut fields.encoding,
                "map" => &mut fields.map,
                "sheet" => &mut fields.sheet,
                _ => continue,
            };
            *slot = Some(text).filter(|t| !t.trim().is_empty());
        }
    }
    let kind_name = fields.kind.unwrap_or_default();
    let Some(kind) = FileKind::parse(&kind_name) else {
        let known: Vec<&str> = FileKind::ALL.into_iter().map(FileKind::name).collect();
        return Err(bad(
            "unknown_import_kind",
            format!("kind '{kind_name}' is not one of {}", known.join(", ")),
        ));
    };
    let Some((file_name, path)) = fields.file else {
        return Err(bad(
            "file_required",
            "the form has no file field".to_owned(),
        ));
    };
    let encoding_name = fields.encoding.unwrap_or_else(|| "utf-8".to_owned());
    let encoding = TextEncoding::parse(&encoding_name).ok_or_else(|| {
        bad(
            "unknown_encoding",
            format!("encoding '{encoding_name}' is not one of auto, utf-8, gbk, gb18030"),
        )
    })?;
    let map = match (fields.map.as_deref(), kind.columns()) {
        (Some(text), Some((columns, _))) => {
            ColumnMap::parse(text, columns).map_err(|error| bad("bad_map", error.to_string()))?
        }
        _ => ColumnMap::default(),
    };
    // the mapping a centre's export system needs is the same every time: kept per kind and
    // offered on the next visit (an empty one clears it)
    if kind.columns().is_some() {
        let map_text = fields.map.as_deref().unwrap_or("").trim().to_owned();
        state
            .store
            .set_text_setting(&map_setting(kind), &map_text, &user.actor(), now_ms())
            .await
            .map_err(Problem::internal)?;
    }
    let (_, zone) = state.centre_zone().await?;
    let actor = user.actor();
    state
        .store
        .create_owned_import_job(
            &job_id,
            &actor,
            kind.name(),
            &file_name,
            &state.instance,
            now_ms(),
        )
        .await
        .map_err(Problem::internal)?;
    let job = Job {
        store: state.store.clone(),
        board: state.imports.clone(),
        job_id: job_id.clone(),
        actor,
        kind,
        file_name,
        path,
        encoding,
        map,
        sheet: fields.sheet,
        zone,
    };
    // The reader does blocking file IO for the whole file: run it off the async workers, with
    // the store calls driven by this runtime.
    let runtime = tokio::runtime::Handle::current();
    tokio::task::spawn_blocking(move || {
        let _folder = folder;
        runtime.block_on(job.run());
    });
    Ok((
        StatusCode::ACCEPTED,
        Json(ImportStarted {
            url: format!("/api/v1/imports/{job_id}"),
            id: job_id,
            status: ImportStatus::Reading.name().to_owned(),
        }),
    )
        .into_response())
}

/// The folder an upload waits in (`DATA_DIR/uploads/JOB_ID`), removed when dropped.
struct UploadFolder(std::path::PathBuf);

impl UploadFolder {
    fn create(state: &AppState, job_id: &str) -> std::io::Result<UploadFolder> {
        let path = uploads_dir(state).join(job_id);
        std::fs::create_dir_all(&path)?;
        Ok(UploadFolder(path))
    }
}

impl Drop for UploadFolder {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn uploads_dir(state: &AppState) -> std::path::PathBuf {
    state.data_dir.join("uploads")
}

/// How often a server says its imports are alive.
const HEARTBEAT_EVERY: std::time::Duration = std::time::Duration::from_secs(15);
/// After how long without a heartbeat an import is taken as orphaned.
const ORPHANED_AFTER_MS: i64 = 90_000;
/// An upload folder without a running import is removed once it is this old (a folder younger
/// may belong to an upload still arriving).
const STRAY_UPLOAD_MS: u128 = 15 * 60 * 1000;

/// Keeps this server's imports alive and ends those of servers that stopped: every
/// [`HEARTBEAT_EVERY`] the running imports owned by this process beat; running imports whose
/// owner has not beaten for [`ORPHANED_AFTER_MS`] end as failed ("the server stopped during
/// the import"); upload folders of imports no longer running are removed. First at start.
pub(crate) fn keep_imports(state: AppState) {
    tokio::spawn(async move {
        loop {
            let now = now_ms();
            if let Err(error) = state.store.beat_import_jobs(&state.instance, now).await {
                tracing::warn!("import heartbeat: {error}");
            }
            match state
                .store
                .fail_orphaned_imports(now - ORPHANED_AFTER_MS, now)
                .await
            {
                Ok(orphans) => {
                    for job in orphans {
                        tracing::warn!("import {job}: its server stopped; ended as failed");
                    }
                }
                Err(error) => tracing::warn!("orphaned imports: {error}"),
            }
            remove_stray_uploads(&state).await;
            tokio::time::sleep(HEARTBEAT_EVERY).await;
        }
    });
}

/// Removes upload folders whose import is not running (ended, orphaned or never recorded) and
/// which are old enough not to be an upload still arriving.
async fn remove_stray_uploads(state: &AppState) {
    let Ok(entries) = std::fs::read_dir(uploads_dir(state)) else {
        return;
    };
    for entry in entries.flatten() {
        let Some(job_id) = entry.file_name().to_str().map(str::to_owned) else {
            continue;
        };
        let old = entry
            .metadata()
            .and_then(|meta| meta.modified())
            .ok()
            .and_then(|modified| modified.elapsed().ok())
            .is_some_and(|age| age.as_millis() > STRAY_UPLOAD_MS);
        let running = state.store.import_running(&job_id).await.unwrap_or(true);
        if !running
            && (old
                || state
                    .store
                    .import_job(&job_id, 0)
                    .await
                    .ok()
                    .flatten()
                    .is_some())
        {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// One upload being imported.
struct Job {
    store: Store,
    board: ProgressBoard,
    job_id: String,
    actor: Actor,
    kind: FileKind,
    file_name: String,
    path: std::path::PathBuf,
    encoding: TextEncoding,
    map: ColumnMap,
    sheet: Option<String>,
    zone: TimeZone,
}

impl Job {
    /// Imports the upload with the pipeline `servq import` uses.
    async fn import(&self, progress: impl FnMut(Progress)) -> Result<Outcome, String> {
        import_file(
            &self.store,
            FileImport {
                kind: self.kind,
                path: &self.path,
                name: &self.file_name,
                table: TableOptions {
                    map: self.map.clone(),
                    encoding: self.encoding,
                    sheet: self.sheet.clone(),
                },
                zone: &self.zone,
                max_errors: MAX_KEPT_ERRORS,
                actor: &self.actor,
                rules: None,
            },
            progress,
        )
        .await
        .map_err(|error| format!("{error:#}"))
    }

    async fn run(self) {
        let (sender, mut receiver) = tokio::sync::watch::channel(None::<Progress>);
        let writer = {
            let store = self.store.clone();
            let board = self.board.clone();
            let job_id = self.job_id.clone();
            let shared = store.backend() == Backend::Postgres;
            tokio::spawn(async move {
                while receiver.changed().await.is_ok() {
                    let latest = *receiver.borrow_and_update();
                    let Some(progress) = latest else { continue };
                    board.set(&job_id, progress);
                    if shared
                        && let Err(error) = store
                            .update_import_progress(
                                &job_id,
                                status_of(progress.phase),
                                progress.done,
                                progress.total,
                                progress.rows,
                                now_ms(),
                            )
                            .await
                    {
                        tracing::warn!("import {job_id}: progress not recorded: {error}");
                    }
                    tokio::time::sleep(PROGRESS_EVERY).await;
                }
            })
        };
        let report = |progress| {
            sender.send_replace(Some(progress));
        };
        let outcome = self.import(report).await;
        drop(sender);
        let _ = writer.await;
        let end = match &outcome {
            Ok(Outcome::Imported(summary)) => ImportEnd::Imported(*summary),
            Ok(Outcome::Rejected(rejection)) => ImportEnd::Rejected {
                bad_rows: rejection.bad_rows,
                error_count: rejection.error_count,
                errors: &rejection.errors,
            },
            Err(message) => ImportEnd::Failed(message),
        };
        if let Err(error) = self
            .store
            .finish_import_job(&self.job_id, &end, &self.actor, now_ms())
            .await
        {
            tracing::error!("import {}: outcome not recorded: {error}", self.job_id);
            // the job must still end, or its page waits forever: failed, saying why
            let reason = format!("the outcome could not be recorded: {error}");
            if let Err(error) = self
                .store
                .finish_import_job(
                    &self.job_id,
                    &ImportEnd::Failed(&reason),
                    &self.actor,
                    now_ms(),
                )
                .await
            {
                tracing::error!("import {}: not even ended as failed: {error}", self.job_id);
            }
        }
        self.board.remove(&self.job_id);
        if matches!(end, ImportEnd::Imported(_)) {
            // keep SQLite's write-ahead log small after a large import
            let _ = self.store.checkpoint().await;
        }
    }
}

/// `GET /api/v1/imports/{id}`: progress and outcome of an import, with its first 1 000 errors.
#[utoipa::path(get, path = "/api/v1/imports/{id}", tag = "imports",
    params(("id" = String, Path, description = "The id `POST /api/v1/imports` answered")),
    responses((status = 200, body = ImportJobBody),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 404, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn import_job(
    State(state): State<AppState>,
    user: CurrentUser,
    id: Result<Path<String>, PathRejection>,
) -> Result<Json<ImportJobBody>, Problem> {
    user.require(Permission::ImportData)?;
    let Path(id) = id?;
    let job = state
        .store
        .import_job(&id, MAX_KEPT_ERRORS as i64)
        .await
        .map_err(Problem::internal)?
        .ok_or_else(|| Problem::not_found(user.locale))?;
    Ok(Json(ImportJobBody::from(&with_live_progress(&state, job))))
}

/// A running job with the progress this process holds for it.
fn with_live_progress(state: &AppState, mut job: ImportJob) -> ImportJob {
    if !job.status.is_final()
        && let Some(progress) = state.imports.get(&job.job_id)
    {
        job.status = status_of(progress.phase);
        job.done = progress.done as i64;
        job.total = progress.total as i64;
        job.rows_read = progress.rows as i64;
    }
    job
}

#[derive(Deserialize)]
pub(crate) struct ListParams {
    limit: Option<i64>,
}

/// `GET /api/v1/imports`: the newest imports first (without their errors).
#[utoipa::path(get, path = "/api/v1/imports", tag = "imports",
    params(("limit" = Option<i64>, Query, description = "1 to 500, default 50")),
    responses((status = 200, body = ImportJobs),
        (status = 400, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn import_jobs(
    State(state): State<AppState>,
    user: CurrentUser,
    params: Result<Query<ListParams>, QueryRejection>,
) -> Result<Json<ImportJobs>, Problem> {
    user.require(Permission::ImportData)?;
    let Query(params) = params?;
    let jobs = state
        .store
        .import_jobs(params.limit.unwrap_or(50).clamp(1, 500))
        .await
        .map_err(Problem::internal)?;
    Ok(Json(ImportJobs {
        imports: jobs
            .into_iter()
            .map(|job| ImportJobBody::from(&with_live_progress(&state, job)))
            .collect(),
    }))
}

/// UI strings the page's script needs, in the user's language.
const SCRIPT_STRINGS: &[&str] = &[
    "import.uploading",
    "import.status_reading",
    "import.status_merging",
    "import.status_imported",
    "import.status_rejected",
    "import.status_failed",
    "import.imported",
    "import.rejected",
    "import.upload_failed",
    "import.more_errors",
];

/// The setting holding the last column mapping used for `kind`.
fn map_setting(kind: FileKind) -> String {
    format!("import.map.{}", kind.name())
}

/// `GET /import/template/{kind}`: a CSV with the kind's columns as the header (UTF-8 with a BOM,
/// so Excel opens it), to fill in; transcripts get one example JSON line.
pub(crate) async fn template(
    user: Option<CurrentUser>,
    kind: Result<Path<String>, PathRejection>,
) -> Result<Response, Problem> {
    let Some(user) = user else {
        return Ok(Redirect::to("/login").into_response());
    };
    user.require(Permission::ImportData)?;
    let Path(kind) = kind?;
    let kind = FileKind::ALL
        .into_iter()
        .find(|k| k.name() == kind)
        .ok_or_else(|| Problem::not_found(user.locale))?;
    let (name, content_type, body) = match kind.columns() {
        Some((columns, _)) => (
            format!("{}.csv", kind.name()),
            "text/csv; charset=utf-8",
            format!("\u{feff}{}\r\n", columns.join(",")),
        ),
        None => (
            format!("{}.jsonl", kind.name()),
            "application/x-ndjson; charset=utf-8",
            "{\"contact_id\":\"C0001\",\"turns\":[{\"speaker\":\"agent\",\"start\":0.0,\"end\":3.2,\"text\":\"您好，请问有什么可以帮您？\"},{\"speaker\":\"customer\",\"start\":3.5,\"end\":6.0,\"text\":\"我的账单有问题。\"}]}\n".to_owned(),
        ),
    };
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, content_type.to_owned()),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        body,
    )
        .into_response())
}

/// `/import`: the upload form, the progress of the current import (`?job=ID`, read by the
/// page's script) and the recent imports.
pub(crate) async fn import_page(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
) -> Result<Response, Problem> {
    let Some(user) = user else {
        return Ok(Redirect::to("/login").into_response());
    };
    user.require(Permission::ImportData)?;
    let locale = user.locale;
    let strings: serde_json::Map<String, Value> = SCRIPT_STRINGS
        .iter()
        .map(|key| ((*key).to_owned(), Value::String(t(locale, key))))
        .collect();
    // JSON inside <script>: a "</" in a translation must not end the element
    let strings = crate::pages::script_json(&Value::Object(strings));
    let mut maps = serde_json::Map::new();
    for kind in FileKind::ALL {
        if let Some(map) = state
            .store
            .text_setting(&map_setting(kind))
            .await
            .map_err(Problem::internal)?
        {
            maps.insert(kind.name().to_owned(), Value::String(map));
        }
    }
    let (_, zone) = state.centre_zone().await?;
    let jobs = state
        .store
        .import_jobs(20)
        .await
        .map_err(Problem::internal)?;
    let page = ImportPage {
        i18n: Text::new(locale),
        title: t(locale, "import.title"),
        header: signed_in_header(&user),
        csrf: user.csrf_token(),
        kinds: FileKind::ALL.map(FileKind::name),
        strings,
        maps: crate::pages::script_json(&serde_json::Value::Object(maps)),
        jobs: jobs
            .into_iter()
            .map(|job| {
                let started = crate::desk_pages::local_time(&zone, Some(job.started_ms));
                (job, started)
            })
            .collect(),
    };
    Ok(render(&page)?.into_response())
}

#[derive(askama::Template)]
#[template(path = "import.html")]
struct ImportPage<'a> {
    i18n: Text,
    title: String,
    header: String,
    csrf: &'a str,
    kinds: [&'static str; FileKind::ALL.len()],
    strings: String,
    /// The last column mapping per kind, for the map field (JSON island).
    maps: String,
    /// (job, started in the centre's zone).
    jobs: Vec<(ImportJob, String)>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Locale;

    #[test]
    fn uploaded_names_are_cleaned_and_keep_their_format() {
        assert_eq!(
            servq_app::desk::clean_file_name("C:\\Users\\li\\话务.xlsx", "upload.csv"),
            "话务.xlsx"
        );
        assert_eq!(
            servq_app::desk::clean_file_name("../../etc/passwd", "upload.csv"),
            "passwd"
        );
        assert_eq!(
            servq_app::desk::clean_file_name("", "upload.csv"),
            "upload.csv"
        );
        assert_eq!(extension("话务.XLSX"), "xlsx");
        assert_eq!(extension("calls.csv"), "csv");
        assert_eq!(extension("calls"), "csv");
    }

    #[test]
    fn the_script_strings_exist_in_every_language() {
        for locale in Locale::ALL {
            for key in SCRIPT_STRINGS {
                assert_ne!(t(locale, key), *key, "{key} in {}", locale.tag());
            }
        }
    }
}
