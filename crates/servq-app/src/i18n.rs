//! The UI text catalogue: one TOML file per language (`locales/en.toml`, `zh-CN.toml`,
//! `zh-TW.toml`), embedded in the binary. Every lookup names its locale; a missing key is a test
//! failure, never a blank on the page.

use std::{collections::HashMap, sync::OnceLock};

/// A UI language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Locale {
    /// English.
    En,
    /// Simplified Chinese (the default where nothing says otherwise).
    #[default]
    ZhCn,
    /// Traditional Chinese.
    ZhTw,
}

impl Locale {
    /// Every language, in the order the switcher shows them.
    pub const ALL: [Locale; 3] = [Locale::ZhCn, Locale::ZhTw, Locale::En];

    /// The BCP 47 tag: `en`, `zh-CN`, `zh-TW`.
    pub fn tag(self) -> &'static str {
        match self {
            Locale::En => "en",
            Locale::ZhCn => "zh-CN",
            Locale::ZhTw => "zh-TW",
        }
    }

    /// The language's name in itself, for the language switch.
    pub fn native_name(self) -> &'static str {
        match self {
            Locale::En => "English",
            Locale::ZhCn => "简体中文",
            Locale::ZhTw => "繁體中文",
        }
    }

    /// A stored or submitted tag, matched case-insensitively.
    pub fn parse(tag: &str) -> Option<Locale> {
        Locale::ALL
            .into_iter()
            .find(|locale| locale.tag().eq_ignore_ascii_case(tag.trim()))
    }

    /// The best language for an `Accept-Language` header: the first supported entry by weight;
    /// `zh-HK`/`zh-MO`/`zh-Hant` read as traditional, other `zh` as simplified; English otherwise.
    pub fn negotiate(header: &str) -> Locale {
        let mut entries: Vec<(f32, &str)> = header
            .split(',')
            .filter_map(|entry| {
                let mut parts = entry.trim().split(';');
                let tag = parts.next()?.trim();
                let weight = parts
                    .find_map(|p| p.trim().strip_prefix("q="))
                    .and_then(|q| q.parse().ok())
                    .unwrap_or(1.0);
                (!tag.is_empty()).then_some((weight, tag))
            })
            .collect();
        entries.sort_by(|a, b| b.0.total_cmp(&a.0));
        for (_, tag) in entries {
            let lower = tag.to_ascii_lowercase();
            if lower.starts_with("zh") {
                let traditional = ["zh-tw", "zh-hk", "zh-mo", "zh-hant"]
                    .iter()
                    .any(|t| lower.starts_with(t));
                return if traditional {
                    Locale::ZhTw
                } else {
                    Locale::ZhCn
                };
            }
            if lower.starts_with("en") {
                return Locale::En;
            }
        }
        Locale::En
    }
}

const SOURCES: [(Locale, &str); 3] = [
    (Locale::En, include_str!("../locales/en.toml")),
    (Locale::ZhCn, include_str!("../locales/zh-CN.toml")),
    (Locale::ZhTw, include_str!("../locales/zh-TW.toml")),
];

fn catalogue() -> &'static HashMap<Locale, HashMap<String, String>> {
    static CATALOGUE: OnceLock<HashMap<Locale, HashMap<String, String>>> = OnceLock::new();
    CATALOGUE.get_or_init(|| {
        SOURCES
            .iter()
            .map(|(locale, text)| {
                let table: toml::Table = toml::from_str(text)
                    .unwrap_or_else(|error| panic!("locales/{}.toml: {error}", locale.tag()));
                let mut entries = HashMap::new();
                flatten("", &table, &mut entries);
                (*locale, entries)
            })
            .collect()
    })
}

fn flatten(prefix: &str, table: &toml::Table, out: &mut HashMap<String, String>) {
    for (key, value) in table {
        let full = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        match value {
            toml::Value::Table(inner) => flatten(&full, inner, out),
            toml::Value::String(text) => {
                out.insert(full, text.clone());
            }
            other => {
                out.insert(full, other.to_string());
            }
        }
    }
}

/// The text of `key` in `locale` (the key itself if missing, which the tests forbid).
pub fn t(locale: Locale, key: &str) -> String {
    catalogue()
        .get(&locale)
        .and_then(|entries| entries.get(key))
        .cloned()
        .unwrap_or_else(|| key.to_owned())
}

/// Every key of every language, for the completeness test.
pub fn keys(locale: Locale) -> Vec<String> {
    let mut keys: Vec<String> = catalogue()
        .get(&locale)
        .map(|entries| entries.keys().cloned().collect())
        .unwrap_or_default();
    keys.sort();
    keys
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_language_has_every_key() {
        let english = keys(Locale::En);
        assert!(english.len() > 20);
        for locale in Locale::ALL {
            let these = keys(locale);
            let missing: Vec<&String> = english.iter().filter(|k| !these.contains(k)).collect();
            let extra: Vec<&String> = these.iter().filter(|k| !english.contains(k)).collect();
            assert!(
                missing.is_empty() && extra.is_empty(),
                "{}: missing {missing:?}, extra {extra:?}",
                locale.tag()
            );
            for key in &these {
                assert!(
                    !t(locale, key).trim().is_empty(),
                    "{}: {key} is empty",
                    locale.tag()
                );
            }
        }
    }

    #[test]
    fn accept_language() {
        assert_eq!(Locale::negotiate("zh-CN,zh;q=0.9,en;q=0.8"), Locale::ZhCn);
        assert_eq!(Locale::negotiate("zh-HK,en;q=0.5"), Locale::ZhTw);
        assert_eq!(Locale::negotiate("en-US,zh;q=0.2"), Locale::En);
        assert_eq!(Locale::negotiate("fr;q=0.9,zh-Hant;q=0.5"), Locale::ZhTw);
        assert_eq!(Locale::negotiate(""), Locale::En);
    }
}
