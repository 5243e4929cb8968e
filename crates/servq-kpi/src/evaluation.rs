//! The evaluation model of the after-sales service-quality standard: five dimensions (response
//! speed, problem solving, professionalism and attitude, process, satisfaction), each a weighted
//! set of measures; a measure maps a `servq kpi` metric to 0–100 between two anchors; weights
//! make a dimension score and a composite; cut-offs make a grade. The model file is a public
//! contract (`docs/evaluation.md`); this module checks it and scores values with it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use servq_core::{SettingProblem, SettingReason, is_identifier};

use crate::metrics::metric;

/// The five dimensions of the standard, by id, in the order the model lists them.
pub const STANDARD_DIMENSIONS: [&str; 5] = [
    "response_speed",
    "problem_solving",
    "professionalism",
    "process",
    "satisfaction",
];

/// A balanced-scorecard perspective a measure may belong to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Perspective {
    /// What the customer sees (satisfaction, recommendation, effort).
    Customer,
    /// How well the internal process runs (speed, handling, transfers).
    Process,
    /// People's skills and growth (QA scores, ratings).
    LearningGrowth,
    /// Cost and revenue.
    Financial,
}

impl Perspective {
    /// Every perspective, in the scorecard's order.
    pub const ALL: [Perspective; 4] = [
        Perspective::Customer,
        Perspective::Process,
        Perspective::LearningGrowth,
        Perspective::Financial,
    ];

    /// The written name.
    pub fn name(self) -> &'static str {
        match self {
            Perspective::Customer => "customer",
            Perspective::Process => "process",
            Perspective::LearningGrowth => "learning_growth",
            Perspective::Financial => "financial",
        }
    }
}

/// One measure of a dimension.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelMeasure {
    /// A `servq kpi` metric name.
    pub metric: String,
    /// Its weight within the dimension (> 0).
    pub weight: f64,
    /// The value scored 0 (in `servq kpi` JSON units).
    pub zero_at: f64,
    /// The value scored 100; below `zero_at` when lower is better.
    pub full_at: f64,
    /// Its balanced-scorecard perspective, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub perspective: Option<Perspective>,
}

/// One dimension.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelDimension {
    /// Its id (`response_speed`, …).
    pub id: String,
    /// Its weight in the composite (> 0).
    pub weight: f64,
    /// Its name per language (`zh-CN`, `zh-TW`, `en`).
    #[serde(default)]
    pub names: BTreeMap<String, String>,
    /// Its measures.
    pub measures: Vec<ModelMeasure>,
}

/// A grade and the lowest composite that earns it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GradeCut {
    /// The lowest composite (0–100) with this grade.
    pub min: f64,
    /// The grade's name (`A`, `优秀`, …).
    pub grade: String,
}

/// The evaluation model file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvaluationModel {
    /// The model's name.
    pub name: String,
    /// The first day (`YYYY-MM-DD`) it grades.
    pub effective_from: String,
    /// The dimensions.
    pub dimensions: Vec<ModelDimension>,
    /// The grades, any order.
    pub grades: Vec<GradeCut>,
}

/// A measure's score: `clamp(100·(v − zero_at) / (full_at − zero_at), 0, 100)`.
pub fn measure_score(value: f64, zero_at: f64, full_at: f64) -> f64 {
    (100.0 * (value - zero_at) / (full_at - zero_at)).clamp(0.0, 100.0)
}

/// Σ weight·score / Σ weight over the entries with a score; `None` when none has one.
fn weighted_mean(entries: impl IntoIterator<Item = (f64, Option<f64>)>) -> Option<f64> {
    let (mut sum, mut weights) = (0.0, 0.0);
    for (weight, score) in entries {
        if let Some(score) = score {
            sum += weight * score;
            weights += weight;
        }
    }
    (weights > 0.0).then(|| sum / weights)
}

/// A measure as scored.
#[derive(Debug, Clone, PartialEq)]
pub struct MeasureScore {
    /// The metric.
    pub metric: String,
    /// Its value for the group; `None` without data (or where it means nothing).
    pub value: Option<f64>,
    /// Its score; `None` without a value.
    pub score: Option<f64>,
}

/// A dimension as scored.
#[derive(Debug, Clone, PartialEq)]
pub struct DimensionScore {
    /// The dimension's id.
    pub id: String,
    /// Its score; `None` when no measure has a value.
    pub score: Option<f64>,
    /// Its measures, in the model's order.
    pub measures: Vec<MeasureScore>,
}

/// A group as scored.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelScore {
    /// The dimensions, in the model's order.
    pub dimensions: Vec<DimensionScore>,
    /// The composite; `None` when no dimension has a score.
    pub composite: Option<f64>,
    /// The grade of the composite.
    pub grade: Option<String>,
}

impl EvaluationModel {
    /// Every problem of the model, with the field it concerns (`dimensions.1.measures.0.metric`).
    pub fn problems(&self) -> Vec<SettingProblem> {
        let mut problems = Vec::new();
        if self.name.trim().is_empty() {
            problems.push(SettingProblem::new("name", SettingReason::Required));
        }
        let date = &self.effective_from;
        let valid_date = date.len() == 10
            && date.as_bytes()[4] == b'-'
            && date.as_bytes()[7] == b'-'
            && date
                .chars()
                .enumerate()
                .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
            && (1..=12).contains(&date[5..7].parse::<u32>().unwrap_or(0))
            && (1..=31).contains(&date[8..10].parse::<u32>().unwrap_or(0));
        if !valid_date {
            problems.push(SettingProblem::new(
                "effective_from",
                SettingReason::Other(format!("'{date}' is not a date like 2026-12-01")),
            ));
        }
        if self.dimensions.is_empty() {
            problems.push(SettingProblem::new("dimensions", SettingReason::Empty));
        }
        let mut ids: Vec<&str> = Vec::new();
        for (d, dimension) in self.dimensions.iter().enumerate() {
            let at = |field: &str| format!("dimensions.{d}.{field}");
            if !is_identifier(&dimension.id, 40) {
                problems.push(SettingProblem::new(
                    at("id"),
                    SettingReason::Identifier {
                        value: dimension.id.clone(),
                        max: 40,
                        loose: false,
                    },
                ));
            } else if ids.contains(&dimension.id.as_str()) {
                problems.push(SettingProblem::new(
                    at("id"),
                    SettingReason::Duplicate(dimension.id.clone()),
                ));
            }
            ids.push(&dimension.id);
            if !(dimension.weight.is_finite() && dimension.weight > 0.0) {
                problems.push(SettingProblem::new(at("weight"), SettingReason::Positive));
            }
            if dimension.measures.is_empty() {
                problems.push(SettingProblem::new(at("measures"), SettingReason::Empty));
            }
            let mut metrics: Vec<&str> = Vec::new();
            for (m, measure) in dimension.measures.iter().enumerate() {
                let at = |field: &str| format!("dimensions.{d}.measures.{m}.{field}");
                if metric(&measure.metric).is_none() {
                    problems.push(SettingProblem::new(
                        at("metric"),
                        SettingReason::Unknown(measure.metric.clone()),
                    ));
                } else if metrics.contains(&measure.metric.as_str()) {
                    problems.push(SettingProblem::new(
                        at("metric"),
                        SettingReason::Duplicate(measure.metric.clone()),
                    ));
                }
                metrics.push(&measure.metric);
                if !(measure.weight.is_finite() && measure.weight > 0.0) {
                    problems.push(SettingProblem::new(at("weight"), SettingReason::Positive));
                }
                if !measure.zero_at.is_finite() || !measure.full_at.is_finite() {
                    problems.push(SettingProblem::new(
                        at("full_at"),
                        SettingReason::Other("the anchors must be numbers".to_owned()),
                    ));
                } else if measure.zero_at == measure.full_at {
                    problems.push(SettingProblem::new(
                        at("full_at"),
                        SettingReason::Coded {
                            code: "anchors_equal",
                            values: Vec::new(),
                            english: format!(
                                "full_at equals zero_at ({}): the anchors must differ",
                                measure.zero_at
                            ),
                        },
                    ));
                }
            }
        }
        let mut cuts: Vec<f64> = Vec::new();
        let mut names: Vec<&str> = Vec::new();
        for (g, grade) in self.grades.iter().enumerate() {
            if !(grade.min.is_finite() && (0.0..=100.0).contains(&grade.min)) {
                problems.push(SettingProblem::new(
                    format!("grades.{g}.min"),
                    SettingReason::Range {
                        min: "0".to_owned(),
                        max: "100".to_owned(),
                    },
                ));
            } else if cuts.contains(&grade.min) {
                problems.push(SettingProblem::new(
                    format!("grades.{g}.min"),
                    SettingReason::Duplicate(grade.min.to_string()),
                ));
            }
            cuts.push(grade.min);
            if grade.grade.trim().is_empty() {
                problems.push(SettingProblem::new(
                    format!("grades.{g}.grade"),
                    SettingReason::Required,
                ));
            } else if names.contains(&grade.grade.as_str()) {
                problems.push(SettingProblem::new(
                    format!("grades.{g}.grade"),
                    SettingReason::Duplicate(grade.grade.clone()),
                ));
            }
            names.push(&grade.grade);
        }
        if !self.grades.iter().any(|grade| grade.min <= 0.0) {
            problems.push(SettingProblem::new(
                "grades",
                SettingReason::Coded {
                    code: "grades_cover_zero",
                    values: Vec::new(),
                    english: "the grades must cover 0: give one grade with min 0".to_owned(),
                },
            ));
        }
        problems
    }

    /// The grade of `composite`: the one with the highest `min` at or below it.
    pub fn grade(&self, composite: f64) -> Option<&str> {
        self.grades
            .iter()
            .filter(|grade| grade.min <= composite)
            .max_by(|a, b| a.min.total_cmp(&b.min))
            .map(|grade| grade.grade.as_str())
    }

    /// Scores one group whose metric values `value` gives (`None`: no data, left out).
    pub fn score(&self, value: impl Fn(&str) -> Option<f64>) -> ModelScore {
        let dimensions: Vec<DimensionScore> = self
            .dimensions
            .iter()
            .map(|dimension| {
                let measures: Vec<MeasureScore> = dimension
                    .measures
                    .iter()
                    .map(|measure| {
                        let value = value(&measure.metric).filter(|v| v.is_finite());
                        MeasureScore {
                            metric: measure.metric.clone(),
                            value,
                            score: value
                                .map(|v| measure_score(v, measure.zero_at, measure.full_at)),
                        }
                    })
                    .collect();
                let score = weighted_mean(
                    dimension
                        .measures
                        .iter()
                        .zip(&measures)
                        .map(|(measure, scored)| (measure.weight, scored.score)),
                );
                DimensionScore {
                    id: dimension.id.clone(),
                    score,
                    measures,
                }
            })
            .collect();
        let composite = weighted_mean(
            self.dimensions
                .iter()
                .zip(&dimensions)
                .map(|(dimension, scored)| (dimension.weight, scored.score)),
        );
        ModelScore {
            composite,
            grade: composite.and_then(|c| self.grade(c)).map(str::to_owned),
            dimensions,
        }
    }

    /// The default model from the after-sales service-quality standard (`docs/evaluation.md`).
    pub fn standard() -> EvaluationModel {
        use Perspective::*;
        let measure =
            |metric: &str, weight: f64, zero_at: f64, full_at: f64, p: Perspective| ModelMeasure {
                metric: metric.to_owned(),
                weight,
                zero_at,
                full_at,
                perspective: Some(p),
            };
        let dimension =
            |id: &str, weight: f64, names: [&str; 3], measures: Vec<ModelMeasure>| ModelDimension {
                id: id.to_owned(),
                weight,
                names: ["zh-CN", "zh-TW", "en"]
                    .into_iter()
                    .zip(names)
                    .map(|(language, name)| (language.to_owned(), name.to_owned()))
                    .collect(),
                measures,
            };
        EvaluationModel {
            name: "servq standard".to_owned(),
            effective_from: "2000-01-01".to_owned(),
            dimensions: vec![
                dimension(
                    "response_speed",
                    20.0,
                    ["响应速度", "回應速度", "Response speed"],
                    vec![
                        measure("service_level", 2.0, 0.5, 0.9, Process),
                        measure("asa_seconds", 1.0, 120.0, 10.0, Process),
                        measure("avg_hold_seconds", 1.0, 90.0, 10.0, Process),
                        measure(
                            "rating_supervisor_response_speed",
                            1.0,
                            1.0,
                            5.0,
                            LearningGrowth,
                        ),
                        // tickets: business seconds to the first response, 1 h → 5 min
                        measure("first_response_seconds", 1.0, 3600.0, 300.0, Process),
                    ],
                ),
                dimension(
                    "problem_solving",
                    25.0,
                    ["问题解决能力", "問題解決能力", "Problem solving"],
                    vec![
                        measure("fcr_rate", 3.0, 0.5, 0.9, Process),
                        measure("resolution_rate", 1.0, 0.6, 0.95, Process),
                        measure("transfer_rate", 1.0, 0.3, 0.02, Process),
                        measure(
                            "rating_supervisor_problem_solving",
                            1.0,
                            1.0,
                            5.0,
                            LearningGrowth,
                        ),
                    ],
                ),
                dimension(
                    "professionalism",
                    25.0,
                    [
                        "人员专业性与服务态度",
                        "人員專業性與服務態度",
                        "Professionalism and attitude",
                    ],
                    vec![
                        measure("qa_score", 2.0, 60.0, 95.0, LearningGrowth),
                        measure(
                            "rating_supervisor_professionalism",
                            1.0,
                            1.0,
                            5.0,
                            LearningGrowth,
                        ),
                        measure("rating_peer_professionalism", 1.0, 1.0, 5.0, LearningGrowth),
                    ],
                ),
                dimension(
                    "process",
                    10.0,
                    [
                        "流程规范与透明",
                        "流程規範與透明",
                        "Process and transparency",
                    ],
                    vec![
                        measure("avg_acw_seconds", 1.0, 180.0, 30.0, Process),
                        measure("aht_seconds", 1.0, 600.0, 240.0, Process),
                        measure("rating_supervisor_process", 1.0, 1.0, 5.0, LearningGrowth),
                        measure("sla_attainment", 1.0, 0.6, 0.95, Process),
                        measure("complaints_in_24h_rate", 1.0, 0.5, 1.0, Customer),
                    ],
                ),
                dimension(
                    "satisfaction",
                    20.0,
                    [
                        "客户满意度与反馈",
                        "客戶滿意度與回饋",
                        "Satisfaction and feedback",
                    ],
                    vec![
                        measure("csat", 3.0, 0.6, 0.95, Customer),
                        measure("nps", 1.0, -20.0, 60.0, Customer),
                        measure("ces", 1.0, 3.0, 6.0, Customer),
                    ],
                ),
            ],
            grades: [
                (90.0, "A"),
                (80.0, "B"),
                (70.0, "C"),
                (60.0, "D"),
                (0.0, "E"),
            ]
            .into_iter()
            .map(|(min, grade)| GradeCut {
                min,
                grade: grade.to_owned(),
            })
            .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The hand-worked fixture of docs/evaluation.md: one agent, three measures, one missing.
    #[test]
    fn hand_worked_fixture() {
        let model: EvaluationModel = serde_json::from_str(
            r#"{"name": "fixture", "effective_from": "2026-11-01",
              "dimensions": [
                {"id": "problem_solving", "weight": 2, "measures": [
                  {"metric": "fcr_rate", "weight": 3, "zero_at": 0.5, "full_at": 0.9},
                  {"metric": "transfer_rate", "weight": 1, "zero_at": 0.3, "full_at": 0.02}]},
                {"id": "satisfaction", "weight": 1, "measures": [
                  {"metric": "csat", "weight": 1, "zero_at": 0.6, "full_at": 0.95}]}],
              "grades": [{"min": 80, "grade": "B"}, {"min": 0, "grade": "C"}, {"min": 90, "grade": "A"}]}"#,
        )
        .unwrap();
        assert!(model.problems().is_empty(), "{:?}", model.problems());
        // fcr 0.8 → 100·0.3/0.4 = 75; transfer 0.1 → 100·(0.1−0.3)/(0.02−0.3) = 71.428571…;
        // csat has no answers → left out
        let scored = model.score(|metric| match metric {
            "fcr_rate" => Some(0.8),
            "transfer_rate" => Some(0.1),
            _ => None,
        });
        let solving = scored.dimensions[0].score.unwrap();
        let expected = (3.0 * 75.0 + 100.0 * 0.2 / 0.28) / 4.0;
        assert!((solving - expected).abs() < 1e-12, "{solving}");
        assert_eq!(scored.dimensions[1].score, None);
        // the composite is the one dimension with a score: 74.107142… → C
        assert!((scored.composite.unwrap() - expected).abs() < 1e-12);
        assert_eq!(scored.grade.as_deref(), Some("C"));
        assert_eq!(measure_score(0.95, 0.5, 0.9), 100.0);
        assert_eq!(measure_score(0.4, 0.5, 0.9), 0.0);
        assert_eq!(model.grade(90.0), Some("A"));
        assert_eq!(model.grade(89.999), Some("B"));
    }

    #[test]
    fn refuses_every_problem_by_field() {
        let mut model = EvaluationModel::standard();
        assert!(model.problems().is_empty(), "{:?}", model.problems());
        model.dimensions[1].id = "response_speed".to_owned();
        model.dimensions[0].measures[0].metric = "speed".to_owned();
        model.dimensions[0].measures[1].zero_at = 10.0;
        model.dimensions[2].measures[0].weight = 0.0;
        model.dimensions[4].measures[1].metric = "csat".to_owned();
        model.grades.retain(|g| g.min > 0.0);
        let fields: Vec<String> = model.problems().into_iter().map(|p| p.field).collect();
        assert_eq!(
            fields,
            [
                "dimensions.0.measures.0.metric",
                "dimensions.0.measures.1.full_at",
                "dimensions.1.id",
                "dimensions.2.measures.0.weight",
                "dimensions.4.measures.1.metric",
                "grades",
            ]
        );
        let standard = EvaluationModel::standard();
        let ids: Vec<&str> = standard
            .dimensions
            .iter()
            .map(|d| d.id.as_str())
            .collect::<Vec<_>>();
        assert_eq!(ids, STANDARD_DIMENSIONS);
    }
}
