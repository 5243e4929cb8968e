//! Transcripts and their automated-QA hits. A file of transcripts is imported in one
//! transaction (a bad line leaves everything as it was); re-importing a contact's transcript
//! replaces it and its hits.

use sqlx::{Any, Row, Transaction};

use crate::{Result, Store};

/// One automated-QA hit as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredHit {
    /// Rule name.
    pub rule: String,
    /// `forbidden_phrase`, `required_phrase_missing`, `interruption`, `silence`, `over_talk`.
    pub kind: String,
    /// Turn index, when the hit points at one.
    pub turn: Option<i64>,
    /// Where, milliseconds from the interaction's start.
    pub at_ms: i64,
    /// The words or the turn's text.
    pub text: String,
}

/// A stored transcript.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredTranscript {
    /// The contact.
    pub contact_id: String,
    /// The turns, JSON as imported.
    pub turns_json: String,
    /// Import time, UTC ms.
    pub imported_ms: i64,
    /// Its hits, in turn order.
    pub hits: Vec<StoredHit>,
}

/// An open transcript import; dropping it writes nothing.
pub struct TranscriptImport {
    transaction: Transaction<'static, Any>,
    now_ms: i64,
    /// Transcripts written so far.
    pub count: i64,
}

impl Store {
    /// Starts a transcript import.
    pub async fn begin_transcript_import(&self, now_ms: i64) -> Result<TranscriptImport> {
        let transaction = match self.backend {
            crate::Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            crate::Backend::Postgres => self.pool.begin().await?,
        };
        Ok(TranscriptImport {
            transaction,
            now_ms,
            count: 0,
        })
    }

    /// The transcript of a contact, with its hits.
    pub async fn transcript(&self, contact_id: &str) -> Result<Option<StoredTranscript>> {
        let Some(row) =
            sqlx::query("SELECT turns, imported_at FROM transcripts WHERE contact_id = $1")
                .bind(contact_id)
                .fetch_optional(&self.pool)
                .await?
        else {
            return Ok(None);
        };
        let hits = sqlx::query(
            "SELECT rule, kind, turn, at_ms, text FROM qa_hits WHERE contact_id = $1 ORDER BY seq",
        )
        .bind(contact_id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|row| {
            Ok(StoredHit {
                rule: row.try_get(0)?,
                kind: row.try_get(1)?,
                turn: row.try_get(2)?,
                at_ms: row.try_get(3)?,
                text: row.try_get(4)?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
        Ok(Some(StoredTranscript {
            contact_id: contact_id.to_owned(),
            turns_json: row.try_get(0)?,
            imported_ms: row.try_get(1)?,
            hits,
        }))
    }

    /// The agent who handled a contact ('' when nobody answered), `None` for an unknown contact.
    pub async fn contact_agent(&self, contact_id: &str) -> Result<Option<String>> {
        Ok(
            sqlx::query_scalar("SELECT agent_id FROM contacts WHERE contact_id = $1")
                .bind(contact_id)
                .fetch_optional(&self.pool)
                .await?,
        )
    }
}

impl TranscriptImport {
    /// Writes (or replaces) one transcript and its hits; true when it replaced one.
    pub async fn push(
        &mut self,
        contact_id: &str,
        turns_json: &str,
        hits: &[StoredHit],
    ) -> Result<bool> {
        sqlx::query("DELETE FROM qa_hits WHERE contact_id = $1")
            .bind(contact_id)
            .execute(&mut *self.transaction)
            .await?;
        let replaced = sqlx::query("DELETE FROM transcripts WHERE contact_id = $1")
            .bind(contact_id)
            .execute(&mut *self.transaction)
            .await?
            .rows_affected()
            > 0;
        sqlx::query("INSERT INTO transcripts (contact_id, turns, imported_at) VALUES ($1, $2, $3)")
            .bind(contact_id)
            .bind(turns_json)
            .bind(self.now_ms)
            .execute(&mut *self.transaction)
            .await?;
        if !hits.is_empty() {
            crate::import::insert_batch(
                &mut self.transaction,
                "INSERT INTO qa_hits (contact_id, seq, rule, kind, turn, at_ms, text)",
                7,
                &hits.iter().enumerate().collect::<Vec<_>>(),
                |query, (seq, hit)| {
                    query
                        .bind(contact_id)
                        .bind(*seq as i64)
                        .bind(hit.rule.as_str())
                        .bind(hit.kind.as_str())
                        .bind(hit.turn)
                        .bind(hit.at_ms)
                        .bind(hit.text.as_str())
                },
            )
            .await?;
        }
        self.count += 1;
        Ok(replaced)
    }

    /// Commits every transcript pushed.
    pub async fn commit(self) -> Result<i64> {
        self.transaction.commit().await?;
        Ok(self.count)
    }
}
