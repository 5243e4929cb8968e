//! The evaluation model's versions and grading a period with it: `servq evaluation`,
//! `GET /api/v1/evaluation` and the performance pages call these. A period is graded with the
//! version in effect on its last day (the highest version whose `effective_from` is on or before
//! it; the built-in standard model, version 0, when none is); saving a model stores the next
//! version and never changes how an earlier period was graded.

use anyhow::Result;
use jiff::{Span, civil::Date, tz::TimeZone};
use serde_json::{Map, Value, json};
use servq_core::{SettingProblem, SettingReason};
use servq_kpi::{Dimension, EvaluationModel, MetricValue, ModelScore};
use servq_store::{Actor, GroupField, KpiGroup, KpiQuery, Store};

use crate::{SettingError, day_start_ms, now_ms};

/// A model and its version number (0: the built-in standard model).
#[derive(Debug, Clone, PartialEq)]
pub struct ModelVersion {
    /// 1, 2, … as saved; 0 for the built-in model.
    pub version: i64,
    /// The model.
    pub model: EvaluationModel,
}

/// Every saved version, oldest first.
pub async fn versions(store: &Store) -> Result<Vec<ModelVersion>> {
    store
        .evaluation_models()
        .await?
        .into_iter()
        .map(|stored| {
            let model: EvaluationModel = serde_json::from_str(&stored.body).map_err(|error| {
                anyhow::anyhow!(
                    "stored evaluation model {} is corrupt: {error}",
                    stored.version
                )
            })?;
            Ok(ModelVersion {
                version: stored.version,
                model,
            })
        })
        .collect()
}

/// The model in effect on `day`.
pub async fn model_on(store: &Store, day: Date) -> Result<ModelVersion> {
    let day = day.to_string();
    Ok(versions(store)
        .await?
        .into_iter()
        .filter(|v| v.model.effective_from <= day)
        .max_by_key(|v| v.version)
        .unwrap_or_else(|| ModelVersion {
            version: 0,
            model: EvaluationModel::standard(),
        }))
}

/// The latest saved version, or the built-in model.
pub async fn latest(store: &Store) -> Result<ModelVersion> {
    Ok(versions(store)
        .await?
        .into_iter()
        .max_by_key(|v| v.version)
        .unwrap_or_else(|| ModelVersion {
            version: 0,
            model: EvaluationModel::standard(),
        }))
}

/// Checks a model file (JSON) and stores it as the next version; returns its number.
pub async fn save(store: &Store, text: &str, actor: &Actor) -> Result<i64, SettingError> {
    let model: EvaluationModel = serde_json::from_str(text).map_err(|error| {
        SettingError::Refused(vec![SettingProblem::new(
            "",
            SettingReason::Other(format!(
                "not a model file (line {}, column {}): {error}",
                error.line(),
                error.column()
            )),
        )])
    })?;
    let problems = model.problems();
    if !problems.is_empty() {
        return Err(SettingError::Refused(problems));
    }
    let body = serde_json::to_string(&model).map_err(anyhow::Error::from)?;
    Ok(store
        .save_evaluation_model(&model.name, &model.effective_from, &body, actor, now_ms())
        .await?)
}

/// What to grade.
#[derive(Debug, Clone, PartialEq)]
pub struct EvaluationRequest {
    /// First day.
    pub from: Date,
    /// Last day (inclusive); its model grades the period.
    pub to: Date,
    /// One row per agent, team or queue; `None`: one row for everything.
    pub by: Option<Dimension>,
    /// Equality filters, as `servq kpi --filter`.
    pub filters: Vec<(Dimension, Vec<String>)>,
}

/// The groupings a period can be graded by.
pub const EVALUATION_GROUPINGS: [Dimension; 3] =
    [Dimension::Agent, Dimension::Team, Dimension::Queue];

/// One graded group: its key (as in `servq kpi`) and its scores.
#[derive(Debug, Clone)]
pub struct GradedGroup {
    /// The group's value of `by`; `None` for the row without one (or the whole centre).
    pub key: Option<String>,
    /// The scores.
    pub score: ModelScore,
}

/// A graded period.
#[derive(Debug, Clone)]
pub struct Evaluation {
    /// The model it was graded with.
    pub model: ModelVersion,
    /// The grouping.
    pub by: Option<Dimension>,
    /// The groups, in `servq kpi` order.
    pub groups: Vec<GradedGroup>,
}

/// A metric's value in a group, `None` where it means nothing for `dimensions` (an agent's
/// service level) or has no data.
fn value_of(group: &KpiGroup, metric: &str, dimensions: &[Dimension]) -> Option<f64> {
    let metric = servq_kpi::metric(metric)?;
    if metric.exclusion(dimensions).is_some() {
        return None;
    }
    match (metric.compute)(&group.contacts, group.states.as_ref(), &group.feedback) {
        MetricValue::Count(count) => Some(count as f64),
        MetricValue::Number(value) => value,
    }
}

/// Grades `request`'s period in `zone`.
pub async fn evaluate(
    store: &Store,
    zone: &TimeZone,
    request: &EvaluationRequest,
) -> Result<Evaluation, SettingError> {
    if request.from > request.to {
        return Err(SettingError::Refused(vec![SettingProblem::new(
            "from",
            SettingReason::Other("from must not be after to".to_owned()),
        )]));
    }
    if let Some(by) = request.by
        && !EVALUATION_GROUPINGS.contains(&by)
    {
        return Err(SettingError::Refused(vec![SettingProblem::new(
            "by",
            SettingReason::Unknown(by.name().to_owned()),
        )]));
    }
    let model = model_on(store, request.to).await?;
    let end = request
        .to
        .checked_add(Span::new().days(1))
        .map_err(anyhow::Error::from)?;
    let groups = store
        .kpi(&KpiQuery {
            group_by: request.by.map(GroupField::Dimension).into_iter().collect(),
            from_ms: Some(day_start_ms(zone, request.from)?),
            to_ms: Some(day_start_ms(zone, end)?),
            zone: zone.clone(),
            filters: request.filters.clone(),
        })
        .await?;
    let dimensions: Vec<Dimension> = request
        .by
        .into_iter()
        .chain(request.filters.iter().map(|(d, _)| *d))
        .collect();
    let groups = groups
        .iter()
        .map(|group| GradedGroup {
            key: group.key.first().cloned().flatten(),
            score: model
                .model
                .score(|metric| value_of(group, metric, &dimensions)),
        })
        .collect();
    Ok(Evaluation {
        model,
        by: request.by,
        groups,
    })
}

/// The evaluation as its JSON contract (`docs/evaluation.md`).
pub fn evaluation_json(evaluation: &Evaluation) -> Value {
    let rows: Vec<Value> = evaluation
        .groups
        .iter()
        .map(|group| {
            let mut row = Map::new();
            if let Some(by) = evaluation.by {
                row.insert(by.name().to_owned(), json!(group.key));
            }
            let dimensions: Map<String, Value> = group
                .score
                .dimensions
                .iter()
                .map(|dimension| {
                    let measures: Map<String, Value> = dimension
                        .measures
                        .iter()
                        .map(|m| {
                            (
                                m.metric.clone(),
                                json!({"value": m.value, "score": m.score}),
                            )
                        })
                        .collect();
                    (
                        dimension.id.clone(),
                        json!({"score": dimension.score, "measures": measures}),
                    )
                })
                .collect();
            row.insert("dimensions".to_owned(), Value::Object(dimensions));
            row.insert("composite".to_owned(), json!(group.score.composite));
            row.insert("grade".to_owned(), json!(group.score.grade));
            Value::Object(row)
        })
        .collect();
    json!({
        "model": {"name": evaluation.model.model.name, "version": evaluation.model.version},
        "rows": rows,
    })
}
