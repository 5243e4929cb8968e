//! The drill-down from a dashboard tile to the contacts behind it (`/contacts`) and the same
//! list for scripts (`GET /api/v1/contacts`, JSON, CSV or XLSX). Which contacts belong to a tile is
//! decided by `servq-kpi` ([`ContactSubset`]), so the list's size equals the tile's counter.

use axum::{
    Json,
    extract::{Query, State, rejection::QueryRejection},
    response::{IntoResponse, Redirect, Response},
};
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};
use servq_kpi::ContactSubset;
use servq_store::{ContactListQuery, ContactRow};

use crate::{
    AppState, Problem,
    auth::CurrentUser,
    dashboard::{DashboardQuery, View},
    exports::{self, Style, XCell},
    i18n::{Locale, t},
    pages::{Text, render, signed_in_header},
    query_params::{self, query_string},
};

/// Rows per page of the drill-down page.
const PAGE_ROWS: usize = 50;
/// The most rows one API call returns as JSON.
const MAX_JSON_ROWS: usize = 1000;
/// The most rows a CSV export holds.
const MAX_CSV_ROWS: usize = 100_000;

fn parse_subset(locale: Locale, name: Option<&str>) -> Result<ContactSubset, Problem> {
    match name.map(str::trim).filter(|n| !n.is_empty()) {
        None => Ok(ContactSubset::All),
        Some(name) => ContactSubset::parse(name).ok_or_else(|| {
            Problem::bad_request(
                locale,
                "unknown_subset",
                format!(
                    "subset '{name}' is not one of {}",
                    ContactSubset::ALL.map(ContactSubset::name).join(", ")
                ),
            )
        }),
    }
}

/// A contact's time in the centre's zone, `2026-11-02T09:00:05+08:00`.
fn zoned(ms: i64, zone: &TimeZone) -> String {
    servq_app::rfc3339_in(ms, zone)
}

fn seconds(ms: i64) -> f64 {
    ms as f64 / 1000.0
}

/// One value of an exported contact.
enum Cell {
    Text(String),
    MaybeText(Option<String>),
    Number(f64),
    Flag(bool),
    MaybeFlag(Option<bool>),
    Names(Vec<&'static str>),
}

impl Cell {
    /// As text in a CSV file: flags 1/0, absent values empty, names space-separated.
    fn text(&self) -> String {
        let flag = |b: bool| if b { "1" } else { "0" }.to_owned();
        match self {
            Cell::Text(text) => text.clone(),
            Cell::MaybeText(text) => text.clone().unwrap_or_default(),
            Cell::Number(number) => number.to_string(),
            Cell::Flag(b) => flag(*b),
            Cell::MaybeFlag(b) => b.map(flag).unwrap_or_default(),
            Cell::Names(names) => names.join(" "),
        }
    }
}

/// The exported columns of a contact, in order: the CSV/XLSX header, and the JSON keys of
/// [`ContactItem`] (whose fields are in the same order).
const COLUMNS: &[&str] = &[
    "contact_id",
    "offered_at",
    "channel",
    "direction",
    "queue",
    "customer_id",
    "agent_id",
    "team",
    "category",
    "answered",
    "wait_seconds",
    "talk_seconds",
    "hold_seconds",
    "wrap_seconds",
    "transferred",
    "resolved",
    "subsets",
];

/// The values of [`COLUMNS`] for one contact.
fn cells(row: &ContactRow, zone: &TimeZone) -> [Cell; 17] {
    [
        Cell::Text(row.contact_id.clone()),
        Cell::Text(zoned(row.offered_ms, zone)),
        Cell::Text(row.channel.clone()),
        Cell::Text(row.direction.clone()),
        Cell::Text(row.queue.clone()),
        Cell::MaybeText(row.customer_id.clone()),
        Cell::Text(row.agent_id.clone()),
        Cell::Text(row.team.clone()),
        Cell::Text(row.category.clone()),
        Cell::Flag(row.answered),
        Cell::Number(seconds(row.wait_ms)),
        Cell::Number(seconds(row.talk_ms)),
        Cell::Number(seconds(row.hold_ms)),
        Cell::Number(seconds(row.wrap_ms)),
        Cell::Flag(row.transferred),
        Cell::MaybeFlag(row.resolved),
        Cell::Names(row.subsets.iter().map(|s| s.name()).collect()),
    ]
}

/// One contact of a drill-down.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct ContactItem {
    contact_id: String,
    /// RFC 3339 in the centre's zone.
    offered_at: String,
    channel: String,
    direction: String,
    queue: String,
    customer_id: Option<String>,
    agent_id: String,
    team: String,
    category: String,
    answered: bool,
    wait_seconds: f64,
    talk_seconds: f64,
    hold_seconds: f64,
    wrap_seconds: f64,
    transferred: bool,
    resolved: Option<bool>,
    /// The subsets the contact belongs to.
    subsets: Vec<String>,
}

impl ContactItem {
    fn new(row: &ContactRow, zone: &TimeZone) -> ContactItem {
        ContactItem {
            contact_id: row.contact_id.clone(),
            offered_at: zoned(row.offered_ms, zone),
            channel: row.channel.clone(),
            direction: row.direction.clone(),
            queue: row.queue.clone(),
            customer_id: row.customer_id.clone(),
            agent_id: row.agent_id.clone(),
            team: row.team.clone(),
            category: row.category.clone(),
            answered: row.answered,
            wait_seconds: seconds(row.wait_ms),
            talk_seconds: seconds(row.talk_ms),
            hold_seconds: seconds(row.hold_ms),
            wrap_seconds: seconds(row.wrap_ms),
            transferred: row.transferred,
            resolved: row.resolved,
            subsets: row.subsets.iter().map(|s| s.name().to_owned()).collect(),
        }
    }
}

/// `GET /api/v1/contacts`.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct ContactList {
    subset: String,
    time_zone: String,
    /// Every matching contact, not just this page.
    total: i64,
    offset: u64,
    limit: u64,
    rows: Vec<ContactItem>,
}

/// The catalogue keys of the headings of [`COLUMNS`] in a download for people.
pub(crate) const HEADINGS: [&str; 17] = [
    "contacts.contact_id",
    "contacts.offered_at",
    "contacts.channel",
    "contacts.direction",
    "contacts.queue",
    "contacts.customer",
    "contacts.agent",
    "dimension.team",
    "contacts.category",
    "subset.answered",
    "contacts.wait",
    "contacts.talk",
    "contacts.hold",
    "contacts.wrap",
    "contacts.transferred",
    "contacts.resolved",
    "export.subsets",
];

/// The header row of a download: in `locale`'s words for people, the stable keys for scripts.
fn headings(locale: Option<Locale>) -> Vec<String> {
    match locale {
        Some(locale) => HEADINGS.iter().map(|key| t(locale, key)).collect(),
        None => COLUMNS.iter().map(|name| (*name).to_owned()).collect(),
    }
}

/// The contacts as CSV. For people (`locale`): the UTF-8 BOM, headings in their language and
/// formula-looking text neutralized ([`exports::neutralized`]). For scripts (`None`, `keys=1`):
/// the stable keys and the values as they are, the same bytes as before.
fn csv_bytes(
    rows: &[ContactRow],
    zone: &TimeZone,
    locale: Option<Locale>,
) -> Result<Vec<u8>, Problem> {
    let start = if locale.is_some() {
        exports::BOM.to_vec()
    } else {
        Vec::new()
    };
    let mut writer = csv::Writer::from_writer(start);
    writer
        .write_record(headings(locale))
        .map_err(Problem::internal)?;
    for row in rows {
        // text cells never run as formulas, for people (headings in their words) and scripts
        // (keys) alike: the file may be opened in a spreadsheet either way
        let values = cells(row, zone).map(|cell| match &cell {
            Cell::Text(_) | Cell::MaybeText(_) => exports::neutralized(&cell.text()).into_owned(),
            _ => cell.text(),
        });
        writer.write_record(values).map_err(Problem::internal)?;
    }
    writer.into_inner().map_err(Problem::internal)
}

/// The contacts as an XLSX workbook (sheet `contacts`): headings as [`csv_bytes`]; the offer
/// time an Excel date and time in the centre's zone, seconds in `0.0`, flags TRUE/FALSE, text
/// as text.
fn xlsx_bytes(
    rows: &[ContactRow],
    zone: &TimeZone,
    locale: Option<Locale>,
) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let worksheet = workbook.add_worksheet_with_constant_memory()?;
    worksheet.set_name("contacts")?;
    let mut sheet = exports::Sheet::new(worksheet, &headings(locale))?;
    for row in rows {
        let values = cells(row, zone);
        sheet.row(values.iter().enumerate().map(|(column, cell)| {
            if COLUMNS[column] == "offered_at"
                && let Some(at) = exports::excel_datetime(row.offered_ms, zone)
            {
                return XCell::DateTime(at, Style::DateTime);
            }
            match cell {
                Cell::Text(text) | Cell::MaybeText(Some(text)) => XCell::Text(text.as_str().into()),
                Cell::MaybeText(None) | Cell::MaybeFlag(None) => XCell::Empty,
                Cell::Number(number) => XCell::Number(*number, Style::Decimal),
                Cell::Flag(flag) | Cell::MaybeFlag(Some(flag)) => XCell::Flag(*flag),
                Cell::Names(names) => XCell::Text(names.join(" ").into()),
            }
        }))?;
    }
    sheet.finish()?;
    workbook.save_to_buffer()
}

#[derive(Deserialize)]
pub(crate) struct ContactsParams {
    /// First day, YYYY-MM-DD in the centre's zone.
    from: Option<String>,
    /// Last day, inclusive.
    to: Option<String>,
    /// `dimension=value`, comma-separated.
    filter: Option<String>,
    /// all, answered, abandoned, missed_service_level, transferred, repeated.
    subset: Option<String>,
    /// Matching contacts to skip.
    offset: Option<usize>,
    /// Most contacts to return (1–1000, default 100).
    limit: Option<usize>,
    /// json (default), csv or xlsx.
    format: Option<String>,
    /// `1`: a CSV or XLSX download has the stable column keys as headings, and a CSV is written
    /// for scripts as before (no BOM, values as they are).
    keys: Option<String>,
}

/// `GET /api/v1/contacts`: the contacts of a period, filters and subset, newest first, within
/// the caller's rights.
#[utoipa::path(get, path = "/api/v1/contacts", tag = "kpi",
    params(
        ("from" = Option<String>, Query, description = "First day, YYYY-MM-DD in the centre's zone"),
        ("to" = Option<String>, Query, description = "Last day, inclusive"),
        ("filter" = Option<String>, Query, description = "dimension=value pairs, comma-separated"),
        ("subset" = Option<String>, Query, description = "all (default), answered, abandoned, missed_service_level, transferred, repeated"),
        ("offset" = Option<usize>, Query, description = "Matching contacts to skip"),
        ("limit" = Option<usize>, Query, description = "Most contacts to return, 1 to 1000 (default 100)"),
        ("format" = Option<String>, Query, description = "json (default), csv or xlsx (every matching contact, at most 100 000)"),
        ("keys" = Option<String>, Query, description = "1: CSV/XLSX headings are the stable column keys and a CSV has no BOM and its values as they are (for scripts); otherwise headings are in the user's language"),
    ),
    responses((status = 200, content(
            (ContactList = "application/json"),
            (String = "text/csv"),
            (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
        (status = 400, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn contacts_api(
    State(state): State<AppState>,
    user: CurrentUser,
    params: Result<Query<ContactsParams>, QueryRejection>,
) -> Result<Response, Problem> {
    user.require(servq_core::Permission::ViewOwnKpis)?;
    let Query(params) = params?;
    let locale = user.locale;
    let (zone_name, zone) = state.centre_zone().await?;
    let (from_ms, to_ms) =
        query_params::day_range_ms(locale, &zone, params.from.as_deref(), params.to.as_deref())?;
    let mut filters = query_params::filters(locale, params.filter.as_deref())?;
    user.restrict_filters(&mut filters)?;
    let subset = parse_subset(locale, params.subset.as_deref())?;
    let export = match params.format.as_deref().map(str::trim) {
        None | Some("") | Some("json") => None,
        Some("csv") => Some("csv"),
        Some("xlsx") => Some("xlsx"),
        Some(other) => {
            return Err(Problem::bad_request(
                locale,
                "unknown_format",
                format!("format '{other}' is not json, csv or xlsx"),
            ));
        }
    };
    let (offset, limit) = if export.is_some() {
        (0, MAX_CSV_ROWS)
    } else {
        (
            params.offset.unwrap_or(0),
            params.limit.unwrap_or(100).clamp(1, MAX_JSON_ROWS),
        )
    };
    let page = state
        .store
        .contacts(&ContactListQuery {
            from_ms,
            to_ms,
            filters,
            subset,
            offset,
            limit,
        })
        .await
        .map_err(Problem::internal)?;
    if let Some(extension) = export {
        // for people, in their language; with keys=1, for scripts
        let people = (!exports::wants_keys(params.keys.as_deref())).then_some(locale);
        let (content_type, bytes) = if extension == "csv" {
            (exports::CSV_TYPE, csv_bytes(&page.rows, &zone, people)?)
        } else {
            (
                exports::XLSX_TYPE,
                xlsx_bytes(&page.rows, &zone, people).map_err(Problem::internal)?,
            )
        };
        let localized = people.map(|locale| format!("{}.{extension}", t(locale, "contacts.title")));
        return Ok(exports::download(
            content_type,
            &format!("contacts.{extension}"),
            localized.as_deref(),
            bytes,
        ));
    }
    Ok(Json(ContactList {
        subset: subset.name().to_owned(),
        time_zone: zone_name,
        total: page.total,
        offset: offset as u64,
        limit: limit as u64,
        rows: page
            .rows
            .iter()
            .map(|row| ContactItem::new(row, &zone))
            .collect(),
    })
    .into_response())
}

#[derive(Deserialize)]
pub(crate) struct ContactsPageQuery {
    #[serde(flatten)]
    view: DashboardQuery,
    subset: Option<String>,
    metric: Option<String>,
    page: Option<String>,
}

/// `/contacts`: the drill-down page.
pub(crate) async fn contacts_page(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    query: Result<Query<ContactsPageQuery>, QueryRejection>,
) -> Result<Response, Problem> {
    let Some(user) = user else {
        return Ok(Redirect::to("/login").into_response());
    };
    let Query(query) = query?;
    let locale = user.locale;
    let (_, zone) = state.centre_zone().await?;
    let names = crate::pages::AgentNames::load(&state).await?;
    let view = View::parse(locale, &zone, &query.view)?.with_agent_names(&names);
    let subset = parse_subset(locale, query.subset.as_deref())?;
    let page_number: usize = query
        .page
        .as_deref()
        .and_then(|p| p.trim().parse().ok())
        .filter(|p| *p >= 1)
        .unwrap_or(1);
    let mut filters = view.filters();
    user.restrict_filters(&mut filters)?;
    let list = state
        .store
        .contacts(&ContactListQuery {
            from_ms: Some(query_params::day_start_ms(locale, &zone, view.from, 0)?),
            to_ms: Some(query_params::day_start_ms(locale, &zone, view.to, 1)?),
            filters,
            subset,
            offset: (page_number - 1) * PAGE_ROWS,
            limit: PAGE_ROWS,
        })
        .await
        .map_err(Problem::internal)?;
    let metric = query
        .metric
        .as_deref()
        .filter(|name| crate::dashboard::is_headline(name));
    let link = |subset: ContactSubset, page_number: usize| {
        let mut pairs = view.base_params();
        if let Some(metric) = metric {
            pairs.push(("metric", metric.to_owned()));
        }
        pairs.push(("subset", subset.name().to_owned()));
        pairs.push(("page", page_number.to_string()));
        format!("/contacts?{}", query_string(&pairs))
    };
    let title = match metric {
        Some(metric) => t(locale, "contacts.title_for")
            .replace("{metric}", &t(locale, &format!("kpi.{metric}"))),
        None => t(locale, "contacts.title"),
    };
    let mut export = view.base_params();
    export.retain(|(key, _)| *key == "from" || *key == "to");
    export.push(("filter", view.filter_param()));
    export.push(("subset", subset.name().to_owned()));
    let xlsx_query = {
        let mut pairs = export.clone();
        pairs.push(("format", "xlsx".to_owned()));
        query_string(&pairs)
    };
    export.push(("format", "csv".to_owned()));
    let rows = list
        .rows
        .iter()
        .map(|row| ContactLine {
            link: query_params::path_segment(&row.contact_id),
            contact_id: &row.contact_id,
            at: zoned(row.offered_ms, &zone).replace('T', " "),
            queue: &row.queue,
            agent: &row.agent_id,
            channel: &row.channel,
            category: &row.category,
            status: t(
                locale,
                if row.answered {
                    "contacts.answered"
                } else {
                    "contacts.abandoned"
                },
            ),
            wait: seconds(row.wait_ms),
            handle: seconds(row.talk_ms + row.hold_ms + row.wrap_ms),
            transferred: row.transferred,
            repeated: row.subsets.contains(&ContactSubset::Repeated),
            // in the lists of all or answered contacts, mark those that missed the service level
            missed_service_level: matches!(subset, ContactSubset::All | ContactSubset::Answered)
                && row.subsets.contains(&ContactSubset::MissedServiceLevel),
        })
        .collect();
    let page = ContactsPage {
        i18n: Text::new(locale),
        header: signed_in_header(&user),
        back_query: query_string(&view.base_params()),
        period: t(locale, "dashboard.period")
            .replace("{from}", &view.from.to_string())
            .replace("{to}", &view.to.to_string())
            .replace(
                "{days}",
                &(i64::from((view.to - view.from).get_days()) + 1).to_string(),
            ),
        subsets: ContactSubset::ALL
            .into_iter()
            .map(|candidate| SubsetLink {
                label_key: format!("subset.{}", candidate.name()),
                current: candidate == subset,
                href: link(candidate, 1),
            })
            .collect(),
        csv_query: query_string(&export),
        xlsx_query,
        total: list.total,
        count: t(locale, "contacts.count").replace("{n}", &list.total.to_string()),
        columns: PAGE_COLUMNS.map(|key| format!("contacts.{key}")),
        rows,
        previous: (page_number > 1).then(|| link(subset, page_number - 1)),
        next: ((page_number * PAGE_ROWS) < list.total as usize)
            .then(|| link(subset, page_number + 1)),
        title,
    };
    Ok(render(&page)?.into_response())
}

/// The columns of the page's table.
const PAGE_COLUMNS: [&str; 11] = [
    "contact_id",
    "offered_at",
    "queue",
    "agent",
    "channel",
    "category",
    "status",
    "wait",
    "handle",
    "transferred",
    "repeated",
];

struct SubsetLink {
    label_key: String,
    current: bool,
    href: String,
}

struct ContactLine<'a> {
    link: String,
    contact_id: &'a str,
    at: String,
    queue: &'a str,
    agent: &'a str,
    channel: &'a str,
    category: &'a str,
    status: String,
    wait: f64,
    handle: f64,
    transferred: bool,
    repeated: bool,
    missed_service_level: bool,
}

#[derive(askama::Template)]
#[template(path = "contacts.html")]
struct ContactsPage<'a> {
    i18n: Text,
    title: String,
    header: String,
    back_query: String,
    period: String,
    subsets: Vec<SubsetLink>,
    csv_query: String,
    xlsx_query: String,
    total: i64,
    count: String,
    columns: [String; 11],
    rows: Vec<ContactLine<'a>>,
    previous: Option<String>,
    next: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_json_keys_are_the_export_columns() {
        let row = ContactRow {
            contact_id: "c1".to_owned(),
            channel: "voice".to_owned(),
            direction: "inbound".to_owned(),
            queue: "q".to_owned(),
            customer_id: None,
            agent_id: "a1".to_owned(),
            team: String::new(),
            offered_ms: 0,
            utc_offset_secs: 0,
            answered: true,
            wait_ms: 1500,
            talk_ms: 0,
            hold_ms: 0,
            wrap_ms: 0,
            transferred: false,
            category: String::new(),
            resolved: None,
            subsets: vec![ContactSubset::All],
        };
        let item = serde_json::to_value(ContactItem::new(&row, &TimeZone::UTC)).unwrap();
        let keys: Vec<&str> = item
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(keys, COLUMNS);
        assert_eq!(item["customer_id"], serde_json::Value::Null);
        assert_eq!(item["wait_seconds"], 1.5);
    }
}
