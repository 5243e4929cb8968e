//! Calibration: several inspectors score one interaction blind; each one's deviation from the
//! reference score shows who scores harder or softer than the team.

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

#[cfg(test)]
mod tests {
    use super::*;

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
