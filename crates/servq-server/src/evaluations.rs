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
    response::{IntoResponse, Response},
};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use servq_core::Permission;
use servq_qa::{Answer, Scorecard};
use servq_store::{Actor, Evaluation, EvaluationScore, EvaluationStatus, StoredScorecard};

use crate::{
    AppState, Problem,
    auth::{self, CurrentUser},
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

/// `GET /api/v1/scorecards/{id}`: the newest version of a scorecard (`default` always exists).
#[utoipa::path(get, path = "/api/v1/scorecards/{id}", tag = "qa",
    params(("id" = String, Path, description = "Scorecard id; `default` is the shipped one")),
    responses((status = 200, body = crate::openapi::ScorecardBody),
        (status = 401, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::openapi::Problem, content_type = "application/problem+json")))]
pub(crate) async fn scorecard(
    State(state): State<AppState>,
    user: CurrentUser,
    id: Result<Path<String>, PathRejection>,
) -> Result<Json<Value>, Problem> {
    user.require(Permission::ViewOwnKpis)?;
    let Path(id) = id?;
    let (stored, card) = current_scorecard(&state, &id)
        .await?
        .ok_or_else(|| Problem::not_found(user.locale))?;
    Ok(Json(json!({
        "scorecard_id": stored.scorecard_id,
        "version": stored.version,
        "name": stored.name,
        "sections": serde_json::to_value(&card.sections).map_err(Problem::internal)?,
    })))
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

fn evaluation_json(evaluation: &Evaluation) -> Value {
    json!({
        "id": evaluation.evaluation_id,
        "contact_id": evaluation.contact_id,
        "agent_id": evaluation.agent_id,
        "scorecard_id": evaluation.scorecard_id,
        "scorecard_version": evaluation.scorecard_version,
        "inspector": evaluation.inspector,
        "status": evaluation.status.name(),
        "score": evaluation.score.score,
        "failed_critical": evaluation.score.failed_critical,
        "answers": serde_json::from_str::<Value>(&evaluation.score.answers).unwrap_or(Value::Null),
        "comments": evaluation.score.comments,
        "dispute_reason": evaluation.dispute_reason,
        "created_at": crate::rfc3339(evaluation.created_ms),
        "updated_at": crate::rfc3339(evaluation.updated_ms),
    })
}

#[derive(Deserialize)]
pub(crate) struct NewEvaluation {
    contact_id: String,
    scorecard_id: Option<String>,
    answers: Map<String, Value>,
    comments: Option<String>,
}

/// `POST /api/v1/evaluations`: score a contact; the agent who handled it is taken from the
/// contact.
#[utoipa::path(post, path = "/api/v1/evaluations", tag = "qa", request_body = crate::openapi::NewEvaluationBody,
    responses((status = 201, body = crate::openapi::EvaluationBody),
        (status = 400, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 401, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 403, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 415, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 422, body = crate::openapi::Problem, content_type = "application/problem+json")))]
pub(crate) async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    request: Result<Json<NewEvaluation>, JsonRejection>,
) -> Result<Response, Problem> {
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
    state
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
    let evaluation = state
        .store
        .evaluation(&id)
        .await
        .map_err(Problem::internal)?
        .ok_or_else(|| Problem::internal("the evaluation just stored is missing"))?;
    Ok((StatusCode::CREATED, Json(evaluation_json(&evaluation))).into_response())
}

/// The evaluation if the user may see it: agents only their own.
async fn visible(state: &AppState, user: &CurrentUser, id: &str) -> Result<Evaluation, Problem> {
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

/// `GET /api/v1/evaluations`: the newest first (agents: their own).
#[utoipa::path(get, path = "/api/v1/evaluations", tag = "qa",
    params(("limit" = Option<i64>, Query, description = "1 to 500, default 100")),
    responses((status = 200, body = crate::openapi::EvaluationList),
        (status = 400, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 401, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 403, body = crate::openapi::Problem, content_type = "application/problem+json")))]
pub(crate) async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    params: Result<Query<ListParams>, QueryRejection>,
) -> Result<Json<Value>, Problem> {
    user.require(Permission::ViewOwnKpis)?;
    let Query(params) = params?;
    let own = (!user.user.role.allows(Permission::ViewAllKpis))
        .then(|| user.user.agent_id.clone().unwrap_or_default());
    let evaluations = state
        .store
        .evaluations(own.as_deref(), params.limit.unwrap_or(100).clamp(1, 500))
        .await
        .map_err(Problem::internal)?;
    Ok(Json(json!({
        "evaluations": evaluations.iter().map(evaluation_json).collect::<Vec<_>>(),
    })))
}

/// `GET /api/v1/evaluations/{id}`.
#[utoipa::path(get, path = "/api/v1/evaluations/{id}", tag = "qa",
    params(("id" = String, Path, description = "Evaluation id")),
    responses((status = 200, body = crate::openapi::EvaluationBody),
        (status = 401, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 403, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::openapi::Problem, content_type = "application/problem+json")))]
pub(crate) async fn one(
    State(state): State<AppState>,
    user: CurrentUser,
    id: Result<Path<String>, PathRejection>,
) -> Result<Json<Value>, Problem> {
    let Path(id) = id?;
    Ok(Json(evaluation_json(&visible(&state, &user, &id).await?)))
}

/// A workflow step: acknowledge, dispute or re-review.
#[derive(Deserialize, Default)]
pub(crate) struct StepBody {
    reason: Option<String>,
    answers: Option<Map<String, Value>>,
    comments: Option<String>,
}

async fn step(
    state: AppState,
    user: CurrentUser,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
    body: Option<Result<Json<StepBody>, JsonRejection>>,
    to: EvaluationStatus,
) -> Result<Json<Value>, Problem> {
    user.check_csrf_header(&headers)?;
    let Path(id) = id?;
    let body = match body {
        Some(body) => body?.0,
        None => StepBody::default(),
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
            let reason = body
                .reason
                .filter(|r| !r.trim().is_empty())
                .ok_or_else(|| {
                    Problem::bad_request(
                        locale,
                        "reason_required",
                        "a dispute needs a reason".to_owned(),
                    )
                })?;
            (&[EvaluationStatus::Submitted], None, Some(reason))
        }
        EvaluationStatus::Rereviewed => {
            user.require(Permission::EvaluateQuality)?;
            let (stored, card) = current_scorecard(&state, &evaluation.scorecard_id)
                .await?
                .ok_or_else(|| Problem::not_found(locale))?;
            // re-scored on the version it was first scored on
            let card = if stored.version == evaluation.scorecard_version {
                card
            } else {
                let original = state
                    .store
                    .scorecard(&evaluation.scorecard_id, Some(evaluation.scorecard_version))
                    .await
                    .map_err(Problem::internal)?
                    .ok_or_else(|| Problem::internal("scorecard version missing"))?;
                serde_json::from_str(&original.definition).map_err(Problem::internal)?
            };
            let answers = body.answers.ok_or_else(|| {
                Problem::bad_request(
                    locale,
                    "bad_answers",
                    "a re-review needs answers".to_owned(),
                )
            })?;
            let (score, _) = scored(&user, &card, &answers, body.comments)?;
            (&[EvaluationStatus::Disputed], Some(score), None)
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
                rescore: rescore.as_ref(),
                dispute_reason: reason.as_deref(),
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
        ));
    }
    Ok(Json(evaluation_json(&visible(&state, &user, &id).await?)))
}

/// `POST /api/v1/evaluations/{id}/acknowledge` (the evaluated agent).
#[utoipa::path(post, path = "/api/v1/evaluations/{id}/acknowledge", tag = "qa",
    params(("id" = String, Path, description = "Evaluation id")),
    responses((status = 200, body = crate::openapi::EvaluationBody),
        (status = 401, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 403, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 409, body = crate::openapi::Problem, content_type = "application/problem+json")))]
pub(crate) async fn acknowledge(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
) -> Result<Json<Value>, Problem> {
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

/// `POST /api/v1/evaluations/{id}/dispute` `{"reason":…}` (the evaluated agent).
#[utoipa::path(post, path = "/api/v1/evaluations/{id}/dispute", tag = "qa",
    params(("id" = String, Path, description = "Evaluation id")), request_body = crate::openapi::DisputeBody,
    responses((status = 200, body = crate::openapi::EvaluationBody),
        (status = 400, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 401, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 403, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 409, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 415, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 422, body = crate::openapi::Problem, content_type = "application/problem+json")))]
pub(crate) async fn dispute(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
    body: Result<Json<StepBody>, JsonRejection>,
) -> Result<Json<Value>, Problem> {
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

/// `POST /api/v1/evaluations/{id}/rereview` `{"answers":{…},"comments":…}` (inspectors).
#[utoipa::path(post, path = "/api/v1/evaluations/{id}/rereview", tag = "qa",
    params(("id" = String, Path, description = "Evaluation id")), request_body = crate::openapi::RereviewBody,
    responses((status = 200, body = crate::openapi::EvaluationBody),
        (status = 400, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 401, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 403, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 409, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 415, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 422, body = crate::openapi::Problem, content_type = "application/problem+json")))]
pub(crate) async fn rereview(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
    body: Result<Json<StepBody>, JsonRejection>,
) -> Result<Json<Value>, Problem> {
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

#[derive(Deserialize)]
pub(crate) struct SampleRequest {
    from: String,
    to: String,
    per_agent: usize,
    strategy: String,
    seed: Option<u64>,
    #[serde(default)]
    complaint_categories: Vec<String>,
}

/// `POST /api/v1/qa/sample`: a sampling plan — N answered contacts per agent from a period, at
/// random or targeted — queued for evaluation (contacts already evaluated or queued are skipped).
#[utoipa::path(post, path = "/api/v1/qa/sample", tag = "qa", request_body = crate::openapi::SampleBody,
    responses((status = 201, body = crate::openapi::SampleResult),
        (status = 400, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 401, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 403, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 415, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 422, body = crate::openapi::Problem, content_type = "application/problem+json")))]
pub(crate) async fn sample(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    request: Result<Json<SampleRequest>, JsonRejection>,
) -> Result<Response, Problem> {
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
        .sampling_candidates(from_ms, to_ms)
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
        "{} {}/agent {}..{} seed {seed}",
        strategy.name(),
        request.per_agent,
        request.from.trim(),
        request.to.trim()
    );
    let queued = state
        .store
        .queue_for_evaluation(&picks, &plan, &user.actor(), now_ms())
        .await
        .map_err(Problem::internal)?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"plan": plan, "candidates": candidates.len(), "queued": queued})),
    )
        .into_response())
}

/// `GET /api/v1/qa/queue`: interactions waiting for an evaluation, oldest first.
#[utoipa::path(get, path = "/api/v1/qa/queue", tag = "qa",
    params(("limit" = Option<i64>, Query, description = "1 to 1000, default 200")),
    responses((status = 200, body = crate::openapi::QueueBody),
        (status = 400, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 401, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 403, body = crate::openapi::Problem, content_type = "application/problem+json")))]
pub(crate) async fn queue(
    State(state): State<AppState>,
    user: CurrentUser,
    params: Result<Query<ListParams>, QueryRejection>,
) -> Result<Json<Value>, Problem> {
    user.require(Permission::EvaluateQuality)?;
    let Query(params) = params?;
    let items = state
        .store
        .evaluation_queue(params.limit.unwrap_or(200).clamp(1, 1000))
        .await
        .map_err(Problem::internal)?;
    Ok(Json(json!({
        "items": items.iter().map(|item| json!({
            "contact_id": item.contact_id,
            "agent_id": item.agent_id,
            "plan": item.plan,
            "queued_at": crate::rfc3339(item.created_ms),
        })).collect::<Vec<_>>(),
    })))
}

#[derive(Deserialize)]
pub(crate) struct NewCalibration {
    contact_id: String,
    scorecard_id: Option<String>,
}

#[derive(Deserialize)]
pub(crate) struct CalibrationScore {
    answers: Map<String, Value>,
}

#[derive(Deserialize)]
pub(crate) struct CloseCalibration {
    reference: String,
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

/// A session as JSON: while open, who has scored (not the scores: inspectors score blind);
/// once closed, every score and its deviation from the reference.
fn calibration_json(calibration: &servq_store::Calibration) -> Value {
    let mut body = json!({
        "id": calibration.calibration_id,
        "contact_id": calibration.contact_id,
        "scorecard_id": calibration.scorecard_id,
        "scorecard_version": calibration.scorecard_version,
        "created_by": calibration.created_by,
        "status": if calibration.reference.is_some() { "closed" } else { "open" },
        "inspectors": calibration.scores.iter().map(|(name, _, _)| name).collect::<Vec<_>>(),
    });
    if let Some((reference, reference_score, rows)) = comparison(calibration) {
        body["reference"] = json!(reference);
        body["reference_score"] = json!(reference_score);
        body["results"] = rows
            .iter()
            .map(|row| {
                json!({"inspector": row.inspector, "score": row.score, "deviation": row.deviation})
            })
            .collect();
    }
    body
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
#[utoipa::path(post, path = "/api/v1/calibrations", tag = "qa", request_body = crate::openapi::NewCalibrationBody,
    responses((status = 201, body = crate::openapi::CalibrationBody),
        (status = 400, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 401, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 403, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 415, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 422, body = crate::openapi::Problem, content_type = "application/problem+json")))]
pub(crate) async fn create_calibration(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    request: Result<Json<NewCalibration>, JsonRejection>,
) -> Result<Response, Problem> {
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
    Ok((StatusCode::CREATED, Json(calibration_json(&calibration))).into_response())
}

/// `POST /api/v1/calibrations/{id}/scores`: the caller's blind score (once per inspector).
#[utoipa::path(post, path = "/api/v1/calibrations/{id}/scores", tag = "qa",
    params(("id" = String, Path, description = "Calibration id")), request_body = crate::openapi::RereviewBody,
    responses((status = 200, body = crate::openapi::CalibrationBody),
        (status = 400, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 401, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 403, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 409, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 415, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 422, body = crate::openapi::Problem, content_type = "application/problem+json")))]
pub(crate) async fn score_calibration(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
    request: Result<Json<CalibrationScore>, JsonRejection>,
) -> Result<Json<Value>, Problem> {
    user.require(Permission::EvaluateQuality)?;
    user.check_csrf_header(&headers)?;
    let Path(id) = id?;
    let Json(request) = request?;
    let calibration = load_calibration(&state, &user, &id).await?;
    let stored = state
        .store
        .scorecard(
            &calibration.scorecard_id,
            Some(calibration.scorecard_version),
        )
        .await
        .map_err(Problem::internal)?
        .ok_or_else(|| Problem::internal("scorecard version missing"))?;
    let card: Scorecard = serde_json::from_str(&stored.definition).map_err(Problem::internal)?;
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
    Ok(Json(calibration_json(
        &load_calibration(&state, &user, &id).await?,
    )))
}

/// `POST /api/v1/calibrations/{id}/close` `{"reference":"mean" or an inspector}`: ends the
/// session and reveals every score with its deviation from the reference.
#[utoipa::path(post, path = "/api/v1/calibrations/{id}/close", tag = "qa",
    params(("id" = String, Path, description = "Calibration id")), request_body = crate::openapi::CloseCalibrationBody,
    responses((status = 200, body = crate::openapi::CalibrationBody),
        (status = 400, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 401, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 403, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 409, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 415, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 422, body = crate::openapi::Problem, content_type = "application/problem+json")))]
pub(crate) async fn close_calibration(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
    request: Result<Json<CloseCalibration>, JsonRejection>,
) -> Result<Json<Value>, Problem> {
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
    Ok(Json(calibration_json(
        &load_calibration(&state, &user, &id).await?,
    )))
}

/// `GET /api/v1/calibrations/{id}`.
#[utoipa::path(get, path = "/api/v1/calibrations/{id}", tag = "qa",
    params(("id" = String, Path, description = "Calibration id")),
    responses((status = 200, body = crate::openapi::CalibrationBody),
        (status = 401, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 403, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::openapi::Problem, content_type = "application/problem+json")))]
pub(crate) async fn calibration(
    State(state): State<AppState>,
    user: CurrentUser,
    id: Result<Path<String>, PathRejection>,
) -> Result<Json<Value>, Problem> {
    user.require(Permission::EvaluateQuality)?;
    let Path(id) = id?;
    Ok(Json(calibration_json(
        &load_calibration(&state, &user, &id).await?,
    )))
}

#[derive(Deserialize)]
pub(crate) struct CoachingParams {
    from: Option<String>,
    to: Option<String>,
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
    let yesterday = crate::query_params::add_days(crate::query_params::today(&zone), -1);
    let default_from = crate::query_params::add_days(yesterday, -29).to_string();
    let default_to = yesterday.to_string();
    let (from_ms, to_ms) = crate::query_params::day_range_ms(
        user.locale,
        &zone,
        Some(
            from.filter(|f| !f.trim().is_empty())
                .unwrap_or(&default_from),
        ),
        Some(to.filter(|t| !t.trim().is_empty()).unwrap_or(&default_to)),
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

/// `GET /api/v1/qa/coaching?from=&to=`.
#[utoipa::path(get, path = "/api/v1/qa/coaching", tag = "qa",
    params(("from" = Option<String>, Query, description = "First day (default 30 days before yesterday)"),
        ("to" = Option<String>, Query, description = "Last day (default yesterday)")),
    responses((status = 200, body = crate::openapi::CoachingBody),
        (status = 400, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 401, body = crate::openapi::Problem, content_type = "application/problem+json")))]
pub(crate) async fn coaching(
    State(state): State<AppState>,
    user: CurrentUser,
    params: Result<Query<CoachingParams>, QueryRejection>,
) -> Result<Json<Value>, Problem> {
    let Query(params) = params?;
    let items = coaching_items(&state, &user, params.from.as_deref(), params.to.as_deref()).await?;
    Ok(Json(json!({
        "items": items.iter().map(|item| json!({
            "agent_id": item.agent_id, "rule": item.rule, "kind": item.kind,
            "hits": item.hits, "contacts": item.contacts, "example_contact": item.example_contact,
        })).collect::<Vec<_>>(),
    })))
}
