//! Individuals and moving-range (XmR) control limits: whether a daily value moved beyond what
//! the series' own day-to-day variation explains. σ is estimated from the mean moving range of
//! consecutive values, σ̂ = MR̄ / d₂ with d₂(2) = 1.128 (the published control-chart constant for
//! ranges of two), and the natural process limits are X̄ ± 3σ̂ (≈ X̄ ± 2.66·MR̄).

/// d₂ for moving ranges of two consecutive values (ASTM / Montgomery table of control-chart
/// constants).
pub const D2_FOR_TWO: f64 = 1.128;

/// The XmR limits of a baseline series.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct XmrLimits {
    /// The mean of the values (centre line).
    pub centre: f64,
    /// The mean moving range.
    pub mean_moving_range: f64,
    /// The lower natural process limit.
    pub lower: f64,
    /// The upper natural process limit.
    pub upper: f64,
}

impl XmrLimits {
    /// Whether `value` lies beyond the limits (strictly above the upper or below the lower).
    pub fn outside(&self, value: f64) -> bool {
        value > self.upper || value < self.lower
    }
}

/// The XmR limits of `values` (in time order); `None` with fewer than two values or a non-finite
/// one.
pub fn xmr_limits(values: &[f64]) -> Option<XmrLimits> {
    if values.len() < 2 || values.iter().any(|v| !v.is_finite()) {
        return None;
    }
    let centre = values.iter().sum::<f64>() / values.len() as f64;
    let ranges: Vec<f64> = values.windows(2).map(|w| (w[1] - w[0]).abs()).collect();
    let mean_moving_range = ranges.iter().sum::<f64>() / ranges.len() as f64;
    let spread = 3.0 * mean_moving_range / D2_FOR_TWO;
    Some(XmrLimits {
        centre,
        mean_moving_range,
        lower: centre - spread,
        upper: centre + spread,
    })
}

/// A baseline needs this many points before its limits judge anything.
pub const MIN_SIGNAL_BASELINE: usize = 6;
/// This many points in a row on one side of the centre line are a shift (Western Electric rule 4
/// as the improvement literature uses it).
pub const SHIFT_RUN: usize = 8;

/// Whether `later` values show a real change against the XmR limits of `baseline` (both in time
/// order): a point beyond the limits, or [`SHIFT_RUN`] points in a row on one side of the centre
/// line. `None` when the baseline has fewer than [`MIN_SIGNAL_BASELINE`] values (no limits).
pub fn xmr_signal(baseline: &[f64], later: &[f64]) -> Option<bool> {
    if baseline.len() < MIN_SIGNAL_BASELINE {
        return None;
    }
    let limits = xmr_limits(baseline)?;
    if later.iter().any(|value| limits.outside(*value)) {
        return Some(true);
    }
    let mut run = 0;
    let mut side = std::cmp::Ordering::Equal;
    for value in later {
        let here = value.total_cmp(&limits.centre);
        if here != std::cmp::Ordering::Equal && here == side {
            run += 1;
        } else {
            side = here;
            run = usize::from(here != std::cmp::Ordering::Equal);
        }
        if run >= SHIFT_RUN {
            return Some(true);
        }
    }
    Some(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hand-worked: values 10, 12, 11, 15, 12 → X̄ = 60/5 = 12; moving ranges 2, 1, 4, 3 → MR̄ =
    /// 2.5; 3·2.5/1.128 = 6.648936…; limits 5.351064 and 18.648936 (the 2.66 rule of thumb gives
    /// 5.35 and 18.65).
    #[test]
    fn hand_worked_limits() {
        let limits = xmr_limits(&[10.0, 12.0, 11.0, 15.0, 12.0]).unwrap();
        assert_eq!(limits.centre, 12.0);
        assert_eq!(limits.mean_moving_range, 2.5);
        assert!((limits.upper - 18.648_936_170_212_766).abs() < 1e-12);
        assert!((limits.lower - 5.351_063_829_787_234).abs() < 1e-12);
        assert!((limits.upper - (12.0 + 2.66 * 2.5)).abs() < 0.01);
        assert!(limits.outside(18.7));
        assert!(!limits.outside(18.6));
        assert!(limits.outside(5.3));
        assert_eq!(xmr_limits(&[1.0]), None);
        assert_eq!(xmr_limits(&[1.0, f64::NAN]), None);
    }

    /// Baseline 10, 12, 11, 15, 12, 12 → X̄ = 12, MR̄ = (2+1+4+3+0)/5 = 2, limits 12 ± 5.319…:
    /// 17.4 is beyond; 13, 13, … eight times is a shift; seven times is not; five baseline
    /// points give no limits.
    #[test]
    fn hand_worked_signals() {
        let baseline = [10.0, 12.0, 11.0, 15.0, 12.0, 12.0];
        let limits = xmr_limits(&baseline).unwrap();
        assert!((limits.upper - (12.0 + 6.0 / 1.128)).abs() < 1e-12);
        assert_eq!(xmr_signal(&baseline, &[12.5, 17.4]), Some(true));
        assert_eq!(xmr_signal(&baseline, &[13.0; 8]), Some(true));
        assert_eq!(xmr_signal(&baseline, &[13.0; 7]), Some(false));
        assert_eq!(
            xmr_signal(&baseline, &[13.0, 11.0, 13.0, 11.0, 13.0, 11.0, 13.0, 11.0]),
            Some(false)
        );
        assert_eq!(xmr_signal(&baseline[..5], &[30.0]), None);
    }
}
