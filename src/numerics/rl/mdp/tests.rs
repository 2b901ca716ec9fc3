//! Tests of the soft MDP: value iteration, policy iteration and both policy solves against dense
//! references, and the checks on bad MDPs.

use super::*;
use crate::numerics::random::SeededRng;
use rand::{Rng as _, SeedableRng as _};

#[test]
fn soft_value_iteration_reaches_the_consistency_equations() {
    let mdp = SoftMdp::random(6, 3, 0.8, 0.5, 1);
    let mut rng = SeededRng::seed_from_u64(2);
    let r = DVector::from_fn(18, |_, _| rng.random_range(-1.0..1.0));
    let sol = mdp.solve(&r);
    assert!(sol.residual <= 1e-13, "{}", sol.residual);
    // Q* = r + γ P V*, V* = τ log Σ exp(Q*/τ), π* = exp((Q* − V*)/τ) sums to 1 per state.
    let q = &r + mdp.transitions() * &sol.v * 0.8;
    assert!((&q - &sol.q).amax() < 1e-12);
    for s in 0..6 {
        let total: f64 = (0..3).map(|a| sol.pi[s * 3 + a]).sum();
        assert!((total - 1.0).abs() < 1e-12);
    }
    // The soft value of π* under the same reward and τ is V* (π* is optimal for the soft objective).
    let v_pi = mdp.policy_value(&sol.pi, &r, 0.5);
    assert!((&v_pi - &sol.v).amax() < 1e-10, "{v_pi} vs {}", sol.v);
    // …and any other policy does worse at every state.
    let uniform = DVector::from_element(18, 1.0 / 3.0);
    let v_u = mdp.policy_value(&uniform, &r, 0.5);
    assert!(v_u.iter().zip(sol.v.iter()).all(|(u, o)| u <= &(o + 1e-12)));
    // Occupancy: a distribution over pairs.
    assert!((mdp.occupancy(&sol.pi).sum() - 1.0).abs() < 1e-12);
}

#[test]
fn both_policy_solves_agree_with_a_dense_lu() {
    let mdp = SoftMdp::random(150, 3, 0.9, 0.5, 4);
    let mut rng = SeededRng::seed_from_u64(5);
    let pi = mdp.policy(&DVector::from_fn(450, |_, _| rng.random_range(-1.0..1.0)));
    let b = DVector::from_fn(150, |_, _| rng.random_range(-1.0..1.0));
    let m = DMatrix::identity(150, 150) - mdp.transition_under(&pi) * 0.9;
    for transpose in [false, true] {
        let dense = if transpose { m.transpose() } else { m.clone() };
        let exact = dense.lu().solve(&b).unwrap_or_default();
        for method in [PolicySolve::Banded, PolicySolve::FixedPoint] {
            let z = mdp.solve_policy_by(method, &pi, &b, transpose);
            assert!(
                (&z - &exact).amax() < 1e-11 * exact.amax(),
                "{method:?}, transpose {transpose}: {:.1e}",
                (&z - &exact).amax()
            );
        }
    }
    // The pull-back through the occupancy equals central differences of gᵀd(π).
    let g = DVector::from_fn(450, |_, _| rng.random_range(-1.0..1.0));
    let pull = mdp.occupancy_pullback(&pi, &g);
    for i in [0usize, 17, 448] {
        let (mut p, mut q) = (pi.clone(), pi.clone());
        p[i] += 1e-6;
        q[i] -= 1e-6;
        let fd = (g.dot(&mdp.occupancy(&p)) - g.dot(&mdp.occupancy(&q))) / 2e-6;
        assert!(
            (fd - pull[i]).abs() < 1e-7 * (1.0 + fd.abs()),
            "{i}: {fd} vs {}",
            pull[i]
        );
    }
}

/// A 32 × 32 gridworld's band is its width: the band solve is picked, and agrees with the fixed point.
#[test]
fn a_large_gridworld_is_solved_in_its_band() {
    let grid = crate::numerics::rl::gridworld::Gridworld {
        rows: 32,
        cols: 32,
        ..Default::default()
    };
    let mdp = grid.mdp(0.98, 0.02).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        (mdp.bandwidth, mdp.policy_solve()),
        (32, PolicySolve::Banded)
    );
    let mut rng = SeededRng::seed_from_u64(6);
    let pi = mdp.policy(&DVector::from_fn(4096, |_, _| rng.random_range(-1.0..1.0)));
    let b = DVector::from_fn(1024, |_, _| rng.random_range(-1.0..1.0));
    for transpose in [false, true] {
        let band = mdp.solve_policy_by(PolicySolve::Banded, &pi, &b, transpose);
        let fixed = mdp.solve_policy_by(PolicySolve::FixedPoint, &pi, &b, transpose);
        assert!(
            (&band - &fixed).amax() < 1e-10 * fixed.amax(),
            "transpose {transpose}: {:.1e}",
            (&band - &fixed).amax()
        );
    }
}

/// Soft policy iteration + polish lands on plain soft value iteration's fixed point, in far fewer
/// sweeps at a high discount (the default grid at γ = 0.98: 8 evaluations reach the roundoff floor of
/// the band solve, ‖T(Q) − Q‖∞ ≈ 7e-12, then ~200 sweeps reach 1e-13, against ~1500 from Q = 0).
#[test]
fn policy_iteration_reaches_value_iterations_fixed_point() {
    let grid = crate::numerics::rl::gridworld::Gridworld::default();
    let cases = [
        (SoftMdp::random(12, 3, 0.9, 0.5, 8), None),
        (
            grid.mdp(0.98, 0.02).unwrap_or_else(|e| panic!("{e}")),
            Some(grid.true_reward()),
        ),
    ];
    for (mdp, reward) in cases {
        let pairs = mdp.states * mdp.actions;
        let mut rng = SeededRng::seed_from_u64(9);
        let r =
            reward.unwrap_or_else(|| DVector::from_fn(pairs, |_, _| rng.random_range(-1.0..1.0)));
        let vi = mdp.solve_from(&r, &DVector::zeros(pairs), 1e-13, 100_000);
        let pi = mdp.solve(&r);
        assert!(pi.residual <= 1e-13, "{}", pi.residual);
        assert!(
            (&pi.q - &vi.q).amax() < 1e-10,
            "{:.1e}",
            (&pi.q - &vi.q).amax()
        );
        assert!((&pi.pi - &vi.pi).amax() < 1e-10);
        assert!(
            pi.iterations * 5 < vi.iterations,
            "{} vs {}",
            pi.iterations,
            vi.iterations
        );
    }
}

#[test]
fn bad_mdps_are_named() {
    let p = DMatrix::from_element(2, 2, 0.5);
    let rho = DVector::from_element(2, 0.5);
    assert!(SoftMdp::new(2, 1, p.clone(), 0.9, 1.0, rho.clone()).is_ok());
    let e = SoftMdp::new(2, 1, p.clone(), 1.0, 1.0, rho.clone())
        .err()
        .unwrap_or_default();
    assert!(e.starts_with("gamma"), "{e}");
    let mut bad = p.clone();
    bad[(1, 0)] = 0.7;
    let e = SoftMdp::new(2, 1, bad, 0.9, 1.0, rho.clone())
        .err()
        .unwrap_or_default();
    assert!(e.starts_with("transitions[1]"), "{e}");
    let e = SoftMdp::new(2, 2, p, 0.9, 1.0, rho)
        .err()
        .unwrap_or_default();
    assert!(e.contains("4×2"), "{e}");
}

/// The authors' sparse support (`RanMDP.generate_transition_probs`): each pair reaches 1 ..= S − 1 distinct
/// states, each row a distribution; over many pairs every count in that range occurs. The dense draw
/// reaches every state.
#[test]
fn sparse_random_mdps_draw_the_authors_support() {
    let m = SoftMdp::random_mdp(10, 5, (0.5, 1.0), 3, true);
    let p = m.transitions();
    let mut counts = [0usize; 11];
    for r in 0..50 {
        let row = p.row(r);
        let k = row.iter().filter(|&&v| v > 0.0).count();
        assert!((1..=9).contains(&k), "pair {r}: {k} successors");
        assert!(
            (row.sum() - 1.0).abs() < 1e-12,
            "pair {r}: sums to {}",
            row.sum()
        );
        counts[k] += 1;
    }
    let mut more = SoftMdp::random_mdp(4, 200, (0.5, 1.0), 4, true).transitions();
    for r in 0..800 {
        let k = more.row(r).iter().filter(|&&v| v > 0.0).count();
        assert!((1..=3).contains(&k), "{k}");
        counts[k] += 100;
    }
    assert!(counts[1..=3].iter().all(|&c| c >= 100), "{counts:?}");
    more = SoftMdp::random(10, 5, 0.5, 1.0, 3).transitions();
    assert!(
        more.iter().all(|&v| v > 0.0),
        "dense rows reach every state"
    );
}
