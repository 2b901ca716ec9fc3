// Browser checks of the Control view (issue 16), run by e2e.mjs in both modes: CartPole with all four
// learners (PPO, BLPO, BLPO-CG, nesting alone; two seeds each; networks of 16 units and rollouts of 4 × 32
// steps, so that it fits CI's time) trained for three updates from a link while the longest gap between
// animation frames is measured; every
// learner reports its updates and returns; the trained agent's cart moves (two screenshots of the scene
// differ); a screenshot; Brax's inverted_pendulum trained an update and animated; then the recorded Figure 3 (a record fetched from the page's origin) and its screenshot.
import path from 'node:path';

export async function controlChecks(page, mode, t) {
  const { check, waitForStatus, click, control, shots, longestFrameGap } = t;
  const view = (s) => s?.view ?? {};
  await page.evaluate(() => { location.hash = '#control?learners.2.on=true&learners.3.on=true&stop_at=3&ppo.hidden=16&ppo.steps=32'; });
  let s = await waitForStatus((st) => st.active_view === 'control' && view(st).update === 0
    && (view(st).learners ?? []).length === 4, 30_000);
  await click('play');
  const began = Date.now();
  const gaps = longestFrameGap(5000);
  // Generous: frames keep to their 5 ms share of work, so on SwiftShader (~2–4 frames a second) this takes minutes.
  s = await waitForStatus((st) => view(st).update === 3, 360_000);
  const worst = await gaps;
  const seconds = (Date.now() - began) / 1000;
  const learners = view(s).learners ?? [];
  check(`${mode}: four learners train 3 updates on CartPole in ${seconds.toFixed(0)} s (longest frame gap ${worst.toFixed(0)} ms)`,
    learners.length === 4 && learners.every((l) => l.updates === 3 && l.steps === 3 * 128 && l.status === 'training'
      && Number.isFinite(l.mean) && l.mean_return.length === 2) && worst < 2000,
    JSON.stringify([worst, learners]));
  check(`${mode}: BLPO reports its hypergradient's pieces, PPO none`,
    learners[0].cosine === null && Number.isFinite(learners[1].cosine) && Number.isFinite(learners[1].correction_ratio)
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
