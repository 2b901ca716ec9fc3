//! Algorithms against closed forms, independent recurrences and divergence.

use super::*;
use crate::numerics::bilevel::problems::{ActorCriticGame, Parts, Quadratic};
use crate::numerics::ihvp::spec::IhvpSpec;
use crate::numerics::ihvp::testing::{spd, vector};
use nalgebra::DMatrix;

fn run<P: BilevelProblem>(
    p: &P,
    spec: &AlgorithmSpec,
    x0: DVector<f64>,
    y0: DVector<f64>,
    steps: usize,
) -> Run {
    spec.validate(p.dims().1).unwrap_or_else(|e| panic!("{e}"));
    let mut r = Run::new(x0, y0);
    let mut algorithm = spec.build();
    for _ in 0..steps {
        r.step(p, algorithm.as_mut());
    }
    r
}

fn exact() -> IhvpSpec {
    IhvpSpec::Exact { alpha: 0.0 }
}

#[test]
fn toy_simultaneous_goes_to_nash_and_hypergradient_methods_to_stackelberg() {
    let q = Quadratic::stackelberg_vs_nash();
    let start = || {
        (
            DVector::from_element(1, -1.0),
            DVector::from_element(1, 3.0),
        )
    };
    let (x0, y0) = start();
    let sim = run(
        &q,
        &AlgorithmSpec::Simultaneous {
            outer_lr: 0.05,
            inner_lr: 0.2,
        },
        x0,
        y0,
        2000,
    );
    assert!(
        (sim.x[0] - 1.0).abs() < 1e-6 && (sim.y[0] - 1.0).abs() < 1e-6,
        "{} {}",
        sim.x,
        sim.y
    );
    for spec in [
        AlgorithmSpec::DoubleLoop {
            outer_lr: 0.05,
            inner_lr: 0.2,
            inner_steps: 10,
            ihvp: exact(),
            clip: None,
        },
        AlgorithmSpec::DoubleLoop {
            outer_lr: 0.05,
            inner_lr: 0.2,
            inner_steps: 10,
            ihvp: IhvpSpec::Cg {
                alpha: 0.0,
                iters: 1,
                tol: 0.0,
                guard: true,
            },
            clip: None,
        },
        AlgorithmSpec::Ttsa {
            outer_lr: 0.05,
            inner_lr: 0.3,
            ihvp: exact(),
            outer_decay: 0.0,
            inner_decay: 0.0,
            radius: None,
        },
    ] {
        let (x0, y0) = start();
        let r = run(&q, &spec, x0, y0, 3000);
        assert_eq!(r.status, Status::Ok);
        assert!(
            (r.x[0] - 1.5).abs() < 1e-6 && (r.y[0] - 1.5).abs() < 1e-5,
            "{spec:?}: {} {}",
            r.x,
            r.y
        );
    }
    // Alternating play has no implicit term: it goes to the point where ∇ₓf(x, y*(x)) = 0, x = 1.
    let (x0, y0) = start();
    let alt = run(
        &q,
        &AlgorithmSpec::Alternating {
            outer_lr: 0.05,
            inner_lr: 0.2,
            inner_steps: 20,
        },
        x0,
        y0,
        2000,
    );
    assert!((alt.x[0] - 1.0).abs() < 1e-6, "{}", alt.x);
}

#[test]
fn stable_momentum_unrolled_and_lancbio_reach_the_stackelberg_point() {
    let q = Quadratic::stackelberg_vs_nash();
    for (spec, tol) in [
        (
            AlgorithmSpec::Stable {
                outer_lr: 0.05,
                inner_lr: 0.2,
                ihvp: exact(),
                radius: None,
                tau: None,
            },
            1e-6,
        ),
        (
            AlgorithmSpec::Momentum {
                outer_lr: 0.05,
                inner_lr: 0.2,
                ihvp: exact(),
                eta_upper: 0.5,
                eta_lower: 0.5,
            },
            1e-6,
        ),
        (
            AlgorithmSpec::Unrolled {
                outer_lr: 0.05,
                inner_lr: 0.2,
                inner_steps: 30,
                mode: unrolled::Mode::Reverse,
            },
            1e-4,
        ),
        (
            AlgorithmSpec::Lancbio {
                outer_lr: 0.05,
                inner_lr: 0.2,
                inner_steps: 5,
                alpha: 0.0,
                restart_every: 1,
            },
            1e-6,
        ),
    ] {
        let r = run(
            &q,
            &spec,
            DVector::from_element(1, -1.0),
            DVector::from_element(1, 3.0),
            3000,
        );
        assert_eq!(r.status, Status::Ok, "{spec:?}");
        assert!((r.x[0] - 1.5).abs() < tol, "{spec:?}: {}", r.x);
    }
}

#[test]
fn momentum_with_exact_gradients_coincides_with_single_loop_aid() {
    // Eq. 21's correction telescopes when gradients are exact: same iterates as STABLE without the
    // correction term, i.e. x − α∇̄f and y − β∇ᵧg from the same point.
    let p = crate::numerics::bilevel::problems::LancBioSynthetic::new(3, 4.0, 0.1, 2);
    let spec = AlgorithmSpec::Momentum {
        outer_lr: 0.1,
        inner_lr: 0.1,
        ihvp: exact(),
        eta_upper: 0.9,
        eta_lower: 0.3,
    };
    let mut r = Run::new(vector(3, 1), vector(3, 2));
    let mut algorithm = spec.build();
    let (mut x, mut y) = (r.x.clone(), r.y.clone());
    for _ in 0..20 {
        r.step(&p, algorithm.as_mut());
        let (grad, _) = crate::numerics::bilevel::exact_hypergradient(&p, &x, &y);
        let gy = p.grad_y_g(&x, &y);
        x -= grad * 0.1;
        y -= gy * 0.1;
        assert!((&r.x - &x).norm() < 1e-12 && (&r.y - &y).norm() < 1e-12);
    }
}

#[test]
fn penalty_reaches_the_penalized_optimum_which_tends_to_stackelberg() {
    let q = Quadratic::stackelberg_vs_nash();
    let mut last_gap = f64::INFINITY;
    for rho in [1.0, 4.0, 16.0] {
        let spec = AlgorithmSpec::Penalty {
            outer_lr: 0.5 / (1.0 + 2.0 * rho),
            inner_lr: 0.2,
            inner_steps: 20,
            rho,
            a1: 0.0,
            a2: 0.0,
        };
        let r = run(
            &q,
            &spec,
            DVector::from_element(1, 0.0),
            DVector::from_element(1, 0.0),
            4000,
        );
        // Minimizer of (x−1)² + (y−2)² + ρ(y−x)² (value function of g = (y−x)² is 0).
        let m = DMatrix::from_row_slice(2, 2, &[1.0 + rho, -rho, -rho, 1.0 + rho]);
        let want = m.lu().solve(&DVector::from_vec(vec![1.0, 2.0])).unwrap();
        assert!(
            (r.x[0] - want[0]).abs() < 1e-6 && (r.y[0] - want[1]).abs() < 1e-6,
            "ρ = {rho}: {} {}",
            r.x,
            r.y
        );
        let gap = (r.x[0] - 1.5).abs() + (r.y[0] - 1.5).abs();
        assert!(gap < last_gap);
        last_gap = gap;
    }
}

#[test]
fn double_loop_reaches_the_closed_form_optimum_of_random_quadratics() {
    for seed in 0..4 {
        let (n, m) = (3, 4);
        let q = Quadratic::new(Parts {
            a_mat: spd(m, 0.5, 2.0, seed),
            b_mat: DMatrix::from_fn(n, m, |i, j| {
                ((i * 3 + j) as f64 * 0.7 + seed as f64).sin() * 0.3
            }),
            e_mat: spd(n, 0.5, 1.0, seed + 10),
            a: vector(n, seed + 20),
            c: vector(m, seed + 30),
            h_mat: spd(m, 1.0, 3.0, seed + 40),
            c_mat: DMatrix::from_fn(m, n, |i, j| ((i + 2 * j) as f64 + seed as f64).cos() * 0.5),
            d: vector(m, seed + 50),
        })
        .unwrap();
        let x_star = q.x_star().unwrap_or_else(|| panic!("convex Φ"));
        let spec = AlgorithmSpec::DoubleLoop {
            outer_lr: 0.1,
            inner_lr: 0.3,
            inner_steps: 20,
            ihvp: IhvpSpec::Cg {
                alpha: 0.0,
                iters: 4,
                tol: 0.0,
                guard: true,
            },
            clip: None,
        };
        let r = run(&q, &spec, DVector::zeros(n), DVector::zeros(m), 3000);
        assert!(
            (&r.x - &x_star).norm() < 1e-6,
            "seed {seed}: {} vs {x_star}",
            r.x
        );
        assert_eq!(r.hvp_count, 3000 * 4);
        assert_eq!(r.inner_iterations, 3000 * 20);
    }
}

#[test]
fn huge_steps_end_in_a_diverged_status_not_a_panic() {
    let g = ActorCriticGame;
    let spec = AlgorithmSpec::Simultaneous {
        outer_lr: 1e3,
        inner_lr: 1e3,
    };
    let r = run(
        &g,
        &spec,
        DVector::from_element(1, -1.0),
        DVector::from_element(1, 1.0),
        100,
    );
    let Status::Diverged { step } = r.status else {
        panic!("expected divergence, got {}", r.status)
    };
    assert!(step < 100);
    assert_eq!(r.step, step, "no steps after divergence");
    assert_eq!(r.status.to_string(), format!("diverged at step {step}"));
}

#[test]
fn invalid_parameters_name_the_field() {
    let spec = AlgorithmSpec::DoubleLoop {
        outer_lr: 0.1,
        inner_lr: -1.0,
        inner_steps: 1,
        ihvp: exact(),
        clip: None,
    };
    assert_eq!(
        spec.validate(2).unwrap_err(),
        "inner_lr: must be a finite number > 0, got -1"
    );
    let spec = AlgorithmSpec::DoubleLoop {
        outer_lr: 0.1,
        inner_lr: 0.1,
        inner_steps: 1,
        ihvp: IhvpSpec::Nystrom {
            alpha: 1.0,
            rank: 9,
            sampling: Default::default(),
            columns: None,
            seed: 0,
            variant: crate::numerics::ihvp::nystrom::NystromVariant::Paper,
            draw: Default::default(),
        },
        clip: None,
    };
    assert_eq!(
        spec.validate(4).unwrap_err(),
        "ihvp.rank: must be in 1..=4, got 9"
    );
}

/// Lecture Eq. 29 on the toy (f = (x − 1)² + (y − 2)², g = (y − x)²) with a₁ = 0, a₂ = a: ν̃ = a, so the
/// relaxed problem is min f s.t. (y − x)² ≤ a, solved by y − x = √a, x = (3 − √a)/2, with multiplier
/// λ = (1 − √a)/(2√a). The primal–dual iteration reaches that point and learns ρ → λ.
#[test]
fn primal_dual_reaches_the_relaxed_kkt_point_and_its_multiplier() {
    let q = Quadratic::stackelberg_vs_nash();
    let a: f64 = 0.01;
    let mut alg = primal_dual::PrimalDual {
        outer_lr: 0.02,
        inner_lr: 0.2,
        inner_steps: 10,
        dual_lr: 0.1,
        a1: 0.0,
        a2: a,
        rho: 1.0,
        z: None,
    };
    let mut r = Run::new(
        DVector::from_element(1, -1.0),
        DVector::from_element(1, 3.0),
    );
    for _ in 0..40_000 {
        r.step(&q, &mut alg);
    }
    let x = (3.0 - a.sqrt()) / 2.0;
    assert!((r.x[0] - x).abs() < 1e-6, "{} vs {x}", r.x[0]);
    assert!((r.y[0] - (x + a.sqrt())).abs() < 1e-6, "{}", r.y[0]);
    let lambda = (1.0 - a.sqrt()) / (2.0 * a.sqrt());
    assert!(
        (alg.rho - lambda).abs() < 1e-4,
        "ρ = {} vs λ = {lambda}",
        alg.rho
    );
    // The spec builds the same method.
    let spec = AlgorithmSpec::PrimalDual {
        outer_lr: 0.02,
        inner_lr: 0.2,
        inner_steps: 10,
        rho: 1.0,
        dual_lr: 0.1,
        a1: 0.0,
        a2: a,
    };
    let built = run(
        &q,
        &spec,
        DVector::from_element(1, -1.0),
        DVector::from_element(1, 3.0),
        40_000,
    );
    assert_eq!(built.x, r.x);
}
