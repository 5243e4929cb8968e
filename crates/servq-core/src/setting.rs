//! What is wrong with one field of a submitted setting (a scorecard, an SLA policy, a workflow,
//! a survey rule…): where it is, as a dotted path into the body as sent (`rules.0.team`), and why,
//! as a closed set of reasons. The web editors show each beside its field in the user's language
//! (catalogue `field.{code}`); the API lists them under `errors`; scripts read the English text.

use std::fmt;

/// Why a field is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SettingReason {
    /// Empty where a value is needed.
    Required,
    /// The same value as an earlier entry where each must differ.
    Duplicate(String),
    /// Not an identifier: 1 to `max` characters of the allowed set.
    Identifier {
        /// The text given.
        value: String,
        /// Longest allowed.
        max: usize,
        /// Whether capitals and `-` are allowed besides lower-case letters, digits and `_`.
        loose: bool,
    },
    /// A number outside `[min, max]`.
    Range {
        /// Smallest allowed.
        min: String,
        /// Largest allowed.
        max: String,
    },
    /// A number below its smallest allowed value.
    AtLeast(String),
    /// A number that must be greater than 0.
    Positive,
    /// Nesting deeper than allowed.
    TooDeep(usize),
    /// A list that needs at least one entry.
    Empty,
    /// A time span that is not `HH:MM-HH:MM` within one day, start before end.
    TimeSpan(String),
    /// Hours that are not `HH:MM-HH:MM` (they may pass midnight: `22:00-08:00`).
    WrappingSpan(String),
    /// A name that is not in the list it must come from (a time zone, a category, a language).
    Unknown(String),
    /// Anything else: the English reason (the page shows it as is).
    Other(String),
    /// A reason with its own catalogue sentence (`field.{code}`) and values, and its English
    /// text for scripts.
    Coded {
        /// The catalogue key's last part.
        code: &'static str,
        /// The values the sentence names.
        values: Vec<(&'static str, String)>,
        /// The English reason.
        english: String,
    },
}

/// One refused field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingProblem {
    /// Dotted path into the submitted body (`sections.1.items.0.weight`).
    pub field: String,
    /// Why.
    pub reason: SettingReason,
}

impl SettingProblem {
    /// A problem at `field`.
    pub fn new(field: impl Into<String>, reason: SettingReason) -> SettingProblem {
        SettingProblem {
            field: field.into(),
            reason,
        }
    }

    /// The same problem with `prefix.` before its path (a part inside a larger body).
    pub fn under(mut self, prefix: &str) -> SettingProblem {
        self.field = if self.field.is_empty() {
            prefix.to_owned()
        } else {
            format!("{prefix}.{}", self.field)
        };
        self
    }
}

impl SettingReason {
    /// The catalogue key's last part (`field.{code}`), stable for scripts.
    pub fn code(&self) -> &'static str {
        match self {
            SettingReason::Required => "required",
            SettingReason::Duplicate(_) => "duplicate",
            SettingReason::Identifier { loose: false, .. } => "identifier",
            SettingReason::Identifier { loose: true, .. } => "identifier_loose",
            SettingReason::Range { .. } => "range",
            SettingReason::AtLeast(_) => "at_least",
            SettingReason::Positive => "positive",
            SettingReason::TooDeep(_) => "too_deep",
            SettingReason::Empty => "empty",
            SettingReason::TimeSpan(_) => "time_span",
            SettingReason::WrappingSpan(_) => "wrapping_span",
            SettingReason::Unknown(_) => "unknown",
            SettingReason::Other(_) => "other",
            SettingReason::Coded { code, .. } => code,
        }
    }

    /// The values the catalogue's sentence names (`{value}`, `{max}`, `{min}`).
    pub fn values(&self) -> Vec<(&'static str, String)> {
        match self {
            SettingReason::Required | SettingReason::Empty | SettingReason::Positive => Vec::new(),
            SettingReason::Duplicate(value)
            | SettingReason::TimeSpan(value)
            | SettingReason::WrappingSpan(value)
            | SettingReason::Unknown(value)
            | SettingReason::Other(value) => vec![("value", value.clone())],
            SettingReason::Coded { values, .. } => values.clone(),
            SettingReason::Identifier { value, max, .. } => {
                vec![("value", value.clone()), ("max", max.to_string())]
            }
            SettingReason::Range { min, max } => {
                vec![("min", min.clone()), ("max", max.clone())]
            }
            SettingReason::TooDeep(levels) => vec![("max", levels.to_string())],
            SettingReason::AtLeast(min) => vec![("min", min.clone())],
        }
    }
}

impl fmt::Display for SettingReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SettingReason::Required => write!(f, "is required"),
            SettingReason::Duplicate(value) => write!(f, "'{value}' appears twice"),
            SettingReason::Identifier {
                value,
                max,
                loose: false,
            } => write!(
                f,
                "'{value}': use 1 to {max} lower-case letters, digits or _"
            ),
            SettingReason::Identifier {
                value,
                max,
                loose: true,
            } => write!(f, "'{value}': use 1 to {max} letters, digits, _ or -"),
            SettingReason::Range { min, max } => write!(f, "must be from {min} to {max}"),
            SettingReason::AtLeast(min) => write!(f, "must be at least {min}"),
            SettingReason::Positive => write!(f, "must be greater than 0"),
            SettingReason::TooDeep(levels) => write!(f, "at most {levels} levels"),
            SettingReason::Empty => write!(f, "needs at least one entry"),
            SettingReason::TimeSpan(value) => write!(
                f,
                "'{value}': use HH:MM-HH:MM within one day, start before end"
            ),
            SettingReason::WrappingSpan(value) => write!(
                f,
                "'{value}': use HH:MM-HH:MM (it may pass midnight, like 22:00-08:00)"
            ),
            SettingReason::Unknown(value) => write!(f, "'{value}' is not known"),
            SettingReason::Other(reason) => write!(f, "{reason}"),
            SettingReason::Coded { english, .. } => write!(f, "{english}"),
        }
    }
}

impl fmt::Display for SettingProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.field.is_empty() {
            write!(f, "{}", self.reason)
        } else {
            write!(f, "{}: {}", self.field, self.reason)
        }
    }
}

/// Whether `text` is 1 to `max` lower-case ASCII letters, digits or `_`.
pub fn is_identifier(text: &str, max: usize) -> bool {
    !text.is_empty()
        && text.len() <= max
        && text
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_part_prefixes_its_paths_and_the_english_names_the_field() {
        let problem = SettingProblem::new("rules.0.team", SettingReason::Required).under("routing");
        assert_eq!(problem.field, "routing.rules.0.team");
        assert_eq!(problem.to_string(), "routing.rules.0.team: is required");
        let range = SettingReason::Range {
            min: "1".into(),
            max: "99".into(),
        };
        assert_eq!(range.code(), "range");
        assert_eq!(
            range.values(),
            vec![("min", "1".to_owned()), ("max", "99".to_owned())]
        );
    }
}
