//! Additive counters: the per-contact and per-state contributions that rollups store and KPIs
//! divide. Everything here is a sum, so counters for any grouping are the sum of finer ones.

use servq_core::{AgentStateKind, Contact};

use crate::KpiSettings;

/// Rollup bucket width: 15 minutes. Every UTC offset in use is a multiple of 15 minutes, so
/// 15-minute UTC buckets fall exactly on local interval, hour, day, week and month boundaries
/// in any zone.
pub const BUCKET_MS: i64 = 15 * 60 * 1000;

/// The start of the 15-minute bucket holding `utc_ms`.
pub fn bucket_start(utc_ms: i64) -> i64 {
    utc_ms.div_euclid(BUCKET_MS) * BUCKET_MS
}

/// Splits `[start_ms, end_ms)` at bucket boundaries, giving each bucket's start and the
/// milliseconds of the interval inside it.
pub fn split_into_buckets(start_ms: i64, end_ms: i64) -> impl Iterator<Item = (i64, i64)> {
    let mut cursor = start_ms;
    std::iter::from_fn(move || {
        if cursor >= end_ms {
            return None;
        }
        let bucket = bucket_start(cursor);
        let until = (bucket + BUCKET_MS).min(end_ms);
        let piece = (bucket, until - cursor);
        cursor = until;
        Some(piece)
    })
}

/// What the KPI definitions need to know about one contact. `next_same_issue_offered_ms` is the
/// offered time of the next contact by the same customer in the same category (any channel,
/// answered or not), which the store maintains as contacts arrive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContactFacts {
    /// Offered time, UTC ms.
    pub offered_ms: i64,
    /// Whether an agent answered.
    pub answered: bool,
    /// Wait: (answered_at or ended_at) − offered_at.
    pub wait_ms: i64,
    /// Talk time.
    pub talk_ms: i64,
    /// Hold time.
    pub hold_ms: i64,
    /// After-contact work.
    pub wrap_ms: i64,
    /// Whether it was transferred.
    pub transferred: bool,
    /// Whether the customer is known (FCR needs a customer).
    pub has_customer: bool,
    /// Offered time of the next contact by the same customer in the same category, if any.
    pub next_same_issue_offered_ms: Option<i64>,
    /// Agent-marked resolution, when given.
    pub resolved: Option<bool>,
}

impl ContactFacts {
    /// The facts of a parsed contact, given the next same-issue contact's offered time.
    pub fn of(contact: &Contact, next_same_issue_offered_ms: Option<i64>) -> Self {
        Self {
            offered_ms: contact.offered_at.utc_ms,
            answered: contact.is_answered(),
            wait_ms: contact.wait_ms(),
            talk_ms: contact.talk_ms,
            hold_ms: contact.hold_ms,
            wrap_ms: contact.wrap_ms,
            transferred: contact.transferred,
            has_customer: contact.customer_id.is_some(),
            next_same_issue_offered_ms,
            resolved: contact.resolved,
        }
    }
}

/// Whether a same-issue contact offered at `next_ms` makes the contact offered at `offered_ms` a
/// repeat (not resolved at first contact): the FCR window rule.
pub fn repeats_within_window(offered_ms: i64, next_ms: i64, settings: &KpiSettings) -> bool {
    next_ms - offered_ms <= settings.fcr_window_ms
}

/// The same rule as SQL over the columns `offered` and `next` (NULL when there is no next), for
/// stores that must pick out the contacts whose FCR a moved link can change; a test keeps it equal
/// to [`repeats_within_window`].
pub fn repeats_within_window_sql(offered: &str, next: &str, settings: &KpiSettings) -> String {
    format!("({next} - {offered} <= {})", settings.fcr_window_ms)
}

/// Sums over contacts. Field names are the rollup columns.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ContactCounters {
    /// Contacts offered.
    pub offered: i64,
    /// Contacts answered by an agent.
    pub answered: i64,
    /// Contacts abandoned (not answered), short abandons included.
    pub abandoned: i64,
    /// Abandoned with wait below the short-abandon threshold.
    pub short_abandoned: i64,
    /// Answered with wait at most the service-level threshold.
    pub answered_within_sl: i64,
    /// Sum of waits of answered contacts.
    pub wait_answered_ms: i64,
    /// Sum of waits of all contacts except short abandons.
    pub wait_counted_ms: i64,
    /// Sum of talk time of answered contacts.
    pub talk_ms: i64,
    /// Sum of hold time of answered contacts.
    pub hold_ms: i64,
    /// Sum of after-contact work of answered contacts.
    pub wrap_ms: i64,
    /// Answered contacts that were transferred.
    pub transferred: i64,
    /// Answered contacts with a customer id (the FCR denominator).
    pub fcr_eligible: i64,
    /// Of those, contacts with no same-issue repeat within the FCR window.
    pub fcr_resolved: i64,
    /// Answered contacts whose resolved flag was given.
    pub resolution_known: i64,
    /// Of those, contacts marked resolved.
    pub resolution_resolved: i64,
}

impl ContactCounters {
    /// The counter names, in the order of [`ContactCounters::to_array`]; rollup columns carry
    /// these names.
    pub const FIELDS: [&'static str; 15] = [
        "offered",
        "answered",
        "abandoned",
        "short_abandoned",
        "answered_within_sl",
        "wait_answered_ms",
        "wait_counted_ms",
        "talk_ms",
        "hold_ms",
        "wrap_ms",
        "transferred",
        "fcr_eligible",
        "fcr_resolved",
        "resolution_known",
        "resolution_resolved",
    ];

    /// The counters in [`ContactCounters::FIELDS`] order.
    pub fn to_array(&self) -> [i64; 15] {
        [
            self.offered,
            self.answered,
            self.abandoned,
            self.short_abandoned,
            self.answered_within_sl,
            self.wait_answered_ms,
            self.wait_counted_ms,
            self.talk_ms,
            self.hold_ms,
            self.wrap_ms,
            self.transferred,
            self.fcr_eligible,
            self.fcr_resolved,
            self.resolution_known,
            self.resolution_resolved,
        ]
    }

    /// Counters from values in [`ContactCounters::FIELDS`] order.
    pub fn from_array(values: [i64; 15]) -> Self {
        let [
            offered,
            answered,
            abandoned,
            short_abandoned,
            answered_within_sl,
            wait_answered_ms,
            wait_counted_ms,
            talk_ms,
            hold_ms,
            wrap_ms,
            transferred,
            fcr_eligible,
            fcr_resolved,
            resolution_known,
            resolution_resolved,
        ] = values;
        Self {
            offered,
            answered,
            abandoned,
            short_abandoned,
            answered_within_sl,
            wait_answered_ms,
            wait_counted_ms,
            talk_ms,
            hold_ms,
            wrap_ms,
            transferred,
            fcr_eligible,
            fcr_resolved,
            resolution_known,
            resolution_resolved,
        }
    }

    /// Adds one contact's contribution under `settings` (definitions in `docs/kpi.md`).
    pub fn add(&mut self, facts: &ContactFacts, settings: &KpiSettings) {
        self.offered += 1;
        if facts.answered {
            self.answered += 1;
            self.wait_answered_ms += facts.wait_ms;
            self.wait_counted_ms += facts.wait_ms;
            if facts.wait_ms <= settings.service_level_ms {
                self.answered_within_sl += 1;
            }
            self.talk_ms += facts.talk_ms;
            self.hold_ms += facts.hold_ms;
            self.wrap_ms += facts.wrap_ms;
            self.transferred += i64::from(facts.transferred);
            if facts.has_customer {
                self.fcr_eligible += 1;
                let repeated = facts
                    .next_same_issue_offered_ms
                    .is_some_and(|next| repeats_within_window(facts.offered_ms, next, settings));
                self.fcr_resolved += i64::from(!repeated);
            }
            if let Some(resolved) = facts.resolved {
                self.resolution_known += 1;
                self.resolution_resolved += i64::from(resolved);
            }
        } else {
            self.abandoned += 1;
            if facts.wait_ms < settings.short_abandon_ms {
                self.short_abandoned += 1;
            } else {
                self.wait_counted_ms += facts.wait_ms;
            }
        }
    }

    /// Adds another set of counters (the sums are what make rollups composable).
    pub fn merge(&mut self, other: &ContactCounters) {
        let mut sums = self.to_array();
        for (sum, value) in sums.iter_mut().zip(other.to_array()) {
            *sum += value;
        }
        *self = Self::from_array(sums);
    }

    /// Takes away another set of counters that were added before (a contact's old version
    /// leaving its rollup row: imports keep rollups by adding and subtracting, never re-reading).
    pub fn subtract(&mut self, other: &ContactCounters) {
        let mut sums = self.to_array();
        for (sum, value) in sums.iter_mut().zip(other.to_array()) {
            *sum -= value;
        }
        *self = Self::from_array(sums);
    }

    /// Whether every counter is zero (a change that changes nothing; a rollup row of no contacts).
    pub fn is_zero(&self) -> bool {
        self.to_array() == [0; 15]
    }

    /// Offered contacts that count in rate denominators: offered − short abandons.
    pub fn counted(&self) -> i64 {
        self.offered - self.short_abandoned
    }
}

/// Sums of agent-state time.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StateCounters {
    /// Time available (idle, ready for a contact).
    pub available_ms: i64,
    /// Time talking.
    pub talk_ms: i64,
    /// Time with a customer on hold.
    pub hold_ms: i64,
    /// Time in after-contact work.
    pub wrap_ms: i64,
    /// Time logged in but not ready.
    pub not_ready_ms: i64,
}

impl StateCounters {
    /// The counter names, in the order of [`StateCounters::to_array`].
    pub const FIELDS: [&'static str; 5] = [
        "available_ms",
        "talk_ms",
        "hold_ms",
        "wrap_ms",
        "not_ready_ms",
    ];

    /// The counters in [`StateCounters::FIELDS`] order.
    pub fn to_array(&self) -> [i64; 5] {
        [
            self.available_ms,
            self.talk_ms,
            self.hold_ms,
            self.wrap_ms,
            self.not_ready_ms,
        ]
    }

    /// Counters from values in [`StateCounters::FIELDS`] order.
    pub fn from_array(values: [i64; 5]) -> Self {
        let [available_ms, talk_ms, hold_ms, wrap_ms, not_ready_ms] = values;
        Self {
            available_ms,
            talk_ms,
            hold_ms,
            wrap_ms,
            not_ready_ms,
        }
    }

    /// Adds `ms` of time in `state`.
    pub fn add(&mut self, state: AgentStateKind, ms: i64) {
        let slot = match state {
            AgentStateKind::Available => &mut self.available_ms,
            AgentStateKind::Talk => &mut self.talk_ms,
            AgentStateKind::Hold => &mut self.hold_ms,
            AgentStateKind::Wrap => &mut self.wrap_ms,
            AgentStateKind::NotReady => &mut self.not_ready_ms,
        };
        *slot += ms;
    }

    /// Adds another set of counters.
    pub fn merge(&mut self, other: &StateCounters) {
        let mut sums = self.to_array();
        for (sum, value) in sums.iter_mut().zip(other.to_array()) {
            *sum += value;
        }
        *self = Self::from_array(sums);
    }

    /// Handling time: talk + hold + wrap.
    pub fn handling_ms(&self) -> i64 {
        self.talk_ms + self.hold_ms + self.wrap_ms
    }

    /// All logged-in time.
    pub fn logged_ms(&self) -> i64 {
        self.handling_ms() + self.available_ms + self.not_ready_ms
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arrays_round_trip_in_field_order() {
        let values: [i64; 15] = std::array::from_fn(|i| i as i64 + 1);
        assert_eq!(ContactCounters::from_array(values).to_array(), values);
        assert_eq!(ContactCounters::from_array(values).wait_counted_ms, 7);
        assert_eq!(ContactCounters::FIELDS[6], "wait_counted_ms");
        let states = StateCounters::from_array([1, 2, 3, 4, 5]);
        assert_eq!((states.talk_ms, states.not_ready_ms), (2, 5));
        assert_eq!(StateCounters::FIELDS[4], "not_ready_ms");
    }

    #[test]
    fn buckets_split_intervals_exactly() {
        let start = 1_000 * BUCKET_MS - 60_000;
        let pieces: Vec<_> = split_into_buckets(start, start + 2 * BUCKET_MS).collect();
        assert_eq!(
            pieces,
            vec![
                (999 * BUCKET_MS, 60_000),
                (1_000 * BUCKET_MS, BUCKET_MS),
                (1_001 * BUCKET_MS, BUCKET_MS - 60_000)
            ]
        );
        assert_eq!(split_into_buckets(5, 5).count(), 0);
        assert_eq!(bucket_start(-1), -BUCKET_MS);
    }
}

/// QA evaluation sums of a group: evaluations with a score, and the sum of their scores in
/// millionths (so that sums stay exact integers).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QaCounters {
    /// Evaluations with a score (all-N/A ones have none).
    pub evaluated: i64,
    /// Σ score × 1 000 000.
    pub score_sum_micro: i64,
}

impl QaCounters {
    /// Adds another group's sums.
    pub fn merge(&mut self, other: &QaCounters) {
        self.evaluated += other.evaluated;
        self.score_sum_micro += other.score_sum_micro;
    }
}
