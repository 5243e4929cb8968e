//! SMART goals bound to a KPI (`docs/goals.md`): how far a goal has come from its baseline to its
//! target, and whether that is on track for the deadline. A goal's values are in `servq kpi` JSON
//! units; which way it improves follows from target against baseline.

use jiff::civil::Date;

/// How a goal stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GoalStatus {
    /// Progress reached the target (final once the deadline passed).
    Met,
    /// At least as far as a straight line from the start to the deadline expects.
    OnTrack,
    /// Behind the straight line by at most a quarter of the way.
    AtRisk,
    /// Further behind.
    OffTrack,
    /// The deadline passed short of the target (final).
    Missed,
}

impl GoalStatus {
    /// `met`, `on_track`, `at_risk`, `off_track`, `missed`.
    pub fn name(self) -> &'static str {
        match self {
            GoalStatus::Met => "met",
            GoalStatus::OnTrack => "on_track",
            GoalStatus::AtRisk => "at_risk",
            GoalStatus::OffTrack => "off_track",
            GoalStatus::Missed => "missed",
        }
    }
}

/// How behind the straight line a goal may be and still be at risk rather than off track.
pub const AT_RISK_MARGIN: f64 = 0.25;

/// Progress from `baseline` to `target`: (current − baseline) / (target − baseline); 1 is the
/// target reached, 0 no change, negative a move the wrong way. `None` without a value or when
/// target = baseline (such a goal is refused when it is set).
pub fn progress(baseline: Option<f64>, target: f64, current: Option<f64>) -> Option<f64> {
    let (baseline, current) = (baseline?, current?);
    let span = target - baseline;
    (span != 0.0 && span.is_finite()).then(|| (current - baseline) / span)
}

/// The share of the time from `created` to `deadline` gone by `as_of`: e = (as_of − created) /
/// (deadline − created), in days, within 0..1 (1 on and after the deadline).
pub fn expected(created: Date, deadline: Date, as_of: Date) -> f64 {
    let total = (deadline - created).get_days() as f64;
    if total <= 0.0 {
        return 1.0;
    }
    ((as_of - created).get_days() as f64 / total).clamp(0.0, 1.0)
}

/// The status of a goal with `progress` on `as_of`: `met` at progress ≥ 1; before or on the
/// deadline `on_track` at progress ≥ e, `at_risk` at progress ≥ e − 0.25, else `off_track`;
/// after it `missed`. `None` without progress.
pub fn status(
    progress: Option<f64>,
    created: Date,
    deadline: Date,
    as_of: Date,
) -> Option<GoalStatus> {
    let progress = progress?;
    if progress >= 1.0 {
        return Some(GoalStatus::Met);
    }
    if as_of > deadline {
        return Some(GoalStatus::Missed);
    }
    let e = expected(created, deadline, as_of);
    Some(if progress >= e {
        GoalStatus::OnTrack
    } else if progress >= e - AT_RISK_MARGIN {
        GoalStatus::AtRisk
    } else {
        GoalStatus::OffTrack
    })
}

/// Whether a closed problem's fix held: its goal's KPI `current` is still at or beyond the
/// `target`, in the goal's direction — towards the target from the baseline, or the metric's own
/// direction (`higher_is_better`) when the baseline had no value. `None` without a value.
pub fn fix_held(
    baseline: Option<f64>,
    target: f64,
    higher_is_better: bool,
    current: Option<f64>,
) -> Option<bool> {
    let current = current?;
    let higher = match baseline {
        Some(baseline) if baseline != target => target > baseline,
        _ => higher_is_better,
    };
    Some(if higher {
        current >= target
    } else {
        current <= target
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_fix_holds_while_the_target_is_met_in_the_goals_direction() {
        // CSAT 0.82 -> 0.88: 0.88 holds, 0.879 slipped
        assert_eq!(fix_held(Some(0.82), 0.88, true, Some(0.88)), Some(true));
        assert_eq!(fix_held(Some(0.82), 0.88, true, Some(0.879)), Some(false));
        // complaints 100 -> 70 (lower): 70 holds, 71 slipped, whatever the metric says
        assert_eq!(fix_held(Some(100.0), 70.0, true, Some(70.0)), Some(true));
        assert_eq!(fix_held(Some(100.0), 70.0, true, Some(71.0)), Some(false));
        // no baseline: the metric's direction decides
        assert_eq!(fix_held(None, 15.0, false, Some(14.0)), Some(true));
        assert_eq!(fix_held(None, 15.0, false, Some(16.0)), Some(false));
        assert_eq!(fix_held(Some(0.8), 0.9, true, None), None);
    }
    use super::*;

    fn day(text: &str) -> Date {
        text.parse().unwrap()
    }

    /// Hand-worked (docs/goals.md): CSAT 82 % → 88 % from 1 Nov to 1 Feb (92 days); on 1 Dec
    /// (30 days in) e = 30/92 = 0.326; at 84 % progress is 2/6 = 0.333 → on track; at 83.5 %
    /// 0.25 → at risk (≥ 0.076); at 82 % 0 → off track; at 88.5 % met.
    #[test]
    fn hand_worked_statuses() {
        let (created, deadline, as_of) = (day("2026-11-01"), day("2027-02-01"), day("2026-12-01"));
        assert!((expected(created, deadline, as_of) - 30.0 / 92.0).abs() < 1e-12);
        let at = |current: f64| {
            status(
                progress(Some(0.82), 0.88, Some(current)),
                created,
                deadline,
                as_of,
            )
        };
        assert_eq!(at(0.84), Some(GoalStatus::OnTrack));
        assert_eq!(at(0.835), Some(GoalStatus::AtRisk));
        assert_eq!(at(0.82), Some(GoalStatus::OffTrack));
        assert_eq!(at(0.885), Some(GoalStatus::Met));
        // after the deadline: met or missed, nothing in between
        let late = |current: f64| {
            status(
                progress(Some(0.82), 0.88, Some(current)),
                created,
                deadline,
                day("2027-02-02"),
            )
        };
        assert_eq!(late(0.87), Some(GoalStatus::Missed));
        assert_eq!(late(0.90), Some(GoalStatus::Met));
    }

    /// Lower is better: first response 15 → 8 min; at 12 min progress (12 − 15)/(8 − 15) = 3/7.
    #[test]
    fn a_falling_target_counts_falls_as_progress() {
        let p = progress(Some(900.0), 480.0, Some(720.0)).unwrap();
        assert!((p - 180.0 / 420.0).abs() < 1e-12);
        assert_eq!(progress(Some(0.8), 0.8, Some(0.9)), None);
        assert_eq!(progress(None, 0.8, Some(0.9)), None);
    }
}
