//! Erlang A checked against a simulation of the queue it models (M/M/N+M, first come first
//! served): an independent check of the derivations in docs/wfm.md, not of their arithmetic.
#![allow(missing_docs)]

use std::{cmp::Reverse, collections::BinaryHeap};

use rand::{Rng, SeedableRng, rngs::StdRng};
use servq_wfm::{Model, Patience, Workload, evaluate};

struct Observed {
    service_level: f64,
    probability_wait: f64,
    abandon: f64,
    asa: f64,
}

/// Callers in arrival order: each takes the earliest free agent after every earlier answered
/// caller (first come, first served), or hangs up if that is later than its patience.
fn simulate(
    calls_per_second: f64,
    aht: f64,
    patience: f64,
    agents: usize,
    callers: usize,
    t: f64,
) -> Observed {
    let mut rng = StdRng::seed_from_u64(20_261_123);
    let mut exponential = |mean: f64| -mean * (1.0 - rng.random::<f64>()).ln();
    // agent free times as integer nanoseconds so the heap can order them
    let mut free: BinaryHeap<Reverse<u64>> = (0..agents).map(|_| Reverse(0)).collect();
    let nanos = |seconds: f64| (seconds * 1e9) as u64;
    let (mut clock, mut waited, mut abandoned, mut within, mut answered_wait) = (0.0, 0, 0, 0, 0.0);
    let warm_up = callers / 20;
    for caller in 0..callers {
        clock += exponential(1.0 / calls_per_second);
        let patience = exponential(patience);
        let earliest = free.peek().unwrap().0 as f64 / 1e9;
        let start = earliest.max(clock);
        let wait = start - clock;
        let counted = caller >= warm_up;
        if wait > 0.0 && counted {
            waited += 1;
        }
        if wait > patience {
            if counted {
                abandoned += 1;
            }
            continue;
        }
        free.pop();
        free.push(Reverse(nanos(start + exponential(aht))));
        if counted {
            answered_wait += wait;
            if wait <= t {
                within += 1;
            }
        }
    }
    let n = (callers - warm_up) as f64;
    Observed {
        service_level: f64::from(within) / n,
        probability_wait: f64::from(waited) / n,
        abandon: f64::from(abandoned) / n,
        asa: answered_wait / (n - f64::from(abandoned)),
    }
}

fn check(calls: f64, aht: f64, patience: f64, agents: u32) {
    let workload = Workload::new(calls, 1800.0, aht).unwrap();
    let model = Model::ErlangA(Patience::seconds(patience).unwrap());
    let exact = evaluate(&workload, &model, agents, 20.0).unwrap();
    let observed = simulate(
        calls / 1800.0,
        aht,
        patience,
        agents as usize,
        3_000_000,
        20.0,
    );
    let near = |name: &str, simulated: f64, exact: f64, tolerance: f64| {
        assert!(
            (simulated - exact).abs() <= tolerance,
            "{name}: simulated {simulated} vs exact {exact} (N={agents}, patience {patience})"
        );
    };
    near(
        "service level",
        observed.service_level,
        exact.service_level,
        0.004,
    );
    near(
        "P(wait)",
        observed.probability_wait,
        exact.probability_wait,
        0.004,
    );
    near(
        "P(abandon)",
        observed.abandon,
        exact.abandon_probability.unwrap(),
        0.002,
    );
    near(
        "ASA",
        observed.asa,
        exact.asa_seconds,
        0.03 * exact.asa_seconds.max(1.0),
    );
}

#[test]
fn published_case_matches_a_simulation() {
    check(100.0, 180.0, 300.0, 13);
}

#[test]
fn overloaded_impatient_queue_matches_a_simulation() {
    check(200.0, 180.0, 60.0, 12);
}
