//! The knowledge base's tables: articles (current state and search terms), their versions, the
//! candidate index (FTS5 on SQLite, tsvector + GIN on PostgreSQL, over tokens servq-kb cut),
//! the search log and the centre's own dictionary terms.

use servq_kb::{ArticleInput, ArticleLevel, ArticleStatus, Audience};
use sqlx::Row;

use crate::{Actor, Backend, Result, Store, StoreError, users::audit};

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
    /// The distinct tokens for the index (space-separated).
    pub index_text: String,
    /// Its weighted length.
    pub length: i64,
    /// The version's note.
    pub note: String,
}

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
                       review_date, status, version, terms, length, updated_by, updated_at";

fn corrupt(column: &'static str, value: String) -> StoreError {
    StoreError::CorruptValue { column, value }
}

fn input_of(row: &sqlx::any::AnyRow, id_column: &str) -> Result<ArticleInput> {
    let level: String = row.try_get("level")?;
    let audience: String = row.try_get("audience")?;
    let tags: String = row.try_get("tags")?;
    Ok(ArticleInput {
        id: row.try_get(id_column)?,
        title: row.try_get("title")?,
        body: row.try_get("body")?,
        level: ArticleLevel::parse(&level).ok_or_else(|| corrupt("level", level.clone()))?,
        tags: serde_json::from_str(&tags).map_err(|_| corrupt("tags", tags.clone()))?,
        category: row.try_get("category")?,
        audience: Audience::parse(&audience)
            .ok_or_else(|| corrupt("audience", audience.clone()))?,
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
    })
}

/// A token as a tsvector / tsquery lexeme: quoted, quotes and backslashes escaped.
fn lexeme(token: &str) -> String {
    format!("'{}'", token.replace('\\', "\\\\").replace('\'', "''"))
}

/// A token as an FTS5 string: double-quoted, quotes doubled.
fn fts_string(token: &str) -> String {
    format!("\"{}\"", token.replace('"', "\"\""))
}

impl Store {
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
            let version = match &existing {
                Some(stored)
                    if stored.input == *input
                        && stored.status == write.status
                        && stored.review_date == write.review_date =>
                {
                    summary.unchanged += 1;
                    continue;
                }
                Some(stored) => {
                    summary.changed += 1;
                    stored.version + 1
                }
                None => {
                    summary.created += 1;
                    1
                }
            };
            let tags = serde_json::to_string(&input.tags).unwrap_or_else(|_| "[]".to_owned());
            sqlx::query("DELETE FROM kb_articles WHERE id = $1")
                .bind(input.id.as_str())
                .execute(&mut *transaction)
                .await?;
            sqlx::query(
                "INSERT INTO kb_articles (id, title, body, level, tags, category, audience, \
                 language, owner, review_date, status, version, terms, length, updated_by, \
                 updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, \
                 $15, $16)",
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
            .execute(&mut *transaction)
            .await?;
            sqlx::query(
                "INSERT INTO kb_versions (article_id, version, title, body, level, tags, \
                 category, audience, language, owner, status, author, note, created_at) \
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
            .execute(&mut *transaction)
            .await?;
            sqlx::query("DELETE FROM kb_search WHERE article_id = $1")
                .bind(input.id.as_str())
                .execute(&mut *transaction)
                .await?;
            // only published articles are found
            if write.status == ArticleStatus::Published {
                match self.backend {
                    Backend::Sqlite => {
                        sqlx::query("INSERT INTO kb_search (article_id, tokens) VALUES ($1, $2)")
                            .bind(input.id.as_str())
                            .bind(write.index_text.as_str())
                            .execute(&mut *transaction)
                            .await?;
                    }
                    Backend::Postgres => {
                        let lexemes: Vec<String> = write
                            .index_text
                            .split(' ')
                            .filter(|t| !t.is_empty())
                            .map(lexeme)
                            .collect();
                        sqlx::query(
                            "INSERT INTO kb_search (article_id, tokens) VALUES ($1, CAST($2 AS tsvector))",
                        )
                        .bind(input.id.as_str())
                        .bind(lexemes.join(" "))
                        .execute(&mut *transaction)
                        .await?;
                    }
                }
            }
            audit(
                &mut transaction,
                actor,
                now_ms,
                if version == 1 { "create" } else { "update" },
                "kb_article",
                &input.id,
                &serde_json::json!({"version": version, "status": write.status.name(),
                    "note": write.note})
                .to_string(),
            )
            .await?;
        }
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

    /// The published articles holding any of `tokens`: (id, terms, weighted length, audience).
    pub async fn kb_candidates(
        &self,
        tokens: &[String],
    ) -> Result<Vec<(String, String, i64, Audience)>> {
        let tokens: Vec<&String> = tokens.iter().filter(|t| !t.is_empty()).collect();
        if tokens.is_empty() {
            return Ok(Vec::new());
        }
        let (sql, query) = match self.backend {
            Backend::Sqlite => (
                "SELECT a.id, a.terms, a.length, a.audience FROM kb_search s \
                 JOIN kb_articles a ON a.id = s.article_id WHERE kb_search MATCH $1",
                tokens
                    .iter()
                    .map(|t| fts_string(t))
                    .collect::<Vec<_>>()
                    .join(" OR "),
            ),
            Backend::Postgres => (
                "SELECT a.id, a.terms, a.length, a.audience FROM kb_search s \
                 JOIN kb_articles a ON a.id = s.article_id \
                 WHERE s.tokens @@ CAST($1 AS tsquery)",
                tokens
                    .iter()
                    .map(|t| lexeme(t))
                    .collect::<Vec<_>>()
                    .join(" | "),
            ),
        };
        sqlx::query(sql)
            .bind(query)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|row| {
                let audience: String = row.try_get("audience")?;
                Ok((
                    row.try_get("id")?,
                    row.try_get("terms")?,
                    row.try_get("length")?,
                    Audience::parse(&audience).ok_or(corrupt("audience", audience))?,
                ))
            })
            .collect()
    }

    /// How many articles are published and their mean weighted length (BM25's collection).
    pub async fn kb_collection(&self) -> Result<(i64, f64)> {
        let row = sqlx::query(
            "SELECT CAST(COUNT(*) AS BIGINT) AS n, CAST(COALESCE(SUM(length), 0) AS BIGINT) AS total \
             FROM kb_articles WHERE status = 'published'",
        )
        .fetch_one(&self.pool)
        .await?;
        let n: i64 = row.try_get("n")?;
        let total: i64 = row.try_get("total")?;
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
}
