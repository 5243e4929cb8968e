//! Johnson's relative weights (docs/stats.md, "Relative importance").

use faer::{Mat, Side};

use crate::{Column, StatsError, corr::pearson};

/// A predictor's share of the explained variance.
#[derive(Debug, Clone, PartialEq)]
pub struct RelativeWeight {
    /// The predictor.
    pub name: String,
    /// Its raw weight; the weights are ≥ 0 and sum to the model's R².
    pub weight: f64,
    /// weight / R², in [0, 1].
    pub share: f64,
}

/// Johnson (2000): with the predictors' correlation matrix Rxx = V·Λ·Vᵀ, its symmetric root
/// Λ* = V·Λ^½·Vᵀ and β* = Λ*⁻¹·rxy (the regression of y on the orthogonal counterparts of the
/// predictors), weight_j = Σ_k Λ*_jk²·β*_k². Rows with a missing value are left out.
pub fn relative_weights(
    y: Column,
    predictors: &[Column],
) -> Result<Vec<RelativeWeight>, StatsError> {
    let p = predictors.len();
    if p == 0 {
        return Err(StatsError::NoPredictors);
    }
    let rows: Vec<usize> = (0..y.values.len())
        .filter(|&i| !y.values[i].is_nan() && predictors.iter().all(|c| !c.values[i].is_nan()))
        .collect();
    let take = |c: &Column| -> Vec<f64> { rows.iter().map(|&i| c.values[i]).collect() };
    let ys = take(&y);
    let xs: Vec<Vec<f64>> = predictors.iter().map(take).collect();
    let rxx = Mat::from_fn(
        p,
        p,
        |i, j| if i == j { 1.0 } else { pearson(&xs[i], &xs[j]) },
    );
    let rxy: Vec<f64> = xs.iter().map(|x| pearson(x, &ys)).collect();
    if rxy.iter().any(|r| r.is_nan()) || (0..p).any(|i| (0..p).any(|j| rxx[(i, j)].is_nan())) {
        return Err(StatsError::RankDeficient {
            columns: predictors
                .iter()
                .zip(&rxy)
                .filter(|(_, r)| r.is_nan())
                .map(|(c, _)| c.name.to_owned())
                .collect(),
        });
    }
    let names: Vec<&str> = predictors.iter().map(|c| c.name).collect();
    from_correlations(&names, &rxx, &rxy)
}

/// Relative weights from the predictors' correlation matrix `rxx` and their correlations with
/// the target `rxy`.
pub(crate) fn from_correlations(
    names: &[&str],
    rxx: &Mat<f64>,
    rxy: &[f64],
) -> Result<Vec<RelativeWeight>, StatsError> {
    let p = names.len();
    let eigen = rxx
        .self_adjoint_eigen(Side::Lower)
        .map_err(|_| StatsError::NoPredictors)?;
    let (vectors, values) = (eigen.U(), eigen.S());
    let largest = (0..p).map(|k| values[k]).fold(0.0, f64::max);
    if (0..p).any(|k| values[k] <= largest * 1e-14) {
        return Err(StatsError::RankDeficient {
            columns: names.iter().map(|name| name.to_string()).collect(),
        });
    }
    // Λ* = V·diag(√λ)·Vᵀ and its inverse V·diag(1/√λ)·Vᵀ
    let root = Mat::from_fn(p, p, |i, j| {
        (0..p)
            .map(|k| vectors[(i, k)] * values[k].sqrt() * vectors[(j, k)])
            .sum::<f64>()
    });
    let beta: Vec<f64> = (0..p)
        .map(|i| {
            (0..p)
                .map(|j| {
                    let inverse_root: f64 = (0..p)
                        .map(|k| vectors[(i, k)] / values[k].sqrt() * vectors[(j, k)])
                        .sum();
                    inverse_root * rxy[j]
                })
                .sum()
        })
        .collect();
    let weights: Vec<f64> = (0..p)
        .map(|j| (0..p).map(|k| root[(j, k)].powi(2) * beta[k].powi(2)).sum())
        .collect();
    let r_squared: f64 = weights.iter().sum();
    Ok(names
        .iter()
        .zip(weights)
        .map(|(name, weight)| RelativeWeight {
            name: name.to_string(),
            weight,
            share: weight / r_squared,
        })
        .collect())
}
