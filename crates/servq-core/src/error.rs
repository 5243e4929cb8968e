//! Typed parse errors. Their `Display` text is the "reason" part of the `file:line: column: reason`
//! messages users see, so it is written for a person reading an import report.

/// The longest stretch of a value an error message quotes, in characters.
pub const QUOTED_CHARS: usize = 80;

/// A value as an error message quotes it: at most [`QUOTED_CHARS`] characters, then "…" (a
/// 30 MB value must not become a 30 MB message).
pub fn shown(value: &str) -> String {
    let mut chars = value.char_indices();
    match chars.nth(QUOTED_CHARS) {
        Some((cut, _)) => format!("{}…", &value[..cut]),
        None => value.to_owned(),
    }
}

/// Why one raw text value could not become a domain value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// A required value was empty.
    #[error("is required but empty")]
    Empty,
    /// The value is longer than the column allows.
    #[error("is {len} characters long; at most {max} are allowed")]
    TooLong {
        /// Length of the given value in characters.
        len: usize,
        /// Maximum length allowed.
        max: usize,
    },
    /// The value is not one of a closed set of words.
    #[error("'{}' is not one of {expected}", shown(value))]
    NotOneOf {
        /// The text given.
        value: String,
        /// The accepted words, comma-separated.
        expected: &'static str,
    },
    /// The value is not a date-time servq understands.
    #[error(
        "'{}' is not a timestamp (use RFC 3339 like 2026-11-02T09:00:00+08:00, or a local time like 2026-11-02 09:00:00)",
        shown(value)
    )]
    BadTimestamp {
        /// The text given.
        value: String,
    },
    /// The timestamp is outside the years servq accepts.
    #[error("'{}' is outside the accepted years 2000-2099", shown(value))]
    TimestampOutOfRange {
        /// The text given.
        value: String,
    },
    /// The value is not a non-negative duration.
    #[error(
        "'{}' is not a duration in seconds (like 95, 95.5 or 00:01:35)",
        shown(value)
    )]
    BadDuration {
        /// The text given.
        value: String,
    },
    /// A duration was negative.
    #[error("'{}' is negative; durations must be 0 or more", shown(value))]
    NegativeDuration {
        /// The text given.
        value: String,
    },
    /// A duration longer than servq accepts.
    #[error("'{}' is longer than {max_days} days", shown(value))]
    DurationTooLong {
        /// The text given.
        value: String,
        /// The limit in days.
        max_days: i64,
    },
    /// The value is not a web address.
    #[error("'{}' is not a web address (use http://… or https://…)", shown(value))]
    BadUrl {
        /// The text given (its start).
        value: String,
    },
    /// The value is not a yes/no word.
    #[error(
        "'{}' is not a yes/no value (use 1/0, true/false, yes/no)",
        shown(value)
    )]
    BadBool {
        /// The text given.
        value: String,
    },
    /// The zone name is not in the time-zone database.
    #[error(
        "'{}' is not a known time zone (use an IANA name like Asia/Shanghai)",
        shown(value)
    )]
    UnknownZone {
        /// The text given.
        value: String,
    },
    /// The value is not a whole number inside the allowed range.
    #[error("'{}' is not a whole number from {min} to {max}", shown(value))]
    OutOfRange {
        /// The text given.
        value: String,
        /// Smallest accepted value.
        min: u8,
        /// Largest accepted value.
        max: u8,
    },
}

/// A parse error tied to the column it was found in; one row may produce several.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{column}: {reason}")]
pub struct FieldError {
    /// The canonical servq column name.
    pub column: &'static str,
    /// What is wrong with the value, or with the row if it concerns several columns.
    pub reason: String,
}

impl FieldError {
    /// A field error from a typed parse error.
    pub fn new(column: &'static str, error: ParseError) -> Self {
        Self {
            column,
            reason: error.to_string(),
        }
    }

    /// A field error whose reason involves other columns of the same row.
    pub fn rule(column: &'static str, reason: impl Into<String>) -> Self {
        Self {
            column,
            reason: reason.into(),
        }
    }
}

/// Records a parse failure in `errors` and turns the result into an `Option`, so a row parser can
/// keep going and report every bad column at once.
pub(crate) fn keep_error<T>(
    errors: &mut Vec<FieldError>,
    column: &'static str,
    result: Result<T, ParseError>,
) -> Option<T> {
    result
        .map_err(|error| errors.push(FieldError::new(column, error)))
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_huge_value_is_quoted_short() {
        let huge = "9".repeat(30_000_000);
        let message = ParseError::BadDuration { value: huge }.to_string();
        assert!(
            message.chars().count() < 200,
            "{} characters",
            message.len()
        );
        assert!(message.starts_with(&format!("'{}…'", "9".repeat(QUOTED_CHARS))));
        // short values and multi-byte text are quoted whole, never cut inside a character
        assert_eq!(shown("张三"), "张三");
        assert_eq!(shown(&"张".repeat(81)), format!("{}…", "张".repeat(80)));
    }
}
