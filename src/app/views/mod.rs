//! The list of views, in tab order: each a folder (or a file) of its own, implementing [`crate::app::View`].
//! Add a view: its folder, and a line in `VIEWS` (the recipe: ARCHITECTURE.md). Code below this list that
//! opens a view (lesson checks) is handed [`by_anchor`] as an `OpenView`, so nothing here is imported back.

pub mod compute;
pub mod control;
pub mod ihvp_lab;
pub mod lesson;
pub mod playground;
pub mod soft_rl;
pub mod stackelberg;
pub mod welcome;

use crate::app::View;

/// Builds one view.
type Make = fn() -> Box<dyn View>;

/// Each view's anchor and constructor, in tab order.
const VIEWS: [(&str, Make); 8] = [
    ("welcome", || Box::new(welcome::Welcome::default())),
    ("lesson", || Box::new(lesson::LessonView::new(by_anchor))),
    ("stackelberg", || {
        Box::new(stackelberg::StackelbergView::default())
    }),
    ("ihvp", || Box::new(ihvp_lab::IhvpLabView::default())),
    ("playground", || {
        Box::new(playground::PlaygroundView::default())
    }),
    ("soft_rl", || Box::new(soft_rl::SoftRlView::default())),
    ("control", || Box::new(control::ControlView::default())),
    ("compute", || Box::new(compute::ComputeView::default())),
];

/// The tabs, in order.
pub fn all() -> Vec<Box<dyn View>> {
    VIEWS.iter().map(|(_, make)| make()).collect()
}

/// The view with this anchor, built alone (some views are costly to build: the Control view
/// initializes its learners); `Err` lists the anchors there are.
pub fn by_anchor(anchor: &str) -> Result<Box<dyn View>, String> {
    VIEWS
        .iter()
        .find(|(a, _)| *a == anchor)
        .map(|(_, make)| make())
        .ok_or_else(|| {
            let known: Vec<&str> = VIEWS.iter().map(|(a, _)| *a).collect();
            format!("unknown view `{anchor}` (views: {})", known.join(", "))
        })
}

#[cfg(test)]
mod tests {
    /// The table's anchors are the views' own.
    #[test]
    fn each_anchor_builds_its_view() {
        for (anchor, make) in super::VIEWS {
            assert_eq!(make().anchor(), anchor);
            assert!(super::by_anchor(anchor).is_ok_and(|v| v.anchor() == anchor));
        }
        assert!(super::by_anchor("nope").is_err_and(|e| e.contains("views: welcome, lesson")));
    }
}
