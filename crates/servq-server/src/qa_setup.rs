//! Quality set-up: the centre's automated-QA rule set (TOML, versioned; imported transcripts are
//! scanned with the newest) and scorecards (JSON, versioned; evaluations keep the version they
//! were scored on), over the API and on `/qa/setup`.

use axum::{
    Json,
    extract::{
        Path, State,
        rejection::{JsonRejection, PathRejection},
    },
    http::HeaderMap,
    response::{IntoResponse, Redirect, Response},
};
use serde::Deserialize;
use serde_json::{Value, json};
use servq_core::Permission;
use servq_qa::{RuleSet, Scanner, Scorecard};

use crate::{
    AppState, Problem,
    auth::CurrentUser,
    evaluations::current_scorecard,
    i18n::t,
    now_ms,
    pages::{Text, render, signed_in_header},
};

/// `GET /api/v1/qa/rules`: the rule set imported transcripts are scanned with.
#[utoipa::path(get, path = "/api/v1/qa/rules", tag = "qa",
    responses((status = 200, body = crate::openapi::QaRulesBody),
        (status = 401, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 403, body = crate::openapi::Problem, content_type = "application/problem+json")))]
pub(crate) async fn rules(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Json<Value>, Problem> {
    user.require(Permission::EvaluateQuality)?;
    let (version, text) = current_rules(&state).await?;
    Ok(Json(json!({"version": version, "rules": text})))
}

async fn current_rules(state: &AppState) -> Result<(Option<i64>, String), Problem> {
    Ok(
        match state.store.qa_rules().await.map_err(Problem::internal)? {
            Some((version, text)) => (Some(version), text),
            None => (None, servq_qa::DEFAULT_RULES.to_owned()),
        },
    )
}

#[derive(Deserialize)]
pub(crate) struct RulesBody {
    rules: String,
}

/// `PUT /api/v1/qa/rules` `{"rules": "TOML"}`: checks the rule set (syntax with its line, every
/// rule usable) and stores it as a new version.
#[utoipa::path(put, path = "/api/v1/qa/rules", tag = "qa",
    request_body = crate::openapi::QaRulesBody,
    responses((status = 200, body = crate::openapi::QaRulesBody),
        (status = 400, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 401, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 403, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 415, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 422, body = crate::openapi::Problem, content_type = "application/problem+json")))]
pub(crate) async fn save_rules(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    body: Result<Json<RulesBody>, JsonRejection>,
) -> Result<Json<Value>, Problem> {
    user.require(Permission::ManageQuality)?;
    user.check_csrf_header(&headers)?;
    let Json(body) = body?;
    let bad = |detail: String| Problem::bad_request(user.locale, "bad_rules", detail);
    let rules = RuleSet::parse(&body.rules).map_err(|error| bad(error.to_string()))?;
    Scanner::new(rules).map_err(|error| bad(error.to_string()))?;
    let version = state
        .store
        .save_qa_rules(&body.rules, &user.actor(), now_ms())
        .await
        .map_err(Problem::internal)?;
    Ok(Json(json!({"version": version, "rules": body.rules})))
}

/// `PUT /api/v1/scorecards/{id}`: a new version of a scorecard (sections, items, weights,
/// scales, critical flags), checked first.
#[utoipa::path(put, path = "/api/v1/scorecards/{id}", tag = "qa",
    params(("id" = String, Path, description = "Scorecard id; `default` is the one evaluations use")),
    request_body = crate::openapi::ScorecardBody,
    responses((status = 200, body = crate::openapi::SavedVersion),
        (status = 400, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 401, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 403, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 415, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 422, body = crate::openapi::Problem, content_type = "application/problem+json")))]
pub(crate) async fn save_scorecard(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
    body: Result<Json<Value>, JsonRejection>,
) -> Result<Json<Value>, Problem> {
    user.require(Permission::ManageQuality)?;
    user.check_csrf_header(&headers)?;
    let Path(id) = id?;
    let Json(mut body) = body?;
    let bad = |detail: String| Problem::bad_request(user.locale, "bad_scorecard", detail);
    let id = id.trim();
    if id.is_empty() || id.chars().count() > 64 {
        return Err(bad("the id must have 1 to 64 characters".to_owned()));
    }
    let current = current_scorecard(&state, id).await?;
    let next = current.as_ref().map_or(1, |(stored, _)| stored.version + 1);
    // the stored version decides; the body need not carry one
    if let Some(object) = body.as_object_mut() {
        object.insert("version".to_owned(), json!(next));
        object.remove("scorecard_id");
    }
    let card: Scorecard =
        serde_json::from_value(body).map_err(|error| bad(format!("not a scorecard: {error}")))?;
    if card.name.trim().is_empty() || card.items().next().is_none() {
        return Err(bad(
            "a scorecard needs a name and at least one item".to_owned()
        ));
    }
    card.validate().map_err(|error| bad(error.to_string()))?;
    let definition = serde_json::to_string(&card).map_err(Problem::internal)?;
    let version = state
        .store
        .save_scorecard(id, &card.name, &definition, &user.actor(), now_ms())
        .await
        .map_err(Problem::internal)?;
    Ok(Json(json!({"id": id, "version": version})))
}

/// `/qa/setup`: the rule set and the default scorecard, edited in place.
pub(crate) async fn setup_page(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
) -> Result<Response, Problem> {
    let Some(user) = user else {
        return Ok(Redirect::to("/login").into_response());
    };
    user.require(Permission::ManageQuality)?;
    let locale = user.locale;
    let (version, rules) = current_rules(&state).await?;
    let (stored, card) = current_scorecard(&state, "default")
        .await?
        .ok_or_else(|| Problem::internal("the default scorecard is missing"))?;
    let mut card_json = serde_json::to_value(&card).map_err(Problem::internal)?;
    if let Some(object) = card_json.as_object_mut() {
        object.remove("version");
    }
    let version_text = |n: i64| t(locale, "qa_setup.version").replace("{n}", &n.to_string());
    let page = QaSetupPage {
        i18n: Text::new(locale),
        title: t(locale, "qa_setup.title"),
        header: signed_in_header(&user),
        csrf: user.csrf_token(),
        rules_version: match version {
            Some(version) => version_text(version),
            None => t(locale, "qa_setup.shipped_rules"),
        },
        rules,
        card_version: version_text(stored.version),
        card_text: serde_json::to_string_pretty(&card_json).map_err(Problem::internal)?,
    };
    Ok(render(&page)?.into_response())
}

#[derive(askama::Template)]
#[template(path = "qa_setup.html")]
struct QaSetupPage<'a> {
    i18n: Text,
    title: String,
    header: String,
    csrf: &'a str,
    rules_version: String,
    rules: String,
    card_version: String,
    card_text: String,
}
