//! The work plan's risk register and emergency plans (`docs/risks.md`): risks rated likelihood ×
//! impact on 1–5 scales, the level bands of the 5 × 5 matrix, the four treatments; emergency plans
//! whose steps follow the plan's cycle (warning & monitoring → response → recovery → review); drills
//! and the reminders before and after their date. No IO.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::{SettingProblem, SettingReason};

/// Declares a closed list of stored names: `ALL`, `name()` and `parse()`.
macro_rules! named {
    ($(#[$meta:meta])* $vis:vis enum $name:ident { $($(#[$vmeta:meta])* $variant:ident => $text:literal,)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        $vis enum $name { $($(#[$vmeta])* $variant,)+ }

        impl $name {
            /// Every value, in the order pages list them.
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            /// The stored and written name.
            pub fn name(self) -> &'static str {
                match self { $($name::$variant => $text,)+ }
            }

            /// The value called `name`.
            pub fn parse(name: &str) -> Option<$name> {
                $name::ALL.iter().copied().find(|value| value.name() == name.trim())
            }
        }
    };
}

named! {
    /// What kind of risk: the work plan's four and a catch-all.
    pub enum RiskCategory {
        /// Systems and equipment fail (telephony, CRM, power).
        TechnicalFailure => "technical_failure",
        /// Customer data leaks or is misused (privacy).
        InformationSecurity => "information_security",
        /// Too few people, or people without the skills, for the load.
        StaffCapability => "staff_capability",
        /// The network or the carrier's lines go down.
        NetworkOutage => "network_outage",
        /// Anything else.
        Other => "other",
    }
}

named! {
    /// What the centre does about a risk.
    pub enum RiskTreatment {
        /// Reduce its likelihood or impact with controls.
        Mitigate => "mitigate",
        /// Live with it, knowingly.
        Accept => "accept",
        /// Hand it to someone else (insurance, a supplier's contract).
        Transfer => "transfer",
        /// Stop doing what causes it.
        Avoid => "avoid",
    }
}

named! {
    /// Whether a risk is still watched.
    pub enum RiskStatus {
        /// On the register, reviewed on its date.
        Open => "open",
        /// No longer relevant (kept for the record).
        Closed => "closed",
    }
}

named! {
    /// The band of a score on the 5 × 5 matrix.
    pub enum RiskLevel {
        /// 1–4: watch.
        Low => "low",
        /// 5–9: controls and an owner.
        Medium => "medium",
        /// 10–16: act soon, management attention.
        High => "high",
        /// 20–25: act now.
        Extreme => "extreme",
    }
}

impl RiskLevel {
    /// The lowest and highest score of the band (the products 1–25 can reach).
    pub fn bounds(self) -> (u8, u8) {
        match self {
            RiskLevel::Low => (1, 4),
            RiskLevel::Medium => (5, 9),
            RiskLevel::High => (10, 16),
            RiskLevel::Extreme => (20, 25),
        }
    }

    /// The band of `score` (likelihood × impact, 1–25).
    pub fn of(score: u8) -> RiskLevel {
        RiskLevel::ALL
            .iter()
            .copied()
            .find(|level| score <= level.bounds().1)
            .unwrap_or(RiskLevel::Extreme)
    }
}

/// The largest likelihood or impact.
pub const MAX_RATING: u8 = 5;

/// A likelihood or impact of `field`: a whole number 1–5.
pub fn rating(field: &str, value: i64) -> Result<u8, SettingProblem> {
    u8::try_from(value)
        .ok()
        .filter(|v| (1..=MAX_RATING).contains(v))
        .ok_or_else(|| {
            SettingProblem::new(
                field,
                SettingReason::Range {
                    min: "1".to_owned(),
                    max: MAX_RATING.to_string(),
                },
            )
        })
}

/// A risk's score: likelihood × impact.
pub fn risk_score(likelihood: u8, impact: u8) -> u8 {
    likelihood * impact
}

/// How many risks sit in each cell of the matrix: `cells[impact − 1][likelihood − 1]`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HeatMap {
    /// Counts by impact (row) and likelihood (column), both from 1.
    pub cells: [[u32; 5]; 5],
}

impl HeatMap {
    /// The matrix of `ratings` (likelihood, impact); ratings outside 1–5 are not counted.
    pub fn of(ratings: impl IntoIterator<Item = (u8, u8)>) -> HeatMap {
        let mut map = HeatMap::default();
        for (likelihood, impact) in ratings {
            if (1..=MAX_RATING).contains(&likelihood) && (1..=MAX_RATING).contains(&impact) {
                map.cells[usize::from(impact - 1)][usize::from(likelihood - 1)] += 1;
            }
        }
        map
    }

    /// The count at (likelihood, impact).
    pub fn count(&self, likelihood: u8, impact: u8) -> u32 {
        self.cells[usize::from(impact - 1)][usize::from(likelihood - 1)]
    }
}

named! {
    /// The phases of an emergency plan, in the order they happen.
    pub enum PlanPhase {
        /// Warning and monitoring: noticing it early.
        Warning => "warning",
        /// Response: containing it, keeping customers served.
        Response => "response",
        /// Recovery: back to normal service (the work plan: e.g. within 48 hours).
        Recovery => "recovery",
        /// Review: what to learn and change.
        Review => "review",
    }
}

/// One step of a plan: what a role does in a phase, and how long it may take.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanStep {
    /// warning, response, recovery or review.
    pub phase: String,
    /// Who does it (a role or post: duty manager, IT on call …).
    pub role: String,
    /// What they do.
    pub action: String,
    /// The time the step may take, in minutes.
    #[serde(default)]
    pub target_minutes: Option<u32>,
}

/// The longest a step may be planned or recorded to take: a week, in minutes.
pub const MAX_STEP_MINUTES: u32 = 7 * 24 * 60;

/// The longest recovery target, in hours (30 days).
pub const MAX_RECOVERY_HOURS: u32 = 720;

/// What is wrong with a plan's steps and recovery target: no step, a step without role or action
/// or with an unknown phase, steps out of the cycle's order, no response step, targets out of
/// range. Fields are `steps.N.role` etc.
pub fn check_plan(steps: &[PlanStep], recovery_hours: u32) -> Vec<SettingProblem> {
    let mut problems = Vec::new();
    if steps.is_empty() {
        problems.push(SettingProblem::new("steps", SettingReason::Empty));
    }
    let mut last_phase: Option<PlanPhase> = None;
    for (index, step) in steps.iter().enumerate() {
        let at = |field: &str| format!("steps.{index}.{field}");
        match PlanPhase::parse(&step.phase) {
            None => problems.push(SettingProblem::new(
                at("phase"),
                SettingReason::Unknown(step.phase.clone()),
            )),
            Some(phase) => {
                if last_phase.is_some_and(|last| phase < last) {
                    problems.push(SettingProblem::new(
                        at("phase"),
                        SettingReason::Coded {
                            code: "plan_phase_order",
                            values: vec![("value", step.phase.clone())],
                            english: format!(
                                "'{}' comes before the phase of the step above it: steps follow \
                                 warning → response → recovery → review",
                                step.phase
                            ),
                        },
                    ));
                }
                last_phase = Some(last_phase.map_or(phase, |last| last.max(phase)));
            }
        }
        if step.role.trim().is_empty() {
            problems.push(SettingProblem::new(at("role"), SettingReason::Required));
        }
        if step.action.trim().is_empty() {
            problems.push(SettingProblem::new(at("action"), SettingReason::Required));
        }
        if step
            .target_minutes
            .is_some_and(|m| m == 0 || m > MAX_STEP_MINUTES)
        {
            problems.push(SettingProblem::new(
                at("target_minutes"),
                SettingReason::Range {
                    min: "1".to_owned(),
                    max: MAX_STEP_MINUTES.to_string(),
                },
            ));
        }
    }
    if !steps.is_empty()
        && !steps
            .iter()
            .any(|s| PlanPhase::parse(&s.phase) == Some(PlanPhase::Response))
    {
        problems.push(SettingProblem::new(
            "steps",
            SettingReason::Coded {
                code: "plan_no_response",
                values: Vec::new(),
                english: "a plan needs at least one response step".to_owned(),
            },
        ));
    }
    if recovery_hours == 0 || recovery_hours > MAX_RECOVERY_HOURS {
        problems.push(SettingProblem::new(
            "recovery_hours",
            SettingReason::Range {
                min: "1".to_owned(),
                max: MAX_RECOVERY_HOURS.to_string(),
            },
        ));
    }
    problems
}

/// The minutes a drill took from the first warning step to the end of recovery: the sum of the
/// recorded minutes of every warning, response and recovery step; `None` while one of them has
/// no time recorded.
pub fn time_to_recovery(steps: &[PlanStep], minutes: &[Option<u32>]) -> Option<u32> {
    steps
        .iter()
        .enumerate()
        .filter(|(_, step)| {
            PlanPhase::parse(&step.phase).is_some_and(|phase| phase != PlanPhase::Review)
        })
        .map(|(index, _)| minutes.get(index).copied().flatten())
        .sum()
}

named! {
    /// Where a drill stands.
    pub enum DrillStatus {
        /// On the calendar.
        Planned => "planned",
        /// Run and recorded.
        Done => "done",
        /// Called off (kept for the record).
        Cancelled => "cancelled",
    }
}

named! {
    /// Which reminder of a dated thing (a drill, a risk review) is due today.
    pub enum Reminder {
        /// It is coming (30 days ahead for drills, 7 for reviews).
        Ahead => "ahead",
        /// It is today.
        Today => "today",
        /// It is past and not done: the day after, then once a week.
        Overdue => "overdue",
    }
}

/// Days between overdue reminders: a weekly nudge, not a daily flood.
pub const OVERDUE_EVERY_DAYS: i64 = 7;

/// The reminder due `today` for something on `due` that is not yet done, told `ahead_days`
/// before: exactly `ahead_days` before, on the day, the day after and every
/// [`OVERDUE_EVERY_DAYS`] days after that; else none.
pub fn reminder(due: Date, today: Date, ahead_days: i64) -> Option<Reminder> {
    let days = (today - due).get_days();
    let days = i64::from(days);
    if days == 0 {
        Some(Reminder::Today)
    } else if days == -ahead_days && ahead_days > 0 {
        Some(Reminder::Ahead)
    } else if days > 0 && (days - 1) % OVERDUE_EVERY_DAYS == 0 {
        Some(Reminder::Overdue)
    } else {
        None
    }
}

/// Days before a drill its plan's owner is told.
pub const DRILL_AHEAD_DAYS: i64 = 30;

/// Days before a risk's review its owner is told.
pub const REVIEW_AHEAD_DAYS: i64 = 7;

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn levels_follow_the_published_5x5_bands() {
        // the bands of the common 5 × 5 matrix (e.g. ISO 31000 practice guides): 1–4 low,
        // 5–9 medium, 10–16 high, 20–25 extreme — every product of two ratings, by hand
        let expected: [[&str; 5]; 5] = [
            ["low", "low", "low", "low", "medium"],
            ["low", "low", "medium", "medium", "high"],
            ["low", "medium", "medium", "high", "high"],
            ["low", "medium", "high", "high", "extreme"],
            ["medium", "high", "high", "extreme", "extreme"],
        ];
        for likelihood in 1..=5u8 {
            for impact in 1..=5u8 {
                let level = RiskLevel::of(risk_score(likelihood, impact));
                assert_eq!(
                    level.name(),
                    expected[usize::from(likelihood - 1)][usize::from(impact - 1)],
                    "{likelihood} × {impact}"
                );
            }
        }
    }

    #[test]
    fn ratings_are_one_to_five() {
        assert_eq!(rating("likelihood", 1), Ok(1));
        assert_eq!(rating("likelihood", 5), Ok(5));
        for bad in [0, 6, -1, i64::MAX] {
            assert_eq!(rating("impact", bad).unwrap_err().field, "impact");
        }
    }

    #[test]
    fn heat_map_counts_each_cell() {
        let map = HeatMap::of([(1, 1), (5, 4), (5, 4), (3, 2), (0, 3), (6, 1)]);
        assert_eq!(map.count(5, 4), 2);
        assert_eq!(map.count(3, 2), 1);
        assert_eq!(map.count(1, 1), 1);
        assert_eq!(map.cells.iter().flatten().sum::<u32>(), 4);
    }

    fn step(phase: &str, role: &str, minutes: Option<u32>) -> PlanStep {
        PlanStep {
            phase: phase.to_owned(),
            role: role.to_owned(),
            action: "do it".to_owned(),
            target_minutes: minutes,
        }
    }

    #[test]
    fn plans_follow_the_cycle() {
        let good = [
            step("warning", "monitor", Some(5)),
            step("response", "duty manager", Some(15)),
            step("response", "IT", None),
            step("recovery", "IT", Some(600)),
            step("review", "manager", None),
        ];
        assert!(check_plan(&good, 48).is_empty());
        let fields = |steps: &[PlanStep], hours| {
            check_plan(steps, hours)
                .into_iter()
                .map(|p| format!("{}:{}", p.field, p.reason.code()))
                .collect::<Vec<_>>()
        };
        assert_eq!(fields(&[], 48), ["steps:empty"]);
        assert_eq!(
            fields(
                &[
                    step("recovery", "IT", None),
                    step("response", "", Some(0)),
                    step("later", "x", None)
                ],
                0
            ),
            [
                "steps.1.phase:plan_phase_order",
                "steps.1.role:required",
                "steps.1.target_minutes:range",
                "steps.2.phase:unknown",
                "recovery_hours:range"
            ]
        );
        assert_eq!(
            fields(&[step("warning", "a", None)], 48),
            ["steps:plan_no_response"]
        );
    }

    #[test]
    fn time_to_recovery_sums_until_review() {
        let steps = [
            step("warning", "a", None),
            step("response", "b", None),
            step("recovery", "c", None),
            step("review", "d", None),
        ];
        assert_eq!(
            time_to_recovery(&steps, &[Some(5), Some(20), Some(100), None]),
            Some(125)
        );
        assert_eq!(time_to_recovery(&steps, &[Some(5), None, Some(100)]), None);
    }

    #[test]
    fn reminders_thirty_days_ahead_on_the_day_then_weekly() {
        let due = date(2027, 3, 15);
        let on = |d: Date| reminder(due, d, DRILL_AHEAD_DAYS);
        assert_eq!(on(date(2027, 2, 13)), Some(Reminder::Ahead)); // 30 days before
        assert_eq!(on(date(2027, 2, 14)), None);
        assert_eq!(on(date(2027, 2, 12)), None);
        assert_eq!(on(date(2027, 3, 15)), Some(Reminder::Today));
        assert_eq!(on(date(2027, 3, 16)), Some(Reminder::Overdue));
        assert_eq!(on(date(2027, 3, 17)), None);
        assert_eq!(on(date(2027, 3, 23)), Some(Reminder::Overdue));
        assert_eq!(on(date(2027, 3, 30)), Some(Reminder::Overdue));
        // no ahead reminder asked: only the day and after
        assert_eq!(reminder(due, date(2027, 3, 8), 0), None);
    }
}
