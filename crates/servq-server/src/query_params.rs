//! Request parameters shared by pages and the API: a period of whole days in the centre's zone,
//! and dimension filters in the `dimension=value` form of `servq kpi --filter`.

use jiff::{Span, civil::Date, tz::TimeZone};
use servq_store::Dimension;

use servq_app::report::{self, RequestError};

use crate::{Problem, i18n::Locale};

/// A date given as `YYYY-MM-DD`.
pub(crate) fn parse_date(locale: Locale, text: &str) -> Result<Date, Problem> {
    text.trim().parse().map_err(|_| {
        Problem::bad_request(
            locale,
            "bad_date",
            format!("'{text}' is not a date like 2026-11-02"),
        )
    })
}

/// UTC ms of the local midnight that starts `date` + `add_days` in `zone`.
pub(crate) fn day_start_ms(
    locale: Locale,
    zone: &TimeZone,
    date: Date,
    add_days: i64,
) -> Result<i64, Problem> {
    let out_of_range =
        || Problem::bad_request(locale, "bad_date", format!("'{date}' is out of range"));
    let date = date
        .checked_add(Span::new().days(add_days))
        .map_err(|_| out_of_range())?;
    Ok(date
        .to_zoned(zone.clone())
        .map_err(|_| out_of_range())?
        .timestamp()
        .as_millisecond())
}

/// The first and last day a page's form asks for; without them the `default_days` whole days
/// ending yesterday in `zone`.
pub(crate) fn whole_days(
    locale: Locale,
    zone: &TimeZone,
    from: &Option<String>,
    to: &Option<String>,
    default_days: i64,
) -> Result<(Date, Date), Problem> {
    let to = match given(to) {
        Some(text) => parse_date(locale, &text)?,
        None => add_days(today(zone), -1),
    };
    let from = match given(from) {
        Some(text) => parse_date(locale, &text)?,
        None => add_days(to, 1 - default_days),
    };
    Ok((from, to))
}

/// A parameter as given: trimmed, and `None` when absent or blank (an empty form field).
pub(crate) fn given(value: &Option<String>) -> Option<String> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

/// The half-open UTC range `[from, to + 1 day)` of optional first and last days; an empty
/// parameter is an absent one.
pub(crate) fn day_range_ms(
    locale: Locale,
    zone: &TimeZone,
    from: Option<&str>,
    to: Option<&str>,
) -> Result<(Option<i64>, Option<i64>), Problem> {
    fn given(value: Option<&str>) -> Option<&str> {
        value.map(str::trim).filter(|v| !v.is_empty())
    }
    let from_ms = given(from)
        .map(|d| day_start_ms(locale, zone, parse_date(locale, d)?, 0))
        .transpose()?;
    let to_ms = given(to)
        .map(|d| day_start_ms(locale, zone, parse_date(locale, d)?, 1))
        .transpose()?;
    Ok((from_ms, to_ms))
}

/// Filters from `dimension=value` items (comma-separated in one parameter).
pub(crate) fn filters(
    locale: Locale,
    filter: Option<&str>,
) -> Result<Vec<(Dimension, Vec<String>)>, Problem> {
    report::parse_filters(filter.iter().flat_map(|f| f.split(','))).map_err(
        |error: RequestError| Problem::bad_request(locale, error.code(), error.to_string()),
    )
}

/// Today's date in `zone`.
pub(crate) fn today(zone: &TimeZone) -> Date {
    jiff::Timestamp::now().to_zoned(zone.clone()).date()
}

/// `date` moved by `days`, clamped to the calendar's range.
pub(crate) fn add_days(date: Date, days: i64) -> Date {
    date.checked_add(Span::new().days(days)).unwrap_or(date)
}

/// `key=value` pairs as a URL query string.
pub(crate) fn query_string(pairs: &[(&str, String)]) -> String {
    serde_urlencoded::to_string(pairs).unwrap_or_default()
}

pub(crate) use servq_app::path_segment;
