//! `servq kpi`: KPIs from the rollups, grouped and filtered, as a table, CSV, JSON or XLSX.
//! Column names come from `servq_kpi::METRICS`, the one list every output uses.

use std::{io::Write, path::PathBuf, process::ExitCode};

use anyhow::{Context, Result, bail};
use jiff::{Span, civil::Date, tz::TimeZone};
use serde::{
    Serialize, Serializer,
    ser::{SerializeMap, SerializeSeq},
};
use servq_kpi::{METRICS, Metric, MetricValue, Unit};
use servq_store::{Dimension, GroupField, KpiGroup, KpiQuery};

use crate::{config::Config, output_path};

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Aligned text for a terminal.
    Table,
    /// Comma-separated values with a header row.
    Csv,
    /// `{"group_by": [...], "rows": [{...}]}` with full-precision numbers and nulls.
    Json,
    /// An Excel workbook (needs --output).
    Xlsx,
}

#[derive(Debug, clap::Args)]
pub struct KpiArgs {
    /// Group by these, comma-separated: queue, agent, team, channel, category, direction,
    /// interval15, interval30, hour, day, week, month (at most one time grain).
    #[arg(long, value_delimiter = ',')]
    by: Vec<String>,
    /// First day to include (YYYY-MM-DD, in the report's zone).
    #[arg(long)]
    from: Option<String>,
    /// Last day to include (YYYY-MM-DD, in the report's zone; inclusive).
    #[arg(long)]
    to: Option<String>,
    /// Keep only rows where a dimension has one of the values: queue=card or agent=a1,agent=a2.
    #[arg(long, value_delimiter = ',')]
    filter: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
    /// Metrics to show, comma-separated, or `all`. Default: all, except for the table, which
    /// shows the headline KPIs so that it fits a terminal.
    #[arg(long, value_delimiter = ',')]
    metrics: Vec<String>,
    /// Write to this file instead of standard output.
    #[arg(long, short)]
    output: Option<PathBuf>,
}

fn parse_group_by(names: &[String]) -> Result<Vec<GroupField>> {
    let mut fields = Vec::new();
    for name in names
        .iter()
        .map(|name| name.trim())
        .filter(|name| !name.is_empty())
    {
        let field = GroupField::parse(name)
            .with_context(|| format!("--by '{name}' is not one of {}", GroupField::NAMES))?;
        if fields.contains(&field) {
            bail!("--by names '{name}' twice");
        }
        fields.push(field);
    }
    if fields
        .iter()
        .filter(|field| matches!(field, GroupField::Time(_)))
        .count()
        > 1
    {
        bail!(
            "--by takes at most one time grain (interval15, interval30, hour, day, week or month)"
        );
    }
    Ok(fields)
}

/// The headline KPIs a terminal table shows unless `--metrics` says otherwise.
const TABLE_METRICS: &[&str] = &[
    "offered",
    "answer_rate",
    "service_level",
    "abandon_rate",
    "asa_seconds",
    "aht_seconds",
    "transfer_rate",
    "fcr_rate",
    "occupancy",
];

fn parse_metrics(names: &[String], format: Format) -> Result<Vec<&'static Metric>> {
    let names: Vec<&str> = names
        .iter()
        .map(|name| name.trim())
        .filter(|name| !name.is_empty())
        .collect();
    if names.is_empty() || names == ["all"] {
        return Ok(match format {
            Format::Table if names.is_empty() => TABLE_METRICS
                .iter()
                .filter_map(|name| servq_kpi::metric(name))
                .collect(),
            _ => METRICS.iter().collect(),
        });
    }
    names
        .iter()
        .map(|name| {
            servq_kpi::metric(name).with_context(|| {
                let known: Vec<&str> = METRICS.iter().map(|metric| metric.name).collect();
                format!("--metrics '{name}' is not one of {}", known.join(", "))
            })
        })
        .collect()
}

pub(crate) fn parse_filters(filters: &[String]) -> Result<Vec<(Dimension, Vec<String>)>> {
    let mut parsed: Vec<(Dimension, Vec<String>)> = Vec::new();
    for filter in filters.iter().filter(|filter| !filter.trim().is_empty()) {
        let (name, value) = filter
            .split_once('=')
            .with_context(|| format!("--filter '{filter}' is not dimension=value"))?;
        let Some(GroupField::Dimension(dimension)) = GroupField::parse(name) else {
            bail!(
                "--filter '{name}' is not one of queue, agent, team, channel, category, direction"
            );
        };
        match parsed
            .iter_mut()
            .find(|(existing, _)| *existing == dimension)
        {
            Some((_, values)) => values.push(value.trim().to_owned()),
            None => parsed.push((dimension, vec![value.trim().to_owned()])),
        }
    }
    Ok(parsed)
}

pub(crate) fn day_start_ms(text: &str, zone: &TimeZone, flag: &str, add_days: i64) -> Result<i64> {
    let date: Date = text
        .trim()
        .parse()
        .with_context(|| format!("{flag} '{text}' is not a date like 2026-11-02"))?;
    let date = date
        .checked_add(Span::new().days(add_days))
        .with_context(|| format!("{flag} '{text}' is out of range"))?;
    let start = date
        .to_zoned(zone.clone())
        .with_context(|| format!("{flag} '{text}' has no start in the zone"))?;
    Ok(start.timestamp().as_millisecond())
}

pub async fn run(config: &Config, args: KpiArgs) -> Result<ExitCode> {
    let group_by = parse_group_by(&args.by)?;
    let metrics = parse_metrics(&args.metrics, args.format)?;
    let filters = parse_filters(&args.filter)?;
    let zone = config.zone.clone();
    let from_ms = args
        .from
        .as_deref()
        .map(|text| day_start_ms(text, &zone, "--from", 0))
        .transpose()?;
    let to_ms = args
        .to
        .as_deref()
        .map(|text| day_start_ms(text, &zone, "--to", 1))
        .transpose()?;
    if let (Some(from), Some(to)) = (from_ms, to_ms) {
        anyhow::ensure!(from < to, "--from must not be after --to");
    }
    if args.format == Format::Xlsx && output_path(&args.output).is_none() {
        bail!("--format xlsx needs --output FILE.xlsx");
    }
    let store = config.open_store().await?;
    let query = KpiQuery {
        group_by: group_by.clone(),
        from_ms,
        to_ms,
        zone,
        filters,
    };
    let groups = store.kpi(&query).await?;
    let report = Report {
        group_by: &group_by,
        metrics: &metrics,
        groups: &groups,
    };
    match (args.format, output_path(&args.output)) {
        (Format::Xlsx, Some(path)) => report.write_xlsx(path)?,
        (format, Some(path)) => {
            let file = std::fs::File::create(path)
                .with_context(|| format!("creating {}", path.display()))?;
            report.write(format, std::io::BufWriter::new(file))?;
        }
        (format, None) => {
            report.write(format, std::io::BufWriter::new(std::io::stdout().lock()))?
        }
    }
    store.close().await;
    Ok(ExitCode::SUCCESS)
}

/// A computed report, ready to print in any format.
struct Report<'a> {
    group_by: &'a [GroupField],
    metrics: &'a [&'static Metric],
    groups: &'a [KpiGroup],
}

impl Serialize for Report<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(2))?;
        let names: Vec<&str> = self.group_by.iter().map(|field| field.name()).collect();
        map.serialize_entry("group_by", &names)?;
        map.serialize_entry("rows", &Rows(self))?;
        map.end()
    }
}

struct Rows<'r, 'a>(&'r Report<'a>);

impl Serialize for Rows<'_, '_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        let mut rows = serializer.serialize_seq(Some(self.0.groups.len()))?;
        for group in self.0.groups {
            rows.serialize_element(&Row {
                report: self.0,
                group,
            })?;
        }
        rows.end()
    }
}

/// One output row: group keys in `--by` order, then every metric; undefined values are null.
struct Row<'r> {
    report: &'r Report<'r>,
    group: &'r KpiGroup,
}

impl Serialize for Row<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        let report = self.report;
        let mut row =
            serializer.serialize_map(Some(report.group_by.len() + report.metrics.len()))?;
        for (field, key) in report.group_by.iter().zip(&self.group.key) {
            row.serialize_entry(field.name(), key)?;
        }
        for (metric, value) in report.metrics.iter().zip(report.values(self.group)) {
            match value {
                MetricValue::Count(count) => row.serialize_entry(metric.name, &count)?,
                MetricValue::Number(number) => row.serialize_entry(metric.name, &number)?,
            }
        }
        row.end()
    }
}

impl Report<'_> {
    fn header(&self) -> Vec<&'static str> {
        self.group_by
            .iter()
            .map(|field| field.name())
            .chain(self.metrics.iter().map(|metric| metric.name))
            .collect()
    }

    fn values<'g>(&'g self, group: &'g KpiGroup) -> impl Iterator<Item = MetricValue> + 'g {
        self.metrics
            .iter()
            .map(|metric| (metric.compute)(&group.contacts, group.states.as_ref()))
    }

    fn write(&self, format: Format, mut out: impl Write) -> Result<()> {
        match format {
            Format::Json => {
                // Streamed: a report of hundreds of thousands of rows is never built in memory.
                serde_json::to_writer(&mut out, self)?;
                writeln!(out)?;
            }
            Format::Csv => {
                let mut writer = csv::Writer::from_writer(&mut out);
                writer.write_record(self.header())?;
                for group in self.groups {
                    let keys = group.key.iter().map(|key| key.clone().unwrap_or_default());
                    let values = self.values(group).map(|value| match value {
                        MetricValue::Count(count) => count.to_string(),
                        MetricValue::Number(Some(number)) => number.to_string(),
                        MetricValue::Number(None) => String::new(),
                    });
                    writer.write_record(keys.chain(values))?;
                }
                writer.flush()?;
            }
            Format::Table => {
                let mut table = comfy_table::Table::new();
                table.load_preset(comfy_table::presets::ASCII_MARKDOWN);
                table.set_header(self.header());
                for group in self.groups {
                    let keys = group
                        .key
                        .iter()
                        .map(|key| key.clone().unwrap_or_else(|| "-".to_owned()));
                    let values =
                        self.metrics
                            .iter()
                            .zip(self.values(group))
                            .map(|(metric, value)| match (value, metric.unit) {
                                (MetricValue::Count(count), _) => count.to_string(),
                                (MetricValue::Number(Some(number)), Unit::Ratio) => {
                                    format!("{:.2}%", number * 100.0)
                                }
                                (MetricValue::Number(Some(number)), _) => format!("{number:.1}"),
                                (MetricValue::Number(None), _) => "-".to_owned(),
                            });
                    table.add_row(keys.chain(values).collect::<Vec<_>>());
                }
                writeln!(out, "{table}")?;
            }
            Format::Xlsx => bail!("xlsx is written to a file"),
        }
        out.flush()?;
        Ok(())
    }

    fn write_xlsx(&self, path: &std::path::Path) -> Result<()> {
        let mut workbook = rust_xlsxwriter::Workbook::new();
        let sheet = workbook.add_worksheet_with_constant_memory()?;
        sheet.set_name("kpi")?;
        let bold = rust_xlsxwriter::Format::new().set_bold();
        let percent = rust_xlsxwriter::Format::new().set_num_format("0.00%");
        let seconds = rust_xlsxwriter::Format::new().set_num_format("0.0");
        for (column, name) in self.header().iter().enumerate() {
            sheet.write_string_with_format(0, column as u16, *name, &bold)?;
        }
        let offset = self.group_by.len() as u16;
        for (index, group) in self.groups.iter().enumerate() {
            let row = index as u32 + 1;
            for (column, key) in group.key.iter().enumerate() {
                if let Some(key) = key {
                    sheet.write_string(row, column as u16, key)?;
                }
            }
            for (column, (metric, value)) in self.metrics.iter().zip(self.values(group)).enumerate()
            {
                let column = offset + column as u16;
                match value {
                    MetricValue::Count(count) => {
                        sheet.write_number(row, column, count as f64)?;
                    }
                    MetricValue::Number(Some(number)) => {
                        let format = if metric.unit == Unit::Ratio {
                            &percent
                        } else {
                            &seconds
                        };
                        sheet.write_number_with_format(row, column, number, format)?;
                    }
                    MetricValue::Number(None) => {}
                }
            }
        }
        workbook
            .save(path)
            .with_context(|| format!("writing {}", path.display()))?;
        Ok(())
    }
}
