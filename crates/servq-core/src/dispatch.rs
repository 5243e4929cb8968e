//! When a closed contact gets a survey invitation (`docs/surveys.md#dispatch`): the first active
//! rule matching its channel and category decides the delay after closing, the sampling rate,
//! quiet hours (no invitation is created then; the contact waits for the quiet hours to end), the
//! minimum days between two surveys to one customer, the link's lifetime and how it is sent.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::{SettingProblem, SettingReason};

/// How an invitation's link reaches the customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SendVia {
    /// An e-mail text.
    Email,
    /// An SMS text.
    Sms,
    /// A JSON payload for another system.
    Webhook,
}

impl SendVia {
    /// Stored name.
    pub fn name(self) -> &'static str {
        match self {
            SendVia::Email => "email",
            SendVia::Sms => "sms",
            SendVia::Webhook => "webhook",
        }
    }

    /// `email`, `sms` or `webhook`.
    pub fn parse(name: &str) -> Option<SendVia> {
        [SendVia::Email, SendVia::Sms, SendVia::Webhook]
            .into_iter()
            .find(|via| via.name() == name)
    }
}

/// A dispatch rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DispatchRule {
    /// Id.
    pub rule_id: String,
    /// The survey template sent.
    pub template_id: String,
    /// Channels it applies to; empty = every channel.
    #[serde(default)]
    pub channels: Vec<String>,
    /// Categories it applies to; empty = every category.
    #[serde(default)]
    pub categories: Vec<String>,
    /// Minutes after the contact closed (ended + wrap-up) before the invitation is created.
    pub delay_minutes: u32,
    /// Share of matching contacts surveyed, 0–100 %; the same contact is always in or out.
    pub sample_percent: u8,
    /// Quiet hours in the centre's zone, minutes after midnight `[start, end)`; may wrap past
    /// midnight (22:00–08:00); `None` = none.
    #[serde(default)]
    pub quiet_hours: Option<(u16, u16)>,
    /// A customer surveyed within this many days gets no new survey.
    pub no_repeat_days: u32,
    /// Hours the link stays valid.
    pub expiry_hours: u32,
    /// How the link is sent.
    pub send_via: SendVia,
    /// Language of the message and the survey page (`en`, `zh-CN`, `zh-TW`).
    #[serde(default = "default_locale")]
    pub locale: String,
    /// Inactive rules are skipped.
    pub active: bool,
}

/// A closed contact that may be surveyed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SurveyCandidate {
    /// The contact.
    pub contact_id: String,
    /// The customer (contacts without one cannot be surveyed).
    pub customer_id: String,
    /// Channel.
    pub channel: String,
    /// Category.
    pub category: String,
    /// When it closed (ended + wrap-up), UTC ms.
    pub closed_ms: i64,
    /// The customer has a complaint ticket not yet resolved: they are not surveyed (asking how
    /// satisfied they are while their complaint is open only angers them; the complaint's own
    /// return visit asks).
    pub open_complaint: bool,
}

fn default_locale() -> String {
    "zh-CN".to_owned()
}

const MINUTE_MS: i64 = 60_000;
const DAY_MS: i64 = 24 * 60 * MINUTE_MS;

impl DispatchRule {
    /// Every problem of the values a user typed, each at its field (`sample_percent`).
    pub fn problems(&self) -> Vec<SettingProblem> {
        let mut problems = Vec::new();
        for (field, value) in [
            ("rule_id", &self.rule_id),
            ("template_id", &self.template_id),
        ] {
            if value.trim().is_empty() {
                problems.push(SettingProblem::new(field, SettingReason::Required));
            }
        }
        if self.sample_percent > 100 {
            problems.push(SettingProblem::new(
                "sample_percent",
                SettingReason::Range {
                    min: "0".into(),
                    max: "100".into(),
                },
            ));
        }
        if let Some((start, end)) = self.quiet_hours
            && (start >= 1440 || end >= 1440)
        {
            problems.push(SettingProblem::new(
                "quiet_hours",
                SettingReason::WrappingSpan(format!("{start}-{end}")),
            ));
        }
        if self.expiry_hours == 0 {
            problems.push(SettingProblem::new(
                "expiry_hours",
                SettingReason::AtLeast("1".into()),
            ));
        }
        if !["en", "zh-CN", "zh-TW"].contains(&self.locale.as_str()) {
            problems.push(SettingProblem::new(
                "locale",
                SettingReason::Unknown(self.locale.clone()),
            ));
        }
        problems
    }

    /// Whether the rule applies to the contact's channel and category.
    pub fn applies_to(&self, candidate: &SurveyCandidate) -> bool {
        let listed = |list: &[String], value: &str| {
            list.is_empty() || list.iter().any(|item| item.eq_ignore_ascii_case(value))
        };
        self.active
            && listed(&self.channels, &candidate.channel)
            && listed(&self.categories, &candidate.category)
    }

    /// Whether `local_minute` (after midnight, centre zone) falls in the quiet hours.
    pub fn is_quiet(&self, local_minute: u16) -> bool {
        match self.quiet_hours {
            None => false,
            Some((start, end)) if start <= end => (start..end).contains(&local_minute),
            Some((start, end)) => local_minute >= start || local_minute < end,
        }
    }

    /// Whether the contact is in the sample: a stable hash of its id (FNV-1a) modulo 100 is below
    /// the rate, so every server instance and every run decides the same.
    pub fn samples(&self, contact_id: &str) -> bool {
        let hash = contact_id
            .bytes()
            .fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
                (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
            });
        hash % 100 < u64::from(self.sample_percent)
    }

    /// When an invitation created at `now_ms` expires.
    pub fn expires_ms(&self, now_ms: i64) -> i64 {
        now_ms + i64::from(self.expiry_hours) * 60 * MINUTE_MS
    }
}

/// Chooses the contacts to invite now and the rule for each: for each candidate (oldest close
/// first) the first rule that applies; it is invited when the rule's delay has passed, it is not
/// quiet time, it is in the sample and its customer had no invitation within the rule's
/// no-repeat days (counting invitations chosen in this same run). `last_invited` maps customers
/// to their latest invitation time. Returns (candidate index, rule index) pairs.
pub fn choose_invitations(
    rules: &[DispatchRule],
    candidates: &[SurveyCandidate],
    last_invited: &HashMap<String, i64>,
    now_ms: i64,
    local_minute: u16,
) -> Vec<(usize, usize)> {
    let mut order: Vec<usize> = (0..candidates.len()).collect();
    order.sort_by_key(|&index| (candidates[index].closed_ms, index));
    let mut chosen_now: HashMap<&str, i64> = HashMap::new();
    let mut chosen = Vec::new();
    for index in order {
        let candidate = &candidates[index];
        let Some(rule_index) = rules.iter().position(|rule| rule.applies_to(candidate)) else {
            continue;
        };
        let rule = &rules[rule_index];
        let due = candidate.closed_ms + i64::from(rule.delay_minutes) * MINUTE_MS <= now_ms;
        let last = chosen_now
            .get(candidate.customer_id.as_str())
            .or_else(|| last_invited.get(&candidate.customer_id))
            .copied();
        let repeat = last.is_some_and(|at| now_ms - at < i64::from(rule.no_repeat_days) * DAY_MS);
        if due
            && !candidate.open_complaint
            && !rule.is_quiet(local_minute)
            && rule.samples(&candidate.contact_id)
            && !repeat
        {
            chosen_now.insert(&candidate.customer_id, now_ms);
            chosen.push((index, rule_index));
        }
    }
    chosen
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule() -> DispatchRule {
        DispatchRule {
            rule_id: "after-call".into(),
            template_id: "standard".into(),
            channels: vec!["voice".into()],
            categories: Vec::new(),
            delay_minutes: 10,
            sample_percent: 100,
            quiet_hours: Some((22 * 60, 8 * 60)),
            no_repeat_days: 7,
            expiry_hours: 72,
            send_via: SendVia::Sms,
            locale: "zh-CN".into(),
            active: true,
        }
    }

    fn candidate(contact: &str, customer: &str, channel: &str, closed_ms: i64) -> SurveyCandidate {
        SurveyCandidate {
            contact_id: contact.into(),
            customer_id: customer.into(),
            channel: channel.into(),
            category: "billing".into(),
            closed_ms,
            open_complaint: false,
        }
    }

    #[test]
    fn a_customer_with_an_open_complaint_is_not_surveyed() {
        let now = 100 * DAY_MS;
        let complaining = SurveyCandidate {
            open_complaint: true,
            ..candidate("c1", "u1", "voice", now - DAY_MS)
        };
        let calm = candidate("c2", "u2", "voice", now - DAY_MS);
        let candidates = [complaining, calm];
        let chosen = choose_invitations(&[rule()], &candidates, &HashMap::new(), now, 12 * 60);
        assert_eq!(chosen, [(1, 0)]);
    }

    #[test]
    fn delay_channel_repeat_and_quiet_hours() {
        let now = 100 * DAY_MS;
        let candidates = [
            candidate("c1", "u1", "voice", now - 11 * MINUTE_MS),
            // the same customer again in this run: not twice
            candidate("c2", "u1", "voice", now - 10 * MINUTE_MS),
            // closed 9 minutes ago: not yet due
            candidate("c3", "u2", "voice", now - 9 * MINUTE_MS),
            // chat: no rule applies
            candidate("c4", "u3", "chat", now - DAY_MS),
            // surveyed 6 days 23 h ago: within 7 days
            candidate("c5", "u4", "voice", now - DAY_MS),
            // surveyed exactly 7 days ago: may be surveyed again
            candidate("c6", "u5", "voice", now - DAY_MS),
        ];
        let last: HashMap<String, i64> = [
            ("u4".to_owned(), now - 7 * DAY_MS + 3_600_000),
            ("u5".to_owned(), now - 7 * DAY_MS),
        ]
        .into();
        let noon = 12 * 60;
        let chosen = choose_invitations(&[rule()], &candidates, &last, now, noon);
        let ids: Vec<&str> = chosen
            .iter()
            .map(|&(index, _)| candidates[index].contact_id.as_str())
            .collect();
        assert_eq!(ids, ["c6", "c1"]);
        // 23:30 and 07:59 are quiet (the window wraps midnight); 08:00 is not
        for quiet in [23 * 60 + 30, 7 * 60 + 59] {
            assert!(choose_invitations(&[rule()], &candidates, &last, now, quiet).is_empty());
        }
        assert_eq!(
            choose_invitations(&[rule()], &candidates, &last, now, 8 * 60).len(),
            2
        );
    }

    #[test]
    fn sampling_is_stable_and_near_the_rate() {
        let half = DispatchRule {
            sample_percent: 30,
            ..rule()
        };
        let picked = (0..10_000)
            .filter(|n| half.samples(&format!("C{n:06}")))
            .count();
        assert!((2_800..3_200).contains(&picked), "{picked}");
        assert_eq!(half.samples("C000042"), half.samples("C000042"));
        let none = DispatchRule {
            sample_percent: 0,
            ..rule()
        };
        assert!(!(0..1000).any(|n| none.samples(&n.to_string())));
    }

    #[test]
    fn rules_are_checked() {
        assert_eq!(
            DispatchRule {
                sample_percent: 101,
                ..rule()
            }
            .problems()[0]
                .field,
            "sample_percent"
        );
        assert_eq!(
            DispatchRule {
                quiet_hours: Some((0, 1440)),
                ..rule()
            }
            .problems()[0]
                .field,
            "quiet_hours"
        );
        assert_eq!(rule().problems(), Vec::new());
    }
}
