//! Lessons (issue 14): ordered steps over the live views, each with its narrative, a question for the
//! class and claims the numbers must show. `format` reads and writes lesson files, `claim` checks one
//! reported value; the app plays steps headless and checks their claims (`app::lesson_check`). The
//! built-in lessons are `assets/lessons/*.lesson`, compiled in. This module uses no view: it sits below
//! `app`.

pub mod claim;
pub mod course;
pub mod format;
mod model;
mod step_builder;

pub use format::{Lesson, LessonError, Question, Step};

/// The built-in lesson files (name, text), in teaching order.
pub const BUILT_IN: [(&str, &str); 10] = [
    (
        "00-the-core.lesson",
        include_str!("../../assets/lessons/00-the-core.lesson"),
    ),
    (
        "01-nash-vs-stackelberg.lesson",
        include_str!("../../assets/lessons/01-nash-vs-stackelberg.lesson"),
    ),
    (
        "02-actor-critic-cycles.lesson",
        include_str!("../../assets/lessons/02-actor-critic-cycles.lesson"),
    ),
    (
        "03-hypergradient-ift.lesson",
        include_str!("../../assets/lessons/03-hypergradient-ift.lesson"),
    ),
    (
        "04-approximating-the-inverse-hessian.lesson",
        include_str!("../../assets/lessons/04-approximating-the-inverse-hessian.lesson"),
    ),
    (
        "05-single-or-double-loop.lesson",
        include_str!("../../assets/lessons/05-single-or-double-loop.lesson"),
    ),
    (
        "06-bilevel-rl.lesson",
        include_str!("../../assets/lessons/06-bilevel-rl.lesson"),
    ),
    (
        "07-blpo-on-control.lesson",
        include_str!("../../assets/lessons/07-blpo-on-control.lesson"),
    ),
    (
        "08-stochastic-oracles.lesson",
        include_str!("../../assets/lessons/08-stochastic-oracles.lesson"),
    ),
    (
        "09-step-cost.lesson",
        include_str!("../../assets/lessons/09-step-cost.lesson"),
    ),
];

/// The built-in lessons that parse (all of them: a test checks it), in order.
pub fn built_in() -> Vec<Lesson> {
    BUILT_IN
        .iter()
        .filter_map(|(name, text)| match Lesson::parse(text) {
            Ok(lesson) => Some(lesson),
            Err(e) => {
                log::error!("built-in lesson {name}: {e}");
                None
            }
        })
        .collect()
}

/// A hand-written three-step lesson (the format's fixture; the browser test opens the same file).
#[cfg(test)]
pub(crate) const FIXTURE: &str = include_str!("../../tests/fixtures/short.lesson");
