// Device loss in the browser (issue 18), WebGPU mode: a convergence map is in flight on the GPU when the
// Compute view's "Lose the GPU device" destroys the device, as a driver reset would. The app must say so
// (CPU fallback, the error named), the map must finish on the CPU twin, and the Stackelberg view must keep
// its run (the same step) and its settings (the same link).
//
// The loss has to land while the map runs: SwiftShader takes 7–20 s over a 512² × 2000 map depending on
// how busy the 2 cores are, and clicks are slow meanwhile (frames are). So the Compute view is opened by
// its link, not its tab (which waits for the tab to hold still over frames), and if the map still came back from the GPU first (the loss came too late, and
// nothing was tested), the page is reloaded for a fresh device and it is tried once more with a map twice
// as long.

export async function deviceLossChecks(page, mode, t) {
  const { check, waitForStatus, click } = t;
  const view = (s) => s?.view ?? {};
  for (const steps of [2000, 4000]) {
    const link = `#stackelberg?step=2000&map_size=512&map_steps=${steps}&panels.0.map=true`;
    await page.evaluate((h) => { location.hash = h; }, link);
    let s = await waitForStatus((st) => st.active_view === 'stackelberg' && view(st).step === 2000, 60_000);
    const inFlight = (view(s).panels ?? [])[0]?.map === null;
    const before = await page.evaluate(() => location.hash);
    await page.evaluate(() => { location.hash = '#compute'; });
    await waitForStatus((st) => st.active_view === 'compute');
    await click('lose-device');
    s = await waitForStatus((st) => !st.gpu && st.compute_backend.startsWith('CPU fallback'), 30_000);
    check(`${mode}: a lost device is reported (${s?.compute_backend})`,
      !s?.gpu && (s?.compute_backend ?? '').includes('device lost') && (s?.last_error ?? '').includes('device lost'),
      JSON.stringify([s?.compute_backend, s?.last_error]));
    await click('stackelberg');
    s = await waitForStatus((st) => (view(st).panels ?? [])[0]?.map?.ran_on !== undefined, 300_000);
    const map = (view(s).panels ?? [])[0]?.map;
    if (map?.ran_on === 'gpu' && steps === 2000) {
      console.log(`       the ${steps}-step map finished on the GPU before the loss (${map.seconds} s): again on a fresh device`);
      // Without the hash: the fresh page starts on the landing page, not on this link's run.
      await page.evaluate(() => history.replaceState(null, '', location.pathname));
      await page.reload();
      await waitForStatus((st) => st.gpu && st.self_check !== null && st.active_view === 'welcome', 120_000);
      continue;
    }
    const after = await page.evaluate(() => location.hash);
    check(`${mode}: the map in flight when the device was lost finished on the CPU twin, the run and settings kept`,
      inFlight && map?.ran_on === 'cpu' && view(s).step === 2000 && after === before,
      JSON.stringify([inFlight, map, view(s).step, before === after]));
    return;
  }
}
