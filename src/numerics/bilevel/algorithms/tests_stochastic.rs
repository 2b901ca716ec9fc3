//! The algorithms on stochastic oracles (lecture 004's BSA, TTSA, STABLE, momentum): the oracle wrapper is
//! transparent without noise and the estimators are what their docs say. (The comparison at equal oracle
//! cost is the playground preset's, tested with it.)

use super::*;
use crate::numerics::bilevel::algorithms::{
    bsa::Bsa, double_loop::DoubleLoop, momentum::Momentum, stable::Stable, ttsa::Ttsa,
};
use crate::numerics::bilevel::problems::{Parts, Quadratic};
use crate::numerics::bilevel::stochastic::{Noise, Stochastic};
use crate::numerics::ihvp::spec::IhvpSpec;
use nalgebra::DMatrix;

/// A 3 × 3 quadratic problem (H = diag(1, 2, 4)).
pub(crate) fn quadratic() -> Quadratic {
    let m = |rows: &[[f64; 3]; 3]| DMatrix::from_fn(3, 3, |i, j| rows[i][j]);
    let v = |c: [f64; 3]| DVector::from_column_slice(&c);
    Quadratic::new(Parts {
        a_mat: DMatrix::identity(3, 3),
        b_mat: DMatrix::identity(3, 3) * 0.2,
        e_mat: DMatrix::identity(3, 3) * 0.5,
        a: v([0.5, -0.5, 0.0]),
        c: v([1.0, 1.0, 1.0]),
        h_mat: m(&[[1.0, 0.0, 0.0], [0.0, 2.0, 0.0], [0.0, 0.0, 4.0]]),
        c_mat: m(&[[1.0, 0.0, 0.5], [0.0, 1.0, 0.0], [0.3, 0.0, 1.0]]),
        d: v([1.0, -1.0, 0.5]),
    })
    .unwrap_or_else(|e| panic!("{e}"))
}

fn neumann() -> IhvpSpec {
    IhvpSpec::Neumann {
        alpha: 0.0,
        iters: 10,
        step: 0.2,
    }
}

fn specs() -> Vec<(&'static str, AlgorithmSpec)> {
    vec![
        (
            "TTSA",
            AlgorithmSpec::Ttsa(Ttsa {
                outer_lr: 0.05,
                inner_lr: 0.2,
                ihvp: neumann(),
                outer_decay: 0.0,
                inner_decay: 0.0,
                radius: None,
            }),
        ),
        (
            "momentum",
            AlgorithmSpec::Momentum(Momentum {
                outer_lr: 0.05,
                inner_lr: 0.2,
                ihvp: neumann(),
                eta_upper: 0.5,
                eta_lower: 0.5,
                state: Default::default(),
            }),
        ),
        (
            "STABLE",
            AlgorithmSpec::Stable(Stable {
                outer_lr: 0.05,
                inner_lr: 0.2,
                ihvp: neumann(),
                radius: None,
                tau: None,
                estimates: None,
            }),
        ),
        (
            "STABLE τ",
            AlgorithmSpec::Stable(Stable {
                outer_lr: 0.05,
                inner_lr: 0.2,
                ihvp: IhvpSpec::Exact { alpha: 0.0 },
                radius: None,
                tau: Some(0.3),
                estimates: None,
            }),
        ),
        (
            "BSA",
            AlgorithmSpec::Bsa(Bsa {
                outer_lr: 0.05,
                inner_lr: 0.2,
                inner_steps: 5,
                terms: 10,
                step: 0.5,
                seed: 3,
            }),
        ),
    ]
}

#[test]
fn without_noise_the_stochastic_oracles_change_nothing() {
    let q = quadratic();
    let silent = Noise {
        sigma: 0.0,
        batch: 1,
        seed: 0,
    };
    for (name, spec) in specs() {
        let oracle = Stochastic::new(&q, silent);
        let (mut a, mut b) = (
            Run::new(DVector::from_element(3, 0.5), DVector::zeros(3)),
            Run::new(DVector::from_element(3, 0.5), DVector::zeros(3)),
        );
        let (mut alg_a, mut alg_b) = (spec.build(), spec.build());
        for _ in 0..50 {
            a.step(&q, alg_a.as_mut());
            b.step(&oracle, alg_b.as_mut());
        }
        assert!((&a.x - &b.x).norm() < 1e-12, "{name}: {} vs {}", a.x, b.x);
        assert!((&a.y - &b.y).norm() < 1e-12, "{name}");
        assert!(oracle.counts().total() > 0, "{name} counts its calls");
    }
}

#[test]
fn stable_with_tau_on_exact_oracles_is_stable_with_the_exact_ihvp() {
    let q = quadratic();
    let steps = |tau| {
        let spec = AlgorithmSpec::Stable(Stable {
            outer_lr: 0.05,
            inner_lr: 0.2,
            ihvp: IhvpSpec::Exact { alpha: 0.0 },
            radius: None,
            tau,
            estimates: None,
        });
        let mut r = Run::new(DVector::from_element(3, 0.5), DVector::zeros(3));
        let mut alg = spec.build();
        for _ in 0..40 {
            r.step(&q, alg.as_mut());
        }
        r
    };
    let (with, without) = (steps(Some(0.3)), steps(None));
    assert!(
        (&with.x - &without.x).norm() < 1e-10,
        "{} {}",
        with.x,
        without.x
    );
    assert!((&with.y - &without.y).norm() < 1e-10);
}

#[test]
fn projection_keeps_the_leader_in_the_ball() {
    let q = quadratic();
    let x_star = q.x_star().expect("closed form");
    let radius = 0.5 * x_star.norm();
    for spec in [
        AlgorithmSpec::Ttsa(Ttsa {
            outer_lr: 0.05,
            inner_lr: 0.2,
            ihvp: IhvpSpec::Exact { alpha: 0.0 },
            outer_decay: 0.0,
            inner_decay: 0.0,
            radius: Some(radius),
        }),
        AlgorithmSpec::Stable(Stable {
            outer_lr: 0.05,
            inner_lr: 0.2,
            ihvp: IhvpSpec::Exact { alpha: 0.0 },
            radius: Some(radius),
            tau: None,
            estimates: None,
        }),
    ] {
        let mut r = Run::new(DVector::from_element(3, 0.5), DVector::zeros(3));
        let mut alg = spec.build();
        for _ in 0..2000 {
            r.step(&q, alg.as_mut());
            assert!(r.x.norm() <= radius * (1.0 + 1e-12));
        }
        // x* lies outside: the projected run ends on the sphere, at the constrained optimum's radius.
        assert!((r.x.norm() - radius).abs() < 1e-9, "{:?}", spec.kind());
    }
}

#[test]
fn bsa_direction_is_unbiased_for_the_neumann_double_loop() {
    // One outer step from the same point: BSA's random-depth direction averaged over seeds equals the
    // double loop's with the Q-term Neumann series.
    let q = quadratic();
    let first = |spec: &AlgorithmSpec| {
        let mut r = Run::new(DVector::from_element(3, 0.5), DVector::zeros(3));
        spec.build().step(&q, &mut r);
        r.hypergradient
    };
    let neumann_dl = first(&AlgorithmSpec::DoubleLoop(DoubleLoop {
        outer_lr: 0.05,
        inner_lr: 0.2,
        inner_steps: 5,
        ihvp: IhvpSpec::Neumann {
            alpha: 0.0,
            iters: 10,
            step: 0.3,
        },
        clip: None,
    }));
    let draws: Vec<DVector<f64>> = (0..20_000)
        .map(|seed| {
            first(&AlgorithmSpec::Bsa(Bsa {
                outer_lr: 0.05,
                inner_lr: 0.2,
                inner_steps: 5,
                terms: 10,
                step: 0.3,
                seed,
            }))
        })
        .collect();
    crate::numerics::random::testing::assert_unbiased(&draws, &neumann_dl, 0.0, "BSA's direction");
}
