//! 360° rating sums: per source (supervisor, peer, self) the number and sum of all dimension
//! answers, and per dimension the same, so that means are taken last and groups add up.

/// The sources, in counter order.
pub const RATING_SOURCES: [&str; 3] = ["supervisor", "peer", "self"];

/// Additive sums of a group's 360° ratings.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RatingCounters {
    /// Per source and dimension (response_speed, problem_solving, professionalism, process,
    /// satisfaction): how many answers (1–5) were given.
    pub answers: [[i64; 5]; 3],
    /// Per source and dimension: the sum of those answers.
    pub sums: [[i64; 5]; 3],
}

impl RatingCounters {
    /// Adds another group's sums.
    pub fn merge(&mut self, other: &RatingCounters) {
        for source in 0..3 {
            for dimension in 0..5 {
                self.answers[source][dimension] += other.answers[source][dimension];
                self.sums[source][dimension] += other.sums[source][dimension];
            }
        }
    }

    /// Adds the (count, sum) pairs of one source's five dimensions.
    pub fn add_source(&mut self, source: usize, pairs: [(i64, i64); 5]) {
        for (dimension, (count, sum)) in pairs.into_iter().enumerate() {
            self.answers[source][dimension] += count;
            self.sums[source][dimension] += sum;
        }
    }
}

/// The mean of every answer of `source` (index in [`RATING_SOURCES`]), 1–5; `None` without any.
pub fn rating_mean(r: &RatingCounters, source: usize) -> Option<f64> {
    let answers: i64 = r.answers[source].iter().sum();
    let sum: i64 = r.sums[source].iter().sum();
    (answers > 0).then(|| sum as f64 / answers as f64)
}

/// The mean answer of `source` on one dimension (index in the standard's order).
pub fn rating_dimension_mean(r: &RatingCounters, source: usize, dimension: usize) -> Option<f64> {
    let answers = r.answers[source][dimension];
    (answers > 0).then(|| r.sums[source][dimension] as f64 / answers as f64)
}
