//! Random soft MDPs: dense rows, or the authors' sparse support (seed 001's synthetic test, `RanMDP.py`).

use nalgebra::{DMatrix, DVector};
use rand::seq::SliceRandom as _;
use rand::{Rng as _, SeedableRng as _};

use super::SoftMdp;
use crate::numerics::random::SeededRng;

impl SoftMdp {
    /// A random MDP (the authors' synthetic setting draws one): each row of P uniform in [0, 1) normalized,
    /// ρ uniform over states.
    pub fn random(states: usize, actions: usize, gamma: f64, tau: f64, seed: u64) -> Self {
        Self::random_mdp(states, actions, (gamma, tau), seed, false)
    }

    /// A random MDP; with `sparse` each pair's successors as the authors' `RandMDP.generate_transition_probs`
    /// draws them (`SyntheticProblem/RanMDP.py`): `np.random.randint(1, S)` of them (1 ..= S − 1; one when
    /// S = 1), distinct, uniformly chosen, with uniform [0, 1) weights normalized.
    pub fn random_mdp(
        states: usize,
        actions: usize,
        (gamma, tau): (f64, f64),
        seed: u64,
        sparse: bool,
    ) -> Self {
        let mut rng = SeededRng::seed_from_u64(seed);
        let mut p = DMatrix::from_fn(states * actions, states, |_, _| {
            if sparse {
                0.0
            } else {
                rng.random_range(0.0..1.0) + 1e-3
            }
        });
        if sparse {
            let mut all: Vec<usize> = (0..states).collect();
            for mut row in p.row_iter_mut() {
                let k = if states > 1 {
                    rng.random_range(1..states)
                } else {
                    1
                };
                let (chosen, _) = all.partial_shuffle(&mut rng, k);
                for &t in chosen.iter() {
                    row[t] = rng.random_range(0.0..1.0) + 1e-12;
                }
            }
        }
        for mut row in p.row_iter_mut() {
            let total = row.sum();
            row /= total;
        }
        let rows = p
            .row_iter()
            .map(|r| {
                r.iter()
                    .enumerate()
                    .filter(|(_, v)| **v > 0.0)
                    .map(|(t, v)| (t, *v))
                    .collect()
            })
            .collect();
        Self {
            states,
            actions,
            gamma,
            tau,
            rho: DVector::from_element(states, 1.0 / states as f64),
            rows,
            bandwidth: states - 1,
        }
    }
}
