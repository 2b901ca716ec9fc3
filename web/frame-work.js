// Runs before the app's loader: times the app's whole work in each animation frame — egui's layout and the
// views' time-sliced work, then egui's tessellation, wgpu's upload and submit and the JS glue — which the
// app alone cannot see (eframe paints after `App::ui` returns). A rAF callback is the app's frame when the
// app published a new frame number in it (`window.bilevelFrame`, set at the end of `App::ui`); its
// duration is left in `window.bilevelFrameWorkMs`, and the app reads it back in the next frame as the
// previous frame's work (src/app/frame_clock.rs). Other callbacks (a test's own rAF ticks) are not counted.
// It also notes when the app ended its first frame's `App::ui` and first published its status
// (`bilevelFirstFrameMs`, `bilevelFirstStatusMs`, milliseconds since navigation: download, compile and
// start-up included).
//
// And it saves the views' PNG exports (src/web.rs `save_png_after_paint`): a frame that asked for one in
// `window.bilevelPngRequest` ({name, x, y, w, h}, device pixels) has its canvas region copied right after
// it painted (in the same task the drawing buffer still holds that frame), then cropped, encoded and
// downloaded by the browser outside the app's frames; the outcome ({ok} or {error}) is left in
// `window.bilevelPngOutcome` for the app to show. A request with `keep` is not downloaded: its PNG bytes are
// left in `window.bilevelPngBytes` for the app (the lesson handout embeds one per step).
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
        if (window.bilevelPngRequest) {
          const request = window.bilevelPngRequest;
          window.bilevelPngRequest = null;
          savePng(request);
        }
      }
    }
  });

  // The first frame and the first status are noted as the app publishes them, whatever callback ran that
  // frame: eframe draws its first frame from its ResizeObserver, not from an animation frame (and some
  // frames from input events): a test that saw the status there found neither noted yet.
  const noted = (name, first) => {
    let value;
    Object.defineProperty(window, name, {
      configurable: true,
      get: () => value,
      set: (v) => {
        value = v;
        window[first] ??= performance.now();
      },
    });
  };
  noted('bilevelFrame', 'bilevelFirstFrameMs');
  noted('bilevelStatus', 'bilevelFirstStatusMs');

  function savePng({ name, x, y, w, h, keep }) {
    const done = (outcome) => { window.bilevelPngOutcome = outcome; };
    const canvas = document.getElementById('the_canvas_id');
    // Within the canvas (the app's rounding to device pixels may pass its edge by one).
    [w, h] = [Math.min(w, canvas.width - x), Math.min(h, canvas.height - y)];
    if (!(w > 0 && h > 0)) {
      done({ error: `${name}: the region is outside the canvas` });
      return;
    }
    let copied;
    try {
      // The copy is taken now, while the frame is on the canvas; the promise resolves later.
      copied = createImageBitmap(canvas, x, y, w, h);
    } catch (e) {
      done({ error: `${name}: could not copy the canvas (${e})` });
      return;
    }
    copied
      .then((bitmap) => {
        const png = new OffscreenCanvas(bitmap.width, bitmap.height);
        png.getContext('bitmaprenderer').transferFromImageBitmap(bitmap);
        return png.convertToBlob({ type: 'image/png' });
      })
      .then((blob) => {
        if (keep) {
          // For the app itself (the lesson handout): the bytes, read back by src/web.rs.
          return blob.arrayBuffer().then((bytes) => {
            window.bilevelPngBytes = new Uint8Array(bytes);
            done({ ok: `captured ${name}` });
          });
        }
        const url = URL.createObjectURL(blob);
        const a = document.createElement('a');
        a.href = url;
        a.download = name;
        a.click();
        setTimeout(() => URL.revokeObjectURL(url), 30_000);
        done({ ok: `downloaded ${name}` });
      })
      .catch((e) => done({ error: `${name}: ${e}` }));
  }
})();
