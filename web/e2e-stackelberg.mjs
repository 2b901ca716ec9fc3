// Browser checks of the Stackelberg view (issue 4), run by e2e.mjs in both modes:
// play/pause/step, dragging the start point and adding one, the convergence map's backend, links that
// restore the exact view (and bad ones named), divergence shown and survived, CSV/PNG/JSON downloads, and
// screenshots of the paper's preset at step 50 000, and a run of 10⁶ steps in bounded memory (issue 18).
import fs from 'node:fs';
import path from 'node:path';
import { checkDownloads } from './e2e-downloads.mjs';

export async function stackelbergChecks(page, mode, t) {
  const { check, waitForStatus, control, click, shots } = t;
  const view = (s) => s?.view ?? {};

  // The paper's preset from a link at step 50 000, all four maps on (a small grid keeps SwiftShader quick).
  const maps = [0, 1, 2, 3].map((i) => `panels.${i}.map=true`).join('&');
  await page.evaluate((m) => { location.hash = `#stackelberg?step=50000&map_size=64&map_steps=1000&${m}`; }, maps);
  const want = mode === 'webgpu' ? 'gpu' : 'cpu';
  let s = await waitForStatus(
    (st) => view(st).step === 50000 && (view(st).panels ?? []).every((p) => p.map?.ran_on === want),
    120_000,
  );
  const panels = view(s).panels ?? [];
  check(`${mode}: stackelberg link replays to step 50 000`, view(s).step === 50000, JSON.stringify(view(s).step));
  check(`${mode}: all four convergence maps on the ${want.toUpperCase()}`, panels.length === 4 && panels.every((p) => p.map?.ran_on === want),
    JSON.stringify(panels.map((p) => p.map)));
  check(`${mode}: simultaneous play keeps circling (θ crossed 0 more than 10 times)`, panels[0]?.theta_sign_changes > 10,
    String(panels[0]?.theta_sign_changes));
  check(`${mode}: Stackelberg λ = 0 never crosses θ = 0, λ = 0.04 ends several times closer`,
    panels[3]?.theta_sign_changes === 0 && panels[2]?.distance * 3 < panels[3]?.distance,
    JSON.stringify(panels.map((p) => [p.theta_sign_changes, p.distance])));
  await page.waitForTimeout(400);
  await page.screenshot({ path: path.join(shots, `${mode}-stackelberg-50000.png`) });
  // The same on the stage (P): README's picture of Figure 1; Esc leaves.
  await page.keyboard.press('p');
  s = await waitForStatus((st) => (st.stage?.parts ?? []).length >= 4);
  check(`${mode}: Present puts the 50 000-step figure on the stage`, (s?.stage?.parts ?? []).every((p) => !p.clipped && !p.overflow),
    JSON.stringify(s?.stage?.parts));
  await page.waitForTimeout(400);
  await page.screenshot({ path: path.join(shots, `${mode}-stackelberg-present.png`) });
  await page.keyboard.press('Escape');
  await waitForStatus((st) => !st.stage);

  // Play, pause, step.
  await page.evaluate(() => { location.hash = '#stackelberg'; });
  s = await waitForStatus((st) => st.active_view === 'stackelberg' && view(st).step === 0);
  await click('play');
  s = await waitForStatus((st) => view(st).step >= 2000, 30_000);
  check(`${mode}: Play runs (step ${view(s).step})`, view(s).step >= 2000 && view(s).playing, JSON.stringify(view(s).step));
  await click('play');
  s = await waitForStatus((st) => !view(st).playing);
  const paused = view(s).step;
  await click('step');
  s = await waitForStatus((st) => view(st).step === paused + 1);
  check(`${mode}: Pause, then Step takes exactly one step`, view(s).step === paused + 1, `${paused} → ${view(s).step}`);
  // The hash is rewritten at most every 250 ms.
  await page.waitForFunction((k) => location.hash.includes(`step=${k}`), paused + 1, { timeout: 5_000 }).catch(() => null);
  const hash = await page.evaluate(() => location.hash);
  check(`${mode}: paused view's link carries its step`, hash.includes(`step=${paused + 1}`), hash);

  // Drag the start point of panel (d); click to add a start point in panel (a).
  const start = await control('start-3');
  await page.mouse.move(start.x + start.w / 2, start.y + start.h / 2);
  await page.mouse.down();
  await page.mouse.move(start.x + 40, start.y + 50, { steps: 8 });
  await page.mouse.up();
  s = await waitForStatus((st) => view(st).start?.[0] > -0.95);
  check(`${mode}: dragging the ring moves the start point`, view(s).start?.[0] > -0.95 && view(s).start?.[1] < 0.95,
    JSON.stringify(view(s).start));
  // The same with a finger (a phone or a tablet): touch events, as a touch screen sends them.
  const before = view(s).start;
  const ring = await control('start-3');
  await touchDrag(page, [ring.x + ring.w / 2, ring.y + ring.h / 2], [ring.x - 30, ring.y - 40]);
  s = await waitForStatus((st) => view(st).start?.[0] < before[0] - 0.05);
  check(`${mode}: a touch drag moves the start point`,
    view(s).start?.[0] < before[0] - 0.05 && view(s).start?.[1] > before[1] + 0.05,
    JSON.stringify([before, view(s).start]));
  await click('panel-0', 0.7, 0.6);
  s = await waitForStatus((st) => view(st).starts === 2);
  check(`${mode}: a click adds a start point`, view(s).starts === 2, JSON.stringify(view(s).starts));
  await page.waitForTimeout(300);
  await page.screenshot({ path: path.join(shots, `${mode}-stackelberg-dragged.png`) });

  // Exports arrive as downloads with the right content.
  await checkDownloads(page, mode, { check, click, shots }, [
    ['export-csv', 'stackelberg.csv', (b) => b.toString('utf8').startsWith('panel,start,step,theta,w\n')],
    ['export-json', 'stackelberg.json', (b) => {
      // The view's document (what `bilevel-lab run` replays) with the trajectories as its result.
      const doc = JSON.parse(b.toString('utf8'));
      return doc.kind === 'stackelberg' && doc.run?.actor_lr === 0.01 && doc.result?.panels?.length === 4;
    }],
    ['export-png', 'stackelberg-panels.png', (b) => b.subarray(1, 4).toString('latin1') === 'PNG' && b.length > 10_000],
  ]);

  // Save scenario (top bar) writes the view's document; Open scenario… opens it again from another view.
  await page.evaluate(() => { location.hash = '#stackelberg?reg=0.2&step=1500'; });
  s = await waitForStatus((st) => view(st).step === 1500 && st.last_error === null);
  const [saved] = await Promise.all([
    page.waitForEvent('download', { timeout: 20_000 }).catch(() => null),
    click('save-scenario'),
  ]);
  const file = saved ? await saved.path() : null;
  const doc = file ? JSON.parse(fs.readFileSync(file, 'utf8')) : {};
  check(`${mode}: Save scenario downloads the view's document`,
    saved?.suggestedFilename() === 'stackelberg.json' && doc.kind === 'stackelberg' && doc.run?.reg === 0.2 && doc.show?.step === 1500,
    JSON.stringify(doc).slice(0, 200));
  await page.evaluate(() => { location.hash = '#compute'; });
  await waitForStatus((st) => st.active_view === 'compute');
  const [chooser] = await Promise.all([
    page.waitForEvent('filechooser', { timeout: 20_000 }).catch(() => null),
    click('open-scenario'),
  ]);
  if (chooser && file) await chooser.setFiles(file);
  s = await waitForStatus((st) => st.active_view === 'stackelberg' && view(st).step === 1500, 60_000);
  await page.waitForFunction(() => location.hash.includes('reg=0.2'), null, { timeout: 5_000 }).catch(() => null);
  const reopened = await page.evaluate(() => location.hash);
  check(`${mode}: Open scenario… opens the document in its view`,
    s?.active_view === 'stackelberg' && view(s).step === 1500 && reopened.includes('reg=0.2'), reopened);

  // A link restores the exact view; a bad one is named; diverging settings are shown and survived.
  await page.evaluate(() => { location.hash = '#stackelberg?reg=0.1&seed=7&stochastic=true&horizon=2000&step=2000'; });
  s = await waitForStatus((st) => view(st).step === 2000 && st.last_error === null);
  const again = await page.evaluate(() => location.hash);
  check(`${mode}: stochastic link restores step and settings`, view(s).step === 2000 && again.includes('reg=0.1') && again.includes('seed=7'), again);
  await page.waitForTimeout(300);
  await page.screenshot({ path: path.join(shots, `${mode}-stackelberg-stochastic.png`) });
  await page.evaluate(() => { location.hash = '#stackelberg?reg=abc'; });
  s = await waitForStatus((st) => (st.last_error ?? '').includes('reg'));
  check(`${mode}: bad stackelberg link names the parameter`, (s?.last_error ?? '').includes('`reg`'), s?.last_error);
  await page.evaluate(() => { location.hash = '#stackelberg?actor_lr=2&critic_lr=2&step=3000'; });
  s = await waitForStatus((st) => view(st).step === 3000);
  const diverged = (view(s).panels ?? []).filter((p) => p.diverged_at !== null);
  check(`${mode}: huge steps show "diverged at step k"`, diverged.length > 0, JSON.stringify((view(s).panels ?? []).map((p) => p.diverged_at)));
  await click('step');
  s = await waitForStatus((st) => view(st).step === 3001);
  check(`${mode}: the app keeps working after divergence`, view(s).step === 3001, JSON.stringify(view(s).step));
  await page.waitForTimeout(300);
  await page.screenshot({ path: path.join(shots, `${mode}-stackelberg-diverged.png`) });

  // A long run (issue 18): 10⁶ steps in every panel, 5000 per frame. Histories are thinned as they grow,
  // so the wasm memory (which only ever grows) is the same after 10⁵ steps and after 10⁶.
  await page.evaluate(() => { location.hash = '#stackelberg?horizon=1000000&steps_per_frame=5000'; });
  s = await waitForStatus((st) => view(st).step === 0 && st.last_error === null, 30_000);
  await click('play');
  s = await waitForStatus((st) => view(st).step >= 100_000, 300_000);
  const [early, earlyStep] = [s?.memory_bytes ?? NaN, view(s).step];
  s = await waitForStatus((st) => view(st).step === 1_000_000, 600_000);
  const late = s?.memory_bytes ?? NaN;
  const mb = (b) => (b / 2 ** 20).toFixed(1);
  check(`${mode}: 10⁶ steps in bounded memory (${mb(early)} MB at step ${earlyStep}, ${mb(late)} MB at 10⁶)`,
    view(s).step === 1_000_000 && late - early <= 8 * 2 ** 20, JSON.stringify([view(s).step, early, late]));
}

/// A one-finger drag from `from` to `to` (CSS pixels) by touch events, with touch emulation on meanwhile.
async function touchDrag(page, from, to, steps = 8) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Emulation.setTouchEmulationEnabled', { enabled: true, maxTouchPoints: 1 });
  const at = (t) => [{ x: from[0] + (to[0] - from[0]) * t, y: from[1] + (to[1] - from[1]) * t }];
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: at(0) });
  for (let i = 1; i <= steps; i++) {
    await page.waitForTimeout(30);
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: at(i / steps) });
  }
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
  await cdp.send('Emulation.setTouchEmulationEnabled', { enabled: false });
  await cdp.detach();
}
