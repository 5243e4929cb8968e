//! Survey counters and the CSAT, NPS and CES formulas over them (`docs/kpi.md#csat`). Like contact
//! counters they are additive integers, so a group's value is the same whether summed from single
//! responses or from sub-groups.

use servq_core::SurveyAnswers;

use crate::counters::QaCounters;

/// Survey sums of a group of contacts: invitations sent and answered, and per-question counts,
/// sums and sums of squares (for means and their confidence intervals).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SurveyCounters {
    /// Invitations sent for the group's contacts.
    pub invited: i64,
    /// Invitations that were answered.
    pub invited_responded: i64,
    /// Responses (from the survey page, the API or an import).
    pub responses: i64,
    /// Responses with a CSAT answer.
    pub csat_answers: i64,
    /// CSAT answers of 4 or 5 (satisfied on the three-level scale).
    pub csat_top2: i64,
    /// CSAT answers of 1 or 2 (unsatisfied on the three-level scale).
    pub csat_unsatisfied: i64,
    /// Σ CSAT (1–5).
    pub csat_sum: i64,
    /// Σ CSAT².
    pub csat_sum_squares: i64,
    /// Responses with an NPS answer.
    pub nps_answers: i64,
    /// NPS answers of 9 or 10.
    pub nps_promoters: i64,
    /// NPS answers of 0 to 6.
    pub nps_detractors: i64,
    /// Responses with a CES answer.
    pub ces_answers: i64,
    /// Σ CES (1–7).
    pub ces_sum: i64,
    /// Σ CES².
    pub ces_sum_squares: i64,
}

impl SurveyCounters {
    /// Column names of the counters, in [`SurveyCounters::to_array`] order (SQL sums use them).
    pub const FIELDS: [&'static str; 14] = [
        "invited",
        "invited_responded",
        "responses",
        "csat_answers",
        "csat_top2",
        "csat_unsatisfied",
        "csat_sum",
        "csat_sum_squares",
        "nps_answers",
        "nps_promoters",
        "nps_detractors",
        "ces_answers",
        "ces_sum",
        "ces_sum_squares",
    ];

    /// The counters as an array in [`SurveyCounters::FIELDS`] order.
    pub fn to_array(&self) -> [i64; 14] {
        [
            self.invited,
            self.invited_responded,
            self.responses,
            self.csat_answers,
            self.csat_top2,
            self.csat_unsatisfied,
            self.csat_sum,
            self.csat_sum_squares,
            self.nps_answers,
            self.nps_promoters,
            self.nps_detractors,
            self.ces_answers,
            self.ces_sum,
            self.ces_sum_squares,
        ]
    }

    /// Counters from an array in [`SurveyCounters::FIELDS`] order.
    pub fn from_array(values: [i64; 14]) -> SurveyCounters {
        let [
            invited,
            invited_responded,
            responses,
            csat_answers,
            csat_top2,
            csat_unsatisfied,
            csat_sum,
            csat_sum_squares,
            nps_answers,
            nps_promoters,
            nps_detractors,
            ces_answers,
            ces_sum,
            ces_sum_squares,
        ] = values;
        SurveyCounters {
            invited,
            invited_responded,
            responses,
            csat_answers,
            csat_top2,
            csat_unsatisfied,
            csat_sum,
            csat_sum_squares,
            nps_answers,
            nps_promoters,
            nps_detractors,
            ces_answers,
            ces_sum,
            ces_sum_squares,
        }
    }

    /// Counts one response.
    pub fn add(&mut self, answers: &SurveyAnswers) {
        self.responses += 1;
        if let Some(csat) = answers.csat {
            let value = i64::from(csat.value());
            self.csat_answers += 1;
            self.csat_top2 += i64::from(csat.is_top_two_box());
            self.csat_unsatisfied += i64::from(csat.is_unsatisfied());
            self.csat_sum += value;
            self.csat_sum_squares += value * value;
        }
        if let Some(nps) = answers.nps {
            self.nps_answers += 1;
            self.nps_promoters += i64::from(nps >= 9);
            self.nps_detractors += i64::from(nps <= 6);
        }
        if let Some(ces) = answers.ces {
            let value = i64::from(ces);
            self.ces_answers += 1;
            self.ces_sum += value;
            self.ces_sum_squares += value * value;
        }
    }

    /// Adds another group's counters.
    pub fn merge(&mut self, other: &SurveyCounters) {
        let mut values = self.to_array();
        for (value, add) in values.iter_mut().zip(other.to_array()) {
            *value += add;
        }
        *self = SurveyCounters::from_array(values);
    }
}

/// What customers, inspectors and colleagues said: QA evaluations and surveys of a group's
/// contacts, the 360° ratings of its agents, and the group's tickets.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FeedbackCounters {
    /// QA evaluation sums.
    pub qa: QaCounters,
    /// Survey sums.
    pub survey: SurveyCounters,
    /// 360° rating sums (per agent or team only).
    pub ratings: crate::RatingCounters,
    /// Sums of the tickets created in the period (per agent as assignee, team, category,
    /// channel or overall; one of those at a time).
    pub tickets: servq_desk::TicketCounters,
    /// Customer counts (centre or segment only; see `customers`).
    pub customers: crate::CustomerCounters,
}

impl FeedbackCounters {
    /// Adds another group's counters.
    pub fn merge(&mut self, other: &FeedbackCounters) {
        self.qa.merge(&other.qa);
        self.survey.merge(&other.survey);
        self.ratings.merge(&other.ratings);
        self.tickets.merge(&other.tickets);
        self.customers.merge(&other.customers);
    }
}

/// Ratings (1–5) one stage of the interaction got in a group's responses.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StageSums {
    /// Responses rating the stage.
    pub answers: i64,
    /// Σ rating.
    pub sum: i64,
    /// Σ rating².
    pub sum_squares: i64,
    /// Ratings of 1 or 2.
    pub low: i64,
}

impl StageSums {
    fn add(&mut self, rating: u8) {
        let rating = i64::from(rating);
        self.answers += 1;
        self.sum += rating;
        self.sum_squares += rating * rating;
        self.low += i64::from(rating <= 2);
    }

    /// Mean rating.
    pub fn mean(&self) -> Option<f64> {
        ratio(self.sum, self.answers)
    }

    /// Share of ratings of 1 or 2.
    pub fn low_share(&self) -> Option<f64> {
        ratio(self.low, self.answers)
    }
}

/// The stage-rating view of a group's responses (`docs/kpi.md#stage-ratings`): each stage's
/// ratings, and for responses rating the farewell and at least one peak stage, the peak-end
/// estimate (peak + end) / 2 beside the plain mean of the rated stages and the CSAT of the same
/// responses. The peak is the peak-stage rating (greeting, understanding, answer) furthest from
/// the neutral 3, the lower one on a tie (a bad moment weighs more).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct StageView {
    /// Greeting, understanding, answer, farewell.
    pub stages: [StageSums; 4],
    /// Responses with a peak-end estimate.
    pub peak_end_answers: i64,
    /// Σ (peak + end) / 2.
    pub peak_end_sum: f64,
    /// Σ mean of the rated stages, over the same responses.
    pub stage_mean_sum: f64,
    /// Of those responses, the ones with CSAT.
    pub csat_answers: i64,
    /// Σ CSAT of those.
    pub csat_sum: i64,
}

impl StageView {
    /// Counts one response.
    pub fn add(&mut self, answers: &SurveyAnswers) {
        for (sums, rating) in self.stages.iter_mut().zip(answers.stages) {
            if let Some(rating) = rating {
                sums.add(rating);
            }
        }
        let [greeting, understanding, answer, farewell] = answers.stages;
        let peak = [greeting, understanding, answer]
            .into_iter()
            .flatten()
            .max_by_key(|&rating| ((i16::from(rating) - 3).abs(), -i16::from(rating)));
        if let (Some(peak), Some(end)) = (peak, farewell) {
            let rated: Vec<f64> = answers
                .stages
                .iter()
                .flatten()
                .map(|&r| f64::from(r))
                .collect();
            self.peak_end_answers += 1;
            self.peak_end_sum += (f64::from(peak) + f64::from(end)) / 2.0;
            self.stage_mean_sum += rated.iter().sum::<f64>() / rated.len() as f64;
            if let Some(csat) = answers.csat {
                self.csat_answers += 1;
                self.csat_sum += i64::from(csat.value());
            }
        }
    }

    /// Mean peak-end estimate.
    pub fn peak_end(&self) -> Option<f64> {
        (self.peak_end_answers > 0).then(|| self.peak_end_sum / self.peak_end_answers as f64)
    }

    /// Mean of the plain stage means over the same responses.
    pub fn stage_mean(&self) -> Option<f64> {
        (self.peak_end_answers > 0).then(|| self.stage_mean_sum / self.peak_end_answers as f64)
    }

    /// Mean CSAT of the same responses.
    pub fn csat_mean(&self) -> Option<f64> {
        ratio(self.csat_sum, self.csat_answers)
    }
}

fn ratio(numerator: i64, denominator: i64) -> Option<f64> {
    (denominator > 0).then(|| numerator as f64 / denominator as f64)
}

/// CSAT (top-2-box) = CSAT answers of 4–5 / CSAT answers. (`docs/kpi.md#csat`)
pub fn csat(s: &SurveyCounters) -> Option<f64> {
    ratio(s.csat_top2, s.csat_answers)
}

/// CSAT mean on the 1–5 scale (three-level answers count as 5/3/1). (`docs/kpi.md#csat_mean`)
pub fn csat_mean(s: &SurveyCounters) -> Option<f64> {
    ratio(s.csat_sum, s.csat_answers)
}

/// NPS = 100 × (promoters (9–10) − detractors (0–6)) / NPS answers, from −100 to 100.
/// (`docs/kpi.md#nps`)
pub fn nps(s: &SurveyCounters) -> Option<f64> {
    ratio(s.nps_promoters - s.nps_detractors, s.nps_answers).map(|share| share * 100.0)
}

/// CES mean on the 1–7 agreement scale (higher = less effort). (`docs/kpi.md#ces`)
pub fn ces(s: &SurveyCounters) -> Option<f64> {
    ratio(s.ces_sum, s.ces_answers)
}

/// Response rate = answered invitations / invitations sent. (`docs/kpi.md#survey_response_rate`)
pub fn survey_response_rate(s: &SurveyCounters) -> Option<f64> {
    ratio(s.invited_responded, s.invited)
}

#[cfg(test)]
mod tests {
    use servq_core::{Csat, SurveyAnswers};

    use super::*;

    fn nps_of(scores: &[u8]) -> SurveyCounters {
        let mut counters = SurveyCounters::default();
        for &score in scores {
            counters.add(&SurveyAnswers {
                nps: Some(score),
                ..SurveyAnswers::default()
            });
        }
        counters
    }

    /// Hand-computed: 0..=10 once each → 2 promoters, 7 detractors of 11 → −5/11 = −45.45.
    #[test]
    fn nps_of_zero_to_ten_is_minus_45_45() {
        let counters = nps_of(&[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
        assert_eq!((counters.nps_promoters, counters.nps_detractors), (2, 7));
        assert_eq!(
            format!("{:.2}", nps(&counters).unwrap()),
            "-45.45",
            "NPS of 0..10"
        );
        assert_eq!(nps(&nps_of(&[9, 10, 10])), Some(100.0));
        assert_eq!(nps(&nps_of(&[7, 8])), Some(0.0));
        assert_eq!(nps(&nps_of(&[])), None);
    }

    /// Hand-computed: answers 5, 5, 4, 3, 1 → top-2-box 3/5 = 60 %, mean 18/5 = 3.6, one
    /// unsatisfied; CES 7, 4 → 5.5; response rate 2 of 4 invitations.
    #[test]
    fn csat_top_two_box_mean_and_ces() {
        let mut counters = SurveyCounters::default();
        for (value, ces) in [(5, Some(7)), (5, None), (4, Some(4)), (3, None), (1, None)] {
            counters.add(&SurveyAnswers {
                csat: Csat::from_stored(value),
                ces,
                ..SurveyAnswers::default()
            });
        }
        counters.invited = 4;
        counters.invited_responded = 2;
        assert_eq!(csat(&counters), Some(0.6));
        assert_eq!(csat_mean(&counters), Some(3.6));
        assert_eq!(counters.csat_unsatisfied, 1);
        assert_eq!(counters.csat_sum_squares, 25 + 25 + 16 + 9 + 1);
        assert_eq!(ces(&counters), Some(5.5));
        assert_eq!(survey_response_rate(&counters), Some(0.5));
        let mut doubled = counters;
        doubled.merge(&counters);
        assert_eq!(doubled.responses, 10);
        assert_eq!(csat(&doubled), csat(&counters));
        assert_eq!(
            SurveyCounters::from_array(counters.to_array()),
            counters,
            "array round trip"
        );
    }

    /// Hand-computed: greeting 5, answer 2, farewell 4 → the peak is 5 (|5−3| = 2 > |2−3| = 1),
    /// end 4 → 4.5; plain mean (5+2+4)/3 = 3.667. A second
    /// response greeting 1, understanding 5, farewell 3: tie at distance 2 → the lower, 1 →
    /// (1+3)/2 = 2.
    #[test]
    fn stage_view_peak_end() {
        let mut view = StageView::default();
        view.add(&SurveyAnswers {
            stages: [Some(5), None, Some(2), Some(4)],
            csat: Csat::from_stored(5),
            ..SurveyAnswers::default()
        });
        view.add(&SurveyAnswers {
            stages: [Some(1), Some(5), None, Some(3)],
            ..SurveyAnswers::default()
        });
        // no farewell: counts in its stage, not in peak-end
        view.add(&SurveyAnswers {
            stages: [Some(2), None, None, None],
            ..SurveyAnswers::default()
        });
        assert_eq!(view.peak_end_answers, 2);
        assert_eq!(view.peak_end(), Some((4.5 + 2.0) / 2.0));
        let plain = (11.0 / 3.0 + 3.0) / 2.0;
        assert!((view.stage_mean().unwrap() - plain).abs() < 1e-12);
        assert_eq!(view.csat_mean(), Some(5.0));
        assert_eq!(view.stages[0].answers, 3);
        assert_eq!(view.stages[0].low, 2);
        assert_eq!(view.stages[0].mean(), Some(8.0 / 3.0));
        assert_eq!(view.stages[1].low_share(), Some(0.0));
    }
}
