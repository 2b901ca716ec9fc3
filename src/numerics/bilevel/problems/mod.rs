//! The bilevel problems, one file each.

pub mod actor_critic;
pub mod quadratic;

pub use actor_critic::ActorCriticGame;
pub use quadratic::Quadratic;
