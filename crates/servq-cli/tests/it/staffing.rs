//! `servq staffing`: the JSON contract on the published examples, and a day forecast from the
//! store (SQLite and PostgreSQL) on history whose true pattern is known.

use std::fmt::Write as _;

use serde_json::Value;
use servq_store::testing::TestDatabase;

use super::{servq, servq_ok, stderr};

fn staffing_json(db: &TestDatabase, args: &[&str]) -> Value {
    let mut all = vec!["staffing"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--format", "json"]);
    serde_json::from_slice(&servq_ok(db, &all).stdout).expect("servq staffing prints JSON")
}

fn near(value: &Value, expected: f64, tolerance: f64) {
    let actual = value
        .as_f64()
        .unwrap_or_else(|| panic!("{value} is not a number"));
    assert!(
        (actual - expected).abs() <= tolerance,
        "{actual} is not within {tolerance} of {expected}"
    );
}

#[test]
fn published_examples_through_the_json_contract() {
    let db = TestDatabase::sqlite();
    let erlang_c = staffing_json(
        &db,
        &[
            "--calls",
            "100",
            "--interval",
            "1800",
            "--aht",
            "180",
            "--target-sl",
            "0.8",
            "--target-time",
            "20",
            "--shrinkage",
            "0.3",
        ],
    );
    let keys: Vec<&str> = erlang_c
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys[..9],
        [
            "model",
            "traffic_erlangs",
            "agents",
            "staff_with_shrinkage",
            "probability_wait",
            "service_level",
            "asa_seconds",
            "occupancy",
            "abandon_probability"
        ]
    );
    assert_eq!(erlang_c["model"], "erlang_c");
    assert_eq!(erlang_c["traffic_erlangs"].as_f64(), Some(10.0));
    assert_eq!(erlang_c["agents"], 14);
    assert_eq!(erlang_c["staff_with_shrinkage"], 20);
    near(&erlang_c["probability_wait"], 0.17413, 5e-6);
    near(&erlang_c["service_level"], 0.88835, 5e-6);
    near(&erlang_c["asa_seconds"], 7.836, 5e-4);
    assert!(erlang_c["abandon_probability"].is_null());

    let capped = staffing_json(
        &db,
        &[
            "--calls",
            "1000",
            "--interval",
            "3600",
            "--aht",
            "120",
            "--target-sl",
            "0.8",
            "--target-time",
            "20",
            "--max-occupancy",
            "0.85",
        ],
    );
    assert_eq!(capped["agents"], 40);

    let erlang_a = staffing_json(
        &db,
        &[
            "--calls",
            "100",
            "--interval",
            "1800",
            "--aht",
            "180",
            "--target-sl",
            "0.8",
            "--target-time",
            "20",
            "--patience",
            "300",
        ],
    );
    assert_eq!(erlang_a["model"], "erlang_a");
    assert_eq!(erlang_a["agents"], 13);
    near(&erlang_a["probability_wait"], 0.2258, 5e-5);
    near(&erlang_a["abandon_probability"], 0.02496, 5e-6);

    // What-if: the same numbers for a staffing given by the user.
    let what_if = staffing_json(
        &db,
        &[
            "--calls",
            "100",
            "--aht",
            "180",
            "--evaluate",
            "--agents",
            "14",
        ],
    );
    assert_eq!(what_if["probability_wait"], erlang_c["probability_wait"]);
    let unstable = staffing_json(
        &db,
        &[
            "--calls",
            "100",
            "--aht",
            "180",
            "--evaluate",
            "--agents",
            "9",
        ],
    );
    assert_eq!(unstable["stable"], false);
    assert!(unstable["asa_seconds"].is_null());
}

#[test]
fn bad_staffing_input_is_explained() {
    let db = TestDatabase::sqlite();
    for (args, message) in [
        (
            vec!["--calls", "-5", "--aht", "180", "--target-sl", "0.8"],
            "calls must be a number ≥ 0, got -5",
        ),
        (
            vec!["--calls", "5", "--aht", "180", "--target-sl", "80"],
            "--target-sl: target service level must be a fraction in [0, 1), got 80",
        ),
        (
            vec![
                "--calls",
                "5",
                "--aht",
                "180",
                "--target-abandon-rate",
                "0.05",
            ],
            "the abandon rate target needs caller patience (Erlang A)",
        ),
        (vec!["--calls", "5", "--aht", "180"], "give a target"),
        (
            vec!["--calls", "5", "--aht", "180", "--evaluate"],
            "--evaluate needs --agents N",
        ),
    ] {
        let mut all = vec!["staffing"];
        all.extend_from_slice(&args);
        let output = servq(&db, &all);
        assert!(!output.status.success(), "{args:?} should fail");
        assert!(
            stderr(&output).contains(message),
            "{args:?}: {}",
            stderr(&output)
        );
    }
}

/// Offered contacts per half hour from 09:00 on a day of weekday `w` (0 = Monday): (w+1)·(i+1)
/// in the i-th half hour, i < 6; every contact handled in 240 s.
fn expected_calls(weekday: usize, slot_from_nine: usize) -> usize {
    (weekday + 1) * (slot_from_nine + 1)
}

/// Three weeks, 2026-10-26 (a Monday) to 2026-11-15, of contacts following `expected_calls`.
fn patterned_history() -> String {
    let mut csv = String::from(
        "contact_id,channel,direction,queue,agent_id,offered_at,answered_at,ended_at,talk_seconds,wrap_seconds\n",
    );
    let first = jiff::civil::date(2026, 10, 26);
    let mut id = 0;
    for day in 0..21 {
        let date = first.checked_add(jiff::Span::new().days(day)).unwrap();
        let weekday = date.weekday().to_monday_zero_offset() as usize;
        for slot in 0..6 {
            for k in 0..expected_calls(weekday, slot) {
                id += 1;
                let minutes = 9 * 60 + 30 * slot;
                // at most 42 contacts a slot: one a second from the slot's start, answered 10 s later
                let at = |second: usize| {
                    format!("{date} {:02}:{:02}:{second:02}", minutes / 60, minutes % 60)
                };
                let (offered, answered) = (at(k), at(k + 10));
                let _ = writeln!(
                    csv,
                    "c{id},phone,inbound,card,a1,{offered},{answered},{date} 23:00:00,200,40"
                );
            }
        }
    }
    csv
}

#[tokio::test]
async fn a_day_is_forecast_from_the_store_and_staffed() {
    let dir = tempfile::tempdir().unwrap();
    let history = dir.path().join("history.csv");
    std::fs::write(&history, patterned_history()).unwrap();
    let agents_file = dir.path().join("agents.csv");
    std::fs::write(&agents_file, "interval,agents\n09:00,2\n09:30,3\n").unwrap();
    let bad_agents_file = dir.path().join("bad.csv");
    std::fs::write(&bad_agents_file, "interval,agents\n09:00,2\n09:30,x\n").unwrap();
    for db in TestDatabase::both().await {
        servq_ok(&db, &["import", "contacts", history.to_str().unwrap()]);
        let day = |date: &str| {
            staffing_json(
                &db,
                &[
                    "--from-store",
                    "--date",
                    date,
                    "--target-sl",
                    "0.8",
                    "--target-time",
                    "20",
                    "--shrinkage",
                    "0.25",
                ],
            )
        };
        // Monday after the history: the pattern exactly, no actuals.
        let monday = day("2026-11-16");
        assert_eq!(monday["time_zone"], "Asia/Shanghai");
        assert_eq!(monday["history"]["days"], 21);
        assert_eq!(monday["history"]["from"], "2026-10-26");
        near(&monday["holdout"]["wape_percent"], 0.0, 1e-7);
        let intervals = monday["intervals"].as_array().unwrap();
        assert_eq!(intervals.len(), 48);
        for (index, interval) in intervals.iter().enumerate() {
            let expected = if (18..24).contains(&index) {
                expected_calls(0, index - 18) as f64
            } else {
                0.0
            };
            near(&interval["calls"], expected, 1e-7);
            assert!(interval.get("actual_calls").is_none());
        }
        let nine = &intervals[18];
        assert_eq!(nine["start"], "09:00");
        near(&nine["aht_seconds"], 240.0, 1e-9);
        // the interval staffed exactly as a single-interval request for the same load
        let single = staffing_json(
            &db,
            &[
                "--calls",
                &nine["calls"].as_f64().unwrap().to_string(),
                "--aht",
                "240",
                "--target-sl",
                "0.8",
                "--target-time",
                "20",
                "--shrinkage",
                "0.25",
            ],
        );
        assert_eq!(nine["agents"], single["agents"]);
        assert_eq!(nine["staff_with_shrinkage"], single["staff_with_shrinkage"]);
        near(&monday["totals"]["calls"], 21.0, 1e-7);

        // A Wednesday two days after the data ends: those two days are not history (no data),
        // and a whole week ahead follows the weekday pattern.
        let wednesday = day("2026-11-18");
        assert_eq!(wednesday["history"]["days"], 21);
        near(
            &wednesday["intervals"][18]["calls"],
            expected_calls(2, 0) as f64,
            1e-7,
        );
        let week = staffing_json(
            &db,
            &[
                "--from-store",
                "--date",
                "2026-11-16",
                "--days",
                "7",
                "--target-sl",
                "0.8",
            ],
        );
        let intervals = week["intervals"].as_array().unwrap();
        assert_eq!(intervals.len(), 7 * 48);
        for (weekday, day) in intervals.chunks(48).enumerate() {
            assert_eq!(day[0]["date"], format!("2026-11-{}", 16 + weekday));
            for slot in 0..6 {
                near(
                    &day[18 + slot]["calls"],
                    expected_calls(weekday, slot) as f64,
                    1e-7,
                );
            }
        }
        near(&week["totals"]["calls"], 21.0 * 28.0, 1e-6);

        // A Saturday inside the history window: forecast from the days before, actuals shown.
        let saturday = day("2026-11-14");
        assert_eq!(saturday["history"]["days"], 19);
        let intervals = saturday["intervals"].as_array().unwrap();
        for slot in 0..6 {
            let expected = expected_calls(5, slot) as f64;
            near(&intervals[18 + slot]["calls"], expected, 1e-7);
            assert_eq!(
                intervals[18 + slot]["actual_calls"].as_f64(),
                Some(expected)
            );
        }

        // What-if with the agents per interval from a file.
        let what_if = staffing_json(
            &db,
            &[
                "--from-store",
                "--date",
                "2026-11-16",
                "--evaluate",
                "--agents-file",
                agents_file.to_str().unwrap(),
            ],
        );
        let intervals = what_if["intervals"].as_array().unwrap();
        assert_eq!(intervals[18]["agents"], 2);
        assert_eq!(intervals[19]["agents"], 3);
        assert_eq!(intervals[20]["agents"], 0);
        // no agents for 10:00's calls: nobody is answered
        assert_eq!(intervals[20]["service_level"].as_f64(), Some(0.0));
        assert_eq!(intervals[20]["stable"], false);
        let output = servq(
            &db,
            &[
                "staffing",
                "--from-store",
                "--date",
                "2026-11-16",
                "--evaluate",
                "--agents-file",
                bad_agents_file.to_str().unwrap(),
            ],
        );
        assert!(!output.status.success());
        assert!(
            stderr(&output).contains("bad.csv:3: agents: 'x' is not a whole number ≥ 0"),
            "{}",
            stderr(&output)
        );

        // Too little history says what is missing.
        let output = servq(
            &db,
            &[
                "staffing",
                "--from-store",
                "--date",
                "2026-10-30",
                "--target-sl",
                "0.8",
            ],
        );
        assert!(!output.status.success());
        assert!(
            stderr(&output).contains("the store has 4 day(s) of inbound contacts"),
            "{}",
            stderr(&output)
        );
    }
}
