//! The OpenAPI description of `/api/v1` (served at `/api/openapi.json`, browsable with the
//! vendored Swagger UI at `/api/docs`), generated from the handlers' own request and response
//! types (each next to its handler). A unit test checks it names every route and only routes;
//! schemathesis checks the server's answers against it.

use utoipa::{
    Modify, OpenApi,
    openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme},
};

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
        crate::admin::create_token,
        crate::admin::tokens,
        crate::admin::revoke_token,
        crate::admin::users,
        crate::admin::create_user,
        crate::admin::change_user,
        crate::admin::change_password,
        crate::admin::start_two_factor,
        crate::admin::confirm_two_factor,
        crate::admin::stop_two_factor,
        crate::admin::centre_settings,
        crate::admin::roster,
        crate::analysis::drivers_api,
        crate::analysis::correlation_api,
        crate::analysis::pareto_api,
        crate::planning::interval_api,
        crate::planning::day_api,
        crate::planning::forecast_api,
        crate::planning::evaluate_api,
        crate::targets::list,
        crate::performance::evaluation_api,
        crate::performance::rate_api,
        crate::performance::record_session_api,
        crate::performance::sessions_api,
        crate::performance::ratings_api,
        crate::performance::model_api,
        crate::performance::save_model_api,
        crate::targets::set,
        crate::targets::alerts,
        crate::targets::set_alert_days,
        crate::reports::list,
        crate::reports::make,
        crate::reports::snapshot,
        crate::reports::file,
        crate::admin::save_agent,
        crate::admin::save_centre_settings,
        crate::notifications::list,
        crate::search::api,
        crate::notifications::mark_read,
        crate::notifications::settings,
        crate::notifications::set_settings,
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
    components(schemas(crate::api::Me, crate::api::LocaleBody, crate::api::KpiReport, crate::admin::NewToken, crate::admin::Token, crate::admin::TokenSummary, crate::admin::Tokens, crate::admin::UserSummary, crate::admin::Users, crate::admin::NewUserBody, crate::admin::CreatedUser, crate::admin::UserPatchBody, crate::admin::CentreSettingsBody, crate::admin::AgentBody, crate::admin::Roster, crate::admin::AgentChange, crate::admin::PasswordBody, crate::admin::TwoFactorStart, crate::admin::TwoFactorCode, crate::admin::TwoFactorOn, crate::search::ContactFound, crate::search::TicketFound, crate::search::AgentFound, crate::search::SearchResult, crate::notifications::NotificationBody, crate::notifications::NotificationList, crate::notifications::ReadBody, crate::notifications::ReadResult, crate::notifications::KindSetting, crate::notifications::NotificationSettings, crate::api::AuditEntry, crate::api::Audit, crate::drill::ContactItem, crate::drill::ContactList, crate::imports::ImportUpload, crate::imports::ImportStarted, crate::imports::ImportCounts, crate::imports::ImportRowError, crate::imports::ImportJobBody, crate::imports::ImportJobs, crate::transcript::QaHit, crate::transcript::TranscriptTurn, crate::transcript::TranscriptBody, crate::evaluations::ScorecardBody, crate::evaluations::NewEvaluationBody, crate::evaluations::EvaluationBody, crate::evaluations::RevisionBody, crate::evaluations::EvaluationList, crate::evaluations::DisputeBody, crate::evaluations::RereviewBody, crate::evaluations::SampleBody, crate::evaluations::SampleResult, crate::evaluations::QueueItem, crate::evaluations::QueueBody, crate::evaluations::NewCalibrationBody, crate::evaluations::CalibrationScoreBody, crate::evaluations::CloseCalibrationBody, crate::evaluations::CalibrationResult, crate::evaluations::CalibrationBody, crate::evaluations::CoachingItem, crate::evaluations::CoachingProblemBody, crate::evaluations::CoachingFlagBody, crate::evaluations::CoachingBody, crate::desk::NewTicketBody, crate::desk::CreatedTicket, crate::desk::TicketBody, crate::desk::TicketList, crate::desk::TicketDetail, crate::desk::TicketSlaClock, crate::desk::TicketEventBody, crate::desk::TicketReturnVisit, crate::desk::TicketActionBody, crate::desk::CategoryNode, crate::desk::CategoryTree, crate::desk::AttachmentUpload, crate::desk::AttachmentBody, crate::desk::DeskConfig, crate::desk::DeskConfigUpdate, crate::desk::NoteBody, crate::desk::TransferBody, crate::desk::StageChangeBody, crate::desk::ReturnVisitBody, crate::desk::TicketKpiRow, crate::desk::TicketKpiTotal, crate::desk::TicketKpis, crate::qa_setup::QaRulesBody, crate::qa_setup::QaRulesUpdate, crate::qa_setup::NewScorecardVersion, crate::qa_setup::SavedScorecard, crate::surveys::SurveyTemplateItem, crate::surveys::SurveyTemplates, crate::surveys::SurveyQuestion, crate::surveys::SurveyTemplateBody, crate::surveys::SavedVersion, crate::surveys::SurveyRule, crate::surveys::SurveyRules, crate::surveys::SurveyRuleInput, crate::surveys::SurveyRulesBody, crate::surveys::DispatchedInvitation, crate::surveys::DispatchResult, crate::surveys::OutboxMessage, crate::surveys::Outbox, crate::surveys::InvitationSent, crate::surveys::Estimate, crate::surveys::SurveyGroup, crate::surveys::StageRating, crate::surveys::PeakEnd, crate::surveys::SurveyMetrics, crate::reviews::ReviewReasonBody, crate::reviews::ReviewReasons, crate::reviews::ReviewReasonInput, crate::reviews::ReviewTaskBody, crate::reviews::ReviewTasks, crate::reviews::CodingBody, crate::reviews::ParetoItem, crate::reviews::ReasonGroupReport, crate::reviews::AgentReview, crate::reviews::ReviewReport, crate::HealthStatus, crate::ProblemDocument)),
    modifiers(&Security),
    security(("token" = []), ("session" = [])),
)]
pub(crate) struct ApiDoc;
