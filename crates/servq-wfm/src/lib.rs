//! Workforce management for servq: queueing models that turn an interval's offered contacts
//! into the agents it needs, and a forecast of those contacts from history.
//!
//! - [`erlang_b`], [`erlang_c`] and [`evaluate`] give the performance of a staffing level under
//!   Erlang B (lost calls), Erlang C (M/M/N, infinite patience) or Erlang A (M/M/N+M, exponential
//!   patience). Every formula is written out, with its derivation, in `docs/wfm.md`.
//! - [`required_staff`] finds the smallest number of agents that meets a set of [`Target`]s
//!   under an occupancy cap, and the staff to schedule once shrinkage is added.
//! - [`forecast`] predicts offered contacts and handle time per interval from weekday ×
//!   time-of-day seasonality with a linear trend, and [`forecast::holdout`] reports its error.
//!
//! Nothing here computes `A^N/N!`: Erlang B comes from its recursion and the Erlang A queue sums
//! are rescaled as they grow, so results stay exact to rounding from 1 to 100 000 agents.
//! The crate does no IO.

mod erlang;
pub mod forecast;
mod staffing;

pub use erlang::{Model, Patience, Performance, Workload, erlang_b, erlang_c, evaluate};
pub use staffing::{Staffing, StaffingPolicy, Target, required_staff, staff_with_shrinkage};

/// Why a workforce computation cannot be done.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum WfmError {
    /// An input is outside its domain (negative calls, zero handle time, a fraction above 1…).
    #[error("{name} must be {expected}, got {value}")]
    OutOfRange {
        /// The input's name as the user knows it.
        name: &'static str,
        /// The accepted range in words.
        expected: &'static str,
        /// The value given.
        value: f64,
    },
    /// A target that the chosen model cannot express (abandonment without patience…).
    #[error("the {target} target needs {needs}")]
    TargetNeedsModel {
        /// The target.
        target: &'static str,
        /// What the model lacks, in words.
        needs: &'static str,
    },
    /// No staffing up to the search limit meets the targets.
    #[error("no staffing up to {limit} agents meets the targets")]
    Unreachable {
        /// The largest number of agents tried.
        limit: u32,
    },
}

/// Checks that `value` is finite and within `[low, high]`, naming it in the error.
fn check_range(
    name: &'static str,
    value: f64,
    low: f64,
    high: f64,
    expected: &'static str,
) -> Result<f64, WfmError> {
    if value.is_finite() && value >= low && value <= high {
        Ok(value)
    } else {
        Err(WfmError::OutOfRange {
            name,
            expected,
            value,
        })
    }
}
