//! QA evaluations over the API: score a contact on a (versioned) scorecard, the agent
//! acknowledges or disputes, an inspector re-reviews a dispute. Scores come from `servq-qa`;
//! every step is audited.

use axum::{
    Json,
    extract::{
        Path, Query, State,
        rejection::{JsonRejection, PathRejection, QueryRejection},
    },
    http::{HeaderMap, StatusCode},
};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use servq_core::Permission;
use servq_qa::{Answer, Scorecard};
use servq_store::{Actor, Evaluation, EvaluationScore, EvaluationStatus, StoredScorecard};
use utoipa::ToSchema;

use crate::{
    AppState, Problem,
    auth::{self, CurrentUser},
    i18n::t,
    now_ms,
};

/// The scorecard evaluations use unless they name another.
const DEFAULT_SCORECARD: &str = "default";

/// The newest version of a scorecard; the default one is created from `servq-qa` on first use.
pub(crate) async fn current_scorecard(
    state: &AppState,
    scorecard_id: &str,
) -> Result<Option<(StoredScorecard, Scorecard)>, Problem> {
    let mut stored = state
        .store
        .scorecard(scorecard_id, None)
        .await
        .map_err(Problem::internal)?;
    if stored.is_none() && scorecard_id == DEFAULT_SCORECARD {
        let card = Scorecard::default_scorecard();
        let definition = serde_json::to_string(&card).map_err(Problem::internal)?;
        state
            .store
            .save_scorecard(
                DEFAULT_SCORECARD,
                &card.name,
                &definition,
                &Actor {
                    user_id: None,
                    name: "system".to_owned(),
                },
                now_ms(),
            )
            .await
            .map_err(Problem::internal)?;
        stored = state
            .store
            .scorecard(scorecard_id, None)
            .await
            .map_err(Problem::internal)?;
    }
    stored
        .map(|stored| {
            let card: Scorecard =
                serde_json::from_str(&stored.definition).map_err(Problem::internal)?;
            Ok((stored, card))
        })
        .transpose()
}

/// A scorecard version an evaluation or a calibration was scored on (it must exist: the store
/// keeps every version).
pub(crate) async fn scorecard_version(
    state: &AppState,
    scorecard_id: &str,
    version: i64,
) -> Result<(StoredScorecard, Scorecard), Problem> {
    let stored = state
        .store
        .scorecard(scorecard_id, Some(version))
        .await
        .map_err(Problem::internal)?
        .ok_or_else(|| Problem::internal("scorecard version missing"))?;
    let card = serde_json::from_str(&stored.definition).map_err(Problem::internal)?;
    Ok((stored, card))
}

/// `GET /api/v1/scorecards/{id}`.
#[derive(Serialize, ToSchema)]
pub(crate) struct ScorecardBody {
    scorecard_id: String,
    version: i64,
    name: String,
    /// Sections with their items: id, name, weight, scale (binary, three_point, four_point,
    /// five_point), critical.
    sections: Vec<Value>,
}

/// `GET /api/v1/scorecards/{id}`: the newest version of a scorecard (`default` always exists).
#[utoipa::path(get, path = "/api/v1/scorecards/{id}", tag = "qa",
    params(("id" = String, Path, description = "Scorecard id; `default` is the shipped one")),
    responses((status = 200, body = ScorecardBody),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 404, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn scorecard(
    State(state): State<AppState>,
    user: CurrentUser,
    id: Result<Path<String>, PathRejection>,
) -> Result<Json<ScorecardBody>, Problem> {
    user.require(Permission::ViewOwnKpis)?;
    let Path(id) = id?;
    let (stored, card) = current_scorecard(&state, &id)
        .await?
        .ok_or_else(|| Problem::not_found(user.locale))?;
    let sections = card
        .sections
        .iter()
        .map(serde_json::to_value)
        .collect::<Result<Vec<_>, _>>()
        .map_err(Problem::internal)?;
    Ok(Json(ScorecardBody {
        scorecard_id: stored.scorecard_id,
        version: stored.version,
        name: stored.name,
        sections,
    }))
}

/// Answers from JSON: `{"item": level}` with `"na"` for not applicable.
fn parse_answers(
    user: &CurrentUser,
    answers: &Map<String, Value>,
) -> Result<Vec<(String, Answer)>, Problem> {
    answers
        .iter()
        .map(|(item, value)| {
            let answer = match value {
                Value::String(text) if text.eq_ignore_ascii_case("na") || text == "n/a" => {
                    Answer::NotApplicable
                }
                Value::Number(number) => number
                    .as_u64()
                    .and_then(|n| u8::try_from(n).ok())
                    .map(Answer::Level)
                    .ok_or_else(|| bad_answer(user, item, value))?,
                _ => return Err(bad_answer(user, item, value)),
            };
            Ok((item.clone(), answer))
        })
        .collect()
}

fn bad_answer(user: &CurrentUser, item: &str, value: &Value) -> Problem {
    Problem::bad_request(
        user.locale,
        "bad_answer",
        format!("item '{item}': {value} is not a level or \"na\""),
    )
}

/// Scores answers on a scorecard, ready to store.
fn scored(
    user: &CurrentUser,
    card: &Scorecard,
    answers: &Map<String, Value>,
    comments: Option<String>,
) -> Result<(EvaluationScore, servq_qa::Score), Problem> {
    let parsed = parse_answers(user, answers)?;
    let borrowed: Vec<(&str, Answer)> = parsed.iter().map(|(id, a)| (id.as_str(), *a)).collect();
    let score = card
        .score(&borrowed)
        .map_err(|error| Problem::bad_request(user.locale, "bad_answers", error.to_string()))?;
    Ok((
        EvaluationScore {
            answers: Value::Object(answers.clone()).to_string(),
            comments: comments.unwrap_or_default(),
            score: score.total,
            failed_critical: score.failed_critical.clone(),
        },
        score,
    ))
}

/// An evaluation.
#[derive(Serialize, ToSchema)]
pub(crate) struct EvaluationBody {
    id: String,
    contact_id: String,
    agent_id: String,
    scorecard_id: String,
    scorecard_version: i64,
    inspector: String,
    /// submitted, acknowledged, disputed or rereviewed.
    status: String,
    /// 0–100; null when every item was N/A.
    score: Option<f64>,
    failed_critical: Vec<String>,
    answers: Value,
    comments: String,
    dispute_reason: String,
    /// The items the agent singled out in the dispute, each with its own reason (empty: the
    /// dispute is about the evaluation as a whole).
    dispute_items: Vec<DisputedItem>,
    created_at: String,
    updated_at: String,
    /// Every scoring, the first first (only when one evaluation is read).
    #[serde(skip_serializing_if = "Option::is_none")]
    revisions: Option<Vec<RevisionBody>>,
}

/// One scoring of an evaluation: revision 1 is the inspector's first, each re-review adds one.
#[derive(Serialize, ToSchema)]
pub(crate) struct RevisionBody {
    revision: i64,
    inspector: String,
    /// 0–100; null when every item was N/A.
    score: Option<f64>,
    failed_critical: Vec<String>,
    answers: Value,
    comments: String,
    /// Why the scoring changed (the re-review's reason); empty for the first.
    reason: String,
    created_at: String,
}

impl From<&servq_store::EvaluationRevision> for RevisionBody {
    fn from(revision: &servq_store::EvaluationRevision) -> RevisionBody {
        RevisionBody {
            revision: revision.revision,
            inspector: revision.inspector.clone(),
            score: revision.score.score,
            failed_critical: revision.score.failed_critical.clone(),
            answers: serde_json::from_str::<Value>(&revision.score.answers).unwrap_or(Value::Null),
            comments: revision.score.comments.clone(),
            reason: revision.reason.clone(),
            created_at: crate::rfc3339(revision.created_ms),
        }
    }
}

/// An evaluation with its history, as `GET /api/v1/evaluations/{id}` and the workflow steps
/// answer it.
async fn with_revisions(
    state: &AppState,
    evaluation: &Evaluation,
) -> Result<EvaluationBody, Problem> {
    let revisions = state
        .store
        .evaluation_revisions(&evaluation.evaluation_id)
        .await
        .map_err(Problem::internal)?;
    let mut body = EvaluationBody::from(evaluation);
    body.revisions = Some(revisions.iter().map(RevisionBody::from).collect());
    Ok(body)
}

impl From<&Evaluation> for EvaluationBody {
    fn from(evaluation: &Evaluation) -> EvaluationBody {
        EvaluationBody {
            id: evaluation.evaluation_id.clone(),
            contact_id: evaluation.contact_id.clone(),
            agent_id: evaluation.agent_id.clone(),
            scorecard_id: evaluation.scorecard_id.clone(),
            scorecard_version: evaluation.scorecard_version,
            inspector: evaluation.inspector.clone(),
            status: evaluation.status.name().to_owned(),
            score: evaluation.score.score,
            failed_critical: evaluation.score.failed_critical.clone(),
            answers: serde_json::from_str::<Value>(&evaluation.score.answers)
                .unwrap_or(Value::Null),
            comments: evaluation.score.comments.clone(),
            dispute_reason: evaluation.dispute_reason.clone(),
            dispute_items: disputed_items(evaluation),
            created_at: crate::rfc3339(evaluation.created_ms),
            updated_at: crate::rfc3339(evaluation.updated_ms),
            revisions: None,
        }
    }
}

/// `POST /api/v1/evaluations` body.
#[derive(Deserialize, ToSchema)]
pub(crate) struct NewEvaluationBody {
    contact_id: String,
    /// Default `default`.
    scorecard_id: Option<String>,
    /// Every item id of the scorecard: a level on its scale, or "na".
    answers: Map<String, Value>,
    comments: Option<String>,
}

/// `POST /api/v1/evaluations`: score a contact; the agent who handled it is taken from the
/// contact. A contact is evaluated once per scorecard: a second evaluation is refused with 409
/// `already_evaluated` (change the first through a dispute and re-review).
#[utoipa::path(post, path = "/api/v1/evaluations", tag = "qa", request_body = NewEvaluationBody,
    responses((status = 201, body = EvaluationBody),
        (status = 400, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 404, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 409, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 415, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 422, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    request: Result<Json<NewEvaluationBody>, JsonRejection>,
) -> Result<(StatusCode, Json<EvaluationBody>), Problem> {
    user.require(Permission::EvaluateQuality)?;
    user.check_csrf_header(&headers)?;
    let Json(request) = request?;
    let agent = state
        .store
        .contact_agent(&request.contact_id)
        .await
        .map_err(Problem::internal)?
        .ok_or_else(|| Problem::not_found(user.locale))?;
    if agent.is_empty() {
        return Err(Problem::bad_request(
            user.locale,
            "no_agent",
            format!(
                "contact '{}' was not handled by an agent",
                request.contact_id
            ),
        ));
    }
    let scorecard_id = request.scorecard_id.as_deref().unwrap_or(DEFAULT_SCORECARD);
    let (stored, card) = current_scorecard(&state, scorecard_id)
        .await?
        .ok_or_else(|| Problem::not_found(user.locale))?;
    let (score, _) = scored(&user, &card, &request.answers, request.comments)?;
    let id = auth::new_token()[..24].to_owned();
    let created = state
        .store
        .create_evaluation(
            &servq_store::NewEvaluation {
                evaluation_id: &id,
                contact_id: &request.contact_id,
                agent_id: &agent,
                scorecard: &stored,
                score: &score,
            },
            &user.actor(),
            now_ms(),
        )
        .await
        .map_err(Problem::internal)?;
    if let servq_store::EvaluationCreated::AlreadyEvaluated(existing) = created {
        return Err(already_evaluated(&user, &request.contact_id, &existing));
    }
    let evaluation = state
        .store
        .evaluation(&id)
        .await
        .map_err(Problem::internal)?
        .ok_or_else(|| Problem::internal("the evaluation just stored is missing"))?;
    crate::notifications::notify_now(&state).await;
    Ok((StatusCode::CREATED, Json(EvaluationBody::from(&evaluation))))
}

/// 409: the contact has an evaluation on this scorecard already.
pub(crate) fn already_evaluated(user: &CurrentUser, contact_id: &str, existing: &str) -> Problem {
    Problem::conflict(
        "already_evaluated",
        format!(
            "contact '{contact_id}' already has evaluation {existing} on this scorecard; \
             change it through a dispute and re-review"
        ),
    )
    .with_message(user.locale, "already_evaluated", &[("id", contact_id)])
}

/// The evaluation if the user may see it: agents only their own.
pub(crate) async fn visible(
    state: &AppState,
    user: &CurrentUser,
    id: &str,
) -> Result<Evaluation, Problem> {
    user.require(Permission::ViewOwnKpis)?;
    let evaluation = state
        .store
        .evaluation(id)
        .await
        .map_err(Problem::internal)?
        .ok_or_else(|| Problem::not_found(user.locale))?;
    if !user.user.role.allows(Permission::ViewAllKpis)
        && user.user.agent_id.as_deref() != Some(evaluation.agent_id.as_str())
    {
        return Err(Problem::forbidden(user.locale));
    }
    Ok(evaluation)
}

#[derive(Deserialize)]
pub(crate) struct ListParams {
    limit: Option<i64>,
}

/// `GET /api/v1/evaluations`.
#[derive(Serialize, ToSchema)]
pub(crate) struct EvaluationList {
    evaluations: Vec<EvaluationBody>,
}

/// `GET /api/v1/evaluations`: the newest first (agents: their own).
#[utoipa::path(get, path = "/api/v1/evaluations", tag = "qa",
    params(("limit" = Option<i64>, Query, description = "1 to 500, default 100")),
    responses((status = 200, body = EvaluationList),
        (status = 400, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    params: Result<Query<ListParams>, QueryRejection>,
) -> Result<Json<EvaluationList>, Problem> {
    user.require(Permission::ViewOwnKpis)?;
    let Query(params) = params?;
    let own = (!user.user.role.allows(Permission::ViewAllKpis))
        .then(|| user.user.agent_id.clone().unwrap_or_default());
    let evaluations = state
        .store
        .evaluations(own.as_deref(), params.limit.unwrap_or(100).clamp(1, 500))
        .await
        .map_err(Problem::internal)?;
    Ok(Json(EvaluationList {
        evaluations: evaluations.iter().map(EvaluationBody::from).collect(),
    }))
}

/// `GET /api/v1/evaluations/{id}`.
#[utoipa::path(get, path = "/api/v1/evaluations/{id}", tag = "qa",
    params(("id" = String, Path, description = "Evaluation id")),
    responses((status = 200, body = EvaluationBody),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 404, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn one(
    State(state): State<AppState>,
    user: CurrentUser,
    id: Result<Path<String>, PathRejection>,
) -> Result<Json<EvaluationBody>, Problem> {
    let Path(id) = id?;
    crate::notifications::notify_now(&state).await;
    let evaluation = visible(&state, &user, &id).await?;
    Ok(Json(with_revisions(&state, &evaluation).await?))
}

/// A dispute.
#[derive(Deserialize, ToSchema)]
pub(crate) struct DisputeBody {
    /// Why the agent disagrees; a missing or blank reason is refused (400 reason_required).
    #[schema(value_type = String, min_length = 1, pattern = r"\S")]
    reason: Option<String>,
    /// The items disputed, each with its own reason (optional); an id that is not an item of
    /// the scorecard version is refused (400 unknown_item).
    #[serde(default)]
    items: Vec<DisputedItem>,
}

/// One item an agent disputes.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub(crate) struct DisputedItem {
    /// The scorecard item.
    pub(crate) item_id: String,
    /// Why this item (may be empty: the overall reason covers it).
    #[serde(default)]
    pub(crate) reason: String,
}

/// The most characters of one item's dispute reason.
const MAX_ITEM_REASON_CHARS: usize = 500;

/// The items an evaluation's dispute singled out (none when the stored JSON is unreadable).
pub(crate) fn disputed_items(evaluation: &Evaluation) -> Vec<DisputedItem> {
    serde_json::from_str(&evaluation.dispute_items).unwrap_or_default()
}

/// A re-review. It starts from the evaluation's current answers: items not given keep their
/// answer, missing comments keep the comments. The scoring before it stays in the history.
#[derive(Deserialize, ToSchema)]
pub(crate) struct RereviewBody {
    /// Why the score changes (or why it stands); a missing or blank reason is refused (400
    /// reason_required).
    #[schema(value_type = String, min_length = 1, pattern = r"\S")]
    reason: Option<String>,
    /// The items to change: item id → a level on its scale, or "na".
    #[serde(default)]
    answers: Map<String, Value>,
    /// The new comments; the current ones are kept when missing.
    comments: Option<String>,
}

/// What a workflow step brings: a dispute's or a re-review's reason, a re-review's answers and
/// comments.
#[derive(Default)]
struct StepInput {
    reason: Option<String>,
    dispute_items: Vec<DisputedItem>,
    answers: Map<String, Value>,
    comments: Option<String>,
}

/// A reason that is there and not blank, or 400 reason_required.
fn required_reason(
    user: &CurrentUser,
    reason: Option<String>,
    what: &str,
) -> Result<String, Problem> {
    reason.filter(|r| !r.trim().is_empty()).ok_or_else(|| {
        Problem::bad_request(
            user.locale,
            "reason_required",
            format!("{what} needs a reason"),
        )
        .with_message(user.locale, "reason_required", &[])
    })
}

async fn step(
    state: AppState,
    user: CurrentUser,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
    body: Option<Result<StepInput, JsonRejection>>,
    to: EvaluationStatus,
) -> Result<Json<EvaluationBody>, Problem> {
    user.check_csrf_header(&headers)?;
    let Path(id) = id?;
    let body = match body {
        Some(body) => body?,
        None => StepInput::default(),
    };
    let evaluation = visible(&state, &user, &id).await?;
    let locale = user.locale;
    let own = user.user.agent_id.as_deref() == Some(evaluation.agent_id.as_str());
    let (from, rescore, reason): (&[EvaluationStatus], _, _) = match to {
        EvaluationStatus::Acknowledged | EvaluationStatus::Disputed if !own => {
            return Err(Problem::forbidden(locale));
        }
        EvaluationStatus::Acknowledged => (
            &[EvaluationStatus::Submitted, EvaluationStatus::Rereviewed],
            None,
            None,
        ),
        EvaluationStatus::Disputed => {
            let reason = required_reason(&user, body.reason, "a dispute")?;
            let (_, card) = scorecard_version(
                &state,
                &evaluation.scorecard_id,
                evaluation.scorecard_version,
            )
            .await?;
            let mut items: Vec<DisputedItem> = Vec::new();
            for item in body.dispute_items {
                let item_id = item.item_id.trim().to_owned();
                if !card.items().any(|known| known.id == item_id) {
                    return Err(Problem::bad_request(
                        locale,
                        "unknown_item",
                        format!("'{item_id}' is not an item of the scorecard"),
                    )
                    .with_message(
                        locale,
                        "unknown_item",
                        &[("item", &item_id)],
                    ));
                }
                let reason: String = item
                    .reason
                    .trim()
                    .chars()
                    .take(MAX_ITEM_REASON_CHARS)
                    .collect();
                // the same item twice: the later reason wins
                items.retain(|earlier| earlier.item_id != item_id);
                items.push(DisputedItem { item_id, reason });
            }
            let items = serde_json::to_string(&items).map_err(Problem::internal)?;
            (&[EvaluationStatus::Submitted], None, Some((reason, items)))
        }
        EvaluationStatus::Rereviewed => {
            user.require(Permission::EvaluateQuality)?;
            // re-scored on the version it was first scored on
            let (_, card) = scorecard_version(
                &state,
                &evaluation.scorecard_id,
                evaluation.scorecard_version,
            )
            .await?;
            let reason = required_reason(&user, body.reason, "a re-review")?;
            // the re-review starts from the current answers and comments
            let mut answers = match serde_json::from_str::<Value>(&evaluation.score.answers) {
                Ok(Value::Object(current)) => current,
                _ => return Err(Problem::internal("stored answers are not an object")),
            };
            answers.extend(body.answers);
            let comments = body
                .comments
                .unwrap_or_else(|| evaluation.score.comments.clone());
            let (score, _) = scored(&user, &card, &answers, Some(comments))?;
            (&[EvaluationStatus::Disputed], Some((score, reason)), None)
        }
        EvaluationStatus::Submitted => return Err(Problem::forbidden(locale)),
    };
    let moved = state
        .store
        .advance_evaluation(
            &id,
            &servq_store::EvaluationStep {
                from,
                to,
                rescore: rescore.as_ref().map(|(score, _)| score),
                dispute_reason: reason.as_ref().map(|(reason, _)| reason.as_str()),
                dispute_items: reason.as_ref().map(|(_, items)| items.as_str()),
                rescore_reason: rescore.as_ref().map(|(_, reason)| reason.as_str()),
            },
            &user.actor(),
            now_ms(),
        )
        .await
        .map_err(Problem::internal)?;
    if !moved {
        return Err(Problem::conflict(
            "wrong_status",
            format!(
                "the evaluation is {}, not {}",
                evaluation.status.name(),
                from.iter()
                    .map(|s| s.name())
                    .collect::<Vec<_>>()
                    .join(" or ")
            ),
        )
        .with_message(
            locale,
            "evaluation_wrong_status",
            &[(
                "status",
                &t(locale, &format!("qa.status_{}", evaluation.status.name())),
            )],
        ));
    }
    crate::notifications::notify_now(&state).await;
    let evaluation = visible(&state, &user, &id).await?;
    Ok(Json(with_revisions(&state, &evaluation).await?))
}

/// `POST /api/v1/evaluations/{id}/acknowledge` (the evaluated agent).
#[utoipa::path(post, path = "/api/v1/evaluations/{id}/acknowledge", tag = "qa",
    params(("id" = String, Path, description = "Evaluation id")),
    responses((status = 200, body = EvaluationBody),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 404, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 409, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn acknowledge(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
) -> Result<Json<EvaluationBody>, Problem> {
    step(
        state,
        user,
        headers,
        id,
        None,
        EvaluationStatus::Acknowledged,
    )
    .await
}

/// `POST /api/v1/evaluations/{id}/dispute` `{"reason":…, "items": [{"item_id", "reason"}]}`
/// (the evaluated agent; `items` optional).
#[utoipa::path(post, path = "/api/v1/evaluations/{id}/dispute", tag = "qa",
    params(("id" = String, Path, description = "Evaluation id")), request_body = DisputeBody,
    responses((status = 200, body = EvaluationBody),
        (status = 400, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 404, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 409, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 415, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 422, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn dispute(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
    body: Result<Json<DisputeBody>, JsonRejection>,
) -> Result<Json<EvaluationBody>, Problem> {
    let body = body.map(|Json(body)| StepInput {
        reason: body.reason,
        dispute_items: body.items,
        ..StepInput::default()
    });
    step(
        state,
        user,
        headers,
        id,
        Some(body),
        EvaluationStatus::Disputed,
    )
    .await
}

/// `POST /api/v1/evaluations/{id}/rereview` `{"reason":…,"answers":{…},"comments":…}`
/// (inspectors): re-scores a disputed evaluation from its current answers; the earlier scoring
/// stays in `revisions`.
#[utoipa::path(post, path = "/api/v1/evaluations/{id}/rereview", tag = "qa",
    params(("id" = String, Path, description = "Evaluation id")), request_body = RereviewBody,
    responses((status = 200, body = EvaluationBody),
        (status = 400, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 404, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 409, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 415, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 422, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn rereview(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
    body: Result<Json<RereviewBody>, JsonRejection>,
) -> Result<Json<EvaluationBody>, Problem> {
    let body = body.map(|Json(body)| StepInput {
        reason: body.reason,
        answers: body.answers,
        comments: body.comments,
        ..StepInput::default()
    });
    step(
        state,
        user,
        headers,
        id,
        Some(body),
        EvaluationStatus::Rereviewed,
    )
    .await
}

/// `POST /api/v1/qa/sample` body.
#[derive(Deserialize, ToSchema)]
pub(crate) struct SampleBody {
    /// First day, YYYY-MM-DD in the centre's zone.
    from: String,
    /// Last day, inclusive.
    to: String,
    /// 1 to 100.
    #[schema(minimum = 1, maximum = 100)]
    per_agent: usize,
    #[schema(pattern = "^(random|longest_handle|rule_hits|new_agents|unsatisfied|complaints)$")]
    strategy: String,
    /// For random plans: the same seed picks the same contacts.
    seed: Option<u64>,
    /// For complaint plans: the complaint categories (default: categories containing 投诉,
    /// 投訴 or complaint).
    #[serde(default)]
    complaint_categories: Vec<String>,
    /// A plan by tag: only contacts of customers carrying this tag — typed, computed by the tag
    /// rules (e.g. `frequent`, `complained_90d`) or as their segment (e.g. `VIP`).
    #[serde(default)]
    customer_tag: Option<String>,
}

/// A sampling plan's result.
#[derive(Serialize, ToSchema)]
pub(crate) struct SampleResult {
    plan: String,
    /// Contacts that could be picked.
    candidates: usize,
    /// Contacts queued.
    queued: u64,
}

/// `POST /api/v1/qa/sample`: a sampling plan — N answered contacts per agent from a period, at
/// random or targeted — queued for evaluation (contacts already evaluated or queued are skipped).
#[utoipa::path(post, path = "/api/v1/qa/sample", tag = "qa", request_body = SampleBody,
    responses((status = 201, body = SampleResult),
        (status = 400, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 415, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 422, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn sample(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    request: Result<Json<SampleBody>, JsonRejection>,
) -> Result<(StatusCode, Json<SampleResult>), Problem> {
    user.require(Permission::EvaluateQuality)?;
    user.check_csrf_header(&headers)?;
    let Json(request) = request?;
    let locale = user.locale;
    let strategy = servq_qa::Strategy::parse(&request.strategy).ok_or_else(|| {
        Problem::bad_request(
            locale,
            "unknown_strategy",
            format!(
                "strategy '{}' is not random, longest_handle, rule_hits, new_agents, unsatisfied or complaints",
                request.strategy
            ),
        )
    })?;
    if !(1..=100).contains(&request.per_agent) {
        return Err(Problem::bad_request(
            locale,
            "bad_per_agent",
            "per_agent must be 1 to 100".to_owned(),
        ));
    }
    let (_, zone) = state.centre_zone().await?;
    let (from_ms, to_ms) =
        crate::query_params::day_range_ms(locale, &zone, Some(&request.from), Some(&request.to))?;
    let (Some(from_ms), Some(to_ms)) = (from_ms, to_ms) else {
        return Err(Problem::bad_request(
            locale,
            "bad_date",
            "from and to are required".to_owned(),
        ));
    };
    let candidates: Vec<servq_qa::Candidate> = state
        .store
        .sampling_candidates(
            from_ms,
            to_ms,
            request
                .customer_tag
                .as_deref()
                .map(str::trim)
                .filter(|tag| !tag.is_empty()),
        )
        .await
        .map_err(Problem::internal)?
        .into_iter()
        .map(|c| servq_qa::Candidate {
            contact_id: c.contact_id,
            agent_id: c.agent_id,
            handle_ms: c.handle_ms,
            rule_hits: c.rule_hits,
            new_agent: servq_qa::is_new_agent(c.agent_first_day_ms, to_ms),
            unsatisfied: c.unsatisfied,
            complaint: servq_qa::is_complaint_category(&c.category, &request.complaint_categories),
        })
        .collect();
    let seed = request.seed.unwrap_or_else(|| now_ms() as u64);
    let picks: Vec<(String, String)> =
        servq_qa::sample(&candidates, request.per_agent, strategy, seed)
            .into_iter()
            .map(|c| (c.contact_id.clone(), c.agent_id.clone()))
            .collect();
    let plan = format!(
        "{} {}/agent {}..{} seed {seed}{}",
        strategy.name(),
        request.per_agent,
        request.from.trim(),
        request.to.trim(),
        match request.customer_tag.as_deref().map(str::trim) {
            Some(tag) if !tag.is_empty() => format!(" tag {tag}"),
            _ => String::new(),
        }
    );
    let queued = state
        .store
        .queue_for_evaluation(&picks, &plan, &user.actor(), now_ms())
        .await
        .map_err(Problem::internal)?;
    Ok((
        StatusCode::CREATED,
        Json(SampleResult {
            plan,
            candidates: candidates.len(),
            queued,
        }),
    ))
}

/// One queued interaction.
#[derive(Serialize, ToSchema)]
pub(crate) struct QueueItem {
    contact_id: String,
    agent_id: String,
    plan: String,
    queued_at: String,
}

/// `GET /api/v1/qa/queue`.
#[derive(Serialize, ToSchema)]
pub(crate) struct QueueBody {
    items: Vec<QueueItem>,
}

/// `GET /api/v1/qa/queue`: interactions waiting for an evaluation, oldest first.
#[utoipa::path(get, path = "/api/v1/qa/queue", tag = "qa",
    params(("limit" = Option<i64>, Query, description = "1 to 1000, default 200")),
    responses((status = 200, body = QueueBody),
        (status = 400, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn queue(
    State(state): State<AppState>,
    user: CurrentUser,
    params: Result<Query<ListParams>, QueryRejection>,
) -> Result<Json<QueueBody>, Problem> {
    user.require(Permission::EvaluateQuality)?;
    let Query(params) = params?;
    let items = state
        .store
        .evaluation_queue(params.limit.unwrap_or(200).clamp(1, 1000))
        .await
        .map_err(Problem::internal)?;
    Ok(Json(QueueBody {
        items: items
            .into_iter()
            .map(|item| QueueItem {
                queued_at: crate::rfc3339(item.created_ms),
                contact_id: item.contact_id,
                agent_id: item.agent_id,
                plan: item.plan,
            })
            .collect(),
    }))
}

/// `POST /api/v1/calibrations` body.
#[derive(Deserialize, ToSchema)]
pub(crate) struct NewCalibrationBody {
    contact_id: String,
    /// Default `default`.
    scorecard_id: Option<String>,
}

/// `POST /api/v1/calibrations/{id}/scores` body.
#[derive(Deserialize, ToSchema)]
pub(crate) struct CalibrationScoreBody {
    /// Every item id of the scorecard: a level on its scale, or "na".
    answers: Map<String, Value>,
}

/// `POST /api/v1/calibrations/{id}/close` body.
#[derive(Deserialize, ToSchema)]
pub(crate) struct CloseCalibrationBody {
    /// `mean` or the user name of an inspector who scored.
    reference: String,
}

/// One inspector's calibration result.
#[derive(Serialize, ToSchema)]
pub(crate) struct CalibrationResult {
    inspector: String,
    score: Option<f64>,
    /// Score − reference score.
    deviation: Option<f64>,
}

/// A calibration session.
#[derive(Serialize, ToSchema)]
pub(crate) struct CalibrationBody {
    id: String,
    contact_id: String,
    scorecard_id: String,
    scorecard_version: i64,
    created_by: String,
    /// open or closed.
    status: String,
    /// Who has scored (their scores stay hidden while open).
    inspectors: Vec<String>,
    /// Once closed.
    #[serde(skip_serializing_if = "Option::is_none")]
    reference: Option<String>,
    /// Once closed (null when no score could be compared).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<f64>)]
    reference_score: Option<Option<f64>>,
    /// Once closed.
    #[serde(skip_serializing_if = "Option::is_none")]
    results: Option<Vec<CalibrationResult>>,
}

/// A closed session's reference (`mean` or an inspector), its score and every inspector's
/// deviation from it; `None` while the session is open.
pub(crate) fn comparison(
    calibration: &servq_store::Calibration,
) -> Option<(&str, Option<f64>, Vec<servq_qa::Deviation>)> {
    let reference = calibration.reference.as_deref()?;
    let scores: Vec<(String, Option<f64>)> = calibration
        .scores
        .iter()
        .map(|(name, _, score)| (name.clone(), *score))
        .collect();
    let how = if reference == "mean" {
        servq_qa::Reference::Mean
    } else {
        servq_qa::Reference::Inspector(reference.to_owned())
    };
    let (reference_score, rows) = servq_qa::deviations(&scores, &how);
    Some((reference, reference_score, rows))
}

/// A session: while open, who has scored (not the scores: inspectors score blind); once
/// closed, every score and its deviation from the reference.
impl From<&servq_store::Calibration> for CalibrationBody {
    fn from(calibration: &servq_store::Calibration) -> CalibrationBody {
        let mut body = CalibrationBody {
            id: calibration.calibration_id.clone(),
            contact_id: calibration.contact_id.clone(),
            scorecard_id: calibration.scorecard_id.clone(),
            scorecard_version: calibration.scorecard_version,
            created_by: calibration.created_by.clone(),
            status: if calibration.reference.is_some() {
                "closed"
            } else {
                "open"
            }
            .to_owned(),
            inspectors: calibration
                .scores
                .iter()
                .map(|(name, _, _)| name.clone())
                .collect(),
            reference: None,
            reference_score: None,
            results: None,
        };
        if let Some((reference, reference_score, rows)) = comparison(calibration) {
            body.reference = Some(reference.to_owned());
            body.reference_score = Some(reference_score);
            body.results = Some(
                rows.into_iter()
                    .map(|row| CalibrationResult {
                        inspector: row.inspector,
                        score: row.score,
                        deviation: row.deviation,
                    })
                    .collect(),
            );
        }
        body
    }
}

async fn load_calibration(
    state: &AppState,
    user: &CurrentUser,
    id: &str,
) -> Result<servq_store::Calibration, Problem> {
    state
        .store
        .calibration(id)
        .await
        .map_err(Problem::internal)?
        .ok_or_else(|| Problem::not_found(user.locale))
}

/// `POST /api/v1/calibrations`: opens a session on one contact.
#[utoipa::path(post, path = "/api/v1/calibrations", tag = "qa", request_body = NewCalibrationBody,
    responses((status = 201, body = CalibrationBody),
        (status = 400, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 404, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 415, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 422, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn create_calibration(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    request: Result<Json<NewCalibrationBody>, JsonRejection>,
) -> Result<(StatusCode, Json<CalibrationBody>), Problem> {
    user.require(Permission::EvaluateQuality)?;
    user.check_csrf_header(&headers)?;
    let Json(request) = request?;
    state
        .store
        .contact_agent(&request.contact_id)
        .await
        .map_err(Problem::internal)?
        .ok_or_else(|| Problem::not_found(user.locale))?;
    let scorecard_id = request.scorecard_id.as_deref().unwrap_or(DEFAULT_SCORECARD);
    let (stored, _) = current_scorecard(&state, scorecard_id)
        .await?
        .ok_or_else(|| Problem::not_found(user.locale))?;
    let id = auth::new_token()[..24].to_owned();
    state
        .store
        .create_calibration(
            &id,
            &request.contact_id,
            &stored.scorecard_id,
            stored.version,
            &user.actor(),
            now_ms(),
        )
        .await
        .map_err(Problem::internal)?;
    let calibration = load_calibration(&state, &user, &id).await?;
    Ok((
        StatusCode::CREATED,
        Json(CalibrationBody::from(&calibration)),
    ))
}

/// `POST /api/v1/calibrations/{id}/scores`: the caller's blind score (once per inspector).
#[utoipa::path(post, path = "/api/v1/calibrations/{id}/scores", tag = "qa",
    params(("id" = String, Path, description = "Calibration id")),
    request_body = CalibrationScoreBody,
    responses((status = 200, body = CalibrationBody),
        (status = 400, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 404, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 409, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 415, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 422, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn score_calibration(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
    request: Result<Json<CalibrationScoreBody>, JsonRejection>,
) -> Result<Json<CalibrationBody>, Problem> {
    user.require(Permission::EvaluateQuality)?;
    user.check_csrf_header(&headers)?;
    let Path(id) = id?;
    let Json(request) = request?;
    let calibration = load_calibration(&state, &user, &id).await?;
    let (_, card) = scorecard_version(
        &state,
        &calibration.scorecard_id,
        calibration.scorecard_version,
    )
    .await?;
    let (score, _) = scored(&user, &card, &request.answers, None)?;
    let added = state
        .store
        .add_calibration_score(
            &id,
            &user.user.username,
            &score.answers,
            score.score,
            now_ms(),
        )
        .await
        .map_err(Problem::internal)?;
    if !added {
        return Err(Problem::conflict(
            "already_scored",
            "the session is closed or you have scored it already".to_owned(),
        ));
    }
    Ok(Json(CalibrationBody::from(
        &load_calibration(&state, &user, &id).await?,
    )))
}

/// `POST /api/v1/calibrations/{id}/close` `{"reference":"mean" or an inspector}`: ends the
/// session and reveals every score with its deviation from the reference.
#[utoipa::path(post, path = "/api/v1/calibrations/{id}/close", tag = "qa",
    params(("id" = String, Path, description = "Calibration id")),
    request_body = CloseCalibrationBody,
    responses((status = 200, body = CalibrationBody),
        (status = 400, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 404, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 409, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 415, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 422, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn close_calibration(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
    request: Result<Json<CloseCalibrationBody>, JsonRejection>,
) -> Result<Json<CalibrationBody>, Problem> {
    user.require(Permission::EvaluateQuality)?;
    user.check_csrf_header(&headers)?;
    let Path(id) = id?;
    let Json(request) = request?;
    let calibration = load_calibration(&state, &user, &id).await?;
    let reference = request.reference.trim();
    if reference != "mean"
        && !calibration
            .scores
            .iter()
            .any(|(name, _, _)| name == reference)
    {
        return Err(Problem::bad_request(
            user.locale,
            "bad_reference",
            format!("reference '{reference}' is neither mean nor an inspector who scored"),
        ));
    }
    if !state
        .store
        .close_calibration(&id, reference, &user.actor(), now_ms())
        .await
        .map_err(Problem::internal)?
    {
        return Err(Problem::conflict(
            "closed",
            "the session is closed already".to_owned(),
        ));
    }
    Ok(Json(CalibrationBody::from(
        &load_calibration(&state, &user, &id).await?,
    )))
}

/// `GET /api/v1/calibrations/{id}`.
#[utoipa::path(get, path = "/api/v1/calibrations/{id}", tag = "qa",
    params(("id" = String, Path, description = "Calibration id")),
    responses((status = 200, body = CalibrationBody),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 404, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn calibration(
    State(state): State<AppState>,
    user: CurrentUser,
    id: Result<Path<String>, PathRejection>,
) -> Result<Json<CalibrationBody>, Problem> {
    user.require(Permission::EvaluateQuality)?;
    let Path(id) = id?;
    Ok(Json(CalibrationBody::from(
        &load_calibration(&state, &user, &id).await?,
    )))
}

#[derive(Deserialize)]
pub(crate) struct CoachingParams {
    from: Option<String>,
    to: Option<String>,
}

/// The problems and flags of the coaching rules over `from`–`to`; an agent gets the problems
/// they failed and the flags about themselves.
pub(crate) async fn coaching_suggestions(
    state: &AppState,
    user: &CurrentUser,
    from: jiff::civil::Date,
    to: jiff::civil::Date,
) -> Result<
    (
        Vec<servq_app::coaching::NamedProblem>,
        Vec<servq_app::coaching::Flag>,
    ),
    Problem,
> {
    let (_, zone) = state.centre_zone().await?;
    let rules = servq_qa::CoachingRules::default();
    let mut problems = servq_app::coaching::problems(&state.store, &zone, from, to, &rules)
        .await
        .map_err(Problem::internal)?;
    let mut flagged = servq_app::coaching::flags(&state.store, &zone, from, to, &rules)
        .await
        .map_err(Problem::internal)?;
    if !user.user.role.allows(Permission::ViewAllKpis) {
        let own = user.user.agent_id.clone().unwrap_or_default();
        problems.retain(|p| p.share.agents.contains(&own));
        for problem in &mut problems {
            problem.share.agents.retain(|a| *a == own);
        }
        flagged.retain(|f| f.agent_id == own);
    }
    Ok((problems, flagged))
}

/// The coaching period: the days given, or the 30 days up to yesterday.
pub(crate) async fn coaching_period(
    state: &AppState,
    user: &CurrentUser,
    from: Option<&str>,
    to: Option<&str>,
) -> Result<(jiff::civil::Date, jiff::civil::Date), Problem> {
    let (_, zone) = state.centre_zone().await?;
    let yesterday = crate::query_params::add_days(crate::query_params::today(&zone), -1);
    let day = |text: Option<&str>, default| match text.map(str::trim).filter(|t| !t.is_empty()) {
        Some(text) => crate::query_params::parse_date(user.locale, text),
        None => Ok(default),
    };
    Ok((
        day(from, crate::query_params::add_days(yesterday, -29))?,
        day(to, yesterday)?,
    ))
}

/// The coaching list: automated-QA hits per agent and rule over a period (default the last 30
/// days), most frequent first; agents see their own.
pub(crate) async fn coaching_items(
    state: &AppState,
    user: &CurrentUser,
    from: Option<&str>,
    to: Option<&str>,
) -> Result<Vec<servq_store::CoachingItem>, Problem> {
    user.require(Permission::ViewOwnKpis)?;
    let (_, zone) = state.centre_zone().await?;
    let (from, to) = coaching_period(state, user, from, to).await?;
    let (from_ms, to_ms) = crate::query_params::day_range_ms(
        user.locale,
        &zone,
        Some(&from.to_string()),
        Some(&to.to_string()),
    )?;
    let own = (!user.user.role.allows(Permission::ViewAllKpis))
        .then(|| user.user.agent_id.clone().unwrap_or_default());
    state
        .store
        .coaching_list(
            own.as_deref(),
            from_ms.unwrap_or(0),
            to_ms.unwrap_or(i64::MAX),
        )
        .await
        .map_err(Problem::internal)
}

/// One line of the coaching list.
#[derive(Serialize, ToSchema)]
pub(crate) struct CoachingItem {
    agent_id: String,
    rule: String,
    kind: String,
    hits: i64,
    contacts: i64,
    /// A contact to listen to.
    example_contact: String,
}

/// A problem many agents share (group training) or few (one-to-one coaching).
#[derive(Serialize, ToSchema)]
pub(crate) struct CoachingProblemBody {
    /// `item` (a scorecard item failed: the agent's mean below 60 % of its maximum) or `rule`
    /// (an automated-QA rule that hit one of the agent's contacts).
    kind: &'static str,
    /// The item id or rule name.
    id: String,
    /// The item's name, or the rule's.
    name: String,
    /// The agents who failed it.
    agents: Vec<String>,
    /// Their share of the agents with an evaluation or a scanned transcript in the period.
    share: f64,
    /// `group_training` (a share of at least 30 %) or `one_to_one`.
    suggestion: &'static str,
}

/// An agent to coach on a measure.
#[derive(Serialize, ToSchema)]
pub(crate) struct CoachingFlagBody {
    agent_id: String,
    /// A measure of the evaluation model, or `composite`.
    metric: String,
    value: f64,
    /// The centre's value (the cut, for the composite).
    reference: f64,
}

/// `GET /api/v1/qa/coaching`.
#[derive(Serialize, ToSchema)]
pub(crate) struct CoachingBody {
    items: Vec<CoachingItem>,
    /// Common and individual problems, most shared first (agents: those they failed).
    problems: Vec<CoachingProblemBody>,
    /// Agents in the bottom 10 % of a measure (where their sample tells them from the centre)
    /// or below a composite of 60 (agents: their own).
    flagged: Vec<CoachingFlagBody>,
}

/// `GET /api/v1/qa/coaching?from=&to=`.
#[utoipa::path(get, path = "/api/v1/qa/coaching", tag = "qa",
    params(("from" = Option<String>, Query, description = "First day (default 30 days before yesterday)"),
        ("to" = Option<String>, Query, description = "Last day (default yesterday)")),
    responses((status = 200, body = CoachingBody),
        (status = 400, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn coaching(
    State(state): State<AppState>,
    user: CurrentUser,
    params: Result<Query<CoachingParams>, QueryRejection>,
) -> Result<Json<CoachingBody>, Problem> {
    let Query(params) = params?;
    let items = coaching_items(&state, &user, params.from.as_deref(), params.to.as_deref()).await?;
    let (from, to) =
        coaching_period(&state, &user, params.from.as_deref(), params.to.as_deref()).await?;
    let (problems, flagged) = coaching_suggestions(&state, &user, from, to).await?;
    Ok(Json(CoachingBody {
        problems: problems
            .into_iter()
            .map(|problem| CoachingProblemBody {
                kind: problem.share.problem.kind(),
                id: problem.share.problem.id().to_owned(),
                name: problem.name,
                agents: problem.share.agents,
                share: problem.share.share,
                suggestion: if problem.share.common {
                    "group_training"
                } else {
                    "one_to_one"
                },
            })
            .collect(),
        flagged: flagged
            .into_iter()
            .map(|flag| CoachingFlagBody {
                agent_id: flag.agent_id,
                metric: flag.metric,
                value: flag.value,
                reference: flag.reference,
            })
            .collect(),
        items: items
            .into_iter()
            .map(|item| CoachingItem {
                agent_id: item.agent_id,
                rule: item.rule,
                kind: item.kind,
                hits: item.hits,
                contacts: item.contacts,
                example_contact: item.example_contact,
            })
            .collect(),
    }))
}
