//! The OpenAPI description of `/api/v1` (served at `/api/openapi.json`, browsable with the
//! vendored Swagger UI at `/api/docs`). The schema types mirror the JSON the handlers write;
//! schemathesis checks the two against each other.

use serde::Serialize;
use utoipa::{
    Modify, OpenApi, ToSchema,
    openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme},
};

/// `GET /api/v1/me`.
#[derive(Serialize, ToSchema)]
pub(crate) struct Me {
    username: String,
    /// agent, supervisor, qa_inspector, analyst or admin.
    role: String,
    /// en, zh-CN or zh-TW.
    locale: String,
    agent_id: Option<String>,
    /// Permission names from the matrix in docs/roles.md.
    permissions: Vec<String>,
    /// Send as `X-CSRF-Token` with state-changing calls made with the session cookie; null for
    /// API tokens.
    csrf_token: Option<String>,
}

/// `GET /api/v1/kpi`.
#[derive(Serialize, ToSchema)]
pub(crate) struct KpiReport {
    group_by: Vec<String>,
    time_zone: String,
    /// One object per group: the group keys, then each requested metric (numbers, or null
    /// where undefined).
    rows: Vec<std::collections::BTreeMap<String, serde_json::Value>>,
}

/// `POST /api/v1/tokens` body.
#[derive(Serialize, ToSchema)]
pub(crate) struct NewToken {
    #[schema(min_length = 1, pattern = r"\S")]
    name: String,
}

/// A token, shown once.
#[derive(Serialize, ToSchema)]
pub(crate) struct Token {
    name: String,
    token: String,
}

/// A user as listed.
#[derive(Serialize, ToSchema)]
pub(crate) struct UserSummary {
    username: String,
    role: String,
    agent_id: Option<String>,
    locale: String,
    disabled: bool,
}

/// `GET /api/v1/users`.
#[derive(Serialize, ToSchema)]
pub(crate) struct Users {
    users: Vec<UserSummary>,
}

/// `POST /api/v1/users` body.
#[derive(Serialize, ToSchema)]
pub(crate) struct NewUserBody {
    #[schema(min_length = 1, pattern = r"\S")]
    username: String,
    /// At least 10 characters.
    #[schema(min_length = 10)]
    password: String,
    #[schema(pattern = "^(agent|supervisor|qa_inspector|analyst|admin)$")]
    role: String,
    /// Required for the agent role.
    agent_id: Option<String>,
}

/// A created user.
#[derive(Serialize, ToSchema)]
pub(crate) struct CreatedUser {
    username: String,
    role: String,
}

/// One audit entry.
#[derive(Serialize, ToSchema)]
pub(crate) struct AuditEntry {
    id: i64,
    /// RFC 3339, UTC.
    at: String,
    user: String,
    action: String,
    entity: String,
    entity_id: String,
    detail: serde_json::Value,
}

/// `GET /api/v1/audit`.
#[derive(Serialize, ToSchema)]
pub(crate) struct Audit {
    entries: Vec<AuditEntry>,
}

/// `GET /healthz`.
#[derive(Serialize, ToSchema)]
pub(crate) struct Health {
    status: String,
}

/// An error (RFC 9457 problem document) with a stable `code`.
#[derive(Serialize, ToSchema)]
pub(crate) struct Problem {
    #[serde(rename = "type")]
    kind: String,
    status: u16,
    code: String,
    /// In the user's language.
    title: String,
    detail: Option<String>,
}

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new("servq_session"))),
        );
    }
}

/// The document.
#[derive(OpenApi)]
#[openapi(
    info(title = "servq API", description = "Customer-service quality management: KPIs, users, audit. Authenticate with `Authorization: Bearer TOKEN` (POST /api/v1/tokens) or the session cookie plus `X-CSRF-Token`."),
    paths(
        crate::api::me,
        crate::api::kpi,
        crate::api::create_token,
        crate::api::users,
        crate::api::create_user,
        crate::api::audit,
        crate::healthz,
    ),
    components(schemas(Me, KpiReport, NewToken, Token, UserSummary, Users, NewUserBody, CreatedUser, AuditEntry, Audit, Health, Problem)),
    modifiers(&Security),
    security(("token" = []), ("session" = [])),
)]
pub(crate) struct ApiDoc;
