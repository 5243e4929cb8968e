//! The data of one monthly report, stored with it so it re-renders identically: every number,
//! name and label source the renderings use, in `servq kpi` JSON units (ratios as fractions,
//! seconds, scores 0–100). Nothing here is computed again when a stored report is rendered.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The snapshot format; a stored report of another schema is rendered by the code that knows it.
pub const SCHEMA: u32 = 1;

/// One monthly quality report's data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MonthlyReport {
    /// [`SCHEMA`] when written.
    pub schema: u32,
    /// The month, `YYYY-MM`.
    pub month: String,
    /// The month before, `YYYY-MM` (the comparison).
    pub previous_month: String,
    /// The centre's time zone the days were counted in.
    pub time_zone: String,
    /// When the data was read (RFC 3339).
    pub generated_at: String,
    /// The evaluation model that graded the month.
    pub model: ModelRef,
    /// Days of the month with contacts (a month the data starts or ends in is partial).
    #[serde(default)]
    pub days_with_data: usize,
    /// Days of the month before with contacts.
    #[serde(default)]
    pub previous_days_with_data: usize,
    /// Headline service measures: this month, the month before, the centre target.
    pub headline: Vec<Measure>,
    /// Ticket and complaint measures, the same way.
    pub tickets: Vec<Measure>,
    /// Changes that passed the significance check, in headline order.
    pub findings: Vec<Finding>,
    /// Daily values of the month for the trend charts.
    pub daily: Daily,
    /// The model's dimensions (names in each language).
    pub dimensions: Vec<DimensionName>,
    /// The model's grades, best first.
    pub grades: Vec<String>,
    /// Each team's dimension scores, composite and grade, and how its agents graded.
    pub teams: Vec<TeamScore>,
    /// The best agents by composite (highest first).
    pub best_agents: Vec<AgentScore>,
    /// The bottom agents by composite (lowest first).
    pub bottom_agents: Vec<AgentScore>,
    /// Agents graded (with a composite).
    pub agents_graded: usize,
    /// QA evaluations and the problems they show.
    pub qa: QaSummary,
    /// Survey measures with 95 % intervals.
    pub surveys: SurveySummary,
    /// The unsatisfied-review Pareto (reasons of unsatisfied answers).
    pub pareto: ParetoSummary,
    /// The volume forecast made before the month against what came, when history allowed one.
    pub forecast: Option<ForecastSummary>,
}

/// The model version that graded the month.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelRef {
    /// Its name.
    pub name: String,
    /// Its version (0: the built-in standard model).
    pub version: i64,
}

/// A measure this month and the month before, with the centre's target where one is set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Measure {
    /// The `servq kpi` metric name.
    pub metric: String,
    /// This month's value (`servq kpi` over the month).
    pub value: Option<f64>,
    /// The month before.
    pub previous: Option<f64>,
    /// The centre target in effect on the month's last day.
    pub target: Option<TargetRef>,
}

/// A target and how the month fared against it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TargetRef {
    /// The target value.
    pub value: f64,
    /// `met`, `warning` or `missed`; `None` without a value this month.
    pub status: Option<String>,
}

/// A change between the two months that passed Welch's t-test on daily values (p < 0.05).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// The metric.
    pub metric: String,
    /// The month before.
    pub previous: f64,
    /// This month.
    pub value: f64,
    /// The two-sided p-value.
    pub p_value: f64,
    /// `better` or `worse`.
    pub judgement: String,
}

/// Daily values of the month.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Daily {
    /// Every day of the month, `YYYY-MM-DD`.
    pub days: Vec<String>,
    /// Per metric, a value per day (`None`: no data that day).
    pub series: BTreeMap<String, Vec<Option<f64>>>,
}

/// A dimension of the model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DimensionName {
    /// Its id.
    pub id: String,
    /// Its name per language (`zh-CN`, `zh-TW`, `en`).
    pub names: BTreeMap<String, String>,
}

/// A team's grades.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TeamScore {
    /// The team.
    pub team: String,
    /// Per dimension (model order) its score.
    pub scores: Vec<Option<f64>>,
    /// The composite.
    pub composite: Option<f64>,
    /// The grade.
    pub grade: Option<String>,
    /// How many of its agents got each grade (model order of `grades`).
    pub grade_counts: Vec<usize>,
}

/// An agent's composite and grade.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgentScore {
    /// The agent id.
    pub agent_id: String,
    /// The name shown (the roster's name when the report was made).
    pub name: String,
    /// The team.
    pub team: String,
    /// The composite.
    pub composite: f64,
    /// The grade.
    pub grade: Option<String>,
}

/// QA over the month.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct QaSummary {
    /// Evaluations.
    pub evaluations: i64,
    /// Their mean score (0–100).
    pub mean_score: Option<f64>,
    /// The month before.
    pub previous_mean_score: Option<f64>,
    /// Problems failed by agents, most shared first.
    pub problems: Vec<QaProblem>,
}

/// A problem the month's QA shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QaProblem {
    /// The scorecard item's or rule's name.
    pub name: String,
    /// `item` or `rule`.
    pub kind: String,
    /// Share of agents with evidence who failed it.
    pub share: f64,
    /// How many agents failed it.
    pub agents: usize,
    /// Common (group training) or individual (one-to-one coaching).
    pub common: bool,
}

/// An estimate with its 95 % interval.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Estimate {
    /// The value.
    pub value: Option<f64>,
    /// Lower bound.
    pub lower: Option<f64>,
    /// Upper bound.
    pub upper: Option<f64>,
    /// Answers it rests on.
    pub n: i64,
}

/// Survey measures of the month.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SurveySummary {
    /// Invitations sent.
    pub invitations: i64,
    /// Responses.
    pub responses: i64,
    /// Response rate of invitations.
    pub response_rate: Estimate,
    /// CSAT (top-2-box share).
    pub csat: Estimate,
    /// Mean CSAT rating.
    pub csat_mean: Estimate,
    /// NPS.
    pub nps: Estimate,
    /// CES (mean).
    pub ces: Estimate,
}

/// The unsatisfied-review Pareto.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ParetoSummary {
    /// Unsatisfied cases with at least one reason.
    pub cases: usize,
    /// Reasons, most frequent first.
    pub rows: Vec<ParetoLine>,
}

/// A reason of the Pareto.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParetoLine {
    /// The reason's id.
    pub name: String,
    /// Its name per language (`zh-CN`, `zh-TW`, `en`), where the reason list has one.
    #[serde(default)]
    pub names: BTreeMap<String, String>,
    /// Cases showing it.
    pub cases: usize,
    /// Its share of the cases.
    pub share: f64,
    /// Share of cases covered by it and the reasons above it.
    pub cumulative_share: f64,
    /// One of the vital few (within the 80 % cutoff).
    pub vital: bool,
}

/// Daily volume forecast (made from the weeks before the month) against what came.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ForecastSummary {
    /// Per day of the month, the contacts forecast.
    pub forecast: Vec<f64>,
    /// Per day, the contacts offered (`None` for days without data).
    pub actual: Vec<Option<f64>>,
    /// Weeks of history the forecast learnt from.
    pub history_weeks: u32,
}

impl ForecastSummary {
    /// Σ forecast over the days with actuals.
    pub fn forecast_total(&self) -> f64 {
        self.forecast
            .iter()
            .zip(&self.actual)
            .filter(|(_, actual)| actual.is_some())
            .map(|(forecast, _)| forecast)
            .sum()
    }

    /// Σ actual.
    pub fn actual_total(&self) -> f64 {
        self.actual.iter().flatten().sum()
    }

    /// Weighted absolute percentage error of the daily forecast: Σ|forecast − actual| / Σ actual
    /// over the days with actuals; `None` without contacts.
    pub fn daily_wape(&self) -> Option<f64> {
        let actual = self.actual_total();
        (actual > 0.0).then(|| {
            self.forecast
                .iter()
                .zip(&self.actual)
                .filter_map(|(forecast, actual)| actual.map(|a| (forecast - a).abs()))
                .sum::<f64>()
                / actual
        })
    }
}
