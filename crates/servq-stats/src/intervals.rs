//! Confidence intervals for survey measures (`docs/stats.md#confidence-intervals`): Wilson's score
//! interval for a proportion (CSAT top-2-box, response rate), Student's t interval for a mean
//! rating (CSAT mean, CES) and the normal interval of a difference of two multinomial shares (NPS).

use statrs::distribution::{ContinuousCDF, Normal};

use crate::distribution::t_quantile;

/// A two-sided confidence interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval {
    /// Lower bound.
    pub lower: f64,
    /// Upper bound.
    pub upper: f64,
}

fn normal_quantile(confidence: f64) -> f64 {
    Normal::standard().inverse_cdf(0.5 + confidence / 2.0)
}

/// Wilson's score interval for `successes` out of `n` (Wilson 1927; Newcombe 1998, method 3):
/// (p̂ + z²/2n ± z·√(p̂(1−p̂)/n + z²/4n²)) / (1 + z²/n). `None` when n = 0.
pub fn wilson_interval(successes: i64, n: i64, confidence: f64) -> Option<Interval> {
    if n <= 0 || !(0.0..1.0).contains(&confidence) {
        return None;
    }
    let n = n as f64;
    let p = successes as f64 / n;
    let z = normal_quantile(confidence);
    let z2 = z * z;
    let centre = p + z2 / (2.0 * n);
    let half = z * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    let denominator = 1.0 + z2 / n;
    Some(Interval {
        lower: ((centre - half) / denominator).max(0.0),
        upper: ((centre + half) / denominator).min(1.0),
    })
}

/// Student's t interval of a mean from the count, sum and sum of squares of the values:
/// x̄ ± t(1−α/2, n−1)·s/√n. `None` when n < 2.
pub fn mean_interval(n: i64, sum: f64, sum_squares: f64, confidence: f64) -> Option<Interval> {
    if n < 2 || !(0.0..1.0).contains(&confidence) {
        return None;
    }
    let count = n as f64;
    let mean = sum / count;
    // the integer sums keep this exact enough: ratings are small whole numbers
    let variance = ((sum_squares - sum * mean) / (count - 1.0)).max(0.0);
    let half = t_quantile(0.5 + confidence / 2.0, count - 1.0) * (variance / count).sqrt();
    Some(Interval {
        lower: mean - half,
        upper: mean + half,
    })
}

/// Interval of NPS (−100..100) from promoters and detractors among n answers: with shares p and
/// d, Var(p − d) = (p + d − (p − d)²)/n, NPS ± z·100·√Var, clipped to −100..100. `None` when n = 0.
pub fn nps_interval(promoters: i64, detractors: i64, n: i64, confidence: f64) -> Option<Interval> {
    if n <= 0 || !(0.0..1.0).contains(&confidence) {
        return None;
    }
    let count = n as f64;
    let p = promoters as f64 / count;
    let d = detractors as f64 / count;
    let nps = p - d;
    let half = normal_quantile(confidence) * ((p + d - nps * nps).max(0.0) / count).sqrt();
    Some(Interval {
        lower: ((nps - half) * 100.0).max(-100.0),
        upper: ((nps + half) * 100.0).min(100.0),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(actual: f64, expected: f64, tolerance: f64) {
        assert!(
            (actual - expected).abs() <= tolerance,
            "{actual} vs {expected}"
        );
    }

    /// Newcombe (1998), Statistics in Medicine 17:857, Table I, method 3 (Wilson score):
    /// 81/263 → 0.2553–0.3662, 15/148 → 0.0624–0.1605, 0/20 → 0–0.1611, 1/29 → 0.0061–0.1718.
    #[test]
    fn wilson_matches_newcombe_table_one() {
        for (successes, n, lower, upper) in [
            (81, 263, 0.2553, 0.3662),
            (15, 148, 0.0624, 0.1605),
            (0, 20, 0.0, 0.1611),
            (1, 29, 0.0061, 0.1718),
        ] {
            let interval = wilson_interval(successes, n, 0.95).unwrap();
            close(interval.lower, lower, 5e-5);
            close(interval.upper, upper, 5e-5);
        }
        assert_eq!(wilson_interval(0, 0, 0.95), None);
    }

    /// 1..=5 once each: mean 3, s = √2.5, t(0.975, 4) = 2.776445 → 3 ± 1.963243.
    #[test]
    fn mean_interval_by_hand() {
        let interval = mean_interval(5, 15.0, 55.0, 0.95).unwrap();
        close(interval.lower, 3.0 - 1.963243, 1e-6);
        close(interval.upper, 3.0 + 1.963243, 1e-6);
        assert_eq!(mean_interval(1, 4.0, 16.0, 0.95), None);
    }

    /// 0..=10 once each: p = 2/11, d = 7/11, NPS −45.45; Var = (9/11 − 25/121)/11 = 74/1331,
    /// half width 1.959964·√(74/1331)·100 = 46.21.
    #[test]
    fn nps_interval_by_hand() {
        let interval = nps_interval(2, 7, 11, 0.95).unwrap();
        let half = 1.959_963_985 * (74.0_f64 / 1331.0).sqrt() * 100.0;
        close(interval.lower, -500.0 / 11.0 - half, 1e-6);
        close(interval.upper, -500.0 / 11.0 + half, 1e-6);
        assert_eq!(nps_interval(3, 0, 3, 0.95).unwrap().upper, 100.0);
    }
}
