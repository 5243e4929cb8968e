//! The QA pages: `/qa` (sampling form, evaluation queue and recent evaluations for inspectors;
//! one's own evaluations with acknowledge and dispute for agents) and `/qa/evaluate/{id}` (the
//! transcript with its automated-QA hits beside the scorecard form). The pages call the
//! `/api/v1` endpoints of `evaluations.rs`; nothing is decided here.

use axum::{
    extract::{Path, State, rejection::PathRejection},
    response::{IntoResponse, Redirect, Response},
};
use servq_core::Permission;
use servq_qa::Scale;

use crate::{
    AppState, Problem,
    auth::CurrentUser,
    i18n::t,
    pages::{Text, render, signed_in_header},
    query_params::{add_days, path_segment, today},
};

fn score_text(score: Option<f64>) -> String {
    score.map_or("—".to_owned(), |s| format!("{s:.2}"))
}

/// The sampling strategies, in the order the form offers them.
const STRATEGIES: [&str; 6] = [
    "random",
    "longest_handle",
    "rule_hits",
    "new_agents",
    "unsatisfied",
    "complaints",
];

/// `/qa` (`qa_index.html`).
#[derive(askama::Template)]
#[template(path = "qa_index.html")]
struct QaIndexPage {
    i18n: Text,
    title: String,
    header: String,
    csrf: String,
    /// The link to `/qa/setup`, for those who manage quality.
    setup_link: bool,
    /// The sampling form and the queue, for inspectors.
    inspector: Option<InspectorPart>,
    /// `qa.my_evaluations` for agents, `qa.evaluations` for everyone else.
    evaluations_key: &'static str,
    evaluations: Vec<EvaluationRow>,
    coaching: Vec<CoachingRow>,
}

struct InspectorPart {
    /// The sampling form's period (the last one used, else the last seven days).
    from: String,
    to: String,
    /// The last per-agent number used, else 3.
    per_agent: u32,
    strategies: Vec<&'static str>,
    /// Recent calibration sessions: (path, contact, opened by, opened at, scored, closed).
    calibrations: Vec<(String, String, String, String, i64, bool)>,
    /// The strategy last used (kept selected).
    strategy: String,
    /// What the last sampling did, said after it.
    sampled: Option<String>,
    queue: Vec<QueueRow>,
}

struct QueueRow {
    contact_id: String,
    agent: String,
    plan: String,
    /// The contact as a path segment.
    link: String,
    /// The contact as a JSON string, for `servqCalibrate(…)`.
    json_id: String,
}

struct EvaluationRow {
    id: String,
    /// The evaluation as a path segment.
    path: String,
    status: &'static str,
    /// The contact as a path segment.
    link: String,
    contact: String,
    agent: String,
    inspector: String,
    score: String,
    comments: String,
    /// The agent's reason, when disputed.
    reason: Option<String>,
    acknowledge: bool,
    dispute: bool,
    rereview: bool,
}

struct CoachingRow {
    agent: String,
    kind: String,
    rule: String,
    hits: i64,
    contacts: i64,
    /// The example contact as a path segment.
    link: String,
    example: String,
}

/// What `/qa` was opened with after a sampling: its result and the choices to keep.
#[derive(serde::Deserialize, Default)]
pub(crate) struct QaQuery {
    queued: Option<u64>,
    candidates: Option<u64>,
    strategy: Option<String>,
    from: Option<String>,
    to: Option<String>,
    per_agent: Option<u32>,
}

/// `/qa`.
pub(crate) async fn qa_page_handler(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    query: Result<axum::extract::Query<QaQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, Problem> {
    // a hand-edited address with bad values opens the page as usual
    let query = query.map(|q| q.0).unwrap_or_default();
    let Some(user) = user else {
        return Ok(Redirect::to("/login").into_response());
    };
    user.require(Permission::ViewOwnKpis)?;
    let locale = user.locale;
    let names = crate::pages::AgentNames::load(&state).await?;
    let inspector = user.user.role.allows(Permission::EvaluateQuality);
    let inspector_part = if inspector {
        let (_, zone) = state.centre_zone().await?;
        let to = add_days(today(&zone), -1);
        let from = add_days(to, -6);
        let queue = state
            .store
            .evaluation_queue(200)
            .await
            .map_err(Problem::internal)?;
        let date = |text: &Option<String>| {
            text.as_deref()
                .and_then(|d| d.parse::<jiff::civil::Date>().ok())
        };
        let strategy = query
            .strategy
            .as_deref()
            .filter(|s| STRATEGIES.contains(s))
            .unwrap_or("random")
            .to_owned();
        let calibrations = state
            .store
            .calibrations(20)
            .await
            .map_err(Problem::internal)?
            .into_iter()
            .map(|c| {
                (
                    path_segment(&c.calibration_id),
                    c.contact_id,
                    c.created_by,
                    crate::desk_pages::local_time(&zone, Some(c.created_ms)),
                    c.scored,
                    c.closed_ms.is_some(),
                )
            })
            .collect();
        Some(InspectorPart {
            calibrations,
            from: date(&query.from).unwrap_or(from).to_string(),
            to: date(&query.to).unwrap_or(to).to_string(),
            per_agent: query
                .per_agent
                .filter(|n| (1..=100).contains(n))
                .unwrap_or(3),
            sampled: query.queued.map(|queued| {
                t(locale, "qa.sampled")
                    .replace("{queued}", &queued.to_string())
                    .replace("{candidates}", &query.candidates.unwrap_or(0).to_string())
                    .replace("{strategy}", &t(locale, &format!("qa.strategy_{strategy}")))
            }),
            strategy,
            strategies: STRATEGIES.to_vec(),
            queue: queue
                .iter()
                .map(|item| QueueRow {
                    contact_id: item.contact_id.clone(),
                    agent: names.label(&item.agent_id),
                    plan: item.plan.clone(),
                    link: path_segment(&item.contact_id),
                    json_id: serde_json::Value::String(item.contact_id.clone()).to_string(),
                })
                .collect(),
        })
    } else {
        None
    };
    let own = (!user.user.role.allows(Permission::ViewAllKpis))
        .then(|| user.user.agent_id.clone().unwrap_or_default());
    let evaluations = state
        .store
        .evaluations(own.as_deref(), 100)
        .await
        .map_err(Problem::internal)?;
    let evaluations: Vec<EvaluationRow> = evaluations
        .iter()
        .map(|evaluation| {
            let mine = user.user.agent_id.as_deref() == Some(evaluation.agent_id.as_str());
            let status = evaluation.status.name();
            EvaluationRow {
                id: evaluation.evaluation_id.clone(),
                path: path_segment(&evaluation.evaluation_id),
                status,
                link: path_segment(&evaluation.contact_id),
                contact: evaluation.contact_id.clone(),
                agent: names.label(&evaluation.agent_id),
                inspector: evaluation.inspector.clone(),
                score: score_text(evaluation.score.score),
                comments: evaluation.score.comments.clone(),
                reason: (!evaluation.dispute_reason.is_empty())
                    .then(|| evaluation.dispute_reason.clone()),
                acknowledge: mine && matches!(status, "submitted" | "rereviewed"),
                dispute: mine && status == "submitted",
                rereview: inspector && status == "disputed",
            }
        })
        .collect();
    let coaching = crate::evaluations::coaching_items(&state, &user, None, None).await?;
    let coaching: Vec<CoachingRow> = coaching
        .iter()
        .take(200)
        .map(|item| CoachingRow {
            agent: names.label(&item.agent_id),
            kind: item.kind.clone(),
            rule: item.rule.clone(),
            hits: item.hits,
            contacts: item.contacts,
            link: path_segment(&item.example_contact),
            example: item.example_contact.clone(),
        })
        .collect();
    let page = QaIndexPage {
        i18n: Text::new(locale),
        title: t(locale, "qa.title"),
        header: signed_in_header(&user),
        csrf: user.csrf_token().to_owned(),
        setup_link: user.user.role.allows(Permission::ManageQuality),
        inspector: inspector_part,
        evaluations_key: if own.is_some() {
            "qa.my_evaluations"
        } else {
            "qa.evaluations"
        },
        evaluations,
        coaching,
    };
    Ok(render(&page)?.into_response())
}

/// A scorecard as a form posting `{answers:{…}, comments}` (and `contact_id` when given) to
/// `target` (`qa_macros.html`, `scorecard_form`).
struct ScorecardForm {
    /// The URL the answers are posted to.
    target: String,
    /// The contact as a JSON string, sent as `contact_id` (a new evaluation).
    contact_json: Option<String>,
    /// Where to go once saved; `None` reloads the page.
    next: Option<&'static str>,
    sections: Vec<FormSection>,
}

struct FormSection {
    name: String,
    items: Vec<FormItem>,
}

struct FormItem {
    id: String,
    name: String,
    critical: bool,
    weight: String,
    /// The scale's levels, highest first (N/A follows them).
    levels: Vec<Level>,
    /// The automated-QA rules that hit, when they suggest the lowest level.
    suggested: Option<String>,
    /// Not applicable is the chosen answer.
    na_selected: bool,
}

struct Level {
    value: u8,
    selected: bool,
}

fn levels(scale: Scale, suggested: Option<u8>) -> Vec<Level> {
    let (low, high) = scale.levels();
    (low..=high)
        .rev()
        .map(|level| Level {
            value: level,
            selected: suggested == Some(level),
        })
        .collect()
}

/// What a scorecard form starts from.
enum Preset<'a> {
    /// A new scoring: the levels that automated-QA hits suggest are selected.
    Suggested(&'a [&'a str]),
    /// A re-review: the evaluation's current answers are selected.
    Current(&'a serde_json::Map<String, serde_json::Value>),
}

/// The scorecard's items as a form, with the answers of `preset` selected.
fn scorecard_form(
    card: &servq_qa::Scorecard,
    preset: Preset<'_>,
    target: String,
    contact_json: Option<String>,
    next: Option<&'static str>,
) -> ScorecardForm {
    let hit_rules: &[&str] = match preset {
        Preset::Suggested(rules) => rules,
        Preset::Current(_) => &[],
    };
    let suggested = card.suggested_answers(hit_rules);
    let sections = card
        .sections
        .iter()
        .map(|section| FormSection {
            name: section.name.clone(),
            items: section
                .items
                .iter()
                .map(|item| {
                    let suggestion = suggested.iter().find_map(|(id, answer)| match answer {
                        servq_qa::Answer::Level(level) if *id == item.id => Some(*level),
                        _ => None,
                    });
                    let rules = suggestion.map(|_| {
                        item.rules
                            .iter()
                            .map(String::as_str)
                            .filter(|rule| hit_rules.contains(rule))
                            .collect::<Vec<&str>>()
                            .join(", ")
                    });
                    let (chosen, na_selected) = match preset {
                        Preset::Suggested(_) => (suggestion, false),
                        Preset::Current(answers) => match answers.get(&item.id) {
                            Some(serde_json::Value::Number(level)) => {
                                (level.as_u64().and_then(|l| u8::try_from(l).ok()), false)
                            }
                            Some(serde_json::Value::String(_)) => (None, true),
                            _ => (None, false),
                        },
                    };
                    FormItem {
                        id: item.id.clone(),
                        name: item.name.clone(),
                        critical: item.critical,
                        weight: item.weight.to_string(),
                        levels: levels(item.scale, chosen),
                        suggested: rules,
                        na_selected,
                    }
                })
                .collect(),
        })
        .collect();
    ScorecardForm {
        target,
        contact_json,
        next,
        sections,
    }
}

#[derive(serde::Deserialize)]
pub(crate) struct EvaluateQuery {
    /// An old link to a re-review: it moves to the evaluation's page.
    rereview: Option<String>,
}

/// `/qa/evaluate/{contact}` (`qa_evaluate.html`).
#[derive(askama::Template)]
#[template(path = "qa_evaluate.html")]
struct EvaluatePage {
    i18n: Text,
    title: String,
    header: String,
    csrf: String,
    card_name: String,
    card_version: i64,
    form: ScorecardForm,
    /// The transcript, rendered.
    transcript: Option<String>,
}

/// `/qa/evaluate/{contact}`: the scorecard form for a contact not yet evaluated; a contact that
/// has its evaluation moves to that evaluation's page (where a dispute is re-reviewed).
pub(crate) async fn evaluate_page(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    id: Result<Path<String>, PathRejection>,
    query: Result<axum::extract::Query<EvaluateQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, Problem> {
    let Some(user) = user else {
        return Ok(Redirect::to("/login").into_response());
    };
    user.require(Permission::EvaluateQuality)?;
    let Path(contact_id) = id?;
    let axum::extract::Query(query) = query?;
    let locale = user.locale;
    if let Some(evaluation) = &query.rereview {
        return Ok(
            Redirect::to(&format!("/qa/evaluations/{}", path_segment(evaluation))).into_response(),
        );
    }
    let (stored, card) = crate::evaluations::current_scorecard(&state, "default")
        .await?
        .ok_or_else(|| Problem::not_found(locale))?;
    if let Some(existing) = state
        .store
        .evaluation_of_contact(&contact_id, &stored.scorecard_id)
        .await
        .map_err(Problem::internal)?
    {
        return Ok(Redirect::to(&format!(
            "/qa/evaluations/{}?already=1",
            path_segment(&existing.evaluation_id)
        ))
        .into_response());
    }
    let transcript = crate::transcript::visible_transcript(&state, &user, &contact_id).await?;
    // automated-QA hits pre-fill the items they speak to
    let hit_rules: Vec<&str> = transcript
        .iter()
        .flat_map(|t| t.hits.iter().map(|hit| hit.rule.as_str()))
        .collect();
    let target = "/api/v1/evaluations".to_owned();
    let contact_json = serde_json::Value::String(contact_id.clone()).to_string();
    let form = scorecard_form(
        &card,
        Preset::Suggested(&hit_rules),
        target,
        Some(contact_json),
        Some("/qa"),
    );
    let page = EvaluatePage {
        i18n: Text::new(locale),
        title: t(locale, "qa.evaluate_title").replace("{id}", &contact_id),
        header: signed_in_header(&user),
        csrf: user.csrf_token().to_owned(),
        card_name: stored.name.clone(),
        card_version: stored.version,
        form,
        transcript: transcript
            .as_ref()
            .map(|transcript| crate::transcript::transcript_html(locale, transcript, None)),
    };
    Ok(render(&page)?.into_response())
}

#[derive(serde::Deserialize)]
pub(crate) struct EvaluationQuery {
    /// Arrived from the scorecard form of a contact already evaluated.
    already: Option<String>,
}

/// `/qa/evaluations/{id}` (`qa_evaluation.html`).
#[derive(askama::Template)]
#[template(path = "qa_evaluation.html")]
struct EvaluationPage {
    i18n: Text,
    title: String,
    header: String,
    csrf: String,
    /// Shown when the user came to evaluate a contact that already has this evaluation.
    already: bool,
    contact: String,
    /// The contact as a path segment.
    contact_link: String,
    agent: String,
    inspector: String,
    status: &'static str,
    score: String,
    failed_critical: String,
    card: String,
    created: String,
    dispute_reason: Option<String>,
    comments: String,
    answers: Vec<AnswerRow>,
    revisions: Vec<RevisionRow>,
    /// The evaluation id as a path segment, for the workflow's API calls.
    path: String,
    /// The agent's own evaluation, waiting for them: acknowledge (and dispute when submitted).
    acknowledge: bool,
    dispute: bool,
    /// A disputed evaluation, for inspectors: the scorecard form from the current answers.
    rereview: Option<ScorecardForm>,
    /// The transcript, rendered.
    transcript: Option<String>,
}

struct AnswerRow {
    section: String,
    item_id: String,
    item: String,
    answer: String,
    /// The answer is below half of its scale.
    low: bool,
    /// The agent disputes this item (with the reason given for it, maybe empty).
    disputed: Option<String>,
}

struct RevisionRow {
    revision: i64,
    time: String,
    inspector: String,
    score: String,
    reason: String,
    /// "item: before → after", joined; empty for the first.
    changes: String,
}

/// An answer as the page shows it: `level / highest`, or not applicable.
fn answer_text(
    locale: crate::i18n::Locale,
    item: &servq_qa::Item,
    answer: Option<&serde_json::Value>,
) -> (String, bool) {
    let (_, high) = item.scale.levels();
    match answer {
        Some(serde_json::Value::Number(level)) => {
            let level = level.as_u64().and_then(|l| u8::try_from(l).ok());
            let low = level
                .and_then(|l| item.scale.fraction(l))
                .is_some_and(|f| f < 0.5);
            (
                level.map_or("?".to_owned(), |l| format!("{l} / {high}")),
                low,
            )
        }
        Some(_) => (t(locale, "qa.na"), false),
        None => ("—".to_owned(), false),
    }
}

fn answers_of(text: &str) -> serde_json::Map<String, serde_json::Value> {
    match serde_json::from_str(text) {
        Ok(serde_json::Value::Object(answers)) => answers,
        _ => serde_json::Map::new(),
    }
}

/// `/qa/evaluations/{id}`: one evaluation — its answers item by item, the agent's dispute, the
/// history of every scoring with its reason — and the next step for whoever may take it
/// (acknowledge or dispute for the agent, re-review from the current answers for inspectors).
pub(crate) async fn evaluation_page(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    id: Result<Path<String>, PathRejection>,
    query: Result<axum::extract::Query<EvaluationQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, Problem> {
    let Some(user) = user else {
        return Ok(Redirect::to("/login").into_response());
    };
    let Path(id) = id?;
    let axum::extract::Query(query) = query?;
    let locale = user.locale;
    let evaluation = crate::evaluations::visible(&state, &user, &id).await?;
    let (stored, card) = crate::evaluations::scorecard_version(
        &state,
        &evaluation.scorecard_id,
        evaluation.scorecard_version,
    )
    .await?;
    let revisions = state
        .store
        .evaluation_revisions(&evaluation.evaluation_id)
        .await
        .map_err(Problem::internal)?;
    let (_, zone) = state.centre_zone().await?;
    let names = crate::pages::AgentNames::load(&state).await?;
    let current = answers_of(&evaluation.score.answers);
    let disputed = crate::evaluations::disputed_items(&evaluation);
    let item_name = |item_id: &str| {
        card.items()
            .find(|item| item.id == item_id)
            .map_or(item_id.to_owned(), |item| item.name.clone())
    };
    let answers = card
        .sections
        .iter()
        .flat_map(|section| {
            section.items.iter().map(|item| {
                let (answer, low) = answer_text(locale, item, current.get(&item.id));
                AnswerRow {
                    section: section.name.clone(),
                    item_id: item.id.clone(),
                    item: item.name.clone(),
                    answer,
                    low,
                    disputed: disputed
                        .iter()
                        .find(|d| d.item_id == item.id)
                        .map(|d| d.reason.clone()),
                }
            })
        })
        .collect();
    let mut previous: Option<serde_json::Map<String, serde_json::Value>> = None;
    let revisions = revisions
        .iter()
        .map(|revision| {
            let these = answers_of(&revision.score.answers);
            let changes = previous
                .as_ref()
                .map(|before| {
                    card.items()
                        .filter(|item| before.get(&item.id) != these.get(&item.id))
                        .map(|item| {
                            let (from, _) = answer_text(locale, item, before.get(&item.id));
                            let (to, _) = answer_text(locale, item, these.get(&item.id));
                            format!("{}: {from} → {to}", item_name(&item.id))
                        })
                        .collect::<Vec<_>>()
                        .join("; ")
                })
                .unwrap_or_default();
            previous = Some(these);
            RevisionRow {
                revision: revision.revision,
                time: crate::desk_pages::local_time(&zone, Some(revision.created_ms)),
                inspector: revision.inspector.clone(),
                score: score_text(revision.score.score),
                reason: revision.reason.clone(),
                changes,
            }
        })
        .collect();
    let mine = user.user.agent_id.as_deref() == Some(evaluation.agent_id.as_str());
    let status = evaluation.status;
    let path = path_segment(&evaluation.evaluation_id);
    let rereview = (user.user.role.allows(Permission::EvaluateQuality)
        && status == servq_store::EvaluationStatus::Disputed)
        .then(|| {
            scorecard_form(
                &card,
                Preset::Current(&current),
                format!("/api/v1/evaluations/{path}/rereview"),
                None,
                None,
            )
        });
    let transcript =
        crate::transcript::visible_transcript(&state, &user, &evaluation.contact_id).await?;
    let page = EvaluationPage {
        i18n: Text::new(locale),
        title: t(locale, "qa.evaluation_title").replace("{id}", &evaluation.contact_id),
        header: signed_in_header(&user),
        csrf: user.csrf_token().to_owned(),
        already: query.already.is_some(),
        contact: evaluation.contact_id.clone(),
        contact_link: path_segment(&evaluation.contact_id),
        agent: names.label(&evaluation.agent_id),
        inspector: evaluation.inspector.clone(),
        status: status.name(),
        score: score_text(evaluation.score.score),
        failed_critical: evaluation
            .score
            .failed_critical
            .iter()
            .map(|item| item_name(item))
            .collect::<Vec<_>>()
            .join(", "),
        card: format!("{} · v{}", stored.name, stored.version),
        created: crate::desk_pages::local_time(&zone, Some(evaluation.created_ms)),
        dispute_reason: (!evaluation.dispute_reason.is_empty())
            .then(|| evaluation.dispute_reason.clone()),
        comments: evaluation.score.comments.clone(),
        answers,
        revisions,
        path,
        acknowledge: mine
            && matches!(
                status,
                servq_store::EvaluationStatus::Submitted
                    | servq_store::EvaluationStatus::Rereviewed
            ),
        dispute: mine && status == servq_store::EvaluationStatus::Submitted,
        rereview,
        transcript: transcript
            .as_ref()
            .map(|transcript| crate::transcript::transcript_html(locale, transcript, None)),
    };
    Ok(render(&page)?.into_response())
}

/// `/qa/calibrations/{id}` (`qa_calibration.html`).
#[derive(askama::Template)]
#[template(path = "qa_calibration.html")]
struct CalibrationPage {
    i18n: Text,
    title: String,
    header: String,
    csrf: String,
    /// The contact as a path segment.
    contact_link: String,
    /// While open.
    open: Option<OpenCalibration>,
    /// Once closed.
    closed: Option<ClosedCalibration>,
}

struct OpenCalibration {
    /// Who has scored so far, joined.
    scored_by: String,
    /// The blind scorecard form, until the user has scored.
    form: Option<ScorecardForm>,
    /// The calibration id as a path segment.
    path: String,
    /// The close form's references: (value, text), the mean first.
    references: Vec<(String, String)>,
}

struct ClosedCalibration {
    reference: String,
    reference_score: String,
    rows: Vec<DeviationRow>,
    /// The inspectors, in the order of the item table's columns.
    inspectors: Vec<String>,
    /// Item by item: each inspector's answer and the share agreeing with the reference.
    items: Vec<AgreementRow>,
}

struct AgreementRow {
    item: String,
    answers: Vec<String>,
    reference: String,
    agreement: String,
    /// Fewer than two in three agree: a reading the team must settle.
    low: bool,
}

struct DeviationRow {
    inspector: String,
    score: String,
    deviation: String,
}

/// `/qa/calibrations/{id}`: while open, the blind scorecard form, who has scored and the close
/// form; once closed, every inspector's score and deviation from the reference.
pub(crate) async fn calibration_page(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    id: Result<Path<String>, PathRejection>,
) -> Result<Response, Problem> {
    let Some(user) = user else {
        return Ok(Redirect::to("/login").into_response());
    };
    user.require(Permission::EvaluateQuality)?;
    let Path(id) = id?;
    let locale = user.locale;
    let calibration = state
        .store
        .calibration(&id)
        .await
        .map_err(Problem::internal)?
        .ok_or_else(|| Problem::not_found(locale))?;
    let title = t(locale, "qa.calibration_title").replace("{id}", &calibration.contact_id);
    let path = path_segment(&id);
    let (open, closed) = match crate::evaluations::comparison(&calibration) {
        None => {
            let names: Vec<&str> = calibration
                .scores
                .iter()
                .map(|(name, _, _)| name.as_str())
                .collect();
            let form = if names.contains(&user.user.username.as_str()) {
                None
            } else {
                let (_, card) = crate::evaluations::scorecard_version(
                    &state,
                    &calibration.scorecard_id,
                    calibration.scorecard_version,
                )
                .await?;
                Some(scorecard_form(
                    &card,
                    Preset::Suggested(&[]),
                    format!("/api/v1/calibrations/{path}/scores"),
                    None,
                    None,
                ))
            };
            let references: Vec<(String, String)> =
                std::iter::once(("mean".to_owned(), t(locale, "qa.mean")))
                    .chain(names.iter().map(|n| ((*n).to_owned(), (*n).to_owned())))
                    .collect();
            let open = OpenCalibration {
                scored_by: names.join(", "),
                form,
                path,
                references,
            };
            (Some(open), None)
        }
        Some((reference, reference_score, rows)) => {
            let (_, card) = crate::evaluations::scorecard_version(
                &state,
                &calibration.scorecard_id,
                calibration.scorecard_version,
            )
            .await?;
            let sheets: Vec<(String, Vec<(String, servq_qa::Answer)>)> = calibration
                .scores
                .iter()
                .map(|(inspector, answers, _)| {
                    let answers = answers_of(answers)
                        .into_iter()
                        .filter_map(|(item, value)| {
                            let answer = match value {
                                serde_json::Value::Number(level) => servq_qa::Answer::Level(
                                    level.as_u64().and_then(|l| u8::try_from(l).ok())?,
                                ),
                                _ => servq_qa::Answer::NotApplicable,
                            };
                            Some((item, answer))
                        })
                        .collect();
                    (inspector.clone(), answers)
                })
                .collect();
            let how = if reference == "mean" {
                servq_qa::Reference::Mean
            } else {
                servq_qa::Reference::Inspector(reference.to_owned())
            };
            let answer_text = |answer: Option<servq_qa::Answer>| match answer {
                Some(servq_qa::Answer::Level(level)) => level.to_string(),
                Some(servq_qa::Answer::NotApplicable) => t(locale, "qa.na"),
                None => "—".to_owned(),
            };
            let items = servq_qa::item_agreement(&card, &sheets, &how)
                .into_iter()
                .map(|row| AgreementRow {
                    item: card
                        .items()
                        .find(|item| item.id == row.item_id)
                        .map_or(row.item_id.clone(), |item| item.name.clone()),
                    answers: row.answers.iter().map(|a| answer_text(*a)).collect(),
                    reference: answer_text(row.reference),
                    agreement: row
                        .agreement
                        .map_or("—".to_owned(), |share| format!("{:.0}%", share * 100.0)),
                    low: row.agreement.is_some_and(|share| share < 2.0 / 3.0),
                })
                .collect();
            let closed = ClosedCalibration {
                inspectors: sheets.iter().map(|(name, _)| name.clone()).collect(),
                items,
                reference: if reference == "mean" {
                    t(locale, "qa.mean")
                } else {
                    reference.to_owned()
                },
                reference_score: score_text(reference_score),
                rows: rows
                    .iter()
                    .map(|row| DeviationRow {
                        inspector: row.inspector.clone(),
                        score: score_text(row.score),
                        deviation: row.deviation.map_or("—".to_owned(), |d| format!("{d:+.2}")),
                    })
                    .collect(),
            };
            (None, Some(closed))
        }
    };
    let page = CalibrationPage {
        i18n: Text::new(locale),
        title,
        header: signed_in_header(&user),
        csrf: user.csrf_token().to_owned(),
        contact_link: path_segment(&calibration.contact_id),
        open,
        closed,
    };
    Ok(render(&page)?.into_response())
}
