//! Tickets, their SLA clocks and the escalations those clocks fire. Deadlines are computed by
//! `servq-desk` on its business calendar and stored with each running clock, so finding what is
//! due is an indexed range scan. Escalation claims each (ticket, metric, level) once: the key of
//! `escalations` makes a second claim a no-op, and on PostgreSQL `FOR UPDATE SKIP LOCKED` lets
//! several servers share the work without waiting on each other.

use servq_desk::{ClockEvent, ClockState, Priority, SlaMetric, TicketStatus, TicketType};
use sqlx::{Row, any::AnyRow};

use crate::{Actor, Backend, Result, Store, StoreError, users};

/// A stored text read back as its type (the column by position or by name); a value servq never
/// writes is a corrupt row, not a default.
pub(crate) fn parsed<T, I: sqlx::ColumnIndex<AnyRow>>(
    row: &AnyRow,
    column: &'static str,
    index: I,
    parse: impl Fn(&str) -> Option<T>,
) -> Result<T> {
    let text: String = row.try_get(index)?;
    parse(&text).ok_or(StoreError::CorruptValue {
        column,
        value: text,
    })
}

/// A clock to store with a new or changed ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClockRow {
    /// What the clock measures.
    pub metric: SlaMetric,
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
    /// Running, paused, met or breached.
    pub state: ClockState,
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
    pub ticket_type: TicketType,
    /// Category.
    pub category: String,
    /// Priority.
    pub priority: Priority,
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
    /// Workflow stage: the first one, or the last of a finished imported ticket.
    pub stage: String,
    /// Open, or for an imported ticket also resolved or closed.
    pub status: TicketStatus,
    /// SHA-256 of the customer's status-page token.
    pub status_token_hash: String,
    /// Its SLA clocks: started, or stopped at an imported ticket's response and resolution.
    pub clocks: Vec<ClockRow>,
    /// SLA events to store with it: (metric, `start`/`met`/`breached`, UTC ms).
    pub sla_events: Vec<(SlaMetric, ClockEvent, i64)>,
    /// First agent response (imported tickets), UTC ms.
    pub first_response_ms: Option<i64>,
    /// Resolved (imported tickets), UTC ms.
    pub resolved_ms: Option<i64>,
    /// Closed (imported tickets), UTC ms.
    pub closed_ms: Option<i64>,
}

/// A stored ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ticket {
    /// Id.
    pub ticket_id: String,
    /// Type.
    pub ticket_type: TicketType,
    /// Category.
    pub category: String,
    /// Priority.
    pub priority: Priority,
    /// Subject.
    pub subject: String,
    /// What the customer asked, as they told it.
    pub description: String,
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
    /// Where it stands.
    pub status: TicketStatus,
    /// Created, UTC ms.
    pub created_ms: i64,
    /// First agent response.
    pub first_response_ms: Option<i64>,
    /// Resolved.
    pub resolved_ms: Option<i64>,
    /// What the customer's status page shows instead of the subject; empty: a neutral text.
    pub public_summary: String,
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
     segment, channel, team, assignee, stage, status, created_at, first_response_at, resolved_at, \
     description, public_summary";

fn ticket_of(row: &AnyRow) -> Result<Ticket> {
    Ok(Ticket {
        ticket_id: row.try_get(0)?,
        ticket_type: parsed(row, "tickets.ticket_type", 1, TicketType::parse)?,
        category: row.try_get(2)?,
        priority: parsed(row, "tickets.priority", 3, Priority::parse)?,
        subject: row.try_get(4)?,
        customer_id: row.try_get(5)?,
        segment: row.try_get(6)?,
        channel: row.try_get(7)?,
        team: row.try_get(8)?,
        assignee: row.try_get(9)?,
        stage: row.try_get(10)?,
        status: parsed(row, "tickets.status", 11, TicketStatus::parse)?,
        created_ms: row.try_get(12)?,
        first_response_ms: row.try_get(13)?,
        resolved_ms: row.try_get(14)?,
        description: row.try_get(15)?,
        public_summary: row.try_get(16)?,
    })
}

fn clock_of(row: &AnyRow) -> Result<ClockRow> {
    Ok(ClockRow {
        metric: parsed(row, "sla_clocks.metric", "metric", SlaMetric::parse)?,
        rule: row.try_get("rule")?,
        target_ms: row.try_get("target_ms")?,
        used_ms: row.try_get("used_ms")?,
        running_since: row.try_get("running_since")?,
        due_ms: row.try_get("due_at")?,
        warn_ms: row.try_get("warn_at")?,
        state: parsed(row, "sla_clocks.state", "state", ClockState::parse)?,
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
    metric: SlaMetric,
    kind: ClockEvent,
    at: i64,
) -> Result<()> {
    sqlx::query("INSERT INTO sla_events (ticket_id, metric, kind, at) VALUES ($1, $2, $3, $4)")
        .bind(ticket_id)
        .bind(metric.name())
        .bind(kind.name())
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
        .bind(clock.metric.name())
        .execute(&mut *connection)
        .await?;
    insert_clocks(connection, &[(ticket_id, clock)]).await
}

/// Writes clocks (ticket id, clock), a thousand a statement.
async fn insert_clocks(
    connection: &mut sqlx::AnyConnection,
    clocks: &[(&str, &ClockRow)],
) -> Result<()> {
    crate::sql::insert_batch(
        connection,
        "INSERT INTO sla_clocks (ticket_id, metric, rule, target_ms, used_ms, running_since, \
         due_at, warn_at, state, breached, warned)",
        11,
        clocks,
        |query, (ticket_id, clock)| {
            query
                .bind(*ticket_id)
                .bind(clock.metric.name())
                .bind(clock.rule.as_str())
                .bind(clock.target_ms)
                .bind(clock.used_ms)
                .bind(clock.running_since)
                .bind(clock.due_ms)
                .bind(clock.warn_ms)
                .bind(clock.state.name())
                .bind(i64::from(clock.breached))
                .bind(i64::from(clock.warned))
        },
    )
    .await
}

const INSERT_TICKET: &str = "INSERT INTO tickets (ticket_id, ticket_type, category, priority, \
     subject, description, customer_id, segment, channel, contact_id, team, assignee, stage, status, \
     status_token_hash, created_at, first_response_at, resolved_at, closed_at, updated_at)";
const TICKET_INSERT_COLUMNS: usize = 20;

fn bind_ticket<'a>(
    query: sqlx::query::Query<'a, sqlx::Any, sqlx::any::AnyArguments>,
    (ticket, created_ms): &'a (NewTicket, i64),
) -> sqlx::query::Query<'a, sqlx::Any, sqlx::any::AnyArguments> {
    let updated_ms = [
        ticket.closed_ms,
        ticket.resolved_ms,
        ticket.first_response_ms,
    ]
    .into_iter()
    .flatten()
    .max()
    .unwrap_or(*created_ms);
    query
        .bind(ticket.ticket_id.as_str())
        .bind(ticket.ticket_type.name())
        .bind(ticket.category.as_str())
        .bind(ticket.priority.name())
        .bind(ticket.subject.as_str())
        .bind(ticket.description.as_str())
        .bind(ticket.customer_id.as_str())
        .bind(ticket.segment.as_str())
        .bind(ticket.channel.as_str())
        .bind(ticket.contact_id.as_deref())
        .bind(ticket.team.as_str())
        .bind(ticket.assignee.as_str())
        .bind(ticket.stage.as_str())
        .bind(ticket.status.name())
        .bind(ticket.status_token_hash.as_str())
        .bind(*created_ms)
        .bind(ticket.first_response_ms)
        .bind(ticket.resolved_ms)
        .bind(ticket.closed_ms)
        .bind(updated_ms)
}

/// Writes new tickets (each created at its own time) with their first history event, clocks
/// and SLA events, a few multi-row statements per thousand tickets.
async fn insert_tickets(
    connection: &mut sqlx::AnyConnection,
    tickets: &[(NewTicket, i64)],
    actor: &Actor,
) -> Result<()> {
    crate::sql::insert_batch(
        connection,
        INSERT_TICKET,
        TICKET_INSERT_COLUMNS,
        tickets,
        bind_ticket,
    )
    .await?;
    crate::sql::insert_batch(
        connection,
        "INSERT INTO ticket_events (ticket_id, at, actor, kind, detail)",
        5,
        tickets,
        |query, (ticket, created_ms)| {
            query
                .bind(ticket.ticket_id.as_str())
                .bind(*created_ms)
                .bind(actor.name.as_str())
                .bind("created")
                .bind(ticket.subject.as_str())
        },
    )
    .await?;
    let clocks: Vec<(&str, &ClockRow)> = tickets
        .iter()
        .flat_map(|(ticket, _)| {
            ticket
                .clocks
                .iter()
                .map(|clock| (ticket.ticket_id.as_str(), clock))
        })
        .collect();
    insert_clocks(connection, &clocks).await?;
    let events: Vec<(&str, &(SlaMetric, ClockEvent, i64))> = tickets
        .iter()
        .flat_map(|(ticket, _)| {
            ticket
                .sla_events
                .iter()
                .map(|event| (ticket.ticket_id.as_str(), event))
        })
        .collect();
    crate::sql::insert_batch(
        connection,
        "INSERT INTO sla_events (ticket_id, metric, kind, at)",
        4,
        &events,
        |query, (ticket_id, (metric, kind, at))| {
            query
                .bind(*ticket_id)
                .bind(metric.name())
                .bind(kind.name())
                .bind(*at)
        },
    )
    .await?;
    crate::ticket_cube::mark_instants(
        connection,
        tickets.iter().flat_map(|(ticket, created_ms)| {
            std::iter::once(*created_ms).chain(ticket.resolved_ms)
        }),
    )
    .await?;
    Ok(())
}

/// Picks the agent of a team for a new ticket from the team's agents with their open tickets
/// and the agent who got the team's previous ticket (see `servq_desk::Routing::pick_agent`).
pub type PickAgent<'a> =
    dyn Fn(&[(String, i64)], Option<&str>) -> Option<String> + Send + Sync + 'a;

async fn team_load(connection: &mut sqlx::AnyConnection, team: &str) -> Result<Vec<(String, i64)>> {
    let rows = sqlx::query(
        "SELECT a.agent_id, CAST(COUNT(t.ticket_id) AS BIGINT) FROM agents a \
         LEFT JOIN tickets t ON t.assignee = a.agent_id \
           AND t.status IN ('open', 'waiting_customer') \
         WHERE a.team = $1 GROUP BY a.agent_id ORDER BY a.agent_id",
    )
    .bind(team)
    .fetch_all(connection)
    .await?;
    rows.iter()
        .map(|row| Ok((row.try_get(0)?, row.try_get(1)?)))
        .collect()
}

/// The agent of `team` `pick` chooses, under the team's lock (a PostgreSQL advisory lock;
/// SQLite's write lock is held already), recorded as the team's latest assignee so that
/// simultaneous tickets — on any number of servers — take turns. Empty for no team.
async fn pick_in_team(
    connection: &mut sqlx::AnyConnection,
    team: &str,
    pick: &PickAgent<'_>,
) -> Result<String> {
    if team.is_empty() {
        return Ok(String::new());
    }
    if connection.backend_name() != "SQLite" {
        sqlx::query("SELECT pg_advisory_xact_lock(hashtext('servq.team.' || $1))")
            .bind(team)
            .execute(&mut *connection)
            .await?;
    }
    let load = team_load(connection, team).await?;
    let last = last_assignee(connection, team).await?;
    let assignee = pick(&load, last.as_deref()).unwrap_or_default();
    if !assignee.is_empty() {
        sqlx::query(
            "INSERT INTO team_assignments (team, last_assignee) VALUES ($1, $2) \
             ON CONFLICT (team) DO UPDATE SET last_assignee = excluded.last_assignee",
        )
        .bind(team)
        .bind(assignee.as_str())
        .execute(connection)
        .await?;
    }
    Ok(assignee)
}

async fn last_assignee(connection: &mut sqlx::AnyConnection, team: &str) -> Result<Option<String>> {
    let recorded: Option<String> =
        sqlx::query_scalar("SELECT last_assignee FROM team_assignments WHERE team = $1")
            .bind(team)
            .fetch_optional(&mut *connection)
            .await?;
    if recorded.is_some() {
        return Ok(recorded);
    }
    // tickets assigned before the record existed (schema v13)
    Ok(sqlx::query_scalar(
        "SELECT assignee FROM tickets WHERE team = $1 AND assignee <> '' \
         ORDER BY created_at DESC, ticket_id DESC LIMIT 1",
    )
    .bind(team)
    .fetch_optional(connection)
    .await?)
}

impl Store {
    /// Creates a ticket with its history's first event and its started clocks (each with a
    /// `start` SLA event); audited. With `assign`, a ticket of a team without an assignee gets
    /// the agent `assign` picks from the team's agents with their open tickets and the agent
    /// who got the team's previous ticket — read and written under a per-team lock, so
    /// simultaneous tickets (on any number of servers) take turns. Returns the assignee.
    pub async fn create_ticket(
        &self,
        ticket: &NewTicket,
        actor: &Actor,
        now_ms: i64,
        assign: Option<&PickAgent<'_>>,
    ) -> Result<String> {
        let mut transaction = self.begin_write().await?;
        let mut ticket = ticket.clone();
        if let Some(pick) = assign
            && ticket.assignee.is_empty()
        {
            ticket.assignee = pick_in_team(&mut transaction, &ticket.team, pick).await?;
        }
        insert_tickets(&mut transaction, &[(ticket.clone(), now_ms)], actor).await?;
        users::audit(
            &mut transaction,
            actor,
            now_ms,
            "create",
            "ticket",
            &ticket.ticket_id,
            &serde_json::json!({"type": ticket.ticket_type, "priority": ticket.priority.name()})
                .to_string(),
        )
        .await?;
        crate::cache::bump_data_version(&mut transaction).await?;
        transaction.commit().await?;
        Ok(ticket.assignee)
    }

    /// Creates imported tickets (each created at its own time) in one transaction; ids that
    /// exist already are left as they are. Returns (created, already there); audited once.
    pub async fn import_tickets(
        &self,
        tickets: &[(NewTicket, i64)],
        source: &str,
        actor: &Actor,
        now_ms: i64,
    ) -> Result<(i64, i64)> {
        let mut transaction = self.begin_write().await?;
        let mut stored = std::collections::HashSet::new();
        let numbered = self.backend() != Backend::Sqlite;
        for chunk in tickets.chunks(1000) {
            let placeholders = crate::sql::placeholders(chunk.len(), numbered);
            let mut query = sqlx::query_scalar::<_, String>(sqlx::AssertSqlSafe(format!(
                "SELECT ticket_id FROM tickets WHERE ticket_id IN ({placeholders})"
            )));
            for (ticket, _) in chunk {
                query = query.bind(ticket.ticket_id.as_str());
            }
            stored.extend(query.fetch_all(&mut *transaction).await?);
        }
        let new: Vec<(NewTicket, i64)> = tickets
            .iter()
            .filter(|(ticket, _)| !stored.contains(&ticket.ticket_id))
            .cloned()
            .collect();
        insert_tickets(&mut transaction, &new, actor).await?;
        let (created, existing) = (new.len() as i64, (tickets.len() - new.len()) as i64);
        users::audit(
            &mut transaction,
            actor,
            now_ms,
            "import",
            "tickets",
            source,
            &serde_json::json!({"created": created, "unchanged": existing}).to_string(),
        )
        .await?;
        crate::cache::bump_data_version(&mut transaction).await?;
        transaction.commit().await?;
        // the import pays for summing its days, not the first report after it
        self.refresh_ticket_cube().await?;
        Ok((created, existing))
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

    /// One page of tickets matching `query`, with the soonest due time of each ticket's running
    /// SLA clocks, and how many match in all.
    pub async fn ticket_list(&self, query: &TicketListQuery) -> Result<TicketListPage> {
        let order = match query.sort {
            TicketSort::Newest => "t.created_at DESC, t.ticket_id DESC",
            // tickets without a running clock after every due one
            TicketSort::DueFirst => {
                "CASE WHEN d.due IS NULL THEN 1 ELSE 0 END, d.due, t.created_at DESC, t.ticket_id"
            }
            TicketSort::Priority => {
                "CASE t.priority WHEN 'urgent' THEN 0 WHEN 'high' THEN 1 WHEN 'normal' THEN 2 \
                 ELSE 3 END, t.created_at DESC, t.ticket_id"
            }
        };
        const FILTERS: &str = "($1 = '' OR t.status = $1) \
             AND ($2 = 0 OR t.status IN ('open', 'waiting_customer')) \
             AND ($3 = '*' OR t.assignee = $3) AND ($4 = '' OR t.team = $4) \
             AND ($5 = '' OR t.ticket_type = $5) AND ($6 = '' OR t.priority = $6)";
        let columns: String = TICKET_COLUMNS
            .split(',')
            .map(|c| format!("t.{}", c.trim()))
            .collect::<Vec<_>>()
            .join(", ");
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {columns}, d.due, CAST(COALESCE(d.breached, 0) AS BIGINT) AS breached \
             FROM tickets t LEFT JOIN (SELECT ticket_id, MIN(CASE WHEN state = 'running' \
               THEN due_at END) AS due, MAX(breached) AS breached FROM sla_clocks \
               GROUP BY ticket_id) d ON d.ticket_id = t.ticket_id \
             WHERE {FILTERS} ORDER BY {order} LIMIT $7 OFFSET $8"
        )))
        .bind(query.status.map_or("", TicketStatus::name))
        .bind(i64::from(query.open_only))
        .bind(query.assignee.as_deref().unwrap_or("*"))
        .bind(query.team.as_str())
        .bind(query.ticket_type.as_str())
        .bind(query.priority.map_or("", Priority::name))
        .bind(query.limit)
        .bind(query.offset)
        .fetch_all(&self.pool)
        .await?;
        let tickets = rows
            .iter()
            .map(|row| {
                Ok(ListedTicket {
                    ticket: ticket_of(row)?,
                    next_due_ms: row.try_get("due")?,
                    breached: row.try_get::<i64, _>("breached")? != 0,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let total: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT COUNT(*) FROM tickets t WHERE {FILTERS} AND $7 = $7 AND $8 = $8"
        )))
        .bind(query.status.map_or("", TicketStatus::name))
        .bind(i64::from(query.open_only))
        .bind(query.assignee.as_deref().unwrap_or("*"))
        .bind(query.team.as_str())
        .bind(query.ticket_type.as_str())
        .bind(query.priority.map_or("", Priority::name))
        .bind(0_i64)
        .bind(0_i64)
        .fetch_one(&self.pool)
        .await?;
        Ok(TicketListPage { tickets, total })
    }

    /// The ticket types stored tickets have.
    pub async fn ticket_types(&self) -> Result<Vec<String>> {
        Ok(
            sqlx::query_scalar("SELECT DISTINCT ticket_type FROM tickets ORDER BY ticket_type")
                .fetch_all(&self.pool)
                .await?,
        )
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
            let mut transaction = self.begin_write().await?;
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
                let metric = parsed(row, "sla_clocks.metric", 1, SlaMetric::parse)?;
                let due_at: Option<i64> = row.try_get(2)?;
                let breached: i64 = row.try_get(4)?;
                let is_breach = breached == 0 && due_at.is_some_and(|due| due < now_ms);
                let level = if is_breach { "breach" } else { "warning" };
                let fired = sqlx::query(
                    "INSERT INTO escalations (ticket_id, metric, level, fired_at, notify_at) \
                     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (ticket_id, metric, level) DO NOTHING",
                )
                .bind(ticket_id.as_str())
                .bind(metric.name())
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
                .bind(metric.name())
                .execute(&mut *transaction)
                .await?;
                if !fired {
                    continue;
                }
                if is_breach {
                    pass.breaches += 1;
                    crate::ticket_cube::mark_ticket(&mut transaction, &ticket_id).await?;
                    sla_event(
                        &mut transaction,
                        &ticket_id,
                        metric,
                        ClockEvent::Breached,
                        now_ms,
                    )
                    .await?;
                } else {
                    pass.warnings += 1;
                }
                let text = format!("{level}: ticket {ticket_id} {metric}");
                sqlx::query(
                    "INSERT INTO notifications (audience, ticket_id, text, created_at, level, \
                     metric) VALUES ('supervisor', $1, $2, $3, $4, $5)",
                )
                .bind(ticket_id.as_str())
                .bind(text.as_str())
                .bind(now_ms)
                .bind(level)
                .bind(metric.name())
                .execute(&mut *transaction)
                .await?;
                let body = serde_json::json!({"ticket_id": ticket_id, "metric": metric,
                    "level": level, "at": now_ms})
                .to_string();
                for channel in ["email", "webhook"] {
                    crate::outbox::enqueue(
                        &mut transaction,
                        crate::outbox::Outgoing {
                            channel,
                            recipient: "supervisors",
                            subject: &text,
                            body: &body,
                            created_ms: now_ms,
                            send_after_ms: notify,
                        },
                    )
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

/// A change to a ticket, applied in one transaction: its status (only if it still has the
/// status the change was computed from), stage, response/resolution times, clocks, SLA events
/// and a history event.
#[derive(Debug, Clone)]
pub struct TicketChange<'a> {
    /// The ticket.
    pub ticket_id: &'a str,
    /// The status the change was computed from.
    pub from_status: TicketStatus,
    /// The new status.
    pub status: TicketStatus,
    /// A new workflow stage.
    pub stage: Option<&'a str>,
    /// Set the first response time (if not set yet).
    pub first_response: bool,
    /// Set (`Some(true)`) or clear (`Some(false)`) the resolved time.
    pub resolved: Option<bool>,
    /// Set the closed time.
    pub closed: bool,
    /// Clocks to store (replacing the same metrics).
    pub clocks: &'a [ClockRow],
    /// SLA events (metric, kind).
    pub sla_events: &'a [(SlaMetric, ClockEvent)],
    /// History event kind and detail.
    pub event: (&'a str, &'a str),
    /// Whether the customer sees the event on the status page.
    pub public: bool,
    /// Why, for the desk only: kept as a second, internal event (`stage_reason`) — a skipped
    /// stage's reason must not reach the customer's status page with the stage.
    pub internal_reason: Option<&'a str>,
    /// An e-mail to the customer carrying the change (a reply on an e-mail ticket): queued in
    /// the same transaction, so it is sent exactly when the reply is recorded.
    pub email: Option<&'a crate::OutgoingEmail>,
}

/// How a ticket list is sorted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum TicketSort {
    /// Newest first.
    #[default]
    Newest,
    /// The soonest SLA deadline first (tickets without a running clock last).
    DueFirst,
    /// Urgent first, then high, normal, low.
    Priority,
}

impl TicketSort {
    /// Every order, as the list offers them.
    pub const ALL: [TicketSort; 3] = [
        TicketSort::Newest,
        TicketSort::DueFirst,
        TicketSort::Priority,
    ];

    /// The name in URLs.
    pub fn name(self) -> &'static str {
        match self {
            TicketSort::Newest => "newest",
            TicketSort::DueFirst => "due",
            TicketSort::Priority => "priority",
        }
    }

    /// The order called `name`.
    pub fn parse(name: &str) -> Option<TicketSort> {
        TicketSort::ALL.into_iter().find(|s| s.name() == name)
    }
}

/// Which tickets to list.
#[derive(Debug, Clone, Default)]
pub struct TicketListQuery {
    /// Only this status.
    pub status: Option<TicketStatus>,
    /// Only open or waiting ones (the desk's work).
    pub open_only: bool,
    /// Only this assignee's (an agent id; empty for unassigned ones).
    pub assignee: Option<String>,
    /// Only this team's; empty for all.
    pub team: String,
    /// Only this type; empty for all.
    pub ticket_type: String,
    /// Only this priority.
    pub priority: Option<Priority>,
    /// The order.
    pub sort: TicketSort,
    /// Skip this many.
    pub offset: i64,
    /// At most this many.
    pub limit: i64,
}

/// A ticket in a list: with its soonest SLA deadline and whether a clock breached.
#[derive(Debug, Clone)]
pub struct ListedTicket {
    /// The ticket.
    pub ticket: Ticket,
    /// The soonest due time of its running clocks, UTC ms.
    pub next_due_ms: Option<i64>,
    /// A clock of it breached.
    pub breached: bool,
}

/// A page of tickets and the number matching in all.
#[derive(Debug, Clone)]
pub struct TicketListPage {
    /// The page.
    pub tickets: Vec<ListedTicket>,
    /// Matching tickets.
    pub total: i64,
}

/// A history entry of a ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketEvent {
    /// When, UTC ms.
    pub at_ms: i64,
    /// Who.
    pub actor: String,
    /// created, note, reply, status, stage, …
    pub kind: String,
    /// Text.
    pub detail: String,
    /// Shown on the status page.
    pub public: bool,
}

/// A complaint's return visit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReturnVisit {
    /// When, UTC ms.
    pub visited_ms: i64,
    /// satisfied, unsatisfied or unreachable.
    pub outcome: String,
    /// Root-cause tag.
    pub root_cause: String,
    /// Note.
    pub note: String,
    /// Who visited.
    pub visited_by: String,
}

impl Store {
    /// Applies a change; `false` (nothing written) when the ticket no longer has `from_status`
    /// (someone else changed it first) or does not exist.
    pub async fn apply_ticket_change(
        &self,
        change: &TicketChange<'_>,
        actor: &Actor,
        now_ms: i64,
    ) -> Result<bool> {
        let mut transaction = self.begin_write().await?;
        crate::ticket_cube::mark_ticket(&mut transaction, change.ticket_id).await?;
        let updated = sqlx::query(
            "UPDATE tickets SET status = $1, stage = COALESCE($2, stage), \
             first_response_at = CASE WHEN $3 = 1 THEN COALESCE(first_response_at, $4) ELSE first_response_at END, \
             resolved_at = CASE WHEN $5 = 1 THEN $4 WHEN $5 = 0 THEN NULL ELSE resolved_at END, \
             closed_at = CASE WHEN $6 = 1 THEN $4 WHEN $5 = 0 THEN NULL ELSE closed_at END, \
             updated_at = $4 \
             WHERE ticket_id = $7 AND status = $8",
        )
        .bind(change.status.name())
        .bind(change.stage)
        .bind(i64::from(change.first_response))
        .bind(now_ms)
        .bind(change.resolved.map_or(-1, i64::from))
        .bind(i64::from(change.closed))
        .bind(change.ticket_id)
        .bind(change.from_status.name())
        .execute(&mut *transaction)
        .await?
        .rows_affected();
        if updated != 1 {
            return Ok(false);
        }
        crate::ticket_cube::mark_ticket(&mut transaction, change.ticket_id).await?;
        for clock in change.clocks {
            put_clock(&mut transaction, change.ticket_id, clock).await?;
        }
        for (metric, kind) in change.sla_events {
            sla_event(&mut transaction, change.ticket_id, *metric, *kind, now_ms).await?;
        }
        sqlx::query(
            "INSERT INTO ticket_events (ticket_id, at, actor, kind, detail, public) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(change.ticket_id)
        .bind(now_ms)
        .bind(actor.name.as_str())
        .bind(change.event.0)
        .bind(change.event.1)
        .bind(i64::from(change.public))
        .execute(&mut *transaction)
        .await?;
        if let Some(reason) = change.internal_reason {
            sqlx::query(
                "INSERT INTO ticket_events (ticket_id, at, actor, kind, detail, public) \
                 VALUES ($1, $2, $3, 'stage_reason', $4, 0)",
            )
            .bind(change.ticket_id)
            .bind(now_ms)
            .bind(actor.name.as_str())
            .bind(reason)
            .execute(&mut *transaction)
            .await?;
        }
        if let Some(email) = change.email {
            crate::emails::queue_outgoing(&mut transaction, email, now_ms).await?;
        }
        crate::cache::bump_data_version(&mut transaction).await?;
        transaction.commit().await?;
        Ok(true)
    }

    /// A ticket's history, oldest first.
    pub async fn ticket_events(&self, ticket_id: &str) -> Result<Vec<TicketEvent>> {
        let rows = sqlx::query(
            "SELECT at, actor, kind, detail, public FROM ticket_events WHERE ticket_id = $1 \
             ORDER BY at, id",
        )
        .bind(ticket_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(TicketEvent {
                    at_ms: row.try_get(0)?,
                    actor: row.try_get(1)?,
                    kind: row.try_get(2)?,
                    detail: row.try_get(3)?,
                    public: row.try_get::<i64, _>(4)? != 0,
                })
            })
            .collect()
    }

    /// The ticket whose status-page token hashes to `token_hash`.
    pub async fn ticket_by_token(&self, token_hash: &str) -> Result<Option<Ticket>> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {TICKET_COLUMNS} FROM tickets WHERE status_token_hash = $1"
        )))
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?
        .as_ref()
        .map(ticket_of)
        .transpose()
    }

    /// Records (or corrects) a complaint's return visit; audited.
    pub async fn record_return_visit(
        &self,
        ticket_id: &str,
        visit: &ReturnVisit,
        actor: &Actor,
        now_ms: i64,
    ) -> Result<()> {
        let mut transaction = self.begin_write().await?;
        sqlx::query("DELETE FROM return_visits WHERE ticket_id = $1")
            .bind(ticket_id)
            .execute(&mut *transaction)
            .await?;
        sqlx::query(
            "INSERT INTO return_visits (ticket_id, visited_at, outcome, root_cause, note, visited_by) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(ticket_id)
        .bind(visit.visited_ms)
        .bind(visit.outcome.as_str())
        .bind(visit.root_cause.as_str())
        .bind(visit.note.as_str())
        .bind(visit.visited_by.as_str())
        .execute(&mut *transaction)
        .await?;
        event(
            &mut transaction,
            ticket_id,
            now_ms,
            &actor.name,
            "return_visit",
            &format!("{}: {}", visit.outcome, visit.root_cause),
        )
        .await?;
        users::audit(
            &mut transaction,
            actor,
            now_ms,
            "return_visit",
            "ticket",
            ticket_id,
            &serde_json::json!({"outcome": visit.outcome, "root_cause": visit.root_cause})
                .to_string(),
        )
        .await?;
        crate::cache::bump_data_version(&mut transaction).await?;
        transaction.commit().await?;
        Ok(())
    }

    /// A complaint's return visit, if recorded.
    pub async fn return_visit(&self, ticket_id: &str) -> Result<Option<ReturnVisit>> {
        let row = sqlx::query(
            "SELECT visited_at, outcome, root_cause, note, visited_by FROM return_visits \
             WHERE ticket_id = $1",
        )
        .bind(ticket_id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            Ok(ReturnVisit {
                visited_ms: row.try_get(0)?,
                outcome: row.try_get(1)?,
                root_cause: row.try_get(2)?,
                note: row.try_get(3)?,
                visited_by: row.try_get(4)?,
            })
        })
        .transpose()
    }
}

/// What ticket KPIs group by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TicketGroup {
    /// Team (skill group).
    Team,
    /// Category.
    Category,
    /// Priority.
    Priority,
    /// Ticket type.
    TicketType,
    /// Assigned agent.
    Assignee,
    /// Channel.
    Channel,
}

impl TicketGroup {
    /// The name in the API.
    pub fn name(self) -> &'static str {
        match self {
            TicketGroup::Team => "team",
            TicketGroup::Category => "category",
            TicketGroup::Priority => "priority",
            TicketGroup::TicketType => "type",
            TicketGroup::Assignee => "assignee",
            TicketGroup::Channel => "channel",
        }
    }

    /// A name back.
    pub fn parse(name: &str) -> Option<TicketGroup> {
        [
            TicketGroup::Team,
            TicketGroup::Category,
            TicketGroup::Priority,
            TicketGroup::TicketType,
            TicketGroup::Assignee,
            TicketGroup::Channel,
        ]
        .into_iter()
        .find(|g| g.name() == name.trim())
    }

    fn column(self) -> &'static str {
        match self {
            TicketGroup::Team => "t.team",
            TicketGroup::Category => "t.category",
            TicketGroup::Priority => "t.priority",
            TicketGroup::TicketType => "t.ticket_type",
            TicketGroup::Assignee => "t.assignee",
            TicketGroup::Channel => "t.channel",
        }
    }
}

impl Store {
    /// Ticket counters per group counted from every ticket (the definition the day cube of
    /// [`Store::ticket_counters`] must reproduce): tickets created in `[from_ms, to_ms)` with
    /// their responses, resolutions, complaints and SLA outcomes, and the backlog open at
    /// `to_ms` (aged: open longer than `aged_ms`).
    pub async fn ticket_counters_live(
        &self,
        from_ms: i64,
        to_ms: i64,
        group: Option<TicketGroup>,
        aged_ms: i64,
    ) -> Result<Vec<(Option<String>, servq_desk::TicketCounters)>> {
        let key = group.map_or("''", TicketGroup::column);
        // PostgreSQL refuses GROUP BY a constant
        let group_by = group.map_or(String::new(), |g| format!(" GROUP BY {}", g.column()));
        // the order of servq_desk::TicketCounters::FIELDS (backlog apart)
        let sums = crate::ticket_cube::CREATED_SUMS
            .map(|(_, sum)| format!("CAST(COALESCE({sum}, 0) AS BIGINT)"))
            .join(", ");
        let created_sql = format!(
            "SELECT {key}, {sums} FROM tickets t {} \
             WHERE t.created_at >= $1 AND t.created_at < $2{group_by}",
            crate::ticket_cube::CLOCK_JOINS
        );
        let backlog_sql = format!(
            "SELECT {key}, COUNT(*), CAST(COALESCE(SUM(CASE WHEN t.created_at < $2 THEN 1 ELSE 0 END), 0) AS BIGINT) FROM tickets t \
             WHERE t.created_at < $1 AND (t.resolved_at IS NULL OR t.resolved_at >= $1) \
               AND (t.closed_at IS NULL OR t.closed_at >= $1){group_by}"
        );
        let mut groups: std::collections::BTreeMap<String, [i64; 11]> = Default::default();
        let rows = sqlx::query(sqlx::AssertSqlSafe(created_sql))
            .bind(from_ms)
            .bind(to_ms)
            .fetch_all(&self.pool)
            .await?;
        for row in &rows {
            crate::ticket_cube::read_created_sums(row, groups.entry(row.try_get(0)?).or_default())?;
        }
        let rows = sqlx::query(sqlx::AssertSqlSafe(backlog_sql))
            .bind(to_ms)
            .bind(to_ms - aged_ms)
            .fetch_all(&self.pool)
            .await?;
        for row in &rows {
            let entry = groups.entry(row.try_get(0)?).or_default();
            entry[9] = row.try_get::<i64, _>(1)?;
            entry[10] = row.try_get::<Option<i64>, _>(2)?.unwrap_or(0);
        }
        Ok(groups
            .into_iter()
            .map(|(key, values)| {
                (
                    group.map(|_| key),
                    servq_desk::TicketCounters::from_array(values),
                )
            })
            .collect())
    }
}

impl Store {
    /// A team's agents (the roster) with their open tickets.
    pub async fn team_load(&self, team: &str) -> Result<Vec<(String, i64)>> {
        let mut connection = self.pool.acquire().await?;
        team_load(&mut connection, team).await
    }

    /// Moves a ticket to a team and/or an agent, keeping its history and clocks: the change is
    /// a history event (`assign`, or `transfer` when the team changes). Without an assignee,
    /// `assign` picks one as for a new ticket (same lock, same turn). Returns the assignee, or
    /// `None` if no such ticket.
    pub async fn assign_ticket(
        &self,
        ticket_id: &str,
        team: &str,
        assignee: &str,
        assign: Option<&PickAgent<'_>>,
        actor: &Actor,
        now_ms: i64,
    ) -> Result<Option<String>> {
        let mut transaction = self.begin_write().await?;
        let before: Option<String> =
            sqlx::query_scalar("SELECT team FROM tickets WHERE ticket_id = $1")
                .bind(ticket_id)
                .fetch_optional(&mut *transaction)
                .await?;
        let Some(before) = before else {
            return Ok(None);
        };
        let assignee = match assign {
            Some(pick) if assignee.is_empty() => pick_in_team(&mut transaction, team, pick).await?,
            _ => assignee.to_owned(),
        };
        let assignee = assignee.as_str();
        crate::ticket_cube::mark_ticket(&mut transaction, ticket_id).await?;
        sqlx::query(
            "UPDATE tickets SET team = $1, assignee = $2, updated_at = $3 WHERE ticket_id = $4",
        )
        .bind(team)
        .bind(assignee)
        .bind(now_ms)
        .bind(ticket_id)
        .execute(&mut *transaction)
        .await?;
        let (kind, detail) = if before == team {
            ("assign", assignee.to_owned())
        } else {
            (
                "transfer",
                format!("{before} → {team} {assignee}").trim().to_owned(),
            )
        };
        event(
            &mut transaction,
            ticket_id,
            now_ms,
            &actor.name,
            kind,
            &detail,
        )
        .await?;
        transaction.commit().await?;
        Ok(Some(assignee.to_owned()))
    }

    /// Adds a note to a ticket's history (internal notes are not shown on the status page).
    /// `false` if no such ticket.
    pub async fn add_ticket_note(
        &self,
        ticket_id: &str,
        text: &str,
        public: bool,
        actor: &Actor,
        now_ms: i64,
    ) -> Result<bool> {
        let updated = sqlx::query("UPDATE tickets SET updated_at = $1 WHERE ticket_id = $2")
            .bind(now_ms)
            .bind(ticket_id)
            .execute(&self.pool)
            .await?
            .rows_affected();
        if updated != 1 {
            return Ok(false);
        }
        sqlx::query(
            "INSERT INTO ticket_events (ticket_id, at, actor, kind, detail, public) \
             VALUES ($1, $2, $3, 'note', $4, $5)",
        )
        .bind(ticket_id)
        .bind(now_ms)
        .bind(actor.name.as_str())
        .bind(text)
        .bind(i64::from(public))
        .execute(&self.pool)
        .await?;
        Ok(true)
    }
}

/// An outbox message to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxMessage {
    /// Id.
    pub id: i64,
    /// `email` or `webhook`.
    pub channel: String,
    /// Recipient (an address list name for e-mails).
    pub recipient: String,
    /// Subject.
    pub subject: String,
    /// Body (JSON for webhooks).
    pub body: String,
    /// Attempts so far, this one included.
    pub attempts: i64,
    /// A customer e-mail's threading headers (JSON), else empty.
    pub headers: String,
}

impl Store {
    /// Claims up to `limit` unsent messages of `channels` due at `now_ms` with fewer than
    /// `max_attempts` attempts: each claimed message counts an attempt and is not due again
    /// for `lease_ms`, so another server does not send it meanwhile.
    pub async fn claim_outbox(
        &self,
        channels: &[&str],
        now_ms: i64,
        limit: i64,
        lease_ms: i64,
        max_attempts: i64,
    ) -> Result<Vec<OutboxMessage>> {
        if channels.is_empty() {
            return Ok(Vec::new());
        }
        let mut transaction = self.begin_write().await?;
        let lock = match self.backend {
            Backend::Postgres => " FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        };
        let placeholders: Vec<String> =
            (0..channels.len()).map(|i| format!("${}", i + 4)).collect();
        let sql = format!(
            "SELECT id, channel, recipient, subject, body, attempts, headers FROM outbox \
             WHERE sent_at IS NULL AND send_after <= $1 AND attempts < $2 \
               AND channel IN ({}) ORDER BY send_after, id LIMIT $3{lock}",
            placeholders.join(", ")
        );
        let rows = channels
            .iter()
            .fold(
                sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(now_ms)
                    .bind(max_attempts)
                    .bind(limit),
                |query, channel| query.bind(*channel),
            )
            .fetch_all(&mut *transaction)
            .await?;
        let mut claimed = Vec::with_capacity(rows.len());
        for row in &rows {
            let message = OutboxMessage {
                id: row.try_get(0)?,
                channel: row.try_get(1)?,
                recipient: row.try_get(2)?,
                subject: row.try_get(3)?,
                body: row.try_get(4)?,
                attempts: row.try_get::<i64, _>(5)? + 1,
                headers: row.try_get(6)?,
            };
            sqlx::query("UPDATE outbox SET attempts = $1, send_after = $2 WHERE id = $3")
                .bind(message.attempts)
                .bind(now_ms + lease_ms)
                .bind(message.id)
                .execute(&mut *transaction)
                .await?;
            claimed.push(message);
        }
        transaction.commit().await?;
        Ok(claimed)
    }

    /// Marks a message sent.
    pub async fn outbox_sent(&self, id: i64, now_ms: i64) -> Result<()> {
        sqlx::query("UPDATE outbox SET sent_at = $1, last_error = '' WHERE id = $2")
            .bind(now_ms)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Records a failed attempt and when to try again.
    pub async fn outbox_failed(&self, id: i64, error: &str, retry_at_ms: i64) -> Result<()> {
        sqlx::query("UPDATE outbox SET last_error = $1, send_after = $2 WHERE id = $3")
            .bind(error)
            .bind(retry_at_ms)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Outbox messages by state: (sent, waiting, given up after `max_attempts`).
    pub async fn outbox_counts(&self, max_attempts: i64) -> Result<(i64, i64, i64)> {
        let row = sqlx::query(
            "SELECT CAST(COALESCE(SUM(CASE WHEN sent_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS BIGINT), \
             CAST(COALESCE(SUM(CASE WHEN sent_at IS NULL AND attempts < $1 THEN 1 ELSE 0 END), 0) AS BIGINT), \
             CAST(COALESCE(SUM(CASE WHEN sent_at IS NULL AND attempts >= $1 THEN 1 ELSE 0 END), 0) AS BIGINT) \
             FROM outbox",
        )
        .bind(max_attempts)
        .fetch_one(&self.pool)
        .await?;
        Ok((row.try_get(0)?, row.try_get(1)?, row.try_get(2)?))
    }
}

/// A file attached to a ticket (without its bytes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    /// Id.
    pub attachment_id: String,
    /// Cleaned file name.
    pub file_name: String,
    /// The type recognised from its first bytes.
    pub content_type: String,
    /// Size.
    pub size_bytes: i64,
    /// SHA-256, hex.
    pub sha256: String,
    /// Who uploaded it.
    pub uploaded_by: String,
    /// When, UTC ms.
    pub uploaded_ms: i64,
}

fn attachment_of(row: &AnyRow) -> Result<Attachment> {
    Ok(Attachment {
        attachment_id: row.try_get(0)?,
        file_name: row.try_get(1)?,
        content_type: row.try_get(2)?,
        size_bytes: row.try_get(3)?,
        sha256: row.try_get(4)?,
        uploaded_by: row.try_get(5)?,
        uploaded_ms: row.try_get(6)?,
    })
}

const ATTACHMENT_COLUMNS: &str =
    "attachment_id, file_name, content_type, size_bytes, sha256, uploaded_by, uploaded_at";

impl Store {
    /// Attaches a file to a ticket with a history entry; `false` if no such ticket.
    pub async fn add_attachment(
        &self,
        ticket_id: &str,
        attachment: &Attachment,
        data: &[u8],
        actor: &Actor,
    ) -> Result<bool> {
        let mut transaction = self.begin_write().await?;
        let exists: Option<String> =
            sqlx::query_scalar("SELECT ticket_id FROM tickets WHERE ticket_id = $1")
                .bind(ticket_id)
                .fetch_optional(&mut *transaction)
                .await?;
        if exists.is_none() {
            return Ok(false);
        }
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO ticket_attachments (ticket_id, {ATTACHMENT_COLUMNS}, data) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
        )))
        .bind(ticket_id)
        .bind(attachment.attachment_id.as_str())
        .bind(attachment.file_name.as_str())
        .bind(attachment.content_type.as_str())
        .bind(attachment.size_bytes)
        .bind(attachment.sha256.as_str())
        .bind(attachment.uploaded_by.as_str())
        .bind(attachment.uploaded_ms)
        .bind(data.to_vec())
        .execute(&mut *transaction)
        .await?;
        event(
            &mut transaction,
            ticket_id,
            attachment.uploaded_ms,
            &actor.name,
            "attachment",
            &attachment.file_name,
        )
        .await?;
        transaction.commit().await?;
        Ok(true)
    }

    /// A ticket's attachments, oldest first.
    pub async fn attachments(&self, ticket_id: &str) -> Result<Vec<Attachment>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {ATTACHMENT_COLUMNS} FROM ticket_attachments WHERE ticket_id = $1 \
             ORDER BY uploaded_at, attachment_id"
        )))
        .bind(ticket_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(attachment_of).collect()
    }

    /// One attachment of a ticket with its bytes.
    pub async fn attachment(
        &self,
        ticket_id: &str,
        attachment_id: &str,
    ) -> Result<Option<(Attachment, Vec<u8>)>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {ATTACHMENT_COLUMNS}, data FROM ticket_attachments \
             WHERE ticket_id = $1 AND attachment_id = $2"
        )))
        .bind(ticket_id)
        .bind(attachment_id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| Ok((attachment_of(&row)?, row.try_get::<Vec<u8>, _>(7)?)))
            .transpose()
    }
}

impl Store {
    /// Sets the summary the customer's status page shows instead of the subject (empty: a
    /// neutral text). `false` if no such ticket.
    pub async fn set_ticket_public_summary(&self, ticket_id: &str, summary: &str) -> Result<bool> {
        let updated = sqlx::query("UPDATE tickets SET public_summary = $1 WHERE ticket_id = $2")
            .bind(summary)
            .bind(ticket_id)
            .execute(&self.pool)
            .await?
            .rows_affected();
        Ok(updated == 1)
    }

    /// Replies sent from the status page at or after `since_ms`: (to the ticket, from the
    /// client, whatever the ticket). `client` is the hash the replies were recorded with.
    pub async fn public_reply_counts(
        &self,
        ticket_id: &str,
        client: &str,
        since_ms: i64,
    ) -> Result<(i64, i64)> {
        let for_ticket: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM ticket_public_replies WHERE ticket_id = $1 AND at >= $2",
        )
        .bind(ticket_id)
        .bind(since_ms)
        .fetch_one(&self.pool)
        .await?;
        let from_client: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM ticket_public_replies WHERE client = $1 AND at >= $2",
        )
        .bind(client)
        .bind(since_ms)
        .fetch_one(&self.pool)
        .await?;
        Ok((for_ticket, from_client))
    }

    /// Counts a reply sent from the status page (for its hourly limits) and forgets those sent
    /// before `forget_before_ms`: nothing older than the limits need is kept.
    pub async fn record_public_reply(
        &self,
        ticket_id: &str,
        client: &str,
        at_ms: i64,
        forget_before_ms: i64,
    ) -> Result<()> {
        let mut transaction = self.begin_write().await?;
        sqlx::query("DELETE FROM ticket_public_replies WHERE at < $1")
            .bind(forget_before_ms)
            .execute(&mut *transaction)
            .await?;
        sqlx::query(
            "INSERT INTO ticket_public_replies (ticket_id, client, at) VALUES ($1, $2, $3)",
        )
        .bind(ticket_id)
        .bind(client)
        .bind(at_ms)
        .execute(&mut *transaction)
        .await?;
        transaction.commit().await?;
        Ok(())
    }
}
