//! Algorithms against closed forms, independent recurrences and divergence.

use super::*;
use crate::numerics::bilevel::algorithms::{
    alternating::Alternating, double_loop::DoubleLoop, lancbio::Lancbio, momentum::Momentum,
    penalty::Penalty, primal_dual::PrimalDual, simultaneous::Simultaneous, stable::Stable,
    ttsa::Ttsa, unrolled::Unrolled,
};
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
        &AlgorithmSpec::Simultaneous(Simultaneous {
            outer_lr: 0.05,
            inner_lr: 0.2,
        }),
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
        AlgorithmSpec::DoubleLoop(DoubleLoop {
            outer_lr: 0.05,
            inner_lr: 0.2,
            inner_steps: 10,
            ihvp: exact(),
            clip: None,
        }),
        AlgorithmSpec::DoubleLoop(DoubleLoop {
            outer_lr: 0.05,
            inner_lr: 0.2,
            inner_steps: 10,
            ihvp: IhvpSpec::cg(0.0, 1),
            clip: None,
        }),
        AlgorithmSpec::Ttsa(Ttsa {
            outer_lr: 0.05,
            inner_lr: 0.3,
            ihvp: exact(),
            outer_decay: 0.0,
            inner_decay: 0.0,
            radius: None,
        }),
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
        &AlgorithmSpec::Alternating(Alternating {
            outer_lr: 0.05,
            inner_lr: 0.2,
            inner_steps: 20,
        }),
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
            AlgorithmSpec::Stable(Stable {
                outer_lr: 0.05,
                inner_lr: 0.2,
                ihvp: exact(),
                radius: None,
                tau: None,
                estimates: None,
            }),
            1e-6,
        ),
        (
            AlgorithmSpec::Momentum(Momentum {
                outer_lr: 0.05,
                inner_lr: 0.2,
                ihvp: exact(),
                eta_upper: 0.5,
                eta_lower: 0.5,
                state: Default::default(),
            }),
            1e-6,
        ),
        (
            AlgorithmSpec::Unrolled(Unrolled {
                outer_lr: 0.05,
                inner_lr: 0.2,
                inner_steps: 30,
                mode: unrolled::Mode::Reverse,
            }),
            1e-4,
        ),
        (
            AlgorithmSpec::Lancbio(Lancbio {
                outer_lr: 0.05,
                inner_lr: 0.2,
                inner_steps: 5,
                alpha: 0.0,
                restart_every: 1,
                warm_up: 0,
                state: None,
            }),
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
    let spec = AlgorithmSpec::Momentum(Momentum {
        outer_lr: 0.1,
        inner_lr: 0.1,
        ihvp: exact(),
        eta_upper: 0.9,
        eta_lower: 0.3,
        state: Default::default(),
    });
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
        let spec = AlgorithmSpec::Penalty(Penalty {
            outer_lr: 0.5 / (1.0 + 2.0 * rho),
            inner_lr: 0.2,
            inner_steps: 20,
            rho,
            a1: 0.0,
            a2: 0.0,
            z: None,
        });
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
        let spec = AlgorithmSpec::DoubleLoop(DoubleLoop {
            outer_lr: 0.1,
            inner_lr: 0.3,
            inner_steps: 20,
            ihvp: IhvpSpec::cg(0.0, 4),
            clip: None,
        });
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
    let spec = AlgorithmSpec::Simultaneous(Simultaneous {
        outer_lr: 1e3,
        inner_lr: 1e3,
    });
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
    let spec = AlgorithmSpec::DoubleLoop(DoubleLoop {
        outer_lr: 0.1,
        inner_lr: -1.0,
        inner_steps: 1,
        ihvp: exact(),
        clip: None,
    });
    assert_eq!(
        spec.validate(2).unwrap_err(),
        "inner_lr: must be a finite number > 0, got -1"
    );
    let spec = AlgorithmSpec::DoubleLoop(DoubleLoop {
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
    });
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
    let spec = AlgorithmSpec::PrimalDual(PrimalDual {
        outer_lr: 0.02,
        inner_lr: 0.2,
        inner_steps: 10,
        rho: 1.0,
        dual_lr: 0.1,
        a1: 0.0,
        a2: a,
        z: None,
    });
    let built = run(
        &q,
        &spec,
        DVector::from_element(1, -1.0),
        DVector::from_element(1, 3.0),
        40_000,
    );
    assert_eq!(built.x, r.x);
}

/// BLPO Algorithm 1 as used, rank q < m: on LancBiO's synthetic problem in 20 dimensions the double loop
/// with a rank-5 Nyström IHVP (α = 0.1, fixed columns, as BLPO's code) converges, and to where the theory
/// puts it: at its limit the step is zero, so ∇Φ(x∞) = ∇²ₓᵧg (v̂ − v*) — the IHVP's bias; with q = m
/// only α's bias remains, and it is smaller.
#[test]
fn nystrom_double_loop_with_rank_below_m_stops_at_its_ihvp_bias() {
    use crate::numerics::bilevel::problems::LancBioSynthetic;
    use crate::numerics::bilevel::{InnerHessian, exact_hypergradient, solve_inner};
    use crate::numerics::ihvp::spec::Draw;
    let p = LancBioSynthetic::new(20, 10.0, 0.1, 0);
    let nystrom = |rank| IhvpSpec::Nystrom {
        alpha: 0.1,
        rank,
        sampling: Default::default(),
        columns: None,
        seed: 2,
        variant: crate::numerics::ihvp::nystrom::NystromVariant::Paper,
        draw: Draw::Fixed,
    };
    let limit = |rank| {
        let spec = AlgorithmSpec::DoubleLoop(DoubleLoop {
            outer_lr: 0.2,
            inner_lr: 0.1,
            inner_steps: 10,
            ihvp: nystrom(rank),
            clip: None,
        });
        let r = run(
            &p,
            &spec,
            DVector::from_element(20, 0.5),
            DVector::zeros(20),
            3000,
        );
        assert_eq!(r.status, Status::Ok);
        let y = solve_inner(&p, &r.x, &r.y, 1e-13, 50).unwrap_or_else(|| r.y.clone());
        assert!(
            (&y - &r.y).norm() < 1e-9,
            "the inner loop has converged too"
        );
        let (grad, exact) = exact_hypergradient(&p, &r.x, &y);
        let b = p.grad_y_f(&r.x, &y);
        let v_hat = nystrom(rank)
            .solve(
                &InnerHessian {
                    problem: &p,
                    x: &r.x,
                    y: &y,
                },
                &b,
            )
            .map(|s| s.v)
            .unwrap_or_else(|e| panic!("{e}"));
        let bias = p.jvp_xy_g(&r.x, &y, &(&v_hat - &exact.v));
        (r.hypergradient.norm(), grad.norm(), bias.norm())
    };
    let (step, grad, bias) = limit(5);
    assert!(
        step < 1e-12,
        "the q = 5 run has stopped: ‖direction‖ = {step:.1e}"
    );
    assert!(
        grad > 1e-7,
        "and not at a stationary point of Φ: ‖∇Φ‖ = {grad:.1e}"
    );
    assert!(
        (grad - bias).abs() < 1e-6 * grad,
        "‖∇Φ‖ = {grad:.6e} is the IHVP bias {bias:.6e}"
    );
    let (_, grad_full, bias_full) = limit(20);
    assert!((grad_full - bias_full).abs() < 1e-6 * grad_full);
    assert!(
        grad_full < grad,
        "q = m: ‖∇Φ‖ = {grad_full:.1e} (α's bias only) < {grad:.1e}"
    );
}

/// BLPO's clipping (Sec. 6) bounds the correction by a multiple of ‖∇ₓf‖: on ridge HPO, where f does not
/// depend on x directly (∇ₓf = 0), every correction is clipped to zero and the leader never moves.
#[test]
fn clipping_relative_to_the_direct_gradient_freezes_hyperparameter_optimization() {
    use crate::numerics::bilevel::problems::RidgeHpo;
    let p = RidgeHpo::synthetic(20, 200, 0.5, 1);
    let spec = AlgorithmSpec::DoubleLoop(DoubleLoop {
        outer_lr: 2.0,
        inner_lr: 0.5,
        inner_steps: 50,
        ihvp: IhvpSpec::cg(0.0, 20),
        clip: Some(0.2),
    });
    let x0 = DVector::from_element(20, 0.3);
    let mut r = Run::new(x0.clone(), DVector::zeros(20));
    let mut alg = spec.build();
    r.step(&p, alg.as_mut());
    assert!(
        r.warnings.iter().any(|w| w.contains("clipped")),
        "{:?}",
        r.warnings
    );
    for _ in 0..50 {
        r.step(&p, alg.as_mut());
    }
    assert_eq!(r.x, x0);
}

/// LancBiO on its own synthetic problem in 10 dimensions (κ = 10), subspaces of m = 5 with a warm-up
/// m₀ = 2 (no x update in the first two steps after each restart): it reaches the stationary point the
/// exact double loop reaches, and x stands still in exactly the warm-up steps.
#[test]
fn lancbio_in_ten_dimensions_with_warm_up_reaches_the_exact_double_loops_point() {
    use crate::numerics::bilevel::problems::LancBioSynthetic;
    let p = LancBioSynthetic::new(10, 10.0, 0.1, 0);
    let x0 = DVector::from_element(10, 0.5);
    let y0 = DVector::zeros(10);
    let reference = run(
        &p,
        &AlgorithmSpec::DoubleLoop(DoubleLoop {
            outer_lr: 0.2,
            inner_lr: 0.1,
            inner_steps: 10,
            ihvp: exact(),
            clip: None,
        }),
        x0.clone(),
        y0.clone(),
        3000,
    );
    let spec = AlgorithmSpec::Lancbio(Lancbio {
        outer_lr: 0.2,
        inner_lr: 0.1,
        inner_steps: 10,
        alpha: 0.0,
        restart_every: 5,
        warm_up: 2,
        state: None,
    });
    let mut r = Run::new(x0, y0);
    let mut alg = spec.build();
    for k in 0..3000 {
        let before = r.x.clone();
        r.step(&p, alg.as_mut());
        if k % 5 < 2 {
            assert_eq!(r.x, before, "warm-up step {k}");
        } else if k < 50 {
            assert_ne!(r.x, before, "step {k}");
        }
    }
    assert!(
        (&r.x - &reference.x).norm() < 1e-6,
        "{} vs {}",
        r.x,
        reference.x
    );
}
