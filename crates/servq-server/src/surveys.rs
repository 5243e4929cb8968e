//! Surveys: the public survey page (`/s/{token}`, no sign-in, one answer per link), dispatch of
//! invitations after contacts close, the outbox for e-mail / SMS / webhook senders, templates and
//! dispatch rules over the API, and the survey report (`/surveys`, `/api/v1/surveys/metrics`) with
//! confidence intervals and the stage-rating view.

use std::{
    collections::HashMap,
    net::{IpAddr, SocketAddr},
    sync::{Arc, Mutex},
};

use axum::{
    Form, Json,
    extract::{
        ConnectInfo, Path, Query, State,
        rejection::{FormRejection, JsonRejection, PathRejection, QueryRejection},
    },
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Redirect, Response},
};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use servq_core::{
    Csat, CsatScale, DispatchRule, Permission, QuestionKind, Stage, SurveyTemplate, TemplateError,
};
use servq_kpi::{StageView, SurveyCounters};
use servq_stats::mean_interval;
use servq_store::{GroupField, KpiQuery, NewResponse, ResponseRefused};

use servq_app::surveys::*;

use crate::{
    AppState, Problem,
    auth::{self, CurrentUser},
    i18n::{Locale, t},
    now_ms,
    pages::{Text, render, signed_in_header},
    query_params::{self, add_days, query_string, today},
};

/// Confidence of the intervals the report shows.
use servq_app::surveys::CONFIDENCE;

/// Survey-page requests allowed per address and window; more get 429.
const PAGE_REQUESTS_PER_WINDOW: u32 = 60;
/// Survey answers allowed per address and window.
const ANSWERS_PER_WINDOW: u32 = 20;
/// The rate-limit window.
const RATE_WINDOW_MS: i64 = 10 * 60 * 1000;

/// Per (client address, kind of request): the start of its window and the requests in it.
type Windows = HashMap<(IpAddr, &'static str), (i64, u32)>;

/// Fixed-window request counts per client address, kept in the process (each instance limits
/// on its own).
#[derive(Clone, Default)]
pub(crate) struct RateLimiter {
    windows: Arc<Mutex<Windows>>,
}

impl RateLimiter {
    /// Counts a request of `kind` from `address`; false when it is over `limit` in the window.
    fn allow(&self, address: IpAddr, kind: &'static str, limit: u32, now_ms: i64) -> bool {
        let mut windows = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        if windows.len() > 100_000 {
            windows.retain(|_, (start, _)| now_ms - *start < RATE_WINDOW_MS);
        }
        let entry = windows.entry((address, kind)).or_insert((now_ms, 0));
        if now_ms - entry.0 >= RATE_WINDOW_MS {
            *entry = (now_ms, 0);
        }
        entry.1 += 1;
        entry.1 <= limit
    }
}

// ---------------------------------------------------------------------------------------------
// The public survey page

#[derive(Deserialize)]
pub(crate) struct LangParam {
    lang: Option<String>,
}

impl LangParam {
    /// The `lang` parameter.
    pub(crate) fn lang(&self) -> Option<&str> {
        self.lang.as_deref()
    }
}

pub(crate) fn survey_locale(headers: &HeaderMap, lang: Option<&str>) -> Locale {
    lang.and_then(Locale::parse).unwrap_or_else(|| {
        Locale::negotiate(
            headers
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or(""),
        )
    })
}

/// A page telling the customer why the link cannot be used, or thanking for the answers.
#[derive(askama::Template)]
#[template(path = "survey_notice.html")]
struct SurveyNoticePage {
    i18n: Text,
    languages: [Locale; 3],
    title: String,
    path: String,
    /// The notice's text key: `survey.{key}` under the title `survey.{key}_title`.
    key: String,
}

/// A page telling the customer why the link cannot be used.
fn survey_notice(locale: Locale, status: StatusCode, key: &str, path: &str) -> Response {
    let page = SurveyNoticePage {
        i18n: Text::new(locale),
        languages: Locale::ALL,
        title: t(locale, &format!("survey.{key}_title")),
        path: path.to_owned(),
        key: key.to_owned(),
    };
    let mut response = match render(&page) {
        Ok(html) => (status, html).into_response(),
        Err(problem) => return problem.into_response(),
    };
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    response
}

/// The choices of a rating question: (value submitted, visible text).
fn choices(locale: Locale, kind: QuestionKind) -> Vec<(String, String)> {
    let numbers = |range: std::ops::RangeInclusive<u8>| {
        range
            .map(|value| (value.to_string(), value.to_string()))
            .collect()
    };
    match kind {
        QuestionKind::Csat { scale } => scale
            .choices()
            .iter()
            .rev()
            .map(|(value, label)| {
                let key = match scale {
                    CsatScale::ThreeLevel => format!("survey.csat3_{}", label.replace(' ', "_")),
                    CsatScale::FivePoint => format!("survey.csat5_{value}"),
                };
                (value.to_string(), t(locale, &key))
            })
            .collect(),
        QuestionKind::Nps => numbers(0..=10),
        QuestionKind::Ces => numbers(1..=7),
        QuestionKind::Stage { .. } => numbers(1..=5),
        QuestionKind::Text => Vec::new(),
    }
}

/// The question text key of a question.
fn question_key(kind: QuestionKind) -> String {
    match kind {
        QuestionKind::Csat { .. } => "survey.q_csat".to_owned(),
        QuestionKind::Nps => "survey.q_nps".to_owned(),
        QuestionKind::Ces => "survey.q_ces".to_owned(),
        QuestionKind::Stage { stage } => format!("survey.q_{}", stage.field()),
        QuestionKind::Text => "survey.q_comment".to_owned(),
    }
}

/// The low and high ends of a numeric scale, shown under it.
fn scale_hint(locale: Locale, kind: QuestionKind) -> Option<(String, String)> {
    let pair = |low: &str, high: &str| Some((t(locale, low), t(locale, high)));
    match kind {
        QuestionKind::Nps => pair("survey.nps_low", "survey.nps_high"),
        QuestionKind::Ces => pair("survey.ces_low", "survey.ces_high"),
        QuestionKind::Stage { .. } => pair("survey.stage_low", "survey.stage_high"),
        _ => None,
    }
}

/// An answer of the form that needs fixing.
struct ErrorView {
    /// The question's field (its fieldset is `q-{column}`).
    column: &'static str,
    question: String,
    reason: String,
}

/// A choice of a rating question.
struct ChoiceView {
    value: String,
    label: String,
    checked: bool,
    /// The first choice of a required question carries `required`.
    required: bool,
}

/// A question of the survey form.
struct QuestionView {
    field: &'static str,
    text: String,
    required: bool,
    invalid: bool,
    /// For the free-text question: the text given so far (a text box instead of choices).
    comment: Option<String>,
    choices: Vec<ChoiceView>,
    /// The words at the low and high ends of a numeric scale.
    hint: Option<(String, String)>,
}

/// The survey form, with what was given and the reasons it was refused.
#[derive(askama::Template)]
#[template(path = "survey_form.html")]
struct SurveyFormPage {
    i18n: Text,
    languages: [Locale; 3],
    title: String,
    path: String,
    errors: Vec<ErrorView>,
    questions: Vec<QuestionView>,
    max_comment_chars: usize,
}

fn survey_form(
    locale: Locale,
    template: &SurveyTemplate,
    path: &str,
    given: &HashMap<String, String>,
    errors: &[servq_core::FieldError],
) -> SurveyFormPage {
    let error_views = errors
        .iter()
        .map(|error| ErrorView {
            column: error.column,
            question: template
                .questions
                .iter()
                .find(|q| q.kind.field() == error.column)
                .map(|q| t(locale, &question_key(q.kind)))
                .unwrap_or_else(|| error.column.to_owned()),
            reason: if error.reason == servq_core::ParseError::Empty.to_string() {
                t(locale, "survey.missing")
            } else {
                error.reason.clone()
            },
        })
        .collect();
    let questions = template
        .questions
        .iter()
        .map(|question| {
            let field = question.kind.field();
            let given = given.get(field);
            let choices = choices(locale, question.kind)
                .into_iter()
                .enumerate()
                .map(|(index, (value, label))| ChoiceView {
                    checked: given.is_some_and(|g| *g == value),
                    required: question.required && index == 0,
                    value,
                    label,
                })
                .collect();
            QuestionView {
                field,
                text: t(locale, &question_key(question.kind)),
                required: question.required,
                invalid: errors.iter().any(|e| e.column == field),
                comment: (question.kind == QuestionKind::Text)
                    .then(|| given.cloned().unwrap_or_default()),
                choices,
                hint: scale_hint(locale, question.kind),
            }
        })
        .collect();
    SurveyFormPage {
        i18n: Text::new(locale),
        languages: Locale::ALL,
        title: t(locale, "survey.title"),
        path: path.to_owned(),
        errors: error_views,
        questions,
        max_comment_chars: servq_core::MAX_COMMENT_CHARS,
    }
}

/// An open survey link: its path (for the form and the language links), the time the request
/// is handled at, and the invitation.
struct OpenLink {
    path: String,
    now: i64,
    invitation: Box<servq_store::Invitation>,
}

/// The open invitation behind a survey link, or the page to answer instead: not valid, rate
/// limited (`kind` counts against `limit`), answered already or expired.
async fn open_link(
    state: &AppState,
    peer: IpAddr,
    locale: Locale,
    token: Result<Path<String>, PathRejection>,
    (kind, limit): (&'static str, u32),
) -> Result<Result<OpenLink, Response>, Problem> {
    let Ok(Path(token)) = token else {
        return Ok(Err(survey_notice(
            locale,
            StatusCode::NOT_FOUND,
            "unknown",
            "/s/",
        )));
    };
    let path = format!("/s/{}", query_params::path_segment(&token));
    let now = now_ms();
    let refuse = |status, key| Ok(Err(survey_notice(locale, status, key, &path)));
    if !state.survey_limiter.allow(peer, kind, limit, now) {
        return refuse(StatusCode::TOO_MANY_REQUESTS, "busy");
    }
    let invitation = state
        .store
        .invitation_by_token(&auth::token_hash(&token))
        .await
        .map_err(Problem::internal)?;
    match invitation {
        None => refuse(StatusCode::NOT_FOUND, "unknown"),
        Some(invitation) if invitation.used_ms.is_some() => refuse(StatusCode::GONE, "answered"),
        Some(invitation) if invitation.expires_ms <= now => refuse(StatusCode::GONE, "expired"),
        Some(invitation) => Ok(Ok(OpenLink {
            path,
            now,
            invitation: Box::new(invitation),
        })),
    }
}

async fn invitation_template(
    state: &AppState,
    invitation: &servq_store::Invitation,
) -> Result<SurveyTemplate, Problem> {
    template(
        &state.store,
        &invitation.template_id,
        Some(invitation.template_version),
    )
    .await
    .map_err(Problem::internal)?
    .map(|(_, parsed)| parsed)
    .ok_or_else(|| Problem::internal("an invitation's template version is missing"))
}

/// `GET /s/{token}`: the survey form, or why the link cannot be used.
pub(crate) async fn survey_page(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    token: Result<Path<String>, PathRejection>,
    lang: Result<Query<LangParam>, QueryRejection>,
) -> Result<Response, Problem> {
    let locale = survey_locale(&headers, lang.as_ref().ok().and_then(|q| q.lang.as_deref()));
    let OpenLink {
        path, invitation, ..
    } = match open_link(
        &state,
        crate::auth::client_ip(&state.trusted_proxies, peer, &headers),
        locale,
        token,
        ("page", PAGE_REQUESTS_PER_WINDOW),
    )
    .await?
    {
        Ok(open) => open,
        Err(page) => return Ok(page),
    };
    let template = invitation_template(&state, &invitation).await?;
    let page = survey_form(locale, &template, &path, &HashMap::new(), &[]);
    let mut response = render(&page)?.into_response();
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    Ok(response)
}

/// `POST /s/{token}`: stores the answers once, credited to the contact's agent.
pub(crate) async fn submit_survey(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    token: Result<Path<String>, PathRejection>,
    lang: Result<Query<LangParam>, QueryRejection>,
    form: Result<Form<HashMap<String, String>>, FormRejection>,
) -> Result<Response, Problem> {
    let locale = survey_locale(&headers, lang.as_ref().ok().and_then(|q| q.lang.as_deref()));
    let OpenLink {
        path,
        now,
        invitation,
    } = match open_link(
        &state,
        crate::auth::client_ip(&state.trusted_proxies, peer, &headers),
        locale,
        token,
        ("answer", ANSWERS_PER_WINDOW),
    )
    .await?
    {
        Ok(open) => open,
        Err(page) => return Ok(page),
    };
    let Ok(Form(given)) = form else {
        return Ok(survey_notice(
            locale,
            StatusCode::BAD_REQUEST,
            "unreadable",
            &path,
        ));
    };
    if given.get("website").is_some_and(|v| !v.is_empty()) {
        return Ok(survey_notice(
            locale,
            StatusCode::BAD_REQUEST,
            "unreadable",
            &path,
        ));
    }
    let template = invitation_template(&state, &invitation).await?;
    let answers = match template.parse_answers(|name| given.get(name).map(String::as_str)) {
        Ok(answers) => answers,
        Err(errors) => {
            let page = survey_form(locale, &template, &path, &given, &errors);
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
        }
    };
    let stored = state
        .store
        .record_survey_response(
            &NewResponse {
                response_id: &invitation.invitation_id,
                invitation_id: Some(&invitation.invitation_id),
                contact_id: &invitation.contact_id,
                template: (&invitation.template_id, invitation.template_version),
                responded_ms: now,
                answers: &answers,
                source: "page",
            },
            now,
        )
        .await
        .map_err(Problem::internal)?;
    match stored {
        Ok(()) => {
            servq_app::customers::history_changed(&state.store, &invitation.customer_id, now).await;
            Ok(survey_notice(locale, StatusCode::OK, "thanks", &path))
        }
        Err(ResponseRefused::AlreadyAnswered) => {
            Ok(survey_notice(locale, StatusCode::GONE, "answered", &path))
        }
        Err(ResponseRefused::UnknownContact) => {
            Ok(survey_notice(locale, StatusCode::GONE, "unknown", &path))
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Templates, rules and the outbox over the API

fn bad(user: &CurrentUser, code: &'static str, detail: impl Into<String>) -> Problem {
    Problem::bad_request(user.locale, code, detail.into())
}

/// A survey template version.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct SurveyTemplateItem {
    id: String,
    version: i64,
    /// The template: name and questions (docs/surveys.md).
    #[schema(value_type = Object)]
    template: Value,
}

/// `GET /api/v1/survey-templates`.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct SurveyTemplates {
    templates: Vec<SurveyTemplateItem>,
}

/// `GET /api/v1/survey-templates`: the newest version of each template.
#[utoipa::path(get, path = "/api/v1/survey-templates", tag = "surveys",
    responses((status = 200, body = SurveyTemplates),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn templates(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Json<SurveyTemplates>, Problem> {
    user.require(Permission::ManageSurveys)?;
    template(&state.store, STANDARD_TEMPLATE, None)
        .await
        .map_err(Problem::internal)?;
    let stored = state
        .store
        .survey_templates()
        .await
        .map_err(Problem::internal)?;
    let templates = stored
        .iter()
        .map(|stored| SurveyTemplateItem {
            id: stored.template_id.clone(),
            version: stored.version,
            template: serde_json::from_str::<Value>(&stored.definition).unwrap_or(Value::Null),
        })
        .collect();
    Ok(Json(SurveyTemplates { templates }))
}

/// A survey question.
#[allow(dead_code)] // documents the body; the handler parses it with SurveyTemplate::from_json
#[derive(Deserialize, utoipa::ToSchema)]
pub(crate) struct SurveyQuestion {
    /// csat (with `scale`: three_level or five_point), nps, ces, stage (with `stage`:
    /// greeting, understanding, answer, farewell) or text.
    #[schema(pattern = "^(csat|nps|ces|stage|text)$")]
    kind: String,
    /// For csat: three_level or five_point.
    scale: Option<String>,
    /// For stage: greeting, understanding, answer or farewell.
    stage: Option<String>,
    /// Whether an answer must be given (default false).
    #[serde(default)]
    required: bool,
    /// response_speed, problem_solving, professionalism_attitude, process_transparency or
    /// satisfaction_feedback.
    #[serde(default)]
    dimension: Option<String>,
}

/// `PUT /api/v1/survey-templates/{id}` body. The handler reads it as free JSON and checks it
/// with `SurveyTemplate::from_json` (a 400 `bad_template` names what is wrong); this type
/// documents its shape.
#[allow(dead_code)] // documents the body; the handler parses it with SurveyTemplate::from_json
#[derive(Deserialize, utoipa::ToSchema)]
pub(crate) struct SurveyTemplateBody {
    /// Shown to the customer as the survey's title.
    #[schema(min_length = 1)]
    name: String,
    /// The questions, in the order shown.
    questions: Vec<SurveyQuestion>,
}

/// A saved version.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct SavedVersion {
    id: String,
    version: i64,
}

/// `PUT /api/v1/survey-templates/{id}`: stores a new version.
#[utoipa::path(put, path = "/api/v1/survey-templates/{id}", tag = "surveys",
    params(("id" = String, Path, description = "Template id")),
    request_body = SurveyTemplateBody,
    responses((status = 200, body = SavedVersion),
        (status = 400, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 415, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 422, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn save_template(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
    body: Result<Json<Value>, JsonRejection>,
) -> Result<Json<SavedVersion>, Problem> {
    user.require(Permission::ManageSurveys)?;
    user.check_csrf_header(&headers)?;
    let Path(id) = id?;
    let Json(body) = body?;
    let id = id.trim();
    if id.is_empty() || id.chars().count() > 64 {
        return Err(bad(
            &user,
            "bad_template",
            "the id must have 1 to 64 characters",
        ));
    }
    let parsed = SurveyTemplate::from_json(&body.to_string()).map_err(|error| match error {
        TemplateError::Invalid(problems) => {
            Problem::invalid_fields(user.locale, "bad_template", &problems)
        }
        error => bad(&user, "bad_template", error.to_string()),
    })?;
    let version = state
        .store
        .save_survey_template(id, &parsed.name, &parsed.to_json(), &user.actor(), now_ms())
        .await
        .map_err(Problem::internal)?;
    Ok(Json(SavedVersion {
        id: id.to_owned(),
        version,
    }))
}

/// A dispatch rule as the API shows it.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct SurveyRule {
    rule_id: String,
    /// The survey template sent.
    template_id: String,
    /// Channels it applies to; empty = every channel.
    channels: Vec<String>,
    /// Categories it applies to; empty = every category.
    categories: Vec<String>,
    /// Minutes after the contact closed before the invitation is created.
    delay_minutes: u32,
    /// Share of matching contacts surveyed, 0–100 %.
    #[schema(maximum = 100)]
    sample_percent: u8,
    /// "22:00-08:00" or null.
    quiet_hours: Option<String>,
    /// A customer surveyed within this many days gets no new survey.
    no_repeat_days: u32,
    /// Hours the link stays valid.
    #[schema(minimum = 1)]
    expiry_hours: u32,
    #[schema(pattern = "^(email|sms|webhook)$")]
    send_via: String,
    #[schema(pattern = "^(en|zh-CN|zh-TW)$")]
    locale: String,
    active: bool,
}

impl From<&DispatchRule> for SurveyRule {
    /// The rule as `servq_app::surveys::rules_json` writes it (quiet hours as "22:00-08:00").
    fn from(rule: &DispatchRule) -> Self {
        SurveyRule {
            rule_id: rule.rule_id.clone(),
            template_id: rule.template_id.clone(),
            channels: rule.channels.clone(),
            categories: rule.categories.clone(),
            delay_minutes: rule.delay_minutes,
            sample_percent: rule.sample_percent,
            quiet_hours: servq_app::surveys::quiet_hours_text(rule.quiet_hours),
            no_repeat_days: rule.no_repeat_days,
            expiry_hours: rule.expiry_hours,
            send_via: rule.send_via.name().to_owned(),
            locale: rule.locale.clone(),
            active: rule.active,
        }
    }
}

/// `GET/PUT /api/v1/survey-rules`.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct SurveyRules {
    rules: Vec<SurveyRule>,
}

impl SurveyRules {
    fn from_rules(rules: &[DispatchRule]) -> Self {
        SurveyRules {
            rules: rules.iter().map(SurveyRule::from).collect(),
        }
    }
}

/// A dispatch rule as sent.
#[allow(dead_code)] // documents the body; the handler parses it with save_rules
#[derive(Deserialize, utoipa::ToSchema)]
pub(crate) struct SurveyRuleInput {
    rule_id: String,
    /// The survey template sent (must exist).
    template_id: String,
    /// Channels it applies to; empty or missing = every channel.
    #[serde(default)]
    channels: Vec<String>,
    /// Categories it applies to; empty or missing = every category.
    #[serde(default)]
    categories: Vec<String>,
    /// Minutes after the contact closed before the invitation is created.
    delay_minutes: u32,
    /// Share of matching contacts surveyed, 0–100 %.
    #[schema(maximum = 100)]
    sample_percent: u8,
    /// "22:00-08:00", or null / empty / missing for none.
    #[serde(default)]
    quiet_hours: Option<String>,
    /// A customer surveyed within this many days gets no new survey.
    no_repeat_days: u32,
    /// Hours the link stays valid.
    #[schema(minimum = 1)]
    expiry_hours: u32,
    #[schema(pattern = "^(email|sms|webhook)$")]
    send_via: String,
    /// Language of the message and the survey page (default zh-CN).
    #[serde(default)]
    #[schema(pattern = "^(en|zh-CN|zh-TW)$")]
    locale: String,
    active: bool,
}

/// `PUT /api/v1/survey-rules` body. The handler reads it as free JSON and parses it with
/// `servq_app::surveys::save_rules` (a 400 `bad_rule` names the rule at fault); this type
/// documents its shape.
#[allow(dead_code)] // documents the body; the handler parses it with save_rules
#[derive(Deserialize, utoipa::ToSchema)]
pub(crate) struct SurveyRulesBody {
    /// The rules, tried in order.
    rules: Vec<SurveyRuleInput>,
}

/// `GET /api/v1/survey-rules`.
#[utoipa::path(get, path = "/api/v1/survey-rules", tag = "surveys",
    responses((status = 200, body = SurveyRules),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn rules(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Json<SurveyRules>, Problem> {
    user.require(Permission::ManageSurveys)?;
    let rules = state
        .store
        .survey_rules()
        .await
        .map_err(Problem::internal)?;
    Ok(Json(SurveyRules::from_rules(&rules)))
}

/// `PUT /api/v1/survey-rules` `{"rules": [...]}`: replaces the dispatch rules (tried in order).
#[utoipa::path(put, path = "/api/v1/survey-rules", tag = "surveys",
    request_body = SurveyRulesBody,
    responses((status = 200, body = SurveyRules),
        (status = 400, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 415, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 422, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn put_rules(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    body: Result<Json<Value>, JsonRejection>,
) -> Result<Json<SurveyRules>, Problem> {
    user.require(Permission::ManageSurveys)?;
    user.check_csrf_header(&headers)?;
    let Json(body) = body?;
    let rules = save_rules(&state.store, &body, &user.actor())
        .await
        .map_err(|refused| match refused {
            RulesRefused::Invalid(problems) => {
                Problem::invalid_fields(user.locale, "bad_rule", &problems)
            }
            RulesRefused::Failed(error) => Problem::internal(format!("{error:#}")),
        })?;
    Ok(Json(SurveyRules::from_rules(&rules)))
}

/// An invitation created by a dispatch.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct DispatchedInvitation {
    id: String,
    contact_id: String,
    customer_id: String,
    /// email, sms or webhook.
    send_via: String,
    /// The survey link (shown once: only the token's hash is stored).
    link: String,
}

impl From<&Dispatched> for DispatchedInvitation {
    fn from(d: &Dispatched) -> Self {
        DispatchedInvitation {
            id: d.invitation_id.clone(),
            contact_id: d.contact_id.clone(),
            customer_id: d.customer_id.clone(),
            send_via: d.send_via.to_owned(),
            link: d.link.clone(),
        }
    }
}

/// `POST /api/v1/surveys/dispatch`.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct DispatchResult {
    created: usize,
    invitations: Vec<DispatchedInvitation>,
}

/// `POST /api/v1/surveys/dispatch`: creates the invitations due now (the server also does this
/// every minute); returns them with their links.
#[utoipa::path(post, path = "/api/v1/surveys/dispatch", tag = "surveys",
    responses((status = 200, body = DispatchResult),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn dispatch(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
) -> Result<Json<DispatchResult>, Problem> {
    user.require(Permission::ManageSurveys)?;
    user.check_csrf_header(&headers)?;
    let created = dispatch_due(
        &state.store,
        now_ms(),
        &crate::desk::public_base(&state, &headers),
    )
    .await
    .map_err(Problem::internal)?;
    Ok(Json(DispatchResult {
        created: created.len(),
        invitations: created.iter().map(DispatchedInvitation::from).collect(),
    }))
}

#[derive(Deserialize)]
pub(crate) struct OutboxParams {
    limit: Option<i64>,
}

/// An invitation waiting to be sent.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct OutboxMessage {
    id: String,
    contact_id: String,
    customer_id: String,
    /// email, sms or webhook.
    send_via: String,
    /// The text to send (SMS, e-mail with the subject on the first line, or webhook JSON).
    message: String,
    created_at: String,
    expires_at: String,
}

impl From<&servq_store::Invitation> for OutboxMessage {
    fn from(i: &servq_store::Invitation) -> Self {
        OutboxMessage {
            id: i.invitation_id.clone(),
            contact_id: i.contact_id.clone(),
            customer_id: i.customer_id.clone(),
            send_via: i.send_via.clone(),
            message: i.message.clone(),
            created_at: crate::rfc3339(i.created_ms),
            expires_at: crate::rfc3339(i.expires_ms),
        }
    }
}

/// `GET /api/v1/surveys/outbox`.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct Outbox {
    messages: Vec<OutboxMessage>,
}

/// `GET /api/v1/surveys/outbox?limit=`: invitations not yet sent, oldest first, with the text
/// to send (for an e-mail, SMS or webhook sender).
#[utoipa::path(get, path = "/api/v1/surveys/outbox", tag = "surveys",
    params(("limit" = Option<i64>, Query, description = "At most this many (default 100, max 1000)")),
    responses((status = 200, body = Outbox),
        (status = 400, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn outbox(
    State(state): State<AppState>,
    user: CurrentUser,
    params: Result<Query<OutboxParams>, QueryRejection>,
) -> Result<Json<Outbox>, Problem> {
    user.require(Permission::ManageSurveys)?;
    let Query(params) = params?;
    let limit = params.limit.unwrap_or(100).clamp(1, 1000);
    let pending = state
        .store
        .unsent_invitations(limit)
        .await
        .map_err(Problem::internal)?;
    Ok(Json(Outbox {
        messages: pending.iter().map(OutboxMessage::from).collect(),
    }))
}

/// `POST /api/v1/surveys/outbox/{id}/sent` answer.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct InvitationSent {
    /// Always `sent`.
    #[schema(example = "sent")]
    status: String,
}

/// `POST /api/v1/surveys/outbox/{id}/sent`: the sender delivered it; its text (with the link)
/// is forgotten.
#[utoipa::path(post, path = "/api/v1/surveys/outbox/{id}/sent", tag = "surveys",
    params(("id" = String, Path, description = "Invitation id")),
    responses((status = 200, body = InvitationSent),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 404, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn mark_sent(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
) -> Result<Json<InvitationSent>, Problem> {
    user.require(Permission::ManageSurveys)?;
    user.check_csrf_header(&headers)?;
    let Path(id) = id?;
    if state
        .store
        .mark_invitation_sent(&id, now_ms())
        .await
        .map_err(Problem::internal)?
    {
        Ok(Json(InvitationSent {
            status: "sent".to_owned(),
        }))
    } else {
        Err(Problem::not_found(user.locale))
    }
}

// ---------------------------------------------------------------------------------------------
// The survey report

#[derive(Deserialize, Default)]
pub(crate) struct MetricsParams {
    from: Option<String>,
    to: Option<String>,
    by: Option<String>,
    filter: Option<String>,
    queue: Option<String>,
    team: Option<String>,
    agent: Option<String>,
    channel: Option<String>,
    category: Option<String>,
}

/// A survey report: rows per group with intervals, the stage view of the whole period.
pub(crate) struct SurveyReport {
    from: jiff::civil::Date,
    to: jiff::civil::Date,
    by: Option<GroupField>,
    zone: String,
    rows: Vec<(Option<String>, SurveyCounters)>,
    total: SurveyCounters,
    stages: StageView,
}

/// A measure with its 95 % interval.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct Estimate {
    /// Answers (or invitations, for the response rate) it is over.
    n: i64,
    value: Option<f64>,
    lower: Option<f64>,
    upper: Option<f64>,
}

impl From<servq_report::Estimate> for Estimate {
    fn from(estimate: servq_report::Estimate) -> Self {
        Estimate {
            n: estimate.n,
            value: estimate.value,
            lower: estimate.lower,
            upper: estimate.upper,
        }
    }
}

/// Survey measures of a group.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct SurveyGroup {
    /// The group's key; null for the total.
    key: Option<String>,
    invitations: i64,
    responses: i64,
    unsatisfied: i64,
    response_rate: Estimate,
    /// Top-2-box share.
    csat: Estimate,
    csat_mean: Estimate,
    nps: Estimate,
    ces: Estimate,
}

impl SurveyGroup {
    fn new(key: Option<&str>, s: &SurveyCounters) -> Self {
        let estimates = servq_app::surveys::estimates(s);
        SurveyGroup {
            key: key.map(str::to_owned),
            invitations: estimates.invitations,
            responses: estimates.responses,
            unsatisfied: s.csat_unsatisfied,
            response_rate: estimates.response_rate.into(),
            csat: estimates.csat.into(),
            csat_mean: estimates.csat_mean.into(),
            nps: estimates.nps.into(),
            ces: estimates.ces.into(),
        }
    }
}

/// A stage's ratings.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct StageRating {
    stage: String,
    n: i64,
    mean: Option<f64>,
    lower: Option<f64>,
    upper: Option<f64>,
    low_share: Option<f64>,
}

/// The peak-end estimate.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct PeakEnd {
    n: i64,
    peak_end: Option<f64>,
    stage_mean: Option<f64>,
    csat_mean: Option<f64>,
}

/// `GET /api/v1/surveys/metrics`.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct SurveyMetrics {
    from: String,
    to: String,
    group_by: Option<String>,
    time_zone: String,
    confidence: f64,
    rows: Vec<SurveyGroup>,
    total: SurveyGroup,
    stages: Vec<StageRating>,
    peak_end: PeakEnd,
}

impl SurveyReport {
    /// The report as `GET /api/v1/surveys/metrics` writes it.
    fn metrics(&self) -> SurveyMetrics {
        let stages = Stage::ALL
            .iter()
            .zip(&self.stages.stages)
            .map(|(stage, sums)| {
                let interval = mean_interval(
                    sums.answers,
                    sums.sum as f64,
                    sums.sum_squares as f64,
                    CONFIDENCE,
                );
                StageRating {
                    stage: stage.name().to_owned(),
                    n: sums.answers,
                    mean: sums.mean(),
                    lower: interval.map(|i| i.lower),
                    upper: interval.map(|i| i.upper),
                    low_share: sums.low_share(),
                }
            })
            .collect();
        SurveyMetrics {
            from: self.from.to_string(),
            to: self.to.to_string(),
            group_by: self.by.map(|by| by.name().to_owned()),
            time_zone: self.zone.clone(),
            confidence: CONFIDENCE,
            rows: self
                .rows
                .iter()
                .map(|(key, s)| SurveyGroup::new(key.as_deref(), s))
                .collect(),
            total: SurveyGroup::new(None, &self.total),
            stages,
            peak_end: PeakEnd {
                n: self.stages.peak_end_answers,
                peak_end: self.stages.peak_end(),
                stage_mean: self.stages.stage_mean(),
                csat_mean: self.stages.csat_mean(),
            },
        }
    }

    /// The report's JSON, as the survey report page reads it.
    fn json(&self) -> Value {
        serde_json::to_value(self.metrics()).unwrap_or_default()
    }
}

/// The report for the period and filters (default: the last 7 whole days), limited to the
/// user's own contacts for agents.
pub(crate) async fn survey_report(
    state: &AppState,
    user: &CurrentUser,
    params: &MetricsParams,
) -> Result<SurveyReport, Problem> {
    user.require(Permission::ViewOwnKpis)?;
    let (zone_name, zone) = state.centre_zone().await?;
    let yesterday = add_days(today(&zone), -1);
    fn given(value: &Option<String>) -> Option<&str> {
        value.as_deref().filter(|v| !v.trim().is_empty())
    }
    let to = match given(&params.to) {
        Some(text) => query_params::parse_date(user.locale, text)?,
        None => yesterday,
    };
    let from = match given(&params.from) {
        Some(text) => query_params::parse_date(user.locale, text)?,
        None => add_days(to, -6),
    };
    if from > to {
        return Err(bad(
            user,
            "bad_date",
            format!("from {from} is after to {to}"),
        ));
    }
    let by = match given(&params.by) {
        None => None,
        Some(name) => Some(GroupField::parse(name.trim()).ok_or_else(|| {
            bad(
                user,
                "unknown_group",
                format!("'{name}' is not one of {}", GroupField::NAMES),
            )
        })?),
    };
    let mut filters = query_params::filters(user.locale, given(&params.filter))?;
    for (dimension, value) in [
        (servq_store::Dimension::Queue, &params.queue),
        (servq_store::Dimension::Team, &params.team),
        (servq_store::Dimension::Agent, &params.agent),
        (servq_store::Dimension::Channel, &params.channel),
        (servq_store::Dimension::Category, &params.category),
    ] {
        if let Some(value) = given(value) {
            filters.push((
                dimension,
                value.split(',').map(|v| v.trim().to_owned()).collect(),
            ));
        }
    }
    user.restrict_filters(&mut filters)?;
    let from_ms = query_params::day_start_ms(user.locale, &zone, from, 0)?;
    let to_ms = query_params::day_start_ms(user.locale, &zone, to, 1)?;
    let query = |group_by: Vec<GroupField>| KpiQuery {
        group_by,
        from_ms: Some(from_ms),
        to_ms: Some(to_ms),
        zone: zone.clone(),
        filters: filters.clone(),
    };
    let grouped = state
        .store
        .kpi(&query(by.into_iter().collect()))
        .await
        .map_err(Problem::internal)?;
    let total = state
        .store
        .kpi(&query(Vec::new()))
        .await
        .map_err(Problem::internal)?
        .first()
        .map(|group| group.feedback.survey)
        .unwrap_or_default();
    let rows = match by {
        None => Vec::new(),
        Some(_) => grouped
            .into_iter()
            .filter(|group| group.feedback.survey != SurveyCounters::default())
            .map(|group| (group.key[0].clone(), group.feedback.survey))
            .collect(),
    };
    let mut stages = StageView::default();
    for response in state
        .store
        .survey_responses_for(from_ms, to_ms, &filters)
        .await
        .map_err(Problem::internal)?
    {
        stages.add(&response.answers);
    }
    Ok(SurveyReport {
        from,
        to,
        by,
        zone: zone_name,
        rows,
        total,
        stages,
    })
}

/// `GET /api/v1/surveys/metrics?from=&to=&by=&filter=`: CSAT (top-2-box and mean), NPS, CES and
/// response rate with 95 % intervals per group, and the stage-rating view.
#[utoipa::path(get, path = "/api/v1/surveys/metrics", tag = "surveys",
    params(("from" = Option<String>, Query, description = "First day (default: 7 days before yesterday)"),
        ("to" = Option<String>, Query, description = "Last day (default: yesterday)"),
        ("by" = Option<String>, Query, description = "agent, team, queue, channel, category, direction, day, week, month, …"),
        ("filter" = Option<String>, Query, description = "dimension=value, comma-separated")),
    responses((status = 200, body = SurveyMetrics),
        (status = 400, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn metrics(
    State(state): State<AppState>,
    user: CurrentUser,
    params: Result<Query<MetricsParams>, QueryRejection>,
) -> Result<Json<SurveyMetrics>, Problem> {
    let Query(params) = params?;
    Ok(Json(survey_report(&state, &user, &params).await?.metrics()))
}

fn number(value: Option<f64>, decimals: usize, percent: bool) -> String {
    match value {
        None => "—".to_owned(),
        Some(v) if percent => format!("{:.*}%", decimals, v * 100.0),
        Some(v) => format!("{v:.decimals$}"),
    }
}

/// A value with its interval, as a tile or a table cell shows it.
struct Shown {
    value: String,
    /// The ends of the interval, when there is one.
    interval: Option<(String, String)>,
}

fn shown(
    value: Option<f64>,
    lower: Option<f64>,
    upper: Option<f64>,
    decimals: usize,
    percent: bool,
) -> Shown {
    Shown {
        value: number(value, decimals, percent),
        interval: match (lower, upper) {
            (Some(lower), Some(upper)) => Some((
                number(Some(lower), decimals, percent),
                number(Some(upper), decimals, percent),
            )),
            _ => None,
        },
    }
}

/// A measure of the report's JSON (`{"value", "lower", "upper"}`) as shown.
fn with_interval(item: &Value, decimals: usize, percent: bool) -> Shown {
    shown(
        item["value"].as_f64(),
        item["lower"].as_f64(),
        item["upper"].as_f64(),
        decimals,
        percent,
    )
}

const MEASURES: [(&str, usize, bool); 5] = [
    ("csat", 1, true),
    ("csat_mean", 2, false),
    ("nps", 1, false),
    ("ces", 2, false),
    ("response_rate", 1, true),
];

/// A choice of the grouping.
struct ByOption {
    value: &'static str,
    text: String,
    selected: bool,
}

/// A tile of the period's totals.
struct TileView {
    name: &'static str,
    /// The value unrounded (empty without answers).
    raw: String,
    n: String,
    shown: Shown,
}

/// A row of the groups table.
struct GroupRow {
    key: String,
    responses: String,
    unsatisfied: String,
    /// One per measure.
    values: Vec<Shown>,
}

/// The groups table, when the report is grouped.
struct Groups {
    /// The grouping's name.
    by: &'static str,
    rows: Vec<GroupRow>,
}

/// A row of the stage-rating table.
struct StageRow {
    name: String,
    n: String,
    mean: Shown,
    low_share: String,
}

/// The peak-end line under the stage ratings.
struct PeakEndView {
    peak_end: String,
    stage_mean: String,
    csat_mean: String,
    n: String,
}

#[derive(askama::Template)]
#[template(path = "surveys.html")]
struct SurveysPage {
    i18n: Text,
    title: String,
    header: String,
    from: String,
    to: String,
    by_options: Vec<ByOption>,
    /// Links to the reviews and their report (for quality inspectors).
    review_links: bool,
    /// The link to the survey setup, after the review links.
    setup_link: bool,
    tiles: Vec<TileView>,
    responses: String,
    unsatisfied: String,
    measures: [&'static str; 5],
    groups: Option<Groups>,
    stages: Vec<StageRow>,
    peak_end: PeakEndView,
    api: String,
}

/// `/surveys`: the survey report page.
pub(crate) async fn surveys_page(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    params: Result<Query<MetricsParams>, QueryRejection>,
) -> Result<Response, Problem> {
    let Some(user) = user else {
        return Ok(Redirect::to("/login").into_response());
    };
    let Query(params) = params?;
    let report = survey_report(&state, &user, &params).await?;
    let locale = user.locale;
    let data = report.json();
    let by_name = report.by.map(|b| b.name()).unwrap_or("");
    let by_options = [
        "", "agent", "team", "queue", "category", "channel", "day", "week",
    ]
    .into_iter()
    .map(|name| ByOption {
        value: name,
        text: if name.is_empty() {
            t(locale, "surveys.no_grouping")
        } else {
            t(locale, &format!("surveys.by_{name}"))
        },
        selected: by_name == name,
    })
    .collect();
    let total = &data["total"];
    let tiles = MEASURES
        .iter()
        .map(|&(name, decimals, percent)| TileView {
            name,
            raw: total[name]["value"]
                .as_f64()
                .map_or(String::new(), |v| v.to_string()),
            n: total[name]["n"].to_string(),
            shown: with_interval(&total[name], decimals, percent),
        })
        .collect();
    let groups = report.by.map(|by| Groups {
        by: by.name(),
        rows: data["rows"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|row| GroupRow {
                key: row["key"].as_str().unwrap_or("—").to_owned(),
                responses: row["responses"].to_string(),
                unsatisfied: row["unsatisfied"].to_string(),
                values: MEASURES
                    .iter()
                    .map(|&(name, decimals, percent)| with_interval(&row[name], decimals, percent))
                    .collect(),
            })
            .collect(),
    });
    let stages = data["stages"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|stage| StageRow {
            name: stage["stage"].as_str().unwrap_or("").to_owned(),
            n: stage["n"].to_string(),
            mean: shown(
                stage["mean"].as_f64(),
                stage["lower"].as_f64(),
                stage["upper"].as_f64(),
                2,
                false,
            ),
            low_share: number(stage["low_share"].as_f64(), 1, true),
        })
        .collect();
    let peak_end = &data["peak_end"];
    let review_links = user.user.role.allows(Permission::EvaluateQuality);
    let page = SurveysPage {
        i18n: Text::new(locale),
        title: t(locale, "surveys.title"),
        header: signed_in_header(&user),
        from: report.from.to_string(),
        to: report.to.to_string(),
        by_options,
        review_links,
        setup_link: review_links && user.user.role.allows(Permission::ManageSurveys),
        tiles,
        responses: total["responses"].to_string(),
        unsatisfied: total["unsatisfied"].to_string(),
        measures: MEASURES.map(|(name, ..)| name),
        groups,
        stages,
        peak_end: PeakEndView {
            peak_end: number(peak_end["peak_end"].as_f64(), 2, false),
            stage_mean: number(peak_end["stage_mean"].as_f64(), 2, false),
            csat_mean: number(peak_end["csat_mean"].as_f64(), 2, false),
            n: peak_end["n"].to_string(),
        },
        api: format!(
            "/api/v1/surveys/metrics?{}",
            query_string(&[
                ("from", report.from.to_string()),
                ("to", report.to.to_string()),
                (
                    "by",
                    report.by.map(|b| b.name().to_owned()).unwrap_or_default()
                ),
            ])
        ),
    };
    Ok(render(&page)?.into_response())
}

/// The answer a stored CSAT value stands for, in words.
pub(crate) fn csat_words(locale: Locale, csat: Option<Csat>) -> String {
    match csat {
        None => "—".to_owned(),
        Some(csat) => format!(
            "{} ({})",
            csat.value(),
            t(locale, &format!("survey.csat5_{}", csat.value()))
        ),
    }
}
