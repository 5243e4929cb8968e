//! Ticket pages: `/tickets` (open a ticket, the list, the week's ticket KPIs) and
//! `/tickets/{id}` (facts, SLA clocks, the actions the status allows, stage moves, the return
//! visit of a complaint, the history and the customer's other contacts and tickets). They call
//! the same API as scripts do.

use axum::{
    extract::{
        Path, Query, State,
        rejection::{PathRejection, QueryRejection},
    },
    response::{IntoResponse, Redirect, Response},
};
use jiff::Timestamp;
use serde::Deserialize;
use servq_core::Permission;
use servq_desk::{Priority, TicketAction, TicketStatus, transition};

use servq_app::desk::{desk_config, workflows};

use crate::{
    AppState, Problem,
    auth::CurrentUser,
    desk::{stage_label, type_label},
    i18n::t,
    pages::escape,
    query_params::path_segment,
    reviews::app_page,
};

#[derive(Deserialize)]
pub(crate) struct ListParams {
    status: Option<String>,
}

/// A time as the desk's pages show it: minutes in `zone`, "—" when there is none.
pub(crate) fn local_time(zone: &jiff::tz::TimeZone, ms: Option<i64>) -> String {
    ms.and_then(|ms| Timestamp::from_millisecond(ms).ok())
        .map_or("—".to_owned(), |t| {
            t.to_zoned(zone.clone())
                .strftime("%Y-%m-%d %H:%M")
                .to_string()
        })
}

/// `/tickets`.
pub(crate) async fn tickets_page(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    params: Result<Query<ListParams>, QueryRejection>,
) -> Result<Response, Problem> {
    let Some(user) = user else {
        return Ok(Redirect::to("/login").into_response());
    };
    user.require(Permission::HandleTickets)?;
    let Query(params) = params?;
    let locale = user.locale;
    let label = |key: &str| escape(&t(locale, key));
    let status = params
        .status
        .as_deref()
        .map(str::trim)
        .filter(|s| TicketStatus::parse(s).is_some());
    let (_, zone) = state.centre_zone().await?;
    let workflows = workflows(&state.store).await.map_err(Problem::internal)?;
    let types: String = workflows
        .iter()
        .map(|workflow| {
            format!(
                "<option value=\"{name}\"{selected}>{}</option>",
                escape(&type_label(locale, &workflow.ticket_type)),
                name = escape(&workflow.ticket_type),
                // the API's default type
                selected = if workflow.ticket_type == "consult" {
                    " selected"
                } else {
                    ""
                },
            )
        })
        .collect();
    let priorities: String = Priority::ALL
        .iter()
        .map(|p| {
            format!(
                "<option value=\"{name}\"{selected}>{text}</option>",
                name = p.name(),
                selected = if *p == Priority::Normal {
                    " selected"
                } else {
                    ""
                },
                text = label(&format!("tickets.priority_{}", p.name()))
            )
        })
        .collect();
    let tree = servq_app::desk::categories(&state.store)
        .await
        .map_err(Problem::internal)?;
    let categories: String = servq_desk::flatten(&tree)
        .iter()
        .filter(|(_, node)| node.children.is_empty())
        .map(|(_, node)| {
            format!(
                "<option value=\"{}\">{}</option>",
                escape(&node.id),
                escape(node.name(locale.tag()))
            )
        })
        .collect();
    let setup_link = if user.user.role.allows(Permission::ManageDesk) {
        format!(
            "<p><a href=\"/desk/setup\" id=\"desk-setup-link\">{}</a></p>",
            label("desk_setup.link")
        )
    } else {
        String::new()
    };
    let mut body = format!(
        "<h1>{title}</h1>{setup_link}<h2>{new}</h2>\
         <form id=\"new-ticket\" class=\"filters\" onsubmit=\"event.preventDefault(); var f = this; \
           servqCreate({{ticket_type: f.ticket_type.value, category: f.category.value, priority: f.priority.value, \
           subject: f.subject.value, description: f.description.value, customer_id: f.customer_id.value, \
           segment: f.segment.value, channel: f.channel.value}})\">\
         <label>{type_label} <select name=\"ticket_type\" id=\"t-type\">{types}</select></label>\
         <label>{category_label} <input name=\"category\" id=\"t-category\" list=\"categories\" required></label>\
         <datalist id=\"categories\">{categories}</datalist>\
         <label>{priority_label} <select name=\"priority\" id=\"t-priority\">{priorities}</select></label>\
         <label>{customer_label} <input name=\"customer_id\" id=\"t-customer\" required></label>\
         <label>{segment_label} <input name=\"segment\" id=\"t-segment\" size=\"6\" placeholder=\"VIP\"></label>\
         <label>{channel_label} <select name=\"channel\" id=\"t-channel\"><option>phone</option><option>web</option><option>email</option><option>chat</option><option>counter</option></select></label>\
         <label>{subject_label} <input name=\"subject\" id=\"t-subject\" size=\"40\" required></label>\
         <label>{description_label} <textarea name=\"description\" id=\"t-description\" rows=\"2\" cols=\"40\"></textarea></label>\
         <button type=\"submit\" id=\"create-ticket\">{create}</button></form>\
         <script>function servqCreate(body) {{\
           fetch('/api/v1/tickets', {{method: 'POST', credentials: 'same-origin', headers: {{'Content-Type': 'application/json', 'X-CSRF-Token': document.getElementById('csrf').dataset.csrf}}, body: JSON.stringify(body)}})\
           .then(function (r) {{ return r.json().then(function (j) {{ return [r.ok, j]; }}); }})\
           .then(function (p) {{ if (p[0]) {{ location.href = '/tickets/' + encodeURIComponent(p[1].id) + '?token=' + encodeURIComponent(p[1].status_token); }}\
             else {{ var m = document.getElementById('message'); m.textContent = (p[1].detail || p[1].title || ''); m.className = 'error'; }} }});\
         }}</script>",
        title = label("tickets.title"),
        new = label("tickets.new"),
        type_label = label("tickets.type"),
        category_label = label("dimension.category"),
        priority_label = label("tickets.priority"),
        customer_label = label("tickets.customer"),
        segment_label = label("tickets.segment"),
        channel_label = label("dimension.channel"),
        subject_label = label("tickets.subject"),
        description_label = label("tickets.description"),
        create = label("tickets.create"),
    );
    let filters: String = std::iter::once(("", label("dashboard.any")))
        .chain(
            ["open", "waiting_customer", "resolved", "closed"]
                .iter()
                .map(|s| (*s, label(&format!("desk.status_{s}")))),
        )
        .map(|(value, text)| {
            let current = status.unwrap_or("") == value;
            format!(
                "<a href=\"/tickets?status={value}\"{}>{text}</a>",
                if current { " class=\"current\"" } else { "" }
            )
        })
        .collect::<Vec<_>>()
        .join(" · ");
    body.push_str(&format!(
        "<h2>{}</h2><p id=\"status-filter\">{filters}</p><table id=\"tickets\"><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
        label("tickets.list"),
        label("tickets.id"),
        label("tickets.type"),
        label("tickets.subject"),
        label("tickets.customer"),
        label("tickets.priority"),
        label("desk.status"),
        label("desk.stage"),
        label("tickets.created"),
    ));
    let tickets = state
        .store
        .tickets(status, 200, 0)
        .await
        .map_err(Problem::internal)?;
    for ticket in &tickets {
        body.push_str(&format!(
            "<tr data-ticket=\"{id}\" data-status=\"{status}\"><td><a href=\"/tickets/{href}\">{id}</a></td><td>{kind}</td><td>{subject}</td><td>{customer}</td><td>{priority}</td><td>{status_text}</td><td>{stage}</td><td>{created}</td></tr>",
            id = escape(&ticket.ticket_id),
            href = path_segment(&ticket.ticket_id),
            status = escape(&ticket.status),
            kind = escape(&type_label(locale, &ticket.ticket_type)),
            subject = escape(&ticket.subject),
            customer = escape(&ticket.customer_id),
            priority = label(&format!("tickets.priority_{}", ticket.priority)),
            status_text = label(&format!("desk.status_{}", ticket.status)),
            stage = escape(&stage_label(locale, &workflows, &ticket.ticket_type, &ticket.stage)),
            created = local_time(&zone, Some(ticket.created_ms)),
        ));
    }
    body.push_str("</table>");
    if tickets.is_empty() {
        body.push_str(&format!(
            "<p id=\"no-tickets\">{}</p>",
            label("tickets.none")
        ));
    }
    Ok(app_page(&user, &t(locale, "tickets.title"), &body))
}

#[derive(Deserialize)]
pub(crate) struct TicketParams {
    token: Option<String>,
}

/// `/tickets/{id}`.
pub(crate) async fn ticket_page(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    id: Result<Path<String>, PathRejection>,
    params: Result<Query<TicketParams>, QueryRejection>,
) -> Result<Response, Problem> {
    let Some(user) = user else {
        return Ok(Redirect::to("/login").into_response());
    };
    user.require(Permission::HandleTickets)?;
    let Path(id) = id?;
    let Query(params) = params?;
    let locale = user.locale;
    let label = |key: &str| escape(&t(locale, key));
    let ticket = state
        .store
        .ticket(&id)
        .await
        .map_err(Problem::internal)?
        .ok_or_else(|| Problem::not_found(locale))?;
    let (calendar, _) = desk_config(&state.store).await.map_err(Problem::internal)?;
    let zone = calendar.zone().clone();
    let path = path_segment(&ticket.ticket_id);
    let tree = servq_app::desk::categories(&state.store)
        .await
        .map_err(Problem::internal)?;
    let workflows = workflows(&state.store).await.map_err(Problem::internal)?;
    let category_name = servq_desk::flatten(&tree)
        .iter()
        .find(|(_, node)| node.id == ticket.category)
        .map_or(ticket.category.clone(), |(_, node)| {
            format!("{} ({})", node.name(locale.tag()), ticket.category)
        });
    let mut body = format!(
        "<h1>{} {}</h1><p id=\"ticket-subject\">{}</p>",
        label("tickets.ticket"),
        escape(&ticket.ticket_id),
        escape(&ticket.subject)
    );
    if let Some(token) = params.token.as_deref().filter(|t| !t.is_empty()) {
        body.push_str(&format!(
            "<p id=\"status-link\">{}: <a href=\"/t/{tok}\">/t/{tok}</a></p>",
            label("tickets.status_link"),
            tok = escape(&path_segment(token))
        ));
    }
    body.push_str(&format!(
        "<table id=\"facts\"><tr><th>{}</th><td>{}</td></tr><tr><th>{}</th><td>{}</td></tr>\
         <tr><th>{}</th><td data-status=\"{}\" id=\"status\">{}</td></tr><tr><th>{}</th><td id=\"stage\" data-stage=\"{}\">{}</td></tr>\
         <tr><th>{}</th><td>{}</td></tr><tr><th>{}</th><td>{}</td></tr><tr><th>{}</th><td>{}</td></tr></table>",
        label("tickets.type"),
        escape(&type_label(locale, &ticket.ticket_type)),
        label("tickets.priority"),
        label(&format!("tickets.priority_{}", ticket.priority)),
        label("desk.status"),
        escape(&ticket.status),
        label(&format!("desk.status_{}", ticket.status)),
        label("desk.stage"),
        escape(&ticket.stage),
        escape(&stage_label(locale, &workflows, &ticket.ticket_type, &ticket.stage)),
        label("tickets.customer"),
        escape(&ticket.customer_id),
        label("dimension.category"),
        escape(&category_name),
        label("tickets.created"),
        local_time(&zone, Some(ticket.created_ms)),
    ));
    // SLA clocks
    body.push_str(&format!(
        "<h2>SLA</h2><table id=\"sla\"><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
        label("tickets.sla_metric"),
        label("tickets.sla_state"),
        label("tickets.sla_target"),
        label("tickets.sla_used"),
        label("tickets.sla_due"),
    ));
    for clock in state
        .store
        .ticket_clocks(&ticket.ticket_id)
        .await
        .map_err(Problem::internal)?
    {
        body.push_str(&format!(
            "<tr data-metric=\"{m}\" data-state=\"{s}\"{bottom}><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            label(&format!("tickets.sla_{}", clock.metric)),
            label(&format!("tickets.clock_{}", clock.state)),
            clock.target_ms / 60_000,
            clock.used_ms / 60_000,
            local_time(&zone, clock.due_ms),
            m = escape(&clock.metric),
            s = escape(&clock.state),
            bottom = if clock.breached { " class=\"bottom\"" } else { "" },
        ));
    }
    body.push_str("</table>");
    // actions the status allows
    if let Some(status) = TicketStatus::parse(&ticket.status) {
        body.push_str(&format!(
            "<h2>{}</h2><p><textarea id=\"note\" rows=\"2\" cols=\"60\" placeholder=\"{}\"></textarea></p><p id=\"actions\">",
            label("tickets.actions"),
            label("tickets.note"),
        ));
        for action in [
            TicketAction::Reply,
            TicketAction::CustomerReply,
            TicketAction::WaitOnCustomer,
            TicketAction::Resolve,
            TicketAction::Close,
            TicketAction::Reopen,
        ] {
            if transition(status, action).is_ok() {
                body.push_str(&format!(
                    "<button type=\"button\" id=\"action-{name}\" onclick=\"servqSend('POST', '/api/v1/tickets/{path}/actions', {{action: '{name}', note: document.getElementById('note').value}}, location.pathname)\">{}</button> ",
                    label(&format!("tickets.action_{}", action.name())),
                    name = action.name(),
                ));
            }
        }
        body.push_str("</p>");
        if matches!(status, TicketStatus::Open | TicketStatus::WaitingCustomer)
            && let Some(flow) = servq_app::desk::find_workflow(&workflows, &ticket.ticket_type)
        {
            let options: String = flow
                .stages
                .iter()
                .map(|s| {
                    format!(
                        "<option value=\"{id}\"{sel}>{}</option>",
                        escape(&stage_label(locale, &workflows, &ticket.ticket_type, &s.id)),
                        id = escape(&s.id),
                        sel = if s.id == ticket.stage {
                            " selected"
                        } else {
                            ""
                        },
                    )
                })
                .collect();
            body.push_str(&format!(
                "<p><label>{} <select id=\"stage-select\">{options}</select></label> \
                 <button type=\"button\" id=\"move-stage\" onclick=\"servqSend('POST', '/api/v1/tickets/{path}/stage', {{stage: document.getElementById('stage-select').value}}, location.pathname)\">{}</button></p>",
                label("desk.stage"),
                label("tickets.move"),
            ));
        }
    }
    // notes and transfers
    let teams = state
        .store
        .dimension_values(servq_store::Dimension::Team)
        .await
        .map_err(Problem::internal)?;
    let team_options: String = teams
        .iter()
        .map(|team| {
            format!(
                "<option value=\"{t}\"{sel}>{t}</option>",
                t = escape(team),
                sel = if *team == ticket.team {
                    " selected"
                } else {
                    ""
                }
            )
        })
        .collect();
    body.push_str(&format!(
        "<p id=\"assignment\">{}: {} · {}: {}</p>\
         <form id=\"transfer-form\" class=\"filters\" onsubmit=\"event.preventDefault(); servqSend('POST', '/api/v1/tickets/{path}/transfer', {{team: this.team.value, assignee: this.assignee.value}}, location.pathname)\">\
         <label>{} <select name=\"team\" id=\"transfer-team\">{team_options}</select></label>\
         <label>{} <input name=\"assignee\" id=\"transfer-assignee\" size=\"8\"></label>\
         <button type=\"submit\" id=\"transfer\">{}</button></form>\
         <form id=\"note-form\" class=\"filters\" onsubmit=\"event.preventDefault(); servqSend('POST', '/api/v1/tickets/{path}/notes', {{text: this.text.value, internal: !this.public.checked}}, location.pathname)\">\
         <label>{} <input name=\"text\" id=\"note-text\" size=\"50\" required></label>\
         <label><input type=\"checkbox\" name=\"public\"> {}</label>\
         <button type=\"submit\" id=\"add-note\">{}</button></form>",
        label("dimension.team"),
        escape(&ticket.team),
        label("tickets.assignee"),
        escape(&ticket.assignee),
        label("dimension.team"),
        label("tickets.assignee"),
        label("tickets.transfer"),
        label("tickets.note"),
        label("tickets.public_note"),
        label("tickets.add_note"),
    ));
    if ticket.ticket_type == servq_desk::COMPLAINT {
        let visit = state
            .store
            .return_visit(&ticket.ticket_id)
            .await
            .map_err(Problem::internal)?;
        body.push_str(&format!("<h2>{}</h2>", label("desk.stage_return_visit")));
        match visit {
            Some(visit) => body.push_str(&format!(
                "<p id=\"return-visit\" data-outcome=\"{o}\">{} · {} · {} · {}</p>",
                local_time(&zone, Some(visit.visited_ms)),
                label(&format!("tickets.outcome_{}", visit.outcome)),
                escape(&visit.root_cause),
                escape(&visit.note),
                o = escape(&visit.outcome),
            )),
            None => body.push_str(&format!(
                "<form id=\"visit-form\" class=\"filters\" onsubmit=\"event.preventDefault(); servqSend('PUT', '/api/v1/tickets/{path}/return-visit', {{outcome: this.outcome.value, root_cause: this.root_cause.value, note: this.note.value}}, location.pathname)\">\
                 <label>{} <select name=\"outcome\"><option value=\"satisfied\">{}</option><option value=\"unsatisfied\">{}</option><option value=\"unreachable\">{}</option></select></label>\
                 <label>{} <input name=\"root_cause\" required></label><label>{} <input name=\"note\"></label>\
                 <button type=\"submit\" id=\"save-visit\">{}</button></form>",
                label("tickets.outcome"),
                label("tickets.outcome_satisfied"),
                label("tickets.outcome_unsatisfied"),
                label("tickets.outcome_unreachable"),
                label("tickets.root_cause"),
                label("tickets.note"),
                label("reviews.save"),
            )),
        }
    }
    // attachments
    body.push_str(&format!(
        "<h2>{}</h2><ul id=\"attachments\">",
        label("tickets.attachments")
    ));
    for attachment in state
        .store
        .attachments(&ticket.ticket_id)
        .await
        .map_err(Problem::internal)?
    {
        body.push_str(&format!(
            "<li><a href=\"/api/v1/tickets/{path}/attachments/{}\">{}</a> ({} KB, {})</li>",
            escape(&attachment.attachment_id),
            escape(&attachment.file_name),
            (attachment.size_bytes + 1023) / 1024,
            escape(&attachment.uploaded_by),
        ));
    }
    body.push_str(&format!(
        "</ul><form id=\"attach-form\" class=\"filters\" onsubmit=\"event.preventDefault(); var d = new FormData(this); \
         fetch('/api/v1/tickets/{path}/attachments', {{method: 'POST', credentials: 'same-origin', headers: {{'X-CSRF-Token': document.getElementById('csrf').dataset.csrf}}, body: d}})\
         .then(function (r) {{ return r.json().then(function (j) {{ return [r.ok, j]; }}); }})\
         .then(function (p) {{ if (p[0]) {{ location.reload(); }} else {{ var m = document.getElementById('message'); m.textContent = (p[1].detail || p[1].title || ''); m.className = 'error'; }} }})\">\
         <label>{} <input type=\"file\" name=\"file\" id=\"attach-file\" required></label>\
         <button type=\"submit\" id=\"attach\">{}</button> <small>{}</small></form>",
        label("tickets.file"),
        label("tickets.upload"),
        label("tickets.attachment_limit"),
    ));
    // history
    body.push_str(&format!(
        "<h2>{}</h2><ol id=\"history\">",
        label("desk.history")
    ));
    for event in state
        .store
        .ticket_events(&ticket.ticket_id)
        .await
        .map_err(Problem::internal)?
    {
        body.push_str(&format!(
            "<li><time>{}</time> {} — {}: {}</li>",
            local_time(&zone, Some(event.at_ms)),
            escape(&event.actor),
            label(&format!("desk.event_{}", event.kind)),
            escape(&event.detail),
        ));
    }
    body.push_str("</ol>");
    // the customer's history
    let (contacts, tickets) = state
        .store
        .customer_history(&ticket.customer_id, 20)
        .await
        .map_err(Problem::internal)?;
    body.push_str(&format!(
        "<h2>{}</h2><table id=\"customer-tickets\">",
        label("tickets.customer_history")
    ));
    for other in tickets.iter().filter(|o| o.ticket_id != ticket.ticket_id) {
        body.push_str(&format!(
            "<tr><td><a href=\"/tickets/{}\">{}</a></td><td>{}</td><td>{}</td><td>{}</td></tr>",
            path_segment(&other.ticket_id),
            escape(&other.ticket_id),
            local_time(&zone, Some(other.created_ms)),
            escape(&other.subject),
            label(&format!("desk.status_{}", other.status)),
        ));
    }
    body.push_str("</table><table id=\"customer-contacts\">");
    for contact in &contacts {
        body.push_str(&format!(
            "<tr><td><a href=\"/contacts/{}\">{}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            path_segment(&contact.contact_id),
            escape(&contact.contact_id),
            local_time(&zone, Some(contact.offered_ms)),
            escape(&contact.channel),
            escape(&contact.queue),
            escape(&contact.category),
            escape(&contact.agent_id),
        ));
    }
    body.push_str("</table>");
    Ok(app_page(&user, &t(locale, "tickets.ticket"), &body))
}

/// The parts of the desk set-up edited on `/desk/setup`: (id, the `PUT` that stores it, the key
/// of its body). Categories have their own route; the others go to `/api/v1/desk/config`.
const SETUP_PARTS: [(&str, &str, &str); 5] = [
    ("categories", "/api/v1/desk/categories", "categories"),
    ("workflows", "/api/v1/desk/config", "workflows"),
    ("policy", "/api/v1/desk/config", "policy"),
    ("routing", "/api/v1/desk/config", "routing"),
    ("calendar", "/api/v1/desk/config", "calendar"),
];

/// A stored setting as indented JSON for its edit box.
fn pretty_json<T: serde::Serialize>(value: anyhow::Result<T>) -> Result<String, Problem> {
    let value = value.map_err(Problem::internal)?;
    serde_json::to_string_pretty(&value).map_err(Problem::internal)
}

/// `/desk/setup`: the category tree, workflows, SLA policy, routing and business calendar as
/// JSON, each saved through the API that checks it (every problem named, nothing stored then).
pub(crate) async fn setup_page(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
) -> Result<Response, Problem> {
    let Some(user) = user else {
        return Ok(Redirect::to("/login").into_response());
    };
    user.require(Permission::ManageDesk)?;
    let locale = user.locale;
    let label = |key: &str| escape(&t(locale, key));
    let store = &state.store;
    let texts = [
        pretty_json(servq_app::desk::categories(store).await)?,
        pretty_json(workflows(store).await)?,
        pretty_json(servq_app::desk::sla_policy(store).await)?,
        pretty_json(servq_app::desk::routing(store).await)?,
        pretty_json(servq_app::desk::calendar_spec(store).await)?,
    ];
    let mut body = format!(
        "<h1>{}</h1><p>{}</p>",
        label("desk_setup.title"),
        label("desk_setup.intro")
    );
    for ((part, url, key), text) in SETUP_PARTS.iter().zip(texts) {
        body.push_str(&format!(
            "<h2>{title}</h2><p>{help}</p>\
             <textarea id=\"{part}-json\" rows=\"18\" cols=\"100\" spellcheck=\"false\">{text}</textarea>\
             <p><button type=\"button\" id=\"save-{part}\" onclick=\"var v = servqJson('{part}-json'); \
             if (v !== null) servqSend('PUT', '{url}', {{'{key}': v}})\">{save}</button></p>",
            title = label(&format!("desk_setup.{part}_title")),
            help = label(&format!("desk_setup.{part}_help")),
            text = escape(&text),
            save = label("reviews.save"),
        ));
    }
    Ok(app_page(&user, &t(locale, "desk_setup.title"), &body))
}
