//! Which contacts stand behind a KPI: the drill-down from a dashboard tile to its rows. Each
//! subset is read off the counters of one contact ([`ContactCounters::add`]), so a contact is in a
//! subset exactly when it adds to the counter the KPI's formula uses (`docs/kpi.md`), and the
//! subset's size over a period equals that counter in the rollups.

use crate::{ContactCounters, ContactFacts, KpiSettings};

/// A set of contacts a drill-down lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ContactSubset {
    /// Every offered contact (the `offered` count).
    All,
    /// Answered contacts (ASA, AHT, talk-time denominators).
    Answered,
    /// Abandoned contacts that count (not short abandons): the numerator of the abandon rate and
    /// the answer rate's misses.
    Abandoned,
    /// Counted contacts not answered within the service-level threshold: the service level's
    /// misses.
    MissedServiceLevel,
    /// Answered contacts that were transferred: the transfer rate's numerator.
    Transferred,
    /// Answered contacts with a customer whose issue came back within the FCR window: the FCR
    /// misses.
    Repeated,
}

impl ContactSubset {
    /// Every subset, in the order the drill-down page offers them.
    pub const ALL: [ContactSubset; 6] = [
        ContactSubset::All,
        ContactSubset::Answered,
        ContactSubset::Abandoned,
        ContactSubset::MissedServiceLevel,
        ContactSubset::Transferred,
        ContactSubset::Repeated,
    ];

    /// The name used in URLs and the API.
    pub fn name(self) -> &'static str {
        match self {
            ContactSubset::All => "all",
            ContactSubset::Answered => "answered",
            ContactSubset::Abandoned => "abandoned",
            ContactSubset::MissedServiceLevel => "missed_service_level",
            ContactSubset::Transferred => "transferred",
            ContactSubset::Repeated => "repeated",
        }
    }

    /// The subset named `name`.
    pub fn parse(name: &str) -> Option<ContactSubset> {
        ContactSubset::ALL
            .into_iter()
            .find(|subset| subset.name() == name.trim())
    }

    /// The rows behind a metric's tile: for a rate, the contacts that pull it down (what a
    /// supervisor opens a tile to look at); for a mean, the contacts it averages over.
    pub fn for_metric(metric: &str) -> ContactSubset {
        match metric {
            "answer_rate" | "abandon_rate" | "abandoned" => ContactSubset::Abandoned,
            "service_level" => ContactSubset::MissedServiceLevel,
            "transfer_rate" | "transferred" => ContactSubset::Transferred,
            "fcr_rate" => ContactSubset::Repeated,
            "asa_seconds" | "aht_seconds" | "avg_talk_seconds" | "avg_hold_seconds"
            | "avg_acw_seconds" | "answered" | "resolution_rate" => ContactSubset::Answered,
            _ => ContactSubset::All,
        }
    }

    /// Whether the contact whose own counters are `one` (a single contact added to empty
    /// counters) belongs to the subset.
    pub fn contains(self, one: &ContactCounters) -> bool {
        match self {
            ContactSubset::All => one.offered == 1,
            ContactSubset::Answered => one.answered == 1,
            ContactSubset::Abandoned => one.abandoned == 1 && one.short_abandoned == 0,
            ContactSubset::MissedServiceLevel => one.counted() == 1 && one.answered_within_sl == 0,
            ContactSubset::Transferred => one.transferred == 1,
            ContactSubset::Repeated => one.fcr_eligible == 1 && one.fcr_resolved == 0,
        }
    }

    /// How many contacts of the subset summed `counters` hold: the figure a drill-down's row
    /// count must equal.
    pub fn count(self, counters: &ContactCounters) -> i64 {
        match self {
            ContactSubset::All => counters.offered,
            ContactSubset::Answered => counters.answered,
            ContactSubset::Abandoned => counters.abandoned - counters.short_abandoned,
            ContactSubset::MissedServiceLevel => counters.counted() - counters.answered_within_sl,
            ContactSubset::Transferred => counters.transferred,
            ContactSubset::Repeated => counters.fcr_eligible - counters.fcr_resolved,
        }
    }
}

/// The counters of one contact alone under `settings`.
pub fn counters_of(facts: &ContactFacts, settings: &KpiSettings) -> ContactCounters {
    let mut one = ContactCounters::default();
    one.add(facts, settings);
    one
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(answered: bool, wait_ms: i64) -> ContactFacts {
        ContactFacts {
            offered_ms: 0,
            answered,
            wait_ms,
            talk_ms: 60_000,
            hold_ms: 0,
            wrap_ms: 0,
            transferred: false,
            has_customer: true,
            next_same_issue_offered_ms: None,
            resolved: None,
        }
    }

    fn subsets(facts: &ContactFacts) -> Vec<&'static str> {
        let one = counters_of(facts, &KpiSettings::default());
        ContactSubset::ALL
            .into_iter()
            .filter(|s| s.contains(&one))
            .map(ContactSubset::name)
            .collect()
    }

    #[test]
    fn the_boundaries_of_docs_kpi_md() {
        // answered at exactly 20 s meets the service level, 20.001 s misses it
        assert_eq!(subsets(&facts(true, 20_000)), ["all", "answered"]);
        assert_eq!(
            subsets(&facts(true, 20_001)),
            ["all", "answered", "missed_service_level"]
        );
        // a 4.999 s abandon is short: in no rate, only offered; 5 s counts as abandoned
        assert_eq!(subsets(&facts(false, 4_999)), ["all"]);
        assert_eq!(
            subsets(&facts(false, 5_000)),
            ["all", "abandoned", "missed_service_level"]
        );
        // a repeat exactly at the window's end counts, one millisecond later it does not
        let window = KpiSettings::default().fcr_window_ms;
        let repeat = |next| ContactFacts {
            next_same_issue_offered_ms: Some(next),
            transferred: true,
            ..facts(true, 0)
        };
        assert_eq!(
            subsets(&repeat(window)),
            ["all", "answered", "transferred", "repeated"]
        );
        assert_eq!(
            subsets(&repeat(window + 1)),
            ["all", "answered", "transferred"]
        );
    }

    #[test]
    fn counting_members_equals_counting_counters() {
        let settings = KpiSettings::default();
        let mut total = ContactCounters::default();
        let mut members = [0i64; 6];
        for (i, wait) in [0, 3_000, 4_999, 5_000, 19_999, 20_000, 20_001, 90_000]
            .into_iter()
            .enumerate()
        {
            let f = ContactFacts {
                transferred: i % 3 == 0,
                has_customer: i % 2 == 0,
                next_same_issue_offered_ms: (i % 4 == 0).then_some(1_000),
                ..facts(i % 2 == 0 || wait > 30_000, wait)
            };
            let one = counters_of(&f, &settings);
            total.merge(&one);
            for (n, subset) in ContactSubset::ALL.into_iter().enumerate() {
                members[n] += i64::from(subset.contains(&one));
            }
        }
        for (n, subset) in ContactSubset::ALL.into_iter().enumerate() {
            assert_eq!(members[n], subset.count(&total), "{}", subset.name());
        }
        assert_eq!(
            ContactSubset::parse("repeated"),
            Some(ContactSubset::Repeated)
        );
        assert_eq!(
            ContactSubset::for_metric("service_level"),
            ContactSubset::MissedServiceLevel
        );
    }
}
