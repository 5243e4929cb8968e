//! Driver analysis on the store's daily (or weekly) KPIs: one code path for `servq drivers
//! --from-store`, `GET /api/v1/analysis/drivers` and the `/analysis/drivers` page, and the JSON
//! contract they share (docs/cli.md#servq-drivers).

use anyhow::{Context, bail};
use jiff::{Span, civil::Date, tz::TimeZone};
use serde_json::{Map, Value, json};
use servq_import::{ColumnMap, OpenOptions, TableReader, TextEncoding};
use servq_kpi::{Dimension, METRICS, Metric, MetricValue, Unit};
use servq_stats::{
    Column, CorrelationMatrix, DriverAnalysis, DriverOptions, Language, Method, OlsFit, StatsError,
    Step,
};
use servq_store::{GroupField, KpiQuery, Store, TimeGrain};

/// A finite number as JSON, NaN and infinities as null.
pub fn json_number(value: f64) -> Value {
    serde_json::Number::from_f64(value).map_or(Value::Null, Value::Number)
}

/// The KPIs offered as candidate drivers by default. Not the abandon rate: over the same counted
/// contacts it is exactly 1 − answer rate, a pair that says nothing.
pub const DEFAULT_PREDICTORS: &[&str] = &[
    "answer_rate",
    "service_level",
    "asa_seconds",
    "aht_seconds",
    "transfer_rate",
    "fcr_rate",
    "occupancy",
];

/// Targets the page offers first (any KPI with daily values may be a target).
pub const SUGGESTED_TARGETS: &[&str] = &["csat_mean", "csat", "nps", "ces", "fcr_rate", "qa_score"];

/// One row per day or per ISO week.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RowGrain {
    /// A row per day (the study's way).
    #[default]
    Day,
    /// A row per ISO week.
    Week,
}

impl RowGrain {
    /// Parses `day` or `week`.
    pub fn parse(text: &str) -> Option<RowGrain> {
        match text.trim() {
            "" | "day" => Some(RowGrain::Day),
            "week" => Some(RowGrain::Week),
            _ => None,
        }
    }

    /// `day` or `week`.
    pub fn name(self) -> &'static str {
        match self {
            RowGrain::Day => "day",
            RowGrain::Week => "week",
        }
    }
}

/// What to analyse.
#[derive(Debug, Clone)]
pub struct DriversRequest {
    /// First day.
    pub from: Date,
    /// Last day, inclusive.
    pub to: Date,
    /// The KPI to explain.
    pub target: String,
    /// Candidate drivers; empty: [`DEFAULT_PREDICTORS`] without the target.
    pub predictors: Vec<String>,
    /// Only rows of these dimension values.
    pub filters: Vec<(Dimension, Vec<String>)>,
    /// Significance, collinearity and VIF thresholds.
    pub options: DriverOptions,
    /// Rows per day or per week.
    pub grain: RowGrain,
}

/// Why an analysis cannot be made.
#[derive(Debug, thiserror::Error)]
pub enum AnalysisError {
    /// A request that cannot be answered as asked (a stable `code` and a message).
    #[error("{message}")]
    Refused {
        /// Stable code for the API's problem document.
        code: &'static str,
        /// What is wrong, in English.
        message: String,
    },
    /// The statistics cannot be computed (too few rows, nothing significant …).
    #[error(transparent)]
    Stats(#[from] StatsError),
    /// The store failed.
    #[error(transparent)]
    Failed(#[from] servq_store::StoreError),
}

impl AnalysisError {
    fn refused(code: &'static str, message: impl Into<String>) -> Self {
        AnalysisError::Refused {
            code,
            message: message.into(),
        }
    }

    /// The stable code of a refusal or a statistics problem (`nothing_significant`,
    /// `not_enough_rows`, …); `None` for a store failure.
    pub fn code(&self) -> Option<&'static str> {
        match self {
            AnalysisError::Refused { code, .. } => Some(code),
            AnalysisError::Stats(StatsError::NothingSignificant { .. }) => {
                Some("nothing_significant")
            }
            AnalysisError::Stats(StatsError::NotEnoughObservations { .. }) => {
                Some("not_enough_rows")
            }
            AnalysisError::Stats(_) => Some("bad_analysis"),
            AnalysisError::Failed(_) => None,
        }
    }
}

/// The columns of an analysis: names (target first), values per row, row labels.
#[derive(Debug, Clone)]
pub struct KpiTable {
    /// Target, then predictors.
    pub names: Vec<String>,
    /// One column per name; NaN where a KPI is undefined that day.
    pub columns: Vec<Vec<f64>>,
    /// The day (or week's Monday) of each row.
    pub rows: Vec<String>,
}

/// The KPIs with values per row (every ratio and mean; counts are not drivers).
pub fn analysable(name: &str) -> Option<&'static Metric> {
    servq_kpi::metric(name).filter(|metric| metric.unit != Unit::Count)
}

/// The start of `day` in `zone`, UTC ms.
fn day_start_ms(zone: &TimeZone, day: Date) -> Result<i64, AnalysisError> {
    crate::day_start_ms(zone, day)
        .map_err(|_| AnalysisError::refused("bad_date", format!("{day} has no start in the zone")))
}

/// The UTC ms range `[from, to + 1 day)` of whole days in `zone`; messages name the bounds with
/// `prefix` (`--` as the command line spells them, none for the API).
fn period_ms(
    zone: &TimeZone,
    from: Date,
    to: Date,
    prefix: &str,
) -> Result<(i64, i64), AnalysisError> {
    if from > to {
        return Err(AnalysisError::refused(
            "bad_date",
            format!("{prefix}from must not be after {prefix}to"),
        ));
    }
    let end = to
        .checked_add(Span::new().days(1))
        .map_err(|_| AnalysisError::refused("bad_date", format!("{prefix}to is out of range")))?;
    Ok((day_start_ms(zone, from)?, day_start_ms(zone, end)?))
}

/// The table of `request`'s KPIs per day (or week) from the store.
pub async fn kpi_table(
    store: &Store,
    zone: &TimeZone,
    request: &DriversRequest,
) -> Result<KpiTable, AnalysisError> {
    let (from_ms, to_ms) = period_ms(zone, request.from, request.to, "--")?;
    let predictors: Vec<String> = if request.predictors.is_empty() {
        DEFAULT_PREDICTORS
            .iter()
            .filter(|name| **name != request.target)
            .map(|name| name.to_string())
            .collect()
    } else {
        request.predictors.clone()
    };
    let mut names = vec![request.target.clone()];
    names.extend(predictors);
    let metrics = names
        .iter()
        .map(|name| {
            analysable(name).ok_or_else(|| {
                let known: Vec<&str> = METRICS
                    .iter()
                    .filter(|m| m.unit != Unit::Count)
                    .map(|m| m.name)
                    .collect();
                AnalysisError::refused(
                    "unknown_metric",
                    format!(
                        "'{name}' is not a KPI the store has daily values of; one of {}",
                        known.join(", ")
                    ),
                )
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let grain = match request.grain {
        RowGrain::Day => TimeGrain::Day,
        RowGrain::Week => TimeGrain::Week,
    };
    // the customer measures (churn, repeat contacts, complaint customers) come with the rollup
    // sums when named, so "does low FCR precede churn?" can be asked
    let groups = crate::report::kpi_groups(
        store,
        &KpiQuery {
            group_by: vec![GroupField::Time(grain)],
            from_ms: Some(from_ms),
            to_ms: Some(to_ms),
            zone: zone.clone(),
            filters: request.filters.clone(),
        },
        &metrics,
    )
    .await?;
    let mut columns = vec![Vec::with_capacity(groups.len()); names.len()];
    for group in &groups {
        for (column, metric) in columns.iter_mut().zip(&metrics) {
            column.push(
                match (metric.compute)(&group.contacts, group.states.as_ref(), &group.feedback) {
                    MetricValue::Number(Some(value)) => value,
                    MetricValue::Count(count) => count as f64,
                    MetricValue::Number(None) => f64::NAN,
                },
            );
        }
    }
    if groups.len() < 3 {
        return Err(AnalysisError::refused(
            "not_enough_rows",
            format!(
                "the store has {} {}(s) with contacts between {} and {}; driver analysis needs more rows than predictors",
                groups.len(),
                request.grain.name(),
                request.from,
                request.to
            ),
        ));
    }
    Ok(KpiTable {
        names,
        columns,
        rows: groups
            .iter()
            .map(|group| group.key[0].clone().unwrap_or_default())
            .collect(),
    })
}

/// `servq drivers --from-store … --format json`, exactly: the analysis of `request`'s table.
pub async fn drivers_from_store(
    store: &Store,
    zone: &TimeZone,
    request: &DriversRequest,
) -> Result<(KpiTable, DriverAnalysis, Value), AnalysisError> {
    let table = kpi_table(store, zone, request).await?;
    let analysis = drivers_of(&table, request.options)?;
    let mut value = drivers_json(&analysis);
    let mut source = json!({"store": "daily KPIs", "from": request.from.to_string(),
        "to": request.to.to_string(), "days": table.rows.len()});
    if request.grain == RowGrain::Week {
        source["store"] = json!("weekly KPIs");
        source["weeks"] = json!(table.rows.len());
    }
    value["source"] = source;
    Ok((table, analysis, value))
}

/// The driver procedure on a table (target first).
pub fn drivers_of(table: &KpiTable, options: DriverOptions) -> Result<DriverAnalysis, StatsError> {
    servq_stats::drivers(
        Column {
            name: &table.names[0],
            values: &table.columns[0],
        },
        &table.names[1..]
            .iter()
            .zip(&table.columns[1..])
            .map(|(name, values)| Column { name, values })
            .collect::<Vec<_>>(),
        options,
    )
}

/// The correlation matrix of a table's columns.
pub fn correlation_of(table: &KpiTable, method: Method) -> Result<CorrelationMatrix, StatsError> {
    servq_stats::correlation(
        &table
            .names
            .iter()
            .zip(&table.columns)
            .map(|(name, values)| Column { name, values })
            .collect::<Vec<_>>(),
        method,
    )
}

/// The JSON contract of a fit (docs/cli.md, `servq stats ols`).
pub fn fit_json(fit: &OlsFit) -> Value {
    let number = json_number;
    let coefficients: Vec<Value> = fit
        .coefficients
        .iter()
        .map(|c| {
            json!({
                "name": c.name,
                "estimate": number(c.estimate),
                "std_error": number(c.std_error),
                "t": number(c.t),
                "p": number(c.p),
                "ci_low": number(c.ci_low),
                "ci_high": number(c.ci_high),
            })
        })
        .collect();
    let predictors = &fit.coefficients[usize::from(fit.intercept)..];
    let named = |values: &[f64]| -> Value {
        if values.is_empty() {
            return Value::Null;
        }
        let mut map = Map::new();
        for (c, v) in predictors.iter().zip(values) {
            map.insert(c.name.clone(), number(*v));
        }
        Value::Object(map)
    };
    json!({
        "n": fit.n,
        "df_residual": fit.df_residual,
        "coefficients": coefficients,
        "r_squared": number(fit.r_squared),
        "adj_r_squared": number(fit.adj_r_squared),
        "f_statistic": number(fit.f_statistic),
        "f_p_value": number(fit.f_p_value),
        "residual_std_error": number(fit.residual_std_error),
        "df_model": fit.df_model,
        "intercept": fit.intercept,
        "vif": named(&fit.vif),
        "standardized": named(&fit.standardized),
        "condition_number": number(fit.condition_number),
    })
}

/// One step of the procedure as JSON, with its text in both languages.
pub fn step_json(step: &Step) -> Value {
    let number = json_number;
    let mut value = match step {
        Step::Start {
            target,
            predictors,
            n,
        } => {
            json!({"kind": "start", "target": target, "predictors": predictors, "n": n})
        }
        Step::CollinearPair {
            a,
            b,
            r,
            f_without_a,
            f_without_b,
            removed,
        } => json!({
            "kind": "collinear_pair", "a": a, "b": b, "r": number(*r),
            "f_without_a": number(*f_without_a), "f_without_b": number(*f_without_b), "removed": removed,
        }),
        Step::HighVif {
            candidates,
            removed,
        } => json!({
            "kind": "high_vif",
            "candidates": candidates.iter().map(|(name, vif, f)| json!({"name": name, "vif": number(*vif), "f_without": number(*f)})).collect::<Vec<_>>(),
            "removed": removed,
        }),
        Step::Insignificant { name, p, alpha } => {
            json!({"kind": "insignificant", "name": name, "p": number(*p), "alpha": alpha})
        }
        Step::Final {
            kept,
            r_squared,
            f_statistic,
            f_p_value,
        } => json!({
            "kind": "final", "kept": kept, "r_squared": number(*r_squared),
            "f_statistic": number(*f_statistic), "f_p_value": number(*f_p_value),
        }),
    };
    value["text"] = json!({"en": step.describe(Language::En), "zh": step.describe(Language::Zh)});
    value
}

/// The JSON contract of `servq drivers` (without `source`).
pub fn drivers_json(analysis: &DriverAnalysis) -> Value {
    json!({
        "steps": analysis.steps.iter().map(step_json).collect::<Vec<_>>(),
        "equation": analysis.equation,
        "model": fit_json(&analysis.fit),
        "relative_weights": analysis.relative_weights.iter().map(|w| json!({
            "name": w.name, "weight": json_number(w.weight), "share": json_number(w.share),
        })).collect::<Vec<_>>(),
    })
}

/// The JSON contract of `servq stats corr`.
pub fn correlation_json(matrix: &CorrelationMatrix, method: Method) -> Value {
    let grid = |values: &Vec<Vec<f64>>| -> Value {
        Value::Array(
            values
                .iter()
                .map(|row| Value::Array(row.iter().map(|v| json_number(*v)).collect()))
                .collect(),
        )
    };
    json!({
        "method": match method { Method::Pearson => "pearson", Method::Spearman => "spearman" },
        "columns": matrix.names,
        "r": grid(&matrix.r),
        "p": grid(&matrix.p),
        "n": matrix.n,
    })
}

/// What a Pareto of problems covers.
#[derive(Debug, Clone)]
pub struct ParetoRequest {
    /// Which problems.
    pub source: servq_store::ProblemSource,
    /// First day.
    pub from: Date,
    /// Last day, inclusive.
    pub to: Date,
    /// The vital few stay within this cumulative share of the cases (default 0.8).
    pub cutoff: f64,
    /// Where the matrix splits high from low.
    pub split: servq_stats::MatrixSplit,
}

/// `GET /api/v1/analysis/pareto`: the Pareto of `request`'s problems (cases may show several, so
/// the cumulative share counts distinct cases covered), the vital few within the cutoff, and the
/// frequency × impact matrix with each problem's consequence.
pub async fn pareto_report(
    store: &Store,
    zone: &TimeZone,
    request: &ParetoRequest,
) -> Result<Value, AnalysisError> {
    let (from_ms, to_ms) = period_ms(zone, request.from, request.to, "")?;
    if !(request.cutoff > 0.0 && request.cutoff <= 1.0) {
        return Err(AnalysisError::refused(
            "bad_cutoff",
            format!("cutoff must be in (0, 1], not {}", request.cutoff),
        ));
    }
    let settings = store.kpi_settings().await?;
    let cases = store
        .problem_cases(request.source, from_ms, to_ms, settings.fcr_window_ms)
        .await?;
    let centre = store
        .kpi(&KpiQuery {
            group_by: Vec::new(),
            from_ms: Some(from_ms),
            to_ms: Some(to_ms),
            zone: zone.clone(),
            filters: Vec::new(),
        })
        .await?;
    let centre_csat = centre
        .first()
        .and_then(|group| servq_kpi::csat_mean(&group.feedback.survey));
    let problems: Vec<Vec<&str>> = cases
        .iter()
        .map(|case| case.problems.iter().map(String::as_str).collect())
        .collect();
    let rows = servq_stats::coverage_pareto(&problems);
    // the vital few, as every Pareto of servq counts them (docs/stats.md#pareto-and-quadrant)
    let vital: Vec<String> = rows
        .iter()
        .take(servq_stats::vital_few_count(
            rows.iter().map(|row| row.cumulative_share),
            request.cutoff,
        ))
        .map(|row| row.name.clone())
        .collect();
    let facts: Vec<servq_stats::ProblemCaseFacts> = cases
        .iter()
        .map(|case| servq_stats::ProblemCaseFacts {
            problems: &case.problems,
            customer: case.customer.as_deref(),
            csat: case.csat,
            repeated: case.repeated,
        })
        .collect();
    let matrix = servq_stats::frequency_impact(&facts, centre_csat, request.split);
    Ok(json!({
        "source": request.source.name(),
        "from": request.from.to_string(),
        "to": request.to.to_string(),
        "cases": cases.len(),
        "cutoff": request.cutoff,
        "pareto": rows.iter().map(|row| json!({
            "name": row.name,
            "cases": row.cases,
            "share": json_number(row.share),
            "cumulative_cases": row.cumulative_cases,
            "cumulative_share": json_number(row.cumulative_share),
            "vital": vital.contains(&row.name),
        })).collect::<Vec<_>>(),
        "vital_few": vital,
        "centre_csat_mean": centre_csat.map(json_number),
        "matrix": matrix.iter().map(|item| json!({
            "name": item.name,
            "frequency": item.frequency,
            "impact": item.impact,
            "csat_gap": item.csat_gap.map(json_number),
            "repeat_rate": item.repeat_rate.map(json_number),
            "quadrant": item.quadrant.name(),
        })).collect::<Vec<_>>(),
    }))
}

/// Opens a CSV or spreadsheet requiring the named columns (matched case-insensitively, in
/// `names` order for `reader.columns.get`).
pub fn open_table(
    file: &std::path::Path,
    encoding: &str,
    sheet: Option<&str>,
    names: &[String],
) -> anyhow::Result<TableReader> {
    let encoding = TextEncoding::parse(encoding)
        .with_context(|| format!("--encoding '{encoding}' is not one of utf-8, gbk, gb18030"))?;
    let lowered: Vec<String> = names
        .iter()
        .map(|name| name.trim().to_lowercase())
        .collect();
    let canonical: Vec<&str> = lowered.iter().map(String::as_str).collect();
    let options = OpenOptions {
        columns: &canonical,
        required: &canonical,
        map: ColumnMap::default(),
        encoding,
        sheet: sheet.map(str::to_owned),
        limits: servq_import::SheetLimits::from_env(),
    };
    Ok(TableReader::open(file, &options)?)
}

/// Reads named numeric columns of a CSV or spreadsheet (the CLI's `--csv`, the drivers page's
/// upload); empty, `NA`, `null` and `-` cells are missing values (NaN); `85%` reads as 0.85.
/// Every unreadable cell is reported as `file:line: column: reason` (at most about 100).
pub fn read_columns(
    file: &std::path::Path,
    encoding: &str,
    sheet: Option<&str>,
    names: &[String],
) -> anyhow::Result<Vec<Vec<f64>>> {
    let mut reader = open_table(file, encoding, sheet, names)?;
    let mut columns = vec![Vec::new(); names.len()];
    let mut row = Vec::new();
    let mut errors = Vec::new();
    while let Some(line) = reader.next_row(&mut row)? {
        if let Some(problem) = reader.shape_error(&row) {
            errors.push(format!("{}:{line}: {problem}", reader.path()));
            continue;
        }
        for (index, name) in names.iter().enumerate() {
            let text = reader.columns.get(&row, index).trim();
            match parse_number(text) {
                Some(value) => columns[index].push(value),
                None => {
                    errors.push(format!(
                        "{}:{line}: {name}: '{text}' is not a number",
                        reader.path()
                    ));
                    columns[index].push(f64::NAN);
                }
            }
        }
        if errors.len() > 100 {
            break;
        }
    }
    if !errors.is_empty() {
        bail!("{}", errors.join("\n"));
    }
    Ok(columns)
}

/// A cell as a number: blank, `NA`, `N/A`, `null`, `NaN` and `-` are missing (NaN); `85%` is 0.85.
pub fn parse_number(text: &str) -> Option<f64> {
    if text.is_empty()
        || matches!(
            text.to_ascii_lowercase().as_str(),
            "na" | "n/a" | "null" | "nan" | "-"
        )
    {
        return Some(f64::NAN);
    }
    let value = match text.strip_suffix('%') {
        Some(percent) => percent.trim().parse::<f64>().ok()? / 100.0,
        None => text.parse::<f64>().ok()?,
    };
    value.is_finite().then_some(value)
}
