//! The knowledge base's tables: articles (current state and search terms), their versions, the
//! search index (each token's articles in blocks, `servq_kb::postings`, kept in step with the
//! articles in the same transaction), the search log and the centre's own dictionary terms.

use std::collections::{BTreeMap, BTreeSet};

use servq_kb::{ArticleInput, ArticleLevel, ArticleStatus, Audience, DocTerms, postings};
use sqlx::Row;

use crate::{Actor, Result, Store, StoreError, users::audit};

/// An article as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredArticle {
    /// Its fields as written.
    pub input: ArticleInput,
    /// Next review day (YYYY-MM-DD; '' for none).
    pub review_date: String,
    /// Where it stands in its approval.
    pub status: ArticleStatus,
    /// Its current version (1 for the first save).
    pub version: i64,
    /// Its search terms (`servq_kb::DocTerms::encode`).
    pub terms: String,
    /// Its weighted length.
    pub length: i64,
    /// Who saved it last.
    pub updated_by: String,
    /// When, epoch ms.
    pub updated_at: i64,
    /// A later version awaiting approval (0 for none); the article stays as it is until then.
    pub pending_version: i64,
}

/// A saved version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArticleVersion {
    /// The version number.
    pub version: i64,
    /// The article's fields then.
    pub input: ArticleInput,
    /// Its status then.
    pub status: ArticleStatus,
    /// Who saved it.
    pub author: String,
    /// Why.
    pub note: String,
    /// When, epoch ms.
    pub created_at: i64,
}

/// One article to save.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArticleWrite {
    /// Its fields.
    pub input: ArticleInput,
    /// Its status.
    pub status: ArticleStatus,
    /// Next review day ('' for none).
    pub review_date: String,
    /// Its search terms (`DocTerms::encode`).
    pub terms: String,
    /// Its weighted length.
    pub length: i64,
    /// The version's note.
    pub note: String,
    /// Publishes this already saved version (an approval) instead of saving a new one.
    pub approves: Option<i64>,
}

/// An article's search terms cut again (a changed dictionary).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArticleTerms {
    /// The article.
    pub id: String,
    /// Its search terms (`DocTerms::encode`).
    pub terms: String,
    /// Its weighted length.
    pub length: i64,
}

/// Which articles a list shows.
#[derive(Debug, Clone, Copy, Default)]
pub struct ArticleListQuery<'a> {
    /// Published ones only (readers who do not edit).
    pub published_only: bool,
    /// Public ones only (the help page).
    pub public_only: bool,
    /// One level only.
    pub level: Option<ArticleLevel>,
    /// Sorted by title with this language first (the help page); by id when `None`.
    pub language_first: Option<&'a str>,
    /// At most this many.
    pub limit: i64,
    /// After skipping this many.
    pub offset: i64,
}

/// An article in a list (no body).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArticleSummary {
    /// The article.
    pub id: String,
    /// Its title.
    pub title: String,
    /// Its level.
    pub level: ArticleLevel,
    /// Its language.
    pub language: String,
    /// Where it stands.
    pub status: ArticleStatus,
    /// Who may read it.
    pub audience: Audience,
    /// Last saved, epoch ms.
    pub updated_at: i64,
}

/// An article a ticket's agent used, and the version they read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketArticle {
    /// The ticket.
    pub ticket_id: String,
    /// The article.
    pub article_id: String,
    /// Its title now ('' when the article is gone).
    pub title: String,
    /// The version read.
    pub version: i64,
    /// Who linked it.
    pub linked_by: String,
    /// When, epoch ms.
    pub linked_at: i64,
}

/// Where a flag on an article came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlagSource {
    /// A review task coded "wrong information" (`source_id` is the survey response).
    ReviewTask,
    /// Raised by hand.
    Manual,
}

impl FlagSource {
    /// The stored name.
    pub fn name(self) -> &'static str {
        match self {
            FlagSource::ReviewTask => "review_task",
            FlagSource::Manual => "manual",
        }
    }

    /// The source named `name`.
    pub fn parse(name: &str) -> Option<FlagSource> {
        [FlagSource::ReviewTask, FlagSource::Manual]
            .into_iter()
            .find(|source| source.name() == name)
    }
}

/// A flag raised on an article version: it needs checking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArticleFlag {
    /// Increasing id.
    pub id: i64,
    /// The article.
    pub article_id: String,
    /// The version involved.
    pub version: i64,
    /// Where it came from.
    pub source: FlagSource,
    /// The review task's response id, or ''.
    pub source_id: String,
    /// What is wrong.
    pub note: String,
    /// Who raised it.
    pub flagged_by: String,
    /// When, epoch ms.
    pub flagged_at: i64,
    /// Who resolved it ('' while open).
    pub resolved_by: String,
    /// When it was resolved (None while open).
    pub resolved_at: Option<i64>,
}

/// The review reason that says the agent told the customer something wrong; coding a review
/// with it may point at the article version involved, which flags that article.
pub const WRONG_INFORMATION_REASON: &str = "wrong_information";

/// What a save did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct KbSaveSummary {
    /// New articles.
    pub created: usize,
    /// Articles given a new version.
    pub changed: usize,
    /// Articles the same as stored (no new version).
    pub unchanged: usize,
}

const COLUMNS: &str = "id, title, body, level, tags, category, audience, language, owner, \
                       review_date, status, version, terms, length, updated_by, updated_at, \
                       pending_version";

fn corrupt(column: &'static str, value: String) -> StoreError {
    StoreError::CorruptValue { column, value }
}

fn audience_of(row: &sqlx::any::AnyRow) -> Result<Audience> {
    let audience: String = row.try_get("audience")?;
    Audience::parse(&audience).ok_or(corrupt("audience", audience))
}

fn input_of(row: &sqlx::any::AnyRow, id_column: &str) -> Result<ArticleInput> {
    let level: String = row.try_get("level")?;
    let tags: String = row.try_get("tags")?;
    Ok(ArticleInput {
        id: row.try_get(id_column)?,
        title: row.try_get("title")?,
        body: row.try_get("body")?,
        level: ArticleLevel::parse(&level).ok_or_else(|| corrupt("level", level.clone()))?,
        tags: serde_json::from_str(&tags).map_err(|_| corrupt("tags", tags.clone()))?,
        category: row.try_get("category")?,
        audience: audience_of(row)?,
        language: row.try_get("language")?,
        owner: row.try_get("owner")?,
    })
}

fn status_of(row: &sqlx::any::AnyRow) -> Result<ArticleStatus> {
    let status: String = row.try_get("status")?;
    ArticleStatus::parse(&status).ok_or(corrupt("status", status))
}

fn article_of(row: &sqlx::any::AnyRow) -> Result<StoredArticle> {
    Ok(StoredArticle {
        input: input_of(row, "id")?,
        review_date: row.try_get("review_date")?,
        status: status_of(row)?,
        version: row.try_get("version")?,
        terms: row.try_get("terms")?,
        length: row.try_get("length")?,
        updated_by: row.try_get("updated_by")?,
        updated_at: row.try_get("updated_at")?,
        pending_version: row.try_get("pending_version")?,
    })
}

const FLAG_COLUMNS: &str = "id, article_id, version, source, source_id, note, flagged_by, \
                            flagged_at, resolved_by, resolved_at";

fn flag_of(row: &sqlx::any::AnyRow) -> Result<ArticleFlag> {
    let source: String = row.try_get("source")?;
    Ok(ArticleFlag {
        id: row.try_get("id")?,
        article_id: row.try_get("article_id")?,
        version: row.try_get("version")?,
        source: FlagSource::parse(&source).ok_or_else(|| corrupt("source", source.clone()))?,
        source_id: row.try_get("source_id")?,
        note: row.try_get("note")?,
        flagged_by: row.try_get("flagged_by")?,
        flagged_at: row.try_get("flagged_at")?,
        resolved_by: row.try_get("resolved_by")?,
        resolved_at: row.try_get("resolved_at")?,
    })
}

/// Inserts a flag inside `transaction`.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn insert_flag(
    transaction: &mut sqlx::Transaction<'_, sqlx::Any>,
    article_id: &str,
    version: i64,
    source: FlagSource,
    source_id: &str,
    note: &str,
    actor: &Actor,
    now_ms: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO kb_flags (article_id, version, source, source_id, note, flagged_by, \
         flagged_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(article_id)
    .bind(version)
    .bind(source.name())
    .bind(source_id)
    .bind(note)
    .bind(actor.name.as_str())
    .bind(now_ms)
    .execute(&mut **transaction)
    .await?;
    audit(
        transaction,
        actor,
        now_ms,
        "flag",
        "kb_article",
        article_id,
        &serde_json::json!({"version": version, "source": source.name(), "source_id": source_id,
            "note": note})
        .to_string(),
    )
    .await
}

/// Whether version `version` of article `id` was saved (inside `transaction`).
pub(crate) async fn version_exists(
    transaction: &mut sqlx::Transaction<'_, sqlx::Any>,
    id: &str,
    version: i64,
) -> Result<bool> {
    let found: Option<i64> = sqlx::query_scalar(
        "SELECT version FROM kb_versions WHERE article_id = $1 AND version = $2",
    )
    .bind(id)
    .bind(version)
    .fetch_optional(&mut **transaction)
    .await?;
    Ok(found.is_some())
}

/// Writes version `version` of `write`'s article (its fields, status, author and note).
async fn insert_version(
    transaction: &mut sqlx::Transaction<'_, sqlx::Any>,
    write: &ArticleWrite,
    version: i64,
    actor: &Actor,
    now_ms: i64,
) -> Result<()> {
    let input = &write.input;
    let tags = serde_json::to_string(&input.tags).unwrap_or_else(|_| "[]".to_owned());
    sqlx::query(
        "INSERT INTO kb_versions (article_id, version, title, body, level, tags, category, \
         audience, language, owner, status, author, note, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
    )
    .bind(input.id.as_str())
    .bind(version)
    .bind(input.title.as_str())
    .bind(input.body.as_str())
    .bind(input.level.name())
    .bind(tags.as_str())
    .bind(input.category.as_str())
    .bind(input.audience.name())
    .bind(input.language.as_str())
    .bind(input.owner.as_str())
    .bind(write.status.name())
    .bind(actor.name.as_str())
    .bind(write.note.as_str())
    .bind(now_ms)
    .execute(&mut **transaction)
    .await?;
    Ok(())
}

/// Changes to the search index made by one write transaction, applied at its end
/// ([`IndexUpdate::apply`]): every block of a token an article held before or holds now is read
/// once, the rewritten articles' entries dropped from it and their new ones appended; the
/// collection's counts move by the differences.
#[derive(Debug, Default)]
struct IndexUpdate {
    /// The articles written (their old entries go).
    rewritten: BTreeSet<String>,
    /// (token, block) of every entry they had before.
    touched: BTreeSet<(String, i64)>,
    /// Their entries now, by article (the last write of an article wins): terms, public.
    found: BTreeMap<String, (DocTerms, bool)>,
    /// Published articles gained (negative: lost).
    documents: i64,
    /// Their weighted length gained.
    total_length: i64,
}

/// An article as the search index sees it: its stored terms and weighted length.
#[derive(Debug, Clone, Copy)]
struct Indexed<'a> {
    terms: &'a str,
    length: i64,
}

impl IndexUpdate {
    /// Article `id` was written: it was found as `old` (`None`: new, or not published) and now
    /// is found as `new`, public or not (`None`: not published).
    fn article(&mut self, id: &str, old: Option<Indexed<'_>>, new: Option<(Indexed<'_>, bool)>) {
        let block = postings::block_of(id);
        if let Some(old) = old {
            for token in DocTerms::decode(old.terms).counts.into_keys() {
                self.touched.insert((token, block));
            }
            self.documents -= 1;
            self.total_length -= old.length;
        }
        self.rewritten.insert(id.to_owned());
        match new {
            Some((new, public)) => {
                self.documents += 1;
                self.total_length += new.length;
                self.found
                    .insert(id.to_owned(), (DocTerms::decode(new.terms), public));
            }
            None => {
                self.found.remove(id);
            }
        }
    }

    /// Rewrites the touched blocks.
    async fn apply(self, transaction: &mut sqlx::Transaction<'_, sqlx::Any>) -> Result<()> {
        // the new entries by token, then block
        let mut added: BTreeMap<&str, BTreeMap<i64, Vec<u8>>> = BTreeMap::new();
        for (id, (terms, public)) in &self.found {
            let block = postings::block_of(id);
            for (token, posting) in postings::postings_of(id, terms, *public) {
                postings::encode_into(
                    &posting,
                    added.entry(token).or_default().entry(block).or_default(),
                );
            }
        }
        let mut blocks: BTreeMap<&str, BTreeSet<i64>> = BTreeMap::new();
        for (token, block) in &self.touched {
            blocks.entry(token.as_str()).or_default().insert(*block);
        }
        for (token, by_block) in &added {
            blocks.entry(token).or_default().extend(by_block.keys());
        }
        for (token, wanted) in blocks {
            // only the blocks rewritten: one save touches one block of a token whose other
            // blocks may hold tens of thousands of entries
            let placeholders: Vec<String> =
                (2..wanted.len() + 2).map(|n| format!("${n}")).collect();
            let mut select = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT block, entries FROM kb_postings WHERE term = $1 AND block IN ({})",
                placeholders.join(", ")
            )))
            .bind(token);
            for block in &wanted {
                select = select.bind(*block);
            }
            let stored: BTreeMap<i64, Vec<u8>> = select
                .fetch_all(&mut **transaction)
                .await?
                .iter()
                .map(|row| Ok((row.try_get(0)?, row.try_get(1)?)))
                .collect::<Result<_>>()?;
            for block in wanted {
                let mut entries = Vec::new();
                for posting in stored
                    .get(&block)
                    .map(|bytes| postings::decode(bytes))
                    .into_iter()
                    .flatten()
                    .filter(|posting| !self.rewritten.contains(posting.article))
                {
                    postings::encode_into(&posting, &mut entries);
                }
                if let Some(new) = added.get(token).and_then(|by_block| by_block.get(&block)) {
                    entries.extend_from_slice(new);
                }
                if entries.is_empty() {
                    if stored.contains_key(&block) {
                        sqlx::query("DELETE FROM kb_postings WHERE term = $1 AND block = $2")
                            .bind(token)
                            .bind(block)
                            .execute(&mut **transaction)
                            .await?;
                    }
                } else if stored.get(&block) != Some(&entries) {
                    sqlx::query(
                        "INSERT INTO kb_postings (term, block, entries) VALUES ($1, $2, $3) \
                         ON CONFLICT (term, block) DO UPDATE SET entries = excluded.entries",
                    )
                    .bind(token)
                    .bind(block)
                    .bind(entries)
                    .execute(&mut **transaction)
                    .await?;
                }
            }
        }
        if self.documents != 0 || self.total_length != 0 {
            sqlx::query(
                "UPDATE kb_collection SET documents = documents + $1, \
                 total_length = total_length + $2 WHERE id = 1",
            )
            .bind(self.documents)
            .bind(self.total_length)
            .execute(&mut **transaction)
            .await?;
        }
        Ok(())
    }
}

impl Store {
    /// Stores articles' terms cut again (no new version), in one transaction, and re-indexes
    /// them.
    pub async fn kb_set_terms(&self, articles: &[ArticleTerms]) -> Result<()> {
        let mut transaction = self.begin_write().await?;
        let mut update = IndexUpdate::default();
        for article in articles {
            let Some(row) = sqlx::query(
                "SELECT terms, length, status, audience FROM kb_articles WHERE id = $1",
            )
            .bind(article.id.as_str())
            .fetch_optional(&mut *transaction)
            .await?
            else {
                continue;
            };
            let old_terms: String = row.try_get("terms")?;
            let old_length: i64 = row.try_get("length")?;
            let published = status_of(&row)? == ArticleStatus::Published;
            let audience = audience_of(&row)?;
            sqlx::query("UPDATE kb_articles SET terms = $1, length = $2 WHERE id = $3")
                .bind(article.terms.as_str())
                .bind(article.length)
                .bind(article.id.as_str())
                .execute(&mut *transaction)
                .await?;
            update.article(
                &article.id,
                published.then_some(Indexed {
                    terms: &old_terms,
                    length: old_length,
                }),
                published.then_some((
                    Indexed {
                        terms: &article.terms,
                        length: article.length,
                    },
                    audience == Audience::Public,
                )),
            );
        }
        update.apply(&mut transaction).await?;
        transaction.commit().await?;
        Ok(())
    }

    /// Builds the search index from the articles' stored terms when it is empty and some
    /// article is published (a store from before the index, or one whose index was lost).
    pub(crate) async fn kb_fill_index(&self) -> Result<()> {
        let indexed = sqlx::query("SELECT term FROM kb_postings LIMIT 1")
            .fetch_optional(&self.pool)
            .await?;
        let published =
            sqlx::query("SELECT id FROM kb_articles WHERE status = 'published' LIMIT 1")
                .fetch_optional(&self.pool)
                .await?;
        if indexed.is_some() || published.is_none() {
            return Ok(());
        }
        let mut transaction = self.begin_write().await?;
        // counted again from the articles below
        sqlx::query("UPDATE kb_collection SET documents = 0, total_length = 0 WHERE id = 1")
            .execute(&mut *transaction)
            .await?;
        let rows = sqlx::query(
            "SELECT id, terms, length, audience FROM kb_articles WHERE status = 'published' \
             ORDER BY id",
        )
        .fetch_all(&mut *transaction)
        .await?;
        let mut update = IndexUpdate::default();
        for row in &rows {
            let id: String = row.try_get("id")?;
            let terms: String = row.try_get("terms")?;
            let length: i64 = row.try_get("length")?;
            let public = audience_of(row)? == Audience::Public;
            update.article(
                &id,
                None,
                Some((
                    Indexed {
                        terms: &terms,
                        length,
                    },
                    public,
                )),
            );
        }
        update.apply(&mut transaction).await?;
        transaction.commit().await?;
        Ok(())
    }

    /// Saves articles in one transaction (all or none): a new one is version 1, a changed one
    /// gets the next version; one the same as stored (fields and status) gets none. Each version
    /// is audited.
    pub async fn kb_save(
        &self,
        writes: &[ArticleWrite],
        actor: &Actor,
        now_ms: i64,
    ) -> Result<KbSaveSummary> {
        let mut summary = KbSaveSummary::default();
        let mut transaction = self.begin_write().await?;
        let mut update = IndexUpdate::default();
        for write in writes {
            let input = &write.input;
            let existing = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {COLUMNS} FROM kb_articles WHERE id = $1"
            )))
            .bind(input.id.as_str())
            .fetch_optional(&mut *transaction)
            .await?
            .as_ref()
            .map(article_of)
            .transpose()?;
            let pending = existing.as_ref().map_or(0, |stored| stored.pending_version);
            let version = match (&existing, write.approves) {
                (_, Some(approved)) => {
                    summary.changed += 1;
                    approved
                }
                (Some(stored), None)
                    if stored.input == *input
                        && stored.status == write.status
                        && stored.review_date == write.review_date =>
                {
                    summary.unchanged += 1;
                    continue;
                }
                (existing, None) => {
                    if existing.is_some() {
                        summary.changed += 1;
                    } else {
                        summary.created += 1;
                    }
                    // versions awaiting approval took numbers too
                    let last: i64 = sqlx::query_scalar(
                        "SELECT CAST(COALESCE(MAX(version), 0) AS BIGINT) FROM kb_versions \
                         WHERE article_id = $1",
                    )
                    .bind(input.id.as_str())
                    .fetch_one(&mut *transaction)
                    .await?;
                    last + 1
                }
            };
            // an approval settles the change awaiting it; another save leaves it waiting
            let pending = if write.approves.is_some() { 0 } else { pending };
            let tags = serde_json::to_string(&input.tags).unwrap_or_else(|_| "[]".to_owned());
            sqlx::query("DELETE FROM kb_articles WHERE id = $1")
                .bind(input.id.as_str())
                .execute(&mut *transaction)
                .await?;
            sqlx::query(
                "INSERT INTO kb_articles (id, title, body, level, tags, category, audience, \
                 language, owner, review_date, status, version, terms, length, updated_by, \
                 updated_at, pending_version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, \
                 $11, $12, $13, $14, $15, $16, $17)",
            )
            .bind(input.id.as_str())
            .bind(input.title.as_str())
            .bind(input.body.as_str())
            .bind(input.level.name())
            .bind(tags.as_str())
            .bind(input.category.as_str())
            .bind(input.audience.name())
            .bind(input.language.as_str())
            .bind(input.owner.as_str())
            .bind(write.review_date.as_str())
            .bind(write.status.name())
            .bind(version)
            .bind(write.terms.as_str())
            .bind(write.length)
            .bind(actor.name.as_str())
            .bind(now_ms)
            .bind(pending)
            .execute(&mut *transaction)
            .await?;
            if write.approves.is_some() {
                sqlx::query(
                    "UPDATE kb_versions SET status = $1 WHERE article_id = $2 AND version = $3",
                )
                .bind(write.status.name())
                .bind(input.id.as_str())
                .bind(version)
                .execute(&mut *transaction)
                .await?;
            } else {
                insert_version(&mut transaction, write, version, actor, now_ms).await?;
            }
            if write.status == ArticleStatus::Published {
                // a published later version settles the flags raised on earlier ones
                sqlx::query(
                    "UPDATE kb_flags SET resolved_by = $1, resolved_at = $2 \
                     WHERE article_id = $3 AND version < $4 AND resolved_at IS NULL",
                )
                .bind(actor.name.as_str())
                .bind(now_ms)
                .bind(input.id.as_str())
                .bind(version)
                .execute(&mut *transaction)
                .await?;
            }
            // only published articles are found
            update.article(
                &input.id,
                existing
                    .as_ref()
                    .filter(|stored| stored.status == ArticleStatus::Published)
                    .map(|stored| Indexed {
                        terms: &stored.terms,
                        length: stored.length,
                    }),
                (write.status == ArticleStatus::Published).then_some((
                    Indexed {
                        terms: &write.terms,
                        length: write.length,
                    },
                    input.audience == Audience::Public,
                )),
            );
            audit(
                &mut transaction,
                actor,
                now_ms,
                if write.approves.is_some() {
                    "approve"
                } else if version == 1 {
                    "create"
                } else {
                    "update"
                },
                "kb_article",
                &input.id,
                &serde_json::json!({"version": version, "status": write.status.name(),
                    "note": write.note})
                .to_string(),
            )
            .await?;
        }
        update.apply(&mut transaction).await?;
        transaction.commit().await?;
        Ok(summary)
    }

    /// One article.
    pub async fn kb_article(&self, id: &str) -> Result<Option<StoredArticle>> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM kb_articles WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .as_ref()
        .map(article_of)
        .transpose()
    }

    /// Every article, by id.
    pub async fn kb_articles(&self) -> Result<Vec<StoredArticle>> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM kb_articles ORDER BY id"
        )))
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(article_of)
        .collect()
    }

    /// A page of the article list, without bodies (a knowledge base may hold tens of
    /// thousands): the page's articles and how many match in all.
    pub async fn kb_article_page(
        &self,
        query: &ArticleListQuery<'_>,
    ) -> Result<(Vec<ArticleSummary>, i64)> {
        let filter = "WHERE ($1 = 0 OR status = 'published') AND ($2 = 0 OR audience = 'public') \
                      AND ($3 = '' OR level = $3)";
        let level = query.level.map_or("", ArticleLevel::name);
        let total: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM kb_articles {filter}"
        )))
        .bind(i64::from(query.published_only))
        .bind(i64::from(query.public_only))
        .bind(level)
        .fetch_one(&self.pool)
        .await?;
        let order = if query.language_first.is_some() {
            "CASE WHEN language = $6 THEN 0 ELSE 1 END, title, id"
        } else {
            "id"
        };
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT id, title, level, language, status, audience, updated_at FROM kb_articles \
             {filter} ORDER BY {order} LIMIT $4 OFFSET $5"
        )))
        .bind(i64::from(query.published_only))
        .bind(i64::from(query.public_only))
        .bind(level)
        .bind(query.limit)
        .bind(query.offset);
        let rows = match query.language_first {
            Some(language) => rows.bind(language),
            None => rows,
        }
        .fetch_all(&self.pool)
        .await?;
        let articles = rows
            .iter()
            .map(|row| {
                let level: String = row.try_get("level")?;
                Ok(ArticleSummary {
                    id: row.try_get("id")?,
                    title: row.try_get("title")?,
                    level: ArticleLevel::parse(&level).ok_or(corrupt("level", level))?,
                    language: row.try_get("language")?,
                    status: status_of(row)?,
                    audience: audience_of(row)?,
                    updated_at: row.try_get("updated_at")?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok((articles, total))
    }

    /// The titles of articles `ids` (those that exist).
    pub async fn kb_titles(&self, ids: &[String]) -> Result<BTreeMap<String, String>> {
        let mut titles = BTreeMap::new();
        for id in ids.iter().collect::<BTreeSet<_>>() {
            if let Some(title) =
                sqlx::query_scalar::<_, String>("SELECT title FROM kb_articles WHERE id = $1")
                    .bind(id.as_str())
                    .fetch_optional(&self.pool)
                    .await?
            {
                titles.insert(id.clone(), title);
            }
        }
        Ok(titles)
    }

    /// An article's versions, newest first.
    pub async fn kb_versions(&self, id: &str) -> Result<Vec<ArticleVersion>> {
        sqlx::query(
            "SELECT article_id, version, title, body, level, tags, category, audience, language, \
             owner, status, author, note, created_at FROM kb_versions WHERE article_id = $1 \
             ORDER BY version DESC",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|row| {
            Ok(ArticleVersion {
                version: row.try_get("version")?,
                input: input_of(row, "article_id")?,
                status: status_of(row)?,
                author: row.try_get("author")?,
                note: row.try_get("note")?,
                created_at: row.try_get("created_at")?,
            })
        })
        .collect()
    }

    /// The search index's blocks of `tokens`: (token, block bytes, `servq_kb::postings`).
    pub async fn kb_postings(&self, tokens: &[String]) -> Result<Vec<(String, Vec<u8>)>> {
        let mut found = Vec::new();
        // a pasted paragraph has many tokens; binds are limited
        for chunk in tokens.chunks(500) {
            let placeholders: Vec<String> = (1..=chunk.len()).map(|n| format!("${n}")).collect();
            let sql = format!(
                "SELECT term, entries FROM kb_postings WHERE term IN ({})",
                placeholders.join(", ")
            );
            let mut select = sqlx::query(sqlx::AssertSqlSafe(sql));
            for token in chunk {
                select = select.bind(token.as_str());
            }
            for row in select.fetch_all(&self.pool).await? {
                found.push((row.try_get(0)?, row.try_get(1)?));
            }
        }
        Ok(found)
    }

    /// How many articles are published and their mean weighted length (BM25's collection).
    pub async fn kb_collection(&self) -> Result<(i64, f64)> {
        let row = sqlx::query("SELECT documents, total_length FROM kb_collection WHERE id = 1")
            .fetch_optional(&self.pool)
            .await?;
        let (n, total): (i64, i64) = match row {
            Some(row) => (row.try_get(0)?, row.try_get(1)?),
            None => (0, 0),
        };
        Ok((n, if n > 0 { total as f64 / n as f64 } else { 0.0 }))
    }

    /// Logs a search and how many articles it found.
    pub async fn kb_log_search(&self, query: &str, results: i64, now_ms: i64) -> Result<()> {
        sqlx::query("INSERT INTO kb_search_log (query, results, at) VALUES ($1, $2, $3)")
            .bind(query)
            .bind(results)
            .bind(now_ms)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The queries that found nothing since `since_ms`: (query, times, last time), most
    /// asked first.
    pub async fn kb_content_gaps(
        &self,
        since_ms: i64,
        limit: i64,
    ) -> Result<Vec<(String, i64, i64)>> {
        sqlx::query(
            "SELECT query, CAST(COUNT(*) AS BIGINT) AS times, CAST(MAX(at) AS BIGINT) AS last \
             FROM kb_search_log WHERE results = 0 AND at >= $1 GROUP BY query \
             ORDER BY times DESC, last DESC LIMIT $2",
        )
        .bind(since_ms)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|row| {
            Ok((
                row.try_get("query")?,
                row.try_get("times")?,
                row.try_get("last")?,
            ))
        })
        .collect()
    }

    /// The centre's own dictionary terms.
    pub async fn kb_terms(&self) -> Result<Vec<String>> {
        Ok(
            sqlx::query_scalar("SELECT term FROM kb_terms ORDER BY term")
                .fetch_all(&self.pool)
                .await?,
        )
    }

    /// Adds dictionary terms (ignoring ones already there); audited.
    pub async fn kb_add_terms(
        &self,
        terms: &[String],
        actor: &Actor,
        now_ms: i64,
    ) -> Result<usize> {
        let mut transaction = self.begin_write().await?;
        let mut added = 0;
        for term in terms {
            added += sqlx::query(
                "INSERT INTO kb_terms (term, added_by, added_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (term) DO NOTHING",
            )
            .bind(term.as_str())
            .bind(actor.name.as_str())
            .bind(now_ms)
            .execute(&mut *transaction)
            .await?
            .rows_affected() as usize;
        }
        audit(
            &mut transaction,
            actor,
            now_ms,
            "update",
            "kb_terms",
            "",
            &serde_json::json!({"terms": terms}).to_string(),
        )
        .await?;
        transaction.commit().await?;
        Ok(added)
    }

    /// Saves `write` as a version awaiting approval; the article stays as it is. The new
    /// version's number, or None when the article does not exist.
    pub async fn kb_propose(
        &self,
        write: &ArticleWrite,
        actor: &Actor,
        now_ms: i64,
    ) -> Result<Option<i64>> {
        let input = &write.input;
        let mut transaction = self.begin_write().await?;
        let last: Option<i64> = sqlx::query_scalar(
            "SELECT CAST(MAX(version) AS BIGINT) FROM kb_versions WHERE article_id = $1",
        )
        .bind(input.id.as_str())
        .fetch_one(&mut *transaction)
        .await?;
        let Some(last) = last else {
            return Ok(None);
        };
        let version = last + 1;
        insert_version(&mut transaction, write, version, actor, now_ms).await?;
        sqlx::query("UPDATE kb_articles SET pending_version = $1 WHERE id = $2")
            .bind(version)
            .bind(input.id.as_str())
            .execute(&mut *transaction)
            .await?;
        audit(
            &mut transaction,
            actor,
            now_ms,
            "propose",
            "kb_article",
            &input.id,
            &serde_json::json!({"version": version, "status": write.status.name(),
                "note": write.note})
            .to_string(),
        )
        .await?;
        transaction.commit().await?;
        Ok(Some(version))
    }

    /// Turns down the change awaiting approval (its version stays in the history); whether
    /// there was one.
    pub async fn kb_reject_pending(
        &self,
        id: &str,
        note: &str,
        actor: &Actor,
        now_ms: i64,
    ) -> Result<bool> {
        let mut transaction = self.begin_write().await?;
        let pending: Option<i64> =
            sqlx::query_scalar("SELECT pending_version FROM kb_articles WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut *transaction)
                .await?;
        let Some(version) = pending.filter(|v| *v > 0) else {
            return Ok(false);
        };
        sqlx::query("UPDATE kb_articles SET pending_version = 0 WHERE id = $1")
            .bind(id)
            .execute(&mut *transaction)
            .await?;
        sqlx::query(
            "UPDATE kb_versions SET status = 'draft' WHERE article_id = $1 AND version = $2",
        )
        .bind(id)
        .bind(version)
        .execute(&mut *transaction)
        .await?;
        audit(
            &mut transaction,
            actor,
            now_ms,
            "reject",
            "kb_article",
            id,
            &serde_json::json!({"version": version, "note": note}).to_string(),
        )
        .await?;
        transaction.commit().await?;
        Ok(true)
    }

    /// Articles waiting for an approver: in review, or with a change awaiting approval.
    pub async fn kb_awaiting_approval(&self) -> Result<Vec<StoredArticle>> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM kb_articles WHERE status = 'in_review' OR pending_version > 0 \
             ORDER BY updated_at DESC"
        )))
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(article_of)
        .collect()
    }

    /// Records that a ticket's agent used `article_id` at `version` (again: the newer version
    /// read); audited on the ticket.
    pub async fn kb_link_ticket(
        &self,
        ticket_id: &str,
        article_id: &str,
        version: i64,
        actor: &Actor,
        now_ms: i64,
    ) -> Result<()> {
        let mut transaction = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO kb_ticket_links (ticket_id, article_id, version, linked_by, linked_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (ticket_id, article_id) DO UPDATE SET \
             version = excluded.version, linked_by = excluded.linked_by, \
             linked_at = excluded.linked_at",
        )
        .bind(ticket_id)
        .bind(article_id)
        .bind(version)
        .bind(actor.name.as_str())
        .bind(now_ms)
        .execute(&mut *transaction)
        .await?;
        audit(
            &mut transaction,
            actor,
            now_ms,
            "link_article",
            "ticket",
            ticket_id,
            &serde_json::json!({"article": article_id, "version": version}).to_string(),
        )
        .await?;
        transaction.commit().await?;
        Ok(())
    }

    /// Removes a used-article link; whether there was one.
    pub async fn kb_unlink_ticket(
        &self,
        ticket_id: &str,
        article_id: &str,
        actor: &Actor,
        now_ms: i64,
    ) -> Result<bool> {
        let mut transaction = self.begin_write().await?;
        let removed =
            sqlx::query("DELETE FROM kb_ticket_links WHERE ticket_id = $1 AND article_id = $2")
                .bind(ticket_id)
                .bind(article_id)
                .execute(&mut *transaction)
                .await?
                .rows_affected();
        if removed > 0 {
            audit(
                &mut transaction,
                actor,
                now_ms,
                "unlink_article",
                "ticket",
                ticket_id,
                &serde_json::json!({"article": article_id}).to_string(),
            )
            .await?;
        }
        transaction.commit().await?;
        Ok(removed > 0)
    }

    /// The articles used on a ticket, first linked first.
    pub async fn kb_ticket_articles(&self, ticket_id: &str) -> Result<Vec<TicketArticle>> {
        sqlx::query(
            "SELECT l.ticket_id, l.article_id, COALESCE(a.title, '') AS title, l.version, \
             l.linked_by, l.linked_at FROM kb_ticket_links l \
             LEFT JOIN kb_articles a ON a.id = l.article_id WHERE l.ticket_id = $1 \
             ORDER BY l.linked_at, l.article_id",
        )
        .bind(ticket_id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|row| {
            Ok(TicketArticle {
                ticket_id: row.try_get("ticket_id")?,
                article_id: row.try_get("article_id")?,
                title: row.try_get("title")?,
                version: row.try_get("version")?,
                linked_by: row.try_get("linked_by")?,
                linked_at: row.try_get("linked_at")?,
            })
        })
        .collect()
    }

    /// How many tickets used `article_id`.
    pub async fn kb_article_uses(&self, article_id: &str) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM kb_ticket_links WHERE article_id = $1",
        )
        .bind(article_id)
        .fetch_one(&self.pool)
        .await?)
    }

    /// Flags version `version` of `article_id` for review by hand; false when there is no such
    /// version.
    pub async fn kb_flag(
        &self,
        article_id: &str,
        version: i64,
        note: &str,
        actor: &Actor,
        now_ms: i64,
    ) -> Result<bool> {
        let mut transaction = self.begin_write().await?;
        if !version_exists(&mut transaction, article_id, version).await? {
            return Ok(false);
        }
        insert_flag(
            &mut transaction,
            article_id,
            version,
            FlagSource::Manual,
            "",
            note,
            actor,
            now_ms,
        )
        .await?;
        transaction.commit().await?;
        Ok(true)
    }

    /// Resolves an open flag; false when there is no open flag `id` on `article_id`.
    pub async fn kb_resolve_flag(
        &self,
        article_id: &str,
        id: i64,
        actor: &Actor,
        now_ms: i64,
    ) -> Result<bool> {
        let mut transaction = self.begin_write().await?;
        let resolved = sqlx::query(
            "UPDATE kb_flags SET resolved_by = $1, resolved_at = $2 \
             WHERE id = $3 AND article_id = $4 AND resolved_at IS NULL",
        )
        .bind(actor.name.as_str())
        .bind(now_ms)
        .bind(id)
        .bind(article_id)
        .execute(&mut *transaction)
        .await?
        .rows_affected();
        if resolved > 0 {
            audit(
                &mut transaction,
                actor,
                now_ms,
                "resolve_flag",
                "kb_article",
                article_id,
                &serde_json::json!({"flag": id}).to_string(),
            )
            .await?;
        }
        transaction.commit().await?;
        Ok(resolved > 0)
    }

    /// An article's flags, newest first (`open_only`: those not resolved).
    pub async fn kb_flags(&self, article_id: &str, open_only: bool) -> Result<Vec<ArticleFlag>> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {FLAG_COLUMNS} FROM kb_flags WHERE article_id = $1{} ORDER BY id DESC",
            if open_only {
                " AND resolved_at IS NULL"
            } else {
                ""
            }
        )))
        .bind(article_id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(flag_of)
        .collect()
    }

    /// Every open flag, oldest first.
    pub async fn kb_open_flags(&self) -> Result<Vec<ArticleFlag>> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {FLAG_COLUMNS} FROM kb_flags WHERE resolved_at IS NULL ORDER BY id"
        )))
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(flag_of)
        .collect()
    }

    /// Removes dictionary terms; how many there were. Audited.
    pub async fn kb_remove_terms(
        &self,
        terms: &[String],
        actor: &Actor,
        now_ms: i64,
    ) -> Result<usize> {
        let mut transaction = self.begin_write().await?;
        let mut removed = 0;
        for term in terms {
            removed += sqlx::query("DELETE FROM kb_terms WHERE term = $1")
                .bind(term.as_str())
                .execute(&mut *transaction)
                .await?
                .rows_affected() as usize;
        }
        audit(
            &mut transaction,
            actor,
            now_ms,
            "remove",
            "kb_terms",
            "",
            &serde_json::json!({"terms": terms}).to_string(),
        )
        .await?;
        transaction.commit().await?;
        Ok(removed)
    }

    /// The open flag a review task raised, if any.
    pub async fn kb_review_task_flag(&self, response_id: &str) -> Result<Option<ArticleFlag>> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {FLAG_COLUMNS} FROM kb_flags WHERE source = 'review_task' AND source_id = $1 \
             AND resolved_at IS NULL"
        )))
        .bind(response_id)
        .fetch_optional(&self.pool)
        .await?
        .as_ref()
        .map(flag_of)
        .transpose()
    }
}
