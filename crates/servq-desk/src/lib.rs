//! Service-desk rules for servq, without IO: business-hours calendars with time zones,
//! holidays, make-up workdays and duty hours ([`BusinessCalendar`]), and SLA clocks that count
//! business time, pause while waiting on the customer and stop for good ([`SlaClock`]).
//! Definitions in `docs/desk.md`.

mod calendar;
mod policy;
mod sla;

pub use calendar::{BusinessCalendar, CalendarError, CalendarSpec, Span, china_2025};
pub use policy::{Priority, SlaPolicy, SlaRule};
pub use sla::{ClockEvent, ClockState, SlaClock, SlaMetric};
