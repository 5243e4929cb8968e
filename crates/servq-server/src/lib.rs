//! The servq web app and REST API (`servq serve`): sign-in with roles, the KPI dashboard in
//! zh-CN / zh-TW / en with drill-down to contacts, imports with progress and row errors, the
//! audit log, `/api/v1` for scripts, `/healthz`. Handlers are thin: they check the
//! permission matrix of `servq-core`, call the store and the pure crates, and render.

mod admin;
mod admin_pages;
mod analysis;
mod api;
pub mod auth;
mod backups;
mod briefing;
mod coaching_plan;
mod customers;
mod dashboard;
pub mod desk;
mod desk_pages;
mod drill;
mod email;
mod evaluations;
mod exports;
mod goals;
mod imports;
mod job_schedules;
mod kb;
mod ledgers;
mod notifications;
mod observe;
mod openapi;
mod pages;
mod performance;
mod planning;
mod problem_register;
mod qa_pages;
mod qa_setup;
mod query_params;
mod replies;
mod reports;
mod review;
mod reviews;
mod risks;
mod search;
mod surveys;
mod targets;
mod tasks;
mod training;
mod transcript;

use std::net::SocketAddr;

use axum::{
    Json, Router,
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::{MethodRouter, delete, get, post},
};
use servq_store::Store;

pub use servq_app::{i18n, now_ms};
use servq_app::{jobs, outbox, rfc3339};
use utoipa::OpenApi;

use crate::i18n::{Locale, t};

/// Shared by every request.
#[derive(Clone)]
pub struct AppState {
    /// The database.
    pub store: Store,
    /// Whether cookies get the `Secure` flag (serve behind HTTPS).
    pub secure_cookies: bool,
    /// The base of survey links (`https://survey.example.com`); the request's host when unset.
    pub public_url: Option<String>,
    /// Progress of the imports this process runs (see [`imports`]).
    imports: imports::ProgressBoard,
    /// This server process, as the owner of the imports it runs (random per start).
    pub instance: String,
    /// Where uploads wait while they are imported (`uploads/` below it).
    pub data_dir: std::path::PathBuf,
    /// Reverse proxies whose `X-Forwarded-For` names the client (none: the socket's peer is).
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// The nightly backup's folder and retention (shown on the settings page).
    pub backup_plan: Option<servq_app::backup::BackupPlan>,
    /// Request counts of the public survey page.
    survey_limiter: surveys::RateLimiter,
    /// The sender of mail to customers when they wrote to no address of ours.
    pub email_from: String,
    /// The centre's own addresses: mail from them is never imported (loop protection).
    pub own_addresses: Vec<String>,
    /// The jobs loop's heartbeat, once started (`/readyz` checks it).
    pub jobs: Option<servq_app::jobs::Heartbeat>,
}

impl AppState {
    /// The centre's time zone, by name and parsed: periods and labels follow its calendar.
    pub(crate) async fn centre_zone(&self) -> Result<(String, jiff::tz::TimeZone), Problem> {
        let name = self.store.centre_zone().await.map_err(Problem::internal)?;
        let zone = jiff::tz::TimeZone::get(&name).map_err(Problem::internal)?;
        Ok((name, zone))
    }

    /// The state of a server over `store`.
    pub fn new(store: Store, secure_cookies: bool) -> AppState {
        AppState {
            store,
            secure_cookies,
            public_url: None,
            imports: imports::ProgressBoard::default(),
            survey_limiter: surveys::RateLimiter::default(),
            instance: auth::new_token()[..16].to_owned(),
            data_dir: std::env::temp_dir().join("servq"),
            backup_plan: None,
            trusted_proxies: Vec::new(),
            email_from: String::new(),
            own_addresses: Vec::new(),
            jobs: None,
        }
    }
}

/// An error answer: a JSON problem document (RFC 9457) with a stable `code` and a message in
/// the user's language.
#[derive(Debug)]
pub struct Problem {
    status: StatusCode,
    code: &'static str,
    title: String,
    detail: Option<String>,
    /// What a person reads, in their language (from the catalogue's `problem` section).
    message: Option<String>,
    /// The language the title and message are in, when known (an HTML error page follows it).
    locale: Option<Locale>,
    /// Each refused field of a submitted setting, with what a person reads beside it.
    errors: Vec<FieldMessage>,
}

/// One refused field in a problem document: where (a dotted path into the body as sent,
/// `policy.rules.0.name`), the stable reason code and the sentence in the user's language.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub(crate) struct FieldMessage {
    /// Dotted path into the request body.
    field: String,
    /// `required`, `duplicate`, `identifier`, `identifier_loose`, `range`, `at_least`, `positive`, `too_deep`,
    /// `empty`, `time_span`, `wrapping_span`, `unknown` or `other`.
    code: &'static str,
    /// In the user's language.
    message: String,
}

impl Problem {
    /// The sentence a person reads: the catalogue's `problem.{key}` in `locale` with each
    /// `{name}` replaced by its value. Pages show it instead of the English `detail`.
    pub fn with_message(mut self, locale: Locale, key: &str, values: &[(&str, &str)]) -> Problem {
        let mut text = t(locale, &format!("problem.{key}"));
        for (name, value) in values {
            text = text.replace(&format!("{{{name}}}"), value);
        }
        self.message = Some(text);
        self.locale = Some(locale);
        self
    }

    /// A use case's refusal of a setting as 400 `code` with its fields (see
    /// [`Problem::invalid_fields`]), or a store failure as a logged 500.
    pub fn refused_setting(
        locale: Locale,
        code: &'static str,
        error: servq_app::SettingError,
    ) -> Problem {
        match error {
            servq_app::SettingError::Refused(problems) => {
                Problem::invalid_fields(locale, code, &problems)
            }
            servq_app::SettingError::Failed(error) => Problem::internal(format!("{error:#}")),
        }
    }

    /// 400 for a setting with refused fields: `detail` lists them in English, `errors` each with
    /// its path and the catalogue's sentence (`field.{code}`) in `locale`, which the form editors
    /// show beside the field.
    pub fn invalid_fields(
        locale: Locale,
        code: &'static str,
        problems: &[servq_core::SettingProblem],
    ) -> Problem {
        let detail = problems
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("; ");
        let errors = problems
            .iter()
            .map(|problem| {
                let mut message = t(locale, &format!("field.{}", problem.reason.code()));
                for (name, value) in problem.reason.values() {
                    message = message.replace(&format!("{{{name}}}"), &value);
                }
                FieldMessage {
                    field: problem.field.clone(),
                    code: problem.reason.code(),
                    message,
                }
            })
            .collect();
        let count = problems.len().to_string();
        let mut problem = Problem::bad_request(locale, code, detail).with_message(
            locale,
            "invalid_fields",
            &[("count", &count)],
        );
        problem.errors = errors;
        problem
    }

    /// The same problem under another stable code.
    pub(crate) fn with_code(mut self, code: &'static str) -> Problem {
        self.code = code;
        self
    }

    /// What a page shows a person: the localized message, else the detail, else the title.
    pub(crate) fn message_or_detail(&self) -> String {
        self.message
            .clone()
            .or_else(|| self.detail.clone())
            .unwrap_or_else(|| self.title.clone())
    }

    /// 401: not signed in.
    pub fn unauthorized(locale: Locale) -> Problem {
        Problem {
            status: StatusCode::UNAUTHORIZED,
            code: "unauthorized",
            title: t(locale, "login.title"),
            detail: None,
            message: None,
            errors: Vec::new(),
            locale: Some(locale),
        }
    }

    /// 403: the role lacks the permission.
    pub fn forbidden(locale: Locale) -> Problem {
        Problem {
            status: StatusCode::FORBIDDEN,
            code: "forbidden",
            title: t(locale, "error.forbidden"),
            detail: None,
            message: None,
            errors: Vec::new(),
            locale: Some(locale),
        }
    }

    /// 403: a state-changing request without the session's CSRF token.
    pub fn csrf(locale: Locale) -> Problem {
        Problem {
            status: StatusCode::FORBIDDEN,
            code: "csrf_token_invalid",
            title: t(locale, "error.csrf"),
            detail: None,
            message: None,
            errors: Vec::new(),
            locale: Some(locale),
        }
    }

    /// 400 with what is wrong.
    pub fn bad_request(locale: Locale, code: &'static str, detail: String) -> Problem {
        Problem {
            status: StatusCode::BAD_REQUEST,
            code,
            title: t(locale, "error.bad_request"),
            detail: Some(detail),
            message: None,
            errors: Vec::new(),
            locale: Some(locale),
        }
    }

    /// A request the extractors could not read (malformed JSON or query, wrong content type).
    pub fn rejected(status: StatusCode, detail: String) -> Problem {
        Problem {
            status,
            code: "invalid_request",
            title: "invalid request".to_owned(),
            detail: Some(detail),
            message: None,
            errors: Vec::new(),
            locale: None,
        }
    }

    /// 404: no such thing.
    pub fn not_found(locale: Locale) -> Problem {
        Problem {
            status: StatusCode::NOT_FOUND,
            code: "not_found",
            title: t(locale, "error.not_found"),
            detail: None,
            message: None,
            errors: Vec::new(),
            locale: Some(locale),
        }
    }

    /// 413: an upload over the limit.
    pub fn too_large(detail: String) -> Problem {
        Problem {
            status: StatusCode::PAYLOAD_TOO_LARGE,
            code: "too_large",
            title: "too large".to_owned(),
            detail: Some(detail),
            message: None,
            errors: Vec::new(),
            locale: None,
        }
    }

    /// 409: the thing exists already.
    pub fn conflict(code: &'static str, detail: String) -> Problem {
        Problem {
            status: StatusCode::CONFLICT,
            code,
            title: "conflict".to_owned(),
            detail: Some(detail),
            message: None,
            errors: Vec::new(),
            locale: None,
        }
    }

    /// 500: logged, not shown in detail.
    pub fn internal(error: impl std::fmt::Display) -> Problem {
        tracing::error!("internal error: {error}");
        Problem {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            code: "internal",
            title: "internal error".to_owned(),
            detail: None,
            message: None,
            errors: Vec::new(),
            locale: None,
        }
    }
}

/// A request axum could not read (path, query, form or JSON body): 4xx with axum's reason.
macro_rules! problem_from_rejection {
    ($($rejection:ty),*) => {$(
        impl From<$rejection> for Problem {
            fn from(rejection: $rejection) -> Problem {
                Problem::rejected(rejection.status(), rejection.body_text())
            }
        }
    )*};
}

problem_from_rejection!(
    axum::extract::rejection::PathRejection,
    axum::extract::rejection::QueryRejection,
    axum::extract::rejection::JsonRejection,
    axum::extract::rejection::FormRejection,
    axum::extract::multipart::MultipartRejection
);

/// An error as the API writes it (RFC 9457 problem document) with a stable `code`.
#[derive(serde::Serialize, utoipa::ToSchema)]
#[schema(as = Problem)]
pub(crate) struct ProblemDocument {
    /// `https://servq.invalid/problems/{code}`.
    #[serde(rename = "type")]
    kind: String,
    /// The HTTP status.
    status: u16,
    /// Stable, for scripts.
    code: &'static str,
    /// In the user's language.
    title: String,
    /// What exactly is wrong, when the request's fault (English, for scripts and logs).
    detail: Option<String>,
    /// The same for a person, in the user's language, where the catalogue has it.
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<String>,
    /// Each refused field of a submitted setting (form editors show them beside the field).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    errors: Vec<FieldMessage>,
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let body = ProblemDocument {
            kind: format!("https://servq.invalid/problems/{}", self.code),
            status: self.status.as_u16(),
            code: self.code,
            title: self.title,
            detail: self.detail,
            message: self.message,
            errors: self.errors,
        };
        let mut response = (self.status, Json(body)).into_response();
        if let Some(locale) = self.locale {
            response.extensions_mut().insert(locale);
        }
        response.headers_mut().insert(
            axum::http::header::CONTENT_TYPE,
            axum::http::HeaderValue::from_static("application/problem+json"),
        );
        response
    }
}

/// What every page may load: its own scripts, styles and images only (no inline code, so an
/// injected `<script>` or `onclick` would not run), recordings from anywhere on the web, never
/// framed, forms only to this server.
pub(crate) const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
     style-src 'self'; img-src 'self' data:; media-src 'self' http: https:; \
     frame-ancestors 'none'; form-action 'self'; base-uri 'none'";

/// The API documentation page (Swagger UI) starts itself with inline script and styles.
const API_DOCS_POLICY: &str = "default-src 'self'; script-src 'self' 'unsafe-inline'; \
     style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; \
     form-action 'self'; base-uri 'none'";

/// Security headers on every answer: the Content-Security-Policy, no content sniffing, no
/// referrer to other sites, and HSTS when cookies are marked secure (served over HTTPS).
async fn security_headers(
    axum::extract::State(state): axum::extract::State<AppState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    use axum::http::{HeaderValue, header};
    let docs = request.uri().path().starts_with("/api/docs");
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    // a handler that set its own (stricter) value keeps it
    headers
        .entry(header::CONTENT_SECURITY_POLICY)
        .or_insert(HeaderValue::from_static(if docs {
            API_DOCS_POLICY
        } else {
            CONTENT_SECURITY_POLICY
        }));
    headers
        .entry(header::X_CONTENT_TYPE_OPTIONS)
        .or_insert(HeaderValue::from_static("nosniff"));
    headers
        .entry(header::REFERRER_POLICY)
        .or_insert(HeaderValue::from_static("same-origin"));
    if state.secure_cookies {
        headers
            .entry(header::STRICT_TRANSPORT_SECURITY)
            .or_insert(HeaderValue::from_static("max-age=31536000"));
    }
    response
}

/// Every route.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/", get(dashboard::dashboard))
        .route("/contacts", get(drill::contacts_page))
        .route("/contacts/{id}", get(transcript::contact_page))
        .route("/customers/{id}", get(customers::customer_page))
        .route("/customers-at-risk", get(customers::at_risk_page))
        .route("/import", get(imports::import_page))
        .route("/import/template/{kind}", get(imports::template))
        .route("/audit", get(pages::audit_page))
        .route("/admin/users", get(admin_pages::users_page))
        .route("/admin/settings", get(admin_pages::settings_page))
        .route("/admin/roster", get(admin_pages::roster_page))
        .route("/analysis/drivers", get(analysis::drivers_page))
        .route("/analysis/drivers/file", post(analysis::drivers_file))
        .route("/analysis/pareto", get(analysis::pareto_page))
        .route("/planning/staffing", get(planning::staffing_page))
        .route("/targets", get(targets::page))
        .route("/reports", get(reports::page))
        .route("/goals", get(goals::page))
        .route("/problems", get(problem_register::page))
        .route("/problems/{id}", get(problem_register::detail))
        .route("/tasks", get(tasks::page))
        .route("/risks", get(risks::page))
        .route("/risks/{id}", get(risks::risk_page))
        .route("/risks/plans/new", get(risks::new_plan_page))
        .route("/risks/plans/{id}", get(risks::plan_page))
        .route("/risks/drills/{id}", get(risks::drill_page))
        .route("/ledgers", get(ledgers::home))
        .route("/ledgers/settings", get(ledgers::settings_page))
        .route("/ledgers/{ledger}", get(ledgers::book))
        .route("/ledgers/{ledger}/{id}", get(ledgers::entry_page))
        .route("/ledgers/{ledger}/{id}/receipt", get(ledgers::receipt))
        .route("/ledgers/{ledger}/{id}/signature", get(ledgers::signature))
        .route("/ledgers/{ledger}/{id}/photo", get(ledgers::photo))
        .route("/kb", get(kb::page))
        .route("/help", get(kb::help))
        .route("/help/{id}", get(kb::help_article))
        .route("/kb/new", get(kb::new_page))
        .route("/kb/cases", get(training::cases_page))
        .route("/kb/cases/new", get(training::new_case_page))
        .route("/kb/cases/{id}", get(training::case_page))
        .route("/kb/cases/{id}/edit", get(training::edit_case))
        .route("/kb/cases/{id}/walk", get(training::walk_page))
        .route("/training", get(training::training_page))
        .route("/training/new", get(training::new_course_page))
        .route("/training/attempts/{id}", get(training::attempt_page))
        .route("/training/{id}", get(training::course_page))
        .route("/training/{id}/edit", get(training::edit_course))
        .route("/training/{id}/exam", get(training::exam_page))
        .route("/kb/{id}", get(kb::article_page))
        .route("/kb/{id}/edit", get(kb::edit))
        .route("/coaching-plan", get(coaching_plan::last_month_page))
        .route("/coaching-plan/{month}", get(coaching_plan::page))
        .route("/briefing", get(briefing::today_page))
        .route("/briefing/{date}", get(briefing::page))
        .route("/review", get(review::this_week))
        .route("/review/{date}", get(review::page))
        .route("/reports/{id}", get(reports::view))
        .route("/performance", get(performance::page))
        .route("/performance/ratings", get(performance::ratings_page))
        .route("/performance/model", get(performance::model_page))
        .route("/account", get(admin_pages::account_page))
        .route("/notifications", get(notifications::page))
        .route("/search", get(search::page))
        .route("/qa", get(qa_pages::qa_page_handler))
        .route("/qa/evaluate/{id}", get(qa_pages::evaluate_page))
        .route("/qa/evaluations/{id}", get(qa_pages::evaluation_page))
        .route("/qa/calibrations/{id}", get(qa_pages::calibration_page))
        .route("/qa/setup", get(qa_setup::setup_page))
        .route(
            "/s/{token}",
            get(surveys::survey_page).post(surveys::submit_survey),
        )
        .route("/t/{token}", get(desk::status_page))
        .route("/t/{token}/reply", post(desk::status_reply))
        .route("/surveys", get(surveys::surveys_page))
        .route("/tickets", get(desk_pages::tickets_page))
        .route("/desk/setup", get(desk_pages::setup_page))
        .route("/tickets/{id}", get(desk_pages::ticket_page))
        .route("/surveys/setup", get(reviews::setup_page))
        .route("/reviews", get(reviews::reviews_page))
        .route("/reviews/report", get(reviews::report_page))
        .route("/reviews/{id}", get(reviews::review_page))
        .route("/login", get(pages::login_form).post(pages::login))
        .route("/login/code", post(pages::login_code))
        .route("/logout", post(pages::logout))
        .route("/setup", get(pages::setup_form).post(pages::setup))
        .route("/language", post(pages::language))
        .merge(api_router())
        .route("/metrics", get(observe::metrics))
        .route(pages::ECHARTS_PATH, get(pages::echarts))
        .route("/assets/{name}", get(pages::asset))
        // the UI loads the document from the URL it serves it at
        .merge(
            utoipa_swagger_ui::SwaggerUi::new("/api/docs")
                .url("/api/openapi.json", openapi::ApiDoc::openapi()),
        )
        .fallback(pages::not_found)
        .layer(axum::middleware::from_fn(pages::html_errors))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            security_headers,
        ))
        .layer(axum::middleware::from_fn(observe::track))
        .with_state(state)
}

/// Every `/api/v1` route as (path, handlers): the router is built from this list and the
/// OpenAPI completeness test walks it, so a route cannot be left out of the document unseen.
pub(crate) fn api_routes() -> Vec<(&'static str, MethodRouter<AppState>)> {
    use axum::routing::put;
    vec![
        (
            "/api/v1/qa/rules",
            get(qa_setup::rules).put(qa_setup::save_rules),
        ),
        ("/api/v1/me", get(api::me)),
        ("/api/v1/me/locale", put(api::set_locale)),
        ("/api/v1/kpi", get(api::kpi)),
        (
            "/api/v1/tokens",
            get(admin::tokens).post(admin::create_token),
        ),
        (
            "/api/v1/tokens/{id}",
            axum::routing::delete(admin::revoke_token),
        ),
        ("/api/v1/users", get(admin::users).post(admin::create_user)),
        (
            "/api/v1/users/{username}",
            axum::routing::patch(admin::change_user),
        ),
        ("/api/v1/me/password", post(admin::change_password)),
        (
            "/api/v1/me/two-factor",
            post(admin::start_two_factor).delete(admin::stop_two_factor),
        ),
        (
            "/api/v1/me/two-factor/confirm",
            post(admin::confirm_two_factor),
        ),
        ("/api/v1/agents", get(admin::roster)),
        ("/api/v1/analysis/drivers", get(analysis::drivers_api)),
        ("/api/v1/analysis/pareto", get(analysis::pareto_api)),
        ("/api/v1/planning/staffing", get(planning::interval_api)),
        ("/api/v1/planning/day", get(planning::day_api)),
        ("/api/v1/planning/forecast", get(planning::forecast_api)),
        (
            "/api/v1/planning/day/evaluate",
            post(planning::evaluate_api),
        ),
        (
            "/api/v1/analysis/correlation",
            get(analysis::correlation_api),
        ),
        ("/api/v1/agents/{id}", put(admin::save_agent)),
        ("/api/v1/targets", get(targets::list).put(targets::set)),
        ("/api/v1/evaluation", get(performance::evaluation_api)),
        (
            "/api/v1/coaching/sessions",
            get(performance::sessions_api).post(performance::record_session_api),
        ),
        (
            "/api/v1/ratings",
            get(performance::ratings_api).post(performance::rate_api),
        ),
        (
            "/api/v1/evaluation/model",
            get(performance::model_api).put(performance::save_model_api),
        ),
        ("/api/v1/targets/alerts", get(targets::alerts)),
        ("/api/v1/reports", get(reports::list).post(reports::make)),
        ("/api/v1/goals", get(goals::list).post(goals::add)),
        ("/api/v1/briefing", get(briefing::api)),
        ("/api/v1/review", get(review::api)),
        ("/api/v1/coaching-plan", get(coaching_plan::api)),
        ("/api/v1/jobs", get(job_schedules::list)),
        ("/api/v1/backup", get(backups::download)),
        ("/api/v1/kb/search", get(kb::search)),
        ("/api/v1/kb/articles/{id}", get(kb::article).put(kb::save)),
        ("/api/v1/kb/articles/{id}/diff", get(kb::diff)),
        ("/api/v1/kb/articles/{id}/restore", post(kb::restore)),
        ("/api/v1/kb/articles/{id}/approve", post(kb::approve)),
        ("/api/v1/kb/articles/{id}/send-back", post(kb::send_back)),
        ("/api/v1/kb/articles/{id}/flags", post(kb::flag)),
        (
            "/api/v1/kb/articles/{id}/flags/{flag}/resolve",
            post(kb::resolve_flag),
        ),
        ("/api/v1/kb/terms", get(kb::terms).put(kb::change_terms)),
        ("/api/v1/kb/export", get(kb::export)),
        ("/api/v1/kb/cases", get(training::cases)),
        (
            "/api/v1/kb/cases/{id}",
            get(training::case).put(training::save_case),
        ),
        ("/api/v1/kb/cases/{id}/walks", post(training::walk)),
        ("/api/v1/courses", get(training::courses)),
        (
            "/api/v1/courses/{id}",
            get(training::course).put(training::save_course),
        ),
        ("/api/v1/courses/{id}/assignments", post(training::assign)),
        ("/api/v1/courses/{id}/attempts", post(training::attempt)),
        ("/api/v1/courses/{id}/feedback", post(training::feedback)),
        ("/api/v1/attempts/{id}/grade", post(training::grade)),
        (
            "/api/v1/tickets/{id}/articles/{article}",
            axum::routing::put(kb::link_ticket).delete(kb::unlink_ticket),
        ),
        (
            "/api/v1/jobs/{name}/schedule",
            put(job_schedules::set_schedule),
        ),
        (
            "/api/v1/problems",
            get(problem_register::list).post(problem_register::add),
        ),
        (
            "/api/v1/problems/{id}",
            get(problem_register::one).put(problem_register::move_to),
        ),
        (
            "/api/v1/problems/{id}/evidence",
            post(problem_register::link_evidence),
        ),
        (
            "/api/v1/problems/{id}/evidence/{evidence_id}",
            delete(problem_register::unlink_evidence),
        ),
        (
            "/api/v1/problems/{id}/analysis",
            get(problem_register::analysis).put(problem_register::save_analysis),
        ),
        ("/api/v1/tasks", get(tasks::list).post(tasks::add)),
        ("/api/v1/tasks/{id}", put(tasks::finish)),
        ("/api/v1/tasks/{id}/comments", post(tasks::comment)),
        ("/api/v1/ledger-entries/{ledger}", get(ledgers::entries)),
        ("/api/v1/ledger-entries/{ledger}/{id}", get(ledgers::entry)),
        ("/api/v1/ledgers/summary", get(ledgers::summary)),
        (
            "/api/v1/ledgers/reconciliation",
            get(ledgers::reconciliation),
        ),
        (
            "/api/v1/ledgers/retention",
            get(ledgers::retention).put(ledgers::save_retention),
        ),
        ("/api/v1/ledgers/purge", post(ledgers::purge)),
        ("/api/v1/ledgers/items", get(ledgers::items)),
        ("/api/v1/ledgers/items/{code}", put(ledgers::save_item)),
        ("/api/v1/ledgers/medicine-stock", get(ledgers::stock)),
        (
            "/api/v1/ledgers/medicine-stock/{medicine}",
            put(ledgers::save_stock),
        ),
        ("/api/v1/ledgers/lending", post(ledgers::lend)),
        (
            "/api/v1/ledgers/lending/{id}/return",
            post(ledgers::return_loan),
        ),
        (
            "/api/v1/ledgers/lost-found",
            post(ledgers::register_found).layer(axum::extract::DefaultBodyLimit::max(
                ledgers::MAX_LEDGER_BODY_BYTES,
            )),
        ),
        (
            "/api/v1/ledgers/lost-found/{id}/claim",
            post(ledgers::claim_found).layer(axum::extract::DefaultBodyLimit::max(
                ledgers::MAX_LEDGER_BODY_BYTES,
            )),
        ),
        (
            "/api/v1/ledgers/lost-found/{id}/dispose",
            post(ledgers::dispose_found),
        ),
        ("/api/v1/ledgers/medicine", post(ledgers::record_medicine)),
        ("/api/v1/ledgers/membership", post(ledgers::request_card)),
        (
            "/api/v1/ledgers/membership/{id}/step",
            post(ledgers::card_step),
        ),
        (
            "/api/v1/ledgers/paid-services",
            post(ledgers::record_service),
        ),
        ("/api/v1/ledgers/lost-reports", post(ledgers::report_lost)),
        (
            "/api/v1/ledgers/lost-reports/{id}/close",
            post(ledgers::close_report),
        ),
        (
            "/api/v1/ledgers/lending/{id}/remind",
            post(ledgers::remind_loan),
        ),
        ("/api/v1/ledgers/matches", get(ledgers::matches)),
        ("/api/v1/risks", get(risks::list).post(risks::add)),
        ("/api/v1/risks/{id}", get(risks::show).put(risks::change)),
        ("/api/v1/risks/{id}/reviews", post(risks::review)),
        (
            "/api/v1/emergency-plans",
            get(risks::plans).post(risks::add_plan),
        ),
        (
            "/api/v1/emergency-plans/{id}",
            get(risks::show_plan).put(risks::change_plan),
        ),
        ("/api/v1/emergency-plans/{id}/drills", post(risks::schedule)),
        ("/api/v1/drills", get(risks::drills)),
        (
            "/api/v1/drills/{id}",
            get(risks::show_drill).put(risks::record),
        ),
        ("/api/v1/drills/{id}/cancel", post(risks::cancel)),
        (
            "/api/v1/drills/{id}/findings/{finding}/problem",
            post(risks::finding_problem),
        ),
        (
            "/api/v1/problems/suggestions",
            get(problem_register::suggestions),
        ),
        (
            "/api/v1/problems/suggestions/accept",
            post(problem_register::accept),
        ),
        (
            "/api/v1/problems/suggestions/dismiss",
            post(problem_register::dismiss),
        ),
        ("/api/v1/reports/{id}", get(reports::snapshot)),
        ("/api/v1/reports/{id}/{format}", get(reports::file)),
        ("/api/v1/targets/alert-days", put(targets::set_alert_days)),
        (
            "/api/v1/settings",
            get(admin::centre_settings).put(admin::save_centre_settings),
        ),
        ("/api/v1/notifications", get(notifications::list)),
        ("/api/v1/search", get(search::api)),
        ("/api/v1/notifications/read", post(notifications::mark_read)),
        (
            "/api/v1/me/notifications",
            get(notifications::settings).put(notifications::set_settings),
        ),
        ("/api/v1/audit", get(api::audit)),
        ("/api/v1/contacts", get(drill::contacts_api)),
        (
            "/api/v1/customers/{id}",
            get(customers::customer_api).put(customers::save_customer),
        ),
        (
            "/api/v1/customers/{id}/merge",
            post(customers::merge_customers),
        ),
        (
            "/api/v1/customers/{id}/export",
            get(customers::export_customer),
        ),
        (
            "/api/v1/customers/{id}/erase",
            post(customers::erase_customer),
        ),
        (
            "/api/v1/privacy/retention",
            get(customers::retention).put(customers::save_retention),
        ),
        (
            "/api/v1/customers/{id}/return-visit",
            post(customers::return_visit),
        ),
        ("/api/v1/at-risk-customers", get(customers::at_risk_api)),
        (
            "/api/v1/customer-tag-rules",
            get(customers::tag_rules_api).put(customers::save_tag_rules),
        ),
        (
            "/api/v1/contacts/{id}/transcript",
            get(transcript::transcript_api),
        ),
        (
            "/api/v1/imports",
            get(imports::import_jobs).post(imports::start_import).layer(
                axum::extract::DefaultBodyLimit::max(imports::MAX_UPLOAD_BYTES),
            ),
        ),
        ("/api/v1/imports/{id}", get(imports::import_job)),
        (
            "/api/v1/scorecards/{id}",
            get(evaluations::scorecard).put(qa_setup::save_scorecard),
        ),
        ("/api/v1/qa/sample", post(evaluations::sample)),
        ("/api/v1/qa/queue", get(evaluations::queue)),
        ("/api/v1/qa/coaching", get(evaluations::coaching)),
        (
            "/api/v1/calibrations",
            post(evaluations::create_calibration),
        ),
        ("/api/v1/calibrations/{id}", get(evaluations::calibration)),
        (
            "/api/v1/calibrations/{id}/scores",
            post(evaluations::score_calibration),
        ),
        (
            "/api/v1/calibrations/{id}/close",
            post(evaluations::close_calibration),
        ),
        (
            "/api/v1/evaluations",
            get(evaluations::list).post(evaluations::create),
        ),
        ("/api/v1/evaluations/{id}", get(evaluations::one)),
        (
            "/api/v1/evaluations/{id}/acknowledge",
            post(evaluations::acknowledge),
        ),
        (
            "/api/v1/evaluations/{id}/dispute",
            post(evaluations::dispute),
        ),
        (
            "/api/v1/evaluations/{id}/rereview",
            post(evaluations::rereview),
        ),
        ("/api/v1/tickets", get(desk::list).post(desk::create)),
        ("/api/v1/tickets/{id}", get(desk::one)),
        ("/api/v1/desk/kpi", get(desk::kpi)),
        (
            "/api/v1/desk/categories",
            get(desk::get_categories).put(desk::put_categories),
        ),
        (
            "/api/v1/desk/config",
            get(desk::config).put(desk::set_config),
        ),
        ("/api/v1/tickets/{id}/actions", post(desk::action)),
        ("/api/v1/tickets/{id}/stage", post(desk::stage)),
        ("/api/v1/tickets/{id}/notes", post(desk::note)),
        ("/api/v1/tickets/{id}/transfer", post(desk::transfer)),
        (
            "/api/v1/tickets/{id}/attachments",
            post(desk::attach).layer(axum::extract::DefaultBodyLimit::max(
                desk::MAX_ATTACHMENT_BYTES + 64 * 1024,
            )),
        ),
        (
            "/api/v1/tickets/{id}/attachments/{attachment}",
            get(desk::download),
        ),
        ("/api/v1/tickets/{id}/return-visit", put(desk::visit)),
        (
            "/api/v1/canned-replies",
            get(replies::list).put(replies::save),
        ),
        (
            "/api/v1/tickets/{id}/canned-replies",
            get(replies::for_ticket),
        ),
        ("/api/v1/reply-check", post(replies::check)),
        (
            "/api/v1/inbound/email",
            post(email::inbound).layer(axum::extract::DefaultBodyLimit::max(
                email::MAX_MESSAGE_BYTES,
            )),
        ),
        ("/api/v1/survey-templates", get(surveys::templates)),
        ("/api/v1/survey-templates/{id}", put(surveys::save_template)),
        (
            "/api/v1/survey-rules",
            get(surveys::rules).put(surveys::put_rules),
        ),
        ("/api/v1/surveys/dispatch", post(surveys::dispatch)),
        ("/api/v1/surveys/outbox", get(surveys::outbox)),
        ("/api/v1/surveys/outbox/{id}/sent", post(surveys::mark_sent)),
        ("/api/v1/surveys/metrics", get(surveys::metrics)),
        ("/api/v1/reviews", get(reviews::list)),
        ("/api/v1/reviews/report", get(reviews::report)),
        ("/api/v1/reviews/{id}", get(reviews::one).put(reviews::code)),
        ("/api/v1/review-reasons", get(reviews::reasons)),
        ("/api/v1/review-reasons/{id}", put(reviews::save_reason)),
    ]
}

fn api_router() -> Router<AppState> {
    api_routes()
        .into_iter()
        .fold(Router::new(), |router, (path, handlers)| {
            router.route(path, handlers)
        })
}

/// `GET /healthz`.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub(crate) struct HealthStatus {
    /// Always `ok` (a failing database answers 500 with a problem document).
    status: String,
}

#[utoipa::path(get, path = "/healthz", tag = "operations", security(()),
    responses((status = 200, body = HealthStatus), (status = 500, body = ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn healthz(
    axum::extract::State(state): axum::extract::State<AppState>,
) -> Response {
    match state.store.user_count().await {
        Ok(_) => Json(HealthStatus {
            status: "ok".to_owned(),
        })
        .into_response(),
        Err(error) => Problem::internal(error).into_response(),
    }
}

/// `GET /readyz`: whether this server should get traffic.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub(crate) struct Readiness {
    /// `ready` when every check is `ok`, else `not_ready`.
    status: String,
    /// `ok` or `unreachable`.
    database: String,
    /// `ok`, `N pending` (the store is older than this build) or `unknown`.
    migrations: String,
    /// `ok`, `stalled` (the scheduler has not woken for three ticks) or `not_started`.
    jobs: String,
}

#[utoipa::path(get, path = "/readyz", tag = "operations", security(()),
    responses((status = 200, description = "Ready", body = Readiness),
        (status = 503, description = "Not ready: the failing check says why", body = Readiness)))]
pub(crate) async fn readyz(
    axum::extract::State(state): axum::extract::State<AppState>,
) -> Response {
    let database = match state.store.user_count().await {
        Ok(_) => "ok",
        Err(error) => {
            tracing::error!("readiness: database: {error}");
            "unreachable"
        }
    };
    let migrations = match state.store.pending_migrations().await {
        Ok(0) => "ok".to_owned(),
        Ok(pending) => format!("{pending} pending"),
        Err(error) => {
            tracing::error!("readiness: migrations: {error}");
            "unknown".to_owned()
        }
    };
    let jobs = match &state.jobs {
        Some(heartbeat) if heartbeat.alive(now_ms()) => "ok",
        Some(_) => "stalled",
        None => "not_started",
    };
    let ready = database == "ok" && migrations == "ok" && jobs == "ok";
    let body = Readiness {
        status: if ready { "ready" } else { "not_ready" }.to_owned(),
        database: database.to_owned(),
        migrations,
        jobs: jobs.to_owned(),
    };
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(body)).into_response()
}

/// How `servq serve` runs: everything but the store.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// Address to listen on.
    pub addr: SocketAddr,
    /// Mark cookies Secure (behind HTTPS).
    pub secure_cookies: bool,
    /// The address customers reach servq at (survey links, status pages).
    pub public_url: Option<String>,
    /// SMTP, webhooks and mail settings.
    pub outbox: outbox::OutboxConfig,
    /// Where uploads wait while they are imported.
    pub data_dir: std::path::PathBuf,
    /// Reverse proxies whose X-Forwarded-For is believed.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// The nightly backup's folder and retention, if any.
    pub backup: Option<servq_app::backup::BackupPlan>,
}

/// Serves until the process is stopped. With no user in the database, prints a one-time
/// set-up link (valid one hour) for creating the administrator in the browser.
pub async fn serve(store: Store, options: ServeOptions) -> anyhow::Result<()> {
    let ServeOptions {
        addr,
        secure_cookies,
        public_url,
        outbox,
        data_dir,
        trusted_proxies,
        backup,
    } = options;
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let local = listener.local_addr()?;
    if store.user_count().await? == 0 {
        let token = auth::new_token();
        store
            .create_setup_token(&auth::token_hash(&token), now_ms() + 3600 * 1000)
            .await?;
        eprintln!(
            "No user exists yet. Create the administrator within an hour at http://{local}/setup?token={token}\n\
             (or run `servq user add NAME --role admin`)"
        );
    }
    eprintln!("servq is listening on http://{local}");
    let links = public_url
        .clone()
        .unwrap_or_else(|| format!("http://{local}"));
    let mut state = AppState::new(store.clone(), secure_cookies);
    state.email_from = outbox.email_from.clone();
    state.own_addresses = servq_app::email::own_addresses(&outbox);
    state.backup_plan = backup.clone();
    state.jobs = Some(jobs::start(jobs::JobContext {
        backup,
        store,
        public_url: links,
        outbox,
    }));
    state.public_url = public_url;
    state.data_dir = data_dir;
    state.trusted_proxies = trusted_proxies;
    imports::keep_imports(state.clone());
    axum::serve(
        listener,
        router(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .await?;
    Ok(())
}

#[cfg(test)]
mod openapi_completeness {
    //! The OpenAPI document and the router describe the same API: every `/api/v1` route (with
    //! each method it answers) is documented, and every documented operation has a route.

    use std::collections::BTreeSet;

    use axum::{
        body::Body,
        http::{Method, Request, StatusCode},
    };
    use servq_store::{Store, testing::TestDatabase};
    use tower::ServiceExt;
    use utoipa::OpenApi;

    use super::{AppState, api_routes, openapi::ApiDoc, router};

    const METHODS: [Method; 5] = [
        Method::GET,
        Method::POST,
        Method::PUT,
        Method::DELETE,
        Method::PATCH,
    ];

    /// `/api/v1/tickets/{id}` with a value in every parameter.
    fn concrete(path: &str) -> String {
        let mut out = String::new();
        let mut in_parameter = false;
        for c in path.chars() {
            match c {
                '{' => in_parameter = true,
                '}' => {
                    in_parameter = false;
                    out.push_str("x1");
                }
                _ if in_parameter => {}
                _ => out.push(c),
            }
        }
        out
    }

    fn documented() -> BTreeSet<(String, String)> {
        let doc = ApiDoc::openapi();
        let mut operations = BTreeSet::new();
        for (path, item) in &doc.paths.paths {
            for (method, operation) in [
                ("GET", &item.get),
                ("POST", &item.post),
                ("PUT", &item.put),
                ("DELETE", &item.delete),
                ("PATCH", &item.patch),
            ] {
                if operation.is_some() {
                    operations.insert((method.to_owned(), path.clone()));
                }
            }
        }
        operations
    }

    #[tokio::test]
    async fn every_api_route_is_documented_and_every_documented_operation_routes() {
        let database = TestDatabase::sqlite();
        let store = Store::open(&database.url).await.unwrap();
        let app = router(AppState::new(store.clone(), false));
        let mut paths: Vec<&str> = api_routes().into_iter().map(|(path, _)| path).collect();
        paths.push("/healthz");
        paths.push("/readyz");
        let mut routed = BTreeSet::new();
        for path in paths {
            for method in METHODS {
                let request = Request::builder()
                    .method(method.clone())
                    .uri(concrete(path))
                    .body(Body::empty())
                    .unwrap();
                let status = app.clone().oneshot(request).await.unwrap().status();
                // a path without the method answers 405; an unknown path the fallback's 404
                // (signed out, a known route answers 401 before it looks anything up)
                if status != StatusCode::METHOD_NOT_ALLOWED && status != StatusCode::NOT_FOUND {
                    routed.insert((method.as_str().to_owned(), path.to_owned()));
                }
            }
        }
        let documented = documented();
        let undocumented: Vec<_> = routed.difference(&documented).collect();
        let unrouted: Vec<_> = documented.difference(&routed).collect();
        assert!(
            undocumented.is_empty() && unrouted.is_empty(),
            "routes missing from the OpenAPI document: {undocumented:?}; \
             documented operations without a route: {unrouted:?}"
        );
        assert!(routed.len() > 50, "{routed:?}");
        store.close().await;
    }
}
