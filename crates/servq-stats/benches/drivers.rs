//! OLS and the driver procedure on a large data set, timed in process:
//! `cargo bench -p servq-stats --bench drivers -- DATA.f64 ROWS COLUMNS OUT.json`. DATA holds
//! the columns one after another as little-endian f64 (the target first, then the predictors
//! x0, x1, …), as bench/drivers_vs_statsmodels.py writes them; OUT gets the timings and the
//! estimates for the script to compare with statsmodels.
#![allow(missing_docs)]

use std::time::Instant;

use serde_json::json;
use servq_stats::{Column, DriverOptions, drivers, ols};

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let [path, rows, columns, out] = args.as_slice() else {
        eprintln!(
            "usage: drivers DATA.f64 ROWS COLUMNS OUT.json (run by bench/drivers_vs_statsmodels.py)"
        );
        return;
    };
    let (rows, columns): (usize, usize) = (rows.parse().unwrap(), columns.parse().unwrap());
    let bytes = std::fs::read(path).expect("reading the data");
    assert_eq!(bytes.len(), rows * columns * 8);
    let data: Vec<Vec<f64>> = (0..columns)
        .map(|c| {
            bytes[c * rows * 8..(c + 1) * rows * 8]
                .chunks_exact(8)
                .map(|b| f64::from_le_bytes(b.try_into().unwrap()))
                .collect()
        })
        .collect();
    let names: Vec<String> = (0..columns - 1).map(|j| format!("x{j}")).collect();
    let y = Column {
        name: "y",
        values: &data[0],
    };
    let predictors: Vec<Column> = names
        .iter()
        .zip(&data[1..])
        .map(|(name, values)| Column { name, values })
        .collect();

    let mut ols_best = f64::INFINITY;
    let mut fit = None;
    for _ in 0..3 {
        let started = Instant::now();
        fit = Some(ols(y, &predictors, true).unwrap());
        ols_best = ols_best.min(started.elapsed().as_secs_f64());
    }
    let fit = fit.unwrap();
    let mut drivers_best = f64::INFINITY;
    let mut analysis = None;
    for _ in 0..3 {
        let started = Instant::now();
        analysis = Some(drivers(y, &predictors, DriverOptions::default()).unwrap());
        drivers_best = drivers_best.min(started.elapsed().as_secs_f64());
    }
    let analysis = analysis.unwrap();
    let report = json!({
        "ols_seconds": ols_best,
        "drivers_seconds": drivers_best,
        "ols": fit.coefficients.iter().map(|c| json!({"name": c.name, "estimate": c.estimate, "std_error": c.std_error, "p": c.p})).collect::<Vec<_>>(),
        "drivers_kept": analysis.fit.coefficients[1..].iter().map(|c| c.name.clone()).collect::<Vec<_>>(),
        "drivers_final": analysis.fit.coefficients.iter().map(|c| json!({"name": c.name, "estimate": c.estimate, "std_error": c.std_error})).collect::<Vec<_>>(),
        "steps": analysis.steps.iter().map(|s| s.describe(servq_stats::Language::En)).collect::<Vec<_>>(),
    });
    std::fs::write(out, serde_json::to_string_pretty(&report).unwrap()).unwrap();
}
