//! Banded matrices and their LU solve without pivoting, for diagonally dominant systems: policy
//! evaluation's (I − γP_π) z = b on a gridworld couples a state with its neighbours only (bandwidth = the
//! grid's width), so Gaussian elimination inside the band costs n·l·u instead of the n³/3 of a dense LU
//! or the ln(ε)/ln(γ) sweeps of the fixed-point iteration (Golub & Van Loan, Matrix Computations, §4.3:
//! band Gaussian elimination; without pivoting it is stable for diagonally dominant matrices, §3.4.10).

use nalgebra::DVector;

/// An n × n matrix with `lower` sub- and `upper` super-diagonals, stored row by row inside the band.
#[derive(Clone, Debug, PartialEq)]
pub struct Banded {
    n: usize,
    lower: usize,
    upper: usize,
    /// Row i holds columns i − lower ..= i + upper at offsets 0 ..= lower + upper.
    data: Vec<f64>,
}

impl Banded {
    /// The zero matrix of this shape.
    pub fn zeros(n: usize, lower: usize, upper: usize) -> Self {
        Self {
            n,
            lower,
            upper,
            data: vec![0.0; n * (lower + upper + 1)],
        }
    }

    /// Entries the band stores: n·(l + u + 1).
    pub fn stored(n: usize, lower: usize, upper: usize) -> usize {
        n.saturating_mul(lower + upper + 1)
    }

    fn at(&self, i: usize, j: usize) -> usize {
        i * (self.lower + self.upper + 1) + (j + self.lower - i)
    }

    /// Adds v to entry (i, j); false (nothing added) when (i, j) lies outside the band.
    pub fn add(&mut self, i: usize, j: usize, v: f64) -> bool {
        if i >= self.n || j >= self.n || j + self.lower < i || j > i + self.upper {
            return false;
        }
        let k = self.at(i, j);
        self.data[k] += v;
        true
    }

    /// Solves A z = b by LU inside the band, without pivoting (in place: the band holds L and U after);
    /// `None` when a pivot is zero or non-finite, or b has the wrong length.
    pub fn solve(mut self, b: &DVector<f64>) -> Option<DVector<f64>> {
        let (n, l, u) = (self.n, self.lower, self.upper);
        if b.len() != n {
            return None;
        }
        for k in 0..n {
            let pivot = self.data[self.at(k, k)];
            if pivot == 0.0 || !pivot.is_finite() {
                return None;
            }
            let last = (k + u).min(n - 1);
            for i in k + 1..=(k + l).min(n - 1) {
                let ik = self.at(i, k);
                let factor = self.data[ik] / pivot;
                self.data[ik] = factor;
                if factor != 0.0 {
                    let (ki, ii) = (self.at(k, k + 1), self.at(i, k + 1));
                    for j in 0..last - k {
                        self.data[ii + j] -= factor * self.data[ki + j];
                    }
                }
            }
        }
        let mut z = b.clone();
        for i in 0..n {
            let first = i.saturating_sub(l);
            let row = self.at(i, first);
            let sum: f64 = (first..i).map(|k| self.data[row + k - first] * z[k]).sum();
            z[i] -= sum;
        }
        for i in (0..n).rev() {
            let last = (i + u).min(n - 1);
            let diag = self.at(i, i);
            let sum: f64 = (i + 1..=last).map(|j| self.data[diag + j - i] * z[j]).sum();
            z[i] = (z[i] - sum) / self.data[diag];
        }
        z.iter().all(|v| v.is_finite()).then_some(z)
    }
}

#[cfg(test)]
mod tests {
    use nalgebra::DMatrix;
    use rand::{Rng as _, SeedableRng as _};

    use super::*;
    use crate::numerics::random::SeededRng;

    /// Random strictly diagonally dominant band matrices of several shapes against nalgebra's dense LU
    /// with partial pivoting.
    #[test]
    fn the_band_solve_agrees_with_a_dense_lu() {
        let mut rng = SeededRng::seed_from_u64(3);
        for (n, l, u) in [
            (1, 0, 0),
            (5, 1, 1),
            (40, 3, 7),
            (60, 0, 5),
            (60, 6, 0),
            (30, 29, 29),
        ] {
            let mut band = Banded::zeros(n, l, u);
            let mut dense = DMatrix::zeros(n, n);
            for i in 0..n {
                let mut off = 0.0;
                for j in i.saturating_sub(l)..=(i + u).min(n - 1) {
                    if j != i {
                        let v = rng.random_range(-1.0..1.0);
                        off += f64::abs(v);
                        assert!(band.add(i, j, v), "({i}, {j}) is inside the band");
                        dense[(i, j)] = v;
                    }
                }
                let d = off + rng.random_range(0.1..1.0);
                band.add(i, i, d);
                dense[(i, i)] = d;
            }
            let b = DVector::from_fn(n, |_, _| rng.random_range(-1.0..1.0));
            let exact = dense.lu().solve(&b).unwrap_or_default();
            let z = band.solve(&b).unwrap_or_default();
            assert!(
                (&z - &exact).amax() < 1e-12 * (1.0 + exact.amax()),
                "n {n}, l {l}, u {u}: {:.1e}",
                (&z - &exact).amax()
            );
        }
    }

    #[test]
    fn entries_outside_the_band_and_zero_pivots_are_refused() {
        let mut band = Banded::zeros(3, 1, 0);
        assert!(!band.add(0, 1, 1.0), "above the band");
        assert!(!band.add(2, 0, 1.0), "below the band");
        assert!(!band.add(3, 3, 1.0), "outside the matrix");
        assert_eq!(band.clone().solve(&DVector::from_element(3, 1.0)), None);
        for i in 0..3 {
            band.add(i, i, 2.0);
        }
        assert_eq!(band.clone().solve(&DVector::from_element(2, 1.0)), None);
        assert_eq!(
            band.solve(&DVector::from_element(3, 1.0)),
            Some(DVector::from_element(3, 0.5))
        );
    }
}
