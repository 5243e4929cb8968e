//! Quality inspection (质检) for servq: scorecards and how an evaluation is scored
//! ([`scorecard`]), and automated transcript QA ([`rules`]): forbidden and required phrases
//! matched across simplified and traditional Chinese, full/half width and case ([`fold`]),
//! interruptions, long silences and over-talk.
//!
//! This crate does no IO: callers hand it rule text, transcripts and answers.

pub mod calibration;
pub mod coaching;
pub mod fold;
pub mod rules;
pub mod sampling;
pub mod scorecard;

pub use calibration::{Deviation, ItemAgreement, Reference, deviations, item_agreement};
pub use coaching::{CoachingProblem, CoachingRules, ItemMean, ProblemShare, bottom, classify};
pub use fold::Folder;
pub use rules::{
    DEFAULT_MIN_CALL_SECONDS, DEFAULT_RULES, Hit, HitKind, RuleError, RuleSet, Scanner, Speaker,
    Transcript, Turn, TurnRef,
};
pub use sampling::{
    COMPLAINT_WORDS, Candidate, NEW_AGENT_DAYS, Strategy, is_complaint_category, is_new_agent,
    sample,
};
pub use scorecard::{Answer, Item, Scale, Score, ScoreError, Scorecard, Section, mean_score};
