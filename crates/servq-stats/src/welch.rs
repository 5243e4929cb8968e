//! Welch's two-sample t-test (unequal variances, Welch–Satterthwaite degrees of freedom): the
//! significance check behind the monthly report's narrative — a change between two months is
//! told only when their daily values differ beyond chance (`docs/stats.md#welchs-t-test`).

use crate::distribution::t_two_sided_p;

/// The outcome of a two-sample comparison.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TwoSampleTest {
    /// Mean of the second sample minus mean of the first.
    pub difference: f64,
    /// The t statistic (second against first).
    pub t: f64,
    /// Welch–Satterthwaite degrees of freedom.
    pub df: f64,
    /// Two-sided p-value.
    pub p: f64,
}

fn mean_and_variance(sample: &[f64]) -> (f64, f64) {
    let n = sample.len() as f64;
    let mean = sample.iter().sum::<f64>() / n;
    let variance = sample.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, variance)
}

/// Welch's t-test of `after` against `before`; `None` when either sample has fewer than two
/// values or both have no spread (the statistic is undefined). Non-finite values are skipped.
pub fn welch_t_test(before: &[f64], after: &[f64]) -> Option<TwoSampleTest> {
    let before: Vec<f64> = before.iter().copied().filter(|x| x.is_finite()).collect();
    let after: Vec<f64> = after.iter().copied().filter(|x| x.is_finite()).collect();
    if before.len() < 2 || after.len() < 2 {
        return None;
    }
    let (mean_before, var_before) = mean_and_variance(&before);
    let (mean_after, var_after) = mean_and_variance(&after);
    let share_before = var_before / before.len() as f64;
    let share_after = var_after / after.len() as f64;
    let standard_error_squared = share_before + share_after;
    if standard_error_squared <= 0.0 {
        return None;
    }
    let difference = mean_after - mean_before;
    let t = difference / standard_error_squared.sqrt();
    let df = standard_error_squared.powi(2)
        / (share_before.powi(2) / (before.len() as f64 - 1.0)
            + share_after.powi(2) / (after.len() as f64 - 1.0));
    Some(TwoSampleTest {
        difference,
        t,
        df,
        p: t_two_sided_p(t, df),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Expected values from an independent implementation: SciPy 1.17.1,
    /// `scipy.stats.ttest_ind(after, before, equal_var=False)`.
    #[test]
    fn matches_scipy() {
        let before = [76.3, 78.1, 74.9, 77.5, 75.2, 79.0, 76.8];
        let after = [81.2, 79.5, 83.1, 80.0, 78.4, 82.6, 84.0, 77.9, 80.8, 81.5];
        let test = welch_t_test(&before, &after).unwrap();
        assert!((test.t - 4.805358010634686).abs() < 1e-12, "{test:?}");
        assert!((test.df - 14.871282925791396).abs() < 1e-10, "{test:?}");
        assert!((test.p - 0.00023696247344837576).abs() < 1e-12, "{test:?}");

        let test = welch_t_test(
            &[2.0, 4.0, 6.0, 8.0, 10.0, 12.0],
            &[1.0, 2.0, 3.0, 4.0, 5.0],
        )
        .unwrap();
        assert!((test.t - -2.3763541031440183).abs() < 1e-12, "{test:?}");
        assert!((test.df - 6.972255729794934).abs() < 1e-10, "{test:?}");
        assert!((test.p - 0.04928433820673053).abs() < 1e-12, "{test:?}");
    }

    #[test]
    fn too_few_or_constant_values_give_no_test() {
        assert_eq!(welch_t_test(&[1.0], &[2.0, 3.0]), None);
        assert_eq!(welch_t_test(&[1.0, 1.0], &[1.0, 1.0]), None);
        assert!(welch_t_test(&[1.0, f64::NAN, 2.0], &[3.0, 4.0]).is_some());
    }
}
