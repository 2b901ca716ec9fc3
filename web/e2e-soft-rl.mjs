// Browser checks of the bilevel RL view (issue 7, first version), run by e2e.mjs in both modes: inverse RL
// on the default gridworld played to step 100 from a link — exact hypergradient descent converges,
// M-SoBiRL tracks it, the alternating baseline drifts; a screenshot of the grids and curves.
import path from 'node:path';

export async function softRlChecks(page, mode, t) {
  const { check, waitForStatus, shots } = t;
  const view = (s) => s?.view ?? {};
  await page.evaluate(() => { location.hash = '#soft_rl?stop_at=100&steps_per_frame=10'; });
  let s = await waitForStatus(page, (st) => st.active_view === 'soft_rl' && view(st).step === 0, 30_000);
  const play = s?.controls.find((r) => r.id === 'play');
  if (play) await page.mouse.click(play.x + play.w / 2, play.y + play.h / 2);
  s = await waitForStatus(page, (st) => view(st).step === 100, 120_000);
  const runs = view(s).runs ?? [];
  check(`${mode}: bilevel RL plays to step 100`, view(s).step === 100, JSON.stringify(view(s).step));
  check(`${mode}: exact hypergradient descent converges, M-SoBiRL tracks it, alternating drifts`,
    runs[1]?.grad_norm < 0.05 && Math.abs(runs[0]?.phi - runs[1]?.phi) < 0.05 * runs[1]?.phi && runs[2]?.phi > 2 * runs[1]?.phi,
    JSON.stringify(runs));
  await page.waitForTimeout(500);
  await page.screenshot({ path: path.join(shots, `${mode}-soft-rl.png`) });
}
