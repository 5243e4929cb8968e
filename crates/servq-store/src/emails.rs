//! The e-mail channel of tickets (migration 0041, docs/email.md): each message in or out is one
//! `ticket_emails` row keyed by its Message-ID. Inserting the row is the claim that makes several
//! servers import a message once; replies enter the outbox in the transaction that records them.

use sqlx::{AnyConnection, Row};

use crate::{Result, Store};

/// What became of an e-mail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmailOutcome {
    /// A server took it and is importing it.
    Claimed,
    /// It opened a ticket.
    Opened,
    /// It was added to an existing ticket.
    Threaded,
    /// Loop protection or a rule kept it out (the reason says which).
    Ignored,
    /// A reply or an acknowledgement handed to the outbox.
    Queued,
}

impl EmailOutcome {
    /// Stored name.
    pub fn name(self) -> &'static str {
        match self {
            EmailOutcome::Claimed => "claimed",
            EmailOutcome::Opened => "opened",
            EmailOutcome::Threaded => "threaded",
            EmailOutcome::Ignored => "ignored",
            EmailOutcome::Queued => "queued",
        }
    }

    /// The outcome called `name`.
    pub fn parse(name: &str) -> Option<EmailOutcome> {
        [
            EmailOutcome::Claimed,
            EmailOutcome::Opened,
            EmailOutcome::Threaded,
            EmailOutcome::Ignored,
            EmailOutcome::Queued,
        ]
        .into_iter()
        .find(|outcome| outcome.name() == name)
    }
}

/// One e-mail of a ticket, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketEmail {
    /// Message-ID without angle brackets.
    pub message_id: String,
    /// Whether the customer sent it (else the centre did).
    pub inbound: bool,
    /// What became of it.
    pub outcome: EmailOutcome,
    /// Why it was ignored.
    pub reason: String,
    /// The ticket.
    pub ticket_id: Option<String>,
    /// Sender address.
    pub from_address: String,
    /// Recipient address.
    pub to_address: String,
    /// Subject.
    pub subject: String,
    /// Mailbox, `upload` or `outbox`.
    pub mailbox: String,
    /// UTC ms.
    pub at_ms: i64,
}

/// An inbound message being claimed.
#[derive(Debug, Clone, Copy)]
pub struct InboundClaim<'a> {
    /// Message-ID (or the raw message's SHA-256).
    pub message_id: &'a str,
    /// Sender address.
    pub from_address: &'a str,
    /// Recipient address.
    pub to_address: &'a str,
    /// Subject.
    pub subject: &'a str,
    /// Mailbox name or `upload`.
    pub mailbox: &'a str,
}

/// An e-mail to a customer, recorded on its ticket and queued in the outbox together.
#[derive(Debug, Clone)]
pub struct OutgoingEmail {
    /// The ticket.
    pub ticket_id: String,
    /// Message-ID without angle brackets.
    pub message_id: String,
    /// Sender address as the outbox sends it.
    pub from_address: String,
    /// Recipient address.
    pub to_address: String,
    /// Subject.
    pub subject: String,
    /// Plain text.
    pub body: String,
    /// Threading headers as the outbox sends them (JSON: message_id, in_reply_to, references).
    pub headers: String,
}

/// Records `email` and puts it in the outbox, on `connection` (a transaction's).
pub(crate) async fn queue_outgoing(
    connection: &mut AnyConnection,
    email: &OutgoingEmail,
    now_ms: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO ticket_emails (message_id, direction, outcome, reason, ticket_id, \
         from_address, to_address, subject, mailbox, at) \
         VALUES ($1, 'outbound', 'queued', '', $2, $3, $4, $5, 'outbox', $6)",
    )
    .bind(email.message_id.as_str())
    .bind(email.ticket_id.as_str())
    .bind(email.from_address.as_str())
    .bind(email.to_address.as_str())
    .bind(email.subject.as_str())
    .bind(now_ms)
    .execute(&mut *connection)
    .await?;
    sqlx::query(
        "INSERT INTO outbox (channel, recipient, subject, body, created_at, send_after, \
         attempts, last_error, headers) VALUES ('email', $1, $2, $3, $4, $4, 0, '', $5)",
    )
    .bind(email.to_address.as_str())
    .bind(email.subject.as_str())
    .bind(email.body.as_str())
    .bind(now_ms)
    .bind(email.headers.as_str())
    .execute(&mut *connection)
    .await?;
    Ok(())
}

fn email_row(row: &sqlx::any::AnyRow) -> Result<TicketEmail> {
    let outcome: String = row.try_get(2)?;
    Ok(TicketEmail {
        message_id: row.try_get(0)?,
        inbound: row.try_get::<String, _>(1)? == "inbound",
        outcome: EmailOutcome::parse(&outcome).ok_or(crate::StoreError::CorruptValue {
            column: "ticket_emails.outcome",
            value: outcome.clone(),
        })?,
        reason: row.try_get(3)?,
        ticket_id: row.try_get(4)?,
        from_address: row.try_get(5)?,
        to_address: row.try_get(6)?,
        subject: row.try_get(7)?,
        mailbox: row.try_get(8)?,
        at_ms: row.try_get(9)?,
    })
}

const EMAIL_COLUMNS: &str = "message_id, direction, outcome, reason, ticket_id, from_address, \
                             to_address, subject, mailbox, at";

impl Store {
    /// Claims inbound message `claim` at `now_ms`: true when this caller imports it — the
    /// message is new, or an earlier claim was left unfinished for longer than `lease_ms`.
    pub async fn claim_email(
        &self,
        claim: InboundClaim<'_>,
        now_ms: i64,
        lease_ms: i64,
    ) -> Result<bool> {
        let inserted = sqlx::query(
            "INSERT INTO ticket_emails (message_id, direction, outcome, reason, ticket_id, \
             from_address, to_address, subject, mailbox, at) \
             VALUES ($1, 'inbound', 'claimed', '', NULL, $2, $3, $4, $5, $6) \
             ON CONFLICT (message_id) DO NOTHING",
        )
        .bind(claim.message_id)
        .bind(claim.from_address)
        .bind(claim.to_address)
        .bind(claim.subject)
        .bind(claim.mailbox)
        .bind(now_ms)
        .execute(&self.pool)
        .await?
        .rows_affected();
        if inserted == 1 {
            return Ok(true);
        }
        let retaken = sqlx::query(
            "UPDATE ticket_emails SET at = $1 WHERE message_id = $2 AND outcome = 'claimed' \
             AND at < $3",
        )
        .bind(now_ms)
        .bind(claim.message_id)
        .bind(now_ms - lease_ms)
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(retaken == 1)
    }

    /// Ends the claim of `message_id`: what became of it, why, and its ticket.
    pub async fn finish_email(
        &self,
        message_id: &str,
        outcome: EmailOutcome,
        reason: &str,
        ticket_id: Option<&str>,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE ticket_emails SET outcome = $1, reason = $2, ticket_id = $3 \
             WHERE message_id = $4",
        )
        .bind(outcome.name())
        .bind(reason)
        .bind(ticket_id)
        .bind(message_id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Gives up the claim of `message_id` (its import failed): the next poll tries again.
    pub async fn release_email(&self, message_id: &str) -> Result<()> {
        sqlx::query("DELETE FROM ticket_emails WHERE message_id = $1 AND outcome = 'claimed'")
            .bind(message_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The ticket of the newest stored e-mail among `message_ids` (a reply's `In-Reply-To` and
    /// `References`), if any has one.
    pub async fn ticket_of_emails(&self, message_ids: &[String]) -> Result<Option<String>> {
        if message_ids.is_empty() {
            return Ok(None);
        }
        let placeholders: Vec<String> = (1..=message_ids.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT ticket_id FROM ticket_emails WHERE message_id IN ({}) \
             AND ticket_id IS NOT NULL ORDER BY at DESC LIMIT 1",
            placeholders.join(", ")
        );
        let row = message_ids
            .iter()
            .fold(sqlx::query(sqlx::AssertSqlSafe(sql)), |query, id| {
                query.bind(id.as_str())
            })
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|row| row.try_get(0)).transpose()?)
    }

    /// A ticket's e-mails, oldest first.
    pub async fn ticket_emails(&self, ticket_id: &str) -> Result<Vec<TicketEmail>> {
        let sql = format!(
            "SELECT {EMAIL_COLUMNS} FROM ticket_emails WHERE ticket_id = $1 \
             ORDER BY at, message_id"
        );
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(ticket_id)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(email_row)
            .collect()
    }

    /// The stored e-mail `message_id`.
    pub async fn email(&self, message_id: &str) -> Result<Option<TicketEmail>> {
        let sql = format!("SELECT {EMAIL_COLUMNS} FROM ticket_emails WHERE message_id = $1");
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(message_id)
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(email_row)
            .transpose()
    }

    /// E-mails the centre sent to `address` since `since_ms` (the acknowledgements' limit).
    pub async fn emails_sent_to(&self, address: &str, since_ms: i64) -> Result<i64> {
        Ok(sqlx::query(
            "SELECT COUNT(*) FROM ticket_emails WHERE direction = 'outbound' \
             AND to_address = $1 AND at >= $2",
        )
        .bind(address)
        .bind(since_ms)
        .fetch_one(&self.pool)
        .await?
        .try_get(0)?)
    }

    /// Records `email` on its ticket and queues it in the outbox, in one transaction.
    pub async fn queue_ticket_email(&self, email: &OutgoingEmail, now_ms: i64) -> Result<()> {
        let mut transaction = self.begin_write().await?;
        queue_outgoing(&mut transaction, email, now_ms).await?;
        transaction.commit().await?;
        Ok(())
    }

    /// How far mailbox `mailbox` was read: (UIDVALIDITY, last UID imported).
    pub async fn mailbox_cursor(&self, mailbox: &str) -> Result<Option<(i64, i64)>> {
        let row =
            sqlx::query("SELECT uid_validity, last_uid FROM mailbox_cursors WHERE mailbox = $1")
                .bind(mailbox)
                .fetch_optional(&self.pool)
                .await?;
        Ok(match row {
            Some(row) => Some((row.try_get(0)?, row.try_get(1)?)),
            None => None,
        })
    }

    /// Moves mailbox `mailbox`'s cursor forward to `last_uid` (never back, whichever server
    /// read further), or sets it afresh under a new `uid_validity`.
    pub async fn advance_mailbox_cursor(
        &self,
        mailbox: &str,
        uid_validity: i64,
        last_uid: i64,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO mailbox_cursors (mailbox, uid_validity, last_uid) VALUES ($1, $2, $3) \
             ON CONFLICT (mailbox) DO UPDATE SET last_uid = CASE \
               WHEN mailbox_cursors.uid_validity = excluded.uid_validity \
                 AND mailbox_cursors.last_uid > excluded.last_uid \
               THEN mailbox_cursors.last_uid ELSE excluded.last_uid END, \
             uid_validity = excluded.uid_validity",
        )
        .bind(mailbox)
        .bind(uid_validity)
        .bind(last_uid)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
