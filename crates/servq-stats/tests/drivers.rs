//! The driver procedure on data whose drivers are known, and the study's published arithmetic.
#![allow(missing_docs)]

use rand::{Rng, SeedableRng, rngs::StdRng};
use servq_stats::{
    Column, DriverOptions, Language, Step, drivers, f_statistic_from_r_squared, ols, pareto,
    relative_weights,
};

fn normal(rng: &mut StdRng) -> f64 {
    let u: f64 = 1.0 - rng.random::<f64>();
    let v: f64 = rng.random();
    (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
}

#[test]
fn the_studys_f_statistics() {
    // n = 28 days, 4 predictors, R² = 0.5739 → F = 7.7449 (the study rounds R² to 4 places,
    // which moves F in the fourth decimal); 2 predictors, R² = 0.5509 → F = 15.33
    assert!((f_statistic_from_r_squared(0.5739, 28, 4) - 7.7449).abs() < 1e-3);
    assert!((f_statistic_from_r_squared(0.5509, 28, 2) - 15.33).abs() < 5e-3);
}

#[test]
fn the_studys_pareto_share() {
    // the top 5 agent-caused reasons cover 753 of 951 calls: 79.18 %
    let counts = [
        ("a", 260.0),
        ("b", 190.0),
        ("c", 130.0),
        ("d", 95.0),
        ("e", 78.0),
        ("f", 70.0),
        ("g", 55.0),
        ("h", 43.0),
        ("i", 30.0),
    ];
    let items: Vec<(String, f64)> = counts.iter().map(|(n, c)| (n.to_string(), *c)).collect();
    let rows = pareto(&items, 0.8);
    assert_eq!(rows.iter().map(|r| r.count).sum::<f64>(), 951.0);
    let vital: Vec<_> = rows.iter().filter(|r| r.vital_few).collect();
    assert_eq!(vital.len(), 5);
    assert!((vital[4].cumulative_share * 100.0 - 79.18).abs() < 0.005);
}

struct Data {
    y: Vec<f64>,
    x: Vec<(String, Vec<f64>)>,
}

/// csat = 3 + 0.8·sl + 0.5·fcr + noise; `twin` copies sl with 1 % noise (collinear);
/// `mix` = sl + fcr + small noise (high VIF, pairwise r below 0.9); `noise` is irrelevant.
fn study_like(n: usize) -> Data {
    let mut rng = StdRng::seed_from_u64(28);
    let mut columns: Vec<(String, Vec<f64>)> = ["sl", "fcr", "twin", "mix", "noise"]
        .iter()
        .map(|name| (name.to_string(), Vec::new()))
        .collect();
    let mut y = Vec::new();
    for _ in 0..n {
        let sl = normal(&mut rng);
        let fcr = normal(&mut rng);
        let twin = sl + 0.1 * normal(&mut rng);
        let mix = sl + fcr + 0.2 * normal(&mut rng);
        let noise = normal(&mut rng);
        for (column, value) in columns.iter_mut().zip([sl, fcr, twin, mix, noise]) {
            column.1.push(value);
        }
        y.push(3.0 + 0.8 * sl + 0.5 * fcr + 0.5 * normal(&mut rng));
    }
    Data { y, x: columns }
}

#[test]
fn collinear_and_insignificant_predictors_are_removed_with_reasons() {
    let data = study_like(200);
    let predictors: Vec<Column> = data
        .x
        .iter()
        .map(|(name, values)| Column { name, values })
        .collect();
    let analysis = drivers(
        Column {
            name: "csat",
            values: &data.y,
        },
        &predictors,
        DriverOptions::default(),
    )
    .unwrap();
    let kinds: Vec<&str> = analysis
        .steps
        .iter()
        .map(|step| match step {
            Step::Start { .. } => "start",
            Step::CollinearPair { .. } => "pair",
            Step::HighVif { .. } => "vif",
            Step::Insignificant { .. } => "insignificant",
            Step::Final { .. } => "final",
        })
        .collect();
    assert_eq!(kinds.first(), Some(&"start"));
    assert!(kinds.contains(&"pair"), "{kinds:?}");
    assert!(kinds.contains(&"vif"), "{kinds:?}");
    assert_eq!(kinds.last(), Some(&"final"));
    let Step::CollinearPair { removed, .. } = &analysis.steps[1] else {
        panic!("{:?}", analysis.steps[1])
    };
    assert_eq!(removed, "twin", "the true driver stays");
    let kept: Vec<&str> = analysis.fit.coefficients[1..]
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(kept, ["sl", "fcr"]);
    assert!(analysis.fit.coefficients[1..].iter().all(|c| c.p <= 0.1));
    // relative weights: non-negative and summing to R²
    let sum: f64 = analysis.relative_weights.iter().map(|w| w.weight).sum();
    assert!((sum - analysis.fit.r_squared).abs() < 1e-12);
    assert!(analysis.relative_weights.iter().all(|w| w.weight >= 0.0));
    for step in &analysis.steps {
        assert!(!step.describe(Language::En).is_empty());
        assert!(step.describe(Language::Zh).chars().any(|c| c > '\u{4e00}'));
        // traditional Chinese says the same in its own script: no simplified-only characters
        let traditional = step.describe(Language::ZhTw);
        assert!(traditional.chars().any(|c| c > '\u{4e00}'));
        assert!(
            !traditional
                .chars()
                .any(|c| "开为变个观测与关后显线终".contains(c)),
            "{traditional}"
        );
    }
    assert!(
        analysis.equation.starts_with("csat = "),
        "{}",
        analysis.equation
    );
}

#[test]
fn relative_weights_sum_to_r_squared_on_correlated_predictors() {
    let data = study_like(300);
    let predictors: Vec<Column> = data
        .x
        .iter()
        .map(|(name, values)| Column { name, values })
        .collect();
    let y = Column {
        name: "csat",
        values: &data.y,
    };
    let weights = relative_weights(y, &predictors[..3]).unwrap();
    let fit = ols(y, &predictors[..3], true).unwrap();
    let sum: f64 = weights.iter().map(|w| w.weight).sum();
    assert!(
        (sum - fit.r_squared).abs() < 1e-12,
        "{sum} vs {}",
        fit.r_squared
    );
    // sl and its twin share the credit; fcr keeps its own
    assert!(weights[0].weight > weights[1].weight);
}

#[test]
fn bad_options_are_refused() {
    let data = study_like(50);
    let predictors: Vec<Column> = data
        .x
        .iter()
        .map(|(name, values)| Column { name, values })
        .collect();
    let error = drivers(
        Column {
            name: "csat",
            values: &data.y,
        },
        &predictors,
        DriverOptions {
            alpha: 0.0,
            ..DriverOptions::default()
        },
    )
    .unwrap_err();
    assert_eq!(error.to_string(), "alpha must be in (0, 1], got 0");
}

#[test]
fn a_target_nothing_explains_says_so() {
    let mut rng = StdRng::seed_from_u64(3);
    let y: Vec<f64> = (0..40).map(|_| normal(&mut rng)).collect();
    let a: Vec<f64> = (0..40).map(|_| normal(&mut rng)).collect();
    let b: Vec<f64> = (0..40).map(|_| normal(&mut rng)).collect();
    let error = drivers(
        Column {
            name: "csat_mean",
            values: &y,
        },
        &[
            Column {
                name: "noise_a",
                values: &a,
            },
            Column {
                name: "noise_b",
                values: &b,
            },
        ],
        DriverOptions::default(),
    )
    .unwrap_err();
    let text = error.to_string();
    assert!(
        text.starts_with("no measure significantly explains csat_mean: the last one left, noise_"),
        "{text}"
    );
    assert!(
        text.ends_with("> 0.1; try a longer period or other measures"),
        "{text}"
    );
}
