//! Tickets from another system, for `servq import tickets` and the web app's import page alike:
//! every row is checked (the same rules as tickets opened in the app, ids unique in the file, time
//! stamps, a consistent history) and every problem reported by line and column; a clean file is
//! stored in one transaction with its SLA clocks started at each ticket's `created_at`. Ids stored
//! already are left as they are. See `docs/desk.md#import`.

use std::collections::HashMap;

use jiff::{Timestamp, tz::TimeZone};
use servq_import::{Outcome, Progress, Rejection, TableReader};
use servq_store::{Actor, ImportSummary, Store};

use crate::desk::{DeskSetup, TicketHistory, TicketRequest};

/// Ticket import columns, in this order.
pub const TICKET_COLUMNS: &[&str] = &[
    "ticket_id",
    "ticket_type",
    "category",
    "priority",
    "subject",
    "description",
    "customer_id",
    "segment",
    "channel",
    "team",
    "assignee",
    "created_at",
    "status",
    "first_response_at",
    "resolved_at",
    "closed_at",
];

/// Columns a ticket file must have.
pub const TICKET_REQUIRED: &[&str] = &[
    "ticket_id",
    "category",
    "subject",
    "customer_id",
    "created_at",
];

/// Reads the ticket table `reader` holds (time stamps without an offset are read in `zone`) and
/// stores it if every row is good; otherwise reports the first `max_errors` problems (all
/// counted) and writes nothing. `progress` is called while reading and once before the write.
pub async fn import_ticket_table(
    store: &Store,
    mut reader: TableReader,
    zone: &TimeZone,
    max_errors: usize,
    actor: &Actor,
    mut progress: impl FnMut(Progress),
) -> anyhow::Result<Outcome> {
    let setup = DeskSetup::load(store).await?;
    let mut rejection = Rejection::default();
    let mut seen: HashMap<String, u64> = HashMap::new();
    let mut tickets = Vec::new();
    let mut row = Vec::new();
    let mut rows: u64 = 0;
    while let Some(line) = reader.next_row(&mut row)? {
        rows += 1;
        if let Some(now) = Progress::every_few_rows(&reader, rows) {
            progress(now);
        }
        let row_errors = match reader.shape_error(&row) {
            Some(reason) => vec![("row".to_owned(), reason)],
            None => match ticket_of(&reader, &row, line, &setup, zone, &mut seen) {
                Ok(ticket) => {
                    tickets.push(ticket);
                    continue;
                }
                Err(errors) => errors,
            },
        };
        rejection.add_row(line, row_errors, max_errors);
    }
    if rejection.error_count > 0 {
        return Ok(Outcome::Rejected(rejection));
    }
    progress(Progress::merging(&reader, rows));
    let (created, existing) = store
        .import_tickets(&tickets, reader.path(), actor, crate::now_ms())
        .await?;
    Ok(Outcome::Imported(ImportSummary {
        rows: rows as i64,
        inserted: created,
        updated: 0,
        unchanged: existing,
    }))
}

/// One row as a ticket to store (with its creation time), or its problems as (column, reason).
fn ticket_of(
    reader: &TableReader,
    row: &[String],
    line: u64,
    setup: &DeskSetup,
    zone: &TimeZone,
    seen: &mut HashMap<String, u64>,
) -> Result<(servq_store::NewTicket, i64), Vec<(String, String)>> {
    let get = |name: &str| {
        let index = TICKET_COLUMNS
            .iter()
            .position(|c| *c == name)
            .expect("known column");
        reader.columns.get(row, index).trim().to_owned()
    };
    let column = |name: &str| reader.columns.display_name(TICKET_COLUMNS, name);
    let or = |value: String, default: &str| {
        if value.is_empty() {
            default.to_owned()
        } else {
            value
        }
    };
    let request = TicketRequest {
        ticket_type: or(get("ticket_type"), TicketRequest::DEFAULT_TYPE),
        category: get("category"),
        priority: or(get("priority"), TicketRequest::DEFAULT_PRIORITY.name()),
        subject: get("subject"),
        description: get("description"),
        customer_id: get("customer_id"),
        segment: get("segment"),
        channel: or(get("channel"), "import"),
        contact_id: None,
        team: get("team"),
    };
    let checked = setup.check(&request);
    let mut errors: Vec<(String, String)> = match &checked {
        Ok(_) => Vec::new(),
        Err(problems) => problems
            .iter()
            .map(|(field, reason)| (column(field), reason.clone()))
            .collect(),
    };
    let id = get("ticket_id");
    if id.is_empty() || id.chars().count() > 64 {
        errors.push((
            column("ticket_id"),
            "must have 1 to 64 characters".to_owned(),
        ));
    } else if let Some(first) = seen.get(&id) {
        errors.push((
            column("ticket_id"),
            format!("'{id}' appears again (first on line {first})"),
        ));
    } else {
        seen.insert(id.clone(), line);
    }
    let mut time = |name: &str, required: bool| -> Option<Timestamp> {
        let text = get(name);
        if text.is_empty() && !required {
            return None;
        }
        servq_core::parse_timestamp(&text, zone)
            .map_err(|error| errors.push((column(name), error.to_string())))
            .ok()
            .and_then(|at| Timestamp::from_millisecond(at.utc_ms).ok())
    };
    let created = time("created_at", true);
    let first_response = time("first_response_at", false);
    let resolved = time("resolved_at", false);
    let closed = time("closed_at", false);
    let status_text = or(get("status"), "open");
    let status = servq_desk::TicketStatus::parse(&status_text).unwrap_or_else(|| {
        errors.push((
            column("status"),
            format!("status '{status_text}' is not open, resolved or closed"),
        ));
        servq_desk::TicketStatus::Open
    });
    let history = TicketHistory {
        status,
        first_response,
        resolved,
        closed,
    };
    if let Some(created) = created {
        errors.extend(
            history
                .problems(created)
                .into_iter()
                .map(|(field, reason)| (column(field), reason)),
        );
    }
    let (Some(created), Ok(checked)) = (created.filter(|_| errors.is_empty()), checked) else {
        return Err(errors);
    };
    let team = setup.team_for(&request);
    setup
        .prepare(
            id,
            &checked,
            (team, get("assignee")),
            created,
            &history.completed(),
        )
        .map(|(ticket, _token)| (ticket, created.as_millisecond()))
        .map_err(|reason| vec![("row".to_owned(), reason)])
}
