//! Batched CG and Neumann IHVPs over N explicit Hessians (p ≤ 128), one workgroup per instance
//! (`ihvp_iterative.wgsl`) — the iterative half of the IHVP lab's GPU batch (issue 5). The CPU twin below
//! follows the kernel's arithmetic: rows in order, dot products as 64 per-thread partials summed by the
//! same tree, stopping as a zero step. The float64 references are `numerics::ihvp::{cg, neumann}`.

use super::hessian_batch::{
    HessianBatch, decode_solutions, shifted_matvec as apply, tree_dot as dot,
};
use crate::gpu::job::{Encoded, Kernel};
use crate::gpu::runtime::KernelSpec;

uniform_params! {
    n: u32,
    p: u32,
    method: u32,
    iters: u32,
    alpha: f32,
    tol: f32,
    step: f32,
    _pad: f32,
}

/// Which iterative method.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Iterative {
    /// Conjugate gradients: at most `iters` steps, stopping at ‖r‖ ≤ tol·‖b‖ or, with `guard`, at
    /// non-positive curvature (without it only at zero or non-finite curvature, as
    /// `numerics::ihvp::cg::Guard::None`).
    Cg { iters: u32, tol: f32, guard: bool },
    /// Neumann series with `terms` ≥ 1 terms and step η.
    Neumann { terms: u32, step: f32 },
}

/// A batch of Hessians, the method and one ridge α for all.
#[derive(Clone, Debug, PartialEq)]
pub struct IterativeBatch {
    pub method: Iterative,
    pub alpha: f32,
    pub batch: HessianBatch,
}

impl IterativeBatch {
    pub fn validate(&self) -> Result<(), String> {
        self.batch.validate()?;
        if !self.alpha.is_finite() {
            return Err(format!("alpha: must be finite, got {}", self.alpha));
        }
        match self.method {
            Iterative::Cg { iters, .. } | Iterative::Neumann { terms: iters, .. }
                if iters > 100_000 =>
            {
                Err(format!("iterations: at most 100000, got {iters}"))
            }
            Iterative::Neumann { terms: 0, .. } => Err("terms: must be ≥ 1".to_owned()),
            _ => Ok(()),
        }
    }
}

/// The kernel.
pub struct IhvpIterative;

fn solve_one(method: Iterative, alpha: f32, h: &[f32], b: &[f32]) -> Vec<f32> {
    let p = b.len();
    let mut ad = vec![0.0f32; p];
    match method {
        Iterative::Neumann { terms, step } => {
            let mut term = b.to_vec();
            let mut sum = b.to_vec();
            for _ in 1..terms {
                apply(h, alpha, &term, &mut ad);
                for i in 0..p {
                    term[i] -= step * ad[i];
                    sum[i] += term[i];
                }
            }
            sum.iter().map(|s| step * s).collect()
        }
        Iterative::Cg { iters, tol, guard } => {
            let (mut x, mut r, mut d) = (vec![0.0f32; p], b.to_vec(), b.to_vec());
            let mut rs = dot(&r, &r);
            let threshold = tol * tol * rs;
            let mut running = rs > 0.0;
            for _ in 0..iters {
                apply(h, alpha, &d, &mut ad);
                let curvature = dot(&d, &ad);
                // As the kernel: a negative step only without the guard, never an infinite one.
                let curved =
                    curvature > 0.0 || (!guard && curvature < 0.0 && curvature.is_finite());
                let active = running && curved && rs > threshold;
                let step = if active { rs / curvature } else { 0.0 };
                for i in 0..p {
                    x[i] += step * d[i];
                    r[i] -= step * ad[i];
                }
                let rs_next = dot(&r, &r);
                let beta = if active { rs_next / rs } else { 0.0 };
                if active {
                    for i in 0..p {
                        d[i] = r[i] + beta * d[i];
                    }
                    rs = rs_next;
                }
                running = active;
            }
            x
        }
    }
}

/// The CPU twin (by parts, one per instance) gives N × p solutions, row-major; an invalid batch an empty result.
impl Kernel for IhvpIterative {
    type Input = IterativeBatch;
    type Output = Vec<f32>;
    const SPEC: KernelSpec = kernel_spec!("ihvp_iterative", super::TREE_SUM, super::KRYLOV);

    /// One part per instance.
    fn cpu_parts(input: &IterativeBatch) -> usize {
        input.validate().map_or(0, |()| input.batch.count())
    }

    fn cpu_part(input: &IterativeBatch, i: usize, acc: &mut Option<Vec<f32>>) {
        let out = acc.get_or_insert_with(|| Vec::with_capacity(input.batch.rhs.len()));
        let (h, b) = input.batch.instance(i);
        out.extend(solve_one(input.method, input.alpha, h, b));
    }

    fn encode(input: &IterativeBatch) -> Result<Encoded, String> {
        input.validate()?;
        let (method, iters, tol, step) = match input.method {
            Iterative::Cg { iters, tol, guard } => {
                (if guard { 0u32 } else { 2 }, iters, tol, 0.0f32)
            }
            Iterative::Neumann { terms, step } => (1u32, terms, 0.0f32, step),
        };
        let params = Params {
            n: input.batch.count() as u32,
            p: input.batch.dim,
            method,
            iters,
            alpha: input.alpha,
            tol,
            step,
            _pad: 0.0,
        };
        Ok(input.batch.encoded(bytemuck::bytes_of(&params), Vec::new()))
    }

    fn decode(input: &IterativeBatch, bytes: &[u8]) -> Result<Vec<f32>, String> {
        decode_solutions(bytes, input.batch.rhs.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numerics::ihvp::testing::{spd, vector};
    use crate::numerics::ihvp::{cg, neumann};

    type Problem = (nalgebra::DMatrix<f64>, nalgebra::DVector<f64>);

    fn batch(method: Iterative, p: usize, n: usize, alpha: f64) -> (IterativeBatch, Vec<Problem>) {
        let problems: Vec<_> = (0..n)
            .map(|s| (spd(p, 0.5, 4.0, s as u64), vector(p, 100 + s as u64)))
            .collect();
        let hessians = problems
            .iter()
            .flat_map(|(h, _)| h.transpose().iter().map(|&v| v as f32).collect::<Vec<_>>())
            .collect();
        let rhs = problems
            .iter()
            .flat_map(|(_, b)| b.iter().map(|&v| v as f32).collect::<Vec<_>>())
            .collect();
        (
            IterativeBatch {
                method,
                alpha: alpha as f32,
                batch: HessianBatch::new(p as u32, hessians, rhs),
            },
            problems,
        )
    }

    #[test]
    fn twin_matches_the_float64_methods() {
        for p in [5, 70, 128] {
            for (method, reference) in [
                (
                    Iterative::Cg {
                        iters: 15,
                        tol: 0.0,
                        guard: true,
                    },
                    0,
                ),
                (
                    Iterative::Neumann {
                        terms: 40,
                        step: 0.2,
                    },
                    1,
                ),
            ] {
                let (input, problems) = batch(method, p, 3, 0.3);
                let got = IhvpIterative::cpu(&input);
                assert_eq!(got.len(), 3 * p);
                for (k, (h, b)) in problems.iter().enumerate() {
                    let want = if reference == 0 {
                        cg::cg(h, b, 0.3, 15, 0.0, cg::Guard::Curvature).v
                    } else {
                        neumann::neumann(h, b, 0.3, 40, 0.2, false).v
                    };
                    let err = (0..p)
                        .map(|i| (f64::from(got[k * p + i]) - want[i]).abs())
                        .fold(0.0, f64::max);
                    assert!(
                        err < 1e-4 * want.amax().max(1.0),
                        "p = {p} {method:?}: {err}"
                    );
                }
            }
        }
    }

    #[test]
    fn cg_stops_at_the_tolerance_and_on_negative_curvature() {
        let (mut input, _) = batch(
            Iterative::Cg {
                iters: 200,
                tol: 1e-3,
                guard: true,
            },
            20,
            1,
            0.3,
        );
        let loose = IhvpIterative::cpu(&input);
        input.method = Iterative::Cg {
            iters: 200,
            tol: 0.0,
            guard: true,
        };
        let tight = IhvpIterative::cpu(&input);
        let diff = loose
            .iter()
            .zip(&tight)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0f32, f32::max);
        assert!(diff > 0.0 && diff < 1e-2, "{diff}");
        // H = −I: the first curvature is negative, CG takes no step.
        let neg = IterativeBatch {
            method: Iterative::Cg {
                iters: 5,
                tol: 0.0,
                guard: true,
            },
            alpha: 0.0,
            batch: HessianBatch::new(2, vec![-1.0, 0.0, 0.0, -1.0], vec![1.0, 2.0]),
        };
        assert_eq!(IhvpIterative::cpu(&neg), vec![0.0, 0.0]);
        // Without the guard it steps through: (−I)v = b in one step.
        let free = IterativeBatch {
            method: Iterative::Cg {
                iters: 5,
                tol: 0.0,
                guard: false,
            },
            ..neg
        };
        assert_eq!(IhvpIterative::cpu(&free), vec![-1.0, -2.0]);
    }

    #[test]
    fn unguarded_cg_twin_follows_float64_on_indefinite_hessians() {
        use crate::numerics::ihvp::cg::{Guard, cg};
        // diag(1..p) − 3.5·I: three negative eigenvalues, none near zero.
        let p = 12;
        let h = nalgebra::DMatrix::from_fn(
            p,
            p,
            |i, j| {
                if i == j { i as f64 + 1.0 - 3.5 } else { 0.0 }
            },
        );
        let q = crate::numerics::ihvp::testing::spd(p, 1.0, 2.0, 7).qr().q();
        let h = &q * h * q.transpose();
        let b = vector(p, 8);
        let input = IterativeBatch {
            method: Iterative::Cg {
                iters: 6,
                tol: 0.0,
                guard: false,
            },
            alpha: 0.0,
            batch: HessianBatch::one(&h, &b),
        };
        let twin = IhvpIterative::cpu(&input);
        let reference = cg(&h, &b, 0.0, 6, 0.0, Guard::None);
        assert_eq!(reference.iterations, 6, "{:?}", reference.warnings);
        let err = twin
            .iter()
            .zip(reference.v.iter())
            .map(|(a, b)| (*a as f64 - b).abs())
            .fold(0.0, f64::max)
            / reference.v.amax();
        // f32 through negative steps: the rounding grows (3.8e-4 here), still far below the gap between
        // the two variants.
        assert!(err < 2e-3, "{err}");
        let guarded = cg(&h, &b, 0.0, 6, 0.0, Guard::Curvature);
        assert!(
            (&guarded.v - &reference.v).norm() > 5e-2 * reference.v.norm(),
            "the two variants differ on this system"
        );
    }

    #[test]
    fn bad_batches_are_refused() {
        let (mut input, _) = batch(
            Iterative::Neumann {
                terms: 0,
                step: 0.1,
            },
            4,
            2,
            0.1,
        );
        assert!(IhvpIterative::encode(&input).is_err());
        input.method = Iterative::Cg {
            iters: 3,
            tol: 0.0,
            guard: true,
        };
        input.batch.hessians = input.batch.hessians[1..].into();
        assert!(input.validate().is_err_and(|e| e.contains("hessians")));
        input.batch.dim = 200;
        assert!(input.validate().is_err_and(|e| e.contains("dim")));
    }
}
