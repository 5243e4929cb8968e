//! The case library's rules (`docs/kb.md#case-library`): a case is a dialogue tree — the root
//! is the customer's first request, the branches are the follow-up questions, the leaves the
//! resolution and the closing — and every node carries the wording recommended to the agent
//! and the wording to avoid. Here: the tree's checks, the check of a walk through it (a
//! trainee's path from the root to a leaf), and the masking of customer data in turns taken
//! from a real transcript.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

/// The most nodes a case holds.
pub const MAX_NODES: usize = 200;
/// The longest text of a node, in characters.
pub const MAX_NODE_CHARS: usize = 2000;

/// What a node is in the dialogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NodeKind {
    /// The customer's first request (the root).
    Request,
    /// A follow-up question of the customer (a branch).
    Question,
    /// The resolution (a leaf).
    Resolution,
    /// The closing (a leaf).
    Closing,
}

impl NodeKind {
    /// Every kind, in dialogue order.
    pub const ALL: [NodeKind; 4] = [
        NodeKind::Request,
        NodeKind::Question,
        NodeKind::Resolution,
        NodeKind::Closing,
    ];

    /// The stored name.
    pub fn name(self) -> &'static str {
        match self {
            NodeKind::Request => "request",
            NodeKind::Question => "question",
            NodeKind::Resolution => "resolution",
            NodeKind::Closing => "closing",
        }
    }

    /// The kind named `name`.
    pub fn parse(name: &str) -> Option<NodeKind> {
        NodeKind::ALL.into_iter().find(|kind| kind.name() == name)
    }

    /// Whether a node of this kind ends a path.
    pub fn is_leaf(self) -> bool {
        matches!(self, NodeKind::Resolution | NodeKind::Closing)
    }
}

/// What a case shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseKind {
    /// How the centre handles it (the standard).
    Standard,
    /// A real conversation handled well.
    Good,
    /// A real conversation handled badly: what not to do.
    Bad,
}

impl CaseKind {
    /// Every kind.
    pub const ALL: [CaseKind; 3] = [CaseKind::Standard, CaseKind::Good, CaseKind::Bad];

    /// The stored name.
    pub fn name(self) -> &'static str {
        match self {
            CaseKind::Standard => "standard",
            CaseKind::Good => "good",
            CaseKind::Bad => "bad",
        }
    }

    /// The kind named `name`.
    pub fn parse(name: &str) -> Option<CaseKind> {
        CaseKind::ALL.into_iter().find(|kind| kind.name() == name)
    }
}

/// One node of a case tree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseNode {
    /// Positive, unique within the case.
    pub id: i64,
    /// The node it follows; `None` for the root.
    pub parent: Option<i64>,
    /// What it is in the dialogue.
    pub kind: NodeKind,
    /// What the customer says (the request or the question; may be empty at a leaf).
    pub customer: String,
    /// The wording recommended to the agent.
    pub agent: String,
    /// The wording to avoid (may be empty).
    pub avoid: String,
}

/// The problems of a tree, each `(field path, reason)`: one root that is a request, known
/// parents, no cycle, requests and questions lead on, resolutions and closings end a path,
/// texts given and not too long.
pub fn tree_problems(nodes: &[CaseNode]) -> Vec<(String, String)> {
    let mut problems = Vec::new();
    if nodes.is_empty() {
        problems.push((
            "nodes".to_owned(),
            "a case needs at least its root".to_owned(),
        ));
        return problems;
    }
    if nodes.len() > MAX_NODES {
        problems.push((
            "nodes".to_owned(),
            format!("at most {MAX_NODES} nodes (there are {})", nodes.len()),
        ));
    }
    let mut seen = BTreeSet::new();
    for (index, node) in nodes.iter().enumerate() {
        if node.id <= 0 || !seen.insert(node.id) {
            problems.push((
                format!("nodes.{index}.id"),
                format!("{} is not a new positive id", node.id),
            ));
        }
    }
    let by_id: BTreeMap<i64, &CaseNode> = nodes.iter().map(|n| (n.id, n)).collect();
    let roots: Vec<usize> = (0..nodes.len())
        .filter(|&i| nodes[i].parent.is_none())
        .collect();
    if roots.len() != 1 {
        problems.push((
            "nodes".to_owned(),
            format!("a case has exactly one root (there are {})", roots.len()),
        ));
    }
    let with_children: BTreeSet<i64> = nodes.iter().filter_map(|n| n.parent).collect();
    for (index, node) in nodes.iter().enumerate() {
        let field = |name: &str| format!("nodes.{index}.{name}");
        match node.parent {
            None if node.kind != NodeKind::Request => problems.push((
                field("kind"),
                "the root is the customer's request".to_owned(),
            )),
            Some(_) if node.kind == NodeKind::Request => {
                problems.push((field("kind"), "only the root is a request".to_owned()))
            }
            Some(parent) if !by_id.contains_key(&parent) => {
                problems.push((field("parent"), format!("no node {parent}")))
            }
            _ => {}
        }
        let leads_on = with_children.contains(&node.id);
        if leads_on && node.kind.is_leaf() {
            problems.push((
                field("kind"),
                "a resolution or a closing ends the conversation: nothing follows it".to_owned(),
            ));
        }
        if !leads_on && !node.kind.is_leaf() {
            problems.push((
                field("kind"),
                "the conversation must go on to a resolution or a closing".to_owned(),
            ));
        }
        if !node.kind.is_leaf() && node.customer.trim().is_empty() {
            problems.push((field("customer"), "required".to_owned()));
        }
        if node.agent.trim().is_empty() {
            problems.push((field("agent"), "required".to_owned()));
        }
        for (name, text) in [
            ("customer", &node.customer),
            ("agent", &node.agent),
            ("avoid", &node.avoid),
        ] {
            if text.chars().count() > MAX_NODE_CHARS {
                problems.push((field(name), format!("at most {MAX_NODE_CHARS} characters")));
            }
        }
        // a cycle: following the parents never reaches the root
        let mut current = node.parent;
        let mut steps = 0;
        while let Some(parent) = current {
            steps += 1;
            if parent == node.id || steps > nodes.len() {
                problems.push((field("parent"), "the nodes form a loop".to_owned()));
                break;
            }
            current = by_id.get(&parent).and_then(|p| p.parent);
        }
    }
    problems
}

/// The root's id of a checked tree.
pub fn root(nodes: &[CaseNode]) -> Option<i64> {
    nodes.iter().find(|n| n.parent.is_none()).map(|n| n.id)
}

/// The children of `id`, in the order they were given.
pub fn children(nodes: &[CaseNode], id: i64) -> Vec<&CaseNode> {
    nodes.iter().filter(|n| n.parent == Some(id)).collect()
}

/// The nodes in reading order (depth first, children in the order given), each with its depth.
pub fn reading_order(nodes: &[CaseNode]) -> Vec<(usize, &CaseNode)> {
    let mut out = Vec::new();
    let mut stack: Vec<(usize, &CaseNode)> = nodes
        .iter()
        .filter(|n| n.parent.is_none())
        .map(|n| (0, n))
        .collect();
    while let Some((depth, node)) = stack.pop() {
        if out.len() > nodes.len() {
            break;
        }
        out.push((depth, node));
        for child in children(nodes, node.id).into_iter().rev() {
            stack.push((depth + 1, child));
        }
    }
    out
}

/// Whether `path` walks the tree from its root, parent to child, to a leaf.
pub fn is_walk(nodes: &[CaseNode], path: &[i64]) -> bool {
    let by_id: BTreeMap<i64, &CaseNode> = nodes.iter().map(|n| (n.id, n)).collect();
    let Some(first) = path.first() else {
        return false;
    };
    if root(nodes) != Some(*first) {
        return false;
    }
    for pair in path.windows(2) {
        match by_id.get(&pair[1]) {
            Some(child) if child.parent == Some(pair[0]) => {}
            _ => return false,
        }
    }
    path.last()
        .and_then(|last| by_id.get(last))
        .is_some_and(|leaf| children(nodes, leaf.id).is_empty())
}

/// Common Chinese surnames: a name is masked where one of them stands before an honorific.
const SURNAMES: &str = "王李张張刘劉陈陳杨楊黄黃赵趙吴吳周徐孙孫马馬朱胡郭何高林罗羅郑鄭梁谢謝宋唐许許韩韓冯馮邓鄧曹彭曾肖萧蕭田董袁潘于蒋蔣蔡余杜叶葉程苏蘇魏吕呂丁任沈姚卢盧姜崔钟鍾谭譚陆陸汪范金石廖贾賈夏韦韋付方白邹鄒孟熊秦邱江尹薛闫閻段雷侯龙龍史陶黎贺賀顾顧毛郝龚龔邵万萬钱錢严嚴覃武戴莫孔向汤湯";
/// Words after a surname that mark it as a person's name.
const HONORIFICS: [&str; 6] = ["先生", "女士", "小姐", "老师", "老師", "经理"];

/// The text with customer data masked, for a case made from a real transcript: runs of 7 or
/// more digits (phones, cards, ID numbers; an ID's final X too) keep their last 4, the name
/// part of an e-mail address keeps its first character, a surname before an honorific (王先生)
/// and the name after 我叫 / 我姓 become 某 / ***. A best effort: the editor reads the result
/// before saving.
pub fn mask_customer_data(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        // digit runs (ASCII or full width; groups split by single spaces or hyphens, as card
        // numbers are written), with an ID number's final X
        if is_digit(c) {
            let start = i;
            // a separator counts only between digits
            while i < chars.len()
                && (is_digit(chars[i])
                    || (matches!(chars[i], ' ' | '-')
                        && i + 1 < chars.len()
                        && is_digit(chars[i + 1])))
            {
                i += 1;
            }
            let digits = chars[start..i].iter().filter(|c| is_digit(**c)).count();
            if i < chars.len() && matches!(chars[i], 'X' | 'x') && digits == 17 {
                i += 1;
            }
            let run = &chars[start..i];
            let total = run.iter().filter(|c| !matches!(c, ' ' | '-')).count();
            if total >= 7 {
                let mut shown = 0;
                let mut masked: Vec<char> = Vec::with_capacity(run.len());
                for &ch in run.iter().rev() {
                    if matches!(ch, ' ' | '-') {
                        masked.push(ch);
                    } else if shown < 4 {
                        masked.push(ch);
                        shown += 1;
                    } else {
                        masked.push('*');
                    }
                }
                out.extend(masked.into_iter().rev());
            } else {
                out.extend(run);
            }
            continue;
        }
        // e-mail: the part before @ keeps its first character
        if c == '@' {
            let mut local = 0;
            while out
                .chars()
                .rev()
                .nth(local)
                .is_some_and(|p| p.is_ascii_alphanumeric() || matches!(p, '.' | '_' | '-' | '+'))
            {
                local += 1;
            }
            if local > 1 {
                let kept: Vec<char> = out.chars().collect();
                let cut = kept.len() - local;
                out = kept[..=cut].iter().collect();
                out.push_str("***");
            }
            out.push('@');
            i += 1;
            continue;
        }
        // a surname before an honorific
        if SURNAMES.contains(c) && HONORIFICS.iter().any(|h| starts_with(&chars[i + 1..], h)) {
            out.push('某');
            i += 1;
            continue;
        }
        // 我叫 + a name, 我姓 + a surname
        if c == '我' && i + 1 < chars.len() && matches!(chars[i + 1], '叫' | '姓') {
            out.push('我');
            out.push(chars[i + 1]);
            i += 2;
            let start = i;
            let most = if chars[start - 1] == '姓' { 1 } else { 3 };
            while i < chars.len() && i - start < most && is_cjk(chars[i]) {
                i += 1;
            }
            if i > start {
                out.push_str(if most == 1 { "某" } else { "***" });
            }
            continue;
        }
        out.push(c);
        i += 1;
    }
    out
}

fn is_digit(c: char) -> bool {
    c.is_ascii_digit() || ('０'..='９').contains(&c)
}

fn is_cjk(c: char) -> bool {
    ('\u{4e00}'..='\u{9fff}').contains(&c)
}

fn starts_with(chars: &[char], word: &str) -> bool {
    let mut rest = chars.iter();
    word.chars().all(|w| rest.next() == Some(&w))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(id: i64, parent: Option<i64>, kind: NodeKind) -> CaseNode {
        CaseNode {
            id,
            parent,
            kind,
            customer: format!("customer {id}"),
            agent: format!("agent {id}"),
            avoid: String::new(),
        }
    }

    fn tree() -> Vec<CaseNode> {
        vec![
            node(1, None, NodeKind::Request),
            node(2, Some(1), NodeKind::Question),
            node(3, Some(2), NodeKind::Resolution),
            node(4, Some(1), NodeKind::Closing),
        ]
    }

    #[test]
    fn a_well_formed_tree_has_no_problems_and_reads_depth_first() {
        let nodes = tree();
        assert!(tree_problems(&nodes).is_empty());
        let order: Vec<(usize, i64)> = reading_order(&nodes)
            .into_iter()
            .map(|(d, n)| (d, n.id))
            .collect();
        assert_eq!(order, [(0, 1), (1, 2), (2, 3), (1, 4)]);
    }

    #[test]
    fn broken_trees_are_refused_at_the_node() {
        let mut two_roots = tree();
        two_roots.push(node(5, None, NodeKind::Request));
        assert!(
            tree_problems(&two_roots)
                .iter()
                .any(|(f, r)| f == "nodes" && r.contains("exactly one root"))
        );
        let mut dangling = tree();
        dangling[2].parent = Some(9);
        assert!(
            tree_problems(&dangling)
                .iter()
                .any(|(f, r)| f == "nodes.2.parent" && r == "no node 9")
        );
        let mut loop_ = tree();
        loop_[1].parent = Some(3);
        assert!(
            tree_problems(&loop_)
                .iter()
                .any(|(f, r)| f == "nodes.1.parent" && r.contains("loop"))
        );
        let mut open_end = tree();
        open_end[2].kind = NodeKind::Question;
        assert!(
            tree_problems(&open_end)
                .iter()
                .any(|(f, r)| f == "nodes.2.kind" && r.contains("must go on"))
        );
        let mut after_leaf = tree();
        after_leaf.push(node(5, Some(4), NodeKind::Closing));
        assert!(
            tree_problems(&after_leaf)
                .iter()
                .any(|(f, r)| f == "nodes.3.kind" && r.contains("nothing follows"))
        );
        let mut no_wording = tree();
        no_wording[0].agent = " ".into();
        assert!(
            tree_problems(&no_wording)
                .iter()
                .any(|(f, r)| f == "nodes.0.agent" && r == "required")
        );
    }

    #[test]
    fn a_walk_goes_from_the_root_parent_to_child_to_a_leaf() {
        let nodes = tree();
        assert!(is_walk(&nodes, &[1, 2, 3]));
        assert!(is_walk(&nodes, &[1, 4]));
        assert!(!is_walk(&nodes, &[1, 2]), "stops before a leaf");
        assert!(!is_walk(&nodes, &[2, 3]), "not from the root");
        assert!(!is_walk(&nodes, &[1, 3]), "skips a node");
        assert!(!is_walk(&nodes, &[]));
    }

    #[test]
    fn customer_data_is_masked() {
        assert_eq!(
            mask_customer_data("我的手机是13812345678，卡号 6222 0212 3456 7890，等 2 分钟"),
            "我的手机是*******5678，卡号 **** **** **** 7890，等 2 分钟"
        );
        assert_eq!(
            mask_customer_data("身份证11010519491231002X"),
            "身份证**************002X"
        );
        assert_eq!(
            mask_customer_data("王先生您好，邮件发到 zhang.san@example.com"),
            "某先生您好，邮件发到 z***@example.com"
        );
        assert_eq!(mask_customer_data("我叫李小明，我姓李"), "我叫***，我姓某");
        assert_eq!(mask_customer_data("请稍等 2 分钟"), "请稍等 2 分钟");
        assert_eq!(
            mask_customer_data("订单１２３４５６７８"),
            "订单****５６７８"
        );
    }
}
