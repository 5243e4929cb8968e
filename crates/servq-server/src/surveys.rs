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
    response::{Html, IntoResponse, Redirect, Response},
};
use serde::Deserialize;
use serde_json::{Value, json};
use servq_core::{
    Csat, CsatScale, Permission, QuestionKind, Stage, SurveyTemplate,
};
use servq_kpi::{StageView, SurveyCounters, ces, csat, csat_mean, nps, survey_response_rate};
use servq_stats::{Interval, mean_interval, nps_interval, wilson_interval};
use servq_store::{
    GroupField, KpiQuery, NewResponse, ResponseRefused,
};

use servq_app::surveys::*;

use crate::{
    AppState, Problem,
    auth::{self, CurrentUser},
    i18n::{Locale, t},
    now_ms,
    pages::{Text, escape, page, signed_in_header},
    query_params::{self, add_days, query_string, today},
};


/// Confidence of the intervals the report shows.
const CONFIDENCE: f64 = 0.95;


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

pub(crate) const SURVEY_STYLE: &str = "body{font-family:system-ui,'PingFang SC','PingFang TC','Microsoft YaHei',sans-serif;margin:0;background:#f5f6f8;color:#1d2330;font-size:17px;line-height:1.5}\
main{max-width:36rem;margin:0 auto;padding:1rem}h1{font-size:1.35rem}\
nav.lang{text-align:right;font-size:.9rem}nav.lang a{margin-left:.6rem;color:#1f5fbf}\
fieldset{border:0;background:#fff;border-radius:10px;margin:0 0 1rem;padding:.8rem 1rem}\
legend{font-weight:600;padding:0;margin-bottom:.4rem;float:left;width:100%}\
.choices{clear:both;display:flex;flex-wrap:wrap;gap:.4rem}\
.choices label{display:inline-flex;align-items:center;justify-content:center;flex:1 0 2.75rem;box-sizing:border-box;min-width:2.75rem;min-height:2.75rem;padding:0 .4rem;border:1px solid #b8c0cc;border-radius:8px;background:#fff;cursor:pointer}\
.choices input{position:absolute;opacity:0;width:1px;height:1px}\
.choices input:checked+span{font-weight:700}.choices label:has(input:checked){background:#1f5fbf;color:#fff;border-color:#1f5fbf}\
.choices input:focus-visible+span{outline:3px solid #f5a623;outline-offset:3px}\
.hint{clear:both;font-size:.85rem;color:#5a6372;display:flex;justify-content:space-between}\
textarea{width:100%;box-sizing:border-box;min-height:6rem;font:inherit;border:1px solid #b8c0cc;border-radius:8px;padding:.5rem}\
button{width:100%;min-height:3rem;font-size:1.05rem;border:0;border-radius:10px;background:#1f5fbf;color:#fff}\
.errors{background:#fdecea;color:#8a1c12;border-radius:8px;padding:.6rem 1rem}.required{color:#b3261e}\
.trap{position:absolute;left:-10000px;width:1px;height:1px;overflow:hidden}";

pub(crate) fn survey_html(locale: Locale, title: &str, path: &str, body: &str) -> String {
    let frame = PublicFrame {
        i18n: Text::new(locale),
        languages: Locale::ALL,
        title,
        path,
        body,
    };
    askama::Template::render(&frame).unwrap_or_default()
}

/// A public page whose body is still assembled in Rust.
#[derive(askama::Template)]
#[template(path = "public_frame.html")]
struct PublicFrame<'a> {
    i18n: Text,
    languages: [Locale; 3],
    title: &'a str,
    path: &'a str,
    body: &'a str,
}

/// A page telling the customer why the link cannot be used.
fn survey_notice(locale: Locale, status: StatusCode, key: &str, path: &str) -> Response {
    let title = t(locale, &format!("survey.{key}_title"));
    let body = format!(
        "<h1 id=\"notice\" data-notice=\"{key}\">{}</h1><p>{}</p>",
        escape(&title),
        escape(&t(locale, &format!("survey.{key}")))
    );
    let mut response = (status, Html(survey_html(locale, &title, path, &body))).into_response();
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

fn survey_form(
    locale: Locale,
    template: &SurveyTemplate,
    path: &str,
    given: &HashMap<String, String>,
    errors: &[servq_core::FieldError],
) -> String {
    let mut body = format!(
        "<h1>{}</h1><p>{}</p>",
        escape(&t(locale, "survey.title")),
        escape(&t(locale, "survey.intro"))
    );
    if !errors.is_empty() {
        body.push_str(&format!(
            "<div class=\"errors\" role=\"alert\" id=\"errors\"><p>{}</p><ul>",
            escape(&t(locale, "survey.fix"))
        ));
        for error in errors {
            let question = template
                .questions
                .iter()
                .find(|q| q.kind.field() == error.column)
                .map(|q| t(locale, &question_key(q.kind)))
                .unwrap_or_else(|| error.column.to_owned());
            let reason = if error.reason == servq_core::ParseError::Empty.to_string() {
                t(locale, "survey.missing")
            } else {
                error.reason.clone()
            };
            body.push_str(&format!(
                "<li><a href=\"#q-{}\">{}</a>: {}</li>",
                error.column,
                escape(&question),
                escape(&reason)
            ));
        }
        body.push_str("</ul></div>");
    }
    body.push_str(&format!(
        "<form method=\"post\" action=\"{}\" id=\"survey\">",
        escape(path)
    ));
    for question in &template.questions {
        let field = question.kind.field();
        let text = t(locale, &question_key(question.kind));
        let mark = if question.required {
            format!(
                " <span class=\"required\" aria-hidden=\"true\">*</span><span class=\"trap\">{}</span>",
                escape(&t(locale, "survey.required"))
            )
        } else {
            String::new()
        };
        let invalid = errors.iter().any(|e| e.column == field);
        if question.kind == QuestionKind::Text {
            body.push_str(&format!(
                "<fieldset id=\"q-{field}\"><legend><label for=\"f-{field}\">{}{mark}</label></legend>\
                 <textarea id=\"f-{field}\" name=\"{field}\" maxlength=\"{}\">{}</textarea></fieldset>",
                escape(&text),
                servq_core::MAX_COMMENT_CHARS,
                escape(given.get(field).map(String::as_str).unwrap_or("")),
            ));
            continue;
        }
        body.push_str(&format!(
            "<fieldset id=\"q-{field}\" role=\"radiogroup\"{}{}><legend>{}{mark}</legend><div class=\"choices\">",
            if question.required { " aria-required=\"true\"" } else { "" },
            if invalid { " aria-invalid=\"true\"" } else { "" },
            escape(&text),
        ));
        for (index, (value, label)) in choices(locale, question.kind).iter().enumerate() {
            let checked = given.get(field).is_some_and(|g| g == value);
            body.push_str(&format!(
                "<label><input type=\"radio\" name=\"{field}\" value=\"{value}\"{}{}><span>{}</span></label>",
                if checked { " checked" } else { "" },
                if question.required && index == 0 { " required" } else { "" },
                escape(label)
            ));
        }
        body.push_str("</div>");
        if let Some((low, high)) = scale_hint(locale, question.kind) {
            body.push_str(&format!(
                "<div class=\"hint\" aria-hidden=\"true\"><span>{}</span><span>{}</span></div>",
                escape(&low),
                escape(&high)
            ));
        }
        body.push_str("</fieldset>");
    }
    // left empty by people; bots fill every field
    body.push_str(&format!(
        "<div class=\"trap\" aria-hidden=\"true\"><label>Website <input name=\"website\" tabindex=\"-1\" autocomplete=\"off\"></label></div>\
         <button type=\"submit\" id=\"send\">{}</button></form>",
        escape(&t(locale, "survey.send"))
    ));
    body
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
        peer.ip(),
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
    let body = survey_form(locale, &template, &path, &HashMap::new(), &[]);
    let mut response = Html(survey_html(
        locale,
        &t(locale, "survey.title"),
        &path,
        &body,
    ))
    .into_response();
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
        peer.ip(),
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
            let body = survey_form(locale, &template, &path, &given, &errors);
            return Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                Html(survey_html(
                    locale,
                    &t(locale, "survey.title"),
                    &path,
                    &body,
                )),
            )
                .into_response());
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
        Ok(()) => Ok(survey_notice(locale, StatusCode::OK, "thanks", &path)),
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

/// `GET /api/v1/survey-templates`: the newest version of each template.
#[utoipa::path(get, path = "/api/v1/survey-templates", tag = "surveys",
    responses((status = 200, body = crate::openapi::SurveyTemplates),
        (status = 401, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 403, body = crate::openapi::Problem, content_type = "application/problem+json")))]
pub(crate) async fn templates(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Json<Value>, Problem> {
    user.require(Permission::ManageSurveys)?;
    template(&state.store, STANDARD_TEMPLATE, None)
        .await
        .map_err(Problem::internal)?;
    let stored = state
        .store
        .survey_templates()
        .await
        .map_err(Problem::internal)?;
    let templates: Vec<Value> = stored
        .iter()
        .map(|stored| {
            json!({
                "id": stored.template_id,
                "version": stored.version,
                "template": serde_json::from_str::<Value>(&stored.definition).unwrap_or(Value::Null),
            })
        })
        .collect();
    Ok(Json(json!({ "templates": templates })))
}

/// `PUT /api/v1/survey-templates/{id}`: stores a new version.
#[utoipa::path(put, path = "/api/v1/survey-templates/{id}", tag = "surveys",
    params(("id" = String, Path, description = "Template id")),
    request_body = crate::openapi::SurveyTemplateBody,
    responses((status = 200, body = crate::openapi::SavedVersion),
        (status = 400, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 401, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 403, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 415, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 422, body = crate::openapi::Problem, content_type = "application/problem+json")))]
pub(crate) async fn save_template(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
    body: Result<Json<Value>, JsonRejection>,
) -> Result<Json<Value>, Problem> {
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
    let parsed = SurveyTemplate::from_json(&body.to_string())
        .map_err(|error| bad(&user, "bad_template", error.to_string()))?;
    let version = state
        .store
        .save_survey_template(id, &parsed.name, &parsed.to_json(), &user.actor(), now_ms())
        .await
        .map_err(Problem::internal)?;
    Ok(Json(json!({"id": id, "version": version})))
}

/// `GET /api/v1/survey-rules`.
#[utoipa::path(get, path = "/api/v1/survey-rules", tag = "surveys",
    responses((status = 200, body = crate::openapi::SurveyRules),
        (status = 401, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 403, body = crate::openapi::Problem, content_type = "application/problem+json")))]
pub(crate) async fn rules(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Json<Value>, Problem> {
    user.require(Permission::ManageSurveys)?;
    let rules = state
        .store
        .survey_rules()
        .await
        .map_err(Problem::internal)?;
    Ok(Json(json!({ "rules": rules_json(&rules) })))
}

/// `PUT /api/v1/survey-rules` `{"rules": [...]}`: replaces the dispatch rules (tried in order).
#[utoipa::path(put, path = "/api/v1/survey-rules", tag = "surveys",
    request_body = crate::openapi::SurveyRules,
    responses((status = 200, body = crate::openapi::SurveyRules),
        (status = 400, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 401, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 403, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 415, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 422, body = crate::openapi::Problem, content_type = "application/problem+json")))]
pub(crate) async fn put_rules(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    body: Result<Json<Value>, JsonRejection>,
) -> Result<Json<Value>, Problem> {
    user.require(Permission::ManageSurveys)?;
    user.check_csrf_header(&headers)?;
    let Json(body) = body?;
    let rules = save_rules(&state.store, &body, &user.actor())
        .await
        .map_err(|refused| match refused {
            RulesRefused::Invalid(detail) => bad(&user, "bad_rule", detail),
            RulesRefused::Failed(error) => Problem::internal(format!("{error:#}")),
        })?;
    Ok(Json(json!({ "rules": rules_json(&rules) })))
}

/// The base of survey links: the configured public URL, else this request's host.
fn public_url(state: &AppState, headers: &HeaderMap) -> String {
    state.public_url.clone().unwrap_or_else(|| {
        let host = headers
            .get(header::HOST)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("localhost");
        let scheme = if state.secure_cookies {
            "https"
        } else {
            "http"
        };
        format!("{scheme}://{host}")
    })
}

/// `POST /api/v1/surveys/dispatch`: creates the invitations due now (the server also does this
/// every minute); returns them with their links.
#[utoipa::path(post, path = "/api/v1/surveys/dispatch", tag = "surveys",
    responses((status = 200, body = crate::openapi::DispatchResult),
        (status = 401, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 403, body = crate::openapi::Problem, content_type = "application/problem+json")))]
pub(crate) async fn dispatch(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
) -> Result<Json<Value>, Problem> {
    user.require(Permission::ManageSurveys)?;
    user.check_csrf_header(&headers)?;
    let created = dispatch_due(&state.store, now_ms(), &public_url(&state, &headers))
        .await
        .map_err(Problem::internal)?;
    Ok(Json(json!({
        "created": created.len(),
        "invitations": created.iter().map(|d| json!({
            "id": d.invitation_id, "contact_id": d.contact_id, "customer_id": d.customer_id,
            "send_via": d.send_via, "link": d.link,
        })).collect::<Vec<_>>(),
    })))
}

#[derive(Deserialize)]
pub(crate) struct OutboxParams {
    limit: Option<i64>,
}

/// `GET /api/v1/surveys/outbox?limit=`: invitations not yet sent, oldest first, with the text
/// to send (for an e-mail, SMS or webhook sender).
#[utoipa::path(get, path = "/api/v1/surveys/outbox", tag = "surveys",
    params(("limit" = Option<i64>, Query, description = "At most this many (default 100, max 1000)")),
    responses((status = 200, body = crate::openapi::Outbox),
        (status = 400, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 401, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 403, body = crate::openapi::Problem, content_type = "application/problem+json")))]
pub(crate) async fn outbox(
    State(state): State<AppState>,
    user: CurrentUser,
    params: Result<Query<OutboxParams>, QueryRejection>,
) -> Result<Json<Value>, Problem> {
    user.require(Permission::ManageSurveys)?;
    let Query(params) = params?;
    let limit = params.limit.unwrap_or(100).clamp(1, 1000);
    let pending = state
        .store
        .unsent_invitations(limit)
        .await
        .map_err(Problem::internal)?;
    Ok(Json(json!({
        "messages": pending.iter().map(|i| json!({
            "id": i.invitation_id, "contact_id": i.contact_id, "customer_id": i.customer_id,
            "send_via": i.send_via, "message": i.message,
            "created_at": crate::rfc3339(i.created_ms), "expires_at": crate::rfc3339(i.expires_ms),
        })).collect::<Vec<_>>(),
    })))
}

/// `POST /api/v1/surveys/outbox/{id}/sent`: the sender delivered it; its text (with the link)
/// is forgotten.
#[utoipa::path(post, path = "/api/v1/surveys/outbox/{id}/sent", tag = "surveys",
    params(("id" = String, Path, description = "Invitation id")),
    responses((status = 200, body = crate::openapi::Health),
        (status = 401, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 403, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::openapi::Problem, content_type = "application/problem+json")))]
pub(crate) async fn mark_sent(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
) -> Result<Json<Value>, Problem> {
    user.require(Permission::ManageSurveys)?;
    user.check_csrf_header(&headers)?;
    let Path(id) = id?;
    if state
        .store
        .mark_invitation_sent(&id, now_ms())
        .await
        .map_err(Problem::internal)?
    {
        Ok(Json(json!({"status": "sent"})))
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

fn interval_json(value: Option<f64>, interval: Option<Interval>, n: i64) -> Value {
    json!({
        "n": n, "value": value,
        "lower": interval.map(|i| i.lower), "upper": interval.map(|i| i.upper),
    })
}

fn counters_json(key: Option<&str>, s: &SurveyCounters) -> Value {
    json!({
        "key": key,
        "invitations": s.invited,
        "responses": s.responses,
        "unsatisfied": s.csat_unsatisfied,
        "response_rate": interval_json(survey_response_rate(s),
            wilson_interval(s.invited_responded, s.invited, CONFIDENCE), s.invited),
        "csat": interval_json(csat(s), wilson_interval(s.csat_top2, s.csat_answers, CONFIDENCE),
            s.csat_answers),
        "csat_mean": interval_json(csat_mean(s), mean_interval(s.csat_answers, s.csat_sum as f64,
            s.csat_sum_squares as f64, CONFIDENCE), s.csat_answers),
        "nps": interval_json(nps(s), nps_interval(s.nps_promoters, s.nps_detractors,
            s.nps_answers, CONFIDENCE), s.nps_answers),
        "ces": interval_json(ces(s), mean_interval(s.ces_answers, s.ces_sum as f64,
            s.ces_sum_squares as f64, CONFIDENCE), s.ces_answers),
    })
}

impl SurveyReport {
    fn json(&self) -> Value {
        let stages: Vec<Value> = Stage::ALL
            .iter()
            .zip(&self.stages.stages)
            .map(|(stage, sums)| {
                let interval = mean_interval(
                    sums.answers,
                    sums.sum as f64,
                    sums.sum_squares as f64,
                    CONFIDENCE,
                );
                json!({
                    "stage": stage.name(), "n": sums.answers, "mean": sums.mean(),
                    "lower": interval.map(|i| i.lower), "upper": interval.map(|i| i.upper),
                    "low_share": sums.low_share(),
                })
            })
            .collect();
        json!({
            "from": self.from.to_string(),
            "to": self.to.to_string(),
            "group_by": self.by.map(|by| by.name()),
            "time_zone": self.zone,
            "confidence": CONFIDENCE,
            "rows": self.rows.iter().map(|(key, s)| counters_json(key.as_deref(), s)).collect::<Vec<_>>(),
            "total": counters_json(None, &self.total),
            "stages": stages,
            "peak_end": {
                "n": self.stages.peak_end_answers,
                "peak_end": self.stages.peak_end(),
                "stage_mean": self.stages.stage_mean(),
                "csat_mean": self.stages.csat_mean(),
            },
        })
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
    responses((status = 200, body = crate::openapi::SurveyMetrics),
        (status = 400, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 401, body = crate::openapi::Problem, content_type = "application/problem+json")))]
pub(crate) async fn metrics(
    State(state): State<AppState>,
    user: CurrentUser,
    params: Result<Query<MetricsParams>, QueryRejection>,
) -> Result<Json<Value>, Problem> {
    let Query(params) = params?;
    Ok(Json(survey_report(&state, &user, &params).await?.json()))
}

fn number(value: Option<f64>, decimals: usize, percent: bool) -> String {
    match value {
        None => "—".to_owned(),
        Some(v) if percent => format!("{:.*}%", decimals, v * 100.0),
        Some(v) => format!("{v:.decimals$}"),
    }
}

/// A value with its interval as shown in a table cell.
fn with_interval(item: &Value, decimals: usize, percent: bool) -> String {
    let value = number(item["value"].as_f64(), decimals, percent);
    match (item["lower"].as_f64(), item["upper"].as_f64()) {
        (Some(lower), Some(upper)) => format!(
            "<span class=\"value\">{value}</span> <small>[{}, {}]</small>",
            number(Some(lower), decimals, percent),
            number(Some(upper), decimals, percent)
        ),
        _ => format!("<span class=\"value\">{value}</span>"),
    }
}

const MEASURES: [(&str, usize, bool); 5] = [
    ("csat", 1, true),
    ("csat_mean", 2, false),
    ("nps", 1, false),
    ("ces", 2, false),
    ("response_rate", 1, true),
];

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
    let label = |key: &str| escape(&t(locale, key));
    let data = report.json();
    let by_options: String = [
        "", "agent", "team", "queue", "category", "channel", "day", "week",
    ]
    .iter()
    .map(|name| {
        let selected = report.by.map(|b| b.name()).unwrap_or("") == *name;
        let text = if name.is_empty() {
            label("surveys.no_grouping")
        } else {
            label(&format!("surveys.by_{name}"))
        };
        format!(
            "<option value=\"{name}\"{}>{text}</option>",
            if selected { " selected" } else { "" }
        )
    })
    .collect();
    let mut body = format!(
        "<h1>{title}</h1><form class=\"filters\" method=\"get\" action=\"/surveys\">\
         <label>{from_label} <input type=\"date\" name=\"from\" value=\"{from}\"></label>\
         <label>{to_label} <input type=\"date\" name=\"to\" value=\"{to}\"></label>\
         <label>{by_label} <select name=\"by\">{by_options}</select></label>\
         <button type=\"submit\">{apply}</button></form>",
        title = label("surveys.title"),
        from_label = label("dashboard.from"),
        to_label = label("dashboard.to"),
        from = report.from,
        to = report.to,
        by_label = label("surveys.group_by"),
        apply = label("dashboard.apply"),
    );
    if user.user.role.allows(Permission::EvaluateQuality) {
        body.push_str(&format!(
            "<p><a href=\"/reviews\" id=\"reviews-link\">{}</a> · <a href=\"/reviews/report\">{}</a>",
            label("reviews.title"),
            label("reviews.report_title")
        ));
        if user.user.role.allows(Permission::ManageSurveys) {
            body.push_str(&format!(
                " · <a href=\"/surveys/setup\">{}</a>",
                label("surveys.setup_title")
            ));
        }
        body.push_str("</p>");
    }
    let total = &data["total"];
    body.push_str("<div class=\"tiles\">");
    for (name, decimals, percent) in MEASURES {
        body.push_str(&format!(
            "<div class=\"tile\" data-metric=\"{name}\" data-value=\"{raw}\" data-n=\"{n}\"><div>{text}</div><div class=\"value\">{shown}</div><div class=\"change\">n = {n}</div></div>",
            raw = total[name]["value"].as_f64().map_or(String::new(), |v| v.to_string()),
            n = total[name]["n"],
            text = label(&format!("surveys.{name}")),
            shown = with_interval(&total[name], decimals, percent),
        ));
    }
    body.push_str(&format!(
        "<div class=\"tile\" data-metric=\"responses\" data-value=\"{n}\"><div>{}</div><div class=\"value\">{n}</div><div class=\"change\">{}: {}</div></div></div>",
        label("surveys.responses"),
        label("surveys.unsatisfied"),
        total["unsatisfied"],
        n = total["responses"],
    ));
    body.push_str(&format!(
        "<p><small>{}</small></p>",
        label("surveys.interval_note")
    ));
    if let Some(by) = report.by {
        body.push_str(&format!(
            "<table id=\"survey-groups\"><tr><th>{}</th><th>{}</th><th>{}</th>",
            label(&format!("surveys.by_{}", by.name())),
            label("surveys.responses"),
            label("surveys.unsatisfied"),
        ));
        for (name, ..) in MEASURES {
            body.push_str(&format!("<th>{}</th>", label(&format!("surveys.{name}"))));
        }
        body.push_str("</tr>");
        for row in data["rows"].as_array().into_iter().flatten() {
            body.push_str(&format!(
                "<tr data-key=\"{key}\"><td>{key}</td><td>{}</td><td>{}</td>",
                row["responses"],
                row["unsatisfied"],
                key = escape(row["key"].as_str().unwrap_or("—")),
            ));
            for (name, decimals, percent) in MEASURES {
                body.push_str(&format!(
                    "<td>{}</td>",
                    with_interval(&row[name], decimals, percent)
                ));
            }
            body.push_str("</tr>");
        }
        body.push_str("</table>");
    }
    body.push_str(&format!(
        "<h2>{}</h2><p>{}</p><table id=\"stages\"><tr><th>{}</th><th>n</th><th>{}</th><th>{}</th></tr>",
        label("surveys.stages_title"),
        label("surveys.stages_intro"),
        label("surveys.stage"),
        label("surveys.stage_mean"),
        label("surveys.low_share"),
    ));
    for stage in data["stages"].as_array().into_iter().flatten() {
        let name = stage["stage"].as_str().unwrap_or("");
        let item =
            json!({"value": stage["mean"], "lower": stage["lower"], "upper": stage["upper"]});
        body.push_str(&format!(
            "<tr data-stage=\"{name}\"><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            label(&format!("surveys.stage_{name}")),
            stage["n"],
            with_interval(&item, 2, false),
            number(stage["low_share"].as_f64(), 1, true),
        ));
    }
    let peak_end = &data["peak_end"];
    body.push_str(&format!(
        "</table><p id=\"peak-end\">{}: {} · {}: {} · CSAT: {} (n = {})</p>",
        label("surveys.peak_end"),
        number(peak_end["peak_end"].as_f64(), 2, false),
        label("surveys.stage_average"),
        number(peak_end["stage_mean"].as_f64(), 2, false),
        number(peak_end["csat_mean"].as_f64(), 2, false),
        peak_end["n"],
    ));
    let api = format!(
        "/api/v1/surveys/metrics?{}",
        query_string(&[
            ("from", report.from.to_string()),
            ("to", report.to.to_string()),
            (
                "by",
                report.by.map(|b| b.name().to_owned()).unwrap_or_default()
            ),
        ])
    );
    body.push_str(&format!("<p><a href=\"{}\">JSON</a></p>", escape(&api)));
    Ok(page(
        locale,
        &t(locale, "surveys.title"),
        &signed_in_header(&user),
        &body,
    )
    .into_response())
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
