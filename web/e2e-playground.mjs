// Browser checks of the bilevel playground (issue 6), run by e2e.mjs in both modes: the 1-D toy from a
// link replays to step 2000 with simultaneous play at the Nash point and the exact hypergradient at the
// Stackelberg point; a huge step size diverges one run ("diverged at step k") while the page keeps
// working; a 2-D leader draws Φ over the x plane; the "noisy oracles" preset plays four algorithms × 8 seeds
// on stochastic oracles (seed bands against oracle calls). Screenshots of each.
import path from 'node:path';
import { checkDownloads } from './e2e-downloads.mjs';

export async function playgroundChecks(page, mode, t) {
  const { check, waitForStatus, click, shots } = t;
  const view = (s) => s?.view ?? {};
  const shot = async (name) => {
    await page.waitForTimeout(600);
    await page.screenshot({ path: path.join(shots, `${mode}-playground-${name}.png`) });
  };
  const runs = (s) => view(s).runs ?? [];

  await page.evaluate(() => { location.hash = '#playground?step=2000'; });
  let s = await waitForStatus((st) => st.active_view === 'playground' && view(st).step === 2000, 60_000);
  const [sim, exact] = runs(s);
  check(`${mode}: playground replays the toy to step 2000`, view(s).step === 2000, JSON.stringify(view(s).step));
  check(`${mode}: simultaneous play ends at the Nash point (1, 1)`,
    Math.abs(sim?.x?.[0] - 1) < 1e-4 && Math.abs(sim?.y?.[0] - 1) < 1e-4, JSON.stringify(sim));
  check(`${mode}: the exact hypergradient ends at the Stackelberg point x* = 1.5`,
    Math.abs(exact?.x?.[0] - 1.5) < 1e-4, JSON.stringify(exact));
  await shot('toy');
  await checkDownloads(page, mode, { check, click, shots }, [
    ['export-csv', 'playground.csv', (b) => b.toString('utf8').startsWith('run,seed,step,x,y,phi,grad_norm,inner_error,direction_error,hvps,oracle_calls\n')
      && b.toString('utf8').split('\n').length > 4 * 2000],
    ['export-json', 'playground.json', (b) => {
      const doc = JSON.parse(b.toString('utf8'));
      return doc.kind === 'playground' && doc.result?.runs?.length === 4;
    }],
    ['export-png', 'playground.png', (b) => b.subarray(1, 4).toString('latin1') === 'PNG' && b.length > 10_000],
  ]);

  // Divergence: run (a) with a huge outer step; the others go on and the page answers.
  await page.evaluate(() => { location.hash = '#playground?outer_lr=9&runs.1.on=false&runs.2.on=false&runs.3.on=false&step=300'; });
  s = await waitForStatus((st) => (runs(st)[0]?.status ?? '').startsWith('diverged'), 60_000);
  check(`${mode}: a huge step size shows "diverged at step k"`, (runs(s)[0]?.status ?? '').startsWith('diverged at step'),
    JSON.stringify(runs(s)[0]?.status));
  await shot('diverged');
  await page.evaluate(() => { location.hash = '#playground?step=50'; });
  s = await waitForStatus((st) => view(st).step === 50 && runs(st).length === 4, 30_000);
  check(`${mode}: the playground keeps working after divergence`, view(s).step === 50 && s?.last_error === null,
    JSON.stringify([view(s).step, s?.last_error]));

  // A 2-D leader: ridge HPO with 2 features, Φ over the x plane.
  await page.evaluate(() => { location.hash = '#playground?problem=ridge_hpo&features=2&start=1,0&step=300'; });
  s = await waitForStatus((st) => view(st).step === 300, 60_000);
  check(`${mode}: ridge HPO (2-D x) runs from a link`, view(s).step === 300 && runs(s).every((r) => r.status === 'ok'),
    JSON.stringify(runs(s).map((r) => r.status)));
  const want = mode === 'webgpu' ? 'gpu' : 'cpu';
  s = await waitForStatus((st) => view(st).landscape_ran_on !== '', 60_000);
  check(`${mode}: the Φ landscape came from the ${want.toUpperCase()}`, view(s).landscape_ran_on === want && s?.last_error === null,
    JSON.stringify([view(s).landscape_ran_on, s?.last_error]));
  await shot('ridge');

  // Stochastic oracles: the "noisy oracles" preset (a 3 × 3 quadratic, σ = 0.3), 4 algorithms × 8 seeds.
  const noisy = 'problem=quadratic&condition=1&quadratic.A=1,0,0;0,1,0;0,0,1&quadratic.B=0.2,0,0;0,0.2,0;0,0,0.2'
    + '&quadratic.C=1,0,0.5;0,1,0;0.3,0,1&quadratic.E=0.5,0,0;0,0.5,0;0,0,0.5&quadratic.H=1,0,0;0,2,0;0,0,4'
    + '&quadratic.a=0.5,-0.5,0&quadratic.c=1,1,1&quadratic.d=1,-1,0.5&runs.0.algorithm=ttsa&runs.0.ihvp=neumann'
    + '&runs.1.algorithm=momentum&runs.1.ihvp=neumann&runs.2.algorithm=stable&runs.2.ihvp=neumann'
    + '&runs.3.algorithm=bsa&runs.3.ihvp=neumann&iters=10&inner_steps=5&start=0.5,0&stochastic=true&sigma=0.3'
    + '&seeds=8&step=150';
  await page.evaluate((q) => { location.hash = `#playground?${q}`; }, noisy);
  s = await waitForStatus((st) => view(st).step === 150 && runs(st).length === 32, 120_000);
  check(`${mode}: stochastic oracles, 4 algorithms × 8 seeds play to step 150`,
    runs(s).length === 32 && runs(s).every((r) => r.status === 'ok' && r.oracles > 0)
      && new Set(runs(s).map((r) => r.seed)).size === 8 && s?.last_error === null,
    JSON.stringify(runs(s).map((r) => [r.run, r.seed, r.status, r.oracles])));
  await shot('noisy');
}
