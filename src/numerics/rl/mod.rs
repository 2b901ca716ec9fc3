//! Bilevel reinforcement learning on tabular soft MDPs (issue 7; seeds 001, 002 and 003): the MDP and
//! soft value iteration (`mdp.rs`), gridworlds (`gridworld.rs`), reward models (`reward.rs`), the leader's objectives and the exact
//! model-based hypergradient (`hypergradient.rs`), M-SoBiRL (`m_sobirl.rs`), model-free SoBiRL and
//! Stoc-SoBiRL (`sobirl.rs`), exact descent and alternating updates (`baselines.rs`), the penalty methods
//! PBRL and CBSO (`penalty.rs`), and all of them side by side (`lockstep.rs`).

pub mod algorithm;
pub mod baselines;
pub mod gridworld;
pub mod hypergradient;
pub mod lockstep;
pub mod m_sobirl;
pub mod mdp;
pub mod penalty;
pub mod reward;
pub mod sobirl;
#[cfg(test)]
pub(crate) mod tests_fixtures;
