//! The improvement loop's problems (`docs/problems.md`): the four classes of the quality toolkit
//! and the life cycle a problem moves through — open → analysing → acting → verifying → closed,
//! back to acting when a fix did not hold, reopened when a closed one returns.

/// What kind of problem (the toolkit's four classes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProblemClass {
    /// Slow response, long queues, no out-of-hours cover.
    ResponseEfficiency,
    /// Knowledge gaps, cumbersome process, poor cross-department work.
    ProblemSolving,
    /// Stiff tone, no empathy, no proactive follow-up.
    Attitude,
    /// Repeated data entry, customers repeating themselves, unclear guidance.
    ProcessDesign,
}

impl ProblemClass {
    /// Every class, in the toolkit's order.
    pub const ALL: [ProblemClass; 4] = [
        ProblemClass::ResponseEfficiency,
        ProblemClass::ProblemSolving,
        ProblemClass::Attitude,
        ProblemClass::ProcessDesign,
    ];

    /// The stored and written name.
    pub fn name(self) -> &'static str {
        match self {
            ProblemClass::ResponseEfficiency => "response_efficiency",
            ProblemClass::ProblemSolving => "problem_solving",
            ProblemClass::Attitude => "attitude",
            ProblemClass::ProcessDesign => "process_design",
        }
    }

    /// The class called `name`.
    pub fn parse(name: &str) -> Option<ProblemClass> {
        ProblemClass::ALL
            .into_iter()
            .find(|c| c.name() == name.trim())
    }
}

/// Where a problem stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProblemStatus {
    /// Recorded, nobody on it yet.
    Open,
    /// Finding the root cause.
    Analysing,
    /// Actions under way.
    Acting,
    /// Checking that the fix holds.
    Verifying,
    /// Fixed and verified.
    Closed,
    /// A closed problem that came back.
    Reopened,
}

impl ProblemStatus {
    /// Every status, in life-cycle order.
    pub const ALL: [ProblemStatus; 6] = [
        ProblemStatus::Open,
        ProblemStatus::Analysing,
        ProblemStatus::Acting,
        ProblemStatus::Verifying,
        ProblemStatus::Closed,
        ProblemStatus::Reopened,
    ];

    /// The stored and written name.
    pub fn name(self) -> &'static str {
        match self {
            ProblemStatus::Open => "open",
            ProblemStatus::Analysing => "analysing",
            ProblemStatus::Acting => "acting",
            ProblemStatus::Verifying => "verifying",
            ProblemStatus::Closed => "closed",
            ProblemStatus::Reopened => "reopened",
        }
    }

    /// The status called `name`.
    pub fn parse(name: &str) -> Option<ProblemStatus> {
        ProblemStatus::ALL
            .into_iter()
            .find(|s| s.name() == name.trim())
    }

    /// The statuses a problem may move to from this one: one step forward; a fix that did not
    /// hold goes from verifying back to acting; a closed problem can only be reopened, and a
    /// reopened one is analysed or acted on again. Closing needs verifying first, so "closed"
    /// in the register always means fixed and checked.
    pub fn next(self) -> &'static [ProblemStatus] {
        match self {
            ProblemStatus::Open => &[ProblemStatus::Analysing],
            ProblemStatus::Analysing => &[ProblemStatus::Acting],
            ProblemStatus::Acting => &[ProblemStatus::Verifying],
            ProblemStatus::Verifying => &[ProblemStatus::Closed, ProblemStatus::Acting],
            ProblemStatus::Closed => &[ProblemStatus::Reopened],
            ProblemStatus::Reopened => &[ProblemStatus::Analysing, ProblemStatus::Acting],
        }
    }

    /// Whether the problem still needs work (not closed).
    pub fn is_open(self) -> bool {
        self != ProblemStatus::Closed
    }
}

/// The fishbone's default categories (the toolkit's four branches).
pub const FISHBONE_CATEGORIES: [&str; 4] = ["people", "process", "technology", "resources"];

/// How sure the team is that a fishbone cause is behind the problem.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Likelihood {
    /// Could be.
    Possible,
    /// Probably is.
    Likely,
    /// Shown by evidence.
    Confirmed,
}

/// One step of a 5-Why chain.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct WhyStep {
    /// The question.
    pub why: String,
    /// The answer (the next step asks why of it).
    pub because: String,
}

/// A cause on the fishbone.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FishboneCause {
    /// The branch (one of the analysis' categories).
    pub category: String,
    /// The cause.
    pub cause: String,
    /// How sure.
    pub likelihood: Likelihood,
    /// What shows it.
    #[serde(default)]
    pub evidence: String,
}

/// A problem's root-cause analysis: a 5-Why chain with its root marked, and a fishbone.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RootCauseAnalysis {
    /// The chain, in order.
    #[serde(default)]
    pub whys: Vec<WhyStep>,
    /// The step (index into `whys`) whose answer is the root cause.
    #[serde(default)]
    pub root: Option<usize>,
    /// The fishbone's branches (editable; default people, process, technology, resources).
    #[serde(default = "default_categories")]
    pub categories: Vec<String>,
    /// The causes on it.
    #[serde(default)]
    pub causes: Vec<FishboneCause>,
}

fn default_categories() -> Vec<String> {
    FISHBONE_CATEGORIES.iter().map(|c| c.to_string()).collect()
}

impl Default for RootCauseAnalysis {
    fn default() -> Self {
        RootCauseAnalysis {
            whys: Vec::new(),
            root: None,
            categories: default_categories(),
            causes: Vec::new(),
        }
    }
}

/// The longest chain or cause list an analysis holds.
pub const MAX_ANALYSIS_ROWS: usize = 30;

impl RootCauseAnalysis {
    /// Every problem, with the field it concerns (`whys.2.because`, `causes.0.category`).
    pub fn problems(&self) -> Vec<crate::SettingProblem> {
        use crate::{SettingProblem, SettingReason};
        let mut problems = Vec::new();
        if self.whys.len() > MAX_ANALYSIS_ROWS || self.causes.len() > MAX_ANALYSIS_ROWS {
            problems.push(SettingProblem::new(
                "whys",
                SettingReason::Range {
                    min: "0".into(),
                    max: MAX_ANALYSIS_ROWS.to_string(),
                },
            ));
        }
        for (index, step) in self.whys.iter().enumerate() {
            if step.why.trim().is_empty() {
                problems.push(SettingProblem::new(
                    format!("whys.{index}.why"),
                    SettingReason::Required,
                ));
            }
            if step.because.trim().is_empty() {
                problems.push(SettingProblem::new(
                    format!("whys.{index}.because"),
                    SettingReason::Required,
                ));
            }
        }
        if let Some(root) = self.root
            && root >= self.whys.len()
        {
            problems.push(SettingProblem::new(
                "root",
                SettingReason::Unknown(root.to_string()),
            ));
        }
        let mut seen = std::collections::HashSet::new();
        for (index, category) in self.categories.iter().enumerate() {
            if category.trim().is_empty() {
                problems.push(SettingProblem::new(
                    format!("categories.{index}"),
                    SettingReason::Required,
                ));
            } else if !seen.insert(category.trim()) {
                problems.push(SettingProblem::new(
                    format!("categories.{index}"),
                    SettingReason::Other(format!("'{}' is listed twice", category.trim())),
                ));
            }
        }
        for (index, cause) in self.causes.iter().enumerate() {
            if !self
                .categories
                .iter()
                .any(|c| c.trim() == cause.category.trim())
            {
                problems.push(SettingProblem::new(
                    format!("causes.{index}.category"),
                    SettingReason::Unknown(cause.category.clone()),
                ));
            }
            if cause.cause.trim().is_empty() {
                problems.push(SettingProblem::new(
                    format!("causes.{index}.cause"),
                    SettingReason::Required,
                ));
            }
        }
        problems
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_life_cycle_moves_one_step_and_closes_only_after_verifying() {
        assert_eq!(ProblemStatus::Open.next(), [ProblemStatus::Analysing]);
        assert!(
            !ProblemStatus::Acting
                .next()
                .contains(&ProblemStatus::Closed)
        );
        assert!(
            ProblemStatus::Verifying
                .next()
                .contains(&ProblemStatus::Acting)
        );
        assert_eq!(ProblemStatus::Closed.next(), [ProblemStatus::Reopened]);
        for status in ProblemStatus::ALL {
            assert_eq!(ProblemStatus::parse(status.name()), Some(status));
        }
        for class in ProblemClass::ALL {
            assert_eq!(ProblemClass::parse(class.name()), Some(class));
        }
    }

    #[test]
    fn an_analysis_names_each_problem() {
        let analysis: RootCauseAnalysis = serde_json::from_str(
            r#"{"whys": [{"why": "客户为何重复描述", "because": ""}], "root": 3,
                "causes": [{"category": "weather", "cause": "", "likelihood": "likely"}]}"#,
        )
        .unwrap();
        let fields: Vec<String> = analysis.problems().into_iter().map(|p| p.field).collect();
        assert_eq!(
            fields,
            [
                "whys.0.because",
                "root",
                "causes.0.category",
                "causes.0.cause"
            ]
        );
        assert_eq!(RootCauseAnalysis::default().categories, FISHBONE_CATEGORIES);
    }
}
