//! `servq kb`: the knowledge base — import articles (JSON lines or a folder of Markdown files
//! with front matter, all or nothing), search them as agents do, show one, list the searches
//! that found nothing.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Result, bail};
use servq_app::kb::{self, ImportFailure};

use crate::config::Config;
use crate::refused;

#[derive(Debug, clap::Subcommand)]
pub enum KbCommand {
    /// Import articles from a JSON-lines file or a folder of .md files; all or nothing. An
    /// article the same as stored gets no new version.
    Import { path: PathBuf },
    /// Search the published articles, best first.
    Search {
        query: String,
        /// How many results.
        #[arg(long, default_value_t = kb::DEFAULT_LIMIT)]
        limit: usize,
        /// table or json.
        #[arg(long, default_value = "table")]
        format: String,
    },
    /// One article with its versions (JSON).
    Show { id: String },
    /// The searches that found nothing over the last --days (the content-gap list).
    Gaps {
        #[arg(long, default_value_t = 30)]
        days: i64,
    },
    /// Every article as JSON lines (the import's format: `servq kb import` reads it back).
    Export {
        /// The file to write (default: standard output).
        #[arg(long)]
        output: Option<PathBuf>,
    },
    /// Publish what awaits approval on an article; prints the version published.
    Approve { id: String },
    /// Send back what awaits approval on an article, with a note.
    SendBack {
        id: String,
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Flag an article version for review (the current one unless --version).
    Flag {
        id: String,
        #[arg(long)]
        version: Option<i64>,
        #[arg(long)]
        note: String,
    },
    /// Require approval before changes are published (on), or not (off).
    Approval {
        #[arg(value_parser = ["on", "off"])]
        setting: String,
    },
    /// The centre's dictionary terms; --add and --remove change them (every article is cut
    /// again).
    Terms {
        #[arg(long)]
        add: Vec<String>,
        #[arg(long)]
        remove: Vec<String>,
    },
}

pub async fn run(config: &Config, command: KbCommand) -> Result<ExitCode> {
    let store = config.open_store().await?;
    let result = run_with(&store, command).await;
    store.close().await;
    result
}

async fn run_with(store: &servq_store::Store, command: KbCommand) -> Result<ExitCode> {
    match command {
        KbCommand::Import { path } => {
            match kb::import(store, &path, &servq_app::cli_actor()).await {
                Ok(summary) => {
                    println!(
                        "{} created, {} changed, {} unchanged",
                        summary.created, summary.changed, summary.unchanged
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Err(ImportFailure::Invalid(errors)) => {
                    for error in &errors {
                        eprintln!("{error}");
                    }
                    eprintln!("nothing imported: {} problems", errors.len());
                    Ok(ExitCode::FAILURE)
                }
                Err(ImportFailure::Failed(error)) => Err(error),
            }
        }
        KbCommand::Search {
            query,
            limit,
            format,
        } => {
            if !matches!(format.as_str(), "table" | "json") {
                bail!("--format '{format}' is not table or json");
            }
            let results = kb::search(store, &query, limit, false, false).await?;
            if format == "json" {
                println!("{}", kb::search_json(&query, &results));
            } else {
                for result in &results {
                    println!(
                        "{:>8.3}  {}  {}",
                        result.score, result.article.input.id, result.article.input.title
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        KbCommand::Show { id } => {
            let Some(article) = store.kb_article(&id).await? else {
                eprintln!("error: id: no article {id}");
                return Ok(ExitCode::FAILURE);
            };
            let mut out = kb::article_json(&article);
            out["versions"] = store
                .kb_versions(&id)
                .await?
                .iter()
                .map(|v| {
                    serde_json::json!({"version": v.version, "author": v.author, "note": v.note,
                        "status": v.status.name(), "created_at": servq_app::rfc3339(v.created_at)})
                })
                .collect();
            println!("{out}");
            Ok(ExitCode::SUCCESS)
        }
        KbCommand::Export { output } => {
            let (count, text) = kb::export(store).await?;
            match crate::output_path(&output) {
                Some(path) => {
                    std::fs::write(path, text)?;
                    eprintln!("{count} articles written to {}", path.display());
                }
                None => print!("{text}"),
            }
            Ok(ExitCode::SUCCESS)
        }
        KbCommand::Approve { id } => refused(
            kb::approve(store, &id, &servq_app::cli_actor())
                .await
                .map(|version| format!("{id} v{version} published")),
        ),
        KbCommand::SendBack { id, note } => refused(
            kb::send_back(store, &id, &note, &servq_app::cli_actor())
                .await
                .map(|()| format!("{id} sent back")),
        ),
        KbCommand::Flag { id, version, note } => refused(
            kb::flag(store, &id, version, &note, &servq_app::cli_actor())
                .await
                .map(|version| format!("{id} v{version} flagged")),
        ),
        KbCommand::Approval { setting } => {
            let update = servq_app::centre::CentreUpdate {
                kb_approval_required: Some(setting == "on"),
                ..Default::default()
            };
            servq_app::centre::save(store, &update, &servq_app::cli_actor())
                .await
                .map_err(|refused| anyhow::anyhow!("{refused}"))?;
            println!("approval {setting}");
            Ok(ExitCode::SUCCESS)
        }
        KbCommand::Terms { add, remove } => refused(
            kb::change_terms(store, &add, &remove, &servq_app::cli_actor())
                .await
                .map(|terms| terms.join("\n")),
        ),
        KbCommand::Gaps { days } => {
            let since = servq_app::now_ms() - days.max(1) * 86_400_000;
            for (query, times, last) in store.kb_content_gaps(since, 100).await? {
                println!(
                    "{}",
                    serde_json::json!({"query": query, "times": times, "last": servq_app::rfc3339(last)})
                );
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
