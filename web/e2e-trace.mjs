// E2E_TRACE=1: records Chrome's timeline trace while each view's checks run and summarizes the app's
// animation frames two ways — wall time (what frame_ms measures) and the main thread's own CPU time
// (the trace's thread clock) — and the GPU process's tasks. Where the two differ the main thread was
// waiting for a core, not working: on a 2-core machine SwiftShader draws WebGPU's frames on the same
// cores as the page's script, and frame_ms counts that wait as the app's.

// An animation-frame callback shorter than this is eframe finding nothing to draw, not one of the app's
// frames (those lay out a view: 2 ms and more).
const APP_FRAME_MS = 1;

export async function startTrace(page) {
  const cdp = await page.context().newCDPSession(page);
  const events = [];
  cdp.on('Tracing.dataCollected', (e) => {
    for (const ev of e.value) {
      if (ev.ph === 'X' && (ev.name === 'FireAnimationFrame' || ev.name === 'GPUTask')) events.push(ev);
    }
  });
  const complete = new Promise((resolve) => cdp.once('Tracing.tracingComplete', resolve));
  await cdp.send('Tracing.start', { categories: 'devtools.timeline,disabled-by-default-devtools.timeline', transferMode: 'ReportEvents' });
  return async () => {
    await cdp.send('Tracing.end');
    await complete;
    await cdp.detach();
    const frames = events.filter((e) => e.name === 'FireAnimationFrame' && e.dur / 1000 >= APP_FRAME_MS);
    const gpu = events.filter((e) => e.name === 'GPUTask');
    return {
      frames: frames.length,
      wall: stats(frames.map((e) => e.dur / 1000)),
      thread: stats(frames.map((e) => (e.tdur ?? Number.NaN) / 1000)),
      gpu: stats(gpu.map((e) => e.dur / 1000)),
    };
  };
}

/// p50, p95 and max in milliseconds, one decimal (as frame_ms prints them).
function stats(ms) {
  const sorted = ms.filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return null;
  const at = (p) => Math.round(10 * sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]) / 10;
  return { p50: at(0.5), p95: at(0.95), max: at(1) };
}

/// One line for the e2e's output.
export function traceLine({ frames, wall, thread, gpu }) {
  const f = (s) => (s ? `p50 ${s.p50}, p95 ${s.p95}, max ${s.max} ms` : 'none');
  return `${frames} app frames: wall ${f(wall)}; main thread's CPU ${f(thread)}; GPU process tasks ${f(gpu)}`;
}
