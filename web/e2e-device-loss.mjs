// Device loss in the browser (issue 18), WebGPU mode: a convergence map is in flight on the GPU when the
// Compute view's "Lose the GPU device" destroys the device, as a driver reset would. The app must say so
// (CPU fallback, the error named), the map must finish on the CPU twin, and the Stackelberg view must keep
// its run (the same step) and its settings (the same link).

export async function deviceLossChecks(page, mode, t) {
  const { check, waitForStatus, click } = t;
  const view = (s) => s?.view ?? {};
  // A map SwiftShader takes 15–20 s over (512² starts × 2000 steps), so the loss, a few seconds after the
  // view opens, lands while it is in flight.
  const link = '#stackelberg?step=2000&map_size=512&map_steps=2000&panels.0.map=true';
  await page.evaluate((h) => { location.hash = h; }, link);
  let s = await waitForStatus((st) => st.active_view === 'stackelberg' && view(st).step === 2000, 60_000);
  const inFlight = (view(s).panels ?? [])[0]?.map === null;
  const before = await page.evaluate(() => location.hash);
  await click('compute');
  await click('lose-device');
  s = await waitForStatus((st) => !st.gpu && st.compute_backend.startsWith('CPU fallback'), 30_000);
  check(`${mode}: a lost device is reported (${s?.compute_backend})`,
    !s?.gpu && (s?.compute_backend ?? '').includes('device lost') && (s?.last_error ?? '').includes('device lost'),
    JSON.stringify([s?.compute_backend, s?.last_error]));
  await click('stackelberg');
  s = await waitForStatus((st) => (view(st).panels ?? [])[0]?.map?.ran_on === 'cpu', 240_000);
  const after = await page.evaluate(() => location.hash);
  check(`${mode}: the map in flight when the device was lost finished on the CPU twin, the run and settings kept`,
    inFlight && (view(s).panels ?? [])[0]?.map?.ran_on === 'cpu' && view(s).step === 2000 && after === before,
    JSON.stringify([inFlight, (view(s).panels ?? [])[0]?.map, view(s).step, before === after]));
}
