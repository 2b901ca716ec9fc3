//! The expert's policy behind inverse RL's demonstrations (π* of the hidden true reward), solved a slice
//! at a time within the frame's work (a 32 × 32 grid's solve is ~0.1 s in the browser) and kept while the
//! MDP and the true reward stay the same, so that changing a step size does not solve it again.

use nalgebra::DVector;
use web_time::Instant;

use crate::budget::work_until;
use crate::numerics::rl::mdp::{SoftMdp, SoftSolver};
use crate::scenario::soft_rl::SoftRlState;

/// Value-iteration sweeps per slice once the solver polishes (a policy evaluation is one slice).
const SWEEPS: usize = 20;

/// One expert: its MDP and reward, the solver while it runs, its policy once solved.
pub struct Expert {
    /// The state it was last asked for (its MDP is built once per state, not every frame).
    asked_for: SoftRlState,
    mdp: SoftMdp,
    reward: DVector<f64>,
    solver: SoftSolver,
    pi: Option<DVector<f64>>,
}

impl Expert {
    /// Policy evaluations and sweeps done so far (the view reports them while it waits, so that a headless
    /// player sees it working, not stuck).
    pub fn pieces(&self) -> usize {
        self.solver.pieces()
    }

    /// The policy for `state` (whose model needs one, [`SoftRlState::needs_expert`]) once solved, doing a
    /// slice of the solve until `deadline` where it is not: `None` while solving, `Some(policy)` once the
    /// model can be built — `Some(None)` where the MDP cannot be (the model reports why).
    pub fn for_state<'a>(
        expert: &'a mut Option<Self>,
        state: &SoftRlState,
        deadline: Instant,
    ) -> Option<Option<&'a DVector<f64>>> {
        if !expert.as_ref().is_some_and(|e| &e.asked_for == state) {
            let Ok(mdp) = state.mdp() else {
                return Some(None);
            };
            let reward = state.true_reward();
            match expert {
                Some(e) if e.mdp == mdp && e.reward == reward => e.asked_for = state.clone(),
                _ => {
                    let q0 = DVector::zeros(mdp.states * mdp.actions);
                    *expert = Some(Self {
                        asked_for: state.clone(),
                        solver: SoftSolver::new(reward.clone(), q0),
                        mdp,
                        reward,
                        pi: None,
                    });
                }
            }
        }
        let e = expert.as_mut()?;
        if e.pi.is_none() {
            work_until(deadline, || {
                // The same iterates and tolerance as `SoftMdp::solve`, in slices.
                match e.solver.advance(&e.mdp, SWEEPS, 1e-13) {
                    Some(solution) => {
                        e.pi = Some(solution.pi);
                        false
                    }
                    None => true,
                }
            });
        }
        e.pi.as_ref().map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numerics::rl::hypergradient::Upper;

    fn demos(state: &SoftRlState, expert: Option<&DVector<f64>>) -> Vec<(usize, usize)> {
        match state.problem_with_expert(expert).map(|p| p.upper) {
            Ok(Upper::ExpertNll { demos, .. }) => demos,
            other => panic!("not inverse RL: {other:?}"),
        }
    }

    #[test]
    fn the_expert_solved_in_slices_draws_the_same_demonstrations_and_is_kept() {
        let mut state = SoftRlState::default();
        assert!(state.needs_expert());
        let mut expert = None;
        let mut slices = 0;
        // A deadline already past: one slice per call, as in a frame with no time left.
        let pi = loop {
            slices += 1;
            if let Some(pi) = Expert::for_state(&mut expert, &state, Instant::now()) {
                break pi.cloned();
            }
            assert!(slices < 100_000, "the expert's solve never finished");
        };
        assert!(
            slices > 1,
            "solved in one slice: nothing was spread over frames"
        );
        let pi = pi.unwrap_or_else(|| panic!("the default state has an MDP"));
        assert_eq!(demos(&state, Some(&pi)), demos(&state, None));
        // Another step size, same MDP and reward: the policy is kept (no slice to do).
        state.beta *= 2.0;
        assert!(Expert::for_state(&mut expert, &state, Instant::now()).is_some());
        // Another temperature: solved again.
        state.tau *= 2.0;
        assert!(Expert::for_state(&mut expert, &state, Instant::now()).is_none());
    }
}
