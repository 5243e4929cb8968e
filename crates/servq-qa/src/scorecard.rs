//! Scorecards (质检评分表) and how an evaluation is scored.
//!
//! Score = Σ(item score × weight) / Σ weight over the applicable items, × 100, where an item's
//! score is its level on its scale as a fraction (binary 0 or 1; an N-point scale 1…N as
//! (level − 1)/(N − 1)). Items answered N/A leave the denominator. A critical item scored below
//! 50 % zeroes the whole evaluation. Definitions in `docs/qa.md`.

use serde::{Deserialize, Serialize};
use servq_core::{SettingProblem, SettingReason};

/// How an item is rated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scale {
    /// Met (1) or not (0).
    Binary,
    /// Levels 1 to 3.
    ThreePoint,
    /// Levels 1 to 4.
    FourPoint,
    /// Levels 1 to 5.
    FivePoint,
}

impl Scale {
    /// The lowest and highest level.
    pub fn levels(self) -> (u8, u8) {
        match self {
            Scale::Binary => (0, 1),
            Scale::ThreePoint => (1, 3),
            Scale::FourPoint => (1, 4),
            Scale::FivePoint => (1, 5),
        }
    }

    /// A level as a fraction of the scale, or `None` when the level is off the scale.
    pub fn fraction(self, level: u8) -> Option<f64> {
        let (low, high) = self.levels();
        (low..=high)
            .contains(&level)
            .then(|| f64::from(level - low) / f64::from(high - low))
    }
}

/// One rated item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Item {
    /// Stable id within the scorecard (answers refer to it).
    pub id: String,
    /// What the inspector checks.
    pub name: String,
    /// Relative weight (> 0).
    pub weight: f64,
    /// How it is rated.
    pub scale: Scale,
    /// Below 50 % on a critical item zeroes the evaluation.
    #[serde(default)]
    pub critical: bool,
    /// Automated-QA rules whose hits count against this item: when one of them hit the
    /// interaction, the item's lowest level is suggested to the inspector.
    #[serde(default)]
    pub rules: Vec<String>,
}

/// A group of items.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Section {
    /// Section title.
    pub name: String,
    /// Its items.
    pub items: Vec<Item>,
}

/// A versioned scorecard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scorecard {
    /// Name.
    pub name: String,
    /// Version; evaluations keep the version they were scored on.
    pub version: u32,
    /// Sections in order.
    pub sections: Vec<Section>,
}

/// The inspector's answer to one item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// Not applicable to this interaction: left out of the denominator.
    NotApplicable,
    /// A level on the item's scale.
    Level(u8),
}

/// Why an evaluation cannot be scored.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ScoreError {
    /// An item has no answer.
    #[error("item '{0}' has no answer")]
    Unanswered(String),
    /// An answer names no item of the scorecard.
    #[error("'{0}' is not an item of the scorecard")]
    UnknownItem(String),
    /// A level off the item's scale.
    #[error("item '{item}': level {level} is not on its scale ({low}–{high})")]
    OffScale {
        /// Item id.
        item: String,
        /// The level given.
        level: u8,
        /// Lowest level.
        low: u8,
        /// Highest level.
        high: u8,
    },
    /// A definition that cannot be scored: its first problem.
    #[error("{0}")]
    Invalid(SettingProblem),
}

/// A scored evaluation.
#[derive(Debug, Clone, PartialEq)]
pub struct Score {
    /// 0–100; `None` when every item was N/A.
    pub total: Option<f64>,
    /// Ids of critical items below 50 % (the total is then 0).
    pub failed_critical: Vec<String>,
    /// Per section: Σ(score × weight)/Σ weight × 100 over its applicable items.
    pub sections: Vec<(String, Option<f64>)>,
}

impl Scorecard {
    /// Every reason the definition cannot be used, each at its path (`sections.1.items.0.weight`):
    /// a name, at least one item, sections with names, items with an id (unique) and a name and
    /// a positive weight.
    pub fn problems(&self) -> Vec<SettingProblem> {
        let mut problems = Vec::new();
        if self.name.trim().is_empty() {
            problems.push(SettingProblem::new("name", SettingReason::Required));
        }
        if self.items().next().is_none() {
            problems.push(SettingProblem::new("sections", SettingReason::Empty));
        }
        let mut seen = std::collections::HashSet::new();
        for (s, section) in self.sections.iter().enumerate() {
            if section.name.trim().is_empty() {
                problems.push(SettingProblem::new(
                    format!("sections.{s}.name"),
                    SettingReason::Required,
                ));
            }
            for (i, item) in section.items.iter().enumerate() {
                let at = format!("sections.{s}.items.{i}");
                if item.id.trim().is_empty() {
                    problems.push(SettingProblem::new(
                        format!("{at}.id"),
                        SettingReason::Required,
                    ));
                } else if !seen.insert(item.id.as_str()) {
                    problems.push(SettingProblem::new(
                        format!("{at}.id"),
                        SettingReason::Duplicate(item.id.clone()),
                    ));
                }
                if item.name.trim().is_empty() {
                    problems.push(SettingProblem::new(
                        format!("{at}.name"),
                        SettingReason::Required,
                    ));
                }
                if !(item.weight.is_finite() && item.weight > 0.0) {
                    problems.push(SettingProblem::new(
                        format!("{at}.weight"),
                        SettingReason::Positive,
                    ));
                }
            }
        }
        problems
    }

    /// Checks the definition: its first problem ([`Scorecard::problems`]) refuses it.
    pub fn validate(&self) -> Result<(), ScoreError> {
        match self.problems().into_iter().next() {
            Some(problem) => Err(ScoreError::Invalid(problem)),
            None => Ok(()),
        }
    }

    /// Every item, section by section.
    pub fn items(&self) -> impl Iterator<Item = &Item> {
        self.sections
            .iter()
            .flat_map(|section| section.items.iter())
    }

    /// Scores `answers` (item id → answer); every item needs one.
    pub fn score(&self, answers: &[(&str, Answer)]) -> Result<Score, ScoreError> {
        self.validate()?;
        if let Some((id, _)) = answers
            .iter()
            .find(|(id, _)| !self.items().any(|item| item.id == *id))
        {
            return Err(ScoreError::UnknownItem((*id).to_owned()));
        }
        let mut failed_critical = Vec::new();
        let mut sections = Vec::new();
        let (mut sum, mut weights) = (0.0, 0.0);
        for section in &self.sections {
            let (mut section_sum, mut section_weights) = (0.0, 0.0);
            for item in &section.items {
                let answer = answers
                    .iter()
                    .find(|(id, _)| *id == item.id)
                    .map(|(_, answer)| *answer)
                    .ok_or_else(|| ScoreError::Unanswered(item.id.clone()))?;
                let Answer::Level(level) = answer else {
                    continue;
                };
                let fraction = item.scale.fraction(level).ok_or_else(|| {
                    let (low, high) = item.scale.levels();
                    ScoreError::OffScale {
                        item: item.id.clone(),
                        level,
                        low,
                        high,
                    }
                })?;
                if item.critical && fraction < 0.5 {
                    failed_critical.push(item.id.clone());
                }
                section_sum += fraction * item.weight;
                section_weights += item.weight;
            }
            sections.push((
                section.name.clone(),
                (section_weights > 0.0).then(|| section_sum / section_weights * 100.0),
            ));
            sum += section_sum;
            weights += section_weights;
        }
        let total = (weights > 0.0).then(|| {
            if failed_critical.is_empty() {
                sum / weights * 100.0
            } else {
                0.0
            }
        });
        Ok(Score {
            total,
            failed_critical,
            sections,
        })
    }

    /// The default scorecard: etiquette (standard greeting, polite phrases, tone) and business
    /// handling (answer per the rules — critical —, key reminders such as effective date and fees).
    pub fn default_scorecard() -> Scorecard {
        let item = |id: &str, name: &str, weight: f64, scale: Scale, critical: bool| Item {
            id: id.to_owned(),
            name: name.to_owned(),
            weight,
            scale,
            critical,
            // the default rules' names (default_rules.toml) that speak to the item
            rules: match id {
                "greeting" => vec!["greeting".to_owned()],
                "closing" => vec!["closing".to_owned()],
                "polite" => vec!["forbidden_phrase".to_owned()],
                "tone" => vec!["interruption".to_owned()],
                _ => Vec::new(),
            },
        };
        Scorecard {
            name: "默认质检评分表 default".to_owned(),
            version: 1,
            sections: vec![
                Section {
                    name: "服务礼仪 etiquette".to_owned(),
                    items: vec![
                        item(
                            "greeting",
                            "标准开头语 standard greeting",
                            10.0,
                            Scale::Binary,
                            false,
                        ),
                        item(
                            "polite",
                            "礼貌用语 polite phrases",
                            15.0,
                            Scale::FivePoint,
                            false,
                        ),
                        item("tone", "语气语调 tone", 15.0, Scale::FivePoint, false),
                        item(
                            "closing",
                            "标准结束语 standard closing",
                            10.0,
                            Scale::Binary,
                            false,
                        ),
                    ],
                },
                Section {
                    name: "业务处理 business handling".to_owned(),
                    items: vec![
                        item(
                            "answer",
                            "按规定解答 answer per the rules",
                            30.0,
                            Scale::FivePoint,
                            true,
                        ),
                        item(
                            "reminders",
                            "重要提示（生效日期、费用）key reminders (effective date, fees)",
                            20.0,
                            Scale::ThreePoint,
                            false,
                        ),
                    ],
                },
            ],
        }
    }
}

impl Scorecard {
    /// Answers suggested by automated QA: the lowest level for every item one of whose rules
    /// hit the interaction (`hit_rules` are the names of the rules that hit). The inspector
    /// confirms or changes them.
    pub fn suggested_answers(&self, hit_rules: &[&str]) -> Vec<(String, Answer)> {
        self.items()
            .filter(|item| {
                item.rules
                    .iter()
                    .any(|rule| hit_rules.contains(&rule.as_str()))
            })
            .map(|item| (item.id.clone(), Answer::Level(item.scale.levels().0)))
            .collect()
    }
}

/// The mean of evaluation totals (N/A-only evaluations left out); `None` without any.
pub fn mean_score(totals: &[Option<f64>]) -> Option<f64> {
    let scored: Vec<f64> = totals.iter().flatten().copied().collect();
    (!scored.is_empty()).then(|| scored.iter().sum::<f64>() / scored.len() as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn hand_computed_scores() {
        let card = Scorecard::default_scorecard();
        // greeting 1/1, polite 4 → 3/4, tone 5 → 1, closing 0, answer 4 → 3/4, reminders 2 → 1/2:
        // (10·1 + 15·0.75 + 15·1 + 10·0 + 30·0.75 + 20·0.5) / 100 = 68.75
        let answers = [
            ("greeting", Answer::Level(1)),
            ("polite", Answer::Level(4)),
            ("tone", Answer::Level(5)),
            ("closing", Answer::Level(0)),
            ("answer", Answer::Level(4)),
            ("reminders", Answer::Level(2)),
        ];
        let score = card.score(&answers).unwrap();
        assert!(close(score.total.unwrap(), 68.75), "{score:?}");
        // etiquette (10 + 11.25 + 15 + 0) / 50 = 72.5; business (22.5 + 10) / 50 = 65
        assert!(close(score.sections[0].1.unwrap(), 72.5));
        assert!(close(score.sections[1].1.unwrap(), 65.0));

        // reminders N/A: (10 + 11.25 + 15 + 0 + 22.5) / 80 = 73.4375
        let mut na = answers;
        na[5] = ("reminders", Answer::NotApplicable);
        assert!(close(card.score(&na).unwrap().total.unwrap(), 73.4375));

        // the critical item at 2 of 5 (25 %) zeroes everything, at 3 (50 %) it does not
        let mut critical = answers;
        critical[4] = ("answer", Answer::Level(2));
        let zeroed = card.score(&critical).unwrap();
        assert_eq!(zeroed.total, Some(0.0));
        assert_eq!(zeroed.failed_critical, ["answer"]);
        critical[4] = ("answer", Answer::Level(3));
        // (10 + 11.25 + 15 + 0 + 15 + 10) / 100 = 61.25
        assert!(close(card.score(&critical).unwrap().total.unwrap(), 61.25));

        // everything N/A: no score
        let all_na: Vec<(&str, Answer)> = card
            .items()
            .map(|i| (i.id.as_str(), Answer::NotApplicable))
            .collect();
        assert_eq!(card.score(&all_na).unwrap().total, None);
    }

    #[test]
    fn bad_answers_are_named() {
        let card = Scorecard::default_scorecard();
        assert_eq!(
            card.score(&[("greeting", Answer::Level(1))]),
            Err(ScoreError::Unanswered("polite".into()))
        );
        let mut answers: Vec<(&str, Answer)> = card
            .items()
            .map(|i| (i.id.as_str(), Answer::Level(1)))
            .collect();
        answers[1].1 = Answer::Level(6);
        assert_eq!(
            card.score(&answers).unwrap_err().to_string(),
            "item 'polite': level 6 is not on its scale (1–5)"
        );
        answers[1].1 = Answer::Level(1);
        answers.push(("smile", Answer::Level(1)));
        assert_eq!(
            card.score(&answers),
            Err(ScoreError::UnknownItem("smile".into()))
        );
    }

    #[test]
    fn blank_ids_and_names_are_refused() {
        let field = |card: &Scorecard| match card.validate() {
            Err(ScoreError::Invalid(problem)) => problem.field,
            other => panic!("{other:?}"),
        };
        let mut card = Scorecard::default_scorecard();
        card.sections[1].items[0].id = "  ".into();
        assert_eq!(field(&card), "sections.1.items.0.id");
        let mut card = Scorecard::default_scorecard();
        card.sections[0].items[1].name = String::new();
        assert_eq!(field(&card), "sections.0.items.1.name");
        let mut card = Scorecard::default_scorecard();
        card.sections[1].name = " ".into();
        assert_eq!(field(&card), "sections.1.name");
        let mut card = Scorecard::default_scorecard();
        card.sections[1].items[0].id = card.sections[0].items[0].id.clone();
        card.sections[0].items[0].weight = 0.0;
        assert_eq!(
            card.problems()
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>(),
            [
                "sections.0.items.0.weight: must be greater than 0".to_owned(),
                format!(
                    "sections.1.items.0.id: '{}' appears twice",
                    card.sections[0].items[0].id
                )
            ]
        );
        assert_eq!(Scorecard::default_scorecard().validate(), Ok(()));
    }

    #[test]
    fn rule_hits_suggest_the_lowest_level_of_their_items() {
        let card = Scorecard::default_scorecard();
        assert_eq!(
            card.suggested_answers(&["greeting", "forbidden_phrase", "long_silence"]),
            [
                ("greeting".to_owned(), Answer::Level(0)),
                ("polite".to_owned(), Answer::Level(1)),
            ]
        );
        assert!(card.suggested_answers(&[]).is_empty());
    }

    #[test]
    fn the_mean_of_the_studys_review_scores() {
        let mean = mean_score(&[
            Some(100.0),
            Some(9.91),
            Some(63.96),
            Some(90.99),
            Some(0.0),
            None,
        ]);
        assert!(close(mean.unwrap(), 52.972));
        assert_eq!(format!("{:.2}", mean.unwrap()), "52.97");
        assert_eq!(mean_score(&[None]), None);
    }
}
