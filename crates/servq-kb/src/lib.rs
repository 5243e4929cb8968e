//! The knowledge base's rules, without IO (`docs/kb.md`):
//! - [`article`]: an article as a person writes it (level, audience, status, tags) and its
//!   checks; the JSONL and Markdown-with-front-matter files `servq kb import` reads;
//! - [`tokens`]: the search tokens of a text — Chinese words (jieba, with the centre's own
//!   terms) and every single CJK character, English words stemmed, digits — after folding
//!   traditional to simplified, variants (帐 → 账), full width and case;
//! - [`rank`]: an article's term counts as stored, BM25 with a title boost computed in Rust (so
//!   SQLite and PostgreSQL, which only find candidates, rank alike) and snippets with the
//!   matched words marked;
//! - [`postings`]: the search index as stored — each token's articles with their counts,
//!   lengths and audience, in blocks — and the candidates a query's lists give;
//! - [`render`]: Markdown to safe HTML (CJK-friendly emphasis, sanitized) and line diffs
//!   between versions;
//! - [`case`]: the case library's dialogue trees, walks through them, and masking customer
//!   data in turns taken from transcripts;
//! - [`training`]: courses' exams — questions, answers, grading, the pass mark.

pub mod article;
pub mod case;
pub mod postings;
pub mod rank;
pub mod render;
pub mod tokens;
pub mod training;

pub use article::{
    ArticleInput, ArticleLevel, ArticleStatus, Audience, ImportError, id_problem, parse_jsonl,
    parse_markdown, write_jsonl,
};
pub use rank::{Candidate, DocTerms, Hit, Ranker, snippet};
pub use render::{DiffLine, diff, markdown_html};
pub use tokens::{Token, TokenKind, Tokenizer};
