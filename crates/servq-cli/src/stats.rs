//! `servq stats ols|corr` and `servq drivers`: regression, correlation and the driver procedure
//! on columns of a CSV/XLSX file or on daily KPIs from the store. The statistics live in
//! `servq-stats`; this module reads columns and prints.

use std::{io::Write, path::PathBuf, process::ExitCode};

use anyhow::{Context, Result, bail, ensure};
use serde_json::{Value, json};
use servq_app::analysis::{
    self, DriversRequest, RowGrain, correlation_json, drivers_json, fit_json, open_table,
    parse_number, read_columns,
};
use servq_stats::{Column, CorrelationMatrix, DriverOptions, Language, Method, OlsFit};

use crate::{config::Config, json_number as number, kpi};

/// Output formats of the statistics commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Aligned text for a terminal.
    Table,
    /// JSON (docs/cli.md gives the keys).
    Json,
}

/// Output formats of `servq drivers`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DriverFormat {
    /// The step log and the final model in words.
    Text,
    /// JSON (docs/cli.md gives the keys).
    Json,
}

/// Language of the step log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Lang {
    /// English.
    En,
    /// 简体中文.
    Zh,
    /// 繁體中文.
    #[value(name = "zh-tw")]
    ZhTw,
}

/// Where the data of a statistics command comes from.
#[derive(Debug, clap::Args)]
pub struct FileArgs {
    /// The data: CSV (UTF-8 or --encoding gbk) or a spreadsheet; one column per variable.
    #[arg(long)]
    csv: PathBuf,
    /// Text encoding of a CSV file: utf-8 (BOM allowed) or gbk/gb18030.
    #[arg(long, default_value = "utf-8")]
    encoding: String,
    /// Sheet of a spreadsheet (default the first).
    #[arg(long)]
    sheet: Option<String>,
}

#[derive(Debug, clap::Subcommand)]
pub enum StatsCommand {
    /// Ordinary least squares: coefficients, standard errors, t, p, 95 % intervals, R², F, VIF.
    Ols {
        #[command(flatten)]
        file: FileArgs,
        /// The response column.
        #[arg(long)]
        y: String,
        /// Predictor columns, comma-separated.
        #[arg(long, value_delimiter = ',', required = true)]
        x: Vec<String>,
        /// Fit without an intercept (R² is then uncentred).
        #[arg(long)]
        no_intercept: bool,
        /// Output format.
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// Pareto table of a category column: counts (or a weight column's sums), shares,
    /// cumulative shares and the vital few.
    Pareto {
        #[command(flatten)]
        file: FileArgs,
        /// The category column (e.g. a reason code).
        #[arg(long)]
        column: String,
        /// Sum this numeric column per category instead of counting rows.
        #[arg(long)]
        weight: Option<String>,
        /// The vital few stay within this cumulative share.
        #[arg(long, default_value_t = 0.8)]
        cutoff: f64,
        /// Output format.
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// Pearson or Spearman correlation matrix with p-values (pairwise complete).
    Corr {
        #[command(flatten)]
        file: FileArgs,
        /// Columns, comma-separated.
        #[arg(long, value_delimiter = ',', required = true)]
        columns: Vec<String>,
        /// pearson or spearman.
        #[arg(long, default_value = "pearson")]
        method: String,
        /// Output format.
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
}

#[derive(Debug, clap::Args)]
pub struct DriverArgs {
    /// Read the data from this file (else --from-store).
    #[arg(long)]
    csv: Option<PathBuf>,
    /// Text encoding of a CSV file.
    #[arg(long, default_value = "utf-8")]
    encoding: String,
    /// Sheet of a spreadsheet.
    #[arg(long)]
    sheet: Option<String>,
    /// Use daily KPIs from the store as the data (one row per day, in the report zone).
    #[arg(long)]
    from_store: bool,
    /// First day with --from-store (YYYY-MM-DD).
    #[arg(long)]
    from: Option<String>,
    /// Last day with --from-store (YYYY-MM-DD, inclusive).
    #[arg(long)]
    to: Option<String>,
    /// With --from-store: only rows where a dimension has one of the values (queue=card).
    #[arg(long, value_delimiter = ',')]
    filter: Vec<String>,
    /// The outcome to explain: a column, or with --from-store a KPI name (e.g. service_level).
    #[arg(long)]
    target: String,
    /// Candidate drivers, comma-separated (default: every other column / the headline KPIs).
    #[arg(long, value_delimiter = ',')]
    predictors: Vec<String>,
    /// Predictors stay while p ≤ alpha.
    #[arg(long, default_value_t = 0.1)]
    alpha: f64,
    /// A pair with |r| at least this is collinear.
    #[arg(long, default_value_t = 0.9)]
    collinearity: f64,
    /// A predictor with VIF at least this is collinear.
    #[arg(long, default_value_t = 10.0)]
    max_vif: f64,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    format: DriverFormat,
    /// Language of the text output (JSON carries both).
    #[arg(long, value_enum, default_value = "en")]
    lang: Lang,
    /// With --from-store: one row per day or per ISO week.
    #[arg(long, default_value = "day")]
    rows: String,
}

/// (category, count or summed weight) per distinct value of `column`; empty categories are
/// left out.
fn read_categories(
    file: &FileArgs,
    column: &str,
    weight: Option<&str>,
) -> Result<Vec<(String, f64)>> {
    let mut names = vec![column.to_owned()];
    names.extend(weight.map(str::to_owned));
    let mut reader = open_table(&file.csv, &file.encoding, file.sheet.as_deref(), &names)?;
    let mut totals: std::collections::BTreeMap<String, f64> = std::collections::BTreeMap::new();
    let mut row = Vec::new();
    let mut errors = Vec::new();
    while let Some(line) = reader.next_row(&mut row)? {
        if let Some(problem) = reader.shape_error(&row) {
            errors.push(format!("{}:{line}: {problem}", reader.path()));
            continue;
        }
        let category = reader.columns.get(&row, 0).trim().to_owned();
        let amount = match weight {
            None => 1.0,
            Some(name) => {
                let text = reader.columns.get(&row, 1).trim();
                match parse_number(text) {
                    Some(value) if !value.is_nan() && value >= 0.0 => value,
                    _ => {
                        errors.push(format!(
                            "{}:{line}: {name}: '{text}' is not a number ≥ 0",
                            reader.path()
                        ));
                        continue;
                    }
                }
            }
        };
        if !category.is_empty() {
            *totals.entry(category).or_default() += amount;
        }
    }
    if !errors.is_empty() {
        bail!("{}", errors.join("\n"));
    }
    Ok(totals.into_iter().collect())
}

fn fit_table(fit: &OlsFit) -> String {
    let mut table = comfy_table::Table::new();
    table.load_preset(comfy_table::presets::UTF8_BORDERS_ONLY);
    table.set_header([
        "",
        "estimate",
        "std error",
        "t",
        "p",
        "95% CI low",
        "95% CI high",
        "VIF",
    ]);
    let offset = usize::from(fit.intercept);
    for (index, c) in fit.coefficients.iter().enumerate() {
        let vif = index
            .checked_sub(offset)
            .and_then(|j| fit.vif.get(j))
            .map_or(String::new(), |v| format!("{v:.2}"));
        table.add_row([
            c.name.clone(),
            format!("{:.6}", c.estimate),
            format!("{:.6}", c.std_error),
            format!("{:.3}", c.t),
            format!("{:.4}", c.p),
            format!("{:.6}", c.ci_low),
            format!("{:.6}", c.ci_high),
            vif,
        ]);
    }
    format!(
        "{table}\nn = {}, R² = {:.4}, adjusted R² = {:.4}, F({}, {}) = {:.4}, p = {:.3e}, residual SE = {:.6}",
        fit.n,
        fit.r_squared,
        fit.adj_r_squared,
        fit.df_model,
        fit.df_residual,
        fit.f_statistic,
        fit.f_p_value,
        fit.residual_std_error
    )
}

fn print(out: &mut impl Write, value: &Value) -> Result<()> {
    serde_json::to_writer_pretty(&mut *out, value)?;
    writeln!(out)?;
    Ok(())
}

pub async fn run_stats(command: StatsCommand) -> Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    match command {
        StatsCommand::Ols {
            file,
            y,
            x,
            no_intercept,
            format,
        } => {
            let mut names = vec![y.clone()];
            names.extend(x.iter().cloned());
            let columns = read_columns(&file.csv, &file.encoding, file.sheet.as_deref(), &names)?;
            let fit = servq_stats::ols(
                Column {
                    name: &y,
                    values: &columns[0],
                },
                &x.iter()
                    .zip(&columns[1..])
                    .map(|(name, values)| Column { name, values })
                    .collect::<Vec<_>>(),
                !no_intercept,
            )?;
            match format {
                Format::Json => print(&mut out, &fit_json(&fit))?,
                Format::Table => writeln!(out, "{}", fit_table(&fit))?,
            }
        }
        StatsCommand::Pareto {
            file,
            column,
            weight,
            cutoff,
            format,
        } => {
            ensure!(
                cutoff > 0.0 && cutoff <= 1.0,
                "--cutoff must be in (0, 1], got {cutoff}"
            );
            let items = read_categories(&file, &column, weight.as_deref())?;
            let rows = servq_stats::pareto(&items, cutoff);
            match format {
                Format::Json => {
                    let total: f64 = rows.iter().map(|r| r.count).sum();
                    let value = json!({
                        "column": column,
                        "total": number(total),
                        "cutoff": cutoff,
                        "rows": rows.iter().map(|r| json!({
                            "name": r.name, "count": number(r.count), "share": number(r.share),
                            "cumulative_share": number(r.cumulative_share), "vital_few": r.vital_few,
                        })).collect::<Vec<_>>(),
                    });
                    print(&mut out, &value)?;
                }
                Format::Table => {
                    let mut table = comfy_table::Table::new();
                    table.load_preset(comfy_table::presets::UTF8_BORDERS_ONLY);
                    table.set_header([
                        column.as_str(),
                        "count",
                        "share",
                        "cumulative",
                        "vital few",
                    ]);
                    for r in &rows {
                        table.add_row([
                            r.name.clone(),
                            format!("{}", r.count),
                            format!("{:.2}%", r.share * 100.0),
                            format!("{:.2}%", r.cumulative_share * 100.0),
                            if r.vital_few {
                                "●".to_owned()
                            } else {
                                String::new()
                            },
                        ]);
                    }
                    writeln!(out, "{table}")?;
                }
            }
        }
        StatsCommand::Corr {
            file,
            columns: names,
            method,
            format,
        } => {
            let method = match method.to_ascii_lowercase().as_str() {
                "pearson" => Method::Pearson,
                "spearman" => Method::Spearman,
                other => bail!("--method '{other}' is not pearson or spearman"),
            };
            let columns = read_columns(&file.csv, &file.encoding, file.sheet.as_deref(), &names)?;
            let matrix = servq_stats::correlation(
                &names
                    .iter()
                    .zip(&columns)
                    .map(|(name, values)| Column { name, values })
                    .collect::<Vec<_>>(),
                method,
            )?;
            match format {
                Format::Json => print(&mut out, &correlation_json(&matrix, method))?,
                Format::Table => writeln!(out, "{}", correlation_table(&matrix))?,
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn correlation_table(matrix: &CorrelationMatrix) -> String {
    let mut table = comfy_table::Table::new();
    table.load_preset(comfy_table::presets::UTF8_BORDERS_ONLY);
    let mut header = vec![String::new()];
    header.extend(matrix.names.iter().cloned());
    table.set_header(header);
    for (i, name) in matrix.names.iter().enumerate() {
        let mut row = vec![name.clone()];
        for j in 0..matrix.names.len() {
            let stars = match matrix.p[i][j] {
                _ if i == j => String::new(),
                p if p < 0.01 => "**".into(),
                p if p < 0.05 => "*".into(),
                _ => String::new(),
            };
            row.push(format!("{:.4}{stars}", matrix.r[i][j]));
        }
        table.add_row(row);
    }
    format!("{table}\n* p < 0.05, ** p < 0.01 (two-sided)")
}

pub async fn run_drivers(config: &Config, args: DriverArgs) -> Result<ExitCode> {
    let options = DriverOptions {
        alpha: args.alpha,
        collinearity: args.collinearity,
        max_vif: args.max_vif,
    };
    let (source, analysis) = match (&args.csv, args.from_store) {
        (Some(path), false) => {
            ensure!(
                args.from.is_none() && args.to.is_none() && args.filter.is_empty(),
                "--from, --to and --filter go with --from-store"
            );
            ensure!(
                !args.predictors.is_empty(),
                "--predictors A,B,C is required with --csv"
            );
            let mut names = vec![args.target.clone()];
            names.extend(args.predictors.iter().cloned());
            let columns = read_columns(path, &args.encoding, args.sheet.as_deref(), &names)?;
            let table = analysis::KpiTable {
                rows: Vec::new(),
                names,
                columns,
            };
            (
                json!({"file": path}),
                analysis::drivers_of(&table, options)?,
            )
        }
        (None, true) => {
            let request = drivers_request(&args, options)?;
            let store = config.open_store().await?;
            let result = analysis::drivers_from_store(&store, &config.zone, &request).await;
            store.close().await;
            let (_, analysis, value) = result?;
            (value["source"].clone(), analysis)
        }
        _ => bail!("give either --csv FILE or --from-store"),
    };
    let mut out = std::io::stdout().lock();
    match args.format {
        DriverFormat::Json => {
            let mut value = drivers_json(&analysis);
            value["source"] = source;
            print(&mut out, &value)?;
        }
        DriverFormat::Text => {
            let language = match args.lang {
                Lang::En => Language::En,
                Lang::Zh => Language::Zh,
                Lang::ZhTw => Language::ZhTw,
            };
            for (index, step) in analysis.steps.iter().enumerate() {
                writeln!(out, "{}. {}", index + 1, step.describe(language))?;
            }
            writeln!(out)?;
            writeln!(out, "{}", analysis.equation)?;
            writeln!(out, "{}", fit_table(&analysis.fit))?;
            let heading = match language {
                Language::En => "Relative importance (Johnson's relative weights, share of R²):",
                Language::Zh => "相对重要性（Johnson 相对权重，占 R² 的比例）：",
                Language::ZhTw => "相對重要性（Johnson 相對權重，占 R² 的比例）：",
            };
            writeln!(out, "{heading}")?;
            for weight in &analysis.relative_weights {
                writeln!(
                    out,
                    "  {:<20} {:>6.1}%  {}",
                    weight.name,
                    weight.share * 100.0,
                    "█".repeat((weight.share * 40.0).round() as usize)
                )?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The store analysis `args` ask for.
fn drivers_request(args: &DriverArgs, options: DriverOptions) -> Result<DriversRequest> {
    let date = |text: Option<&str>, flag: &str| -> Result<jiff::civil::Date> {
        let text = text.with_context(|| format!("--from-store needs {flag} YYYY-MM-DD"))?;
        text.trim()
            .parse()
            .with_context(|| format!("{flag} '{text}' is not a date like 2026-11-02"))
    };
    Ok(DriversRequest {
        from: date(args.from.as_deref(), "--from")?,
        to: date(args.to.as_deref(), "--to")?,
        target: args.target.clone(),
        predictors: args.predictors.clone(),
        filters: kpi::parse_filters(&args.filter)?,
        options,
        grain: RowGrain::parse(&args.rows)
            .with_context(|| format!("--rows '{}' is not day or week", args.rows))?,
    })
}
