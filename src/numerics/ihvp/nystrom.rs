//! The Nyström IHVP (Hataya & Yamada 2023; BLPO Sec. 3). With q sampled columns C = H[:, Q] and
//! W = H[Q, Q], H ≈ C W⁺ Cᵀ and, by the Woodbury identity,
//!   v̂ = (C W⁻¹ Cᵀ + αI)⁻¹ b = b/α − (1/α²) · C (W + CᵀC/α)⁻¹ Cᵀ b          (variant `Paper`).
//! `Damped` adds I inside the q×q system (BLPO's public JAX code); `Pinv` uses the pseudo-inverse of W
//! (eigen-decomposed, numerically zero eigenvalues dropped), as BLPO's text defines H_q.
//! Columns: uniform without replacement, ∝ squared diagonal (BLPO Thm 4.6), or given.
//! Cost: q HVPs (0 for a stored H), + p for the diagonal when sampling ∝ diag² matrix-free; O(pq² + q³).

use nalgebra::{DMatrix, DVector};
use rand::Rng;

use super::{HessianOperator, IhvpResult, Shifted};

/// Which q×q core system to solve.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NystromVariant {
    Paper,
    Damped,
    Pinv,
}

/// How the q columns are chosen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ColumnSampling {
    Uniform,
    /// Probability ∝ H_jj², without replacement (BLPO Thm 4.6).
    SquaredDiagonal,
    Given(Vec<usize>),
}

/// Nyström IHVP of rank `rank` with ridge α. Errors name the bad argument.
pub fn nystrom<H: HessianOperator + ?Sized, R: Rng + ?Sized>(
    h: &H,
    b: &DVector<f64>,
    alpha: f64,
    rank: usize,
    sampling: &ColumnSampling,
    variant: NystromVariant,
    rng: &mut R,
) -> Result<IhvpResult, String> {
    let op = Shifted::new(h, alpha);
    let p = op.dim();
    if rank == 0 || rank > p {
        return Err(format!("rank: must be in 1..={p}, got {rank}"));
    }
    if alpha <= 0.0 {
        return Err(format!("alpha: the Nyström IHVP needs α > 0, got {alpha}"));
    }
    let mut warnings = Vec::new();
    let columns = choose_columns(h, &op, rank, sampling, rng, &mut warnings)?;
    let c = DMatrix::from_columns(&columns.iter().map(|&j| op.column(j)).collect::<Vec<_>>());
    let w = DMatrix::from_fn(rank, rank, |i, k| c[(columns[i], k)]);
    let w = (&w + w.transpose()) * 0.5;
    let (f, core) = match variant {
        NystromVariant::Paper => (c.clone(), w),
        NystromVariant::Damped => (c.clone(), w + DMatrix::identity(rank, rank)),
        NystromVariant::Pinv => {
            let Some(eig) = crate::numerics::linalg::symmetric_eigen(w.clone()) else {
                return Err("the Nyström core W has a non-finite entry".to_owned());
            };
            let scale = eig.eigenvalues.iter().fold(0.0f64, |m, l| m.max(l.abs()));
            let tol = scale * rank as f64 * f64::EPSILON;
            let kept: Vec<usize> = (0..rank)
                .filter(|&i| eig.eigenvalues[i].abs() > tol)
                .collect();
            if kept.len() < rank {
                warnings.push(format!(
                    "W has {} numerically zero eigenvalue(s), dropped by the pseudo-inverse",
                    rank - kept.len()
                ));
            }
            let u = DMatrix::from_columns(
                &kept
                    .iter()
                    .map(|&i| eig.eigenvectors.column(i))
                    .collect::<Vec<_>>(),
            );
            let lambda = DMatrix::from_diagonal(&DVector::from_iterator(
                kept.len(),
                kept.iter().map(|&i| eig.eigenvalues[i]),
            ));
            (&c * u, lambda)
        }
    };
    let v = if f.ncols() == 0 {
        b / alpha
    } else {
        let system = core + f.transpose() * &f / alpha;
        let rhs = f.transpose() * b;
        let z = match system.clone().lu().solve(&rhs) {
            Some(z) if z.iter().all(|x| x.is_finite()) => z,
            _ => {
                warnings.push(
                    "the q×q Nyström system is singular; solved by pseudo-inverse".to_owned(),
                );
                let eps = f64::EPSILON * system.norm();
                crate::numerics::linalg::pseudo_inverse(system, eps).map_or_else(
                    || DVector::from_element(rhs.len(), f64::NAN),
                    |pinv| pinv * &rhs,
                )
            }
        };
        b / alpha - &f * z / (alpha * alpha)
    };
    Ok(IhvpResult {
        residual_norms: vec![op.residual_norm(b, &v)],
        v,
        iterations: 1,
        hvp_count: op.hvps(),
        warnings,
    })
}

/// The columns [`nystrom`] draws for this `h`, rank, sampling and RNG state — for batched GPU solves that
/// must use the same draw as the float64 reference.
pub fn sample_columns<H: HessianOperator + ?Sized, R: Rng + ?Sized>(
    h: &H,
    rank: usize,
    sampling: &ColumnSampling,
    rng: &mut R,
) -> Result<Vec<usize>, String> {
    let op = Shifted::new(h, 0.0);
    choose_columns(h, &op, rank, sampling, rng, &mut Vec::new())
}

fn choose_columns<H: HessianOperator + ?Sized, R: Rng + ?Sized>(
    h: &H,
    op: &Shifted<'_, H>,
    rank: usize,
    sampling: &ColumnSampling,
    rng: &mut R,
    warnings: &mut Vec<String>,
) -> Result<Vec<usize>, String> {
    let p = op.dim();
    match sampling {
        ColumnSampling::Given(cols) => {
            if cols.len() != rank {
                return Err(format!(
                    "columns: {} indices given for rank {rank}",
                    cols.len()
                ));
            }
            let mut seen = vec![false; p];
            for (i, &j) in cols.iter().enumerate() {
                if j >= p {
                    return Err(format!("columns[{i}]: must be in 0..{p}, got {j}"));
                }
                if std::mem::replace(&mut seen[j], true) {
                    return Err(format!("columns[{i}]: index {j} is repeated"));
                }
            }
            Ok(cols.clone())
        }
        ColumnSampling::Uniform => Ok(rand::seq::index::sample(rng, p, rank).into_vec()),
        ColumnSampling::SquaredDiagonal => {
            let (diag, cost) = h.diagonal();
            op.charge(cost);
            let mut weights: Vec<f64> = diag
                .iter()
                .map(|d| if (d * d).is_finite() { d * d } else { 0.0 })
                .collect();
            let positive = weights.iter().filter(|w| **w > 0.0).count();
            if positive < rank {
                warnings.push(format!(
                    "only {positive} nonzero diagonal entries for rank {rank}: the rest sampled uniformly"
                ));
            }
            let mut chosen = Vec::with_capacity(rank);
            while chosen.len() < rank {
                let total: f64 = weights.iter().sum();
                let j = if total > 0.0 && total.is_finite() {
                    let mut t = rng.random_range(0.0..total);
                    let mut pick = None;
                    for (j, w) in weights.iter().enumerate() {
                        if *w > 0.0 {
                            pick = Some(j);
                            if t < *w {
                                break;
                            }
                            t -= w;
                        }
                    }
                    pick.unwrap_or(0)
                } else {
                    let free: Vec<usize> = (0..p).filter(|j| !chosen.contains(j)).collect();
                    free[rng.random_range(0..free.len())]
                };
                weights[j] = 0.0;
                chosen.push(j);
            }
            Ok(chosen)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;
    use rand::{SeedableRng as _, rngs::SmallRng};

    fn dense_nystrom(
        h: &DMatrix<f64>,
        cols: &[usize],
        damp: f64,
        b: &DVector<f64>,
        alpha: f64,
    ) -> DVector<f64> {
        let c = DMatrix::from_columns(&cols.iter().map(|&j| h.column(j)).collect::<Vec<_>>());
        let w = DMatrix::from_fn(cols.len(), cols.len(), |i, k| h[(cols[i], cols[k])])
            + DMatrix::identity(cols.len(), cols.len()) * damp;
        let winv = w.try_inverse().unwrap_or_else(|| panic!("W invertible"));
        let approx = &c * winv * c.transpose();
        reference(&approx, b, alpha)
    }

    #[test]
    fn all_columns_recover_the_exact_solve() {
        let mut rng = SmallRng::seed_from_u64(1);
        for variant in [NystromVariant::Paper, NystromVariant::Pinv] {
            let (h, b) = system(10, 0.5, 4.0, 21);
            let r = nystrom(
                &h,
                &b,
                1e-3,
                10,
                &ColumnSampling::Uniform,
                variant,
                &mut rng,
            )
            .unwrap();
            let exact = reference(&h, &b, 1e-3);
            assert!((&r.v - &exact).norm() < 1e-8 * exact.norm(), "{variant:?}");
        }
    }

    #[test]
    fn low_rank_variants_equal_their_dense_definitions() {
        let (h, b) = system(12, 0.1, 6.0, 31);
        let cols = vec![0, 3, 7, 11];
        let mut rng = SmallRng::seed_from_u64(0);
        let given = ColumnSampling::Given(cols.clone());
        let paper = nystrom(&h, &b, 0.5, 4, &given, NystromVariant::Paper, &mut rng).unwrap();
        assert!((&paper.v - dense_nystrom(&h, &cols, 0.0, &b, 0.5)).norm() < 1e-10);
        let pinv = nystrom(&h, &b, 0.5, 4, &given, NystromVariant::Pinv, &mut rng).unwrap();
        assert!(
            (&pinv.v - &paper.v).norm() < 1e-10,
            "W invertible: pinv = inverse"
        );
        let damped = nystrom(&h, &b, 0.5, 4, &given, NystromVariant::Damped, &mut rng).unwrap();
        assert!((&damped.v - dense_nystrom(&h, &cols, 1.0, &b, 0.5)).norm() < 1e-10);
        assert_eq!(paper.hvp_count, 0);
    }

    #[test]
    fn squared_diagonal_sampling_never_picks_zero_diagonals() {
        let mut h = DMatrix::<f64>::zeros(6, 6);
        for (j, d) in [(1, 3.0), (4, 1.0), (5, 0.5)] {
            h[(j, j)] = d;
        }
        let b = vector(6, 1);
        for seed in 0..20 {
            let mut rng = SmallRng::seed_from_u64(seed);
            let mut warnings = Vec::new();
            let op = Shifted::new(&h, 1.0);
            let cols = choose_columns(
                &h,
                &op,
                3,
                &ColumnSampling::SquaredDiagonal,
                &mut rng,
                &mut warnings,
            )
            .unwrap();
            let mut sorted = cols.clone();
            sorted.sort_unstable();
            assert_eq!(sorted, vec![1, 4, 5]);
        }
        let mut rng = SmallRng::seed_from_u64(3);
        let r = nystrom(
            &h,
            &b,
            1.0,
            3,
            &ColumnSampling::SquaredDiagonal,
            NystromVariant::Paper,
            &mut rng,
        )
        .unwrap();
        assert!(
            (&r.v - reference(&h, &b, 1.0)).norm() < 1e-12,
            "H has rank 3: exact"
        );
    }

    #[test]
    fn bad_arguments_are_named() {
        let h = spd(4, 1.0, 2.0, 1);
        let b = vector(4, 1);
        let mut rng = SmallRng::seed_from_u64(0);
        for (rank, sampling, says) in [
            (5, ColumnSampling::Uniform, "rank: must be in 1..=4"),
            (2, ColumnSampling::Given(vec![0, 9]), "columns[1]"),
            (2, ColumnSampling::Given(vec![2, 2]), "repeated"),
        ] {
            let e = nystrom(
                &h,
                &b,
                1.0,
                rank,
                &sampling,
                NystromVariant::Paper,
                &mut rng,
            )
            .unwrap_err();
            assert!(e.contains(says), "{e}");
        }
    }
}
