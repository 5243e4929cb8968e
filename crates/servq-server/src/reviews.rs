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
    http::{HeaderMap, header},
    response::{IntoResponse, Redirect, Response},
};
use jiff::civil::{Date, Weekday};
use serde::Deserialize;
use serde_json::{Value, json};
use servq_core::{Permission, Stage};
use servq_stats::{CoverageRow, coverage_pareto};
use servq_store::{CodingRefused, ReasonGroup, ReviewReason, ReviewTask};

use servq_app::surveys::STANDARD_TEMPLATE;

use crate::{
    AppState, Problem,
    auth::CurrentUser,
    i18n::{Locale, t},
    now_ms,
    pages::{Text, escape, render, signed_in_header},
    query_params::{self, add_days, path_segment, today},
    surveys::csat_words,
};

fn task_json(task: &ReviewTask) -> Value {
    let answers = &task.response.answers;
    json!({
        "response_id": task.response.response_id,
        "contact_id": task.response.contact_id,
        "agent_id": task.response.agent_id,
        "team": task.team,
        "queue": task.queue,
        "category": task.category,
        "responded_at": crate::rfc3339(task.response.responded_ms),
        "csat": answers.csat.map(|c| c.value()),
        "nps": answers.nps,
        "ces": answers.ces,
        "comment": answers.comment,
        "status": task.status,
        "inspector": task.inspector,
        "note": task.note,
        "reasons": task.reasons,
    })
}

fn reason_json(reason: &ReviewReason) -> Value {
    json!({
        "id": reason.reason_id, "group": reason.group.name(),
        "name_zh_cn": reason.name_zh_cn, "name_zh_tw": reason.name_zh_tw, "name_en": reason.name_en,
        "position": reason.position, "active": reason.active,
    })
}

#[derive(Deserialize)]
pub(crate) struct ListParams {
    status: Option<String>,
    limit: Option<i64>,
}

/// `GET /api/v1/reviews?status=open|coded&limit=`.
#[utoipa::path(get, path = "/api/v1/reviews", tag = "surveys",
    params(("status" = Option<String>, Query, description = "open or coded (default: both)"),
        ("limit" = Option<i64>, Query, description = "At most this many (default 200, max 1000)")),
    responses((status = 200, body = crate::openapi::ReviewTasks),
        (status = 400, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 401, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 403, body = crate::openapi::Problem, content_type = "application/problem+json")))]
pub(crate) async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    params: Result<Query<ListParams>, QueryRejection>,
) -> Result<Json<Value>, Problem> {
    user.require(Permission::EvaluateQuality)?;
    let Query(params) = params?;
    let status = params
        .status
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    if let Some(status) = status
        && !["open", "coded"].contains(&status)
    {
        return Err(Problem::bad_request(
            user.locale,
            "bad_status",
            format!("status '{status}' is not open or coded"),
        ));
    }
    let tasks = state
        .store
        .review_tasks(status, params.limit.unwrap_or(200).clamp(1, 1000))
        .await
        .map_err(Problem::internal)?;
    Ok(Json(
        json!({"tasks": tasks.iter().map(task_json).collect::<Vec<_>>()}),
    ))
}

/// `GET /api/v1/reviews/{id}` (id = the response id).
#[utoipa::path(get, path = "/api/v1/reviews/{id}", tag = "surveys",
    params(("id" = String, Path, description = "Response id")),
    responses((status = 200, body = crate::openapi::ReviewTaskBody),
        (status = 401, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 403, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::openapi::Problem, content_type = "application/problem+json")))]
pub(crate) async fn one(
    State(state): State<AppState>,
    user: CurrentUser,
    id: Result<Path<String>, PathRejection>,
) -> Result<Json<Value>, Problem> {
    user.require(Permission::EvaluateQuality)?;
    let Path(id) = id?;
    let task = state
        .store
        .review_task(&id)
        .await
        .map_err(Problem::internal)?
        .ok_or_else(|| Problem::not_found(user.locale))?;
    Ok(Json(task_json(&task)))
}

#[derive(Deserialize)]
pub(crate) struct Coding {
    reasons: Vec<String>,
    #[serde(default)]
    note: String,
}

/// `PUT /api/v1/reviews/{id}` `{"reasons": [...], "note": …}`: codes (or recodes) a task.
#[utoipa::path(put, path = "/api/v1/reviews/{id}", tag = "surveys",
    params(("id" = String, Path, description = "Response id")),
    request_body = crate::openapi::CodingBody,
    responses((status = 200, body = crate::openapi::ReviewTaskBody),
        (status = 400, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 401, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 403, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 415, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 422, body = crate::openapi::Problem, content_type = "application/problem+json")))]
pub(crate) async fn code(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
    body: Result<Json<Coding>, JsonRejection>,
) -> Result<Json<Value>, Problem> {
    user.require(Permission::EvaluateQuality)?;
    user.check_csrf_header(&headers)?;
    let Path(id) = id?;
    let Json(coding) = body?;
    let outcome = state
        .store
        .code_review_task(
            &id,
            &coding.reasons,
            coding.note.trim(),
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
    }
    let task = state
        .store
        .review_task(&id)
        .await
        .map_err(Problem::internal)?
        .ok_or_else(|| Problem::not_found(user.locale))?;
    Ok(Json(task_json(&task)))
}

/// `GET /api/v1/review-reasons`: both taxonomies, retired reasons included.
#[utoipa::path(get, path = "/api/v1/review-reasons", tag = "surveys",
    responses((status = 200, body = crate::openapi::ReviewReasons),
        (status = 401, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 403, body = crate::openapi::Problem, content_type = "application/problem+json")))]
pub(crate) async fn reasons(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Json<Value>, Problem> {
    user.require(Permission::EvaluateQuality)?;
    let reasons = state
        .store
        .review_reasons()
        .await
        .map_err(Problem::internal)?;
    Ok(Json(
        json!({"reasons": reasons.iter().map(reason_json).collect::<Vec<_>>()}),
    ))
}

#[derive(Deserialize)]
pub(crate) struct ReasonBody {
    group: String,
    name_zh_cn: String,
    name_zh_tw: String,
    name_en: String,
    #[serde(default)]
    position: i64,
    #[serde(default = "yes")]
    active: bool,
}

fn yes() -> bool {
    true
}

/// `PUT /api/v1/review-reasons/{id}`: adds or changes a reason; `active: false` retires it.
#[utoipa::path(put, path = "/api/v1/review-reasons/{id}", tag = "surveys",
    params(("id" = String, Path, description = "Reason id")),
    request_body = crate::openapi::ReviewReasonBody,
    responses((status = 200, body = crate::openapi::ReviewReasonBody),
        (status = 400, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 401, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 403, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 415, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 422, body = crate::openapi::Problem, content_type = "application/problem+json")))]
pub(crate) async fn save_reason(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
    body: Result<Json<ReasonBody>, JsonRejection>,
) -> Result<Json<Value>, Problem> {
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
    Ok(Json(reason_json(&reason)))
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
        let coded: Vec<&ReviewTask> = tasks.iter().filter(|task| task.status == "coded").collect();
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
            if task.status == "coded" {
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

    fn group_json(&self, group: &GroupReport) -> Value {
        json!({
            "calls": group.calls,
            "items": group.items,
            "pareto": group.pareto.iter().map(|row| json!({
                "reason_id": row.name, "name": self.name(&row.name), "calls": row.cases,
                "share": row.share, "cumulative_calls": row.cumulative_cases,
                "cumulative_share": row.cumulative_share,
            })).collect::<Vec<_>>(),
        })
    }

    fn json(&self) -> Value {
        json!({
            "week_start": self.start.to_string(),
            "week_end": add_days(self.start, 6).to_string(),
            "unsatisfied": self.unsatisfied,
            "coded": self.coded,
            "open": self.unsatisfied - self.coded,
            "both": self.both,
            "agent_caused": self.group_json(&self.agent),
            "not_agent_caused": self.group_json(&self.other),
            "agents": self.agents.iter().map(|(agent, line)| json!({
                "agent_id": agent, "team": line.team, "unsatisfied": line.unsatisfied,
                "coded": line.coded, "agent_caused": line.agent_caused,
                "top_reason": self.top_reason(line),
            })).collect::<Vec<_>>(),
        })
    }

    fn xlsx(&self, locale: Locale) -> anyhow::Result<Vec<u8>> {
        let label = |key: &str| t(locale, key);
        let mut workbook = rust_xlsxwriter::Workbook::new();
        let bold = rust_xlsxwriter::Format::new().set_bold();
        let percent = rust_xlsxwriter::Format::new().set_num_format("0.00%");
        let summary = workbook.add_worksheet();
        summary.set_name("summary")?;
        let lines = [
            (label("reviews.week"), self.start.to_string()),
            (label("reviews.unsatisfied"), self.unsatisfied.to_string()),
            (label("reviews.coded"), self.coded.to_string()),
            (label("reviews.agent_calls"), self.agent.calls.to_string()),
            (label("reviews.agent_items"), self.agent.items.to_string()),
            (label("reviews.other_calls"), self.other.calls.to_string()),
            (label("reviews.other_items"), self.other.items.to_string()),
            (label("reviews.both"), self.both.to_string()),
        ];
        for (row, (name, value)) in lines.iter().enumerate() {
            summary.write_string_with_format(row as u32, 0, name, &bold)?;
            match value.parse::<f64>() {
                Ok(number) => summary.write_number(row as u32, 1, number)?,
                Err(_) => summary.write_string(row as u32, 1, value)?,
            };
        }
        for (sheet_name, group) in [
            ("agent_reasons", &self.agent),
            ("other_reasons", &self.other),
        ] {
            let sheet = workbook.add_worksheet();
            sheet.set_name(sheet_name)?;
            let header = [
                label("reviews.reason"),
                label("reviews.calls"),
                label("reviews.share"),
                label("reviews.cumulative_calls"),
                label("reviews.cumulative_share"),
            ];
            for (column, name) in header.iter().enumerate() {
                sheet.write_string_with_format(0, column as u16, name, &bold)?;
            }
            for (index, row) in group.pareto.iter().enumerate() {
                let r = index as u32 + 1;
                sheet.write_string(r, 0, self.name(&row.name))?;
                sheet.write_number(r, 1, row.cases as f64)?;
                sheet.write_number_with_format(r, 2, row.share, &percent)?;
                sheet.write_number(r, 3, row.cumulative_cases as f64)?;
                sheet.write_number_with_format(r, 4, row.cumulative_share, &percent)?;
            }
        }
        let sheet = workbook.add_worksheet();
        sheet.set_name("agents")?;
        let header = [
            label("dimension.agent"),
            label("dimension.team"),
            label("reviews.unsatisfied"),
            label("reviews.coded"),
            label("reviews.agent_calls"),
            label("reviews.top_reason"),
        ];
        for (column, name) in header.iter().enumerate() {
            sheet.write_string_with_format(0, column as u16, name, &bold)?;
        }
        for (index, (agent, line)) in self.agents.iter().enumerate() {
            let r = index as u32 + 1;
            sheet.write_string(r, 0, agent)?;
            sheet.write_string(r, 1, &line.team)?;
            sheet.write_number(r, 2, line.unsatisfied as f64)?;
            sheet.write_number(r, 3, line.coded as f64)?;
            sheet.write_number(r, 4, line.agent_caused as f64)?;
            sheet.write_string(r, 5, self.top_reason(line).unwrap_or_default())?;
        }
        Ok(workbook.save_to_buffer()?)
    }
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
    responses((status = 200, body = crate::openapi::ReviewReport),
        (status = 400, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 401, body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 403, body = crate::openapi::Problem, content_type = "application/problem+json")))]
pub(crate) async fn report(
    State(state): State<AppState>,
    user: CurrentUser,
    params: Result<Query<ReportParams>, QueryRejection>,
) -> Result<Response, Problem> {
    let Query(params) = params?;
    let report = weekly_report(&state, &user, params.week.as_deref()).await?;
    match params.format.as_deref().map(str::trim) {
        None | Some("") | Some("json") => Ok(Json(report.json()).into_response()),
        Some("xlsx") => {
            let bytes = report.xlsx(user.locale).map_err(Problem::internal)?;
            Ok((
                [
                    (
                        header::CONTENT_TYPE,
                        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                            .to_owned(),
                    ),
                    (
                        header::CONTENT_DISPOSITION,
                        format!("attachment; filename=\"review-{}.xlsx\"", report.start),
                    ),
                ],
                bytes,
            )
                .into_response())
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

/// Sends JSON with the session's CSRF token, then reloads or moves on; shows the problem's
/// detail otherwise.
pub(crate) const SCRIPT: &str = r#"function servqSend(method, url, body, next) {
  fetch(url, {method: method, credentials: 'same-origin',
    headers: {'Content-Type': 'application/json', 'X-CSRF-Token': document.getElementById('csrf').dataset.csrf},
    body: JSON.stringify(body)})
  .then(function (r) { return r.json().then(function (j) { return [r.ok, j]; }); })
  .then(function (p) {
    var m = document.getElementById('message');
    if (p[0]) { if (next) { location.href = next; } else { m.textContent = m.dataset.saved; m.className = 'ok'; } }
    else { m.textContent = (p[1].detail || p[1].title || ''); m.className = 'error'; }
  });
}
function servqJson(id) {
  try { return JSON.parse(document.getElementById(id).value); }
  catch (e) { var m = document.getElementById('message'); m.textContent = e.message; m.className = 'error'; return null; }
}"#;

pub(crate) fn app_page(user: &CurrentUser, title: &str, body: &str) -> Response {
    let frame = AppFrame {
        i18n: Text::new(user.locale),
        title,
        header: signed_in_header(user),
        csrf: user.csrf_token(),
        body,
    };
    match render(&frame) {
        Ok(page) => page.into_response(),
        Err(problem) => problem.into_response(),
    }
}

/// An app page whose content is still assembled in Rust.
#[derive(askama::Template)]
#[template(path = "app_frame.html")]
struct AppFrame<'a> {
    i18n: Text,
    title: &'a str,
    header: String,
    csrf: &'a str,
    body: &'a str,
}

/// `/reviews`: open tasks first, then the latest coded ones.
pub(crate) async fn reviews_page(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
) -> Result<Response, Problem> {
    let Some(user) = user else {
        return Ok(Redirect::to("/login").into_response());
    };
    user.require(Permission::EvaluateQuality)?;
    let locale = user.locale;
    let label = |key: &str| escape(&t(locale, key));
    let tasks = state
        .store
        .review_tasks(None, 300)
        .await
        .map_err(Problem::internal)?;
    let mut body = format!(
        "<h1>{}</h1><p>{} · <a href=\"/reviews/report\" id=\"report-link\">{}</a></p>\
         <table id=\"tasks\"><tr><th>{}</th><th>{}</th><th>{}</th><th>CSAT</th><th>{}</th><th>{}</th></tr>",
        label("reviews.title"),
        label("reviews.intro"),
        label("reviews.report_title"),
        label("reviews.status"),
        label("contacts.contact_id"),
        label("dimension.agent"),
        label("reviews.comment"),
        label("reviews.reasons"),
    );
    let reasons = state
        .store
        .review_reasons()
        .await
        .map_err(Problem::internal)?;
    let names: HashMap<&str, &str> = reasons
        .iter()
        .map(|r| (r.reason_id.as_str(), r.name(locale.tag())))
        .collect();
    for task in &tasks {
        let id = &task.response.response_id;
        body.push_str(&format!(
            "<tr data-response=\"{rid}\" data-status=\"{status}\"><td><a href=\"/reviews/{href}\">{status_text}</a></td>\
             <td>{contact}</td><td>{agent}</td><td>{csat}</td><td>{comment}</td><td>{reasons}</td></tr>",
            rid = escape(id),
            href = path_segment(id),
            status = escape(&task.status),
            status_text = label(&format!("reviews.status_{}", task.status)),
            contact = escape(&task.response.contact_id),
            agent = escape(&task.response.agent_id),
            csat = escape(&csat_words(locale, task.response.answers.csat)),
            comment = escape(&task.response.answers.comment),
            reasons = escape(
                &task
                    .reasons
                    .iter()
                    .map(|r| names.get(r.as_str()).copied().unwrap_or(r))
                    .collect::<Vec<_>>()
                    .join("、")
            ),
        ));
    }
    body.push_str("</table>");
    if tasks.is_empty() {
        body.push_str(&format!("<p id=\"no-tasks\">{}</p>", label("reviews.none")));
    }
    Ok(app_page(&user, &t(locale, "reviews.title"), &body))
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
    let label = |key: &str| escape(&t(locale, key));
    let Path(id) = id?;
    let task = state
        .store
        .review_task(&id)
        .await
        .map_err(Problem::internal)?
        .ok_or_else(|| Problem::not_found(locale))?;
    let answers = &task.response.answers;
    let mut body = format!(
        "<h1>{}</h1><table id=\"facts\">\
         <tr><th>{}</th><td><a href=\"/contacts/{}\">{}</a></td></tr>\
         <tr><th>{}</th><td>{}</td></tr><tr><th>{}</th><td>{}</td></tr>\
         <tr><th>{}</th><td>{}</td></tr><tr><th>CSAT</th><td id=\"csat\">{}</td></tr>",
        label("reviews.task_title"),
        label("contacts.contact_id"),
        path_segment(&task.response.contact_id),
        escape(&task.response.contact_id),
        label("dimension.agent"),
        escape(&task.response.agent_id),
        label("dimension.queue"),
        escape(&task.queue),
        label("dimension.category"),
        escape(&task.category),
        escape(&csat_words(locale, answers.csat)),
    );
    for (name, value) in [("NPS", answers.nps), ("CES", answers.ces)] {
        if let Some(value) = value {
            body.push_str(&format!("<tr><th>{name}</th><td>{value}</td></tr>"));
        }
    }
    for stage in Stage::ALL {
        if let Some(rating) = answers.stage(stage) {
            body.push_str(&format!(
                "<tr><th>{}</th><td>{rating}</td></tr>",
                label(&format!("surveys.stage_{}", stage.name()))
            ));
        }
    }
    body.push_str(&format!(
        "<tr><th>{}</th><td id=\"comment\">{}</td></tr></table>",
        label("reviews.comment"),
        escape(&answers.comment)
    ));
    let reasons = state
        .store
        .review_reasons()
        .await
        .map_err(Problem::internal)?;
    body.push_str("<form id=\"coding\" onsubmit=\"return false\">");
    for (group, key) in [
        (ReasonGroup::Agent, "reviews.agent_reasons"),
        (ReasonGroup::Other, "reviews.other_reasons"),
    ] {
        body.push_str(&format!("<fieldset><legend>{}</legend>", label(key)));
        for reason in reasons
            .iter()
            .filter(|r| r.group == group && (r.active || task.reasons.contains(&r.reason_id)))
        {
            body.push_str(&format!(
                "<label class=\"reason\"><input type=\"checkbox\" name=\"reason\" value=\"{}\"{}> {}</label> ",
                escape(&reason.reason_id),
                if task.reasons.contains(&reason.reason_id) { " checked" } else { "" },
                escape(reason.name(locale.tag())),
            ));
        }
        body.push_str("</fieldset>");
    }
    body.push_str(&format!(
        "<label>{} <textarea id=\"note\" rows=\"3\" cols=\"60\">{}</textarea></label>\
         <p><button type=\"button\" id=\"save-coding\" onclick=\"servqSend('PUT', '/api/v1/reviews/{}', \
         {{reasons: Array.prototype.map.call(document.querySelectorAll('#coding input[name=reason]:checked'), function (i) {{ return i.value; }}), \
         note: document.getElementById('note').value}}, '/reviews')\">{}</button></p></form>",
        label("reviews.note"),
        escape(&task.note),
        escape(&path_segment(&task.response.response_id)),
        label("reviews.save"),
    ));
    match state
        .store
        .transcript(&task.response.contact_id)
        .await
        .map_err(Problem::internal)?
    {
        Some(transcript) => body.push_str(&crate::transcript::transcript_html(locale, &transcript)),
        None => body.push_str(&format!(
            "<p id=\"no-transcript\">{}</p>",
            label("reviews.no_transcript")
        )),
    }
    Ok(app_page(&user, &t(locale, "reviews.task_title"), &body))
}

fn pareto_table(report: &WeeklyReport, group: &GroupReport, id: &str, locale: Locale) -> String {
    let label = |key: &str| escape(&t(locale, key));
    let mut html = format!(
        "<table id=\"{id}\"><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
        label("reviews.reason"),
        label("reviews.calls"),
        label("reviews.share"),
        label("reviews.cumulative_calls"),
        label("reviews.cumulative_share"),
    );
    for row in &group.pareto {
        html.push_str(&format!(
            "<tr data-reason=\"{}\"><td>{}</td><td>{}</td><td>{:.2}%</td><td>{}</td><td>{:.2}%</td></tr>",
            escape(&row.name),
            escape(report.name(&row.name)),
            row.cases,
            row.share * 100.0,
            row.cumulative_cases,
            row.cumulative_share * 100.0,
        ));
    }
    html.push_str("</table>");
    html
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
    let label = |key: &str| escape(&t(locale, key));
    let mut body = format!(
        "<h1>{}</h1><form class=\"filters\" method=\"get\" action=\"/reviews/report\">\
         <label>{} <input type=\"date\" name=\"week\" value=\"{}\"></label>\
         <button type=\"submit\">{}</button></form>\
         <p>{} – {} · <a id=\"xlsx\" href=\"/api/v1/reviews/report?week={}&amp;format=xlsx\">XLSX</a></p>",
        label("reviews.report_title"),
        label("reviews.week"),
        report.start,
        label("dashboard.apply"),
        report.start,
        add_days(report.start, 6),
        report.start,
    );
    body.push_str(&format!(
        "<table id=\"counts\"><tr><th>{}</th><td data-count=\"unsatisfied\">{}</td></tr>\
         <tr><th>{}</th><td data-count=\"coded\">{}</td></tr>\
         <tr><th>{}</th><td data-count=\"agent_calls\">{}</td></tr>\
         <tr><th>{}</th><td data-count=\"agent_items\">{}</td></tr>\
         <tr><th>{}</th><td data-count=\"other_calls\">{}</td></tr>\
         <tr><th>{}</th><td data-count=\"other_items\">{}</td></tr>\
         <tr><th>{}</th><td data-count=\"both\">{}</td></tr></table>",
        label("reviews.unsatisfied"),
        report.unsatisfied,
        label("reviews.coded"),
        report.coded,
        label("reviews.agent_calls"),
        report.agent.calls,
        label("reviews.agent_items"),
        report.agent.items,
        label("reviews.other_calls"),
        report.other.calls,
        label("reviews.other_items"),
        report.other.items,
        label("reviews.both"),
        report.both,
    ));
    if let Some(fifth) = report
        .agent
        .pareto
        .get(4.min(report.agent.pareto.len().saturating_sub(1)))
    {
        let top = report.agent.pareto.len().min(5);
        body.push_str(&format!(
            "<p id=\"top-five\">{}</p>",
            escape(
                &t(locale, "reviews.top_summary")
                    .replace("{k}", &top.to_string())
                    .replace("{calls}", &fifth.cumulative_cases.to_string())
                    .replace("{total}", &report.agent.calls.to_string())
                    .replace("{share}", &format!("{:.2}", fifth.cumulative_share * 100.0))
            )
        ));
    }
    body.push_str(&format!("<h2>{}</h2>", label("reviews.agent_reasons")));
    body.push_str(&pareto_table(
        &report,
        &report.agent,
        "agent-pareto",
        locale,
    ));
    body.push_str(&format!("<h2>{}</h2>", label("reviews.other_reasons")));
    body.push_str(&pareto_table(
        &report,
        &report.other,
        "other-pareto",
        locale,
    ));
    body.push_str(&format!(
        "<h2>{}</h2><table id=\"agents\"><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
        label("reviews.by_agent"),
        label("dimension.agent"),
        label("dimension.team"),
        label("reviews.unsatisfied"),
        label("reviews.coded"),
        label("reviews.agent_calls"),
        label("reviews.top_reason"),
    ));
    for (agent, line) in &report.agents {
        body.push_str(&format!(
            "<tr data-agent=\"{a}\"><td>{a}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&line.team),
            line.unsatisfied,
            line.coded,
            line.agent_caused,
            escape(&report.top_reason(line).unwrap_or_default()),
            a = escape(agent),
        ));
    }
    body.push_str("</table>");
    Ok(app_page(&user, &t(locale, "reviews.report_title"), &body))
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
    let label = |key: &str| escape(&t(locale, key));
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
    let rules_json =
        serde_json::to_string_pretty(&json!({"rules": servq_app::surveys::rules_json(&rules)}))
            .map_err(Problem::internal)?;
    let mut body = format!(
        "<h1>{title}</h1><h2>{template_title}</h2><p>{template_help}</p>\
         <textarea id=\"template-json\" rows=\"16\" cols=\"90\" spellcheck=\"false\">{template_json}</textarea>\
         <p><button type=\"button\" id=\"save-template\" onclick=\"var b = servqJson('template-json'); if (b) servqSend('PUT', '/api/v1/survey-templates/{STANDARD_TEMPLATE}', b)\">{save}</button></p>\
         <h2>{rules_title}</h2><p>{rules_help}</p>\
         <textarea id=\"rules-json\" rows=\"16\" cols=\"90\" spellcheck=\"false\">{rules_json}</textarea>\
         <p><button type=\"button\" id=\"save-rules\" onclick=\"var b = servqJson('rules-json'); if (b) servqSend('PUT', '/api/v1/survey-rules', b)\">{save}</button></p>\
         <h2>{reasons_title}</h2><table id=\"reasons\"><tr><th>id</th><th>{group}</th><th>简体中文</th><th>繁體中文</th><th>English</th><th>{position}</th><th>{active}</th><th></th></tr>",
        title = label("surveys.setup_title"),
        template_title = label("surveys.template_title"),
        template_help = label("surveys.template_help"),
        template_json = escape(&template_json),
        save = label("reviews.save"),
        rules_title = label("surveys.rules_title"),
        rules_help = label("surveys.rules_help"),
        rules_json = escape(&rules_json),
        reasons_title = label("surveys.reasons_title"),
        group = label("surveys.reason_group"),
        position = label("surveys.position"),
        active = label("surveys.active"),
    );
    let reasons = state
        .store
        .review_reasons()
        .await
        .map_err(Problem::internal)?;
    let row = |reason: Option<&ReviewReason>, index: usize| {
        let value = |f: fn(&ReviewReason) -> &str| escape(reason.map_or("", f));
        let group = reason.map_or(ReasonGroup::Agent, |r| r.group);
        let options: String = [ReasonGroup::Agent, ReasonGroup::Other]
            .iter()
            .map(|g| {
                format!(
                    "<option value=\"{}\"{}>{}</option>",
                    g.name(),
                    if *g == group { " selected" } else { "" },
                    label(&format!("surveys.group_{}", g.name()))
                )
            })
            .collect();
        format!(
            "<tr id=\"reason-{index}\"><td><input name=\"id\" value=\"{id}\" size=\"16\"{readonly}></td>\
             <td><select name=\"group\">{options}</select></td>\
             <td><input name=\"name_zh_cn\" value=\"{cn}\"></td><td><input name=\"name_zh_tw\" value=\"{tw}\"></td>\
             <td><input name=\"name_en\" value=\"{en}\"></td><td><input name=\"position\" type=\"number\" value=\"{position}\" style=\"width:4em\"></td>\
             <td><input name=\"active\" type=\"checkbox\"{checked}></td>\
             <td><button type=\"button\" onclick=\"var r = document.getElementById('reason-{index}'); var v = function (n) {{ return r.querySelector('[name=' + n + ']'); }}; \
             servqSend('PUT', '/api/v1/review-reasons/' + encodeURIComponent(v('id').value.trim()), {{group: v('group').value, name_zh_cn: v('name_zh_cn').value, name_zh_tw: v('name_zh_tw').value, name_en: v('name_en').value, position: Number(v('position').value || 0), active: v('active').checked}})\">{save}</button></td></tr>",
            id = value(|r| &r.reason_id),
            readonly = if reason.is_some() { " readonly" } else { "" },
            cn = value(|r| &r.name_zh_cn),
            tw = value(|r| &r.name_zh_tw),
            en = value(|r| &r.name_en),
            position = reason.map_or(reasons.len() as i64 + 1, |r| r.position),
            checked = if reason.is_none_or(|r| r.active) {
                " checked"
            } else {
                ""
            },
            save = label("reviews.save"),
        )
    };
    for (index, reason) in reasons.iter().enumerate() {
        body.push_str(&row(Some(reason), index));
    }
    body.push_str(&row(None, reasons.len()));
    body.push_str("</table>");
    Ok(app_page(&user, &t(locale, "surveys.setup_title"), &body))
}
