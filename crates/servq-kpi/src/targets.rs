//! KPI targets: what a measure should reach for the centre, a queue, a team or an agent, with an
//! optional warning band, and how a value is judged against it. The store keeps them versioned
//! by `effective_from`; this module holds the rule (which direction counts as better, where a
//! target means something, what is met, a warning or a miss).

use servq_core::{SettingProblem, SettingReason};

use crate::grouping::Dimension;
use crate::metrics::{Better, Metric, Unit, metric};

/// Whom a target is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TargetScope {
    /// The whole centre.
    Centre,
    /// One queue (skill group).
    Queue,
    /// One roster team.
    Team,
    /// One agent.
    Agent,
}

impl TargetScope {
    /// Every scope, widest first.
    pub const ALL: [TargetScope; 4] = [
        TargetScope::Centre,
        TargetScope::Queue,
        TargetScope::Team,
        TargetScope::Agent,
    ];

    /// The stored and written name.
    pub fn name(self) -> &'static str {
        match self {
            TargetScope::Centre => "centre",
            TargetScope::Queue => "queue",
            TargetScope::Team => "team",
            TargetScope::Agent => "agent",
        }
    }

    /// The scope called `name` (`center` is accepted too).
    pub fn parse(name: &str) -> Option<TargetScope> {
        match name.trim() {
            "centre" | "center" => Some(TargetScope::Centre),
            "queue" => Some(TargetScope::Queue),
            "team" => Some(TargetScope::Team),
            "agent" => Some(TargetScope::Agent),
            _ => None,
        }
    }

    /// The KPI filter dimension that selects this scope's value; `None` for the centre.
    pub fn dimension(self) -> Option<Dimension> {
        match self {
            TargetScope::Centre => None,
            TargetScope::Queue => Some(Dimension::Queue),
            TargetScope::Team => Some(Dimension::Team),
            TargetScope::Agent => Some(Dimension::Agent),
        }
    }
}

/// Which way a target is met: a value at or above it (higher is better) or at or below it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetDirection {
    /// Met when the value is at least the target.
    AtLeast,
    /// Met when the value is at most the target.
    AtMost,
}

impl TargetDirection {
    /// The stored and written name (`higher` / `lower` is better).
    pub fn name(self) -> &'static str {
        match self {
            TargetDirection::AtLeast => "higher",
            TargetDirection::AtMost => "lower",
        }
    }

    /// The direction called `name`.
    pub fn parse(name: &str) -> Option<TargetDirection> {
        match name.trim() {
            "higher" => Some(TargetDirection::AtLeast),
            "lower" => Some(TargetDirection::AtMost),
            _ => None,
        }
    }

    /// The direction a metric improves in, if it has one.
    pub fn of(metric: &Metric) -> Option<TargetDirection> {
        match metric.better {
            Better::Higher => Some(TargetDirection::AtLeast),
            Better::Lower => Some(TargetDirection::AtMost),
            Better::Neither => None,
        }
    }

    /// How much better `a` is than `b` in this direction (positive: better).
    fn better_by(self, a: f64, b: f64) -> f64 {
        match self {
            TargetDirection::AtLeast => a - b,
            TargetDirection::AtMost => b - a,
        }
    }
}

/// How a value stands against its target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetStatus {
    /// At or beyond the target.
    Met,
    /// Short of the target but within the warning band.
    Warning,
    /// Short of the target (and beyond the band, when there is one).
    Missed,
}

impl TargetStatus {
    /// The written name (`met`, `warning`, `missed`), also a CSS class.
    pub fn name(self) -> &'static str {
        match self {
            TargetStatus::Met => "met",
            TargetStatus::Warning => "warning",
            TargetStatus::Missed => "missed",
        }
    }
}

/// A target as a person states it, before it is checked.
#[derive(Debug, Clone, PartialEq)]
pub struct TargetSpec {
    /// The `servq kpi` metric name.
    pub metric: String,
    /// Whom it is for.
    pub scope: TargetScope,
    /// The queue, team or agent id; empty for the centre.
    pub scope_value: String,
    /// Which way it is met; `None` takes the metric's own direction.
    pub direction: Option<TargetDirection>,
    /// The target, in `servq kpi` JSON units (ratios 0–1, seconds, scores).
    pub value: f64,
    /// The far edge of the warning band (on the worse side of the target), if any.
    pub warn_at: Option<f64>,
}

/// A checked target.
#[derive(Debug, Clone)]
pub struct Target {
    /// The metric.
    pub metric: &'static Metric,
    /// Whom it is for.
    pub scope: TargetScope,
    /// The queue, team or agent id; empty for the centre.
    pub scope_value: String,
    /// Which way it is met.
    pub direction: TargetDirection,
    /// The target value.
    pub value: f64,
    /// The far edge of the warning band, if any.
    pub warn_at: Option<f64>,
}

impl TargetSpec {
    /// The checked target, or every problem with the field it concerns.
    pub fn check(&self) -> Result<Target, Vec<SettingProblem>> {
        let mut problems = Vec::new();
        let found = metric(self.metric.trim());
        let Some(found) = found else {
            return Err(vec![SettingProblem::new(
                "metric",
                SettingReason::Unknown(self.metric.clone()),
            )]);
        };
        if found.unit == Unit::Count {
            problems.push(SettingProblem::new(
                "metric",
                SettingReason::Coded {
                    code: "target_count",
                    values: vec![("metric", found.name.to_owned())],
                    english: format!(
                        "{} is a count that grows with the period; set a target on a rate or a mean",
                        found.name
                    ),
                },
            ));
        }
        if let Some(dimension) = self.scope.dimension() {
            if found.exclusion(&[dimension]).is_some() {
                problems.push(SettingProblem::new(
                    "scope",
                    SettingReason::Coded {
                        code: "target_scope",
                        values: vec![("metric", found.name.to_owned())],
                        english: format!("{} means nothing per {}", found.name, dimension.name()),
                    },
                ));
            }
            if self.scope_value.trim().is_empty() {
                problems.push(SettingProblem::new("scope_value", SettingReason::Required));
            }
        }
        let direction = self.direction.or(TargetDirection::of(found));
        if direction.is_none() {
            problems.push(SettingProblem::new(
                "direction",
                SettingReason::Coded {
                    code: "target_direction",
                    values: Vec::new(),
                    english: format!(
                        "{} is not better higher or lower; say which (higher or lower)",
                        found.name
                    ),
                },
            ));
        }
        let (low, high) = bounds(found.unit);
        let in_range = |value: f64| value.is_finite() && value >= low && value <= high;
        let range = SettingReason::Range {
            min: low.to_string(),
            max: high.to_string(),
        };
        if !in_range(self.value) {
            problems.push(SettingProblem::new("value", range.clone()));
        }
        if let Some(warn_at) = self.warn_at {
            if !in_range(warn_at) {
                problems.push(SettingProblem::new("warn_at", range));
            } else if let Some(direction) = direction
                && direction.better_by(warn_at, self.value) >= 0.0
            {
                let (side, code) = match direction {
                    TargetDirection::AtLeast => ("below", "warn_below_target"),
                    TargetDirection::AtMost => ("above", "warn_above_target"),
                };
                problems.push(SettingProblem::new(
                    "warn_at",
                    SettingReason::Coded {
                        code,
                        values: Vec::new(),
                        english: format!(
                            "the warning band lies on the worse side of the target ({side} {})",
                            self.value
                        ),
                    },
                ));
            }
        }
        match direction {
            Some(direction) if problems.is_empty() => Ok(Target {
                metric: found,
                scope: self.scope,
                scope_value: if self.scope == TargetScope::Centre {
                    String::new()
                } else {
                    self.scope_value.trim().to_owned()
                },
                direction,
                value: self.value,
                warn_at: self.warn_at,
            }),
            _ => Err(problems),
        }
    }
}

/// The values a target of a metric of `unit` may take.
fn bounds(unit: Unit) -> (f64, f64) {
    match unit {
        Unit::Ratio => (0.0, 1.0),
        // NPS runs from −100; QA scores from 0
        Unit::Score => (-100.0, 100.0),
        Unit::Rating => (1.0, 7.0),
        Unit::Seconds => (0.0, 86_400.0),
        Unit::Count => (0.0, f64::MAX),
    }
}

impl Target {
    /// How `value` stands against the target.
    pub fn status(&self, value: f64) -> TargetStatus {
        if self.direction.better_by(value, self.value) >= 0.0 {
            TargetStatus::Met
        } else if self
            .warn_at
            .is_some_and(|warn_at| self.direction.better_by(value, warn_at) >= 0.0)
        {
            TargetStatus::Warning
        } else {
            TargetStatus::Missed
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(metric: &str, scope: TargetScope, value: f64, warn_at: Option<f64>) -> TargetSpec {
        TargetSpec {
            metric: metric.to_owned(),
            scope,
            scope_value: "q1".to_owned(),
            direction: None,
            value,
            warn_at,
        }
    }

    #[test]
    fn higher_and_lower_targets_judge_the_band() {
        let sl = spec("service_level", TargetScope::Queue, 0.8, Some(0.75))
            .check()
            .unwrap();
        assert_eq!(sl.status(0.8), TargetStatus::Met);
        assert_eq!(sl.status(0.79), TargetStatus::Warning);
        assert_eq!(sl.status(0.75), TargetStatus::Warning);
        assert_eq!(sl.status(0.7499), TargetStatus::Missed);
        let aht = spec("aht_seconds", TargetScope::Agent, 300.0, Some(330.0))
            .check()
            .unwrap();
        assert_eq!(aht.direction, TargetDirection::AtMost);
        assert_eq!(aht.status(299.0), TargetStatus::Met);
        assert_eq!(aht.status(320.0), TargetStatus::Warning);
        assert_eq!(aht.status(331.0), TargetStatus::Missed);
        let no_band = spec("csat", TargetScope::Centre, 0.85, None)
            .check()
            .unwrap();
        assert_eq!(no_band.scope_value, "");
        assert_eq!(no_band.status(0.84), TargetStatus::Missed);
    }

    #[test]
    fn refuses_what_means_nothing_with_every_reason() {
        let problems = spec("answer_rate", TargetScope::Agent, 1.5, Some(1.2))
            .check()
            .unwrap_err();
        let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(fields, ["scope", "value", "warn_at"]);
        let wrong_side = spec("service_level", TargetScope::Queue, 0.8, Some(0.85))
            .check()
            .unwrap_err();
        assert_eq!(wrong_side[0].field, "warn_at");
        let neither = spec("occupancy", TargetScope::Team, 0.85, None)
            .check()
            .unwrap_err();
        assert_eq!(neither[0].field, "direction");
        let mut given = spec("occupancy", TargetScope::Team, 0.85, Some(0.9));
        given.direction = Some(TargetDirection::AtMost);
        assert_eq!(given.check().unwrap().status(0.87), TargetStatus::Warning);
        assert_eq!(
            spec("offered", TargetScope::Centre, 10.0, None)
                .check()
                .unwrap_err()[0]
                .field,
            "metric"
        );
        assert!(matches!(
            spec("nope", TargetScope::Centre, 1.0, None)
                .check()
                .unwrap_err()[0]
                .reason,
            SettingReason::Unknown(_)
        ));
    }
}
