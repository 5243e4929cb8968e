//! Property tests of the invariants every report relies on: counters are additive (any split of
//! contacts into groups sums back to the whole), bucket splitting conserves time, and ratios stay
//! within their bounds.

use proptest::prelude::*;
use servq_kpi::{
    BUCKET_MS, ContactCounters, ContactFacts, KpiSettings, METRICS, MetricValue, StateCounters,
    Unit, split_into_buckets,
};

fn facts() -> impl Strategy<Value = ContactFacts> {
    (
        0i64..10_000_000_000,
        any::<bool>(),
        0i64..600_000,
        (0i64..3_600_000, 0i64..600_000, 0i64..600_000),
        any::<bool>(),
        any::<bool>(),
        proptest::option::of(0i64..1_000_000_000),
        proptest::option::of(any::<bool>()),
    )
        .prop_map(
            |(
                offered_ms,
                answered,
                wait_ms,
                (talk, hold, wrap),
                transferred,
                has_customer,
                next,
                resolved,
            )| {
                ContactFacts {
                    offered_ms,
                    answered,
                    wait_ms,
                    talk_ms: if answered { talk } else { 0 },
                    hold_ms: if answered { hold } else { 0 },
                    wrap_ms: if answered { wrap } else { 0 },
                    transferred,
                    has_customer,
                    next_same_issue_offered_ms: next.map(|delta| offered_ms + delta),
                    resolved,
                }
            },
        )
}

proptest! {
    #[test]
    fn counters_are_additive(contacts in proptest::collection::vec(facts(), 0..60), cut in 0usize..60) {
        let settings = KpiSettings::default();
        let cut = cut.min(contacts.len());
        let mut whole = ContactCounters::default();
        let (mut left, mut right) = (ContactCounters::default(), ContactCounters::default());
        for (index, contact) in contacts.iter().enumerate() {
            whole.add(contact, &settings);
            if index < cut { left.add(contact, &settings) } else { right.add(contact, &settings) }
        }
        left.merge(&right);
        prop_assert_eq!(left, whole);
        prop_assert_eq!(whole.offered, contacts.len() as i64);
        prop_assert_eq!(whole.answered + whole.abandoned, whole.offered);
        prop_assert!(whole.short_abandoned <= whole.abandoned);
        prop_assert!(whole.fcr_resolved <= whole.fcr_eligible && whole.fcr_eligible <= whole.answered);
    }

    #[test]
    fn subtracting_a_part_leaves_the_rest(contacts in proptest::collection::vec(facts(), 0..60), cut in 0usize..60) {
        let settings = KpiSettings::default();
        let cut = cut.min(contacts.len());
        let (mut whole, mut part, mut rest) =
            (ContactCounters::default(), ContactCounters::default(), ContactCounters::default());
        for (index, contact) in contacts.iter().enumerate() {
            whole.add(contact, &settings);
            if index < cut { part.add(contact, &settings) } else { rest.add(contact, &settings) }
        }
        whole.subtract(&part);
        prop_assert_eq!(whole, rest);
        part.subtract(&part.clone());
        prop_assert!(part.is_zero());
        prop_assert_eq!(rest.is_zero(), cut == contacts.len());
    }

    #[test]
    fn ratios_stay_between_zero_and_one(contacts in proptest::collection::vec(facts(), 1..40)) {
        let settings = KpiSettings::default();
        let mut counters = ContactCounters::default();
        for contact in &contacts {
            counters.add(contact, &settings);
        }
        let states = StateCounters { available_ms: 5, talk_ms: 7, hold_ms: 1, wrap_ms: 2, not_ready_ms: 3 };
        for metric in METRICS {
            if let (MetricValue::Number(Some(value)), Unit::Ratio) = ((metric.compute)(&counters, Some(&states), &servq_kpi::FeedbackCounters::default()), metric.unit) {
                prop_assert!((0.0..=1.0).contains(&value), "{} = {}", metric.name, value);
            }
        }
    }

    #[test]
    fn bucket_splitting_conserves_time(start in 0i64..1_000_000_000_000, length in 0i64..(3 * 86_400_000)) {
        let pieces: Vec<(i64, i64)> = split_into_buckets(start, start + length).collect();
        prop_assert_eq!(pieces.iter().map(|(_, ms)| ms).sum::<i64>(), length);
        for window in pieces.windows(2) {
            prop_assert_eq!(window[1].0, window[0].0 + BUCKET_MS);
        }
        prop_assert!(pieces.iter().all(|&(bucket, ms)| bucket % BUCKET_MS == 0 && ms > 0 && ms <= BUCKET_MS));
    }
}
