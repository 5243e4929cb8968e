//! Many regressions on subsets of one set of columns from a single factorisation: with the
//! centred, unit-length columns [X | y] = Q·R, every sub-model's fit follows from the small
//! triangle R alone (a QR of R's selected columns), so the driver procedure costs one pass over
//! the data however many models it compares.

use faer::Mat;

use crate::{StatsError, distribution::t_two_sided_p, ols::upper_inverse};

/// The R factor of the centred, scaled columns, the target last.
pub(crate) struct Factor {
    n: usize,
    predictors: usize,
    r: Mat<f64>,
}

/// What the driver procedure needs of one sub-model (with an intercept).
pub(crate) struct SubsetFit {
    pub(crate) f_statistic: f64,
    pub(crate) p_values: Vec<f64>,
    pub(crate) vif: Vec<f64>,
}

/// The R of an unpivoted Householder QR, computed in the matrix's own storage.
fn triangle_in_place(mut a: Mat<f64>) -> Mat<f64> {
    use faer::linalg::qr::no_pivoting::factor;
    let (m, n) = a.shape();
    let size = m.min(n);
    let block = factor::recommended_block_size::<f64>(m, n);
    let mut coefficients = Mat::<f64>::zeros(block, size);
    let par = faer::get_global_parallelism();
    let mut buffer = faer::dyn_stack::MemBuffer::new(factor::qr_in_place_scratch::<f64>(
        m,
        n,
        block,
        par,
        Default::default(),
    ));
    factor::qr_in_place(
        a.as_mut(),
        coefficients.as_mut(),
        par,
        faer::dyn_stack::MemStack::new(&mut buffer),
        Default::default(),
    );
    Mat::from_fn(size, n, |i, j| if i <= j { a[(i, j)] } else { 0.0 })
}

impl Factor {
    /// Factors complete columns (no missing values); a constant column is an error by name.
    pub(crate) fn new(y: &[f64], xs: &[&[f64]], names: &[&str]) -> Result<Factor, StatsError> {
        let n = y.len();
        let columns: Vec<&[f64]> = xs.iter().copied().chain(std::iter::once(y)).collect();
        let m = columns.len();
        let mut centres = Vec::with_capacity(m);
        let mut lengths = Vec::with_capacity(m);
        let mut constant = Vec::new();
        for (c, values) in columns.iter().enumerate() {
            let centre = values.iter().sum::<f64>() / n as f64;
            let length = values
                .iter()
                .map(|v| (v - centre) * (v - centre))
                .sum::<f64>()
                .sqrt();
            if length == 0.0 {
                constant.push(names.get(c).map_or("the target", |name| name).to_owned());
            }
            centres.push(centre);
            lengths.push(length);
        }
        if !constant.is_empty() {
            return Err(StatsError::RankDeficient { columns: constant });
        }
        let scaled = Mat::from_fn(n, m, |i, c| (columns[c][i] - centres[c]) / lengths[c]);
        let r = triangle_in_place(scaled);
        Ok(Factor {
            n,
            predictors: xs.len(),
            r,
        })
    }

    /// The target's index for [`Factor::correlation`].
    pub(crate) fn target(&self) -> usize {
        self.predictors
    }

    /// Correlation of columns a and b: (RᵀR)[a, b], the columns having unit length.
    pub(crate) fn correlation(&self, a: usize, b: usize) -> f64 {
        (0..=a.min(b))
            .map(|k| self.r[(k, a)] * self.r[(k, b)])
            .sum()
    }

    /// The fit of the target on `subset`; `Err` lists the subset positions that are linearly
    /// dependent on the others.
    pub(crate) fn fit(&self, subset: &[usize]) -> Result<SubsetFit, Vec<usize>> {
        let s = subset.len();
        let target = self.predictors;
        let m = self.r.nrows();
        let selected = Mat::from_fn(m, s + 1, |i, j| {
            let column = if j < s { subset[j] } else { target };
            self.r[(i, column)]
        });
        let t = selected.qr().thin_R().to_owned();
        let largest = (0..s).map(|j| t[(j, j)].abs()).fold(0.0, f64::max);
        let dependent: Vec<usize> = (0..s)
            .filter(|&j| t[(j, j)].abs() <= largest * 1e-12)
            .collect();
        if !dependent.is_empty() {
            return Err(dependent);
        }
        let triangle = Mat::from_fn(s, s, |i, j| t[(i, j)]);
        let inverse = upper_inverse(&triangle);
        let coefficients: Vec<f64> = (0..s)
            .map(|i| (i..s).map(|l| inverse[(i, l)] * t[(l, s)]).sum())
            .collect();
        let rss = t[(s, s)].powi(2);
        let df = (self.n - s - 1) as f64;
        let r_squared = 1.0 - rss;
        let variance = rss / df;
        let diagonal: Vec<f64> = (0..s)
            .map(|i| (i..s).map(|l| inverse[(i, l)].powi(2)).sum())
            .collect();
        Ok(SubsetFit {
            f_statistic: (r_squared / s as f64) / (rss / df),
            p_values: (0..s)
                .map(|j| t_two_sided_p(coefficients[j] / (variance * diagonal[j]).sqrt(), df))
                .collect(),
            vif: diagonal,
        })
    }
}
