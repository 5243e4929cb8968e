//! A customer as a centre keeps it (docs/customers.md): the profile a file or a form gives —
//! name, contact details, language, segment, tags, when the customer joined and left, the
//! centre's own attributes — its checks, how personal fields are masked for someone not serving
//! the customer, and the customer's repeat-contact rate.

use std::collections::BTreeMap;

use jiff::civil::Date;

use crate::{CustomerId, FieldError, ParseError};

/// The columns of `servq import customers`, in order; any other column of the file is kept as
/// a custom attribute.
pub const CUSTOMER_COLUMNS: &[&str] = &[
    "customer_id",
    "name",
    "phone",
    "email",
    "language",
    "segment",
    "tags",
    "since",
    "closed_at",
];

/// The columns a customer file must have.
pub const CUSTOMER_REQUIRED: &[&str] = &["customer_id"];

/// The languages a customer may be served in.
pub const CUSTOMER_LANGUAGES: [&str; 3] = ["zh-CN", "zh-TW", "en"];

/// The longest name, segment and attribute value kept.
const MAX_NAME_CHARS: usize = 100;
const MAX_SEGMENT_CHARS: usize = 64;
pub(crate) const MAX_TAG_CHARS: usize = 32;
const MAX_TAGS: usize = 30;
const MAX_ATTRIBUTES: usize = 50;
const MAX_ATTRIBUTE_CHARS: usize = 500;

/// A customer's profile as written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CustomerRecord {
    /// The id contacts, tickets and surveys carry.
    pub customer_id: String,
    /// Name ('' when not given).
    pub name: String,
    /// Phone as written ('' for none).
    pub phone: String,
    /// E-mail address, lower-cased ('' for none).
    pub email: String,
    /// zh-CN, zh-TW or en ('' for the centre's).
    pub language: String,
    /// Segment, e.g. VIP ('' for none).
    pub segment: String,
    /// Manual tags, in order, without repeats.
    pub tags: Vec<String>,
    /// Customer since.
    pub since: Option<Date>,
    /// Account closed / customer left.
    pub closed_at: Option<Date>,
    /// The centre's own fields (a file's extra columns).
    pub attributes: BTreeMap<String, String>,
}

fn too_long(value: &str, max: usize) -> Option<ParseError> {
    let len = value.chars().count();
    (len > max).then_some(ParseError::TooLong { len, max })
}

/// `text` as a language servq serves in: zh-CN, zh-TW or en (case and `_` forgiven; zh-Hans,
/// zh-Hant, zh-HK and en-US-like tags read as theirs).
pub fn parse_language(text: &str) -> Option<&'static str> {
    let tag = text.trim().replace('_', "-").to_ascii_lowercase();
    match tag.as_str() {
        "zh-cn" | "zh-hans" | "zh-sg" | "zh" => Some("zh-CN"),
        "zh-tw" | "zh-hant" | "zh-hk" | "zh-mo" => Some("zh-TW"),
        _ if tag == "en" || tag.starts_with("en-") => Some("en"),
        _ => None,
    }
}

/// A day as a customer file gives it: 2026-11-30, 2026/11/30, or a time on that day
/// (2026-11-30T09:00:00+08:00, 2026-11-30 09:00).
pub fn parse_day(text: &str) -> Option<Date> {
    let text = text.trim();
    let day = text.get(..10).unwrap_or(text).replace('/', "-");
    let rest = text.get(10..).unwrap_or("");
    if !(rest.is_empty() || rest.starts_with('T') || rest.starts_with(' ')) {
        return None;
    }
    day.parse().ok()
}

/// Whether `email` looks like an address: one `@`, a dotted domain, no spaces.
fn is_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@')
        && !email.chars().any(char::is_whitespace)
        && email.len() <= 254
}

/// Whether `phone` looks like a number: digits with `+ - ( ) ` and spaces, 3–20 digits.
fn is_phone(phone: &str) -> bool {
    let digits = phone.chars().filter(char::is_ascii_digit).count();
    (3..=20).contains(&digits)
        && phone
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '+' | '-' | '(' | ')' | ' '))
}

/// Tags as written: separated by `;` (or `；`), trimmed, blanks skipped, repeats dropped.
pub fn parse_tags(text: &str) -> Result<Vec<String>, String> {
    let mut tags: Vec<String> = Vec::new();
    for tag in text
        .split([';', '；'])
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        if tag.chars().count() > MAX_TAG_CHARS {
            return Err(format!(
                "'{}' is longer than {MAX_TAG_CHARS} characters",
                crate::shown(tag)
            ));
        }
        if !tags.iter().any(|t| t == tag) {
            tags.push(tag.to_owned());
        }
    }
    if tags.len() > MAX_TAGS {
        return Err(format!(
            "at most {MAX_TAGS} tags (there are {})",
            tags.len()
        ));
    }
    Ok(tags)
}

impl CustomerRecord {
    /// Parses one row, looked up by column name (see [`CUSTOMER_COLUMNS`]), with the file's other
    /// columns as (header, value) attributes; every bad column is reported.
    pub fn parse<'a>(
        field: impl Fn(&str) -> Option<&'a str>,
        extras: &[(&str, &str)],
    ) -> Result<CustomerRecord, Vec<FieldError>> {
        let text = |name: &str| field(name).unwrap_or("").trim();
        let mut errors = Vec::new();
        let customer_id = CustomerId::parse(text("customer_id"))
            .map(CustomerId::into_string)
            .map_err(|error| errors.push(FieldError::new("customer_id", error)))
            .unwrap_or_default();
        let bounded = |column: &'static str, max: usize, errors: &mut Vec<FieldError>| {
            let value = text(column);
            if let Some(error) = too_long(value, max) {
                errors.push(FieldError::new(column, error));
            }
            value.to_owned()
        };
        let name = bounded("name", MAX_NAME_CHARS, &mut errors);
        let segment = bounded("segment", MAX_SEGMENT_CHARS, &mut errors);
        let phone = text("phone").to_owned();
        if !phone.is_empty() && !is_phone(&phone) {
            errors.push(FieldError::rule(
                "phone",
                format!(
                    "'{}' is not a phone number (3–20 digits, + - ( ) and spaces)",
                    crate::shown(&phone)
                ),
            ));
        }
        let email = text("email").to_lowercase();
        if !email.is_empty() && !is_email(&email) {
            errors.push(FieldError::rule(
                "email",
                format!("'{}' is not an e-mail address", crate::shown(&email)),
            ));
        }
        let language = match text("language") {
            "" => "",
            value => parse_language(value).unwrap_or_else(|| {
                errors.push(FieldError::new(
                    "language",
                    ParseError::NotOneOf {
                        value: value.to_owned(),
                        expected: "zh-CN, zh-TW, en",
                    },
                ));
                ""
            }),
        }
        .to_owned();
        let tags = parse_tags(text("tags"))
            .map_err(|reason| errors.push(FieldError::rule("tags", reason)))
            .unwrap_or_default();
        let day = |column: &'static str, errors: &mut Vec<FieldError>| match text(column) {
            "" => None,
            value => parse_day(value).or_else(|| {
                errors.push(FieldError::rule(
                    column,
                    format!("'{}' is not a date like 2026-11-30", crate::shown(value)),
                ));
                None
            }),
        };
        let since = day("since", &mut errors);
        let closed_at = day("closed_at", &mut errors);
        if let (Some(since), Some(closed)) = (since, closed_at)
            && closed < since
        {
            errors.push(FieldError::rule(
                "closed_at",
                "the customer left before joining (since)",
            ));
        }
        let mut attributes = BTreeMap::new();
        for (header, value) in extras {
            let (header, value) = (header.trim(), value.trim());
            if header.is_empty() || value.is_empty() {
                continue;
            }
            if value.chars().count() > MAX_ATTRIBUTE_CHARS
                || header.chars().count() > MAX_NAME_CHARS
            {
                errors.push(FieldError::rule(
                    "attributes",
                    format!(
                        "'{}' is longer than {MAX_ATTRIBUTE_CHARS} characters",
                        crate::shown(header)
                    ),
                ));
                continue;
            }
            attributes.insert(header.to_owned(), value.to_owned());
        }
        if attributes.len() > MAX_ATTRIBUTES {
            errors.push(FieldError::rule(
                "attributes",
                format!(
                    "at most {MAX_ATTRIBUTES} extra columns (there are {})",
                    attributes.len()
                ),
            ));
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(CustomerRecord {
            customer_id,
            name,
            phone,
            email,
            language,
            segment,
            tags,
            since,
            closed_at,
            attributes,
        })
    }
}

/// A phone as someone not serving the customer sees it: the last 4 digits, the rest `*`.
pub fn mask_phone(phone: &str) -> String {
    let digits: Vec<char> = phone.chars().filter(char::is_ascii_digit).collect();
    if digits.is_empty() {
        return String::new();
    }
    let keep = digits.len().min(4);
    let hidden = digits.len() - keep;
    let mut out = "*".repeat(hidden);
    out.extend(&digits[hidden..]);
    out
}

/// An e-mail address as someone not serving the customer sees it: the first character of the
/// name and the domain.
pub fn mask_email(email: &str) -> String {
    match email.split_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}***@{domain}")
        }
        None if email.is_empty() => String::new(),
        None => "***".to_owned(),
    }
}

impl CustomerRecord {
    /// The profile of `keep_id` after duplicates are merged into it: the kept profile's fields
    /// win, an empty one is filled from the duplicates in the order given; tags and attributes
    /// are united (the kept one's value wins a shared attribute); `since` is the earliest; the
    /// customer has left only if every profile says so, on the latest day. `None` when no one
    /// has a profile.
    pub fn merged(
        keep_id: &str,
        keep: Option<&CustomerRecord>,
        duplicates: &[&CustomerRecord],
    ) -> Option<CustomerRecord> {
        let all: Vec<&CustomerRecord> =
            keep.into_iter().chain(duplicates.iter().copied()).collect();
        let mut merged = CustomerRecord {
            customer_id: keep_id.to_owned(),
            ..(*all.first()?).clone()
        };
        for other in all.iter().skip(1) {
            for (field, value) in [
                (&mut merged.name, &other.name),
                (&mut merged.phone, &other.phone),
                (&mut merged.email, &other.email),
                (&mut merged.language, &other.language),
                (&mut merged.segment, &other.segment),
            ] {
                if field.is_empty() {
                    field.clone_from(value);
                }
            }
            for tag in &other.tags {
                if !merged.tags.contains(tag) && merged.tags.len() < MAX_TAGS {
                    merged.tags.push(tag.clone());
                }
            }
            for (name, value) in &other.attributes {
                if merged.attributes.len() < MAX_ATTRIBUTES || merged.attributes.contains_key(name)
                {
                    merged
                        .attributes
                        .entry(name.clone())
                        .or_insert_with(|| value.clone());
                }
            }
        }
        merged.since = all.iter().filter_map(|p| p.since).min();
        merged.closed_at = if all.iter().all(|p| p.closed_at.is_some()) {
            all.iter().filter_map(|p| p.closed_at).max()
        } else {
            None
        };
        Some(merged)
    }
}

/// Whether a contact offered at `at_ms` is repeated: the customer's next contact (any category,
/// strictly later) came within `window_ms`, the window's edge included. The one rule for the
/// customer page and `repeat_contact_rate` in KPI tables.
pub fn repeated_within(at_ms: i64, next_ms: Option<i64>, window_ms: i64) -> bool {
    next_ms.is_some_and(|next| next > at_ms && next - at_ms <= window_ms)
}

/// Each answered contact of one customer with whether it was repeated ([`repeated_within`]):
/// `sorted` holds their contacts (offered time in ms, answered) in offered order; the next
/// contact is the first strictly later one, answered or not. The one walk behind the customer
/// page's rate, the KPI by segment and the at-risk score.
pub fn answered_repeats(
    sorted: &[(i64, bool)],
    window_ms: i64,
) -> impl Iterator<Item = (i64, bool)> + '_ {
    sorted
        .iter()
        .enumerate()
        .filter(|(_, (_, answered))| *answered)
        .map(move |(index, (at, _))| {
            let next = sorted[index + 1..]
                .iter()
                .map(|(next, _)| *next)
                .find(|next| next > at);
            (*at, repeated_within(*at, next, window_ms))
        })
}

/// The repeat-contact rate of contacts (offered time in ms, answered), any order: the answered
/// contacts followed by another contact of the same customer (any category, answered or not)
/// within `window_ms` after them, over the answered contacts; `None` without answered ones.
pub fn repeat_contact_rate(contacts: &[(i64, bool)], window_ms: i64) -> Option<f64> {
    let mut offered: Vec<(i64, bool)> = contacts.to_vec();
    offered.sort_unstable();
    let (mut answered, mut repeated) = (0u64, 0u64);
    for (_, was_repeated) in answered_repeats(&offered, window_ms) {
        answered += 1;
        repeated += u64::from(was_repeated);
    }
    (answered > 0).then(|| repeated as f64 / answered as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(
        fields: &[(&str, &str)],
        extras: &[(&str, &str)],
    ) -> Result<CustomerRecord, Vec<FieldError>> {
        CustomerRecord::parse(
            |name| fields.iter().find(|(n, _)| *n == name).map(|(_, v)| *v),
            extras,
        )
    }

    #[test]
    fn merged_profiles_keep_the_kept_fields_and_fill_the_gaps() {
        let keep = CustomerRecord {
            customer_id: "C1".into(),
            name: "李雷".into(),
            tags: vec!["老客户".into()],
            since: Some(jiff::civil::date(2020, 1, 1)),
            closed_at: Some(jiff::civil::date(2026, 1, 1)),
            attributes: [("等级".to_owned(), "金卡".to_owned())].into(),
            ..CustomerRecord::default()
        };
        let duplicate = CustomerRecord {
            customer_id: "C9".into(),
            name: "Li Lei".into(),
            phone: "13800138000".into(),
            segment: "VIP".into(),
            tags: vec!["投诉过".into(), "老客户".into()],
            since: Some(jiff::civil::date(2018, 5, 1)),
            closed_at: None,
            attributes: [
                ("等级".to_owned(), "银卡".to_owned()),
                ("城市".to_owned(), "上海".to_owned()),
            ]
            .into(),
            ..CustomerRecord::default()
        };
        let merged = CustomerRecord::merged("C1", Some(&keep), &[&duplicate]).unwrap();
        assert_eq!(merged.customer_id, "C1");
        assert_eq!(
            (merged.name.as_str(), merged.phone.as_str()),
            ("李雷", "13800138000")
        );
        assert_eq!(merged.segment, "VIP");
        assert_eq!(merged.tags, ["老客户", "投诉过"]);
        assert_eq!(merged.attributes["等级"], "金卡");
        assert_eq!(merged.attributes["城市"], "上海");
        assert_eq!(merged.since, Some(jiff::civil::date(2018, 5, 1)));
        assert_eq!(merged.closed_at, None, "the duplicate is still a customer");
        // the kept id had no profile: the duplicate's, under the kept id
        let adopted = CustomerRecord::merged("C1", None, &[&duplicate]).unwrap();
        assert_eq!(
            (adopted.customer_id.as_str(), adopted.name.as_str()),
            ("C1", "Li Lei")
        );
        assert_eq!(CustomerRecord::merged("C1", None, &[]), None);
    }

    #[test]
    fn a_row_reads_into_a_profile_with_its_extra_columns() {
        let record = parse(
            &[
                ("customer_id", " C-001 "),
                ("name", "=HYPERLINK(\"http://x\")"),
                ("phone", "+86 138-0013-8000"),
                ("email", "Li.Wei@Example.COM"),
                ("language", "zh_hant"),
                ("segment", "VIP"),
                ("tags", "老客户；投诉过; 老客户;"),
                ("since", "2019/03/01"),
                ("closed_at", "2026-11-30T10:00:00+08:00"),
            ],
            &[("会员等级", "金卡"), ("空", "  ")],
        )
        .unwrap();
        assert_eq!(record.customer_id, "C-001");
        // hostile text is kept as text (pages escape it, exports neutralise it)
        assert_eq!(record.name, "=HYPERLINK(\"http://x\")");
        assert_eq!(record.email, "li.wei@example.com");
        assert_eq!(record.language, "zh-TW");
        assert_eq!(record.tags, ["老客户", "投诉过"]);
        assert_eq!(record.since, Some(jiff::civil::date(2019, 3, 1)));
        assert_eq!(record.closed_at, Some(jiff::civil::date(2026, 11, 30)));
        assert_eq!(record.attributes.len(), 1);
        assert_eq!(record.attributes["会员等级"], "金卡");
    }

    #[test]
    fn every_bad_field_is_named() {
        let errors = parse(
            &[
                ("customer_id", ""),
                ("phone", "call me"),
                ("email", "li wei@example"),
                ("language", "fr"),
                ("since", "2026-12-01"),
                ("closed_at", "2026-11-01"),
                ("tags", &"长".repeat(33)),
            ],
            &[],
        )
        .unwrap_err();
        let columns: Vec<&str> = errors.iter().map(|e| e.column).collect();
        assert_eq!(
            columns,
            [
                "customer_id",
                "phone",
                "email",
                "language",
                "tags",
                "closed_at"
            ]
        );
        assert!(parse(&[("customer_id", "x"), ("since", "-00:05")], &[]).is_err());
        assert!(parse(&[("customer_id", "x"), ("since", "2026-02-30")], &[]).is_err());
    }

    #[test]
    fn personal_fields_are_masked_to_their_last_digits() {
        assert_eq!(mask_phone("+86 138-0013-8000"), "*********8000");
        assert_eq!(mask_phone("110"), "110");
        assert_eq!(mask_phone(""), "");
        assert_eq!(mask_email("li.wei@example.com"), "l***@example.com");
    }

    #[test]
    fn a_repeat_is_any_later_contact_within_the_window() {
        let hour = 3_600_000;
        // answered at 0 (repeated at 5 h), answered at 5 h (next at 30 h: outside 24 h),
        // unanswered at 30 h (not counted), answered at 31 h (last)
        let contacts = [
            (30 * hour, false),
            (0, true),
            (5 * hour, true),
            (31 * hour, true),
        ];
        assert_eq!(repeat_contact_rate(&contacts, 24 * hour), Some(1.0 / 3.0));
        // the window's edge counts
        assert_eq!(
            repeat_contact_rate(&[(0, true), (24 * hour, false)], 24 * hour),
            Some(1.0)
        );
        assert_eq!(repeat_contact_rate(&[(0, false)], 24 * hour), None);
    }
}
