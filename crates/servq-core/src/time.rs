//! Zoned timestamps. Every instant is kept as UTC milliseconds plus the UTC offset it was written
//! with, so that storage and arithmetic are zone-free while display can show what the source said.

use jiff::{Timestamp, civil, fmt::temporal::Pieces, tz::TimeZone};

use crate::error::ParseError;

/// An instant in time with the UTC offset it was recorded in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ZonedTime {
    /// Milliseconds since the Unix epoch, UTC.
    pub utc_ms: i64,
    /// The offset from UTC, in seconds, of the clock that recorded it.
    pub offset_secs: i32,
}

/// Smallest and largest accepted instants (2000-01-01 and 2100-01-01, UTC): values outside are
/// almost always a misread column, such as an Excel serial number or seconds instead of a date.
const MIN_UTC_MS: i64 = 946_684_800_000;
const MAX_UTC_MS: i64 = 4_102_444_800_000;

/// Looks up an IANA time-zone name such as `Asia/Shanghai`.
pub fn parse_zone(name: &str) -> Result<TimeZone, ParseError> {
    TimeZone::get(name.trim()).map_err(|_| ParseError::UnknownZone {
        value: name.to_owned(),
    })
}

/// Parses a timestamp written either with an explicit offset (RFC 3339, `Z` allowed) or as a
/// naive local date-time, which is then read in `local_zone`. Naive formats accepted:
/// `2026-11-02T09:00:00`, `2026-11-02 09:00:00(.fff)`, `2026-11-02 09:00`, `2026/11/02 09:00:00`,
/// `2026/11/2 9:00`. A local time that falls in a daylight-saving gap or fold resolves the way
/// RFC 5545 does ("compatible": later offset in gaps, earlier in folds).
pub fn parse_timestamp(text: &str, local_zone: &TimeZone) -> Result<ZonedTime, ParseError> {
    let text = text.trim();
    let bad = || ParseError::BadTimestamp {
        value: text.to_owned(),
    };
    if text.is_empty() {
        return Err(ParseError::Empty);
    }
    let zoned = if let Ok(timestamp) = text.parse::<Timestamp>() {
        let offset_secs = Pieces::parse(text)
            .ok()
            .and_then(|pieces| match pieces.offset() {
                Some(jiff::fmt::temporal::PiecesOffset::Numeric(numeric)) => {
                    Some(numeric.offset().seconds())
                }
                _ => None,
            })
            .unwrap_or(0);
        ZonedTime {
            utc_ms: timestamp.as_millisecond(),
            offset_secs,
        }
    } else {
        let local = parse_naive(text).ok_or_else(bad)?;
        let zoned = local_zone
            .to_ambiguous_zoned(local)
            .compatible()
            .map_err(|_| bad())?;
        ZonedTime {
            utc_ms: zoned.timestamp().as_millisecond(),
            offset_secs: zoned.offset().seconds(),
        }
    };
    if !(MIN_UTC_MS..MAX_UTC_MS).contains(&zoned.utc_ms) {
        return Err(ParseError::TimestampOutOfRange {
            value: text.to_owned(),
        });
    }
    Ok(zoned)
}

fn parse_naive(text: &str) -> Option<civil::DateTime> {
    if let Ok(datetime) = text.parse::<civil::DateTime>() {
        return Some(datetime);
    }
    const FORMATS: [&str; 4] = [
        "%Y/%m/%d %H:%M:%S",
        "%Y/%m/%d %H:%M",
        "%Y-%m-%d %H:%M",
        "%Y/%m/%dT%H:%M:%S",
    ];
    FORMATS.iter().find_map(|format| {
        jiff::fmt::strtime::parse(format, text)
            .ok()?
            .to_datetime()
            .ok()
    })
}

impl ZonedTime {
    /// Builds a zoned time from UTC milliseconds and an offset.
    pub fn from_parts(utc_ms: i64, offset_secs: i32) -> Self {
        Self {
            utc_ms,
            offset_secs,
        }
    }

    /// The instant as a `jiff` timestamp.
    pub fn timestamp(&self) -> Timestamp {
        Timestamp::from_millisecond(self.utc_ms).expect("range checked at parse")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shanghai() -> TimeZone {
        parse_zone("Asia/Shanghai").unwrap()
    }

    #[test]
    fn explicit_offsets_keep_the_instant_and_the_offset() {
        let t = parse_timestamp("2026-11-02T09:00:00+08:00", &TimeZone::UTC).unwrap();
        assert_eq!(t.utc_ms, 1_793_581_200_000);
        assert_eq!(t.offset_secs, 8 * 3600);
        let z = parse_timestamp("2026-11-02T01:00:00Z", &shanghai()).unwrap();
        assert_eq!(z.utc_ms, t.utc_ms);
        assert_eq!(z.offset_secs, 0);
    }

    #[test]
    fn naive_times_are_read_in_the_configured_zone() {
        let expected = 1_793_581_200_000;
        for text in [
            "2026-11-02 09:00:00",
            "2026-11-02T09:00:00",
            "2026-11-02 09:00",
            "2026/11/02 09:00:00",
            "2026/11/2 9:00",
        ] {
            let t = parse_timestamp(text, &shanghai()).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(t.utc_ms, expected, "{text}");
            assert_eq!(t.offset_secs, 8 * 3600, "{text}");
        }
        let ms = parse_timestamp("2026-11-02 09:00:00.250", &shanghai()).unwrap();
        assert_eq!(ms.utc_ms, expected + 250);
    }

    #[test]
    fn daylight_saving_gap_resolves_forward() {
        let new_york = parse_zone("America/New_York").unwrap();
        // 02:30 does not exist on 2026-03-08 in New York; compatible resolution gives 03:30 EDT.
        let t = parse_timestamp("2026-03-08 02:30:00", &new_york).unwrap();
        assert_eq!(t.offset_secs, -4 * 3600);
        assert_eq!(
            t.utc_ms,
            parse_timestamp("2026-03-08T07:30:00Z", &new_york)
                .unwrap()
                .utc_ms
        );
    }

    #[test]
    fn bad_timestamps_say_why() {
        assert!(matches!(
            parse_timestamp("yesterday", &shanghai()),
            Err(ParseError::BadTimestamp { .. })
        ));
        assert!(matches!(
            parse_timestamp("1970-01-01 00:00:00", &shanghai()),
            Err(ParseError::TimestampOutOfRange { .. })
        ));
        assert_eq!(parse_timestamp(" ", &shanghai()), Err(ParseError::Empty));
        assert!(parse_zone("Mars/Olympus").is_err());
    }
}
