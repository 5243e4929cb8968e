//! Coaching: which problems many agents share (group training) and which are individual
//! (one-to-one coaching), and which agents to coach on a measure. A scorecard item is *failed* by
//! an agent in a period when the agent's mean on it is below `failed_below` (default 60 %) of its
//! maximum; a rule is failed when it hit at least one of the agent's contacts. Among the agents
//! with at least one evaluation or scanned transcript in the period, a problem failed by at least
//! `common_share` (default 30 %) of them is *common*, else *individual*.

use std::collections::{BTreeMap, BTreeSet};

/// The thresholds of the coaching rules.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CoachingRules {
    /// An item is failed below this fraction of its maximum (0–1).
    pub failed_below: f64,
    /// A problem failed by at least this share of the evaluated agents is common (0–1).
    pub common_share: f64,
    /// The bottom share of agents flagged per measure (0–1).
    pub bottom_share: f64,
}

impl Default for CoachingRules {
    fn default() -> Self {
        CoachingRules {
            failed_below: 0.6,
            common_share: 0.3,
            bottom_share: 0.1,
        }
    }
}

/// A problem an agent can fail.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CoachingProblem {
    /// A scorecard item, by id.
    Item(String),
    /// An automated-QA rule, by name.
    Rule(String),
}

impl CoachingProblem {
    /// `item` or `rule`.
    pub fn kind(&self) -> &'static str {
        match self {
            CoachingProblem::Item(_) => "item",
            CoachingProblem::Rule(_) => "rule",
        }
    }

    /// The item id or rule name.
    pub fn id(&self) -> &str {
        match self {
            CoachingProblem::Item(id) | CoachingProblem::Rule(id) => id,
        }
    }
}

/// What one agent did on one item in a period: the sum of the answers' fractions of the maximum
/// (N/A left out) and how many answers.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ItemMean {
    /// Σ fraction of the maximum.
    pub sum: f64,
    /// Answers.
    pub count: u32,
}

impl ItemMean {
    /// Adds one answer's fraction.
    pub fn add(&mut self, fraction: f64) {
        self.sum += fraction;
        self.count += 1;
    }

    /// The mean fraction; `None` without answers.
    pub fn mean(&self) -> Option<f64> {
        (self.count > 0).then(|| self.sum / f64::from(self.count))
    }
}

/// A problem and who failed it.
#[derive(Debug, Clone, PartialEq)]
pub struct ProblemShare {
    /// The problem.
    pub problem: CoachingProblem,
    /// The agents who failed it, sorted.
    pub agents: Vec<String>,
    /// Their share of the agents with evidence.
    pub share: f64,
    /// Common (group training) or individual (one-to-one coaching).
    pub common: bool,
}

/// Classifies the problems of a period. `evidenced`: the agents with at least one evaluation or
/// scanned transcript; `item_means`: per agent and item their answers; `rule_hits`: per agent the
/// rules that hit one of their contacts. Problems failed by nobody are left out; the most shared
/// come first.
pub fn classify(
    rules: &CoachingRules,
    evidenced: &BTreeSet<String>,
    item_means: &BTreeMap<String, BTreeMap<String, ItemMean>>,
    rule_hits: &BTreeMap<String, BTreeSet<String>>,
) -> Vec<ProblemShare> {
    let mut failed: BTreeMap<CoachingProblem, BTreeSet<String>> = BTreeMap::new();
    for (agent, items) in item_means {
        for (item, mean) in items {
            if mean.mean().is_some_and(|m| m < rules.failed_below) {
                failed
                    .entry(CoachingProblem::Item(item.clone()))
                    .or_default()
                    .insert(agent.clone());
            }
        }
    }
    for (agent, hit) in rule_hits {
        for rule in hit {
            failed
                .entry(CoachingProblem::Rule(rule.clone()))
                .or_default()
                .insert(agent.clone());
        }
    }
    let population = evidenced.len();
    let mut shares: Vec<ProblemShare> = failed
        .into_iter()
        .filter_map(|(problem, agents)| {
            let agents: Vec<String> = agents
                .into_iter()
                .filter(|a| evidenced.contains(a))
                .collect();
            if agents.is_empty() || population == 0 {
                return None;
            }
            let share = agents.len() as f64 / population as f64;
            Some(ProblemShare {
                problem,
                common: share >= rules.common_share,
                share,
                agents,
            })
        })
        .collect();
    shares.sort_by(|a, b| {
        b.share
            .total_cmp(&a.share)
            .then_with(|| a.problem.cmp(&b.problem))
    });
    shares
}

/// The agents in the bottom `share` of `values` (agent, value) where `lower_is_worse` says which
/// end is the bottom: at least one agent when any has a value, ties at the cut included.
pub fn bottom(values: &[(String, f64)], share: f64, lower_is_worse: bool) -> Vec<String> {
    if values.is_empty() {
        return Vec::new();
    }
    let mut sorted: Vec<&(String, f64)> = values.iter().collect();
    sorted.sort_by(|a, b| {
        let order = a.1.total_cmp(&b.1);
        if lower_is_worse {
            order
        } else {
            order.reverse()
        }
    });
    let n = ((values.len() as f64 * share).ceil() as usize).max(1);
    let cut = sorted[n - 1].1;
    sorted
        .into_iter()
        .filter(|(_, v)| if lower_is_worse { *v <= cut } else { *v >= cut })
        .map(|(agent, _)| agent.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(agents: &[&str]) -> BTreeSet<String> {
        agents.iter().map(|a| a.to_string()).collect()
    }

    /// Ten agents evaluated; greeting failed (mean < 60 %) by three of them → 30 % → common;
    /// empathy by one → individual; a rule hit for two → individual (20 %).
    #[test]
    fn shared_problems_are_common_and_others_individual() {
        let evidenced = set(&["a0", "a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8", "a9"]);
        let mut means: BTreeMap<String, BTreeMap<String, ItemMean>> = BTreeMap::new();
        for agent in &evidenced {
            let items = means.entry(agent.clone()).or_default();
            let greeting = items.entry("greeting".into()).or_default();
            // a0..a2: 0.5 mean (failed); the others 1.0; a3 exactly 0.6 (not failed)
            match agent.as_str() {
                "a0" | "a1" | "a2" => {
                    greeting.add(0.0);
                    greeting.add(1.0);
                }
                "a3" => greeting.add(0.6),
                _ => greeting.add(1.0),
            }
        }
        means
            .get_mut("a4")
            .unwrap()
            .entry("empathy".into())
            .or_default()
            .add(0.25);
        let mut hits: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        hits.insert("a5".into(), set(&["forbidden_words"]));
        hits.insert("a6".into(), set(&["forbidden_words"]));
        // an agent with hits but outside the evidenced set does not count
        hits.insert("zz".into(), set(&["forbidden_words"]));
        let shares = classify(&CoachingRules::default(), &evidenced, &means, &hits);
        let summary: Vec<(&str, &str, usize, bool)> = shares
            .iter()
            .map(|s| (s.problem.kind(), s.problem.id(), s.agents.len(), s.common))
            .collect();
        assert_eq!(
            summary,
            [
                ("item", "greeting", 3, true),
                ("rule", "forbidden_words", 2, false),
                ("item", "empathy", 1, false),
            ]
        );
    }

    #[test]
    fn the_bottom_share_includes_ties_and_at_least_one() {
        let values: Vec<(String, f64)> = [("a", 0.9), ("b", 0.5), ("c", 0.7), ("d", 0.5)]
            .iter()
            .map(|(a, v)| (a.to_string(), *v))
            .collect();
        assert_eq!(bottom(&values, 0.1, true), ["b", "d"]);
        assert_eq!(bottom(&values, 0.1, false), ["a"]);
        assert!(bottom(&[], 0.1, true).is_empty());
    }
}
