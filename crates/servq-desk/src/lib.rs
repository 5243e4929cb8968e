//! Service-desk rules for servq, without IO: business-hours calendars with time zones,
//! holidays, make-up workdays and duty hours ([`BusinessCalendar`]), and SLA clocks that count
//! business time, pause while waiting on the customer and stop for good ([`SlaClock`]).
//! Definitions in `docs/desk.md`.

mod calendar;
mod canned;
mod categories;
mod kpi;
pub mod ledger;
mod policy;
mod routing;
mod sla;
mod ticket;

/// Writes a stored name (`name()`) for the enums stored as text, so pages and messages print
/// them like the store keeps them.
macro_rules! display_by_name {
    ($($kind:ty),*) => {$(
        impl std::fmt::Display for $kind {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.name())
            }
        }
    )*};
}

display_by_name!(
    Priority,
    TicketStatus,
    TicketAction,
    SlaMetric,
    ClockState,
    ReturnVisitOutcome
);

pub use calendar::{
    BusinessCalendar, CHINA_SCHEDULE_YEARS, CalendarError, CalendarSpec, Span, china_2025,
    china_2026, china_schedule,
};
pub use canned::{
    CannedReply, MAX_BODY_CHARS as MAX_CANNED_BODY_CHARS, PLACEHOLDERS, ReplyValues,
    check_canned_replies, default_canned_replies, render as render_canned, suits as canned_suits,
};
pub use categories::{Category, check_categories, contains_category, default_categories, flatten};
pub use kpi::{
    AGED_BACKLOG_MS, TicketCounters, complaint_rate, complaints_in_24h_rate,
    first_response_seconds, resolution_seconds, sla_attainment, ticket_resolution_rate,
};
pub use policy::{Priority, SlaPolicy, SlaRule};
pub use routing::{Assignment, Routing, RoutingRule};
pub use sla::{ClockEvent, ClockState, SlaClock, SlaMetric};
pub use ticket::{
    CATALOGUE_STAGES, COMPLAINT, ClockOp, DEFAULT_CATEGORIES, MAX_STAGE_MINUTES,
    ReturnVisitOutcome, STAGE_NAME_LOCALES, StageMove, TicketAction, TicketStatus, TicketType,
    TransitionError, Workflow, WorkflowStage, check_workflows, default_workflows, transition,
};
