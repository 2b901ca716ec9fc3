//! bilevel-lab: watch bilevel optimization happen. See `ARCHITECTURE.md` for the layers.

/// serde's `#[serde(default = "name")]` functions, one line each: `serde_defaults! { samples: usize = 40; }`
/// writes `fn samples() -> usize { 40 }`.
macro_rules! serde_defaults {
    ($($name:ident: $ty:ty = $value:expr;)*) => {
        $(fn $name() -> $ty {
            $value
        })*
    };
}

/// A whole-number serde default written where it is used: `#[serde(default = "crate::int::<100>")]`.
pub(crate) const fn int<const N: usize>() -> usize {
    N
}

pub mod app;
#[cfg(not(target_arch = "wasm32"))]
pub mod bench;
pub mod budget;
#[cfg(not(target_arch = "wasm32"))]
pub mod cli;
pub mod gpu;
pub mod lesson;
pub mod numerics;
pub mod platform;
pub mod progress;
pub mod scenario;
pub mod status;
#[cfg(target_arch = "wasm32")]
pub mod web;

pub use app::BilevelApp;
