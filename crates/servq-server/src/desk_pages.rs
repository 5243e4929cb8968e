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

use servq_app::desk::{TicketRequest, desk_config, workflows};

use crate::{
    AppState, Problem,
    auth::CurrentUser,
    desk::{stage_label, type_label},
    i18n::t,
    pages::{Text, render, signed_in_header},
    query_params::path_segment,
};

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
    params: Result<Query<crate::desk::ListParams>, QueryRejection>,
) -> Result<Response, Problem> {
    let Some(user) = user else {
        return Ok(Redirect::to("/login").into_response());
    };
    user.require(Permission::HandleTickets)?;
    let Query(params) = params?;
    let locale = user.locale;
    let (query, problem) = match params.query(&user, PAGE_SIZE) {
        Ok(query) => (query, None),
        Err(problem) => (
            servq_store::TicketListQuery {
                open_only: true,
                limit: PAGE_SIZE,
                ..servq_store::TicketListQuery::default()
            },
            Some(problem.message_or_detail()),
        ),
    };
    // the desk's default view: work in hand, the soonest deadline first
    let fresh = params.status.is_none()
        && params.open.is_none()
        && params.assignee.is_none()
        && params.sort.is_none();
    let query = if fresh {
        servq_store::TicketListQuery {
            open_only: true,
            sort: servq_store::TicketSort::DueFirst,
            ..query
        }
    } else {
        query
    };
    let (_, zone) = state.centre_zone().await?;
    let workflows = workflows(&state.store).await.map_err(Problem::internal)?;
    let tree = servq_app::desk::categories(&state.store)
        .await
        .map_err(Problem::internal)?;
    let found = state
        .store
        .ticket_list(&query)
        .await
        .map_err(Problem::internal)?;
    let names = crate::pages::AgentNames::load(&state).await?;
    let teams = state
        .store
        .dimension_values(servq_store::Dimension::Team)
        .await
        .map_err(Problem::internal)?;
    let now = crate::now_ms();
    let own = user.user.agent_id.clone();
    // links keep every filter but the ones they change
    let current = |changes: &[(&'static str, Option<String>)]| {
        let mut pairs: Vec<(&'static str, String)> = vec![];
        let keep = |name: &str, value: &Option<String>| {
            if changes.iter().any(|(changed, _)| *changed == name) {
                None
            } else {
                value.clone().filter(|v| !v.is_empty())
            }
        };
        for (name, value) in [
            ("status", keep("status", &params.status)),
            ("open", keep("open", &params.open.map(|o| o.to_string()))),
            ("assignee", keep("assignee", &params.assignee)),
            ("team", keep("team", &params.team)),
            ("type", keep("type", &params.ticket_type)),
            ("priority", keep("priority", &params.priority)),
            ("sort", keep("sort", &params.sort)),
        ] {
            if let Some(value) = value {
                pairs.push((name, value));
            }
        }
        for (name, value) in changes {
            if let Some(value) = value {
                pairs.push((name, value.clone()));
            }
        }
        format!("/tickets?{}", crate::query_params::query_string(&pairs))
    };
    let views = [
        (
            "work",
            vec![
                ("open", Some("true".to_owned())),
                ("assignee", None),
                ("status", None),
                ("sort", Some("due".to_owned())),
            ],
        ),
        (
            "mine",
            vec![
                ("assignee", Some("me".to_owned())),
                ("open", Some("true".to_owned())),
                ("status", None),
                ("sort", Some("due".to_owned())),
            ],
        ),
        (
            "unassigned",
            vec![
                ("assignee", Some("none".to_owned())),
                ("open", Some("true".to_owned())),
                ("status", None),
            ],
        ),
        (
            "all",
            vec![
                ("open", None),
                ("assignee", None),
                ("status", None),
                ("sort", Some("newest".to_owned())),
            ],
        ),
    ];
    let current_view = match (query.open_only, query.assignee.as_deref(), query.status) {
        (true, None, None) => "work",
        (true, Some(agent), None) if own.as_deref() == Some(agent) => "mine",
        (true, Some(""), None) => "unassigned",
        (false, None, None) => "all",
        _ => "",
    };
    let view_links = views
        .iter()
        .filter(|(name, _)| *name != "mine" || own.is_some())
        .map(|(name, changes)| {
            let mut changes = changes.clone();
            changes.push(("offset", None));
            (*name, current(&changes), *name == current_view)
        })
        .collect();
    let pages = ((found.total + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
    let page_number = query.offset / PAGE_SIZE + 1;
    let page_link = |n: i64| current(&[("offset", Some(((n - 1) * PAGE_SIZE).to_string()))]);
    let lines = found
        .tickets
        .iter()
        .map(|listed| {
            let ticket = &listed.ticket;
            let (due, urgency) = match listed.next_due_ms {
                Some(due) => {
                    let left = due - now;
                    (
                        local_time(&zone, Some(due)),
                        if left < 0 {
                            "overdue"
                        } else if left < 3_600_000 {
                            "soon"
                        } else {
                            "ok"
                        },
                    )
                }
                None => (
                    "—".to_owned(),
                    if listed.breached { "overdue" } else { "none" },
                ),
            };
            TicketLine {
                id: ticket.ticket_id.clone(),
                href: path_segment(&ticket.ticket_id),
                status: ticket.status,
                kind: type_label(locale, ticket.ticket_type.name()),
                subject: ticket.subject.clone(),
                customer: ticket.customer_id.clone(),
                priority: ticket.priority,
                stage: stage_label(locale, &workflows, ticket.ticket_type.name(), &ticket.stage),
                created: local_time(&zone, Some(ticket.created_ms)),
                assignee: if ticket.assignee.is_empty() {
                    "—".to_owned()
                } else {
                    names.label(&ticket.assignee)
                },
                team: ticket.team.clone(),
                due,
                urgency,
                breached: listed.breached,
            }
        })
        .collect();
    let page = TicketsPage {
        i18n: Text::new(locale),
        title: t(locale, "tickets.title"),
        header: signed_in_header(&user),
        csrf: user.csrf_token(),
        can_set_up: user.user.role.allows(Permission::ManageDesk),
        types: workflows
            .iter()
            .map(|workflow| {
                (
                    workflow.ticket_type.clone(),
                    type_label(locale, &workflow.ticket_type),
                    // the API's default type
                    workflow.ticket_type == TicketRequest::DEFAULT_TYPE,
                )
            })
            .collect(),
        categories: category_groups(&tree, locale.tag()),
        channels: servq_core::Channel::ALL
            .iter()
            .map(|channel| {
                (
                    channel.as_str(),
                    t(locale, &format!("channel.{}", channel.as_str())),
                )
            })
            .collect(),
        priorities: Priority::ALL,
        default_priority: TicketRequest::DEFAULT_PRIORITY,
        view_links,
        statuses: TicketStatus::ALL.iter().map(|s| s.name()).collect(),
        teams,
        sorts: servq_store::TicketSort::ALL
            .iter()
            .map(|s| s.name())
            .collect(),
        filters: TicketFilters {
            status: query.status.map_or("", TicketStatus::name),
            team: query.team.clone(),
            ticket_type: query.ticket_type.clone(),
            priority: query.priority.map_or("", Priority::name),
            sort: query.sort.name(),
            assignee: params.assignee.clone().unwrap_or_default(),
            open: query.open_only,
        },
        problem,
        total: crate::pages::thousands(found.total),
        page_number,
        pages,
        previous: (page_number > 1).then(|| page_link(page_number - 1)),
        next: (page_number < pages).then(|| page_link(page_number + 1)),
        bulk: user.user.role.allows(Permission::ViewAllKpis),
        tickets: lines,
    };
    Ok(render(&page)?.into_response())
}

/// Tickets on one page of `/tickets`.
const PAGE_SIZE: i64 = 50;

/// A ticket in the list.
struct TicketLine {
    id: String,
    href: String,
    status: TicketStatus,
    kind: String,
    subject: String,
    customer: String,
    priority: Priority,
    stage: String,
    created: String,
    /// "name (id)", or "—".
    assignee: String,
    team: String,
    /// The soonest SLA deadline of its running clocks, local time.
    due: String,
    /// overdue, soon (within the hour), ok or none: the deadline's colour.
    urgency: &'static str,
    breached: bool,
}

/// The list's filters as chosen, to refill the form.
struct TicketFilters {
    status: &'static str,
    team: String,
    ticket_type: String,
    priority: &'static str,
    sort: &'static str,
    assignee: String,
    open: bool,
}

/// A top-level group of the category tree with the categories a ticket can take under it
/// (its leaves, named by their path below the group: "维修 › 上门").
pub(crate) struct CategoryGroup {
    pub(crate) name: String,
    /// (id, name)
    pub(crate) options: Vec<(String, String)>,
}

/// The tree as the category picker shows it: each top-level node a group of its leaves (a
/// top-level leaf is a group of itself), names in `locale`, never ids.
pub(crate) fn category_groups(tree: &[servq_desk::Category], locale: &str) -> Vec<CategoryGroup> {
    fn leaves(
        node: &servq_desk::Category,
        prefix: &str,
        locale: &str,
        out: &mut Vec<(String, String)>,
    ) {
        let name = if prefix.is_empty() {
            node.name(locale).to_owned()
        } else {
            format!("{prefix} › {}", node.name(locale))
        };
        if node.children.is_empty() {
            out.push((node.id.clone(), name));
        } else {
            for child in &node.children {
                leaves(child, &name, locale, out);
            }
        }
    }
    tree.iter()
        .map(|group| {
            let mut options = Vec::new();
            if group.children.is_empty() {
                options.push((group.id.clone(), group.name(locale).to_owned()));
            } else {
                for child in &group.children {
                    leaves(child, "", locale, &mut options);
                }
            }
            CategoryGroup {
                name: group.name(locale).to_owned(),
                options,
            }
        })
        .collect()
}

#[derive(askama::Template)]
#[template(path = "tickets.html")]
struct TicketsPage<'a> {
    i18n: Text,
    title: String,
    header: String,
    csrf: &'a str,
    can_set_up: bool,
    /// (type, name, selected)
    types: Vec<(String, String, bool)>,
    /// The categories a ticket can take, under their top-level groups.
    categories: Vec<CategoryGroup>,
    /// (value, name) of the channels.
    channels: Vec<(&'static str, String)>,
    priorities: [Priority; 4],
    /// Selected in the form: the API's default.
    default_priority: Priority,
    /// The quick views (work in hand, mine, unassigned, all): (name, link, current).
    view_links: Vec<(&'static str, String, bool)>,
    statuses: Vec<&'static str>,
    teams: Vec<String>,
    sorts: Vec<&'static str>,
    filters: TicketFilters,
    /// A filter that could not be read, in the user's language.
    problem: Option<String>,
    /// Matching tickets, formatted.
    total: String,
    page_number: i64,
    pages: i64,
    previous: Option<String>,
    next: Option<String>,
    /// Bulk assign and close (supervisors and above).
    bulk: bool,
    tickets: Vec<TicketLine>,
}

#[derive(Deserialize)]
pub(crate) struct TicketParams {
    token: Option<String>,
}

/// `/tickets/{id}`.
pub(crate) async fn ticket_page(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
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
    let ticket = state
        .store
        .ticket(&id)
        .await
        .map_err(Problem::internal)?
        .ok_or_else(|| Problem::not_found(locale))?;
    let (calendar, _) = desk_config(&state.store).await.map_err(Problem::internal)?;
    let zone = calendar.zone().clone();
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
    let clocks = state
        .store
        .ticket_clocks(&ticket.ticket_id)
        .await
        .map_err(Problem::internal)?
        .into_iter()
        .map(|clock| ClockLine {
            target_minutes: clock.target_ms / 60_000,
            used_minutes: clock.used_ms / 60_000,
            due: local_time(&zone, clock.due_ms),
            breached: clock.breached,
            metric: clock.metric,
            state: clock.state,
        })
        .collect();
    // actions the status allows, and the stages to move to while it is worked on
    let status = ticket.status;
    let actions: Vec<&'static str> = TicketAction::ALL
        .into_iter()
        .filter(|action| transition(status, *action).is_ok())
        .map(TicketAction::name)
        .collect();
    // the next stage is offered first-hand; a resolved ticket still moves (to its return visit)
    let stages = match status {
        TicketStatus::Open | TicketStatus::WaitingCustomer | TicketStatus::Resolved => {
            servq_app::desk::find_workflow(&workflows, ticket.ticket_type.name())
                .map(|flow| {
                    let preselected = flow
                        .next(&ticket.stage)
                        .map_or(ticket.stage.as_str(), |next| next.id.as_str());
                    flow.stages
                        .iter()
                        .map(|s| {
                            (
                                s.id.clone(),
                                stage_label(locale, &workflows, ticket.ticket_type.name(), &s.id),
                                s.id == preselected,
                            )
                        })
                        .collect()
                })
                .unwrap_or_default()
        }
        _ => Vec::new(),
    };
    let teams = state
        .store
        .dimension_values(servq_store::Dimension::Team)
        .await
        .map_err(Problem::internal)?;
    let complaint = ticket.ticket_type.is_complaint();
    let visit = if complaint {
        state
            .store
            .return_visit(&ticket.ticket_id)
            .await
            .map_err(Problem::internal)?
    } else {
        None
    };
    let attachments = state
        .store
        .attachments(&ticket.ticket_id)
        .await
        .map_err(Problem::internal)?;
    let events = state
        .store
        .ticket_events(&ticket.ticket_id)
        .await
        .map_err(Problem::internal)?
        .into_iter()
        .map(|event| EventLine {
            at: local_time(&zone, Some(event.at_ms)),
            actor: event.actor,
            kind: event.kind,
            detail: event.detail,
        })
        .collect();
    // serving the customer needs their history (never evaluations, QA scores or performance
    // figures); each look at it is audited
    let customer = crate::customers::card(
        &state,
        &user,
        &ticket.customer_id,
        serde_json::json!({"ticket": ticket.ticket_id}),
    )
    .await?;
    let used_articles = state
        .store
        .kb_ticket_articles(&ticket.ticket_id)
        .await
        .map_err(Problem::internal)?
        .into_iter()
        .map(|used| (path_segment(&used.article_id), used.title, used.version))
        .collect();
    // the composer: the canned replies filled in for this ticket, and where an answer goes by
    // e-mail (the address of the customer's latest message)
    let (_, canned) = servq_app::replies::for_ticket(&state.store, &ticket)
        .await
        .map_err(Problem::internal)?;
    let thread = state
        .store
        .ticket_emails(&ticket.ticket_id)
        .await
        .map_err(Problem::internal)?;
    let email_to =
        servq_app::email::answered_message(&thread).map(|email| email.from_address.clone());
    let emails = thread
        .into_iter()
        .map(|email| EmailLine {
            at: local_time(&zone, Some(email.at_ms)),
            inbound: email.inbound,
            from: email.from_address,
            to: email.to_address,
            subject: email.subject,
            outcome: email.outcome.name(),
        })
        .collect();
    let page = TicketPage {
        canned,
        email_to,
        emails,
        used_articles,
        i18n: Text::new(locale),
        title: t(locale, "tickets.ticket"),
        header: signed_in_header(&user),
        csrf: user.csrf_token(),
        path: path_segment(&ticket.ticket_id),
        status_token: params
            .token
            .as_deref()
            .filter(|token| !token.is_empty())
            .map(path_segment),
        status_url: params
            .token
            .as_deref()
            .filter(|token| !token.is_empty())
            .map(|token| crate::desk::status_url(&state, &headers, token)),
        kind: type_label(locale, ticket.ticket_type.name()),
        stage_name: stage_label(locale, &workflows, ticket.ticket_type.name(), &ticket.stage),
        category_name,
        created: local_time(&zone, Some(ticket.created_ms)),
        clocks,
        actions,
        stages,
        teams,
        complaint,
        visit_at: visit
            .as_ref()
            .map(|visit| local_time(&zone, Some(visit.visited_ms)))
            .unwrap_or_default(),
        visit,
        outcomes: servq_desk::ReturnVisitOutcome::ALL,
        attachments,
        events,
        customer,
        customer_href: path_segment(&ticket.customer_id),
        ticket,
    };
    Ok(render(&page)?.into_response())
}

struct ClockLine {
    metric: servq_desk::SlaMetric,
    state: servq_desk::ClockState,
    target_minutes: i64,
    used_minutes: i64,
    due: String,
    breached: bool,
}

/// One e-mail of the ticket, as the page lists it.
struct EmailLine {
    at: String,
    inbound: bool,
    from: String,
    to: String,
    subject: String,
    outcome: &'static str,
}

struct EventLine {
    at: String,
    actor: String,
    kind: String,
    detail: String,
}

#[derive(askama::Template)]
#[template(path = "ticket.html")]
struct TicketPage<'a> {
    i18n: Text,
    title: String,
    header: String,
    csrf: &'a str,
    ticket: servq_store::Ticket,
    /// The ticket id as a path segment.
    path: String,
    /// The status page's token, shown once after the ticket was opened.
    status_token: Option<String>,
    /// The status page's absolute address (the public URL, else this request's host), shown
    /// with the token.
    status_url: Option<String>,
    kind: String,
    stage_name: String,
    category_name: String,
    created: String,
    clocks: Vec<ClockLine>,
    actions: Vec<&'static str>,
    /// (stage, name, current)
    stages: Vec<(String, String, bool)>,
    teams: Vec<String>,
    complaint: bool,
    visit: Option<servq_store::ReturnVisit>,
    visit_at: String,
    outcomes: [servq_desk::ReturnVisitOutcome; 3],
    attachments: Vec<servq_store::Attachment>,
    events: Vec<EventLine>,
    /// The customer card (serving staff only).
    customer: Option<crate::customers::CustomerCard>,
    /// The customer's id as a path segment.
    customer_href: String,
    /// Articles used on this ticket: (id as a path segment, title, version).
    used_articles: Vec<(String, String, i64)>,
    /// The canned replies for this ticket, filled in.
    canned: Vec<servq_app::replies::FilledReply>,
    /// Where a reply is mailed (the customer wrote by e-mail).
    email_to: Option<String>,
    /// The ticket's e-mails, oldest first.
    emails: Vec<EmailLine>,
}

/// The parts of the desk set-up edited on `/desk/setup`: (id, the `PUT` that stores it, the key
/// of its body). Categories have their own route; the others go to `/api/v1/desk/config`.
const SETUP_PARTS: [(&str, &str, &str); 7] = [
    ("categories", "/api/v1/desk/categories", "categories"),
    ("workflows", "/api/v1/desk/config", "workflows"),
    ("policy", "/api/v1/desk/config", "policy"),
    ("routing", "/api/v1/desk/config", "routing"),
    ("calendar", "/api/v1/desk/config", "calendar"),
    ("tag_rules", "/api/v1/customer-tag-rules", "rules"),
    ("canned_replies", "/api/v1/canned-replies", "replies"),
];

/// A stored setting as JSON: indented for its edit box, and as a script island for its form
/// editor.
fn setting_json<T: serde::Serialize>(
    value: anyhow::Result<T>,
) -> Result<(String, String), Problem> {
    let value =
        serde_json::to_value(value.map_err(Problem::internal)?).map_err(Problem::internal)?;
    Ok((
        serde_json::to_string_pretty(&value).map_err(Problem::internal)?,
        crate::pages::script_json(&value),
    ))
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
    let store = &state.store;
    let texts = [
        setting_json(servq_app::desk::categories(store).await)?,
        setting_json(workflows(store).await)?,
        setting_json(servq_app::desk::sla_policy(store).await)?,
        setting_json(servq_app::desk::routing(store).await)?,
        setting_json(servq_app::desk::calendar_spec(store).await)?,
        setting_json(servq_app::customers::tag_rules(store).await)?,
        setting_json(servq_app::replies::canned_replies(store).await)?,
    ];
    // the national schedules the calendar editor imports: {"2026": {"holidays", "workdays"}}
    let schedules: serde_json::Map<String, serde_json::Value> = servq_desk::CHINA_SCHEDULE_YEARS
        .iter()
        .filter_map(|year| {
            let (holidays, workdays) = servq_desk::china_schedule(*year)?;
            let days = |dates: Vec<jiff::civil::Date>| {
                dates.iter().map(|d| d.to_string()).collect::<Vec<_>>()
            };
            Some((
                year.to_string(),
                serde_json::json!({"holidays": days(holidays), "workdays": days(workdays)}),
            ))
        })
        .collect();
    let page = DeskSetupPage {
        i18n: Text::new(locale),
        title: t(locale, "desk_setup.title"),
        header: signed_in_header(&user),
        csrf: user.csrf_token(),
        parts: SETUP_PARTS
            .iter()
            .zip(texts)
            .map(|((id, url, key), (text, island))| SetupPart {
                id,
                url,
                key,
                text,
                island,
            })
            .collect(),
        schedules: crate::pages::script_json(&serde_json::Value::Object(schedules)),
        editor_strings: crate::pages::catalogue_island(locale, "editor."),
    };
    Ok(render(&page)?.into_response())
}

/// A setting on the set-up page with its edit box.
struct SetupPart {
    id: &'static str,
    url: &'static str,
    key: &'static str,
    text: String,
    /// The same as a script island, for a form editor.
    island: String,
}

#[derive(askama::Template)]
#[template(path = "desk_setup.html")]
struct DeskSetupPage<'a> {
    i18n: Text,
    title: String,
    header: String,
    csrf: &'a str,
    parts: Vec<SetupPart>,
    /// National holiday schedules by year, for the calendar editor.
    schedules: String,
    /// The editors' texts.
    editor_strings: String,
}
