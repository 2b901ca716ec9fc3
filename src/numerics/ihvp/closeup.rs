//! One Nyström IHVP up close (issue 5, "Nyström up close"): which columns a draw takes, the approximation
//! H_q = C W⁺ Cᵀ they build (BLPO Sec. 3: C = H[:, Q], W = H[Q, Q]), and how the error depends on the draw
//! under each sampling rule.

use nalgebra::DMatrix;
use rand::SeedableRng as _;

use super::nystrom::{ColumnSampling, sample_columns};
use super::spec::{IhvpSpec, Sampling};
use crate::numerics::random::SeededRng;

/// The columns that draw `draw` of a Nyström `spec` takes on `h` — the same stream as its solve
/// (`spec.at(α, draw)`), so the picture shows exactly the columns the study scored. `None` for other
/// methods.
pub fn drawn_columns(
    spec: &IhvpSpec,
    h: &DMatrix<f64>,
    draw: u64,
) -> Option<Result<Vec<usize>, String>> {
    let IhvpSpec::Nystrom {
        rank,
        sampling,
        columns,
        seed,
        ..
    } = spec
    else {
        return None;
    };
    if let Some(given) = columns {
        return Some(Ok(given.clone()));
    }
    let rule = match sampling {
        Sampling::Uniform => ColumnSampling::Uniform,
        Sampling::Diagonal => ColumnSampling::SquaredDiagonal,
    };
    let mut rng = SeededRng::seed_from_u64(seed.wrapping_add(draw));
    Some(sample_columns(h, *rank, &rule, &mut rng))
}

/// H_q = C W⁺ Cᵀ for the given columns (the pseudo-inverse drops W's numerically zero eigenvalues).
pub fn nystrom_approximation(h: &DMatrix<f64>, columns: &[usize]) -> DMatrix<f64> {
    let p = h.nrows();
    let q = columns.len();
    let c = DMatrix::from_fn(p, q, |i, k| h[(i, columns[k])]);
    let w = DMatrix::from_fn(q, q, |i, k| h[(columns[i], columns[k])]);
    let w = (&w + w.transpose()) * 0.5;
    let eps = f64::EPSILON * q as f64 * w.norm().max(f64::MIN_POSITIVE);
    match crate::numerics::linalg::pseudo_inverse(w, eps) {
        Some(pinv) => &c * pinv * c.transpose(),
        None => DMatrix::from_element(p, p, f64::NAN),
    }
}

/// The same Nyström method under another sampling rule (other methods unchanged).
pub fn with_sampling(spec: &IhvpSpec, rule: Sampling) -> IhvpSpec {
    let mut s = spec.clone();
    if let IhvpSpec::Nystrom {
        sampling, columns, ..
    } = &mut s
    {
        *sampling = rule;
        *columns = None;
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numerics::ihvp::nystrom::NystromVariant;
    use crate::numerics::ihvp::study::{Spectrum, error_against, exact_solution};

    #[test]
    fn drawn_columns_are_the_solve_s_columns_and_h_q_is_exact_on_them() {
        let fam = Spectrum::positive(12, 3, 1e3);
        let inst = fam.instance(2, 0);
        let spec = IhvpSpec::Nystrom {
            alpha: 0.0,
            rank: 4,
            sampling: Sampling::Diagonal,
            columns: None,
            seed: 9,
            variant: NystromVariant::Pinv,
            draw: Default::default(),
        };
        let cols = drawn_columns(&spec, &inst.h, 5)
            .and_then(Result::ok)
            .unwrap_or_default();
        assert_eq!(cols.len(), 4);
        // The solve with these columns given equals the solve of draw 5.
        let given = IhvpSpec::Nystrom {
            alpha: 0.0,
            rank: 4,
            sampling: Sampling::Uniform,
            columns: Some(cols.clone()),
            seed: 0,
            variant: NystromVariant::Pinv,
            draw: Default::default(),
        };
        let exact = exact_solution(&inst, 0.3).unwrap_or_default();
        let a = error_against(&inst, &spec, 0.3, 5, &exact);
        let b = error_against(&inst, &given, 0.3, 0, &exact);
        assert!((a - b).abs() < 1e-12, "{a} vs {b}");
        // H_q reproduces H on the sampled columns and rows (C W⁺ W = C when W is invertible).
        let hq = nystrom_approximation(&inst.h, &cols);
        for &j in &cols {
            for i in 0..12 {
                assert!((hq[(i, j)] - inst.h[(i, j)]).abs() < 1e-9);
            }
        }
        // …and against the dense (H_q + αI)⁻¹b it is the pinv variant's solution.
        let b_vec = &inst.b;
        let v = (&hq + DMatrix::identity(12, 12) * 0.3)
            .lu()
            .solve(b_vec)
            .unwrap_or_default();
        let nys = given
            .at(0.3, 0)
            .solve(&inst.h, b_vec)
            .map(|r| r.v)
            .unwrap_or_default();
        assert!((&v - &nys).norm() < 1e-9 * v.norm());
        assert!(drawn_columns(&IhvpSpec::Identity { alpha: 1.0 }, &inst.h, 0).is_none());
        assert_eq!(
            with_sampling(&spec, Sampling::Uniform),
            IhvpSpec::Nystrom {
                alpha: 0.0,
                rank: 4,
                sampling: Sampling::Uniform,
                columns: None,
                seed: 9,
                variant: NystromVariant::Pinv,
                draw: Default::default(),
            }
        );
    }
}
