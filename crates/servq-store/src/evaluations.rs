//! Versioned scorecards and QA evaluations with their workflow. The store keeps what it is given
//! (the scorecard as JSON, answers as JSON, the score computed by `servq-qa`); every change is
//! audited in the same transaction and bumps the data version (QA scores feed reports).

use sqlx::{Row, any::AnyRow};

use crate::{Actor, Result, Store, StoreError, users};

/// A stored scorecard version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredScorecard {
    /// Id (versions share it).
    pub scorecard_id: String,
    /// Version, from 1.
    pub version: i64,
    /// Name.
    pub name: String,
    /// The scorecard as JSON.
    pub definition: String,
}

/// Where an evaluation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EvaluationStatus {
    /// Scored; waiting for the agent.
    Submitted,
    /// The agent accepted it.
    Acknowledged,
    /// The agent disputed it; waiting for a re-review.
    Disputed,
    /// Re-scored after a dispute; waiting for the agent.
    Rereviewed,
}

impl EvaluationStatus {
    /// The stored and reported name.
    pub fn name(self) -> &'static str {
        match self {
            EvaluationStatus::Submitted => "submitted",
            EvaluationStatus::Acknowledged => "acknowledged",
            EvaluationStatus::Disputed => "disputed",
            EvaluationStatus::Rereviewed => "rereviewed",
        }
    }

    fn parse(name: &str) -> Option<EvaluationStatus> {
        [
            EvaluationStatus::Submitted,
            EvaluationStatus::Acknowledged,
            EvaluationStatus::Disputed,
            EvaluationStatus::Rereviewed,
        ]
        .into_iter()
        .find(|status| status.name() == name)
    }
}

/// A scored evaluation to store, or a re-scoring of one.
#[derive(Debug, Clone, PartialEq)]
pub struct EvaluationScore {
    /// Answers as JSON (`{"item": level or "na"}`).
    pub answers: String,
    /// The inspector's comments.
    pub comments: String,
    /// 0–100, `None` when every item was N/A.
    pub score: Option<f64>,
    /// Critical items below 50 %.
    pub failed_critical: Vec<String>,
}

/// An evaluation to store.
#[derive(Debug, Clone, Copy)]
pub struct NewEvaluation<'a> {
    /// Random id.
    pub evaluation_id: &'a str,
    /// The interaction.
    pub contact_id: &'a str,
    /// The agent who handled it.
    pub agent_id: &'a str,
    /// The scorecard version scored on.
    pub scorecard: &'a StoredScorecard,
    /// The score.
    pub score: &'a EvaluationScore,
}

/// One step of an evaluation's workflow.
#[derive(Debug, Clone, Copy)]
pub struct EvaluationStep<'a> {
    /// The states the step starts from.
    pub from: &'a [EvaluationStatus],
    /// The state it leads to.
    pub to: EvaluationStatus,
    /// A new score (a re-review).
    pub rescore: Option<&'a EvaluationScore>,
    /// The agent's reason (a dispute).
    pub dispute_reason: Option<&'a str>,
    /// The items the agent disputes, JSON `[{"item_id", "reason"}]` (a dispute).
    pub dispute_items: Option<&'a str>,
    /// The inspector's reason for a new score (a re-review), kept with the revision.
    pub rescore_reason: Option<&'a str>,
}

/// One scoring of an evaluation: revision 1 is the first, each re-review adds one.
#[derive(Debug, Clone, PartialEq)]
pub struct EvaluationRevision {
    /// From 1.
    pub revision: i64,
    /// Who scored it.
    pub inspector: String,
    /// The scoring.
    pub score: EvaluationScore,
    /// Why the scoring changed (empty for the first).
    pub reason: String,
    /// When, UTC ms.
    pub created_ms: i64,
}

/// What storing a new evaluation did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EvaluationCreated {
    /// Stored.
    Created,
    /// The contact already has an evaluation on this scorecard (its id); nothing was stored.
    AlreadyEvaluated(String),
}

/// A stored evaluation.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    /// Random id.
    pub evaluation_id: String,
    /// The interaction.
    pub contact_id: String,
    /// The agent who handled it.
    pub agent_id: String,
    /// Scorecard id.
    pub scorecard_id: String,
    /// Scorecard version scored on.
    pub scorecard_version: i64,
    /// Who scored it (last).
    pub inspector: String,
    /// Where it stands.
    pub status: EvaluationStatus,
    /// The score.
    pub score: EvaluationScore,
    /// The agent's reason, when disputed.
    pub dispute_reason: String,
    /// The items disputed, JSON `[{"item_id", "reason"}]` (`[]`: none singled out).
    pub dispute_items: String,
    /// Created, UTC ms.
    pub created_ms: i64,
    /// Last change, UTC ms.
    pub updated_ms: i64,
}

const EVALUATION_COLUMNS: &str = "evaluation_id, contact_id, agent_id, scorecard_id, \
     scorecard_version, inspector, status, answers, comments, score_micro, failed_critical, \
     dispute_reason, dispute_items, created_at, updated_at";

/// The scoring columns (`answers`, `comments`, `score_micro`, `failed_critical`) of a row.
fn score_of(row: &AnyRow) -> Result<EvaluationScore> {
    let failed: String = row.try_get("failed_critical")?;
    Ok(EvaluationScore {
        answers: row.try_get("answers")?,
        comments: row.try_get("comments")?,
        score: row
            .try_get::<Option<i64>, _>("score_micro")?
            .map(|micro| micro as f64 / 1e6),
        failed_critical: failed
            .split(',')
            .filter(|id| !id.is_empty())
            .map(str::to_owned)
            .collect(),
    })
}

fn evaluation_of(row: &AnyRow) -> Result<Evaluation> {
    let status: String = row.try_get("status")?;
    Ok(Evaluation {
        evaluation_id: row.try_get("evaluation_id")?,
        contact_id: row.try_get("contact_id")?,
        agent_id: row.try_get("agent_id")?,
        scorecard_id: row.try_get("scorecard_id")?,
        scorecard_version: row.try_get("scorecard_version")?,
        inspector: row.try_get("inspector")?,
        status: EvaluationStatus::parse(&status).ok_or(StoreError::CorruptValue {
            column: "evaluations.status",
            value: status,
        })?,
        score: score_of(row)?,
        dispute_reason: row.try_get("dispute_reason")?,
        dispute_items: row.try_get("dispute_items")?,
        created_ms: row.try_get("created_at")?,
        updated_ms: row.try_get("updated_at")?,
    })
}

/// The kinds of definitions kept in versions (a new save never changes an old version).
#[derive(Debug, Clone, Copy)]
pub(crate) enum Versioned {
    /// QA scorecards.
    Scorecard,
    /// Survey templates.
    SurveyTemplate,
}

impl Versioned {
    /// Table, id column and audit entity name.
    fn names(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Versioned::Scorecard => ("scorecards", "scorecard_id", "scorecard"),
            Versioned::SurveyTemplate => ("survey_templates", "template_id", "survey_template"),
        }
    }
}

fn micro(score: Option<f64>) -> Option<i64> {
    score.map(|s| (s * 1e6).round() as i64)
}

impl Store {
    /// The newest version of a scorecard (or the given one).
    pub async fn scorecard(
        &self,
        scorecard_id: &str,
        version: Option<i64>,
    ) -> Result<Option<StoredScorecard>> {
        let row = sqlx::query(
            "SELECT scorecard_id, version, name, definition FROM scorecards \
             WHERE scorecard_id = $1 AND ($2 < 0 OR version = $2) ORDER BY version DESC LIMIT 1",
        )
        .bind(scorecard_id)
        .bind(version.unwrap_or(-1))
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            Ok(StoredScorecard {
                scorecard_id: row.try_get(0)?,
                version: row.try_get(1)?,
                name: row.try_get(2)?,
                definition: row.try_get(3)?,
            })
        })
        .transpose()
    }

    /// Stores a new version of a scorecard (version 1 for a new id); audited.
    pub async fn save_scorecard(
        &self,
        scorecard_id: &str,
        name: &str,
        definition: &str,
        actor: &Actor,
        now_ms: i64,
    ) -> Result<i64> {
        self.save_version(
            Versioned::Scorecard,
            scorecard_id,
            name,
            definition,
            actor,
            now_ms,
        )
        .await
    }

    /// Stores `definition` as the next version of `id` (version 1 for a new id), audited in the
    /// same transaction; returns the version.
    pub(crate) async fn save_version(
        &self,
        kind: Versioned,
        id: &str,
        name: &str,
        definition: &str,
        actor: &Actor,
        now_ms: i64,
    ) -> Result<i64> {
        let (table, key, entity) = kind.names();
        let mut transaction = self.begin_write().await?;
        let version: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT CAST(COALESCE(MAX(version), 0) + 1 AS BIGINT) FROM {table} WHERE {key} = $1"
        )))
        .bind(id)
        .fetch_one(&mut *transaction)
        .await?;
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO {table} ({key}, version, name, definition, created_at) \
             VALUES ($1, $2, $3, $4, $5)"
        )))
        .bind(id)
        .bind(version)
        .bind(name)
        .bind(definition)
        .bind(now_ms)
        .execute(&mut *transaction)
        .await?;
        users::audit(
            &mut transaction,
            actor,
            now_ms,
            "create",
            entity,
            &format!("{id}@{version}"),
            &serde_json::json!({"name": name}).to_string(),
        )
        .await?;
        transaction.commit().await?;
        Ok(version)
    }

    /// Stores a new evaluation (status submitted) with its first revision and closes its queue
    /// item; audited. A contact is evaluated once per scorecard: when it already has an
    /// evaluation on `scorecard`, nothing is stored (a unique index keeps this true under races
    /// on either engine).
    pub async fn create_evaluation(
        &self,
        new: &NewEvaluation<'_>,
        actor: &Actor,
        now_ms: i64,
    ) -> Result<EvaluationCreated> {
        let NewEvaluation {
            evaluation_id,
            contact_id,
            agent_id,
            scorecard,
            score,
        } = *new;
        let mut transaction = self.begin_write().await?;
        let inserted = sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO evaluations ({EVALUATION_COLUMNS}) \
             VALUES ($1, $2, $3, $4, $5, $6, 'submitted', $7, $8, $9, $10, '', '[]', $11, $11) \
             ON CONFLICT (contact_id, scorecard_id) DO NOTHING"
        )))
        .bind(evaluation_id)
        .bind(contact_id)
        .bind(agent_id)
        .bind(scorecard.scorecard_id.as_str())
        .bind(scorecard.version)
        .bind(actor.name.as_str())
        .bind(score.answers.as_str())
        .bind(score.comments.as_str())
        .bind(micro(score.score))
        .bind(score.failed_critical.join(","))
        .bind(now_ms)
        .execute(&mut *transaction)
        .await?
        .rows_affected();
        if inserted == 0 {
            let existing: String = sqlx::query_scalar(
                "SELECT evaluation_id FROM evaluations WHERE contact_id = $1 AND scorecard_id = $2",
            )
            .bind(contact_id)
            .bind(scorecard.scorecard_id.as_str())
            .fetch_one(&mut *transaction)
            .await?;
            return Ok(EvaluationCreated::AlreadyEvaluated(existing));
        }
        insert_revision(&mut transaction, evaluation_id, 1, actor, score, "", now_ms).await?;
        users::audit(
            &mut transaction,
            actor,
            now_ms,
            "create",
            "evaluation",
            evaluation_id,
            &serde_json::json!({"contact_id": contact_id, "score": score.score}).to_string(),
        )
        .await?;
        // an evaluated contact leaves the queue
        sqlx::query("UPDATE qa_queue SET done_at = $1 WHERE contact_id = $2 AND done_at IS NULL")
            .bind(now_ms)
            .bind(contact_id)
            .execute(&mut *transaction)
            .await?;
        crate::cache::bump_data_version(&mut transaction).await?;
        transaction.commit().await?;
        Ok(EvaluationCreated::Created)
    }

    /// The evaluation of a contact on a scorecard, if there is one.
    pub async fn evaluation_of_contact(
        &self,
        contact_id: &str,
        scorecard_id: &str,
    ) -> Result<Option<Evaluation>> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {EVALUATION_COLUMNS} FROM evaluations WHERE contact_id = $1 AND scorecard_id = $2"
        )))
        .bind(contact_id)
        .bind(scorecard_id)
        .fetch_optional(&self.pool)
        .await?
        .as_ref()
        .map(evaluation_of)
        .transpose()
    }

    /// The evaluations of one contact (one per scorecard), the newest first.
    pub async fn evaluations_of_contact(&self, contact_id: &str) -> Result<Vec<Evaluation>> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {EVALUATION_COLUMNS} FROM evaluations WHERE contact_id = $1 \
             ORDER BY created_at DESC"
        )))
        .bind(contact_id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(evaluation_of)
        .collect()
    }

    /// Every scoring of an evaluation, the first first.
    pub async fn evaluation_revisions(
        &self,
        evaluation_id: &str,
    ) -> Result<Vec<EvaluationRevision>> {
        sqlx::query(
            "SELECT revision, inspector, answers, comments, score_micro, failed_critical, reason, \
             created_at FROM evaluation_revisions WHERE evaluation_id = $1 ORDER BY revision",
        )
        .bind(evaluation_id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|row| {
            Ok(EvaluationRevision {
                revision: row.try_get("revision")?,
                inspector: row.try_get("inspector")?,
                score: score_of(row)?,
                reason: row.try_get("reason")?,
                created_ms: row.try_get("created_at")?,
            })
        })
        .collect()
    }

    /// One evaluation.
    pub async fn evaluation(&self, evaluation_id: &str) -> Result<Option<Evaluation>> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {EVALUATION_COLUMNS} FROM evaluations WHERE evaluation_id = $1"
        )))
        .bind(evaluation_id)
        .fetch_optional(&self.pool)
        .await?
        .as_ref()
        .map(evaluation_of)
        .transpose()
    }

    /// The newest evaluations first, of one agent when given.
    pub async fn evaluations(&self, agent_id: Option<&str>, limit: i64) -> Result<Vec<Evaluation>> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {EVALUATION_COLUMNS} FROM evaluations WHERE ($1 = '' OR agent_id = $1) \
             ORDER BY created_at DESC, evaluation_id LIMIT $2"
        )))
        .bind(agent_id.unwrap_or(""))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(evaluation_of)
        .collect()
    }

    /// Moves an evaluation along its workflow (see [`EvaluationStep`]); false when it is not in
    /// one of the step's `from` states. Audited.
    pub async fn advance_evaluation(
        &self,
        evaluation_id: &str,
        step: &EvaluationStep<'_>,
        actor: &Actor,
        now_ms: i64,
    ) -> Result<bool> {
        let EvaluationStep {
            from,
            to,
            rescore,
            dispute_reason,
            dispute_items,
            rescore_reason,
        } = *step;
        let mut transaction = self.begin_write().await?;
        let current: Option<String> =
            sqlx::query_scalar("SELECT status FROM evaluations WHERE evaluation_id = $1")
                .bind(evaluation_id)
                .fetch_optional(&mut *transaction)
                .await?;
        let allowed = current
            .as_deref()
            .and_then(EvaluationStatus::parse)
            .is_some_and(|status| from.contains(&status));
        if !allowed {
            return Ok(false);
        }
        sqlx::query("UPDATE evaluations SET status = $1, updated_at = $2 WHERE evaluation_id = $3")
            .bind(to.name())
            .bind(now_ms)
            .bind(evaluation_id)
            .execute(&mut *transaction)
            .await?;
        if let Some(reason) = dispute_reason {
            sqlx::query(
                "UPDATE evaluations SET dispute_reason = $1, dispute_items = $2 \
                 WHERE evaluation_id = $3",
            )
            .bind(reason)
            .bind(dispute_items.unwrap_or("[]"))
            .bind(evaluation_id)
            .execute(&mut *transaction)
            .await?;
        }
        if let Some(score) = rescore {
            sqlx::query(
                "UPDATE evaluations SET answers = $1, comments = $2, score_micro = $3, \
                 failed_critical = $4, inspector = $5 WHERE evaluation_id = $6",
            )
            .bind(score.answers.as_str())
            .bind(score.comments.as_str())
            .bind(micro(score.score))
            .bind(score.failed_critical.join(","))
            .bind(actor.name.as_str())
            .bind(evaluation_id)
            .execute(&mut *transaction)
            .await?;
            let revision: i64 = sqlx::query_scalar(
                "SELECT CAST(COALESCE(MAX(revision), 0) + 1 AS BIGINT) FROM evaluation_revisions \
                 WHERE evaluation_id = $1",
            )
            .bind(evaluation_id)
            .fetch_one(&mut *transaction)
            .await?;
            let reason = rescore_reason.unwrap_or("");
            insert_revision(
                &mut transaction,
                evaluation_id,
                revision,
                actor,
                score,
                reason,
                now_ms,
            )
            .await?;
            crate::cache::bump_data_version(&mut transaction).await?;
        }
        users::audit(
            &mut transaction,
            actor,
            now_ms,
            to.name(),
            "evaluation",
            evaluation_id,
            &serde_json::json!({
                "reason": dispute_reason.or(rescore_reason),
                "score": rescore.and_then(|s| s.score),
            })
            .to_string(),
        )
        .await?;
        transaction.commit().await?;
        Ok(true)
    }
}

/// Appends one scoring to an evaluation's history.
async fn insert_revision(
    transaction: &mut sqlx::Transaction<'static, sqlx::Any>,
    evaluation_id: &str,
    revision: i64,
    actor: &Actor,
    score: &EvaluationScore,
    reason: &str,
    now_ms: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO evaluation_revisions (evaluation_id, revision, inspector, answers, comments, \
         score_micro, failed_critical, reason, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(evaluation_id)
    .bind(revision)
    .bind(actor.name.as_str())
    .bind(score.answers.as_str())
    .bind(score.comments.as_str())
    .bind(micro(score.score))
    .bind(score.failed_critical.join(","))
    .bind(reason)
    .bind(now_ms)
    .execute(&mut **transaction)
    .await?;
    Ok(())
}

/// An interaction waiting for an inspector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueItem {
    /// The contact.
    pub contact_id: String,
    /// Its agent.
    pub agent_id: String,
    /// The plan that picked it.
    pub plan: String,
    /// Queued, UTC ms.
    pub created_ms: i64,
}

/// A contact that a sampling plan may pick.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SamplingCandidate {
    /// The contact.
    pub contact_id: String,
    /// Its agent.
    pub agent_id: String,
    /// Talk + hold + wrap, ms.
    pub handle_ms: i64,
    /// Automated-QA hits in its transcript.
    pub rule_hits: i64,
    /// The start (UTC ms of local midnight) of the agent's first day with contacts.
    pub agent_first_day_ms: i64,
    /// Whether a customer rated the contact unsatisfied (CSAT 1–2).
    pub unsatisfied: bool,
    /// The contact's category.
    pub category: String,
}

impl Store {
    /// Answered contacts offered in `[from_ms, to_ms)`, neither evaluated nor queued yet; with
    /// `customer_tag`, only those of customers carrying that tag (typed, computed or as their
    /// segment).
    pub async fn sampling_candidates(
        &self,
        from_ms: i64,
        to_ms: i64,
        customer_tag: Option<&str>,
    ) -> Result<Vec<SamplingCandidate>> {
        // a plan by tag: contacts of customers who carry it — typed (the JSON list holds it
        // quoted), computed by the tag rules, or as their segment
        let by_tag = if customer_tag.is_some() {
            " AND r.customer_id IN (SELECT customer_id FROM customer_rule_tags WHERE tag = $3 \
               UNION SELECT customer_id FROM customers WHERE segment = $3 \
               OR tags LIKE $4 ESCAPE '\\')"
        } else {
            ""
        };
        let tag = customer_tag.unwrap_or("");
        let quoted = serde_json::to_string(tag).unwrap_or_default();
        let pattern = format!(
            "%{}%",
            quoted
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        );
        let sql = format!(
            "{}{by_tag}",
            "SELECT r.contact_id, r.agent_id, r.talk_ms + r.hold_ms + r.wrap_ms, \
             CAST(COALESCE(h.n, 0) AS BIGINT), CAST(COALESCE(d.first_day, r.offered_at) AS BIGINT), \
             CAST(CASE WHEN EXISTS (SELECT 1 FROM survey_responses s \
                                    WHERE s.contact_id = r.contact_id AND s.csat <= 2) \
                  THEN 1 ELSE 0 END AS BIGINT), r.category \
             FROM contacts r \
             LEFT JOIN (SELECT contact_id, COUNT(*) AS n FROM qa_hits GROUP BY contact_id) h \
               ON h.contact_id = r.contact_id \
             LEFT JOIN (SELECT agent_id, MIN(period) AS first_day FROM contact_day_agent \
                        GROUP BY agent_id) d ON d.agent_id = r.agent_id \
             WHERE r.offered_at >= $1 AND r.offered_at < $2 AND r.answered_at IS NOT NULL \
               AND r.agent_id <> '' \
               AND NOT EXISTS (SELECT 1 FROM evaluations e WHERE e.contact_id = r.contact_id) \
               AND NOT EXISTS (SELECT 1 FROM qa_queue q WHERE q.contact_id = r.contact_id)"
        );
        let query = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(from_ms)
            .bind(to_ms);
        let query = if customer_tag.is_some() {
            query.bind(tag).bind(pattern)
        } else {
            query
        };
        query
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|row| {
                Ok(SamplingCandidate {
                    contact_id: row.try_get(0)?,
                    agent_id: row.try_get(1)?,
                    handle_ms: row.try_get(2)?,
                    rule_hits: row.try_get(3)?,
                    agent_first_day_ms: row.try_get(4)?,
                    unsatisfied: row.try_get::<i64, _>(5)? != 0,
                    category: row.try_get(6)?,
                })
            })
            .collect()
    }

    /// Queues picked contacts (ones already queued are left as they are); audited as one plan.
    pub async fn queue_for_evaluation(
        &self,
        picks: &[(String, String)],
        plan: &str,
        actor: &Actor,
        now_ms: i64,
    ) -> Result<u64> {
        let mut transaction = self.begin_write().await?;
        let mut queued = 0;
        for (contact_id, agent_id) in picks {
            queued += sqlx::query(
                "INSERT INTO qa_queue (contact_id, agent_id, plan, created_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (contact_id) DO NOTHING",
            )
            .bind(contact_id.as_str())
            .bind(agent_id.as_str())
            .bind(plan)
            .bind(now_ms)
            .execute(&mut *transaction)
            .await?
            .rows_affected();
        }
        users::audit(
            &mut transaction,
            actor,
            now_ms,
            "create",
            "qa_sample",
            plan,
            &serde_json::json!({"queued": queued}).to_string(),
        )
        .await?;
        transaction.commit().await?;
        Ok(queued)
    }

    /// Open queue items, oldest first.
    pub async fn evaluation_queue(&self, limit: i64) -> Result<Vec<QueueItem>> {
        sqlx::query(
            "SELECT contact_id, agent_id, plan, created_at FROM qa_queue WHERE done_at IS NULL \
             ORDER BY created_at, agent_id, contact_id LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|row| {
            Ok(QueueItem {
                contact_id: row.try_get(0)?,
                agent_id: row.try_get(1)?,
                plan: row.try_get(2)?,
                created_ms: row.try_get(3)?,
            })
        })
        .collect()
    }
}
