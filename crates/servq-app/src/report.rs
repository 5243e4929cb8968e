//! KPI tables as JSON, CSV, an aligned text table or XLSX: the one writer behind `servq kpi`
//! and the API's exports, so a download has the same columns and numbers as the CLI.

use std::io::Write;

use serde::{
    Serialize, Serializer,
    ser::{SerializeMap, SerializeSeq},
};
use servq_kpi::{Dimension, Exclusion, METRICS, Metric, MetricValue, Unit};
use servq_store::{GroupField, KpiGroup, KpiQuery, Store};

use crate::i18n::{Locale, t};

/// Why the grouping, filters or metrics of a report request cannot be read. The messages name
/// the parameter (`by`, `filter`, `metrics`); the CLI prefixes its `--`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
    /// Not a grouping field.
    #[error("by '{0}' is not one of {names}", names = GroupField::NAMES)]
    UnknownGroup(String),
    /// A grouping field given twice.
    #[error("by names '{0}' twice")]
    RepeatedGroup(String),
    /// More than one of interval15 … month.
    #[error("by takes at most one time grain (interval15, interval30, hour, day, week or month)")]
    TwoTimeGrains,
    /// A filter without `=`.
    #[error("filter '{0}' is not dimension=value")]
    FilterNotPair(String),
    /// A filter on something that is not a dimension.
    #[error("filter '{0}' is not one of queue, agent, team, channel, category, direction")]
    FilterNotDimension(String),
    /// Not a metric name.
    #[error("metrics '{0}' is not one of {known}", known = METRICS.iter().map(|m| m.name).collect::<Vec<_>>().join(", "))]
    UnknownMetric(String),
}

impl RequestError {
    /// The stable code of the API's problem document.
    pub fn code(&self) -> &'static str {
        match self {
            RequestError::UnknownGroup(_) => "unknown_group",
            RequestError::RepeatedGroup(_) => "repeated_group",
            RequestError::TwoTimeGrains => "two_time_grains",
            RequestError::FilterNotPair(_) | RequestError::FilterNotDimension(_) => "bad_filter",
            RequestError::UnknownMetric(_) => "unknown_metric",
        }
    }
}

/// Grouping fields in order; empty names are skipped; at most one time grain.
pub fn parse_group_by<'a>(
    names: impl IntoIterator<Item = &'a str>,
) -> Result<Vec<GroupField>, RequestError> {
    let mut fields = Vec::new();
    for name in names.into_iter().map(str::trim).filter(|n| !n.is_empty()) {
        let field =
            GroupField::parse(name).ok_or_else(|| RequestError::UnknownGroup(name.to_owned()))?;
        if fields.contains(&field) {
            return Err(RequestError::RepeatedGroup(name.to_owned()));
        }
        fields.push(field);
    }
    if fields
        .iter()
        .filter(|field| matches!(field, GroupField::Time(_)))
        .count()
        > 1
    {
        return Err(RequestError::TwoTimeGrains);
    }
    Ok(fields)
}

/// `dimension=value` filters, values of one dimension gathered; empty items are skipped.
pub fn parse_filters<'a>(
    items: impl IntoIterator<Item = &'a str>,
) -> Result<Vec<(Dimension, Vec<String>)>, RequestError> {
    let mut parsed: Vec<(Dimension, Vec<String>)> = Vec::new();
    for item in items.into_iter().filter(|item| !item.trim().is_empty()) {
        let (name, value) = item
            .split_once('=')
            .ok_or_else(|| RequestError::FilterNotPair(item.to_owned()))?;
        let Some(GroupField::Dimension(dimension)) = GroupField::parse(name) else {
            return Err(RequestError::FilterNotDimension(name.to_owned()));
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

/// Metrics by name, in the order given.
pub fn parse_metrics<'a>(
    names: impl IntoIterator<Item = &'a str>,
) -> Result<Vec<&'static Metric>, RequestError> {
    names
        .into_iter()
        .map(|name| {
            servq_kpi::metric(name.trim())
                .ok_or_else(|| RequestError::UnknownMetric(name.trim().to_owned()))
        })
        .collect()
}

/// The groups of `query` with what `metrics` need: the rollup sums, and the customer measures
/// (read from the customers themselves, so only when one is shown or the query is by segment).
pub async fn kpi_groups(
    store: &Store,
    query: &KpiQuery,
    metrics: &[&Metric],
) -> servq_store::Result<Vec<KpiGroup>> {
    let mut groups = store.kpi(query).await?;
    let by_segment = dimensions_of(&query.group_by, &query.filters).contains(&Dimension::Segment);
    if !by_segment
        && !metrics
            .iter()
            .any(|metric| metric.scope == servq_kpi::Scope::Customers)
    {
        return Ok(groups);
    }
    let mut customers = store.customer_sums(query).await?;
    for group in &mut groups {
        if let Some(counters) = customers.remove(&group.key) {
            group.feedback.customers = counters;
        }
    }
    // a segment or period with customers but no contacts in the rollups still has its row
    for (key, counters) in customers {
        groups.push(KpiGroup {
            key,
            contacts: Default::default(),
            states: None,
            feedback: servq_kpi::FeedbackCounters {
                customers: counters,
                ..Default::default()
            },
        });
    }
    groups.sort_by(|a, b| a.key.cmp(&b.key));
    Ok(groups)
}

/// The headline KPIs a terminal table shows unless metrics are named.
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

/// The dimensions a report groups or filters by, for [`Metric::exclusion`].
pub fn dimensions_of(
    group_by: &[GroupField],
    filters: &[(Dimension, Vec<String>)],
) -> Vec<Dimension> {
    let mut dimensions: Vec<Dimension> = group_by
        .iter()
        .filter_map(|field| match field {
            GroupField::Dimension(dimension) => Some(*dimension),
            GroupField::Time(_) => None,
        })
        .chain(filters.iter().map(|(dimension, _)| *dimension))
        .collect();
    dimensions.dedup();
    dimensions
}

/// What a report shows when no metrics are named: JSON every metric (a contract scripts rely
/// on); a table the headline KPIs (for an agent or a team, the measures that belong to an
/// agent); CSV and XLSX every metric. Tables, CSV and XLSX leave out the measures that mean
/// nothing for the grouping ([`servq_kpi::meaningful`]); named metrics are always shown.
pub fn default_metrics(
    format: ReportFormat,
    xlsx: bool,
    dimensions: &[Dimension],
) -> Vec<&'static Metric> {
    match format {
        ReportFormat::Json if !xlsx => METRICS.iter().collect(),
        ReportFormat::Table => servq_kpi::headline(TABLE_METRICS, dimensions),
        _ => servq_kpi::meaningful(METRICS, dimensions).0,
    }
}

/// The notes under a table: for each reason a measure means nothing for this grouping, which
/// of the report's metrics it concerns (named ones shown anyway, "-" in every row) or which
/// were left out; in `locale`'s words, metric names as `name` gives them.
pub fn exclusion_notes(
    locale: Locale,
    shown: &[&'static Metric],
    dimensions: &[Dimension],
    name: impl Fn(&Metric) -> String,
) -> Vec<String> {
    let candidates: Vec<&'static Metric> = METRICS
        .iter()
        .filter(|metric| {
            shown.iter().any(|s| s.name == metric.name)
                || TABLE_METRICS.contains(&metric.name)
                || servq_kpi::AGENT_MEASURES.contains(&metric.name)
        })
        .collect();
    let mut notes: Vec<(Exclusion, Vec<String>)> = Vec::new();
    for metric in candidates {
        if let Some(reason) = metric.exclusion(dimensions) {
            match notes.iter_mut().find(|(r, _)| *r == reason) {
                Some((_, names)) => names.push(name(metric)),
                None => notes.push((reason, vec![name(metric)])),
            }
        }
    }
    notes
        .into_iter()
        .map(|(reason, names)| {
            // lower case inside an English sentence; Chinese has no case
            let dimension =
                t(locale, &format!("dimension.{}", reason.dimension().name())).to_lowercase();
            t(locale, &format!("excluded.{}", reason.code()))
                .replace("{dimension}", &dimension)
                .replace("{metrics}", &names.join(", "))
        })
        .collect()
}

/// Text formats of a report (XLSX is [`Report::xlsx`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportFormat {
    /// Aligned text.
    Table,
    /// Comma-separated values with a header row.
    Csv,
    /// `{"group_by": [...], "rows": [{...}]}`.
    Json,
}

/// A computed report, ready to print in any format.
pub struct Report<'a> {
    /// Grouping fields, in output order.
    pub group_by: &'a [GroupField],
    /// Metrics, in output order.
    pub metrics: &'a [&'static Metric],
    /// The groups.
    pub groups: &'a [KpiGroup],
    /// Notes printed under a text table (why measures are left out); not in CSV or JSON.
    pub notes: &'a [String],
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
    /// Column names: the group fields, then the metrics.
    pub fn header(&self) -> Vec<&'static str> {
        self.group_by
            .iter()
            .map(|field| field.name())
            .chain(self.metrics.iter().map(|metric| metric.name))
            .collect()
    }

    fn values<'g>(&'g self, group: &'g KpiGroup) -> impl Iterator<Item = MetricValue> + 'g {
        self.metrics
            .iter()
            .map(|metric| (metric.compute)(&group.contacts, group.states.as_ref(), &group.feedback))
    }

    /// Writes the report as JSON, CSV or an aligned table.
    pub fn write(&self, format: ReportFormat, mut out: impl Write) -> anyhow::Result<()> {
        match format {
            ReportFormat::Json => {
                // Streamed: a report of hundreds of thousands of rows is never built in memory.
                serde_json::to_writer(&mut out, self)?;
                writeln!(out)?;
            }
            ReportFormat::Csv => {
                let mut writer = csv::Writer::from_writer(&mut out);
                writer.write_record(self.header())?;
                for group in self.groups {
                    // group values are text from imported files: never a formula in a sheet
                    let keys = group
                        .key
                        .iter()
                        .map(|key| neutralized(key.as_deref().unwrap_or_default()).into_owned());
                    let values = self.values(group).map(|value| match value {
                        MetricValue::Count(count) => count.to_string(),
                        MetricValue::Number(Some(number)) => number.to_string(),
                        MetricValue::Number(None) => String::new(),
                    });
                    writer.write_record(keys.chain(values))?;
                }
                writer.flush()?;
            }
            ReportFormat::Table => {
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
                                (MetricValue::Number(Some(number)), Unit::Rating) => {
                                    format!("{number:.2}")
                                }
                                (MetricValue::Number(Some(number)), _) => format!("{number:.1}"),
                                (MetricValue::Number(None), _) => "-".to_owned(),
                            });
                    table.add_row(keys.chain(values).collect::<Vec<_>>());
                }
                writeln!(out, "{table}")?;
                for note in self.notes {
                    writeln!(out, "* {note}")?;
                }
            }
        }
        out.flush()?;
        Ok(())
    }

    /// The report as an XLSX workbook.
    pub fn xlsx(&self) -> anyhow::Result<Vec<u8>> {
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
        Ok(workbook.save_to_buffer()?)
    }
}

/// What a spreadsheet reads as the start of a formula (or of a DDE call).
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// Whether a spreadsheet would take `text` for a formula.
pub fn looks_like_formula(text: &str) -> bool {
    text.starts_with(FORMULA_STARTS)
}

/// `text` as a CSV text cell: a leading `'` before what looks like a formula, so that a
/// spreadsheet shows it instead of running it (OWASP's CSV injection advice). Every CSV servq
/// writes passes its text cells through this; numbers are written as numbers.
pub fn neutralized(text: &str) -> std::borrow::Cow<'_, str> {
    if looks_like_formula(text) {
        std::borrow::Cow::Owned(format!("'{text}"))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}
