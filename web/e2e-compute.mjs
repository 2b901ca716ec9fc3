// The Compute view's CPU-twin timing (issue 18): the convergence map's twin, 128² starts × 1000 steps, timed
// in the browser a part per frame slice; compare with `bilevel-lab bench 128 1000`'s cpu_twin_seconds on
// the same machine (docs/performance.md records both).

export async function twinTimingChecks(page, mode, t) {
  const { check, waitForStatus, click } = t;
  await page.evaluate(() => { location.hash = '#compute'; });
  await waitForStatus((st) => st.active_view === 'compute');
  await click('twin-timing');
  const s = await waitForStatus((st) => st.view?.twin_timing?.seconds > 0, 180_000);
  const timing = s?.view?.twin_timing;
  const rate = timing ? (timing.grid ** 2 * timing.steps) / timing.seconds / 1e6 : NaN;
  console.log(`       CPU twin in the browser: ${timing?.seconds?.toFixed(3)} s for 128² × 1000 (${rate.toFixed(1)} M steps/s)`);
  check(`${mode}: the CPU twin times itself in the browser (${timing?.seconds?.toFixed(3)} s)`,
    Number.isFinite(timing?.seconds) && timing.seconds > 0, JSON.stringify(timing));
}
