//! The knowledge base over HTTP: `GET /api/v1/kb/search?q=` (the same results as
//! `servq kb search`, logged for the content-gap list). The rules live in `servq_app::kb`;
//! every staff member may search (ViewOwnKpis).

use axum::{
    Json,
    extract::{Query, State, rejection::QueryRejection},
};
use serde::Deserialize;
use serde_json::Value;
use servq_app::kb as app;
use servq_core::Permission;

use crate::{AppState, Problem, auth::CurrentUser};

/// `GET /api/v1/kb/search` parameters.
#[derive(Debug, Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct SearchParams {
    /// The query: Chinese (either script), English or both.
    q: String,
    /// How many results (1–100, default 10).
    limit: Option<usize>,
}

/// `GET /api/v1/kb/search`: the published articles best matching `q`, best first.
#[utoipa::path(get, path = "/api/v1/kb/search", tag = "kb", params(SearchParams),
    responses((status = 200, description = "{query, results: [{id, title, score, snippet}]} — snippet is HTML: matches in <mark>, the rest escaped", body = Object),
        (status = 400, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn search(
    State(state): State<AppState>,
    user: CurrentUser,
    params: Result<Query<SearchParams>, QueryRejection>,
) -> Result<Json<Value>, Problem> {
    user.require(Permission::ViewOwnKpis)?;
    let Query(params) = params?;
    let limit = params.limit.unwrap_or(app::DEFAULT_LIMIT);
    let results = app::search(&state.store, &params.q, limit, false, true)
        .await
        .map_err(Problem::internal)?;
    Ok(Json(app::search_json(&params.q, &results)))
}
