//! The ticket category tree (`docs/desk.md#categories`): groups and their categories, each with
//! a name in simplified and traditional Chinese and English; editable, checked before it is
//! stored; a ticket's category must be in it.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

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

/// Why a category tree is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CategoryError {
    /// Two nodes share an id.
    #[error("the category id '{0}' is used twice")]
    Repeated(String),
    /// An id that is empty or has characters other than letters, digits, _ and -.
    #[error("category id '{0}' must be 1 to 64 letters, digits, _ or -")]
    BadId(String),
    /// A missing name.
    #[error("category '{0}' needs a name in every language")]
    NoName(String),
    /// Deeper than three levels.
    #[error("category '{0}' is deeper than three levels")]
    TooDeep(String),
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

/// Checks a tree: ids unique and well-formed, names in every language, at most three levels.
pub fn check_categories(tree: &[Category]) -> Result<(), CategoryError> {
    fn walk<'a>(
        nodes: &'a [Category],
        depth: usize,
        seen: &mut HashSet<&'a str>,
    ) -> Result<(), CategoryError> {
        for node in nodes {
            let id = node.id.as_str();
            if id.is_empty()
                || id.len() > 64
                || !id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            {
                return Err(CategoryError::BadId(node.id.clone()));
            }
            if !seen.insert(id) {
                return Err(CategoryError::Repeated(node.id.clone()));
            }
            if [&node.name_zh_cn, &node.name_zh_tw, &node.name_en]
                .iter()
                .any(|name| name.trim().is_empty())
            {
                return Err(CategoryError::NoName(node.id.clone()));
            }
            if depth >= 3 && !node.children.is_empty() {
                return Err(CategoryError::TooDeep(node.id.clone()));
            }
            walk(&node.children, depth + 1, seen)?;
        }
        Ok(())
    }
    walk(tree, 1, &mut HashSet::new())
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
        assert_eq!(check_categories(&tree), Ok(()));
        assert_eq!(tree[0].children.len(), 18);
        assert_eq!(tree[0].children[17].name("en"), "Consult – other");
        assert!(contains_category(&tree, "billing"));
        assert!(!contains_category(&tree, "unknown"));
        assert_eq!(flatten(&tree).len(), 3 + 18 + 5 + 5);
        let mut repeated = tree.clone();
        let copy = repeated[0].children[0].clone();
        repeated[1].children.push(copy);
        assert_eq!(
            check_categories(&repeated),
            Err(CategoryError::Repeated("account_opening".into()))
        );
        let mut nameless = tree;
        nameless[2].children[0].name_en = " ".into();
        assert_eq!(
            check_categories(&nameless),
            Err(CategoryError::NoName("billing".into()))
        );
    }
}
