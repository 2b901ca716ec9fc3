// Runs before the app's loader: the wasm is built with WebAssembly SIMD (.cargo/config.toml), which a
// browser older than Chrome/Edge 91, Firefox 89 or Safari 16.4 cannot compile. There the page would stay on
// its loading screen; instead it says why. The probe is a module whose one function uses v128 instructions
// (i8x16.splat, i8x16.popcnt): it validates only where SIMD is supported.
(function () {
  const probe = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0,
    65, 0, 253, 15, 253, 98, 11]);
  const ok = typeof WebAssembly === 'object' && WebAssembly.validate(probe);
  if (ok) return;
  const show = () => {
    document.getElementById('loading')?.remove();
    const crash = document.getElementById('crash');
    const text = document.getElementById('crash_text');
    if (text) {
      text.textContent = 'This browser cannot run bilevel-lab: it lacks WebAssembly SIMD. '
        + 'Chrome or Edge 91+, Firefox 89+ and Safari 16.4+ (iOS/iPadOS 16.4) have it.';
    }
    if (crash) crash.hidden = false;
  };
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', show);
  else show();
})();
