//! Typed parse errors. Their `Display` text is the "reason" part of the `file:line: column: reason`
//! messages users see, so it is written for a person reading an import report.

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
    #[error("'{value}' is not one of {expected}")]
    NotOneOf {
        /// The text given.
        value: String,
        /// The accepted words, comma-separated.
        expected: &'static str,
    },
    /// The value is not a date-time servq understands.
    #[error(
        "'{value}' is not a timestamp (use RFC 3339 like 2026-11-02T09:00:00+08:00, or a local time like 2026-11-02 09:00:00)"
    )]
    BadTimestamp {
        /// The text given.
        value: String,
    },
    /// The timestamp is outside the years servq accepts.
    #[error("'{value}' is outside the accepted years 2000-2099")]
    TimestampOutOfRange {
        /// The text given.
        value: String,
    },
    /// The value is not a non-negative duration.
    #[error("'{value}' is not a duration in seconds (like 95, 95.5 or 00:01:35)")]
    BadDuration {
        /// The text given.
        value: String,
    },
    /// A duration was negative.
    #[error("'{value}' is negative; durations must be 0 or more")]
    NegativeDuration {
        /// The text given.
        value: String,
    },
    /// The value is not a web address.
    #[error("'{value}' is not a web address (use http://… or https://…)")]
    BadUrl {
        /// The text given (its start).
        value: String,
    },
    /// The value is not a yes/no word.
    #[error("'{value}' is not a yes/no value (use 1/0, true/false, yes/no)")]
    BadBool {
        /// The text given.
        value: String,
    },
    /// The zone name is not in the time-zone database.
    #[error("'{value}' is not a known time zone (use an IANA name like Asia/Shanghai)")]
    UnknownZone {
        /// The text given.
        value: String,
    },
    /// The value is not a whole number inside the allowed range.
    #[error("'{value}' is not a whole number from {min} to {max}")]
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
