//! The ticket category tree (`docs/desk.md#categories`): groups and their categories, each with
//! a name in simplified and traditional Chinese and English; editable, checked before it is
//! stored; a ticket's category must be in it.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};
use servq_core::{SettingProblem, SettingReason};

use crate::ticket::DEFAULT_CATEGORIES;

/// A category (a group when it has children).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Category {
    /// Stable id (stored on tickets).
    pub id: String,
    /// Name in simplified Chinese.
    pub name_zh_cn: String,
    /// Name in traditional Chinese.
    pub name_zh_tw: String,
    /// Name in English.
    pub name_en: String,
    /// Sub-categories.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub children: Vec<Category>,
}

impl Category {
    /// The name in a UI language (`zh-CN`, `zh-TW`, else English).
    pub fn name(&self, locale: &str) -> &str {
        match locale {
            "zh-CN" => &self.name_zh_cn,
            "zh-TW" => &self.name_zh_tw,
            _ => &self.name_en,
        }
    }
}

/// Every problem of a tree, each at its path (`0.children.3.name_en`): ids of 1 to 64
/// letters, digits, `_` or `-`, unique across the tree; a name in every language; at most three
/// levels.
pub fn check_categories(tree: &[Category]) -> Vec<SettingProblem> {
    fn walk<'a>(
        nodes: &'a [Category],
        path: &str,
        depth: usize,
        seen: &mut HashSet<&'a str>,
        problems: &mut Vec<SettingProblem>,
    ) {
        for (index, node) in nodes.iter().enumerate() {
            let at = if path.is_empty() {
                index.to_string()
            } else {
                format!("{path}.children.{index}")
            };
            let id = node.id.as_str();
            if id.is_empty()
                || id.len() > 64
                || !id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            {
                problems.push(SettingProblem::new(
                    format!("{at}.id"),
                    SettingReason::Identifier {
                        value: node.id.clone(),
                        max: 64,
                        loose: true,
                    },
                ));
            } else if !seen.insert(id) {
                problems.push(SettingProblem::new(
                    format!("{at}.id"),
                    SettingReason::Duplicate(node.id.clone()),
                ));
            }
            for (field, name) in [
                ("name_zh_cn", &node.name_zh_cn),
                ("name_zh_tw", &node.name_zh_tw),
                ("name_en", &node.name_en),
            ] {
                if name.trim().is_empty() {
                    problems.push(SettingProblem::new(
                        format!("{at}.{field}"),
                        SettingReason::Required,
                    ));
                }
            }
            if depth >= 3 && !node.children.is_empty() {
                problems.push(SettingProblem::new(
                    format!("{at}.children"),
                    SettingReason::TooDeep(3),
                ));
            } else {
                walk(&node.children, &at, depth + 1, seen, problems);
            }
        }
    }
    let mut problems = Vec::new();
    walk(tree, "", 1, &mut HashSet::new(), &mut problems);
    problems
}

/// Every category of a tree with its depth (0 for groups at the top), in tree order.
pub fn flatten(tree: &[Category]) -> Vec<(usize, &Category)> {
    fn walk<'a>(nodes: &'a [Category], depth: usize, out: &mut Vec<(usize, &'a Category)>) {
        for node in nodes {
            out.push((depth, node));
            walk(&node.children, depth + 1, out);
        }
    }
    let mut out = Vec::new();
    walk(tree, 0, &mut out);
    out
}

/// Whether `id` is a category of the tree.
pub fn contains_category(tree: &[Category], id: &str) -> bool {
    flatten(tree).iter().any(|(_, node)| node.id == id)
}

fn node(id: &str, cn: &str, tw: &str, en: &str, children: Vec<Category>) -> Category {
    Category {
        id: id.to_owned(),
        name_zh_cn: cn.to_owned(),
        name_zh_tw: tw.to_owned(),
        name_en: en.to_owned(),
        children,
    }
}

/// The default tree: consult (the 18 consult categories, ending with "consult – other"),
/// after-sales and complaint groups.
pub fn default_categories() -> Vec<Category> {
    const CONSULT_NAMES: [(&str, &str, &str); 18] = [
        ("开户", "開戶", "Account opening"),
        ("激活开卡", "開卡啟用", "Card activation"),
        ("挂失补卡", "掛失補卡", "Lost card"),
        ("账单查询", "帳單查詢", "Bill query"),
        ("还款", "還款", "Repayment"),
        ("额度调整", "額度調整", "Credit limit"),
        ("利息及费用", "利息及費用", "Interest and fees"),
        ("积分兑换", "紅利點數", "Points and rewards"),
        ("分期", "分期", "Instalments"),
        ("贷款申请", "貸款申請", "Loan application"),
        ("网上银行", "網路銀行", "Online banking"),
        ("手机应用", "行動應用", "Mobile app"),
        ("转账", "轉帳", "Transfers"),
        ("风险与安全", "風險與安全", "Fraud and security"),
        ("网点服务", "分行服務", "Branch service"),
        ("产品信息", "產品資訊", "Product information"),
        ("政策规定", "政策規定", "Policies and rules"),
        ("咨询-其他", "諮詢-其他", "Consult – other"),
    ];
    let consult = DEFAULT_CATEGORIES
        .iter()
        .zip(CONSULT_NAMES)
        .map(|(id, (cn, tw, en))| node(id, cn, tw, en, Vec::new()))
        .collect();
    vec![
        node("consult", "咨询", "諮詢", "Consult", consult),
        node(
            "after_sales",
            "售后",
            "售後",
            "After-sales",
            vec![
                node("repair", "维修", "維修", "Repair", Vec::new()),
                node("replacement", "换货", "換貨", "Replacement", Vec::new()),
                node("delivery", "配送", "配送", "Delivery", Vec::new()),
                node("installation", "安装", "安裝", "Installation", Vec::new()),
                node(
                    "after_sales_other",
                    "售后-其他",
                    "售後-其他",
                    "After-sales – other",
                    Vec::new(),
                ),
            ],
        ),
        node(
            "complaint",
            "投诉",
            "客訴",
            "Complaint",
            vec![
                node(
                    "billing",
                    "账务争议",
                    "帳務爭議",
                    "Billing dispute",
                    Vec::new(),
                ),
                node(
                    "service_attitude",
                    "服务态度",
                    "服務態度",
                    "Service attitude",
                    Vec::new(),
                ),
                node(
                    "product_quality",
                    "产品质量",
                    "產品品質",
                    "Product quality",
                    Vec::new(),
                ),
                node(
                    "process_delay",
                    "办理时效",
                    "辦理時效",
                    "Processing delay",
                    Vec::new(),
                ),
                node(
                    "complaint_other",
                    "投诉-其他",
                    "客訴-其他",
                    "Complaint – other",
                    Vec::new(),
                ),
            ],
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_tree_is_valid_and_has_the_18_consult_categories() {
        let tree = default_categories();
        assert_eq!(check_categories(&tree), Vec::new());
        assert_eq!(tree[0].children.len(), 18);
        assert_eq!(tree[0].children[17].name("en"), "Consult – other");
        assert!(contains_category(&tree, "billing"));
        assert!(!contains_category(&tree, "unknown"));
        assert_eq!(flatten(&tree).len(), 3 + 18 + 5 + 5);
        let mut repeated = tree.clone();
        let copy = repeated[0].children[0].clone();
        repeated[1].children.push(copy);
        assert_eq!(
            check_categories(&repeated)
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>(),
            ["1.children.5.id: 'account_opening' appears twice"]
        );
        let mut nameless = tree;
        nameless[2].children[0].name_en = " ".into();
        nameless[0].children[1]
            .children
            .push(node("deep", "深", "深", "Deep", Vec::new()));
        nameless[0].children[1].children[0].children.push(node(
            "deeper",
            "更深",
            "更深",
            "Deeper",
            Vec::new(),
        ));
        let problems = check_categories(&nameless);
        assert_eq!(problems[0].field, "0.children.1.children.0.children");
        assert_eq!(problems[0].reason, SettingReason::TooDeep(3));
        assert_eq!(problems[1].field, "2.children.0.name_en");
        assert_eq!(problems[1].reason, SettingReason::Required);
        assert_eq!(problems.len(), 2);
    }
}
