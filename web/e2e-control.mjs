// Browser checks of the Control view (issues 16 and 40), run by e2e.mjs in both modes: CartPole with all four
// learners (PPO, BLPO, BLPO-CG, nesting alone; two seeds each; networks of 16 units and rollouts of 4 × 32
// steps, so that it fits CI's time) trained for three updates on Web Workers from Play while the longest gap
// between animation frames is measured; every learner reports its updates and returns; in the CPU mode the
// same run again in the page's frames (workers off in the stored settings): the same numbers, and how much
// slower; the trained agent's cart moves (two screenshots of the scene differ); a screenshot; Brax's
// inverted_pendulum trained an update and animated; then the recorded Figure 3 (a record fetched from the
// page's origin) and its screenshot.
import path from 'node:path';

const THREE = '#control?learners.2.on=true&learners.3.on=true&stop_at=3&ppo.hidden=16&ppo.steps=32';

/// Opens the four learners' run, plays it to update 3 and says how long that took, the longest gap between
/// frames meanwhile, and the status then.
async function playThree(page, t) {
  const { waitForStatus, click, longestFrameGap } = t;
  const view = (s) => s?.view ?? {};
  await page.evaluate((link) => { location.hash = link; }, THREE);
  await waitForStatus((st) => st.active_view === 'control' && view(st).update === 0
    && (view(st).learners ?? []).length === 4, 30_000);
  await click('play');
  const began = Date.now();
  const gaps = longestFrameGap(5000);
  // Generous: in the page's frames each keeps to its 5 ms share of work, so on SwiftShader this takes minutes.
  let pace = 0;
  const s = await waitForStatus((st) => {
    pace = Math.max(pace, view(st).frame_pace_ms ?? 0);
    return view(st).update === 3;
  }, 600_000);
  return { seconds: (Date.now() - began) / 1000, worst: await gaps, s, pace };
}

/// Sets how many workers train (`Settings::workers`, RON in the page's local storage) and reloads. The page
/// saves its settings as it unloads, so the choice is written by a script that runs before the app on every
/// load of this page, from the tab's session storage.
const patched = new WeakSet();
async function storeWorkers(page, t, choice) {
  if (!patched.has(page)) {
    patched.add(page);
    await page.addInitScript(() => {
      const c = sessionStorage.getItem('e2e-workers');
      if (!c) return;
      const key = 'bilevel-lab/settings';
      const ron = localStorage.getItem(key) ?? '()';
      const field = /workers:\s*\w+(\(\d+\))?/;
      localStorage.setItem(key, field.test(ron) ? ron.replace(field, `workers:${c}`) : ron.replace(/^\(/, `(workers:${c},`));
    });
  }
  await page.evaluate((c) => sessionStorage.setItem('e2e-workers', c), choice);
  await page.reload();
  await t.waitForStatus((st) => st.self_check !== null, 120_000);
}

export async function controlChecks(page, mode, t) {
  const { check, waitForStatus, click, control, shots } = t;
  const view = (s) => s?.view ?? {};
  // In the CPU mode the run first trains in the page's frames (workers off in the stored settings).
  const frames = mode === 'cpu' ? await storeWorkers(page, t, 'frames').then(() => playThree(page, t)) : null;
  if (frames) await storeWorkers(page, t, 'auto');
  const workers = await playThree(page, t);
  let s = workers.s;
  const learners = view(s).learners ?? [];
  check(`${mode}: four learners train 3 updates on CartPole on ${view(s).trainer} in ${workers.seconds.toFixed(0)} s (longest frame gap ${workers.worst.toFixed(0)} ms)`,
    /^\d+ Web Workers?$/.test(view(s).trainer ?? '')
      && learners.length === 4 && learners.every((l) => l.updates === 3 && l.steps === 3 * 128 && l.status === 'training'
      && Number.isFinite(l.mean) && l.mean_return.length === 2) && workers.worst < 2000,
    JSON.stringify([workers.worst, view(s).trainer, learners]));
  // Drawn on SwiftShader (the CPU mode's WebGL2), the page paces its frames while the workers train.
  if (mode === 'cpu') {
    check(`${mode}: while the workers train, the page drawn in software asks for a frame at most every ${workers.pace} ms`,
      workers.pace === 250 && (frames?.pace ?? 0) === 0, JSON.stringify([workers.pace, frames?.pace]));
  }
  if (frames) {
    // The numbers equal the workers' bit for bit (the status prints each float's shortest round trip).
    check(`${mode}: in the page's frames the same run gives the same numbers, in ${frames.seconds.toFixed(0)} s`
      + ` (${(frames.seconds / workers.seconds).toFixed(1)}× the workers' time; longest frame gap ${frames.worst.toFixed(0)} ms)`,
      (view(frames.s).trainer ?? '').startsWith('frames: no workers in the settings')
        && JSON.stringify(view(frames.s).learners) === JSON.stringify(learners),
      JSON.stringify([view(frames.s).trainer, view(frames.s).learners, learners]));
  }
  check(`${mode}: BLPO reports its hypergradient's pieces, PPO none`,
    learners.length === 4 && learners[0].cosine === null && Number.isFinite(learners[1].cosine) && Number.isFinite(learners[1].correction_ratio)
      && Number.isFinite(learners[2].critic_loss),
    JSON.stringify(learners.map((l) => [l.name, l.cosine, l.correction_ratio, l.critic_loss])));
  const scene = await control('scene');
  const clip = { x: scene.x, y: scene.y, width: scene.w, height: scene.h };
  const first = await page.screenshot({ clip });
  await page.waitForTimeout(400);
  const second = await page.screenshot({ clip });
  check(`${mode}: the trained agent's cart and pole move`, !first.equals(second), `${first.length} bytes`);
  await page.screenshot({ path: path.join(shots, `${mode}-control.png`) });
  // Brax's inverted_pendulum (a continuous task): one update, then the animated cart and pole move.
  await page.evaluate(() => { location.hash = '#control?env=inverted_pendulum&stop_at=1&ppo.hidden=16&ppo.steps=32'; });
  s = await waitForStatus((st) => view(st).env === 'inverted_pendulum (Brax)' && view(st).update === 0, 30_000);
  await click('play');
  s = await waitForStatus((st) => view(st).update === 1, 180_000);
  const brax = await control('scene');
  const box = { x: brax.x, y: brax.y, width: brax.w, height: brax.h };
  const a = await page.screenshot({ clip: box });
  await page.waitForTimeout(400);
  const b = await page.screenshot({ clip: box });
  check(`${mode}: inverted_pendulum trains an update and its cart and pole move`,
    (view(s).learners ?? []).every((l) => l.updates === 1 && l.steps === 128) && !a.equals(b),
    JSON.stringify(view(s).learners));
  await page.screenshot({ path: path.join(shots, `${mode}-control-inverted-pendulum.png`) });
  // BLPO Fig. 3 as re-run here: the landing card's record, fetched from the site's own origin.
  await page.evaluate(() => { location.hash = '#control?record=cartpole-main-py'; });
  s = await waitForStatus((st) => view(st).recorded?.name === 'cartpole-main-py', 60_000);
  const recorded = view(s).learners ?? [];
  check(`${mode}: the recorded Figure 3 opens: ${recorded.length} learners × ${view(s).recorded?.seeds} seeds, recorded ${view(s).recorded?.date}`,
    recorded.length >= 4 && view(s).recorded.seeds >= 5
      && recorded.every((l) => l.status === 'recorded' && l.steps === 499712 && Number.isFinite(l.mean) && Number.isFinite(l.band)),
    JSON.stringify(view(s)).slice(0, 600));
  await page.waitForTimeout(300);
  await page.screenshot({ path: path.join(shots, `${mode}-control-recorded.png`) });
}
