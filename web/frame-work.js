// Runs before the app's loader: times the app's whole work in each animation frame — egui's layout and the
// views' time-sliced work, then egui's tessellation, wgpu's upload and submit and the JS glue — which the
// app alone cannot see (eframe paints after `App::ui` returns). A rAF callback is the app's frame when the
// app published a new frame number in it (`window.bilevelFrame`, set at the end of `App::ui`); its
// duration is left in `window.bilevelFrameWorkMs`, and the app reads it back in the next frame as the
// previous frame's work (src/app/frame_clock.rs). Other callbacks (a test's own rAF ticks) are not counted.
// It also notes when the app drew its first frame and first published its status (`bilevelFirstFrameMs`,
// `bilevelFirstStatusMs`, milliseconds since navigation: download, compile and start-up included).
(function () {
  const raf = window.requestAnimationFrame.bind(window);
  window.requestAnimationFrame = (callback) => raf((time) => {
    const frame = window.bilevelFrame;
    const start = performance.now();
    try {
      callback(time);
    } finally {
      const end = performance.now();
      if (window.bilevelFrame !== frame) {
        window.bilevelFrameWorkMs = end - start;
        window.bilevelFirstFrameMs ??= end;
      }
      if (window.bilevelStatus) window.bilevelFirstStatusMs ??= end;
    }
  });
})();
