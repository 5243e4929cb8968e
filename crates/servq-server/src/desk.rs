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
use servq_desk::{BusinessCalendar, CalendarSpec, Priority, SlaClock, SlaMetric, SlaPolicy};
use servq_store::{Actor, ClockRow, EscalationPass, NewTicket, Store};

use crate::{
    AppState, Problem,
    auth::{self, CurrentUser},
};

/// Settings key of the business calendar (JSON, `servq_desk::CalendarSpec`).
pub const CALENDAR_KEY: &str = "desk.calendar";
/// Settings key of the SLA policy (JSON, `servq_desk::SlaPolicy`).
pub const POLICY_KEY: &str = "desk.sla_policy";

/// The centre's calendar and SLA policy: as stored, else Monday–Friday 09:00–18:00 in the
/// centre's zone and the standard policy.
pub async fn desk_config(store: &Store) -> anyhow::Result<(BusinessCalendar, SlaPolicy)> {
    let spec = match store.text_setting(CALENDAR_KEY).await? {
        Some(json) => serde_json::from_str(&json)?,
        None => CalendarSpec::office_hours(&store.centre_zone().await?),
    };
    let policy = match store.text_setting(POLICY_KEY).await? {
        Some(json) => serde_json::from_str(&json)?,
        None => SlaPolicy::standard(),
    };
    Ok((BusinessCalendar::new(&spec)?, policy))
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

/// The ticket types and their first workflow stage.
pub const TICKET_TYPES: &[(&str, &str)] = &[
    ("after_sales", "reception"),
    ("complaint", "reception"),
    ("consult", "answering"),
];

/// Opens a ticket at `now`: first-response and resolution clocks start on the calendar with
/// the targets of the first matching SLA rule. Returns the id and the status-page token (shown
/// once: only its hash is stored).
pub async fn open_ticket(
    store: &Store,
    request: &TicketRequest,
    actor: &Actor,
    now: Timestamp,
) -> Result<(String, String), String> {
    let priority = Priority::parse(&request.priority).ok_or_else(|| {
        format!(
            "priority '{}' is not urgent, high, normal or low",
            request.priority
        )
    })?;
    let stage = TICKET_TYPES
        .iter()
        .find(|(name, _)| *name == request.ticket_type)
        .map(|(_, stage)| *stage)
        .ok_or_else(|| {
            format!(
                "ticket_type '{}' is not after_sales, complaint or consult",
                request.ticket_type
            )
        })?;
    for (field, value) in [
        ("subject", &request.subject),
        ("category", &request.category),
        ("customer_id", &request.customer_id),
    ] {
        if value.trim().is_empty() {
            return Err(format!("{field} is required"));
        }
    }
    let (calendar, policy) = desk_config(store).await.map_err(|e| e.to_string())?;
    let rule = policy
        .rule_for(priority, &request.category, &request.segment)
        .ok_or_else(|| "no SLA rule matches the ticket".to_owned())?;
    let clocks = [SlaMetric::FirstResponse, SlaMetric::Resolution]
        .into_iter()
        .map(|metric| {
            let (clock, _) = SlaClock::start(metric, rule.target_ms(metric), now);
            clock_row(&clock, &rule.name, &calendar, &policy)
        })
        .collect();
    let ticket_id = format!(
        "T{}-{}",
        now.to_zoned(calendar.zone().clone())
            .date()
            .strftime("%Y%m%d"),
        &auth::new_token()[..8]
    );
    let token = auth::new_token();
    store
        .create_ticket(
            &NewTicket {
                ticket_id: ticket_id.clone(),
                ticket_type: request.ticket_type.clone(),
                category: request.category.trim().to_owned(),
                priority: priority.name().to_owned(),
                subject: request.subject.trim().to_owned(),
                description: request.description.clone(),
                customer_id: request.customer_id.trim().to_owned(),
                segment: request.segment.trim().to_owned(),
                channel: request.channel.trim().to_owned(),
                contact_id: request.contact_id.clone(),
                team: request.team.trim().to_owned(),
                assignee: String::new(),
                stage: stage.to_owned(),
                status_token_hash: auth::token_hash(&token),
                clocks,
            },
            actor,
            ms(now),
        )
        .await
        .map_err(|e| e.to_string())?;
    Ok((ticket_id, token))
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

/// Runs [`escalate`] every minute until the process ends.
pub async fn escalation_loop(store: Store) {
    let mut ticks = tokio::time::interval(std::time::Duration::from_secs(60));
    loop {
        ticks.tick().await;
        match escalate(&store, Timestamp::now()).await {
            Ok(pass) if pass.breaches + pass.warnings > 0 => tracing::info!(
                "SLA escalations: {} breaches, {} warnings",
                pass.breaches,
                pass.warnings
            ),
            Ok(_) => {}
            Err(error) => tracing::error!("SLA escalation failed: {error:#}"),
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
    let ticket = state
        .store
        .ticket(&id)
        .await
        .map_err(Problem::internal)?
        .ok_or_else(|| Problem::not_found(user.locale))?;
    let clocks = state
        .store
        .ticket_clocks(&id)
        .await
        .map_err(Problem::internal)?;
    let mut body = ticket_json(&ticket);
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
    Ok(Json(body))
}
