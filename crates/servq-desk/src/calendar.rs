//! Business-hours calendars (`docs/desk.md#calendars`): opening hours per weekday in a time zone,
//! public holidays (closed even on a weekday), make-up workdays (调休: open with the regular
//! workday hours even on a weekend), and separately the duty hours (night and holiday cover)
//! during which escalations may wake someone. SLA clocks count only business time.

use std::collections::BTreeSet;

use jiff::{
    Timestamp,
    civil::{Date, Time, Weekday},
    tz::TimeZone,
};
use serde::{Deserialize, Serialize};
use servq_core::{SettingProblem, SettingReason};

/// Minutes after local midnight, `[start, end)`; `end` may be 1440 (midnight).
pub type Span = (u16, u16);

/// Why a calendar is not usable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    /// A time outside the day or an empty span.
    #[error("opening hours must be HH:MM-HH:MM within one day, start before end: {0}")]
    BadSpan(String),
    /// An unknown zone.
    #[error("'{0}' is not a known time zone")]
    Zone(String),
    /// No business hours at all: a deadline could never fall.
    #[error("the calendar has no business hours")]
    NeverOpen,
}

/// A calendar as configured (JSON in settings and the API).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalendarSpec {
    /// IANA zone, e.g. Asia/Shanghai.
    pub time_zone: String,
    /// Opening hours Monday … Sunday, each a list of "HH:MM-HH:MM".
    pub week: [Vec<String>; 7],
    /// Days closed (public holidays).
    #[serde(default)]
    pub holidays: Vec<Date>,
    /// Weekend days worked with the regular workday hours (make-up workdays, 调休).
    #[serde(default)]
    pub workdays: Vec<Date>,
    /// Duty (night/holiday cover) hours every day, "HH:MM-HH:MM"; empty = none.
    #[serde(default)]
    pub duty: Vec<String>,
}

impl CalendarSpec {
    /// Monday–Friday 09:00–18:00 in `zone`, no holidays, no duty.
    pub fn office_hours(zone: &str) -> CalendarSpec {
        let day = || vec!["09:00-18:00".to_owned()];
        CalendarSpec {
            time_zone: zone.to_owned(),
            week: [day(), day(), day(), day(), day(), Vec::new(), Vec::new()],
            holidays: Vec::new(),
            workdays: Vec::new(),
            duty: Vec::new(),
        }
    }
}

impl CalendarSpec {
    /// Every reason the calendar cannot be used, each at its path (`week.2` for Wednesday's
    /// hours, `duty`, `time_zone`), by the same parsing [`BusinessCalendar::new`] does.
    pub fn problems(&self) -> Vec<SettingProblem> {
        let mut problems = Vec::new();
        if TimeZone::get(&self.time_zone).is_err() {
            problems.push(SettingProblem::new(
                "time_zone",
                SettingReason::Unknown(self.time_zone.clone()),
            ));
        }
        let spans = |field: String, texts: &[String], problems: &mut Vec<SettingProblem>| {
            for text in texts {
                if parse_span(text).is_err() {
                    problems.push(SettingProblem::new(
                        field.clone(),
                        SettingReason::TimeSpan(text.clone()),
                    ));
                }
            }
        };
        for (day, texts) in self.week.iter().enumerate() {
            spans(format!("week.{day}"), texts, &mut problems);
        }
        spans("duty".to_owned(), &self.duty, &mut problems);
        if problems.is_empty() && self.week.iter().all(Vec::is_empty) {
            problems.push(SettingProblem::new(
                "week",
                SettingReason::Other(CalendarError::NeverOpen.to_string()),
            ));
        }
        problems
    }
}

fn parse_span(text: &str) -> Result<Span, CalendarError> {
    let bad = || CalendarError::BadSpan(text.to_owned());
    let (start, end) = text.trim().split_once('-').ok_or_else(bad)?;
    let minute = |part: &str| -> Result<u16, CalendarError> {
        let (hours, minutes) = part.trim().split_once(':').ok_or_else(bad)?;
        let (hours, minutes): (u16, u16) = (
            hours.parse().map_err(|_| bad())?,
            minutes.parse().map_err(|_| bad())?,
        );
        if minutes >= 60 || hours > 24 || (hours == 24 && minutes > 0) {
            return Err(bad());
        }
        Ok(hours * 60 + minutes)
    };
    let span = (minute(start)?, minute(end)?);
    if span.0 >= span.1 {
        return Err(bad());
    }
    Ok(span)
}

/// A parsed calendar.
#[derive(Debug, Clone)]
pub struct BusinessCalendar {
    zone: TimeZone,
    week: [Vec<Span>; 7],
    /// The hours of a make-up workday: the first weekday's (Monday's, normally).
    workday: Vec<Span>,
    holidays: BTreeSet<Date>,
    workdays: BTreeSet<Date>,
    duty: Vec<Span>,
}

/// Days searched for the next open moment before a calendar is taken as never open.
const MAX_DAYS: i32 = 3 * 366;

impl BusinessCalendar {
    /// Parses and checks a calendar.
    pub fn new(spec: &CalendarSpec) -> Result<BusinessCalendar, CalendarError> {
        let zone = TimeZone::get(&spec.time_zone)
            .map_err(|_| CalendarError::Zone(spec.time_zone.clone()))?;
        let mut week: [Vec<Span>; 7] = Default::default();
        for (day, texts) in week.iter_mut().zip(&spec.week) {
            *day = texts
                .iter()
                .map(|text| parse_span(text))
                .collect::<Result<_, _>>()?;
            day.sort_unstable();
        }
        let workday = week
            .iter()
            .find(|spans| !spans.is_empty())
            .cloned()
            .unwrap_or_default();
        if workday.is_empty() {
            return Err(CalendarError::NeverOpen);
        }
        let mut duty: Vec<Span> = spec
            .duty
            .iter()
            .map(|text| parse_span(text))
            .collect::<Result<_, _>>()?;
        duty.sort_unstable();
        Ok(BusinessCalendar {
            zone,
            week,
            workday,
            holidays: spec.holidays.iter().copied().collect(),
            workdays: spec.workdays.iter().copied().collect(),
            duty,
        })
    }

    /// The calendar's zone.
    pub fn zone(&self) -> &TimeZone {
        &self.zone
    }

    /// Business hours of a local date.
    pub fn hours_of(&self, date: Date) -> &[Span] {
        if self.holidays.contains(&date) {
            &[]
        } else if self.workdays.contains(&date) {
            &self.workday
        } else {
            &self.week[weekday_index(date.weekday())]
        }
    }

    /// Whether `date` is a business day.
    pub fn is_business_day(&self, date: Date) -> bool {
        !self.hours_of(date).is_empty()
    }

    /// The UTC instants of a local span of `date` (daylight-saving gaps and folds resolved the
    /// way clocks are read: the later offset in a gap, the earlier in a fold).
    fn instants(&self, date: Date, (start, end): Span) -> (Timestamp, Timestamp) {
        let at = |minute: u16| -> Timestamp {
            let (day, minute) = if minute >= 1440 {
                (date.tomorrow().unwrap_or(date), 0)
            } else {
                (date, minute)
            };
            let time = Time::new((minute / 60) as i8, (minute % 60) as i8, 0, 0)
                .expect("minutes of a day");
            day.to_datetime(time)
                .to_zoned(self.zone.clone())
                .map(|zoned| zoned.timestamp())
                .unwrap_or(Timestamp::MAX)
        };
        (at(start), at(end))
    }

    /// The business intervals from the local day of `from` onwards, as UTC instants, clipped to
    /// start at `from`.
    fn intervals_from(&self, from: Timestamp) -> impl Iterator<Item = (Timestamp, Timestamp)> + '_ {
        let first = from.to_zoned(self.zone.clone()).date();
        (0..MAX_DAYS)
            .filter_map(move |offset| first.checked_add(jiff::Span::new().days(offset)).ok())
            .flat_map(move |date| {
                self.hours_of(date)
                    .iter()
                    .map(move |&span| self.instants(date, span))
            })
            .filter(move |&(_, end)| end > from)
            .map(move |(start, end)| (start.max(from), end))
    }

    /// Business milliseconds between `from` and `to` (0 when `to` ≤ `from`).
    pub fn business_ms_between(&self, from: Timestamp, to: Timestamp) -> i64 {
        if to <= from {
            return 0;
        }
        let mut total = 0;
        for (start, end) in self.intervals_from(from) {
            if start >= to {
                break;
            }
            total += (end.min(to).as_millisecond() - start.as_millisecond()).max(0);
        }
        total
    }

    /// The instant `business_ms` of business time after `from` (a deadline). From outside
    /// business hours the count starts at the next opening; a zero duration is due at `from`
    /// itself. `None` if the calendar has no opening within three years.
    pub fn add_business_ms(&self, from: Timestamp, business_ms: i64) -> Option<Timestamp> {
        if business_ms <= 0 {
            return Some(from);
        }
        let mut left = business_ms;
        for (start, end) in self.intervals_from(from) {
            let length = end.as_millisecond() - start.as_millisecond();
            if left <= length {
                return Timestamp::from_millisecond(start.as_millisecond() + left).ok();
            }
            left -= length;
        }
        None
    }

    /// Whether `at` is within business hours.
    pub fn is_open(&self, at: Timestamp) -> bool {
        self.intervals_from(at)
            .next()
            .is_some_and(|(start, _)| start <= at)
    }

    /// Whether someone is there to be notified at `at`: business hours or duty hours.
    pub fn is_staffed(&self, at: Timestamp) -> bool {
        if self.is_open(at) {
            return true;
        }
        let local = at.to_zoned(self.zone.clone());
        let minute = local.hour() as u16 * 60 + local.minute() as u16;
        self.duty
            .iter()
            .any(|&(start, end)| (start..end).contains(&minute))
    }

    /// The first moment at or after `at` when someone is there (for notifications): `at` itself
    /// when staffed, else the next opening or duty start.
    pub fn next_staffed(&self, at: Timestamp) -> Option<Timestamp> {
        if self.is_staffed(at) {
            return Some(at);
        }
        let open = self.intervals_from(at).next().map(|(start, _)| start);
        let first = at.to_zoned(self.zone.clone()).date();
        let duty = (0..2)
            .filter_map(|offset| first.checked_add(jiff::Span::new().days(offset)).ok())
            .flat_map(|date| {
                self.duty
                    .iter()
                    .map(move |&span| self.instants(date, span).0)
            })
            .filter(|&start| start > at)
            .min();
        match (open, duty) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }
}

fn weekday_index(weekday: Weekday) -> usize {
    weekday.to_monday_zero_offset() as usize
}

/// The years whose national schedule servq ships (`china_schedule`).
pub const CHINA_SCHEDULE_YEARS: [i16; 2] = [2025, 2026];

/// The published national holiday schedule of `year` (holidays, make-up workdays), if servq
/// ships it.
pub fn china_schedule(year: i16) -> Option<(Vec<Date>, Vec<Date>)> {
    match year {
        2025 => Some(china_2025()),
        2026 => Some(china_2026()),
        _ => None,
    }
}

/// The State Council's 2026 schedule (国务院办公厅关于2026年部分节假日安排的通知, 2025-11-04):
/// 33 days off in seven holidays and six weekend days worked.
pub fn china_2026() -> (Vec<Date>, Vec<Date>) {
    let date = |m: i8, d: i8| Date::new(2026, m, d).expect("valid date");
    let range = |m: i8, from: i8, to: i8| (from..=to).map(move |d| date(m, d));
    let holidays = range(1, 1, 3)
        .chain(range(2, 15, 23))
        .chain(range(4, 4, 6))
        .chain(range(5, 1, 5))
        .chain(range(6, 19, 21))
        .chain(range(9, 25, 27))
        .chain(range(10, 1, 7))
        .collect();
    let workdays = vec![
        date(1, 4),
        date(2, 14),
        date(2, 28),
        date(5, 9),
        date(9, 20),
        date(10, 10),
    ];
    (holidays, workdays)
}

/// Public holidays and make-up workdays as published, for a calendar's `holidays` and
/// `workdays`: the State Council's 2025 schedule (国务院办公厅关于2025年部分节假日安排的通知,
/// 国办发明电〔2024〕12号, 2024-11-12).
pub fn china_2025() -> (Vec<Date>, Vec<Date>) {
    let date = |m: i8, d: i8| Date::new(2025, m, d).expect("valid date");
    let range = |m: i8, from: i8, to: i8| (from..=to).map(move |d| date(m, d));
    let holidays = range(1, 1, 1)
        .chain(range(1, 28, 31))
        .chain(range(2, 1, 4))
        .chain(range(4, 4, 6))
        .chain(range(5, 1, 5))
        .chain(range(5, 31, 31))
        .chain(range(6, 1, 2))
        .chain(range(10, 1, 8))
        .collect();
    let workdays = vec![
        date(1, 26),
        date(2, 8),
        date(4, 27),
        date(9, 28),
        date(10, 11),
    ];
    (holidays, workdays)
}

#[cfg(test)]
mod schedule_tests {
    use super::*;

    #[test]
    fn the_2026_schedule_as_published() {
        let (holidays, workdays) = china_schedule(2026).unwrap();
        assert_eq!((holidays.len(), workdays.len()), (33, 6));
        // every make-up workday is a weekend day, and no holiday is one
        for day in &workdays {
            assert!(
                matches!(
                    day.weekday(),
                    jiff::civil::Weekday::Saturday | jiff::civil::Weekday::Sunday
                ),
                "{day}"
            );
            assert!(!holidays.contains(day));
        }
        assert!(
            holidays.contains(&Date::new(2026, 2, 17).unwrap()),
            "春节 (正月初一)"
        );
        assert!(china_schedule(2024).is_none());
    }
}
