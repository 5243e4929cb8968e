//! Text folding for phrase matching: traditional Chinese to simplified, full-width forms to
//! half-width, and letters to lower case, one character for one character so that a match in
//! folded text points at the same characters of the original.

/// The first code point of the CJK blocks folded by table (Extension A … Unified Ideographs).
const CJK_FIRST: u32 = 0x3400;
/// The last code point of those blocks.
const CJK_LAST: u32 = 0x9FFF;

/// Variant characters written for one another in simplified text, folded to the standard form
/// (`帐户` and `账户` are the same account); the traditional→simplified table maps neither.
const VARIANTS: &[(char, char)] = &[
    ('帐', '账'),
    ('喫', '吃'),
    ('祇', '只'),
    ('綫', '线'),
    ('纔', '才'),
    ('佈', '布'),
];

/// Folds characters; build once (the table takes a few milliseconds) and share.
#[derive(Debug, Clone)]
pub struct Folder {
    /// Simplified form of every CJK code point from [`CJK_FIRST`], itself where it has none.
    cjk: Vec<char>,
}

impl Default for Folder {
    fn default() -> Self {
        Folder::new()
    }
}

impl Folder {
    /// Builds the traditional→simplified table from `fast2s`'s dictionary, keeping only
    /// one-character conversions (phrase-level ones would shift positions).
    pub fn new() -> Folder {
        let mut cjk: Vec<char> = (CJK_FIRST..=CJK_LAST)
            .map(|code| {
                let c = char::from_u32(code).unwrap_or('\u{FFFD}');
                let simplified = fast2s::convert(c.encode_utf8(&mut [0; 4]));
                let mut chars = simplified.chars();
                match (chars.next(), chars.next()) {
                    (Some(one), None) => one,
                    _ => c,
                }
            })
            .collect();
        for (variant, standard) in VARIANTS {
            cjk[(*variant as u32 - CJK_FIRST) as usize] = *standard;
        }
        // a traditional form of a variant folds to the standard one too (帳 → 帐 → 账)
        for c in cjk.iter_mut() {
            if let Some((_, standard)) = VARIANTS.iter().find(|(variant, _)| variant == c) {
                *c = *standard;
            }
        }
        Folder { cjk }
    }

    /// The folded form of one character.
    pub fn fold_char(&self, c: char) -> char {
        let code = c as u32;
        match code {
            CJK_FIRST..=CJK_LAST => self.cjk[(code - CJK_FIRST) as usize],
            // full-width ASCII forms (！ … ～) to ASCII, then lower case
            0xFF01..=0xFF5E => {
                char::from_u32(code - 0xFEE0).map_or(c, |ascii| ascii.to_ascii_lowercase())
            }
            0x3000 => ' ',
            _ if c.is_ascii() => c.to_ascii_lowercase(),
            _ => {
                let mut lower = c.to_lowercase();
                match (lower.next(), lower.next()) {
                    (Some(one), None) => one,
                    _ => c,
                }
            }
        }
    }

    /// `text` folded, character for character.
    pub fn fold(&self, text: &str) -> String {
        let mut folded = String::with_capacity(text.len());
        self.fold_into(text, &mut folded);
        folded
    }

    /// `text` folded into `out` (emptied first), reusing its allocation.
    pub fn fold_into(&self, text: &str, out: &mut String) {
        out.clear();
        out.reserve(text.len());
        out.extend(text.chars().map(|c| self.fold_char(c)));
    }
}

/// The characters of `original` that the byte range `start..end` of its folded form covers
/// (folding keeps the number of characters, not of bytes).
pub fn original_span<'a>(original: &'a str, folded: &str, start: usize, end: usize) -> &'a str {
    let first = folded[..start].chars().count();
    let count = folded[start..end].chars().count();
    let mut indices = original
        .char_indices()
        .map(|(i, _)| i)
        .chain([original.len()]);
    let begin = indices.nth(first).unwrap_or(original.len());
    let finish = if count == 0 {
        begin
    } else {
        indices.nth(count - 1).unwrap_or(original.len())
    };
    &original[begin..finish]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_scripts_widths_and_cases_fold_together() {
        let folder = Folder::new();
        assert_eq!(
            folder.fold("這麼簡單的問題你也不明白"),
            "这么简单的问题你也不明白"
        );
        assert_eq!(folder.fold("這肯定不是我們的原因"), "这肯定不是我们的原因");
        assert_eq!(folder.fold("ＶＩＰ客戶！"), "vip客户!");
        assert_eq!(folder.fold("I Don't Know"), "i don't know");
        // simplified text is its own folded form
        assert_eq!(folder.fold("你自己看吧"), "你自己看吧");
        // variants and their traditional forms fold to the standard character
        assert_eq!(folder.fold("帐户帳單账单"), "账户账单账单");
    }

    #[test]
    fn spans_map_back_to_the_original_characters() {
        let folder = Folder::new();
        let original = "客戶說：這麼簡單的問題你也不明白？";
        let folded = folder.fold(original);
        let start = folded.find("这么简单").unwrap();
        let end = start + "这么简单".len();
        assert_eq!(original_span(original, &folded, start, end), "這麼簡單");
    }
}
