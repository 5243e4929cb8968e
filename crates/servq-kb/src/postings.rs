//! The search index as the store keeps it: for each token, the published articles holding it
//! and how often (title, body), with each article's weighted length and audience — everything
//! ranking needs, so a search reads its query tokens' lists and nothing else. The same bytes on
//! SQLite and PostgreSQL, so both find and rank alike.
//!
//! A token's list is cut into [`BLOCKS`] blocks by article ([`block_of`]): saving one article
//! rewrites one small block per token it holds, not the token's whole list (a character such as
//! 卡 is in most articles).

use std::collections::HashMap;

use crate::rank::{Candidate, DocTerms};

/// How many blocks a token's list is cut into.
pub const BLOCKS: u64 = 64;

/// One article in a token's list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Posting<'a> {
    /// The article.
    pub article: &'a str,
    /// The token's count in its title.
    pub title: u32,
    /// The token's count in its body and tags.
    pub body: u32,
    /// The article's weighted length ([`DocTerms::length`], whole).
    pub length: u32,
    /// Whether it is public (found on the help page).
    pub public: bool,
}

/// The block `article` is kept in, the same on every machine (FNV-1a of its id).
pub fn block_of(article: &str) -> i64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in article.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    (hash % BLOCKS) as i64
}

/// Appends `posting` to a block's bytes: id length (u16), id, title, body, length (u32 each,
/// little-endian), public (one byte).
pub fn encode_into(posting: &Posting<'_>, out: &mut Vec<u8>) {
    let id = posting.article.as_bytes();
    // ids are short (article ids are checked); a longer one is cut at a character boundary
    let mut end = id.len().min(usize::from(u16::MAX));
    while !posting.article.is_char_boundary(end) {
        end -= 1;
    }
    out.extend_from_slice(&(end as u16).to_le_bytes());
    out.extend_from_slice(&id[..end]);
    out.extend_from_slice(&posting.title.to_le_bytes());
    out.extend_from_slice(&posting.body.to_le_bytes());
    out.extend_from_slice(&posting.length.to_le_bytes());
    out.push(u8::from(posting.public));
}

/// The postings in a block's bytes; a damaged tail ends the list.
pub fn decode(bytes: &[u8]) -> Decode<'_> {
    Decode { bytes }
}

/// The iterator [`decode`] returns.
#[derive(Debug, Clone)]
pub struct Decode<'a> {
    bytes: &'a [u8],
}

fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
}

impl<'a> Iterator for Decode<'a> {
    type Item = Posting<'a>;

    fn next(&mut self) -> Option<Posting<'a>> {
        let bytes = self.bytes;
        let id_len = usize::from(u16::from_le_bytes(bytes.get(0..2)?.try_into().ok()?));
        let id_end = 2 + id_len;
        let end = id_end + 13;
        let Some(article) = bytes
            .get(2..id_end)
            .and_then(|id| std::str::from_utf8(id).ok())
            .filter(|_| bytes.len() >= end)
        else {
            self.bytes = &[];
            return None;
        };
        let posting = Posting {
            article,
            title: u32_at(bytes, id_end)?,
            body: u32_at(bytes, id_end + 4)?,
            length: u32_at(bytes, id_end + 8)?,
            public: bytes[id_end + 12] != 0,
        };
        self.bytes = &bytes[end..];
        Some(posting)
    }
}

/// An article's entries: (token, posting) for every token it holds.
pub fn postings_of<'a>(
    article: &'a str,
    terms: &'a DocTerms,
    public: bool,
) -> impl Iterator<Item = (&'a str, Posting<'a>)> + 'a {
    // as the articles table stores it (a whole number: counts times whole weights)
    let length = terms.length() as u32;
    terms.counts.iter().map(move |(token, (title, body))| {
        (
            token.as_str(),
            Posting {
                article,
                title: *title,
                body: *body,
                length,
                public,
            },
        )
    })
}

/// An article's (title, body) counts of each query term and its weighted length.
type TermCounts = (Vec<Option<(u32, u32)>>, u32);

/// The candidates for the weighted query `terms` ([`crate::Ranker::query_terms`]) from the blocks
/// of their lists (`blocks`: the term's index in `terms` and a block's bytes): every article
/// holding a query word, or — when none does — every article holding a query character (a
/// character such as 卡 is in most articles; it ranks, but finds only when no word does). With
/// `public_only` internal articles are left out first. Sorted by article id.
pub fn candidates(
    terms: &[(String, f64)],
    blocks: &[(usize, &[u8])],
    public_only: bool,
) -> Vec<Candidate> {
    // article → (counts of each query term, weighted length)
    let mut found: HashMap<&str, TermCounts> = HashMap::new();
    for (term, bytes) in blocks {
        if *term >= terms.len() {
            continue;
        }
        for posting in decode(bytes) {
            if public_only && !posting.public {
                continue;
            }
            let entry = found
                .entry(posting.article)
                .or_insert_with(|| (vec![None; terms.len()], posting.length));
            entry.0[*term] = Some((posting.title, posting.body));
        }
    }
    let is_word: Vec<bool> = terms.iter().map(|(_, weight)| *weight >= 1.0).collect();
    let holds_word = |counts: &[Option<(u32, u32)>]| {
        counts
            .iter()
            .zip(&is_word)
            .any(|(count, word)| *word && count.is_some())
    };
    let any_word = found.values().any(|(counts, _)| holds_word(counts));
    let mut candidates: Vec<Candidate> = found
        .into_iter()
        .filter(|(_, (counts, _))| !any_word || holds_word(counts))
        .map(|(id, (counts, length))| Candidate {
            id: id.to_owned(),
            counts,
            length: f64::from(length),
        })
        .collect();
    candidates.sort_by(|a, b| a.id.cmp(&b.id));
    candidates
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::{Ranker, Tokenizer};

    #[test]
    fn a_block_reads_back_what_was_written_and_stops_at_a_damaged_tail() {
        let postings = [
            Posting {
                article: "KB-1",
                title: 2,
                body: 7,
                length: 130,
                public: true,
            },
            Posting {
                article: "账单-説明",
                title: 0,
                body: u32::MAX,
                length: 0,
                public: false,
            },
        ];
        let mut bytes = Vec::new();
        for posting in &postings {
            encode_into(posting, &mut bytes);
        }
        assert_eq!(decode(&bytes).collect::<Vec<_>>(), postings);
        // a cut in the second entry keeps the first
        assert_eq!(
            decode(&bytes[..bytes.len() - 3]).collect::<Vec<_>>(),
            postings[..1]
        );
        assert_eq!(decode(&[0xff]).count(), 0);
    }

    #[test]
    fn blocks_spread_articles_and_do_not_depend_on_the_machine() {
        // FNV-1a 64 of "KB-1" is 0xaf77cbdeeeec05ba (Python, from the published offset basis
        // and prime), and that mod 64 is 58
        assert_eq!(block_of("KB-1"), 58);
        let used: std::collections::BTreeSet<i64> =
            (0..1000).map(|n| block_of(&format!("KB-{n}"))).collect();
        assert_eq!(used.len(), BLOCKS as usize);
    }

    /// The index finds what scanning every article's terms finds, with the same counts, so
    /// the ranking is the same as scoring the articles directly.
    #[test]
    fn candidates_from_the_lists_equal_a_scan_of_every_article() {
        let tokenizer = Tokenizer::new(&[]);
        let articles = [
            (
                "a",
                "信用卡账单",
                "账单日是每月五日，信用卡还款日在账单日后二十天。",
                true,
            ),
            ("b", "挂失", "信用卡丢失请立即致电挂失。", false),
            (
                "c",
                "Refund policy",
                "Refunds are paid within 7 days.",
                true,
            ),
            ("d", "积分", "积分可以兑换礼品卡。", true),
        ];
        let docs: Vec<(&str, DocTerms, bool)> = articles
            .iter()
            .map(|(id, title, body, public)| {
                (*id, DocTerms::of(&tokenizer, title, body, &[]), *public)
            })
            .collect();
        let mut lists: BTreeMap<(String, i64), Vec<u8>> = BTreeMap::new();
        for (id, terms, public) in &docs {
            for (token, posting) in postings_of(id, terms, *public) {
                encode_into(
                    &posting,
                    lists.entry((token.to_owned(), block_of(id))).or_default(),
                );
            }
        }
        for (query, public_only) in [
            ("信用卡账单", false),
            ("信用卡", true),
            ("卡", false),
            ("refunding", false),
            ("礼品", true),
            ("不存在的词", false),
        ] {
            let terms = Ranker::query_terms(&tokenizer.tokens(query));
            let blocks: Vec<(usize, &[u8])> = lists
                .iter()
                .filter_map(|((token, _), bytes)| {
                    let at = terms.iter().position(|(t, _)| t == token)?;
                    Some((at, bytes.as_slice()))
                })
                .collect();
            let found = candidates(&terms, &blocks, public_only);
            // the scan: every (public) article holding a word, else any query token
            let scanned = |words_only: bool| -> Vec<Candidate> {
                docs.iter()
                    .filter(|(_, _, public)| !public_only || *public)
                    .map(|(id, doc, _)| Candidate::of_terms(id, doc, &terms))
                    .filter(|c| {
                        c.counts.iter().zip(&terms).any(|(count, (_, weight))| {
                            count.is_some() && (!words_only || *weight >= 1.0)
                        })
                    })
                    .collect()
            };
            let expected = match scanned(true) {
                words if words.is_empty() => scanned(false),
                words => words,
            };
            assert_eq!(found, expected, "{query}");
        }
    }
}
