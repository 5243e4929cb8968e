//! Ticket KPIs (`docs/desk.md#ticket-kpis`) over additive counters: first response and
//! resolution times in business time (the SLA clocks' used time, so nights and weekends do not
//! count), resolution rate, complaints handled within 24 hours, SLA attainment, backlog.

/// Sums over a group of tickets created in a period (backlog: open at its end).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TicketCounters {
    /// Tickets created.
    pub created: i64,
    /// Of those, resolved (or closed).
    pub resolved: i64,
    /// Tickets with a first response.
    pub responded: i64,
    /// Σ business ms to the first response.
    pub first_response_ms: i64,
    /// Σ business ms to resolution, over resolved tickets.
    pub resolution_ms: i64,
    /// Complaints created.
    pub complaints: i64,
    /// Complaints resolved within 24 hours (elapsed time) of their creation.
    pub complaints_in_24h: i64,
    /// SLA clocks (first response and resolution) stopped in time.
    pub sla_met: i64,
    /// SLA clocks breached.
    pub sla_breached: i64,
    /// Tickets open at the period's end.
    pub backlog: i64,
    /// Of those, open for more than the aged-backlog age.
    pub aged_backlog: i64,
}

impl TicketCounters {
    /// Column names, in [`TicketCounters::from_array`] order.
    pub const FIELDS: [&'static str; 11] = [
        "created",
        "resolved",
        "responded",
        "first_response_ms",
        "resolution_ms",
        "complaints",
        "complaints_in_24h",
        "sla_met",
        "sla_breached",
        "backlog",
        "aged_backlog",
    ];

    /// Adds another group's counters (backlogs too: a sum of groups' backlogs is the backlog
    /// of their union).
    pub fn merge(&mut self, other: &TicketCounters) {
        self.created += other.created;
        self.resolved += other.resolved;
        self.responded += other.responded;
        self.first_response_ms += other.first_response_ms;
        self.resolution_ms += other.resolution_ms;
        self.complaints += other.complaints;
        self.complaints_in_24h += other.complaints_in_24h;
        self.sla_met += other.sla_met;
        self.sla_breached += other.sla_breached;
        self.backlog += other.backlog;
        self.aged_backlog += other.aged_backlog;
    }

    /// Counters from an array in [`TicketCounters::FIELDS`] order.
    pub fn from_array(v: [i64; 11]) -> TicketCounters {
        TicketCounters {
            created: v[0],
            resolved: v[1],
            responded: v[2],
            first_response_ms: v[3],
            resolution_ms: v[4],
            complaints: v[5],
            complaints_in_24h: v[6],
            sla_met: v[7],
            sla_breached: v[8],
            backlog: v[9],
            aged_backlog: v[10],
        }
    }
}

fn ratio(numerator: i64, denominator: i64) -> Option<f64> {
    (denominator > 0).then(|| numerator as f64 / denominator as f64)
}

/// Tickets open longer than this at the period's end are aged backlog (default 3 days).
pub const AGED_BACKLOG_MS: i64 = 3 * 24 * 3_600_000;

/// 首次响应时间 first response time: mean business seconds from creation to the first agent
/// response.
pub fn first_response_seconds(c: &TicketCounters) -> Option<f64> {
    ratio(c.first_response_ms, c.responded).map(|ms| ms / 1000.0)
}

/// 解决时长 resolution time: mean business seconds from creation to resolution.
pub fn resolution_seconds(c: &TicketCounters) -> Option<f64> {
    ratio(c.resolution_ms, c.resolved).map(|ms| ms / 1000.0)
}

/// 问题解决率 resolution rate: resolved / created.
pub fn ticket_resolution_rate(c: &TicketCounters) -> Option<f64> {
    ratio(c.resolved, c.created)
}

/// 投诉24小时处理率: complaints resolved within 24 h / complaints.
pub fn complaints_in_24h_rate(c: &TicketCounters) -> Option<f64> {
    ratio(c.complaints_in_24h, c.complaints)
}

/// SLA attainment: clocks stopped in time / clocks stopped or breached.
pub fn sla_attainment(c: &TicketCounters) -> Option<f64> {
    ratio(c.sla_met, c.sla_met + c.sla_breached)
}

/// 投诉率 complaint rate: complaints / contacts offered in the same period.
pub fn complaint_rate(c: &TicketCounters, offered_contacts: i64) -> Option<f64> {
    ratio(c.complaints, offered_contacts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_by_hand() {
        let c = TicketCounters {
            created: 10,
            resolved: 8,
            responded: 9,
            first_response_ms: 9 * 600_000,
            resolution_ms: 8 * 7_200_000,
            complaints: 4,
            complaints_in_24h: 3,
            sla_met: 15,
            sla_breached: 2,
            backlog: 5,
            aged_backlog: 1,
        };
        assert_eq!(first_response_seconds(&c), Some(600.0));
        assert_eq!(resolution_seconds(&c), Some(7200.0));
        assert_eq!(ticket_resolution_rate(&c), Some(0.8));
        assert_eq!(complaints_in_24h_rate(&c), Some(0.75));
        assert_eq!(sla_attainment(&c), Some(15.0 / 17.0));
        assert_eq!(complaint_rate(&c, 1000), Some(0.004));
        assert_eq!(sla_attainment(&TicketCounters::default()), None);
    }
}
