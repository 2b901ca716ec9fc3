// E2E_PROFILE=1: samples the page's script with Chrome's profiler while each view's checks run, and prints
// every frame of the app's own work (a run of samples inside eframe's animation-frame callback, as frame_ms
// counts it) longer than the frame budget, with the Rust functions it spent its samples in — where to look
// when frame_ms says a view is over budget — and first the same over all its frames, where a typical
// frame's time goes (E2E_PROFILE_TOP=n lists n functions a frame, 12 by default).

import { BUDGET } from './e2e-trace.mjs';

const INTERVAL_US = 200;
// eframe's frame: its logic (App::ui) and paint passes (with LTO `paint_and_schedule` is inlined into the callback).
const FRAME = /AppRunner::logic|AppRunner::paint|paint_and_schedule/;
// Frames every sample passes through, which say nothing about where the time went.
const WRAPPER = /closure|wasm_bindgen|call_once|paint_and_schedule|paint_if_needed|run_pass|root_ui|run_ui|App>::ui|show_inside|show_dyn|allocate_ui|scope_builder|Frame::show/;

export async function startProfile(page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: INTERVAL_US });
  await cdp.send('Profiler.start');
  return async () => {
    const { profile } = await cdp.send('Profiler.stop');
    await cdp.detach();
    return longFrames(profile);
  };
}

const short = (name) => name.replace(/::h[0-9a-f]{16}/g, '').replace(/^<?bilevel_lab::/, '').slice(0, 100);

/// The frames over budget, each with the app functions on its samples' stacks (inclusive, by share).
function longFrames(profile) {
  const node = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const stack = (id) => {
    const names = [];
    for (let at = id; at !== undefined; at = parent.get(at)) names.push(node.get(at).callFrame.functionName);
    return names;
  };
  const frames = [];
  let current = null;
  let t = profile.startTime;
  profile.samples.forEach((id, i) => {
    t += profile.timeDeltas[i];
    const names = stack(id);
    if (!names.some((n) => FRAME.test(n))) {
      current = null;
      return;
    }
    if (!current) {
      current = { start: t, end: t, samples: 0, hits: new Map() };
      frames.push(current);
    }
    current.end = t;
    current.samples += 1;
    for (const n of new Set(names.filter((n) => n.includes('::') && !WRAPPER.test(n)))) {
      current.hits.set(n, (current.hits.get(n) ?? 0) + 1);
    }
  });
  const top = (hits, samples) => [...hits].sort((a, b) => b[1] - a[1])
    .slice(0, Number(process.env.E2E_PROFILE_TOP ?? 12))
    .map(([name, n]) => `         ${String(Math.round((100 * n) / samples)).padStart(3)}% ${short(name)}`);
  // Where every frame's time goes, not only the long ones': the functions on all frames' samples.
  const all = new Map();
  let samples = 0;
  for (const f of frames) {
    samples += f.samples;
    for (const [name, n] of f.hits) all.set(name, (all.get(name) ?? 0) + n);
  }
  const mean = frames.length ? frames.reduce((t, f) => t + (f.end - f.start) / 1000, 0) / frames.length : 0;
  const lines = [`       all ${frames.length} frames (mean ${mean.toFixed(1)} ms):`, ...top(all, samples)];
  for (const f of frames) {
    const ms = (f.end - f.start) / 1000;
    if (ms <= BUDGET.p95) continue;
    lines.push(`       frame of ${ms.toFixed(1)} ms at ${((f.start - profile.startTime) / 1e6).toFixed(2)} s:`);
    lines.push(...top(f.hits, f.samples));
  }
  return { frames: frames.length, lines };
}
