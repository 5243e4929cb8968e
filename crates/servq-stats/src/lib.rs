//! Statistics for servq's driver analysis: which service measures move satisfaction, and by how
//! much. Plain numeric columns in, results out; the crate knows nothing about contacts and does
//! no IO. Formulas and the driver procedure are written out in `docs/stats.md`.
//!
//! - [`correlation`]: Pearson and Spearman matrices with two-sided p-values, pairwise complete.
//! - [`ols`]: least squares by column-pivoted Householder QR (never the normal equations), with
//!   iterative refinement in double-double arithmetic when the design is ill-conditioned;
//!   coefficients, standard errors, t, p, confidence intervals, R², F, VIF; rank deficiency is
//!   reported by column name.
//! - [`relative_weights`]: Johnson's relative weights (non-negative, summing to R²).
//! - [`drivers`]: the driver procedure — collinearity resolution, backward elimination — with a
//!   step log in Chinese and English.
//! - [`pareto`] and [`quadrant`]: the vital few and the frequency × impact matrix;
//!   [`coverage_pareto`] when one case can have several reasons.
//! - [`wilson_interval`], [`mean_interval`], [`nps_interval`]: confidence intervals of survey
//!   measures.
//! - [`welch_t_test`]: whether two samples (two months' daily values) differ beyond chance.

mod control;
mod corr;
pub mod distribution;
mod drivers;
mod extended;
mod intervals;
mod ols;
mod pareto;
mod subsets;
mod weights;
mod welch;

pub use control::{D2_FOR_TWO, MIN_SIGNAL_BASELINE, SHIFT_RUN, XmrLimits, xmr_limits, xmr_signal};
pub use corr::{CorrelationMatrix, Method, correlation};
pub use drivers::{DriverAnalysis, DriverOptions, Language, Step, drivers};
pub use intervals::{Interval, mean_interval, nps_interval, wilson_interval};
pub use ols::{Coefficient, Column, OlsFit, f_statistic_from_r_squared, ols};
pub use pareto::{
    CoverageRow, MatrixItem, MatrixSplit, ParetoRow, ProblemCaseFacts, Quadrant, QuadrantItem,
    coverage_pareto, frequency_impact, pareto, quadrant, vital_few_count,
};
pub use weights::{RelativeWeight, relative_weights};
pub use welch::{TwoSampleTest, welch_t_test};

/// Why a statistic cannot be computed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum StatsError {
    /// Fewer complete observations than the model needs.
    #[error("{needed} complete observations are needed, only {available} are available")]
    NotEnoughObservations {
        /// Complete rows available.
        available: usize,
        /// Rows needed (parameters + 1).
        needed: usize,
    },
    /// Some predictors are exact linear combinations of the others (or constant).
    #[error("the predictors are linearly dependent: {} can be written from the others", columns.join(", "))]
    RankDeficient {
        /// The columns that add nothing, by name.
        columns: Vec<String>,
    },
    /// Columns of different lengths.
    #[error("column {name} has {len} values, expected {expected}")]
    LengthMismatch {
        /// The column.
        name: String,
        /// Its length.
        len: usize,
        /// The response's length.
        expected: usize,
    },
    /// An infinite value (missing values are NaN and are skipped).
    #[error("column {name} has an infinite value in row {row}")]
    Infinite {
        /// The column.
        name: String,
        /// Zero-based row.
        row: usize,
    },
    /// An option outside its range.
    #[error("{name} must be {expected}, got {value}")]
    OutOfRange {
        /// The option.
        name: &'static str,
        /// The accepted range.
        expected: &'static str,
        /// The value given.
        value: f64,
    },
    /// A model without predictors where one is needed.
    #[error("no predictors left")]
    NoPredictors,
    /// Backward elimination removed every predictor: none explains the target at the level.
    #[error(
        "no measure significantly explains {target}: the last one left, {last}, has p = {p:.4} > {alpha}; \
         try a longer period or other measures"
    )]
    NothingSignificant {
        /// The target.
        target: String,
        /// The last predictor removed.
        last: String,
        /// Its p-value.
        p: f64,
        /// The significance level.
        alpha: f64,
    },
}
