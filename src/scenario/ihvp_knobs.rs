//! How a view's knobs make an IHVP method's parameters: one set of knobs ([`Knobs`]: α, rank, iterations,
//! steps, …), each method reading the ones it has. The IHVP lab and the playground set them from their
//! states; the methods themselves (`numerics::ihvp::spec`) know nothing of knobs.

use crate::numerics::ihvp::nystrom::NystromVariant;
use crate::numerics::ihvp::spec::{Draw, IhvpSpec, Method, Sampling};

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

impl Knobs {
    /// `method` with these knobs, for Hessians of dimension `dim`.
    pub fn spec(&self, method: Method, dim: usize) -> IhvpSpec {
        let k = self;
        let alpha = k.alpha;
        let rank = k.rank.clamp(1, dim.max(1));
        match method {
            Method::Exact => IhvpSpec::Exact { alpha },
            Method::Cg | Method::CgUnguarded => IhvpSpec::Cg {
                alpha,
                iters: k.cg_iters,
                tol: 0.0,
                guard: method == Method::Cg,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_method_round_trips_through_its_spec_and_its_name() {
        let knobs = Knobs {
            alpha: 0.5,
            rank: 3,
            sampling: Sampling::Uniform,
            variant: NystromVariant::Paper,
            seed: 1,
            cg_iters: 4,
            neumann_terms: 5,
            neumann_step: 0.1,
            lanczos_steps: 6,
            reorthogonalize: true,
            draw: Draw::Fixed,
        };
        for m in Method::ALL {
            let spec = knobs.spec(m, 8);
            assert_eq!(spec.method(), m);
            assert_eq!(spec.name(), m.name());
            assert_eq!(spec.alpha(), 0.5);
            let json = serde_json::to_value(&spec).expect("serializes");
            let tag = if m == Method::CgUnguarded {
                assert_eq!(json["guard"], false);
                "cg"
            } else {
                m.name()
            };
            assert_eq!(json["method"], tag, "the CLI's tag is the method's name");
            let back: IhvpSpec = serde_json::from_value(json).expect("the CLI reads it back");
            assert_eq!(back, spec);
            assert_eq!(
                serde_json::to_value(m).expect("serializes"),
                serde_json::json!(m.name()),
                "links and views name it the same way"
            );
        }
        let names: std::collections::HashSet<_> = Method::ALL.iter().map(|m| m.name()).collect();
        assert_eq!(names.len(), Method::ALL.len(), "names are distinct");
    }
}
