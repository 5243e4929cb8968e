//! The knowledge base's use cases (`docs/kb.md`): importing articles (JSON lines, or a folder
//! of Markdown files with front matter) all or nothing, saving an article as a new version,
//! restoring an old one, and searching — candidates from the database's index, ranked by
//! servq-kb's BM25 and cut into snippets, the same on SQLite and PostgreSQL. Every search is
//! logged; those that found nothing are the content-gap list.

use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock};

use anyhow::{Context, Result};
use serde_json::{Value, json};
use servq_core::{SettingProblem, SettingReason};
use servq_kb::{
    ArticleInput, ArticleStatus, Audience, Candidate, DocTerms, ImportError, Ranker, Tokenizer,
    snippet,
};
use servq_store::{Actor, ArticleWrite, KbSaveSummary, Store};

use crate::{SettingError, now_ms};

/// Results a search returns unless asked for another number.
pub const DEFAULT_LIMIT: usize = 10;
/// The most results a search returns.
pub const MAX_LIMIT: usize = 100;
/// Characters in a snippet.
pub const SNIPPET_CHARS: usize = 90;

/// A tokenizer with the terms it was built with.
type CachedTokenizer = (Vec<String>, Arc<Tokenizer>);

/// The tokenizer of the centre's terms, built again when the terms change.
static TOKENIZER: OnceLock<Mutex<Option<CachedTokenizer>>> = OnceLock::new();

/// The tokenizer with the centre's dictionary terms.
pub async fn tokenizer(store: &Store) -> Result<Arc<Tokenizer>> {
    let terms = store.kb_terms().await?;
    let cell = TOKENIZER.get_or_init(|| Mutex::new(None));
    if let Ok(guard) = cell.lock()
        && let Some((cached, tokenizer)) = guard.as_ref()
        && *cached == terms
    {
        return Ok(tokenizer.clone());
    }
    // building takes a moment (jieba's dictionary): outside the lock, on a blocking thread
    let built = {
        let terms = terms.clone();
        tokio::task::spawn_blocking(move || Arc::new(Tokenizer::new(&terms))).await?
    };
    if let Ok(mut guard) = cell.lock() {
        *guard = Some((terms, built.clone()));
    }
    Ok(built)
}

/// An article ready to store: its terms and index tokens computed.
pub fn write_of(
    tokenizer: &Tokenizer,
    input: ArticleInput,
    status: ArticleStatus,
    review_date: &str,
    note: &str,
) -> ArticleWrite {
    let terms = DocTerms::of(tokenizer, &input.title, &input.body, &input.tags);
    ArticleWrite {
        terms: terms.encode(),
        index_text: terms.index_text(),
        length: terms.length() as i64,
        input,
        status,
        review_date: review_date.to_owned(),
        note: note.to_owned(),
    }
}

/// Why an import stored nothing.
#[derive(Debug)]
pub enum ImportFailure {
    /// The file's problems, each `file:line: field: reason`.
    Invalid(Vec<ImportError>),
    /// Reading or storing failed.
    Failed(anyhow::Error),
}

impl From<anyhow::Error> for ImportFailure {
    fn from(error: anyhow::Error) -> Self {
        ImportFailure::Failed(error)
    }
}

impl From<servq_store::StoreError> for ImportFailure {
    fn from(error: servq_store::StoreError) -> Self {
        ImportFailure::Failed(error.into())
    }
}

/// Reads the articles of `path`: a JSON-lines file, or a folder of `.md` files (sorted by name)
/// with front matter. All or every problem.
pub fn read_articles(path: &Path) -> Result<Vec<ArticleInput>, ImportFailure> {
    let name = path.display().to_string();
    if path.is_dir() {
        let mut files: Vec<_> = std::fs::read_dir(path)
            .with_context(|| format!("reading {name}"))?
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e.eq_ignore_ascii_case("md")))
            .collect();
        files.sort();
        let mut articles = Vec::new();
        let mut errors = Vec::new();
        let mut seen = std::collections::HashMap::new();
        for file in files {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("reading {}", file.display()))?;
            let stem = file
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            let file_name = file.display().to_string();
            match servq_kb::parse_markdown(&file_name, &stem, &text) {
                Ok(article) => {
                    if let Some(first) = seen.insert(article.id.clone(), file_name.clone()) {
                        errors.push(ImportError {
                            file: file_name,
                            line: 1,
                            field: "id".to_owned(),
                            reason: format!("'{}' is used by {first} too", article.id),
                        });
                    } else {
                        articles.push(article);
                    }
                }
                Err(problems) => errors.extend(problems),
            }
        }
        return if errors.is_empty() {
            Ok(articles)
        } else {
            Err(ImportFailure::Invalid(errors))
        };
    }
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {name}"))?;
    servq_kb::parse_jsonl(&name, &text).map_err(ImportFailure::Invalid)
}

/// Imports `path` (file or folder) all or nothing; imported articles are published. An article
/// the same as stored gets no new version.
pub async fn import(
    store: &Store,
    path: &Path,
    actor: &Actor,
) -> Result<KbSaveSummary, ImportFailure> {
    let articles = read_articles(path)?;
    let tokenizer = tokenizer(store).await?;
    let writes: Vec<ArticleWrite> = articles
        .into_iter()
        .map(|input| write_of(&tokenizer, input, ArticleStatus::Published, "", "import"))
        .collect();
    Ok(store.kb_save(&writes, actor, now_ms()).await?)
}

/// Saves one article from a form as a new version (`status` draft, in_review or published);
/// its version number. Refused with every field named.
#[allow(clippy::too_many_arguments)]
pub async fn save(
    store: &Store,
    input: Result<ArticleInput, Vec<(&'static str, String)>>,
    status: &str,
    review_date: &str,
    note: &str,
    actor: &Actor,
) -> Result<i64, SettingError> {
    let mut problems: Vec<SettingProblem> = Vec::new();
    let status_parsed = ArticleStatus::parse(status);
    if status_parsed.is_none() {
        problems.push(SettingProblem::new(
            "status",
            SettingReason::Unknown(status.to_owned()),
        ));
    }
    let review_date = review_date.trim();
    if !review_date.is_empty() && review_date.parse::<jiff::civil::Date>().is_err() {
        problems.push(SettingProblem::new(
            "review_date",
            SettingReason::Other(format!("'{review_date}' is not a date like 2026-12-31")),
        ));
    }
    let input =
        match input {
            Ok(input) => Some(input),
            Err(fields) => {
                problems.extend(fields.into_iter().map(|(field, reason)| {
                    SettingProblem::new(field, SettingReason::Other(reason))
                }));
                None
            }
        };
    let (Some(input), Some(status)) = (input, status_parsed) else {
        return Err(SettingError::Refused(problems));
    };
    if !problems.is_empty() {
        return Err(SettingError::Refused(problems));
    }
    let tokenizer = tokenizer(store).await?;
    let id = input.id.clone();
    store
        .kb_save(
            &[write_of(
                &tokenizer,
                input,
                status,
                review_date,
                note.trim(),
            )],
            actor,
            now_ms(),
        )
        .await?;
    Ok(store
        .kb_article(&id)
        .await?
        .map_or(0, |article| article.version))
}

/// Restores version `version` of article `id` as a new version (its text and fields, the
/// current status kept); the new version number.
pub async fn restore(
    store: &Store,
    id: &str,
    version: i64,
    actor: &Actor,
) -> Result<i64, SettingError> {
    let refuse = |field: &'static str, value: String| {
        SettingError::Refused(vec![SettingProblem::new(
            field,
            SettingReason::Unknown(value),
        )])
    };
    let Some(current) = store.kb_article(id).await? else {
        return Err(refuse("id", id.to_owned()));
    };
    let Some(old) = store
        .kb_versions(id)
        .await?
        .into_iter()
        .find(|v| v.version == version)
    else {
        return Err(refuse("version", version.to_string()));
    };
    let tokenizer = tokenizer(store).await?;
    store
        .kb_save(
            &[write_of(
                &tokenizer,
                old.input,
                current.status,
                &current.review_date,
                &format!("restored version {version}"),
            )],
            actor,
            now_ms(),
        )
        .await?;
    Ok(store.kb_article(id).await?.map_or(0, |a| a.version))
}

/// An article found.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchResult {
    /// The article.
    pub article: servq_store::StoredArticle,
    /// Its score (BM25 with the title boost).
    pub score: f64,
    /// HTML: the passage with the matched words in `<mark>`, the rest escaped.
    pub snippet: String,
}

/// The best `limit` published articles for `query` (public ones only when `public_only`);
/// logged when `log` (the content-gap list counts the searches that found nothing).
pub async fn search(
    store: &Store,
    query: &str,
    limit: usize,
    public_only: bool,
    log: bool,
) -> Result<Vec<SearchResult>> {
    let tokenizer = tokenizer(store).await?;
    let tokens = tokenizer.tokens(query);
    let terms = Ranker::query_terms(&tokens);
    // candidates come from the query's words; its single characters only find articles when
    // the words find none (or there are none) — a character such as 卡 is in most articles,
    // and reading them all would cost more than it ranks (the characters still score)
    let words: Vec<String> = terms
        .iter()
        .filter(|(_, weight)| *weight >= 1.0)
        .map(|(text, _)| text.clone())
        .collect();
    let mut found = if words.is_empty() {
        Vec::new()
    } else {
        store.kb_candidates(&words).await?
    };
    if found.is_empty() {
        let all: Vec<String> = terms.iter().map(|(text, _)| text.clone()).collect();
        found = store.kb_candidates(&all).await?;
    }
    let candidates: Vec<Candidate> = found
        .into_iter()
        .filter(|(_, _, _, audience)| !public_only || *audience == Audience::Public)
        .map(|(id, encoded, length, _)| Candidate::of_encoded(id, &encoded, length as f64, &terms))
        .collect();
    let (documents, average_length) = store.kb_collection().await?;
    let ranker = Ranker {
        documents: documents.max(0) as usize,
        average_length,
    };
    let hits = ranker.rank_candidates(&terms, &candidates);
    let mut results = Vec::new();
    for hit in hits.into_iter().take(limit.clamp(1, MAX_LIMIT)) {
        let Some(article) = store.kb_article(&hit.id).await? else {
            continue;
        };
        results.push(SearchResult {
            snippet: snippet(&tokenizer, &article.input.body, &tokens, SNIPPET_CHARS),
            article,
            score: hit.score,
        });
    }
    if log && !query.trim().is_empty() {
        store
            .kb_log_search(query.trim(), results.len() as i64, now_ms())
            .await?;
    }
    Ok(results)
}

/// A search as the `servq kb search --format json` contract writes it.
pub fn search_json(query: &str, results: &[SearchResult]) -> Value {
    json!({
        "query": query,
        "results": results.iter().map(|r| json!({
            "id": r.article.input.id,
            "title": r.article.input.title,
            "score": crate::analysis::json_number(r.score),
            "snippet": r.snippet,
        })).collect::<Vec<_>>(),
    })
}

/// An article as JSON (the API and `servq kb show`).
pub fn article_json(article: &servq_store::StoredArticle) -> Value {
    let input = &article.input;
    json!({
        "id": input.id,
        "title": input.title,
        "body": input.body,
        "level": input.level.name(),
        "tags": input.tags,
        "category": input.category,
        "audience": input.audience.name(),
        "language": input.language,
        "owner": input.owner,
        "review_date": article.review_date,
        "status": article.status.name(),
        "version": article.version,
        "updated_by": article.updated_by,
        "updated_at": crate::rfc3339(article.updated_at),
    })
}
