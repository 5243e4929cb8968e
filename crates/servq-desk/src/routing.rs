//! Routing and assignment (`docs/desk.md#routing`): the first routing rule matching a ticket's
//! category, channel and customer segment names its team (skill group); within the team the
//! ticket goes to the next agent after the last one assigned (round-robin) or to the agent with
//! the fewest open tickets (least-loaded, ties by id).

use serde::{Deserialize, Serialize};
use servq_core::{SettingProblem, SettingReason};

/// One routing rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoutingRule {
    /// Categories it applies to; empty = all.
    #[serde(default)]
    pub categories: Vec<String>,
    /// Channels; empty = all.
    #[serde(default)]
    pub channels: Vec<String>,
    /// Customer segments; empty = all.
    #[serde(default)]
    pub segments: Vec<String>,
    /// The team (skill group) it routes to.
    pub team: String,
}

/// How a team shares its tickets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Assignment {
    /// In turn, after the last agent assigned.
    #[default]
    RoundRobin,
    /// To the agent with the fewest open tickets.
    LeastLoaded,
    /// Nobody: the team picks from its queue.
    None,
}

/// Routing rules and the assignment strategy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Routing {
    /// Rules, first match wins.
    #[serde(default)]
    pub rules: Vec<RoutingRule>,
    /// How teams share tickets.
    #[serde(default)]
    pub assignment: Assignment,
}

fn listed(list: &[String], value: &str) -> bool {
    list.is_empty() || list.iter().any(|item| item.eq_ignore_ascii_case(value))
}

impl Routing {
    /// Every reason the routing cannot be used: each rule needs a team.
    pub fn problems(&self) -> Vec<SettingProblem> {
        self.rules
            .iter()
            .enumerate()
            .filter(|(_, rule)| rule.team.trim().is_empty())
            .map(|(index, _)| {
                SettingProblem::new(format!("rules.{index}.team"), SettingReason::Required)
            })
            .collect()
    }

    /// The team of a ticket: the first matching rule's, else `None`.
    pub fn team_for(&self, category: &str, channel: &str, segment: &str) -> Option<&str> {
        self.rules
            .iter()
            .find(|rule| {
                listed(&rule.categories, category)
                    && listed(&rule.channels, channel)
                    && listed(&rule.segments, segment)
            })
            .map(|rule| rule.team.as_str())
    }

    /// The agent a new ticket of the team goes to. `agents` are the team's agents with their
    /// open tickets; `last` is the agent who got the team's previous ticket.
    pub fn pick_agent<'a>(
        &self,
        agents: &'a [(String, i64)],
        last: Option<&str>,
    ) -> Option<&'a str> {
        let mut sorted: Vec<&(String, i64)> = agents.iter().collect();
        sorted.sort_by(|a, b| a.0.cmp(&b.0));
        match self.assignment {
            Assignment::None => None,
            Assignment::LeastLoaded => sorted
                .iter()
                .min_by(|a, b| a.1.cmp(&b.1).then_with(|| a.0.cmp(&b.0)))
                .map(|(agent, _)| agent.as_str()),
            Assignment::RoundRobin => {
                let next = last
                    .and_then(|last| sorted.iter().position(|(agent, _)| agent.as_str() > last))
                    .unwrap_or(0);
                sorted.get(next).map(|(agent, _)| agent.as_str())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn routing(assignment: Assignment) -> Routing {
        Routing {
            rules: vec![
                RoutingRule {
                    categories: Vec::new(),
                    channels: Vec::new(),
                    segments: vec!["VIP".into()],
                    team: "vip".into(),
                },
                RoutingRule {
                    categories: vec!["credit_limit".into(), "installments".into()],
                    channels: Vec::new(),
                    segments: Vec::new(),
                    team: "credit".into(),
                },
                RoutingRule {
                    categories: Vec::new(),
                    channels: Vec::new(),
                    segments: Vec::new(),
                    team: "general".into(),
                },
            ],
            assignment,
        }
    }

    #[test]
    fn rules_route_by_segment_then_category() {
        let routing = routing(Assignment::RoundRobin);
        assert_eq!(
            routing.team_for("credit_limit", "phone", "VIP"),
            Some("vip")
        );
        assert_eq!(
            routing.team_for("credit_limit", "phone", ""),
            Some("credit")
        );
        assert_eq!(routing.team_for("bill_query", "web", ""), Some("general"));
        assert_eq!(Routing::default().team_for("x", "y", "z"), None);
    }

    #[test]
    fn round_robin_and_least_loaded() {
        let agents = vec![
            ("a3".to_owned(), 1),
            ("a1".to_owned(), 4),
            ("a2".to_owned(), 1),
        ];
        let round = routing(Assignment::RoundRobin);
        assert_eq!(round.pick_agent(&agents, None), Some("a1"));
        assert_eq!(round.pick_agent(&agents, Some("a1")), Some("a2"));
        assert_eq!(
            round.pick_agent(&agents, Some("a3")),
            Some("a1"),
            "wraps around"
        );
        assert_eq!(round.pick_agent(&agents, Some("gone")), Some("a1"));
        let least = routing(Assignment::LeastLoaded);
        assert_eq!(least.pick_agent(&agents, None), Some("a2"), "ties by id");
        assert_eq!(routing(Assignment::None).pick_agent(&agents, None), None);
        assert_eq!(round.pick_agent(&[], None), None);
    }
}
