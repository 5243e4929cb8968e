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
use servq_kb::{ArticleInput, ArticleStatus, DocTerms, ImportError, Ranker, Tokenizer, snippet};
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
        length: terms.length() as i64,
        input,
        status,
        review_date: review_date.to_owned(),
        note: note.to_owned(),
        approves: None,
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

/// Every article (as it is live) in the import's JSON-lines format: (how many, the text).
pub async fn export(store: &Store) -> Result<(usize, String)> {
    let articles: Vec<ArticleInput> = store
        .kb_articles()
        .await?
        .into_iter()
        .map(|article| article.input)
        .collect();
    Ok((articles.len(), servq_kb::write_jsonl(&articles)))
}

/// Settings key of the approval option (`required` or `off`).
pub const APPROVAL_KEY: &str = "kb.approval";

/// Whether a change to an article needs an approver (`PublishKnowledge`) before agents see it.
pub async fn approval_required(store: &Store) -> Result<bool> {
    Ok(store.text_setting(APPROVAL_KEY).await?.as_deref() == Some("required"))
}

/// What a save did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Saved {
    /// The version written.
    pub version: i64,
    /// It awaits an approver; the published text stays live until then.
    pub awaiting_approval: bool,
}

fn refused(field: &'static str, code: &'static str, english: &str) -> SettingError {
    SettingError::Refused(vec![SettingProblem::new(
        field,
        SettingReason::Coded {
            code,
            values: Vec::new(),
            english: english.to_owned(),
        },
    )])
}

/// Stores `write`: live, or — with approval on, a published article and a change that is not
/// itself published — as a version awaiting approval.
async fn store_write(
    store: &Store,
    write: ArticleWrite,
    approval: bool,
    actor: &Actor,
) -> Result<Saved, SettingError> {
    let id = write.input.id.clone();
    let current = store.kb_article(&id).await?;
    if approval
        && write.status != ArticleStatus::Published
        && current
            .as_ref()
            .is_some_and(|a| a.status == ArticleStatus::Published)
        && let Some(version) = store.kb_propose(&write, actor, now_ms()).await?
    {
        return Ok(Saved {
            version,
            awaiting_approval: true,
        });
    }
    store.kb_save(&[write], actor, now_ms()).await?;
    let article = store.kb_article(&id).await?;
    Ok(Saved {
        version: article.as_ref().map_or(0, |a| a.version),
        awaiting_approval: article.is_some_and(|a| a.status == ArticleStatus::InReview),
    })
}

/// Saves one article from a form as a new version (`status` draft, in_review or published).
/// With approval on, only an approver (`can_publish`) may publish, and a change to a published
/// article waits for approval while the published text stays live. Refused with every field
/// named.
#[allow(clippy::too_many_arguments)]
pub async fn save(
    store: &Store,
    input: Result<ArticleInput, Vec<(&'static str, String)>>,
    status: &str,
    review_date: &str,
    note: &str,
    actor: &Actor,
    can_publish: bool,
) -> Result<Saved, SettingError> {
    let mut problems: Vec<SettingProblem> = Vec::new();
    let approval = approval_required(store).await?;
    let status_parsed = ArticleStatus::parse(status);
    match status_parsed {
        None => problems.push(SettingProblem::new(
            "status",
            SettingReason::Unknown(status.to_owned()),
        )),
        Some(ArticleStatus::Published) if approval && !can_publish => {
            problems.push(SettingProblem::new(
                "status",
                SettingReason::Coded {
                    code: "kb_needs_approval",
                    values: Vec::new(),
                    english: "publishing needs an approver (a supervisor or an admin): save it \
                              for review"
                        .to_owned(),
                },
            ))
        }
        Some(_) => {}
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
    let write = write_of(&tokenizer, input, status, review_date, note.trim());
    store_write(store, write, approval, actor).await
}

/// Restores version `version` of article `id` as a new version (its text and fields, the
/// current status kept; with approval on and no `can_publish`, a published article's restore
/// awaits approval).
pub async fn restore(
    store: &Store,
    id: &str,
    version: i64,
    actor: &Actor,
    can_publish: bool,
) -> Result<Saved, SettingError> {
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
    let approval = approval_required(store).await?;
    let status = if approval && !can_publish && current.status == ArticleStatus::Published {
        ArticleStatus::InReview
    } else {
        current.status
    };
    let tokenizer = tokenizer(store).await?;
    let write = write_of(
        &tokenizer,
        old.input,
        status,
        &current.review_date,
        &format!("restored version {version}"),
    );
    store_write(store, write, approval, actor).await
}

/// Publishes what awaits approval on article `id` (the change awaiting it, or the article
/// itself when it is in review or a draft); the version published.
pub async fn approve(store: &Store, id: &str, actor: &Actor) -> Result<i64, SettingError> {
    let Some(current) = store.kb_article(id).await? else {
        return Err(SettingError::Refused(vec![SettingProblem::new(
            "id",
            SettingReason::Unknown(id.to_owned()),
        )]));
    };
    let version = if current.pending_version > 0 {
        current.pending_version
    } else if current.status != ArticleStatus::Published {
        current.version
    } else {
        return Err(refused(
            "version",
            "kb_nothing_to_approve",
            "nothing awaits approval",
        ));
    };
    let Some(approved) = store
        .kb_versions(id)
        .await?
        .into_iter()
        .find(|v| v.version == version)
    else {
        return Err(refused(
            "version",
            "kb_nothing_to_approve",
            "nothing awaits approval",
        ));
    };
    let tokenizer = tokenizer(store).await?;
    let mut write = write_of(
        &tokenizer,
        approved.input,
        ArticleStatus::Published,
        &current.review_date,
        "approved",
    );
    write.approves = Some(version);
    store.kb_save(&[write], actor, now_ms()).await?;
    Ok(version)
}

/// Sends back what awaits approval on article `id` with a note: a change awaiting approval is
/// dropped (its version stays in the history), an article in review goes back to draft.
pub async fn send_back(
    store: &Store,
    id: &str,
    note: &str,
    actor: &Actor,
) -> Result<(), SettingError> {
    let Some(current) = store.kb_article(id).await? else {
        return Err(SettingError::Refused(vec![SettingProblem::new(
            "id",
            SettingReason::Unknown(id.to_owned()),
        )]));
    };
    if current.pending_version > 0 {
        store
            .kb_reject_pending(id, note.trim(), actor, now_ms())
            .await?;
        return Ok(());
    }
    if current.status != ArticleStatus::InReview {
        return Err(refused(
            "version",
            "kb_nothing_to_approve",
            "nothing awaits approval",
        ));
    }
    let tokenizer = tokenizer(store).await?;
    let write = write_of(
        &tokenizer,
        current.input,
        ArticleStatus::Draft,
        &current.review_date,
        &format!("sent back: {}", note.trim()),
    );
    store.kb_save(&[write], actor, now_ms()).await?;
    Ok(())
}

/// Records that the agent used published article `article_id` (its current version) on ticket
/// `ticket_id`.
pub async fn link_ticket(
    store: &Store,
    ticket_id: &str,
    article_id: &str,
    actor: &Actor,
) -> Result<i64, SettingError> {
    if store.ticket(ticket_id).await?.is_none() {
        return Err(SettingError::Refused(vec![SettingProblem::new(
            "ticket",
            SettingReason::Unknown(ticket_id.to_owned()),
        )]));
    }
    let Some(article) = store
        .kb_article(article_id)
        .await?
        .filter(|a| a.status == ArticleStatus::Published)
    else {
        return Err(SettingError::Refused(vec![SettingProblem::new(
            "article",
            SettingReason::Unknown(article_id.to_owned()),
        )]));
    };
    store
        .kb_link_ticket(ticket_id, article_id, article.version, actor, now_ms())
        .await?;
    Ok(article.version)
}

/// Flags version `version` of article `id` (its current one when None) for review.
pub async fn flag(
    store: &Store,
    id: &str,
    version: Option<i64>,
    note: &str,
    actor: &Actor,
) -> Result<i64, SettingError> {
    let version = match version {
        Some(version) => version,
        None => store.kb_article(id).await?.map_or(0, |a| a.version),
    };
    if note.trim().is_empty() {
        return Err(SettingError::Refused(vec![SettingProblem::new(
            "note",
            SettingReason::Required,
        )]));
    }
    if !store
        .kb_flag(id, version, note.trim(), actor, now_ms())
        .await?
    {
        return Err(SettingError::Refused(vec![SettingProblem::new(
            "version",
            SettingReason::Unknown(format!("{id} v{version}")),
        )]));
    }
    Ok(version)
}

/// The longest dictionary term, in characters.
pub const MAX_TERM_CHARS: usize = 20;

/// Adds and removes the centre's dictionary terms (each 2 to 20 characters, no spaces); the
/// terms afterwards. When they changed, every article is cut again.
pub async fn change_terms(
    store: &Store,
    add: &[String],
    remove: &[String],
    actor: &Actor,
) -> Result<Vec<String>, SettingError> {
    let mut problems = Vec::new();
    let add: Vec<String> = add
        .iter()
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty())
        .collect();
    for (index, term) in add.iter().enumerate() {
        let chars = term.chars().count();
        if !(2..=MAX_TERM_CHARS).contains(&chars) || term.chars().any(char::is_whitespace) {
            problems.push(SettingProblem::new(
                format!("add.{index}"),
                SettingReason::Coded {
                    code: "kb_term",
                    values: vec![("value", term.clone()), ("max", MAX_TERM_CHARS.to_string())],
                    english: format!(
                        "'{term}': a term is 2 to {MAX_TERM_CHARS} characters without spaces"
                    ),
                },
            ));
        }
    }
    if !problems.is_empty() {
        return Err(SettingError::Refused(problems));
    }
    let before = store.kb_terms().await?;
    if !add.is_empty() {
        store.kb_add_terms(&add, actor, now_ms()).await?;
    }
    let remove: Vec<String> = remove.iter().map(|t| t.trim().to_owned()).collect();
    if !remove.is_empty() {
        store.kb_remove_terms(&remove, actor, now_ms()).await?;
    }
    let after = store.kb_terms().await?;
    if after != before {
        // queries are cut with the new dictionary at once, so the articles must be too
        reindex(store).await?;
    }
    Ok(after)
}

/// Cuts every article again with the current dictionary; how many. No version is written.
pub async fn reindex(store: &Store) -> Result<usize> {
    let tokenizer = tokenizer(store).await?;
    let articles = store.kb_articles().await?;
    let indexed: Vec<servq_store::ArticleTerms> = articles
        .iter()
        .map(|article| {
            let input = &article.input;
            let terms = DocTerms::of(&tokenizer, &input.title, &input.body, &input.tags);
            servq_store::ArticleTerms {
                id: input.id.clone(),
                terms: terms.encode(),
                length: terms.length() as i64,
            }
        })
        .collect();
    store.kb_set_terms(&indexed).await?;
    Ok(indexed.len())
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
    let tokens_wanted: Vec<String> = terms.iter().map(|(text, _)| text.clone()).collect();
    let lists = store.kb_postings(&tokens_wanted).await?;
    let blocks: Vec<(usize, &[u8])> = lists
        .iter()
        .filter_map(|(token, bytes)| {
            let at = tokens_wanted.iter().position(|wanted| wanted == token)?;
            Some((at, bytes.as_slice()))
        })
        .collect();
    let candidates = servq_kb::postings::candidates(&terms, &blocks, public_only);
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
