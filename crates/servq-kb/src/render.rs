//! Markdown to safe HTML, and the line diff between two versions of an article.

use comrak::{Options, markdown_to_html};

/// `markdown` as HTML: CommonMark with GitHub's tables, strikethrough and autolinks, emphasis
/// that works beside CJK punctuation (`**注意：**请…`), raw HTML dropped by the renderer and the
/// result sanitized by ammonia (no script, no event handlers, links made `noopener`).
pub fn markdown_html(markdown: &str) -> String {
    let mut options = Options::default();
    options.extension.cjk_friendly_emphasis = true;
    options.extension.table = true;
    options.extension.strikethrough = true;
    options.extension.autolink = true;
    let html = markdown_to_html(markdown, &options);
    ammonia::Builder::default()
        .link_rel(Some("noopener noreferrer"))
        .clean(&html)
        .to_string()
}

/// One line of a diff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiffLine {
    /// `+` added, `-` removed, ` ` the same.
    pub tag: char,
    /// The line, without its end.
    pub text: String,
}

/// The line diff from `old` to `new`.
pub fn diff(old: &str, new: &str) -> Vec<DiffLine> {
    similar::TextDiff::from_lines(old, new)
        .iter_all_changes()
        .map(|change| DiffLine {
            tag: match change.tag() {
                similar::ChangeTag::Delete => '-',
                similar::ChangeTag::Insert => '+',
                similar::ChangeTag::Equal => ' ',
            },
            text: change.value().trim_end_matches(['\n', '\r']).to_owned(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cjk_emphasis_renders_and_html_is_made_safe() {
        let html = markdown_html(
            "**注意：**请先核实身份。<script>alert(1)</script>\n\n[链接](javascript:alert(1))",
        );
        assert!(
            html.contains("<strong>注意：</strong>请先核实身份"),
            "{html}"
        );
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("javascript:"), "{html}");
    }

    #[test]
    fn a_diff_shows_the_lines_changed() {
        let lines = diff("第一行\n第二行\n", "第一行\n第二行（改）\n第三行\n");
        let tags: Vec<(char, &str)> = lines.iter().map(|l| (l.tag, l.text.as_str())).collect();
        assert_eq!(
            tags,
            [
                (' ', "第一行"),
                ('-', "第二行"),
                ('+', "第二行（改）"),
                ('+', "第三行")
            ]
        );
    }
}
