//! 360° ratings given in the form: the signed-in person rates an agent for a period as
//! supervisor, peer or self. The row is read by the same parser as an imported file and checked
//! by the same rule (`servq_core::check_rater`, applied by the store against the roster and the
//! users), so the form and `servq import ratings` accept and refuse alike.

use servq_core::{RATING_DIMENSIONS, SettingProblem, SettingReason};
use servq_store::{Actor, Store};

use crate::now_ms;

/// A rating as the form sends it (texts as typed; scores 1–5 by dimension id).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RatingForm {
    /// The agent rated.
    pub agent_id: String,
    /// `supervisor`, `peer` or `self`.
    pub source: String,
    /// First day of the period, YYYY-MM-DD.
    pub period_start: String,
    /// Last day, YYYY-MM-DD.
    pub period_end: String,
    /// Answers in [`RATING_DIMENSIONS`] order; `None` where not answered.
    pub scores: [Option<i64>; 5],
    /// A comment.
    pub comment: String,
}

/// Why a rating was not stored.
#[derive(Debug, thiserror::Error)]
pub enum RatingError {
    /// Every problem with its field.
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Refused(Vec<SettingProblem>),
    /// The person may not give this rating.
    #[error("{0}")]
    Rater(servq_core::RaterRefusal),
    /// The store failed.
    #[error(transparent)]
    Failed(#[from] anyhow::Error),
}

/// Stores `form` as a rating by `actor` (whose username is the rater); returns its id.
pub async fn rate(store: &Store, form: &RatingForm, actor: &Actor) -> Result<String, RatingError> {
    let scores: Vec<String> = form
        .scores
        .iter()
        .map(|s| s.map_or(String::new(), |s| s.to_string()))
        .collect();
    let rating_id = format!("R{}", &crate::users::new_token()[..20]);
    let field = |name: &str| -> Option<&str> {
        Some(match name {
            "rating_id" => rating_id.as_str(),
            "agent_id" => form.agent_id.as_str(),
            "rater" => actor.name.as_str(),
            "source" => form.source.as_str(),
            "period_start" => form.period_start.as_str(),
            "period_end" => form.period_end.as_str(),
            "comment" => form.comment.as_str(),
            other => {
                let index = RATING_DIMENSIONS.iter().position(|d| *d == other)?;
                scores[index].as_str()
            }
        })
    };
    let record = servq_core::RatingRecord::parse(field).map_err(|errors| {
        RatingError::Refused(
            errors
                .into_iter()
                .map(|e| SettingProblem::new(e.column, SettingReason::Other(e.reason)))
                .collect(),
        )
    })?;
    match store
        .save_rating(&record, actor, now_ms())
        .await
        .map_err(anyhow::Error::from)?
    {
        Ok(()) => Ok(rating_id),
        Err(Some(refusal)) => Err(RatingError::Rater(refusal)),
        Err(None) => Err(RatingError::Refused(vec![SettingProblem::new(
            "agent_id",
            SettingReason::Unknown(form.agent_id.clone()),
        )])),
    }
}
