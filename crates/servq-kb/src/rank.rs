//! Ranking: an article's term counts (title and body apart), BM25 over them with the title
//! counted [`TITLE_WEIGHT`] times and single characters [`CHAR_WEIGHT`] of a word, and snippets.
//! The databases only find the candidates (articles with any query token); the score is this
//! module's, so both engines rank alike.

use std::collections::{BTreeMap, BTreeSet};

use crate::tokens::{Token, TokenKind, Tokenizer};

/// A title occurrence counts as this many body occurrences.
pub const TITLE_WEIGHT: f64 = 3.0;
/// A single-character match counts this much of a word match.
pub const CHAR_WEIGHT: f64 = 0.25;
/// BM25's term-frequency saturation.
pub const K1: f64 = 1.2;
/// BM25's length normalisation.
pub const B: f64 = 0.75;

/// An article's tokens counted: token → (in the title, in the body and tags).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DocTerms {
    /// token → (title count, body count)
    pub counts: BTreeMap<String, (u32, u32)>,
}

impl DocTerms {
    /// The terms of an article.
    pub fn of(tokenizer: &Tokenizer, title: &str, body: &str, tags: &[String]) -> DocTerms {
        let mut counts: BTreeMap<String, (u32, u32)> = BTreeMap::new();
        for token in tokenizer.tokens(title) {
            counts.entry(token.text).or_default().0 += 1;
        }
        for token in tokenizer
            .tokens(body)
            .into_iter()
            .chain(tags.iter().flat_map(|t| tokenizer.tokens(t)))
        {
            counts.entry(token.text).or_default().1 += 1;
        }
        DocTerms { counts }
    }

    /// The weighted length BM25 normalises by.
    pub fn length(&self) -> f64 {
        self.counts
            .values()
            .map(|(title, body)| f64::from(*title) * TITLE_WEIGHT + f64::from(*body))
            .sum()
    }

    /// Stored form: `token:title:body` separated by spaces (tokens hold neither).
    pub fn encode(&self) -> String {
        let mut out = String::new();
        for (token, (title, body)) in &self.counts {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(&format!("{token}:{title}:{body}"));
        }
        out
    }

    /// Reads [`DocTerms::encode`]'s form; unreadable entries are skipped.
    pub fn decode(text: &str) -> DocTerms {
        let counts = text
            .split(' ')
            .filter_map(|entry| {
                let mut parts = entry.rsplitn(3, ':');
                let body = parts.next()?.parse().ok()?;
                let title = parts.next()?.parse().ok()?;
                Some((parts.next()?.to_owned(), (title, body)))
            })
            .collect();
        DocTerms { counts }
    }
}

/// A scored article.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    /// The article.
    pub id: String,
    /// Its score.
    pub score: f64,
}

/// BM25 over a collection of `documents` articles of `average_length`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ranker {
    /// How many articles there are.
    pub documents: usize,
    /// Their mean weighted length.
    pub average_length: f64,
}

impl Ranker {
    /// The distinct query tokens with their weights.
    pub fn query_terms(query: &[Token]) -> Vec<(String, f64)> {
        let mut seen = BTreeSet::new();
        query
            .iter()
            .filter(|t| seen.insert(t.text.clone()))
            .map(|t| {
                let weight = if t.kind == TokenKind::Char && t.text.chars().count() == 1 {
                    CHAR_WEIGHT
                } else {
                    1.0
                };
                (t.text.clone(), weight)
            })
            .collect()
    }

    /// Scores `candidates` (id, terms) for `query`, best first (ties by id).
    pub fn rank(&self, query: &[Token], candidates: &[(String, DocTerms)]) -> Vec<Hit> {
        let terms = Ranker::query_terms(query);
        let candidates: Vec<Candidate> = candidates
            .iter()
            .map(|(id, doc)| Candidate::of_terms(id, doc, &terms))
            .collect();
        self.rank_candidates(&terms, &candidates)
    }

    /// Scores `candidates` for the weighted query `terms` ([`Ranker::query_terms`]), best first
    /// (ties by id). Document frequencies are counted over the candidates (every article holding
    /// a query word, or a query character when no word matched).
    pub fn rank_candidates(&self, terms: &[(String, f64)], candidates: &[Candidate]) -> Vec<Hit> {
        let mut df = vec![0usize; terms.len()];
        for candidate in candidates {
            for (slot, count) in df.iter_mut().zip(&candidate.counts) {
                if count.is_some() {
                    *slot += 1;
                }
            }
        }
        let n = self.documents.max(candidates.len()) as f64;
        let average = if self.average_length > 0.0 {
            self.average_length
        } else {
            1.0
        };
        let mut hits: Vec<Hit> = candidates
            .iter()
            .map(|candidate| {
                let score = terms
                    .iter()
                    .zip(&candidate.counts)
                    .zip(&df)
                    .filter_map(|(((_, weight), count), df)| {
                        let (title, body) = (*count)?;
                        let tf = f64::from(title) * TITLE_WEIGHT + f64::from(body);
                        let df = *df as f64;
                        let idf = (1.0 + (n - df + 0.5) / (df + 0.5)).ln();
                        Some(
                            weight * idf * tf * (K1 + 1.0)
                                / (tf + K1 * (1.0 - B + B * candidate.length / average)),
                        )
                    })
                    .sum();
                Hit {
                    id: candidate.id.clone(),
                    score,
                }
            })
            .filter(|hit| hit.score > 0.0)
            .collect();
        hits.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.id.cmp(&b.id)));
        hits
    }
}

/// A candidate as ranking needs it: the counts of each query term (in the order of
/// [`Ranker::query_terms`]) and the article's weighted length.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// The article.
    pub id: String,
    /// (title, body) counts of each query term, `None` where the article lacks it.
    pub counts: Vec<Option<(u32, u32)>>,
    /// The weighted length ([`DocTerms::length`]).
    pub length: f64,
}

impl Candidate {
    /// From an article's decoded terms.
    pub fn of_terms(id: &str, doc: &DocTerms, terms: &[(String, f64)]) -> Candidate {
        Candidate {
            id: id.to_owned(),
            counts: terms
                .iter()
                .map(|(t, _)| doc.counts.get(t).copied())
                .collect(),
            length: doc.length(),
        }
    }
}

/// Markdown's marks left out of a snippet.
fn plain(body: &str) -> String {
    let mut out = String::with_capacity(body.len());
    let mut last_space = true;
    let mut line_start = true;
    for c in body.chars() {
        let at_line_start = line_start;
        line_start = c == '\n' || (line_start && c.is_whitespace());
        let c = match c {
            '*' | '#' | '`' | '_' | '~' | '|' | '[' | ']' => continue,
            // a quote's mark, not a '>' in the text
            '>' if at_line_start => continue,
            '\n' | '\r' | '\t' => ' ',
            c => c,
        };
        if c == ' ' {
            if last_space {
                continue;
            }
            last_space = true;
        } else {
            last_space = false;
        }
        out.push(c);
    }
    out.trim().to_owned()
}

fn escape(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

/// A snippet of `body` (at most `width` characters) around the query's matches, as HTML: the
/// matched words in `<mark>`, everything else escaped; the start of the body when nothing
/// matches.
pub fn snippet(tokenizer: &Tokenizer, body: &str, query: &[Token], width: usize) -> String {
    let text = plain(body);
    let chars: Vec<char> = text.chars().collect();
    let folded: Vec<char> = tokenizer.fold(&text).chars().collect();
    let mut marked = vec![false; chars.len()];
    let words: Vec<Vec<char>> = query
        .iter()
        .filter(|t| t.kind == TokenKind::Word && !t.text.is_ascii())
        .map(|t| t.text.chars().collect())
        .collect();
    let stems: BTreeSet<&str> = query
        .iter()
        .filter(|t| t.kind == TokenKind::Word && t.text.is_ascii())
        .map(|t| t.text.as_str())
        .collect();
    for word in &words {
        for start in 0..folded.len().saturating_sub(word.len() - 1) {
            if folded[start..start + word.len()] == word[..] {
                marked[start..start + word.len()]
                    .iter_mut()
                    .for_each(|m| *m = true);
            }
        }
    }
    // English words and numbers: a run whose token is one of the query's
    let mut at = 0;
    while at < folded.len() {
        if folded[at].is_alphanumeric() && folded[at].is_ascii() {
            let start = at;
            while at < folded.len() && folded[at].is_ascii_alphanumeric() {
                at += 1;
            }
            let run: String = folded[start..at].iter().collect();
            if tokenizer
                .tokens(&run)
                .iter()
                .any(|t| stems.contains(t.text.as_str()))
            {
                marked[start..at].iter_mut().for_each(|m| *m = true);
            }
        } else {
            at += 1;
        }
    }
    if !marked.iter().any(|m| *m) {
        // only single characters matched: mark those
        let singles: BTreeSet<char> = query
            .iter()
            .filter(|t| t.kind == TokenKind::Char)
            .filter_map(|t| t.text.chars().next())
            .collect();
        for (i, c) in folded.iter().enumerate() {
            if singles.contains(c) {
                marked[i] = true;
            }
        }
    }
    // the window with the most marked characters, starting a little before its first mark
    let width = width.max(20);
    let mut best = (0usize, 0usize);
    let mut count = marked.iter().take(width).filter(|m| **m).count();
    best.1 = count;
    for start in 1..chars.len().saturating_sub(width) + 1 {
        if marked[start - 1] {
            count -= 1;
        }
        if start + width - 1 < chars.len() && marked[start + width - 1] {
            count += 1;
        }
        if count > best.1 {
            best = (start, count);
        }
    }
    let mut start = best.0;
    if best.1 > 0
        && let Some(first) = marked[start..].iter().position(|m| *m)
    {
        start = (start + first).saturating_sub(12);
    }
    // a window that would run past the end moves back to fill its width
    let start = start.min(chars.len().saturating_sub(width));
    let end = (start + width).min(chars.len());
    let mut out = String::new();
    if start > 0 {
        out.push('…');
    }
    let mut i = start;
    while i < end {
        let open = marked[i];
        let mut j = i;
        while j < end && marked[j] == open {
            j += 1;
        }
        let piece: String = chars[i..j].iter().collect();
        if open {
            out.push_str("<mark>");
            escape(&piece, &mut out);
            out.push_str("</mark>");
        } else {
            escape(&piece, &mut out);
        }
        i = j;
    }
    if end < chars.len() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_round_trip_and_weigh_the_title() {
        let tokenizer = Tokenizer::new(&[]);
        let doc = DocTerms::of(&tokenizer, "信用卡挂失", "卡丢了先挂失。", &["card".into()]);
        assert_eq!(DocTerms::decode(&doc.encode()), doc);
        let terms = vec![
            ("挂失".to_owned(), 1.0),
            ("失".to_owned(), 0.25),
            ("无".to_owned(), 1.0),
        ];
        let candidate = Candidate::of_terms("a", &doc, &terms);
        assert_eq!(candidate.counts, [Some((1, 1)), Some((1, 1)), None]);
        assert_eq!(doc.counts["挂失"], (1, 1));
        assert_eq!(doc.counts["card"], (0, 1));
    }

    #[test]
    fn bm25_prefers_the_title_and_rare_words() {
        let tokenizer = Tokenizer::new(&[]);
        let docs: Vec<(String, DocTerms)> = [
            ("a", "信用卡挂失", "卡丢失后请立即挂失，补办新卡。"),
            ("b", "账单查询", "在 APP 查询信用卡账单，挂失请另见。"),
            ("c", "密码重置", "忘记密码时通过短信验证码重置。"),
        ]
        .iter()
        .map(|(id, title, body)| (id.to_string(), DocTerms::of(&tokenizer, title, body, &[])))
        .collect();
        let average = docs.iter().map(|(_, d)| d.length()).sum::<f64>() / 3.0;
        let ranker = Ranker {
            documents: 3,
            average_length: average,
        };
        let hits = ranker.rank(&tokenizer.tokens("信用卡掛失"), &docs);
        assert_eq!(hits[0].id, "a");
        assert_eq!(hits[1].id, "b");
        // c shares only the character 信 (短信): found through it, last
        assert_eq!(hits.last().unwrap().id, "c");
        assert!(hits[2].score < hits[1].score / 4.0, "{hits:?}");
        // the hand-worked score of the single query word 密码 in c: once in the title (×3) and
        // once in the body; one article of three holds it
        let c = &docs[2].1;
        assert_eq!(c.counts["密码"], (1, 1));
        let tf = TITLE_WEIGHT + 1.0;
        let idf = (1.0_f64 + (3.0 - 1.0 + 0.5) / (1.0 + 0.5)).ln();
        let expected = idf * tf * (K1 + 1.0) / (tf + K1 * (1.0 - B + B * c.length() / average));
        let only_word = vec![Token {
            text: "密码".into(),
            kind: TokenKind::Word,
        }];
        let hit = &ranker.rank(&only_word, &docs)[0];
        assert_eq!(hit.id, "c");
        assert!(
            (hit.score - expected).abs() < 1e-12,
            "{} vs {expected}",
            hit.score
        );
    }

    #[test]
    fn snippets_mark_matches_and_escape_the_rest() {
        let tokenizer = Tokenizer::new(&[]);
        let body = "**注意**：<script>x</script> 客户的信用卡丢失后，请立即办理挂失并补卡。Refunds are refunded later.";
        let html = snippet(
            &tokenizer,
            body,
            &tokenizer.tokens("信用卡掛失 refund"),
            200,
        );
        assert!(html.contains("<mark>信用卡</mark>"), "{html}");
        assert!(html.contains("<mark>挂失</mark>"), "{html}");
        assert!(html.contains("<mark>Refunds</mark>"), "{html}");
        assert!(html.contains("&lt;script&gt;"), "{html}");
        assert!(!html.contains("**"), "{html}");
    }
}
