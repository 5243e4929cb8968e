//! Calibration: several inspectors score one interaction blind; each one's deviation from the
//! reference score shows who scores harder or softer than the team, and item by item where
//! they read the scorecard differently.

use crate::{Answer, Scorecard};

/// What the inspectors' scores are compared with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reference {
    /// The mean of every inspector's score.
    Mean,
    /// One inspector's score (the lead's, or an expert's).
    Inspector(String),
}

/// One inspector's result in a calibration.
#[derive(Debug, Clone, PartialEq)]
pub struct Deviation {
    /// The inspector.
    pub inspector: String,
    /// Their score (`None` when every item was N/A).
    pub score: Option<f64>,
    /// Score − reference; `None` when either is missing.
    pub deviation: Option<f64>,
}

/// The reference score and each inspector's deviation from it, in the order given.
pub fn deviations(
    scores: &[(String, Option<f64>)],
    reference: &Reference,
) -> (Option<f64>, Vec<Deviation>) {
    let reference_score = match reference {
        Reference::Mean => {
            let scored: Vec<f64> = scores.iter().filter_map(|(_, s)| *s).collect();
            (!scored.is_empty()).then(|| scored.iter().sum::<f64>() / scored.len() as f64)
        }
        Reference::Inspector(name) => scores
            .iter()
            .find(|(inspector, _)| inspector == name)
            .and_then(|(_, s)| *s),
    };
    let rows = scores
        .iter()
        .map(|(inspector, score)| Deviation {
            inspector: inspector.clone(),
            score: *score,
            deviation: score.zip(reference_score).map(|(s, r)| s - r),
        })
        .collect();
    (reference_score, rows)
}

/// How far the inspectors agree on one item of a calibration.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemAgreement {
    /// The item.
    pub item_id: String,
    /// Each inspector's answer, in the order of the sheets (`None`: the sheet lacks the item).
    pub answers: Vec<Option<Answer>>,
    /// The answer the reference gives: the reference inspector's, or with the mean as
    /// reference the most frequent one (the lower level on a tie).
    pub reference: Option<Answer>,
    /// Share of inspectors whose answer is the reference's, 0–1 (`None` without answers).
    pub agreement: Option<f64>,
}

/// Item by item, what each inspector answered and how many agree with the reference: the
/// items with low agreement are the ones the scorecard's wording or the training must settle.
/// `sheets` are (inspector, answers) in the order to show.
pub fn item_agreement(
    card: &Scorecard,
    sheets: &[(String, Vec<(String, Answer)>)],
    reference: &Reference,
) -> Vec<ItemAgreement> {
    card.items()
        .map(|item| {
            let answers: Vec<Option<Answer>> = sheets
                .iter()
                .map(|(_, sheet)| {
                    sheet
                        .iter()
                        .find(|(id, _)| *id == item.id)
                        .map(|(_, answer)| *answer)
                })
                .collect();
            let given: Vec<Answer> = answers.iter().flatten().copied().collect();
            let reference_answer = match reference {
                Reference::Inspector(name) => sheets
                    .iter()
                    .position(|(inspector, _)| inspector == name)
                    .and_then(|index| answers[index]),
                Reference::Mean => {
                    let rank = |answer: &Answer| match answer {
                        Answer::NotApplicable => -1,
                        Answer::Level(level) => i32::from(*level),
                    };
                    let mut distinct = given.clone();
                    distinct.sort_by_key(rank);
                    distinct.dedup();
                    // the most frequent; on a tie the lower level (the stricter reading)
                    distinct.into_iter().max_by(|a, b| {
                        let count = |x: &Answer| given.iter().filter(|g| *g == x).count();
                        count(a).cmp(&count(b)).then(rank(b).cmp(&rank(a)))
                    })
                }
            };
            let agreement = (!given.is_empty()).then(|| {
                given
                    .iter()
                    .filter(|answer| Some(**answer) == reference_answer)
                    .count() as f64
                    / given.len() as f64
            });
            ItemAgreement {
                item_id: item.id.clone(),
                answers,
                reference: reference_answer,
                agreement,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn item_agreement_shows_where_inspectors_differ() {
        let card = Scorecard::default_scorecard();
        let sheet = |tone: u8, closing: Answer| -> Vec<(String, Answer)> {
            card.items()
                .map(|item| {
                    let answer = match item.id.as_str() {
                        "tone" => Answer::Level(tone),
                        "closing" => closing,
                        _ => Answer::Level(item.scale.levels().1),
                    };
                    (item.id.clone(), answer)
                })
                .collect()
        };
        let sheets = vec![
            ("li".to_owned(), sheet(3, Answer::Level(1))),
            ("wang".to_owned(), sheet(3, Answer::NotApplicable)),
            ("zhang".to_owned(), sheet(5, Answer::Level(1))),
            ("zhao".to_owned(), sheet(4, Answer::Level(0))),
        ];
        let by_item = |rows: &[ItemAgreement], id: &str| {
            rows.iter().find(|row| row.item_id == id).cloned().unwrap()
        };
        let mean = item_agreement(&card, &sheets, &Reference::Mean);
        // tone: 3, 3, 5, 4 → the reference reading is 3, two of four agree
        let tone = by_item(&mean, "tone");
        assert_eq!(
            (tone.reference, tone.agreement),
            (Some(Answer::Level(3)), Some(0.5))
        );
        assert_eq!(by_item(&mean, "greeting").agreement, Some(1.0));
        // closing: 1, N/A, 1, 0 → 1 with two of four
        assert_eq!(by_item(&mean, "closing").agreement, Some(0.5));
        // with zhang as the reference, only zhang agrees on tone
        let lead = item_agreement(&card, &sheets, &Reference::Inspector("zhang".into()));
        let tone = by_item(&lead, "tone");
        assert_eq!(
            (tone.reference, tone.agreement),
            (Some(Answer::Level(5)), Some(0.25))
        );
        // a tie reads the lower level: 2 × level 3 and 2 × level 5
        let tie = vec![
            ("a".to_owned(), sheet(3, Answer::Level(1))),
            ("b".to_owned(), sheet(5, Answer::Level(1))),
            ("c".to_owned(), sheet(3, Answer::Level(1))),
            ("d".to_owned(), sheet(5, Answer::Level(1))),
        ];
        assert_eq!(
            by_item(&item_agreement(&card, &tie, &Reference::Mean), "tone").reference,
            Some(Answer::Level(3))
        );
    }

    #[test]
    fn deviations_from_the_mean_and_from_a_lead() {
        let scores = vec![
            ("li".to_owned(), Some(90.0)),
            ("wang".to_owned(), Some(75.0)),
            ("zhang".to_owned(), Some(84.0)),
            ("zhao".to_owned(), None),
        ];
        let (mean, rows) = deviations(&scores, &Reference::Mean);
        assert_eq!(mean, Some(83.0));
        let by_mean: Vec<Option<f64>> = rows.iter().map(|r| r.deviation).collect();
        assert_eq!(by_mean, [Some(7.0), Some(-8.0), Some(1.0), None]);
        let (lead, rows) = deviations(&scores, &Reference::Inspector("zhang".into()));
        assert_eq!(lead, Some(84.0));
        assert_eq!(rows[1].deviation, Some(-9.0));
        let (none, rows) = deviations(&scores, &Reference::Inspector("nobody".into()));
        assert_eq!(none, None);
        assert!(rows.iter().all(|r| r.deviation.is_none()));
    }
}
