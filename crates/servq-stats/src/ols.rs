//! Ordinary least squares by column-pivoted Householder QR (docs/stats.md, "OLS").
//!
//! The predictors are centred (when there is an intercept) and scaled to unit length, which is
//! an exact reparameterisation that removes the usual near-collinearity with the constant, then
//! factored as A·P = Q·R. When the factor says the problem is ill-conditioned, the solution is
//! refined on the augmented system [I A; Aᵀ 0] with residuals computed in double-double
//! arithmetic from the exact centred data, so the answer is the least-squares solution of the
//! data as given, to about the last digit, not to cond(A)·ε.

use std::borrow::Cow;

use faer::{
    Mat, MatMut, Par,
    dyn_stack::{MemBuffer, MemStack},
    linalg::householder,
};

use crate::{
    StatsError,
    distribution::{f_upper_p, t_quantile, t_two_sided_p},
    extended::{DoubleDouble, compensated_sum},
};

/// A named column of values; NaN marks a missing value.
#[derive(Debug, Clone, Copy)]
pub struct Column<'a> {
    /// The column's name, used in results and errors.
    pub name: &'a str,
    /// The values, one per observation.
    pub values: &'a [f64],
}

/// One estimated coefficient.
#[derive(Debug, Clone, PartialEq)]
pub struct Coefficient {
    /// `(intercept)` or the predictor's name.
    pub name: String,
    /// The estimate.
    pub estimate: f64,
    /// Its standard error.
    pub std_error: f64,
    /// t = estimate / standard error.
    pub t: f64,
    /// Two-sided p-value of t.
    pub p: f64,
    /// Lower end of the 95 % confidence interval.
    pub ci_low: f64,
    /// Upper end of the 95 % confidence interval.
    pub ci_high: f64,
}

/// A fitted linear model.
#[derive(Debug, Clone, PartialEq)]
pub struct OlsFit {
    /// Complete observations used (rows with a missing value anywhere are left out).
    pub n: usize,
    /// Whether the model has an intercept.
    pub intercept: bool,
    /// Number of predictors (the intercept not counted).
    pub df_model: f64,
    /// n − predictors − intercept.
    pub df_residual: f64,
    /// The intercept first (if any), then the predictors in the order given.
    pub coefficients: Vec<Coefficient>,
    /// 1 − RSS/TSS; TSS about the mean with an intercept, about zero without (uncentred R²).
    pub r_squared: f64,
    /// 1 − (1 − R²)·(n − intercept)/df_residual.
    pub adj_r_squared: f64,
    /// ((TSS − RSS)/df_model) / (RSS/df_residual).
    pub f_statistic: f64,
    /// Upper-tail p-value of F.
    pub f_p_value: f64,
    /// √(RSS/df_residual).
    pub residual_std_error: f64,
    /// Residual sum of squares.
    pub rss: f64,
    /// Total sum of squares (centred or not, as R²).
    pub tss: f64,
    /// Variance inflation factor of each predictor, 1/(1 − R²ⱼ) (models with an intercept).
    pub vif: Vec<f64>,
    /// Standardised coefficients βⱼ·sd(xⱼ)/sd(y) of the predictors (models with an intercept).
    pub standardized: Vec<f64>,
    /// Estimated condition number of the centred, scaled design.
    pub condition_number: f64,
    /// Refinement steps taken (0 for a well-conditioned design).
    pub refinement_steps: usize,
}

/// Designs whose scaled condition number exceeds this are refined in extended precision.
const REFINE_ABOVE_CONDITION: f64 = 1e3;
/// A pivot below this fraction of the largest (times max(n, p)·ε) means a dependent column.
const RANK_TOLERANCE: f64 = 10.0;

/// The overall F of a model with an intercept from its R²: (R²/k) / ((1 − R²)/(n − k − 1)),
/// for `predictors` = k and `n` observations (the form in which studies report it).
pub fn f_statistic_from_r_squared(r_squared: f64, n: usize, predictors: usize) -> f64 {
    let k = predictors as f64;
    (r_squared / k) / ((1.0 - r_squared) / (n as f64 - k - 1.0))
}

/// Fits y = b₀ + Σ bⱼ·xⱼ (or without b₀) by least squares.
pub fn ols(y: Column, predictors: &[Column], intercept: bool) -> Result<OlsFit, StatsError> {
    if predictors.is_empty() {
        return Err(StatsError::NoPredictors);
    }
    let rows = complete_rows(y, predictors)?;
    let n = rows.len();
    let p = predictors.len();
    let parameters = p + usize::from(intercept);
    if n < parameters + 1 {
        return Err(StatsError::NotEnoughObservations {
            available: n,
            needed: parameters + 1,
        });
    }
    // the complete rows, gathered only when some are missing
    let y_values = gather(y.values, &rows);
    let data: Vec<Cow<[f64]>> = predictors.iter().map(|c| gather(c.values, &rows)).collect();
    drop(rows);
    // Centres and lengths only precondition (the constant stays in the model and the scale is
    // undone exactly), so plain sums do.
    let mean = |values: &[f64]| {
        if intercept {
            values.iter().sum::<f64>() / n as f64
        } else {
            0.0
        }
    };
    let centres: Vec<f64> = data.iter().map(|c| mean(c)).collect();
    let y_centre = mean(&y_values);
    let lengths: Vec<f64> = data
        .iter()
        .zip(&centres)
        .map(|(c, m)| c.iter().map(|v| (v - m) * (v - m)).sum::<f64>().sqrt())
        .collect();
    let constant: Vec<String> = predictors
        .iter()
        .zip(&lengths)
        .filter(|(_, length)| **length == 0.0)
        .map(|(c, _)| c.name.to_owned())
        .collect();
    if !constant.is_empty() {
        return Err(StatsError::RankDeficient { columns: constant });
    }

    // Design columns: the constant first (with an intercept), then the centred predictors. The
    // centre is a rounded mean, so the constant stays in the model: centring is then an exact
    // change of coordinates whatever the rounding, and only a preconditioner.
    let offset = usize::from(intercept);
    let k = parameters;
    let scale: Vec<f64> = (0..k)
        .map(|c| {
            if c < offset {
                (n as f64).sqrt()
            } else {
                lengths[c - offset]
            }
        })
        .collect();
    let name_of = |c: usize| {
        if c < offset {
            "(intercept)"
        } else {
            predictors[c - offset].name
        }
    };
    // exact design value as double-double: 1, or x − centre
    let value = |i: usize, c: usize| {
        if c < offset {
            DoubleDouble::difference(1.0, 0.0)
        } else {
            DoubleDouble::difference(data[c - offset][i], centres[c - offset])
        }
    };
    let design = Mat::from_fn(n, k, |i, c| {
        if c < offset {
            1.0 / scale[c]
        } else {
            (data[c - offset][i] - centres[c - offset]) / scale[c]
        }
    });
    let qr = Householder::factor(design);
    let r = qr.r.clone();
    let pivot: Vec<usize> = qr.pivot.clone();

    // rank: pivots are in decreasing size
    let tolerance = RANK_TOLERANCE * (n.max(k) as f64) * f64::EPSILON * r[(0, 0)].abs();
    if let Some(rank) = (0..k).find(|&d| r[(d, d)].abs() <= tolerance) {
        let mut columns: Vec<String> = pivot[rank..]
            .iter()
            .map(|&c| name_of(c).to_owned())
            .collect();
        columns.sort();
        return Err(StatsError::RankDeficient { columns });
    }
    let r_inverse = upper_inverse(&r);
    let frobenius = |m: &Mat<f64>| {
        let mut sum = 0.0;
        for j in 0..m.ncols() {
            for i in 0..m.nrows() {
                sum += m[(i, j)] * m[(i, j)];
            }
        }
        sum.sqrt()
    };
    let condition_number = frobenius(&r) * frobenius(&r_inverse);

    let solver = Solver {
        qr: &qr,
        r_inverse: &r_inverse,
        pivot: &pivot,
    };
    let centred_y = |i: usize| DoubleDouble::difference(y_values[i], y_centre);

    // first solution from the factorisation
    let mut rhs = Mat::from_fn(n, 1, |i, _| centred_y(i).value());
    solver.apply_qt(rhs.as_mut());
    let scaled = solver.solve_r(&(0..k).map(|d| rhs[(d, 0)]).collect::<Vec<_>>());
    // the solution is carried in double-double too: in an ill-conditioned problem the
    // corrections fall below an f64 ulp long before they stop mattering
    let mut x: Vec<DoubleDouble> = (0..k)
        .map(|c| DoubleDouble::difference(scaled[c] / scale[c], 0.0))
        .collect();

    // y_c − r − X·x in double-double (r itself carried in double-double: once the design is
    // ill-conditioned, rounding r to f64 would cap the accuracy at about κ²·ε)
    let residual_of = |x: &[DoubleDouble], i: usize, r: DoubleDouble| {
        let mut sum = centred_y(i);
        sum.add(-r.hi);
        sum.add(-r.lo);
        for (c, b) in x.iter().enumerate() {
            let v = value(i, c);
            sum.add_product(v, -b.hi);
            sum.add(-v.hi * b.lo);
        }
        sum
    };
    let zero = DoubleDouble::default();
    let mut refinement_steps = 0;
    let residuals: Vec<f64> = if condition_number <= REFINE_ABOVE_CONDITION {
        // well-conditioned: the factorisation's answer is accurate to a few ulps, and so are
        // plain residuals
        let shift = y_centre + if intercept { x[0].hi } else { 0.0 };
        let mut residuals: Vec<f64> = y_values.iter().map(|v| v - shift).collect();
        for (j, column) in data.iter().enumerate() {
            let (slope, centre) = (x[j + offset].hi, centres[j]);
            for (r, v) in residuals.iter_mut().zip(column.iter()) {
                *r -= (v - centre) * slope;
            }
        }
        residuals
    } else {
        let mut residuals: Vec<DoubleDouble> = (0..n).map(|i| residual_of(&x, i, zero)).collect();
        for _ in 0..10 {
            refinement_steps += 1;
            // f = b − r − A·x and g = −Aᵀ·r, in extended precision
            let f: Vec<f64> = (0..n)
                .map(|i| residual_of(&x, i, residuals[i]).value())
                .collect();
            let g: Vec<f64> = (0..k)
                .map(|c| {
                    let mut sum = DoubleDouble::default();
                    for (i, r) in residuals.iter().enumerate() {
                        let v = value(i, c);
                        sum.add_product(v, -r.hi);
                        sum.add(-v.hi * r.lo);
                    }
                    sum.value() / scale[c]
                })
                .collect();
            let (delta_r, delta_scaled) = solver.augmented_correction(&f, &g);
            let size = (0..k)
                .map(|c| (x[c].hi * scale[c]).abs())
                .fold(0.0, f64::max);
            let change = delta_scaled.iter().map(|d| d.abs()).fold(0.0, f64::max) / size;
            for c in 0..k {
                x[c].add(delta_scaled[c] / scale[c]);
            }
            for (r, d) in residuals.iter_mut().zip(&delta_r) {
                r.add(*d);
            }
            // both parts must settle: the residual can still move when the solution does not
            let residual_size = residuals.iter().map(|r| r.hi.abs()).fold(0.0, f64::max);
            let residual_change = delta_r.iter().map(|d| d.abs()).fold(0.0, f64::max);
            // 1e-20: far below what the f64 answer can show, above double-double noise
            let settled = change <= 1e-20 && residual_change <= 1e-20 * residual_size;
            if settled || !change.is_finite() {
                break;
            }
        }
        // the residuals exactly for the final solution
        residuals = (0..n).map(|i| residual_of(&x, i, zero)).collect();
        residuals.iter().map(|r| r.value()).collect()
    };
    let solution = x;
    let x: Vec<f64> = solution.iter().map(|v| v.value()).collect();

    let rss = compensated_sum(residuals.iter().map(|r| r * r));
    let tss = if intercept {
        let deviations: Vec<f64> = (0..n).map(|i| centred_y(i).value()).collect();
        let shift = compensated_sum(deviations.iter().copied()) / n as f64;
        compensated_sum(deviations.iter().map(|d| (d - shift).powi(2)))
    } else {
        compensated_sum(y_values.iter().map(|v| v * v))
    };
    let df_model = p as f64;
    let df_residual = (n - parameters) as f64;
    let variance = rss / df_residual;
    let residual_std_error = variance.sqrt();
    let r_squared = 1.0 - rss / tss;
    let adj_r_squared = 1.0 - (1.0 - r_squared) * (n - offset) as f64 / df_residual;
    let f_statistic = ((tss - rss) / df_model) / variance;
    let f_p_value = f_upper_p(f_statistic, df_model, df_residual);

    // vᵀ(AᵀA)⁻¹v = ‖R⁻ᵀ·Pᵀ·v‖², since A·P = Q·R
    let quadratic_form = |v: &dyn Fn(usize) -> f64| -> f64 {
        (0..k)
            .map(|l| {
                let w: f64 = (0..=l).map(|d| r_inverse[(d, l)] * v(pivot[d])).sum();
                w * w
            })
            .sum()
    };
    let inverse_diagonal: Vec<f64> = (0..k)
        .map(|c| quadratic_form(&|other| if other == c { 1.0 } else { 0.0 }))
        .collect();
    let quantile = t_quantile(0.975, df_residual);
    let coefficient = |name: &str, estimate: f64, std_error: f64| {
        let t = estimate / std_error;
        Coefficient {
            name: name.to_owned(),
            estimate,
            std_error,
            t,
            p: t_two_sided_p(t, df_residual),
            ci_low: estimate - quantile * std_error,
            ci_high: estimate + quantile * std_error,
        }
    };
    let mut coefficients = Vec::with_capacity(parameters);
    if intercept {
        // b₀ = ȳ_c + x₀ − Σ bⱼ·centreⱼ, a linear form v of the scaled solution
        let mut b0 = DoubleDouble::difference(y_centre, 0.0);
        b0.add(solution[0].hi);
        b0.add(solution[0].lo);
        for j in 0..p {
            let slope = solution[j + 1];
            b0.add_product(DoubleDouble::difference(centres[j], 0.0), -slope.hi);
            b0.add(-centres[j] * slope.lo);
        }
        let form = |c: usize| {
            if c == 0 {
                1.0 / scale[0]
            } else {
                -centres[c - 1] / scale[c]
            }
        };
        let std_error = (variance * quadratic_form(&form)).sqrt();
        coefficients.push(coefficient("(intercept)", b0.value(), std_error));
    }
    for (j, column) in predictors.iter().enumerate() {
        let c = j + offset;
        let std_error = (variance * inverse_diagonal[c]).sqrt() / scale[c];
        coefficients.push(coefficient(column.name, x[c], std_error));
    }
    // with centred unit-length columns the slope block of (AᵀA)⁻¹ is the inverse correlation
    // matrix, whose diagonal is the VIF
    let (vif, standardized) = if intercept {
        (
            inverse_diagonal[1..].to_vec(),
            (0..p).map(|j| x[j + 1] * lengths[j] / tss.sqrt()).collect(),
        )
    } else {
        (Vec::new(), Vec::new())
    };
    Ok(OlsFit {
        n,
        intercept,
        df_model,
        df_residual,
        coefficients,
        r_squared,
        adj_r_squared,
        f_statistic,
        f_p_value,
        residual_std_error,
        rss,
        tss,
        vif,
        standardized,
        condition_number,
        refinement_steps,
    })
}

/// The values at `rows`, borrowed when that is every row.
pub(crate) fn gather<'a>(values: &'a [f64], rows: &[usize]) -> Cow<'a, [f64]> {
    if rows.len() == values.len() {
        Cow::Borrowed(values)
    } else {
        Cow::Owned(rows.iter().map(|&i| values[i]).collect())
    }
}

/// Indices of rows where the response and every predictor are present (not NaN).
fn complete_rows(y: Column, predictors: &[Column]) -> Result<Vec<usize>, StatsError> {
    let len = y.values.len();
    for column in std::iter::once(&y).chain(predictors) {
        if column.values.len() != len {
            return Err(StatsError::LengthMismatch {
                name: column.name.to_owned(),
                len: column.values.len(),
                expected: len,
            });
        }
        if let Some(row) = column.values.iter().position(|v| v.is_infinite()) {
            return Err(StatsError::Infinite {
                name: column.name.to_owned(),
                row,
            });
        }
    }
    let any_missing = std::iter::once(&y)
        .chain(predictors)
        .any(|column| column.values.iter().any(|v| v.is_nan()));
    if !any_missing {
        return Ok((0..len).collect());
    }
    Ok((0..len)
        .filter(|&i| !y.values[i].is_nan() && predictors.iter().all(|c| !c.values[i].is_nan()))
        .collect())
}

/// The inverse of an upper-triangular matrix by back substitution.
pub(crate) fn upper_inverse(r: &Mat<f64>) -> Mat<f64> {
    let p = r.nrows();
    let mut inverse = Mat::<f64>::zeros(p, p);
    for j in 0..p {
        inverse[(j, j)] = 1.0 / r[(j, j)];
        for i in (0..j).rev() {
            let sum: f64 = (i + 1..=j).map(|k| r[(i, k)] * inverse[(k, j)]).sum();
            inverse[(i, j)] = -sum / r[(i, i)];
        }
    }
    inverse
}

/// A·P = Q·R by column-pivoted Householder QR, factored in place (the design is large: no
/// copy), with Q kept as its Householder vectors.
pub(crate) struct Householder {
    /// The Householder vectors, unit lower trapezoidal.
    basis: Mat<f64>,
    /// faer's block coefficients of those vectors.
    coefficients: Mat<f64>,
    /// The triangular factor, k × k.
    pub(crate) r: Mat<f64>,
    /// Column k of R is column `pivot[k]` of A.
    pub(crate) pivot: Vec<usize>,
}

impl Householder {
    pub(crate) fn factor(mut a: Mat<f64>) -> Householder {
        use faer::linalg::qr::{col_pivoting, no_pivoting};
        let (m, n) = a.shape();
        let size = m.min(n);
        let block = no_pivoting::factor::recommended_block_size::<f64>(m, n);
        let mut coefficients = Mat::<f64>::zeros(block, size);
        let mut forward = vec![0usize; n];
        let mut inverse = vec![0usize; n];
        let par = faer::get_global_parallelism();
        let mut buffer = MemBuffer::new(col_pivoting::factor::qr_in_place_scratch::<usize, f64>(
            m,
            n,
            block,
            par,
            Default::default(),
        ));
        col_pivoting::factor::qr_in_place(
            a.as_mut(),
            coefficients.as_mut(),
            &mut forward,
            &mut inverse,
            par,
            MemStack::new(&mut buffer),
            Default::default(),
        );
        let r = Mat::from_fn(size, n, |i, j| if i <= j { a[(i, j)] } else { 0.0 });
        // what remains below the diagonal are the vectors; their diagonal is an implicit 1
        for j in 0..n {
            for i in 0..j.min(m) {
                a[(i, j)] = 0.0;
            }
            if j < m {
                a[(j, j)] = 1.0;
            }
        }
        Householder {
            basis: a,
            coefficients,
            r,
            pivot: forward,
        }
    }
}

/// Solves with the factors of A·P = Q·R.
struct Solver<'a> {
    qr: &'a Householder,
    r_inverse: &'a Mat<f64>,
    pivot: &'a [usize],
}

impl Solver<'_> {
    fn scratch(&self) -> MemBuffer {
        let basis = self.qr.basis.as_ref();
        MemBuffer::new(
            householder::apply_block_householder_sequence_transpose_on_the_left_in_place_scratch::<
                f64,
            >(basis.nrows(), self.qr.coefficients.as_ref().nrows(), 1)
            .or(
                householder::apply_block_householder_sequence_on_the_left_in_place_scratch::<f64>(
                    basis.nrows(),
                    self.qr.coefficients.as_ref().nrows(),
                    1,
                ),
            ),
        )
    }

    /// v ← Qᵀ·v
    fn apply_qt(&self, v: MatMut<'_, f64>) {
        let mut buffer = self.scratch();
        householder::apply_block_householder_sequence_transpose_on_the_left_in_place_with_conj(
            self.qr.basis.as_ref(),
            self.qr.coefficients.as_ref(),
            faer::Conj::No,
            v,
            Par::Seq,
            MemStack::new(&mut buffer),
        );
    }

    /// v ← Q·v
    fn apply_q(&self, v: MatMut<'_, f64>) {
        let mut buffer = self.scratch();
        householder::apply_block_householder_sequence_on_the_left_in_place_with_conj(
            self.qr.basis.as_ref(),
            self.qr.coefficients.as_ref(),
            faer::Conj::No,
            v,
            Par::Seq,
            MemStack::new(&mut buffer),
        );
    }

    /// x with R·Pᵀ·x = c (c in pivoted order), returned in the original column order.
    fn solve_r(&self, c: &[f64]) -> Vec<f64> {
        let p = c.len();
        let mut x = vec![0.0; p];
        for (k, &j) in self.pivot.iter().enumerate() {
            x[j] = (k..p).map(|l| self.r_inverse[(k, l)] * c[l]).sum();
        }
        x
    }

    /// The correction of the augmented system [I A; Aᵀ 0]·[δr; δx] = [f; g] with A·P = Q·R:
    /// a = R⁻ᵀ·Pᵀ·g, δx = P·R⁻¹·(Q₁ᵀf − a), δr = Q·[a; Q₂ᵀf]. δx is in scaled coordinates.
    fn augmented_correction(&self, f: &[f64], g: &[f64]) -> (Vec<f64>, Vec<f64>) {
        let n = f.len();
        let p = g.len();
        let pivoted_g: Vec<f64> = self.pivot.iter().map(|&j| g[j]).collect();
        // a = R⁻ᵀ·g' : a_l = Σ_{k ≤ l} R⁻¹[k, l]·g'_k
        let a: Vec<f64> = (0..p)
            .map(|l| (0..=l).map(|k| self.r_inverse[(k, l)] * pivoted_g[k]).sum())
            .collect();
        let mut h = Mat::from_fn(n, 1, |i, _| f[i]);
        self.apply_qt(h.as_mut());
        let c_minus_a: Vec<f64> = (0..p).map(|k| h[(k, 0)] - a[k]).collect();
        let delta_x = self.solve_r(&c_minus_a);
        for (k, value) in a.iter().enumerate() {
            h[(k, 0)] = *value;
        }
        self.apply_q(h.as_mut());
        ((0..n).map(|i| h[(i, 0)]).collect(), delta_x)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_through_points_by_hand() {
        // x̄ = 2.5, ȳ = 6, Sxy = 10, Sxx = 5 → b = (1, 2); residuals (1, −1, −1, 1): RSS = 4,
        // TSS = 24, R² = 5/6, s² = 2, se(b₁) = √(2/5), se(b₀) = √(2·(1/4 + 2.5²/5))
        let x = [1.0, 2.0, 3.0, 4.0];
        let y = [4.0, 4.0, 6.0, 10.0];
        let fit = ols(
            Column {
                name: "y",
                values: &y,
            },
            &[Column {
                name: "x",
                values: &x,
            }],
            true,
        )
        .unwrap();
        let close = |a: f64, b: f64| assert!((a - b).abs() < 1e-14, "{a} vs {b}");
        close(fit.coefficients[0].estimate, 1.0);
        close(fit.coefficients[1].estimate, 2.0);
        close(fit.rss, 4.0);
        close(fit.r_squared, 5.0 / 6.0);
        close(fit.coefficients[1].std_error, (2.0_f64 / 5.0).sqrt());
        close(
            fit.coefficients[0].std_error,
            (2.0 * (0.25 + 6.25 / 5.0_f64)).sqrt(),
        );
        assert_eq!(fit.df_residual, 2.0);
        close(fit.f_statistic, 20.0 / 2.0);
    }

    #[test]
    fn missing_values_drop_the_row() {
        let x = [1.0, 2.0, f64::NAN, 3.0, 4.0];
        let y = [3.0, 5.0, 100.0, 7.0, 9.5];
        let fit = ols(
            Column {
                name: "y",
                values: &y,
            },
            &[Column {
                name: "x",
                values: &x,
            }],
            true,
        )
        .unwrap();
        assert_eq!(fit.n, 4);
    }

    #[test]
    fn dependent_columns_are_named() {
        let a = [1.0, 2.0, 3.0, 4.0, 5.0, 7.0];
        let b = [2.0, 1.0, 0.0, 3.0, 1.0, 2.0];
        let c: Vec<f64> = a.iter().zip(&b).map(|(a, b)| a + 2.0 * b).collect();
        let y = [1.0, 3.0, 2.0, 5.0, 4.0, 6.0];
        let error = ols(
            Column {
                name: "y",
                values: &y,
            },
            &[
                Column {
                    name: "a",
                    values: &a,
                },
                Column {
                    name: "b",
                    values: &b,
                },
                Column {
                    name: "c",
                    values: &c,
                },
            ],
            true,
        )
        .unwrap_err();
        let StatsError::RankDeficient { columns } = error else {
            panic!("{error:?}")
        };
        assert_eq!(columns.len(), 1);
        let constant = [5.0; 6];
        let error = ols(
            Column {
                name: "y",
                values: &y,
            },
            &[Column {
                name: "k",
                values: &constant,
            }],
            true,
        )
        .unwrap_err();
        assert_eq!(
            error.to_string(),
            "the predictors are linearly dependent: k can be written from the others"
        );
    }
}
