//! Convergence maps per panel: a [`ConvergenceMap`] job over the grid of start points (GPU, or the CPU
//! twin time-sliced across frames), the last finished map kept on screen until the next one arrives.

use web_time::Instant;

use crate::app::widgets::colormap;
use crate::gpu::kernels::convergence_map::{ConvergenceMap, DIVERGED, MapRequest};
use crate::gpu::{ComputeRuntime, Job, Ran};

/// A finished map.
pub struct Shown {
    pub request: MapRequest,
    pub values: Vec<f32>,
    pub ran_on: Ran,
    pub seconds: f64,
    texture: Option<(egui::TextureHandle, (f32, f32))>,
}

/// One panel's map: the job in flight and the map on screen.
#[derive(Default)]
pub struct MapSlot {
    job: Option<(MapRequest, Job<ConvergenceMap>, Instant)>,
    pub shown: Option<Shown>,
    /// Why the wanted map is not computed (too large).
    pub refused: Option<String>,
}

impl MapSlot {
    /// Starts a job for `want` unless one is running (a stale result is replaced by the next job when it
    /// lands, so dragging a slider does not pile up work); collects a finished job. True while working.
    pub fn update(
        &mut self,
        want: &MapRequest,
        runtime: &mut ComputeRuntime,
        deadline: Instant,
    ) -> bool {
        if let Some((req, job, began)) = self.job.as_mut()
            && let Some(done) = job.poll(runtime, deadline)
        {
            self.shown = Some(Shown {
                request: req.clone(),
                values: done.value,
                ran_on: done.ran_on,
                seconds: began.elapsed().as_secs_f64(),
                texture: None,
            });
            self.job = None;
        }
        self.refused = want.validate().err();
        let current = self.shown.as_ref().is_some_and(|s| &s.request == want);
        if self.job.is_none() && !current && self.refused.is_none() {
            let job = Job::start(runtime, want.clone());
            self.job = Some((want.clone(), job, Instant::now()));
        }
        self.job.is_some()
    }

    /// Share of the CPU twin's rows done (0 on the GPU until the result lands).
    pub fn progress(&self) -> Option<f32> {
        self.job.as_ref().map(|(_, job, _)| job.progress())
    }

    /// Forgets everything (map switched off).
    pub fn clear(&mut self) {
        *self = Self::default();
    }
}

impl Shown {
    /// Finite values' range (diverged cells excluded).
    pub fn range(&self) -> Option<(f32, f32)> {
        let mut it = self
            .values
            .iter()
            .copied()
            .filter(|v| v.is_finite() && *v < DIVERGED);
        let first = it.next()?;
        Some(it.fold((first, first), |(lo, hi), v| (lo.min(v), hi.max(v))))
    }

    /// Share of start points that diverged.
    pub fn diverged_share(&self) -> f64 {
        let n = self
            .values
            .iter()
            .filter(|v| v.is_nan() || **v >= DIVERGED)
            .count();
        n as f64 / self.values.len().max(1) as f64
    }

    /// The texture for the shared color range (rebuilt when the range changes).
    pub fn texture(
        &mut self,
        ctx: &egui::Context,
        range: (f32, f32),
        name: &str,
    ) -> &egui::TextureHandle {
        if self.texture.as_ref().is_some_and(|(_, r)| *r != range) {
            self.texture = None;
        }
        let (request, values) = (&self.request, &self.values);
        &self
            .texture
            .get_or_insert_with(|| {
                let (nx, ny) = (request.nx as usize, request.ny as usize);
                let image = colormap::grid_image(values, nx, ny, range, DIVERGED);
                (
                    ctx.load_texture(name, image, egui::TextureOptions::NEAREST),
                    range,
                )
            })
            .0
    }
}
