//! Staffing in the web app (PlanStaffing): `/planning/staffing` (a forecast day for a queue or
//! channel, the agents each interval needs, a what-if with agents edited per interval, an XLSX of
//! the requirement, a quick Erlang calculator) and its API — `GET /api/v1/planning/staffing`
//! (= `servq staffing --calls …`), `GET /api/v1/planning/day` (= `servq staffing --from-store
//! --date …`) and `POST /api/v1/planning/day/evaluate` (= `--evaluate --agents-file`), each the
//! same JSON. The use case is `servq_app::staffing`.

use std::collections::BTreeMap;

use axum::{
    Json,
    extract::{Query, State, rejection::JsonRejection, rejection::QueryRejection},
    http::HeaderMap,
    response::{IntoResponse, Redirect, Response},
};
use serde::Deserialize;
use serde_json::{Value, json};
use servq_app::staffing::{
    self, HistoryRequest, ModelName, StaffingSpec, WhatIf, measured_patience,
};
use servq_core::Permission;
use servq_store::{Dimension, TimeGrain};
use servq_wfm::Workload;

use crate::{
    AppState, Problem,
    auth::CurrentUser,
    dashboard::SelectOption,
    i18n::{Locale, t},
    pages::{Text, render, signed_in_header},
    query_params::{self, add_days, given, today},
};

/// An option as the API spells it (the command line's `--target-sl` is `target_sl`).
fn param(name: &str) -> String {
    name.to_owned()
}

/// The targets and model of a staffing request, as query or body fields.
#[derive(Debug, Deserialize, Default, Clone, utoipa::IntoParams, utoipa::ToSchema)]
#[into_params(parameter_in = Query)]
pub(crate) struct Targets {
    /// Target service level: the fraction answered within `target_time`, e.g. 0.8.
    target_sl: Option<f64>,
    /// Service-level threshold in seconds (default 20).
    target_time: Option<f64>,
    /// Target average speed of answer, seconds at most.
    target_asa: Option<f64>,
    /// Target answer rate, a fraction at least (Erlang A or B).
    target_answer_rate: Option<f64>,
    /// Target abandon rate, a fraction at most (Erlang A).
    target_abandon_rate: Option<f64>,
    /// Target blocking probability (Erlang B).
    target_blocking: Option<f64>,
    /// Occupancy cap, e.g. 0.85.
    max_occupancy: Option<f64>,
    /// Share of paid time off the phones, e.g. 0.3 (default 0).
    shrinkage: Option<f64>,
    /// Mean caller patience in seconds: Erlang A.
    patience: Option<f64>,
    /// erlang_a, erlang_b or erlang_c (default: implied by the targets).
    model: Option<String>,
}

impl Targets {
    fn spec(&self, locale: Locale, evaluate: bool) -> Result<StaffingSpec, Problem> {
        let model = match self.model.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(text) => Some(ModelName::parse(text).ok_or_else(|| {
                Problem::bad_request(
                    locale,
                    "bad_staffing",
                    format!("model '{text}' is not erlang_a, erlang_b or erlang_c"),
                )
            })?),
        };
        Ok(StaffingSpec {
            target_sl: self.target_sl,
            target_time: self.target_time.unwrap_or(20.0),
            target_asa: self.target_asa,
            target_answer_rate: self.target_answer_rate,
            target_abandon_rate: self.target_abandon_rate,
            target_blocking: self.target_blocking,
            max_occupancy: self.max_occupancy,
            shrinkage: self.shrinkage.unwrap_or(0.0),
            patience: self.patience,
            model,
            evaluate,
        })
    }
}

/// A refused staffing request (400, in the words of the maths), or a store failure (500).
fn staffing_problem(locale: Locale, error: anyhow::Error) -> Problem {
    if error.downcast_ref::<servq_store::StoreError>().is_some() {
        return Problem::internal(format!("{error:#}"));
    }
    let detail = format!("{error:#}");
    Problem::bad_request(locale, "bad_staffing", detail.clone()).with_message(
        locale,
        "bad_staffing",
        &[("detail", &detail)],
    )
}

/// `GET /api/v1/planning/staffing` parameters besides the targets.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub(crate) struct IntervalParams {
    /// Contacts offered in the interval.
    calls: f64,
    /// Interval length in seconds (default 1800).
    interval: Option<f64>,
    /// Average handle time in seconds.
    aht: f64,
    /// What-if: the performance of this many agents instead of a search.
    agents: Option<u32>,
}

/// `GET /api/v1/planning/staffing` (PlanStaffing): agents needed for one interval, or with
/// `agents` their performance — exactly the JSON of `servq staffing --calls … --format json`.
#[utoipa::path(get, path = "/api/v1/planning/staffing", tag = "planning", params(IntervalParams, Targets),
    responses((status = 200, description = "model, traffic_erlangs, agents, staff_with_shrinkage, probability_wait, service_level, asa_seconds, occupancy, abandon_probability, answer_rate, blocking_probability, stable, service_level_seconds, shrinkage", body = Object),
        (status = 400, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn interval_api(
    user: CurrentUser,
    params: Result<Query<IntervalParams>, QueryRejection>,
    targets: Result<Query<Targets>, QueryRejection>,
) -> Result<Json<Value>, Problem> {
    user.require(Permission::PlanStaffing)?;
    let Query(params) = params?;
    let Query(targets) = targets?;
    let locale = user.locale;
    let spec = targets.spec(locale, params.agents.is_some())?;
    let model = spec.model(param).map_err(|e| staffing_problem(locale, e))?;
    let policy = spec
        .policy(param)
        .map_err(|e| staffing_problem(locale, e))?;
    let workload = Workload::new(params.calls, params.interval.unwrap_or(1800.0), params.aht)
        .map_err(|e| staffing_problem(locale, e.into()))?;
    staffing::interval_report(&workload, &model, &policy, params.agents)
        .map(Json)
        .map_err(|e| staffing_problem(locale, e))
}

/// The day being planned: `GET /api/v1/planning/day` parameters besides the targets.
#[derive(Debug, Deserialize, Default, Clone, utoipa::IntoParams, utoipa::ToSchema)]
#[into_params(parameter_in = Query)]
pub(crate) struct DayParams {
    /// The first day to forecast and staff, YYYY-MM-DD (default tomorrow).
    date: Option<String>,
    /// How many days from `date` (default 1).
    days: Option<u32>,
    /// Interval length: 900 or 1800 seconds (default 1800).
    interval: Option<f64>,
    /// Weeks of history the forecast learns from (default 8).
    history_weeks: Option<u32>,
    /// Only these queues, comma-separated.
    queue: Option<String>,
    /// Only these channels, comma-separated.
    channel: Option<String>,
    /// What-if: this many agents in every interval.
    agents: Option<u32>,
    /// `json` (default) or `xlsx` (the requirement per interval, for rostering).
    #[serde(default)]
    format: Option<String>,
}

impl DayParams {
    fn history(
        &self,
        locale: Locale,
        zone: &jiff::tz::TimeZone,
    ) -> Result<HistoryRequest, Problem> {
        let date = match given(&self.date) {
            Some(text) => query_params::parse_date(locale, &text)?,
            None => add_days(today(zone), 1),
        };
        let grain = match self.interval.unwrap_or(1800.0) {
            900.0 => TimeGrain::Interval15,
            1800.0 => TimeGrain::Interval30,
            other => {
                return Err(Problem::bad_request(
                    locale,
                    "bad_staffing",
                    format!("interval must be 900 or 1800 seconds, not {other}"),
                ));
            }
        };
        let list = |text: &Option<String>| -> Vec<String> {
            text.iter()
                .flat_map(|t| t.split(','))
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
                .collect()
        };
        let request = HistoryRequest {
            date,
            days: self.days.unwrap_or(1),
            history_weeks: self.history_weeks.unwrap_or(8),
            grain,
            queues: list(&self.queue),
            channels: list(&self.channel),
        };
        request.check().map_err(|error| {
            Problem::bad_request(locale, "bad_staffing", error.to_string().replace('-', "_"))
        })?;
        Ok(request)
    }
}

/// Runs a day report for the API and the page.
async fn day(
    state: &AppState,
    locale: Locale,
    request: &HistoryRequest,
    targets: &Targets,
    what_if: &WhatIf,
) -> Result<Value, Problem> {
    let spec = targets.spec(locale, !matches!(what_if, WhatIf::Search))?;
    let model = spec.model(param).map_err(|e| staffing_problem(locale, e))?;
    let policy = spec
        .policy(param)
        .map_err(|e| staffing_problem(locale, e))?;
    staffing::day_report(&state.store, request, &model, &policy, what_if)
        .await
        .map_err(|e| staffing_problem(locale, e))
}

/// `GET /api/v1/planning/day` (PlanStaffing): forecast a day (or `days`) from the store's history
/// and staff every interval — exactly `servq staffing --from-store --date … --format json` — or
/// with `format=xlsx` the requirement per interval.
#[utoipa::path(get, path = "/api/v1/planning/day", tag = "planning", params(DayParams, Targets),
    responses((status = 200, description = "date, days, time_zone, model, interval_seconds, service_level_seconds, shrinkage, history, holdout, totals, intervals", body = Object),
        (status = 400, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn day_api(
    State(state): State<AppState>,
    user: CurrentUser,
    params: Result<Query<DayParams>, QueryRejection>,
    targets: Result<Query<Targets>, QueryRejection>,
) -> Result<Response, Problem> {
    user.require(Permission::PlanStaffing)?;
    let Query(params) = params?;
    let Query(targets) = targets?;
    let locale = user.locale;
    let what_if = params.agents.map_or(WhatIf::Search, WhatIf::Every);
    let (_, zone) = state.centre_zone().await?;
    let request = params.history(locale, &zone)?;
    let report = day(&state, locale, &request, &targets, &what_if).await?;
    match params.format.as_deref().map(str::trim) {
        None | Some("") | Some("json") => Ok(Json(report).into_response()),
        Some("xlsx") => Ok(crate::exports::download(
            crate::exports::XLSX_TYPE,
            "staffing.xlsx",
            Some(&format!("{}.xlsx", t(locale, "planning.file"))),
            requirement_workbook(locale, &report).map_err(Problem::internal)?,
        )),
        Some(other) => Err(Problem::bad_request(
            locale,
            "unknown_format",
            format!("format '{other}' is not json or xlsx"),
        )),
    }
}

/// `GET /api/v1/planning/forecast` (PlanStaffing): the forecast of a day (or `days`) per
/// interval — expected contacts and handling time, the actual where known, the history it learnt
/// from and its holdout error.
#[utoipa::path(get, path = "/api/v1/planning/forecast", tag = "planning", params(DayParams),
    responses((status = 200, description = "date, days, time_zone, interval_seconds, history, holdout, intervals [{date, start, calls, aht_seconds, actual_calls?}]", body = Object),
        (status = 400, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn forecast_api(
    State(state): State<AppState>,
    user: CurrentUser,
    params: Result<Query<DayParams>, QueryRejection>,
) -> Result<Json<Value>, Problem> {
    user.require(Permission::PlanStaffing)?;
    let Query(params) = params?;
    let locale = user.locale;
    let (_, zone) = state.centre_zone().await?;
    let request = params.history(locale, &zone)?;
    staffing::forecast_report(&state.store, &request)
        .await
        .map(Json)
        .map_err(|e| staffing_problem(locale, e))
}

/// `POST /api/v1/planning/day/evaluate` body: the day and targets as in `GET /api/v1/planning/day`,
/// and the agents per interval.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub(crate) struct EvaluateBody {
    #[serde(flatten)]
    day: DayParams,
    #[serde(flatten)]
    targets: Targets,
    /// Agents on the phones by interval start (`{"09:00": 12, "09:30": 14}`); intervals not
    /// named have none.
    agents_by_interval: BTreeMap<String, u32>,
}

/// `POST /api/v1/planning/day/evaluate` (PlanStaffing): the what-if of a day with the agents given
/// per interval — exactly `servq staffing --from-store --date … --evaluate --agents-file …`.
#[utoipa::path(post, path = "/api/v1/planning/day/evaluate", tag = "planning", request_body = EvaluateBody,
    responses((status = 200, description = "As GET /api/v1/planning/day", body = Object),
        (status = 400, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 415, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 422, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn evaluate_api(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    body: Result<Json<EvaluateBody>, JsonRejection>,
) -> Result<Json<Value>, Problem> {
    user.require(Permission::PlanStaffing)?;
    user.check_csrf_header(&headers)?;
    let Json(body) = body?;
    let locale = user.locale;
    let interval = body.day.interval.unwrap_or(1800.0);
    let mut by_slot = BTreeMap::new();
    for (start, agents) in &body.agents_by_interval {
        let slot = start
            .trim()
            .parse::<jiff::civil::Time>()
            .ok()
            .map(|time| f64::from(time.hour()) * 3600.0 + f64::from(time.minute()) * 60.0)
            .filter(|seconds| seconds % interval == 0.0)
            .ok_or_else(|| {
                Problem::bad_request(
                    locale,
                    "bad_staffing",
                    format!("agents_by_interval: '{start}' does not start an interval"),
                )
            })?;
        by_slot.insert((slot / interval) as usize, *agents);
    }
    let (_, zone) = state.centre_zone().await?;
    let request = body.day.history(locale, &zone)?;
    let report = day(
        &state,
        locale,
        &request,
        &body.targets,
        &WhatIf::BySlot(by_slot),
    )
    .await?;
    Ok(Json(report))
}

/// The requirement per interval as a workbook: what a roster planner needs.
fn requirement_workbook(locale: Locale, report: &Value) -> anyhow::Result<Vec<u8>> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name(t(locale, "planning.file"))?;
    let bold = rust_xlsxwriter::Format::new().set_bold();
    let percent = rust_xlsxwriter::Format::new().set_num_format("0.0%");
    let columns = staffing::REQUIREMENT_COLUMNS;
    for (index, column) in columns.iter().enumerate() {
        sheet.write_string_with_format(
            0,
            index as u16,
            t(locale, &format!("planning.col_{column}")),
            &bold,
        )?;
    }
    let rows = report["intervals"].as_array().cloned().unwrap_or_default();
    for (row, interval) in rows.iter().enumerate() {
        let row = row as u32 + 1;
        for (index, column) in columns.iter().enumerate() {
            let column_index = index as u16;
            match &interval[*column] {
                Value::String(text) => {
                    sheet.write_string(row, column_index, text)?;
                }
                Value::Number(number) => {
                    let value = number.as_f64().unwrap_or_default();
                    if matches!(
                        *column,
                        "service_level" | "occupancy" | "abandon_probability"
                    ) {
                        sheet.write_number_with_format(row, column_index, value, &percent)?;
                    } else {
                        sheet.write_number(row, column_index, value)?;
                    }
                }
                _ => {}
            }
        }
    }
    Ok(book.save_to_buffer()?)
}

/// The page's form, as sent in the URL.
#[derive(Debug, Deserialize, Default)]
pub(crate) struct PlanForm {
    date: Option<String>,
    queue: Option<String>,
    channel: Option<String>,
    interval: Option<f64>,
    /// Target service level in percent.
    sl: Option<f64>,
    target_time: Option<f64>,
    /// Occupancy cap in percent.
    occupancy: Option<f64>,
    /// Target ASA at most, seconds (optional).
    asa: Option<String>,
    /// Target abandon rate at most, percent (optional; Erlang A).
    abandon: Option<String>,
    /// Shrinkage in percent.
    shrinkage: Option<f64>,
    /// `erlang_c` or `erlang_a` (patience measured from the data).
    model: Option<String>,
}

/// One interval row of the page.
pub(crate) struct PlanRow {
    start: String,
    calls: String,
    actual: String,
    aht: String,
    agents: u64,
    staff: String,
    service_level: String,
    asa: String,
    occupancy: String,
    abandon: String,
}

#[derive(askama::Template)]
#[template(path = "planning_staffing.html")]
struct PlanPage {
    i18n: Text,
    title: String,
    header: String,
    csrf: String,
    date: String,
    queues: Vec<SelectOption>,
    channels: Vec<SelectOption>,
    intervals: Vec<SelectOption>,
    models: Vec<SelectOption>,
    sl: f64,
    target_time: f64,
    occupancy: f64,
    shrinkage: f64,
    asa: String,
    abandon: String,
    /// The measured patience, shown beside Erlang A.
    patience: Option<String>,
    summary: Option<String>,
    forecast_note: Option<String>,
    rows: Vec<PlanRow>,
    /// The request as the evaluate API takes it, and the chart data (JSON islands).
    request: String,
    chart: String,
    xlsx: String,
    problem: Option<String>,
    /// The script's sentences (JSON island).
    texts: String,
}

/// `/planning/staffing` (PlanStaffing): tomorrow (or the chosen day) for a queue or channel.
pub(crate) async fn staffing_page(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    form: Result<Query<PlanForm>, QueryRejection>,
) -> Result<Response, Problem> {
    let Some(user) = user else {
        return Ok(Redirect::to("/login").into_response());
    };
    user.require(Permission::PlanStaffing)?;
    let Query(form) = form?;
    let locale = user.locale;
    let (_, zone) = state.centre_zone().await?;
    let date = match given(&form.date) {
        Some(text) => query_params::parse_date(locale, &text)?,
        None => add_days(today(&zone), 1),
    };
    let interval = form.interval.unwrap_or(1800.0);
    let sl = form.sl.unwrap_or(80.0);
    let target_time = form.target_time.unwrap_or(20.0);
    let occupancy = form.occupancy.unwrap_or(85.0);
    let shrinkage = form.shrinkage.unwrap_or(30.0);
    let erlang_a = form.model.as_deref() == Some("erlang_a");
    let optional_number = |text: &Option<String>, name: &str| -> Result<Option<f64>, Problem> {
        given(text)
            .map(|text| {
                text.parse::<f64>().map_err(|_| {
                    Problem::bad_request(
                        locale,
                        "bad_staffing",
                        format!("{name} '{text}' is not a number"),
                    )
                })
            })
            .transpose()
    };
    let target_asa = optional_number(&form.asa, "asa")?;
    let target_abandon = optional_number(&form.abandon, "abandon")?.map(|percent| percent / 100.0);
    let day_params = DayParams {
        date: Some(date.to_string()),
        interval: Some(interval),
        queue: given(&form.queue),
        channel: given(&form.channel),
        ..DayParams::default()
    };
    let history = day_params.history(locale, &zone)?;
    let patience = measured_patience(&state.store, &history)
        .await
        .map_err(|e| staffing_problem(locale, e))?;
    let targets = Targets {
        target_sl: Some(sl / 100.0),
        target_time: Some(target_time),
        max_occupancy: Some(occupancy / 100.0),
        shrinkage: Some(shrinkage / 100.0),
        target_asa,
        target_abandon_rate: target_abandon,
        patience: if erlang_a { patience } else { None },
        model: Some(
            if erlang_a && patience.is_some() {
                "erlang_a"
            } else {
                "erlang_c"
            }
            .to_owned(),
        ),
        ..Targets::default()
    };
    let option =
        |value: &str, text: String, selected: bool| SelectOption::new(value, text, selected);
    let select = |dimension: Dimension, current: &Option<String>| {
        let current = given(current).unwrap_or_default();
        let state = &state;
        async move { crate::dashboard::dimension_select(state, locale, dimension, &current).await }
    };
    let queues = select(Dimension::Queue, &form.queue).await?;
    let channels = select(Dimension::Channel, &form.channel).await?;
    let mut page = PlanPage {
        i18n: Text::new(locale),
        title: t(locale, "planning.title"),
        header: signed_in_header(&user),
        csrf: user.csrf_token().to_owned(),
        date: date.to_string(),
        queues,
        channels,
        intervals: [1800.0, 900.0]
            .into_iter()
            .map(|seconds: f64| {
                option(
                    &seconds.to_string(),
                    t(
                        locale,
                        &format!("planning.interval_{}", seconds as u32 / 60),
                    ),
                    seconds == interval,
                )
            })
            .collect(),
        models: [("erlang_c", !erlang_a), ("erlang_a", erlang_a)]
            .into_iter()
            .map(|(name, selected)| {
                option(name, t(locale, &format!("planning.model_{name}")), selected)
            })
            .collect(),
        sl,
        target_time,
        occupancy,
        shrinkage,
        asa: given(&form.asa).unwrap_or_default(),
        abandon: given(&form.abandon).unwrap_or_default(),
        patience: patience
            .map(|p| t(locale, "planning.patience").replace("{seconds}", &format!("{p:.0}"))),
        summary: None,
        forecast_note: None,
        rows: Vec::new(),
        request: String::new(),
        chart: String::new(),
        xlsx: String::new(),
        problem: None,
        texts: crate::pages::script_json(
            &json!({"result": t(locale, "planning.calculator_result")}),
        ),
    };
    let report = match day(&state, locale, &history, &targets, &WhatIf::Search).await {
        Ok(report) => report,
        Err(problem) => {
            page.problem = Some(problem.message_or_detail());
            return Ok(render(&page)?.into_response());
        }
    };
    let percent = |v: &Value| {
        v.as_f64()
            .map_or("—".to_owned(), |v| format!("{:.1}%", v * 100.0))
    };
    let seconds = |v: &Value| v.as_f64().map_or("—".to_owned(), |v| format!("{v:.0}"));
    let totals = &report["totals"];
    page.summary = Some(
        t(locale, "planning.summary")
            .replace(
                "{calls}",
                &format!("{:.0}", totals["calls"].as_f64().unwrap_or(0.0)),
            )
            .replace(
                "{agent_hours}",
                &format!("{:.1}", totals["agent_hours"].as_f64().unwrap_or(0.0)),
            )
            .replace(
                "{staff_hours}",
                &format!("{:.1}", totals["staff_hours"].as_f64().unwrap_or(0.0)),
            )
            .replace("{sl}", &percent(&totals["service_level"])),
    );
    page.forecast_note = report["holdout"]["wape_percent"].as_f64().map(|wape| {
        t(locale, "planning.forecast_note")
            .replace("{wape}", &format!("{wape:.1}"))
            .replace(
                "{naive}",
                &format!(
                    "{:.1}",
                    report["holdout"]["seasonal_naive_wape_percent"]
                        .as_f64()
                        .unwrap_or(0.0)
                ),
            )
    });
    let intervals = report["intervals"].as_array().cloned().unwrap_or_default();
    page.rows = intervals
        .iter()
        .filter(|row| row["calls"].as_f64().unwrap_or(0.0) > 0.0)
        .map(|row| PlanRow {
            start: row["start"].as_str().unwrap_or_default().to_owned(),
            calls: format!("{:.1}", row["calls"].as_f64().unwrap_or(0.0)),
            actual: row["actual_calls"]
                .as_f64()
                .map_or(String::new(), |v| format!("{v:.0}")),
            aht: seconds(&row["aht_seconds"]),
            agents: row["agents"].as_u64().unwrap_or(0),
            staff: row["staff_with_shrinkage"].to_string(),
            service_level: percent(&row["service_level"]),
            asa: seconds(&row["asa_seconds"]),
            occupancy: percent(&row["occupancy"]),
            abandon: percent(&row["abandon_probability"]),
        })
        .collect();
    let evaluate_request = json!({
        "date": date.to_string(),
        "interval": interval,
        "queue": given(&form.queue),
        "channel": given(&form.channel),
        "target_sl": sl / 100.0,
        "target_time": target_time,
        "max_occupancy": occupancy / 100.0,
        "shrinkage": shrinkage / 100.0,
        "target_asa": target_asa,
        "target_abandon_rate": target_abandon,
        "patience": targets.patience,
        "model": targets.model,
    });
    page.request = crate::pages::script_json(&evaluate_request);
    let shown: Vec<&Value> = intervals
        .iter()
        .filter(|row| row["calls"].as_f64().unwrap_or(0.0) > 0.0)
        .collect();
    page.chart = crate::pages::script_json(&json!({
        "starts": shown.iter().map(|r| r["start"].clone()).collect::<Vec<_>>(),
        "forecast": shown.iter().map(|r| r["calls"].clone()).collect::<Vec<_>>(),
        "actual": shown.iter().map(|r| r["actual_calls"].clone()).collect::<Vec<_>>(),
        "agents": shown.iter().map(|r| r["agents"].clone()).collect::<Vec<_>>(),
        "text": {
            "forecast": t(locale, "planning.forecast"),
            "actual": t(locale, "planning.actual"),
            "agents": t(locale, "planning.col_agents"),
            "saved": t(locale, "planning.recalculated"),
        },
    }));
    let mut pairs: Vec<(&str, String)> = vec![
        ("date", date.to_string()),
        ("interval", interval.to_string()),
        ("target_sl", (sl / 100.0).to_string()),
        ("target_time", target_time.to_string()),
        ("max_occupancy", (occupancy / 100.0).to_string()),
        ("shrinkage", (shrinkage / 100.0).to_string()),
        ("format", "xlsx".to_owned()),
    ];
    for (key, value) in [("queue", &form.queue), ("channel", &form.channel)] {
        if let Some(value) = given(value) {
            pairs.push((key, value));
        }
    }
    if let Some(patience) = targets.patience {
        pairs.push(("patience", patience.to_string()));
    }
    if let Some(asa) = target_asa {
        pairs.push(("target_asa", asa.to_string()));
    }
    if let Some(abandon) = target_abandon {
        pairs.push(("target_abandon_rate", abandon.to_string()));
    }
    page.xlsx = format!(
        "/api/v1/planning/day?{}",
        query_params::query_string(&pairs)
    );
    Ok(render(&page)?.into_response())
}
