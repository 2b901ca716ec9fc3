//! Every view, one file each. Add a view: write `my_view.rs` implementing [`crate::app::View`], add it here
//! and to [`all`].

pub mod compute;
pub mod control;
pub mod ihvp_lab;
pub mod lesson;
pub mod playground;
pub mod soft_rl;
pub mod stackelberg;
pub mod welcome;

use crate::app::View;

/// The tabs, in order.
pub fn all() -> Vec<Box<dyn View>> {
    vec![
        Box::new(welcome::Welcome::default()),
        Box::new(lesson::LessonView::default()),
        Box::new(stackelberg::StackelbergView::default()),
        Box::new(ihvp_lab::IhvpLabView::default()),
        Box::new(playground::PlaygroundView::default()),
        Box::new(soft_rl::SoftRlView::default()),
        Box::new(control::ControlView::default()),
        Box::new(compute::ComputeView::default()),
    ]
}
