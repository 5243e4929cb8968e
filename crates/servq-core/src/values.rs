//! Small value parsers shared by every import format: durations and yes/no flags.

use crate::error::ParseError;

/// A duration or instant in milliseconds; servq keeps all times as integer milliseconds so that
/// sums over millions of contacts are exact.
pub type Millis = i64;

/// Parses a non-negative duration in seconds: `95`, `95.5`, `1:35`, `00:01:35` (an empty value is
/// zero). Returns milliseconds, rounded to the nearest millisecond.
pub fn parse_duration_ms(text: &str) -> Result<Millis, ParseError> {
    let text = text.trim();
    let bad = || ParseError::BadDuration {
        value: text.to_owned(),
    };
    if text.is_empty() {
        return Ok(0);
    }
    // a sign anywhere is a negative (or odd) duration: "-00:05" or "-0" must not pass as 5 s
    // or 0 because −0.0 is not below zero
    if text.starts_with('-') {
        return Err(ParseError::NegativeDuration {
            value: text.to_owned(),
        });
    }
    let seconds = if text.contains(':') {
        let mut total: f64 = 0.0;
        let parts: Vec<&str> = text.split(':').collect();
        if parts.len() > 3 {
            return Err(bad());
        }
        for (index, part) in parts.iter().enumerate() {
            if part.starts_with(['+', '-']) {
                return Err(bad());
            }
            let value: f64 = part.parse().map_err(|_| bad())?;
            let is_last = index + 1 == parts.len();
            if !value.is_finite()
                || value < 0.0
                || (!is_last && value.fract() != 0.0)
                || (index > 0 && value >= 60.0)
            {
                return Err(bad());
            }
            total = total * 60.0 + value;
        }
        total
    } else {
        let seconds: f64 = text.parse().map_err(|_| bad())?;
        if !seconds.is_finite() {
            return Err(bad());
        }
        seconds
    };
    if seconds > MAX_DURATION_SECONDS as f64 {
        return Err(ParseError::DurationTooLong {
            value: text.to_owned(),
            max_days: MAX_DURATION_SECONDS / 86_400,
        });
    }
    Ok((seconds * 1000.0).round() as Millis)
}

/// The longest duration a contact or state may have: 7 days (a longer one is a typo or an
/// overflow that would distort AHT and overflow sums).
pub const MAX_DURATION_SECONDS: i64 = 7 * 86_400;

/// Parses a yes/no value; empty means "not given".
pub fn parse_optional_bool(text: &str) -> Result<Option<bool>, ParseError> {
    let text = text.trim();
    let lower = text.to_ascii_lowercase();
    match lower.as_str() {
        "" => Ok(None),
        "1" | "true" | "t" | "yes" | "y" | "是" => Ok(Some(true)),
        "0" | "false" | "f" | "no" | "n" | "否" => Ok(Some(false)),
        _ => Err(ParseError::BadBool {
            value: text.to_owned(),
        }),
    }
}

/// Parses a yes/no value where empty means no.
pub fn parse_bool(text: &str) -> Result<bool, ParseError> {
    parse_optional_bool(text).map(|value| value.unwrap_or(false))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration_ms(""), Ok(0));
        assert_eq!(parse_duration_ms("95"), Ok(95_000));
        assert_eq!(parse_duration_ms(" 95.5 "), Ok(95_500));
        assert_eq!(parse_duration_ms("1:35"), Ok(95_000));
        assert_eq!(parse_duration_ms("01:01:35"), Ok(3_695_000));
        assert!(matches!(
            parse_duration_ms("-3"),
            Err(ParseError::NegativeDuration { .. })
        ));
        assert!(matches!(
            parse_duration_ms("1:75"),
            Err(ParseError::BadDuration { .. })
        ));
        assert!(matches!(
            parse_duration_ms("abc"),
            Err(ParseError::BadDuration { .. })
        ));
        assert!(matches!(
            parse_duration_ms("NaN"),
            Err(ParseError::BadDuration { .. })
        ));
        // negative zero forms were stored as +5 s and 0
        for negative in ["-00:05", "-0", "-0.0", "-1:00:00"] {
            assert!(
                matches!(
                    parse_duration_ms(negative),
                    Err(ParseError::NegativeDuration { .. })
                ),
                "{negative}"
            );
        }
        assert!(matches!(
            parse_duration_ms("00:+5"),
            Err(ParseError::BadDuration { .. })
        ));
        // 1e18 s saturated to i64::MAX and turned AHT negative: refused, as is anything over
        // 7 days
        for huge in ["1e18", "604801", "168:00:01", "inf"] {
            assert!(parse_duration_ms(huge).is_err(), "{huge}");
        }
        assert_eq!(parse_duration_ms("604800"), Ok(604_800_000));
    }

    #[test]
    fn booleans() {
        assert_eq!(parse_bool("1"), Ok(true));
        assert_eq!(parse_bool("TRUE"), Ok(true));
        assert_eq!(parse_bool(""), Ok(false));
        assert_eq!(parse_optional_bool(""), Ok(None));
        assert_eq!(parse_optional_bool("否"), Ok(Some(false)));
        assert!(parse_bool("maybe").is_err());
    }
}
