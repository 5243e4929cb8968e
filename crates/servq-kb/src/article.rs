//! An article as a person writes it, its checks, and the files `servq kb import` reads: JSON
//! lines (`{"id", "title", "body", "level", "tags": [], "language", "category"?, "audience"?,
//! "owner"?}`) and Markdown files whose front matter (`---` … `---`, `key: value` lines) holds
//! the same fields (the id defaults to the file's name).

use serde::Deserialize;

/// How deep an article goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ArticleLevel {
    /// Every agent's knowledge.
    Basic,
    /// For experienced agents.
    Advanced,
    /// For specialists and team leads.
    Expert,
}

impl ArticleLevel {
    /// Every level.
    pub const ALL: [ArticleLevel; 3] = [
        ArticleLevel::Basic,
        ArticleLevel::Advanced,
        ArticleLevel::Expert,
    ];

    /// The stored name.
    pub fn name(self) -> &'static str {
        match self {
            ArticleLevel::Basic => "basic",
            ArticleLevel::Advanced => "advanced",
            ArticleLevel::Expert => "expert",
        }
    }

    /// The level called `name`.
    pub fn parse(name: &str) -> Option<ArticleLevel> {
        ArticleLevel::ALL
            .into_iter()
            .find(|l| l.name() == name.trim())
    }
}

/// Who may read an article.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Audience {
    /// Staff only.
    Internal,
    /// Also customers, on the public help page.
    Public,
}

impl Audience {
    /// Every audience.
    pub const ALL: [Audience; 2] = [Audience::Internal, Audience::Public];

    /// The stored name.
    pub fn name(self) -> &'static str {
        match self {
            Audience::Internal => "internal",
            Audience::Public => "public",
        }
    }

    /// The audience called `name`.
    pub fn parse(name: &str) -> Option<Audience> {
        Audience::ALL.into_iter().find(|a| a.name() == name.trim())
    }
}

/// Where an article stands in its approval.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ArticleStatus {
    /// Being written; only editors see it.
    Draft,
    /// Waiting for approval.
    InReview,
    /// Live: agents find it (and customers, when public).
    Published,
}

impl ArticleStatus {
    /// Every status.
    pub const ALL: [ArticleStatus; 3] = [
        ArticleStatus::Draft,
        ArticleStatus::InReview,
        ArticleStatus::Published,
    ];

    /// The stored name.
    pub fn name(self) -> &'static str {
        match self {
            ArticleStatus::Draft => "draft",
            ArticleStatus::InReview => "in_review",
            ArticleStatus::Published => "published",
        }
    }

    /// The status called `name`.
    pub fn parse(name: &str) -> Option<ArticleStatus> {
        ArticleStatus::ALL
            .into_iter()
            .find(|s| s.name() == name.trim())
    }
}

/// The languages an article may be written in.
pub const LANGUAGES: [&str; 3] = ["zh-CN", "zh-TW", "en"];
/// The longest title, in characters.
pub const MAX_TITLE: usize = 200;
/// The longest body, in characters.
pub const MAX_BODY: usize = 100_000;
/// At most this many tags…
pub const MAX_TAGS: usize = 20;
/// …of at most this many characters.
pub const MAX_TAG: usize = 40;

/// An article as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArticleInput {
    /// Its id: 1–64 letters, digits, `-`, `_` or `.`.
    pub id: String,
    /// Its title.
    pub title: String,
    /// Its body, Markdown.
    pub body: String,
    /// How deep it goes.
    pub level: ArticleLevel,
    /// Its tags.
    pub tags: Vec<String>,
    /// zh-CN, zh-TW or en.
    pub language: String,
    /// Its category ('' for none).
    pub category: String,
    /// Who may read it.
    pub audience: Audience,
    /// Who looks after it (a username; '' for nobody yet).
    pub owner: String,
}

/// Why a line of a file could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}: {field}: {reason}")]
pub struct ImportError {
    /// The file.
    pub file: String,
    /// The line (1-based; the front matter's for Markdown files).
    pub line: u64,
    /// The field.
    pub field: String,
    /// What is wrong.
    pub reason: String,
}

#[derive(Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
struct JsonArticle {
    id: String,
    title: String,
    body: String,
    level: String,
    #[serde(default)]
    tags: Vec<String>,
    language: String,
    #[serde(default)]
    category: Option<String>,
    #[serde(default)]
    audience: Option<String>,
    #[serde(default)]
    owner: Option<String>,
}

/// Why `id` cannot name an article, a case or a course (1–64 letters, digits, `-`, `_`, `.`:
/// it goes into URLs and file names as it is).
pub fn id_problem(id: &str) -> Option<String> {
    let fits = !id.is_empty()
        && id.len() <= 64
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
    (!fits).then(|| format!("'{id}' is not 1–64 letters, digits, '-', '_' or '.'"))
}

/// The problems of an article's fields: (field, reason).
#[allow(clippy::too_many_arguments)]
fn checked(
    id: &str,
    title: &str,
    body: &str,
    level: &str,
    tags: &[String],
    language: &str,
    category: &str,
    audience: &str,
    owner: &str,
) -> Result<ArticleInput, Vec<(&'static str, String)>> {
    let mut problems = Vec::new();
    let id = id.trim();
    if let Some(problem) = id_problem(id) {
        problems.push(("id", problem));
    }
    let title = title.trim();
    if title.is_empty() {
        problems.push(("title", "required".to_owned()));
    } else if title.chars().count() > MAX_TITLE {
        problems.push(("title", format!("longer than {MAX_TITLE} characters")));
    }
    if body.trim().is_empty() {
        problems.push(("body", "required".to_owned()));
    } else if body.chars().count() > MAX_BODY {
        problems.push(("body", format!("longer than {MAX_BODY} characters")));
    }
    let parsed_level = ArticleLevel::parse(level);
    if parsed_level.is_none() {
        problems.push((
            "level",
            format!("'{level}' is not basic, advanced or expert"),
        ));
    }
    if !LANGUAGES.contains(&language.trim()) {
        problems.push((
            "language",
            format!("'{language}' is not zh-CN, zh-TW or en"),
        ));
    }
    let audience_text = if audience.trim().is_empty() {
        "internal"
    } else {
        audience
    };
    let parsed_audience = Audience::parse(audience_text);
    if parsed_audience.is_none() {
        problems.push((
            "audience",
            format!("'{audience}' is not internal or public"),
        ));
    }
    let tags: Vec<String> = tags
        .iter()
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty())
        .collect();
    if tags.len() > MAX_TAGS {
        problems.push(("tags", format!("more than {MAX_TAGS} tags")));
    }
    if let Some(long) = tags.iter().find(|t| t.chars().count() > MAX_TAG) {
        problems.push((
            "tags",
            format!("'{long}' is longer than {MAX_TAG} characters"),
        ));
    }
    match (parsed_level, parsed_audience) {
        (Some(level), Some(audience)) if problems.is_empty() => Ok(ArticleInput {
            id: id.to_owned(),
            title: title.to_owned(),
            body: body.replace("\r\n", "\n"),
            level,
            tags,
            language: language.trim().to_owned(),
            category: category.trim().to_owned(),
            audience,
            owner: owner.trim().to_owned(),
        }),
        _ => Err(problems),
    }
}

impl ArticleInput {
    /// Checks an article's fields; the problems as (field, reason).
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        id: &str,
        title: &str,
        body: &str,
        level: &str,
        tags: &[String],
        language: &str,
        category: &str,
        audience: &str,
        owner: &str,
    ) -> Result<ArticleInput, Vec<(&'static str, String)>> {
        checked(
            id, title, body, level, tags, language, category, audience, owner,
        )
    }
}

/// Reads a JSON-lines file: every article, or every problem (`file:line: field: reason`),
/// including ids used twice. Blank lines are skipped; a byte-order mark is allowed.
pub fn parse_jsonl(file: &str, text: &str) -> Result<Vec<ArticleInput>, Vec<ImportError>> {
    let mut articles = Vec::new();
    let mut errors = Vec::new();
    let mut seen = std::collections::HashMap::new();
    for (index, line) in text.trim_start_matches('\u{feff}').lines().enumerate() {
        let number = index as u64 + 1;
        if line.trim().is_empty() {
            continue;
        }
        let error = |field: &str, reason: String| ImportError {
            file: file.to_owned(),
            line: number,
            field: field.to_owned(),
            reason,
        };
        let json: JsonArticle = match serde_json::from_str(line) {
            Ok(json) => json,
            Err(e) => {
                errors.push(error("json", e.to_string()));
                continue;
            }
        };
        match checked(
            &json.id,
            &json.title,
            &json.body,
            &json.level,
            &json.tags,
            &json.language,
            json.category.as_deref().unwrap_or(""),
            json.audience.as_deref().unwrap_or(""),
            json.owner.as_deref().unwrap_or(""),
        ) {
            Ok(article) => {
                if let Some(first) = seen.insert(article.id.clone(), number) {
                    errors.push(error(
                        "id",
                        format!("'{}' is used on line {first} too", article.id),
                    ));
                } else {
                    articles.push(article);
                }
            }
            Err(problems) => {
                for (field, reason) in problems {
                    errors.push(error(field, reason));
                }
            }
        }
    }
    if errors.is_empty() {
        Ok(articles)
    } else {
        Err(errors)
    }
}

/// Reads a Markdown file with front matter (`---` lines around `key: value` lines; `tags` as
/// `[a, b]` or `a, b`); the id defaults to `stem` (the file name without `.md`).
pub fn parse_markdown(
    file: &str,
    stem: &str,
    text: &str,
) -> Result<ArticleInput, Vec<ImportError>> {
    let text = text.trim_start_matches('\u{feff}').replace("\r\n", "\n");
    let error = |line: u64, field: &str, reason: String| ImportError {
        file: file.to_owned(),
        line,
        field: field.to_owned(),
        reason,
    };
    let Some(rest) = text.strip_prefix("---\n") else {
        return Err(vec![error(
            1,
            "front_matter",
            "the file must start with a '---' line and the article's fields".to_owned(),
        )]);
    };
    let Some(end) = rest.find("\n---") else {
        return Err(vec![error(
            1,
            "front_matter",
            "no closing '---' line".to_owned(),
        )]);
    };
    let mut fields = std::collections::BTreeMap::new();
    let mut errors = Vec::new();
    for (index, line) in rest[..end].lines().enumerate() {
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        match line.split_once(':') {
            Some((key, value)) => {
                fields.insert(
                    key.trim().to_owned(),
                    value.trim().trim_matches('"').to_owned(),
                );
            }
            None => errors.push(error(
                index as u64 + 2,
                "front_matter",
                format!("'{line}' is not 'key: value'"),
            )),
        }
    }
    let body = rest[end + 4..]
        .trim_start_matches('-')
        .trim_start_matches('\n');
    let field = |name: &str| fields.get(name).cloned().unwrap_or_default();
    let tags: Vec<String> = field("tags")
        .trim_matches(|c| c == '[' || c == ']')
        .split([',', '，', '、'])
        .map(|t| t.trim().trim_matches('"').to_owned())
        .collect();
    let id = fields.get("id").cloned().unwrap_or_else(|| stem.to_owned());
    match checked(
        &id,
        &field("title"),
        body,
        &field("level"),
        &tags,
        &field("language"),
        &field("category"),
        &field("audience"),
        &field("owner"),
    ) {
        Ok(article) if errors.is_empty() => Ok(article),
        Ok(_) => Err(errors),
        Err(problems) => {
            errors.extend(problems.into_iter().map(|(f, r)| error(1, f, r)));
            Err(errors)
        }
    }
}

/// Articles as the JSON lines `parse_jsonl` reads (one a line, every field written): what
/// `servq kb export` writes, so an export imports back unchanged.
pub fn write_jsonl(articles: &[ArticleInput]) -> String {
    let mut out = String::new();
    for article in articles {
        let json = JsonArticle {
            id: article.id.clone(),
            title: article.title.clone(),
            body: article.body.clone(),
            level: article.level.name().to_owned(),
            tags: article.tags.clone(),
            language: article.language.clone(),
            category: Some(article.category.clone()),
            audience: Some(article.audience.name().to_owned()),
            owner: Some(article.owner.clone()),
        };
        // a struct of strings always serializes
        if let Ok(line) = serde_json::to_string(&json) {
            out.push_str(&line);
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_lines_read_or_every_problem_named() {
        let good = "\u{feff}{\"id\":\"kb-1\",\"title\":\"挂失\",\"body\":\"先挂失\",\"level\":\"basic\",\"tags\":[\"卡\"],\"language\":\"zh-CN\"}\n\n";
        let articles = parse_jsonl("a.jsonl", good).unwrap();
        assert_eq!(articles[0].audience, Audience::Internal);
        let bad = "{\"id\":\"kb 1\",\"title\":\"\",\"body\":\"x\",\"level\":\"guru\",\"language\":\"fr\"}\n\
                   not json\n\
                   {\"id\":\"k\",\"title\":\"t\",\"body\":\"b\",\"level\":\"basic\",\"language\":\"en\"}\n\
                   {\"id\":\"k\",\"title\":\"t\",\"body\":\"b\",\"level\":\"basic\",\"language\":\"en\",\"audience\":\"all\"}\n";
        let errors = parse_jsonl("b.jsonl", bad).unwrap_err();
        let said: Vec<String> = errors
            .iter()
            .map(|e| format!("{}:{}", e.line, e.field))
            .collect();
        assert_eq!(
            said,
            [
                "1:id",
                "1:title",
                "1:level",
                "1:language",
                "2:json",
                "4:audience"
            ]
        );
        assert!(errors[0].to_string().starts_with("b.jsonl:1: id: "));
    }

    #[test]
    fn markdown_front_matter_gives_the_fields() {
        let text = "---\ntitle: 信用卡挂失\nlevel: basic\nlanguage: zh-CN\ntags: [卡, 挂失]\naudience: public\n---\n\n**先**挂失，再补卡。\n";
        let article = parse_markdown("dir/card-loss.md", "card-loss", text).unwrap();
        assert_eq!(article.id, "card-loss");
        assert_eq!(article.tags, ["卡", "挂失"]);
        assert_eq!(article.audience, Audience::Public);
        assert_eq!(article.body, "**先**挂失，再补卡。\n");
        let errors = parse_markdown("x.md", "x", "no front matter").unwrap_err();
        assert_eq!(errors[0].field, "front_matter");
    }

    #[test]
    fn an_export_reads_back_the_same_articles() {
        let text = concat!(
            r#"{"id": "a1", "title": "挂失 \"紧急\"", "body": "第一行\n\n**注意**", "level": "expert", "tags": ["卡", "挂失"], "language": "zh-CN", "category": "card", "audience": "public", "owner": "kb"}"#,
            "\n",
            r#"{"id": "a2", "title": "Fees", "body": "x", "level": "basic", "language": "en"}"#,
            "\n"
        );
        let articles = parse_jsonl("in.jsonl", text).unwrap();
        let exported = write_jsonl(&articles);
        assert_eq!(exported.lines().count(), 2);
        assert_eq!(parse_jsonl("out.jsonl", &exported).unwrap(), articles);
    }
}
