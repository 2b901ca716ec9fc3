// Records (unless E2E_TRACE=0) Chrome's timeline trace while each view's checks run and summarizes the app's
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
    const frames = events.filter((e) => e.name === 'FireAnimationFrame' && e.dur / 1000 >= APP_FRAME_MS)
      .sort((a, b) => a.ts - b.ts);
    const gpu = events.filter((e) => e.name === 'GPUTask');
    const cpu = (e) => (e.tdur ?? Number.NaN) / 1000;
    return {
      frames: frames.length,
      wall: stats(frames.map((e) => e.dur / 1000)),
      thread: stats(frames.map(cpu)),
      threadWindow: worstWindowP95(frames, cpu),
      gpu: stats(gpu.map((e) => e.dur / 1000)),
      // Each app frame's start (ms from the first) and main-thread CPU (ms), for a caller's own windows.
      each: frames.map((e) => [(e.ts - frames[0].ts) / 1000, cpu(e)]),
    };
  };
}

/// p50, p95 and max in milliseconds, one decimal (as frame_ms prints them).
export function stats(ms) {
  const sorted = ms.filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return null;
  const at = (p) => Math.round(10 * sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]) / 10;
  return { p50: at(0.5), p95: at(0.95), max: at(1) };
}

/// Issue 18's frame budget: the app's main-thread work per frame, p95 and max (milliseconds).
export const BUDGET = { p95: 12, max: 50 };
/// frame_ms's window (src/app/frame_clock.rs `WINDOW`), milliseconds.
const WINDOW_MS = 5_000;
/// The fewest frames whose p95 is judged: in fewer, a window's p95 is its largest frame, which the max judges.
export const MIN_WINDOW_FRAMES = 20;

/// The largest p95 of `ms` over the 5 s windows (as frame_ms's) ending at each frame, among windows of
/// [MIN_WINDOW_FRAMES] or more; null if none has that many.
function worstWindowP95(frames, ms) {
  let worst = null;
  let first = 0;
  frames.forEach((e, last) => {
    while (e.ts - frames[first].ts > WINDOW_MS * 1000) first += 1;
    if (last - first + 1 >= MIN_WINDOW_FRAMES) {
      const p95 = stats(frames.slice(first, last + 1).map(ms))?.p95;
      if (p95 !== undefined && (worst === null || p95 > worst)) worst = p95;
    }
  });
  return worst;
}

/// One line for the e2e's output, with whether the main thread's CPU per frame over the view's checks kept
/// the budget (reported, not asserted: timing is measured, not tested), and the worst 5 s window's p95 (in a
/// window of 20–39 frames the p95 is its largest or second-largest frame).
export function traceLine({ frames, wall, thread, threadWindow, gpu }) {
  const f = (s) => (s ? `p50 ${s.p50}, p95 ${s.p95}, max ${s.max} ms` : 'none');
  const kept = thread && thread.p95 <= BUDGET.p95 && thread.max <= BUDGET.max;
  return `${frames} app frames: main thread's CPU ${f(thread)} (${kept ? 'within' : 'over'} the budget of `
    + `p95 ${BUDGET.p95}, max ${BUDGET.max} ms), its worst 5 s window's p95 ${threadWindow ?? '–'} ms; `
    + `wall ${f(wall)}; GPU process tasks ${f(gpu)}`;
}
