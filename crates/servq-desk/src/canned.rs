//! Canned replies (docs/desk.md#canned-replies): reply templates per language and category with
//! placeholders the ticket fills in, seeded with the standard service phrases of the mall
//! service-desk rulebook (reference.md).

use serde::{Deserialize, Serialize};
use servq_core::{SettingProblem, SettingReason};

use crate::{Category, contains_category};

/// One reply template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CannedReply {
    /// A short id (letters, digits, `_`, `-`), unique per language.
    pub id: String,
    /// What the desk picks it by.
    pub title: String,
    /// zh-CN, zh-TW or en.
    pub language: String,
    /// The category it suits ('' : every category; a parent category covers its children).
    #[serde(default)]
    pub category: String,
    /// The text, with `{customer_name}`, `{ticket_id}` and `{due_at}`.
    pub body: String,
}

/// The placeholders a body may hold.
pub const PLACEHOLDERS: [&str; 3] = ["customer_name", "ticket_id", "due_at"];

/// The longest body, in characters.
pub const MAX_BODY_CHARS: usize = 4_000;

/// What a ticket fills the placeholders with.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReplyValues {
    /// The customer's name ('' : the greeting goes without it).
    pub customer_name: String,
    /// The ticket id.
    pub ticket_id: String,
    /// When the next answer is due, in the centre's time ('' when no clock runs).
    pub due_at: String,
}

/// `body` with its placeholders filled from `values` (an unknown `{word}` stays as written).
pub fn render(body: &str, values: &ReplyValues) -> String {
    body.replace("{customer_name}", &values.customer_name)
        .replace("{ticket_id}", &values.ticket_id)
        .replace("{due_at}", &values.due_at)
}

fn placeholders_in(body: &str) -> Vec<&str> {
    body.match_indices('{')
        .filter_map(|(at, _)| {
            let rest = &body[at + 1..];
            let end = rest.find('}')?;
            let name = &rest[..end];
            (!name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
                .then_some(name)
        })
        .collect()
}

/// Every reason `replies` cannot be saved, at `replies.{n}.{field}`: an id, title and body
/// each, a language servq serves, a category of the tree, no placeholder it does not know,
/// ids unique per language.
pub fn check_canned_replies(replies: &[CannedReply], tree: &[Category]) -> Vec<SettingProblem> {
    let mut problems = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let coded = |code: &'static str, values: Vec<(&'static str, String)>, english: String| {
        SettingReason::Coded {
            code,
            values,
            english,
        }
    };
    for (index, reply) in replies.iter().enumerate() {
        let at = |field: &str| format!("replies.{index}.{field}");
        let id = reply.id.trim();
        if id.is_empty() {
            problems.push(SettingProblem::new(at("id"), SettingReason::Required));
        } else if id.len() > 40
            || !id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            problems.push(SettingProblem::new(
                at("id"),
                coded(
                    "canned_id",
                    vec![("value", id.to_owned())],
                    format!("'{id}' is not an id of at most 40 letters, digits, _ or -"),
                ),
            ));
        } else if !seen.insert((id.to_owned(), reply.language.clone())) {
            problems.push(SettingProblem::new(
                at("id"),
                coded(
                    "canned_duplicate",
                    vec![("value", id.to_owned())],
                    format!("'{id}' is used twice in one language"),
                ),
            ));
        }
        if reply.title.trim().is_empty() {
            problems.push(SettingProblem::new(at("title"), SettingReason::Required));
        }
        if servq_core::parse_language(&reply.language) != Some(reply.language.as_str()) {
            problems.push(SettingProblem::new(
                at("language"),
                coded(
                    "canned_language",
                    vec![("value", reply.language.clone())],
                    format!("'{}' is not zh-CN, zh-TW or en", reply.language),
                ),
            ));
        }
        let category = reply.category.trim();
        if !category.is_empty() && !contains_category(tree, category) {
            problems.push(SettingProblem::new(
                at("category"),
                coded(
                    "canned_category",
                    vec![("value", category.to_owned())],
                    format!("category '{category}' is not in the category tree"),
                ),
            ));
        }
        let body = reply.body.trim();
        if body.is_empty() {
            problems.push(SettingProblem::new(at("body"), SettingReason::Required));
        } else if body.chars().count() > MAX_BODY_CHARS {
            problems.push(SettingProblem::new(
                at("body"),
                coded(
                    "canned_long",
                    vec![("max", MAX_BODY_CHARS.to_string())],
                    format!("a reply has at most {MAX_BODY_CHARS} characters"),
                ),
            ));
        }
        if let Some(unknown) = placeholders_in(body)
            .into_iter()
            .find(|name| !PLACEHOLDERS.contains(name))
        {
            problems.push(SettingProblem::new(
                at("body"),
                coded(
                    "canned_placeholder",
                    vec![("value", unknown.to_owned())],
                    format!(
                        "{{{unknown}}} is not a placeholder (use {{customer_name}}, {{ticket_id}} or {{due_at}})"
                    ),
                ),
            ));
        }
    }
    problems
}

/// Whether `reply` suits a ticket of `category` in `tree` (its own category or one below it).
pub fn suits(reply: &CannedReply, category: &str, tree: &[Category]) -> bool {
    let wanted = reply.category.trim();
    if wanted.is_empty() || wanted == category {
        return true;
    }
    fn find<'a>(tree: &'a [Category], id: &str) -> Option<&'a Category> {
        tree.iter().find_map(|node| {
            (node.id == id)
                .then_some(node)
                .or_else(|| find(&node.children, id))
        })
    }
    find(tree, wanted).is_some_and(|node| contains_category(&node.children, category))
}

/// The replies servq starts with: the rulebook's standard phrases for a written answer, in
/// the three languages.
pub fn default_canned_replies() -> Vec<CannedReply> {
    // (id, [title, body] in zh-CN, zh-TW, en)
    const SEEDS: [(&str, [(&str, &str); 3]); 7] = [
        (
            "received",
            [
                (
                    "已受理",
                    "{customer_name}您好，您的问题我们已受理（工单号 {ticket_id}），将在 {due_at} 前给您答复。",
                ),
                (
                    "已受理",
                    "{customer_name}您好，您的問題我們已受理（工單號 {ticket_id}），將在 {due_at} 前給您答覆。",
                ),
                (
                    "Received",
                    "Hello {customer_name}, we have taken up your request (ticket {ticket_id}) and will answer you by {due_at}.",
                ),
            ],
        ),
        (
            "please_wait",
            [
                (
                    "请您稍等",
                    "{customer_name}您好，对不起，请您稍等，我们正在为您核实，会在 {due_at} 前回复您。",
                ),
                (
                    "請您稍等",
                    "{customer_name}您好，對不起，請您稍等，我們正在為您核實，會在 {due_at} 前回覆您。",
                ),
                (
                    "Please wait",
                    "Hello {customer_name}, sorry, please bear with us while we check this for you; we will reply by {due_at}.",
                ),
            ],
        ),
        (
            "sorry_wait",
            [
                (
                    "让您久等了",
                    "{customer_name}您好，对不起，让您久等了。关于您的问题（工单号 {ticket_id}）：",
                ),
                (
                    "讓您久等了",
                    "{customer_name}您好，對不起，讓您久等了。關於您的問題（工單號 {ticket_id}）：",
                ),
                (
                    "Sorry to keep you waiting",
                    "Hello {customer_name}, we are sorry to have kept you waiting. About your request (ticket {ticket_id}):",
                ),
            ],
        ),
        (
            "colleague",
            [
                (
                    "请同事解答",
                    "{customer_name}您好，对不起，这个问题我请专业的同事来给您解答，请原谅。我们会在 {due_at} 前回复您。",
                ),
                (
                    "請同事解答",
                    "{customer_name}您好，對不起，這個問題我請專業的同事來給您解答，請原諒。我們會在 {due_at} 前回覆您。",
                ),
                (
                    "A colleague will answer",
                    "Hello {customer_name}, sorry, I have asked a colleague who knows this best to answer you; please excuse the wait. We will reply by {due_at}.",
                ),
            ],
        ),
        (
            "suggestion",
            [
                (
                    "感谢建议",
                    "{customer_name}您好，谢谢您提出的宝贵建议，我们已转交相关部门研究改进。",
                ),
                (
                    "感謝建議",
                    "{customer_name}您好，謝謝您提出的寶貴建議，我們已轉交相關部門研究改進。",
                ),
                (
                    "Thanks for the suggestion",
                    "Hello {customer_name}, thank you for your valuable suggestion; we have passed it on to the team concerned.",
                ),
            ],
        ),
        (
            "criticism",
            [
                (
                    "感谢批评",
                    "{customer_name}您好，谢谢您对我们的关心，您说的很对，我们今后一定注意改正。",
                ),
                (
                    "感謝批評",
                    "{customer_name}您好，謝謝您對我們的關心，您說的很對，我們今後一定注意改正。",
                ),
                (
                    "Thanks for the criticism",
                    "Hello {customer_name}, thank you for caring about our service. You are right, and we will make sure to improve.",
                ),
            ],
        ),
        (
            "closing",
            [
                (
                    "结束语",
                    "不客气，这是我们应该做的。如还有其他问题，直接回复即可（工单号 {ticket_id}）。祝您生活愉快，欢迎您再来！",
                ),
                (
                    "結束語",
                    "不客氣，這是我們應該做的。如還有其他問題，直接回覆即可（工單號 {ticket_id}）。祝您生活愉快，歡迎您再來！",
                ),
                (
                    "Closing",
                    "You are welcome, that is what we are here for. If anything else comes up, just reply (ticket {ticket_id}). Have a good day!",
                ),
            ],
        ),
    ];
    const LANGUAGES: [&str; 3] = ["zh-CN", "zh-TW", "en"];
    SEEDS
        .iter()
        .flat_map(|(id, texts)| {
            texts
                .iter()
                .zip(LANGUAGES)
                .map(|((title, body), language)| CannedReply {
                    id: (*id).to_owned(),
                    title: (*title).to_owned(),
                    language: language.to_owned(),
                    category: String::new(),
                    body: (*body).to_owned(),
                })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::default_categories;

    #[test]
    fn the_seeds_are_valid_and_render() {
        let tree = default_categories();
        let seeds = default_canned_replies();
        assert_eq!(seeds.len(), 21);
        assert!(check_canned_replies(&seeds, &tree).is_empty());
        let values = ReplyValues {
            customer_name: "李女士".into(),
            ticket_id: "T20261203-0123456789ab".into(),
            due_at: "2026-12-03 18:00".into(),
        };
        assert_eq!(
            render(&seeds[0].body, &values),
            "李女士您好，您的问题我们已受理（工单号 T20261203-0123456789ab），将在 2026-12-03 18:00 前给您答复。"
        );
    }

    #[test]
    fn bad_replies_are_named_at_their_fields() {
        let tree = default_categories();
        let reply = |id: &str, language: &str, category: &str, body: &str| CannedReply {
            id: id.into(),
            title: "t".into(),
            language: language.into(),
            category: category.into(),
            body: body.into(),
        };
        let problems = check_canned_replies(
            &[
                reply("a", "zh-CN", "", "ok {ticket_id}"),
                reply("a", "zh-CN", "", "twice"),
                reply("a", "en", "nowhere", "{name} here"),
                reply("b c", "fr", "", ""),
            ],
            &tree,
        );
        let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "replies.1.id",
                "replies.2.category",
                "replies.2.body",
                "replies.3.id",
                "replies.3.language",
                "replies.3.body"
            ]
        );
        // a parent category's reply suits its children
        assert!(suits(
            &reply("x", "en", "consult", "b"),
            "bill_query",
            &tree
        ));
        assert!(!suits(
            &reply("x", "en", "after_sales", "b"),
            "bill_query",
            &tree
        ));
        assert!(suits(&reply("x", "en", "", "b"), "bill_query", &tree));
    }
}
