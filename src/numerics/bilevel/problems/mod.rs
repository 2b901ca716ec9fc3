//! The bilevel problems, one file each.

pub mod actor_critic;
pub mod cleaning;
pub mod data;
pub mod lancbio_synthetic;
pub mod pruning;
pub mod quadratic;
pub mod representation;
pub mod ridge;

pub use actor_critic::ActorCriticGame;
pub use cleaning::HyperCleaning;
pub use lancbio_synthetic::LancBioSynthetic;
pub use pruning::Pruning;
pub use quadratic::{Parts, Quadratic};
pub use representation::Representation;
pub use ridge::RidgeHpo;
