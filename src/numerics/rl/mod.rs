//! Bilevel reinforcement learning on tabular soft MDPs (issue 7; seeds 001 and 002): the MDP and soft
//! value iteration (`mdp.rs`), the leader's objectives and the exact model-based hypergradient
//! (`hypergradient.rs`).

pub mod baselines;
pub mod gridworld;
pub mod hypergradient;
pub mod m_sobirl;
pub mod mdp;
pub mod penalty;
pub mod sobirl;
