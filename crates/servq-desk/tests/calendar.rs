//! Business calendars and SLA clocks on hand-worked cases: a ticket created at 17:59 on a
//! Friday, the 2025 National Day holidays and their make-up workday, zones and daylight saving,
//! pauses while waiting on the customer, and duty hours for notifications.
#![allow(missing_docs)]

use jiff::{Timestamp, civil::date, tz::TimeZone};
use servq_desk::{
    BusinessCalendar, CalendarSpec, ClockEvent, ClockState, SlaClock, SlaMetric, china_2025,
};

const HOUR: i64 = 3_600_000;
const MINUTE: i64 = 60_000;

fn shanghai() -> BusinessCalendar {
    let (holidays, workdays) = china_2025();
    BusinessCalendar::new(&CalendarSpec {
        holidays,
        workdays,
        ..CalendarSpec::office_hours("Asia/Shanghai")
    })
    .unwrap()
}

/// A local wall-clock time in a zone.
fn local(zone: &str, text: &str) -> Timestamp {
    text.parse::<jiff::civil::DateTime>()
        .unwrap()
        .to_zoned(TimeZone::get(zone).unwrap())
        .unwrap()
        .timestamp()
}

fn sh(text: &str) -> Timestamp {
    local("Asia/Shanghai", text)
}

#[test]
fn a_ticket_created_at_17_59_on_friday() {
    let calendar = shanghai();
    let created = sh("2025-11-14T17:59");
    // one business minute on Friday, the rest from Monday 09:00
    assert_eq!(
        calendar.add_business_ms(created, HOUR),
        Some(sh("2025-11-17T09:59"))
    );
    assert_eq!(
        calendar.add_business_ms(created, 4 * HOUR),
        Some(sh("2025-11-17T12:59"))
    );
    assert_eq!(
        calendar.add_business_ms(created, MINUTE),
        Some(sh("2025-11-14T18:00"))
    );
    // a ticket created on Saturday starts counting on Monday morning
    assert_eq!(
        calendar.add_business_ms(sh("2025-11-15T10:00"), HOUR),
        Some(sh("2025-11-17T10:00"))
    );
    assert_eq!(
        calendar.business_ms_between(sh("2025-11-14T17:00"), sh("2025-11-17T10:00")),
        2 * HOUR
    );
    assert!(!calendar.is_open(sh("2025-11-14T18:00")));
    assert!(calendar.is_open(sh("2025-11-14T17:59")));
}

#[test]
fn national_day_holidays_and_the_make_up_workday() {
    let calendar = shanghai();
    // 1 h on Tuesday 30 September, then 1–8 October are holidays: Thursday 9 October 16:00
    assert_eq!(
        calendar.add_business_ms(sh("2025-09-30T17:00"), 8 * HOUR),
        Some(sh("2025-10-09T16:00"))
    );
    // Saturday 11 October is a make-up workday (调休): open with workday hours
    assert_eq!(
        calendar.add_business_ms(sh("2025-10-10T17:30"), 2 * HOUR),
        Some(sh("2025-10-11T10:30"))
    );
    assert!(
        calendar.is_business_day(date(2025, 9, 28)),
        "Sunday 28 September is worked"
    );
    assert!(
        !calendar.is_business_day(date(2025, 10, 8)),
        "Wednesday 8 October is a holiday"
    );
    // the whole Spring Festival week: 27 Jan (Mon) then 5 Feb (Wed)
    assert_eq!(
        calendar.business_ms_between(sh("2025-01-27T00:00"), sh("2025-02-06T00:00")),
        9 * HOUR * 2
    );
}

#[test]
fn the_calendars_zone_decides_and_daylight_saving_is_real_time() {
    let shanghai = shanghai();
    let new_york = BusinessCalendar::new(&CalendarSpec::office_hours("America/New_York")).unwrap();
    // 2025-11-14T09:59Z is 17:59 in Shanghai (Friday evening) but 04:59 in New York
    let instant: Timestamp = "2025-11-14T09:59:00Z".parse().unwrap();
    assert_eq!(
        shanghai.add_business_ms(instant, HOUR),
        Some(sh("2025-11-17T09:59"))
    );
    assert_eq!(
        new_york.add_business_ms(instant, HOUR),
        Some(local("America/New_York", "2025-11-14T10:00"))
    );
    // open around the clock: 24 business hours from Sunday 9 March 00:00 (a 23-hour day in New
    // York, clocks jump 02:00 → 03:00) end at Monday 01:00 local
    let always = BusinessCalendar::new(&CalendarSpec {
        week: std::array::from_fn(|_| vec!["00:00-24:00".to_owned()]),
        ..CalendarSpec::office_hours("America/New_York")
    })
    .unwrap();
    let start = local("America/New_York", "2025-03-09T00:00");
    assert_eq!(
        always.add_business_ms(start, 24 * HOUR),
        Some(local("America/New_York", "2025-03-10T01:00"))
    );
    assert_eq!(
        always.business_ms_between(start, local("America/New_York", "2025-03-10T00:00")),
        23 * HOUR
    );
}

#[test]
fn clocks_pause_while_waiting_on_the_customer_and_stop_for_good() {
    let calendar = shanghai();
    // Monday 17 November 09:00, resolution target 4 business hours
    let (mut clock, started) =
        SlaClock::start(SlaMetric::Resolution, 4 * HOUR, sh("2025-11-17T09:00"));
    assert_eq!(started, ClockEvent::Started);
    assert_eq!(clock.due(&calendar), Some(sh("2025-11-17T13:00")));
    // waiting on the customer from 11:00 (2 h used) until Wednesday 09:00
    assert_eq!(
        clock.pause(&calendar, sh("2025-11-17T11:00")),
        [ClockEvent::Paused]
    );
    assert_eq!(clock.used_ms, 2 * HOUR);
    assert_eq!(clock.due(&calendar), None, "a paused clock has no deadline");
    assert_eq!(
        clock.check(&calendar, sh("2025-11-18T17:00")),
        None,
        "no breach while paused"
    );
    assert_eq!(
        clock.resume(sh("2025-11-19T09:00")),
        Some(ClockEvent::Resumed)
    );
    assert_eq!(clock.due(&calendar), Some(sh("2025-11-19T11:00")));
    assert_eq!(
        clock.check(&calendar, sh("2025-11-19T11:00")),
        None,
        "the deadline itself is in time"
    );
    let mut late = clock.clone();
    assert_eq!(
        late.check(&calendar, sh("2025-11-19T11:01")),
        Some(ClockEvent::Breached)
    );
    assert_eq!(
        late.check(&calendar, sh("2025-11-19T12:00")),
        None,
        "a breach is reported once"
    );
    assert_eq!(
        late.stop(&calendar, sh("2025-11-19T12:00")),
        Vec::<ClockEvent>::new()
    );
    assert_eq!(late.state, ClockState::Breached);
    // resolved at 10:00: met with 3 h used; the clock never breaches afterwards
    assert_eq!(
        clock.stop(&calendar, sh("2025-11-19T10:00")),
        [ClockEvent::Met]
    );
    assert_eq!((clock.state, clock.used_ms), (ClockState::Met, 3 * HOUR));
    assert_eq!(clock.check(&calendar, sh("2025-12-31T10:00")), None);
    assert_eq!(
        clock.stop(&calendar, sh("2025-12-31T10:00")),
        Vec::<ClockEvent>::new()
    );
    // stopped late without a check in between: breached all the same
    let (mut unchecked, _) =
        SlaClock::start(SlaMetric::FirstResponse, HOUR, sh("2025-11-17T09:00"));
    assert_eq!(
        unchecked.stop(&calendar, sh("2025-11-17T10:30")),
        [ClockEvent::Breached]
    );
    assert_eq!(unchecked.state, ClockState::Breached);
}

#[test]
fn notifications_wait_for_business_or_duty_hours() {
    let office = shanghai();
    // 03:00 on Saturday: nobody until Monday 09:00
    assert_eq!(
        office.next_staffed(sh("2025-11-15T03:00")),
        Some(sh("2025-11-17T09:00"))
    );
    let with_duty = BusinessCalendar::new(&CalendarSpec {
        duty: vec!["20:00-23:00".to_owned()],
        ..CalendarSpec::office_hours("Asia/Shanghai")
    })
    .unwrap();
    assert_eq!(
        with_duty.next_staffed(sh("2025-11-15T03:00")),
        Some(sh("2025-11-15T20:00"))
    );
    assert!(with_duty.is_staffed(sh("2025-11-15T21:30")));
    assert_eq!(
        with_duty.next_staffed(sh("2025-11-17T10:00")),
        Some(sh("2025-11-17T10:00"))
    );
}

#[test]
fn bad_calendars_are_refused() {
    let bad = |week: [Vec<String>; 7]| {
        BusinessCalendar::new(&CalendarSpec {
            week,
            ..CalendarSpec::office_hours("Asia/Shanghai")
        })
        .unwrap_err()
        .to_string()
    };
    assert_eq!(
        bad(Default::default()),
        "the calendar has no business hours"
    );
    let mut week: [Vec<String>; 7] = Default::default();
    week[0] = vec!["18:00-09:00".to_owned()];
    assert!(bad(week).contains("18:00-09:00"));
    assert!(
        BusinessCalendar::new(&CalendarSpec::office_hours("Mars/Base"))
            .unwrap_err()
            .to_string()
            .contains("Mars/Base")
    );
}
