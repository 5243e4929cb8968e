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
    /// The newest saved automated-QA rule set (version, TOML), if any.
    pub async fn qa_rules(&self) -> Result<Option<(i64, String)>> {
        let row =
            sqlx::query("SELECT version, rules FROM qa_rule_sets ORDER BY version DESC LIMIT 1")
                .fetch_optional(&self.pool)
                .await?;
        row.map(|row| Ok((row.try_get(0)?, row.try_get(1)?)))
            .transpose()
    }

    /// Saves a new version of the rule set (the caller has checked it); audited.
    pub async fn save_qa_rules(
        &self,
        rules: &str,
        actor: &crate::Actor,
        now_ms: i64,
    ) -> Result<i64> {
        let mut transaction = self.begin_write().await?;
        let version: i64 = sqlx::query_scalar(
            "SELECT CAST(COALESCE(MAX(version), 0) + 1 AS BIGINT) FROM qa_rule_sets",
        )
        .fetch_one(&mut *transaction)
        .await?;
        sqlx::query(
            "INSERT INTO qa_rule_sets (version, rules, created_at, created_by) VALUES ($1, $2, $3, $4)",
        )
        .bind(version)
        .bind(rules)
        .bind(now_ms)
        .bind(actor.name.as_str())
        .execute(&mut *transaction)
        .await?;
        crate::users::audit(
            &mut transaction,
            actor,
            now_ms,
            "create",
            "qa_rules",
            &version.to_string(),
            "{}",
        )
        .await?;
        transaction.commit().await?;
        Ok(version)
    }

    /// Starts a transcript import.
    pub async fn begin_transcript_import(&self, now_ms: i64) -> Result<TranscriptImport> {
        let transaction = self.begin_write().await?;
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
            crate::sql::insert_batch(
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

/// What an agent's automated-QA hits say to work on: one rule's hits over a period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoachingItem {
    /// The agent.
    pub agent_id: String,
    /// Rule name.
    pub rule: String,
    /// Hit kind.
    pub kind: String,
    /// Hits.
    pub hits: i64,
    /// Contacts with at least one.
    pub contacts: i64,
    /// One of those contacts, to listen to.
    pub example_contact: String,
}

impl Store {
    /// Automated-QA hits per agent and rule for contacts offered in `[from_ms, to_ms)`, one
    /// agent's when given; each agent's most frequent first.
    pub async fn coaching_list(
        &self,
        agent_id: Option<&str>,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Vec<CoachingItem>> {
        sqlx::query(
            "SELECT r.agent_id, h.rule, h.kind, CAST(COUNT(*) AS BIGINT), \
             CAST(COUNT(DISTINCT h.contact_id) AS BIGINT), MAX(h.contact_id) \
             FROM qa_hits h JOIN contacts r ON r.contact_id = h.contact_id \
             WHERE r.offered_at >= $1 AND r.offered_at < $2 AND r.agent_id <> '' \
               AND ($3 = '' OR r.agent_id = $3) \
             GROUP BY r.agent_id, h.rule, h.kind ORDER BY r.agent_id, 4 DESC, h.rule",
        )
        .bind(from_ms)
        .bind(to_ms)
        .bind(agent_id.unwrap_or(""))
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|row| {
            Ok(CoachingItem {
                agent_id: row.try_get(0)?,
                rule: row.try_get(1)?,
                kind: row.try_get(2)?,
                hits: row.try_get(3)?,
                contacts: row.try_get(4)?,
                example_contact: row.try_get(5)?,
            })
        })
        .collect()
    }
}
