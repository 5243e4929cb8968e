//! One contact's transcript with its automated-QA hits, each linked to its turn:
//! `/contacts/{id}` (page) and `GET /api/v1/contacts/{id}/transcript`.

use axum::{
    Json,
    extract::{Path, State, rejection::PathRejection},
    response::{IntoResponse, Redirect, Response},
};
use serde::{Deserialize, Serialize};
use servq_core::Permission;
use servq_store::{StoredHit, StoredTranscript};

use crate::{
    AppState, Problem,
    auth::CurrentUser,
    i18n::t,
    pages::{Text, render, signed_in_header},
};

/// The transcript of `contact_id` if the user may see it: agents only their own contacts.
pub(crate) async fn visible_transcript(
    state: &AppState,
    user: &CurrentUser,
    contact_id: &str,
) -> Result<Option<StoredTranscript>, Problem> {
    user.require(Permission::ViewOwnKpis)?;
    if !user.user.role.allows(Permission::ViewAllKpis) {
        let agent = state
            .store
            .contact_agent(contact_id)
            .await
            .map_err(Problem::internal)?;
        if agent.is_none() || agent != user.user.agent_id {
            return Err(Problem::forbidden(user.locale));
        }
    }
    state
        .store
        .transcript(contact_id)
        .await
        .map_err(Problem::internal)
}

/// One automated-QA hit.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct QaHit {
    rule: String,
    /// forbidden_phrase, required_phrase_missing, interruption, silence or over_talk.
    kind: String,
    /// Index of the turn; null for whole-interaction hits.
    turn: Option<i64>,
    at_seconds: f64,
    text: String,
}

impl From<&StoredHit> for QaHit {
    fn from(hit: &StoredHit) -> Self {
        QaHit {
            rule: hit.rule.clone(),
            kind: hit.kind.clone(),
            turn: hit.turn,
            at_seconds: hit.at_ms as f64 / 1000.0,
            text: hit.text.clone(),
        }
    }
}

// Parsed from the stored turns, which the import writes from `servq_qa::Turn`.
/// One turn of a transcript.
#[derive(Serialize, Deserialize, utoipa::ToSchema)]
pub(crate) struct TranscriptTurn {
    /// agent or customer.
    speaker: String,
    start: f64,
    end: f64,
    text: String,
}

/// `GET /api/v1/contacts/{id}/transcript`.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct TranscriptBody {
    contact_id: String,
    turns: Vec<TranscriptTurn>,
    hits: Vec<QaHit>,
}

impl From<&StoredTranscript> for TranscriptBody {
    fn from(transcript: &StoredTranscript) -> Self {
        TranscriptBody {
            contact_id: transcript.contact_id.clone(),
            turns: turns_of(transcript),
            hits: transcript.hits.iter().map(QaHit::from).collect(),
        }
    }
}

fn turns_of(transcript: &StoredTranscript) -> Vec<TranscriptTurn> {
    serde_json::from_str(&transcript.turns_json).unwrap_or_default()
}

/// `GET /api/v1/contacts/{id}/transcript`: the turns and the automated-QA hits.
#[utoipa::path(get, path = "/api/v1/contacts/{id}/transcript", tag = "qa",
    params(("id" = String, Path, description = "The contact's id")),
    responses((status = 200, body = TranscriptBody),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 404, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn transcript_api(
    State(state): State<AppState>,
    user: CurrentUser,
    id: Result<Path<String>, PathRejection>,
) -> Result<Json<TranscriptBody>, Problem> {
    let Path(id) = id?;
    let transcript = visible_transcript(&state, &user, &id)
        .await?
        .ok_or_else(|| Problem::not_found(user.locale))?;
    Ok(Json(TranscriptBody::from(&transcript)))
}

/// `/contacts/{id}`: one contact as a person needs it — when, who, which queue and channel,
/// waits and durations, whether it was resolved the first time (with links to the repeat and
/// to the contact it repeats), the customer's survey answers, its evaluations (with the Evaluate
/// button for inspectors) and the transcript with its automated-QA hits.
pub(crate) async fn contact_page(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    id: Result<Path<String>, PathRejection>,
) -> Result<Response, Problem> {
    let Some(user) = user else {
        return Ok(Redirect::to("/login").into_response());
    };
    let Path(id) = id?;
    let locale = user.locale;
    // the agent check of the transcript is the contact's too
    let transcript = visible_transcript(&state, &user, &id).await?;
    let detail = state
        .store
        .contact_detail(&id)
        .await
        .map_err(Problem::internal)?
        .ok_or_else(|| Problem::not_found(locale))?;
    let (_, zone) = state.centre_zone().await?;
    let names = crate::pages::AgentNames::load(&state).await?;
    let contact = &detail.contact;
    let seconds = |ms: i64| format!("{:.0}", ms as f64 / 1000.0);
    let yes_no = |flag: bool| t(locale, if flag { "contacts.yes" } else { "contacts.no" });
    let facts = vec![
        (
            t(locale, "contacts.offered_at"),
            crate::desk_pages::local_time(&zone, Some(contact.offered_ms)),
        ),
        (t(locale, "contacts.channel"), contact.channel.clone()),
        (
            t(locale, "contacts.direction"),
            t(locale, &format!("contacts.direction_{}", contact.direction)),
        ),
        (t(locale, "contacts.queue"), contact.queue.clone()),
        (
            t(locale, "contacts.agent"),
            if contact.agent_id.is_empty() {
                "—".to_owned()
            } else {
                names.label(&contact.agent_id)
            },
        ),
        (
            t(locale, "dimension.team"),
            if contact.team.is_empty() {
                "—".to_owned()
            } else {
                contact.team.clone()
            },
        ),
        (
            t(locale, "contacts.customer"),
            contact
                .customer_id
                .clone()
                .unwrap_or_else(|| "—".to_owned()),
        ),
        (t(locale, "contacts.category"), contact.category.clone()),
        (
            t(locale, "contacts.status"),
            t(
                locale,
                if contact.answered {
                    "contacts.answered"
                } else {
                    "contacts.abandoned"
                },
            ),
        ),
        (t(locale, "contacts.wait"), seconds(contact.wait_ms)),
        (t(locale, "contacts.talk"), seconds(contact.talk_ms)),
        (t(locale, "contacts.hold"), seconds(contact.hold_ms)),
        (t(locale, "contacts.wrap"), seconds(contact.wrap_ms)),
        (
            t(locale, "contacts.transferred"),
            yes_no(contact.transferred),
        ),
        (
            t(locale, "contacts.resolved"),
            contact.resolved.map_or("—".to_owned(), yes_no),
        ),
    ];
    let surveys = state
        .store
        .survey_responses_of_contact(&id)
        .await
        .map_err(Problem::internal)?
        .iter()
        .map(|response| SurveyLine {
            at: crate::desk_pages::local_time(&zone, Some(response.responded_ms)),
            csat: crate::surveys::csat_words(locale, response.answers.csat),
            nps: response
                .answers
                .nps
                .map_or("—".to_owned(), |n| n.to_string()),
            ces: response
                .answers
                .ces
                .map_or("—".to_owned(), |n| n.to_string()),
            comment: response.answers.comment.clone(),
        })
        .collect();
    let evaluations = state
        .store
        .evaluations_of_contact(&id)
        .await
        .map_err(Problem::internal)?;
    let inspector = user.user.role.allows(Permission::EvaluateQuality);
    let make_case = user.user.role.allows(Permission::EditKnowledge);
    let customer = match &contact.customer_id {
        Some(customer_id) => {
            crate::customers::card(
                &state,
                &user,
                customer_id,
                serde_json::json!({"contact": id}),
            )
            .await?
        }
        None => None,
    };
    let page = ContactPage {
        kb_query: contact.category.clone(),
        make_case,
        customer,
        contact_id: id.clone(),
        i18n: Text::new(locale),
        title: t(locale, "contact.title").replace("{id}", &id),
        header: signed_in_header(&user),
        path: crate::query_params::path_segment(&id),
        facts,
        repeated_by: detail
            .repeated_by
            .as_ref()
            .map(|c| (crate::query_params::path_segment(c), c.clone())),
        repeats: detail
            .repeats
            .as_ref()
            .map(|c| (crate::query_params::path_segment(c), c.clone())),
        recording: (!detail.recording_url.is_empty()).then(|| Recording {
            playable: browser_playable(&detail.recording_url),
            url: detail.recording_url.clone(),
        }),
        surveys,
        evaluations: evaluations
            .iter()
            .map(|evaluation| EvaluationLine {
                path: crate::query_params::path_segment(&evaluation.evaluation_id),
                score: evaluation
                    .score
                    .score
                    .map_or("—".to_owned(), |s| format!("{s:.2}")),
                status: evaluation.status.name(),
                inspector: evaluation.inspector.clone(),
                at: crate::desk_pages::local_time(&zone, Some(evaluation.created_ms)),
            })
            .collect(),
        // one evaluation per contact on the default scorecard: the button until it exists
        evaluate: inspector
            && contact.answered
            && !evaluations.iter().any(|e| e.scorecard_id == "default"),
        transcript: transcript.map(|transcript| {
            transcript_html(locale, &transcript, make_case.then_some(MAKE_CASE_FORM))
        }),
    };
    Ok(render(&page)?.into_response())
}

struct SurveyLine {
    at: String,
    csat: String,
    nps: String,
    ces: String,
    comment: String,
}

struct EvaluationLine {
    path: String,
    score: String,
    status: &'static str,
    inspector: String,
    at: String,
}

/// A contact's call recording on its page.
struct Recording {
    /// The address (http or https, checked at import).
    url: String,
    /// Whether the page's audio element can play it (by its file type).
    playable: bool,
}

/// Whether browsers play a recording in an `<audio>` element, judged by the file extension of
/// its path (MP3, WAV, Ogg/Opus, AAC/M4A, WebM, FLAC); other files are offered as a link.
fn browser_playable(url: &str) -> bool {
    let path = url.split(['?', '#']).next().unwrap_or_default();
    let extension = path
        .rsplit_once('.')
        .map(|(_, extension)| extension.to_ascii_lowercase())
        .unwrap_or_default();
    matches!(
        extension.as_str(),
        "mp3" | "wav" | "ogg" | "oga" | "opus" | "m4a" | "aac" | "webm" | "flac"
    )
}

#[derive(askama::Template)]
#[template(path = "contact.html")]
struct ContactPage {
    i18n: Text,
    title: String,
    header: String,
    /// The contact as a path segment.
    path: String,
    /// (label, value) in reading order.
    facts: Vec<(String, String)>,
    /// (path segment, id) of the customer's repeat of this issue within the FCR window.
    repeated_by: Option<(String, String)>,
    /// (path segment, id) of the earlier contact this one repeats.
    repeats: Option<(String, String)>,
    /// The call recording, when the import gave one.
    recording: Option<Recording>,
    surveys: Vec<SurveyLine>,
    evaluations: Vec<EvaluationLine>,
    /// Show the Evaluate button.
    evaluate: bool,
    transcript: Option<String>,
    /// What the KB panel searches first (the contact's category).
    kb_query: String,
    /// Offer to make a case from the transcript (editors).
    make_case: bool,
    /// The contact's id as stored (the case draft form sends it).
    contact_id: String,
    /// The customer card (serving staff only).
    customer: Option<crate::customers::CustomerCard>,
}

struct HitRow<'a> {
    kind: &'a str,
    kind_key: String,
    turn: Option<i64>,
    rule: &'a str,
    seconds: f64,
    text: &'a str,
}

struct TurnRow {
    hit: bool,
    speaker_key: String,
    start: f64,
    end: f64,
    text: String,
}

#[derive(askama::Template)]
#[template(path = "transcript_part.html")]
struct TranscriptPart<'a> {
    i18n: Text,
    hits: Vec<HitRow<'a>>,
    turns: Vec<TurnRow>,
    /// The form whose turn checkboxes these are (choosing turns for a case), if any.
    pick_form: Option<&'static str>,
}

/// The form on the contact page that drafts a case from the turns ticked.
pub(crate) const MAKE_CASE_FORM: &str = "make-case-form";

/// The hits (each linking to its turn) and the turns (hit ones marked) of a transcript.
pub(crate) fn transcript_html(
    locale: crate::i18n::Locale,
    transcript: &StoredTranscript,
    pick_form: Option<&'static str>,
) -> String {
    let turns = turns_of(transcript)
        .into_iter()
        .enumerate()
        .map(|(index, turn)| TurnRow {
            hit: transcript
                .hits
                .iter()
                .any(|hit| hit.turn == Some(index as i64)),
            speaker_key: format!("transcript.{}", turn.speaker),
            start: turn.start,
            end: turn.end,
            text: turn.text,
        })
        .collect();
    let part = TranscriptPart {
        i18n: Text::new(locale),
        hits: transcript
            .hits
            .iter()
            .map(|hit| HitRow {
                kind: &hit.kind,
                kind_key: format!("qa_kind.{}", hit.kind),
                turn: hit.turn,
                rule: &hit.rule,
                seconds: hit.at_ms as f64 / 1000.0,
                text: &hit.text,
            })
            .collect(),
        turns,
        pick_form,
    };
    askama::Template::render(&part).unwrap_or_default()
}
