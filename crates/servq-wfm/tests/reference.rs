//! servq-wfm against an independent arbitrary-precision reference (tests/reference/
//! erlang_reference.py, mpmath, formulas of its own) on a grid from 1 to 100 000 agents.
#![allow(missing_docs)]

use std::{
    io::Write,
    process::{Command, Stdio},
};

use serde_json::{Value, json};
use servq_wfm::{Model, Patience, Workload, erlang_b, evaluate};

const INTERVAL: f64 = 1800.0;
const SL_SECONDS: f64 = 20.0;

/// Runs the mpmath reference on `cases` and returns its answers, one object per case.
fn reference(cases: &[Value]) -> Vec<Value> {
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/reference/erlang_reference.py"
    );
    let mut child = Command::new("python3")
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("python3 runs (scripts/install-deps.sh installs mpmath)");
    let input = serde_json::to_vec(cases).unwrap();
    child.stdin.take().unwrap().write_all(&input).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "the reference failed");
    serde_json::from_slice(&output.stdout).unwrap()
}

fn reference_value(result: &Value, key: &str) -> f64 {
    result[key]
        .as_str()
        .unwrap_or_else(|| panic!("{key} missing in {result}"))
        .parse()
        .unwrap()
}

/// Relative agreement to 1e-10; below f64's normal range both sides must be (near) zero.
/// `absolute` loosens quantities that are a difference of nearly equal terms (a service level
/// of 1e-50 in an hopelessly overloaded queue).
fn assert_agrees(case: &Value, key: &str, ours: f64, expected: f64, absolute: f64) {
    let ok = if expected.abs() < 1e-290 {
        ours.abs() < 1e-280
    } else {
        let relative = ((ours - expected) / expected).abs();
        relative <= 1e-10 || (ours - expected).abs() <= absolute
    };
    assert!(
        ok,
        "{key}: servq {ours:e} vs reference {expected:e} (relative {:e}) for {case}",
        ((ours - expected) / expected).abs()
    );
}

const AGENTS: [u32; 15] = [
    1, 2, 3, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 100_000,
];

fn case(model: &str, agents: u32, traffic: f64, aht: f64, patience: Option<f64>) -> Value {
    let mut case = json!({
        "model": model,
        "calls": traffic * INTERVAL / aht,
        "interval": INTERVAL,
        "aht": aht,
        "agents": agents,
        "t": SL_SECONDS,
    });
    if let Some(patience) = patience {
        case["patience"] = json!(patience);
    }
    case
}

fn workload(case: &Value) -> Workload {
    Workload::new(
        case["calls"].as_f64().unwrap(),
        INTERVAL,
        case["aht"].as_f64().unwrap(),
    )
    .unwrap()
}

#[test]
fn erlang_b_and_c_agree_with_mpmath_from_1_to_100000_agents() {
    let mut cases = Vec::new();
    for agents in AGENTS {
        for load in [0.3, 0.7, 0.9, 0.97, 0.995] {
            cases.push(case(
                "erlang_c",
                agents,
                load * f64::from(agents),
                180.0,
                None,
            ));
        }
        for load in [1.0, 1.1, 1.5, 3.0] {
            cases.push(case(
                "erlang_b",
                agents,
                load * f64::from(agents),
                180.0,
                None,
            ));
        }
    }
    let expected = reference(&cases);
    for (case, expected) in cases.iter().zip(&expected) {
        let workload = workload(case);
        let agents = case["agents"].as_u64().unwrap() as u32;
        let traffic = workload.traffic_erlangs();
        assert_agrees(
            case,
            "blocking",
            erlang_b(agents, traffic),
            reference_value(expected, "blocking"),
            0.0,
        );
        let model = match case["model"].as_str().unwrap() {
            "erlang_b" => Model::ErlangB,
            _ => Model::ErlangC,
        };
        let ours = evaluate(&workload, &model, agents, SL_SECONDS).unwrap();
        assert_agrees(
            case,
            "occupancy",
            ours.occupancy,
            reference_value(expected, "occupancy"),
            0.0,
        );
        if model == Model::ErlangC {
            for (key, value) in [
                ("probability_wait", ours.probability_wait),
                ("service_level", ours.service_level),
                ("asa_seconds", ours.asa_seconds),
            ] {
                assert_agrees(case, key, value, reference_value(expected, key), 0.0);
            }
        }
    }
}

#[test]
fn erlang_a_agrees_with_mpmath_up_to_10000_agents() {
    let mut cases = Vec::new();
    for agents in [1, 2, 5, 10, 20, 50, 100, 500, 1000, 5000, 10_000] {
        for load in [0.5, 0.9, 1.0, 1.2, 2.0] {
            for patience in [30.0, 300.0, 3600.0] {
                let aht = 240.0;
                let traffic = load * f64::from(agents);
                // The reference sums the waiting states one by one in 40-digit arithmetic:
                // keep its overloaded cases to a few thousand states.
                let excess = (traffic - f64::from(agents)) / aht * patience;
                if excess > 20_000.0 {
                    continue;
                }
                cases.push(case("erlang_a", agents, traffic, aht, Some(patience)));
            }
        }
    }
    assert!(cases.len() > 120, "{}", cases.len());
    let expected = reference(&cases);
    for (case, expected) in cases.iter().zip(&expected) {
        let workload = workload(case);
        let agents = case["agents"].as_u64().unwrap() as u32;
        let model = Model::ErlangA(Patience::seconds(case["patience"].as_f64().unwrap()).unwrap());
        let ours = evaluate(&workload, &model, agents, SL_SECONDS).unwrap();
        for (key, value, absolute) in [
            ("probability_wait", ours.probability_wait, 0.0),
            (
                "abandon_probability",
                ours.abandon_probability.unwrap(),
                0.0,
            ),
            ("service_level", ours.service_level, 1e-13),
            ("asa_seconds", ours.asa_seconds, 0.0),
            ("occupancy", ours.occupancy, 0.0),
        ] {
            assert_agrees(case, key, value, reference_value(expected, key), absolute);
        }
    }
}
