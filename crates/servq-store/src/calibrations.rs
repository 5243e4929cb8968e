//! Calibration sessions: one interaction scored blind by several inspectors, closed with a
//! reference. The store keeps the scores; `servq-qa` computes the deviations.

use sqlx::Row;

use crate::{Actor, Result, Store, users};

/// A calibration session and the scores given so far.
#[derive(Debug, Clone, PartialEq)]
pub struct Calibration {
    /// Random id.
    pub calibration_id: String,
    /// The interaction scored.
    pub contact_id: String,
    /// Scorecard id.
    pub scorecard_id: String,
    /// Scorecard version everyone scores on.
    pub scorecard_version: i64,
    /// Who opened it.
    pub created_by: String,
    /// `None` while open; `mean` or an inspector's name once closed.
    pub reference: Option<String>,
    /// (inspector, answers JSON, score), in the order given.
    pub scores: Vec<(String, String, Option<f64>)>,
}

/// A calibration session as listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalibrationSummary {
    /// Random id.
    pub calibration_id: String,
    /// The interaction scored.
    pub contact_id: String,
    /// Who opened it.
    pub created_by: String,
    /// Opened, UTC ms.
    pub created_ms: i64,
    /// Closed, UTC ms; `None` while open.
    pub closed_ms: Option<i64>,
    /// How many inspectors have scored.
    pub scored: i64,
}

impl Store {
    /// The newest calibration sessions first.
    pub async fn calibrations(&self, limit: i64) -> Result<Vec<CalibrationSummary>> {
        sqlx::query(
            "SELECT c.calibration_id, c.contact_id, c.created_by, c.created_at, c.closed_at, \
             CAST(COUNT(s.inspector) AS BIGINT) FROM calibrations c \
             LEFT JOIN calibration_scores s ON s.calibration_id = c.calibration_id \
             GROUP BY c.calibration_id, c.contact_id, c.created_by, c.created_at, c.closed_at \
             ORDER BY c.created_at DESC, c.calibration_id LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|row| {
            Ok(CalibrationSummary {
                calibration_id: row.try_get(0)?,
                contact_id: row.try_get(1)?,
                created_by: row.try_get(2)?,
                created_ms: row.try_get(3)?,
                closed_ms: row.try_get(4)?,
                scored: row.try_get(5)?,
            })
        })
        .collect()
    }

    /// Opens a calibration session; audited.
    pub async fn create_calibration(
        &self,
        calibration_id: &str,
        contact_id: &str,
        scorecard_id: &str,
        scorecard_version: i64,
        actor: &Actor,
        now_ms: i64,
    ) -> Result<()> {
        let mut transaction = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO calibrations (calibration_id, contact_id, scorecard_id, scorecard_version, \
             created_by, reference, created_at) VALUES ($1, $2, $3, $4, $5, '', $6)",
        )
        .bind(calibration_id)
        .bind(contact_id)
        .bind(scorecard_id)
        .bind(scorecard_version)
        .bind(actor.name.as_str())
        .bind(now_ms)
        .execute(&mut *transaction)
        .await?;
        users::audit(
            &mut transaction,
            actor,
            now_ms,
            "create",
            "calibration",
            calibration_id,
            &serde_json::json!({"contact_id": contact_id}).to_string(),
        )
        .await?;
        transaction.commit().await?;
        Ok(())
    }

    /// Records an inspector's score in an open session; false when the session is closed or the
    /// inspector has scored already.
    pub async fn add_calibration_score(
        &self,
        calibration_id: &str,
        inspector: &str,
        answers: &str,
        score: Option<f64>,
        now_ms: i64,
    ) -> Result<bool> {
        let inserted = sqlx::query(
            "INSERT INTO calibration_scores (calibration_id, inspector, answers, score_micro, created_at) \
             SELECT $1, $2, $3, $4, $5 WHERE EXISTS (SELECT 1 FROM calibrations \
               WHERE calibration_id = $1 AND closed_at IS NULL) \
             ON CONFLICT (calibration_id, inspector) DO NOTHING",
        )
        .bind(calibration_id)
        .bind(inspector)
        .bind(answers)
        .bind(score.map(|s| (s * 1e6).round() as i64))
        .bind(now_ms)
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(inserted == 1)
    }

    /// Closes an open session with its reference; false when it was closed already. Audited.
    pub async fn close_calibration(
        &self,
        calibration_id: &str,
        reference: &str,
        actor: &Actor,
        now_ms: i64,
    ) -> Result<bool> {
        let mut transaction = self.begin_write().await?;
        let closed = sqlx::query(
            "UPDATE calibrations SET reference = $1, closed_at = $2 \
             WHERE calibration_id = $3 AND closed_at IS NULL",
        )
        .bind(reference)
        .bind(now_ms)
        .bind(calibration_id)
        .execute(&mut *transaction)
        .await?
        .rows_affected()
            == 1;
        if closed {
            users::audit(
                &mut transaction,
                actor,
                now_ms,
                "close",
                "calibration",
                calibration_id,
                &serde_json::json!({"reference": reference}).to_string(),
            )
            .await?;
        }
        transaction.commit().await?;
        Ok(closed)
    }

    /// A session with its scores.
    pub async fn calibration(&self, calibration_id: &str) -> Result<Option<Calibration>> {
        let Some(row) = sqlx::query(
            "SELECT contact_id, scorecard_id, scorecard_version, created_by, reference, closed_at \
             FROM calibrations WHERE calibration_id = $1",
        )
        .bind(calibration_id)
        .fetch_optional(&self.pool)
        .await?
        else {
            return Ok(None);
        };
        let scores = sqlx::query(
            "SELECT inspector, answers, score_micro FROM calibration_scores \
             WHERE calibration_id = $1 ORDER BY created_at, inspector",
        )
        .bind(calibration_id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|row| {
            Ok((
                row.try_get(0)?,
                row.try_get(1)?,
                row.try_get::<Option<i64>, _>(2)?.map(|m| m as f64 / 1e6),
            ))
        })
        .collect::<Result<Vec<_>>>()?;
        let closed: Option<i64> = row.try_get(5)?;
        Ok(Some(Calibration {
            calibration_id: calibration_id.to_owned(),
            contact_id: row.try_get(0)?,
            scorecard_id: row.try_get(1)?,
            scorecard_version: row.try_get(2)?,
            created_by: row.try_get(3)?,
            reference: closed.map(|_| row.try_get(4)).transpose()?,
            scores,
        }))
    }
}
