//! Generated reports and their data snapshots (the archive behind `/reports`).

use sqlx::Row;

use crate::{Actor, Result, Store, users::audit};

/// Who made a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportOrigin {
    /// Asked for by a person (page, API, CLI).
    Manual,
    /// Made by the monthly schedule (once per period).
    Scheduled,
}

impl ReportOrigin {
    /// As stored.
    pub fn name(self) -> &'static str {
        match self {
            ReportOrigin::Manual => "manual",
            ReportOrigin::Scheduled => "scheduled",
        }
    }

    fn parse(text: &str) -> ReportOrigin {
        if text == "scheduled" {
            ReportOrigin::Scheduled
        } else {
            ReportOrigin::Manual
        }
    }
}

/// A report to store.
#[derive(Debug, Clone, Copy)]
pub struct NewReport<'a> {
    /// `monthly`.
    pub kind: &'a str,
    /// The period, `YYYY-MM`.
    pub period: &'a str,
    /// Manual or scheduled.
    pub origin: ReportOrigin,
    /// The data snapshot (JSON).
    pub snapshot: &'a str,
}

/// The outbox messages announcing a new report.
pub struct ReportMail<'a> {
    /// The outbox recipient name the sender maps to addresses.
    pub recipient: &'a str,
    /// The subject.
    pub subject: String,
    /// The body (JSON), given the new report's id.
    pub body: &'a (dyn Fn(i64) -> String + Sync),
}

/// A stored report without its snapshot (the archive list).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredReport {
    /// Row id.
    pub id: i64,
    /// `monthly`.
    pub kind: String,
    /// The period, `YYYY-MM`.
    pub period: String,
    /// Manual or scheduled.
    pub origin: ReportOrigin,
    /// Who asked (username, or `system`).
    pub created_by: String,
    /// When, epoch ms.
    pub created_at: i64,
}

const COLUMNS: &str = "CAST(id AS BIGINT) AS id, kind, period, origin, created_by, created_at";

fn stored(row: &sqlx::any::AnyRow) -> Result<StoredReport> {
    let origin: String = row.try_get("origin")?;
    Ok(StoredReport {
        id: row.try_get("id")?,
        kind: row.try_get("kind")?,
        period: row.try_get("period")?,
        origin: ReportOrigin::parse(&origin),
        created_by: row.try_get("created_by")?,
        created_at: row.try_get("created_at")?,
    })
}

impl Store {
    /// Stores a report with its snapshot and audits it; its id, or `None` when it is scheduled
    /// and the period's scheduled report exists already (another server made it). With `mail`,
    /// an e-mail to the report's recipients and a webhook wait in the outbox, written in the
    /// same transaction (so a report is announced exactly when it is stored).
    pub async fn save_report(
        &self,
        report: &NewReport<'_>,
        actor: &Actor,
        now_ms: i64,
        mail: Option<&ReportMail<'_>>,
    ) -> Result<Option<i64>> {
        let NewReport {
            kind,
            period,
            origin,
            snapshot,
        } = *report;
        let mut transaction = self.begin_write().await?;
        let id: Option<i64> = sqlx::query_scalar(
            "INSERT INTO reports (kind, period, origin, created_by, created_at, snapshot) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING RETURNING CAST(id AS BIGINT)",
        )
        .bind(kind)
        .bind(period)
        .bind(origin.name())
        .bind(actor.name.as_str())
        .bind(now_ms)
        .bind(snapshot)
        .fetch_optional(&mut *transaction)
        .await?;
        let Some(id) = id else {
            return Ok(None);
        };
        if let Some(mail) = mail {
            let body = (mail.body)(id);
            for (channel, recipient) in [("email", mail.recipient), ("webhook", mail.recipient)] {
                crate::outbox::enqueue(
                    &mut transaction,
                    crate::outbox::Outgoing {
                        channel,
                        recipient,
                        subject: &mail.subject,
                        body: &body,
                        created_ms: now_ms,
                        send_after_ms: now_ms,
                    },
                )
                .await?;
            }
        }
        audit(
            &mut transaction,
            actor,
            now_ms,
            "create",
            "report",
            &id.to_string(),
            &serde_json::json!({"kind": kind, "period": period, "origin": origin.name()})
                .to_string(),
        )
        .await?;
        transaction.commit().await?;
        Ok(Some(id))
    }

    /// The stored reports, newest period first (newest made first within a period).
    pub async fn reports(&self) -> Result<Vec<StoredReport>> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM reports ORDER BY period DESC, created_at DESC, id DESC"
        )))
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(stored)
        .collect()
    }

    /// A stored report and its snapshot.
    pub async fn report(&self, id: i64) -> Result<Option<(StoredReport, String)>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS}, snapshot FROM reports WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| Ok((stored(&row)?, row.try_get("snapshot")?)))
            .transpose()
    }
}
