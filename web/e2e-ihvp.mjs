// Browser checks of the IHVP lab (issue 5), run by e2e.mjs in both modes: a batch from a link fills its
// histograms and runs its f32 batch on the expected backend, every section renders (error vs cost,
// spectrum, Nyström close-up, regime map) with its sweep finishing over frames, the user's own matrix from
// a link, and a bad matrix named. Screenshots of every section.
import path from 'node:path';

export async function ihvpChecks(page, mode, t) {
  const { check, waitForStatus, click, shots } = t;
  const view = (s) => s?.view ?? {};
  const shot = async (name) => {
    await page.waitForTimeout(400);
    await page.screenshot({ path: path.join(shots, `${mode}-ihvp-${name}.png`) });
  };

  // The default family (small networks) from a link: 40 Hessians, then the f32 kernels.
  await page.evaluate(() => { location.hash = '#ihvp?size=40&alpha=1'; });
  let s = await waitForStatus((st) => st.active_view === 'ihvp' && view(st).f32_done === 4, 120_000);
  const want = mode === 'webgpu' ? 'gpu' : 'cpu';
  check(`${mode}: IHVP lab scores 40 Hessians in float64`, view(s).done === 40, JSON.stringify(view(s).done));
  check(`${mode}: the f32 batch of all four methods ran on the ${want.toUpperCase()}`,
    (view(s).f32_ran_on ?? []).every((r) => r === want) && view(s).f32_ran_on?.length === 4,
    JSON.stringify(view(s).f32_ran_on));
  check(`${mode}: IHVP link opens without error`, s?.last_error === null, s?.last_error);
  await shot('histograms');

  // Every section by its tab; the sweeps finish over frames.
  for (const [tab, name] of [['section-cost', 'cost'], ['section-spectrum', 'spectrum'],
    ['section-closeup', 'closeup'], ['section-regimes', 'regimes']]) {
    await click(tab);
    s = await waitForStatus((st) => view(st).section?.toLowerCase() === name
      && (name === 'spectrum' || (view(st).sweep_all > 0 && view(st).sweep_done === view(st).sweep_all)), 180_000);
    check(`${mode}: IHVP section "${name}" complete`, view(s).section?.toLowerCase() === name
      && (name === 'spectrum' || view(s).sweep_done === view(s).sweep_all), JSON.stringify(view(s)));
    await shot(name);
  }
  const hash = await page.evaluate(() => location.hash);
  check(`${mode}: the IHVP section is in the link`, hash.includes('section=regimes'), hash);

  // BLPO Figure 2 under the code's settings (damped core, fixed columns, CG with and without the guard).
  await page.evaluate(() => {
    location.hash = '#ihvp?size=100&alpha=50&neumann_step=0.01&variant=damped&columns=fixed&cg_unguarded=true';
  });
  s = await waitForStatus((st) => view(st).done === 100 && view(st).f32_done === 5, 180_000);
  const max = view(s).max_error ?? {};
  check(`${mode}: Figure 2 under BLPO's settings: Nyström's largest error < 0.04, both CGs at machine precision`,
    max.nystrom < 0.04 && max.cg < 1e-14 && max.cg_unguarded < 1e-14, JSON.stringify(max));
  await shot('figure-2');

  // The regime where Nyström wins (5 outliers over a bulk at 1e-6): some cells blue, some orange.
  await page.evaluate(() => {
    location.hash = '#ihvp?family=spectrum&dim=64&outliers=5&condition=1000000&alpha=0.01&rank=5'
      + '&cg_iters=5&size=20&section=regimes';
  });
  s = await waitForStatus((st) => view(st).done === 20 && view(st).sweep_all > 0
    && view(st).sweep_done === view(st).sweep_all && view(st).nystrom_wins !== undefined, 180_000);
  const wins = view(s).nystrom_wins;
  check(`${mode}: regime map: Nyström wins some cells, CG others (${wins} of 91)`, wins > 0 && wins < 91, String(wins));
  await shot('regimes-nystrom-wins');

  // The user's own matrix from a link: 32 column draws of a 4×4 matrix, close-up.
  await page.evaluate(() => {
    location.hash = '#ihvp?family=given&matrix=1,0.3,0,0.001;0.3,0.5,0.002,0;0,0.002,0.001,0;0.001,0,0,0.0001'
      + '&rhs=1,1,1,1&size=32&rank=2&alpha=0.01&section=closeup';
  });
  s = await waitForStatus((st) => view(st).done === 32 && view(st).sweep_done === view(st).sweep_all
    && view(st).sweep_all > 0, 120_000);
  check(`${mode}: own matrix from a link: 32 draws scored`, view(s).done === 32 && s?.last_error === null,
    JSON.stringify([view(s).done, s?.last_error]));
  await shot('given-closeup');

  // A non-symmetric matrix is rejected, the field named.
  await page.evaluate(() => { location.hash = '#ihvp?family=given&matrix=1,2;3,4&rhs=1,1'; });
  s = await waitForStatus((st) => (st.last_error ?? '').includes('matrix'));
  check(`${mode}: a non-symmetric matrix in a link is named`,
    (s?.last_error ?? '').includes('`matrix`') && (s?.last_error ?? '').includes('symmetric'), s?.last_error);
}
