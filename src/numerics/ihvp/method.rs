//! What [`Method`] (an IHVP method without its parameters) is to the app and the docs: its name in files
//! and links, its label, one line on what it computes and costs, its colour, and how a view's knobs make
//! its [`IhvpSpec`].

use super::nystrom::NystromVariant;
use super::spec::{Draw, IhvpSpec, Method, Sampling};

/// What the app and the docs say about a method.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct About {
    /// The name in scenario files and links (`"method": "cg"`).
    pub name: &'static str,
    /// The label in pickers and legends.
    pub label: &'static str,
    /// What it computes, and its cost in HVPs.
    pub summary: &'static str,
    /// The colour it is drawn in, the same in every view (the app's `Look` gives its light and dark
    /// shades).
    pub colour: Colour,
}

/// The Okabe–Ito colours (colour-blind safe) the app draws methods and dynamics in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Colour {
    Black,
    Blue,
    Vermillion,
    BluishGreen,
    ReddishPurple,
    Ochre,
    Orange,
    Grey,
    Brown,
}

/// The knobs a view or a scenario sets for its methods; each method reads the ones it has.
#[derive(Clone, Debug, PartialEq)]
pub struct Knobs {
    pub alpha: f64,
    /// Nyström's (and Nyström-PCG's) rank q, clamped to the dimension.
    pub rank: usize,
    pub sampling: Sampling,
    pub variant: NystromVariant,
    pub seed: u64,
    /// CG's (and Nyström-PCG's) iterations.
    pub cg_iters: usize,
    pub neumann_terms: usize,
    pub neumann_step: f64,
    pub lanczos_steps: usize,
    /// Full reorthogonalization of the Lanczos basis.
    pub reorthogonalize: bool,
    /// Nyström's columns: fresh per call or fixed.
    pub draw: Draw,
}

impl Method {
    /// Every method, in the order the views list them.
    pub const ALL: [Method; 9] = [
        Method::Exact,
        Method::Nystrom,
        Method::Cg,
        Method::Neumann,
        Method::Lanczos,
        Method::Identity,
        Method::NystromPcg,
        Method::CgUnguarded,
        Method::NeumannStochastic,
    ];

    /// The method's description (the one place it is written).
    pub fn about(self) -> About {
        let about = |name, label, summary, colour| About {
            name,
            label,
            summary,
            colour,
        };
        match self {
            Method::Exact => about(
                "exact",
                "exact",
                "(H + αI)⁻¹b by an LU solve of the dense H (p HVPs to build it)",
                Colour::Black,
            ),
            Method::Nystrom => about(
                "nystrom",
                "Nyström",
                "q sampled columns of H, H_q + αI inverted by Woodbury (BLPO Sec. 3; q HVPs)",
                Colour::Blue,
            ),
            Method::Cg => about(
                "cg",
                "CG",
                "conjugate gradients on (H + αI)v = b (one HVP per iteration)",
                Colour::Vermillion,
            ),
            Method::Neumann => about(
                "neumann",
                "Neumann",
                "η Σ (I − η(H + αI))^k b over k terms, converging for η < 2/λ_max (one HVP per term)",
                Colour::BluishGreen,
            ),
            Method::Lanczos => about(
                "lanczos",
                "Lanczos",
                "the Krylov basis of k steps and its tridiagonal solve (one HVP per step)",
                Colour::ReddishPurple,
            ),
            Method::Identity => about(
                "identity",
                "identity",
                "b/α: no curvature at all (no HVP)",
                Colour::Ochre,
            ),
            Method::NystromPcg => about(
                "nystrom_pcg",
                "Nyström-PCG",
                "CG preconditioned by the rank-q Nyström approximation (q + one HVP per iteration)",
                Colour::Orange,
            ),
            Method::CgUnguarded => about(
                "cg_unguarded",
                "CG, no guard",
                "CG that runs on through negative curvature, as JAX's and SciPy's cg do (one HVP per \
                 iteration; in files {\"method\": \"cg\", \"guard\": false})",
                Colour::Grey,
            ),
            Method::NeumannStochastic => about(
                "neumann_stochastic",
                "stochastic Neumann",
                "BSA's estimator ηQ ∏_{i≤p} (I − η(H_i + αI)) b at a random depth p < Q, unbiased for the \
                 Q-term series (p HVPs, (Q − 1)/2 on average)",
                Colour::Brown,
            ),
        }
    }

    pub fn name(self) -> &'static str {
        self.about().name
    }

    pub fn label(self) -> &'static str {
        self.about().label
    }

    /// The method with `knobs`, for Hessians of dimension `dim`.
    pub fn spec(self, k: &Knobs, dim: usize) -> IhvpSpec {
        let alpha = k.alpha;
        let rank = k.rank.clamp(1, dim.max(1));
        match self {
            Method::Exact => IhvpSpec::Exact { alpha },
            Method::Cg | Method::CgUnguarded => IhvpSpec::Cg {
                alpha,
                iters: k.cg_iters,
                tol: 0.0,
                guard: self == Method::Cg,
            },
            Method::Neumann => IhvpSpec::Neumann {
                alpha,
                iters: k.neumann_terms,
                step: k.neumann_step,
            },
            Method::NeumannStochastic => IhvpSpec::NeumannStochastic {
                alpha,
                iters: k.neumann_terms,
                step: k.neumann_step,
                seed: k.seed,
            },
            Method::Nystrom => IhvpSpec::Nystrom {
                alpha,
                rank,
                sampling: k.sampling,
                columns: None,
                seed: k.seed,
                variant: k.variant,
                draw: k.draw,
            },
            Method::NystromPcg => IhvpSpec::NystromPcg {
                alpha,
                rank,
                iters: k.cg_iters,
                tol: 0.0,
                seed: k.seed,
            },
            Method::Lanczos => IhvpSpec::Lanczos {
                alpha,
                iters: k.lanczos_steps,
                reorthogonalize: k.reorthogonalize,
            },
            Method::Identity => IhvpSpec::Identity { alpha },
        }
    }
}
