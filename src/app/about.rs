//! The About panel: version, compute backend, and the sources every view is built from.

/// The papers and code the app implements, as cited in the views' docs.
pub const SOURCES: &[(&str, &str)] = &[
    (
        "Prakash, He, Goktas, Greenwald — Bilevel Policy Optimization with Nyström Hypergradients (BLPO), AAMAS 2026",
        "actor–critic as a Stackelberg game, IFT hypergradient, Nyström IHVP, Algorithm 1, Figures 1–2; Algorithm 2 (BLPO, BLPO-CG, nesting alone) against PPO on CartPole, Acrobot and Pendulum (Control tab, Figures 3–4)",
    ),
    (
        "Yang, Gao, Yuan — Bilevel optimization and hyper-gradient; bilevel RL (slides)",
        "soft MDPs, bilevel RL, model-based hypergradients, M-SoBiRL",
    ),
    (
        "Yang, Gao, Yuan — Hyper-gradient by Krylov subspace (LancBiO) and bilevel RL (poster)",
        "IHVP as a quadratic subproblem, dynamic Lanczos with restarts",
    ),
    (
        "Saxena, Aggarwal — Sample Complexity Analysis for Constrained Bilevel RL",
        "constrained bilevel RL, penalty formulation",
    ),
    (
        "Dash, Ram — Algorithms and analysis of stochastic bilevel optimization (lecture)",
        "BA, BSA, AID-BiO, TTSA, STABLE, CG, Neumann series, unrolling, value-function penalty",
    ),
    (
        "Schulman et al. — Proximal Policy Optimization (2017), Generalized Advantage Estimation (2016); PureJaxRL",
        "the PPO baseline and the skeleton BLPO's code builds on, with its defaults",
    ),
    (
        "Barto, Sutton, Anderson (1983); Sutton (1996); gymnasium's classic control",
        "CartPole-v1, Acrobot-v1, Pendulum-v1: constants, integrators, rewards, limits",
    ),
    (
        "Zheng et al. — Stackelberg actor–critic, AAAI 2022 (public notebook)",
        "the one-step actor–critic game of BLPO Figure 1",
    ),
    (
        "Hataya, Yamada — Nyström method for accurate and scalable implicit differentiation, AISTATS 2023",
        "the Nyström IHVP BLPO uses",
    ),
];

/// Shows the About window while `open`; returns its Diagnostics button (which backend computes, the
/// self-check of GPU against CPU, the batch test: the `#compute` view, which has no tab of its own).
pub fn window(ctx: &egui::Context, open: &mut bool, backend: &str) -> Option<egui::Response> {
    let mut diagnostics = None;
    egui::Window::new("About bilevel-lab")
        .open(open)
        .collapsible(false)
        .resizable(true)
        .default_width(560.0)
        .anchor(egui::Align2::CENTER_CENTER, [0.0, 0.0])
        .show(ctx, |ui| {
            ui.label(format!("bilevel-lab {}", env!("CARGO_PKG_VERSION")));
            ui.horizontal(|ui| {
                ui.label(format!("Compute: {backend}"));
                diagnostics = Some(ui.button("Diagnostics").on_hover_text(
                    "The compute backend, the GPU's self-check against the CPU, a batch test",
                ));
            });
            ui.add_space(6.0);
            ui.strong("Built from");
            egui::ScrollArea::vertical()
                .max_height(320.0)
                .show(ui, |ui| {
                    for (source, what) in SOURCES {
                        ui.label(format!("•  {source}"));
                        ui.weak(format!("     {what}"));
                    }
                });
        });
    diagnostics
}
