//! The one way a message enters the outbox: every writer (SLA escalations, KPI alerts, user
//! notifications, reports, briefings) queues through [`enqueue`], inside its own transaction
//! where it has one, so a message exists exactly when what it announces does.

use sqlx::AnyConnection;

use crate::{Result, Store};

/// A message to send.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Outgoing<'a> {
    /// `email` or `webhook`.
    pub channel: &'a str,
    /// An address, or a recipient list name the sender maps to addresses.
    pub recipient: &'a str,
    /// The subject.
    pub subject: &'a str,
    /// The body (JSON for webhooks).
    pub body: &'a str,
    /// When it was queued, epoch ms.
    pub created_ms: i64,
    /// Not before this, epoch ms.
    pub send_after_ms: i64,
}

/// Queues `message` on `connection` (a transaction's, usually).
pub(crate) async fn enqueue(connection: &mut AnyConnection, message: Outgoing<'_>) -> Result<()> {
    sqlx::query(
        "INSERT INTO outbox (channel, recipient, subject, body, created_at, send_after, \
         attempts, last_error) VALUES ($1, $2, $3, $4, $5, $6, 0, '')",
    )
    .bind(message.channel)
    .bind(message.recipient)
    .bind(message.subject)
    .bind(message.body)
    .bind(message.created_ms)
    .bind(message.send_after_ms)
    .execute(connection)
    .await?;
    Ok(())
}

impl Store {
    /// Puts one e-mail in the outbox for the recipient list `recipient` (the sender maps the
    /// name to addresses).
    pub async fn queue_email(
        &self,
        recipient: &str,
        subject: &str,
        body: &str,
        now_ms: i64,
    ) -> Result<()> {
        let mut connection = self.pool.acquire().await?;
        enqueue(
            &mut connection,
            Outgoing {
                channel: "email",
                recipient,
                subject,
                body,
                created_ms: now_ms,
                send_after_ms: now_ms,
            },
        )
        .await
    }
}
