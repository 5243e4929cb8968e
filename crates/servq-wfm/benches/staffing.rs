//! Staffing for many intervals, timed in process: `cargo bench -p servq-wfm --bench staffing --
//! INPUT OUTPUT`. INPUT has a `calls,aht` line per interval (30-minute intervals); OUTPUT gets
//! the agents of each line. Target 80 % in 20 s, occupancy at most 85 %, shrinkage 30 %, Erlang
//! C, as in bench/staffing_vs_pyworkforce.py, which runs the peer on the same input.
#![allow(missing_docs)]

use std::{fmt::Write as _, time::Instant};

use servq_wfm::{Model, StaffingPolicy, Target, Workload, required_staff};

fn main() {
    let mut args = std::env::args().skip(1).filter(|arg| arg != "--bench");
    let (Some(input), Some(output)) = (args.next(), args.next()) else {
        eprintln!("usage: staffing INPUT.csv OUTPUT.csv (run by bench/staffing_vs_pyworkforce.py)");
        return;
    };
    let text = std::fs::read_to_string(&input).expect("reading the input");
    let workloads: Vec<Workload> = text
        .lines()
        .skip(1)
        .map(|line| {
            let (calls, aht) = line.split_once(',').expect("calls,aht");
            Workload::new(calls.parse().unwrap(), 1800.0, aht.parse().unwrap()).unwrap()
        })
        .collect();
    let policy = StaffingPolicy::new(
        vec![Target::service_level(0.8, 20.0).unwrap()],
        Some(0.85),
        0.3,
        20.0,
    )
    .unwrap();
    let mut best = f64::INFINITY;
    let mut agents = Vec::new();
    for _ in 0..7 {
        let started = Instant::now();
        agents = workloads
            .iter()
            .map(|workload| {
                let staffing = required_staff(workload, &Model::ErlangC, &policy).unwrap();
                (staffing.agents, staffing.staff_with_shrinkage)
            })
            .collect();
        best = best.min(started.elapsed().as_secs_f64());
    }
    let mut out = String::from("agents,staff\n");
    for (agents, staff) in &agents {
        let _ = writeln!(out, "{agents},{staff}");
    }
    std::fs::write(&output, out).expect("writing the output");
    println!(
        "{{\"intervals\": {}, \"best_seconds\": {best}}}",
        workloads.len()
    );
}
