//! Coaching: the evidence the coaching rules read (evaluation answers, the agents with scanned
//! transcripts) and the coaching sessions supervisors record.

use sqlx::Row;

use crate::{Actor, Result, Store, users::audit};

/// One evaluation's answers, for item means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvaluationAnswers {
    /// The agent evaluated.
    pub agent_id: String,
    /// The scorecard and its version.
    pub scorecard: (String, i64),
    /// `{"item id": level or "na"}`.
    pub answers: String,
}

/// A coaching session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoachingSession {
    /// Row id (0 for a new one).
    pub id: i64,
    /// The agent coached.
    pub agent_id: String,
    /// Who coached (a username).
    pub coach: String,
    /// What it was about.
    pub topic: String,
    /// The problems discussed (`item:ID`, `rule:NAME`).
    pub problems: Vec<String>,
    /// The measure followed; empty for the composite.
    pub metric: String,
    /// The day of the session, YYYY-MM-DD.
    pub session_date: String,
    /// The follow-up day, YYYY-MM-DD.
    pub follow_up: String,
    /// Notes.
    pub notes: String,
    /// Agreed actions.
    pub actions: String,
}

impl Store {
    /// The answers of the scored evaluations of contacts offered in `[from_ms, to_ms)`.
    pub async fn evaluation_answers(
        &self,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Vec<EvaluationAnswers>> {
        sqlx::query(
            "SELECT e.agent_id, e.scorecard_id, CAST(e.scorecard_version AS BIGINT), e.answers \
             FROM evaluations e JOIN contacts r ON r.contact_id = e.contact_id \
             WHERE r.offered_at >= $1 AND r.offered_at < $2 AND e.agent_id <> ''",
        )
        .bind(from_ms)
        .bind(to_ms)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|row| {
            Ok(EvaluationAnswers {
                agent_id: row.try_get(0)?,
                scorecard: (row.try_get(1)?, row.try_get(2)?),
                answers: row.try_get(3)?,
            })
        })
        .collect()
    }

    /// The agents with at least one evaluation or scanned transcript among the contacts offered
    /// in `[from_ms, to_ms)`.
    pub async fn agents_with_quality_evidence(
        &self,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Vec<String>> {
        Ok(sqlx::query_scalar(
            "SELECT DISTINCT r.agent_id FROM contacts r WHERE r.offered_at >= $1 \
             AND r.offered_at < $2 AND r.agent_id <> '' AND (\
               EXISTS (SELECT 1 FROM evaluations e WHERE e.contact_id = r.contact_id) OR \
               EXISTS (SELECT 1 FROM transcripts t WHERE t.contact_id = r.contact_id)) \
             ORDER BY 1",
        )
        .bind(from_ms)
        .bind(to_ms)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Records a coaching session and audits it (the audit entry tells the agent); its id.
    pub async fn record_coaching(
        &self,
        session: &CoachingSession,
        actor: &Actor,
        now_ms: i64,
    ) -> Result<i64> {
        let mut transaction = self.begin_write().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO coaching_sessions (agent_id, coach, topic, problems, metric, session_date, \
             follow_up, notes, actions, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
             RETURNING CAST(id AS BIGINT)",
        )
        .bind(session.agent_id.as_str())
        .bind(session.coach.as_str())
        .bind(session.topic.as_str())
        .bind(session.problems.join(","))
        .bind(session.metric.as_str())
        .bind(session.session_date.as_str())
        .bind(session.follow_up.as_str())
        .bind(session.notes.as_str())
        .bind(session.actions.as_str())
        .bind(now_ms)
        .fetch_one(&mut *transaction)
        .await?;
        audit(
            &mut transaction,
            actor,
            now_ms,
            "coaching",
            "coaching_session",
            &id.to_string(),
            &serde_json::json!({"agent": session.agent_id, "topic": session.topic}).to_string(),
        )
        .await?;
        transaction.commit().await?;
        Ok(id)
    }

    /// The coaching sessions of `agent` (everyone's when `None`), newest first.
    pub async fn coaching_sessions(&self, agent: Option<&str>) -> Result<Vec<CoachingSession>> {
        self.sessions_where("$1 = '' OR agent_id = $1", agent.unwrap_or(""))
            .await
    }

    /// The coaching session with this id.
    pub async fn coaching_session(&self, id: i64) -> Result<Option<CoachingSession>> {
        Ok(self
            .sessions_where("CAST(id AS TEXT) = $1", &id.to_string())
            .await?
            .into_iter()
            .next())
    }

    async fn sessions_where(&self, condition: &str, bind: &str) -> Result<Vec<CoachingSession>> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT CAST(id AS BIGINT) AS id, agent_id, coach, topic, problems, metric, \
             session_date, follow_up, notes, actions FROM coaching_sessions WHERE {condition} \
             ORDER BY session_date DESC, id DESC"
        )))
        .bind(bind)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|row| {
            let problems: String = row.try_get("problems")?;
            Ok(CoachingSession {
                id: row.try_get("id")?,
                agent_id: row.try_get("agent_id")?,
                coach: row.try_get("coach")?,
                topic: row.try_get("topic")?,
                problems: problems
                    .split(',')
                    .filter(|p| !p.is_empty())
                    .map(str::to_owned)
                    .collect(),
                metric: row.try_get("metric")?,
                session_date: row.try_get("session_date")?,
                follow_up: row.try_get("follow_up")?,
                notes: row.try_get("notes")?,
                actions: row.try_get("actions")?,
            })
        })
        .collect()
    }
}
