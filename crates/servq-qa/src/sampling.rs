//! Sampling plans: which interactions inspectors score. N per agent from a period's candidates,
//! at random (reproducible from a seed) or targeted — the longest handle times, the
//! interactions with the most automated-QA hits, new agents — or every interaction a customer
//! rated unsatisfied.

use std::collections::BTreeMap;

/// How to pick an agent's interactions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strategy {
    /// Uniformly at random, the same picks for the same seed.
    Random,
    /// The longest handle times first.
    LongestHandle,
    /// The most automated-QA hits first (interactions without hits are not picked).
    RuleHits,
    /// Only agents new to the centre (see [`is_new_agent`]), at random.
    NewAgents,
    /// Every interaction with an unsatisfied survey answer, whatever the number per agent.
    Unsatisfied,
    /// Every interaction in a complaint category (see [`is_complaint_category`]), whatever the
    /// number per agent.
    Complaints,
}

/// Words that make a category a complaint category when a plan names none.
pub const COMPLAINT_WORDS: &[&str] = &["投诉", "投訴", "complaint"];

/// Whether `category` is a complaint category: one of `named` (compared without case), or, when
/// none are named, one containing a word of [`COMPLAINT_WORDS`] (投诉, 投訴, complaint).
pub fn is_complaint_category(category: &str, named: &[String]) -> bool {
    let category = category.trim().to_lowercase();
    if named.is_empty() {
        COMPLAINT_WORDS.iter().any(|word| category.contains(word))
    } else {
        named
            .iter()
            .any(|name| name.trim().to_lowercase() == category)
    }
}

/// An agent is new while their first contact is less than this many days before the end of
/// the sampled period.
pub const NEW_AGENT_DAYS: i64 = 30;

/// Whether an agent whose first contact was at `first_contact_ms` is new at `period_end_ms`.
pub fn is_new_agent(first_contact_ms: i64, period_end_ms: i64) -> bool {
    period_end_ms - first_contact_ms < NEW_AGENT_DAYS * 86_400_000
}

impl Strategy {
    /// `random`, `longest_handle`, `rule_hits`, `new_agents`, `unsatisfied` or `complaints`.
    pub fn parse(name: &str) -> Option<Strategy> {
        match name.trim() {
            "random" => Some(Strategy::Random),
            "longest_handle" => Some(Strategy::LongestHandle),
            "rule_hits" => Some(Strategy::RuleHits),
            "new_agents" => Some(Strategy::NewAgents),
            "unsatisfied" => Some(Strategy::Unsatisfied),
            "complaints" => Some(Strategy::Complaints),
            _ => None,
        }
    }

    /// The name in the API.
    pub fn name(self) -> &'static str {
        match self {
            Strategy::Random => "random",
            Strategy::LongestHandle => "longest_handle",
            Strategy::RuleHits => "rule_hits",
            Strategy::NewAgents => "new_agents",
            Strategy::Unsatisfied => "unsatisfied",
            Strategy::Complaints => "complaints",
        }
    }

    /// Whether the plan takes every matching interaction rather than N per agent.
    pub fn takes_every_match(self) -> bool {
        matches!(self, Strategy::Unsatisfied | Strategy::Complaints)
    }
}

/// An interaction that may be sampled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// The contact.
    pub contact_id: String,
    /// Its agent.
    pub agent_id: String,
    /// Talk + hold + wrap, ms.
    pub handle_ms: i64,
    /// Automated-QA hits in its transcript.
    pub rule_hits: i64,
    /// Whether its agent is new ([`is_new_agent`]).
    pub new_agent: bool,
    /// Whether a customer rated it unsatisfied.
    pub unsatisfied: bool,
    /// Whether it is in a complaint category.
    pub complaint: bool,
}

/// A 64-bit mix of the seed and the id (SplitMix64 over FNV-1a): a stable pseudo-random rank.
fn rank(seed: u64, id: &str) -> u64 {
    let mut hash = 0xcbf2_9ce4_8422_2325u64 ^ seed;
    for byte in id.bytes() {
        hash = (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
    }
    let mut z = hash.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Up to `per_agent` candidates of each agent, by `strategy` (every match for
/// [`Strategy::takes_every_match`]); agents in id order, each agent's picks in pick order. Ties fall
/// back to the contact id, so a plan is reproducible.
pub fn sample(
    candidates: &[Candidate],
    per_agent: usize,
    strategy: Strategy,
    seed: u64,
) -> Vec<&Candidate> {
    let mut by_agent: BTreeMap<&str, Vec<&Candidate>> = BTreeMap::new();
    for candidate in candidates {
        if (strategy == Strategy::RuleHits && candidate.rule_hits == 0)
            || (strategy == Strategy::NewAgents && !candidate.new_agent)
            || (strategy == Strategy::Unsatisfied && !candidate.unsatisfied)
            || (strategy == Strategy::Complaints && !candidate.complaint)
        {
            continue;
        }
        by_agent
            .entry(candidate.agent_id.as_str())
            .or_default()
            .push(candidate);
    }
    let mut picked = Vec::new();
    for (_, mut mine) in by_agent {
        match strategy {
            Strategy::Random | Strategy::NewAgents => {
                mine.sort_by_key(|c| (rank(seed, &c.contact_id), &c.contact_id))
            }
            Strategy::LongestHandle => mine.sort_by(|a, b| {
                b.handle_ms
                    .cmp(&a.handle_ms)
                    .then(a.contact_id.cmp(&b.contact_id))
            }),
            Strategy::RuleHits => mine.sort_by(|a, b| {
                b.rule_hits
                    .cmp(&a.rule_hits)
                    .then(a.contact_id.cmp(&b.contact_id))
            }),
            Strategy::Unsatisfied | Strategy::Complaints => {
                mine.sort_by(|a, b| a.contact_id.cmp(&b.contact_id))
            }
        }
        let take = if strategy.takes_every_match() {
            usize::MAX
        } else {
            per_agent
        };
        picked.extend(mine.into_iter().take(take));
    }
    picked
}

#[cfg(test)]
mod tests {
    use super::*;

    fn candidates() -> Vec<Candidate> {
        (0..40)
            .map(|i| Candidate {
                contact_id: format!("c{i:02}"),
                agent_id: format!("a{}", i % 4),
                handle_ms: (i * 37 % 11) * 1000,
                rule_hits: i % 5,
                new_agent: i % 4 == 3,
                unsatisfied: i % 7 == 0,
                complaint: i % 13 == 0,
            })
            .collect()
    }

    #[test]
    fn every_unsatisfied_one_whatever_the_number_per_agent() {
        let all = candidates();
        let picked: Vec<&str> = sample(&all, 1, Strategy::Unsatisfied, 7)
            .iter()
            .map(|c| c.contact_id.as_str())
            .collect();
        // i % 7 == 0: c00, c07, c14, c21, c28, c35 — agents a0, a3, a2, a1, a0, a3
        assert_eq!(picked, ["c00", "c28", "c21", "c14", "c07", "c35"]);
        let complaints: Vec<&str> = sample(&all, 1, Strategy::Complaints, 7)
            .iter()
            .map(|c| c.contact_id.as_str())
            .collect();
        // i % 13 == 0: c00 (a0), c26 (a2), c13 (a1), c39 (a3)
        assert_eq!(complaints, ["c00", "c13", "c26", "c39"]);
    }

    #[test]
    fn complaint_categories_by_name_or_by_word() {
        assert!(is_complaint_category("投诉", &[]));
        assert!(is_complaint_category("服務投訴", &[]));
        assert!(is_complaint_category("Billing complaint", &[]));
        assert!(!is_complaint_category("账单查询", &[]));
        let named = vec!["客诉".to_owned(), "Escalation".to_owned()];
        assert!(is_complaint_category("escalation", &named));
        assert!(!is_complaint_category("投诉", &named));
    }

    #[test]
    fn n_per_agent_by_each_strategy() {
        let all = candidates();
        let random = sample(&all, 3, Strategy::Random, 7);
        assert_eq!(random.len(), 12);
        for agent in ["a0", "a1", "a2", "a3"] {
            assert_eq!(random.iter().filter(|c| c.agent_id == agent).count(), 3);
        }
        // the same seed gives the same picks, another seed others
        assert_eq!(random, sample(&all, 3, Strategy::Random, 7));
        assert_ne!(random, sample(&all, 3, Strategy::Random, 8));
        // longest handle: a0 has c00, c04, …, c36 with handle (i·37 mod 11) s: c08 10 s, c16 9 s
        let longest = sample(&all, 2, Strategy::LongestHandle, 0);
        let a0: Vec<(&str, i64)> = longest
            .iter()
            .filter(|c| c.agent_id == "a0")
            .map(|c| (c.contact_id.as_str(), c.handle_ms))
            .collect();
        assert_eq!(a0, [("c08", 10_000), ("c16", 9_000)]);
        // rule hits: never an interaction without hits
        let flagged = sample(&all, 10, Strategy::RuleHits, 0);
        assert!(flagged.iter().all(|c| c.rule_hits > 0));
        assert_eq!(flagged.len(), 32);
        assert_eq!(
            Strategy::parse("longest_handle"),
            Some(Strategy::LongestHandle)
        );
    }

    #[test]
    fn random_picks_are_spread_evenly() {
        let all: Vec<Candidate> = (0..2_000)
            .map(|i| Candidate {
                contact_id: format!("k{i}"),
                agent_id: "a".into(),
                handle_ms: 0,
                rule_hits: 0,
                new_agent: false,
                unsatisfied: false,
                complaint: false,
            })
            .collect();
        // over 100 seeds of 100 picks each, every candidate is picked 100 × 100/2 000 = 5 times
        // on average
        let mut counts = vec![0u32; 2_000];
        for seed in 0..100 {
            for c in sample(&all, 100, Strategy::Random, seed) {
                counts[c.contact_id[1..].parse::<usize>().unwrap()] += 1;
            }
        }
        let mean = counts.iter().sum::<u32>() as f64 / counts.len() as f64;
        assert!((mean - 5.0).abs() < 1e-9);
        let max = *counts.iter().max().unwrap();
        let never = counts.iter().filter(|&&n| n == 0).count();
        // Poisson(5): about 0.7 % never picked, nobody near 20
        assert!(max <= 16, "no candidate is favoured: max {max}");
        assert!(never < 40, "{never} never picked");
    }
}
