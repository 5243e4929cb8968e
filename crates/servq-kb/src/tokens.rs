//! Search tokens. A text is folded (traditional → simplified, variant characters, full width,
//! case: `servq_qa::Folder`, the QA scanner's folding) and cut into runs: a run of CJK
//! characters gives its words (jieba's search cut, with the centre's own terms in the
//! dictionary) **and** each of its characters, so a query too short or too new for the
//! dictionary still matches through the characters; a run of letters gives an English word,
//! stemmed (Snowball English); a run of digits gives a number. Everything else separates.
//! Writing and querying use the same cut, so both scripts and both spellings meet.

use jieba_rs::Jieba;
use rust_stemmers::{Algorithm, Stemmer};
use servq_qa::Folder;

/// What kind of token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TokenKind {
    /// A word: a Chinese word of two characters or more, an English stem, a number.
    Word,
    /// One CJK character.
    Char,
}

/// A search token.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Token {
    /// The folded text.
    pub text: String,
    /// Word or single character.
    pub kind: TokenKind,
}

fn is_cjk(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FFFF)
}

/// Cuts texts into search tokens; build once (jieba's dictionary takes a moment) and share.
pub struct Tokenizer {
    jieba: Jieba,
    folder: Folder,
    stemmer: Stemmer,
}

impl std::fmt::Debug for Tokenizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Tokenizer")
    }
}

/// The frequency given to the centre's own terms: high enough that jieba keeps them whole.
const TERM_FREQUENCY: usize = 50_000;

impl Tokenizer {
    /// A tokenizer with jieba's dictionary and the centre's `terms` (business words such as
    /// 白金卡 or 提额, kept whole).
    pub fn new(terms: &[String]) -> Tokenizer {
        let folder = Folder::new();
        let mut jieba = Jieba::new();
        for term in terms {
            let folded = folder.fold(term.trim());
            if folded.chars().count() >= 2 {
                jieba.add_word(&folded, Some(TERM_FREQUENCY), None);
            }
        }
        Tokenizer {
            jieba,
            folder,
            stemmer: Stemmer::create(Algorithm::English),
        }
    }

    /// The folded form of `text` (one character for one character).
    pub fn fold(&self, text: &str) -> String {
        self.folder.fold(text)
    }

    /// The tokens of `text`, in order, repeats kept (term counts come from them).
    pub fn tokens(&self, text: &str) -> Vec<Token> {
        let folded = self.folder.fold(text);
        let mut out = Vec::new();
        let mut chars = folded.char_indices().peekable();
        while let Some((start, c)) = chars.next() {
            if is_cjk(c) {
                let mut end = start + c.len_utf8();
                while let Some(&(at, next)) = chars.peek() {
                    if !is_cjk(next) {
                        break;
                    }
                    end = at + next.len_utf8();
                    chars.next();
                }
                self.cjk_run(&folded[start..end], &mut out);
            } else if c.is_alphabetic() {
                let mut end = start + c.len_utf8();
                while let Some(&(at, next)) = chars.peek() {
                    // an apostrophe inside a word (don't) stays with it
                    if !(next.is_alphabetic() || next == '\'') || is_cjk(next) {
                        break;
                    }
                    end = at + next.len_utf8();
                    chars.next();
                }
                let word = folded[start..end].trim_end_matches('\'');
                out.push(Token {
                    text: self.stemmer.stem(word).into_owned(),
                    kind: TokenKind::Word,
                });
            } else if c.is_ascii_digit() {
                let mut end = start + 1;
                while let Some(&(at, next)) = chars.peek() {
                    if !next.is_ascii_digit() {
                        break;
                    }
                    end = at + 1;
                    chars.next();
                }
                out.push(Token {
                    text: folded[start..end].to_owned(),
                    kind: TokenKind::Word,
                });
            }
        }
        out
    }

    fn cjk_run(&self, run: &str, out: &mut Vec<Token>) {
        for word in self.jieba.cut_for_search(run, true) {
            if word.word.chars().count() >= 2 {
                out.push(Token {
                    text: word.word.to_owned(),
                    kind: TokenKind::Word,
                });
            }
        }
        for c in run.chars() {
            out.push(Token {
                text: c.to_string(),
                kind: TokenKind::Char,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(tokens: &[Token], kind: TokenKind) -> Vec<&str> {
        tokens
            .iter()
            .filter(|t| t.kind == kind)
            .map(|t| t.text.as_str())
            .collect()
    }

    #[test]
    fn chinese_words_and_characters_in_either_script() {
        let tokenizer = Tokenizer::new(&[]);
        let simplified = tokenizer.tokens("信用卡挂失");
        let traditional = tokenizer.tokens("信用卡掛失");
        assert_eq!(simplified, traditional);
        let words = texts(&simplified, TokenKind::Word);
        assert!(words.contains(&"信用卡"), "{words:?}");
        assert!(words.contains(&"挂失"), "{words:?}");
        assert_eq!(
            texts(&simplified, TokenKind::Char),
            ["信", "用", "卡", "挂", "失"]
        );
        // the variant 帐 and the traditional 帳 meet the standard 账
        assert_eq!(tokenizer.tokens("帐单"), tokenizer.tokens("帳單"));
        assert_eq!(tokenizer.tokens("帐单"), tokenizer.tokens("账单"));
    }

    #[test]
    fn english_is_stemmed_and_mixed_text_splits_by_script() {
        let tokenizer = Tokenizer::new(&[]);
        let tokens = tokenizer.tokens("Refunds REFUNDED！APP登录 5G套餐 2026");
        let words = texts(&tokens, TokenKind::Word);
        assert_eq!(words[..2], ["refund", "refund"]);
        assert!(words.contains(&"app"), "{words:?}");
        assert!(words.contains(&"5"), "{words:?}");
        assert!(words.contains(&"g"), "{words:?}");
        assert!(words.contains(&"2026"), "{words:?}");
        assert!(words.contains(&"登录"), "{words:?}");
    }

    #[test]
    fn the_centres_terms_stay_whole() {
        let plain = Tokenizer::new(&[]);
        let with_terms = Tokenizer::new(&["白金尊享卡".to_owned()]);
        assert!(!texts(&plain.tokens("白金尊享卡年费"), TokenKind::Word).contains(&"白金尊享卡"));
        assert!(
            texts(&with_terms.tokens("白金尊享卡年费"), TokenKind::Word).contains(&"白金尊享卡")
        );
    }
}
