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

/// The UI language.
#[derive(Serialize, ToSchema)]
pub(crate) struct LocaleBody {
    #[schema(pattern = "^(en|zh-CN|zh-TW)$")]
    locale: String,
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

/// One contact of a drill-down.
#[derive(Serialize, ToSchema)]
pub(crate) struct ContactItem {
    contact_id: String,
    /// RFC 3339 in the centre's zone.
    offered_at: String,
    channel: String,
    direction: String,
    queue: String,
    customer_id: Option<String>,
    agent_id: String,
    team: String,
    category: String,
    answered: bool,
    wait_seconds: f64,
    talk_seconds: f64,
    hold_seconds: f64,
    wrap_seconds: f64,
    transferred: bool,
    resolved: Option<bool>,
    /// The subsets the contact belongs to.
    subsets: Vec<String>,
}

/// `GET /api/v1/contacts`.
#[derive(Serialize, ToSchema)]
pub(crate) struct ContactList {
    subset: String,
    time_zone: String,
    /// Every matching contact, not just this page.
    total: i64,
    offset: u64,
    limit: u64,
    rows: Vec<ContactItem>,
}

/// `POST /api/v1/imports` form (multipart/form-data).
#[derive(Serialize, ToSchema)]
pub(crate) struct ImportUpload {
    /// contacts, agent_states, agents, survey_results, tickets or transcripts.
    kind: String,
    /// The CSV or spreadsheet file.
    #[schema(format = Binary, content_media_type = "application/octet-stream")]
    file: String,
    /// utf-8 (default), gbk or gb18030.
    encoding: Option<String>,
    /// servq_name=their_name pairs, comma-separated.
    map: Option<String>,
    /// Sheet of a spreadsheet (default: the first).
    sheet: Option<String>,
}

/// `POST /api/v1/imports` answer.
#[derive(Serialize, ToSchema)]
pub(crate) struct ImportStarted {
    id: String,
    status: String,
    /// Where to poll.
    url: String,
}

/// What a committed import did.
#[derive(Serialize, ToSchema)]
pub(crate) struct ImportCounts {
    rows: i64,
    inserted: i64,
    updated: i64,
    unchanged: i64,
}

/// One row error.
#[derive(Serialize, ToSchema)]
pub(crate) struct ImportRowError {
    line: u64,
    column: String,
    reason: String,
}

/// `GET /api/v1/imports/{id}`.
#[derive(Serialize, ToSchema)]
pub(crate) struct ImportJobBody {
    id: String,
    kind: String,
    file_name: String,
    username: String,
    /// reading, merging, imported, rejected or failed.
    status: String,
    finished: bool,
    /// Bytes (CSV) or rows (spreadsheets) read.
    done: i64,
    total: i64,
    rows_read: i64,
    started_at: String,
    finished_at: Option<String>,
    summary: ImportCounts,
    bad_rows: i64,
    error_count: i64,
    /// Why a failed import failed.
    message: String,
    /// The first 1 000 errors.
    errors: Vec<ImportRowError>,
}

/// `GET /api/v1/imports`.
#[derive(Serialize, ToSchema)]
pub(crate) struct ImportJobs {
    imports: Vec<ImportJobBody>,
}

/// One automated-QA hit.
#[derive(Serialize, ToSchema)]
pub(crate) struct QaHit {
    rule: String,
    /// forbidden_phrase, required_phrase_missing, interruption, silence or over_talk.
    kind: String,
    /// Index of the turn; null for whole-interaction hits.
    turn: Option<i64>,
    at_seconds: f64,
    text: String,
}

/// One turn of a transcript.
#[derive(Serialize, ToSchema)]
pub(crate) struct TranscriptTurn {
    /// agent or customer.
    speaker: String,
    start: f64,
    end: f64,
    text: String,
}

/// `GET /api/v1/contacts/{id}/transcript`.
#[derive(Serialize, ToSchema)]
pub(crate) struct TranscriptBody {
    contact_id: String,
    turns: Vec<TranscriptTurn>,
    hits: Vec<QaHit>,
}

/// `GET /api/v1/scorecards/{id}`.
#[derive(Serialize, ToSchema)]
pub(crate) struct ScorecardBody {
    scorecard_id: String,
    version: i64,
    name: String,
    /// Sections with their items: id, name, weight, scale (binary, three_point, four_point,
    /// five_point), critical.
    sections: Vec<serde_json::Value>,
}

/// `POST /api/v1/evaluations` body.
#[derive(Serialize, ToSchema)]
pub(crate) struct NewEvaluationBody {
    contact_id: String,
    /// Default `default`.
    scorecard_id: Option<String>,
    /// Every item id of the scorecard: a level on its scale, or "na".
    answers: std::collections::BTreeMap<String, serde_json::Value>,
    comments: Option<String>,
}

/// An evaluation.
#[derive(Serialize, ToSchema)]
pub(crate) struct EvaluationBody {
    id: String,
    contact_id: String,
    agent_id: String,
    scorecard_id: String,
    scorecard_version: i64,
    inspector: String,
    /// submitted, acknowledged, disputed or rereviewed.
    status: String,
    /// 0–100; null when every item was N/A.
    score: Option<f64>,
    failed_critical: Vec<String>,
    answers: serde_json::Value,
    comments: String,
    dispute_reason: String,
    created_at: String,
    updated_at: String,
}

/// `GET /api/v1/evaluations`.
#[derive(Serialize, ToSchema)]
pub(crate) struct EvaluationList {
    evaluations: Vec<EvaluationBody>,
}

/// A dispute.
#[derive(Serialize, ToSchema)]
pub(crate) struct DisputeBody {
    #[schema(min_length = 1, pattern = r"\S")]
    reason: String,
}

/// A re-review.
#[derive(Serialize, ToSchema)]
pub(crate) struct RereviewBody {
    answers: std::collections::BTreeMap<String, serde_json::Value>,
    comments: Option<String>,
}

/// `POST /api/v1/qa/sample` body.
#[derive(Serialize, ToSchema)]
pub(crate) struct SampleBody {
    /// First day, YYYY-MM-DD in the centre's zone.
    from: String,
    /// Last day, inclusive.
    to: String,
    /// 1 to 100.
    #[schema(minimum = 1, maximum = 100)]
    per_agent: u32,
    #[schema(pattern = "^(random|longest_handle|rule_hits|new_agents|unsatisfied|complaints)$")]
    strategy: String,
    /// For random plans: the same seed picks the same contacts.
    seed: Option<u64>,
    /// For complaint plans: the complaint categories (default: categories containing 投诉,
    /// 投訴 or complaint).
    complaint_categories: Option<Vec<String>>,
}

/// A sampling plan's result.
#[derive(Serialize, ToSchema)]
pub(crate) struct SampleResult {
    plan: String,
    /// Contacts that could be picked.
    candidates: u64,
    /// Contacts queued.
    queued: u64,
}

/// One queued interaction.
#[derive(Serialize, ToSchema)]
pub(crate) struct QueueItem {
    contact_id: String,
    agent_id: String,
    plan: String,
    queued_at: String,
}

/// `GET /api/v1/qa/queue`.
#[derive(Serialize, ToSchema)]
pub(crate) struct QueueBody {
    items: Vec<QueueItem>,
}

/// `POST /api/v1/calibrations` body.
#[derive(Serialize, ToSchema)]
pub(crate) struct NewCalibrationBody {
    contact_id: String,
    scorecard_id: Option<String>,
}

/// `POST /api/v1/calibrations/{id}/close` body.
#[derive(Serialize, ToSchema)]
pub(crate) struct CloseCalibrationBody {
    /// `mean` or the user name of an inspector who scored.
    reference: String,
}

/// One inspector's calibration result.
#[derive(Serialize, ToSchema)]
pub(crate) struct CalibrationResult {
    inspector: String,
    score: Option<f64>,
    /// Score − reference score.
    deviation: Option<f64>,
}

/// A calibration session.
#[derive(Serialize, ToSchema)]
pub(crate) struct CalibrationBody {
    id: String,
    contact_id: String,
    scorecard_id: String,
    scorecard_version: i64,
    created_by: String,
    /// open or closed.
    status: String,
    /// Who has scored (their scores stay hidden while open).
    inspectors: Vec<String>,
    /// Once closed.
    reference: Option<String>,
    reference_score: Option<f64>,
    results: Option<Vec<CalibrationResult>>,
}

/// One line of the coaching list.
#[derive(Serialize, ToSchema)]
pub(crate) struct CoachingItem {
    agent_id: String,
    rule: String,
    kind: String,
    hits: i64,
    contacts: i64,
    /// A contact to listen to.
    example_contact: String,
}

/// `GET /api/v1/qa/coaching`.
#[derive(Serialize, ToSchema)]
pub(crate) struct CoachingBody {
    items: Vec<CoachingItem>,
}

/// `POST /api/v1/tickets` body.
#[derive(Serialize, ToSchema)]
pub(crate) struct NewTicketBody {
    /// after_sales, complaint or consult (default consult).
    #[schema(pattern = "^(after_sales|complaint|consult)$")]
    ticket_type: Option<String>,
    #[schema(min_length = 1, pattern = r"\S")]
    category: String,
    /// urgent, high, normal (default) or low.
    #[schema(pattern = "^(urgent|high|normal|low)$")]
    priority: Option<String>,
    #[schema(min_length = 1, pattern = r"\S")]
    subject: String,
    description: Option<String>,
    #[schema(min_length = 1, pattern = r"\S")]
    customer_id: String,
    segment: Option<String>,
    channel: Option<String>,
    contact_id: Option<String>,
    team: Option<String>,
}

/// A created ticket.
#[derive(Serialize, ToSchema)]
pub(crate) struct CreatedTicket {
    id: String,
    /// For the customer's status page; shown once.
    status_token: String,
}

/// A ticket.
#[derive(Serialize, ToSchema)]
pub(crate) struct TicketBody {
    id: String,
    #[serde(rename = "type")]
    kind: String,
    category: String,
    priority: String,
    subject: String,
    customer_id: String,
    segment: String,
    channel: String,
    team: String,
    assignee: String,
    stage: String,
    status: String,
    created_at: String,
    first_response_at: Option<String>,
    resolved_at: Option<String>,
}

/// `POST /api/v1/tickets/{id}/actions` body.
#[derive(Serialize, ToSchema)]
pub(crate) struct TicketActionBody {
    #[schema(pattern = "^(reply|customer_reply|wait_on_customer|resolve|close|reopen)$")]
    action: String,
    note: Option<String>,
}

/// The desk's configuration (docs/desk.md).
#[derive(Serialize, ToSchema)]
pub(crate) struct DeskConfig {
    /// time_zone, week (7 lists of "HH:MM-HH:MM"), holidays, workdays, duty.
    #[schema(value_type = Object)]
    calendar: serde_json::Value,
    /// rules (name, priorities, categories, segments, first_response_minutes,
    /// next_response_minutes, resolution_minutes) and warn_at_percent.
    #[schema(value_type = Object)]
    policy: serde_json::Value,
    /// rules (categories, channels, segments, team) and assignment (round_robin,
    /// least_loaded, none).
    #[schema(value_type = Object)]
    routing: serde_json::Value,
    /// One per ticket type: ticket_type and stages (id, limit_minutes, names by locale —
    /// required for stages the catalogue does not name).
    #[schema(value_type = Vec<Object>)]
    workflows: Vec<serde_json::Value>,
}

/// `POST /api/v1/tickets/{id}/attachments` form.
#[derive(Serialize, ToSchema)]
pub(crate) struct AttachmentUpload {
    /// The file, at most 10 MiB.
    #[schema(value_type = String, format = Binary)]
    file: String,
}

/// A stored attachment.
#[derive(Serialize, ToSchema)]
pub(crate) struct AttachmentBody {
    id: String,
    file_name: String,
    /// Recognised from the first bytes.
    content_type: String,
    size_bytes: i64,
    sha256: String,
    uploaded_by: String,
    uploaded_at: String,
    url: String,
}

/// A node of the category tree.
#[derive(Serialize, ToSchema)]
#[schema(no_recursion)]
pub(crate) struct CategoryNode {
    #[schema(pattern = "^[A-Za-z0-9_-]{1,64}$")]
    id: String,
    name_zh_cn: String,
    name_zh_tw: String,
    name_en: String,
    /// Sub-categories (at most three levels).
    children: Option<Vec<CategoryNode>>,
}

/// `GET/PUT /api/v1/desk/categories`.
#[derive(Serialize, ToSchema)]
pub(crate) struct CategoryTree {
    categories: Vec<CategoryNode>,
}

/// `POST /api/v1/tickets/{id}/notes` body.
#[derive(Serialize, ToSchema)]
pub(crate) struct NoteBody {
    #[schema(min_length = 1, max_length = 10000, pattern = r"\S")]
    text: String,
    /// Default true: not shown on the status page.
    internal: Option<bool>,
}

/// `POST /api/v1/tickets/{id}/transfer` body.
#[derive(Serialize, ToSchema)]
pub(crate) struct TransferBody {
    #[schema(min_length = 1, pattern = r"\S")]
    team: String,
    /// An agent of the team; empty: the team's assignment strategy picks.
    assignee: Option<String>,
}

/// `POST /api/v1/tickets/{id}/stage` body.
#[derive(Serialize, ToSchema)]
pub(crate) struct StageChangeBody {
    /// A stage of the ticket type's workflow; omitted: the next one.
    stage: Option<String>,
}

/// `PUT /api/v1/tickets/{id}/return-visit` body.
#[derive(Serialize, ToSchema)]
pub(crate) struct ReturnVisitBody {
    #[schema(pattern = "^(satisfied|unsatisfied|unreachable)$")]
    outcome: String,
    #[schema(min_length = 1, pattern = r"\S")]
    root_cause: String,
    note: Option<String>,
}

/// Ticket KPIs of a group.
#[derive(Serialize, ToSchema)]
pub(crate) struct TicketKpiRow {
    key: Option<String>,
    created: i64,
    resolved: i64,
    backlog: i64,
    aged_backlog: i64,
    complaints: i64,
    first_response_seconds: Option<f64>,
    resolution_seconds: Option<f64>,
    resolution_rate: Option<f64>,
    complaints_in_24h_rate: Option<f64>,
    sla_attainment: Option<f64>,
}

/// `GET /api/v1/desk/kpi`.
#[derive(Serialize, ToSchema)]
pub(crate) struct TicketKpis {
    from: String,
    to: String,
    group_by: Option<String>,
    rows: Vec<TicketKpiRow>,
    /// Also `complaint_rate` and `contacts_offered`.
    total: TicketKpiRow,
}

/// `GET /api/v1/tickets`.
#[derive(Serialize, ToSchema)]
pub(crate) struct TicketList {
    tickets: Vec<TicketBody>,
}

/// The automated-QA rule set.
#[derive(Serialize, ToSchema)]
pub(crate) struct QaRulesBody {
    /// Null while the shipped rules are used.
    version: Option<i64>,
    /// TOML (docs/qa.md).
    rules: String,
}

/// A survey template version.
#[derive(Serialize, ToSchema)]
pub(crate) struct SurveyTemplateItem {
    id: String,
    version: i64,
    /// The template: name and questions (docs/surveys.md).
    #[schema(value_type = Object)]
    template: serde_json::Value,
}

/// `GET /api/v1/survey-templates`.
#[derive(Serialize, ToSchema)]
pub(crate) struct SurveyTemplates {
    templates: Vec<SurveyTemplateItem>,
}

/// A survey question.
#[derive(Serialize, ToSchema)]
pub(crate) struct SurveyQuestion {
    /// csat (with `scale`: three_level or five_point), nps, ces, stage (with `stage`:
    /// greeting, understanding, answer, farewell) or text.
    #[schema(pattern = "^(csat|nps|ces|stage|text)$")]
    kind: String,
    scale: Option<String>,
    stage: Option<String>,
    required: Option<bool>,
    /// response_speed, problem_solving, professionalism_attitude, process_transparency or
    /// satisfaction_feedback.
    dimension: Option<String>,
}

/// `PUT /api/v1/survey-templates/{id}` body.
#[derive(Serialize, ToSchema)]
pub(crate) struct SurveyTemplateBody {
    #[schema(min_length = 1)]
    name: String,
    questions: Vec<SurveyQuestion>,
}

/// A saved version.
#[derive(Serialize, ToSchema)]
pub(crate) struct SavedVersion {
    id: String,
    version: i64,
}

/// A dispatch rule.
#[derive(Serialize, ToSchema)]
pub(crate) struct SurveyRule {
    rule_id: String,
    template_id: String,
    channels: Vec<String>,
    categories: Vec<String>,
    delay_minutes: u32,
    #[schema(maximum = 100)]
    sample_percent: u8,
    /// "22:00-08:00" or null.
    quiet_hours: Option<String>,
    no_repeat_days: u32,
    #[schema(minimum = 1)]
    expiry_hours: u32,
    #[schema(pattern = "^(email|sms|webhook)$")]
    send_via: String,
    #[schema(pattern = "^(en|zh-CN|zh-TW)$")]
    locale: String,
    active: bool,
}

/// `GET/PUT /api/v1/survey-rules`.
#[derive(Serialize, ToSchema)]
pub(crate) struct SurveyRules {
    rules: Vec<SurveyRule>,
}

/// An invitation created by a dispatch.
#[derive(Serialize, ToSchema)]
pub(crate) struct DispatchedInvitation {
    id: String,
    contact_id: String,
    customer_id: String,
    send_via: String,
    link: String,
}

/// `POST /api/v1/surveys/dispatch`.
#[derive(Serialize, ToSchema)]
pub(crate) struct DispatchResult {
    created: usize,
    invitations: Vec<DispatchedInvitation>,
}

/// An invitation waiting to be sent.
#[derive(Serialize, ToSchema)]
pub(crate) struct OutboxMessage {
    id: String,
    contact_id: String,
    customer_id: String,
    send_via: String,
    /// The text to send (SMS, e-mail with the subject on the first line, or webhook JSON).
    message: String,
    created_at: String,
    expires_at: String,
}

/// `GET /api/v1/surveys/outbox`.
#[derive(Serialize, ToSchema)]
pub(crate) struct Outbox {
    messages: Vec<OutboxMessage>,
}

/// A measure with its 95 % interval.
#[derive(Serialize, ToSchema)]
pub(crate) struct Estimate {
    n: i64,
    value: Option<f64>,
    lower: Option<f64>,
    upper: Option<f64>,
}

/// Survey measures of a group.
#[derive(Serialize, ToSchema)]
pub(crate) struct SurveyGroup {
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

/// A stage's ratings.
#[derive(Serialize, ToSchema)]
pub(crate) struct StageRating {
    stage: String,
    n: i64,
    mean: Option<f64>,
    lower: Option<f64>,
    upper: Option<f64>,
    low_share: Option<f64>,
}

/// The peak-end estimate.
#[derive(Serialize, ToSchema)]
pub(crate) struct PeakEnd {
    n: i64,
    peak_end: Option<f64>,
    stage_mean: Option<f64>,
    csat_mean: Option<f64>,
}

/// `GET /api/v1/surveys/metrics`.
#[derive(Serialize, ToSchema)]
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

/// A review reason.
#[derive(Serialize, ToSchema)]
pub(crate) struct ReviewReasonBody {
    id: String,
    #[schema(pattern = "^(agent|other)$")]
    group: String,
    name_zh_cn: String,
    name_zh_tw: String,
    name_en: String,
    position: i64,
    active: bool,
}

/// `GET /api/v1/review-reasons`.
#[derive(Serialize, ToSchema)]
pub(crate) struct ReviewReasons {
    reasons: Vec<ReviewReasonBody>,
}

/// A review task.
#[derive(Serialize, ToSchema)]
pub(crate) struct ReviewTaskBody {
    response_id: String,
    contact_id: String,
    agent_id: String,
    team: String,
    queue: String,
    category: String,
    responded_at: String,
    csat: Option<u8>,
    nps: Option<u8>,
    ces: Option<u8>,
    comment: String,
    status: String,
    inspector: String,
    note: String,
    reasons: Vec<String>,
}

/// `GET /api/v1/reviews`.
#[derive(Serialize, ToSchema)]
pub(crate) struct ReviewTasks {
    tasks: Vec<ReviewTaskBody>,
}

/// `PUT /api/v1/reviews/{id}` body.
#[derive(Serialize, ToSchema)]
pub(crate) struct CodingBody {
    #[schema(min_items = 1)]
    reasons: Vec<String>,
    note: Option<String>,
}

/// A Pareto row.
#[derive(Serialize, ToSchema)]
pub(crate) struct ParetoItem {
    reason_id: String,
    name: String,
    calls: usize,
    share: f64,
    cumulative_calls: usize,
    cumulative_share: f64,
}

/// One taxonomy's part of the report.
#[derive(Serialize, ToSchema)]
pub(crate) struct ReasonGroupReport {
    calls: usize,
    items: usize,
    pareto: Vec<ParetoItem>,
}

/// An agent's line of the report.
#[derive(Serialize, ToSchema)]
pub(crate) struct AgentReview {
    agent_id: String,
    team: String,
    unsatisfied: usize,
    coded: usize,
    agent_caused: usize,
    top_reason: Option<String>,
}

/// `GET /api/v1/reviews/report`.
#[derive(Serialize, ToSchema)]
pub(crate) struct ReviewReport {
    week_start: String,
    week_end: String,
    unsatisfied: usize,
    coded: usize,
    open: usize,
    both: usize,
    agent_caused: ReasonGroupReport,
    not_agent_caused: ReasonGroupReport,
    agents: Vec<AgentReview>,
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
    info(title = "servq API", description = "Customer-service quality management: KPIs, the contacts behind them, imports, users, audit. Authenticate with `Authorization: Bearer TOKEN` (POST /api/v1/tokens) or the session cookie plus `X-CSRF-Token`."),
    paths(
        crate::api::me,
        crate::api::set_locale,
        crate::api::kpi,
        crate::api::create_token,
        crate::api::users,
        crate::api::create_user,
        crate::api::audit,
        crate::drill::contacts_api,
        crate::transcript::transcript_api,
        crate::evaluations::scorecard,
        crate::evaluations::sample,
        crate::evaluations::queue,
        crate::evaluations::coaching,
        crate::evaluations::create_calibration,
        crate::evaluations::calibration,
        crate::evaluations::score_calibration,
        crate::evaluations::close_calibration,
        crate::evaluations::create,
        crate::evaluations::list,
        crate::evaluations::one,
        crate::evaluations::acknowledge,
        crate::evaluations::dispute,
        crate::evaluations::rereview,
        crate::imports::start_import,
        crate::imports::import_jobs,
        crate::imports::import_job,
        crate::desk::create,
        crate::desk::list,
        crate::desk::one,
        crate::desk::action,
        crate::desk::stage,
        crate::desk::visit,
        crate::desk::note,
        crate::desk::transfer,
        crate::desk::attach,
        crate::desk::download,
        crate::desk::kpi,
        crate::desk::get_categories,
        crate::desk::put_categories,
        crate::desk::config,
        crate::desk::set_config,
        crate::qa_setup::rules,
        crate::qa_setup::save_rules,
        crate::qa_setup::save_scorecard,
        crate::surveys::templates,
        crate::surveys::save_template,
        crate::surveys::rules,
        crate::surveys::put_rules,
        crate::surveys::dispatch,
        crate::surveys::outbox,
        crate::surveys::mark_sent,
        crate::surveys::metrics,
        crate::reviews::list,
        crate::reviews::one,
        crate::reviews::code,
        crate::reviews::report,
        crate::reviews::reasons,
        crate::reviews::save_reason,
        crate::healthz,
    ),
    components(schemas(Me, LocaleBody, KpiReport, NewToken, Token, UserSummary, Users, NewUserBody, CreatedUser, AuditEntry, Audit, ContactItem, ContactList, ImportUpload, ImportStarted, ImportCounts, ImportRowError, ImportJobBody, ImportJobs, QaHit, TranscriptTurn, TranscriptBody, ScorecardBody, NewEvaluationBody, EvaluationBody, EvaluationList, DisputeBody, RereviewBody, SampleBody, SampleResult, QueueItem, QueueBody, NewCalibrationBody, CloseCalibrationBody, CalibrationResult, CalibrationBody, CoachingItem, CoachingBody, NewTicketBody, CreatedTicket, TicketBody, TicketList, TicketActionBody, CategoryNode, CategoryTree, AttachmentUpload, AttachmentBody, DeskConfig, NoteBody, TransferBody, StageChangeBody, ReturnVisitBody, TicketKpiRow, TicketKpis, QaRulesBody, SurveyTemplateItem, SurveyTemplates, SurveyQuestion, SurveyTemplateBody, SavedVersion, SurveyRule, SurveyRules, DispatchedInvitation, DispatchResult, OutboxMessage, Outbox, Estimate, SurveyGroup, StageRating, PeakEnd, SurveyMetrics, ReviewReasonBody, ReviewReasons, ReviewTaskBody, ReviewTasks, CodingBody, ParetoItem, ReasonGroupReport, AgentReview, ReviewReport, Health, Problem)),
    modifiers(&Security),
    security(("token" = []), ("session" = [])),
)]
pub(crate) struct ApiDoc;
