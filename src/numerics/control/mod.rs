//! Control tasks for BLPO's Algorithm 2 (seed 000, Sec. 5; issue 16): the classic-control environments,
//! the actor and critic networks with exact gradients and critic Hessian–vector products.

pub mod blpo;
pub mod brax;
pub mod critic;
pub mod envs;
pub mod forms;
pub mod hypergradient;
pub mod learner;
pub mod lockstep;
pub mod mlp;
pub mod parallel;
pub mod policy;
pub mod ppo;
pub mod terms;
pub mod wire;
