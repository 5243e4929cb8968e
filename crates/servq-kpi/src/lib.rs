//! KPI definitions for servq. Every KPI is computed from additive counters, so the same function
//! serves one contact, a 15-minute rollup bucket or a year of data: counters are summed first and
//! ratios are taken last. Each formula is written out in `docs/kpi.md`; the doc comment of each
//! function names the definition it implements.
//!
//! This crate does no IO: the store feeds it contact facts and state intervals and persists the
//! counters it returns.

mod counters;
mod customers;
mod evaluation;
mod format;
pub mod goals;
mod grouping;
mod metrics;
mod ratings;
mod subset;
mod survey;
mod targets;

pub use counters::{
    BUCKET_MS, ContactCounters, ContactFacts, QaCounters, StateCounters, bucket_start,
    repeats_within_window, repeats_within_window_sql, split_into_buckets,
};
pub use customers::{
    ActiveCustomers, CustomerCounters, active_at, churn_rate, repeat_contact_rate,
};
pub use evaluation::{
    DimensionScore, EvaluationModel, GradeCut, MeasureScore, ModelDimension, ModelMeasure,
    ModelScore, Perspective, STANDARD_DIMENSIONS, measure_score,
};
pub use format::{Judgement, change, show};
pub use goals::GoalStatus;
pub use grouping::{Dimension, Exclusion, Scope};
pub use metrics::{
    AGENT_MEASURES, Better, CUSTOMER_MEASURES, METRICS, Metric, MetricValue, SURVEY_METRICS, Unit,
    abandon_rate, aht_seconds, answer_rate, asa_seconds, avg_acw_seconds, avg_hold_seconds,
    avg_talk_seconds, avg_wait_seconds, fcr_rate, headline, meaningful, metric, occupancy,
    qa_score, resolution_rate, service_level, transfer_rate, utilization,
};
pub use ratings::{RATING_SOURCES, RatingCounters, rating_dimension_mean, rating_mean};
pub use subset::{ContactSubset, counters_of};
pub use survey::{
    FeedbackCounters, StageSums, StageView, SurveyCounters, ces, csat, csat_mean, nps,
    survey_response_rate,
};
pub use targets::{Target, TargetDirection, TargetScope, TargetSpec, TargetStatus};

/// The thresholds that KPI definitions depend on. One set is stored per database and rollups are
/// computed with it; changing it rebuilds the rollups.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KpiSettings {
    /// An abandoned contact whose wait is strictly below this is a "short abandon" (default 5 s)
    /// and leaves the denominators of answer rate, service level and abandon rate.
    pub short_abandon_ms: i64,
    /// An answered contact whose wait is at most this meets the service level (default 20 s).
    pub service_level_ms: i64,
    /// A repeat contact by the same customer in the same category within this time after the
    /// first one's offered_at makes the first one not resolved at first contact (default 7×24 h).
    pub fcr_window_ms: i64,
}

impl Default for KpiSettings {
    fn default() -> Self {
        Self {
            short_abandon_ms: 5_000,
            service_level_ms: 20_000,
            fcr_window_ms: 7 * 24 * 3600 * 1000,
        }
    }
}
