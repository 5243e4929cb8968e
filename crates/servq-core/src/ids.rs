//! Identifier and label newtypes. They trim surrounding spaces, refuse empty values and cap length
//! so that a value that reaches the store is always a usable key.

use crate::error::ParseError;

const MAX_ID_CHARS: usize = 128;
const MAX_LABEL_CHARS: usize = 200;

fn parse_text(text: &str, max: usize) -> Result<String, ParseError> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(ParseError::Empty);
    }
    let len = trimmed.chars().count();
    if len > max {
        return Err(ParseError::TooLong { len, max });
    }
    Ok(trimmed.to_owned())
}

macro_rules! text_newtype {
    ($(#[$doc:meta])* $name:ident, $max:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            /// Parses trimmed, non-empty text of bounded length.
            pub fn parse(text: &str) -> Result<Self, ParseError> {
                parse_text(text, $max).map(Self)
            }

            /// The identifier as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// Consumes the identifier, giving its text.
            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

text_newtype!(
    /// The external id of a contact, unique across all channels; re-importing it updates the contact.
    ContactId,
    MAX_ID_CHARS
);
text_newtype!(
    /// The id of an agent (座席) as the telephony or ticket system knows it.
    AgentId,
    MAX_ID_CHARS
);
text_newtype!(
    /// The id of a customer, used to find repeat contacts for first-contact resolution.
    CustomerId,
    MAX_ID_CHARS
);
text_newtype!(
    /// A free-text grouping label such as a queue (skill group) or a category.
    Label,
    MAX_LABEL_CHARS
);

/// The queues (skill groups) of a roster entry: labels separated by `;` (or the full-width `；`
/// a Chinese keyboard types), blanks skipped, repeats dropped, order kept — the first queue is
/// the one that takes the remainder when agent time is split across queues.
pub fn parse_queue_list(text: &str) -> Result<Vec<Label>, ParseError> {
    let mut queues: Vec<Label> = Vec::new();
    for part in text
        .split([';', '；'])
        .filter(|part| !part.trim().is_empty())
    {
        let queue = Label::parse(part)?;
        if !queues.contains(&queue) {
            queues.push(queue);
        }
    }
    Ok(queues)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_trimmed_and_bounded() {
        assert_eq!(ContactId::parse("  c-1 ").unwrap().as_str(), "c-1");
        assert_eq!(ContactId::parse("   "), Err(ParseError::Empty));
        let long = "x".repeat(129);
        assert_eq!(
            AgentId::parse(&long),
            Err(ParseError::TooLong { len: 129, max: 128 })
        );
        assert_eq!(Label::parse("信用卡").unwrap().to_string(), "信用卡");
        let queues: Vec<String> = parse_queue_list(" 信用卡 ；loans;;信用卡; ")
            .unwrap()
            .into_iter()
            .map(Label::into_string)
            .collect();
        assert_eq!(queues, ["信用卡", "loans"]);
        assert!(parse_queue_list("").unwrap().is_empty());
        assert!(parse_queue_list(&"x".repeat(201)).is_err());
    }
}
