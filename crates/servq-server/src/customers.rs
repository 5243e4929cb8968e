//! Customers over HTTP (docs/customers.md): `/customers/{id}` — the profile, the measures and
//! the whole timeline — `GET /api/v1/customers/{id}`, and the customer card on the ticket and
//! contact pages (the last interactions). Anyone who serves customers (HandleTickets) sees a
//! customer's service history, never other agents' evaluations or scores; phone and e-mail are
//! masked unless the reader serves the customer or manages the desk; every look is audited.

use askama::Template;
use axum::{
    Json,
    extract::{
        Path, Query, State,
        rejection::{JsonRejection, PathRejection, QueryRejection},
    },
    http::header,
    response::{IntoResponse, Redirect, Response},
};
use serde::Deserialize;
use serde_json::Value;
use servq_app::customers::{self as app, CustomerView};
use servq_core::Permission;

use crate::{
    AppState, Problem,
    auth::CurrentUser,
    desk_pages::local_time,
    i18n::t,
    pages::{Text, render, signed_in_header},
};

/// Interactions on the customer card.
const CARD_ENTRIES: usize = 5;

/// Timeline entries on the customer page.
const PAGE_ENTRIES: usize = 500;

/// One line of a timeline as a page shows it.
pub(crate) struct TimelineRow {
    pub(crate) kind: &'static str,
    pub(crate) id: String,
    pub(crate) link: String,
    pub(crate) at: String,
    pub(crate) summary: String,
    pub(crate) complaint: bool,
}

/// The customer card on the ticket and contact pages.
pub(crate) struct CustomerCard {
    pub(crate) id: String,
    pub(crate) href: String,
    pub(crate) name: String,
    pub(crate) segment: String,
    pub(crate) tags: Vec<String>,
    /// Tags the tag rules give (shown apart: nobody typed them).
    pub(crate) computed_tags: Vec<String>,
    pub(crate) complaints: usize,
    pub(crate) open_tickets: usize,
    pub(crate) rows: Vec<TimelineRow>,
}

fn rows(view: &CustomerView, zone: &jiff::tz::TimeZone) -> Vec<TimelineRow> {
    view.timeline
        .iter()
        .map(|entry| TimelineRow {
            kind: entry.kind,
            id: entry.id.clone(),
            link: entry.link.clone(),
            at: local_time(zone, Some(entry.at_ms)),
            summary: entry.summary.clone(),
            complaint: entry.complaint,
        })
        .collect()
}

/// Records that `user` looked at the customer's history (where: `context`).
async fn audit_view(
    state: &AppState,
    user: &CurrentUser,
    action: &str,
    customer_id: &str,
    context: Value,
) -> Result<(), Problem> {
    state
        .store
        .audit(
            &user.actor(),
            crate::now_ms(),
            action,
            "customer",
            customer_id,
            &context.to_string(),
        )
        .await
        .map_err(Problem::internal)
}

/// The card of customer `customer_id` for a page about one of their tickets or contacts
/// (`context`, audited); `None` when the reader may not serve customers or nothing is known.
pub(crate) async fn card(
    state: &AppState,
    user: &CurrentUser,
    customer_id: &str,
    context: Value,
) -> Result<Option<CustomerCard>, Problem> {
    if customer_id.trim().is_empty() || !user.user.role.allows(Permission::HandleTickets) {
        return Ok(None);
    }
    let Some(view) = app::view(
        &state.store,
        customer_id,
        Some(CARD_ENTRIES),
        reader(user),
        crate::now_ms(),
    )
    .await
    .map_err(Problem::internal)?
    else {
        return Ok(None);
    };
    audit_view(state, user, "view_customer_history", customer_id, context).await?;
    let (_, zone) = state.centre_zone().await?;
    let profile = view.profile.as_ref().map(|p| &p.record);
    Ok(Some(CustomerCard {
        id: view.customer_id.clone(),
        href: servq_app::path_segment(&view.customer_id),
        name: profile.map_or(String::new(), |p| p.name.clone()),
        segment: profile.map_or(String::new(), |p| p.segment.clone()),
        tags: view.typed_tags().to_vec(),
        computed_tags: view.computed_tags(),
        complaints: view.measures.complaints,
        open_tickets: view.measures.open_tickets,
        rows: rows(&view, &zone),
    }))
}

/// `user` as a reader of customers.
fn reader(user: &CurrentUser) -> app::Reader<'_> {
    app::Reader::User {
        role: user.user.role,
        agent_id: user.user.agent_id.as_deref(),
    }
}

/// The view of customer `id` for `user` (HandleTickets), audited; 404 when nothing is known.
async fn readable(
    state: &AppState,
    user: &CurrentUser,
    id: &str,
    limit: Option<usize>,
) -> Result<CustomerView, Problem> {
    user.require(Permission::HandleTickets)?;
    let view = app::view(&state.store, id, limit, reader(user), crate::now_ms())
        .await
        .map_err(Problem::internal)?
        .ok_or_else(|| Problem::not_found(user.locale))?;
    audit_view(
        state,
        user,
        "view_customer",
        &view.customer_id,
        serde_json::json!({"personal_fields": view.personal_fields_whole}),
    )
    .await?;
    Ok(view)
}

/// `GET /api/v1/customers/{id}` query.
#[derive(Debug, Deserialize, Default, utoipa::IntoParams)]
pub(crate) struct CustomerQuery {
    /// At most this many timeline entries (newest first); all when absent.
    limit: Option<usize>,
}

/// `GET /api/v1/customers/{id}`: a customer's profile, timeline and measures.
#[utoipa::path(get, path = "/api/v1/customers/{id}", tag = "desk",
    params(("id" = String, Path, description = "The customer's id"), CustomerQuery),
    responses((status = 200, description = "{customer_id, name, phone, email (masked unless the reader serves the customer or manages the desk), language, segment, tags, since, closed_at, attributes, timeline: [{kind: contact|ticket|survey|return_visit, id, at (RFC 3339, centre's offset), complaint, summary}] newest first, measures: {contacts, tickets, complaints, open_tickets, csat_mean, repeat_contact_rate}}", body = Object),
        (status = 400, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 404, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn customer_api(
    State(state): State<AppState>,
    user: CurrentUser,
    id: Result<Path<String>, PathRejection>,
    query: Result<Query<CustomerQuery>, QueryRejection>,
) -> Result<Json<Value>, Problem> {
    let Path(id) = id.map_err(|_| Problem::not_found(user.locale))?;
    let Query(query) = query?;
    let view = readable(&state, &user, &id, query.limit).await?;
    let (_, zone) = state.centre_zone().await?;
    Ok(Json(app::view_json(&view, &zone)))
}

/// `PUT /api/v1/customers/{id}`: creates or replaces a customer's profile (ManageDesk).
#[utoipa::path(put, path = "/api/v1/customers/{id}", tag = "desk",
    params(("id" = String, Path, description = "The customer's id")),
    request_body(content = Object, description = "{name, phone, email, language: zh-CN|zh-TW|en|'', segment, tags: [..], since: YYYY-MM-DD|'', closed_at: YYYY-MM-DD|'', attributes?: {name: value} (absent: kept)}; the import's checks"),
    responses((status = 200, description = "{id}", body = Object),
        (status = 400, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 415, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 422, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn save_customer(
    State(state): State<AppState>,
    user: CurrentUser,
    id: Result<Path<String>, PathRejection>,
    body: Result<Json<app::CustomerRequest>, JsonRejection>,
) -> Result<Json<Value>, Problem> {
    user.require(Permission::ManageDesk)?;
    let Path(id) = id.map_err(|_| Problem::not_found(user.locale))?;
    let Json(body) = body?;
    app::save(&state.store, &id, body, &user.actor())
        .await
        .map_err(|e| Problem::refused_setting(user.locale, "bad_customer", e))?;
    Ok(Json(serde_json::json!({"id": id.trim()})))
}

/// Most customers the at-risk list shows.
const AT_RISK_LIMIT: usize = 200;

/// `GET /api/v1/at-risk-customers`: customers whose risk is rising (HandleTickets).
#[utoipa::path(get, path = "/api/v1/at-risk-customers", tag = "desk",
    responses((status = 200, description = "{weights: {complaints, unsatisfied, repeats}, period_days, min_score, customers: [{customer_id, name, segment, now: {complaints, unsatisfied, repeats, score}, before: {…}, last_contact_at}]}: score ≥ min_score over the last period and above the period before, highest first (at most 200)", body = Object),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn at_risk_api(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Json<Value>, Problem> {
    user.require(Permission::HandleTickets)?;
    let list = app::at_risk(&state.store, crate::now_ms(), AT_RISK_LIMIT)
        .await
        .map_err(Problem::internal)?;
    let (_, zone) = state.centre_zone().await?;
    Ok(Json(app::at_risk_json(&list, &zone)))
}

/// `POST /api/v1/customers/{id}/return-visit`: opens the follow-up ticket of a return visit.
#[utoipa::path(post, path = "/api/v1/customers/{id}/return-visit", tag = "desk",
    params(("id" = String, Path, description = "The customer")),
    responses((status = 201, description = "{ticket_id, url}: a high-priority consult ticket for the customer, in the category of their latest complaint, routed as any", body = Object),
        (status = 400, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 404, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn return_visit(
    State(state): State<AppState>,
    user: CurrentUser,
    id: Result<Path<String>, PathRejection>,
) -> Result<(axum::http::StatusCode, Json<Value>), Problem> {
    user.require(Permission::HandleTickets)?;
    let Path(id) = id.map_err(|_| Problem::not_found(user.locale))?;
    // the customer must be known (and the look is audited like any)
    let view = readable(&state, &user, &id, Some(1)).await?;
    let ticket_id =
        app::schedule_return_visit(&state.store, &view.customer_id, &user.actor(), user.locale)
            .await
            .map_err(|refused| crate::desk::open_refused(user.locale, refused))?;
    crate::notifications::notify_now(&state).await;
    Ok((
        axum::http::StatusCode::CREATED,
        Json(serde_json::json!({"ticket_id": ticket_id,
            "url": format!("/tickets/{}", servq_app::path_segment(&ticket_id))})),
    ))
}

/// One row of the at-risk page.
pub(crate) struct AtRiskRow {
    id: String,
    href: String,
    name: String,
    segment: String,
    score: i64,
    before: i64,
    complaints: i64,
    unsatisfied: i64,
    repeats: i64,
    last_contact: String,
}

/// `/customers-at-risk`.
#[derive(Template)]
#[template(path = "customers_at_risk.html")]
pub(crate) struct AtRiskPage {
    i18n: Text,
    title: String,
    header: String,
    csrf: String,
    /// The rule in words, with the weights.
    rule: String,
    rows: Vec<AtRiskRow>,
}

/// `/customers-at-risk`: customers whose risk is rising, each with a return-visit button.
pub(crate) async fn at_risk_page(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
) -> Result<Response, Problem> {
    let Some(user) = user else {
        return Ok(Redirect::to("/login").into_response());
    };
    user.require(Permission::HandleTickets)?;
    let list = app::at_risk(&state.store, crate::now_ms(), AT_RISK_LIMIT)
        .await
        .map_err(Problem::internal)?;
    let (_, zone) = state.centre_zone().await?;
    let locale = user.locale;
    let weights = servq_core::RISK_WEIGHTS;
    let page = AtRiskPage {
        i18n: Text::new(locale),
        title: t(locale, "customer.at_risk_title"),
        header: signed_in_header(&user),
        csrf: user.csrf_token().to_owned(),
        rule: t(locale, "customer.at_risk_rule")
            .replace("{complaints}", &weights.complaints.to_string())
            .replace("{unsatisfied}", &weights.unsatisfied.to_string())
            .replace("{repeats}", &weights.repeats.to_string())
            .replace("{days}", &servq_core::RISK_PERIOD_DAYS.to_string())
            .replace("{min}", &servq_core::RISK_MIN_SCORE.to_string()),
        rows: list
            .iter()
            .map(|c| AtRiskRow {
                id: c.customer_id.clone(),
                href: servq_app::path_segment(&c.customer_id),
                name: c.name.clone(),
                segment: c.segment.clone(),
                score: c.now.score(),
                before: c.before.score(),
                complaints: c.now.complaints,
                unsatisfied: c.now.unsatisfied,
                repeats: c.now.repeats,
                last_contact: local_time(&zone, c.last_contact_ms),
            })
            .collect(),
    };
    Ok(render(&page)?.into_response())
}

/// `{"duplicates": [...]}`: the ids merged into the one in the path.
#[derive(Debug, serde::Deserialize)]
pub(crate) struct MergeBody {
    #[serde(default)]
    duplicates: Vec<String>,
}

/// `POST /api/v1/customers/{id}/merge`: merges duplicates into customer `id` (ManageDesk).
#[utoipa::path(post, path = "/api/v1/customers/{id}/merge", tag = "desk",
    params(("id" = String, Path, description = "The customer kept")),
    request_body(content = Object, description = "{duplicates: [customer ids]}: their contacts, tickets and survey invitations move to the kept id (FCR re-linked), the profiles become one (the kept one's fields win), the old ids lead to the kept one; problems at id or duplicates.{n}"),
    responses((status = 200, description = "{customer_id, contacts, tickets, invitations}: what moved", body = Object),
        (status = 400, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 415, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 422, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn merge_customers(
    State(state): State<AppState>,
    user: CurrentUser,
    id: Result<Path<String>, PathRejection>,
    body: Result<Json<MergeBody>, JsonRejection>,
) -> Result<Json<Value>, Problem> {
    user.require(Permission::ManageDesk)?;
    let Path(id) = id.map_err(|_| Problem::not_found(user.locale))?;
    let Json(body) = body?;
    let moved = app::merge(&state.store, &id, &body.duplicates, &user.actor())
        .await
        .map_err(|e| Problem::refused_setting(user.locale, "bad_merge", e))?;
    Ok(Json(
        serde_json::json!({"customer_id": id.trim(), "contacts": moved.contacts,
        "tickets": moved.tickets, "invitations": moved.invitations}),
    ))
}

/// `{"rules": [...]}`: the tag rules as `PUT /api/v1/customer-tag-rules` takes them.
#[derive(Debug, serde::Deserialize)]
pub(crate) struct TagRulesBody {
    rules: Vec<servq_core::TagRule>,
}

/// `GET /api/v1/customer-tag-rules`: the centre's tag rules (ManageDesk).
#[utoipa::path(get, path = "/api/v1/customer-tag-rules", tag = "desk",
    responses((status = 200, description = "{rules: [{tag, enabled, condition: {kind: frequent, contacts, days} | {kind: complained_within, days} | {kind: unsatisfied_last_survey, csat_at_most} | {kind: segment, segment}}]}", body = Object),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn tag_rules_api(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Json<Value>, Problem> {
    user.require(Permission::ManageDesk)?;
    let rules = app::tag_rules(&state.store)
        .await
        .map_err(Problem::internal)?;
    Ok(Json(serde_json::json!({ "rules": rules })))
}

/// `PUT /api/v1/customer-tag-rules`: replaces the tag rules (ManageDesk, audited) and gives
/// every customer their tags under them at once.
#[utoipa::path(put, path = "/api/v1/customer-tag-rules", tag = "desk",
    request_body(content = Object, description = "{rules: [...]} as GET gives them; problems at rules.{n}.tag or rules.{n}.condition.{field}"),
    responses((status = 200, description = "{rules, changed: customers whose tags changed}", body = Object),
        (status = 400, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 415, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 422, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn save_tag_rules(
    State(state): State<AppState>,
    user: CurrentUser,
    body: Result<Json<TagRulesBody>, JsonRejection>,
) -> Result<Json<Value>, Problem> {
    user.require(Permission::ManageDesk)?;
    let Json(body) = body?;
    let changed = app::save_tag_rules(&state.store, body.rules, &user.actor())
        .await
        .map_err(|e| Problem::refused_setting(user.locale, "bad_tag_rules", e))?;
    let rules = app::tag_rules(&state.store)
        .await
        .map_err(Problem::internal)?;
    Ok(Json(
        serde_json::json!({ "rules": rules, "changed": changed }),
    ))
}

/// `/customers/{id}`.
#[derive(Template)]
#[template(path = "customer.html")]
pub(crate) struct CustomerPage {
    i18n: Text,
    title: String,
    header: String,
    csrf: String,
    /// (label, value) of the profile; empty without a profile.
    facts: Vec<(String, String)>,
    has_profile: bool,
    masked: bool,
    tags: Vec<String>,
    computed_tags: Vec<String>,
    /// Ids merged into this customer.
    merged_ids: Vec<String>,
    /// The id as a path segment.
    href: String,
    /// (label, value) of the measures.
    measures: Vec<(String, String)>,
    rows: Vec<TimelineRow>,
    capped: bool,
    /// The profile form (desk managers): the API URL and the fields as stored.
    edit: Option<EditForm>,
    /// The customer's data requests (export, erasure) are offered (ManageSettings).
    privacy: bool,
}

/// The profile form's values.
pub(crate) struct EditForm {
    url: String,
    /// Where duplicates are merged into this customer.
    merge_url: String,
    name: String,
    phone: String,
    email: String,
    language: String,
    segment: String,
    tags: String,
    since: String,
    closed_at: String,
    languages: [&'static str; 3],
}

/// `GET /customers/{id}`: the profile, the measures and the timeline.
pub(crate) async fn customer_page(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    id: Result<Path<String>, PathRejection>,
) -> Result<Response, Problem> {
    let Some(user) = user else {
        return Ok(Redirect::to("/login").into_response());
    };
    let Path(id) = id.map_err(|_| Problem::not_found(user.locale))?;
    let view = readable(&state, &user, &id, Some(PAGE_ENTRIES)).await?;
    if view.customer_id != id.trim() {
        // a merged id: the customer it was merged into
        return Ok(Redirect::to(&format!(
            "/customers/{}",
            servq_app::path_segment(&view.customer_id)
        ))
        .into_response());
    }
    let whole = view.personal_fields_whole;
    let locale = user.locale;
    let (_, zone) = state.centre_zone().await?;
    let mut facts = Vec::new();
    if let Some(profile) = &view.profile {
        let record = &profile.record;
        let (phone, email) = app::personal_fields(profile, whole);
        let day = |d: Option<jiff::civil::Date>| d.map_or(String::new(), |d| d.to_string());
        for (key, value) in [
            ("customer.name", record.name.clone()),
            ("customer.phone", phone),
            ("customer.email", email),
            ("customer.language", record.language.clone()),
            ("customer.segment", record.segment.clone()),
            ("customer.since", day(record.since)),
            ("customer.closed_at", day(record.closed_at)),
        ] {
            if !value.is_empty() {
                facts.push((t(locale, key), value));
            }
        }
        for (name, value) in &record.attributes {
            facts.push((name.clone(), value.clone()));
        }
    }
    let m = &view.measures;
    let percent = |v: Option<f64>| v.map_or("—".to_owned(), |v| format!("{:.1}%", v * 100.0));
    let measures = vec![
        (t(locale, "customer.contacts"), m.contacts.to_string()),
        (t(locale, "customer.tickets"), m.tickets.to_string()),
        (t(locale, "customer.complaints"), m.complaints.to_string()),
        (
            t(locale, "customer.open_tickets"),
            m.open_tickets.to_string(),
        ),
        (
            t(locale, "customer.csat_mean"),
            m.csat_mean.map_or("—".to_owned(), |v| format!("{v:.2}")),
        ),
        (
            t(locale, "customer.repeat_contact_rate"),
            percent(m.repeat_contact_rate),
        ),
    ];
    let page = CustomerPage {
        i18n: Text::new(locale),
        title: match view.profile.as_ref().map(|p| p.record.name.as_str()) {
            Some(name) if !name.is_empty() => format!(
                "{} · {name}",
                t(locale, "customer.title").replace("{id}", &view.customer_id)
            ),
            _ => t(locale, "customer.title").replace("{id}", &view.customer_id),
        },
        header: signed_in_header(&user),
        csrf: user.csrf_token().to_owned(),
        has_profile: view.profile.is_some(),
        masked: !whole && view.profile.is_some(),
        // the segment first, then the tags
        tags: view.profile.as_ref().map_or(Vec::new(), |p| {
            std::iter::once(p.record.segment.clone())
                .filter(|s| !s.is_empty())
                .chain(p.record.tags.iter().cloned())
                .collect()
        }),
        computed_tags: view.computed_tags(),
        merged_ids: view.merged_ids.clone(),
        href: servq_app::path_segment(&view.customer_id),
        facts,
        measures,
        capped: view.timeline.len() >= PAGE_ENTRIES,
        rows: rows(&view, &zone),
        privacy: user.user.role.allows(Permission::ManageSettings),
        edit: user.user.role.allows(Permission::ManageDesk).then(|| {
            let record = view
                .profile
                .as_ref()
                .map(|p| p.record.clone())
                .unwrap_or_default();
            let day = |d: Option<jiff::civil::Date>| d.map_or(String::new(), |d| d.to_string());
            EditForm {
                url: format!(
                    "/api/v1/customers/{}",
                    servq_app::path_segment(&view.customer_id)
                ),
                merge_url: format!(
                    "/api/v1/customers/{}/merge",
                    servq_app::path_segment(&view.customer_id)
                ),
                name: record.name,
                phone: record.phone,
                email: record.email,
                language: record.language,
                segment: record.segment,
                tags: record.tags.join("; "),
                since: day(record.since),
                closed_at: day(record.closed_at),
                languages: servq_core::CUSTOMER_LANGUAGES,
            }
        }),
    };
    Ok(render(&page)?.into_response())
}

/// `?format=json|html` of an export.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
pub(crate) struct ExportParams {
    /// json (default) or html (a readable page).
    format: Option<String>,
}

/// `GET /api/v1/customers/{id}/export`: everything stored about the customer — their access
/// request under the PIPL (ManageSettings, audited) — as JSON or a readable HTML page.
#[utoipa::path(get, path = "/api/v1/customers/{id}/export", tag = "desk",
    params(("id" = String, Path, description = "Customer id"), ExportParams),
    responses((status = 200, description = "{customer_id, exported_at, profile, contacts (with transcripts), tickets (with history, e-mails, attachments' names), survey_answers, return_visits}; or the same as a page", body = Object),
        (status = 400, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 404, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn export_customer(
    State(state): State<AppState>,
    user: CurrentUser,
    id: Result<Path<String>, PathRejection>,
    params: Result<Query<ExportParams>, QueryRejection>,
) -> Result<Response, Problem> {
    user.require(Permission::ManageSettings)?;
    let Path(id) = id?;
    let Query(params) = params?;
    let html = match params.format.as_deref().unwrap_or("json") {
        "json" => false,
        "html" => true,
        other => {
            return Err(Problem::bad_request(
                user.locale,
                "bad_format",
                format!("format '{other}' is not json or html"),
            ));
        }
    };
    let exported = servq_app::privacy::export(&state.store, &id, &user.actor())
        .await
        .map_err(Problem::internal)?
        .ok_or_else(|| Problem::not_found(user.locale))?;
    let file = format!(
        "customer-{}",
        servq_app::desk::clean_file_name(&id, "customer")
    );
    Ok(if html {
        (
            [
                (header::CONTENT_TYPE, "text/html; charset=utf-8".to_owned()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{}.html\"", file.replace('"', "")),
                ),
            ],
            servq_app::privacy::export_html(&exported, user.locale),
        )
            .into_response()
    } else {
        (
            [(
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}.json\"", file.replace('"', "")),
            )],
            Json(exported),
        )
            .into_response()
    })
}

/// `POST /api/v1/customers/{id}/erase`: erases the customer on their request
/// (ManageSettings, audited): profile, contact details, transcript words, ticket texts and
/// attachments go; contacts, tickets and survey answers keep a pseudonym, so counts and KPIs stay.
#[utoipa::path(post, path = "/api/v1/customers/{id}/erase", tag = "desk",
    params(("id" = String, Path, description = "Customer id")),
    responses((status = 200, description = "{profiles, contacts, transcripts, tickets, survey_rows, attachments}: what was erased", body = Object),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 404, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn erase_customer(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: axum::http::HeaderMap,
    id: Result<Path<String>, PathRejection>,
) -> Result<Json<Value>, Problem> {
    user.require(Permission::ManageSettings)?;
    user.check_csrf_header(&headers)?;
    let Path(id) = id?;
    let erased = servq_app::privacy::erase(&state.store, &id, &user.actor())
        .await
        .map_err(Problem::internal)?
        .ok_or_else(|| Problem::not_found(user.locale))?;
    Ok(Json(
        serde_json::to_value(erased).map_err(Problem::internal)?,
    ))
}

/// `GET /api/v1/privacy/retention`: how long personal data is kept (ManageSettings).
#[utoipa::path(get, path = "/api/v1/privacy/retention", tag = "desk",
    responses((status = 200, description = "{contacts_days, transcripts_days, closed_profiles_days}: days, null keeps", body = Object),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn retention(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Json<Value>, Problem> {
    user.require(Permission::ManageSettings)?;
    let retention = servq_app::privacy::retention(&state.store)
        .await
        .map_err(Problem::internal)?;
    Ok(Json(
        serde_json::to_value(retention).map_err(Problem::internal)?,
    ))
}

/// `PUT /api/v1/privacy/retention`: sets the retention periods (ManageSettings, audited; at
/// least 30 days each, null keeps); the nightly `data-retention` job applies them.
#[utoipa::path(put, path = "/api/v1/privacy/retention", tag = "desk",
    request_body(content = Object, description = "{contacts_days, transcripts_days, closed_profiles_days}"),
    responses((status = 200, description = "the periods saved", body = Object),
        (status = 400, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 415, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 422, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn save_retention(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: axum::http::HeaderMap,
    body: Result<Json<servq_app::privacy::Retention>, JsonRejection>,
) -> Result<Json<Value>, Problem> {
    user.require(Permission::ManageSettings)?;
    user.check_csrf_header(&headers)?;
    let Json(body) = body?;
    servq_app::privacy::save_retention(&state.store, body, &user.actor())
        .await
        .map_err(|e| Problem::refused_setting(user.locale, "bad_retention", e))?;
    Ok(Json(serde_json::to_value(body).map_err(Problem::internal)?))
}
