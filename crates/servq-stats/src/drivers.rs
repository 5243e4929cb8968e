//! The driver procedure of a satisfaction study (docs/stats.md, "Driver procedure"): remove
//! collinear predictors keeping the more significant model, then eliminate insignificant
//! predictors one at a time, and say what was done and why.

use faer::Mat;

use crate::{Column, OlsFit, RelativeWeight, StatsError, ols, subsets::Factor, weights};

/// Thresholds of the procedure.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DriverOptions {
    /// Predictors stay while their p-value is at most this (default 0.1).
    pub alpha: f64,
    /// A pair with |r| at least this is collinear (default 0.9).
    pub collinearity: f64,
    /// A predictor with VIF at least this is collinear (default 10).
    pub max_vif: f64,
}

impl Default for DriverOptions {
    fn default() -> Self {
        DriverOptions {
            alpha: 0.1,
            collinearity: 0.9,
            max_vif: 10.0,
        }
    }
}

/// Language of the step log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    /// English.
    En,
    /// Simplified Chinese.
    Zh,
    /// Traditional Chinese.
    ZhTw,
}

/// One step of the procedure.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// The starting model.
    Start {
        /// The target.
        target: String,
        /// The predictors considered.
        predictors: Vec<String>,
        /// Complete observations.
        n: usize,
    },
    /// A collinear pair; the member whose removal leaves the higher F was removed.
    CollinearPair {
        /// First member.
        a: String,
        /// Second member.
        b: String,
        /// Their correlation.
        r: f64,
        /// F of the model without `a`.
        f_without_a: f64,
        /// F of the model without `b`.
        f_without_b: f64,
        /// The one removed.
        removed: String,
    },
    /// Predictors with a high VIF (or exactly dependent); the one whose removal leaves the
    /// highest F was removed.
    HighVif {
        /// Each candidate with its VIF (infinite when exactly dependent) and the F without it.
        candidates: Vec<(String, f64, f64)>,
        /// The one removed.
        removed: String,
    },
    /// The least significant predictor, above alpha, was removed.
    Insignificant {
        /// The predictor.
        name: String,
        /// Its p-value.
        p: f64,
        /// The threshold.
        alpha: f64,
    },
    /// The final model.
    Final {
        /// Predictors kept.
        kept: Vec<String>,
        /// Its R².
        r_squared: f64,
        /// Its F and p-value.
        f_statistic: f64,
        /// p-value of F.
        f_p_value: f64,
    },
}

impl Step {
    /// The step in words.
    pub fn describe(&self, language: Language) -> String {
        match (self, language) {
            (
                Step::Start {
                    target,
                    predictors,
                    n,
                },
                Language::En,
            ) => format!(
                "Start: {target} on {} ({} predictors, {n} complete observations).",
                predictors.join(", "),
                predictors.len()
            ),
            (
                Step::Start {
                    target,
                    predictors,
                    n,
                },
                Language::Zh,
            ) => format!(
                "开始：以 {target} 为因变量，自变量 {}（共 {} 个，完整观测 {n} 个）。",
                predictors.join("、"),
                predictors.len()
            ),
            (
                Step::Start {
                    target,
                    predictors,
                    n,
                },
                Language::ZhTw,
            ) => format!(
                "開始：以 {target} 為因變數，自變數 {}（共 {} 個，完整觀測 {n} 個）。",
                predictors.join("、"),
                predictors.len()
            ),
            (
                Step::CollinearPair {
                    a,
                    b,
                    r,
                    f_without_a,
                    f_without_b,
                    removed,
                },
                Language::En,
            ) => {
                format!(
                    "{a} and {b} are collinear (r = {r:.4}). Without {a} the model's F is {f_without_a:.4}, without {b} it is {f_without_b:.4}: {removed} removed, keeping the more significant model."
                )
            }
            (
                Step::CollinearPair {
                    a,
                    b,
                    r,
                    f_without_a,
                    f_without_b,
                    removed,
                },
                Language::Zh,
            ) => {
                format!(
                    "{a} 与 {b} 高度相关（r = {r:.4}）。去掉 {a} 后模型 F = {f_without_a:.4}，去掉 {b} 后 F = {f_without_b:.4}：移除 {removed}，保留显著性更高的模型。"
                )
            }
            (
                Step::CollinearPair {
                    a,
                    b,
                    r,
                    f_without_a,
                    f_without_b,
                    removed,
                },
                Language::ZhTw,
            ) => {
                format!(
                    "{a} 與 {b} 高度相關（r = {r:.4}）。去掉 {a} 後模型 F = {f_without_a:.4}，去掉 {b} 後 F = {f_without_b:.4}：移除 {removed}，保留顯著性更高的模型。"
                )
            }
            (
                Step::HighVif {
                    candidates,
                    removed,
                },
                language,
            ) => {
                let list: Vec<String> = candidates
                    .iter()
                    .map(|(name, vif, f)| match language {
                        Language::En => {
                            format!("{name} (VIF {}, F without it {f:.4})", vif_text(*vif))
                        }
                        Language::Zh => {
                            format!("{name}（VIF {}，去掉后 F = {f:.4}）", vif_text(*vif))
                        }
                        Language::ZhTw => {
                            format!("{name}（VIF {}，去掉後 F = {f:.4}）", vif_text(*vif))
                        }
                    })
                    .collect();
                match language {
                    Language::En => format!(
                        "Multicollinearity: {}. {removed} removed, keeping the more significant model.",
                        list.join("; ")
                    ),
                    Language::Zh => format!(
                        "存在多重共线性：{}。移除 {removed}，保留显著性更高的模型。",
                        list.join("；")
                    ),
                    Language::ZhTw => format!(
                        "存在多重共線性：{}。移除 {removed}，保留顯著性更高的模型。",
                        list.join("；")
                    ),
                }
            }
            (Step::Insignificant { name, p, alpha }, Language::En) => {
                format!("{name} is not significant (p = {p:.4} > {alpha}): removed.")
            }
            (Step::Insignificant { name, p, alpha }, Language::Zh) => {
                format!("{name} 不显著（p = {p:.4} > {alpha}）：移除。")
            }
            (Step::Insignificant { name, p, alpha }, Language::ZhTw) => {
                format!("{name} 不顯著（p = {p:.4} > {alpha}）：移除。")
            }
            (
                Step::Final {
                    kept,
                    r_squared,
                    f_statistic,
                    f_p_value,
                },
                Language::En,
            ) => format!(
                "Final model: {} (R² = {r_squared:.4}, F = {f_statistic:.4}, p = {f_p_value:.3e}); every predictor is significant.",
                kept.join(", ")
            ),
            (
                Step::Final {
                    kept,
                    r_squared,
                    f_statistic,
                    f_p_value,
                },
                Language::Zh,
            ) => format!(
                "最终模型：{}（R² = {r_squared:.4}，F = {f_statistic:.4}，p = {f_p_value:.3e}），各自变量均显著。",
                kept.join("、")
            ),
            (
                Step::Final {
                    kept,
                    r_squared,
                    f_statistic,
                    f_p_value,
                },
                Language::ZhTw,
            ) => format!(
                "最終模型：{}（R² = {r_squared:.4}，F = {f_statistic:.4}，p = {f_p_value:.3e}），各自變數均顯著。",
                kept.join("、")
            ),
        }
    }
}

fn vif_text(vif: f64) -> String {
    if vif.is_finite() {
        format!("{vif:.2}")
    } else {
        "∞".to_owned()
    }
}

/// The outcome of the driver procedure.
#[derive(Debug, Clone, PartialEq)]
pub struct DriverAnalysis {
    /// What was done, in order.
    pub steps: Vec<Step>,
    /// The final model.
    pub fit: OlsFit,
    /// Relative weights of the final predictors.
    pub relative_weights: Vec<RelativeWeight>,
    /// The final equation, e.g. `csat = 1.2 + 0.034·service_level − 0.002·asa_seconds`.
    pub equation: String,
}

/// Runs the procedure on `target` and `predictors` (rows with any missing value are left out
/// once, so every model compares the same observations).
pub fn drivers(
    target: Column,
    predictors: &[Column],
    options: DriverOptions,
) -> Result<DriverAnalysis, StatsError> {
    let check = |name, value: f64, low: f64, high: f64, expected| {
        if value.is_finite() && value > low && value <= high {
            Ok(())
        } else {
            Err(StatsError::OutOfRange {
                name,
                expected,
                value,
            })
        }
    };
    check("alpha", options.alpha, 0.0, 1.0, "in (0, 1]")?;
    check("collinearity", options.collinearity, 0.0, 1.0, "in (0, 1]")?;
    check("max VIF", options.max_vif, 1.0, f64::MAX, "above 1")?;
    if predictors.is_empty() {
        return Err(StatsError::NoPredictors);
    }
    let rows: Vec<usize> = (0..target.values.len())
        .filter(|&i| {
            !target.values[i].is_nan()
                && predictors
                    .iter()
                    .all(|c| c.values.get(i).is_some_and(|v| !v.is_nan()))
        })
        .collect();
    let y = crate::ols::gather(target.values, &rows);
    let xs: Vec<std::borrow::Cow<[f64]>> = predictors
        .iter()
        .map(|c| crate::ols::gather(c.values, &rows))
        .collect();
    let names: Vec<&str> = predictors.iter().map(|c| c.name).collect();
    let target = Column {
        name: target.name,
        values: &y,
    };
    if rows.len() < predictors.len() + 2 {
        return Err(StatsError::NotEnoughObservations {
            available: rows.len(),
            needed: predictors.len() + 2,
        });
    }
    // one factorisation serves every model the procedure compares
    let factor = Factor::new(
        &y,
        &xs.iter().map(|x| x.as_ref()).collect::<Vec<_>>(),
        &names,
    )?;
    let f_of = |kept: &[usize]| {
        factor
            .fit(kept)
            .map_or(f64::NEG_INFINITY, |fit| fit.f_statistic)
    };
    let without = |kept: &[usize], drop: usize| -> Vec<usize> {
        kept.iter().copied().filter(|&j| j != drop).collect()
    };

    let mut kept: Vec<usize> = (0..predictors.len()).collect();
    let mut steps = vec![Step::Start {
        target: target.name.to_owned(),
        predictors: names.iter().map(|n| n.to_string()).collect(),
        n: rows.len(),
    }];

    // 1. collinearity
    while kept.len() >= 2 {
        let mut worst: Option<(usize, usize, f64)> = None;
        for (position, &a) in kept.iter().enumerate() {
            for &b in &kept[position + 1..] {
                let r = factor.correlation(a, b);
                if r.abs() >= options.collinearity
                    && worst.is_none_or(|(_, _, worst_r)| r.abs() > worst_r.abs())
                {
                    worst = Some((a, b, r));
                }
            }
        }
        if let Some((a, b, r)) = worst {
            let f_without_a = f_of(&without(&kept, a));
            let f_without_b = f_of(&without(&kept, b));
            let removed = if f_without_a > f_without_b { a } else { b };
            steps.push(Step::CollinearPair {
                a: names[a].to_owned(),
                b: names[b].to_owned(),
                r,
                f_without_a,
                f_without_b,
                removed: names[removed].to_owned(),
            });
            kept = without(&kept, removed);
            continue;
        }
        let candidates: Vec<(usize, f64)> = match factor.fit(&kept) {
            Ok(fit) => kept
                .iter()
                .zip(&fit.vif)
                .filter(|(_, vif)| **vif >= options.max_vif)
                .map(|(&j, &vif)| (j, vif))
                .collect(),
            Err(dependent) => dependent
                .iter()
                .map(|&position| (kept[position], f64::INFINITY))
                .collect(),
        };
        if candidates.is_empty() {
            break;
        }
        let scored: Vec<(usize, f64, f64)> = candidates
            .iter()
            .map(|&(j, vif)| (j, vif, f_of(&without(&kept, j))))
            .collect();
        let best = scored
            .iter()
            .max_by(|a, b| a.2.total_cmp(&b.2))
            .map_or(candidates[0].0, |s| s.0);
        steps.push(Step::HighVif {
            candidates: scored
                .iter()
                .map(|&(j, vif, f)| (names[j].to_owned(), vif, f))
                .collect(),
            removed: names[best].to_owned(),
        });
        kept = without(&kept, best);
    }

    // 2. backward elimination
    loop {
        let Ok(fit) = factor.fit(&kept) else {
            return Err(StatsError::RankDeficient {
                columns: kept.iter().map(|&j| names[j].to_owned()).collect(),
            });
        };
        let worst = fit
            .p_values
            .iter()
            .zip(&kept)
            .max_by(|a, b| a.0.total_cmp(b.0))
            .map(|(&p, &j)| (j, p));
        match worst {
            Some((j, p)) if p > options.alpha => {
                steps.push(Step::Insignificant {
                    name: names[j].to_owned(),
                    p,
                    alpha: options.alpha,
                });
                if kept.len() == 1 {
                    return Err(StatsError::NothingSignificant {
                        target: target.name.to_owned(),
                        last: names[j].to_owned(),
                        p,
                        alpha: options.alpha,
                    });
                }
                kept = without(&kept, j);
            }
            _ => break,
        }
    }
    // the final model in full: the refined fit, every statistic
    let columns: Vec<Column> = kept
        .iter()
        .map(|&j| Column {
            name: names[j],
            values: &xs[j],
        })
        .collect();
    let fit = ols(target, &columns, true)?;
    steps.push(Step::Final {
        kept: kept.iter().map(|&j| names[j].to_owned()).collect(),
        r_squared: fit.r_squared,
        f_statistic: fit.f_statistic,
        f_p_value: fit.f_p_value,
    });
    let rxx = Mat::from_fn(kept.len(), kept.len(), |a, b| {
        if a == b {
            1.0
        } else {
            factor.correlation(kept[a], kept[b])
        }
    });
    let rxy: Vec<f64> = kept
        .iter()
        .map(|&j| factor.correlation(j, factor.target()))
        .collect();
    let kept_names: Vec<&str> = kept.iter().map(|&j| names[j]).collect();
    let relative_weights = weights::from_correlations(&kept_names, &rxx, &rxy)?;
    let mut equation = format!("{} = {}", target.name, number(fit.coefficients[0].estimate));
    for coefficient in &fit.coefficients[1..] {
        let sign = if coefficient.estimate < 0.0 {
            "−"
        } else {
            "+"
        };
        equation.push_str(&format!(
            " {sign} {}·{}",
            number(coefficient.estimate.abs()),
            coefficient.name
        ));
    }
    Ok(DriverAnalysis {
        steps,
        fit,
        relative_weights,
        equation,
    })
}

/// Six significant digits for the equation text.
fn number(value: f64) -> String {
    if value == 0.0 {
        return "0".to_owned();
    }
    let digits = (5 - value.abs().log10().floor() as i32).clamp(0, 12) as usize;
    format!("{value:.digits$}")
}
