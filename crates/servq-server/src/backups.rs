//! `GET /api/v1/backup`: a backup of the store made now and downloaded (docs/operations.md), for
//! an administrator without a shell on the server. The file is written into the data directory,
//! unlinked once opened and streamed, so nothing stays behind. Every download is audited: it
//! carries all personal data.

use axum::{
    body::Body,
    extract::State,
    http::{HeaderValue, header},
    response::{IntoResponse, Response},
};
use servq_core::Permission;
use tokio::io::AsyncReadExt;

use crate::{AppState, Problem, auth::CurrentUser, now_ms};

/// `GET /api/v1/backup`: a consistent backup of the whole store as a file download.
#[utoipa::path(get, path = "/api/v1/backup", tag = "admin",
    responses((status = 200, description = "the backup file (servq-backup: zstd-compressed JSON lines with a manifest; docs/operations.md)", content_type = "application/zstd"),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn download(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Response, Problem> {
    user.require(Permission::ManageSettings)?;
    let folder = state.data_dir.join("backups");
    std::fs::create_dir_all(&folder).map_err(Problem::internal)?;
    let id: [u8; 8] = rand::random();
    let path = folder.join(format!(
        "download-{}.{}",
        hex::encode(id),
        servq_app::backup::EXTENSION
    ));
    let summary = servq_app::backup::backup(&state.store, &path, |_, _| {})
        .await
        .map_err(Problem::internal)?;
    let file = tokio::fs::File::open(&path)
        .await
        .map_err(Problem::internal)?;
    // the open file is read to its end; its name goes now, so a dropped download leaves nothing
    std::fs::remove_file(&path).map_err(Problem::internal)?;
    state
        .store
        .audit(
            &user.actor(),
            now_ms(),
            "backup_downloaded",
            "store",
            &summary.manifest.header.backup_id,
            &format!(
                "{} rows, {} bytes",
                summary.manifest.total_rows(),
                summary.bytes
            ),
        )
        .await
        .map_err(Problem::internal)?;
    let (_, zone) = servq_app::centre_zone(&state.store)
        .await
        .map_err(Problem::internal)?;
    let name = format!(
        "servq-{}.{}",
        jiff::Timestamp::now()
            .to_zoned(zone)
            .strftime("%Y-%m-%d-%H%M"),
        servq_app::backup::EXTENSION
    );
    let chunks = futures::stream::unfold(Some(file), |file| async move {
        let mut file = file?;
        let mut buffer = vec![0u8; 256 * 1024];
        match file.read(&mut buffer).await {
            Ok(0) => None,
            Ok(read) => {
                buffer.truncate(read);
                Some((Ok::<_, std::io::Error>(buffer), Some(file)))
            }
            Err(error) => Some((Err(error), None)),
        }
    });
    let mut response = Body::from_stream(chunks).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/zstd"),
    );
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(summary.bytes));
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
}
