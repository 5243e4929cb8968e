//! Domain types shared by every servq crate: identifiers, zoned timestamps, channels, contacts and
//! agent-state intervals, each built only by parsing raw text so that a value in hand is valid.
//! No IO and no async here.

mod access;
mod agent_state;
mod backup_retention;
mod contact;
mod customer;
mod customer_tags;
mod dispatch;
mod error;
mod ids;
mod natural;
mod problem;
mod rating;
mod risk_register;
mod setting;
mod survey;
mod time;
mod totp;
mod values;

pub use access::{PERMISSIONS, Permission, Role, UnknownRole};
pub use agent_state::{AgentStateInterval, AgentStateKind, AgentStateRecord, MAX_STATE_SECONDS};
pub use backup_retention::backups_to_keep;
pub use contact::{Channel, Contact, ContactRecord, Direction};
pub use customer::{
    CUSTOMER_COLUMNS, CUSTOMER_LANGUAGES, CUSTOMER_REQUIRED, CustomerRecord, answered_repeats,
    mask_email, mask_phone, parse_day, parse_language, parse_tags, repeat_contact_rate,
    repeated_within,
};
pub use customer_tags::{
    MAX_RULE_DAYS, MAX_TAG_RULES, RISK_MIN_SCORE, RISK_PERIOD_DAYS, RISK_WEIGHTS, RiskCounts,
    RiskEvents, TagCondition, TagFacts, TagRule, check_tag_rules, default_tag_rules, look_back_ms,
    risk_counts, rule_tags,
};
pub use dispatch::{DispatchRule, SendVia, SurveyCandidate, choose_invitations};
pub use error::{FieldError, ParseError, QUOTED_CHARS, shown};
pub use ids::{AgentId, ContactId, CustomerId, Label, parse_queue_list};
pub use natural::natural_key;
pub use problem::{
    FISHBONE_CATEGORIES, FishboneCause, Likelihood, ProblemClass, ProblemStatus, RootCauseAnalysis,
    WhyStep,
};
pub use rating::{
    MAX_RATING_COMMENT_CHARS, RATING_COLUMNS, RATING_DIMENSIONS, RATING_REQUIRED, RaterFacts,
    RaterRefusal, RatingRecord, RatingSource, check_rater,
};
pub use risk_register::{
    DRILL_AHEAD_DAYS, DrillStatus, HeatMap, MAX_RATING, MAX_RECOVERY_HOURS, MAX_STEP_MINUTES,
    OVERDUE_EVERY_DAYS, PlanPhase, PlanStep, REVIEW_AHEAD_DAYS, Reminder, RiskCategory, RiskLevel,
    RiskStatus, RiskTreatment, check_plan, rating, reminder, risk_score, time_to_recovery,
};
pub use setting::{SettingProblem, SettingReason, is_identifier};
pub use survey::{
    Csat, CsatScale, MAX_COMMENT_CHARS, QualityDimension, Question, QuestionKind, SURVEY_COLUMNS,
    SURVEY_REQUIRED, Stage, SurveyAnswers, SurveyRecord, SurveyTemplate, TemplateError,
};
pub use time::{ZonedTime, parse_timestamp, parse_zone};
pub use totp::{
    TOTP_DIGITS, TOTP_STEP_SECONDS, base32_decode, base32_encode, hotp, totp, verify_totp,
};
pub use values::{Millis, parse_bool, parse_duration_ms, parse_optional_bool};
