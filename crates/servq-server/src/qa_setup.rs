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
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use servq_core::{Permission, SettingProblem, SettingReason};
use servq_qa::{RuleSet, Scanner, Scorecard};
use utoipa::ToSchema;

use crate::{
    AppState, Problem,
    auth::CurrentUser,
    evaluations::current_scorecard,
    i18n::t,
    now_ms,
    pages::{Text, render, signed_in_header},
};

/// The automated-QA rule set.
#[derive(Serialize, ToSchema)]
pub(crate) struct QaRulesBody {
    /// Null while the shipped rules are used.
    version: Option<i64>,
    /// TOML (docs/qa.md).
    rules: String,
    /// The same rules as JSON (what the form editor edits).
    #[schema(value_type = Object)]
    rule_set: Value,
}

impl QaRulesBody {
    fn of(version: Option<i64>, rules: String) -> QaRulesBody {
        // stored rules always parsed when they were saved; an unreadable one shows as null
        let rule_set = RuleSet::parse(&rules)
            .ok()
            .and_then(|set| serde_json::to_value(set).ok())
            .unwrap_or(Value::Null);
        QaRulesBody {
            version,
            rules,
            rule_set,
        }
    }
}

/// `GET /api/v1/qa/rules`: the rule set imported transcripts are scanned with.
#[utoipa::path(get, path = "/api/v1/qa/rules", tag = "qa",
    responses((status = 200, body = QaRulesBody),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn rules(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Json<QaRulesBody>, Problem> {
    user.require(Permission::EvaluateQuality)?;
    let (version, text) = current_rules(&state).await?;
    Ok(Json(QaRulesBody::of(version, text)))
}

async fn current_rules(state: &AppState) -> Result<(Option<i64>, String), Problem> {
    Ok(
        match state.store.qa_rules().await.map_err(Problem::internal)? {
            Some((version, text)) => (Some(version), text),
            None => (None, servq_qa::DEFAULT_RULES.to_owned()),
        },
    )
}

/// `PUT /api/v1/qa/rules` body: a new version of the rule set, as TOML or as JSON (one of the
/// two).
#[derive(Deserialize, ToSchema)]
pub(crate) struct QaRulesUpdate {
    /// TOML (docs/qa.md).
    #[serde(default)]
    rules: Option<String>,
    /// The rules as JSON, as `GET` answers `rule_set` (the form editor sends this); stored as
    /// TOML.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    rule_set: Option<Value>,
}

/// `PUT /api/v1/qa/rules` `{"rules": "TOML"}` or `{"rule_set": {...}}`: checks the rule set
/// (syntax with its line, every rule usable; a refused field of `rule_set` is named under
/// `errors`) and stores it as a new version.
#[utoipa::path(put, path = "/api/v1/qa/rules", tag = "qa",
    request_body = QaRulesUpdate,
    responses((status = 200, body = QaRulesBody),
        (status = 400, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 415, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 422, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn save_rules(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    body: Result<Json<QaRulesUpdate>, JsonRejection>,
) -> Result<Json<QaRulesBody>, Problem> {
    user.require(Permission::ManageQuality)?;
    user.check_csrf_header(&headers)?;
    let Json(body) = body?;
    let bad = |detail: String| Problem::bad_request(user.locale, "bad_rules", detail);
    let (rules, text) = match (body.rules, body.rule_set) {
        (Some(text), None) => (
            RuleSet::parse(&text).map_err(|error| bad(error.to_string()))?,
            text,
        ),
        (None, Some(value)) => {
            let rules: RuleSet = serde_json::from_value(value).map_err(|error| {
                Problem::invalid_fields(
                    user.locale,
                    "bad_rules",
                    &[SettingProblem::new(
                        "rule_set",
                        SettingReason::Other(error.to_string()),
                    )],
                )
            })?;
            let problems: Vec<SettingProblem> = rules
                .problems()
                .into_iter()
                .map(|problem| problem.under("rule_set"))
                .collect();
            if !problems.is_empty() {
                return Err(Problem::invalid_fields(user.locale, "bad_rules", &problems));
            }
            let text = rules.to_toml().map_err(Problem::internal)?;
            (rules, text)
        }
        _ => return Err(bad("send either rules (TOML) or rule_set (JSON)".to_owned())),
    };
    Scanner::new(rules).map_err(|error| bad(error.to_string()))?;
    let version = state
        .store
        .save_qa_rules(&text, &user.actor(), now_ms())
        .await
        .map_err(Problem::internal)?;
    Ok(Json(QaRulesBody::of(Some(version), text)))
}

/// `PUT /api/v1/scorecards/{id}` body: a scorecard as `GET` answers it; a `scorecard_id` or
/// `version` in it is ignored (the stored versions decide the next one).
#[derive(Deserialize, ToSchema)]
pub(crate) struct NewScorecardVersion {
    name: String,
    /// Sections with their items: id, name, weight, scale (binary, three_point, four_point,
    /// five_point), critical.
    sections: Vec<Value>,
}

/// A saved scorecard version.
#[derive(Serialize, ToSchema)]
pub(crate) struct SavedScorecard {
    id: String,
    version: i64,
}

/// `PUT /api/v1/scorecards/{id}`: a new version of a scorecard (sections, items, weights,
/// scales, critical flags), checked first.
#[utoipa::path(put, path = "/api/v1/scorecards/{id}", tag = "qa",
    params(("id" = String, Path, description = "Scorecard id; `default` is the one evaluations use")),
    request_body = NewScorecardVersion,
    responses((status = 200, body = SavedScorecard),
        (status = 400, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 415, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 422, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn save_scorecard(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
    body: Result<Json<NewScorecardVersion>, JsonRejection>,
) -> Result<Json<SavedScorecard>, Problem> {
    user.require(Permission::ManageQuality)?;
    user.check_csrf_header(&headers)?;
    let Path(id) = id?;
    let bad = |detail: String| Problem::bad_request(user.locale, "bad_scorecard", detail);
    // JSON that is no scorecard is refused as a bad scorecard, as when a check below fails
    let Json(body) = body.map_err(|rejection| match rejection {
        JsonRejection::JsonDataError(error) => {
            bad(format!("not a scorecard: {}", error.body_text()))
        }
        rejection => Problem::from(rejection),
    })?;
    let id = id.trim();
    if id.is_empty() || id.chars().count() > 64 {
        return Err(bad("the id must have 1 to 64 characters".to_owned()));
    }
    let current = current_scorecard(&state, id).await?;
    let next = current.as_ref().map_or(1, |(stored, _)| stored.version + 1);
    // the stored version decides; the body need not carry one
    let card: Scorecard = serde_json::from_value(json!({
        "name": body.name,
        "version": next,
        "sections": body.sections,
    }))
    .map_err(|error| bad(format!("not a scorecard: {error}")))?;
    let problems = card.problems();
    if !problems.is_empty() {
        return Err(Problem::invalid_fields(
            user.locale,
            "bad_scorecard",
            &problems,
        ));
    }
    let definition = serde_json::to_string(&card).map_err(Problem::internal)?;
    let version = state
        .store
        .save_scorecard(id, &card.name, &definition, &user.actor(), now_ms())
        .await
        .map_err(Problem::internal)?;
    Ok(Json(SavedScorecard {
        id: id.to_owned(),
        version,
    }))
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
        rule_set_island: crate::pages::script_json(&QaRulesBody::of(None, rules.clone()).rule_set),
        rules,
        card_version: version_text(stored.version),
        card_text: serde_json::to_string_pretty(&card_json).map_err(Problem::internal)?,
        card_island: crate::pages::script_json(&card_json),
        editor_strings: crate::pages::catalogue_island(locale, "editor."),
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
    /// The rule set as JSON for the form editor.
    rule_set_island: String,
    card_version: String,
    card_text: String,
    /// The scorecard for the form editor.
    card_island: String,
    /// The editor's texts.
    editor_strings: String,
}
