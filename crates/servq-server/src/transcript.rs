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

/// `/contacts/{id}`: the transcript, hits listed first and marked on their turns.
pub(crate) async fn transcript_page(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    id: Result<Path<String>, PathRejection>,
) -> Result<Response, Problem> {
    let Some(user) = user else {
        return Ok(Redirect::to("/login").into_response());
    };
    let Path(id) = id?;
    let locale = user.locale;
    let transcript = visible_transcript(&state, &user, &id).await?;
    let page = TranscriptPage {
        i18n: Text::new(locale),
        title: t(locale, "transcript.title").replace("{id}", &id),
        header: signed_in_header(&user),
        transcript: transcript.map(|transcript| transcript_html(locale, &transcript)),
    };
    Ok(render(&page)?.into_response())
}

#[derive(askama::Template)]
#[template(path = "transcript.html")]
struct TranscriptPage {
    i18n: Text,
    title: String,
    header: String,
    transcript: Option<String>,
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
}

/// The hits (each linking to its turn) and the turns (hit ones marked) of a transcript.
pub(crate) fn transcript_html(
    locale: crate::i18n::Locale,
    transcript: &StoredTranscript,
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
    };
    askama::Template::render(&part).unwrap_or_default()
}
