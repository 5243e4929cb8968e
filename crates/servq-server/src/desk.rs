//! The service desk over HTTP: `POST/GET /api/v1/tickets`, `GET /api/v1/tickets/{id}`, ticket
//! actions, stage moves, notes, transfers, return visits, attachments, the desk's settings and
//! ticket KPIs, and the customer's status page. The rules and use cases are `servq_app::desk`.

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
use serde::{Deserialize, Serialize};
use serde_json::Value;
use servq_core::Permission;
use servq_core::{SettingProblem, SettingReason};
use servq_desk::{TicketAction, TicketStatus, Workflow};

use servq_app::desk::*;

use crate::{
    AppState, Problem,
    auth::{self, CurrentUser},
    i18n::{Locale, t},
    now_ms,
    pages::{Text, render},
    query_params::given,
};

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

/// `POST /api/v1/tickets` body (the wire form of `servq_app::desk::TicketRequest`).
#[derive(Deserialize, utoipa::ToSchema)]
pub(crate) struct NewTicketBody {
    /// after_sales, complaint or consult (default consult).
    #[serde(default = "consult")]
    #[schema(default = "consult", pattern = "^(after_sales|complaint|consult)$")]
    ticket_type: String,
    #[schema(min_length = 1, pattern = r"\S")]
    category: String,
    /// urgent, high, normal (default) or low.
    #[serde(default = "normal")]
    #[schema(default = "normal", pattern = "^(urgent|high|normal|low)$")]
    priority: String,
    #[schema(min_length = 1, pattern = r"\S")]
    subject: String,
    #[serde(default)]
    description: String,
    #[schema(min_length = 1, pattern = r"\S")]
    customer_id: String,
    /// Customer segment (e.g. VIP).
    #[serde(default)]
    segment: String,
    /// Default web.
    #[serde(default = "web")]
    #[schema(default = "web")]
    channel: String,
    /// The contact it came from.
    #[serde(default)]
    contact_id: Option<String>,
    /// Team it is routed to; empty: the routing picks.
    #[serde(default)]
    team: String,
    /// What the customer's status page shows instead of the subject (which may hold the desk's
    /// shorthand); empty (the default): "your request" with the ticket type.
    #[serde(default)]
    #[schema(max_length = 200)]
    public_summary: String,
}

fn consult() -> String {
    TicketRequest::DEFAULT_TYPE.to_owned()
}

fn normal() -> String {
    TicketRequest::DEFAULT_PRIORITY.name().to_owned()
}

fn web() -> String {
    TicketRequest::DEFAULT_CHANNEL.to_owned()
}

impl From<NewTicketBody> for TicketRequest {
    fn from(body: NewTicketBody) -> TicketRequest {
        TicketRequest {
            ticket_type: body.ticket_type,
            category: body.category,
            priority: body.priority,
            subject: body.subject,
            description: body.description,
            customer_id: body.customer_id,
            segment: body.segment,
            channel: body.channel,
            contact_id: body.contact_id,
            team: body.team,
        }
    }
}

/// A created ticket.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct CreatedTicket {
    id: String,
    /// For the customer's status page; shown once.
    status_token: String,
}

/// `POST /api/v1/tickets`: opens a ticket with its SLA clocks.
#[utoipa::path(post, path = "/api/v1/tickets", tag = "desk",
    request_body = NewTicketBody,
    responses((status = 201, body = CreatedTicket),
        (status = 400, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 415, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 422, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    body: Result<Json<NewTicketBody>, JsonRejection>,
) -> Result<(StatusCode, Json<CreatedTicket>), Problem> {
    user.require(Permission::HandleTickets)?;
    user.check_csrf_header(&headers)?;
    let Json(mut body) = body?;
    let public_summary = std::mem::take(&mut body.public_summary);
    let request = TicketRequest::from(body);
    let (id, token) = open_ticket_with_summary(
        &state.store,
        &request,
        &public_summary,
        &user.actor(),
        Timestamp::now(),
    )
    .await
    .map_err(|refused| open_refused(user.locale, refused))?;
    crate::notifications::notify_now(&state).await;
    Ok((
        StatusCode::CREATED,
        Json(CreatedTicket {
            id,
            status_token: token,
        }),
    ))
}

#[derive(Deserialize)]
pub(crate) struct ListParams {
    pub(crate) status: Option<String>,
    /// `true`: only open and waiting tickets.
    pub(crate) open: Option<bool>,
    /// An agent id, `me` (the user's own) or `none` (unassigned).
    pub(crate) assignee: Option<String>,
    pub(crate) team: Option<String>,
    #[serde(rename = "type")]
    pub(crate) ticket_type: Option<String>,
    pub(crate) priority: Option<String>,
    /// newest (default), due or priority.
    pub(crate) sort: Option<String>,
    pub(crate) limit: Option<i64>,
    pub(crate) offset: Option<i64>,
}

impl ListParams {
    /// The store's query; a value that names nothing is a 400 naming the parameter.
    pub(crate) fn query(
        &self,
        user: &CurrentUser,
        default_limit: i64,
    ) -> Result<servq_store::TicketListQuery, Problem> {
        let bad = |name: &str, value: &str| {
            Problem::bad_request(
                user.locale,
                "bad_filter",
                format!("{name} '{value}' is not one of the listed values"),
            )
            .with_message(user.locale, "bad_filter", &[("value", value)])
        };
        let status = match given(&self.status) {
            None => None,
            Some(name) => Some(TicketStatus::parse(&name).ok_or_else(|| bad("status", &name))?),
        };
        let priority = match given(&self.priority) {
            None => None,
            Some(name) => {
                Some(servq_desk::Priority::parse(&name).ok_or_else(|| bad("priority", &name))?)
            }
        };
        let sort = match given(&self.sort) {
            None => servq_store::TicketSort::default(),
            Some(name) => {
                servq_store::TicketSort::parse(&name).ok_or_else(|| bad("sort", &name))?
            }
        };
        let assignee = match given(&self.assignee).as_deref() {
            None => None,
            Some("me") => Some(user.user.agent_id.clone().unwrap_or_default()),
            Some("none") => Some(String::new()),
            Some(agent) => Some(agent.to_owned()),
        };
        Ok(servq_store::TicketListQuery {
            status,
            open_only: self.open.unwrap_or(false),
            assignee,
            team: given(&self.team).unwrap_or_default(),
            ticket_type: given(&self.ticket_type).unwrap_or_default(),
            priority,
            sort,
            offset: self.offset.unwrap_or(0).max(0),
            limit: self.limit.unwrap_or(default_limit).clamp(1, 500),
        })
    }
}

/// A ticket.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct TicketBody {
    id: String,
    /// The ticket type: after_sales, complaint, consult or one the centre added.
    #[serde(rename = "type")]
    kind: String,
    category: String,
    /// urgent, high, normal or low.
    priority: String,
    subject: String,
    /// What the customer asked, as they told it (never on the status page).
    description: String,
    customer_id: String,
    segment: String,
    channel: String,
    team: String,
    assignee: String,
    /// The workflow stage.
    stage: String,
    /// open, waiting_customer, resolved or closed.
    status: String,
    /// RFC 3339, UTC.
    created_at: String,
    first_response_at: Option<String>,
    resolved_at: Option<String>,
}

impl From<&servq_store::Ticket> for TicketBody {
    fn from(ticket: &servq_store::Ticket) -> TicketBody {
        TicketBody {
            id: ticket.ticket_id.clone(),
            kind: ticket.ticket_type.name().to_owned(),
            category: ticket.category.clone(),
            priority: ticket.priority.name().to_owned(),
            subject: ticket.subject.clone(),
            description: ticket.description.clone(),
            customer_id: ticket.customer_id.clone(),
            segment: ticket.segment.clone(),
            channel: ticket.channel.clone(),
            team: ticket.team.clone(),
            assignee: ticket.assignee.clone(),
            stage: ticket.stage.clone(),
            status: ticket.status.name().to_owned(),
            created_at: crate::rfc3339(ticket.created_ms),
            first_response_at: ticket.first_response_ms.map(crate::rfc3339),
            resolved_at: ticket.resolved_ms.map(crate::rfc3339),
        }
    }
}

/// `GET /api/v1/tickets`.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct TicketList {
    tickets: Vec<TicketBody>,
    /// Tickets matching the filters in all (for paging with offset).
    total: i64,
}

/// `GET /api/v1/tickets?status=&open=&assignee=&team=&type=&priority=&sort=&limit=&offset=`.
#[utoipa::path(get, path = "/api/v1/tickets", tag = "desk",
    params(("status" = Option<String>, Query, description = "open, waiting_customer, resolved or closed"),
        ("open" = Option<bool>, Query, description = "true: only open and waiting tickets"),
        ("assignee" = Option<String>, Query, description = "An agent id, `me` or `none` (unassigned)"),
        ("team" = Option<String>, Query, description = "A team"),
        ("type" = Option<String>, Query, description = "A ticket type"),
        ("priority" = Option<String>, Query, description = "low, normal, high or urgent"),
        ("sort" = Option<String>, Query, description = "newest (default), due (soonest SLA deadline first) or priority"),
        ("limit" = Option<i64>, Query, description = "1 to 500, default 50"),
        ("offset" = Option<i64>, Query, description = "default 0")),
    responses((status = 200, body = TicketList),
        (status = 400, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    params: Result<Query<ListParams>, QueryRejection>,
) -> Result<Json<TicketList>, Problem> {
    user.require(Permission::HandleTickets)?;
    let Query(params) = params?;
    let query = params.query(&user, 50)?;
    let page = state
        .store
        .ticket_list(&query)
        .await
        .map_err(Problem::internal)?;
    Ok(Json(TicketList {
        tickets: page
            .tickets
            .iter()
            .map(|listed| TicketBody::from(&listed.ticket))
            .collect(),
        total: page.total,
    }))
}

/// `GET /api/v1/tickets/{id}`: the ticket and its SLA clocks.
#[utoipa::path(get, path = "/api/v1/tickets/{id}", tag = "desk",
    params(("id" = String, Path, description = "Ticket id")),
    responses((status = 200, body = TicketDetail),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 404, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn one(
    State(state): State<AppState>,
    user: CurrentUser,
    id: Result<Path<String>, PathRejection>,
) -> Result<Json<TicketDetail>, Problem> {
    user.require(Permission::HandleTickets)?;
    let Path(id) = id?;
    ticket_detail(&state, &user, &id).await
}

/// A ticket that could not be opened: 400 `bad_ticket` naming the problems, or a store failure
/// as a logged 500 (the server's fault).
pub(crate) fn open_refused(locale: servq_app::i18n::Locale, refused: OpenRefused) -> Problem {
    match refused {
        OpenRefused::Invalid(_) => Problem::bad_request(locale, "bad_ticket", refused.to_string()),
        OpenRefused::Failed(error) => Problem::internal(format!("{error:#}")),
    }
}

fn refused(user: &CurrentUser, refused: ChangeRefused) -> Problem {
    match refused {
        ChangeRefused::NotFound => Problem::not_found(user.locale),
        ChangeRefused::Rule(rule) => {
            let stage = |id: &str| {
                let key = format!("desk.stage_{id}");
                let name = crate::i18n::t(user.locale, &key);
                if name == key { id.to_owned() } else { name }
            };
            let values: Vec<(&str, String)> = match &rule {
                DeskRule::ReturnVisitMissing => Vec::new(),
                DeskRule::NotInLastStage {
                    stage: current,
                    last,
                } => {
                    vec![("stage", stage(current)), ("last", stage(last))]
                }
                DeskRule::StageReasonRequired { from, to } => {
                    vec![("from", stage(from)), ("to", stage(to))]
                }
            };
            let values: Vec<(&str, &str)> = values.iter().map(|(k, v)| (*k, v.as_str())).collect();
            Problem::bad_request(user.locale, rule.code(), rule.to_string()).with_message(
                user.locale,
                rule.code(),
                &values,
            )
        }
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

/// `POST /api/v1/tickets/{id}/actions` body.
#[derive(Deserialize, utoipa::ToSchema)]
pub(crate) struct TicketActionBody {
    #[schema(pattern = "^(reply|customer_reply|wait_on_customer|resolve|close|reopen)$")]
    action: String,
    /// Default empty.
    #[serde(default)]
    note: String,
}

/// `POST /api/v1/tickets/{id}/actions` `{"action": "reply|customer_reply|wait_on_customer|resolve|close|reopen", "note": …}`.
#[utoipa::path(post, path = "/api/v1/tickets/{id}/actions", tag = "desk",
    params(("id" = String, Path, description = "Ticket id")),
    request_body = TicketActionBody,
    responses((status = 200, body = TicketDetail),
        (status = 400, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 404, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 409, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 415, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 422, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn action(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
    body: Result<Json<TicketActionBody>, JsonRejection>,
) -> Result<Json<TicketDetail>, Problem> {
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

/// `POST /api/v1/tickets/{id}/stage` body.
#[derive(Deserialize, utoipa::ToSchema)]
pub(crate) struct StageChangeBody {
    /// A stage of the ticket type's workflow; omitted: the next one.
    stage: Option<String>,
    /// Why stages are skipped or the ticket goes back; required then (400
    /// stage_reason_required), kept in the desk's history (not shown to the customer).
    #[serde(default)]
    reason: String,
}

/// `POST /api/v1/tickets/{id}/stage` `{"stage": …}` (omit it for the next stage).
#[utoipa::path(post, path = "/api/v1/tickets/{id}/stage", tag = "desk",
    params(("id" = String, Path, description = "Ticket id")),
    request_body = StageChangeBody,
    responses((status = 200, body = TicketDetail),
        (status = 400, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 404, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 409, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 415, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 422, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn stage(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
    body: Result<Json<StageChangeBody>, JsonRejection>,
) -> Result<Json<TicketDetail>, Problem> {
    user.require(Permission::HandleTickets)?;
    user.check_csrf_header(&headers)?;
    let Path(id) = id?;
    let Json(body) = body?;
    let stage = body
        .stage
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    move_stage(
        &state.store,
        &id,
        stage,
        &body.reason,
        &user.actor(),
        Timestamp::now(),
    )
    .await
    .map_err(|r| refused(&user, r))?;
    ticket_detail(&state, &user, &id).await
}

/// `PUT /api/v1/tickets/{id}/return-visit` body.
#[derive(Deserialize, utoipa::ToSchema)]
pub(crate) struct ReturnVisitBody {
    #[schema(pattern = "^(satisfied|unsatisfied|unreachable)$")]
    outcome: String,
    /// Root-cause tag.
    #[schema(min_length = 1, pattern = r"\S")]
    root_cause: String,
    /// Default empty.
    #[serde(default)]
    note: String,
}

/// `PUT /api/v1/tickets/{id}/return-visit` `{"outcome": "satisfied|unsatisfied|unreachable", "root_cause": …, "note": …}`.
#[utoipa::path(put, path = "/api/v1/tickets/{id}/return-visit", tag = "desk",
    params(("id" = String, Path, description = "Ticket id")),
    request_body = ReturnVisitBody,
    responses((status = 200, body = TicketDetail),
        (status = 400, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 404, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 415, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 422, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn visit(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
    body: Result<Json<ReturnVisitBody>, JsonRejection>,
) -> Result<Json<TicketDetail>, Problem> {
    user.require(Permission::HandleTickets)?;
    user.check_csrf_header(&headers)?;
    let Path(id) = id?;
    let Json(body) = body?;
    let outcome = servq_desk::ReturnVisitOutcome::parse(&body.outcome).ok_or_else(|| {
        Problem::bad_request(
            user.locale,
            "bad_ticket_change",
            format!(
                "outcome '{}' is not satisfied, unsatisfied or unreachable",
                body.outcome.trim()
            ),
        )
    })?;
    return_visit(
        &state.store,
        &id,
        outcome,
        &body.root_cause,
        &body.note,
        &user.actor(),
        Timestamp::now(),
    )
    .await
    .map_err(|r| refused(&user, r))?;
    ticket_detail(&state, &user, &id).await
}

/// A ticket with its attachments, SLA clocks, history and return visit.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct TicketDetail {
    #[serde(flatten)]
    ticket: TicketBody,
    attachments: Vec<AttachmentBody>,
    sla: Vec<TicketSlaClock>,
    history: Vec<TicketEventBody>,
    /// Complaints only, once the customer was visited; else null.
    return_visit: Option<TicketReturnVisit>,
}

/// One SLA clock of a ticket.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct TicketSlaClock {
    /// first_response, next_response, resolution or stage.
    metric: String,
    /// The SLA rule that set the target.
    rule: String,
    /// running, paused, met or breached.
    state: String,
    /// Business minutes.
    target_minutes: i64,
    /// Business minutes used before the current run.
    used_minutes: i64,
    /// RFC 3339, UTC; while running.
    due_at: Option<String>,
    breached: bool,
}

impl From<&servq_store::ClockRow> for TicketSlaClock {
    fn from(clock: &servq_store::ClockRow) -> TicketSlaClock {
        TicketSlaClock {
            metric: clock.metric.name().to_owned(),
            rule: clock.rule.clone(),
            state: clock.state.name().to_owned(),
            target_minutes: clock.target_ms / 60_000,
            used_minutes: clock.used_ms / 60_000,
            due_at: clock.due_ms.map(crate::rfc3339),
            breached: clock.breached,
        }
    }
}

/// One entry of a ticket's history.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct TicketEventBody {
    /// RFC 3339, UTC.
    at: String,
    actor: String,
    /// created, note, reply, status, stage, …
    kind: String,
    detail: String,
}

impl From<&servq_store::TicketEvent> for TicketEventBody {
    fn from(event: &servq_store::TicketEvent) -> TicketEventBody {
        TicketEventBody {
            at: crate::rfc3339(event.at_ms),
            actor: event.actor.clone(),
            kind: event.kind.clone(),
            detail: event.detail.clone(),
        }
    }
}

/// A complaint's return visit.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct TicketReturnVisit {
    /// RFC 3339, UTC.
    at: String,
    /// satisfied, unsatisfied or unreachable.
    outcome: String,
    root_cause: String,
    note: String,
    /// Who visited.
    by: String,
}

impl From<servq_store::ReturnVisit> for TicketReturnVisit {
    fn from(visit: servq_store::ReturnVisit) -> TicketReturnVisit {
        TicketReturnVisit {
            at: crate::rfc3339(visit.visited_ms),
            outcome: visit.outcome,
            root_cause: visit.root_cause,
            note: visit.note,
            by: visit.visited_by,
        }
    }
}

/// A ticket with its clocks, history and return visit.
async fn ticket_detail(
    state: &AppState,
    user: &CurrentUser,
    id: &str,
) -> Result<Json<TicketDetail>, Problem> {
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
    Ok(Json(TicketDetail {
        ticket: TicketBody::from(&ticket),
        attachments: attachments
            .iter()
            .map(|a| AttachmentBody::new(id, a))
            .collect(),
        sla: clocks.iter().map(TicketSlaClock::from).collect(),
        history: events.iter().map(TicketEventBody::from).collect(),
        return_visit: visit.map(TicketReturnVisit::from),
    }))
}

/// `GET /t/{token}?sent=1`: after a reply was taken (the language is `lang`, as on the
/// survey page).
#[derive(Deserialize)]
pub(crate) struct SentParam {
    sent: Option<String>,
}

/// `GET /t/{token}`: the customer's status page — no sign-in, the token (≥ 128 bits) is the
/// key: the centre's name, the public summary (never the desk's subject), the status, the
/// stage, the next step, the expected time, a reply form (not on a closed ticket) and the public
/// history.
pub(crate) async fn status_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    token: Result<Path<String>, PathRejection>,
    lang: Result<Query<crate::surveys::LangParam>, QueryRejection>,
    sent: Result<Query<SentParam>, QueryRejection>,
) -> Result<Response, Problem> {
    let locale = crate::surveys::survey_locale(&headers, lang.as_ref().ok().and_then(|q| q.lang()));
    let Some((token, ticket)) = ticket_of_token(&state, token).await? else {
        return unknown_status_page(&state, locale).await;
    };
    let notice = sent
        .ok()
        .and_then(|Query(sent)| sent.sent)
        .filter(|sent| !sent.is_empty())
        .map(|_| Notice {
            key: "desk.reply_thanks",
            error: false,
        });
    status_response(
        &state,
        locale,
        &token,
        ticket,
        StatusCode::OK,
        notice,
        String::new(),
    )
    .await
}

/// The ticket a status-page token opens, with the token.
async fn ticket_of_token(
    state: &AppState,
    token: Result<Path<String>, PathRejection>,
) -> Result<Option<(String, servq_store::Ticket)>, Problem> {
    let Ok(Path(token)) = token else {
        return Ok(None);
    };
    Ok(state
        .store
        .ticket_by_token(&auth::token_hash(&token))
        .await
        .map_err(Problem::internal)?
        .map(|ticket| (token, ticket)))
}

/// The name at the top of the customer's pages: the centre's (setting `centre.name`), else the
/// app's.
async fn centre_title(state: &AppState, locale: Locale) -> Result<String, Problem> {
    Ok(centre_name(&state.store)
        .await
        .map_err(Problem::internal)?
        .unwrap_or_else(|| t(locale, "app.name")))
}

/// A page of a ticket's status is never cached.
fn no_store(mut response: Response) -> Response {
    response.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    response
}

/// The page of a token that opens no ticket (404).
async fn unknown_status_page(state: &AppState, locale: Locale) -> Result<Response, Problem> {
    let page = TicketStatusPage {
        i18n: Text::new(locale),
        languages: Locale::ALL,
        title: t(locale, "desk.unknown_title"),
        path: "/t/".to_owned(),
        centre: centre_title(state, locale).await?,
        ticket: None,
        notice: None,
        reply: String::new(),
        max_reply_chars: MAX_CUSTOMER_REPLY_CHARS,
    };
    Ok(no_store(
        (StatusCode::NOT_FOUND, render(&page)?).into_response(),
    ))
}

/// The status page of `ticket` answered with `status`: a notice above it, and the reply being
/// written (kept when it was refused).
async fn status_response(
    state: &AppState,
    locale: Locale,
    token: &str,
    ticket: servq_store::Ticket,
    status: StatusCode,
    notice: Option<Notice>,
    reply: String,
) -> Result<Response, Problem> {
    let view = status_view(state, locale, ticket).await?;
    let page = TicketStatusPage {
        i18n: Text::new(locale),
        languages: Locale::ALL,
        title: t(locale, "desk.status_title"),
        path: format!("/t/{}", crate::query_params::path_segment(token)),
        centre: centre_title(state, locale).await?,
        ticket: Some(view),
        notice,
        reply,
        max_reply_chars: MAX_CUSTOMER_REPLY_CHARS,
    };
    Ok(no_store((status, render(&page)?).into_response()))
}

/// What the customer sees of `ticket`.
async fn status_view(
    state: &AppState,
    locale: Locale,
    ticket: servq_store::Ticket,
) -> Result<TicketStatusView, Problem> {
    let clocks = state
        .store
        .ticket_clocks(&ticket.ticket_id)
        .await
        .map_err(Problem::internal)?;
    let (calendar, _) = desk_config(&state.store).await.map_err(Problem::internal)?;
    let when = |ms: i64| crate::desk_pages::local_time(calendar.zone(), Some(ms));
    let workflows = workflows(&state.store).await.map_err(Problem::internal)?;
    let next = find_workflow(&workflows, ticket.ticket_type.name())
        .and_then(|w| w.next(&ticket.stage).map(|s| s.id.clone()));
    let stage_name =
        |stage: &str| stage_label(locale, &workflows, ticket.ticket_type.name(), stage);
    let expected = clocks
        .iter()
        .find(|c| c.metric == servq_desk::SlaMetric::Resolution)
        .and_then(|c| c.due_ms)
        .filter(|_| ticket.status.is_unresolved())
        .map(when);
    let history = state
        .store
        .ticket_events(&ticket.ticket_id)
        .await
        .map_err(Problem::internal)?
        .iter()
        // the customer's replies are listed too, by name only (never their text)
        .filter(|e| e.public || e.kind == "created" || e.kind == "customer_reply")
        .map(|event| {
            let key = match event.kind.as_str() {
                "stage" => format!("desk.stage_{}", event.detail),
                kind => format!("desk.event_{kind}"),
            };
            (when(event.at_ms), key)
        })
        .collect();
    // the desk's subject may hold its shorthand: the customer sees the public summary, or
    // "your request" with the type
    let summary = match ticket.public_summary.trim() {
        "" => t(locale, "desk.summary_default")
            .replace("{type}", &type_label(locale, ticket.ticket_type.name())),
        summary => summary.to_owned(),
    };
    Ok(TicketStatusView {
        next_step: match (&next, ticket.status) {
            (_, TicketStatus::Resolved | TicketStatus::Closed) => t(locale, "desk.done"),
            (Some(next), _) => stage_name(next),
            (None, _) => t(locale, "desk.finishing"),
        },
        stage_name: stage_name(&ticket.stage),
        expected,
        history,
        summary,
        can_reply: ticket.status != TicketStatus::Closed,
        ticket_id: ticket.ticket_id,
        status: ticket.status,
        stage: ticket.stage,
    })
}

/// What the customer sees of a ticket.
struct TicketStatusView {
    ticket_id: String,
    /// The public summary, else "your request" with the type: never the desk's subject.
    summary: String,
    status: TicketStatus,
    stage: String,
    stage_name: String,
    next_step: String,
    expected: Option<String>,
    /// (local time, catalogue key) of each public event.
    history: Vec<(String, String)>,
    /// Whether the customer can reply (every status but closed).
    can_reply: bool,
}

/// A notice above the status page: the text of `key`, an error or a confirmation.
struct Notice {
    key: &'static str,
    error: bool,
}

impl Notice {
    fn error(key: &'static str) -> Notice {
        Notice { key, error: true }
    }
}

#[derive(askama::Template)]
#[template(path = "ticket_status.html")]
struct TicketStatusPage {
    i18n: Text,
    languages: [Locale; 3],
    title: String,
    path: String,
    /// The centre's name, at the top.
    centre: String,
    ticket: Option<TicketStatusView>,
    notice: Option<Notice>,
    /// The reply being written: kept when it was refused.
    reply: String,
    max_reply_chars: usize,
}

#[derive(Deserialize)]
pub(crate) struct KpiParams {
    from: Option<String>,
    to: Option<String>,
    by: Option<String>,
}

/// Ticket KPIs of a group.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct TicketKpiRow {
    /// The group's value; null for the total.
    key: Option<String>,
    created: i64,
    resolved: i64,
    backlog: i64,
    aged_backlog: i64,
    complaints: i64,
    first_response_seconds: Option<f64>,
    resolution_seconds: Option<f64>,
    resolution_rate: Option<f64>,
    complaints_in_24h_rate: Option<f64>,
    sla_attainment: Option<f64>,
}

impl TicketKpiRow {
    fn new(key: Option<&str>, c: &servq_desk::TicketCounters) -> TicketKpiRow {
        TicketKpiRow {
            key: key.map(str::to_owned),
            created: c.created,
            resolved: c.resolved,
            backlog: c.backlog,
            aged_backlog: c.aged_backlog,
            complaints: c.complaints,
            first_response_seconds: servq_desk::first_response_seconds(c),
            resolution_seconds: servq_desk::resolution_seconds(c),
            resolution_rate: servq_desk::ticket_resolution_rate(c),
            complaints_in_24h_rate: servq_desk::complaints_in_24h_rate(c),
            sla_attainment: servq_desk::sla_attainment(c),
        }
    }
}

/// The ticket KPIs of every ticket of the period, with the complaint rate.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct TicketKpiTotal {
    #[serde(flatten)]
    counters: TicketKpiRow,
    /// Complaints per contact offered.
    complaint_rate: Option<f64>,
    contacts_offered: i64,
}

/// `GET /api/v1/desk/kpi`.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct TicketKpis {
    /// YYYY-MM-DD.
    from: String,
    /// YYYY-MM-DD.
    to: String,
    group_by: Option<String>,
    /// One per group; empty without `by`.
    rows: Vec<TicketKpiRow>,
    total: TicketKpiTotal,
}

/// `GET /api/v1/desk/kpi?from=&to=&by=team|category|priority|type|assignee|channel`: ticket
/// KPIs of the tickets created in the period (business-time response and resolution, SLA
/// attainment, complaints within 24 h) and the backlog at its end; the total also has the
/// complaint rate against the contacts offered.
#[utoipa::path(get, path = "/api/v1/desk/kpi", tag = "desk",
    params(("from" = Option<String>, Query, description = "First day (default: 7 days before yesterday)"),
        ("to" = Option<String>, Query, description = "Last day (default: yesterday)"),
        ("by" = Option<String>, Query, description = "team, category, priority, type, assignee or channel")),
    responses((status = 200, body = TicketKpis),
        (status = 400, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn kpi(
    State(state): State<AppState>,
    user: CurrentUser,
    params: Result<Query<KpiParams>, QueryRejection>,
) -> Result<Json<TicketKpis>, Problem> {
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
    Ok(Json(TicketKpis {
        from: from.to_string(),
        to: to.to_string(),
        group_by: group.map(|g| g.name().to_owned()),
        rows: if group.is_some() {
            rows.iter()
                .map(|(key, c)| TicketKpiRow::new(key.as_deref(), c))
                .collect()
        } else {
            Vec::new()
        },
        total: TicketKpiTotal {
            counters: TicketKpiRow::new(None, &total),
            complaint_rate: servq_desk::complaint_rate(&total, offered),
            contacts_offered: offered,
        },
    }))
}

/// `POST /api/v1/tickets/{id}/notes` body.
#[derive(Deserialize, utoipa::ToSchema)]
pub(crate) struct NoteBody {
    #[schema(min_length = 1, max_length = 10000, pattern = r"\S")]
    text: String,
    /// Default true: not shown on the status page.
    #[serde(default = "internal_default")]
    #[schema(default = true)]
    internal: bool,
}

fn internal_default() -> bool {
    true
}

/// `POST /api/v1/tickets/{id}/notes` `{"text": …, "internal": true}`: a note in the history
/// (internal notes stay off the customer's status page).
#[utoipa::path(post, path = "/api/v1/tickets/{id}/notes", tag = "desk",
    params(("id" = String, Path, description = "Ticket id")),
    request_body = NoteBody,
    responses((status = 200, body = TicketDetail),
        (status = 400, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 404, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 415, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 422, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn note(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
    body: Result<Json<NoteBody>, JsonRejection>,
) -> Result<Json<TicketDetail>, Problem> {
    user.require(Permission::HandleTickets)?;
    user.check_csrf_header(&headers)?;
    let Path(id) = id?;
    let Json(body) = body?;
    add_note(&state.store, &id, &body.text, body.internal, &user.actor())
        .await
        .map_err(|r| refused(&user, r))?;
    ticket_detail(&state, &user, &id).await
}

/// `POST /api/v1/tickets/{id}/transfer` body.
#[derive(Deserialize, utoipa::ToSchema)]
pub(crate) struct TransferBody {
    #[schema(min_length = 1, pattern = r"\S")]
    team: String,
    /// An agent of the team; empty (the default): the team's assignment strategy picks.
    #[serde(default)]
    assignee: String,
}

/// `POST /api/v1/tickets/{id}/transfer` `{"team": …, "assignee": …}`: to another team (skill
/// group or department) or agent, keeping the history and the SLA clocks; without an assignee
/// the team's assignment strategy picks one.
#[utoipa::path(post, path = "/api/v1/tickets/{id}/transfer", tag = "desk",
    params(("id" = String, Path, description = "Ticket id")),
    request_body = TransferBody,
    responses((status = 200, body = TicketDetail),
        (status = 400, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 404, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 415, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 422, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn transfer(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
    body: Result<Json<TransferBody>, JsonRejection>,
) -> Result<Json<TicketDetail>, Problem> {
    user.require(Permission::HandleTickets)?;
    user.check_csrf_header(&headers)?;
    let Path(id) = id?;
    let Json(body) = body?;
    servq_app::desk::transfer(&state.store, &id, &body.team, &body.assignee, &user.actor())
        .await
        .map_err(|r| refused(&user, r))?;
    crate::notifications::notify_now(&state).await;
    ticket_detail(&state, &user, &id).await
}

/// The desk's configuration (docs/desk.md).
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct DeskConfig {
    /// time_zone, week (7 lists of "HH:MM-HH:MM"), holidays, workdays, duty.
    #[schema(value_type = Object)]
    calendar: Value,
    /// rules (name, priorities, categories, segments, first_response_minutes,
    /// next_response_minutes, resolution_minutes) and warn_at_percent.
    #[schema(value_type = Object)]
    policy: Value,
    /// rules (categories, channels, segments, team) and assignment (round_robin,
    /// least_loaded, none).
    #[schema(value_type = Object)]
    routing: Value,
    /// One per ticket type: ticket_type and stages (id, limit_minutes, names by locale —
    /// required for stages the catalogue does not name).
    #[schema(value_type = Vec<Object>)]
    workflows: Value,
}

/// `PUT /api/v1/desk/config` body: the parts to replace (docs/desk.md), each read and checked
/// on its own so that a malformed part is named; a part omitted or null stays as it is.
#[derive(Deserialize, utoipa::ToSchema)]
pub(crate) struct DeskConfigUpdate {
    /// time_zone, week (7 lists of "HH:MM-HH:MM"), holidays, workdays, duty.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    calendar: Option<Value>,
    /// rules (name, priorities, categories, segments, first_response_minutes,
    /// next_response_minutes, resolution_minutes) and warn_at_percent.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    policy: Option<Value>,
    /// rules (categories, channels, segments, team) and assignment (round_robin,
    /// least_loaded, none).
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    routing: Option<Value>,
    /// One per ticket type: ticket_type and stages (id, limit_minutes, names by locale —
    /// required for stages the catalogue does not name).
    #[serde(default)]
    #[schema(value_type = Option<Vec<Object>>)]
    workflows: Option<Value>,
}

/// A stored setting as JSON (serializing it does not fail; if it did, a logged 500).
fn setting_json<T: Serialize>(setting: &T) -> Result<Value, Problem> {
    serde_json::to_value(setting).map_err(Problem::internal)
}

/// `GET /api/v1/desk/config`: the business calendar, the SLA policy and the routing.
#[utoipa::path(get, path = "/api/v1/desk/config", tag = "desk",
    responses((status = 200, body = DeskConfig),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn config(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Json<DeskConfig>, Problem> {
    user.require(Permission::HandleTickets)?;
    let calendar = calendar_spec(&state.store)
        .await
        .map_err(Problem::internal)?;
    let policy = sla_policy(&state.store).await.map_err(Problem::internal)?;
    let routing = routing(&state.store).await.map_err(Problem::internal)?;
    let workflows = workflows(&state.store).await.map_err(Problem::internal)?;
    Ok(Json(DeskConfig {
        calendar: setting_json(&calendar)?,
        policy: setting_json(&policy)?,
        routing: setting_json(&routing)?,
        workflows: setting_json(&workflows)?,
    }))
}

/// `PUT /api/v1/desk/config` `{"calendar"?, "policy"?, "routing"?, "workflows"?}`: each part
/// given is checked and stored (all or none); new and resumed clocks, new tickets and stage
/// moves use them.
#[utoipa::path(put, path = "/api/v1/desk/config", tag = "desk",
    request_body = DeskConfigUpdate,
    responses((status = 200, body = DeskConfig),
        (status = 400, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 415, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 422, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn set_config(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    body: Result<Json<DeskConfigUpdate>, JsonRejection>,
) -> Result<Json<DeskConfig>, Problem> {
    user.require(Permission::ManageDesk)?;
    user.check_csrf_header(&headers)?;
    let Json(body) = body?;
    // each part is read on its own so that a malformed part is named
    let mut update = DeskSettingsUpdate::default();
    let mut problems: Vec<SettingProblem> = Vec::new();
    fn part<T: serde::de::DeserializeOwned>(
        value: Option<Value>,
        name: &'static str,
        problems: &mut Vec<SettingProblem>,
    ) -> Option<T> {
        // an omitted part and a null one are both None here
        serde_json::from_value(value?)
            .map_err(|error| {
                problems.push(SettingProblem::new(
                    name,
                    SettingReason::Other(error.to_string()),
                ))
            })
            .ok()
    }
    update.calendar = part(body.calendar, "calendar", &mut problems);
    update.policy = part(body.policy, "policy", &mut problems);
    update.routing = part(body.routing, "routing", &mut problems);
    update.workflows = part(body.workflows, "workflows", &mut problems);
    if !problems.is_empty() {
        return Err(settings_refused(&user, SettingsRefused::Invalid(problems)));
    }
    save_settings(&state.store, &update, &user.actor())
        .await
        .map_err(|refused| settings_refused(&user, refused))?;
    config(State(state), user).await
}

/// A refused settings change as a problem document: the request's fault is a 400 naming every
/// problem, a store failure a logged 500.
fn settings_refused(user: &CurrentUser, refused: SettingsRefused) -> Problem {
    match refused {
        SettingsRefused::Invalid(problems) => {
            Problem::invalid_fields(user.locale, "bad_desk_config", &problems)
        }
        SettingsRefused::Failed(error) => Problem::internal(format!("{error:#}")),
    }
}

pub use servq_app::desk::{MAX_ATTACHMENT_BYTES, sniff_content_type};

/// `POST /api/v1/tickets/{id}/attachments` form (only documents the multipart body).
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct AttachmentUpload {
    /// The file, at most 10 MiB.
    #[schema(value_type = String, format = Binary)]
    file: String,
}

/// A stored attachment.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct AttachmentBody {
    id: String,
    file_name: String,
    /// Recognised from the first bytes.
    content_type: String,
    size_bytes: i64,
    /// Hex.
    sha256: String,
    uploaded_by: String,
    /// RFC 3339, UTC.
    uploaded_at: String,
    /// Where to download it.
    url: String,
}

impl AttachmentBody {
    fn new(ticket_id: &str, a: &servq_store::Attachment) -> AttachmentBody {
        AttachmentBody {
            id: a.attachment_id.clone(),
            file_name: a.file_name.clone(),
            content_type: a.content_type.clone(),
            size_bytes: a.size_bytes,
            sha256: a.sha256.clone(),
            uploaded_by: a.uploaded_by.clone(),
            uploaded_at: crate::rfc3339(a.uploaded_ms),
            url: format!(
                "/api/v1/tickets/{}/attachments/{}",
                crate::query_params::path_segment(ticket_id),
                a.attachment_id
            ),
        }
    }
}

/// `POST /api/v1/tickets/{id}/attachments` (multipart, field `file`, at most 10 MiB).
#[utoipa::path(post, path = "/api/v1/tickets/{id}/attachments", tag = "desk",
    params(("id" = String, Path, description = "Ticket id")),
    request_body(content = AttachmentUpload, content_type = "multipart/form-data"),
    responses((status = 201, body = AttachmentBody),
        (status = 400, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 404, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 413, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 415, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn attach(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
    multipart: Result<axum::extract::Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<(StatusCode, Json<AttachmentBody>), Problem> {
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
        let name = servq_app::desk::clean_file_name(field.file_name().unwrap_or(""), "attachment");
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
    let attachment = servq_app::desk::attachment(file_name, &data, &user.user.username, now_ms());
    let added = state
        .store
        .add_attachment(&id, &attachment, &data, &user.actor())
        .await
        .map_err(Problem::internal)?;
    if !added {
        return Err(Problem::not_found(user.locale));
    }
    Ok((
        StatusCode::CREATED,
        Json(AttachmentBody::new(&id, &attachment)),
    ))
}

/// `GET /api/v1/tickets/{id}/attachments/{attachment}`: the file, always as a download
/// (`application/octet-stream`, `nosniff`, a sandboxing CSP), so a browser never renders it.
#[utoipa::path(get, path = "/api/v1/tickets/{id}/attachments/{attachment}", tag = "desk",
    params(("id" = String, Path, description = "Ticket id"),
        ("attachment" = String, Path, description = "Attachment id")),
    responses((status = 200, content_type = "application/octet-stream", body = Vec<u8>),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 404, body = crate::ProblemDocument, content_type = "application/problem+json")))]
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

/// A node of the category tree (the wire form of `servq_desk::Category`).
#[derive(Serialize, Deserialize, utoipa::ToSchema)]
#[schema(no_recursion)]
pub(crate) struct CategoryNode {
    /// Stable id (stored on tickets).
    #[schema(pattern = "^[A-Za-z0-9_-]{1,64}$")]
    id: String,
    name_zh_cn: String,
    name_zh_tw: String,
    name_en: String,
    /// Sub-categories (at most three levels); omitted when there are none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    children: Vec<CategoryNode>,
}

impl From<&servq_desk::Category> for CategoryNode {
    fn from(category: &servq_desk::Category) -> CategoryNode {
        CategoryNode {
            id: category.id.clone(),
            name_zh_cn: category.name_zh_cn.clone(),
            name_zh_tw: category.name_zh_tw.clone(),
            name_en: category.name_en.clone(),
            children: category.children.iter().map(CategoryNode::from).collect(),
        }
    }
}

impl From<CategoryNode> for servq_desk::Category {
    fn from(node: CategoryNode) -> servq_desk::Category {
        servq_desk::Category {
            id: node.id,
            name_zh_cn: node.name_zh_cn,
            name_zh_tw: node.name_zh_tw,
            name_en: node.name_en,
            children: node
                .children
                .into_iter()
                .map(servq_desk::Category::from)
                .collect(),
        }
    }
}

/// `GET/PUT /api/v1/desk/categories`.
#[derive(Serialize, Deserialize, utoipa::ToSchema)]
pub(crate) struct CategoryTree {
    categories: Vec<CategoryNode>,
}

impl CategoryTree {
    fn of(tree: &[servq_desk::Category]) -> CategoryTree {
        CategoryTree {
            categories: tree.iter().map(CategoryNode::from).collect(),
        }
    }
}

/// `GET /api/v1/desk/categories`: the category tree.
#[utoipa::path(get, path = "/api/v1/desk/categories", tag = "desk",
    responses((status = 200, body = CategoryTree),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn get_categories(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Json<CategoryTree>, Problem> {
    user.require(Permission::HandleTickets)?;
    let tree = categories(&state.store).await.map_err(Problem::internal)?;
    Ok(Json(CategoryTree::of(&tree)))
}

/// `PUT /api/v1/desk/categories` `{"categories": [...]}`: replaces the tree (checked first:
/// unique ids, names in every language, at most three levels). Tickets keep their category ids.
#[utoipa::path(put, path = "/api/v1/desk/categories", tag = "desk",
    request_body = CategoryTree,
    responses((status = 200, body = CategoryTree),
        (status = 400, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 415, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 422, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn put_categories(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    body: Result<Json<CategoryTree>, JsonRejection>,
) -> Result<Json<CategoryTree>, Problem> {
    user.require(Permission::ManageDesk)?;
    user.check_csrf_header(&headers)?;
    let Json(body) = body?;
    let update = DeskSettingsUpdate {
        categories: Some(
            body.categories
                .into_iter()
                .map(servq_desk::Category::from)
                .collect(),
        ),
        ..DeskSettingsUpdate::default()
    };
    save_settings(&state.store, &update, &user.actor())
        .await
        .map_err(|refused| settings_refused(&user, refused))?;
    Ok(Json(CategoryTree::of(
        update.categories.as_deref().unwrap_or_default(),
    )))
}

// ---------------------------------------------------------------------------------------------
// The customer's reply from the status page, and the status page's address

/// `POST /t/{token}/reply` form.
#[derive(Deserialize)]
pub(crate) struct StatusReplyForm {
    /// The reply.
    #[serde(default)]
    text: String,
    /// A honeypot: hidden from people, who leave it empty; bots fill every field.
    #[serde(default)]
    website: String,
}

/// `POST /t/{token}/reply` (form fields `text` and the honeypot `website`): the customer's
/// reply, stored as the ticket action `customer_reply` by `customer` with the text as its note
/// (the clocks restart, a resolved ticket reopens), then 303 back to the page with a thank-you.
/// The page has no session and so no CSRF token: the token is the key; a post whose `Origin`
/// names another host is refused (403), as is a filled honeypot (400); at most 5 replies an
/// hour per ticket and per client address (429). A closed ticket takes none (409); an empty or
/// too long reply comes back with why (422) and the text kept.
pub(crate) async fn status_reply(
    State(state): State<AppState>,
    axum::extract::ConnectInfo(peer): axum::extract::ConnectInfo<std::net::SocketAddr>,
    headers: HeaderMap,
    token: Result<Path<String>, PathRejection>,
    lang: Result<Query<crate::surveys::LangParam>, QueryRejection>,
    form: Result<axum::Form<StatusReplyForm>, axum::extract::rejection::FormRejection>,
) -> Result<Response, Problem> {
    let lang = lang.ok();
    let lang = lang.as_ref().and_then(|q| q.lang());
    let locale = crate::surveys::survey_locale(&headers, lang);
    // the language the page was asked in, kept on the way back
    let asked = lang.and_then(Locale::parse);
    let Some((token, ticket)) = ticket_of_token(&state, token).await? else {
        return unknown_status_page(&state, locale).await;
    };
    if !crate::auth::same_origin(&state, &headers, true) {
        return status_response(
            &state,
            locale,
            &token,
            ticket,
            StatusCode::FORBIDDEN,
            Some(Notice::error("desk.reply_refused")),
            String::new(),
        )
        .await;
    }
    let form = match form {
        Ok(axum::Form(form)) if form.website.is_empty() => form,
        // unreadable, or the honeypot was filled
        _ => {
            return status_response(
                &state,
                locale,
                &token,
                ticket,
                StatusCode::BAD_REQUEST,
                Some(Notice::error("desk.reply_refused")),
                String::new(),
            )
            .await;
        }
    };
    let ticket_id = ticket.ticket_id.clone();
    let sent = customer_reply(
        &state.store,
        &ticket_id,
        crate::auth::client_ip(&state.trusted_proxies, peer, &headers),
        &form.text,
        Timestamp::now(),
    )
    .await;
    let (status, key) = match sent {
        Ok(()) => {
            let path = format!("/t/{}", crate::query_params::path_segment(&token));
            let to = match asked {
                Some(asked) => format!("{path}?lang={}&sent=1", asked.tag()),
                None => format!("{path}?sent=1"),
            };
            return Ok(no_store(axum::response::Redirect::to(&to).into_response()));
        }
        Err(CustomerReplyRefused::Empty) => (StatusCode::UNPROCESSABLE_ENTITY, "desk.reply_empty"),
        Err(CustomerReplyRefused::TooLong) => {
            (StatusCode::UNPROCESSABLE_ENTITY, "desk.reply_too_long")
        }
        Err(CustomerReplyRefused::Closed) => (StatusCode::CONFLICT, "desk.reply_closed"),
        Err(CustomerReplyRefused::TooMany) => (StatusCode::TOO_MANY_REQUESTS, "desk.reply_busy"),
        Err(CustomerReplyRefused::Conflict) => (StatusCode::CONFLICT, "desk.reply_again"),
        Err(CustomerReplyRefused::NotFound) => return unknown_status_page(&state, locale).await,
        Err(CustomerReplyRefused::Failed(detail)) => return Err(Problem::internal(detail)),
    };
    // the page as it stands now: a ticket closed or changed meanwhile shows so
    let ticket = state
        .store
        .ticket(&ticket_id)
        .await
        .map_err(Problem::internal)?
        .unwrap_or(ticket);
    status_response(
        &state,
        locale,
        &token,
        ticket,
        status,
        Some(Notice::error(key)),
        form.text,
    )
    .await
}

/// The base of the addresses customers open (`https://service.example.com`, status pages and
/// survey links): the configured public URL, else this request's host.
pub(crate) fn public_base(state: &AppState, headers: &HeaderMap) -> String {
    let base = state.public_url.clone().unwrap_or_else(|| {
        let host = headers
            .get(axum::http::header::HOST)
            .and_then(|host| host.to_str().ok())
            .unwrap_or("localhost");
        let scheme = if state.secure_cookies {
            "https"
        } else {
            "http"
        };
        format!("{scheme}://{host}")
    });
    base.trim_end_matches('/').to_owned()
}

/// The absolute address of the status page of `token`, shown once to the desk to give to the
/// customer.
pub(crate) fn status_url(state: &AppState, headers: &HeaderMap, token: &str) -> String {
    format!(
        "{}/t/{}",
        public_base(state, headers),
        crate::query_params::path_segment(token)
    )
}
