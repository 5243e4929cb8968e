//! The servq web app and REST API (`servq serve`): sign-in with roles, the KPI dashboard in
//! zh-CN / zh-TW / en with drill-down to contacts, imports with progress and row errors, the
//! audit log, `/api/v1` for scripts, `/healthz`. Handlers are thin: they check the
//! permission matrix of `servq-core`, call the store and the pure crates, and render.

mod api;
pub mod auth;
mod dashboard;
pub mod desk;
pub mod desk_import;
mod desk_pages;
mod drill;
mod evaluations;
pub mod i18n;
mod imports;
mod observe;
mod openapi;
pub mod outbox;
mod pages;
mod qa_pages;
mod qa_setup;
mod query_params;
pub mod report;
mod reviews;
pub mod surveys;
mod transcript;

use std::net::SocketAddr;

use axum::{
    Json, Router,
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::{get, post},
};
use serde_json::json;
use servq_store::Store;

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
    /// Request counts of the public survey page.
    survey_limiter: surveys::RateLimiter,
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
        }
    }
}

/// An instant (UTC epoch ms) as RFC 3339 in UTC, as the API writes times.
pub(crate) fn rfc3339(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| t.to_string())
        .unwrap_or_default()
}

/// Milliseconds since the epoch, now.
pub fn now_ms() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}

/// An error answer: a JSON problem document (RFC 9457) with a stable `code` and a message in
/// the user's language.
#[derive(Debug)]
pub struct Problem {
    status: StatusCode,
    code: &'static str,
    title: String,
    detail: Option<String>,
}

impl Problem {
    /// 401: not signed in.
    pub fn unauthorized(locale: Locale) -> Problem {
        Problem {
            status: StatusCode::UNAUTHORIZED,
            code: "unauthorized",
            title: t(locale, "login.title"),
            detail: None,
        }
    }

    /// 403: the role lacks the permission.
    pub fn forbidden(locale: Locale) -> Problem {
        Problem {
            status: StatusCode::FORBIDDEN,
            code: "forbidden",
            title: t(locale, "error.forbidden"),
            detail: None,
        }
    }

    /// 403: a state-changing request without the session's CSRF token.
    pub fn csrf(locale: Locale) -> Problem {
        Problem {
            status: StatusCode::FORBIDDEN,
            code: "csrf_token_invalid",
            title: t(locale, "error.csrf"),
            detail: None,
        }
    }

    /// 400 with what is wrong.
    pub fn bad_request(locale: Locale, code: &'static str, detail: String) -> Problem {
        Problem {
            status: StatusCode::BAD_REQUEST,
            code,
            title: t(locale, "error.bad_request"),
            detail: Some(detail),
        }
    }

    /// A request the extractors could not read (malformed JSON or query, wrong content type).
    pub fn rejected(status: StatusCode, detail: String) -> Problem {
        Problem {
            status,
            code: "invalid_request",
            title: "invalid request".to_owned(),
            detail: Some(detail),
        }
    }

    /// 404: no such thing.
    pub fn not_found(locale: Locale) -> Problem {
        Problem {
            status: StatusCode::NOT_FOUND,
            code: "not_found",
            title: t(locale, "error.not_found"),
            detail: None,
        }
    }

    /// 413: an upload over the limit.
    pub fn too_large(detail: String) -> Problem {
        Problem {
            status: StatusCode::PAYLOAD_TOO_LARGE,
            code: "too_large",
            title: "too large".to_owned(),
            detail: Some(detail),
        }
    }

    /// 409: the thing exists already.
    pub fn conflict(code: &'static str, detail: String) -> Problem {
        Problem {
            status: StatusCode::CONFLICT,
            code,
            title: "conflict".to_owned(),
            detail: Some(detail),
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

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let body = json!({
            "type": format!("https://servq.invalid/problems/{}", self.code),
            "status": self.status.as_u16(),
            "code": self.code,
            "title": self.title,
            "detail": self.detail,
        });
        let mut response = (self.status, Json(body)).into_response();
        response.headers_mut().insert(
            axum::http::header::CONTENT_TYPE,
            axum::http::HeaderValue::from_static("application/problem+json"),
        );
        response
    }
}

/// Every route.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/", get(dashboard::dashboard))
        .route("/contacts", get(drill::contacts_page))
        .route("/contacts/{id}", get(transcript::transcript_page))
        .route("/import", get(imports::import_page))
        .route("/audit", get(pages::audit_page))
        .route("/qa", get(qa_pages::qa_page_handler))
        .route("/qa/evaluate/{id}", get(qa_pages::evaluate_page))
        .route("/qa/calibrations/{id}", get(qa_pages::calibration_page))
        .route("/qa/setup", get(qa_setup::setup_page))
        .route(
            "/api/v1/qa/rules",
            get(qa_setup::rules).put(qa_setup::save_rules),
        )
        .route(
            "/s/{token}",
            get(surveys::survey_page).post(surveys::submit_survey),
        )
        .route("/t/{token}", get(desk::status_page))
        .route("/surveys", get(surveys::surveys_page))
        .route("/tickets", get(desk_pages::tickets_page))
        .route("/desk/setup", get(desk_pages::setup_page))
        .route("/tickets/{id}", get(desk_pages::ticket_page))
        .route("/surveys/setup", get(reviews::setup_page))
        .route("/reviews", get(reviews::reviews_page))
        .route("/reviews/report", get(reviews::report_page))
        .route("/reviews/{id}", get(reviews::review_page))
        .route("/login", get(pages::login_form).post(pages::login))
        .route("/logout", post(pages::logout))
        .route("/setup", get(pages::setup_form).post(pages::setup))
        .route("/language", post(pages::language))
        .route("/api/v1/me", get(api::me))
        .route("/api/v1/me/locale", axum::routing::put(api::set_locale))
        .route("/api/v1/kpi", get(api::kpi))
        .route("/api/v1/tokens", post(api::create_token))
        .route("/api/v1/users", get(api::users).post(api::create_user))
        .route("/api/v1/audit", get(api::audit))
        .route("/api/v1/contacts", get(drill::contacts_api))
        .route(
            "/api/v1/contacts/{id}/transcript",
            get(transcript::transcript_api),
        )
        .route(
            "/api/v1/imports",
            get(imports::import_jobs).post(imports::start_import).layer(
                axum::extract::DefaultBodyLimit::max(imports::MAX_UPLOAD_BYTES),
            ),
        )
        .route("/api/v1/imports/{id}", get(imports::import_job))
        .route(
            "/api/v1/scorecards/{id}",
            get(evaluations::scorecard).put(qa_setup::save_scorecard),
        )
        .route("/api/v1/qa/sample", post(evaluations::sample))
        .route("/api/v1/qa/queue", get(evaluations::queue))
        .route("/api/v1/qa/coaching", get(evaluations::coaching))
        .route(
            "/api/v1/calibrations",
            post(evaluations::create_calibration),
        )
        .route("/api/v1/calibrations/{id}", get(evaluations::calibration))
        .route(
            "/api/v1/calibrations/{id}/scores",
            post(evaluations::score_calibration),
        )
        .route(
            "/api/v1/calibrations/{id}/close",
            post(evaluations::close_calibration),
        )
        .route(
            "/api/v1/evaluations",
            get(evaluations::list).post(evaluations::create),
        )
        .route("/api/v1/evaluations/{id}", get(evaluations::one))
        .route(
            "/api/v1/evaluations/{id}/acknowledge",
            post(evaluations::acknowledge),
        )
        .route(
            "/api/v1/evaluations/{id}/dispute",
            post(evaluations::dispute),
        )
        .route(
            "/api/v1/evaluations/{id}/rereview",
            post(evaluations::rereview),
        )
        .route("/api/v1/tickets", get(desk::list).post(desk::create))
        .route("/api/v1/tickets/{id}", get(desk::one))
        .route("/api/v1/desk/kpi", get(desk::kpi))
        .route(
            "/api/v1/desk/categories",
            get(desk::get_categories).put(desk::put_categories),
        )
        .route(
            "/api/v1/desk/config",
            get(desk::config).put(desk::set_config),
        )
        .route("/api/v1/tickets/{id}/actions", post(desk::action))
        .route("/api/v1/tickets/{id}/stage", post(desk::stage))
        .route("/api/v1/tickets/{id}/notes", post(desk::note))
        .route("/api/v1/tickets/{id}/transfer", post(desk::transfer))
        .route(
            "/api/v1/tickets/{id}/attachments",
            post(desk::attach).layer(axum::extract::DefaultBodyLimit::max(
                desk::MAX_ATTACHMENT_BYTES + 64 * 1024,
            )),
        )
        .route(
            "/api/v1/tickets/{id}/attachments/{attachment}",
            get(desk::download),
        )
        .route(
            "/api/v1/tickets/{id}/return-visit",
            axum::routing::put(desk::visit),
        )
        .route("/api/v1/survey-templates", get(surveys::templates))
        .route(
            "/api/v1/survey-templates/{id}",
            axum::routing::put(surveys::save_template),
        )
        .route(
            "/api/v1/survey-rules",
            get(surveys::rules).put(surveys::save_rules),
        )
        .route("/api/v1/surveys/dispatch", post(surveys::dispatch))
        .route("/api/v1/surveys/outbox", get(surveys::outbox))
        .route("/api/v1/surveys/outbox/{id}/sent", post(surveys::mark_sent))
        .route("/api/v1/surveys/metrics", get(surveys::metrics))
        .route("/api/v1/reviews", get(reviews::list))
        .route("/api/v1/reviews/report", get(reviews::report))
        .route("/api/v1/reviews/{id}", get(reviews::one).put(reviews::code))
        .route("/api/v1/review-reasons", get(reviews::reasons))
        .route(
            "/api/v1/review-reasons/{id}",
            axum::routing::put(reviews::save_reason),
        )
        .route("/metrics", get(observe::metrics))
        .route(pages::ECHARTS_PATH, get(pages::echarts))
        .route("/api/openapi.json", get(openapi_json))
        .merge(utoipa_swagger_ui::SwaggerUi::new("/api/docs"))
        .layer(axum::middleware::from_fn(observe::track))
        .with_state(state)
}

#[utoipa::path(get, path = "/healthz", tag = "operations", security(()),
    responses((status = 200, body = openapi::Health), (status = 500, body = openapi::Problem, content_type = "application/problem+json")))]
pub(crate) async fn healthz(
    axum::extract::State(state): axum::extract::State<AppState>,
) -> Response {
    match state.store.user_count().await {
        Ok(_) => Json(json!({"status": "ok"})).into_response(),
        Err(error) => Problem::internal(error).into_response(),
    }
}

async fn openapi_json() -> Json<utoipa::openapi::OpenApi> {
    use utoipa::OpenApi;
    Json(openapi::ApiDoc::openapi())
}

/// Serves until the process is stopped. With no user in the database, prints a one-time
/// set-up link (valid one hour) for creating the administrator in the browser.
pub async fn serve(
    store: Store,
    addr: SocketAddr,
    secure_cookies: bool,
    public_url: Option<String>,
    outbox: outbox::OutboxConfig,
) -> anyhow::Result<()> {
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
    tokio::spawn(surveys::dispatch_loop(store.clone(), links));
    tokio::spawn(desk::escalation_loop(store.clone()));
    tokio::spawn(outbox::delivery_loop(store.clone(), outbox));
    let mut state = AppState::new(store, secure_cookies);
    state.public_url = public_url;
    axum::serve(
        listener,
        router(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .await?;
    Ok(())
}
