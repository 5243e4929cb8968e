//! What the daily briefing reads beyond the KPIs: the day's good case — the top-scored
//! evaluation, or a five-star customer comment.

use sqlx::Row;

use crate::{Result, Store};

/// An evaluation worth showing.
#[derive(Debug, Clone, PartialEq)]
pub struct TopEvaluation {
    /// Its id.
    pub evaluation_id: String,
    /// The agent evaluated.
    pub agent_id: String,
    /// The score (0–100).
    pub score: f64,
}

/// A five-star comment worth showing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PraiseComment {
    /// The survey response.
    pub response_id: String,
    /// The agent who handled the contact.
    pub agent_id: String,
    /// What the customer wrote.
    pub comment: String,
}

impl Store {
    /// The highest-scored evaluation made in `[from_ms, to_ms)` that is not under dispute (the
    /// earliest of equals).
    pub async fn top_evaluation(&self, from_ms: i64, to_ms: i64) -> Result<Option<TopEvaluation>> {
        let row = sqlx::query(
            "SELECT evaluation_id, agent_id, score_micro FROM evaluations \
             WHERE created_at >= $1 AND created_at < $2 AND score_micro IS NOT NULL \
             AND status <> 'disputed' \
             ORDER BY score_micro DESC, created_at, evaluation_id LIMIT 1",
        )
        .bind(from_ms)
        .bind(to_ms)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            let micro: i64 = row.try_get(2)?;
            Ok(TopEvaluation {
                evaluation_id: row.try_get(0)?,
                agent_id: row.try_get(1)?,
                score: micro as f64 / 1e6,
            })
        })
        .transpose()
    }

    /// The longest five-star (CSAT 5) comment answered in `[from_ms, to_ms)` (the earliest of
    /// equals): the most telling praise of the day.
    pub async fn praise_comment(&self, from_ms: i64, to_ms: i64) -> Result<Option<PraiseComment>> {
        let row = sqlx::query(
            "SELECT response_id, agent_id, comment FROM survey_responses \
             WHERE responded_at >= $1 AND responded_at < $2 AND csat = 5 AND comment <> '' \
             ORDER BY LENGTH(comment) DESC, responded_at, response_id LIMIT 1",
        )
        .bind(from_ms)
        .bind(to_ms)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            Ok(PraiseComment {
                response_id: row.try_get(0)?,
                agent_id: row.try_get(1)?,
                comment: row.try_get(2)?,
            })
        })
        .transpose()
    }
}
