//! `servq report`: the monthly quality report. `monthly` reads a month from the store, keeps its
//! data snapshot in the archive (the same archive `/reports` lists) and writes it as PDF, XLSX or
//! HTML; `list` shows the archive; `render` writes a stored report again, identically.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use servq_app::i18n::Locale;
use servq_app::monthly_report::{self, Month, RenderFormat};

use crate::config::Config;

#[derive(Debug, clap::Subcommand)]
pub enum ReportCommand {
    /// Make the monthly quality report of --month, keep its snapshot, write it to --output.
    Monthly {
        /// The month, YYYY-MM (days counted in the centre's zone).
        #[arg(long)]
        month: String,
        /// pdf, xlsx or html.
        #[arg(long, default_value = "pdf")]
        format: String,
        /// The file to write.
        #[arg(long)]
        output: PathBuf,
        /// The reader's language: zh-CN, zh-TW or en.
        #[arg(long, default_value = "zh-CN")]
        lang: String,
    },
    /// The stored reports, newest month first.
    List {
        /// table or json.
        #[arg(long, default_value = "table")]
        format: String,
    },
    /// Write stored report ID again (from its snapshot, so identical to the first time).
    Render {
        /// The report's id (`servq report list`).
        id: i64,
        /// pdf, xlsx or html.
        #[arg(long, default_value = "pdf")]
        format: String,
        /// The file to write.
        #[arg(long)]
        output: PathBuf,
        /// The reader's language: zh-CN, zh-TW or en.
        #[arg(long, default_value = "zh-CN")]
        lang: String,
    },
}

fn parse_format(text: &str) -> Result<RenderFormat> {
    RenderFormat::parse(text)
        .with_context(|| format!("--format '{text}' is not one of pdf, xlsx, html"))
}

fn parse_lang(text: &str) -> Result<Locale> {
    Locale::parse(text).with_context(|| format!("--lang '{text}' is not one of zh-CN, zh-TW, en"))
}

/// Writes `bytes` to `path` through a temporary file beside it, so a failure leaves no
/// half-written report.
fn write_whole(path: &Path, bytes: &[u8]) -> Result<()> {
    let directory = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut temporary = tempfile::NamedTempFile::new_in(directory)
        .with_context(|| format!("cannot write in {}", directory.display()))?;
    std::io::Write::write_all(&mut temporary, bytes)?;
    // a report is for others to read: not the temporary file's owner-only mode
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        temporary
            .as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644))?;
    }
    temporary
        .persist(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

pub async fn run(config: &Config, command: ReportCommand) -> Result<ExitCode> {
    let store = config.open_store().await?;
    let result = run_with(&store, command).await;
    store.close().await;
    result
}

async fn run_with(store: &servq_store::Store, command: ReportCommand) -> Result<ExitCode> {
    match command {
        ReportCommand::Monthly {
            month,
            format,
            output,
            lang,
        } => {
            let format = parse_format(&format)?;
            let locale = parse_lang(&lang)?;
            let Some(month) = Month::parse(&month) else {
                bail!("--month '{month}' is not a month (YYYY-MM)");
            };
            // render first from the fresh snapshot: a missing font fails before anything is kept
            let report = monthly_report::snapshot(store, month).await?;
            let bytes = monthly_report::render(&report, format, locale)?;
            let text = serde_json::to_string(&report)?;
            let id = store
                .save_report(
                    &servq_store::NewReport {
                        kind: monthly_report::KIND,
                        period: &report.month,
                        origin: servq_store::ReportOrigin::Manual,
                        snapshot: &text,
                    },
                    &servq_app::cli_actor(),
                    servq_app::now_ms(),
                    None,
                )
                .await?
                .context("the report was not stored")?;
            write_whole(&output, &bytes)?;
            eprintln!(
                "report {id}: {} quality report written to {} ({} bytes)",
                report.month,
                output.display(),
                bytes.len()
            );
            Ok(ExitCode::SUCCESS)
        }
        ReportCommand::List { format } => {
            let reports = store.reports().await?;
            let (_, zone) = servq_app::centre_zone(store).await?;
            let local = |ms: i64| {
                jiff::Timestamp::from_millisecond(ms)
                    .map(|at| {
                        at.to_zoned(zone.clone())
                            .strftime("%Y-%m-%dT%H:%M:%S%:z")
                            .to_string()
                    })
                    .unwrap_or_default()
            };
            if format == "json" {
                let rows: Vec<_> = reports
                    .iter()
                    .map(|r| {
                        serde_json::json!({
                            "id": r.id,
                            "kind": r.kind,
                            "period": r.period,
                            "origin": r.origin.name(),
                            "created_by": r.created_by,
                            "created_at": local(r.created_at),
                        })
                    })
                    .collect();
                println!("{}", serde_json::to_string_pretty(&rows)?);
            } else if format == "table" {
                let mut table = comfy_table::Table::new();
                table.load_preset(comfy_table::presets::NOTHING);
                table.set_header(["id", "kind", "period", "origin", "created by", "created at"]);
                for r in &reports {
                    table.add_row([
                        r.id.to_string(),
                        r.kind.clone(),
                        r.period.clone(),
                        r.origin.name().to_owned(),
                        r.created_by.clone(),
                        local(r.created_at),
                    ]);
                }
                println!("{table}");
            } else {
                bail!("--format '{format}' is not one of table, json");
            }
            Ok(ExitCode::SUCCESS)
        }
        ReportCommand::Render {
            id,
            format,
            output,
            lang,
        } => {
            let format = parse_format(&format)?;
            let locale = parse_lang(&lang)?;
            let Some((_, report)) = monthly_report::stored(store, id).await? else {
                bail!("there is no report {id} (servq report list)");
            };
            let bytes = monthly_report::render(&report, format, locale)?;
            write_whole(&output, &bytes)?;
            eprintln!(
                "report {id} written to {} ({} bytes)",
                output.display(),
                bytes.len()
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}
