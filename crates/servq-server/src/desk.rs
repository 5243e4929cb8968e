//! The service desk's moving parts: tickets created with their SLA clocks (deadlines from the
//! centre's business calendar and SLA policy, `servq-desk`), the customer's status token, and
//! the escalation pass every server runs each minute (each escalation fires once however many
//! servers run). Tickets over the API: `POST/GET /api/v1/tickets`, `GET /api/v1/tickets/{id}`.

use axum::{
    Json,
    extract::{
        Path, Query, State,
        rejection::{JsonRejection, PathRejection, QueryRejection},
    },
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
};
use jiff::Timestamp;
use serde::Deserialize;
use serde_json::{Value, json};
use servq_core::Permission;
use servq_desk::{
    BusinessCalendar, CalendarSpec, ClockEvent, ClockOp, ClockState, Priority, SlaClock, SlaMetric,
    SlaPolicy, TicketAction, TicketStatus, Workflow, default_workflows, transition,
};
use servq_store::{Actor, ClockRow, EscalationPass, NewTicket, ReturnVisit, Store, TicketChange};

use crate::{
    AppState, Problem,
    auth::{self, CurrentUser},
    now_ms,
};

/// Settings key of the business calendar (JSON, `servq_desk::CalendarSpec`).
pub const CALENDAR_KEY: &str = "desk.calendar";
/// Settings key of the SLA policy (JSON, `servq_desk::SlaPolicy`).
pub const POLICY_KEY: &str = "desk.sla_policy";
/// Settings key of the routing rules (JSON, `servq_desk::Routing`).
pub const ROUTING_KEY: &str = "desk.routing";

/// Settings key of the category tree (JSON, `servq_desk::Category` list).
pub const CATEGORIES_KEY: &str = "desk.categories";

/// The category tree: as stored, else the default one.
pub async fn categories(store: &Store) -> anyhow::Result<Vec<servq_desk::Category>> {
    Ok(match store.text_setting(CATEGORIES_KEY).await? {
        Some(json) => serde_json::from_str(&json)?,
        None => servq_desk::default_categories(),
    })
}

/// The routing rules and assignment strategy: as stored, else none (round-robin within the
/// team a ticket names).
pub async fn routing(store: &Store) -> anyhow::Result<servq_desk::Routing> {
    Ok(match store.text_setting(ROUTING_KEY).await? {
        Some(json) => serde_json::from_str(&json)?,
        None => servq_desk::Routing::default(),
    })
}

/// The routing's assignment strategy as the store's agent picker (the store calls it inside
/// the transaction that assigns, under the team's lock).
fn picker(
    routing: &servq_desk::Routing,
) -> impl Fn(&[(String, i64)], Option<&str>) -> Option<String> + Send + Sync + '_ {
    |load, last| routing.pick_agent(load, last).map(str::to_owned)
}

/// The business calendar as configured: as stored, else Monday–Friday 09:00–18:00 in the
/// centre's zone.
pub async fn calendar_spec(store: &Store) -> anyhow::Result<CalendarSpec> {
    Ok(match store.text_setting(CALENDAR_KEY).await? {
        Some(json) => serde_json::from_str(&json)?,
        None => CalendarSpec::office_hours(&store.centre_zone().await?),
    })
}

/// The SLA policy: as stored, else the standard one.
pub async fn sla_policy(store: &Store) -> anyhow::Result<SlaPolicy> {
    Ok(match store.text_setting(POLICY_KEY).await? {
        Some(json) => serde_json::from_str(&json)?,
        None => SlaPolicy::standard(),
    })
}

/// The centre's calendar (parsed) and SLA policy.
pub async fn desk_config(store: &Store) -> anyhow::Result<(BusinessCalendar, SlaPolicy)> {
    Ok((
        BusinessCalendar::new(&calendar_spec(store).await?)?,
        sla_policy(store).await?,
    ))
}

fn ms(at: Timestamp) -> i64 {
    at.as_millisecond()
}

/// A stored clock from a running `servq-desk` clock: its deadline and warning time computed on
/// the calendar.
pub fn clock_row(
    clock: &SlaClock,
    rule: &str,
    calendar: &BusinessCalendar,
    policy: &SlaPolicy,
) -> ClockRow {
    let since = clock.running_since;
    let warn_ms = since
        .zip(policy.warn_after_ms(clock.target_ms))
        .and_then(|(since, after)| {
            (after > clock.used_ms)
                .then(|| calendar.add_business_ms(since, after - clock.used_ms))
                .flatten()
                .map(ms)
        });
    ClockRow {
        metric: clock.metric.name().to_owned(),
        rule: rule.to_owned(),
        target_ms: clock.target_ms,
        used_ms: clock.used_ms,
        running_since: since.map(ms),
        due_ms: clock.due(calendar).map(ms),
        warn_ms,
        state: clock.state.name().to_owned(),
        breached: clock.breached,
        warned: false,
    }
}

/// A ticket to open.
#[derive(Debug, Clone, Deserialize)]
pub struct TicketRequest {
    /// after_sales, complaint or consult.
    #[serde(default = "consult")]
    pub ticket_type: String,
    /// Category.
    pub category: String,
    /// urgent, high, normal or low.
    #[serde(default = "normal")]
    pub priority: String,
    /// Subject.
    pub subject: String,
    /// Description.
    #[serde(default)]
    pub description: String,
    /// Customer.
    pub customer_id: String,
    /// Segment (e.g. VIP).
    #[serde(default)]
    pub segment: String,
    /// Channel.
    #[serde(default = "web")]
    pub channel: String,
    /// The contact it came from.
    #[serde(default)]
    pub contact_id: Option<String>,
    /// Team it is routed to.
    #[serde(default)]
    pub team: String,
}

fn consult() -> String {
    "consult".to_owned()
}
fn normal() -> String {
    "normal".to_owned()
}
fn web() -> String {
    "web".to_owned()
}

/// Settings key of the workflows (JSON, `servq_desk::Workflow` list).
pub const WORKFLOWS_KEY: &str = "desk.workflows";

/// The workflows of the ticket types: as stored, else the defaults (after-sales, complaint,
/// consult).
pub async fn workflows(store: &Store) -> anyhow::Result<Vec<Workflow>> {
    Ok(match store.text_setting(WORKFLOWS_KEY).await? {
        Some(json) => serde_json::from_str(&json)?,
        None => default_workflows(),
    })
}

/// The workflow of a ticket type.
pub fn find_workflow<'a>(workflows: &'a [Workflow], ticket_type: &str) -> Option<&'a Workflow> {
    workflows
        .iter()
        .find(|workflow| workflow.ticket_type == ticket_type)
}

/// A stage's name for people: the workflow's own name in the locale, else the catalogue's.
pub fn stage_label(
    locale: crate::i18n::Locale,
    workflows: &[Workflow],
    ticket_type: &str,
    stage: &str,
) -> String {
    find_workflow(workflows, ticket_type)
        .and_then(|workflow| workflow.stage_name(stage, locale.tag()))
        .map_or_else(
            || crate::i18n::t(locale, &format!("desk.stage_{stage}")),
            str::to_owned,
        )
}

/// A ticket type's name for people: the catalogue's, else its id (a type added by the centre).
pub fn type_label(locale: crate::i18n::Locale, ticket_type: &str) -> String {
    let key = format!("tickets.type_{ticket_type}");
    let name = crate::i18n::t(locale, &key);
    if name == key {
        ticket_type.to_owned()
    } else {
        name
    }
}

/// Checks workflows and stores them (new tickets and stage moves use them). Refused, with
/// every reason, when they cannot be used or drop a ticket type that stored tickets have.
pub async fn store_workflows(
    store: &Store,
    workflows: &[Workflow],
    actor: &Actor,
) -> Result<(), String> {
    let mut problems = servq_desk::check_workflows(workflows);
    let in_use = store
        .ticket_types()
        .await
        .map_err(|error| error.to_string())?;
    for ticket_type in in_use {
        if find_workflow(workflows, &ticket_type).is_none() {
            problems.push(format!(
                "ticket type '{ticket_type}' has tickets: keep its workflow"
            ));
        }
    }
    if !problems.is_empty() {
        return Err(problems.join("; "));
    }
    let json = serde_json::to_string(workflows).map_err(|error| error.to_string())?;
    store
        .set_text_setting(WORKFLOWS_KEY, &json, actor, now_ms())
        .await
        .map_err(|error| error.to_string())
}

/// How far an imported ticket got in the system it comes from: its status and when it was
/// first answered, resolved and closed. A new ticket has the default (open, nothing yet).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TicketHistory {
    /// open, resolved or closed.
    pub status: TicketStatus,
    /// First agent response.
    pub first_response: Option<Timestamp>,
    /// Resolved (required when resolved or closed).
    pub resolved: Option<Timestamp>,
    /// Closed (a closed ticket without it closed when it was resolved).
    pub closed: Option<Timestamp>,
}

impl Default for TicketHistory {
    fn default() -> Self {
        TicketHistory {
            status: TicketStatus::Open,
            first_response: None,
            resolved: None,
            closed: None,
        }
    }
}

impl TicketHistory {
    /// Every problem of an imported ticket's history, as (field, reason): the status must be
    /// open, resolved or closed; a resolved or closed ticket needs its resolution time and an
    /// open one has none; nothing happens before the ticket was created, and a ticket closes
    /// after it was resolved.
    pub fn problems(&self, created: Timestamp) -> Vec<(&'static str, String)> {
        let mut problems = Vec::new();
        let finished = matches!(self.status, TicketStatus::Resolved | TicketStatus::Closed);
        if self.status == TicketStatus::WaitingCustomer {
            problems.push((
                "status",
                "status 'waiting_customer' cannot be imported (open, resolved or closed)"
                    .to_owned(),
            ));
        }
        if finished && self.resolved.is_none() {
            problems.push((
                "resolved_at",
                format!("a {} ticket needs resolved_at", self.status.name()),
            ));
        }
        if !finished {
            for (field, value) in [("resolved_at", self.resolved), ("closed_at", self.closed)] {
                if value.is_some() {
                    problems.push((
                        field,
                        format!("an {} ticket has no {field}", self.status.name()),
                    ));
                }
            }
        }
        if self.status == TicketStatus::Resolved && self.closed.is_some() {
            problems.push((
                "closed_at",
                "a resolved ticket has no closed_at (status closed)".to_owned(),
            ));
        }
        for (field, value) in [
            ("first_response_at", self.first_response),
            ("resolved_at", self.resolved),
            ("closed_at", self.closed),
        ] {
            if value.is_some_and(|at| at < created) {
                problems.push((field, format!("{field} is before created_at")));
            }
        }
        if let (Some(resolved), Some(closed)) = (self.resolved, self.closed)
            && closed < resolved
        {
            problems.push(("closed_at", "closed_at is before resolved_at".to_owned()));
        }
        problems
    }

    /// The history with a closed ticket's closing time filled in (its resolution time).
    pub fn completed(mut self) -> TicketHistory {
        if self.status == TicketStatus::Closed && self.closed.is_none() {
            self.closed = self.resolved;
        }
        self
    }
}

/// What opening tickets needs from the store, read once (a file import opens many).
pub struct DeskSetup {
    tree: Vec<servq_desk::Category>,
    calendar: BusinessCalendar,
    policy: SlaPolicy,
    routing: servq_desk::Routing,
    workflows: Vec<Workflow>,
}

impl DeskSetup {
    /// The category tree, calendar, SLA policy and routing as stored.
    pub async fn load(store: &Store) -> anyhow::Result<DeskSetup> {
        let (calendar, policy) = desk_config(store).await?;
        Ok(DeskSetup {
            tree: categories(store).await?,
            calendar,
            policy,
            routing: routing(store).await?,
            workflows: workflows(store).await?,
        })
    }

    /// Every problem of a ticket request, as (field, reason).
    pub fn check(&self, request: &TicketRequest) -> Vec<(&'static str, String)> {
        let mut problems = Vec::new();
        if Priority::parse(&request.priority).is_none() {
            problems.push((
                "priority",
                format!(
                    "priority '{}' is not urgent, high, normal or low",
                    request.priority
                ),
            ));
        }
        if find_workflow(&self.workflows, &request.ticket_type).is_none() {
            problems.push((
                "ticket_type",
                format!(
                    "ticket_type '{}' is not {}",
                    request.ticket_type,
                    self.workflows
                        .iter()
                        .map(|w| w.ticket_type.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
        for (field, value) in [
            ("subject", &request.subject),
            ("category", &request.category),
            ("customer_id", &request.customer_id),
        ] {
            if value.trim().is_empty() {
                problems.push((field, format!("{field} is required")));
            }
        }
        if !request.category.trim().is_empty()
            && !servq_desk::contains_category(&self.tree, request.category.trim())
        {
            problems.push((
                "category",
                format!(
                    "category '{}' is not in the category tree (GET /api/v1/desk/categories)",
                    request.category.trim()
                ),
            ));
        }
        problems
    }

    /// The ticket to store for a checked request opened at `now`, with its started clocks and a
    /// new status token (returned: only its hash is stored). `team`/`assignee` are the routed
    /// ones (the store picks the agent when it writes the ticket). An imported ticket's `history` (checked with
    /// [`TicketHistory::problems`]) stops its clocks where they stopped in the system it comes
    /// from: first response at the first response (or the resolution), resolution and stage at
    /// the resolution, each met or breached on the calendar.
    pub fn prepare(
        &self,
        ticket_id: String,
        request: &TicketRequest,
        (team, assignee): (String, String),
        now: Timestamp,
        history: &TicketHistory,
    ) -> Result<(NewTicket, String), String> {
        if let Some((_, reason)) = self.check(request).into_iter().next() {
            return Err(reason);
        }
        let priority = Priority::parse(&request.priority).expect("checked");
        let workflow = find_workflow(&self.workflows, &request.ticket_type).expect("checked");
        let first_stage = &workflow.stages[0];
        let rule = self
            .policy
            .rule_for(priority, &request.category, &request.segment)
            .ok_or_else(|| "no SLA rule matches the ticket".to_owned())?;
        let mut sla_events = Vec::new();
        let mut clocks = Vec::new();
        for (metric, target_ms, rule_name, stops_at) in [
            (
                SlaMetric::FirstResponse,
                rule.target_ms(SlaMetric::FirstResponse),
                &rule.name,
                history.first_response.or(history.resolved),
            ),
            (
                SlaMetric::Resolution,
                rule.target_ms(SlaMetric::Resolution),
                &rule.name,
                history.resolved,
            ),
            (
                SlaMetric::Stage,
                i64::from(first_stage.limit_minutes) * 60_000,
                &first_stage.id,
                history.resolved,
            ),
        ] {
            let (mut clock, started) = SlaClock::start(metric, target_ms, now);
            sla_events.push((metric.name().to_owned(), started.name().to_owned(), ms(now)));
            if let Some(at) = stops_at {
                for event in clock.stop(&self.calendar, at) {
                    sla_events.push((metric.name().to_owned(), event.name().to_owned(), ms(at)));
                }
            }
            clocks.push(clock_row(&clock, rule_name, &self.calendar, &self.policy));
        }
        let finished = history.resolved.is_some();
        let stage = if finished {
            workflow.stages.last().unwrap_or(first_stage)
        } else {
            first_stage
        };
        let token = auth::new_token();
        Ok((
            NewTicket {
                ticket_id,
                ticket_type: request.ticket_type.clone(),
                category: request.category.trim().to_owned(),
                priority: priority.name().to_owned(),
                subject: request.subject.trim().to_owned(),
                description: request.description.clone(),
                customer_id: request.customer_id.trim().to_owned(),
                segment: request.segment.trim().to_owned(),
                channel: request.channel.trim().to_owned(),
                contact_id: request.contact_id.clone(),
                team,
                assignee,
                stage: stage.id.clone(),
                status: history.status.name().to_owned(),
                status_token_hash: auth::token_hash(&token),
                clocks,
                sla_events,
                first_response_ms: history.first_response.map(ms),
                resolved_ms: history.resolved.map(ms),
                closed_ms: history.closed.map(ms),
            },
            token,
        ))
    }

    /// The team of a request: its own, else the routing's.
    pub fn team_for(&self, request: &TicketRequest) -> String {
        if request.team.trim().is_empty() {
            self.routing
                .team_for(&request.category, &request.channel, &request.segment)
                .unwrap_or("")
                .to_owned()
        } else {
            request.team.trim().to_owned()
        }
    }
}

/// Opens a ticket at `now`: first-response, resolution and stage clocks start on the calendar
/// with the targets of the first matching SLA rule; routed to a team and assigned by the
/// routing (simultaneous tickets of a team take turns, however many servers run). Returns the
/// id and the status-page token (shown once: only its hash is stored).
pub async fn open_ticket(
    store: &Store,
    request: &TicketRequest,
    actor: &Actor,
    now: Timestamp,
) -> Result<(String, String), String> {
    let setup = DeskSetup::load(store).await.map_err(|e| e.to_string())?;
    let team = setup.team_for(request);
    let day = now
        .to_zoned(setup.calendar.zone().clone())
        .date()
        .strftime("%Y%m%d")
        .to_string();
    // the agent is picked inside the creating transaction, under the team's lock
    let pick = picker(&setup.routing);
    // 48 random bits a day: two tickets of one day share an id about once in 5 000 days at
    // 100 000 tickets a day; then the second draws again
    for _ in 0..3 {
        let ticket_id = format!("T{day}-{}", &auth::new_token()[..12]);
        let (ticket, token) = setup.prepare(
            ticket_id.clone(),
            request,
            (team.clone(), String::new()),
            now,
            &TicketHistory::default(),
        )?;
        match store
            .create_ticket(&ticket, actor, ms(now), Some(&pick))
            .await
        {
            Ok(_) => return Ok((ticket_id, token)),
            Err(error) => {
                let taken = store.ticket(&ticket_id).await.map_err(|e| e.to_string())?;
                if taken.is_none() {
                    return Err(error.to_string());
                }
            }
        }
    }
    Err("no free ticket id after three draws".to_owned())
}

/// One escalation pass at `now`: breaches and warnings fire once each; notifications wait for
/// the next business or duty moment of the calendar (no mail at night without night duty).
pub async fn escalate(store: &Store, now: Timestamp) -> anyhow::Result<EscalationPass> {
    let (calendar, _) = desk_config(store).await?;
    let notify_at = move |at: i64| {
        Timestamp::from_millisecond(at)
            .ok()
            .and_then(|t| calendar.next_staffed(t))
            .map_or(at, ms)
    };
    Ok(store.escalate_due(ms(now), 500, &notify_at).await?)
}

/// The time escalation passes run at: now, or the fixed instant in `SERVQ_ESCALATION_CLOCK`
/// (RFC 3339) — a test-controlled clock for running several real servers against one
/// database at a chosen moment.
pub fn escalation_clock() -> Timestamp {
    std::env::var("SERVQ_ESCALATION_CLOCK")
        .ok()
        .and_then(|text| text.parse().ok())
        .unwrap_or_else(Timestamp::now)
}

/// Runs [`escalate`] every minute until the process ends.
pub async fn escalation_loop(store: Store) {
    let mut ticks = tokio::time::interval(std::time::Duration::from_secs(60));
    loop {
        ticks.tick().await;
        match escalate(&store, escalation_clock()).await {
            Ok(pass) if pass.breaches + pass.warnings > 0 => tracing::info!(
                "SLA escalations: {} breaches, {} warnings",
                pass.breaches,
                pass.warnings
            ),
            Ok(_) => {}
            Err(error) => tracing::error!("SLA escalation failed: {error:#}"),
        }
        // keeps the ticket cube's change log short on a busy desk nobody reports on
        if let Err(error) = store.refresh_ticket_cube().await {
            tracing::error!("ticket KPI cube refresh failed: {error:#}");
        }
    }
}

/// `POST /api/v1/tickets`: opens a ticket with its SLA clocks.
#[utoipa::path(post, path = "/api/v1/tickets", tag = "desk",
    request_body = crate::openapi::NewTicketBody,
    responses((status = 201, body = crate::openapi::CreatedTicket),
        (status = 400, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 401, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 403, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 415, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 422, body = crate::openapi::Problem, content_type = "application/problem+json")))]
pub(crate) async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    body: Result<Json<TicketRequest>, JsonRejection>,
) -> Result<Response, Problem> {
    user.require(Permission::HandleTickets)?;
    user.check_csrf_header(&headers)?;
    let Json(request) = body?;
    let (id, token) = open_ticket(&state.store, &request, &user.actor(), Timestamp::now())
        .await
        .map_err(|detail| Problem::bad_request(user.locale, "bad_ticket", detail))?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"id": id, "status_token": token})),
    )
        .into_response())
}

#[derive(Deserialize)]
pub(crate) struct ListParams {
    status: Option<String>,
    limit: Option<i64>,
    offset: Option<i64>,
}

fn ticket_json(ticket: &servq_store::Ticket) -> Value {
    json!({
        "id": ticket.ticket_id, "type": ticket.ticket_type, "category": ticket.category,
        "priority": ticket.priority, "subject": ticket.subject, "customer_id": ticket.customer_id,
        "segment": ticket.segment, "channel": ticket.channel, "team": ticket.team,
        "assignee": ticket.assignee, "stage": ticket.stage, "status": ticket.status,
        "created_at": crate::rfc3339(ticket.created_ms),
        "first_response_at": ticket.first_response_ms.map(crate::rfc3339),
        "resolved_at": ticket.resolved_ms.map(crate::rfc3339),
    })
}

/// `GET /api/v1/tickets?status=&limit=&offset=`: newest first.
#[utoipa::path(get, path = "/api/v1/tickets", tag = "desk",
    params(("status" = Option<String>, Query, description = "open, waiting_customer, resolved or closed"),
        ("limit" = Option<i64>, Query, description = "1 to 500, default 50"),
        ("offset" = Option<i64>, Query, description = "default 0")),
    responses((status = 200, body = crate::openapi::TicketList),
        (status = 400, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 401, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 403, body = crate::openapi::Problem, content_type = "application/problem+json")))]
pub(crate) async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    params: Result<Query<ListParams>, QueryRejection>,
) -> Result<Json<Value>, Problem> {
    user.require(Permission::HandleTickets)?;
    let Query(params) = params?;
    let status = params
        .status
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    let tickets = state
        .store
        .tickets(
            status,
            params.limit.unwrap_or(50).clamp(1, 500),
            params.offset.unwrap_or(0).max(0),
        )
        .await
        .map_err(Problem::internal)?;
    Ok(Json(
        json!({"tickets": tickets.iter().map(ticket_json).collect::<Vec<_>>()}),
    ))
}

/// `GET /api/v1/tickets/{id}`: the ticket and its SLA clocks.
#[utoipa::path(get, path = "/api/v1/tickets/{id}", tag = "desk",
    params(("id" = String, Path, description = "Ticket id")),
    responses((status = 200, body = crate::openapi::TicketBody),
        (status = 401, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 403, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::openapi::Problem, content_type = "application/problem+json")))]
pub(crate) async fn one(
    State(state): State<AppState>,
    user: CurrentUser,
    id: Result<Path<String>, PathRejection>,
) -> Result<Json<Value>, Problem> {
    user.require(Permission::HandleTickets)?;
    let Path(id) = id?;
    ticket_detail(&state, &user, &id).await
}

/// A stored clock back as a `servq-desk` clock.
fn clock_of_row(row: &ClockRow) -> Option<SlaClock> {
    Some(SlaClock {
        metric: SlaMetric::parse(&row.metric)?,
        target_ms: row.target_ms,
        used_ms: row.used_ms,
        running_since: row
            .running_since
            .and_then(|ms| Timestamp::from_millisecond(ms).ok()),
        state: ClockState::parse(&row.state)?,
        breached: row.breached,
    })
}

/// Why a ticket change was refused.
#[derive(Debug)]
pub enum ChangeRefused {
    /// No such ticket.
    NotFound,
    /// The change does not fit (wrong status, unknown stage, complaint without return visit).
    Invalid(String),
    /// Someone changed the ticket meanwhile.
    Conflict,
    /// The database or the desk's settings failed.
    Failed(String),
}

impl From<servq_store::StoreError> for ChangeRefused {
    fn from(error: servq_store::StoreError) -> Self {
        ChangeRefused::Failed(error.to_string())
    }
}

/// The ticket `ticket_id`, or why a change to it cannot start.
async fn load_ticket(store: &Store, ticket_id: &str) -> Result<servq_store::Ticket, ChangeRefused> {
    store
        .ticket(ticket_id)
        .await?
        .ok_or(ChangeRefused::NotFound)
}

fn event_name(event: ClockEvent) -> &'static str {
    event.name()
}

/// Applies `action` to a ticket at `now`: the status moves, the clocks follow (servq-desk's
/// `transition`), and everything is stored in one transaction. A complaint closes only after
/// its return visit.
pub async fn act(
    store: &Store,
    ticket_id: &str,
    action: TicketAction,
    note: &str,
    actor: &Actor,
    now: Timestamp,
) -> Result<(), ChangeRefused> {
    let ticket = load_ticket(store, ticket_id).await?;
    let status = TicketStatus::parse(&ticket.status)
        .ok_or_else(|| ChangeRefused::Invalid(format!("unknown status {}", ticket.status)))?;
    let (next, ops) =
        transition(status, action).map_err(|e| ChangeRefused::Invalid(e.to_string()))?;
    if action == TicketAction::Close
        && ticket.ticket_type == "complaint"
        && store.return_visit(ticket_id).await?.is_none()
    {
        return Err(ChangeRefused::Invalid(
            "a complaint closes only after its return visit (回访) is recorded".to_owned(),
        ));
    }
    let (calendar, policy) = desk_config(store)
        .await
        .map_err(|e| ChangeRefused::Failed(e.to_string()))?;
    let rows = store.ticket_clocks(ticket_id).await?;
    let mut changed: Vec<ClockRow> = Vec::new();
    let mut events: Vec<(String, &'static str)> = Vec::new();
    for op in ops {
        let metric = match op {
            ClockOp::Start(m)
            | ClockOp::Stop(m)
            | ClockOp::Pause(m)
            | ClockOp::Resume(m)
            | ClockOp::Reopen(m) => m,
        };
        let stored = rows.iter().find(|row| row.metric == metric.name());
        let mut clock = stored.and_then(clock_of_row);
        let rule = stored.map_or_else(String::new, |row| row.rule.clone());
        let fired: Vec<ClockEvent> = match (op, clock.as_mut()) {
            (ClockOp::Start(_), _) => {
                let rule_for = policy.rule_for(
                    Priority::parse(&ticket.priority).unwrap_or(Priority::Normal),
                    &ticket.category,
                    &ticket.segment,
                );
                let Some(rule_for) = rule_for else { continue };
                let (fresh, started) = SlaClock::start(metric, rule_for.target_ms(metric), now);
                changed.push(clock_row(&fresh, &rule_for.name, &calendar, &policy));
                events.push((metric.name().to_owned(), event_name(started)));
                continue;
            }
            (_, None) => continue,
            (ClockOp::Stop(_), Some(clock)) => clock.stop(&calendar, now),
            (ClockOp::Pause(_), Some(clock)) => clock.pause(&calendar, now),
            (ClockOp::Resume(_), Some(clock)) => clock.resume(now).into_iter().collect(),
            (ClockOp::Reopen(_), Some(clock)) => clock.reopen(now).into_iter().collect(),
        };
        if fired.is_empty() {
            continue;
        }
        let clock = clock.expect("events come from a clock");
        let mut row = clock_row(&clock, &rule, &calendar, &policy);
        if let Some(stored) = stored {
            // a warning or breach already fired stays fired
            row.warned = stored.warned;
        }
        changed.push(row);
        events.extend(
            fired
                .into_iter()
                .map(|e| (metric.name().to_owned(), event_name(e))),
        );
    }
    let detail = if note.trim().is_empty() {
        action.name().to_owned()
    } else {
        format!("{}: {}", action.name(), note.trim())
    };
    let applied = store
        .apply_ticket_change(
            &TicketChange {
                ticket_id,
                from_status: status.name(),
                status: next.name(),
                stage: None,
                first_response: matches!(action, TicketAction::Reply | TicketAction::Resolve),
                resolved: match action {
                    TicketAction::Resolve => Some(true),
                    TicketAction::Reopen | TicketAction::CustomerReply
                        if status == TicketStatus::Resolved =>
                    {
                        Some(false)
                    }
                    _ => None,
                },
                closed: action == TicketAction::Close,
                clocks: &changed,
                sla_events: &events,
                event: (action.name(), &detail),
                public: !matches!(action, TicketAction::CustomerReply),
            },
            actor,
            now.as_millisecond(),
        )
        .await?;
    if applied {
        Ok(())
    } else {
        Err(ChangeRefused::Conflict)
    }
}

/// Moves a ticket to a stage of its workflow (the next one when `stage` is `None`): the stage
/// clock restarts with the new stage's limit.
pub async fn move_stage(
    store: &Store,
    ticket_id: &str,
    stage: Option<&str>,
    actor: &Actor,
    now: Timestamp,
) -> Result<String, ChangeRefused> {
    let ticket = load_ticket(store, ticket_id).await?;
    if matches!(ticket.status.as_str(), "resolved" | "closed") {
        return Err(ChangeRefused::Invalid(format!(
            "a {} ticket stays in its stage",
            ticket.status
        )));
    }
    let workflows = workflows(store)
        .await
        .map_err(|error| ChangeRefused::Failed(error.to_string()))?;
    let workflow = find_workflow(&workflows, &ticket.ticket_type)
        .ok_or_else(|| ChangeRefused::Invalid("no workflow for the ticket type".to_owned()))?;
    let target = match stage {
        Some(id) => workflow.stage(id).ok_or_else(|| {
            ChangeRefused::Invalid(format!(
                "'{id}' is not a stage of {}: {}",
                ticket.ticket_type,
                workflow
                    .stages
                    .iter()
                    .map(|s| s.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })?,
        None => workflow
            .next(&ticket.stage)
            .ok_or_else(|| ChangeRefused::Invalid(format!("{} is the last stage", ticket.stage)))?,
    };
    let (calendar, policy) = desk_config(store)
        .await
        .map_err(|e| ChangeRefused::Failed(e.to_string()))?;
    let mut events: Vec<(String, &'static str)> = Vec::new();
    let mut clocks = Vec::new();
    if let Some(mut old) = store
        .ticket_clocks(ticket_id)
        .await?
        .iter()
        .find(|row| row.metric == SlaMetric::Stage.name())
        .and_then(clock_of_row)
    {
        events.extend(
            old.stop(&calendar, now)
                .into_iter()
                .map(|e| (SlaMetric::Stage.name().to_owned(), event_name(e))),
        );
    }
    let (mut fresh, started) = SlaClock::start(
        SlaMetric::Stage,
        i64::from(target.limit_minutes) * 60_000,
        now,
    );
    if ticket.status == "waiting_customer" {
        fresh.pause(&calendar, now);
    }
    events.push((SlaMetric::Stage.name().to_owned(), event_name(started)));
    clocks.push(clock_row(&fresh, &target.id, &calendar, &policy));
    let applied = store
        .apply_ticket_change(
            &TicketChange {
                ticket_id,
                from_status: &ticket.status,
                status: &ticket.status,
                stage: Some(&target.id),
                first_response: false,
                resolved: None,
                closed: false,
                clocks: &clocks,
                sla_events: &events,
                event: ("stage", &target.id),
                public: true,
            },
            actor,
            now.as_millisecond(),
        )
        .await?;
    if applied {
        Ok(target.id.clone())
    } else {
        Err(ChangeRefused::Conflict)
    }
}

/// Records a complaint's return visit (outcome satisfied, unsatisfied or unreachable, and a
/// root-cause tag).
pub async fn return_visit(
    store: &Store,
    ticket_id: &str,
    outcome: &str,
    root_cause: &str,
    note: &str,
    actor: &Actor,
    now: Timestamp,
) -> Result<(), ChangeRefused> {
    let ticket = load_ticket(store, ticket_id).await?;
    if ticket.ticket_type != "complaint" {
        return Err(ChangeRefused::Invalid(
            "return visits are recorded on complaints".to_owned(),
        ));
    }
    if !["satisfied", "unsatisfied", "unreachable"].contains(&outcome) {
        return Err(ChangeRefused::Invalid(format!(
            "outcome '{outcome}' is not satisfied, unsatisfied or unreachable"
        )));
    }
    if root_cause.trim().is_empty() {
        return Err(ChangeRefused::Invalid("root_cause is required".to_owned()));
    }
    store
        .record_return_visit(
            ticket_id,
            &ReturnVisit {
                visited_ms: now.as_millisecond(),
                outcome: outcome.to_owned(),
                root_cause: root_cause.trim().to_owned(),
                note: note.trim().to_owned(),
                visited_by: actor.name.clone(),
            },
            actor,
            now.as_millisecond(),
        )
        .await?;
    Ok(())
}

fn refused(user: &CurrentUser, refused: ChangeRefused) -> Problem {
    match refused {
        ChangeRefused::NotFound => Problem::not_found(user.locale),
        ChangeRefused::Invalid(detail) => {
            Problem::bad_request(user.locale, "bad_ticket_change", detail)
        }
        ChangeRefused::Failed(detail) => Problem::internal(detail),
        ChangeRefused::Conflict => Problem::conflict(
            "ticket_changed",
            "the ticket changed meanwhile; reload it and try again".to_owned(),
        ),
    }
}

#[derive(Deserialize)]
pub(crate) struct ActionBody {
    action: String,
    #[serde(default)]
    note: String,
}

/// `POST /api/v1/tickets/{id}/actions` `{"action": "reply|customer_reply|wait_on_customer|resolve|close|reopen", "note": …}`.
#[utoipa::path(post, path = "/api/v1/tickets/{id}/actions", tag = "desk",
    params(("id" = String, Path, description = "Ticket id")),
    request_body = crate::openapi::TicketActionBody,
    responses((status = 200, body = crate::openapi::TicketBody),
        (status = 400, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 401, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 403, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 409, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 415, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 422, body = crate::openapi::Problem, content_type = "application/problem+json")))]
pub(crate) async fn action(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
    body: Result<Json<ActionBody>, JsonRejection>,
) -> Result<Json<Value>, Problem> {
    user.require(Permission::HandleTickets)?;
    user.check_csrf_header(&headers)?;
    let Path(id) = id?;
    let Json(body) = body?;
    let action = TicketAction::parse(body.action.trim()).ok_or_else(|| {
        Problem::bad_request(
            user.locale,
            "bad_ticket_change",
            format!(
                "action '{}' is not reply, customer_reply, wait_on_customer, resolve, close or reopen",
                body.action
            ),
        )
    })?;
    act(
        &state.store,
        &id,
        action,
        &body.note,
        &user.actor(),
        Timestamp::now(),
    )
    .await
    .map_err(|r| refused(&user, r))?;
    ticket_detail(&state, &user, &id).await
}

#[derive(Deserialize)]
pub(crate) struct StageBody {
    stage: Option<String>,
}

/// `POST /api/v1/tickets/{id}/stage` `{"stage": …}` (omit it for the next stage).
#[utoipa::path(post, path = "/api/v1/tickets/{id}/stage", tag = "desk",
    params(("id" = String, Path, description = "Ticket id")),
    request_body = crate::openapi::StageChangeBody,
    responses((status = 200, body = crate::openapi::TicketBody),
        (status = 400, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 401, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 403, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 409, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 415, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 422, body = crate::openapi::Problem, content_type = "application/problem+json")))]
pub(crate) async fn stage(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
    body: Result<Json<StageBody>, JsonRejection>,
) -> Result<Json<Value>, Problem> {
    user.require(Permission::HandleTickets)?;
    user.check_csrf_header(&headers)?;
    let Path(id) = id?;
    let Json(body) = body?;
    let stage = body
        .stage
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    move_stage(&state.store, &id, stage, &user.actor(), Timestamp::now())
        .await
        .map_err(|r| refused(&user, r))?;
    ticket_detail(&state, &user, &id).await
}

#[derive(Deserialize)]
pub(crate) struct VisitBody {
    outcome: String,
    root_cause: String,
    #[serde(default)]
    note: String,
}

/// `PUT /api/v1/tickets/{id}/return-visit` `{"outcome": "satisfied|unsatisfied|unreachable", "root_cause": …, "note": …}`.
#[utoipa::path(put, path = "/api/v1/tickets/{id}/return-visit", tag = "desk",
    params(("id" = String, Path, description = "Ticket id")),
    request_body = crate::openapi::ReturnVisitBody,
    responses((status = 200, body = crate::openapi::TicketBody),
        (status = 400, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 401, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 403, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 415, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 422, body = crate::openapi::Problem, content_type = "application/problem+json")))]
pub(crate) async fn visit(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
    body: Result<Json<VisitBody>, JsonRejection>,
) -> Result<Json<Value>, Problem> {
    user.require(Permission::HandleTickets)?;
    user.check_csrf_header(&headers)?;
    let Path(id) = id?;
    let Json(body) = body?;
    return_visit(
        &state.store,
        &id,
        body.outcome.trim(),
        &body.root_cause,
        &body.note,
        &user.actor(),
        Timestamp::now(),
    )
    .await
    .map_err(|r| refused(&user, r))?;
    ticket_detail(&state, &user, &id).await
}

/// A ticket with its clocks, history and return visit.
async fn ticket_detail(
    state: &AppState,
    user: &CurrentUser,
    id: &str,
) -> Result<Json<Value>, Problem> {
    let ticket = state
        .store
        .ticket(id)
        .await
        .map_err(Problem::internal)?
        .ok_or_else(|| Problem::not_found(user.locale))?;
    let clocks = state
        .store
        .ticket_clocks(id)
        .await
        .map_err(Problem::internal)?;
    let events = state
        .store
        .ticket_events(id)
        .await
        .map_err(Problem::internal)?;
    let visit = state
        .store
        .return_visit(id)
        .await
        .map_err(Problem::internal)?;
    let attachments = state
        .store
        .attachments(id)
        .await
        .map_err(Problem::internal)?;
    let mut body = ticket_json(&ticket);
    body["attachments"] = attachments.iter().map(|a| attachment_json(id, a)).collect();
    body["sla"] = clocks
        .iter()
        .map(|clock| {
            json!({
                "metric": clock.metric, "rule": clock.rule, "state": clock.state,
                "target_minutes": clock.target_ms / 60_000, "used_minutes": clock.used_ms / 60_000,
                "due_at": clock.due_ms.map(crate::rfc3339), "breached": clock.breached,
            })
        })
        .collect();
    body["history"] = events
        .iter()
        .map(|e| json!({"at": crate::rfc3339(e.at_ms), "actor": e.actor, "kind": e.kind, "detail": e.detail}))
        .collect();
    body["return_visit"] = visit.map_or(Value::Null, |v| {
        json!({"at": crate::rfc3339(v.visited_ms), "outcome": v.outcome, "root_cause": v.root_cause,
            "note": v.note, "by": v.visited_by})
    });
    Ok(Json(body))
}

/// `GET /t/{token}`: the customer's status page — no sign-in, the token (≥ 128 bits) is the
/// key: the stage, the next step, the expected time and the public history.
pub(crate) async fn status_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    token: Result<Path<String>, PathRejection>,
    lang: Result<Query<crate::surveys::LangParam>, QueryRejection>,
) -> Result<Response, Problem> {
    use crate::{i18n::t, pages::escape};
    let locale = crate::surveys::survey_locale(&headers, lang.as_ref().ok().and_then(|q| q.lang()));
    let label = |key: &str| escape(&t(locale, key));
    let ticket = match token {
        Ok(Path(token)) => state
            .store
            .ticket_by_token(&auth::token_hash(&token))
            .await
            .map_err(Problem::internal)?
            .map(|ticket| (token, ticket)),
        Err(_) => None,
    };
    let Some((token, ticket)) = ticket else {
        let title = t(locale, "desk.unknown_title");
        let body = format!(
            "<h1 id=\"notice\">{}</h1><p>{}</p>",
            escape(&title),
            label("desk.unknown")
        );
        return Ok((
            StatusCode::NOT_FOUND,
            axum::response::Html(crate::surveys::survey_html(locale, &title, "/t/", &body)),
        )
            .into_response());
    };
    let path = format!("/t/{}", crate::query_params::path_segment(&token));
    let clocks = state
        .store
        .ticket_clocks(&ticket.ticket_id)
        .await
        .map_err(Problem::internal)?;
    let (calendar, _) = desk_config(&state.store).await.map_err(Problem::internal)?;
    let when = |ms: i64| crate::desk_pages::local_time(calendar.zone(), Some(ms));
    let workflows = workflows(&state.store).await.map_err(Problem::internal)?;
    let next = find_workflow(&workflows, &ticket.ticket_type)
        .and_then(|w| w.next(&ticket.stage).map(|s| s.id.clone()));
    let stage_name =
        |stage: &str| escape(&stage_label(locale, &workflows, &ticket.ticket_type, stage));
    let expected = clocks
        .iter()
        .find(|c| c.metric == "resolution")
        .and_then(|c| c.due_ms);
    let mut body = format!(
        "<h1>{title}</h1><p id=\"ticket-id\">{id_label}: {id}</p><p>{subject}</p>\
         <dl id=\"status\"><dt>{status_label}</dt><dd id=\"ticket-status\" data-status=\"{status}\">{status_text}</dd>\
         <dt>{stage_label}</dt><dd id=\"ticket-stage\" data-stage=\"{stage}\">{stage_text}</dd>\
         <dt>{next_label}</dt><dd id=\"next-step\">{next_text}</dd>",
        title = label("desk.status_title"),
        id_label = label("desk.ticket"),
        id = escape(&ticket.ticket_id),
        subject = escape(&ticket.subject),
        status_label = label("desk.status"),
        status = escape(&ticket.status),
        status_text = label(&format!("desk.status_{}", ticket.status)),
        stage_label = label("desk.stage"),
        stage = escape(&ticket.stage),
        stage_text = stage_name(&ticket.stage),
        next_label = label("desk.next_step"),
        next_text = match (&next, ticket.status.as_str()) {
            (_, "resolved" | "closed") => label("desk.done"),
            (Some(next), _) => stage_name(next),
            (None, _) => label("desk.finishing"),
        },
    );
    if let (Some(due), "open" | "waiting_customer") = (expected, ticket.status.as_str()) {
        body.push_str(&format!(
            "<dt>{}</dt><dd id=\"expected\">{}</dd>",
            label("desk.expected"),
            escape(&when(due))
        ));
    }
    body.push_str(&format!(
        "</dl><h2>{}</h2><ol id=\"history\">",
        label("desk.history")
    ));
    for event in state
        .store
        .ticket_events(&ticket.ticket_id)
        .await
        .map_err(Problem::internal)?
        .iter()
        .filter(|e| e.public || e.kind == "created")
    {
        let text = match event.kind.as_str() {
            "stage" => label(&format!("desk.stage_{}", event.detail)),
            kind => label(&format!("desk.event_{kind}")),
        };
        body.push_str(&format!(
            "<li><time>{}</time> {}</li>",
            escape(&when(event.at_ms)),
            text
        ));
    }
    body.push_str("</ol>");
    let mut response = axum::response::Html(crate::surveys::survey_html(
        locale,
        &t(locale, "desk.status_title"),
        &path,
        &body,
    ))
    .into_response();
    response.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    Ok(response)
}

#[derive(Deserialize)]
pub(crate) struct KpiParams {
    from: Option<String>,
    to: Option<String>,
    by: Option<String>,
}

fn counters_json(key: Option<&str>, c: &servq_desk::TicketCounters) -> Value {
    json!({
        "key": key,
        "created": c.created, "resolved": c.resolved, "backlog": c.backlog,
        "aged_backlog": c.aged_backlog, "complaints": c.complaints,
        "first_response_seconds": servq_desk::first_response_seconds(c),
        "resolution_seconds": servq_desk::resolution_seconds(c),
        "resolution_rate": servq_desk::ticket_resolution_rate(c),
        "complaints_in_24h_rate": servq_desk::complaints_in_24h_rate(c),
        "sla_attainment": servq_desk::sla_attainment(c),
    })
}

/// `GET /api/v1/desk/kpi?from=&to=&by=team|category|priority|type|assignee|channel`: ticket
/// KPIs of the tickets created in the period (business-time response and resolution, SLA
/// attainment, complaints within 24 h) and the backlog at its end; the total also has the
/// complaint rate against the contacts offered.
#[utoipa::path(get, path = "/api/v1/desk/kpi", tag = "desk",
    params(("from" = Option<String>, Query, description = "First day (default: 7 days before yesterday)"),
        ("to" = Option<String>, Query, description = "Last day (default: yesterday)"),
        ("by" = Option<String>, Query, description = "team, category, priority, type, assignee or channel")),
    responses((status = 200, body = crate::openapi::TicketKpis),
        (status = 400, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 401, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 403, body = crate::openapi::Problem, content_type = "application/problem+json")))]
pub(crate) async fn kpi(
    State(state): State<AppState>,
    user: CurrentUser,
    params: Result<Query<KpiParams>, QueryRejection>,
) -> Result<Json<Value>, Problem> {
    use crate::query_params::{add_days, day_start_ms, parse_date, today};
    user.require(Permission::ViewAllKpis)?;
    let Query(params) = params?;
    let (_, zone) = state.centre_zone().await?;
    let given = |v: &Option<String>| v.clone().filter(|v| !v.trim().is_empty());
    let to = match given(&params.to) {
        Some(text) => parse_date(user.locale, &text)?,
        None => add_days(today(&zone), -1),
    };
    let from = match given(&params.from) {
        Some(text) => parse_date(user.locale, &text)?,
        None => add_days(to, -6),
    };
    let group = match given(&params.by) {
        None => None,
        Some(name) => Some(servq_store::TicketGroup::parse(&name).ok_or_else(|| {
            Problem::bad_request(
                user.locale,
                "unknown_group",
                format!("'{name}' is not team, category, priority, type, assignee or channel"),
            )
        })?),
    };
    let from_ms = day_start_ms(user.locale, &zone, from, 0)?;
    let to_ms = day_start_ms(user.locale, &zone, to, 1)?;
    let rows = state
        .store
        .ticket_counters(from_ms, to_ms, group, servq_desk::AGED_BACKLOG_MS)
        .await
        .map_err(Problem::internal)?;
    let total = state
        .store
        .ticket_totals(from_ms, to_ms, servq_desk::AGED_BACKLOG_MS)
        .await
        .map_err(Problem::internal)?;
    let offered = state
        .store
        .kpi(&servq_store::KpiQuery {
            group_by: Vec::new(),
            from_ms: Some(from_ms),
            to_ms: Some(to_ms),
            zone,
            filters: Vec::new(),
        })
        .await
        .map_err(Problem::internal)?
        .first()
        .map_or(0, |group| group.contacts.offered);
    let mut total_json = counters_json(None, &total);
    total_json["complaint_rate"] = json!(servq_desk::complaint_rate(&total, offered));
    total_json["contacts_offered"] = json!(offered);
    Ok(Json(json!({
        "from": from.to_string(), "to": to.to_string(),
        "group_by": group.map(|g| g.name()),
        "rows": if group.is_some() {
            rows.iter().map(|(key, c)| counters_json(key.as_deref(), c)).collect::<Vec<_>>()
        } else {
            Vec::new()
        },
        "total": total_json,
    })))
}

#[derive(Deserialize)]
pub(crate) struct NoteBody {
    text: String,
    #[serde(default = "internal_default")]
    internal: bool,
}

fn internal_default() -> bool {
    true
}

/// `POST /api/v1/tickets/{id}/notes` `{"text": …, "internal": true}`: a note in the history
/// (internal notes stay off the customer's status page).
#[utoipa::path(post, path = "/api/v1/tickets/{id}/notes", tag = "desk",
    params(("id" = String, Path, description = "Ticket id")),
    request_body = crate::openapi::NoteBody,
    responses((status = 200, body = crate::openapi::TicketBody),
        (status = 400, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 401, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 403, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 415, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 422, body = crate::openapi::Problem, content_type = "application/problem+json")))]
pub(crate) async fn note(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
    body: Result<Json<NoteBody>, JsonRejection>,
) -> Result<Json<Value>, Problem> {
    user.require(Permission::HandleTickets)?;
    user.check_csrf_header(&headers)?;
    let Path(id) = id?;
    let Json(body) = body?;
    let text = body.text.trim();
    if text.is_empty() || text.chars().count() > 10_000 {
        return Err(Problem::bad_request(
            user.locale,
            "bad_ticket_change",
            "a note needs 1 to 10 000 characters".to_owned(),
        ));
    }
    let added = state
        .store
        .add_ticket_note(&id, text, !body.internal, &user.actor(), now_ms())
        .await
        .map_err(Problem::internal)?;
    if !added {
        return Err(Problem::not_found(user.locale));
    }
    ticket_detail(&state, &user, &id).await
}

#[derive(Deserialize)]
pub(crate) struct TransferBody {
    team: String,
    #[serde(default)]
    assignee: String,
}

/// `POST /api/v1/tickets/{id}/transfer` `{"team": …, "assignee": …}`: to another team (skill
/// group or department) or agent, keeping the history and the SLA clocks; without an assignee
/// the team's assignment strategy picks one.
#[utoipa::path(post, path = "/api/v1/tickets/{id}/transfer", tag = "desk",
    params(("id" = String, Path, description = "Ticket id")),
    request_body = crate::openapi::TransferBody,
    responses((status = 200, body = crate::openapi::TicketBody),
        (status = 400, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 401, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 403, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 415, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 422, body = crate::openapi::Problem, content_type = "application/problem+json")))]
pub(crate) async fn transfer(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
    body: Result<Json<TransferBody>, JsonRejection>,
) -> Result<Json<Value>, Problem> {
    user.require(Permission::HandleTickets)?;
    user.check_csrf_header(&headers)?;
    let Path(id) = id?;
    let Json(body) = body?;
    let bad = |detail: String| Problem::bad_request(user.locale, "bad_ticket_change", detail);
    let team = body.team.trim();
    if team.is_empty() {
        return Err(bad("team is required".to_owned()));
    }
    let load = state
        .store
        .team_load(team)
        .await
        .map_err(Problem::internal)?;
    if load.is_empty() {
        return Err(bad(format!("team '{team}' has no agents in the roster")));
    }
    let assignee = body.assignee.trim();
    if !assignee.is_empty() && !load.iter().any(|(id, _)| id == assignee) {
        return Err(bad(format!("agent '{assignee}' is not in team '{team}'")));
    }
    let routing = routing(&state.store).await.map_err(Problem::internal)?;
    let pick = picker(&routing);
    state
        .store
        .assign_ticket(&id, team, assignee, Some(&pick), &user.actor(), now_ms())
        .await
        .map_err(Problem::internal)?
        .ok_or_else(|| Problem::not_found(user.locale))?;
    ticket_detail(&state, &user, &id).await
}

/// `GET /api/v1/desk/config`: the business calendar, the SLA policy and the routing.
#[utoipa::path(get, path = "/api/v1/desk/config", tag = "desk",
    responses((status = 200, body = crate::openapi::DeskConfig),
        (status = 401, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 403, body = crate::openapi::Problem, content_type = "application/problem+json")))]
pub(crate) async fn config(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Json<Value>, Problem> {
    user.require(Permission::HandleTickets)?;
    let calendar = calendar_spec(&state.store)
        .await
        .map_err(Problem::internal)?;
    let policy = sla_policy(&state.store).await.map_err(Problem::internal)?;
    let routing = routing(&state.store).await.map_err(Problem::internal)?;
    let workflows = workflows(&state.store).await.map_err(Problem::internal)?;
    Ok(Json(
        json!({"calendar": calendar, "policy": policy, "routing": routing, "workflows": workflows}),
    ))
}

#[derive(Deserialize)]
pub(crate) struct ConfigBody {
    calendar: Option<Value>,
    policy: Option<Value>,
    routing: Option<Value>,
    workflows: Option<Value>,
}

/// `PUT /api/v1/desk/config` `{"calendar"?, "policy"?, "routing"?, "workflows"?}`: each part
/// given is checked and stored (all or none); new and resumed clocks, new tickets and stage
/// moves use them.
#[utoipa::path(put, path = "/api/v1/desk/config", tag = "desk",
    request_body = crate::openapi::DeskConfig,
    responses((status = 200, body = crate::openapi::DeskConfig),
        (status = 400, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 401, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 403, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 415, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 422, body = crate::openapi::Problem, content_type = "application/problem+json")))]
pub(crate) async fn set_config(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    body: Result<Json<ConfigBody>, JsonRejection>,
) -> Result<Json<Value>, Problem> {
    user.require(Permission::ManageDesk)?;
    user.check_csrf_header(&headers)?;
    let Json(body) = body?;
    let bad = |part: &str, detail: String| {
        Problem::bad_request(user.locale, "bad_desk_config", format!("{part}: {detail}"))
    };
    let mut updates: Vec<(&str, String)> = Vec::new();
    if let Some(value) = body.calendar {
        let spec: CalendarSpec =
            serde_json::from_value(value).map_err(|e| bad("calendar", e.to_string()))?;
        BusinessCalendar::new(&spec).map_err(|e| bad("calendar", e.to_string()))?;
        updates.push((
            CALENDAR_KEY,
            serde_json::to_string(&spec).map_err(Problem::internal)?,
        ));
    }
    if let Some(value) = body.policy {
        let policy: SlaPolicy =
            serde_json::from_value(value).map_err(|e| bad("policy", e.to_string()))?;
        if policy.rules.is_empty() || policy.warn_at_percent > 100 {
            return Err(bad(
                "policy",
                "needs at least one rule and warn_at_percent from 0 to 100".to_owned(),
            ));
        }
        updates.push((
            POLICY_KEY,
            serde_json::to_string(&policy).map_err(Problem::internal)?,
        ));
    }
    if let Some(value) = body.routing {
        let routing: servq_desk::Routing =
            serde_json::from_value(value).map_err(|e| bad("routing", e.to_string()))?;
        if routing.rules.iter().any(|rule| rule.team.trim().is_empty()) {
            return Err(bad("routing", "every rule needs a team".to_owned()));
        }
        updates.push((
            ROUTING_KEY,
            serde_json::to_string(&routing).map_err(Problem::internal)?,
        ));
    }
    let workflows = body
        .workflows
        .map(|value| {
            serde_json::from_value::<Vec<Workflow>>(value)
                .map_err(|e| bad("workflows", e.to_string()))
        })
        .transpose()?;
    if let Some(workflows) = &workflows {
        store_workflows(&state.store, workflows, &user.actor())
            .await
            .map_err(|detail| bad("workflows", detail))?;
    }
    for (key, value) in updates {
        state
            .store
            .set_text_setting(key, &value, &user.actor(), now_ms())
            .await
            .map_err(Problem::internal)?;
    }
    config(State(state), user).await
}

/// Largest attachment accepted.
pub const MAX_ATTACHMENT_BYTES: usize = 10 * 1024 * 1024;

/// The type of a file from its first bytes (never from its name or the browser's claim).
pub fn sniff_content_type(data: &[u8]) -> &'static str {
    const SIGNATURES: &[(&[u8], &str)] = &[
        (b"\x89PNG\r\n\x1a\n", "image/png"),
        (b"\xff\xd8\xff", "image/jpeg"),
        (b"GIF87a", "image/gif"),
        (b"GIF89a", "image/gif"),
        (b"%PDF-", "application/pdf"),
        (b"PK\x03\x04", "application/zip"),
    ];
    SIGNATURES
        .iter()
        .find(|(magic, _)| data.starts_with(magic))
        .map(|(_, kind)| *kind)
        .unwrap_or_else(|| {
            if !data.contains(&0) && std::str::from_utf8(data).is_ok() {
                "text/plain"
            } else {
                "application/octet-stream"
            }
        })
}

/// `POST /api/v1/tickets/{id}/attachments` (multipart, field `file`, at most 10 MiB).
#[utoipa::path(post, path = "/api/v1/tickets/{id}/attachments", tag = "desk",
    params(("id" = String, Path, description = "Ticket id")),
    request_body(content = crate::openapi::AttachmentUpload, content_type = "multipart/form-data"),
    responses((status = 201, body = crate::openapi::AttachmentBody),
        (status = 400, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 401, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 403, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 413, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 415, body = crate::openapi::Problem, content_type = "application/problem+json")))]
pub(crate) async fn attach(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
    multipart: Result<axum::extract::Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Response, Problem> {
    user.require(Permission::HandleTickets)?;
    user.check_csrf_header(&headers)?;
    let Path(id) = id?;
    let mut multipart = multipart?;
    let too_large = || {
        Problem::too_large(format!(
            "attachments are limited to {MAX_ATTACHMENT_BYTES} bytes"
        ))
    };
    let read_error = |error: axum::extract::multipart::MultipartError| {
        if error.status() == StatusCode::PAYLOAD_TOO_LARGE {
            too_large()
        } else {
            Problem::rejected(error.status(), error.body_text())
        }
    };
    let mut upload: Option<(String, Vec<u8>)> = None;
    while let Some(mut field) = multipart.next_field().await.map_err(read_error)? {
        if field.name() != Some("file") {
            continue;
        }
        let name = crate::imports::clean_file_name(field.file_name().unwrap_or(""), "attachment");
        let mut data = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(read_error)? {
            if data.len() + chunk.len() > MAX_ATTACHMENT_BYTES {
                return Err(too_large());
            }
            data.extend_from_slice(&chunk);
        }
        upload = Some((name, data));
    }
    let Some((file_name, data)) = upload else {
        return Err(Problem::bad_request(
            user.locale,
            "file_required",
            "send the file in the multipart field 'file'".to_owned(),
        ));
    };
    if data.is_empty() {
        return Err(Problem::bad_request(
            user.locale,
            "file_required",
            "the file is empty".to_owned(),
        ));
    }
    use sha2::Digest;
    let attachment = servq_store::Attachment {
        attachment_id: auth::new_token()[..24].to_owned(),
        file_name,
        content_type: sniff_content_type(&data).to_owned(),
        size_bytes: data.len() as i64,
        sha256: hex::encode(sha2::Sha256::digest(&data)),
        uploaded_by: user.user.username.clone(),
        uploaded_ms: now_ms(),
    };
    let added = state
        .store
        .add_attachment(&id, &attachment, &data, &user.actor())
        .await
        .map_err(Problem::internal)?;
    if !added {
        return Err(Problem::not_found(user.locale));
    }
    Ok((StatusCode::CREATED, Json(attachment_json(&id, &attachment))).into_response())
}

fn attachment_json(ticket_id: &str, a: &servq_store::Attachment) -> Value {
    json!({
        "id": a.attachment_id, "file_name": a.file_name, "content_type": a.content_type,
        "size_bytes": a.size_bytes, "sha256": a.sha256, "uploaded_by": a.uploaded_by,
        "uploaded_at": crate::rfc3339(a.uploaded_ms),
        "url": format!("/api/v1/tickets/{}/attachments/{}",
            crate::query_params::path_segment(ticket_id), a.attachment_id),
    })
}

/// `GET /api/v1/tickets/{id}/attachments/{attachment}`: the file, always as a download
/// (`application/octet-stream`, `nosniff`, a sandboxing CSP), so a browser never renders it.
#[utoipa::path(get, path = "/api/v1/tickets/{id}/attachments/{attachment}", tag = "desk",
    params(("id" = String, Path, description = "Ticket id"),
        ("attachment" = String, Path, description = "Attachment id")),
    responses((status = 200, content_type = "application/octet-stream", body = Vec<u8>),
        (status = 401, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 403, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::openapi::Problem, content_type = "application/problem+json")))]
pub(crate) async fn download(
    State(state): State<AppState>,
    user: CurrentUser,
    ids: Result<Path<(String, String)>, PathRejection>,
) -> Result<Response, Problem> {
    user.require(Permission::HandleTickets)?;
    let Path((id, attachment_id)) = ids?;
    let (attachment, data) = state
        .store
        .attachment(&id, &attachment_id)
        .await
        .map_err(Problem::internal)?
        .ok_or_else(|| Problem::not_found(user.locale))?;
    let ascii: String = attachment
        .file_name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || ".-_".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    Ok((
        [
            (
                axum::http::header::CONTENT_TYPE,
                "application/octet-stream".to_owned(),
            ),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"{ascii}\"; filename*=UTF-8''{}",
                    crate::query_params::path_segment(&attachment.file_name)
                ),
            ),
            (
                axum::http::header::X_CONTENT_TYPE_OPTIONS,
                "nosniff".to_owned(),
            ),
            (
                axum::http::header::CONTENT_SECURITY_POLICY,
                "sandbox".to_owned(),
            ),
        ],
        data,
    )
        .into_response())
}

/// `GET /api/v1/desk/categories`: the category tree.
#[utoipa::path(get, path = "/api/v1/desk/categories", tag = "desk",
    responses((status = 200, body = crate::openapi::CategoryTree),
        (status = 401, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 403, body = crate::openapi::Problem, content_type = "application/problem+json")))]
pub(crate) async fn get_categories(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Json<Value>, Problem> {
    user.require(Permission::HandleTickets)?;
    let tree = categories(&state.store).await.map_err(Problem::internal)?;
    Ok(Json(json!({"categories": tree})))
}

#[derive(Deserialize)]
pub(crate) struct CategoriesBody {
    categories: Vec<servq_desk::Category>,
}

/// `PUT /api/v1/desk/categories` `{"categories": [...]}`: replaces the tree (checked first:
/// unique ids, names in every language, at most three levels). Tickets keep their category ids.
#[utoipa::path(put, path = "/api/v1/desk/categories", tag = "desk",
    request_body = crate::openapi::CategoryTree,
    responses((status = 200, body = crate::openapi::CategoryTree),
        (status = 400, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 401, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 403, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 415, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 422, body = crate::openapi::Problem, content_type = "application/problem+json")))]
pub(crate) async fn put_categories(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    body: Result<Json<CategoriesBody>, JsonRejection>,
) -> Result<Json<Value>, Problem> {
    user.require(Permission::ManageDesk)?;
    user.check_csrf_header(&headers)?;
    let Json(body) = body?;
    servq_desk::check_categories(&body.categories).map_err(|error| {
        Problem::bad_request(
            user.locale,
            "bad_desk_config",
            format!("categories: {error}"),
        )
    })?;
    state
        .store
        .set_text_setting(
            CATEGORIES_KEY,
            &serde_json::to_string(&body.categories).map_err(Problem::internal)?,
            &user.actor(),
            now_ms(),
        )
        .await
        .map_err(Problem::internal)?;
    Ok(Json(json!({"categories": body.categories})))
}
