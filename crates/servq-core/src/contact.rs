//! Contacts: one inbound or outbound interaction on any channel, parsed from the canonical
//! import columns (see `docs/import.md`).

use jiff::tz::TimeZone;

use crate::{
    error::{FieldError, ParseError, keep_error},
    ids::{AgentId, ContactId, CustomerId, Label},
    time::{ZonedTime, parse_timestamp},
    values::{Millis, parse_bool, parse_duration_ms, parse_optional_bool},
};

macro_rules! word_enum {
    ($(#[$doc:meta])* $name:ident, $expected:literal, { $($(#[$vdoc:meta])* $variant:ident = $word:literal $(| $alias:literal)*),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($(#[$vdoc])* $variant),+ }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// Parses the canonical word (case-insensitive) or one of its aliases.
            pub fn parse(text: &str) -> Result<Self, ParseError> {
                let lower = text.trim().to_lowercase();
                match lower.as_str() {
                    $($word $(| $alias)* => Ok($name::$variant),)+
                    _ => Err(ParseError::NotOneOf { value: text.trim().to_owned(), expected: $expected }),
                }
            }

            /// The canonical word, as stored and printed.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $word),+ }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
pub(crate) use word_enum;

word_enum!(
    /// The channel a contact came through.
    Channel, "phone, chat, email, web, social, counter", {
        /// Voice call.
        Phone = "phone" | "voice" | "call" | "电话",
        /// Live chat or instant messaging.
        Chat = "chat" | "im" | "在线" | "在线客服",
        /// Email.
        Email = "email" | "mail" | "邮件",
        /// Web form.
        Web = "web" | "webform" | "网页",
        /// Social media.
        Social = "social" | "社交媒体",
        /// Face to face at a service counter.
        Counter = "counter" | "柜台",
    }
);

word_enum!(
    /// Whether the customer or the centre started the contact.
    Direction, "inbound, outbound", {
        /// The customer contacted the centre.
        Inbound = "inbound" | "in" | "呼入",
        /// The centre contacted the customer.
        Outbound = "outbound" | "out" | "呼出",
    }
);

/// The raw text of one contact row, keyed by canonical column; missing columns are empty.
#[derive(Debug, Clone, Copy, Default)]
#[allow(missing_docs)] // one field per canonical column, documented in docs/import.md
pub struct ContactRecord<'a> {
    pub contact_id: &'a str,
    pub channel: &'a str,
    pub direction: &'a str,
    pub queue: &'a str,
    pub customer_id: &'a str,
    pub agent_id: &'a str,
    pub offered_at: &'a str,
    pub answered_at: &'a str,
    pub ended_at: &'a str,
    pub talk_seconds: &'a str,
    pub hold_seconds: &'a str,
    pub wrap_seconds: &'a str,
    pub transferred: &'a str,
    pub category: &'a str,
    pub resolved: &'a str,
    pub recording_url: &'a str,
}

/// A valid contact. Times are consistent: offered ≤ answered ≤ ended, and an abandoned contact
/// (no `answered_at`) has an end time and no handle time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    /// External id, unique.
    pub id: ContactId,
    /// Channel it came through.
    pub channel: Channel,
    /// Inbound or outbound.
    pub direction: Direction,
    /// Queue or skill group; `None` when the source has none.
    pub queue: Option<Label>,
    /// Customer, when known; needed for first-contact resolution.
    pub customer_id: Option<CustomerId>,
    /// Agent who handled it; `None` for abandoned contacts.
    pub agent_id: Option<AgentId>,
    /// When the contact entered the queue.
    pub offered_at: ZonedTime,
    /// When an agent answered; `None` means abandoned.
    pub answered_at: Option<ZonedTime>,
    /// When the contact ended (hang-up or abandon).
    pub ended_at: Option<ZonedTime>,
    /// Talk time in milliseconds.
    pub talk_ms: Millis,
    /// Hold time in milliseconds.
    pub hold_ms: Millis,
    /// After-contact work (wrap-up) in milliseconds.
    pub wrap_ms: Millis,
    /// Whether the agent transferred it.
    pub transferred: bool,
    /// Business category (consult type); `None` when not coded.
    pub category: Option<Label>,
    /// Agent-marked resolution, when given.
    pub resolved: Option<bool>,
    /// Where the call recording is (an `http(s)` address), when the source gives one.
    pub recording_url: Option<String>,
}

impl Contact {
    /// Whether an agent answered the contact.
    pub fn is_answered(&self) -> bool {
        self.answered_at.is_some()
    }

    /// Wait time as defined in `docs/kpi.md`: (answered_at, or ended_at when abandoned) − offered_at.
    pub fn wait_ms(&self) -> Millis {
        let until = self
            .answered_at
            .or(self.ended_at)
            .map_or(self.offered_at.utc_ms, |t| t.utc_ms);
        until - self.offered_at.utc_ms
    }

    /// Parses one row, reading naive local timestamps in `zone`. Collects every problem in the row
    /// rather than stopping at the first, so a user can fix a file in one pass.
    pub fn parse(record: &ContactRecord<'_>, zone: &TimeZone) -> Result<Contact, Vec<FieldError>> {
        let mut errors = Vec::new();
        let optional = |text: &str| !text.trim().is_empty();

        let id = keep_error(
            &mut errors,
            "contact_id",
            ContactId::parse(record.contact_id),
        );
        let channel = keep_error(&mut errors, "channel", Channel::parse(record.channel));
        let direction = if optional(record.direction) {
            keep_error(&mut errors, "direction", Direction::parse(record.direction))
        } else {
            Some(Direction::Inbound)
        };
        let queue = optional(record.queue)
            .then(|| keep_error(&mut errors, "queue", Label::parse(record.queue)))
            .flatten();
        let customer_id = optional(record.customer_id)
            .then(|| {
                keep_error(
                    &mut errors,
                    "customer_id",
                    CustomerId::parse(record.customer_id),
                )
            })
            .flatten();
        let agent_id = optional(record.agent_id)
            .then(|| keep_error(&mut errors, "agent_id", AgentId::parse(record.agent_id)))
            .flatten();
        let offered_at = keep_error(
            &mut errors,
            "offered_at",
            parse_timestamp(record.offered_at, zone),
        );
        let answered_at = optional(record.answered_at).then(|| {
            keep_error(
                &mut errors,
                "answered_at",
                parse_timestamp(record.answered_at, zone),
            )
        });
        let ended_at = optional(record.ended_at).then(|| {
            keep_error(
                &mut errors,
                "ended_at",
                parse_timestamp(record.ended_at, zone),
            )
        });
        let talk_ms = keep_error(
            &mut errors,
            "talk_seconds",
            parse_duration_ms(record.talk_seconds),
        );
        let hold_ms = keep_error(
            &mut errors,
            "hold_seconds",
            parse_duration_ms(record.hold_seconds),
        );
        let wrap_ms = keep_error(
            &mut errors,
            "wrap_seconds",
            parse_duration_ms(record.wrap_seconds),
        );
        let transferred = keep_error(&mut errors, "transferred", parse_bool(record.transferred));
        let category = optional(record.category)
            .then(|| keep_error(&mut errors, "category", Label::parse(record.category)))
            .flatten();
        let resolved = keep_error(
            &mut errors,
            "resolved",
            parse_optional_bool(record.resolved),
        );
        let recording_url = optional(record.recording_url)
            .then(|| {
                keep_error(
                    &mut errors,
                    "recording_url",
                    parse_recording_url(record.recording_url),
                )
            })
            .flatten();

        // A failed optional value leaves `Some(None)`; the error is already recorded.
        let (Some(id), Some(channel), Some(direction), Some(offered_at)) =
            (id, channel, direction, offered_at)
        else {
            return Err(errors);
        };
        let (Some(talk_ms), Some(hold_ms), Some(wrap_ms), Some(transferred), Some(resolved)) =
            (talk_ms, hold_ms, wrap_ms, transferred, resolved)
        else {
            return Err(errors);
        };
        if answered_at == Some(None) || ended_at == Some(None) || !errors.is_empty() {
            return Err(errors);
        }
        let answered_at = answered_at.flatten();
        let ended_at = ended_at.flatten();

        if let Some(answered) = answered_at {
            if answered.utc_ms < offered_at.utc_ms {
                errors.push(FieldError::rule("answered_at", "is before offered_at"));
            }
        } else {
            if ended_at.is_none() {
                errors.push(FieldError::rule(
                    "ended_at",
                    "is required when answered_at is empty (an abandoned contact needs its end time to measure the wait)",
                ));
            }
            if talk_ms > 0 || hold_ms > 0 {
                errors.push(FieldError::rule(
                    "answered_at",
                    "is empty but talk_seconds or hold_seconds is above 0 (an abandoned contact has no talk time)",
                ));
            }
        }
        if let Some(ended) = ended_at {
            let start = answered_at.unwrap_or(offered_at);
            if ended.utc_ms < start.utc_ms {
                let what = if answered_at.is_some() {
                    "answered_at"
                } else {
                    "offered_at"
                };
                errors.push(FieldError::rule("ended_at", format!("is before {what}")));
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Contact {
            id,
            channel,
            direction,
            queue,
            customer_id,
            agent_id,
            offered_at,
            answered_at,
            ended_at,
            talk_ms,
            hold_ms,
            wrap_ms,
            transferred,
            category,
            resolved,
            recording_url,
        })
    }
}

/// The longest recording address accepted.
pub const MAX_RECORDING_URL_CHARS: usize = 2048;

/// A recording's address: `http://` or `https://`, at most [`MAX_RECORDING_URL_CHARS`]
/// characters, no spaces or control characters (a `javascript:` or `file:` link is refused,
/// since pages link to it).
pub fn parse_recording_url(text: &str) -> Result<String, ParseError> {
    let text = text.trim();
    let len = text.chars().count();
    if len > MAX_RECORDING_URL_CHARS {
        return Err(ParseError::TooLong {
            len,
            max: MAX_RECORDING_URL_CHARS,
        });
    }
    let lower = text.to_ascii_lowercase();
    let web = lower.starts_with("https://") || lower.starts_with("http://");
    if !web
        || text.len() <= "http://".len()
        || text.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(ParseError::BadUrl {
            value: text.chars().take(80).collect(),
        });
    }
    Ok(text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record() -> ContactRecord<'static> {
        ContactRecord {
            contact_id: "c1",
            channel: "phone",
            direction: "inbound",
            queue: "card",
            customer_id: "u1",
            agent_id: "a1",
            offered_at: "2026-11-02 09:00:00",
            answered_at: "2026-11-02 09:00:12",
            ended_at: "2026-11-02 09:03:12",
            talk_seconds: "170",
            hold_seconds: "10",
            wrap_seconds: "30",
            transferred: "0",
            category: "balance",
            resolved: "",
            recording_url: "",
        }
    }

    #[test]
    fn a_recording_is_a_web_address() {
        let with = |url| {
            Contact::parse(
                &ContactRecord {
                    recording_url: url,
                    ..record()
                },
                &TimeZone::UTC,
            )
        };
        assert_eq!(
            with(" https://rec.example.cn/2026/c1.mp3 ")
                .unwrap()
                .recording_url
                .as_deref(),
            Some("https://rec.example.cn/2026/c1.mp3")
        );
        assert_eq!(with("").unwrap().recording_url, None);
        for bad in [
            "javascript:alert(1)",
            "file:///etc/passwd",
            "https://a b.cn/x.mp3",
            "http://",
        ] {
            let errors = with(bad).unwrap_err();
            assert_eq!(errors[0].column, "recording_url", "{bad}");
        }
        let long = format!("https://x.cn/{}", "a".repeat(3000));
        assert!(with(&long).is_err());
    }

    fn utc() -> TimeZone {
        TimeZone::UTC
    }

    #[test]
    fn a_good_row_parses() {
        let contact = Contact::parse(&record(), &utc()).unwrap();
        assert_eq!(contact.wait_ms(), 12_000);
        assert_eq!(contact.talk_ms, 170_000);
        assert_eq!(contact.resolved, None);
        assert_eq!(contact.channel, Channel::Phone);
    }

    #[test]
    fn every_problem_in_a_row_is_reported() {
        let bad = ContactRecord {
            channel: "fax",
            talk_seconds: "-1",
            offered_at: "soon",
            ..record()
        };
        let errors = Contact::parse(&bad, &utc()).unwrap_err();
        let columns: Vec<_> = errors.iter().map(|e| e.column).collect();
        assert_eq!(columns, ["channel", "offered_at", "talk_seconds"]);
        assert_eq!(
            errors[0].to_string(),
            "channel: 'fax' is not one of phone, chat, email, web, social, counter"
        );
    }

    #[test]
    fn time_order_rules() {
        let early = ContactRecord {
            answered_at: "2026-11-02 08:59:00",
            ..record()
        };
        assert_eq!(
            Contact::parse(&early, &utc()).unwrap_err()[0].column,
            "answered_at"
        );
        let abandoned_without_end = ContactRecord {
            answered_at: "",
            ended_at: "",
            talk_seconds: "",
            hold_seconds: "",
            ..record()
        };
        assert_eq!(
            Contact::parse(&abandoned_without_end, &utc()).unwrap_err()[0].column,
            "ended_at"
        );
        let abandoned = ContactRecord {
            answered_at: "",
            ended_at: "2026-11-02 09:00:04",
            talk_seconds: "",
            hold_seconds: "",
            agent_id: "",
            ..record()
        };
        let contact = Contact::parse(&abandoned, &utc()).unwrap();
        assert!(!contact.is_answered());
        assert_eq!(contact.wait_ms(), 4_000);
        let talk_without_answer = ContactRecord {
            answered_at: "",
            ..record()
        };
        assert_eq!(
            Contact::parse(&talk_without_answer, &utc()).unwrap_err()[0].column,
            "answered_at"
        );
    }
}
