//! What the downloads share (the KPI table, the contacts of a drill-down, the weekly review
//! report): files a manager can open and send.
//!
//! - CSV for people starts with the UTF-8 BOM (Excel then reads Chinese correctly), has its
//!   headings in the user's language and neutralizes text that a spreadsheet would run as a
//!   formula (a leading `'`); numbers stay machine-readable. With `keys=1` a CSV is written as
//!   before, byte for byte: no BOM, the stable column keys, values as they are (for scripts).
//! - XLSX: a bold header row (localized, or the keys with `keys=1`), frozen, with an autofilter;
//!   columns fitted to their contents; rates as numbers in `0.0%`, counts in `#,##0`, seconds
//!   and scores in `0.0`, mean ratings in `0.00`; times as real Excel dates in the centre's
//!   zone; text always as text, never a formula.
//! - `Content-Disposition`: an ASCII `filename` and, for people, a localized `filename*`
//!   (RFC 5987).

use std::borrow::Cow;

use axum::{
    http::header,
    response::{IntoResponse, Response},
};
use jiff::{Timestamp, civil::Date, tz::TimeZone};
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook, Worksheet, XlsxError};
use servq_app::report::Report;
use servq_kpi::{Metric, MetricValue, Unit};
use servq_store::{GroupField, KpiGroup};

use crate::i18n::{Locale, t};

/// The content type of a CSV download.
pub(crate) const CSV_TYPE: &str = "text/csv; charset=utf-8";
/// The content type of an XLSX download.
pub(crate) const XLSX_TYPE: &str =
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
/// The UTF-8 byte order mark a CSV for people starts with.
pub(crate) const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Rows whose contents decide the column widths (the first screens; a long export stays fast).
const WIDTH_ROWS: u32 = 1000;

/// Whether `keys` asks for the stable column keys: `1`, `true` or `yes`.
pub(crate) fn wants_keys(keys: Option<&str>) -> bool {
    matches!(
        keys.map(|value| value.trim().to_ascii_lowercase())
            .as_deref(),
        Some("1" | "true" | "yes")
    )
}

pub(crate) use servq_app::report::{looks_like_formula, neutralized};

/// A file download: `file_name` is the ASCII name every client understands; `localized`, when
/// given, is offered as well (`filename*=UTF-8''…`, RFC 5987 / RFC 6266).
pub(crate) fn download(
    content_type: &str,
    file_name: &str,
    localized: Option<&str>,
    bytes: Vec<u8>,
) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                content_disposition(file_name, localized),
            ),
        ],
        bytes,
    )
        .into_response()
}

/// `attachment; filename="kpi.csv"; filename*=UTF-8''KPI%E6%8A%A5%E8%A1%A8.csv`.
fn content_disposition(file_name: &str, localized: Option<&str>) -> String {
    let ascii: String = file_name
        .chars()
        .map(|c| {
            if (c.is_ascii_graphic() && c != '"' && c != '\\') || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut value = format!("attachment; filename=\"{ascii}\"");
    if let Some(localized) = localized.filter(|name| !name.is_empty()) {
        value.push_str("; filename*=UTF-8''");
        value.push_str(&rfc5987(localized));
    }
    value
}

/// Percent-encodes everything but RFC 5987's `attr-char`.
fn rfc5987(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 3);
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// A day as an Excel date (`None` outside Excel's years 1900–9999).
pub(crate) fn excel_date(date: Date) -> Option<ExcelDateTime> {
    ExcelDateTime::from_ymd(
        u16::try_from(date.year()).ok()?,
        u8::try_from(date.month()).ok()?,
        u8::try_from(date.day()).ok()?,
    )
    .ok()
}

/// An instant as an Excel date and time on the wall clock of `zone` (Excel times have no zone;
/// the centre's is the one its people read).
pub(crate) fn excel_datetime(ms: i64, zone: &TimeZone) -> Option<ExcelDateTime> {
    let local = Timestamp::from_millisecond(ms)
        .ok()?
        .to_zoned(zone.clone())
        .datetime();
    excel_date(local.date())?
        .and_hms_milli(
            u16::try_from(local.hour()).ok()?,
            u8::try_from(local.minute()).ok()?,
            u8::try_from(local.second()).ok()?,
            u16::try_from(local.subsec_nanosecond() / 1_000_000).ok()?,
        )
        .ok()
}

/// A KPI period label (`2026-11-02T09:15`, `2026-11-02`, `2026-11`; see `TimeGrain::label`) as
/// an Excel date with the style that shows it the same way.
pub(crate) fn label_datetime(label: &str) -> Option<(ExcelDateTime, Style)> {
    let number = |from: usize, to: usize| -> Option<u16> {
        let digits = label.get(from..to)?;
        if digits.bytes().all(|b| b.is_ascii_digit()) {
            digits.parse().ok()
        } else {
            None
        }
    };
    let year = number(0, 4)?;
    if label.get(4..5)? != "-" {
        return None;
    }
    let month = u8::try_from(number(5, 7)?).ok()?;
    if label.len() == 7 {
        return Some((ExcelDateTime::from_ymd(year, month, 1).ok()?, Style::Month));
    }
    if label.get(7..8)? != "-" {
        return None;
    }
    let day = u8::try_from(number(8, 10)?).ok()?;
    let date = ExcelDateTime::from_ymd(year, month, day).ok()?;
    if label.len() == 10 {
        return Some((date, Style::Date));
    }
    if label.len() != 16 || label.get(10..11)? != "T" || label.get(13..14)? != ":" {
        return None;
    }
    let hour = number(11, 13)?;
    let minute = u8::try_from(number(14, 16)?).ok()?;
    Some((date.and_hms(hour, minute, 0.0_f64).ok()?, Style::Minute))
}

/// How a number or a time is shown in a spreadsheet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Style {
    /// A whole count: `#,##0`.
    Count,
    /// A ratio between 0 and 1, in percent: `0.0%`.
    Percent,
    /// Seconds or a score: `0.0`.
    Decimal,
    /// A mean rating: `0.00`.
    Rating,
    /// Date and time: `yyyy-mm-dd hh:mm:ss`.
    DateTime,
    /// Date and time to the minute: `yyyy-mm-dd hh:mm`.
    Minute,
    /// A day: `yyyy-mm-dd`.
    Date,
    /// A month: `yyyy-mm`.
    Month,
}

impl Style {
    const ALL: [Style; 8] = [
        Style::Count,
        Style::Percent,
        Style::Decimal,
        Style::Rating,
        Style::DateTime,
        Style::Minute,
        Style::Date,
        Style::Month,
    ];

    /// The Excel number format.
    fn num_format(self) -> &'static str {
        match self {
            Style::Count => "#,##0",
            Style::Percent => "0.0%",
            Style::Decimal => "0.0",
            Style::Rating => "0.00",
            Style::DateTime => "yyyy-mm-dd hh:mm:ss",
            Style::Minute => "yyyy-mm-dd hh:mm",
            Style::Date => "yyyy-mm-dd",
            Style::Month => "yyyy-mm",
        }
    }

    /// The style of a KPI metric's numbers.
    pub(crate) fn of(unit: Unit) -> Style {
        match unit {
            Unit::Count => Style::Count,
            Unit::Ratio => Style::Percent,
            Unit::Seconds | Unit::Score => Style::Decimal,
            Unit::Rating => Style::Rating,
        }
    }

    /// About how many characters `number` takes when shown in this style.
    fn shown_width(self, number: f64) -> usize {
        match self {
            Style::Count => {
                let digits = format!("{:.0}", number.abs()).len();
                digits + (digits - 1) / 3 + usize::from(number < 0.0)
            }
            Style::Percent => format!("{:.1}%", number * 100.0).len(),
            Style::Decimal => format!("{number:.1}").len(),
            Style::Rating => format!("{number:.2}").len(),
            Style::DateTime => 19,
            Style::Minute => 16,
            Style::Date => 10,
            Style::Month => 7,
        }
    }
}

/// About how many characters wide `text` shows (CJK and other wide characters count two).
fn text_width(text: &str) -> usize {
    text.lines()
        .map(|line| {
            line.chars()
                .map(|c| if u32::from(c) >= 0x2E80 { 2 } else { 1 })
                .sum::<usize>()
        })
        .max()
        .unwrap_or(0)
}

/// One cell of a spreadsheet row.
pub(crate) enum XCell<'a> {
    /// Text, written as a string (never a formula; formula-looking text keeps Excel's quote
    /// prefix, so editing the cell does not turn it into one).
    Text(Cow<'a, str>),
    /// A number shown in a style.
    Number(f64, Style),
    /// A date or time shown in a style.
    DateTime(ExcelDateTime, Style),
    /// TRUE or FALSE.
    Flag(bool),
    /// Nothing.
    Empty,
}

/// A worksheet written as a table: the header row first, then [`Sheet::row`] for each row
/// (in order, which constant-memory worksheets require), then [`Sheet::finish`].
pub(crate) struct Sheet<'w> {
    sheet: &'w mut Worksheet,
    formats: [Format; 8],
    quoted: Format,
    widths: Vec<usize>,
    row: u32,
}

impl<'w> Sheet<'w> {
    /// Writes the header row in bold.
    pub(crate) fn new(sheet: &'w mut Worksheet, header: &[String]) -> Result<Self, XlsxError> {
        let bold = Format::new().set_bold();
        for (column, name) in header.iter().enumerate() {
            sheet.write_string_with_format(0, column as u16, name.as_str(), &bold)?;
        }
        Ok(Sheet {
            sheet,
            formats: Style::ALL.map(|style| Format::new().set_num_format(style.num_format())),
            quoted: Format::new().set_quote_prefix(),
            // room for the autofilter's button beside each heading
            widths: header.iter().map(|name| text_width(name) + 3).collect(),
            row: 0,
        })
    }

    /// Writes the next row.
    pub(crate) fn row<'a>(
        &mut self,
        cells: impl IntoIterator<Item = XCell<'a>>,
    ) -> Result<(), XlsxError> {
        self.row += 1;
        let row = self.row;
        for (index, cell) in cells.into_iter().enumerate() {
            let column = index as u16;
            let width = match cell {
                XCell::Text(text) => {
                    let text: &str = &text;
                    if looks_like_formula(text) {
                        self.sheet
                            .write_string_with_format(row, column, text, &self.quoted)?;
                    } else if !text.is_empty() {
                        self.sheet.write_string(row, column, text)?;
                    }
                    text_width(text)
                }
                XCell::Number(number, style) => {
                    self.sheet.write_number_with_format(
                        row,
                        column,
                        number,
                        &self.formats[style as usize],
                    )?;
                    style.shown_width(number)
                }
                XCell::DateTime(datetime, style) => {
                    self.sheet.write_datetime_with_format(
                        row,
                        column,
                        datetime,
                        &self.formats[style as usize],
                    )?;
                    style.shown_width(0.0)
                }
                XCell::Flag(flag) => {
                    self.sheet.write_boolean(row, column, flag)?;
                    5
                }
                XCell::Empty => 0,
            };
            if row <= WIDTH_ROWS {
                match self.widths.get_mut(index) {
                    Some(widest) => *widest = (*widest).max(width),
                    None => self.widths.push(width),
                }
            }
        }
        Ok(())
    }

    /// Freezes the header row, puts an autofilter on it and fits the columns.
    pub(crate) fn finish(self) -> Result<(), XlsxError> {
        let Sheet {
            sheet, widths, row, ..
        } = self;
        sheet.set_freeze_panes(1, 0)?;
        let last_column = widths.len().saturating_sub(1) as u16;
        sheet.autofilter(0, 0, row, last_column)?;
        for (column, width) in widths.iter().enumerate() {
            sheet.set_column_width(column as u16, ((*width).clamp(6, 60) + 1) as f64)?;
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// The KPI table (`GET /api/v1/kpi?format=csv|xlsx`)

/// The catalogue key of a group field's heading (as the dashboard names them).
fn group_heading_key(field: GroupField) -> String {
    match field {
        GroupField::Dimension(_) => format!("dimension.{}", field.name()),
        GroupField::Time(_) => format!("grain.{}", field.name()),
    }
}

/// The catalogue key of a metric's heading (as the dashboard names them).
fn metric_heading_key(metric: &Metric) -> String {
    format!("kpi.{}", metric.name)
}

/// The headings of a KPI table: in `locale`'s words, or the stable keys of `servq kpi`.
fn kpi_headings(report: &Report<'_>, locale: Option<Locale>) -> Vec<String> {
    match locale {
        None => report.header().into_iter().map(str::to_owned).collect(),
        Some(locale) => report
            .group_by
            .iter()
            .map(|field| t(locale, &group_heading_key(*field)))
            .chain(
                report
                    .metrics
                    .iter()
                    .map(|metric| t(locale, &metric_heading_key(metric))),
            )
            .collect(),
    }
}

fn metric_value(metric: &Metric, group: &KpiGroup) -> MetricValue {
    (metric.compute)(&group.contacts, group.states.as_ref(), &group.feedback)
}

/// The KPI table as CSV for people: the BOM, headings in `locale`'s words, formula-looking
/// group values neutralized; values as `servq kpi --format csv` writes them (times in the
/// centre's zone, numbers without separators). `keys=1` is `Report::write` itself.
pub(crate) fn kpi_csv(report: &Report<'_>, locale: Locale) -> anyhow::Result<Vec<u8>> {
    let mut writer = csv::Writer::from_writer(BOM.to_vec());
    writer.write_record(kpi_headings(report, Some(locale)))?;
    for group in report.groups {
        let keys = group
            .key
            .iter()
            .map(|key| neutralized(key.as_deref().unwrap_or_default()).into_owned());
        let values = report
            .metrics
            .iter()
            .map(|metric| match metric_value(metric, group) {
                MetricValue::Count(count) => count.to_string(),
                MetricValue::Number(Some(number)) => number.to_string(),
                MetricValue::Number(None) => String::new(),
            });
        writer.write_record(keys.chain(values))?;
    }
    writer
        .into_inner()
        .map_err(|error| anyhow::anyhow!("{error}"))
}

/// The KPI table as an XLSX workbook (one sheet, `kpi`): headings in `locale`'s words, or the
/// stable keys when `None`; periods as Excel dates; each metric in its unit's style.
pub(crate) fn kpi_xlsx(report: &Report<'_>, locale: Option<Locale>) -> anyhow::Result<Vec<u8>> {
    let mut workbook = Workbook::new();
    let worksheet = workbook.add_worksheet_with_constant_memory()?;
    worksheet.set_name("kpi")?;
    let mut sheet = Sheet::new(worksheet, &kpi_headings(report, locale))?;
    for group in report.groups {
        let keys = report.group_by.iter().zip(&group.key).map(|(field, key)| {
            let key = key.as_deref().unwrap_or_default();
            match field {
                GroupField::Time(_) => match label_datetime(key) {
                    Some((datetime, style)) => XCell::DateTime(datetime, style),
                    None => XCell::Text(key.into()),
                },
                GroupField::Dimension(_) => XCell::Text(key.into()),
            }
        });
        let values = report
            .metrics
            .iter()
            .map(|metric| match metric_value(metric, group) {
                MetricValue::Count(count) => XCell::Number(count as f64, Style::Count),
                MetricValue::Number(Some(number)) => XCell::Number(number, Style::of(metric.unit)),
                MetricValue::Number(None) => XCell::Empty,
            });
        sheet.row(keys.chain(values))?;
    }
    sheet.finish()?;
    Ok(workbook.save_to_buffer()?)
}

#[cfg(test)]
mod tests {
    use servq_kpi::METRICS;

    use super::*;

    #[test]
    fn formula_looking_text_is_neutralized() {
        for hostile in [
            "=HYPERLINK(\"http://x\")",
            "+1",
            "-1+2",
            "@SUM(A1)",
            "\tx",
            "\rx",
        ] {
            assert!(looks_like_formula(hostile), "{hostile:?}");
            assert_eq!(neutralized(hostile), format!("'{hostile}"));
        }
        for plain in ["card", "", "a=b", "队列", "'quoted"] {
            assert!(!looks_like_formula(plain), "{plain:?}");
            assert_eq!(neutralized(plain), plain);
        }
    }

    #[test]
    fn keys_are_asked_for_with_one_true_or_yes() {
        for yes in ["1", "true", "YES", " 1 "] {
            assert!(wants_keys(Some(yes)), "{yes}");
        }
        for no in [None, Some(""), Some("0"), Some("no")] {
            assert!(!wants_keys(no), "{no:?}");
        }
    }

    #[test]
    fn file_names_have_an_ascii_name_and_a_localized_one() {
        assert_eq!(
            content_disposition("kpi.csv", Some("KPI报表.csv")),
            "attachment; filename=\"kpi.csv\"; filename*=UTF-8''KPI%E6%8A%A5%E8%A1%A8.csv"
        );
        assert_eq!(
            content_disposition(
                "review-2026-11-02.xlsx",
                Some("Weekly review 2026-11-02.xlsx")
            ),
            "attachment; filename=\"review-2026-11-02.xlsx\"; \
             filename*=UTF-8''Weekly%20review%202026-11-02.xlsx"
        );
        assert_eq!(
            content_disposition("a\"b.csv", None),
            "attachment; filename=\"a_b.csv\""
        );
    }

    #[test]
    fn period_labels_become_excel_dates() {
        let serial = |label: &str| {
            label_datetime(label).map(|(datetime, style)| (datetime.to_excel(), style))
        };
        // 2026-11-02 is Excel day 46328
        assert_eq!(serial("2026-11-02"), Some((46328.0, Style::Date)));
        assert_eq!(serial("2026-11"), Some((46327.0, Style::Month)));
        assert_eq!(serial("2026-11-02T06:00"), Some((46328.25, Style::Minute)));
        for not_a_period in ["", "card", "2026-13-01", "2026-11-02 06:00", "2026/11/02"] {
            assert!(label_datetime(not_a_period).is_none(), "{not_a_period}");
        }
    }

    #[test]
    fn times_are_on_the_centres_wall_clock() {
        let zone = TimeZone::get("Asia/Shanghai").unwrap();
        // 2026-11-02T01:30:00Z is 09:30 in Shanghai
        let ms = 1_793_583_000_000;
        let datetime = excel_datetime(ms, &zone).unwrap();
        assert!((datetime.to_excel() - (46328.0 + 9.5 / 24.0)).abs() < 1e-9);
    }

    #[test]
    fn wide_characters_count_twice() {
        assert_eq!(text_width("queue"), 5);
        assert_eq!(text_width("队列"), 4);
        assert_eq!(Style::Count.shown_width(1234567.0), 9);
        assert_eq!(Style::Percent.shown_width(0.5), 5);
    }

    #[test]
    fn every_heading_is_in_the_catalogue() {
        let fields = GroupField::NAMES
            .split(", ")
            .map(|name| group_heading_key(GroupField::parse(name).unwrap()));
        let metrics = METRICS.iter().map(metric_heading_key);
        let contacts = crate::drill::HEADINGS.iter().map(|key| (*key).to_owned());
        let files =
            ["export.file_kpi", "contacts.title", "reviews.report_title"].map(str::to_owned);
        let keys: Vec<String> = fields.chain(metrics).chain(contacts).chain(files).collect();
        for locale in Locale::ALL {
            for key in &keys {
                assert_ne!(&t(locale, key), key, "{} lacks {key}", locale.tag());
            }
        }
    }
}
