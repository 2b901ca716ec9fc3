//! [`AlgoKind`]: a bilevel algorithm without its parameters, as the playground's picker and legends list it.

/// An algorithm without its parameters: its name in files and links, its label and one line on what it
/// does (the playground's picker and legends read them from [`AlgoKind::ALL`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlgoKind {
    Simultaneous,
    Alternating,
    DoubleLoop,
    Bsa,
    Ttsa,
    Stable,
    Momentum,
    Unrolled,
    Penalty,
    PrimalDual,
    Lancbio,
}

impl AlgoKind {
    pub const ALL: [(AlgoKind, &'static str, &'static str); 11] = [
        (
            AlgoKind::Simultaneous,
            "simultaneous",
            "x ← x − η∇_x f, y ← y − β∇_y g: ignores how y* moves",
        ),
        (
            AlgoKind::Alternating,
            "alternating",
            "K inner steps, then x ← x − η∇_x f",
        ),
        (
            AlgoKind::DoubleLoop,
            "double loop (AID-BiO)",
            "K inner steps, then the IFT hypergradient",
        ),
        (
            AlgoKind::Bsa,
            "BSA",
            "K inner steps, then the hypergradient with BSA's stochastic Neumann IHVP",
        ),
        (
            AlgoKind::Ttsa,
            "TTSA",
            "one inner step, the IFT hypergradient, decaying step sizes",
        ),
        (
            AlgoKind::Stable,
            "STABLE",
            "one inner step with a correction for the moving x",
        ),
        (
            AlgoKind::Momentum,
            "momentum",
            "moving averages of both levels' directions",
        ),
        (
            AlgoKind::Unrolled,
            "unrolled",
            "differentiate through K inner steps (reverse mode)",
        ),
        (
            AlgoKind::Penalty,
            "penalty",
            "value-function penalty ρ(g − min g)",
        ),
        (
            AlgoKind::PrimalDual,
            "primal–dual",
            "the penalty's multiplier ρ learned by ascent on g − ν̃",
        ),
        (
            AlgoKind::Lancbio,
            "LancBiO",
            "Lanczos-subspace IHVP carried across steps",
        ),
    ];

    /// Whether the algorithm uses the chosen IHVP method.
    pub fn uses_ihvp(self) -> bool {
        matches!(
            self,
            AlgoKind::DoubleLoop | AlgoKind::Ttsa | AlgoKind::Stable | AlgoKind::Momentum
        )
    }
}
