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
use serde::Deserialize;
use serde_json::{Value, json};
use servq_core::Permission;
use servq_desk::{TicketAction, TicketStatus, Workflow};

use servq_app::desk::*;

use crate::{
    AppState, Problem,
    auth::{self, CurrentUser},
    i18n::{Locale, t},
    now_ms,
    pages::{Text, render},
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
        .map_err(|refused| match refused {
            OpenRefused::Invalid(_) => {
                Problem::bad_request(user.locale, "bad_ticket", refused.to_string())
            }
            // a store failure is the server's fault: logged, a 500
            OpenRefused::Failed(error) => Problem::internal(format!("{error:#}")),
        })?;
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
    let locale = crate::surveys::survey_locale(&headers, lang.as_ref().ok().and_then(|q| q.lang()));
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
        let page = TicketStatusPage {
            i18n: Text::new(locale),
            languages: Locale::ALL,
            title: t(locale, "desk.unknown_title"),
            path: "/t/".to_owned(),
            ticket: None,
        };
        return Ok((StatusCode::NOT_FOUND, render(&page)?).into_response());
    };
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
        .filter(|_| {
            matches!(
                ticket.status,
                TicketStatus::Open | TicketStatus::WaitingCustomer
            )
        })
        .map(when);
    let history = state
        .store
        .ticket_events(&ticket.ticket_id)
        .await
        .map_err(Problem::internal)?
        .iter()
        .filter(|e| e.public || e.kind == "created")
        .map(|event| {
            let key = match event.kind.as_str() {
                "stage" => format!("desk.stage_{}", event.detail),
                kind => format!("desk.event_{kind}"),
            };
            (when(event.at_ms), key)
        })
        .collect();
    let status = TicketStatusView {
        next_step: match (&next, ticket.status) {
            (_, TicketStatus::Resolved | TicketStatus::Closed) => t(locale, "desk.done"),
            (Some(next), _) => stage_name(next),
            (None, _) => t(locale, "desk.finishing"),
        },
        stage_name: stage_name(&ticket.stage),
        expected,
        history,
        ticket_id: ticket.ticket_id,
        subject: ticket.subject,
        status: ticket.status,
        stage: ticket.stage,
    };
    let page = TicketStatusPage {
        i18n: Text::new(locale),
        languages: Locale::ALL,
        title: t(locale, "desk.status_title"),
        path: format!("/t/{}", crate::query_params::path_segment(&token)),
        ticket: Some(status),
    };
    let mut response = render(&page)?.into_response();
    response.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    Ok(response)
}

/// What the customer sees of a ticket.
struct TicketStatusView {
    ticket_id: String,
    subject: String,
    status: TicketStatus,
    stage: String,
    stage_name: String,
    next_step: String,
    expected: Option<String>,
    /// (local time, catalogue key) of each public event.
    history: Vec<(String, String)>,
}

#[derive(askama::Template)]
#[template(path = "ticket_status.html")]
struct TicketStatusPage {
    i18n: Text,
    languages: [Locale; 3],
    title: String,
    path: String,
    ticket: Option<TicketStatusView>,
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
    add_note(&state.store, &id, &body.text, body.internal, &user.actor())
        .await
        .map_err(|r| refused(&user, r))?;
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
    servq_app::desk::transfer(&state.store, &id, &body.team, &body.assignee, &user.actor())
        .await
        .map_err(|r| refused(&user, r))?;
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
    body: Result<Json<Value>, JsonRejection>,
) -> Result<Json<Value>, Problem> {
    user.require(Permission::ManageDesk)?;
    user.check_csrf_header(&headers)?;
    let Json(body) = body?;
    // each part is read on its own so that a malformed part is named
    let mut update = DeskSettingsUpdate::default();
    let mut problems: Vec<(&'static str, String)> = Vec::new();
    fn part<T: serde::de::DeserializeOwned>(
        body: &Value,
        name: &'static str,
        problems: &mut Vec<(&'static str, String)>,
    ) -> Option<T> {
        let value = body.get(name).filter(|value| !value.is_null())?;
        serde_json::from_value(value.clone())
            .map_err(|error| problems.push((name, error.to_string())))
            .ok()
    }
    update.calendar = part(&body, "calendar", &mut problems);
    update.policy = part(&body, "policy", &mut problems);
    update.routing = part(&body, "routing", &mut problems);
    update.workflows = part(&body, "workflows", &mut problems);
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
        SettingsRefused::Invalid(_) => {
            Problem::bad_request(user.locale, "bad_desk_config", refused.to_string())
        }
        SettingsRefused::Failed(error) => Problem::internal(format!("{error:#}")),
    }
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
    let update = DeskSettingsUpdate {
        categories: Some(body.categories),
        ..DeskSettingsUpdate::default()
    };
    save_settings(&state.store, &update, &user.actor())
        .await
        .map_err(|refused| settings_refused(&user, refused))?;
    let body = json!({"categories": update.categories});
    Ok(Json(body))
}
