//! Driver analysis in the web app (RunAnalysis): `/analysis/drivers` (a form, the result in
//! words, tables and charts, an XLSX of data and results) and its API
//! `GET /api/v1/analysis/drivers` (exactly `servq drivers --from-store … --format json`) and
//! `GET /api/v1/analysis/correlation`. The use case is `servq_app::analysis`.

use axum::{
    extract::{
        Multipart, Query, RawQuery, State, multipart::MultipartRejection, rejection::QueryRejection,
    },
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use serde::Deserialize;
use serde_json::{Value, json};
use servq_app::analysis::{
    self, AnalysisError, DEFAULT_PREDICTORS, DriversRequest, KpiTable, RowGrain, SUGGESTED_TARGETS,
};
use servq_core::Permission;
use servq_kpi::{Better, METRICS, Unit};
use servq_stats::{DriverAnalysis, DriverOptions, Language, Method};
use servq_store::Dimension;

use crate::{
    AppState, Problem,
    auth::CurrentUser,
    dashboard::SelectOption,
    i18n::{Locale, t},
    pages::{Text, render, signed_in_header},
    query_params::{self, given},
};

/// The form and the API's parameters (the page sends the same names).
#[derive(Debug, Deserialize, Default, utoipa::IntoParams)]
pub(crate) struct DriverParams {
    /// First day, YYYY-MM-DD (default: 28 days ending yesterday).
    from: Option<String>,
    /// Last day, inclusive.
    to: Option<String>,
    /// The KPI to explain (default csat_mean).
    target: Option<String>,
    /// Candidate drivers, comma-separated (default: answer rate, service level, ASA, AHT,
    /// transfer rate, FCR, occupancy).
    predictors: Option<String>,
    /// `dimension=value` pairs, comma-separated (queue, team, channel …).
    filter: Option<String>,
    /// Predictors stay while p ≤ alpha (default 0.1).
    alpha: Option<f64>,
    /// A pair with |r| at least this is collinear (default 0.9).
    collinearity: Option<f64>,
    /// A predictor with VIF at least this is collinear (default 10).
    max_vif: Option<f64>,
    /// `day` (default) or `week`: one row per day or per ISO week.
    rows: Option<String>,
    /// `json` (default) or `xlsx` (the data and the results).
    format: Option<String>,
    /// Page form: the candidates ticked (repeated `p` parameters, gathered by the page).
    #[serde(skip)]
    #[param(ignore)]
    p: Vec<String>,
    /// Page form: filter selects.
    #[param(ignore)]
    queue: Option<String>,
    #[param(ignore)]
    team: Option<String>,
    #[param(ignore)]
    channel: Option<String>,
}

/// Days analysed when the form gives none: four weeks, as in the study.
const DEFAULT_DAYS: i64 = 28;

impl DriverParams {
    /// The request these parameters describe, defaults applied.
    fn request(
        &self,
        locale: Locale,
        zone: &jiff::tz::TimeZone,
    ) -> Result<DriversRequest, Problem> {
        let (from, to) =
            query_params::whole_days(locale, zone, &self.from, &self.to, DEFAULT_DAYS)?;
        let mut predictors: Vec<String> = self
            .predictors
            .iter()
            .flat_map(|list| list.split(','))
            .chain(self.p.iter().map(String::as_str))
            .map(str::trim)
            .filter(|name| !name.is_empty())
            .map(str::to_owned)
            .collect();
        predictors.dedup();
        let mut filters = query_params::filters(locale, self.filter.as_deref())?;
        for (dimension, value) in [
            (Dimension::Queue, &self.queue),
            (Dimension::Team, &self.team),
            (Dimension::Channel, &self.channel),
        ] {
            if let Some(value) = given(value) {
                filters.push((dimension, vec![value]));
            }
        }
        let grain = RowGrain::parse(self.rows.as_deref().unwrap_or("")).ok_or_else(|| {
            Problem::bad_request(
                locale,
                "bad_rows",
                format!(
                    "rows '{}' is not day or week",
                    self.rows.as_deref().unwrap_or("")
                ),
            )
        })?;
        let defaults = DriverOptions::default();
        Ok(DriversRequest {
            from,
            to,
            target: given(&self.target).unwrap_or_else(|| "csat_mean".to_owned()),
            predictors,
            filters,
            options: DriverOptions {
                alpha: self.alpha.unwrap_or(defaults.alpha),
                collinearity: self.collinearity.unwrap_or(defaults.collinearity),
                max_vif: self.max_vif.unwrap_or(defaults.max_vif),
            },
            grain,
        })
    }
}

/// An analysis refusal as a problem document: 400 for a request that cannot be answered, 422
/// when the statistics cannot be made (too few rows, nothing significant), 500 for the store.
fn analysis_problem(locale: Locale, error: AnalysisError) -> Problem {
    match error.code() {
        None => Problem::internal(error),
        Some(code @ ("nothing_significant" | "not_enough_rows" | "bad_analysis")) => {
            Problem::rejected(StatusCode::UNPROCESSABLE_ENTITY, error.to_string())
                .with_code(code)
                .with_message(locale, &format!("analysis_{code}"), &[])
        }
        Some(code) => Problem::bad_request(locale, code, error.to_string()),
    }
}

/// `GET /api/v1/analysis/drivers` (RunAnalysis): the driver procedure on the store's daily (or
/// weekly) KPIs — exactly the JSON of `servq drivers --from-store … --format json` — or, with
/// `format=xlsx`, a workbook of the data and the results.
#[utoipa::path(get, path = "/api/v1/analysis/drivers", tag = "analysis", params(DriverParams),
    responses((status = 200, description = "The analysis: steps, equation, model, relative_weights, source", body = Object),
        (status = 400, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 422, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn drivers_api(
    State(state): State<AppState>,
    user: CurrentUser,
    params: Result<Query<DriverParams>, QueryRejection>,
) -> Result<Response, Problem> {
    user.require(Permission::RunAnalysis)?;
    let Query(params) = params?;
    let locale = user.locale;
    let (_, zone) = state.centre_zone().await?;
    let request = params.request(locale, &zone)?;
    let (table, analysis, value) = analysis::drivers_from_store(&state.store, &zone, &request)
        .await
        .map_err(|error| analysis_problem(locale, error))?;
    match params.format.as_deref().map(str::trim) {
        None | Some("") | Some("json") => Ok(axum::Json(value).into_response()),
        Some("xlsx") => {
            let bytes = workbook(locale, &table, &analysis).map_err(Problem::internal)?;
            Ok(crate::exports::download(
                crate::exports::XLSX_TYPE,
                "drivers.xlsx",
                Some(&format!("{}.xlsx", t(locale, "analysis.file"))),
                bytes,
            ))
        }
        Some(other) => Err(Problem::bad_request(
            locale,
            "unknown_format",
            format!("format '{other}' is not json or xlsx"),
        )),
    }
}

/// `GET /api/v1/analysis/correlation` parameters.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub(crate) struct CorrelationParams {
    /// First day, YYYY-MM-DD.
    from: Option<String>,
    /// Last day, inclusive.
    to: Option<String>,
    /// KPIs, comma-separated (at least two).
    metrics: String,
    /// `dimension=value` pairs, comma-separated.
    filter: Option<String>,
    /// `pearson` (default) or `spearman`.
    method: Option<String>,
    /// `day` (default) or `week`.
    rows: Option<String>,
}

/// `GET /api/v1/analysis/correlation` (RunAnalysis): the correlation matrix of daily (or
/// weekly) KPIs, the JSON of `servq stats corr`.
#[utoipa::path(get, path = "/api/v1/analysis/correlation", tag = "analysis", params(CorrelationParams),
    responses((status = 200, description = "method, columns, r, p, n", body = Object),
        (status = 400, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 422, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn correlation_api(
    State(state): State<AppState>,
    user: CurrentUser,
    params: Result<Query<CorrelationParams>, QueryRejection>,
) -> Result<axum::Json<Value>, Problem> {
    user.require(Permission::RunAnalysis)?;
    let Query(params) = params?;
    let locale = user.locale;
    let (_, zone) = state.centre_zone().await?;
    let mut names = params
        .metrics
        .split(',')
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .map(str::to_owned);
    let target = names.next().unwrap_or_default();
    let others: Vec<String> = names.collect();
    if others.is_empty() {
        return Err(Problem::bad_request(
            locale,
            "bad_metrics",
            "metrics needs at least two KPIs".to_owned(),
        ));
    }
    let method = match params.method.as_deref().map(str::trim) {
        None | Some("") | Some("pearson") => Method::Pearson,
        Some("spearman") => Method::Spearman,
        Some(other) => {
            return Err(Problem::bad_request(
                locale,
                "bad_method",
                format!("method '{other}' is not pearson or spearman"),
            ));
        }
    };
    let request = DriverParams {
        from: params.from,
        to: params.to,
        target: Some(target),
        predictors: Some(others.join(",")),
        filter: params.filter,
        rows: params.rows,
        ..DriverParams::default()
    }
    .request(locale, &zone)?;
    let table = analysis::kpi_table(&state.store, &zone, &request)
        .await
        .map_err(|error| analysis_problem(locale, error))?;
    let matrix = analysis::correlation_of(&table, method)
        .map_err(|error| analysis_problem(locale, AnalysisError::Stats(error)))?;
    Ok(axum::Json(analysis::correlation_json(&matrix, method)))
}

/// The data and the results as a workbook: the rows, the coefficients, the steps.
fn workbook(
    locale: Locale,
    table: &KpiTable,
    analysis: &DriverAnalysis,
) -> anyhow::Result<Vec<u8>> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let bold = rust_xlsxwriter::Format::new().set_bold();
    let data = book.add_worksheet();
    data.set_name(t(locale, "analysis.sheet_data"))?;
    data.write_string_with_format(0, 0, t(locale, "analysis.row"), &bold)?;
    for (column, name) in table.names.iter().enumerate() {
        data.write_string_with_format(0, column as u16 + 1, metric_label(locale, name), &bold)?;
    }
    for (row, label) in table.rows.iter().enumerate() {
        data.write_string(row as u32 + 1, 0, label)?;
        for (column, values) in table.columns.iter().enumerate() {
            if values[row].is_finite() {
                data.write_number(row as u32 + 1, column as u16 + 1, values[row])?;
            }
        }
    }
    let model = book.add_worksheet();
    model.set_name(t(locale, "analysis.sheet_model"))?;
    let headings = [
        "name",
        "estimate",
        "std_error",
        "t",
        "p",
        "ci_low",
        "ci_high",
    ];
    for (column, heading) in headings.iter().enumerate() {
        model.write_string_with_format(
            0,
            column as u16,
            t(locale, &format!("analysis.col_{heading}")),
            &bold,
        )?;
    }
    for (row, c) in analysis.fit.coefficients.iter().enumerate() {
        let row = row as u32 + 1;
        model.write_string(row, 0, metric_label(locale, &c.name))?;
        for (column, value) in [c.estimate, c.std_error, c.t, c.p, c.ci_low, c.ci_high]
            .into_iter()
            .enumerate()
        {
            if value.is_finite() {
                model.write_number(row, column as u16 + 1, value)?;
            }
        }
    }
    let fit = &analysis.fit;
    let last = analysis.fit.coefficients.len() as u32 + 2;
    for (offset, (key, value)) in [
        ("r_squared", fit.r_squared),
        ("adj_r_squared", fit.adj_r_squared),
        ("f_statistic", fit.f_statistic),
        ("f_p_value", fit.f_p_value),
        ("n", fit.n as f64),
    ]
    .into_iter()
    .enumerate()
    {
        model.write_string(
            last + offset as u32,
            0,
            t(locale, &format!("analysis.{key}")),
        )?;
        model.write_number(last + offset as u32, 1, value)?;
    }
    let steps = book.add_worksheet();
    steps.set_name(t(locale, "analysis.sheet_steps"))?;
    for (row, step) in analysis.steps.iter().enumerate() {
        steps.write_number(row as u32, 0, row as f64 + 1.0)?;
        steps.write_string(row as u32, 1, step.describe(step_language(locale)))?;
    }
    Ok(book.save_to_buffer()?)
}

/// The step log's language for `locale` (the statistics crate writes English and both Chinese
/// scripts).
fn step_language(locale: Locale) -> Language {
    match locale {
        Locale::En => Language::En,
        Locale::ZhCn => Language::Zh,
        Locale::ZhTw => Language::ZhTw,
    }
}

/// A KPI's name in `locale` (`kpi.{name}`), or the name itself for "(intercept)".
fn metric_label(locale: Locale, name: &str) -> String {
    if servq_kpi::metric(name).is_some() {
        t(locale, &format!("kpi.{name}"))
    } else {
        t(locale, "analysis.intercept")
    }
}

/// `text` with every KPI key (`fcr_rate`) that stands as a whole word replaced by its name in
/// `locale`: the step log and the equation in words. An uploaded file's own column names
/// (`my_csat_x`) stay as they are.
fn in_words(locale: Locale, text: &str) -> String {
    let is_word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut out = String::with_capacity(text.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        match servq_kpi::metric(word) {
            Some(metric) => out.push_str(&t(locale, &format!("kpi.{}", metric.name))),
            None => out.push_str(word),
        }
        word.clear();
    };
    for c in text.chars() {
        if is_word(c) {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            out.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

/// A coefficient row of the page.
pub(crate) struct CoefficientRow {
    name: String,
    key: String,
    estimate: String,
    interval: String,
    p: String,
    significant: bool,
    standardized: String,
    vif: String,
}

/// What the page shows once analysed.
pub(crate) struct DriverResult {
    /// The finding in a sentence.
    headline: String,
    /// The equation with KPI names, and with the keys scripts use.
    equation_words: String,
    equation: String,
    r_squared: String,
    adj_r_squared: String,
    f: String,
    n: usize,
    coefficients: Vec<CoefficientRow>,
    steps: Vec<String>,
    /// Chart data (relative weights, residuals, correlations, quadrant) as a JSON island.
    charts: String,
    /// The XLSX export (store analyses; an uploaded file's data is the user's own).
    xlsx: Option<String>,
}

/// One candidate checkbox.
pub(crate) struct Candidate {
    name: &'static str,
    checked: bool,
}

#[derive(askama::Template)]
#[template(path = "analysis_drivers.html")]
struct DriversPage {
    i18n: Text,
    title: String,
    header: String,
    csrf: String,
    from: String,
    to: String,
    targets: Vec<SelectOption>,
    candidates: Vec<Candidate>,
    filters: Vec<(&'static str, Vec<SelectOption>)>,
    rows: Vec<SelectOption>,
    alpha: f64,
    collinearity: f64,
    max_vif: f64,
    result: Option<DriverResult>,
    /// Why there is no result (nothing significant, too few days …), with what to try.
    problem: Option<String>,
}

/// `/analysis/drivers` (RunAnalysis): the form, and the analysis of what it asks.
pub(crate) async fn drivers_page(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    RawQuery(raw): RawQuery,
) -> Result<Response, Problem> {
    let Some(user) = user else {
        return Ok(Redirect::to("/login").into_response());
    };
    user.require(Permission::RunAnalysis)?;
    let locale = user.locale;
    // a checkbox per candidate sends `p` once per tick, which a struct cannot hold: gather them
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(raw.as_deref().unwrap_or(""))
        .map_err(|error| Problem::bad_request(locale, "bad_query", error.to_string()))?;
    let (ticked, rest): (Vec<_>, Vec<_>) = pairs.into_iter().partition(|(key, _)| key == "p");
    let rest = serde_urlencoded::to_string(&rest).map_err(Problem::internal)?;
    let mut params: DriverParams = serde_urlencoded::from_str(&rest)
        .map_err(|error| Problem::bad_request(locale, "bad_query", error.to_string()))?;
    params.p = ticked.into_iter().map(|(_, value)| value).collect();
    let (_, zone) = state.centre_zone().await?;
    let request = params.request(locale, &zone)?;
    let (result, problem) = match analysis::drivers_from_store(&state.store, &zone, &request).await
    {
        Ok((table, analysis, _)) => {
            let xlsx = xlsx_link(&request, &table);
            (
                Some(result_view(
                    locale,
                    request.options.alpha,
                    &table,
                    &analysis,
                    Some(xlsx),
                )),
                None,
            )
        }
        Err(AnalysisError::Failed(error)) => return Err(Problem::internal(error)),
        Err(error) => (
            None,
            Some(analysis_problem(locale, error).message_or_detail()),
        ),
    };
    let page = drivers_page_of(&state, &user, &request, &params, result, problem).await?;
    Ok(render(&page)?.into_response())
}

/// The drivers page around a result (or why there is none): the form as `request` and the
/// filter selects of `params` left it.
async fn drivers_page_of(
    state: &AppState,
    user: &CurrentUser,
    request: &DriversRequest,
    params: &DriverParams,
    result: Option<DriverResult>,
    problem: Option<String>,
) -> Result<DriversPage, Problem> {
    let locale = user.locale;
    let chosen: Vec<String> = if request.predictors.is_empty() {
        DEFAULT_PREDICTORS
            .iter()
            .map(|name| name.to_string())
            .collect()
    } else {
        request.predictors.clone()
    };
    let option =
        |value: &str, text: String, selected: bool| SelectOption::new(value, text, selected);
    let mut targets: Vec<&str> = SUGGESTED_TARGETS.to_vec();
    targets.extend(
        METRICS
            .iter()
            .filter(|m| m.unit != Unit::Count && !SUGGESTED_TARGETS.contains(&m.name))
            .map(|m| m.name),
    );
    let mut filters = Vec::new();
    for (dimension, current) in [
        (Dimension::Queue, &params.queue),
        (Dimension::Team, &params.team),
        (Dimension::Channel, &params.channel),
    ] {
        let current = given(current).unwrap_or_default();
        let choices =
            crate::dashboard::dimension_select(state, locale, dimension, &current).await?;
        filters.push((dimension.name(), choices));
    }
    Ok(DriversPage {
        i18n: Text::new(locale),
        title: t(locale, "analysis.title"),
        header: signed_in_header(user),
        csrf: user.csrf_token().to_owned(),
        from: request.from.to_string(),
        to: request.to.to_string(),
        targets: targets
            .into_iter()
            .map(|name| {
                option(
                    name,
                    t(locale, &format!("kpi.{name}")),
                    name == request.target,
                )
            })
            .collect(),
        candidates: METRICS
            .iter()
            .filter(|m| m.unit != Unit::Count)
            .map(|m| Candidate {
                name: m.name,
                checked: chosen.iter().any(|c| c == m.name),
            })
            .collect(),
        filters,
        rows: ["day", "week"]
            .into_iter()
            .map(|name| {
                option(
                    name,
                    t(locale, &format!("analysis.rows_{name}")),
                    name == request.grain.name(),
                )
            })
            .collect(),
        alpha: request.options.alpha,
        collinearity: request.options.collinearity,
        max_vif: request.options.max_vif,
        result,
        problem,
    })
}

/// Largest upload the drivers page reads: a few years of daily rows fit many times over.
const MAX_ANALYSIS_UPLOAD_BYTES: usize = 8 * 1024 * 1024;

/// `POST /analysis/drivers/file` (RunAnalysis, the page's form, CSRF token as a field): the driver
/// procedure on the columns of an uploaded CSV or spreadsheet — `servq drivers --csv`, in the
/// browser. Every unreadable cell is listed with its line.
pub(crate) async fn drivers_file(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, Problem> {
    let Some(user) = user else {
        return Ok(Redirect::to("/login").into_response());
    };
    user.require(Permission::RunAnalysis)?;
    let locale = user.locale;
    let mut multipart = multipart?;
    let folder = tempfile::tempdir().map_err(Problem::internal)?;
    let (mut csrf, mut target, mut predictors, mut encoding, mut sheet) =
        (None, String::new(), String::new(), "auto".to_owned(), None);
    let mut path = None;
    let mut size = 0usize;
    while let Some(mut field) = multipart
        .next_field()
        .await
        .map_err(|error| Problem::rejected(error.status(), error.body_text()))?
    {
        match field.name().unwrap_or("") {
            "file" => {
                let name = field.file_name().unwrap_or("upload.csv").to_lowercase();
                let extension = if name.ends_with(".xlsx") {
                    "xlsx"
                } else if name.ends_with(".xls") {
                    "xls"
                } else {
                    "csv"
                };
                let file = folder.path().join(format!("upload.{extension}"));
                let mut bytes = Vec::new();
                while let Some(chunk) = field
                    .chunk()
                    .await
                    .map_err(|error| Problem::rejected(error.status(), error.body_text()))?
                {
                    size += chunk.len();
                    if size > MAX_ANALYSIS_UPLOAD_BYTES {
                        return Err(Problem::too_large(format!(
                            "analysis files are limited to {MAX_ANALYSIS_UPLOAD_BYTES} bytes"
                        )));
                    }
                    bytes.extend_from_slice(&chunk);
                }
                std::fs::write(&file, bytes).map_err(Problem::internal)?;
                path = Some(file);
            }
            other => {
                let other = other.to_owned();
                let text = field
                    .text()
                    .await
                    .map_err(|error| Problem::rejected(error.status(), error.body_text()))?;
                match other.as_str() {
                    "csrf" => csrf = Some(text),
                    "target" => target = text.trim().to_owned(),
                    "predictors" => predictors = text,
                    "encoding" => encoding = text,
                    "sheet" => sheet = Some(text).filter(|s| !s.trim().is_empty()),
                    _ => {}
                }
            }
        }
    }
    user.check_csrf(csrf.as_deref())?;
    let names: Vec<String> = std::iter::once(target.clone())
        .chain(
            predictors
                .split([',', '，', ';', '；', '\n'])
                .map(str::trim)
                .filter(|name| !name.is_empty())
                .map(str::to_owned),
        )
        .collect();
    let (_, zone) = state.centre_zone().await?;
    let params = DriverParams::default();
    let request = params.request(locale, &zone)?;
    let outcome = match (&path, target.is_empty() || names.len() < 2) {
        (None, _) => Err(t(locale, "analysis.upload_missing")),
        (_, true) => Err(t(locale, "analysis.upload_columns")),
        (Some(path), false) => analysis::read_columns(path, &encoding, sheet.as_deref(), &names)
            .map_err(|error| format!("{error:#}"))
            .and_then(|columns| {
                let table = KpiTable {
                    rows: (0..columns[0].len())
                        .map(|row| (row + 2).to_string())
                        .collect(),
                    names: names.clone(),
                    columns,
                };
                analysis::drivers_of(&table, request.options)
                    .map(|analysis| (table, analysis))
                    .map_err(|error| {
                        analysis_problem(locale, AnalysisError::Stats(error)).message_or_detail()
                    })
            }),
    };
    let (result, problem) = match outcome {
        Ok((table, analysis)) => (
            Some(result_view(
                locale,
                request.options.alpha,
                &table,
                &analysis,
                None,
            )),
            None,
        ),
        Err(problem) => (None, Some(problem)),
    };
    let page = drivers_page_of(&state, &user, &request, &params, result, problem).await?;
    Ok(render(&page)?.into_response())
}

/// The page's view of an analysis.
fn result_view(
    locale: Locale,
    alpha: f64,
    table: &KpiTable,
    analysis: &DriverAnalysis,
    xlsx: Option<String>,
) -> DriverResult {
    let fit = &analysis.fit;
    let label = |name: &str| metric_label(locale, name);
    let predictors = &fit.coefficients[usize::from(fit.intercept)..];
    let coefficients = fit
        .coefficients
        .iter()
        .map(|c| {
            let index = predictors.iter().position(|p| p.name == c.name);
            CoefficientRow {
                name: label(&c.name),
                key: c.name.clone(),
                estimate: format!("{:.4}", c.estimate),
                interval: format!("[{:.4}, {:.4}]", c.ci_low, c.ci_high),
                p: if c.p < 0.0001 {
                    "< 0.0001".to_owned()
                } else {
                    format!("{:.4}", c.p)
                },
                significant: c.p <= alpha,
                standardized: index
                    .and_then(|i| fit.standardized.get(i))
                    .map_or(String::new(), |b| format!("{b:.3}")),
                vif: index
                    .and_then(|i| fit.vif.get(i))
                    .map_or(String::new(), |v| format!("{v:.2}")),
            }
        })
        .collect();
    // the strongest driver by relative weight, said in a sentence
    let top = analysis
        .relative_weights
        .iter()
        .max_by(|a, b| a.share.total_cmp(&b.share));
    let headline = match top {
        Some(weight) => t(locale, "analysis.headline")
            .replace("{target}", &label(&table.names[0]))
            .replace("{driver}", &label(&weight.name))
            .replace("{share}", &format!("{:.0}", weight.share * 100.0))
            .replace("{r2}", &format!("{:.0}", fit.r_squared * 100.0)),
        None => String::new(),
    };
    // residuals against fitted values, over the rows the model used
    let column = |name: &str| table.names.iter().position(|n| n == name);
    let mut residuals = Vec::new();
    for row in 0..table.rows.len() {
        let y = table.columns[0][row];
        let mut fitted = if fit.intercept {
            fit.coefficients[0].estimate
        } else {
            0.0
        };
        let mut complete = y.is_finite();
        for c in predictors {
            match column(&c.name).map(|i| table.columns[i][row]) {
                Some(x) if x.is_finite() => fitted += c.estimate * x,
                _ => complete = false,
            }
        }
        if complete {
            residuals.push(json!([fitted, y - fitted, table.rows[row]]));
        }
    }
    let correlation = analysis::correlation_of(table, Method::Pearson).ok();
    // importance × performance: importance = |r| with the target; performance = how the last
    // seven rows compare with the period (in standard deviations, oriented so that up is better)
    let quadrant: Vec<Value> = table.names[1..]
        .iter()
        .enumerate()
        .filter_map(|(offset, name)| {
            let r = correlation.as_ref()?.r[0][offset + 1];
            let values: Vec<f64> = table.columns[offset + 1]
                .iter()
                .copied()
                .filter(|v| v.is_finite())
                .collect();
            if values.len() < 8 || !r.is_finite() {
                return None;
            }
            let mean = values.iter().sum::<f64>() / values.len() as f64;
            let sd = (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>()
                / (values.len() - 1) as f64)
                .sqrt();
            let recent = values[values.len() - 7..].iter().sum::<f64>() / 7.0;
            let direction = match servq_kpi::metric(name).map(|m| m.better) {
                Some(Better::Lower) => -1.0,
                _ => 1.0,
            };
            let performance = if sd > 0.0 {
                direction * (recent - mean) / sd
            } else {
                0.0
            };
            Some(json!({"name": label(name), "importance": r.abs(), "performance": performance}))
        })
        .collect();
    let charts = json!({
        "weights": analysis.relative_weights.iter().map(|w| json!({"name": label(&w.name), "share": w.share})).collect::<Vec<_>>(),
        "residuals": residuals,
        "correlation": correlation.as_ref().map(|m| json!({
            "names": m.names.iter().map(|n| label(n)).collect::<Vec<_>>(),
            "r": m.r.iter().map(|row| row.iter().map(|v| analysis::json_number(*v)).collect::<Vec<_>>()).collect::<Vec<_>>(),
        })),
        "quadrant": quadrant,
        "text": {
            "weights": t(locale, "analysis.chart_weights"),
            "residuals": t(locale, "analysis.chart_residuals"),
            "fitted": t(locale, "analysis.fitted"),
            "residual": t(locale, "analysis.residual"),
            "correlation": t(locale, "analysis.chart_correlation"),
            "quadrant": t(locale, "analysis.chart_quadrant"),
            "importance": t(locale, "analysis.importance"),
            "performance": t(locale, "analysis.performance"),
        },
    });
    DriverResult {
        headline,
        equation_words: in_words(locale, &analysis.equation),
        equation: analysis.equation.clone(),
        r_squared: format!("{:.3}", fit.r_squared),
        adj_r_squared: format!("{:.3}", fit.adj_r_squared),
        f: format!(
            "F({:.0}, {:.0}) = {:.2}, p = {:.2e}",
            fit.df_model, fit.df_residual, fit.f_statistic, fit.f_p_value
        ),
        n: fit.n,
        coefficients,
        steps: analysis
            .steps
            .iter()
            .map(|s| in_words(locale, &s.describe(step_language(locale))))
            .collect(),
        charts: crate::pages::script_json(&charts),
        xlsx,
    }
}

/// The XLSX export of a store analysis: the API with the request's parameters.
fn xlsx_link(request: &DriversRequest, table: &KpiTable) -> String {
    let mut pairs: Vec<(&str, String)> = vec![
        ("from", request.from.to_string()),
        ("to", request.to.to_string()),
        ("target", request.target.clone()),
        ("rows", request.grain.name().to_owned()),
        ("format", "xlsx".to_owned()),
    ];
    if !table.names[1..].is_empty() {
        pairs.push(("predictors", table.names[1..].join(",")));
    }
    let filter: Vec<String> = request
        .filters
        .iter()
        .flat_map(|(d, values)| values.iter().map(move |v| format!("{}={v}", d.name())))
        .collect();
    if !filter.is_empty() {
        pairs.push(("filter", filter.join(",")));
    }
    format!(
        "/api/v1/analysis/drivers?{}",
        query_params::query_string(&pairs)
    )
}

/// `GET /api/v1/analysis/pareto` and `/analysis/pareto` parameters.
#[derive(Debug, Deserialize, Default, utoipa::IntoParams)]
pub(crate) struct ParetoParams {
    /// review_reasons (default), agent_reasons, other_reasons, qa_hits, ticket_categories or complaints.
    source: Option<String>,
    /// First day, YYYY-MM-DD (default: 28 days ending yesterday).
    from: Option<String>,
    /// Last day, inclusive.
    to: Option<String>,
    /// The vital few stay within this cumulative share of the cases (default 0.8).
    cutoff: Option<f64>,
    /// Split the matrix at these cases instead of the median frequency.
    frequency_at: Option<f64>,
    /// Split the matrix at these distinct customers instead of the median impact.
    impact_at: Option<f64>,
}

impl ParetoParams {
    fn request(
        &self,
        locale: Locale,
        zone: &jiff::tz::TimeZone,
    ) -> Result<analysis::ParetoRequest, Problem> {
        let (from, to) =
            query_params::whole_days(locale, zone, &self.from, &self.to, DEFAULT_DAYS)?;
        let source_name = given(&self.source).unwrap_or_else(|| "review_reasons".to_owned());
        let source = servq_store::ProblemSource::parse(&source_name).ok_or_else(|| {
            Problem::bad_request(
                locale,
                "bad_source",
                format!(
                    "source '{source_name}' is not review_reasons, agent_reasons, other_reasons, qa_hits, ticket_categories or complaints"
                ),
            )
        })?;
        let split = match (self.frequency_at, self.impact_at) {
            (None, None) => servq_stats::MatrixSplit::Medians,
            (Some(frequency), Some(impact)) => servq_stats::MatrixSplit::At { frequency, impact },
            _ => {
                return Err(Problem::bad_request(
                    locale,
                    "bad_split",
                    "give both frequency_at and impact_at, or neither (medians)".to_owned(),
                ));
            }
        };
        Ok(analysis::ParetoRequest {
            source,
            from,
            to,
            cutoff: self.cutoff.unwrap_or(0.8),
            split,
        })
    }
}

/// `GET /api/v1/analysis/pareto` (RunAnalysis): the Pareto of unsatisfied-review reasons, QA rule
/// hits, ticket categories or complaint categories over a period, the vital few, and the
/// frequency × impact matrix (cases × distinct customers, with the CSAT gap and repeat-contact
/// rate as consequence).
#[utoipa::path(get, path = "/api/v1/analysis/pareto", tag = "analysis", params(ParetoParams),
    responses((status = 200, description = "source, from, to, cases, cutoff, pareto, vital_few, centre_csat_mean, matrix", body = Object),
        (status = 400, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn pareto_api(
    State(state): State<AppState>,
    user: CurrentUser,
    params: Result<Query<ParetoParams>, QueryRejection>,
) -> Result<axum::Json<Value>, Problem> {
    user.require(Permission::RunAnalysis)?;
    let Query(params) = params?;
    let locale = user.locale;
    let (_, zone) = state.centre_zone().await?;
    let request = params.request(locale, &zone)?;
    analysis::pareto_report(&state.store, &zone, &request)
        .await
        .map(axum::Json)
        .map_err(|error| analysis_problem(locale, error))
}

/// Names of problems in the user's language: review reasons and ticket categories by their
/// stored names, QA rules as named in the rule set.
pub(crate) async fn problem_names(
    state: &AppState,
    locale: Locale,
    source: servq_store::ProblemSource,
) -> Result<std::collections::HashMap<String, String>, Problem> {
    use servq_store::ProblemSource;
    let mut names = std::collections::HashMap::new();
    match source {
        ProblemSource::ReviewReasons
        | ProblemSource::AgentReasons
        | ProblemSource::OtherReasons => {
            for reason in state
                .store
                .review_reasons()
                .await
                .map_err(Problem::internal)?
            {
                names.insert(
                    reason.reason_id.clone(),
                    reason.name(locale.tag()).to_owned(),
                );
            }
        }
        ProblemSource::TicketCategories | ProblemSource::Complaints => {
            fn walk(
                nodes: &[servq_desk::Category],
                locale: &str,
                names: &mut std::collections::HashMap<String, String>,
            ) {
                for node in nodes {
                    names.insert(node.id.clone(), node.name(locale).to_owned());
                    walk(&node.children, locale, names);
                }
            }
            let tree = servq_app::desk::categories(&state.store)
                .await
                .map_err(|error| Problem::internal(format!("{error:#}")))?;
            walk(&tree, locale.tag(), &mut names);
        }
        ProblemSource::QaHits => {}
    }
    Ok(names)
}

/// One row of the page's Pareto table.
pub(crate) struct ParetoRowView {
    name: String,
    cases: usize,
    share: String,
    cumulative: String,
    vital: bool,
}

/// One problem of the page's matrix table.
pub(crate) struct MatrixRowView {
    name: String,
    frequency: String,
    impact: String,
    csat_gap: String,
    repeat_rate: String,
    quadrant: String,
}

#[derive(askama::Template)]
#[template(path = "analysis_pareto.html")]
struct ParetoPage {
    i18n: Text,
    title: String,
    header: String,
    csrf: String,
    from: String,
    to: String,
    /// (source, label, link, current).
    sources: Vec<(&'static str, String, String, bool)>,
    source: &'static str,
    cases: usize,
    rows: Vec<ParetoRowView>,
    vital: String,
    matrix: Vec<MatrixRowView>,
    chart: String,
}

/// `/analysis/pareto` (RunAnalysis): the Pareto and the matrix of one source of problems.
pub(crate) async fn pareto_page(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    params: Result<Query<ParetoParams>, QueryRejection>,
) -> Result<Response, Problem> {
    let Some(user) = user else {
        return Ok(Redirect::to("/login").into_response());
    };
    user.require(Permission::RunAnalysis)?;
    let Query(params) = params?;
    let locale = user.locale;
    let (_, zone) = state.centre_zone().await?;
    let request = params.request(locale, &zone)?;
    let report = analysis::pareto_report(&state.store, &zone, &request)
        .await
        .map_err(|error| analysis_problem(locale, error))?;
    let names = problem_names(&state, locale, request.source).await?;
    let label = |key: &Value| -> String {
        let key = key.as_str().unwrap_or_default();
        names.get(key).cloned().unwrap_or_else(|| key.to_owned())
    };
    let percent = |v: &Value| {
        v.as_f64()
            .map_or("—".to_owned(), |v| format!("{:.1}%", v * 100.0))
    };
    let empty = Vec::new();
    let pareto = report["pareto"].as_array().unwrap_or(&empty);
    let matrix = report["matrix"].as_array().unwrap_or(&empty);
    let chart = json!({
        "names": pareto.iter().map(|row| label(&row["name"])).collect::<Vec<_>>(),
        "cases": pareto.iter().map(|row| row["cases"].clone()).collect::<Vec<_>>(),
        "cumulative": pareto.iter().map(|row| row["cumulative_share"].clone()).collect::<Vec<_>>(),
        "cutoff": request.cutoff,
        "matrix": matrix.iter().map(|item| json!([item["frequency"], item["impact"], label(&item["name"]), item["csat_gap"]])).collect::<Vec<_>>(),
        "text": {
            "cases": t(locale, "pareto.cases"),
            "cumulative": t(locale, "pareto.cumulative"),
            "frequency": t(locale, "pareto.frequency"),
            "impact": t(locale, "pareto.impact"),
            "csat_gap": t(locale, "pareto.csat_gap"),
        },
    });
    let link = |source: servq_store::ProblemSource| {
        format!(
            "/analysis/pareto?{}",
            query_params::query_string(&[
                ("source", source.name().to_owned()),
                ("from", request.from.to_string()),
                ("to", request.to.to_string()),
            ])
        )
    };
    let page = ParetoPage {
        i18n: Text::new(locale),
        title: t(locale, "pareto.title"),
        header: signed_in_header(&user),
        csrf: user.csrf_token().to_owned(),
        from: request.from.to_string(),
        to: request.to.to_string(),
        sources: servq_store::ProblemSource::ALL
            .into_iter()
            .map(|source| {
                (
                    source.name(),
                    t(locale, &format!("pareto.source_{}", source.name())),
                    link(source),
                    source == request.source,
                )
            })
            .collect(),
        source: request.source.name(),
        cases: report["cases"].as_u64().unwrap_or(0) as usize,
        rows: pareto
            .iter()
            .map(|row| ParetoRowView {
                name: label(&row["name"]),
                cases: row["cases"].as_u64().unwrap_or(0) as usize,
                share: percent(&row["share"]),
                cumulative: percent(&row["cumulative_share"]),
                vital: row["vital"].as_bool().unwrap_or(false),
            })
            .collect(),
        vital: report["vital_few"]
            .as_array()
            .unwrap_or(&empty)
            .iter()
            .map(&label)
            .collect::<Vec<_>>()
            .join("、"),
        matrix: matrix
            .iter()
            .map(|item| MatrixRowView {
                name: label(&item["name"]),
                frequency: format!("{}", item["frequency"].as_f64().unwrap_or(0.0)),
                impact: format!("{}", item["impact"].as_f64().unwrap_or(0.0)),
                csat_gap: item["csat_gap"]
                    .as_f64()
                    .map_or("—".to_owned(), |g| format!("{g:+.2}")),
                repeat_rate: percent(&item["repeat_rate"]),
                quadrant: t(
                    locale,
                    &format!(
                        "pareto.quadrant_{}",
                        item["quadrant"].as_str().unwrap_or("watch")
                    ),
                ),
            })
            .collect(),
        chart: crate::pages::script_json(&chart),
    };
    Ok(render(&page)?.into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kpi_keys_become_names_only_as_whole_words() {
        assert_eq!(
            in_words(
                Locale::En,
                "csat_mean = 4.4 + 0.8·fcr_rate; my_csat_x, csat"
            ),
            format!(
                "{} = 4.4 + 0.8·{}; my_csat_x, {}",
                t(Locale::En, "kpi.csat_mean"),
                t(Locale::En, "kpi.fcr_rate"),
                t(Locale::En, "kpi.csat")
            )
        );
    }
}
