//! Property tests of the parsers: they never panic on arbitrary text, and what they print they
//! read back.

use jiff::tz::TimeZone;
use proptest::prelude::*;
use servq_core::{Contact, ContactRecord, parse_duration_ms, parse_timestamp};

proptest! {
    #[test]
    fn parsers_never_panic(text in "\\PC{0,40}") {
        let _ = parse_duration_ms(&text);
        let _ = parse_timestamp(&text, &TimeZone::UTC);
        let record = ContactRecord { contact_id: &text, channel: &text, offered_at: &text, talk_seconds: &text, ..Default::default() };
        let _ = Contact::parse(&record, &TimeZone::UTC);
    }

    #[test]
    fn whole_seconds_round_trip_in_every_notation(seconds in 0i64..360_000) {
        let clock = format!("{}:{:02}:{:02}", seconds / 3600, seconds / 60 % 60, seconds % 60);
        prop_assert_eq!(parse_duration_ms(&seconds.to_string()), Ok(seconds * 1000));
        prop_assert_eq!(parse_duration_ms(&clock), Ok(seconds * 1000));
    }

    #[test]
    fn naive_and_offset_forms_name_the_same_instant(ms in 946_684_800_000i64..4_000_000_000_000) {
        let shanghai = TimeZone::get("Asia/Shanghai").unwrap();
        let instant = jiff::Timestamp::from_millisecond(ms).unwrap();
        let local = instant.to_zoned(shanghai.clone()).datetime();
        let offset_form = instant.to_zoned(shanghai.clone()).timestamp().to_string();
        prop_assert_eq!(parse_timestamp(&local.to_string(), &shanghai).unwrap().utc_ms, ms);
        prop_assert_eq!(parse_timestamp(&offset_form, &TimeZone::UTC).unwrap().utc_ms, ms);
    }
}
