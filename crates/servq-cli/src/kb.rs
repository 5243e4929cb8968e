//! `servq kb`: the knowledge base — import articles (JSON lines or a folder of Markdown files
//! with front matter, all or nothing), search them as agents do, show one, list the searches
//! that found nothing.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Result, bail};
use servq_app::kb::{self, ImportFailure};

use crate::config::Config;

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
