//! Service-desk rules for servq, without IO: business-hours calendars with time zones,
//! holidays, make-up workdays and duty hours ([`BusinessCalendar`]), and SLA clocks that count
//! business time, pause while waiting on the customer and stop for good ([`SlaClock`]).
//! Definitions in `docs/desk.md`.

mod calendar;
mod categories;
mod kpi;
mod policy;
mod routing;
mod sla;
mod ticket;

pub use calendar::{BusinessCalendar, CalendarError, CalendarSpec, Span, china_2025};
pub use categories::{
    Category, CategoryError, check_categories, contains_category, default_categories, flatten,
};
pub use kpi::{
    AGED_BACKLOG_MS, TicketCounters, complaint_rate, complaints_in_24h_rate,
    first_response_seconds, resolution_seconds, sla_attainment, ticket_resolution_rate,
};
pub use policy::{Priority, SlaPolicy, SlaRule};
pub use routing::{Assignment, Routing, RoutingRule};
pub use sla::{ClockEvent, ClockState, SlaClock, SlaMetric};
pub use ticket::{
    CATALOGUE_STAGES, COMPLAINT, ClockOp, DEFAULT_CATEGORIES, MAX_STAGE_MINUTES, STAGE_NAME_LOCALES,
    ReturnVisitOutcome, TicketAction, TicketStatus, TransitionError, Workflow, WorkflowStage, check_workflows,
    default_workflows, transition,
};
