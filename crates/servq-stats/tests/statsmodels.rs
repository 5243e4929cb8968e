//! servq-stats against statsmodels and scipy (tests/reference/ols_reference.py) on random data
//! sets, near-collinear ones included: coefficients, standard errors, t, p-values, confidence
//! intervals, R², F, VIF and correlation matrices agree to 1e-9 relative.
#![allow(missing_docs)]

use std::{
    fmt::Write as _,
    io::Write,
    process::{Command, Stdio},
};

use rand::{Rng, SeedableRng, rngs::StdRng};
use serde_json::{Value, json};
use servq_stats::{Column, Method, correlation, ols};

struct DataSet {
    name: &'static str,
    columns: Vec<(String, Vec<f64>)>,
    intercept: bool,
    /// Whether statsmodels (float64 pseudo-inverse, no centring) is itself accurate to 1e-9
    /// here; where it is not, servq is held to the 60-digit reference alone.
    statsmodels_accurate: bool,
}

fn normal(rng: &mut StdRng) -> f64 {
    // Box–Muller
    let u: f64 = 1.0 - rng.random::<f64>();
    let v: f64 = rng.random();
    (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
}

fn data_sets() -> Vec<DataSet> {
    let mut rng = StdRng::seed_from_u64(4);
    let mut sets = Vec::new();
    let mut make = |name: &'static str,
                    n: usize,
                    intercept,
                    build: &dyn Fn(&mut StdRng, usize) -> Vec<f64>| {
        let mut rows: Vec<Vec<f64>> = (0..n).map(|i| build(&mut rng, i)).collect();
        let width = rows[0].len();
        let columns = (0..width)
            .map(|j| {
                let name = if j == 0 {
                    "y".to_owned()
                } else {
                    format!("x{j}")
                };
                (name, rows.iter_mut().map(|r| r[j]).collect())
            })
            .collect();
        let statsmodels_accurate = !name.contains("1e-6");
        sets.push(DataSet {
            name,
            columns,
            intercept,
            statsmodels_accurate,
        });
    };
    make("three independent predictors", 200, true, &|rng, _| {
        let x: Vec<f64> = (0..3).map(|_| normal(rng)).collect();
        let y = 1.0 + 0.5 * x[0] - 0.3 * x[1] + 0.1 * x[2] + normal(rng);
        vec![y, x[0], x[1], x[2]]
    });
    make("small sample, weak predictors", 25, true, &|rng, _| {
        let x: Vec<f64> = (0..5).map(|_| normal(rng) * 10.0).collect();
        let y = 3.0 + 0.02 * x[0] + 0.4 * x[1] + normal(rng) * 5.0;
        let mut row = vec![y];
        row.extend(x);
        row
    });
    make("near-collinear (1e-4)", 300, true, &|rng, _| {
        let (a, b) = (normal(rng), normal(rng));
        let c = a + b + 1e-4 * normal(rng);
        let y = 2.0 + a - 2.0 * b + 0.5 * c + normal(rng);
        vec![y, a, b, c]
    });
    make(
        "near-collinear (1e-6), offsets of 1e6",
        400,
        true,
        &|rng, i| {
            let a = 1.0e6 + normal(rng);
            let b = 50.0 + (i as f64) * 0.01 + normal(rng);
            let c = 0.5 * a + 2.0 * b + 1e-6 * normal(rng);
            let y = 10.0 + 0.3 * a + b - c + 0.1 * normal(rng);
            vec![y, a, b, c]
        },
    );
    make("no intercept", 40, false, &|rng, _| {
        let (a, b) = (normal(rng) + 3.0, normal(rng));
        vec![2.0 * a - b + normal(rng), a, b]
    });
    make("daily KPIs", 90, true, &|rng, _| {
        let sl: f64 = 0.6 + 0.3 * rng.random::<f64>();
        let asa = 60.0 * (1.0 - sl) + 5.0 * normal(rng);
        let aht = 300.0 + 30.0 * normal(rng);
        let fcr = 0.7 + 0.1 * rng.random::<f64>();
        let csat = 2.0 + 2.0 * sl - 0.01 * asa + 1.5 * fcr + 0.1 * normal(rng);
        vec![csat, sl, asa, aht, fcr]
    });
    sets
}

fn reference(cases: &[Value]) -> Vec<Value> {
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/reference/ols_reference.py"
    );
    let mut child = Command::new("python3")
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 runs (scripts/install-deps.sh installs statsmodels)");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(&serde_json::to_vec(cases).unwrap())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "the statsmodels reference failed");
    serde_json::from_slice(&output.stdout).unwrap()
}

fn agree(context: &str, ours: f64, theirs: &Value) {
    agree_within(context, ours, theirs, 1e-9);
}

fn agree_within(context: &str, ours: f64, theirs: &Value, tolerance: f64) {
    let theirs = theirs.as_f64().unwrap_or(f64::NAN);
    let ok = if theirs == 0.0 || ours == theirs {
        ours.abs() < 1e-300 || ours == theirs
    } else {
        ((ours - theirs) / theirs).abs() <= tolerance
    };
    assert!(ok, "{context}: servq {ours:e}, reference {theirs:e}");
}

#[test]
fn ols_and_correlations_agree_with_statsmodels() {
    let sets = data_sets();
    let dir = tempfile_dir();
    let mut cases = Vec::new();
    for (index, set) in sets.iter().enumerate() {
        let path = dir.join(format!("set{index}.csv"));
        let mut text = set
            .columns
            .iter()
            .map(|c| c.0.clone())
            .collect::<Vec<_>>()
            .join(",");
        text.push('\n');
        for i in 0..set.columns[0].1.len() {
            let row: Vec<String> = set
                .columns
                .iter()
                .map(|c| format!("{:?}", c.1[i]))
                .collect();
            let _ = writeln!(text, "{}", row.join(","));
        }
        std::fs::write(&path, text).unwrap();
        cases.push(json!({
            "csv": path,
            "y": "y",
            "x": set.columns[1..].iter().map(|c| c.0.clone()).collect::<Vec<_>>(),
            "intercept": set.intercept,
        }));
    }
    let expected = reference(&cases);
    for (set, expected) in sets.iter().zip(&expected) {
        let y = Column {
            name: "y",
            values: &set.columns[0].1,
        };
        let predictors: Vec<Column> = set.columns[1..]
            .iter()
            .map(|(name, values)| Column { name, values })
            .collect();
        let fit = ols(y, &predictors, set.intercept).unwrap();
        for (k, c) in fit.coefficients.iter().enumerate() {
            let context = |what: &str| format!("{}: {} of {}", set.name, what, c.name);
            agree(
                &context("estimate (60 digits)"),
                c.estimate,
                &expected["exact"]["params"][k],
            );
            agree(
                &context("std error (60 digits)"),
                c.std_error,
                &expected["exact"]["bse"][k],
            );
            if !set.statsmodels_accurate {
                continue;
            }
            let at = |key: &str| &expected[key][k];
            agree(&context("estimate"), c.estimate, at("params"));
            agree(&context("std error"), c.std_error, at("bse"));
            agree(&context("t"), c.t, at("tvalues"));
            agree(&context("p"), c.p, at("pvalues"));
            agree(&context("ci low"), c.ci_low, at("ci_low"));
            agree(&context("ci high"), c.ci_high, at("ci_high"));
        }
        if !set.statsmodels_accurate {
            // how far statsmodels itself is from the 60-digit answer, for the record
            let theirs = expected["params"][0].as_f64().unwrap();
            let exact = expected["exact"]["params"][0].as_f64().unwrap();
            println!(
                "{}: statsmodels' intercept is off by {:.1e} relative, servq's by {:.1e}",
                set.name,
                ((theirs - exact) / exact).abs(),
                ((fit.coefficients[0].estimate - exact) / exact).abs()
            );
            continue;
        }
        agree(set.name, fit.r_squared, &expected["rsquared"]);
        agree(set.name, fit.adj_r_squared, &expected["rsquared_adj"]);
        agree(set.name, fit.f_statistic, &expected["fvalue"]);
        agree(set.name, fit.f_p_value, &expected["f_pvalue"]);
        agree(
            set.name,
            fit.residual_std_error,
            &expected["residual_std_error"],
        );
        for (j, vif) in fit.vif.iter().enumerate() {
            let context = format!("{}: VIF {j}", set.name);
            agree(&context, *vif, &expected["vif_exact"][j]);
            // statsmodels forms 1/(1 − R²ⱼ), which cancels about log10(VIF) digits
            let cancellation = 1e-9_f64.max(8.0 * f64::EPSILON * vif);
            agree_within(&context, *vif, &expected["vif"][j], cancellation);
        }
        let mut all = vec![y];
        all.extend(predictors.iter().copied());
        for (method, r_key, p_key) in [
            (Method::Pearson, "pearson_r", "pearson_p"),
            (Method::Spearman, "spearman_r", "spearman_p"),
        ] {
            let matrix = correlation(&all, method).unwrap();
            for i in 0..all.len() {
                for j in 0..all.len() {
                    if i == j {
                        continue;
                    }
                    let context = format!("{}: {r_key}[{i}][{j}]", set.name);
                    agree(&context, matrix.r[i][j], &expected[r_key][i][j]);
                    agree(
                        &format!("{context} p"),
                        matrix.p[i][j],
                        &expected[p_key][i][j],
                    );
                }
            }
        }
    }
}

fn tempfile_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("servq-stats-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
