//! Pearson and Spearman correlation matrices, pairwise complete (docs/stats.md, "Correlation").

use crate::{Column, StatsError, distribution::t_two_sided_p, extended::compensated_sum};

/// Which correlation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// Linear correlation of the values.
    Pearson,
    /// Pearson correlation of the ranks (ties get their average rank).
    Spearman,
}

/// A symmetric matrix of correlations with their p-values and the pairs each rests on.
#[derive(Debug, Clone, PartialEq)]
pub struct CorrelationMatrix {
    /// Column names, in input order.
    pub names: Vec<String>,
    /// `r[i][j]`; NaN where a column is constant over the pairs.
    pub r: Vec<Vec<f64>>,
    /// Two-sided p-value of `r[i][j]` from t = r·√((n−2)/(1−r²)) with n − 2 degrees of freedom.
    pub p: Vec<Vec<f64>>,
    /// Number of rows where both columns are present.
    pub n: Vec<Vec<usize>>,
}

/// Correlations of every pair of `columns`, each pair over the rows where both are present.
pub fn correlation(columns: &[Column], method: Method) -> Result<CorrelationMatrix, StatsError> {
    let m = columns.len();
    for column in columns {
        if let Some(row) = column.values.iter().position(|v| v.is_infinite()) {
            return Err(StatsError::Infinite {
                name: column.name.to_owned(),
                row,
            });
        }
    }
    let mut r = vec![vec![f64::NAN; m]; m];
    let mut p = vec![vec![f64::NAN; m]; m];
    let mut n = vec![vec![0; m]; m];
    for i in 0..m {
        for j in i..m {
            let (a, b): (Vec<f64>, Vec<f64>) = columns[i]
                .values
                .iter()
                .zip(columns[j].values)
                .filter(|(a, b)| !a.is_nan() && !b.is_nan())
                .map(|(a, b)| (*a, *b))
                .unzip();
            let (a, b) = match method {
                Method::Pearson => (a, b),
                Method::Spearman => (ranks(&a), ranks(&b)),
            };
            let value = if i == j && !a.is_empty() {
                1.0
            } else {
                pearson(&a, &b)
            };
            let pairs = a.len();
            let p_value = if i == j {
                0.0
            } else if pairs < 3 || value.is_nan() {
                f64::NAN
            } else if value.abs() >= 1.0 {
                0.0
            } else {
                let df = (pairs - 2) as f64;
                t_two_sided_p(value * (df / (1.0 - value * value)).sqrt(), df)
            };
            for (x, y) in [(i, j), (j, i)] {
                r[x][y] = value;
                p[x][y] = p_value;
                n[x][y] = pairs;
            }
        }
    }
    Ok(CorrelationMatrix {
        names: columns.iter().map(|c| c.name.to_owned()).collect(),
        r,
        p,
        n,
    })
}

/// Pearson's r by the two-pass formula Σ(a−ā)(b−b̄)/√(Σ(a−ā)²·Σ(b−b̄)²).
pub(crate) fn pearson(a: &[f64], b: &[f64]) -> f64 {
    if a.len() < 2 {
        return f64::NAN;
    }
    let n = a.len() as f64;
    let mean_a = compensated_sum(a.iter().copied()) / n;
    let mean_b = compensated_sum(b.iter().copied()) / n;
    let sab = compensated_sum(a.iter().zip(b).map(|(x, y)| (x - mean_a) * (y - mean_b)));
    let saa = compensated_sum(a.iter().map(|x| (x - mean_a).powi(2)));
    let sbb = compensated_sum(b.iter().map(|y| (y - mean_b).powi(2)));
    if saa == 0.0 || sbb == 0.0 {
        return f64::NAN;
    }
    (sab / (saa.sqrt() * sbb.sqrt())).clamp(-1.0, 1.0)
}

/// Ranks 1..n, ties sharing their average rank.
pub(crate) fn ranks(values: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
    let mut ranks = vec![0.0; values.len()];
    let mut start = 0;
    while start < order.len() {
        let mut end = start;
        while end + 1 < order.len() && values[order[end + 1]] == values[order[start]] {
            end += 1;
        }
        let average = (start + end) as f64 / 2.0 + 1.0;
        for &index in &order[start..=end] {
            ranks[index] = average;
        }
        start = end + 1;
    }
    ranks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn by_hand() {
        // a = 1..5, b = (2, 4, 5, 4, 5): Sab = 6, Saa = 10, Sbb = 6, r = 6/√60
        let a = [1.0, 2.0, 3.0, 4.0, 5.0];
        let b = [2.0, 4.0, 5.0, 4.0, 5.0];
        let matrix = correlation(
            &[
                Column {
                    name: "a",
                    values: &a,
                },
                Column {
                    name: "b",
                    values: &b,
                },
            ],
            Method::Pearson,
        )
        .unwrap();
        assert!((matrix.r[0][1] - 6.0 / 60.0_f64.sqrt()).abs() < 1e-15);
        assert_eq!(matrix.n[0][1], 5);
        assert_eq!(ranks(&b), vec![1.0, 2.5, 4.5, 2.5, 4.5]);
    }

    #[test]
    fn pairwise_complete() {
        let a = [1.0, 2.0, f64::NAN, 4.0, 5.0];
        let b = [1.0, f64::NAN, 3.0, 4.0, 5.0];
        let c = [5.0, 4.0, 3.0, 2.0, 1.0];
        let matrix = correlation(
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
            Method::Spearman,
        )
        .unwrap();
        assert_eq!(matrix.n[0][1], 3);
        assert_eq!(matrix.n[1][2], 4);
        assert!((matrix.r[0][2] + 1.0).abs() < 1e-15);
        assert!(matrix.p[0][2] < 1e-12);
    }
}
