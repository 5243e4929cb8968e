//! Automated transcript QA: rule sets (TOML) compiled into a [`Scanner`] that finds forbidden
//! phrases, missing required phrases (a greeting within the first seconds, a closing within the
//! last), interruptions, long silences and over-talk. Phrases are matched on folded text
//! ([`Folder`]) with one Aho–Corasick automaton for all of them, so thousands of phrases cost one
//! pass over each turn.

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use serde::{Deserialize, Serialize};
use servq_core::{SettingProblem, SettingReason};

use crate::fold::{Folder, original_span};

/// Who speaks a turn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Speaker {
    /// The agent.
    Agent,
    /// The customer.
    Customer,
}

/// One turn of a transcript.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Turn {
    /// Who speaks.
    pub speaker: Speaker,
    /// Start, seconds from the start of the interaction.
    #[serde(alias = "start_seconds")]
    pub start: f64,
    /// End, seconds.
    #[serde(alias = "end_seconds")]
    pub end: f64,
    /// What was said.
    pub text: String,
}

/// A turn whose text is borrowed (what [`Scanner::scan_turns`] reads; a reader of large files
/// can parse into it without copying the text).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TurnRef<'a> {
    /// Who speaks.
    pub speaker: Speaker,
    /// Start, seconds.
    pub start: f64,
    /// End, seconds.
    pub end: f64,
    /// What was said.
    pub text: &'a str,
}

impl Turn {
    /// The turn with its text borrowed.
    pub fn as_ref(&self) -> TurnRef<'_> {
        TurnRef {
            speaker: self.speaker,
            start: self.start,
            end: self.end,
            text: &self.text,
        }
    }
}

/// A transcript: the turns of one contact, in time order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Transcript {
    /// The contact it belongs to.
    pub contact_id: String,
    /// Turns.
    pub turns: Vec<Turn>,
}

fn default_agent() -> Option<Speaker> {
    Some(Speaker::Agent)
}

/// Phrases that must not be said.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ForbiddenRule {
    /// Rule name, reported with each hit.
    pub name: String,
    /// Whose turns are checked (default the agent's).
    #[serde(default = "default_agent")]
    pub speaker: Option<Speaker>,
    /// The phrases.
    pub phrases: Vec<String>,
}

/// Phrases of which one must be said, early or late in the interaction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequiredRule {
    /// Rule name.
    pub name: String,
    /// Whose turns count (default the agent's).
    #[serde(default = "default_agent")]
    pub speaker: Option<Speaker>,
    /// Any of these.
    pub phrases: Vec<String>,
    /// In a turn starting within this many seconds of the first turn (a greeting).
    pub within_first_seconds: Option<f64>,
    /// In a turn ending within this many seconds of the last turn's end (a closing).
    pub within_last_seconds: Option<f64>,
}

/// The agent starting while the customer still speaks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InterruptionRule {
    /// Rule name.
    pub name: String,
    /// The shortest overlap that counts, seconds.
    pub min_overlap_seconds: f64,
}

/// A gap with nobody speaking.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SilenceRule {
    /// Rule name.
    pub name: String,
    /// The shortest gap that counts, seconds.
    pub min_seconds: f64,
}

/// The agent taking too much of the speaking time, in a conversation long enough for that to
/// mean something: in a 15-second call the agent answering a question is most of the talk.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OverTalkRule {
    /// Rule name.
    pub name: String,
    /// The largest acceptable agent share of all speaking time (0–1).
    pub max_agent_share: f64,
    /// Conversations shorter than this (first turn's start to last turn's end), seconds, are
    /// not judged. Rule sets written before it existed get the default.
    #[serde(default = "default_min_call_seconds")]
    pub min_call_seconds: f64,
}

/// The over-talk rule's shortest judged conversation: 45 seconds (measured on the labelled
/// set in `tests/data/over_talk_labelled.jsonl`, docs/qa.md#over-talk).
pub const DEFAULT_MIN_CALL_SECONDS: f64 = 45.0;

fn default_min_call_seconds() -> f64 {
    DEFAULT_MIN_CALL_SECONDS
}

/// A rule set as written in TOML (see `default_rules.toml`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSet {
    /// Forbidden-phrase rules.
    #[serde(default)]
    pub forbidden: Vec<ForbiddenRule>,
    /// Required-phrase rules.
    #[serde(default)]
    pub required: Vec<RequiredRule>,
    /// Interruption rule.
    pub interruption: Option<InterruptionRule>,
    /// Silence rule.
    pub silence: Option<SilenceRule>,
    /// Over-talk rule.
    pub over_talk: Option<OverTalkRule>,
}

/// The rules servq ships (`default_rules.toml`, from the service rulebook).
pub const DEFAULT_RULES: &str = include_str!("../default_rules.toml");

/// Why a rule set cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum RuleError {
    /// Not valid TOML or not the rule schema.
    #[error("{0}")]
    Syntax(#[from] toml::de::Error),
    /// A rule that cannot work.
    #[error("rule '{rule}': {reason}")]
    Invalid {
        /// Rule name.
        rule: String,
        /// What is wrong.
        reason: String,
    },
    /// The automaton could not be built.
    #[error("phrase automaton: {0}")]
    Automaton(#[from] aho_corasick::BuildError),
}

impl RuleSet {
    /// Parses a TOML rule set.
    pub fn parse(text: &str) -> Result<RuleSet, RuleError> {
        Ok(toml::from_str(text)?)
    }

    /// Every reason the rule set cannot be used, each at its path (`forbidden.0.phrases`,
    /// `required.1.within_first_seconds`, `over_talk.max_agent_share`): every rule a name,
    /// forbidden rules no empty phrase, required rules a phrase and exactly one of
    /// `within_first_seconds` and `within_last_seconds` (not negative), thresholds in range.
    pub fn problems(&self) -> Vec<SettingProblem> {
        let mut problems = Vec::new();
        let named = |field: String, name: &str, problems: &mut Vec<SettingProblem>| {
            if name.trim().is_empty() {
                problems.push(SettingProblem::new(
                    format!("{field}.name"),
                    SettingReason::Required,
                ));
            }
        };
        for (index, rule) in self.forbidden.iter().enumerate() {
            named(format!("forbidden.{index}"), &rule.name, &mut problems);
            if rule.phrases.is_empty() || rule.phrases.iter().any(|p| p.trim().is_empty()) {
                problems.push(SettingProblem::new(
                    format!("forbidden.{index}.phrases"),
                    SettingReason::Empty,
                ));
            }
        }
        for (index, rule) in self.required.iter().enumerate() {
            let at = format!("required.{index}");
            named(at.clone(), &rule.name, &mut problems);
            if rule.phrases.iter().all(|p| p.trim().is_empty()) {
                problems.push(SettingProblem::new(
                    format!("{at}.phrases"),
                    SettingReason::Empty,
                ));
            }
            match (rule.within_first_seconds, rule.within_last_seconds) {
                (Some(_), Some(_)) | (None, None) => problems.push(SettingProblem::new(
                    format!("{at}.within_first_seconds"),
                    SettingReason::Other(
                        "give exactly one of within_first_seconds and within_last_seconds"
                            .to_owned(),
                    ),
                )),
                (Some(seconds), None) | (None, Some(seconds))
                    if !(seconds.is_finite() && seconds >= 0.0) =>
                {
                    let field = if rule.within_first_seconds.is_some() {
                        "within_first_seconds"
                    } else {
                        "within_last_seconds"
                    };
                    problems.push(SettingProblem::new(
                        format!("{at}.{field}"),
                        SettingReason::Range {
                            min: "0".into(),
                            max: "86400".into(),
                        },
                    ));
                }
                _ => {}
            }
        }
        let seconds = |field: &str, value: f64, problems: &mut Vec<SettingProblem>| {
            if !(value.is_finite() && value >= 0.0) {
                problems.push(SettingProblem::new(
                    field,
                    SettingReason::Range {
                        min: "0".into(),
                        max: "86400".into(),
                    },
                ));
            }
        };
        if let Some(rule) = &self.interruption {
            named("interruption".to_owned(), &rule.name, &mut problems);
            seconds(
                "interruption.min_overlap_seconds",
                rule.min_overlap_seconds,
                &mut problems,
            );
        }
        if let Some(rule) = &self.silence {
            named("silence".to_owned(), &rule.name, &mut problems);
            seconds("silence.min_seconds", rule.min_seconds, &mut problems);
        }
        if let Some(rule) = &self.over_talk {
            named("over_talk".to_owned(), &rule.name, &mut problems);
            seconds(
                "over_talk.min_call_seconds",
                rule.min_call_seconds,
                &mut problems,
            );
            if !(0.0..=1.0).contains(&rule.max_agent_share) {
                problems.push(SettingProblem::new(
                    "over_talk.max_agent_share",
                    SettingReason::Range {
                        min: "0".into(),
                        max: "1".into(),
                    },
                ));
            }
        }
        problems
    }

    /// The TOML text of the rule set (how it is stored and shown in the advanced view).
    pub fn to_toml(&self) -> Result<String, toml::ser::Error> {
        toml::to_string(self)
    }

    /// The default rules.
    pub fn default_rules() -> RuleSet {
        RuleSet::parse(DEFAULT_RULES).expect("the shipped rules parse")
    }
}

/// The name of the rule a problem path (`required.1.phrases`) points into.
fn rule_at<'a>(rules: &'a RuleSet, field: &str) -> Option<&'a str> {
    let mut parts = field.split('.');
    let kind = parts.next()?;
    let index = || -> Option<usize> { field.split('.').nth(1)?.parse().ok() };
    Some(match kind {
        "forbidden" => &rules.forbidden.get(index()?)?.name,
        "required" => &rules.required.get(index()?)?.name,
        "interruption" => &rules.interruption.as_ref()?.name,
        "silence" => &rules.silence.as_ref()?.name,
        "over_talk" => &rules.over_talk.as_ref()?.name,
        _ => return None,
    })
}

/// What a hit is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HitKind {
    /// A forbidden phrase was said.
    ForbiddenPhrase,
    /// None of a required rule's phrases was said where it should be.
    RequiredPhraseMissing,
    /// The agent started while the customer spoke.
    Interruption,
    /// Nobody spoke for a long time.
    Silence,
    /// The agent took too much of the speaking time.
    OverTalk,
}

impl HitKind {
    /// The name in JSON and in the store.
    pub fn name(self) -> &'static str {
        match self {
            HitKind::ForbiddenPhrase => "forbidden_phrase",
            HitKind::RequiredPhraseMissing => "required_phrase_missing",
            HitKind::Interruption => "interruption",
            HitKind::Silence => "silence",
            HitKind::OverTalk => "over_talk",
        }
    }
}

/// One rule hit, linked to the transcript line.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hit {
    /// The rule's name.
    pub rule: String,
    /// What kind of hit.
    pub kind: HitKind,
    /// Index of the turn (0-based); `None` when the transcript has no turn to point at.
    pub turn: Option<usize>,
    /// Where in the interaction, seconds.
    pub at_seconds: f64,
    /// The words as said (a forbidden phrase), or the turn's text, or the phrases expected.
    pub text: String,
}

/// Which rule a phrase pattern belongs to.
#[derive(Debug, Clone, Copy)]
enum PatternOwner {
    Forbidden(usize),
    Required(usize),
}

/// A compiled rule set.
#[derive(Debug, Clone)]
pub struct Scanner {
    rules: RuleSet,
    folder: Folder,
    automaton: Option<AhoCorasick>,
    owners: Vec<PatternOwner>,
    /// Whether any phrase rule reads the agent's (index 0) or the customer's (1) turns.
    phrase_speakers: [bool; 2],
}

impl Scanner {
    /// Compiles `rules` (checks them, folds every phrase, builds one automaton).
    pub fn new(rules: RuleSet) -> Result<Scanner, RuleError> {
        if let Some(problem) = rules.problems().into_iter().next() {
            // named by the rule, as a person wrote it in the TOML
            let rule = rule_at(&rules, &problem.field).unwrap_or(&problem.field);
            return Err(RuleError::Invalid {
                rule: rule.to_owned(),
                reason: problem.reason.to_string(),
            });
        }
        let folder = Folder::new();
        let mut patterns = Vec::new();
        let mut owners = Vec::new();
        for (index, rule) in rules.forbidden.iter().enumerate() {
            for phrase in &rule.phrases {
                patterns.push(folder.fold(phrase.trim()));
                owners.push(PatternOwner::Forbidden(index));
            }
        }
        for (index, rule) in rules.required.iter().enumerate() {
            for phrase in rule.phrases.iter().filter(|p| !p.trim().is_empty()) {
                patterns.push(folder.fold(phrase.trim()));
                owners.push(PatternOwner::Required(index));
            }
        }
        let automaton = if patterns.is_empty() {
            None
        } else {
            Some(
                AhoCorasick::builder()
                    .match_kind(MatchKind::LeftmostLongest)
                    .kind(Some(AhoCorasickKind::DFA))
                    .build(&patterns)
                    .or_else(|_| {
                        // very large phrase lists: a DFA may exceed its size limit
                        AhoCorasick::builder()
                            .match_kind(MatchKind::LeftmostLongest)
                            .build(&patterns)
                    })?,
            )
        };
        let reads = |speaker: Speaker| {
            let applies = |rule_speaker: Option<Speaker>| rule_speaker.is_none_or(|s| s == speaker);
            rules.forbidden.iter().any(|r| applies(r.speaker))
                || rules.required.iter().any(|r| applies(r.speaker))
        };
        let phrase_speakers = [reads(Speaker::Agent), reads(Speaker::Customer)];
        Ok(Scanner {
            rules,
            folder,
            automaton,
            owners,
            phrase_speakers,
        })
    }

    /// Every hit in `transcript`, in turn order (rules of one turn in rule order).
    pub fn scan(&self, transcript: &Transcript) -> Vec<Hit> {
        let turns: Vec<TurnRef<'_>> = transcript.turns.iter().map(Turn::as_ref).collect();
        self.scan_turns(&turns)
    }

    /// Every hit in `turns` (one interaction, in time order), in turn order.
    pub fn scan_turns(&self, turns: &[TurnRef<'_>]) -> Vec<Hit> {
        let mut hits = Vec::new();
        let first_start = turns.iter().map(|t| t.start).fold(f64::INFINITY, f64::min);
        let last_end = turns
            .iter()
            .map(|t| t.end)
            .fold(f64::NEG_INFINITY, f64::max);
        let mut required_found = vec![false; self.rules.required.len()];
        let mut folded = String::new();
        for (index, turn) in turns.iter().enumerate() {
            let Some(automaton) = &self.automaton else {
                break;
            };
            // fold only turns some phrase rule reads
            if !self.phrase_speakers[usize::from(turn.speaker == Speaker::Customer)] {
                continue;
            }
            self.folder.fold_into(turn.text, &mut folded);
            for found in automaton.find_iter(&folded) {
                match self.owners[found.pattern().as_usize()] {
                    PatternOwner::Forbidden(rule_index) => {
                        let rule = &self.rules.forbidden[rule_index];
                        if rule.speaker.is_none_or(|s| s == turn.speaker) {
                            hits.push(Hit {
                                rule: rule.name.clone(),
                                kind: HitKind::ForbiddenPhrase,
                                turn: Some(index),
                                at_seconds: turn.start,
                                text: original_span(turn.text, &folded, found.start(), found.end())
                                    .to_owned(),
                            });
                        }
                    }
                    PatternOwner::Required(rule_index) => {
                        let rule = &self.rules.required[rule_index];
                        let in_window = match (rule.within_first_seconds, rule.within_last_seconds)
                        {
                            (Some(first), _) => turn.start - first_start <= first,
                            (_, Some(last)) => last_end - turn.end <= last,
                            _ => false,
                        };
                        if in_window && rule.speaker.is_none_or(|s| s == turn.speaker) {
                            required_found[rule_index] = true;
                        }
                    }
                }
            }
        }
        for (rule, found) in self.rules.required.iter().zip(required_found) {
            if found {
                continue;
            }
            // point at the turn where the phrase belonged: the speaker's first or last turn
            let speaks = |t: &&TurnRef<'_>| rule.speaker.is_none_or(|s| s == t.speaker);
            let place = if rule.within_first_seconds.is_some() {
                turns.iter().enumerate().find(|(_, t)| speaks(t))
            } else {
                turns.iter().enumerate().rev().find(|(_, t)| speaks(t))
            };
            hits.push(Hit {
                rule: rule.name.clone(),
                kind: HitKind::RequiredPhraseMissing,
                turn: place.map(|(i, _)| i),
                at_seconds: place.map_or(0.0, |(_, t)| t.start),
                text: rule.phrases.join(" / "),
            });
        }
        if let Some(rule) = &self.rules.interruption {
            for (index, turn) in turns.iter().enumerate() {
                if turn.speaker != Speaker::Agent {
                    continue;
                }
                let overlapped = turns.iter().any(|other| {
                    other.speaker == Speaker::Customer
                        && other.start < turn.start
                        && other.end - turn.start >= rule.min_overlap_seconds
                });
                if overlapped {
                    hits.push(Hit {
                        rule: rule.name.clone(),
                        kind: HitKind::Interruption,
                        turn: Some(index),
                        at_seconds: turn.start,
                        text: turn.text.to_owned(),
                    });
                }
            }
        }
        if let Some(rule) = &self.rules.silence {
            let mut spoken_until = f64::NEG_INFINITY;
            for (index, turn) in turns.iter().enumerate() {
                if index > 0 && turn.start - spoken_until >= rule.min_seconds {
                    hits.push(Hit {
                        rule: rule.name.clone(),
                        kind: HitKind::Silence,
                        turn: Some(index),
                        at_seconds: spoken_until,
                        text: turn.text.to_owned(),
                    });
                }
                spoken_until = spoken_until.max(turn.end);
            }
        }
        if let Some(rule) = &self.rules.over_talk {
            let talk = |speaker: Speaker| -> f64 {
                turns
                    .iter()
                    .filter(|t| t.speaker == speaker)
                    .map(|t| (t.end - t.start).max(0.0))
                    .sum()
            };
            let (agent, customer) = (talk(Speaker::Agent), talk(Speaker::Customer));
            let length = turns
                .iter()
                .map(|t| t.end)
                .fold(f64::NEG_INFINITY, f64::max)
                - first_start;
            if length >= rule.min_call_seconds
                && agent + customer > 0.0
                && agent / (agent + customer) > rule.max_agent_share
            {
                hits.push(Hit {
                    rule: rule.name.clone(),
                    kind: HitKind::OverTalk,
                    turn: None,
                    at_seconds: first_start,
                    text: format!("{:.0}%", agent / (agent + customer) * 100.0),
                });
            }
        }
        hits.sort_by(|a, b| {
            a.turn
                .unwrap_or(usize::MAX)
                .cmp(&b.turn.unwrap_or(usize::MAX))
        });
        hits
    }
}
