//! SLA policies (`docs/desk.md#sla-policies`): targets for first response, next response and
//! resolution in business minutes, chosen by the first rule matching a ticket's priority,
//! category and customer segment; escalation warns the supervisor when a clock has used
//! `warn_at_percent` of its target and again when it breaches.

use serde::{Deserialize, Serialize};
use servq_core::{SettingProblem, SettingReason};

use crate::sla::SlaMetric;

/// A ticket's priority.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    /// Service down, VIP complaint.
    Urgent,
    /// Needs attention today.
    High,
    /// The usual.
    Normal,
    /// Whenever possible.
    Low,
}

impl Priority {
    /// Every priority, most urgent first.
    pub const ALL: [Priority; 4] = [
        Priority::Urgent,
        Priority::High,
        Priority::Normal,
        Priority::Low,
    ];

    /// Stored name.
    pub fn name(self) -> &'static str {
        match self {
            Priority::Urgent => "urgent",
            Priority::High => "high",
            Priority::Normal => "normal",
            Priority::Low => "low",
        }
    }

    /// A name back (`urgent`, `high`, `normal`, `low`).
    pub fn parse(name: &str) -> Option<Priority> {
        Priority::ALL.into_iter().find(|p| p.name() == name.trim())
    }
}

/// One rule of an SLA policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlaRule {
    /// Name, stored on each clock it starts.
    pub name: String,
    /// Priorities it applies to; empty = all.
    #[serde(default)]
    pub priorities: Vec<Priority>,
    /// Categories; empty = all.
    #[serde(default)]
    pub categories: Vec<String>,
    /// Customer segments (e.g. VIP); empty = all.
    #[serde(default)]
    pub segments: Vec<String>,
    /// First-response target, business minutes.
    pub first_response_minutes: u32,
    /// Next-response target, business minutes.
    pub next_response_minutes: u32,
    /// Resolution target, business minutes.
    pub resolution_minutes: u32,
}

impl SlaRule {
    /// Whether the rule applies.
    pub fn applies(&self, priority: Priority, category: &str, segment: &str) -> bool {
        (self.priorities.is_empty() || self.priorities.contains(&priority))
            && (self.categories.is_empty() || self.categories.iter().any(|c| c == category))
            && (self.segments.is_empty() || self.segments.iter().any(|s| s == segment))
    }

    /// The target of a metric, business milliseconds.
    pub fn target_ms(&self, metric: SlaMetric) -> i64 {
        let minutes = match metric {
            SlaMetric::FirstResponse => self.first_response_minutes,
            SlaMetric::NextResponse => self.next_response_minutes,
            SlaMetric::Resolution => self.resolution_minutes,
            // stage limits come from the workflow
            SlaMetric::Stage => 0,
        };
        i64::from(minutes) * 60_000
    }
}

/// An SLA policy: rules tried in order, and when to warn.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlaPolicy {
    /// Rules, first match wins; the last should match everything.
    pub rules: Vec<SlaRule>,
    /// Warn the supervisor when a running clock has used this share of its target (1–99;
    /// 80 when left out).
    #[serde(default = "default_warn_at_percent")]
    pub warn_at_percent: u8,
}

/// The warning point of a policy that does not name one.
pub const DEFAULT_WARN_AT_PERCENT: u8 = 80;

fn default_warn_at_percent() -> u8 {
    DEFAULT_WARN_AT_PERCENT
}

impl SlaPolicy {
    /// The rule for a ticket.
    pub fn rule_for(&self, priority: Priority, category: &str, segment: &str) -> Option<&SlaRule> {
        self.rules
            .iter()
            .find(|rule| rule.applies(priority, category, segment))
    }

    /// Every reason the policy cannot be used, each at its path (`rules.0.name`): it needs a
    /// rule, every rule a name and targets of at least a minute, and `warn_at_percent` from 1 to
    /// 99 (100 would never warn).
    pub fn problems(&self) -> Vec<SettingProblem> {
        let mut problems = Vec::new();
        if self.rules.is_empty() {
            problems.push(SettingProblem::new("rules", SettingReason::Empty));
        }
        if !(1..=99).contains(&self.warn_at_percent) {
            problems.push(SettingProblem::new(
                "warn_at_percent",
                SettingReason::Range {
                    min: "1".into(),
                    max: "99".into(),
                },
            ));
        }
        for (index, rule) in self.rules.iter().enumerate() {
            if rule.name.trim().is_empty() {
                problems.push(SettingProblem::new(
                    format!("rules.{index}.name"),
                    SettingReason::Required,
                ));
            }
            for (field, minutes) in [
                ("first_response_minutes", rule.first_response_minutes),
                ("next_response_minutes", rule.next_response_minutes),
                ("resolution_minutes", rule.resolution_minutes),
            ] {
                if minutes == 0 {
                    problems.push(SettingProblem::new(
                        format!("rules.{index}.{field}"),
                        SettingReason::AtLeast("1".into()),
                    ));
                }
            }
        }
        problems
    }

    /// The business time after which a clock of `target_ms` warns.
    pub fn warn_after_ms(&self, target_ms: i64) -> Option<i64> {
        (1..=99)
            .contains(&self.warn_at_percent)
            .then(|| target_ms * i64::from(self.warn_at_percent) / 100)
    }

    /// The default policy: VIP urgent 15 min / 30 min / 4 h; urgent 30 min / 1 h / 8 h; high
    /// 1 h / 2 h / 16 h; normal 4 h / 8 h / 3 business days; low 8 h / 16 h / 5 days; complaints
    /// are handled within 24 h (docs/desk.md); warn at 80 %.
    pub fn standard() -> SlaPolicy {
        let rule = |name: &str, priorities: &[Priority], segments: &[&str], m: [u32; 3]| SlaRule {
            name: name.to_owned(),
            priorities: priorities.to_vec(),
            categories: Vec::new(),
            segments: segments.iter().map(|s| (*s).to_owned()).collect(),
            first_response_minutes: m[0],
            next_response_minutes: m[1],
            resolution_minutes: m[2],
        };
        SlaPolicy {
            rules: vec![
                rule("vip-urgent", &[Priority::Urgent], &["VIP"], [15, 30, 240]),
                rule("urgent", &[Priority::Urgent], &[], [30, 60, 480]),
                rule("high", &[Priority::High], &[], [60, 120, 960]),
                rule("normal", &[Priority::Normal], &[], [240, 480, 1620]),
                rule("low", &[], &[], [480, 960, 2700]),
            ],
            warn_at_percent: DEFAULT_WARN_AT_PERCENT,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warn_at_percent_defaults_to_80_and_must_be_1_to_99() {
        let rules = serde_json::to_value(&SlaPolicy::standard().rules).unwrap();
        let policy: SlaPolicy =
            serde_json::from_value(serde_json::json!({ "rules": rules })).unwrap();
        assert_eq!(policy.warn_at_percent, 80);
        assert!(policy.problems().is_empty());
        for bad in [0, 100, 150] {
            let policy = SlaPolicy {
                warn_at_percent: bad,
                ..SlaPolicy::standard()
            };
            assert_eq!(
                policy
                    .problems()
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>(),
                ["warn_at_percent: must be from 1 to 99"]
            );
        }
        let empty = SlaPolicy {
            rules: Vec::new(),
            warn_at_percent: 80,
        };
        assert_eq!(
            empty.problems(),
            [SettingProblem::new("rules", SettingReason::Empty)]
        );
    }

    #[test]
    fn the_first_matching_rule_decides() {
        let policy = SlaPolicy::standard();
        assert_eq!(
            policy
                .rule_for(Priority::Urgent, "billing", "VIP")
                .unwrap()
                .name,
            "vip-urgent"
        );
        assert_eq!(
            policy
                .rule_for(Priority::Urgent, "billing", "")
                .unwrap()
                .name,
            "urgent"
        );
        assert_eq!(policy.rule_for(Priority::Low, "x", "").unwrap().name, "low");
        let normal = policy.rule_for(Priority::Normal, "x", "").unwrap();
        assert_eq!(normal.target_ms(SlaMetric::FirstResponse), 4 * 3_600_000);
        assert_eq!(policy.warn_after_ms(100_000), Some(80_000));
        assert_eq!(Priority::parse("high"), Some(Priority::High));
    }
}
