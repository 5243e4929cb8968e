//! `/metrics` (Prometheus text format) and one structured log line per request: its request id
//! (the client's `X-Request-Id` when it sends a sane one, else a new one; echoed in the answer
//! and carried by every log line written while the request runs), the user (once signed in),
//! method, route template, status and milliseconds.

use std::{
    sync::{Arc, OnceLock},
    time::Instant,
};

use tracing::Instrument;

use axum::{
    extract::{MatchedPath, Request},
    middleware::Next,
    response::{IntoResponse, Response},
};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

/// The process-wide recorder (installed on first use; one per process).
fn handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        PrometheusBuilder::new()
            .set_buckets(&[
                0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
            ])
            .expect("static buckets are valid")
            .install_recorder()
            .expect("the Prometheus recorder is installed once")
    })
}

/// The request header naming a request (a load balancer's or the client's id).
const REQUEST_ID: &str = "x-request-id";

/// Who a request acted as: the authentication fills it in, the request's log line reads it.
#[derive(Debug, Clone, Default)]
pub(crate) struct RequestUser(Arc<OnceLock<String>>);

impl RequestUser {
    /// The request acted as `username`.
    pub(crate) fn set(&self, username: &str) {
        let _ = self.0.set(username.to_owned());
    }
}

/// The client's request id when it is 1–64 letters, digits, `-`, `_` or `.`; else a new one.
fn request_id(request: &Request) -> String {
    request
        .headers()
        .get(REQUEST_ID)
        .and_then(|value| value.to_str().ok())
        .filter(|id| {
            (1..=64).contains(&id.len())
                && id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
        })
        .map_or_else(
            || servq_app::users::new_token()[..16].to_owned(),
            str::to_owned,
        )
}

/// Counts and times every request by route template (not by raw path, so ids do not explode
/// the label set) and logs it.
pub(crate) async fn track(mut request: Request, next: Next) -> Response {
    let _ = handle();
    let started = Instant::now();
    let id = request_id(&request);
    let user = RequestUser::default();
    request.extensions_mut().insert(user.clone());
    let method = method_label(request.method()).to_owned();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |path| path.as_str().to_owned());
    let span = tracing::info_span!("request", request_id = %id);
    let mut response = next.run(request).instrument(span).await;
    if let Ok(value) = axum::http::HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID, value);
    }
    let status = response.status().as_u16().to_string();
    let seconds = started.elapsed().as_secs_f64();
    let labels = [
        ("method", method.clone()),
        ("route", route.clone()),
        ("status", status.clone()),
    ];
    metrics::counter!("servq_http_requests_total", &labels).increment(1);
    metrics::histogram!("servq_http_request_duration_seconds", &labels).record(seconds);
    let user = user.0.get().map_or("", String::as_str);
    tracing::info!(target: "servq::http", request_id = %id, %user, %method, %route, %status,
        ms = seconds * 1000.0, "request");
    response
}

/// A method as a metrics label: the standard ones by name, anything else `other` (a client
/// may send any token as a method; each must not become a new series).
fn method_label(method: &axum::http::Method) -> &'static str {
    use axum::http::Method;
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// `GET /metrics`.
pub(crate) async fn metrics() -> impl IntoResponse {
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        handle().render(),
    )
}
