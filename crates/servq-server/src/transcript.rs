//! One contact's transcript with its automated-QA hits, each linked to its turn:
//! `/contacts/{id}` (page) and `GET /api/v1/contacts/{id}/transcript`.

use axum::{
    Json,
    extract::{Path, State, rejection::PathRejection},
    response::{IntoResponse, Redirect, Response},
};
use serde_json::{Value, json};
use servq_core::Permission;
use servq_store::StoredTranscript;

use crate::{
    AppState, Problem,
    auth::CurrentUser,
    i18n::t,
    pages::{escape, page, signed_in_header},
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

fn turns_of(transcript: &StoredTranscript) -> Vec<Value> {
    serde_json::from_str(&transcript.turns_json).unwrap_or_default()
}

fn transcript_json(transcript: &StoredTranscript) -> Value {
    json!({
        "contact_id": transcript.contact_id,
        "turns": turns_of(transcript),
        "hits": transcript.hits.iter().map(|hit| json!({
            "rule": hit.rule,
            "kind": hit.kind,
            "turn": hit.turn,
            "at_seconds": hit.at_ms as f64 / 1000.0,
            "text": hit.text,
        })).collect::<Vec<_>>(),
    })
}

/// `GET /api/v1/contacts/{id}/transcript`: the turns and the automated-QA hits.
#[utoipa::path(get, path = "/api/v1/contacts/{id}/transcript", tag = "qa",
    params(("id" = String, Path, description = "The contact's id")),
    responses((status = 200, body = crate::openapi::TranscriptBody),
        (status = 401, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 403, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::openapi::Problem, content_type = "application/problem+json")))]
pub(crate) async fn transcript_api(
    State(state): State<AppState>,
    user: CurrentUser,
    id: Result<Path<String>, PathRejection>,
) -> Result<Json<Value>, Problem> {
    let Path(id) = id?;
    let transcript = visible_transcript(&state, &user, &id)
        .await?
        .ok_or_else(|| Problem::not_found(user.locale))?;
    Ok(Json(transcript_json(&transcript)))
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
    let label = |key: &str| escape(&t(locale, key));
    let title = t(locale, "transcript.title").replace("{id}", &id);
    let mut body = format!("<h1>{}</h1>", escape(&title));
    let Some(transcript) = visible_transcript(&state, &user, &id).await? else {
        body.push_str(&format!(
            "<p id=\"no-transcript\">{}</p>",
            label("transcript.none")
        ));
        return Ok(page(locale, &title, &signed_in_header(&user), &body).into_response());
    };
    body.push_str(&transcript_html(locale, &transcript));
    Ok(page(locale, &title, &signed_in_header(&user), &body).into_response())
}

/// The hits (each linking to its turn) and the turns (hit ones marked) of a transcript.
pub(crate) fn transcript_html(
    locale: crate::i18n::Locale,
    transcript: &StoredTranscript,
) -> String {
    let label = |key: &str| escape(&t(locale, key));
    let mut body = String::new();
    body.push_str(&format!("<h2>{}</h2>", label("transcript.hits")));
    if transcript.hits.is_empty() {
        body.push_str(&format!(
            "<p id=\"no-hits\">{}</p>",
            label("transcript.no_hits")
        ));
    } else {
        body.push_str(&format!(
            "<table id=\"hits\"><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
            label("transcript.kind"),
            label("transcript.rule"),
            label("transcript.time"),
            label("transcript.text"),
        ));
        for hit in &transcript.hits {
            let kind = label(&format!("qa_kind.{}", hit.kind));
            let kind = match hit.turn {
                Some(turn) => format!("<a href=\"#turn-{turn}\">{kind}</a>"),
                None => kind,
            };
            body.push_str(&format!(
                "<tr data-kind=\"{}\"><td>{kind}</td><td>{}</td><td>{:.1}</td><td>{}</td></tr>",
                escape(&hit.kind),
                escape(&hit.rule),
                hit.at_ms as f64 / 1000.0,
                escape(&hit.text),
            ));
        }
        body.push_str("</table>");
    }
    body.push_str(&format!(
        "<h2>{}</h2><table id=\"turns\"><tr><th>#</th><th>{}</th><th>{}</th><th>{}</th></tr>",
        label("transcript.turns"),
        label("transcript.speaker"),
        label("transcript.time"),
        label("transcript.text"),
    ));
    for (index, turn) in turns_of(transcript).iter().enumerate() {
        let hit = transcript.hits.iter().any(|h| h.turn == Some(index as i64));
        let speaker = turn["speaker"].as_str().unwrap_or("");
        body.push_str(&format!(
            "<tr id=\"turn-{index}\"{}><td>{index}</td><td>{}</td><td>{:.1}–{:.1}</td><td>{}</td></tr>",
            if hit { " class=\"bottom\"" } else { "" },
            label(&format!("transcript.{speaker}")),
            turn["start"].as_f64().unwrap_or(0.0),
            turn["end"].as_f64().unwrap_or(0.0),
            escape(turn["text"].as_str().unwrap_or("")),
        ));
    }
    body.push_str("</table>");
    body
}
