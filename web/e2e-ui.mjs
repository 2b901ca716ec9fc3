// How the browser tests read the app and click its canvas-drawn UI. Shared by e2e.mjs and every view's
// checks, so there is one way to click.
//
// egui draws every control on a canvas; the app publishes where each one is (`window.bilevelStatus`,
// rectangles in CSS pixels) and which frame it is drawing (`window.bilevelFrame`). A click by a rectangle
// read before the previous action took effect can land where the control no longer is (projector mode
// re-lays out the top bar, a view's panel grows). So every click here waits until the control's
// rectangle holds still: the same rectangle in statuses read at two frames at least two apart, with the
// pointer hovering the control meanwhile so that an idle app draws those frames.

const SETTLE_TIMEOUT_MS = 20_000;

/// The status and the frame it was current at, read in one evaluation (no frame can fall between).
async function snapshot(page) {
  const [frame, text] = await page.evaluate(() => [window.bilevelFrame ?? -1, window.bilevelStatus ?? null]);
  return { frame, status: text ? JSON.parse(text) : null };
}

export async function status(page) {
  return (await snapshot(page)).status;
}

/// Polls the status until `predicate` holds or `timeout` ms pass; returns the last status either way.
export async function waitForStatus(page, predicate, timeout = 20_000) {
  const start = Date.now();
  for (;;) {
    const s = await status(page);
    if (s && predicate(s)) return s;
    if (Date.now() - start > timeout) return s;
    await page.waitForTimeout(100);
  }
}

const find = (s, id) => s?.controls?.find((r) => r.id === id) ?? s?.tabs?.find((r) => r.id === id);
const same = (a, b) => a.x === b.x && a.y === b.y && a.w === b.w && a.h === b.h;

/// The rectangle of a control (or tab) once the layout holds still; throws when it is not published or
/// keeps moving for 20 s.
export async function control(page, id) {
  const start = Date.now();
  let anchor = null;
  let jitter = 0;
  for (;;) {
    const { frame, status: s } = await snapshot(page);
    const rect = find(s, id);
    if (rect) {
      if (!anchor || !same(anchor.rect, rect)) anchor = { frame, rect };
      else if (frame >= anchor.frame + 2) return rect;
      jitter = 1 - jitter;
      await page.mouse.move(rect.x + rect.w / 2 + jitter, rect.y + rect.h / 2);
    }
    if (Date.now() - start > SETTLE_TIMEOUT_MS) {
      throw new Error(`control ${id} ${rect ? 'kept moving' : 'not published'} for ${SETTLE_TIMEOUT_MS} ms`);
    }
    await page.waitForTimeout(30);
  }
}

/// Clicks a control at (fx, fy) of its settled rectangle (the middle by default).
export async function click(page, id, fx = 0.5, fy = 0.5) {
  const c = await control(page, id);
  await page.mouse.click(c.x + c.w * fx, c.y + c.h * fy);
}

/// The longest gap between animation frames (ms) over the next `ms` milliseconds, as a promise (start it,
/// act, then await it).
export function longestFrameGap(page, ms) {
  return page.evaluate((span) => new Promise((resolve) => {
    let last = performance.now();
    let worst = 0;
    const began = last;
    const tick = (now) => {
      worst = Math.max(worst, now - last);
      last = now;
      if (now - began < span) requestAnimationFrame(tick); else resolve(worst);
    };
    requestAnimationFrame(tick);
  }), ms);
}

/// The helpers bound to one page, as the views' checks take them.
export function uiOf(page) {
  return {
    longestFrameGap: (ms) => longestFrameGap(page, ms),
    status: () => status(page),
    waitForStatus: (predicate, timeout) => waitForStatus(page, predicate, timeout),
    control: (id) => control(page, id),
    click: (id, fx, fy) => click(page, id, fx, fy),
  };
}
