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
}
