//! Survey templates and a customer's answers. A template lists its questions (CSAT, NPS, CES,
//! stage ratings, free text), each optionally mapped to a quality dimension; answers are parsed
//! against the template once, so a [`SurveyAnswers`] in hand is valid for it. Definitions:
//! `docs/surveys.md`.

use serde::{Deserialize, Serialize};

use crate::{SettingProblem, SettingReason};

use jiff::tz::TimeZone;

use crate::error::{FieldError, ParseError, keep_error};
use crate::ids::{AgentId, ContactId, Label};
use crate::time::parse_timestamp;

/// How CSAT is asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CsatScale {
    /// 满意 / 一般 / 不满意 (satisfied / neutral / unsatisfied).
    ThreeLevel,
    /// 1 (very unsatisfied) to 5 (very satisfied).
    FivePoint,
}

impl CsatScale {
    /// Stored name.
    pub fn name(self) -> &'static str {
        match self {
            CsatScale::ThreeLevel => "three_level",
            CsatScale::FivePoint => "five_point",
        }
    }

    /// The answers offered, as (stored value on the 1–5 scale, English label), best last.
    pub fn choices(self) -> &'static [(u8, &'static str)] {
        match self {
            CsatScale::ThreeLevel => &[(1, "unsatisfied"), (3, "neutral"), (5, "satisfied")],
            CsatScale::FivePoint => &[
                (1, "very unsatisfied"),
                (2, "unsatisfied"),
                (3, "neutral"),
                (4, "satisfied"),
                (5, "very satisfied"),
            ],
        }
    }
}

/// A CSAT answer on the common 1–5 scale. The three-level scale maps satisfied → 5, neutral → 3,
/// unsatisfied → 1, so top-2-box and "unsatisfied" mean the same on both scales.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Csat(u8);

impl Csat {
    /// Parses an answer given on `scale`: a number, or on the three-level scale also the words
    /// satisfied/neutral/unsatisfied in English, simplified or traditional Chinese.
    pub fn parse(scale: CsatScale, text: &str) -> Result<Csat, ParseError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(ParseError::Empty);
        }
        match scale {
            CsatScale::FivePoint => parse_rating(text, 1, 5).map(Csat),
            CsatScale::ThreeLevel => match text.to_lowercase().as_str() {
                "5" | "satisfied" | "满意" | "滿意" => Ok(Csat(5)),
                "3" | "neutral" | "一般" => Ok(Csat(3)),
                "1" | "unsatisfied" | "dissatisfied" | "不满意" | "不滿意" => Ok(Csat(1)),
                _ => Err(ParseError::NotOneOf {
                    value: text.to_owned(),
                    expected: "satisfied, neutral, unsatisfied (满意, 一般, 不满意) or 5, 3, 1",
                }),
            },
        }
    }

    /// Parses an imported answer: 1–5, or the three-level words (stored as 5/3/1).
    pub fn parse_imported(text: &str) -> Result<Csat, ParseError> {
        match text.trim().parse::<u8>() {
            Ok(_) => Csat::parse(CsatScale::FivePoint, text),
            Err(_) => Csat::parse(CsatScale::ThreeLevel, text),
        }
    }

    /// A stored value (1–5).
    pub fn from_stored(value: i64) -> Option<Csat> {
        (1..=5).contains(&value).then_some(Csat(value as u8))
    }

    /// The value on the 1–5 scale.
    pub fn value(self) -> u8 {
        self.0
    }

    /// Top-2-box: 4 or 5 (satisfied on the three-level scale).
    pub fn is_top_two_box(self) -> bool {
        self.0 >= 4
    }

    /// Bottom-2-box: 1 or 2 (unsatisfied on the three-level scale); opens a review task.
    pub fn is_unsatisfied(self) -> bool {
        self.0 <= 2
    }
}

fn parse_rating(text: &str, min: u8, max: u8) -> Result<u8, ParseError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(ParseError::Empty);
    }
    text.parse::<u8>()
        .ok()
        .filter(|value| (min..=max).contains(value))
        .ok_or_else(|| ParseError::OutOfRange {
            value: text.to_owned(),
            min,
            max,
        })
}

/// A moment of the interaction rated on its own (peak-end rule: greeting, understanding and
/// answer are the peak moments, the farewell is the end).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// 问候 greeting.
    Greeting,
    /// 理解 understanding the problem.
    Understanding,
    /// 解答 the answer.
    Answer,
    /// 结束语 farewell.
    Farewell,
}

impl Stage {
    /// Every stage in the order of an interaction.
    pub const ALL: [Stage; 4] = [
        Stage::Greeting,
        Stage::Understanding,
        Stage::Answer,
        Stage::Farewell,
    ];

    /// Stored name (also the form field after `stage_`).
    pub fn name(self) -> &'static str {
        match self {
            Stage::Greeting => "greeting",
            Stage::Understanding => "understanding",
            Stage::Answer => "answer",
            Stage::Farewell => "farewell",
        }
    }

    /// The form field and import column.
    pub fn field(self) -> &'static str {
        match self {
            Stage::Greeting => "stage_greeting",
            Stage::Understanding => "stage_understanding",
            Stage::Answer => "stage_answer",
            Stage::Farewell => "stage_farewell",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// The five dimensions of the after-sales service-quality standard a question can speak to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QualityDimension {
    /// Response speed.
    ResponseSpeed,
    /// Problem-solving ability.
    ProblemSolving,
    /// Staff professionalism and attitude.
    ProfessionalismAttitude,
    /// Process standardisation and transparency.
    ProcessTransparency,
    /// Customer satisfaction and feedback.
    SatisfactionFeedback,
}

/// What a question asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum QuestionKind {
    /// Customer satisfaction on a scale.
    Csat {
        /// The scale.
        scale: CsatScale,
    },
    /// Net promoter: likelihood to recommend, 0–10.
    Nps,
    /// Customer effort: "it was easy to get my issue handled", 1 (strongly disagree) – 7
    /// (strongly agree); higher is less effort.
    Ces,
    /// One stage of the interaction rated 1–5.
    Stage {
        /// Which stage.
        stage: Stage,
    },
    /// Free text.
    Text,
}

impl QuestionKind {
    /// The form field and import column holding the answer.
    pub fn field(self) -> &'static str {
        match self {
            QuestionKind::Csat { .. } => "csat",
            QuestionKind::Nps => "nps",
            QuestionKind::Ces => "ces",
            QuestionKind::Stage { stage } => stage.field(),
            QuestionKind::Text => "comment",
        }
    }
}

/// One question of a template.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Question {
    /// What it asks.
    #[serde(flatten)]
    pub kind: QuestionKind,
    /// Whether an answer must be given.
    #[serde(default)]
    pub required: bool,
    /// The quality dimension it measures, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dimension: Option<QualityDimension>,
}

/// Why a template definition is not usable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    /// Not valid template JSON.
    #[error("not a survey template: {0}")]
    Json(String),
    /// A field that is not usable.
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<SettingProblem>),
}

/// A survey template (one version of it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SurveyTemplate {
    /// Shown to the customer as the survey's title.
    pub name: String,
    /// The questions, in the order shown.
    pub questions: Vec<Question>,
}

/// A customer's valid answers to one template.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SurveyAnswers {
    /// CSAT on the 1–5 scale.
    pub csat: Option<Csat>,
    /// NPS answer 0–10.
    pub nps: Option<u8>,
    /// CES answer 1–7.
    pub ces: Option<u8>,
    /// Stage ratings 1–5, in [`Stage::ALL`] order.
    pub stages: [Option<u8>; 4],
    /// Free text (trimmed; at most 2 000 characters).
    pub comment: String,
}

/// Longest free-text answer kept, in characters.
pub const MAX_COMMENT_CHARS: usize = 2_000;

impl SurveyAnswers {
    /// The rating of one stage.
    pub fn stage(&self, stage: Stage) -> Option<u8> {
        self.stages[stage.index()]
    }

    /// Whether the response counts as unsatisfied (CSAT bottom-2-box) and opens a review task.
    pub fn is_unsatisfied(&self) -> bool {
        self.csat.is_some_and(Csat::is_unsatisfied)
    }

    /// Whether nothing was answered.
    pub fn is_empty(&self) -> bool {
        self.csat.is_none()
            && self.nps.is_none()
            && self.ces.is_none()
            && self.stages.iter().all(Option::is_none)
            && self.comment.is_empty()
    }
}

impl SurveyTemplate {
    /// Parses and checks a template definition (JSON).
    pub fn from_json(json: &str) -> Result<SurveyTemplate, TemplateError> {
        let template: SurveyTemplate =
            serde_json::from_str(json).map_err(|error| TemplateError::Json(error.to_string()))?;
        template.check()?;
        Ok(template)
    }

    /// The template as JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a template serializes")
    }

    fn check(&self) -> Result<(), TemplateError> {
        let problems = self.problems();
        if problems.is_empty() {
            Ok(())
        } else {
            Err(TemplateError::Invalid(problems))
        }
    }

    /// Every problem of the template, each at its field (`name`, `questions.3.kind`): a name,
    /// at least one question, each answer field asked once.
    pub fn problems(&self) -> Vec<SettingProblem> {
        let mut problems = Vec::new();
        if self.name.trim().is_empty() {
            problems.push(SettingProblem::new("name", SettingReason::Required));
        }
        if self.questions.is_empty() {
            problems.push(SettingProblem::new("questions", SettingReason::Empty));
        }
        for (index, question) in self.questions.iter().enumerate() {
            let field = question.kind.field();
            if self.questions[..index]
                .iter()
                .any(|earlier| earlier.kind.field() == field)
            {
                problems.push(SettingProblem::new(
                    format!("questions.{index}.kind"),
                    SettingReason::Duplicate(field.to_owned()),
                ));
            }
        }
        problems
    }

    /// The default template: CSAT on the three-level scale (required), the four stage ratings,
    /// NPS, CES and a comment, each mapped to a quality dimension.
    pub fn standard() -> SurveyTemplate {
        let question = |kind, required, dimension| Question {
            kind,
            required,
            dimension,
        };
        use QualityDimension::*;
        SurveyTemplate {
            name: "Service satisfaction".to_owned(),
            questions: vec![
                question(
                    QuestionKind::Csat {
                        scale: CsatScale::ThreeLevel,
                    },
                    true,
                    Some(SatisfactionFeedback),
                ),
                question(
                    QuestionKind::Stage {
                        stage: Stage::Greeting,
                    },
                    false,
                    Some(ProfessionalismAttitude),
                ),
                question(
                    QuestionKind::Stage {
                        stage: Stage::Understanding,
                    },
                    false,
                    Some(ProblemSolving),
                ),
                question(
                    QuestionKind::Stage {
                        stage: Stage::Answer,
                    },
                    false,
                    Some(ProblemSolving),
                ),
                question(
                    QuestionKind::Stage {
                        stage: Stage::Farewell,
                    },
                    false,
                    Some(ProfessionalismAttitude),
                ),
                question(QuestionKind::Ces, false, Some(ProcessTransparency)),
                question(QuestionKind::Nps, false, Some(SatisfactionFeedback)),
                question(QuestionKind::Text, false, None),
            ],
        }
    }

    /// Parses answers given as text fields (a form or an import row, looked up by
    /// [`QuestionKind::field`]); fields of questions the template does not ask are ignored.
    /// Reports every bad or missing field at once; an all-empty response is refused.
    pub fn parse_answers<'a>(
        &self,
        field: impl Fn(&str) -> Option<&'a str>,
    ) -> Result<SurveyAnswers, Vec<FieldError>> {
        let answers = self.parse_fields(field)?;
        if answers.is_empty() {
            return Err(vec![no_answer()]);
        }
        Ok(answers)
    }

    fn parse_fields<'a>(
        &self,
        field: impl Fn(&str) -> Option<&'a str>,
    ) -> Result<SurveyAnswers, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut answers = SurveyAnswers::default();
        for question in &self.questions {
            let name = question.kind.field();
            let text = field(name).map(str::trim).unwrap_or("");
            if text.is_empty() {
                if question.required {
                    errors.push(FieldError::new(name, ParseError::Empty));
                }
                continue;
            }
            match question.kind {
                QuestionKind::Csat { scale } => {
                    answers.csat = keep_error(&mut errors, name, Csat::parse(scale, text));
                }
                QuestionKind::Nps => {
                    answers.nps = keep_error(&mut errors, name, parse_rating(text, 0, 10));
                }
                QuestionKind::Ces => {
                    answers.ces = keep_error(&mut errors, name, parse_rating(text, 1, 7));
                }
                QuestionKind::Stage { stage } => {
                    answers.stages[stage.index()] =
                        keep_error(&mut errors, name, parse_rating(text, 1, 5));
                }
                QuestionKind::Text => {
                    let length = text.chars().count();
                    if length > MAX_COMMENT_CHARS {
                        errors.push(FieldError::new(
                            name,
                            ParseError::TooLong {
                                len: length,
                                max: MAX_COMMENT_CHARS,
                            },
                        ));
                    } else {
                        answers.comment = text.to_owned();
                    }
                }
            }
        }
        if errors.is_empty() {
            Ok(answers)
        } else {
            Err(errors)
        }
    }
}

fn no_answer() -> FieldError {
    FieldError::rule("csat", "the response answers no question of the survey")
}

/// One survey result imported from another system.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SurveyRecord {
    /// The other system's response id (re-importing it replaces the response).
    pub response_id: Label,
    /// The contact the response is about.
    pub contact_id: ContactId,
    /// When the customer answered, UTC ms.
    pub responded_ms: i64,
    /// The answers.
    pub answers: SurveyAnswers,
    /// The agent the other system credits; must agree with the contact's agent when given.
    pub agent_id: Option<AgentId>,
}

/// Import columns of survey results, in this order.
pub const SURVEY_COLUMNS: &[&str] = &[
    "response_id",
    "contact_id",
    "responded_at",
    "csat",
    "nps",
    "ces",
    "stage_greeting",
    "stage_understanding",
    "stage_answer",
    "stage_farewell",
    "comment",
    "agent_id",
];

/// Columns a survey-results file must have.
pub const SURVEY_REQUIRED: &[&str] = &["response_id", "contact_id", "responded_at"];

/// The questions an imported row may answer besides CSAT (parsed by [`Csat::parse_imported`]):
/// NPS, CES, the four stages and a comment, none required on its own.
fn import_template() -> SurveyTemplate {
    let mut questions = vec![QuestionKind::Nps, QuestionKind::Ces];
    questions.extend(Stage::ALL.map(|stage| QuestionKind::Stage { stage }));
    questions.push(QuestionKind::Text);
    SurveyTemplate {
        name: "import".to_owned(),
        questions: questions
            .into_iter()
            .map(|kind| Question {
                kind,
                required: false,
                dimension: None,
            })
            .collect(),
    }
}

impl SurveyRecord {
    /// Parses one imported row, looked up by column name (see [`SURVEY_COLUMNS`]); timestamps
    /// without an offset are read in `zone`. Every bad column is reported.
    pub fn parse<'a>(
        field: impl Fn(&str) -> Option<&'a str>,
        zone: &TimeZone,
    ) -> Result<SurveyRecord, Vec<FieldError>> {
        let text = |name: &str| field(name).unwrap_or("");
        let mut errors = Vec::new();
        let response_id = keep_error(
            &mut errors,
            "response_id",
            Label::parse(text("response_id")),
        );
        let contact_id = keep_error(
            &mut errors,
            "contact_id",
            ContactId::parse(text("contact_id")),
        );
        let responded = keep_error(
            &mut errors,
            "responded_at",
            parse_timestamp(text("responded_at"), zone),
        );
        let agent_id = match text("agent_id").trim() {
            "" => None,
            agent => keep_error(&mut errors, "agent_id", AgentId::parse(agent)),
        };
        let csat = match text("csat").trim() {
            "" => None,
            csat => keep_error(&mut errors, "csat", Csat::parse_imported(csat)),
        };
        let answers = match import_template().parse_fields(&field) {
            Ok(mut answers) => {
                answers.csat = csat;
                if answers.is_empty() && errors.is_empty() {
                    errors.push(no_answer());
                }
                Some(answers)
            }
            Err(field_errors) => {
                errors.extend(field_errors);
                None
            }
        };
        match (response_id, contact_id, responded, answers) {
            (Some(response_id), Some(contact_id), Some(responded), Some(answers))
                if errors.is_empty() =>
            {
                Ok(SurveyRecord {
                    response_id,
                    contact_id,
                    responded_ms: responded.utc_ms,
                    answers,
                    agent_id,
                })
            }
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn answers(
        template: &SurveyTemplate,
        pairs: &[(&str, &str)],
    ) -> Result<SurveyAnswers, Vec<FieldError>> {
        let map: HashMap<&str, &str> = pairs.iter().copied().collect();
        template.parse_answers(|name| map.get(name).copied())
    }

    #[test]
    fn three_level_words_in_every_script_map_to_the_five_point_scale() {
        for (text, value) in [
            ("满意", 5),
            ("滿意", 5),
            ("Satisfied", 5),
            ("一般", 3),
            ("不满意", 1),
            ("不滿意", 1),
            ("1", 1),
        ] {
            assert_eq!(
                Csat::parse(CsatScale::ThreeLevel, text).unwrap().value(),
                value
            );
        }
        assert!(Csat::parse(CsatScale::ThreeLevel, "4").is_err());
        assert!(
            Csat::parse(CsatScale::FivePoint, "2")
                .unwrap()
                .is_unsatisfied()
        );
        assert!(
            !Csat::parse(CsatScale::FivePoint, "3")
                .unwrap()
                .is_unsatisfied()
        );
        assert!(
            Csat::parse(CsatScale::FivePoint, "4")
                .unwrap()
                .is_top_two_box()
        );
        assert!(Csat::parse(CsatScale::FivePoint, "6").is_err());
    }

    #[test]
    fn answers_parse_against_the_template_and_report_every_bad_field() {
        let template = SurveyTemplate::standard();
        let parsed = answers(
            &template,
            &[
                ("csat", "不满意"),
                ("nps", "0"),
                ("ces", "7"),
                ("stage_farewell", "2"),
                ("comment", "  太慢  "),
            ],
        )
        .unwrap();
        assert!(parsed.is_unsatisfied());
        assert_eq!(
            (parsed.nps, parsed.ces, parsed.stage(Stage::Farewell)),
            (Some(0), Some(7), Some(2))
        );
        assert_eq!(parsed.comment, "太慢");
        let errors = answers(&template, &[("nps", "11"), ("ces", "0")]).unwrap_err();
        let columns: Vec<_> = errors.iter().map(|error| error.column).collect();
        assert_eq!(columns, ["csat", "ces", "nps"]);
        assert_eq!(
            errors[2].to_string(),
            "nps: '11' is not a whole number from 0 to 10"
        );
    }

    #[test]
    fn imported_rows_take_numbers_or_words_and_report_each_column() {
        let zone = TimeZone::get("Asia/Shanghai").unwrap();
        let row = |pairs: &[(&'static str, &'static str)]| {
            let map: HashMap<&str, &str> = pairs.iter().copied().collect();
            SurveyRecord::parse(|name| map.get(name).copied(), &zone)
        };
        let base = [
            ("response_id", "R1"),
            ("contact_id", "C1"),
            ("responded_at", "2026-11-02 10:00:00"),
        ];
        let words = row(&[base[0], base[1], base[2], ("csat", "不滿意")]).unwrap();
        assert_eq!(words.answers.csat.map(Csat::value), Some(1));
        assert_eq!(words.responded_ms, 1_793_584_800_000);
        let numbers = row(&[base[0], base[1], base[2], ("csat", "4"), ("nps", "10")]).unwrap();
        assert_eq!(
            (numbers.answers.csat.map(Csat::value), numbers.answers.nps),
            (Some(4), Some(10))
        );
        let errors = row(&[("contact_id", "C1"), ("csat", "9"), ("nps", "x")]).unwrap_err();
        let columns: Vec<_> = errors.iter().map(|error| error.column).collect();
        assert_eq!(columns, ["response_id", "responded_at", "csat", "nps"]);
        let empty = row(&base).unwrap_err();
        assert_eq!(
            empty[0].reason,
            "the response answers no question of the survey"
        );
    }

    #[test]
    fn templates_round_trip_and_refuse_repeats() {
        let template = SurveyTemplate::standard();
        assert_eq!(
            SurveyTemplate::from_json(&template.to_json()).unwrap(),
            template
        );
        let json = r#"{"name":"x","questions":[{"kind":"nps"},{"kind":"nps","required":true}]}"#;
        assert_eq!(
            SurveyTemplate::from_json(json),
            Err(TemplateError::Invalid(vec![SettingProblem::new(
                "questions.1.kind",
                SettingReason::Duplicate("nps".to_owned())
            )]))
        );
        let only_nps = SurveyTemplate::from_json(
            r#"{"name":"NPS","questions":[{"kind":"nps","required":true}]}"#,
        )
        .unwrap();
        // a field the template does not ask is ignored, not an error
        assert_eq!(
            answers(&only_nps, &[("nps", "9"), ("csat", "bad")])
                .unwrap()
                .nps,
            Some(9)
        );
        assert!(answers(&only_nps, &[]).is_err());
    }
}
