//! The front-desk ledgers over HTTP (docs/ledgers.md): `/api/v1/ledgers/…` and the desk's pages
//! — the day at the desk, lending, lost and found, medicine, card requests, paid services,
//! receipts to print and the ledgers' settings. Built for a tablet or phone at the counter.

use askama::Template;
use axum::{
    Json,
    extract::{Path, Query, State, rejection::JsonRejection, rejection::QueryRejection},
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Redirect, Response},
};
use jiff::{Timestamp, civil::Date, tz::TimeZone};
use serde::Deserialize;
use serde_json::{Value, json};
use servq_app::i18n::Locale;
use servq_app::i18n::t;
use servq_app::ledgers::{
    self as app, ActionError, CardRequestBody, CardStep, ClaimRequest, CloseReport, DisposeRequest,
    FoundRequest, LendRequest, LostReportRequest, MedicineRequest, RetentionRules, ReturnRequest,
    ServiceRequest,
};
use servq_core::Permission;
use servq_desk::ledger::{
    CardRequest, DepositMethod, Entry, EntryStatus, FOUND_CATEGORIES, ItemType, LedgerKind,
    MedicineUse, PaidService, ReturnCondition, mask_phone,
};
use servq_store::{FileRole, ItemCondition, MedicineStock, StoredEntry};

use crate::{
    AppState, Problem,
    auth::CurrentUser,
    desk_pages::local_time,
    pages::{Text, render, signed_in_header},
    query_params::{add_days, today},
};

/// The largest ledger request: a photo or signature as a data URL, with room to spare.
pub(crate) const MAX_LEDGER_BODY_BYTES: usize = 4 * 1024 * 1024;

/// A ledger named in a path (`lost-found` or `lost_found`).
fn ledger_in_path(locale: Locale, name: &str) -> Result<LedgerKind, Problem> {
    LedgerKind::parse(name).ok_or_else(|| Problem::not_found(locale))
}

/// The permission a ledger's entries need: the medicine log is kept apart.
fn permission_for(ledger: LedgerKind) -> Permission {
    match ledger {
        LedgerKind::Medicine => Permission::RecordMedicine,
        _ => Permission::UseLedgers,
    }
}

/// A desk action's refusal as the API answers it.
fn action_problem(locale: Locale, error: ActionError) -> Problem {
    match error {
        ActionError::Refused(problems) => {
            Problem::invalid_fields(locale, "bad_ledger_entry", &problems)
        }
        ActionError::NotFound => Problem::not_found(locale),
        ActionError::Conflict(status) => {
            Problem::conflict("ledger_entry_changed", format!("the entry is {status} now"))
                .with_message(
                    locale,
                    "ledger_entry_changed",
                    &[(
                        "status",
                        &t(locale, &format!("ledger.status_{}", status.name())),
                    )],
                )
        }
        ActionError::Failed(error) => Problem::internal(format!("{error:#}")),
    }
}

/// 201 with the new entry's id and where its page is.
fn created(ledger: LedgerKind, entry_id: String) -> Response {
    let page = format!("{}/{}", page_path(ledger), entry_id);
    (
        StatusCode::CREATED,
        Json(json!({"entry_id": entry_id, "page": page})),
    )
        .into_response()
}

/// The page of a ledger.
fn page_path(ledger: LedgerKind) -> &'static str {
    match ledger {
        LedgerKind::Lending => "/ledgers/lending",
        LedgerKind::LostFound => "/ledgers/lost-found",
        LedgerKind::Medicine => "/ledgers/medicine",
        LedgerKind::Membership => "/ledgers/membership",
        LedgerKind::PaidServices => "/ledgers/paid-services",
        LedgerKind::LostReports => "/ledgers/lost-reports",
    }
}

/// `GET /api/v1/ledger-entries/{ledger}`.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
pub(crate) struct EntriesQuery {
    /// Only entries still open (lent, stored, requested, ready).
    #[serde(default)]
    open: bool,
    /// Entries opened in the last this many days (default 30).
    days: Option<i64>,
}

/// `GET /api/v1/ledger-entries/{ledger}`: a ledger's entries, newest first.
#[utoipa::path(get, path = "/api/v1/ledger-entries/{ledger}", tag = "ledgers",
    params(("ledger" = String, Path, description = "lending, lost_found, medicine, membership, paid_services"), EntriesQuery),
    responses((status = 200, description = "entries: [{entry_id, ledger, type, status, opened_at, closed_at, anonymised, …the ledger's fields}]", body = Object),
        (status = 400, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 404, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn entries(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(ledger): Path<String>,
    query: Result<Query<EntriesQuery>, QueryRejection>,
) -> Result<Json<Value>, Problem> {
    let ledger = ledger_in_path(user.locale, &ledger)?;
    user.require(permission_for(ledger))?;
    let Query(query) = query?;
    let (_, zone) = state.centre_zone().await?;
    let now = servq_app::now_ms();
    let days = query.days.unwrap_or(30).clamp(1, 3660);
    let found = state
        .store
        .ledger_entries(ledger, query.open, now - days * 86_400_000, 5_000)
        .await
        .map_err(Problem::internal)?;
    Ok(Json(json!({
        "entries": found.iter().map(|entry| app::entry_json(entry, &zone, now, false)).collect::<Vec<_>>()
    })))
}

/// `GET /api/v1/ledger-entries/{ledger}/{id}`: one entry, phones whole.
#[utoipa::path(get, path = "/api/v1/ledger-entries/{ledger}/{id}", tag = "ledgers",
    params(("ledger" = String, Path, description = "The ledger"), ("id" = String, Path, description = "Entry id")),
    responses((status = 200, description = "The entry", body = Object),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 404, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn entry(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((ledger, id)): Path<(String, String)>,
) -> Result<Json<Value>, Problem> {
    let ledger = ledger_in_path(user.locale, &ledger)?;
    user.require(permission_for(ledger))?;
    let found = find(&state, &user, ledger, &id).await?;
    let (_, zone) = state.centre_zone().await?;
    Ok(Json(app::entry_json(
        &found,
        &zone,
        servq_app::now_ms(),
        true,
    )))
}

async fn find(
    state: &AppState,
    user: &CurrentUser,
    ledger: LedgerKind,
    id: &str,
) -> Result<StoredEntry, Problem> {
    state
        .store
        .ledger_entry(ledger, id)
        .await
        .map_err(Problem::internal)?
        .ok_or_else(|| Problem::not_found(user.locale))
}

macro_rules! ledger_post {
    ($(#[$doc:meta])* $name:ident, $path:literal, $body:ty, $permission:expr, $ledger:expr, $action:path) => {
        $(#[$doc])*
        #[utoipa::path(post, path = $path, tag = "ledgers", request_body = $body,
            responses((status = 201, description = "entry_id and page of the new entry", body = Object),
                (status = 400, body = crate::ProblemDocument, content_type = "application/problem+json"),
                (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
                (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json"),
                (status = 415, body = crate::ProblemDocument, content_type = "application/problem+json"),
                (status = 422, body = crate::ProblemDocument, content_type = "application/problem+json")))]
        pub(crate) async fn $name(
            State(state): State<AppState>,
            user: CurrentUser,
            headers: HeaderMap,
            body: Result<Json<$body>, JsonRejection>,
        ) -> Result<Response, Problem> {
            user.require($permission)?;
            user.check_csrf_header(&headers)?;
            let Json(body) = body?;
            let id = $action(&state.store, &body, &user.actor(), servq_app::now_ms())
                .await
                .map_err(|e| action_problem(user.locale, e))?;
            Ok(created($ledger, id))
        }
    };
}

ledger_post!(
    /// `POST /api/v1/ledgers/lending`: an item goes out against a deposit.
    lend, "/api/v1/ledgers/lending", LendRequest, Permission::UseLedgers, LedgerKind::Lending, app::lend
);
ledger_post!(
    /// `POST /api/v1/ledgers/lost-found`: a found item is registered.
    register_found, "/api/v1/ledgers/lost-found", FoundRequest, Permission::UseLedgers, LedgerKind::LostFound, app::register_found
);
ledger_post!(
    /// `POST /api/v1/ledgers/medicine`: emergency medicine given (taken off the kit).
    record_medicine, "/api/v1/ledgers/medicine", MedicineRequest, Permission::RecordMedicine, LedgerKind::Medicine, app::record_medicine
);
ledger_post!(
    /// `POST /api/v1/ledgers/membership`: a card request.
    request_card, "/api/v1/ledgers/membership", CardRequestBody, Permission::UseLedgers, LedgerKind::Membership, app::request_card
);
ledger_post!(
    /// `POST /api/v1/ledgers/lost-reports`: a customer reports something lost.
    report_lost, "/api/v1/ledgers/lost-reports", LostReportRequest, Permission::UseLedgers, LedgerKind::LostReports, app::report_lost
);
ledger_post!(
    /// `POST /api/v1/ledgers/paid-services`: a paid service.
    record_service, "/api/v1/ledgers/paid-services", ServiceRequest, Permission::UseLedgers, LedgerKind::PaidServices, app::record_service
);

macro_rules! ledger_step {
    ($(#[$doc:meta])* $name:ident, $path:literal, $body:ty, $action:path) => {
        $(#[$doc])*
        #[utoipa::path(post, path = $path, tag = "ledgers", request_body = $body,
            params(("id" = String, Path, description = "Entry id")),
            responses((status = 200, description = "The entry", body = Object),
                (status = 400, body = crate::ProblemDocument, content_type = "application/problem+json"),
                (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
                (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json"),
                (status = 404, body = crate::ProblemDocument, content_type = "application/problem+json"),
                (status = 409, body = crate::ProblemDocument, content_type = "application/problem+json"),
                (status = 415, body = crate::ProblemDocument, content_type = "application/problem+json"),
                (status = 422, body = crate::ProblemDocument, content_type = "application/problem+json")))]
        pub(crate) async fn $name(
            State(state): State<AppState>,
            user: CurrentUser,
            headers: HeaderMap,
            Path(id): Path<String>,
            body: Result<Json<$body>, JsonRejection>,
        ) -> Result<Json<Value>, Problem> {
            user.require(Permission::UseLedgers)?;
            user.check_csrf_header(&headers)?;
            let Json(body) = body?;
            let now = servq_app::now_ms();
            let entry = $action(&state.store, &id, &body, &user.actor(), now)
                .await
                .map_err(|e| action_problem(user.locale, e))?;
            let (_, zone) = state.centre_zone().await?;
            let stored = StoredEntry {
                entry_id: id,
                entry,
                anonymised_at: None,
                created_by: String::new(),
                updated_at: now,
            };
            Ok(Json(app::entry_json(&stored, &zone, now, true)))
        }
    };
}

ledger_step!(
    /// `POST /api/v1/ledgers/lending/{id}/return`: the item comes back (ok, damaged) or is
    /// reported lost; the deposit is refunded or (partly) withheld with a reason.
    return_loan, "/api/v1/ledgers/lending/{id}/return", ReturnRequest, app::return_loan
);
ledger_step!(
    /// `POST /api/v1/ledgers/lost-found/{id}/claim`: handed to its owner after the identity
    /// check (a feature the desk kept back, ID type and last 4 characters, a signature).
    claim_found, "/api/v1/ledgers/lost-found/{id}/claim", ClaimRequest, app::claim_found
);
ledger_step!(
    /// `POST /api/v1/ledgers/lost-found/{id}/dispose`: an unclaimed item handed over (police)
    /// or disposed of, recorded.
    dispose_found, "/api/v1/ledgers/lost-found/{id}/dispose", DisposeRequest, app::dispose_found
);
ledger_step!(
    /// `POST /api/v1/ledgers/lost-reports/{id}/close`: the reporter got it back (from the found
    /// item named) or withdrew the report.
    close_report, "/api/v1/ledgers/lost-reports/{id}/close", CloseReport, app::close_report
);
ledger_step!(
    /// `POST /api/v1/ledgers/membership/{id}/step`: a card request ready, then handed over.
    card_step, "/api/v1/ledgers/membership/{id}/step", CardStep, app::card_step
);

/// `POST /api/v1/ledgers/lending/{id}/remind`: the desk reminded the borrower (a call, a
/// message); the loan keeps when.
#[utoipa::path(post, path = "/api/v1/ledgers/lending/{id}/remind", tag = "ledgers",
    params(("id" = String, Path, description = "Entry id")),
    responses((status = 200, description = "The loan", body = Object),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 404, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 409, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn remind_loan(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<Value>, Problem> {
    user.require(Permission::UseLedgers)?;
    user.check_csrf_header(&headers)?;
    let now = servq_app::now_ms();
    let entry = app::remind_loan(&state.store, &id, &user.actor(), now)
        .await
        .map_err(|e| action_problem(user.locale, e))?;
    let (_, zone) = state.centre_zone().await?;
    let stored = StoredEntry {
        entry_id: id,
        entry,
        anonymised_at: None,
        created_by: String::new(),
        updated_at: now,
    };
    Ok(Json(app::entry_json(&stored, &zone, now, true)))
}

/// `GET /api/v1/ledgers/matches`: found items that may be what an open lost report is about.
#[utoipa::path(get, path = "/api/v1/ledgers/matches", tag = "ledgers",
    responses((status = 200, description = "matches: [{found_entry, report_entry, score}], best first", body = Object),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn matches(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Json<Value>, Problem> {
    user.require(Permission::UseLedgers)?;
    let found = app::suggestions(&state.store)
        .await
        .map_err(Problem::internal)?;
    Ok(Json(json!({ "matches": found })))
}

/// A suggested match as the pages show it: (link, what, who, score) of the other side.
pub(crate) struct MatchRow {
    link: String,
    what: String,
    who: String,
    score: u32,
}

/// The suggestions that touch `entry_id` (a found item or a lost report), the other side shown.
async fn matches_of(
    state: &AppState,
    locale: Locale,
    zone: &TimeZone,
    ledger: LedgerKind,
    entry_id: &str,
) -> Result<Vec<MatchRow>, Problem> {
    let now = servq_app::now_ms();
    let mut rows = Vec::new();
    for (found, report, score) in app::suggested_pairs(&state.store)
        .await
        .map_err(Problem::internal)?
    {
        let other = match ledger {
            LedgerKind::LostFound if found.entry_id == entry_id => report,
            LedgerKind::LostReports if report.entry_id == entry_id => found,
            _ => continue,
        };
        let row = entry_row(locale, zone, now, &other);
        rows.push(MatchRow {
            link: row.link,
            what: format!("{} {}", row.kind, row.what),
            who: row.who,
            score,
        });
    }
    Ok(rows)
}

/// `GET /api/v1/ledgers/summary` and the CLI's `--from`/`--to`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub(crate) struct SummaryQuery {
    /// First day (YYYY-MM-DD).
    #[param(value_type = String, format = Date)]
    from: Date,
    /// Last day (YYYY-MM-DD).
    #[param(value_type = String, format = Date)]
    to: Date,
}

/// `GET /api/v1/ledgers/summary`: entries by type and status, deposits (docs/ledgers.md).
#[utoipa::path(get, path = "/api/v1/ledgers/summary", tag = "ledgers", params(SummaryQuery),
    responses((status = 200, description = "{from, to, ledgers: {<ledger>: {entries, by_type, by_status}}, deposits: {taken_yuan, refunded_yuan, withheld_yuan}}", body = Object),
        (status = 400, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn summary(
    State(state): State<AppState>,
    user: CurrentUser,
    query: Result<Query<SummaryQuery>, QueryRejection>,
) -> Result<Json<Value>, Problem> {
    user.require(Permission::ViewLedgerSummary)?;
    let Query(query) = query?;
    if query.from > query.to {
        return Err(Problem::bad_request(
            user.locale,
            "bad_period",
            format!("from {} is after to {}", query.from, query.to),
        ));
    }
    Ok(Json(
        app::summary(&state.store, query.from, query.to)
            .await
            .map_err(Problem::internal)?,
    ))
}

/// `GET /api/v1/ledgers/reconciliation`.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
pub(crate) struct DayQuery {
    /// The day (YYYY-MM-DD; default today in the centre's zone).
    #[param(value_type = Option<String>, format = Date)]
    day: Option<Date>,
}

/// `GET /api/v1/ledgers/reconciliation`: deposits held against the loans out at the day's end.
#[utoipa::path(get, path = "/api/v1/ledgers/reconciliation", tag = "ledgers", params(DayQuery),
    responses((status = 200, description = "{day, taken_yuan, refunded_yuan, withheld_yuan, held_yuan, open_loans, open_deposits_yuan, difference_yuan, balanced, differences}", body = Object),
        (status = 400, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn reconciliation(
    State(state): State<AppState>,
    user: CurrentUser,
    query: Result<Query<DayQuery>, QueryRejection>,
) -> Result<Json<Value>, Problem> {
    user.require(Permission::ViewLedgerSummary)?;
    let Query(query) = query?;
    let (_, zone) = state.centre_zone().await?;
    let day = query.day.unwrap_or_else(|| today(&zone));
    Ok(Json(
        app::reconciliation(&state.store, day)
            .await
            .map_err(Problem::internal)?,
    ))
}

/// `GET /api/v1/ledgers/retention`: each ledger's retention days and legal basis.
#[utoipa::path(get, path = "/api/v1/ledgers/retention", tag = "ledgers",
    responses((status = 200, description = "{<ledger>: {retention_days, legal_basis}}", body = Object),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn retention(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Json<RetentionRules>, Problem> {
    user.require(Permission::ManageLedgers)?;
    Ok(Json(
        app::retention_rules(&state.store)
            .await
            .map_err(Problem::internal)?,
    ))
}

/// `PUT /api/v1/ledgers/retention`: saves the retention rules (30 to 36 500 days each).
#[utoipa::path(put, path = "/api/v1/ledgers/retention", tag = "ledgers",
    request_body(content = Object, description = "{<ledger>: {retention_days, legal_basis}}"),
    responses((status = 200, description = "The rules saved", body = Object),
        (status = 400, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 415, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 422, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn save_retention(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    body: Result<Json<RetentionRules>, JsonRejection>,
) -> Result<Json<RetentionRules>, Problem> {
    user.require(Permission::ManageLedgers)?;
    user.check_csrf_header(&headers)?;
    let Json(rules) = body?;
    app::save_retention_rules(&state.store, rules, &user.actor())
        .await
        .map_err(|e| Problem::refused_setting(user.locale, "bad_ledger_retention", e))?;
    Ok(Json(
        app::retention_rules(&state.store)
            .await
            .map_err(Problem::internal)?,
    ))
}

/// `POST /api/v1/ledgers/purge`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub(crate) struct PurgeBody {
    /// The day retention is measured from (default today).
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Date)]
    as_of: Option<Date>,
    /// Count only.
    #[serde(default)]
    dry_run: bool,
}

/// `POST /api/v1/ledgers/purge`: anonymises the entries past retention (or previews it).
#[utoipa::path(post, path = "/api/v1/ledgers/purge", tag = "ledgers", request_body = PurgeBody,
    responses((status = 200, description = "{as_of, dry_run, ledgers: {<ledger>: {retention_days, purged, kept}}}", body = app::PurgeReport),
        (status = 400, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 415, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 422, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn purge(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    body: Result<Json<PurgeBody>, JsonRejection>,
) -> Result<Json<app::PurgeReport>, Problem> {
    user.require(Permission::ManageLedgers)?;
    user.check_csrf_header(&headers)?;
    let Json(body) = body?;
    let (_, zone) = state.centre_zone().await?;
    let as_of = body.as_of.unwrap_or_else(|| today(&zone));
    Ok(Json(
        app::purge(&state.store, as_of, body.dry_run, &user.actor())
            .await
            .map_err(Problem::internal)?,
    ))
}

/// `PUT /api/v1/ledgers/items/{code}`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub(crate) struct ItemBody {
    /// umbrella, stroller, wheelchair, other.
    item_type: String,
    /// good, damaged, retired.
    condition: String,
    /// Notes.
    #[serde(default)]
    note: String,
}

/// `GET /api/v1/ledgers/items`: the lendable items.
#[utoipa::path(get, path = "/api/v1/ledgers/items", tag = "ledgers",
    responses((status = 200, description = "items: [{item_code, item_type, condition, note}]", body = Object),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn items(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Json<Value>, Problem> {
    user.require(Permission::UseLedgers)?;
    let items = state
        .store
        .lending_items()
        .await
        .map_err(Problem::internal)?;
    Ok(Json(json!({"items": items.iter().map(|item| json!({
        "item_code": item.item_code, "item_type": item.item_type.name(),
        "condition": item.condition.name(), "note": item.note})).collect::<Vec<_>>()})))
}

/// `PUT /api/v1/ledgers/items/{code}`: adds or changes a lendable item.
#[utoipa::path(put, path = "/api/v1/ledgers/items/{code}", tag = "ledgers", request_body = ItemBody,
    params(("code" = String, Path, description = "The item's label")),
    responses((status = 204, description = "Saved"),
        (status = 400, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 415, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 422, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn save_item(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Path(code): Path<String>,
    body: Result<Json<ItemBody>, JsonRejection>,
) -> Result<StatusCode, Problem> {
    user.require(Permission::ManageLedgers)?;
    user.check_csrf_header(&headers)?;
    let Json(body) = body?;
    app::save_item(
        &state.store,
        &code,
        &body.item_type,
        &body.condition,
        &body.note,
        &user.actor(),
    )
    .await
    .map_err(|e| action_problem(user.locale, e))?;
    Ok(StatusCode::NO_CONTENT)
}

/// `PUT /api/v1/ledgers/medicine-stock/{medicine}`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub(crate) struct StockBody {
    /// How many are in the kit.
    quantity: i64,
    /// Warn at or below this.
    #[serde(default)]
    min_quantity: i64,
    /// Earliest expiry (YYYY-MM-DD), or empty.
    #[serde(default)]
    expires_on: String,
}

/// `GET /api/v1/ledgers/medicine-stock`: the kit and its warnings.
#[utoipa::path(get, path = "/api/v1/ledgers/medicine-stock", tag = "ledgers",
    responses((status = 200, description = "stock: [{medicine, quantity, min_quantity, expires_on}], warnings: [{medicine, warning, quantity, expires_on}]", body = Object),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn stock(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Json<Value>, Problem> {
    user.require(Permission::RecordMedicine)?;
    let (_, zone) = state.centre_zone().await?;
    let stock = state
        .store
        .medicine_stock()
        .await
        .map_err(Problem::internal)?;
    let warnings = app::stock_warnings(&stock, today(&zone));
    Ok(Json(json!({
        "stock": stock.iter().map(|s| json!({"medicine": s.medicine, "quantity": s.quantity,
            "min_quantity": s.min_quantity, "expires_on": s.expires_on})).collect::<Vec<_>>(),
        "warnings": warnings,
    })))
}

/// `PUT /api/v1/ledgers/medicine-stock/{medicine}`: sets a medicine's stock.
#[utoipa::path(put, path = "/api/v1/ledgers/medicine-stock/{medicine}", tag = "ledgers", request_body = StockBody,
    params(("medicine" = String, Path, description = "The medicine")),
    responses((status = 204, description = "Saved"),
        (status = 400, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 415, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 422, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn save_stock(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Path(medicine): Path<String>,
    body: Result<Json<StockBody>, JsonRejection>,
) -> Result<StatusCode, Problem> {
    user.require(Permission::ManageLedgers)?;
    user.check_csrf_header(&headers)?;
    let Json(body) = body?;
    app::save_stock(
        &state.store,
        MedicineStock {
            medicine: medicine.trim().to_owned(),
            quantity: body.quantity,
            min_quantity: body.min_quantity,
            expires_on: body.expires_on.trim().to_owned(),
        },
        &user.actor(),
    )
    .await
    .map_err(|e| action_problem(user.locale, e))?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /ledgers/{ledger}/{id}/signature`: a claimant's signature.
pub(crate) async fn signature(
    state: State<AppState>,
    user: CurrentUser,
    Path((ledger, id)): Path<(String, String)>,
) -> Result<Response, Problem> {
    image(state, user, ledger, id, FileRole::Signature).await
}

/// `GET /ledgers/{ledger}/{id}/photo`: a found item's photo.
pub(crate) async fn photo(
    state: State<AppState>,
    user: CurrentUser,
    Path((ledger, id)): Path<(String, String)>,
) -> Result<Response, Problem> {
    image(state, user, ledger, id, FileRole::Photo).await
}

/// An image of an entry (same permission as the entry), never cached.
async fn image(
    State(state): State<AppState>,
    user: CurrentUser,
    ledger: String,
    id: String,
    role: FileRole,
) -> Result<Response, Problem> {
    let ledger = ledger_in_path(user.locale, &ledger)?;
    user.require(permission_for(ledger))?;
    let (content_type, data) = state
        .store
        .ledger_file(ledger, &id, role)
        .await
        .map_err(Problem::internal)?
        .ok_or_else(|| Problem::not_found(user.locale))?;
    Ok((
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "private, no-store".to_owned()),
        ],
        data,
    )
        .into_response())
}

// ---------------------------------------------------------------------------------------------
// Pages

/// An entry as the desk's lists show it.
pub(crate) struct EntryRow {
    id: String,
    link: String,
    kind: String,
    /// The type's stored name (the medicine log splits internal from external by it).
    kind_code: String,
    status: String,
    status_code: &'static str,
    opened: String,
    closed: String,
    /// Name and masked phone.
    who: String,
    /// What it is (item, description, medicine …).
    what: String,
    /// The deposit or price, yuan.
    amount: String,
    /// Due back (loans).
    due: String,
    overdue: bool,
    anonymised: bool,
}

/// The catalogue prefix of a ledger's types (`ledger.item_umbrella`, `ledger.category_wallet` …).
fn type_prefix(ledger: LedgerKind) -> &'static str {
    match ledger {
        LedgerKind::Lending => "item",
        LedgerKind::LostFound | LedgerKind::LostReports => "category",
        LedgerKind::Medicine => "use",
        LedgerKind::Membership => "request",
        LedgerKind::PaidServices => "service",
    }
}

fn label(locale: Locale, prefix: &str, name: &str) -> String {
    t(locale, &format!("ledger.{prefix}_{name}"))
}

fn entry_row(locale: Locale, zone: &TimeZone, now: i64, stored: &StoredEntry) -> EntryRow {
    let entry = &stored.entry;
    let ledger = entry.ledger();
    let status = entry.status();
    let type_prefix = type_prefix(ledger);
    let person = |name: &str, phone: &str| {
        let phone = mask_phone(phone);
        match (name.is_empty(), phone.is_empty()) {
            (true, _) => phone,
            (false, true) => name.to_owned(),
            (false, false) => format!("{name} · {phone}"),
        }
    };
    let (who, what, amount, due, overdue) = match entry {
        Entry::Lending(facts, personal) => (
            personal
                .as_ref()
                .map(|p| person(&p.customer_name, &p.phone))
                .unwrap_or_default(),
            facts.item_code.clone(),
            facts.deposit.yuan(),
            local_time(zone, facts.expected_return_at),
            facts.overdue(now),
        ),
        Entry::LostFound(facts, personal) => (
            personal
                .as_ref()
                .map(|p| person(&p.claimant_name, &p.claimant_phone))
                .unwrap_or_default(),
            [
                facts.colour.as_str(),
                &facts.brand,
                &facts.description,
                &facts.found_place,
            ]
            .into_iter()
            .filter(|part| !part.is_empty())
            .collect::<Vec<_>>()
            .join(" · "),
            String::new(),
            facts.storage_location.clone(),
            false,
        ),
        Entry::Medicine(facts, personal) => (
            personal
                .as_ref()
                .map(|p| p.person.clone())
                .unwrap_or_default(),
            format!("{} × {}", facts.medicine, facts.quantity),
            String::new(),
            String::new(),
            false,
        ),
        Entry::Membership(_, personal) => (
            personal
                .as_ref()
                .map(|p| person(&p.customer_name, &p.phone))
                .unwrap_or_default(),
            personal
                .as_ref()
                .map(|p| p.card_no.clone())
                .unwrap_or_default(),
            String::new(),
            String::new(),
            false,
        ),
        Entry::LostReports(facts, personal) => (
            personal
                .as_ref()
                .map(|p| person(&p.reporter_name, &p.phone))
                .unwrap_or_default(),
            [
                facts.colour.as_str(),
                &facts.brand,
                &facts.description,
                &facts.lost_place,
            ]
            .into_iter()
            .filter(|part| !part.is_empty())
            .collect::<Vec<_>>()
            .join(" · "),
            String::new(),
            String::new(),
            false,
        ),
        Entry::PaidServices(facts, personal) => (
            personal
                .as_ref()
                .map(|p| p.customer_name.clone())
                .unwrap_or_default(),
            if facts.invoice_requested {
                t(locale, "ledger.invoice_requested")
            } else {
                String::new()
            },
            facts.amount.yuan(),
            String::new(),
            false,
        ),
    };
    EntryRow {
        id: stored.entry_id.clone(),
        link: format!("{}/{}", page_path(ledger), stored.entry_id),
        kind: label(locale, type_prefix, entry.kind()),
        kind_code: entry.kind().to_owned(),
        status: label(locale, "status", status.name()),
        status_code: status.name(),
        opened: local_time(zone, Some(entry.opened_at())),
        closed: local_time(zone, entry.closed_at()),
        who,
        what,
        amount,
        due,
        overdue,
        anonymised: stored.anonymised_at.is_some(),
    }
}

/// (value, label) pairs of a list of names under `ledger.{prefix}_`.
fn options(locale: Locale, prefix: &str, names: &[&str]) -> Vec<(String, String)> {
    names
        .iter()
        .map(|name| ((*name).to_owned(), label(locale, prefix, name)))
        .collect()
}

/// A link on the desk's home page.
pub(crate) struct DeskLink {
    href: &'static str,
    id: &'static str,
    label: String,
    count: String,
}

/// A figure on the desk's home page.
pub(crate) struct Tile {
    id: &'static str,
    label: String,
    value: String,
    warn: bool,
}

/// A ledger's part of the day's summary: its entries by type and by status.
pub(crate) struct DaySection {
    ledger: String,
    entries: i64,
    by_type: Vec<(String, i64)>,
    by_status: Vec<(String, i64)>,
}

/// `/ledgers`.
#[derive(Template)]
#[template(path = "ledgers.html")]
pub(crate) struct LedgersPage {
    i18n: Text,
    title: String,
    header: String,
    csrf: String,
    day: String,
    previous: String,
    next: String,
    links: Vec<DeskLink>,
    tiles: Vec<Tile>,
    sections: Vec<DaySection>,
    /// (label, yuan)
    deposits: Vec<(String, String)>,
    overdue: Vec<EntryRow>,
}

/// `GET /ledgers?day=`: the desk's day — what is out, waiting and owed, and the day's summary.
pub(crate) async fn home(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    query: Result<Query<DayQuery>, QueryRejection>,
) -> Result<Response, Problem> {
    let Some(user) = user else {
        return Ok(Redirect::to("/login").into_response());
    };
    user.require(Permission::ViewLedgerSummary)?;
    let locale = user.locale;
    let query = query.map(|q| q.0).unwrap_or_default();
    let (_, zone) = state.centre_zone().await?;
    let day = query.day.unwrap_or_else(|| today(&zone));
    let store = &state.store;
    let now = servq_app::now_ms();
    let can_see_entries = user.user.role.allows(Permission::UseLedgers);
    let summary = app::summary(store, day, day)
        .await
        .map_err(Problem::internal)?;
    let reconciliation = app::reconciliation(store, day)
        .await
        .map_err(Problem::internal)?;
    let open = |ledger| store.ledger_entries(ledger, true, 0, 10_000);
    let loans = open(LedgerKind::Lending).await.map_err(Problem::internal)?;
    let stored = open(LedgerKind::LostFound)
        .await
        .map_err(Problem::internal)?;
    let cards = open(LedgerKind::Membership)
        .await
        .map_err(Problem::internal)?;
    let reports = open(LedgerKind::LostReports)
        .await
        .map_err(Problem::internal)?;
    let overdue: Vec<EntryRow> = loans
        .iter()
        .map(|loan| entry_row(locale, &zone, now, loan))
        .filter(|row| row.overdue)
        .collect();
    let stock_warnings = if user.user.role.allows(Permission::RecordMedicine) {
        let stock = store.medicine_stock().await.map_err(Problem::internal)?;
        app::stock_warnings(&stock, today(&zone)).len()
    } else {
        0
    };
    let yuan = app::yuan_text;
    let balanced = reconciliation["balanced"] == Value::Bool(true);
    let tiles = vec![
        Tile {
            id: "tile-lent",
            label: t(locale, "ledger.tile_lent"),
            value: loans.len().to_string(),
            warn: false,
        },
        Tile {
            id: "tile-overdue",
            label: t(locale, "ledger.tile_overdue"),
            value: overdue.len().to_string(),
            warn: !overdue.is_empty(),
        },
        Tile {
            id: "tile-stored",
            label: t(locale, "ledger.tile_stored"),
            value: stored.len().to_string(),
            warn: false,
        },
        Tile {
            id: "tile-cards",
            label: t(locale, "ledger.tile_cards"),
            value: cards.len().to_string(),
            warn: false,
        },
        Tile {
            id: "tile-deposits",
            label: t(locale, "ledger.tile_deposits"),
            value: format!("¥{}", yuan(&reconciliation["held_yuan"])),
            warn: !balanced,
        },
        Tile {
            id: "tile-reconciled",
            label: t(locale, "ledger.tile_reconciled"),
            value: if balanced {
                t(locale, "ledger.balanced")
            } else {
                format!(
                    "{} ¥{}",
                    t(locale, "ledger.difference"),
                    yuan(&reconciliation["difference_yuan"])
                )
            },
            warn: !balanced,
        },
        Tile {
            id: "tile-medicine",
            label: t(locale, "ledger.tile_medicine"),
            value: stock_warnings.to_string(),
            warn: stock_warnings > 0,
        },
    ];
    let mut links = Vec::new();
    if can_see_entries {
        for (ledger, id, count) in [
            (LedgerKind::Lending, "desk-lending", loans.len()),
            (LedgerKind::LostFound, "desk-lost-found", stored.len()),
            (LedgerKind::LostReports, "desk-lost-reports", reports.len()),
            (LedgerKind::Medicine, "desk-medicine", 0),
            (LedgerKind::Membership, "desk-membership", cards.len()),
            (LedgerKind::PaidServices, "desk-paid-services", 0),
        ] {
            if !user.user.role.allows(permission_for(ledger)) {
                continue;
            }
            links.push(DeskLink {
                href: page_path(ledger),
                id,
                label: label(locale, "ledger", ledger.name()),
                count: if count > 0 {
                    count.to_string()
                } else {
                    String::new()
                },
            });
        }
    }
    if user.user.role.allows(Permission::ManageLedgers) {
        links.push(DeskLink {
            href: "/ledgers/settings",
            id: "desk-settings",
            label: t(locale, "ledger.settings"),
            count: String::new(),
        });
    }
    let sections = LedgerKind::ALL
        .into_iter()
        .map(|ledger| {
            let part = &summary["ledgers"][ledger.name()];
            let counts = |key: &str, prefix: &str| -> Vec<(String, i64)> {
                part[key]
                    .as_object()
                    .map(|map| {
                        map.iter()
                            .map(|(name, count)| {
                                (label(locale, prefix, name), count.as_i64().unwrap_or(0))
                            })
                            .collect()
                    })
                    .unwrap_or_default()
            };
            let type_prefix = type_prefix(ledger);
            DaySection {
                ledger: label(locale, "ledger", ledger.name()),
                entries: part["entries"].as_i64().unwrap_or(0),
                by_type: counts("by_type", type_prefix),
                by_status: counts("by_status", "status"),
            }
        })
        .collect();
    let deposits = [
        ("taken_yuan", "ledger.deposit_taken"),
        ("refunded_yuan", "ledger.deposit_refunded"),
        ("withheld_yuan", "ledger.deposit_withheld"),
    ]
    .into_iter()
    .map(|(key, label)| (t(locale, label), yuan(&summary["deposits"][key])))
    .collect();
    let page = LedgersPage {
        i18n: Text::new(locale),
        title: t(locale, "ledger.title"),
        header: signed_in_header(&user),
        csrf: user.csrf_token().to_owned(),
        day: day.to_string(),
        previous: add_days(day, -1).to_string(),
        next: add_days(day, 1).to_string(),
        links,
        tiles,
        sections,
        deposits,
        overdue: if can_see_entries { overdue } else { Vec::new() },
    };
    Ok(render(&page)?.into_response())
}

/// One ledger's page: the form that adds an entry, the open entries, the recent ones.
#[derive(Template)]
#[template(path = "ledger_book.html")]
pub(crate) struct BookPage {
    i18n: Text,
    title: String,
    header: String,
    csrf: String,
    /// `lending`, `lost_found`, …: which form the template shows.
    ledger: &'static str,
    intro: String,
    open_title: String,
    open: Vec<EntryRow>,
    recent: Vec<EntryRow>,
    /// Lending: the items that can go out (code, label).
    items: Vec<(String, String)>,
    item_types: Vec<(String, String)>,
    methods: Vec<(String, String)>,
    id_types: Vec<(String, String)>,
    categories: Vec<(String, String)>,
    uses: Vec<(String, String)>,
    requests: Vec<(String, String)>,
    services: Vec<(String, String)>,
    /// Medicine: (name, left) of the kit and its warnings.
    stock: Vec<(String, i64)>,
    warnings: Vec<String>,
    now_local: String,
    default_deposit: String,
    /// Lost and found: suggested matches (found item, report, score).
    suggestions: Vec<(EntryRow, EntryRow, u32)>,
}

/// The kinds of ID a desk asks for.
const ID_TYPES: &[&str] = &[
    "resident_id",
    "passport",
    "hk_macau_pass",
    "taiwan_pass",
    "other",
];

/// `GET /ledgers/{ledger}`: a ledger's page.
pub(crate) async fn book(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Path(ledger): Path<String>,
) -> Result<Response, Problem> {
    let Some(user) = user else {
        return Ok(Redirect::to("/login").into_response());
    };
    let locale = user.locale;
    let ledger = ledger_in_path(locale, &ledger)?;
    user.require(permission_for(ledger))?;
    let (_, zone) = state.centre_zone().await?;
    let store = &state.store;
    let now = servq_app::now_ms();
    let rows = |entries: Vec<StoredEntry>| -> Vec<EntryRow> {
        entries
            .iter()
            .map(|entry| entry_row(locale, &zone, now, entry))
            .collect()
    };
    let open_entries = store
        .ledger_entries(ledger, true, 0, 2_000)
        .await
        .map_err(Problem::internal)?;
    let mut open = rows(open_entries.clone());
    // overdue loans first, then the oldest out
    open.sort_by(|a, b| b.overdue.cmp(&a.overdue).then(a.opened.cmp(&b.opened)));
    let recent: Vec<EntryRow> = rows(
        store
            .ledger_entries(ledger, false, now - 7 * 86_400_000, 200)
            .await
            .map_err(Problem::internal)?,
    )
    .into_iter()
    .filter(|row| !open.iter().any(|o| o.id == row.id))
    .collect();
    let out: Vec<String> = open_entries
        .iter()
        .filter_map(|e| e.entry.item_code().map(str::to_owned))
        .collect();
    let items = store
        .lending_items()
        .await
        .map_err(Problem::internal)?
        .into_iter()
        .filter(|item| item.condition == ItemCondition::Good && !out.contains(&item.item_code))
        .map(|item| {
            let kind = label(locale, "item", item.item_type.name());
            (item.item_code, kind)
        })
        .collect();
    let (stock, warnings) = if ledger == LedgerKind::Medicine {
        let stock = store.medicine_stock().await.map_err(Problem::internal)?;
        let warnings = app::stock_warnings(&stock, today(&zone))
            .into_iter()
            .map(|w| {
                format!(
                    "{}: {}",
                    w.medicine,
                    t(locale, &format!("ledger.stock_{}", w.warning))
                        .replace("{quantity}", &w.quantity.to_string())
                        .replace("{date}", &w.expires_on)
                )
            })
            .collect();
        (
            stock
                .into_iter()
                .map(|s| (s.medicine, s.quantity))
                .collect(),
            warnings,
        )
    } else {
        (Vec::new(), Vec::new())
    };
    let mut suggestions = Vec::new();
    if matches!(ledger, LedgerKind::LostFound | LedgerKind::LostReports) {
        for (found, report, score) in app::suggested_pairs(store)
            .await
            .map_err(Problem::internal)?
        {
            suggestions.push((
                entry_row(locale, &zone, now, &found),
                entry_row(locale, &zone, now, &report),
                score,
            ));
        }
    }
    let now_local = Timestamp::from_millisecond(now)
        .map(|at| {
            at.to_zoned(zone.clone())
                .strftime("%Y-%m-%dT%H:%M")
                .to_string()
        })
        .unwrap_or_default();
    let page = BookPage {
        i18n: Text::new(locale),
        title: label(locale, "ledger", ledger.name()),
        header: signed_in_header(&user),
        csrf: user.csrf_token().to_owned(),
        ledger: ledger.name(),
        intro: label(locale, "intro", ledger.name()),
        open_title: label(locale, "open", ledger.name()),
        open,
        recent,
        items,
        item_types: options(locale, "item", ItemType::NAMES),
        methods: options(locale, "method", DepositMethod::NAMES),
        id_types: options(locale, "id", ID_TYPES),
        categories: options(locale, "category", FOUND_CATEGORIES),
        uses: options(locale, "use", MedicineUse::NAMES),
        requests: options(locale, "request", CardRequest::NAMES),
        services: options(locale, "service", PaidService::NAMES),
        stock,
        warnings,
        now_local,
        default_deposit: "50.00".to_owned(),
        suggestions,
    };
    Ok(render(&page)?.into_response())
}

/// `/ledgers/{ledger}/{id}`: one entry, what can be done next, and its receipt.
#[derive(Template)]
#[template(path = "ledger_entry.html")]
pub(crate) struct EntryPage {
    i18n: Text,
    title: String,
    header: String,
    csrf: String,
    ledger: &'static str,
    back: &'static str,
    back_label: String,
    /// What the entry is about, short: the type and the item or description.
    heading: String,
    row: EntryRow,
    /// (label, value) of everything recorded.
    facts: Vec<(String, String)>,
    /// What can be done: `return`, `claim`, `dispose`, `ready`, `done`.
    actions: Vec<&'static str>,
    receipt: bool,
    photo: bool,
    conditions: Vec<(String, String)>,
    id_types: Vec<(String, String)>,
    deposit: String,
    /// Found item ↔ lost report suggestions touching this entry.
    matches: Vec<MatchRow>,
}

/// `GET /ledgers/{ledger}/{id}`.
pub(crate) async fn entry_page(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Path((ledger, id)): Path<(String, String)>,
) -> Result<Response, Problem> {
    let Some(user) = user else {
        return Ok(Redirect::to("/login").into_response());
    };
    let locale = user.locale;
    let ledger = ledger_in_path(locale, &ledger)?;
    user.require(permission_for(ledger))?;
    let stored = find(&state, &user, ledger, &id).await?;
    let (_, zone) = state.centre_zone().await?;
    let now = servq_app::now_ms();
    let row = entry_row(locale, &zone, now, &stored);
    let facts = entry_facts(locale, &zone, &stored);
    let status = stored.entry.status();
    let actions: Vec<&'static str> = match (ledger, status) {
        (LedgerKind::Lending, EntryStatus::Lent) => vec!["return", "remind"],
        (LedgerKind::LostReports, EntryStatus::Reported) => vec!["close"],
        (LedgerKind::LostFound, EntryStatus::Stored) => vec!["claim", "dispose"],
        (LedgerKind::Membership, EntryStatus::Requested) => vec!["ready", "done"],
        (LedgerKind::Membership, EntryStatus::Ready) => vec!["done"],
        _ => Vec::new(),
    };
    let receipt = matches!(
        (ledger, status),
        (LedgerKind::Lending, _)
            | (LedgerKind::LostFound, EntryStatus::Claimed)
            | (LedgerKind::PaidServices, _)
    ) && stored.anonymised_at.is_none();
    let photo = ledger == LedgerKind::LostFound
        && state
            .store
            .ledger_file(ledger, &id, FileRole::Photo)
            .await
            .map_err(Problem::internal)?
            .is_some();
    let deposit = match &stored.entry {
        Entry::Lending(facts, _) => facts.deposit.yuan(),
        _ => String::new(),
    };
    let matches = if status.is_open() {
        matches_of(&state, locale, &zone, ledger, &id).await?
    } else {
        Vec::new()
    };
    let page = EntryPage {
        i18n: Text::new(locale),
        title: format!("{} {}", label(locale, "ledger", ledger.name()), id),
        header: signed_in_header(&user),
        csrf: user.csrf_token().to_owned(),
        ledger: ledger.name(),
        heading: heading_of(locale, &stored),
        back: page_path(ledger),
        back_label: label(locale, "ledger", ledger.name()),
        row,
        facts,
        actions,
        receipt,
        photo,
        conditions: options(locale, "condition", ReturnCondition::NAMES),
        id_types: options(locale, "id", ID_TYPES),
        deposit,
        matches,
    };
    Ok(render(&page)?.into_response())
}

/// An entry's heading: its type and what it is (the item's code, the description, the
/// medicine), short enough for a phone.
fn heading_of(locale: Locale, stored: &StoredEntry) -> String {
    let entry = &stored.entry;
    let what = match entry {
        Entry::Lending(f, _) => f.item_code.clone(),
        Entry::LostFound(f, _) => f.description.clone(),
        Entry::LostReports(f, _) => f.description.clone(),
        Entry::Medicine(f, _) => format!("{} × {}", f.medicine, f.quantity),
        Entry::Membership(_, _) | Entry::PaidServices(_, _) => String::new(),
    };
    format!(
        "{} {what}",
        label(locale, type_prefix(entry.ledger()), entry.kind())
    )
    .trim()
    .to_owned()
}

/// An ID as the desk recorded it: its kind (when known) and its last four characters.
fn id_shown(locale: Locale, id_type: &str, last4: &str) -> String {
    if ID_TYPES.contains(&id_type) {
        format!("{} ****{last4}", label(locale, "id", id_type))
    } else {
        format!("****{last4}")
    }
}

/// Everything recorded about an entry, labelled, phones whole (the desk needs to call).
fn entry_facts(locale: Locale, zone: &TimeZone, stored: &StoredEntry) -> Vec<(String, String)> {
    let at = |ms: Option<i64>| local_time(zone, ms);
    let l = |key: &str| t(locale, &format!("ledger.field_{key}"));
    let mut facts: Vec<(String, String)> = Vec::new();
    let mut push = |key: &str, value: String| {
        if !value.is_empty() && value != "—" {
            facts.push((l(key), value));
        }
    };
    match &stored.entry {
        Entry::Lending(f, p) => {
            push(
                "item",
                format!(
                    "{} {}",
                    label(locale, "item", f.item_type.name()),
                    f.item_code
                ),
            );
            push("lent_at", at(Some(f.lent_at)));
            push("expected_return_at", at(f.expected_return_at));
            push(
                "deposit",
                format!(
                    "¥{} · {}",
                    f.deposit.yuan(),
                    label(locale, "method", f.deposit_method.name())
                ),
            );
            if let Some(p) = p {
                push("customer", p.customer_name.clone());
                push("phone", p.phone.clone());
                if !p.id_last4.is_empty() {
                    push("id", id_shown(locale, &p.id_type, &p.id_last4));
                }
            }
            push("returned_at", at(f.returned_at));
            if f.returned_at.is_some() {
                let totals = f.deposit_totals();
                push(
                    "condition",
                    f.return_condition
                        .map(|c| label(locale, "condition", c.name()))
                        .unwrap_or_default(),
                );
                push("refunded", format!("¥{}", totals.refunded.yuan()));
                push("withheld", format!("¥{}", totals.withheld.yuan()));
                push("reason", f.withheld_reason.clone());
            }
            if let Some(last) = f.reminded_at.last() {
                push(
                    "reminded",
                    t(locale, "ledger.reminded")
                        .replace("{count}", &f.reminded_at.len().to_string())
                        .replace("{at}", &at(Some(*last))),
                );
            }
            push("staff", f.staff.clone());
        }
        Entry::LostFound(f, p) => {
            // where to fetch it from comes first
            push("storage", f.storage_location.clone());
            push("category", label(locale, "category", &f.category));
            push("colour", f.colour.clone());
            push("brand", f.brand.clone());
            push("description", f.description.clone());
            push("found_place", f.found_place.clone());
            push("found_at", at(Some(f.found_at)));
            push(
                "hidden_features",
                t(locale, "ledger.hidden_count")
                    .replace("{count}", &f.hidden_features.len().to_string()),
            );
            if let Some(p) = p {
                push("finder", p.finder.clone());
                push("claimant", p.claimant_name.clone());
                push("phone", p.claimant_phone.clone());
                if !p.claimant_id_last4.is_empty() {
                    push(
                        "id",
                        id_shown(locale, &p.claimant_id_type, &p.claimant_id_last4),
                    );
                }
                push("claimant_description", p.claimant_description.clone());
            }
            push("claimed_at", at(f.claimed_at));
            push("disposed_at", at(f.disposed_at));
            push("disposal", f.disposal.clone());
            push("staff", f.staff.clone());
        }
        Entry::Medicine(f, p) => {
            push("medicine", format!("{} × {}", f.medicine, f.quantity));
            push("use", label(locale, "use", f.use_.name()));
            push("used_at", at(Some(f.used_at)));
            if let Some(p) = p {
                push("person", p.person.clone());
                push("note", p.note.clone());
            }
            push("staff", f.staff.clone());
        }
        Entry::Membership(f, p) => {
            push("request", label(locale, "request", f.request.name()));
            push("requested_at", at(Some(f.requested_at)));
            if let Some(p) = p {
                push("customer", p.customer_name.clone());
                push("phone", p.phone.clone());
                push("card_no", p.card_no.clone());
            }
            push("ready_at", at(f.ready_at));
            push("done_at", at(f.done_at));
            push("staff", f.staff.clone());
        }
        Entry::LostReports(f, p) => {
            push("category", label(locale, "category", &f.category));
            push("colour", f.colour.clone());
            push("brand", f.brand.clone());
            push("description", f.description.clone());
            push("lost_place", f.lost_place.clone());
            push("lost_at", at(Some(f.lost_at)));
            push("reported_at", at(Some(f.reported_at)));
            if let Some(p) = p {
                push("reporter", p.reporter_name.clone());
                push("phone", p.phone.clone());
                push("note", p.note.clone());
            }
            push("closed_at", at(f.closed_at));
            if let Some(outcome) = f.outcome {
                push("outcome", label(locale, "outcome", outcome.name()));
            }
            push("found_entry", f.found_entry.clone());
            push("staff", f.staff.clone());
        }
        Entry::PaidServices(f, p) => {
            push("service", label(locale, "service", f.service.name()));
            push("amount", format!("¥{}", f.amount.yuan()));
            push("served_at", at(Some(f.served_at)));
            if let Some(p) = p {
                push("customer", p.customer_name.clone());
                push("invoice_title", p.invoice_title.clone());
            }
            if f.invoice_requested {
                push("invoice", t(locale, "ledger.invoice_requested"));
            }
            push("staff", f.staff.clone());
        }
    }
    if stored.anonymised_at.is_some() {
        facts.push((l("anonymised"), at(stored.anonymised_at)));
    }
    facts
}

/// `/ledgers/{ledger}/{id}/receipt`: a receipt to print (A5/80 mm friendly).
#[derive(Template)]
#[template(path = "ledger_receipt.html")]
pub(crate) struct ReceiptPage {
    i18n: Text,
    title: String,
    centre: String,
    number: String,
    lines: Vec<(String, String)>,
    signature: Option<String>,
    sign_here: bool,
    note: String,
    printed: String,
    back: String,
}

/// `GET /ledgers/{ledger}/{id}/receipt`.
pub(crate) async fn receipt(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Path((ledger, id)): Path<(String, String)>,
) -> Result<Response, Problem> {
    let Some(user) = user else {
        return Ok(Redirect::to("/login").into_response());
    };
    let locale = user.locale;
    let ledger = ledger_in_path(locale, &ledger)?;
    user.require(permission_for(ledger))?;
    let stored = find(&state, &user, ledger, &id).await?;
    let (_, zone) = state.centre_zone().await?;
    let (title_key, note_key) = match (&stored.entry, stored.entry.status()) {
        (Entry::Lending(..), EntryStatus::Lent) => {
            ("ledger.receipt_lend", "ledger.receipt_lend_note")
        }
        (Entry::Lending(..), _) => ("ledger.receipt_return", "ledger.receipt_return_note"),
        (Entry::LostFound(..), EntryStatus::Claimed) => {
            ("ledger.receipt_claim", "ledger.receipt_claim_note")
        }
        (Entry::PaidServices(..), _) => ("ledger.receipt_service", "ledger.receipt_service_note"),
        _ => return Err(Problem::not_found(locale)),
    };
    if stored.anonymised_at.is_some() {
        return Err(Problem::not_found(locale));
    }
    // a receipt goes home with the customer: their phone masked, and nothing that would help
    // the next claimant (the hidden features, what the owner said) or names a third person
    let kept_back: Vec<String> = [
        "hidden_features",
        "claimant_description",
        "finder",
        "storage",
    ]
    .iter()
    .map(|key| t(locale, &format!("ledger.field_{key}")))
    .collect();
    let phone_label = t(locale, "ledger.field_phone");
    let lines: Vec<(String, String)> = entry_facts(locale, &zone, &stored)
        .into_iter()
        .filter(|(name, _)| !kept_back.contains(name))
        .map(|(name, value)| {
            let value = if name == phone_label {
                mask_phone(&value)
            } else {
                value
            };
            (name, value)
        })
        .collect();
    let signature =
        (ledger == LedgerKind::LostFound).then(|| format!("/ledgers/lost_found/{id}/signature"));
    // a loan's receipts are signed on paper: the deposit terms, then what was kept
    let sign_here = ledger == LedgerKind::Lending;
    let centre = servq_app::desk::centre_name(&state.store)
        .await
        .map_err(Problem::internal)?
        .unwrap_or_default();
    let page = ReceiptPage {
        i18n: Text::new(locale),
        title: t(locale, title_key),
        centre,
        number: id.clone(),
        lines,
        signature,
        sign_here,
        note: t(locale, note_key),
        printed: local_time(&zone, Some(servq_app::now_ms())),
        back: format!("{}/{}", page_path(ledger), id),
    };
    Ok(render(&page)?.into_response())
}

/// `/ledgers/settings`: lendable items, the medicine kit, retention and the purge.
#[derive(Template)]
#[template(path = "ledger_settings.html")]
pub(crate) struct SettingsPage {
    i18n: Text,
    title: String,
    header: String,
    csrf: String,
    /// (code, type label, condition code, condition label, note)
    items: Vec<(String, String, String, String, String)>,
    item_types: Vec<(String, String)>,
    conditions: Vec<(String, String)>,
    stock: Vec<MedicineStock>,
    /// (ledger name, label, days, legal basis)
    rules: Vec<(String, String, u32, String)>,
    today: String,
}

/// `GET /ledgers/settings`.
pub(crate) async fn settings_page(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
) -> Result<Response, Problem> {
    let Some(user) = user else {
        return Ok(Redirect::to("/login").into_response());
    };
    user.require(Permission::ManageLedgers)?;
    let locale = user.locale;
    let (_, zone) = state.centre_zone().await?;
    let store = &state.store;
    let items = store
        .lending_items()
        .await
        .map_err(Problem::internal)?
        .into_iter()
        .map(|item| {
            (
                item.item_code,
                label(locale, "item", item.item_type.name()),
                item.condition.name().to_owned(),
                label(locale, "item_condition", item.condition.name()),
                item.note,
            )
        })
        .collect();
    let rules = app::retention_rules(store)
        .await
        .map_err(Problem::internal)?
        .into_iter()
        .map(|(ledger, rule)| {
            (
                ledger.name().to_owned(),
                label(locale, "ledger", ledger.name()),
                rule.retention_days,
                rule.legal_basis,
            )
        })
        .collect();
    let page = SettingsPage {
        i18n: Text::new(locale),
        title: t(locale, "ledger.settings"),
        header: signed_in_header(&user),
        csrf: user.csrf_token().to_owned(),
        items,
        item_types: options(locale, "item", ItemType::NAMES),
        conditions: ItemCondition::ALL
            .iter()
            .map(|c| {
                (
                    c.name().to_owned(),
                    label(locale, "item_condition", c.name()),
                )
            })
            .collect(),
        stock: store.medicine_stock().await.map_err(Problem::internal)?,
        rules,
        today: today(&zone).to_string(),
    };
    Ok(render(&page)?.into_response())
}
