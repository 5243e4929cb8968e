//! Double-double arithmetic (a value as an unevaluated sum hi + lo, about 32 significant digits)
//! for the residuals of iterative refinement, and compensated sums.

/// hi + lo with |lo| ≤ ulp(hi)/2.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct DoubleDouble {
    pub(crate) hi: f64,
    pub(crate) lo: f64,
}

/// a + b = s + e exactly (Knuth's TwoSum).
#[inline]
pub(crate) fn two_sum(a: f64, b: f64) -> (f64, f64) {
    let s = a + b;
    let bb = s - a;
    let e = (a - (s - bb)) + (b - bb);
    (s, e)
}

/// a·b = p + e exactly (with a fused multiply-add).
#[inline]
pub(crate) fn two_prod(a: f64, b: f64) -> (f64, f64) {
    let p = a * b;
    (p, a.mul_add(b, -p))
}

impl DoubleDouble {
    /// An exact difference a − b.
    #[inline]
    pub(crate) fn difference(a: f64, b: f64) -> DoubleDouble {
        let (hi, lo) = two_sum(a, -b);
        DoubleDouble { hi, lo }
    }

    /// Adds an f64.
    #[inline]
    pub(crate) fn add(&mut self, value: f64) {
        let (s, e) = two_sum(self.hi, value);
        let lo = self.lo + e;
        let (hi, lo) = two_sum(s, lo);
        self.hi = hi;
        self.lo = lo;
    }

    /// Adds (hi + lo)·factor with the product's rounding error kept.
    #[inline]
    pub(crate) fn add_product(&mut self, value: DoubleDouble, factor: f64) {
        let (p, e) = two_prod(value.hi, factor);
        self.add(p);
        self.lo += e + value.lo * factor;
    }

    /// The nearest f64.
    #[inline]
    pub(crate) fn value(self) -> f64 {
        self.hi + self.lo
    }
}

/// Σ values with Neumaier's compensation.
pub(crate) fn compensated_sum(values: impl Iterator<Item = f64>) -> f64 {
    let (mut sum, mut compensation) = (0.0_f64, 0.0_f64);
    for value in values {
        let t = sum + value;
        if sum.abs() >= value.abs() {
            compensation += (sum - t) + value;
        } else {
            compensation += (value - t) + sum;
        }
        sum = t;
    }
    sum + compensation
}
