// Browser checks of the bilevel RL view (issue 7), run by e2e.mjs in both modes: inverse RL on the default
// gridworld played to step 100 from a link (exact descent converges, M-SoBiRL tracks it, the partial
// hypergradient drifts); the CBSO preset keeps the budget; the φ landscape comes from the GPU (WebGPU mode) or the twin;
// a 32 × 32 grid plays while the page keeps drawing frames (the longest gap between animation frames is
// reported); screenshots of each.
import path from 'node:path';

export async function softRlChecks(page, mode, t) {
  const { check, waitForStatus, click, shots, longestFrameGap } = t;
  const view = (s) => s?.view ?? {};
  const shot = (name) => page.screenshot({ path: path.join(shots, `${mode}-soft-rl${name}.png`) });
  await page.evaluate(() => { location.hash = '#soft_rl?stop_at=100&steps_per_frame=10'; });
  let s = await waitForStatus((st) => st.active_view === 'soft_rl' && view(st).step === 0, 30_000);
  await click('play');
  s = await waitForStatus((st) => view(st).step === 100, 120_000);
  let runs = view(s).runs ?? [];
  check(`${mode}: bilevel RL plays to step 100`, view(s).step === 100, JSON.stringify(view(s).step));
  check(`${mode}: exact hypergradient descent converges, M-SoBiRL tracks it, the partial hypergradient drifts`,
    runs[1]?.grad_norm < 0.05 && Math.abs(runs[0]?.phi - runs[1]?.phi) < 0.05 * runs[1]?.phi && runs[2]?.phi > 2 * runs[1]?.phi,
    JSON.stringify(runs));
  await page.waitForTimeout(500);
  await shot('');

  // The slides' baselines beside exact descent on preferences: PARL, HPGD, DRLHF.
  await page.evaluate(() => {
    location.hash = '#soft_rl?leader=preferences&gamma=0.8&beta=0.3&runs.0.algorithm=exact&runs.1.algorithm=parl'
      + '&runs.2.algorithm=hpgd&runs.3.algorithm=drlhf&runs.3.on=true&stop_at=20&steps_per_frame=5';
  });
  s = await waitForStatus((st) => view(st).step === 0 && (view(st).runs ?? [])[3]?.algorithm === 'DRLHF', 30_000);
  await click('play');
  s = await waitForStatus((st) => view(st).step === 20, 120_000);
  runs = view(s).runs ?? [];
  check(`${mode}: PARL, HPGD and DRLHF run beside exact descent`,
    runs.map((r) => r.algorithm).join() === 'exact hypergradient,PARL,HPGD,DRLHF'
      && runs.every((r) => Number.isFinite(r.phi) && r.status === 'ok')
      && Number.isFinite(runs[1].estimate_error) && Number.isFinite(runs[2].estimate_error),
    JSON.stringify(runs));
  await page.waitForTimeout(500);
  await shot('-baselines');

  // The CBSO preset (cost cells along the top row, budget 0.3), with the φ landscape on.
  const cbso = 'env=gridworld&leader=shaping&gamma=0.8&beta=0.2&grid.costs=0,0;0,1;0,2;0,3&constraint=true'
    + '&budget=0.3&runs.0.algorithm=cbso&runs.1.algorithm=exact&runs.2.algorithm=pbrl&runs.3.on=false'
    + '&stop_at=150&steps_per_frame=20&landscape=true';
  await page.evaluate((q) => { location.hash = `#soft_rl?${q}`; }, cbso);
  s = await waitForStatus((st) => view(st).step === 0 && (view(st).runs ?? [])[0]?.algorithm === 'constrained (CBSO)', 30_000);
  await click('play');
  s = await waitForStatus((st) => view(st).step === 150, 180_000);
  runs = view(s).runs ?? [];
  check(`${mode}: CBSO keeps the budget, exact descent's follower goes over`,
    runs[0]?.violation < 1e-3 && runs[1]?.violation > 0.05, JSON.stringify(runs));
  const want = mode === 'webgpu' ? 'gpu' : 'cpu';
  s = await waitForStatus((st) => view(st).landscape_done === true, 120_000);
  check(`${mode}: the φ landscape's follower came from the ${want.toUpperCase()}`,
    view(s).landscape_ran_on === want && Number.isFinite(view(s).landscape_min) && s?.last_error === null,
    JSON.stringify([view(s).landscape_ran_on, view(s).landscape_min, s?.last_error]));
  await page.evaluate(() => window.scrollTo(0, 0));
  await shot('-cbso');

  // A 32 × 32 grid (1024 states), inverse RL: play 10 steps, watching the frame gaps meanwhile.
  const big = 'grid.rows=32&grid.cols=32&grid.walls=' + Array.from({ length: 24 }, (_, c) => `16,${c}`).join(';')
    + '&grid.goals=0,31&grid.traps=8,20;24,8&grid.start=31,0&demos=30&horizon=100&gamma=0.98&tau=0.02&beta=0.01'
    + '&xi=0.4&l2=0.001&stop_at=10&steps_per_frame=1';
  await page.evaluate((q) => { location.hash = `#soft_rl?${q}`; }, big);
  s = await waitForStatus((st) => view(st).states === 1024 && view(st).step === 0, 60_000);
  await click('play');
  const gaps = longestFrameGap(4000);
  s = await waitForStatus((st) => view(st).step === 10, 240_000);
  const worst = await gaps;
  runs = view(s).runs ?? [];
  check(`${mode}: a 32 × 32 grid plays 10 steps, every run ok (longest frame gap ${worst.toFixed(0)} ms)`,
    view(s).step === 10 && runs.every((r) => r.status === 'ok') && worst < 2000, JSON.stringify([worst, runs]));
  await shot('-32');
}
