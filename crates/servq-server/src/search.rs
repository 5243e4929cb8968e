//! The global search (the header's box, `/search?q=`, `GET /api/v1/search?q=`): a contact by
//! its id or its customer's, a ticket by id, customer or subject words, an agent by id or name —
//! within the user's rights (agents: their own contacts, no agent list; tickets for those who
//! work them).

use axum::{
    Json,
    extract::{Query, State, rejection::QueryRejection},
    response::{IntoResponse, Redirect, Response},
};
use serde::{Deserialize, Serialize};
use servq_core::Permission;
use servq_store::{SearchHits, SearchQuery};

use crate::{
    AppState, Problem,
    auth::CurrentUser,
    desk_pages::local_time,
    i18n::t,
    pages::{Text, render, signed_in_header},
    query_params::path_segment,
};

#[derive(Deserialize)]
pub(crate) struct SearchParams {
    q: Option<String>,
}

/// The longest text searched.
const MAX_QUERY_CHARS: usize = 100;
/// Hits per list.
const LIMIT: i64 = 20;

async fn run(state: &AppState, user: &CurrentUser, text: &str) -> Result<SearchHits, Problem> {
    user.require(Permission::ViewOwnKpis)?;
    let own = (!user.user.role.allows(Permission::ViewAllKpis))
        .then(|| user.user.agent_id.clone().unwrap_or_default());
    let text: String = text.trim().chars().take(MAX_QUERY_CHARS).collect();
    state
        .store
        .search(&SearchQuery {
            text: &text,
            agent: own.as_deref(),
            tickets: user.user.role.allows(Permission::HandleTickets),
            limit: LIMIT,
        })
        .await
        .map_err(Problem::internal)
}

/// A contact found.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct ContactFound {
    contact_id: String,
    /// RFC 3339, UTC.
    offered_at: String,
    agent_id: String,
    queue: String,
    customer_id: String,
}

/// A ticket found.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct TicketFound {
    id: String,
    subject: String,
    status: String,
    /// RFC 3339, UTC.
    created_at: String,
    customer_id: String,
}

/// An agent found.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct AgentFound {
    agent_id: String,
    name: String,
    team: String,
}

/// A customer found.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct CustomerFound {
    customer_id: String,
    /// '' without a profile.
    name: String,
    segment: String,
}

/// `GET /api/v1/search`.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct SearchResult {
    /// Those who serve customers only: by id, phone, e-mail or name.
    customers: Vec<CustomerFound>,
    contacts: Vec<ContactFound>,
    tickets: Vec<TicketFound>,
    agents: Vec<AgentFound>,
}

/// `GET /api/v1/search?q=`: contacts (by id or customer id), tickets (by id, customer id or
/// every word in the subject) and agents (by id or name), 20 of each at most, newest first.
#[utoipa::path(get, path = "/api/v1/search", tag = "session",
    params(("q" = String, Query, description = "What to find (up to 100 characters)")),
    responses((status = 200, body = SearchResult),
        (status = 400, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn api(
    State(state): State<AppState>,
    user: CurrentUser,
    params: Result<Query<SearchParams>, QueryRejection>,
) -> Result<Json<SearchResult>, Problem> {
    let Query(params) = params?;
    let hits = run(&state, &user, params.q.as_deref().unwrap_or("")).await?;
    Ok(Json(SearchResult {
        customers: hits
            .customers
            .into_iter()
            .map(|c| CustomerFound {
                customer_id: c.customer_id,
                name: c.name,
                segment: c.segment,
            })
            .collect(),
        contacts: hits
            .contacts
            .into_iter()
            .map(|c| ContactFound {
                offered_at: crate::rfc3339(c.offered_ms),
                contact_id: c.contact_id,
                agent_id: c.agent_id,
                queue: c.queue,
                customer_id: c.customer_id,
            })
            .collect(),
        tickets: hits
            .tickets
            .into_iter()
            .map(|ticket| TicketFound {
                created_at: crate::rfc3339(ticket.created_ms),
                status: ticket.status.name().to_owned(),
                id: ticket.ticket_id,
                subject: ticket.subject,
                customer_id: ticket.customer_id,
            })
            .collect(),
        agents: hits
            .agents
            .into_iter()
            .map(|agent| AgentFound {
                agent_id: agent.agent_id,
                name: agent.name,
                team: agent.team,
            })
            .collect(),
    }))
}

/// `/search` (`search.html`).
#[derive(askama::Template)]
#[template(path = "search.html")]
struct SearchPage {
    i18n: Text,
    title: String,
    header: String,
    csrf: String,
    query: String,
    /// (path segment, id, name, segment)
    customers: Vec<(String, String, String, String)>,
    contacts: Vec<(String, String, String, String, String)>,
    tickets: Vec<(String, String, String, &'static str, String)>,
    agents: Vec<(String, String, String, String)>,
}

/// `/search?q=`: the hits as links; one hit alone opens at once.
pub(crate) async fn page(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    params: Result<Query<SearchParams>, QueryRejection>,
) -> Result<Response, Problem> {
    let Some(user) = user else {
        return Ok(Redirect::to("/login").into_response());
    };
    let Query(params) = params?;
    let query = params.q.unwrap_or_default().trim().to_owned();
    let hits = run(&state, &user, &query).await?;
    let locale = user.locale;
    let (_, zone) = state.centre_zone().await?;
    let names = crate::pages::AgentNames::load(&state).await?;
    let contacts: Vec<_> = hits
        .contacts
        .iter()
        .map(|c| {
            (
                path_segment(&c.contact_id),
                c.contact_id.clone(),
                local_time(&zone, Some(c.offered_ms)),
                names.label(&c.agent_id),
                c.customer_id.clone(),
            )
        })
        .collect();
    let tickets: Vec<_> = hits
        .tickets
        .iter()
        .map(|ticket| {
            (
                path_segment(&ticket.ticket_id),
                ticket.ticket_id.clone(),
                ticket.subject.clone(),
                ticket.status.name(),
                local_time(&zone, Some(ticket.created_ms)),
            )
        })
        .collect();
    let agents: Vec<_> = hits
        .agents
        .iter()
        .map(|agent| {
            (
                crate::query_params::query_string(&[("agent", agent.agent_id.clone())]),
                agent.name.clone(),
                agent.agent_id.clone(),
                agent.team.clone(),
            )
        })
        .collect();
    let customers: Vec<_> = hits
        .customers
        .iter()
        .map(|c| {
            (
                path_segment(&c.customer_id),
                c.customer_id.clone(),
                c.name.clone(),
                c.segment.clone(),
            )
        })
        .collect();
    // one hit alone: go straight to it
    match (
        customers.as_slice(),
        contacts.as_slice(),
        tickets.as_slice(),
        agents.as_slice(),
    ) {
        ([(href, ..)], [], [], []) => {
            return Ok(Redirect::to(&format!("/customers/{href}")).into_response());
        }
        ([], [(href, ..)], [], []) => {
            return Ok(Redirect::to(&format!("/contacts/{href}")).into_response());
        }
        ([], [], [(href, ..)], []) => {
            return Ok(Redirect::to(&format!("/tickets/{href}")).into_response());
        }
        _ => {}
    }
    let page = SearchPage {
        i18n: Text::new(locale),
        title: t(locale, "search.title"),
        header: signed_in_header(&user),
        csrf: user.csrf_token().to_owned(),
        query,
        customers,
        contacts,
        tickets,
        agents,
    };
    Ok(render(&page)?.into_response())
}
