//! Courses' exams (`docs/kb.md#training`): questions — single choice, multiple choice,
//! true/false, short answer — their checks, and grading. Choice questions are graded at once:
//! a single choice and a true/false right or wrong, a multiple choice only when exactly the
//! right options are chosen (no part marks: choosing one wrong option is not "mostly right").
//! Short answers wait for a supervisor's points. Passing is `points × 100 ≥ pass mark × total`,
//! in whole numbers, so 60 % of 5 points is passed with 3.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The most questions an exam holds.
pub const MAX_QUESTIONS: usize = 100;
/// The most options a choice question offers.
pub const MAX_OPTIONS: usize = 10;
/// The most points one question is worth.
pub const MAX_POINTS: u32 = 100;

/// How a question is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuestionKind {
    /// One option is right.
    Single,
    /// One or more options are right; all of them must be chosen, and nothing else.
    Multiple,
    /// A statement that is true or false.
    TrueFalse,
    /// Written text, graded by a supervisor.
    Short,
}

impl QuestionKind {
    /// Every kind.
    pub const ALL: [QuestionKind; 4] = [
        QuestionKind::Single,
        QuestionKind::Multiple,
        QuestionKind::TrueFalse,
        QuestionKind::Short,
    ];

    /// The stored name.
    pub fn name(self) -> &'static str {
        match self {
            QuestionKind::Single => "single",
            QuestionKind::Multiple => "multiple",
            QuestionKind::TrueFalse => "true_false",
            QuestionKind::Short => "short",
        }
    }
}

/// One exam question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Question {
    /// How it is answered.
    pub kind: QuestionKind,
    /// The question.
    pub prompt: String,
    /// The options of a choice question (empty otherwise).
    #[serde(default)]
    pub options: Vec<String>,
    /// The right options' indices (single: one; multiple: one or more); true/false: `[1]` for
    /// true, `[0]` for false; empty for a short answer.
    #[serde(default)]
    pub answer: Vec<usize>,
    /// A short answer's model answer, shown to the grader.
    #[serde(default)]
    pub model_answer: String,
    /// What it is worth.
    pub points: u32,
}

/// The problems of a question list, each `(field path, reason)`.
pub fn question_problems(questions: &[Question]) -> Vec<(String, String)> {
    let mut problems = Vec::new();
    if questions.len() > MAX_QUESTIONS {
        problems.push((
            "questions".to_owned(),
            format!("at most {MAX_QUESTIONS} questions"),
        ));
    }
    for (index, question) in questions.iter().enumerate() {
        let mut problem = |name: &str, reason: String| {
            problems.push((format!("questions.{index}.{name}"), reason))
        };
        if question.prompt.trim().is_empty() {
            problem("prompt", "required".to_owned());
        }
        if !(1..=MAX_POINTS).contains(&question.points) {
            problem("points", format!("from 1 to {MAX_POINTS}"));
        }
        let options = question.options.len();
        let mut answer = question.answer.clone();
        answer.sort_unstable();
        answer.dedup();
        match question.kind {
            QuestionKind::Single | QuestionKind::Multiple => {
                if !(2..=MAX_OPTIONS).contains(&options) {
                    problem("options", format!("from 2 to {MAX_OPTIONS} options"));
                }
                if question.options.iter().any(|o| o.trim().is_empty()) {
                    problem("options", "an option is empty".to_owned());
                }
                if answer.iter().any(|&a| a >= options) {
                    problem("answer", "names an option that is not there".to_owned());
                }
                let right = answer.len();
                if question.kind == QuestionKind::Single && right != 1 {
                    problem(
                        "answer",
                        "a single choice has exactly one right option".to_owned(),
                    );
                }
                if question.kind == QuestionKind::Multiple && right == 0 {
                    problem("answer", "at least one right option".to_owned());
                }
            }
            QuestionKind::TrueFalse => {
                if answer != [0] && answer != [1] {
                    problem("answer", "[1] for true or [0] for false".to_owned());
                }
            }
            QuestionKind::Short => {}
        }
    }
    problems
}

/// A graded attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grade {
    /// Points of the choice and true/false questions answered right.
    pub auto_points: u32,
    /// Every question's points together.
    pub max_points: u32,
    /// The short answers waiting for a grader (question indices).
    pub awaiting: Vec<usize>,
}

/// Grades `answers` (one per question, in order: an array of option indices for a choice, a
/// boolean for true/false, text for a short answer; `null` for no answer, which scores 0).
/// Refused when an answer has the wrong shape: `(field path, reason)`.
pub fn grade(questions: &[Question], answers: &[Value]) -> Result<Grade, Vec<(String, String)>> {
    let mut problems = Vec::new();
    if answers.len() != questions.len() {
        problems.push((
            "answers".to_owned(),
            format!(
                "{} answers for {} questions",
                answers.len(),
                questions.len()
            ),
        ));
        return Err(problems);
    }
    let mut grade = Grade {
        auto_points: 0,
        max_points: questions.iter().map(|q| q.points).sum(),
        awaiting: Vec::new(),
    };
    for (index, (question, given)) in questions.iter().zip(answers).enumerate() {
        let field = format!("answers.{index}");
        if given.is_null() && question.kind != QuestionKind::Short {
            continue;
        }
        match question.kind {
            QuestionKind::Single | QuestionKind::Multiple => {
                let Some(chosen) = given.as_array().and_then(|items| {
                    items
                        .iter()
                        .map(|i| i.as_u64().map(|i| i as usize))
                        .collect::<Option<Vec<usize>>>()
                }) else {
                    problems.push((field, "an array of option numbers".to_owned()));
                    continue;
                };
                if chosen.iter().any(|&i| i >= question.options.len()) {
                    problems.push((field, "names an option that is not there".to_owned()));
                    continue;
                }
                let mut chosen = chosen;
                chosen.sort_unstable();
                chosen.dedup();
                let mut right = question.answer.clone();
                right.sort_unstable();
                right.dedup();
                if chosen == right {
                    grade.auto_points += question.points;
                }
            }
            QuestionKind::TrueFalse => {
                let Some(said) = given.as_bool() else {
                    problems.push((field, "true or false".to_owned()));
                    continue;
                };
                if question.answer == [usize::from(said)] {
                    grade.auto_points += question.points;
                }
            }
            QuestionKind::Short => {
                if !(given.is_null() || given.is_string()) {
                    problems.push((field, "text".to_owned()));
                    continue;
                }
                if given.as_str().is_some_and(|text| !text.trim().is_empty()) {
                    grade.awaiting.push(index);
                }
            }
        }
    }
    if problems.is_empty() {
        Ok(grade)
    } else {
        Err(problems)
    }
}

/// Whether `points` of `max` reach `pass_mark` percent (whole-number arithmetic).
pub fn passed(points: u32, max: u32, pass_mark: u32) -> bool {
    max > 0 && u64::from(points) * 100 >= u64::from(pass_mark) * u64::from(max)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn questions() -> Vec<Question> {
        vec![
            Question {
                kind: QuestionKind::Single,
                prompt: "挂失后新卡几天寄到？".into(),
                options: vec!["3 天".into(), "7 天".into(), "30 天".into()],
                answer: vec![1],
                model_answer: String::new(),
                points: 2,
            },
            Question {
                kind: QuestionKind::Multiple,
                prompt: "哪些是规范用语？".into(),
                options: vec!["您好".into(), "不知道".into(), "请稍等".into()],
                answer: vec![0, 2],
                model_answer: String::new(),
                points: 2,
            },
            Question {
                kind: QuestionKind::TrueFalse,
                prompt: "可以告诉客户完整卡号".into(),
                options: vec![],
                answer: vec![0],
                model_answer: String::new(),
                points: 1,
            },
            Question {
                kind: QuestionKind::Short,
                prompt: "客户投诉时第一句话怎么说？".into(),
                options: vec![],
                answer: vec![],
                model_answer: "先致歉并表示理解".into(),
                points: 5,
            },
        ]
    }

    #[test]
    fn choices_are_graded_at_once_and_short_answers_wait() {
        let all_right = grade(
            &questions(),
            &[json!([1]), json!([2, 0]), json!(false), json!("先道歉")],
        )
        .unwrap();
        assert_eq!(
            all_right,
            Grade {
                auto_points: 5,
                max_points: 10,
                awaiting: vec![3]
            }
        );
        // one wrong extra option loses the multiple choice; no answer scores nothing
        let some = grade(
            &questions(),
            &[json!([1]), json!([0, 1, 2]), json!(null), json!("")],
        )
        .unwrap();
        assert_eq!(some.auto_points, 2);
        assert!(
            some.awaiting.is_empty(),
            "an empty short answer needs no grader"
        );
    }

    #[test]
    fn answers_of_the_wrong_shape_are_refused_by_position() {
        let refused = grade(
            &questions(),
            &[json!(1), json!([7]), json!("yes"), json!(3)],
        )
        .unwrap_err();
        let fields: Vec<&str> = refused.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(fields, ["answers.0", "answers.1", "answers.2", "answers.3"]);
        assert!(grade(&questions(), &[json!([1])]).is_err());
    }

    #[test]
    fn the_pass_mark_is_reached_in_whole_numbers() {
        assert!(passed(3, 5, 60));
        assert!(!passed(2, 5, 60));
        assert!(passed(6, 10, 60));
        assert!(!passed(59, 100, 60));
        assert!(!passed(0, 0, 0), "an exam without points passes nobody");
    }

    #[test]
    fn badly_made_questions_are_refused_at_the_field() {
        let mut bad = questions();
        bad[0].answer = vec![0, 1];
        bad[1].options = vec!["只有一个".into()];
        bad[2].answer = vec![2];
        bad[3].points = 0;
        let problems = question_problems(&bad);
        let fields: Vec<&str> = problems.iter().map(|(f, _)| f.as_str()).collect();
        assert!(fields.contains(&"questions.0.answer"), "{problems:?}");
        assert!(fields.contains(&"questions.1.options"), "{problems:?}");
        assert!(fields.contains(&"questions.2.answer"), "{problems:?}");
        assert!(fields.contains(&"questions.3.points"), "{problems:?}");
        assert!(question_problems(&questions()).is_empty());
    }
}
