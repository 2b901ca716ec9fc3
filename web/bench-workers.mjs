// The Control tab's training benchmark (issue 40; scripts/bench-workers.sh runs it, docs/performance.md has the
// figures): the authors' README example (main.py's defaults: BLPO, nesting alone and PPO, 2 seeds, CartPole,
// 80 updates) opened from a link with step=80 in headless Chromium's CPU tab (no WebGPU), timed from the link
// to the last update; then the same link again under Chrome's trace for the UI thread's CPU per app frame
// while it trains (a separate pass, so tracing does not slow the timed one); then the native CLI
// (`bilevel-lab run`, release) on the same run with as many threads as the page got workers. The last line
// is one JSON object: {"native_s", "browser_s", "ratio", "frame_p95_ms", "frame_max_ms", ...}, the frame
// figures over the whole traced pass, and again without its first second (`training_frame_*`: the frames while
// the workers train; `opening_frame_ms`: the largest in that first second, the view's first drawing).
// Usage: node web/bench-workers.mjs DIST BILEVEL_LAB_BINARY
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { serve } from './serve.mjs';
import { startTrace, stats } from './e2e-trace.mjs';

const [dist, binary] = process.argv.slice(2);
if (!dist || !binary) {
  console.error('usage: node web/bench-workers.mjs DIST BILEVEL_LAB_BINARY');
  process.exit(2);
}
const UPDATES = 80;
const TRACE_S = Number(process.env.BENCH_TRACE_S ?? 60);
const LINK = '#control?learners.1.blpo.rank=5&learners.1.blpo.critic_steps=3&learners.1.blpo.bound=1'
  + '&learners.3.on=true&learners.3.blpo.critic_steps=3&ppo.anneal=false&ppo.entropy=0&ppo.max_grad_norm=0'
  + `&stop_at=${UPDATES}&step=${UPDATES}`;
// The same run as a `control` scenario for the CLI (docs/scenarios.md).
const DOC = {
  kind: 'control', env: 'cartpole',
  algorithm: [
    { name: 'blpo', form: 'authors_code', rank: 5, rho: 50, critic_steps: 3, bound: 1.0, critic_lr: 0.001 },
    { name: 'nested', form: 'authors_code', critic_steps: 3, critic_lr: 0.001 },
    { name: 'ppo' }],
  ppo: { envs: 4, steps: 128, epochs: 4, minibatches: 4, lr: 0.00025, anneal: false, entropy: 0, value: 0.5, max_grad_norm: 0 },
  seeds: [0, 1], total_steps: UPDATES * 4 * 128,
};
const CHROMIUM = ['/usr/lib/chromium/chromium', '/usr/bin/chromium'].find((p) => fs.existsSync(p));
const server = await serve(dist, 8097);
const origin = 'http://127.0.0.1:8097';

async function pass(trace) {
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true,
    args: ['--no-sandbox', '--no-first-run', '--disable-background-networking'] });
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const status = () => page.evaluate(() => JSON.parse(document.getElementById('bilevel-status')?.textContent || '{}'));
  await page.goto(`${origin}/`);
  await page.waitForFunction(() => document.getElementById('bilevel-status')?.textContent, null, { timeout: 120_000 });
  const stop = trace ? await startTrace(page) : null;
  const began = Date.now();
  await page.evaluate((link) => { location.hash = link; }, LINK);
  let s = {};
  const limit = trace ? TRACE_S * 1000 : 3_600_000;
  while (Date.now() - began < limit) {
    s = await status();
    if (s.view?.update === UPDATES) break;
    await page.waitForTimeout(250);
  }
  const seconds = (Date.now() - began) / 1000;
  const frames = stop ? await stop() : null;
  await browser.close();
  return { seconds, update: s.view?.update, trainer: s.view?.trainer, cores: null, frames };
}

const timed = await pass(false);
console.log(`browser: ${timed.update} updates in ${timed.seconds.toFixed(1)} s on ${timed.trainer}`);
const traced = await pass(true);
console.log(`browser, traced (${TRACE_S} s at most, ${traced.update} updates): main thread's CPU per app frame`
  + ` ${JSON.stringify(traced.frames?.thread)} over ${traced.frames?.frames} frames`);
// The trace starts as the link opens: its first second holds the frame that opens the view (the view's first
// drawing in this page, a one-off); the frames from then on are the ones while the workers train.
const each = traced.frames?.each ?? [];
const opening = stats(each.filter(([at]) => at < 1000).map(([, cpu]) => cpu))?.max ?? null;
const training = stats(each.filter(([at]) => at >= 1000).map(([, cpu]) => cpu));
console.log(`  the link's first frame ${opening?.toFixed(1)} ms; while training ${JSON.stringify(training)}`);
server.close();
const workers = Number(/^(\d+)/.exec(timed.trainer ?? '')?.[1] ?? 1);
const scenario = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'bench-workers-')), 'main-py-80.json');
fs.writeFileSync(scenario, JSON.stringify(DOC));
const began = Date.now();
const run = spawnSync(binary, ['run', scenario], { env: { ...process.env, BILEVEL_LAB_THREADS: String(workers) }, maxBuffer: 1 << 28 });
const native = (Date.now() - began) / 1000;
if (run.status !== 0) {
  console.error(`bilevel-lab run failed: ${run.stderr}`);
  process.exit(1);
}
console.log(`native: ${native.toFixed(1)} s on ${workers} threads (${os.cpus().length} cores: ${os.cpus()[0]?.model})`);
const result = {
  native_s: Math.round(native * 10) / 10,
  browser_s: Math.round(timed.seconds * 10) / 10,
  ratio: Math.round((timed.seconds / native) * 100) / 100,
  frame_p95_ms: traced.frames?.thread?.p95 ?? null,
  frame_max_ms: traced.frames?.thread?.max ?? null,
  opening_frame_ms: opening === null ? null : Math.round(opening * 10) / 10,
  training_frame_p95_ms: training?.p95 ?? null,
  training_frame_max_ms: training?.max ?? null,
  workers,
  updates: timed.update,
};
console.log(JSON.stringify(result));
if (timed.update !== UPDATES) process.exit(1);
