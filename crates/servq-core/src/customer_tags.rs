//! Rule tags of customers (`docs/customers.md#rule-tags`): tags the centre does not type but
//! computes — `frequent` (≥ 3 contacts in 7 days), `complained_90d`, `unsatisfied_last_survey`,
//! `vip` — from rules it can edit. Evaluated every day and when a customer's history changes;
//! a tag holds while its condition does.

use serde::{Deserialize, Serialize};

use crate::{SettingProblem, SettingReason, customer::MAX_TAG_CHARS};

const DAY_MS: i64 = 24 * 3600 * 1000;

/// What makes a rule's tag hold for a customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TagCondition {
    /// At least `contacts` contacts (any channel or category, answered or not) in the last
    /// `days` days.
    Frequent {
        /// How many contacts.
        contacts: u32,
        /// Within how many days.
        days: u32,
    },
    /// A complaint ticket opened in the last `days` days.
    ComplainedWithin {
        /// How many days back.
        days: u32,
    },
    /// The customer's latest CSAT answer was at most `csat_at_most` (1–5).
    UnsatisfiedLastSurvey {
        /// The highest unsatisfied score.
        csat_at_most: u8,
    },
    /// The profile's segment is `segment`.
    Segment {
        /// The segment's name, as in the profile.
        segment: String,
    },
}

impl TagCondition {
    /// The kind's name, as the JSON writes it and the catalogue keys it.
    pub fn kind(&self) -> &'static str {
        match self {
            TagCondition::Frequent { .. } => "frequent",
            TagCondition::ComplainedWithin { .. } => "complained_within",
            TagCondition::UnsatisfiedLastSurvey { .. } => "unsatisfied_last_survey",
            TagCondition::Segment { .. } => "segment",
        }
    }
}

/// One rule: the tag it gives and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TagRule {
    /// The tag given (shown beside the typed tags, marked as computed).
    pub tag: String,
    /// When it holds.
    pub condition: TagCondition,
    /// A rule switched off gives its tag to nobody.
    #[serde(default = "enabled")]
    pub enabled: bool,
}

fn enabled() -> bool {
    true
}

/// The rules a centre starts with.
pub fn default_tag_rules() -> Vec<TagRule> {
    let rule = |tag: &str, condition| TagRule {
        tag: tag.to_owned(),
        condition,
        enabled: true,
    };
    vec![
        rule(
            "frequent",
            TagCondition::Frequent {
                contacts: 3,
                days: 7,
            },
        ),
        rule(
            "complained_90d",
            TagCondition::ComplainedWithin { days: 90 },
        ),
        rule(
            "unsatisfied_last_survey",
            TagCondition::UnsatisfiedLastSurvey { csat_at_most: 2 },
        ),
        rule(
            "vip",
            TagCondition::Segment {
                segment: "VIP".to_owned(),
            },
        ),
    ]
}

/// Most rules a centre keeps.
pub const MAX_TAG_RULES: usize = 30;
/// Longest look-back of a rule, in days (ten years).
pub const MAX_RULE_DAYS: u32 = 3650;

/// Checks a rule set: tags non-empty, at most 32 characters, without `;`, each
/// once; counts, days and scores in range; a segment named. Problems are at `{rule}.{field}`.
pub fn check_tag_rules(rules: &[TagRule]) -> Result<(), Vec<SettingProblem>> {
    let mut problems = Vec::new();
    let mut problem = |index: usize, field: &str, reason| {
        problems.push(SettingProblem::new(format!("{index}.{field}"), reason))
    };
    let range = |min: u32, max: u32| SettingReason::Range {
        min: min.to_string(),
        max: max.to_string(),
    };
    if rules.len() > MAX_TAG_RULES {
        problem(MAX_TAG_RULES, "tag", range(0, MAX_TAG_RULES as u32));
    }
    for (index, rule) in rules.iter().enumerate() {
        let tag = rule.tag.trim();
        if tag.is_empty() {
            problem(index, "tag", SettingReason::Required);
        } else if tag.chars().count() > MAX_TAG_CHARS || tag.contains([';', '；']) {
            problem(
                index,
                "tag",
                SettingReason::Other(format!(
                    "a tag is at most {MAX_TAG_CHARS} characters, without ';'"
                )),
            );
        } else if rules[..index].iter().any(|other| other.tag.trim() == tag) {
            problem(index, "tag", SettingReason::Duplicate(tag.to_owned()));
        }
        match &rule.condition {
            TagCondition::Frequent { contacts, days } => {
                if !(2..=1000).contains(contacts) {
                    problem(index, "condition.contacts", range(2, 1000));
                }
                if !(1..=MAX_RULE_DAYS).contains(days) {
                    problem(index, "condition.days", range(1, MAX_RULE_DAYS));
                }
            }
            TagCondition::ComplainedWithin { days } => {
                if !(1..=MAX_RULE_DAYS).contains(days) {
                    problem(index, "condition.days", range(1, MAX_RULE_DAYS));
                }
            }
            TagCondition::UnsatisfiedLastSurvey { csat_at_most } => {
                if !(1..=4).contains(csat_at_most) {
                    problem(index, "condition.csat_at_most", range(1, 4));
                }
            }
            TagCondition::Segment { segment } => {
                if segment.trim().is_empty() {
                    problem(index, "condition.segment", SettingReason::Required);
                }
            }
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

/// What the rules look at of one customer, as of a moment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TagFacts {
    /// Offered times of the customer's recent contacts (any order), UTC ms.
    pub contacts_ms: Vec<i64>,
    /// When their latest complaint ticket was opened.
    pub last_complaint_ms: Option<i64>,
    /// Their latest CSAT answer (1–5).
    pub last_csat: Option<i64>,
    /// The profile's segment ('' without a profile).
    pub segment: String,
}

/// How far back the rules look, in ms: what the store must read for `contacts_ms` and
/// `last_complaint_ms`.
pub fn look_back_ms(rules: &[TagRule]) -> (i64, i64) {
    let mut contacts = 0;
    let mut complaints = 0;
    for rule in rules.iter().filter(|rule| rule.enabled) {
        match rule.condition {
            TagCondition::Frequent { days, .. } => {
                contacts = contacts.max(i64::from(days) * DAY_MS)
            }
            TagCondition::ComplainedWithin { days } => {
                complaints = complaints.max(i64::from(days) * DAY_MS)
            }
            _ => {}
        }
    }
    (contacts, complaints)
}

/// The tags `rules` give a customer with `facts` at `now_ms`, in rule order. A window is the
/// last `days` × 24 h up to now, its start included.
pub fn rule_tags(rules: &[TagRule], facts: &TagFacts, now_ms: i64) -> Vec<String> {
    rules
        .iter()
        .filter(|rule| rule.enabled)
        .filter(|rule| match &rule.condition {
            TagCondition::Frequent { contacts, days } => {
                let since = now_ms - i64::from(*days) * DAY_MS;
                let within = facts
                    .contacts_ms
                    .iter()
                    .filter(|at| (since..=now_ms).contains(*at))
                    .count();
                within >= *contacts as usize
            }
            TagCondition::ComplainedWithin { days } => facts
                .last_complaint_ms
                .is_some_and(|at| at >= now_ms - i64::from(*days) * DAY_MS && at <= now_ms),
            TagCondition::UnsatisfiedLastSurvey { csat_at_most } => facts
                .last_csat
                .is_some_and(|csat| csat <= i64::from(*csat_at_most)),
            TagCondition::Segment { segment } => {
                !facts.segment.is_empty() && facts.segment.trim() == segment.trim()
            }
        })
        .map(|rule| rule.tag.trim().to_owned())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_800_000_000_000;

    #[test]
    fn the_default_rules_tag_by_their_written_conditions() {
        let rules = default_tag_rules();
        assert!(check_tag_rules(&rules).is_ok());
        // three contacts in 7 days (the oldest exactly 7 days ago), a complaint 90 days ago,
        // last CSAT 2, segment VIP
        let facts = TagFacts {
            contacts_ms: vec![NOW - 7 * DAY_MS, NOW - DAY_MS, NOW - 60_000],
            last_complaint_ms: Some(NOW - 90 * DAY_MS),
            last_csat: Some(2),
            segment: "VIP".to_owned(),
        };
        assert_eq!(
            rule_tags(&rules, &facts, NOW),
            [
                "frequent",
                "complained_90d",
                "unsatisfied_last_survey",
                "vip"
            ]
        );
        // a millisecond later each window has moved past its oldest event
        let facts = TagFacts {
            contacts_ms: vec![NOW - 7 * DAY_MS - 1, NOW - DAY_MS, NOW - 60_000],
            last_complaint_ms: Some(NOW - 90 * DAY_MS - 1),
            last_csat: Some(3),
            segment: "vip-2".to_owned(),
        };
        assert!(rule_tags(&rules, &facts, NOW).is_empty());
        assert!(rule_tags(&rules, &TagFacts::default(), NOW).is_empty());
    }

    #[test]
    fn a_disabled_rule_gives_nothing_and_bad_rules_are_named() {
        let mut rules = default_tag_rules();
        rules[3].enabled = false;
        let vip = TagFacts {
            segment: "VIP".to_owned(),
            ..TagFacts::default()
        };
        assert!(rule_tags(&rules, &vip, NOW).is_empty());
        rules.push(TagRule {
            tag: "frequent".to_owned(),
            condition: TagCondition::Frequent {
                contacts: 1,
                days: 0,
            },
            enabled: true,
        });
        let problems = check_tag_rules(&rules).unwrap_err();
        let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(
            fields,
            ["4.tag", "4.condition.contacts", "4.condition.days"]
        );
    }

    #[test]
    fn rules_read_from_the_json_the_settings_keep() {
        let text = r#"[{"tag":"常客","condition":{"kind":"frequent","contacts":5,"days":30}}]"#;
        let rules: Vec<TagRule> = serde_json::from_str(text).unwrap();
        assert_eq!(rules[0].condition.kind(), "frequent");
        assert!(rules[0].enabled);
        assert_eq!(look_back_ms(&rules), (30 * DAY_MS, 0));
    }
}

/// How much each sign of an unhappy customer weighs in the at-risk score (`docs/customers.md#at-risk`):
/// a complaint ticket, a survey answer with CSAT ≤ 2, a contact repeated within the FCR window.
pub const RISK_WEIGHTS: RiskCounts = RiskCounts {
    complaints: 3,
    unsatisfied: 2,
    repeats: 1,
};

/// Days of one at-risk period: the score of the last 30 days against the 30 before.
pub const RISK_PERIOD_DAYS: i64 = 30;

/// A customer at risk scores at least this now, and more than in the period before.
pub const RISK_MIN_SCORE: i64 = 3;

/// The signs counted for one customer in one period.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RiskCounts {
    /// Complaint tickets opened.
    pub complaints: i64,
    /// Survey answers with CSAT ≤ 2.
    pub unsatisfied: i64,
    /// Answered contacts followed by another within the FCR window.
    pub repeats: i64,
}

impl RiskCounts {
    /// The weighted sum ([`RISK_WEIGHTS`]).
    pub fn score(&self) -> i64 {
        self.complaints * RISK_WEIGHTS.complaints
            + self.unsatisfied * RISK_WEIGHTS.unsatisfied
            + self.repeats * RISK_WEIGHTS.repeats
    }
}

/// One customer's signs, as stored: complaint times, unsatisfied answer times, contacts
/// (offered, answered) in any order, UTC ms.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RiskEvents {
    /// When their complaint tickets were opened.
    pub complaints_ms: Vec<i64>,
    /// When they answered a survey with CSAT ≤ 2.
    pub unsatisfied_ms: Vec<i64>,
    /// Their contacts: offered time and whether answered.
    pub contacts: Vec<(i64, bool)>,
}

/// The signs in `[from_ms, to_ms)`; a contact counts as repeated when answered in the period and
/// followed by their next contact within `window_ms` ([`crate::repeated_within`]).
pub fn risk_counts(
    events: &RiskEvents,
    (from_ms, to_ms): (i64, i64),
    window_ms: i64,
) -> RiskCounts {
    let within = |at: &&i64| (from_ms..to_ms).contains(*at);
    let mut contacts = events.contacts.clone();
    contacts.sort_unstable();
    let repeats = crate::answered_repeats(&contacts, window_ms)
        .filter(|(at, repeated)| *repeated && (from_ms..to_ms).contains(at))
        .count() as i64;
    RiskCounts {
        complaints: events.complaints_ms.iter().filter(within).count() as i64,
        unsatisfied: events.unsatisfied_ms.iter().filter(within).count() as i64,
        repeats,
    }
}

#[cfg(test)]
mod risk_tests {
    use super::*;

    #[test]
    fn the_score_weighs_each_sign_and_counts_only_its_period() {
        let day = DAY_MS;
        let now = 100 * day;
        let events = RiskEvents {
            complaints_ms: vec![now - day, now - 40 * day],
            unsatisfied_ms: vec![now - 2 * day],
            // a repeat inside the period (2 days apart), one whose next came 8 days later, one
            // unanswered followed at once
            contacts: vec![
                (now - 10 * day, true),
                (now - 8 * day, true),
                (now, true),
                (now - 50 * day, false),
                (now - 50 * day + 1, true),
            ],
        };
        let period = (now - 30 * day, now);
        let counts = risk_counts(&events, period, 7 * day);
        assert_eq!(
            counts,
            RiskCounts {
                complaints: 1,
                unsatisfied: 1,
                repeats: 1
            }
        );
        assert_eq!(counts.score(), 3 + 2 + 1);
        let before = risk_counts(&events, (now - 60 * day, now - 30 * day), 7 * day);
        assert_eq!(before.complaints, 1);
        assert_eq!(
            before.repeats, 0,
            "the unanswered contact is no repeat of its own"
        );
    }
}
