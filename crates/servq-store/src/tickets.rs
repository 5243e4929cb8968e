//! Tickets, their SLA clocks and the escalations those clocks fire. Deadlines are computed by
//! `servq-desk` on its business calendar and stored with each running clock, so finding what is
//! due is an indexed range scan. Escalation claims each (ticket, metric, level) once: the key of
//! `escalations` makes a second claim a no-op, and on PostgreSQL `FOR UPDATE SKIP LOCKED` lets
//! several servers share the work without waiting on each other.

use sqlx::{Row, any::AnyRow};

use crate::{Actor, Backend, Result, Store, users};

/// A clock to store with a new or changed ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClockRow {
    /// `first_response`, `next_response` or `resolution`.
    pub metric: String,
    /// The SLA rule that set the target.
    pub rule: String,
    /// Target, business ms.
    pub target_ms: i64,
    /// Business time used before the current run.
    pub used_ms: i64,
    /// Start of the current run.
    pub running_since: Option<i64>,
    /// Deadline while running.
    pub due_ms: Option<i64>,
    /// Warning time while running.
    pub warn_ms: Option<i64>,
    /// `running`, `paused`, `met` or `breached`.
    pub state: String,
    /// Breached (also while still running).
    pub breached: bool,
    /// The warning fired.
    pub warned: bool,
}

/// A ticket to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTicket {
    /// Id (e.g. T20261124-0001 or random).
    pub ticket_id: String,
    /// after_sales, complaint, consult, …
    pub ticket_type: String,
    /// Category.
    pub category: String,
    /// urgent, high, normal, low.
    pub priority: String,
    /// Subject.
    pub subject: String,
    /// Description.
    pub description: String,
    /// Customer.
    pub customer_id: String,
    /// Customer segment (e.g. VIP).
    pub segment: String,
    /// Channel it came in by.
    pub channel: String,
    /// The contact it came from, if any.
    pub contact_id: Option<String>,
    /// Team (skill group) it is routed to.
    pub team: String,
    /// Assigned agent, empty if none.
    pub assignee: String,
    /// First workflow stage.
    pub stage: String,
    /// SHA-256 of the customer's status-page token.
    pub status_token_hash: String,
    /// Its SLA clocks, started.
    pub clocks: Vec<ClockRow>,
}

/// A stored ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ticket {
    /// Id.
    pub ticket_id: String,
    /// Type.
    pub ticket_type: String,
    /// Category.
    pub category: String,
    /// Priority.
    pub priority: String,
    /// Subject.
    pub subject: String,
    /// Customer.
    pub customer_id: String,
    /// Segment.
    pub segment: String,
    /// Channel.
    pub channel: String,
    /// Team.
    pub team: String,
    /// Assignee.
    pub assignee: String,
    /// Workflow stage.
    pub stage: String,
    /// open, waiting_customer, resolved, closed.
    pub status: String,
    /// Created, UTC ms.
    pub created_ms: i64,
    /// First agent response.
    pub first_response_ms: Option<i64>,
    /// Resolved.
    pub resolved_ms: Option<i64>,
}

/// What one escalation pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EscalationPass {
    /// Warnings fired (a clock used its warning share).
    pub warnings: u64,
    /// Breaches fired.
    pub breaches: u64,
}

const TICKET_COLUMNS: &str = "ticket_id, ticket_type, category, priority, subject, customer_id, \
     segment, channel, team, assignee, stage, status, created_at, first_response_at, resolved_at";

fn ticket_of(row: &AnyRow) -> Result<Ticket> {
    Ok(Ticket {
        ticket_id: row.try_get(0)?,
        ticket_type: row.try_get(1)?,
        category: row.try_get(2)?,
        priority: row.try_get(3)?,
        subject: row.try_get(4)?,
        customer_id: row.try_get(5)?,
        segment: row.try_get(6)?,
        channel: row.try_get(7)?,
        team: row.try_get(8)?,
        assignee: row.try_get(9)?,
        stage: row.try_get(10)?,
        status: row.try_get(11)?,
        created_ms: row.try_get(12)?,
        first_response_ms: row.try_get(13)?,
        resolved_ms: row.try_get(14)?,
    })
}

fn clock_of(row: &AnyRow) -> Result<ClockRow> {
    Ok(ClockRow {
        metric: row.try_get("metric")?,
        rule: row.try_get("rule")?,
        target_ms: row.try_get("target_ms")?,
        used_ms: row.try_get("used_ms")?,
        running_since: row.try_get("running_since")?,
        due_ms: row.try_get("due_at")?,
        warn_ms: row.try_get("warn_at")?,
        state: row.try_get("state")?,
        breached: row.try_get::<i64, _>("breached")? != 0,
        warned: row.try_get::<i64, _>("warned")? != 0,
    })
}

async fn event(
    connection: &mut sqlx::AnyConnection,
    ticket_id: &str,
    at: i64,
    actor: &str,
    kind: &str,
    detail: &str,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO ticket_events (ticket_id, at, actor, kind, detail) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(ticket_id)
    .bind(at)
    .bind(actor)
    .bind(kind)
    .bind(detail)
    .execute(connection)
    .await?;
    Ok(())
}

async fn sla_event(
    connection: &mut sqlx::AnyConnection,
    ticket_id: &str,
    metric: &str,
    kind: &str,
    at: i64,
) -> Result<()> {
    sqlx::query("INSERT INTO sla_events (ticket_id, metric, kind, at) VALUES ($1, $2, $3, $4)")
        .bind(ticket_id)
        .bind(metric)
        .bind(kind)
        .bind(at)
        .execute(connection)
        .await?;
    Ok(())
}

async fn put_clock(
    connection: &mut sqlx::AnyConnection,
    ticket_id: &str,
    clock: &ClockRow,
) -> Result<()> {
    sqlx::query("DELETE FROM sla_clocks WHERE ticket_id = $1 AND metric = $2")
        .bind(ticket_id)
        .bind(clock.metric.as_str())
        .execute(&mut *connection)
        .await?;
    sqlx::query(
        "INSERT INTO sla_clocks (ticket_id, metric, rule, target_ms, used_ms, running_since, \
         due_at, warn_at, state, breached, warned) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(ticket_id)
    .bind(clock.metric.as_str())
    .bind(clock.rule.as_str())
    .bind(clock.target_ms)
    .bind(clock.used_ms)
    .bind(clock.running_since)
    .bind(clock.due_ms)
    .bind(clock.warn_ms)
    .bind(clock.state.as_str())
    .bind(i64::from(clock.breached))
    .bind(i64::from(clock.warned))
    .execute(connection)
    .await?;
    Ok(())
}

impl Store {
    /// Creates a ticket with its history's first event and its started clocks (each with a
    /// `start` SLA event); audited.
    pub async fn create_ticket(
        &self,
        ticket: &NewTicket,
        actor: &Actor,
        now_ms: i64,
    ) -> Result<()> {
        let mut transaction = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO tickets (ticket_id, ticket_type, category, priority, subject, description, \
             customer_id, segment, channel, contact_id, team, assignee, stage, status, \
             status_token_hash, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 'open', $14, $15, $15)",
        )
        .bind(ticket.ticket_id.as_str())
        .bind(ticket.ticket_type.as_str())
        .bind(ticket.category.as_str())
        .bind(ticket.priority.as_str())
        .bind(ticket.subject.as_str())
        .bind(ticket.description.as_str())
        .bind(ticket.customer_id.as_str())
        .bind(ticket.segment.as_str())
        .bind(ticket.channel.as_str())
        .bind(ticket.contact_id.as_deref())
        .bind(ticket.team.as_str())
        .bind(ticket.assignee.as_str())
        .bind(ticket.stage.as_str())
        .bind(ticket.status_token_hash.as_str())
        .bind(now_ms)
        .execute(&mut *transaction)
        .await?;
        event(
            &mut transaction,
            &ticket.ticket_id,
            now_ms,
            &actor.name,
            "created",
            &ticket.subject,
        )
        .await?;
        for clock in &ticket.clocks {
            put_clock(&mut transaction, &ticket.ticket_id, clock).await?;
            sla_event(
                &mut transaction,
                &ticket.ticket_id,
                &clock.metric,
                "start",
                now_ms,
            )
            .await?;
        }
        users::audit(
            &mut transaction,
            actor,
            now_ms,
            "create",
            "ticket",
            &ticket.ticket_id,
            &serde_json::json!({"type": ticket.ticket_type, "priority": ticket.priority})
                .to_string(),
        )
        .await?;
        crate::cache::bump_data_version(&mut transaction).await?;
        transaction.commit().await?;
        Ok(())
    }

    /// One ticket.
    pub async fn ticket(&self, ticket_id: &str) -> Result<Option<Ticket>> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {TICKET_COLUMNS} FROM tickets WHERE ticket_id = $1"
        )))
        .bind(ticket_id)
        .fetch_optional(&self.pool)
        .await?
        .as_ref()
        .map(ticket_of)
        .transpose()
    }

    /// Tickets, newest first; `status` filters.
    pub async fn tickets(
        &self,
        status: Option<&str>,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<Ticket>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {TICKET_COLUMNS} FROM tickets WHERE ($1 = '' OR status = $1) \
             ORDER BY created_at DESC, ticket_id DESC LIMIT $2 OFFSET $3"
        )))
        .bind(status.unwrap_or(""))
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(ticket_of).collect()
    }

    /// A ticket's clocks.
    pub async fn ticket_clocks(&self, ticket_id: &str) -> Result<Vec<ClockRow>> {
        let rows = sqlx::query("SELECT * FROM sla_clocks WHERE ticket_id = $1 ORDER BY metric")
            .bind(ticket_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(clock_of).collect()
    }

    /// Fires the escalations due at `now_ms`, up to `limit` clocks per transaction until none
    /// is left: a breach for each running clock past its deadline, a warning for each past its
    /// warning time. Each fires once — its escalation row is the proof — with an SLA event (for
    /// breaches), an in-app notification for the supervisors, and an e-mail and a webhook in the
    /// outbox to be sent at `notify_at(now)` (the next business or duty moment).
    pub async fn escalate_due(
        &self,
        now_ms: i64,
        limit: i64,
        notify_at: &(dyn Fn(i64) -> i64 + Sync),
    ) -> Result<EscalationPass> {
        let mut pass = EscalationPass::default();
        loop {
            let mut transaction = match self.backend {
                Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
                Backend::Postgres => self.pool.begin().await?,
            };
            let lock = match self.backend {
                Backend::Postgres => " FOR UPDATE SKIP LOCKED",
                Backend::Sqlite => "",
            };
            let due = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT ticket_id, metric, due_at, warn_at, breached FROM sla_clocks \
                 WHERE state = 'running' AND ((breached = 0 AND due_at < $1) \
                   OR (warned = 0 AND warn_at IS NOT NULL AND warn_at <= $1)) \
                 ORDER BY due_at, ticket_id, metric LIMIT $2{lock}"
            )))
            .bind(now_ms)
            .bind(limit)
            .fetch_all(&mut *transaction)
            .await?;
            if due.is_empty() {
                break;
            }
            let claimed = due.len() as i64;
            let notify = notify_at(now_ms);
            for row in &due {
                let ticket_id: String = row.try_get(0)?;
                let metric: String = row.try_get(1)?;
                let due_at: Option<i64> = row.try_get(2)?;
                let breached: i64 = row.try_get(4)?;
                let is_breach = breached == 0 && due_at.is_some_and(|due| due < now_ms);
                let level = if is_breach { "breach" } else { "warning" };
                let fired = sqlx::query(
                    "INSERT INTO escalations (ticket_id, metric, level, fired_at, notify_at) \
                     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (ticket_id, metric, level) DO NOTHING",
                )
                .bind(ticket_id.as_str())
                .bind(metric.as_str())
                .bind(level)
                .bind(now_ms)
                .bind(notify)
                .execute(&mut *transaction)
                .await?
                .rows_affected()
                    == 1;
                // a breach also settles a warning that never fired
                sqlx::query(
                    "UPDATE sla_clocks SET breached = CASE WHEN $1 = 1 THEN 1 ELSE breached END, \
                     warned = 1 WHERE ticket_id = $2 AND metric = $3",
                )
                .bind(i64::from(is_breach))
                .bind(ticket_id.as_str())
                .bind(metric.as_str())
                .execute(&mut *transaction)
                .await?;
                if !fired {
                    continue;
                }
                if is_breach {
                    pass.breaches += 1;
                    sla_event(&mut transaction, &ticket_id, &metric, "breached", now_ms).await?;
                } else {
                    pass.warnings += 1;
                }
                let text = format!("{level}: ticket {ticket_id} {metric}");
                sqlx::query(
                    "INSERT INTO notifications (audience, ticket_id, text, created_at) \
                     VALUES ('supervisor', $1, $2, $3)",
                )
                .bind(ticket_id.as_str())
                .bind(text.as_str())
                .bind(now_ms)
                .execute(&mut *transaction)
                .await?;
                for channel in ["email", "webhook"] {
                    sqlx::query(
                        "INSERT INTO outbox (channel, recipient, subject, body, created_at, \
                         send_after, attempts, last_error) \
                         VALUES ($1, 'supervisors', $2, $3, $4, $5, 0, '')",
                    )
                    .bind(channel)
                    .bind(text.as_str())
                    .bind(
                        serde_json::json!({"ticket_id": ticket_id, "metric": metric,
                            "level": level, "at": now_ms})
                        .to_string(),
                    )
                    .bind(now_ms)
                    .bind(notify)
                    .execute(&mut *transaction)
                    .await?;
                }
            }
            transaction.commit().await?;
            if claimed < limit {
                break;
            }
        }
        Ok(pass)
    }

    /// Escalations fired, by level: (warnings, breaches).
    pub async fn escalation_counts(&self) -> Result<(i64, i64)> {
        let row = sqlx::query(
            "SELECT CAST(COALESCE(SUM(CASE WHEN level = 'warning' THEN 1 ELSE 0 END), 0) AS BIGINT), \
             CAST(COALESCE(SUM(CASE WHEN level = 'breach' THEN 1 ELSE 0 END), 0) AS BIGINT) \
             FROM escalations",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok((row.try_get(0)?, row.try_get(1)?))
    }

    /// Rows of a desk table (`sla_events`, `notifications`, `outbox`), for checks.
    pub async fn desk_count(&self, table: DeskTable) -> Result<i64> {
        let sql = match table {
            DeskTable::BreachEvents => "SELECT COUNT(*) FROM sla_events WHERE kind = 'breached'",
            DeskTable::Notifications => "SELECT COUNT(*) FROM notifications",
            DeskTable::Outbox => "SELECT COUNT(*) FROM outbox",
        };
        Ok(sqlx::query_scalar(sql).fetch_one(&self.pool).await?)
    }
}

/// Tables counted by [`Store::desk_count`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeskTable {
    /// SLA events of kind `breached`.
    BreachEvents,
    /// In-app notifications.
    Notifications,
    /// Outbox messages.
    Outbox,
}
