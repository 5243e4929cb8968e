//! How a KPI value and a change between two values read: one rule for the dashboard, the
//! tables and the monthly report, so a number looks the same wherever it is shown.

use crate::{Better, Unit, metric};

/// `value` of metric `name` as people read it: ratios in percent with one decimal, counts whole,
/// ratings with two decimals, seconds and scores with one; "—" when there is no value.
pub fn show(name: &str, value: Option<f64>) -> String {
    let Some(value) = value else {
        return "—".to_owned();
    };
    match metric(name).map(|m| m.unit) {
        Some(Unit::Ratio) => format!("{:.1}%", value * 100.0),
        Some(Unit::Count) => format!("{value:.0}"),
        Some(Unit::Rating) => format!("{value:.2}"),
        _ => format!("{value:.1}"),
    }
}

/// Whether a change is an improvement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Judgement {
    /// The measure moved the way it improves.
    Better,
    /// The measure moved the other way.
    Worse,
    /// No change, or a measure that improves neither way (volumes).
    Neutral,
}

impl Judgement {
    /// `better`, `worse` or `neutral` (CSS classes, JSON).
    pub fn name(self) -> &'static str {
        match self {
            Judgement::Better => "better",
            Judgement::Worse => "worse",
            Judgement::Neutral => "neutral",
        }
    }

    /// How a move of `delta` in metric `name` is judged.
    pub fn of(name: &str, delta: f64) -> Judgement {
        match metric(name).map_or(Better::Neither, |m| m.better) {
            Better::Neither => Judgement::Neutral,
            _ if delta == 0.0 => Judgement::Neutral,
            Better::Lower if delta < 0.0 => Judgement::Better,
            Better::Higher if delta > 0.0 => Judgement::Better,
            _ => Judgement::Worse,
        }
    }
}

/// The change from `before` to `now` in the metric's unit (percentage points for ratios) and
/// how it is judged; `None` when either value is missing.
pub fn change(name: &str, now: Option<f64>, before: Option<f64>) -> Option<(String, Judgement)> {
    let (now, before) = (now?, before?);
    let delta = now - before;
    let text = match metric(name).map(|m| m.unit) {
        Some(Unit::Ratio) => format!("{:+.1} pt", delta * 100.0),
        Some(Unit::Count) => format!("{delta:+.0}"),
        Some(Unit::Seconds) => format!("{delta:+.1} s"),
        Some(Unit::Rating) => format!("{delta:+.2}"),
        _ => format!("{delta:+.1}"),
    };
    Some((text, Judgement::of(name, delta)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_read_in_their_unit() {
        assert_eq!(show("service_level", Some(0.8049)), "80.5%");
        assert_eq!(show("offered", Some(1234.0)), "1234");
        assert_eq!(show("csat_mean", Some(4.256)), "4.26");
        assert_eq!(show("aht_seconds", Some(301.26)), "301.3");
        assert_eq!(show("nps", None), "—");
    }

    #[test]
    fn changes_are_judged_by_the_metrics_direction() {
        assert_eq!(
            change("aht_seconds", Some(290.0), Some(300.0)),
            Some(("-10.0 s".to_owned(), Judgement::Better))
        );
        assert_eq!(
            change("service_level", Some(0.75), Some(0.80)),
            Some(("-5.0 pt".to_owned(), Judgement::Worse))
        );
        assert_eq!(
            change("offered", Some(10.0), Some(5.0)),
            Some(("+5".to_owned(), Judgement::Neutral))
        );
        assert_eq!(change("csat", None, Some(0.8)), None);
    }
}
