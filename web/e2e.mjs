// Browser end-to-end test of the release build, in Debian's Chromium driven by playwright-core.
//   (a) WebGPU on SwiftShader: backend = WebGPU, self-check max error < 1e-5, every tab clicked;
//   (b) WebGPU unavailable: the CPU fallback is reported and the app works the same;
//   (c) no request leaves 127.0.0.1;
//   (d) a screenshot of every tab in both modes, saved to the folder printed at the end;
//   (e) each view's own checks (e2e-<view>.mjs);
//   (f) the site as a lecturer would host it: under a sub-path, the wasm sent precompressed (brotli) when
//       the build folder has the .br files (test.sh runs web/compress.mjs first).
// Usage: node web/e2e.mjs DIST_DIR
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { serve } from './serve.mjs';
import { uiOf } from './e2e-ui.mjs';
import { stackelbergChecks } from './e2e-stackelberg.mjs';
import { ihvpChecks } from './e2e-ihvp.mjs';
import { playgroundChecks } from './e2e-playground.mjs';
import { softRlChecks } from './e2e-soft-rl.mjs';
import { lessonChecks } from './e2e-lessons.mjs';
import { controlChecks } from './e2e-control.mjs';
import { startProfile } from './e2e-profile.mjs';
import { MIN_WINDOW_FRAMES, startTrace, traceLine } from './e2e-trace.mjs';
import { deviceLossChecks } from './e2e-device-loss.mjs';
import { twinTimingChecks } from './e2e-compute.mjs';
import { classroomChecks } from './e2e-classroom.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const dist = path.resolve(process.argv[2] ?? path.join(here, '..', 'dist'));
const shots = path.join(here, 'screenshots');
fs.mkdirSync(shots, { recursive: true });

const CHROMIUM = ['/usr/lib/chromium/chromium', '/usr/bin/chromium'].find((p) => fs.existsSync(p));
const BASE_FLAGS = [
  '--no-sandbox', '--no-first-run', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--disable-quic',
];
const WEBGPU_FLAGS = [
  '--enable-unsafe-webgpu', '--enable-features=Vulkan', '--use-vulkan=swiftshader', '--use-angle=swiftshader',
  '--enable-unsafe-swiftshader',
];
const STATUS_TIMEOUT_MS = 180_000;
// Served under a sub-path, as on a university web space: the build must not assume it sits at /.
const BASE = '/course/bilevel-lab/';

let passed = 0;
let failed = 0;
/// One line per view and backend: the app's own work per frame (issue 18's frame budget).
const frameTable = [];
/// One line per backend: when the first frame and the first status came after navigation.
const startup = [];
/// One line per view and backend, the app's frames in Chrome's trace (web/e2e-trace.mjs): wall time and the
/// main thread's own CPU time, where issue 18's budget is judged on a machine without a GPU (E2E_TRACE=0: none).
const traceTable = [];
function check(name, ok, detail = '') {
  if (ok) {
    passed += 1;
    console.log(`  ok   ${name}`);
  } else {
    failed += 1;
    console.log(`  FAIL ${name}${detail ? `: ${detail}` : ''}`);
  }
  return ok;
}

async function runMode(browserFlags, mode, origin) {
  console.log(`\n[${mode}]`);
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'bilevel-e2e-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [...BASE_FLAGS, ...browserFlags],
    viewport: { width: 1280, height: 800 },
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const ui = uiOf(page);
  const { status, waitForStatus, click } = ui;
  const consoleErrors = [];
  const foreign = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') consoleErrors.push(msg.text());
  });
  page.on('pageerror', (err) => consoleErrors.push(`pageerror: ${err.message}`));
  const wasmEncodings = [];
  page.on('response', (res) => {
    if (res.url().endsWith('.wasm')) wasmEncodings.push(res.headers()['content-encoding'] ?? 'none');
  });
  page.on('request', (req) => {
    const url = new URL(req.url());
    if (!['data:', 'blob:'].includes(url.protocol) && url.hostname !== '127.0.0.1') foreign.push(req.url());
  });

  await page.goto(`${origin}/`);
  const first = await waitForStatus((s) => s.self_check !== null, STATUS_TIMEOUT_MS);
  check(`${mode}: status published with a self-check`, first?.self_check, JSON.stringify(first));
  if (!first?.self_check) {
    await page.screenshot({ path: path.join(shots, `${mode}-no-status.png`) });
    await context.close();
    return;
  }
  console.log(`       backend: ${first.compute_backend}; self-check: ${JSON.stringify(first.self_check)}`);
  // Start-up as a student sees it (web/frame-work.js): since navigation, the wasm's download and compile
  // included.
  const [firstFrame, firstStatus] = await page.evaluate(() => [window.bilevelFirstFrameMs, window.bilevelFirstStatusMs]);
  check(`${mode}: first frame ${(firstFrame / 1000).toFixed(2)} s and first status ${(firstStatus / 1000).toFixed(2)} s after navigation`,
    firstFrame > 0 && firstStatus > 0, JSON.stringify([firstFrame, firstStatus]));
  startup.push(`${mode.padEnd(7)}first frame ${(firstFrame / 1000).toFixed(2)} s, first status ${(firstStatus / 1000).toFixed(2)} s`);
  if (mode === 'webgpu') {
    check('webgpu: backend is WebGPU', first.gpu && first.compute_backend.startsWith('WebGPU'), first.compute_backend);
    check('webgpu: self-check ran on the GPU', first.self_check.ran_on === 'gpu', first.self_check.ran_on);
    check('webgpu: self-check max error < 1e-5', first.self_check.max_error < 1e-5, String(first.self_check.max_error));
  } else {
    check('cpu: CPU fallback reported', !first.gpu && first.compute_backend.startsWith('CPU fallback'), first.compute_backend);
    check('cpu: self-check passed on the CPU', first.self_check.ran_on === 'cpu' && first.self_check.passed);
  }
  const precompressed = fs.readdirSync(dist).some((f) => f.endsWith('.wasm.br'));
  check(`${mode}: the app starts under ${BASE}, wasm sent ${precompressed ? 'brotli-compressed' : 'as built'}`,
    wasmEncodings.length > 0 && wasmEncodings.every((e) => e === (precompressed ? 'br' : 'none')),
    JSON.stringify(wasmEncodings));
  // The Content-Security-Policy (web/csp.mjs): no inline script but trunk's hashed loader, no remote origin.
  const csp = await page.evaluate(
    () => document.querySelector('meta[http-equiv="Content-Security-Policy"]')?.content ?? '');
  check(`${mode}: Content-Security-Policy without 'unsafe-inline' or another origin`,
    csp.includes("default-src 'none'") && !csp.includes('unsafe-inline') && !/https?:|\*/.test(csp), csp);
  const injected = await page.evaluate(() => {
    const s = document.createElement('script');
    s.textContent = 'window.__cspProbe = 1';
    document.head.appendChild(s);
    return window.__cspProbe === 1;
  });
  await page.waitForTimeout(200);
  check(`${mode}: an injected inline script is refused`, !injected);
  // That refusal is the one console error expected.
  for (let i = consoleErrors.length - 1; i >= 0; i--) {
    if (consoleErrors[i].includes('Content Security Policy')) consoleErrors.splice(i, 1);
  }
  check(`${mode}: app version published`, /^\d+\.\d+\.\d+/.test(first.version ?? ''), first.version);
  check(`${mode}: tabs published`, first.tabs.length >= 2, JSON.stringify(first.tabs));

  // Click every tab by its published rectangle; the URL hash and the status follow.
  for (const tab of first.tabs) {
    await click(tab.id);
    const s = await waitForStatus((st) => st.active_view === tab.id);
    check(`${mode}: click tab ${tab.id}`, s?.active_view === tab.id, s?.active_view);
    // The app writes the URL in a task right after the frame (history.replaceState is slow): wait for it.
    await page.waitForFunction((id) => location.hash.startsWith(`#${id}`), tab.id, { timeout: 5_000 }).catch(() => null);
    const hash = await page.evaluate(() => location.hash);
    check(`${mode}: URL hash follows (${hash})`, hash.startsWith(`#${tab.id}`), hash);
    await page.waitForTimeout(300);
    await page.screenshot({ path: path.join(shots, `${mode}-${tab.id}.png`) });
  }

  // Projector mode, the dark theme and the About panel, each looked at in a screenshot.
  await click('projector');
  let p = await waitForStatus((st) => st.projector && st.tabs[0].h > 1.3 * first.tabs[0].h);
  check(`${mode}: projector mode on`, p?.projector === true);
  const tabHeight = p.tabs[0].h / first.tabs[0].h;
  check(`${mode}: projector mode enlarges the UI (×${tabHeight.toFixed(2)})`, tabHeight > 1.3, String(tabHeight));
  // The zoomed top bar wraps to a second row: the click waits for the button to hold still there.
  await click('theme-dark');
  p = await waitForStatus((st) => st.dark);
  check(`${mode}: dark theme`, p?.dark === true);
  await page.waitForTimeout(300);
  await page.screenshot({ path: path.join(shots, `${mode}-projector-dark.png`) });
  // Settings survive a reload (saved about a second after a change).
  await page.waitForTimeout(2500);
  await page.reload();
  p = await waitForStatus((st) => st.self_check !== null && st.dark && st.projector, STATUS_TIMEOUT_MS);
  check(`${mode}: theme and projector mode persist across a reload`, p?.dark && p?.projector, JSON.stringify(p && [p.dark, p.projector]));
  await click('projector');
  await click('theme-light');
  p = await waitForStatus((st) => !st.projector && !st.dark);
  check(`${mode}: back to light, normal size`, p && !p.projector && !p.dark);
  // The race behind issue 13, three times over: each toggle of projector mode re-lays out the top bar, and
  // the theme button it moved is clicked straight after.
  let toggled = 0;
  for (let k = 0; k < 3; k += 1) {
    await click('projector');
    await click('theme-dark');
    p = await waitForStatus((st) => st.projector && st.dark);
    if (p?.projector && p?.dark) toggled += 1;
    await click('projector');
    await click('theme-light');
    p = await waitForStatus((st) => !st.projector && !st.dark);
    if (p && !p.projector && !p.dark) toggled += 1;
  }
  check(`${mode}: projector mode and theme clicked back to back, 6 of 6 toggles took`, toggled === 6, String(toggled));
  await click('about');
  await page.waitForTimeout(500);
  await page.screenshot({ path: path.join(shots, `${mode}-about.png`) });
  await click('about');

  // Shared links: a view with parameters, an out-of-range parameter, an unknown view. Each is reported in
  // the status (and the status bar), never a panic.
  await page.evaluate(() => { location.hash = '#compute?batch=64&n=8'; });
  let s = await waitForStatus((st) => st.active_view === 'compute' && st.last_error === null);
  check(`${mode}: link with parameters opens the view`, s?.active_view === 'compute' && s?.last_error === null, JSON.stringify(s?.last_error));
  await page.evaluate(() => { location.hash = '#compute?batch=99999'; });
  s = await waitForStatus((st) => (st.last_error ?? '').includes('batch'));
  check(`${mode}: out-of-range link parameter is named`, (s?.last_error ?? '').includes('`batch`'), s?.last_error);
  await page.evaluate(() => { location.hash = '#no-such-view'; });
  s = await waitForStatus((st) => (st.last_error ?? '').includes('does not exist'));
  check(`${mode}: unknown view in link is reported`, (s?.last_error ?? '').includes('no-such-view'), s?.last_error);
  await page.waitForTimeout(300);
  await page.screenshot({ path: path.join(shots, `${mode}-bad-link.png`) });

  // E2E_ONLY=lessons (a comma-separated list) runs only those views' checks, when working on one view;
  // E2E_PROFILE=1 prints each frame of those checks over budget and what it spent its time in;
  // the app's frames in wall time and in the main thread's CPU time are traced unless E2E_TRACE=0.
  const only = process.env.E2E_ONLY?.split(',');
  const views = [
    ['stackelberg', stackelbergChecks], ['ihvp', ihvpChecks], ['playground', playgroundChecks],
    ['soft_rl', softRlChecks], ['control', controlChecks], ['lessons', lessonChecks],
  ];
  for (const [name, checks] of views) {
    if (!only || only.includes(name)) {
      const profiled = process.env.E2E_PROFILE ? await startProfile(page) : null;
      const traced = process.env.E2E_TRACE !== '0' ? await startTrace(page) : null;
      // frame_ms covers the last 5 s: read it every 2.5 s while the checks run, keeping the worst
      // (E2E_FRAMES=1 prints every window read). A window's p95 counts once it holds MIN_WINDOW_FRAMES: in
      // fewer it is the window's largest frame (a view just opened starts a new window), judged as the max.
      const worst = { p95: 0, max: 0 };
      const watch = setInterval(() => {
        status().then((st) => {
          const f = st?.frame_ms;
          if (!f) return;
          if (process.env.E2E_FRAMES) console.log(`       frame_ms window: ${JSON.stringify(f)}`);
          if (f.frames >= MIN_WINDOW_FRAMES) worst.p95 = Math.max(worst.p95, f.p95);
          worst.max = Math.max(worst.max, f.max);
        }).catch(() => null);
      }, 2_500);
      await checks(page, mode, { check, shots, ...ui });
      clearInterval(watch);
      if (profiled) {
        const { frames, lines } = await profiled();
        console.log(`       profile of ${name}: ${frames} frames`);
        lines.forEach((l) => console.log(l));
      }
      if (traced) {
        const line = traceLine(await traced());
        traceTable.push(`${mode.padEnd(7)}${name.padEnd(13)}${line}`);
        console.log(`       trace of ${name}: ${line}`);
      }
      // The app's own work per frame over the last 5 s of the view the checks ended in (status.frame_ms).
      const f = (await status())?.frame_ms;
      const line = `${f ? `at the end p50 ${f.p50} ms, p95 ${f.p95} ms, max ${f.max} ms over ${f.frames} frames` : 'none'}`
        + `; worst while the checks ran: p95 ${worst.p95} ms (windows of ${MIN_WINDOW_FRAMES} frames or more), max ${worst.max} ms`;
      frameTable.push(`${mode.padEnd(7)}${name.padEnd(13)}${line}`);
      console.log(`       frame_ms after ${name}: ${line}`);
    }
  }

  if (!only || only.includes('compute')) await twinTimingChecks(page, mode, { check, ...ui });
  if (!only || only.includes('classroom')) {
    await classroomChecks([...BASE_FLAGS, ...browserFlags], mode,
      { check, shots, dist, base: BASE, staticOrigin: origin, CHROMIUM });
  }

  // Last in WebGPU mode (the page has no GPU after it): the device lost mid-run. Its console errors are
  // the expected report of the loss.
  if (mode === 'webgpu' && (!only || only.includes('compute'))) {
    const seen = consoleErrors.length;
    await deviceLossChecks(page, mode, { check, ...ui });
    const lossErrors = consoleErrors.splice(seen).filter((e) => !/device lost|destroyed/i.test(e));
    consoleErrors.push(...lossErrors);
  }

  // A start-up failure shows a readable message instead of a blank page (here: a page without the canvas).
  if (mode === 'webgpu') {
    const broken = await context.newPage();
    await broken.route(`${origin}/`, async (route) => {
      const response = await route.fetch();
      const body = (await response.text()).replace(/<canvas[^>]*><\/canvas>/, '');
      await route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body });
    });
    await broken.goto(`${origin}/`);
    await broken.waitForSelector('#crash:not([hidden])', { timeout: 60_000 }).catch(() => null);
    const text = (await broken.textContent('#crash_text').catch(() => '')) ?? '';
    check('crash screen names the failure', text.includes('no canvas'), text);
    await broken.screenshot({ path: path.join(shots, 'crash-screen.png') });
    await broken.close();
    // A browser without WebAssembly SIMD (web/simd-check.js): told why, not left on the loading screen.
    const old = await context.newPage();
    await old.addInitScript(() => { WebAssembly.validate = () => false; });
    await old.goto(`${origin}/`);
    await old.waitForSelector('#crash:not([hidden])', { timeout: 30_000 }).catch(() => null);
    const why = (await old.textContent('#crash_text').catch(() => '')) ?? '';
    check('a browser without WebAssembly SIMD is told so', why.includes('lacks WebAssembly SIMD'), why);
    await old.close();
    // WebGPU offers an adapter but no device (src/web.rs): the app starts again drawn with WebGL2 on a
    // fresh canvas and computes on the CPU twins.
    const refused = await context.newPage();
    await refused.addInitScript(() => {
      GPUAdapter.prototype.requestDevice = () => Promise.reject(new Error('e2e: no device'));
    });
    await refused.goto(`${origin}/`);
    const fell = await uiOf(refused).waitForStatus((st) => st.self_check !== null, 60_000);
    check('WebGPU without a device: drawn with WebGL2, computed on the CPU',
      fell && !fell.gpu && fell.compute_backend.startsWith('CPU fallback') && !(await refused.isVisible('#crash')),
      JSON.stringify(fell?.compute_backend));
    await refused.screenshot({ path: path.join(shots, 'webgpu-refused-device.png') });
    await refused.close();
  }

  const final = await status();
  check(`${mode}: no panic`, !final?.panicked && !(await page.isVisible('#crash')), final?.last_error);
  check(`${mode}: no console errors`, consoleErrors.length === 0, consoleErrors.join(' | '));
  check(`${mode}: no request outside 127.0.0.1`, foreign.length === 0, foreign.join(', '));
  await context.close();
  fs.rmSync(profile, { recursive: true, force: true });
}

if (!CHROMIUM) {
  console.error('e2e: Chromium not found (apt-get install chromium)');
  process.exit(1);
}
const server = await serve(dist, 0, { base: BASE });
const origin = `http://127.0.0.1:${server.address().port}${BASE.slice(0, -1)}`;
try {
  // E2E_MODES=cpu (or webgpu) runs one backend only, when working on one view.
  const modes = process.env.E2E_MODES?.split(',') ?? ['webgpu', 'cpu'];
  if (modes.includes('webgpu')) await runMode(WEBGPU_FLAGS, 'webgpu', origin);
  if (modes.includes('cpu')) await runMode([], 'cpu', origin);
} catch (e) {
  check('e2e ran to the end', false, e.stack ?? String(e));
} finally {
  server.close();
}
console.log(`\nstart-up (since navigation, served from 127.0.0.1):\n${startup.join('\n')}`);
console.log(`\nframe_ms (the app's own work per frame over 5 s windows, each view's checks):\n${frameTable.join('\n')}`);
if (traceTable.length) console.log(`\ntrace (each view's checks):\n${traceTable.join('\n')}`);
console.log(`\nscreenshots: ${shots}`);
console.log(`e2e: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
