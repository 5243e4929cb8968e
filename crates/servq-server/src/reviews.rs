//! The review of unsatisfied responses: the task list and the coding page for QA inspectors
//! (interaction, transcript, answers, reasons from the two taxonomies), the weekly review report
//! (counts, the Pareto of each taxonomy, per-agent lines; JSON and XLSX), the editable reason
//! lists, and the survey set-up page (template and dispatch rules).

use std::collections::{BTreeMap, HashMap};

use axum::{
    Json,
    extract::{
        Path, Query, State,
        rejection::{JsonRejection, PathRejection, QueryRejection},
    },
    http::HeaderMap,
    response::{IntoResponse, Redirect, Response},
};
use jiff::civil::{Date, Weekday};
use serde::{Deserialize, Serialize};
use serde_json::json;
use servq_core::{Permission, Stage};
use servq_stats::{CoverageRow, coverage_pareto};
use servq_store::{
    CodingRefused, ReasonGroup, ReviewReason, ReviewStatus, ReviewTask, ReviewTaskQuery,
};

use servq_app::surveys::STANDARD_TEMPLATE;

use crate::{
    AppState, Problem,
    auth::CurrentUser,
    exports::{self, Style, XCell},
    i18n::{Locale, t},
    now_ms,
    pages::{Text, render, signed_in_header},
    query_params::{self, add_days, given, path_segment, today},
    surveys::csat_words,
};

/// A review task.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct ReviewTaskBody {
    /// The unsatisfied response (the task's id).
    response_id: String,
    contact_id: String,
    agent_id: String,
    team: String,
    queue: String,
    category: String,
    responded_at: String,
    /// CSAT on the 1–5 scale.
    csat: Option<u8>,
    nps: Option<u8>,
    ces: Option<u8>,
    comment: String,
    /// `open` or `coded`.
    status: String,
    /// Who coded it.
    inspector: String,
    note: String,
    /// Reason ids coded.
    reasons: Vec<String>,
}

impl From<&ReviewTask> for ReviewTaskBody {
    fn from(task: &ReviewTask) -> Self {
        let answers = &task.response.answers;
        ReviewTaskBody {
            response_id: task.response.response_id.clone(),
            contact_id: task.response.contact_id.clone(),
            agent_id: task.response.agent_id.clone(),
            team: task.team.clone(),
            queue: task.queue.clone(),
            category: task.category.clone(),
            responded_at: crate::rfc3339(task.response.responded_ms),
            csat: answers.csat.map(|c| c.value()),
            nps: answers.nps,
            ces: answers.ces,
            comment: answers.comment.clone(),
            status: task.status.name().to_owned(),
            inspector: task.inspector.clone(),
            note: task.note.clone(),
            reasons: task.reasons.clone(),
        }
    }
}

/// `GET /api/v1/reviews`: one page of tasks and the matching counts per status.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct ReviewTasks {
    /// Newest answer first.
    tasks: Vec<ReviewTaskBody>,
    /// Open tasks matching the filters other than `status`.
    open: i64,
    /// Coded tasks matching the filters other than `status`.
    coded: i64,
    offset: i64,
    limit: i64,
}

/// A review reason.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct ReviewReasonBody {
    id: String,
    /// The taxonomy: agent (caused by the agent) or other.
    #[schema(pattern = "^(agent|other)$")]
    group: String,
    name_zh_cn: String,
    name_zh_tw: String,
    name_en: String,
    /// Order within its group.
    position: i64,
    /// Retired reasons stay on coded tasks but are not offered.
    active: bool,
}

impl From<&ReviewReason> for ReviewReasonBody {
    fn from(reason: &ReviewReason) -> Self {
        ReviewReasonBody {
            id: reason.reason_id.clone(),
            group: reason.group.name().to_owned(),
            name_zh_cn: reason.name_zh_cn.clone(),
            name_zh_tw: reason.name_zh_tw.clone(),
            name_en: reason.name_en.clone(),
            position: reason.position,
            active: reason.active,
        }
    }
}

/// `GET /api/v1/review-reasons`.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct ReviewReasons {
    reasons: Vec<ReviewReasonBody>,
}

/// The review list's filters, the same for the API and `/reviews`.
#[derive(Deserialize, Default)]
pub(crate) struct ListParams {
    status: Option<String>,
    agent: Option<String>,
    reason: Option<String>,
    from: Option<String>,
    to: Option<String>,
    offset: Option<i64>,
    limit: Option<i64>,
}

/// The most tasks one request lists.
const MAX_TASKS: i64 = 1000;

/// The store's query for `params`; a bad status or date is a 400 naming it.
async fn task_query(
    state: &AppState,
    user: &CurrentUser,
    params: &ListParams,
    default_limit: i64,
) -> Result<ReviewTaskQuery, Problem> {
    let status = match given(&params.status) {
        None => None,
        Some(name) => Some(ReviewStatus::parse(&name).ok_or_else(|| {
            Problem::bad_request(
                user.locale,
                "bad_status",
                format!("status '{name}' is not open or coded"),
            )
        })?),
    };
    let (_, zone) = state.centre_zone().await?;
    let (from_ms, to_ms) = query_params::day_range_ms(
        user.locale,
        &zone,
        params.from.as_deref(),
        params.to.as_deref(),
    )?;
    Ok(ReviewTaskQuery {
        status,
        agent: given(&params.agent).unwrap_or_default(),
        reason: given(&params.reason).unwrap_or_default(),
        from_ms,
        to_ms,
        offset: params.offset.unwrap_or(0).max(0),
        limit: params.limit.unwrap_or(default_limit).clamp(1, MAX_TASKS),
    })
}

/// `GET /api/v1/reviews?status=&agent=&reason=&from=&to=&offset=&limit=`.
#[utoipa::path(get, path = "/api/v1/reviews", tag = "surveys",
    params(("status" = Option<String>, Query, description = "open or coded (default: both)"),
        ("agent" = Option<String>, Query, description = "An agent id, or part of an agent's name"),
        ("reason" = Option<String>, Query, description = "Only tasks coded with this reason id"),
        ("from" = Option<String>, Query, description = "First day of the answers, YYYY-MM-DD in the centre's zone"),
        ("to" = Option<String>, Query, description = "Last day of the answers, inclusive"),
        ("offset" = Option<i64>, Query, description = "Skip this many (default 0)"),
        ("limit" = Option<i64>, Query, description = "At most this many (default 200, max 1000)")),
    responses((status = 200, body = ReviewTasks),
        (status = 400, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    params: Result<Query<ListParams>, QueryRejection>,
) -> Result<Json<ReviewTasks>, Problem> {
    user.require(Permission::EvaluateQuality)?;
    let Query(params) = params?;
    let query = task_query(&state, &user, &params, 200).await?;
    let page = state
        .store
        .review_task_page(&query)
        .await
        .map_err(Problem::internal)?;
    Ok(Json(ReviewTasks {
        tasks: page.tasks.iter().map(ReviewTaskBody::from).collect(),
        open: page.open,
        coded: page.coded,
        offset: query.offset,
        limit: query.limit,
    }))
}

/// `GET /api/v1/reviews/{id}` (id = the response id).
#[utoipa::path(get, path = "/api/v1/reviews/{id}", tag = "surveys",
    params(("id" = String, Path, description = "Response id")),
    responses((status = 200, body = ReviewTaskBody),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 404, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn one(
    State(state): State<AppState>,
    user: CurrentUser,
    id: Result<Path<String>, PathRejection>,
) -> Result<Json<ReviewTaskBody>, Problem> {
    user.require(Permission::EvaluateQuality)?;
    let Path(id) = id?;
    let task = state
        .store
        .review_task(&id)
        .await
        .map_err(Problem::internal)?
        .ok_or_else(|| Problem::not_found(user.locale))?;
    Ok(Json(ReviewTaskBody::from(&task)))
}

/// `PUT /api/v1/reviews/{id}` body.
#[derive(Deserialize, utoipa::ToSchema)]
pub(crate) struct CodingBody {
    /// Reason ids (active reasons of either taxonomy); at least one.
    #[schema(min_items = 1)]
    reasons: Vec<String>,
    /// The inspector's note (default empty).
    #[serde(default)]
    note: String,
    /// With the reason `wrong_information`: the knowledge-base article version the agent
    /// followed; that version is flagged for review.
    #[serde(default)]
    article: Option<ArticlePointer>,
}

/// A knowledge-base article version.
#[derive(Deserialize, utoipa::ToSchema)]
pub(crate) struct ArticlePointer {
    /// The article's id.
    id: String,
    /// The version (the current one when left out).
    #[serde(default)]
    version: Option<i64>,
}

/// `PUT /api/v1/reviews/{id}` `{"reasons": [...], "note": …}`: codes (or recodes) a task.
#[utoipa::path(put, path = "/api/v1/reviews/{id}", tag = "surveys",
    params(("id" = String, Path, description = "Response id")),
    request_body = CodingBody,
    responses((status = 200, body = ReviewTaskBody),
        (status = 400, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 404, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 415, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 422, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn code(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
    body: Result<Json<CodingBody>, JsonRejection>,
) -> Result<Json<ReviewTaskBody>, Problem> {
    user.require(Permission::EvaluateQuality)?;
    user.check_csrf_header(&headers)?;
    let Path(id) = id?;
    let Json(coding) = body?;
    let article = match &coding.article {
        None => None,
        Some(pointer) => {
            let version = match pointer.version {
                Some(version) => version,
                None => state
                    .store
                    .kb_article(pointer.id.trim())
                    .await
                    .map_err(Problem::internal)?
                    .map_or(0, |article| article.version),
            };
            Some((pointer.id.trim().to_owned(), version))
        }
    };
    let outcome = state
        .store
        .code_review_task(
            &id,
            &coding.reasons,
            coding.note.trim(),
            article
                .as_ref()
                .map(|(id, version)| (id.as_str(), *version)),
            &user.actor(),
            now_ms(),
        )
        .await
        .map_err(Problem::internal)?;
    match outcome {
        Ok(()) => {}
        Err(CodingRefused::UnknownTask) => return Err(Problem::not_found(user.locale)),
        Err(CodingRefused::NoReason) => {
            return Err(Problem::bad_request(
                user.locale,
                "no_reason",
                t(user.locale, "reviews.no_reason"),
            ));
        }
        Err(CodingRefused::UnknownReason(reason)) => {
            return Err(Problem::bad_request(
                user.locale,
                "unknown_reason",
                format!("'{reason}' is not an active reason"),
            ));
        }
        Err(CodingRefused::UnknownArticle(article)) => {
            return Err(Problem::bad_request(
                user.locale,
                "unknown_article",
                format!("{}: {article}", t(user.locale, "reviews.unknown_article")),
            ));
        }
        Err(CodingRefused::ArticleWithoutWrongInformation) => {
            return Err(Problem::bad_request(
                user.locale,
                "article_without_wrong_information",
                t(user.locale, "reviews.article_without_wrong_information"),
            ));
        }
    }
    let task = state
        .store
        .review_task(&id)
        .await
        .map_err(Problem::internal)?
        .ok_or_else(|| Problem::not_found(user.locale))?;
    Ok(Json(ReviewTaskBody::from(&task)))
}

/// `GET /api/v1/review-reasons`: both taxonomies, retired reasons included.
#[utoipa::path(get, path = "/api/v1/review-reasons", tag = "surveys",
    responses((status = 200, body = ReviewReasons),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn reasons(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Json<ReviewReasons>, Problem> {
    user.require(Permission::EvaluateQuality)?;
    let reasons = state
        .store
        .review_reasons()
        .await
        .map_err(Problem::internal)?;
    Ok(Json(ReviewReasons {
        reasons: reasons.iter().map(ReviewReasonBody::from).collect(),
    }))
}

/// `PUT /api/v1/review-reasons/{id}` body.
#[derive(Deserialize, utoipa::ToSchema)]
pub(crate) struct ReviewReasonInput {
    /// The taxonomy: agent (caused by the agent) or other.
    #[schema(pattern = "^(agent|other)$")]
    group: String,
    /// Name in simplified Chinese, 1 to 200 characters.
    name_zh_cn: String,
    /// Name in traditional Chinese, 1 to 200 characters.
    name_zh_tw: String,
    /// Name in English, 1 to 200 characters.
    name_en: String,
    /// Order within its group (default 0).
    #[serde(default)]
    position: i64,
    /// false retires the reason (default true).
    #[serde(default = "yes")]
    active: bool,
}

fn yes() -> bool {
    true
}

/// `PUT /api/v1/review-reasons/{id}`: adds or changes a reason; `active: false` retires it.
#[utoipa::path(put, path = "/api/v1/review-reasons/{id}", tag = "surveys",
    params(("id" = String, Path, description = "Reason id")),
    request_body = ReviewReasonInput,
    responses((status = 200, body = ReviewReasonBody),
        (status = 400, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 415, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 422, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn save_reason(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
    body: Result<Json<ReviewReasonInput>, JsonRejection>,
) -> Result<Json<ReviewReasonBody>, Problem> {
    user.require(Permission::ManageSurveys)?;
    user.check_csrf_header(&headers)?;
    let Path(id) = id?;
    let Json(body) = body?;
    let bad = |detail: &str| Problem::bad_request(user.locale, "bad_reason", detail.to_owned());
    let id = id.trim();
    if id.is_empty()
        || id.len() > 64
        || !id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        return Err(bad("the id must be 1 to 64 letters, digits, _ or -"));
    }
    let group =
        ReasonGroup::parse(body.group.trim()).ok_or_else(|| bad("group must be agent or other"))?;
    let names = [&body.name_zh_cn, &body.name_zh_tw, &body.name_en];
    if names
        .iter()
        .any(|name| name.trim().is_empty() || name.chars().count() > 200)
    {
        return Err(bad(
            "every name (name_zh_cn, name_zh_tw, name_en) needs 1 to 200 characters",
        ));
    }
    let reason = ReviewReason {
        reason_id: id.to_owned(),
        group,
        name_zh_cn: body.name_zh_cn.trim().to_owned(),
        name_zh_tw: body.name_zh_tw.trim().to_owned(),
        name_en: body.name_en.trim().to_owned(),
        position: body.position,
        active: body.active,
    };
    state
        .store
        .save_review_reason(&reason, &user.actor(), now_ms())
        .await
        .map_err(Problem::internal)?;
    Ok(Json(ReviewReasonBody::from(&reason)))
}

// ---------------------------------------------------------------------------------------------
// The weekly report

/// One taxonomy's part of a weekly report.
struct GroupReport {
    /// Coded calls with at least one reason of the group.
    calls: usize,
    /// Reasons given (a call may give several).
    items: usize,
    pareto: Vec<CoverageRow>,
}

struct AgentLine {
    team: String,
    unsatisfied: usize,
    coded: usize,
    agent_caused: usize,
    reasons: BTreeMap<String, usize>,
}

/// The weekly review report (docs/surveys.md#weekly-review-report).
struct WeeklyReport {
    start: Date,
    unsatisfied: usize,
    coded: usize,
    both: usize,
    agent: GroupReport,
    other: GroupReport,
    agents: BTreeMap<String, AgentLine>,
    names: HashMap<String, String>,
}

impl WeeklyReport {
    fn build(start: Date, tasks: &[ReviewTask], reasons: &[ReviewReason], locale: Locale) -> Self {
        let group_of: HashMap<&str, ReasonGroup> = reasons
            .iter()
            .map(|reason| (reason.reason_id.as_str(), reason.group))
            .collect();
        let names: HashMap<String, String> = reasons
            .iter()
            .map(|reason| {
                (
                    reason.reason_id.clone(),
                    reason.name(locale.tag()).to_owned(),
                )
            })
            .collect();
        let coded: Vec<&ReviewTask> = tasks
            .iter()
            .filter(|task| task.status == ReviewStatus::Coded)
            .collect();
        let of_group = |group: ReasonGroup| -> Vec<Vec<&str>> {
            coded
                .iter()
                .map(|task| {
                    task.reasons
                        .iter()
                        .map(String::as_str)
                        .filter(|reason| group_of.get(reason) == Some(&group))
                        .collect()
                })
                .collect()
        };
        let group_report = |cases: Vec<Vec<&str>>| GroupReport {
            calls: cases.iter().filter(|c| !c.is_empty()).count(),
            items: cases.iter().map(Vec::len).sum(),
            pareto: coverage_pareto(&cases),
        };
        let agent_cases = of_group(ReasonGroup::Agent);
        let other_cases = of_group(ReasonGroup::Other);
        let both = agent_cases
            .iter()
            .zip(&other_cases)
            .filter(|(a, o)| !a.is_empty() && !o.is_empty())
            .count();
        let mut agents: BTreeMap<String, AgentLine> = BTreeMap::new();
        for task in tasks {
            let line = agents
                .entry(task.response.agent_id.clone())
                .or_insert_with(|| AgentLine {
                    team: task.team.clone(),
                    unsatisfied: 0,
                    coded: 0,
                    agent_caused: 0,
                    reasons: BTreeMap::new(),
                });
            line.unsatisfied += 1;
            if task.status == ReviewStatus::Coded {
                line.coded += 1;
                let own: Vec<&String> = task
                    .reasons
                    .iter()
                    .filter(|r| group_of.get(r.as_str()) == Some(&ReasonGroup::Agent))
                    .collect();
                line.agent_caused += usize::from(!own.is_empty());
                for reason in own {
                    *line.reasons.entry(reason.clone()).or_default() += 1;
                }
            }
        }
        WeeklyReport {
            start,
            unsatisfied: tasks.len(),
            coded: coded.len(),
            both,
            agent: group_report(agent_cases),
            other: group_report(other_cases),
            agents,
            names,
        }
    }

    fn name<'a>(&'a self, reason_id: &'a str) -> &'a str {
        self.names.get(reason_id).map_or(reason_id, String::as_str)
    }

    fn top_reason(&self, line: &AgentLine) -> Option<String> {
        line.reasons
            .iter()
            .max_by(|a, b| a.1.cmp(b.1).then_with(|| b.0.cmp(a.0)))
            .map(|(reason, _)| self.name(reason).to_owned())
    }

    fn group_body(&self, group: &GroupReport) -> ReasonGroupReport {
        ReasonGroupReport {
            calls: group.calls,
            items: group.items,
            pareto: group
                .pareto
                .iter()
                .map(|row| ParetoItem {
                    reason_id: row.name.clone(),
                    name: self.name(&row.name).to_owned(),
                    calls: row.cases,
                    share: row.share,
                    cumulative_calls: row.cumulative_cases,
                    cumulative_share: row.cumulative_share,
                })
                .collect(),
        }
    }

    /// The report as `GET /api/v1/reviews/report` writes it.
    fn body(&self) -> ReviewReport {
        ReviewReport {
            week_start: self.start.to_string(),
            week_end: add_days(self.start, 6).to_string(),
            unsatisfied: self.unsatisfied,
            coded: self.coded,
            open: self.unsatisfied - self.coded,
            both: self.both,
            agent_caused: self.group_body(&self.agent),
            not_agent_caused: self.group_body(&self.other),
            agents: self
                .agents
                .iter()
                .map(|(agent, line)| AgentReview {
                    agent_id: agent.clone(),
                    team: line.team.clone(),
                    unsatisfied: line.unsatisfied,
                    coded: line.coded,
                    agent_caused: line.agent_caused,
                    top_reason: self.top_reason(line),
                })
                .collect(),
        }
    }

    /// The report as an XLSX workbook in the user's language: a summary sheet, one sheet per
    /// taxonomy's Pareto and the agents' lines, each a table with a bold, frozen, filterable
    /// header; shares in `0.0%`, counts in `#,##0`, the week's Monday an Excel date.
    fn xlsx(&self, locale: Locale) -> anyhow::Result<Vec<u8>> {
        let label = |key: &str| t(locale, key);
        let mut workbook = rust_xlsxwriter::Workbook::new();
        let bold = rust_xlsxwriter::Format::new().set_bold();
        let count = rust_xlsxwriter::Format::new().set_num_format("#,##0");
        let date = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
        let summary = workbook.add_worksheet();
        summary.set_name("summary")?;
        summary.write_string_with_format(0, 0, label("reviews.week"), &bold)?;
        match exports::excel_date(self.start) {
            Some(monday) => summary.write_datetime_with_format(0, 1, monday, &date)?,
            None => summary.write_string(0, 1, self.start.to_string())?,
        };
        let counts = [
            (label("reviews.unsatisfied"), self.unsatisfied),
            (label("reviews.coded"), self.coded),
            (label("reviews.agent_calls"), self.agent.calls),
            (label("reviews.agent_items"), self.agent.items),
            (label("reviews.other_calls"), self.other.calls),
            (label("reviews.other_items"), self.other.items),
            (label("reviews.both"), self.both),
        ];
        for (index, (name, value)) in counts.iter().enumerate() {
            let row = index as u32 + 1;
            summary.write_string_with_format(row, 0, name.as_str(), &bold)?;
            summary.write_number_with_format(row, 1, *value as f64, &count)?;
        }
        summary.autofit();
        for (sheet_name, group) in [
            ("agent_reasons", &self.agent),
            ("other_reasons", &self.other),
        ] {
            let worksheet = workbook.add_worksheet();
            worksheet.set_name(sheet_name)?;
            let header = [
                label("reviews.reason"),
                label("reviews.calls"),
                label("reviews.share"),
                label("reviews.cumulative_calls"),
                label("reviews.cumulative_share"),
            ];
            let mut sheet = exports::Sheet::new(worksheet, &header)?;
            for row in &group.pareto {
                sheet.row([
                    XCell::Text(self.name(&row.name).into()),
                    XCell::Number(row.cases as f64, Style::Count),
                    XCell::Number(row.share, Style::Percent),
                    XCell::Number(row.cumulative_cases as f64, Style::Count),
                    XCell::Number(row.cumulative_share, Style::Percent),
                ])?;
            }
            sheet.finish()?;
        }
        let worksheet = workbook.add_worksheet();
        worksheet.set_name("agents")?;
        let header = [
            label("dimension.agent"),
            label("dimension.team"),
            label("reviews.unsatisfied"),
            label("reviews.coded"),
            label("reviews.agent_calls"),
            label("reviews.top_reason"),
        ];
        let mut sheet = exports::Sheet::new(worksheet, &header)?;
        for (agent, line) in &self.agents {
            sheet.row([
                XCell::Text(agent.as_str().into()),
                XCell::Text(line.team.as_str().into()),
                XCell::Number(line.unsatisfied as f64, Style::Count),
                XCell::Number(line.coded as f64, Style::Count),
                XCell::Number(line.agent_caused as f64, Style::Count),
                XCell::Text(self.top_reason(line).unwrap_or_default().into()),
            ])?;
        }
        sheet.finish()?;
        Ok(workbook.save_to_buffer()?)
    }
}

/// A Pareto row.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct ParetoItem {
    reason_id: String,
    /// In the user's language.
    name: String,
    /// Calls citing it.
    calls: usize,
    /// calls / calls with a reason of the taxonomy.
    share: f64,
    /// Calls citing this reason or a more frequent one.
    cumulative_calls: usize,
    cumulative_share: f64,
}

/// One taxonomy's part of the report.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct ReasonGroupReport {
    /// Coded calls with at least one reason of the taxonomy.
    calls: usize,
    /// Reasons given (a call may give several).
    items: usize,
    pareto: Vec<ParetoItem>,
}

/// An agent's line of the report.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct AgentReview {
    agent_id: String,
    team: String,
    unsatisfied: usize,
    coded: usize,
    /// Coded calls with an agent-caused reason.
    agent_caused: usize,
    /// The most frequent agent-caused reason, in the user's language.
    top_reason: Option<String>,
}

/// `GET /api/v1/reviews/report`.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct ReviewReport {
    week_start: String,
    week_end: String,
    unsatisfied: usize,
    coded: usize,
    open: usize,
    /// Coded calls with reasons of both taxonomies.
    both: usize,
    agent_caused: ReasonGroupReport,
    not_agent_caused: ReasonGroupReport,
    agents: Vec<AgentReview>,
}

#[derive(Deserialize)]
pub(crate) struct ReportParams {
    week: Option<String>,
    format: Option<String>,
}

/// The week's report: the Monday-to-Sunday week (centre zone) holding `week` (default: last
/// week), over responses received in it.
async fn weekly_report(
    state: &AppState,
    user: &CurrentUser,
    week: Option<&str>,
) -> Result<WeeklyReport, Problem> {
    user.require(Permission::ViewAllKpis)?;
    let (_, zone) = state.centre_zone().await?;
    let day = match week.map(str::trim).filter(|w| !w.is_empty()) {
        Some(text) => query_params::parse_date(user.locale, text)?,
        None => add_days(today(&zone), -7),
    };
    let start = add_days(day, -i64::from(day.weekday().to_monday_zero_offset()));
    debug_assert_eq!(start.weekday(), Weekday::Monday);
    let from_ms = query_params::day_start_ms(user.locale, &zone, start, 0)?;
    let to_ms = query_params::day_start_ms(user.locale, &zone, start, 7)?;
    let tasks = state
        .store
        .review_tasks_between(from_ms, to_ms)
        .await
        .map_err(Problem::internal)?;
    let reasons = state
        .store
        .review_reasons()
        .await
        .map_err(Problem::internal)?;
    Ok(WeeklyReport::build(start, &tasks, &reasons, user.locale))
}

/// `GET /api/v1/reviews/report?week=YYYY-MM-DD&format=json|xlsx`.
#[utoipa::path(get, path = "/api/v1/reviews/report", tag = "surveys",
    params(("week" = Option<String>, Query, description = "Any day of the week (default: last week)"),
        ("format" = Option<String>, Query, description = "json (default) or xlsx")),
    responses((status = 200, body = ReviewReport),
        (status = 400, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn report(
    State(state): State<AppState>,
    user: CurrentUser,
    params: Result<Query<ReportParams>, QueryRejection>,
) -> Result<Response, Problem> {
    let Query(params) = params?;
    let report = weekly_report(&state, &user, params.week.as_deref()).await?;
    match params.format.as_deref().map(str::trim) {
        None | Some("") | Some("json") => Ok(Json(report.body()).into_response()),
        Some("xlsx") => {
            let bytes = report.xlsx(user.locale).map_err(Problem::internal)?;
            let localized = format!(
                "{} {}.xlsx",
                t(user.locale, "reviews.report_title"),
                report.start
            );
            Ok(exports::download(
                exports::XLSX_TYPE,
                &format!("review-{}.xlsx", report.start),
                Some(&localized),
                bytes,
            ))
        }
        Some(other) => Err(Problem::bad_request(
            user.locale,
            "unknown_format",
            format!("format '{other}' is not json or xlsx"),
        )),
    }
}

// ---------------------------------------------------------------------------------------------
// Pages

/// Tasks on one page of `/reviews`.
const PAGE_SIZE: i64 = 50;

/// `/reviews`: every task, newest answer first, 50 to a page, with the counts per status as
/// tabs and filters by agent (id or name), reason and days; a bad filter value is shown on the
/// page beside the form.
pub(crate) async fn reviews_page(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    params: Result<Query<ListParams>, QueryRejection>,
) -> Result<Response, Problem> {
    let Some(user) = user else {
        return Ok(Redirect::to("/login").into_response());
    };
    user.require(Permission::EvaluateQuality)?;
    let locale = user.locale;
    let Query(params) = params?;
    let page_number = params.offset.unwrap_or(0).max(0) / PAGE_SIZE + 1;
    let (query, problem) = match task_query(&state, &user, &params, PAGE_SIZE).await {
        Ok(query) => (query, None),
        Err(problem) => (
            ReviewTaskQuery {
                limit: PAGE_SIZE,
                ..ReviewTaskQuery::default()
            },
            Some(problem.message_or_detail()),
        ),
    };
    let query = ReviewTaskQuery {
        limit: PAGE_SIZE,
        offset: (page_number - 1) * PAGE_SIZE,
        ..query
    };
    let found = state
        .store
        .review_task_page(&query)
        .await
        .map_err(Problem::internal)?;
    let reasons = state
        .store
        .review_reasons()
        .await
        .map_err(Problem::internal)?;
    let agents = crate::pages::AgentNames::load(&state).await?;
    let (_, zone) = state.centre_zone().await?;
    let names: HashMap<&str, &str> = reasons
        .iter()
        .map(|r| (r.reason_id.as_str(), r.name(locale.tag())))
        .collect();
    let tasks: Vec<TaskRow> = found
        .tasks
        .iter()
        .map(|task| TaskRow {
            response_id: task.response.response_id.clone(),
            href: path_segment(&task.response.response_id),
            status: task.status.name(),
            responded: crate::desk_pages::local_time(&zone, Some(task.response.responded_ms)),
            contact_id: task.response.contact_id.clone(),
            agent: agents.label(&task.response.agent_id),
            csat: csat_words(locale, task.response.answers.csat),
            comment: task.response.answers.comment.clone(),
            reasons: task
                .reasons
                .iter()
                .map(|r| names.get(r.as_str()).copied().unwrap_or(r.as_str()))
                .collect::<Vec<_>>()
                .join("、"),
        })
        .collect();
    let text = |value: &Option<String>| value.clone().unwrap_or_default();
    let filters = ReviewFilters {
        status: text(&params.status),
        agent: text(&params.agent),
        reason: text(&params.reason),
        from: text(&params.from),
        to: text(&params.to),
    };
    let matching = match query.status {
        Some(ReviewStatus::Open) => found.open,
        Some(ReviewStatus::Coded) => found.coded,
        None => found.open + found.coded,
    };
    let pages = ((matching + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
    let link = |status: &str, page: i64| {
        let mut pairs: Vec<(&str, String)> = vec![];
        if !status.is_empty() {
            pairs.push(("status", status.to_owned()));
        }
        for (key, value) in [
            ("agent", &filters.agent),
            ("reason", &filters.reason),
            ("from", &filters.from),
            ("to", &filters.to),
        ] {
            if !value.is_empty() {
                pairs.push((key, value.clone()));
            }
        }
        if page > 1 {
            pairs.push(("offset", ((page - 1) * PAGE_SIZE).to_string()));
        }
        format!("/reviews?{}", query_params::query_string(&pairs))
    };
    let current_status = query.status.map_or("", ReviewStatus::name);
    let tabs = [
        ("", found.open + found.coded),
        ("open", found.open),
        ("coded", found.coded),
    ]
    .into_iter()
    .map(|(status, count)| StatusTab {
        label_key: if status.is_empty() {
            "reviews.all".to_owned()
        } else {
            format!("reviews.status_{status}")
        },
        count: crate::pages::thousands(count),
        href: link(status, 1),
        current: status == current_status,
    })
    .collect();
    let previous = (page_number > 1).then(|| link(current_status, page_number - 1));
    let next = (page_number < pages).then(|| link(current_status, page_number + 1));
    let first = (page_number > 2).then(|| link(current_status, 1));
    let last = (page_number + 1 < pages).then(|| link(current_status, pages));
    let page = ReviewListPage {
        i18n: Text::new(locale),
        title: t(locale, "reviews.title"),
        header: signed_in_header(&user),
        csrf: user.csrf_token(),
        tasks,
        tabs,
        reasons: reasons
            .iter()
            .map(|r| (r.reason_id.clone(), r.name(locale.tag()).to_owned()))
            .collect(),
        filters,
        problem,
        page_number,
        pages,
        previous,
        next,
        first,
        last,
    };
    Ok(render(&page)?.into_response())
}

/// One line of the task list.
struct TaskRow {
    response_id: String,
    /// The response id as a path segment.
    href: String,
    status: &'static str,
    /// When the customer answered, in the centre's zone.
    responded: String,
    contact_id: String,
    /// "name (id)".
    agent: String,
    csat: String,
    comment: String,
    /// The reasons' names in the page's language.
    reasons: String,
}

/// A status tab of the list: all, open, coded — each with its count.
struct StatusTab {
    label_key: String,
    count: String,
    href: String,
    current: bool,
}

/// The filters as given, to refill the form.
struct ReviewFilters {
    status: String,
    agent: String,
    reason: String,
    from: String,
    to: String,
}

#[derive(askama::Template)]
#[template(path = "review_list.html")]
struct ReviewListPage<'a> {
    i18n: Text,
    title: String,
    header: String,
    csrf: &'a str,
    tasks: Vec<TaskRow>,
    tabs: Vec<StatusTab>,
    /// (id, name) of every reason, for the filter.
    reasons: Vec<(String, String)>,
    filters: ReviewFilters,
    /// A filter that could not be read, said in the user's language.
    problem: Option<String>,
    page_number: i64,
    pages: i64,
    previous: Option<String>,
    next: Option<String>,
    first: Option<String>,
    last: Option<String>,
}

/// `/reviews/{id}`: the interaction, its transcript and answers, and the reason form.
pub(crate) async fn review_page(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    id: Result<Path<String>, PathRejection>,
) -> Result<Response, Problem> {
    let Some(user) = user else {
        return Ok(Redirect::to("/login").into_response());
    };
    user.require(Permission::EvaluateQuality)?;
    let locale = user.locale;
    let Path(id) = id?;
    let task = state
        .store
        .review_task(&id)
        .await
        .map_err(Problem::internal)?
        .ok_or_else(|| Problem::not_found(locale))?;
    let answers = &task.response.answers;
    let mut ratings: Vec<(String, String)> = [("NPS", answers.nps), ("CES", answers.ces)]
        .into_iter()
        .filter_map(|(name, value)| value.map(|value| (name.to_owned(), value.to_string())))
        .collect();
    for stage in Stage::ALL {
        if let Some(rating) = answers.stage(stage) {
            ratings.push((
                t(locale, &format!("surveys.stage_{}", stage.name())),
                rating.to_string(),
            ));
        }
    }
    let reasons = state
        .store
        .review_reasons()
        .await
        .map_err(Problem::internal)?;
    let fieldsets: Vec<ReasonFieldset> = [
        (ReasonGroup::Agent, "reviews.agent_reasons"),
        (ReasonGroup::Other, "reviews.other_reasons"),
    ]
    .into_iter()
    .map(|(group, legend_key)| ReasonFieldset {
        legend_key,
        reasons: reasons
            .iter()
            .filter(|r| r.group == group && (r.active || task.reasons.contains(&r.reason_id)))
            .map(|reason| ReasonChoice {
                id: reason.reason_id.clone(),
                name: reason.name(locale.tag()).to_owned(),
                checked: task.reasons.contains(&reason.reason_id),
            })
            .collect(),
    })
    .collect();
    let transcript = state
        .store
        .transcript(&task.response.contact_id)
        .await
        .map_err(Problem::internal)?
        .map(|transcript| crate::transcript::transcript_html(locale, &transcript, None));
    let flag = state
        .store
        .kb_review_task_flag(&task.response.response_id)
        .await
        .map_err(Problem::internal)?;
    let page = ReviewTaskPage {
        article_id: flag
            .as_ref()
            .map(|f| f.article_id.clone())
            .unwrap_or_default(),
        article_version: flag
            .as_ref()
            .map(|f| f.version.to_string())
            .unwrap_or_default(),
        i18n: Text::new(locale),
        title: t(locale, "reviews.task_title"),
        header: signed_in_header(&user),
        csrf: user.csrf_token(),
        contact_href: path_segment(&task.response.contact_id),
        contact_id: task.response.contact_id.clone(),
        agent_id: task.response.agent_id.clone(),
        queue: task.queue.clone(),
        category: task.category.clone(),
        csat: csat_words(locale, answers.csat),
        ratings,
        comment: answers.comment.clone(),
        fieldsets,
        note: task.note.clone(),
        response_href: path_segment(&task.response.response_id),
        transcript,
    };
    Ok(render(&page)?.into_response())
}

/// One taxonomy's checkboxes on the coding form.
struct ReasonFieldset {
    legend_key: &'static str,
    reasons: Vec<ReasonChoice>,
}

struct ReasonChoice {
    id: String,
    /// In the page's language.
    name: String,
    checked: bool,
}

#[derive(askama::Template)]
#[template(path = "review_task.html")]
struct ReviewTaskPage<'a> {
    i18n: Text,
    title: String,
    header: String,
    csrf: &'a str,
    /// The contact id as a path segment.
    contact_href: String,
    contact_id: String,
    agent_id: String,
    queue: String,
    category: String,
    csat: String,
    /// NPS, CES and the stage ratings given: (label, rating).
    ratings: Vec<(String, String)>,
    comment: String,
    fieldsets: Vec<ReasonFieldset>,
    note: String,
    /// The response id as a path segment.
    response_href: String,
    /// The rendered transcript, if the contact has one.
    transcript: Option<String>,
    /// The article version this task flagged ('' for none).
    article_id: String,
    article_version: String,
}

fn pareto_rows(report: &WeeklyReport, group: &GroupReport) -> Vec<ParetoRow> {
    group
        .pareto
        .iter()
        .map(|row| ParetoRow {
            reason_id: row.name.clone(),
            name: report.name(&row.name).to_owned(),
            calls: row.cases,
            share: format!("{:.2}%", row.share * 100.0),
            cumulative_calls: row.cumulative_cases,
            cumulative_share: format!("{:.2}%", row.cumulative_share * 100.0),
        })
        .collect()
}

/// `/reviews/report?week=`: the weekly review report.
pub(crate) async fn report_page(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    params: Result<Query<ReportParams>, QueryRejection>,
) -> Result<Response, Problem> {
    let Some(user) = user else {
        return Ok(Redirect::to("/login").into_response());
    };
    let Query(params) = params?;
    let report = weekly_report(&state, &user, params.week.as_deref()).await?;
    let locale = user.locale;
    let agent_pareto = &report.agent.pareto;
    let top_summary = agent_pareto
        .get(4.min(agent_pareto.len().saturating_sub(1)))
        .map(|fifth| {
            t(locale, "reviews.top_summary")
                .replace("{k}", &agent_pareto.len().min(5).to_string())
                .replace("{calls}", &fifth.cumulative_cases.to_string())
                .replace("{total}", &report.agent.calls.to_string())
                .replace("{share}", &format!("{:.2}", fifth.cumulative_share * 100.0))
        });
    let page = ReviewReportPage {
        i18n: Text::new(locale),
        title: t(locale, "reviews.report_title"),
        header: signed_in_header(&user),
        csrf: user.csrf_token(),
        week_start: report.start.to_string(),
        week_end: add_days(report.start, 6).to_string(),
        counts: vec![
            ("unsatisfied", report.unsatisfied),
            ("coded", report.coded),
            ("agent_calls", report.agent.calls),
            ("agent_items", report.agent.items),
            ("other_calls", report.other.calls),
            ("other_items", report.other.items),
            ("both", report.both),
        ],
        top_summary,
        paretos: vec![
            ParetoTable {
                heading_key: "reviews.agent_reasons",
                id: "agent-pareto",
                rows: pareto_rows(&report, &report.agent),
            },
            ParetoTable {
                heading_key: "reviews.other_reasons",
                id: "other-pareto",
                rows: pareto_rows(&report, &report.other),
            },
        ],
        agents: report
            .agents
            .iter()
            .map(|(agent, line)| AgentRow {
                agent_id: agent.clone(),
                team: line.team.clone(),
                unsatisfied: line.unsatisfied,
                coded: line.coded,
                agent_caused: line.agent_caused,
                top_reason: report.top_reason(line).unwrap_or_default(),
            })
            .collect(),
    };
    Ok(render(&page)?.into_response())
}

/// One taxonomy's Pareto table on the report page.
struct ParetoTable {
    heading_key: &'static str,
    /// The table's element id.
    id: &'static str,
    rows: Vec<ParetoRow>,
}

struct ParetoRow {
    reason_id: String,
    /// In the page's language.
    name: String,
    calls: usize,
    /// Percent with two decimals and the sign.
    share: String,
    cumulative_calls: usize,
    /// Percent with two decimals and the sign.
    cumulative_share: String,
}

struct AgentRow {
    agent_id: String,
    team: String,
    unsatisfied: usize,
    coded: usize,
    agent_caused: usize,
    top_reason: String,
}

#[derive(askama::Template)]
#[template(path = "review_report.html")]
struct ReviewReportPage<'a> {
    i18n: Text,
    title: String,
    header: String,
    csrf: &'a str,
    week_start: String,
    week_end: String,
    /// (name, count); the label is `reviews.{name}`.
    counts: Vec<(&'static str, usize)>,
    /// "The top k reasons explain …", when any agent-caused reason was given.
    top_summary: Option<String>,
    paretos: Vec<ParetoTable>,
    agents: Vec<AgentRow>,
}

/// `/surveys/setup`: the standard template, the dispatch rules and the reason lists.
pub(crate) async fn setup_page(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
) -> Result<Response, Problem> {
    let Some(user) = user else {
        return Ok(Redirect::to("/login").into_response());
    };
    user.require(Permission::ManageSurveys)?;
    let locale = user.locale;
    let (_, template) = servq_app::surveys::template(&state.store, STANDARD_TEMPLATE, None)
        .await
        .map_err(Problem::internal)?
        .ok_or_else(|| Problem::internal("the standard template is missing"))?;
    let template_json = serde_json::to_string_pretty(&template).map_err(Problem::internal)?;
    let rules = state
        .store
        .survey_rules()
        .await
        .map_err(Problem::internal)?;
    let rules_value = json!({"rules": servq_app::surveys::rules_json(&rules)});
    let rules_json = serde_json::to_string_pretty(&rules_value).map_err(Problem::internal)?;
    let reasons = state
        .store
        .review_reasons()
        .await
        .map_err(Problem::internal)?;
    // the existing reasons, then an empty line for a new one
    let row = |reason: Option<&ReviewReason>, index: usize| {
        let value = |f: fn(&ReviewReason) -> &str| reason.map_or("", f).to_owned();
        let group = reason.map_or(ReasonGroup::Agent, |r| r.group);
        ReasonRow {
            index,
            id: value(|r| &r.reason_id),
            readonly: reason.is_some(),
            groups: [ReasonGroup::Agent, ReasonGroup::Other]
                .into_iter()
                .map(|g| GroupOption {
                    value: g.name(),
                    selected: g == group,
                })
                .collect(),
            name_zh_cn: value(|r| &r.name_zh_cn),
            name_zh_tw: value(|r| &r.name_zh_tw),
            name_en: value(|r| &r.name_en),
            position: reason.map_or(reasons.len() as i64 + 1, |r| r.position),
            active: reason.is_none_or(|r| r.active),
        }
    };
    let mut rows: Vec<ReasonRow> = reasons
        .iter()
        .enumerate()
        .map(|(index, reason)| row(Some(reason), index))
        .collect();
    rows.push(row(None, reasons.len()));
    let page = SurveysSetupPage {
        i18n: Text::new(locale),
        title: t(locale, "surveys.setup_title"),
        header: signed_in_header(&user),
        csrf: user.csrf_token(),
        template_id: STANDARD_TEMPLATE,
        template_island: crate::pages::script_json(
            &serde_json::to_value(&template).map_err(Problem::internal)?,
        ),
        template_json,
        rules_island: crate::pages::script_json(&rules_value),
        rules_json,
        reasons: rows,
        editor_strings: crate::pages::catalogue_island(locale, "editor."),
    };
    Ok(render(&page)?.into_response())
}

/// One editable reason (or the empty line for a new one) on the set-up page.
struct ReasonRow {
    /// Numbers the line's element id `reason-{index}`.
    index: usize,
    id: String,
    /// Existing reasons keep their id.
    readonly: bool,
    groups: Vec<GroupOption>,
    name_zh_cn: String,
    name_zh_tw: String,
    name_en: String,
    position: i64,
    active: bool,
}

/// A taxonomy in a reason's group select; the label is `surveys.group_{value}`.
struct GroupOption {
    value: &'static str,
    selected: bool,
}

#[derive(askama::Template)]
#[template(path = "surveys_setup.html")]
struct SurveysSetupPage<'a> {
    i18n: Text,
    title: String,
    header: String,
    csrf: &'a str,
    /// The standard template's id, in its save URL.
    template_id: &'static str,
    template_json: String,
    /// The template for the form editor.
    template_island: String,
    rules_json: String,
    /// The dispatch rules for the form editor.
    rules_island: String,
    reasons: Vec<ReasonRow>,
    /// The editors' texts.
    editor_strings: String,
}
