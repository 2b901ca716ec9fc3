// The live classroom in the browser (issue 39): bilevel-lab-server serves the built site under the sub-path;
// a presenter's page (1280 × 800) goes live on a lesson step with a question, three students' pages (phones,
// separate browser contexts) join by the join link, land on the step and vote; the presenter's histogram
// shows the split; a late joiner lands on the current step; Reveal plays the step on the phones; the presenter
// steps on and the students follow; the server is stopped (the pages say the connection is lost) and started
// again (the presenter's page opens a new room and says so; a student types the new code and follows again);
// the presenter's reload keeps its room. On the static host (web/serve.mjs) Go live says there is no live
// server. Screenshots: the presenter's stage with the QR code, with the histogram, revealed, and a phone's vote screen.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { uiOf } from './e2e-ui.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const STEP = '#lesson?id=nash-vs-stackelberg&step=2';

/// The server binary: BILEVEL_LAB_SERVER_BIN, else the debug build `cargo test --workspace` made.
function serverBinary() {
  const target = process.env.CARGO_TARGET_DIR ?? path.join(here, '..', 'target');
  return process.env.BILEVEL_LAB_SERVER_BIN ?? path.join(target, 'debug', 'bilevel-lab-server');
}

async function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/// Starts the server on `port`; resolves once it prints that it serves.
function startServer(dist, port, base) {
  const child = spawn(serverBinary(), ['--site', dist, '--port', String(port), '--base', base],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let err = '';
    child.stderr.on('data', (d) => { err += d; });
    child.stdout.on('data', (d) => { if (String(d).includes('is served at')) resolve(child); });
    child.on('exit', (code) => reject(new Error(`bilevel-lab-server exited (${code}): ${err}`)));
  });
}

async function stopServer(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await gone;
}

const live = (s) => s?.view?.live ?? {};

export async function classroomChecks(flags, mode, { check, shots, dist, base, staticOrigin, CHROMIUM }) {
  if (!fs.existsSync(serverBinary())) {
    check(`${mode}: live: the server binary is built (${serverBinary()})`, false,
      'cargo test --workspace builds it; or set BILEVEL_LAB_SERVER_BIN');
    return;
  }
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: flags });
  const port = await freePort();
  let server = await startServer(dist, port, base);
  const origin = `http://127.0.0.1:${port}${base.slice(0, -1)}`;
  const open = async (url, viewport) => {
    const context = await browser.newContext({ viewport });
    const page = await context.newPage();
    await page.goto(url);
    const ui = uiOf(page);
    await ui.waitForStatus((s) => s.self_check !== null, 180_000);
    return { page, ui, context };
  };
  const phone = { width: 390, height: 844 };
  try {
    // The static host has no live server: Go live says so.
    const lone = await open(`${staticOrigin}/${STEP}`, { width: 1280, height: 800 });
    await lone.ui.click('go-live');
    const none = await lone.ui.waitForStatus((s) => (live(s).notice ?? '').includes('no live server'));
    check(`${mode}: live: on a static host Go live says it has no live server`,
      (live(none).notice ?? '').includes('no live server'), JSON.stringify(live(none)));
    await lone.context.close();

    const lecturer = await open(`${origin}/${STEP}`, { width: 1280, height: 800 });
    await lecturer.ui.click('go-live');
    let s = await lecturer.ui.waitForStatus((st) => live(st).open && typeof live(st).code === 'string');
    const code = live(s).code;
    check(`${mode}: live: Go live opens a room (${code})`, /^[0-9A-Z]{6}$/.test(code ?? ''), JSON.stringify(live(s)));
    const qr = s?.controls?.find((c) => c.id === 'live-qr');
    check(`${mode}: live: the QR code is on the stage (${qr ? `${qr.w} px` : 'none'})`, qr && qr.w >= 150, JSON.stringify(qr));
    await lecturer.page.screenshot({ path: path.join(shots, `${mode}-live-presenter-join.png`) });

    const join = `${origin}/#join?code=${code}`;
    const students = [];
    for (let k = 0; k < 3; k += 1) students.push(await open(join, phone));
    const onStep = (step) => (st) => st.active_view === 'lesson' && st.view?.step === step;
    let landed = 0;
    for (const st of students) {
      if (await st.ui.waitForStatus((x) => onStep(2)(x) && live(x).poll?.open)) landed += 1;
    }
    const all = await Promise.all(students.map((st) => st.ui.status()));
    check(`${mode}: live: three students follow the lecture to step 2 with its poll open`,
      all.every((x) => onStep(2)(x) && live(x).poll?.open && live(x).following), JSON.stringify(all.map(live)));
    // One votes A, two vote B (one of them after first voting A).
    await students[0].ui.click('vote-0');
    await students[1].ui.click('vote-0');
    await students[1].ui.waitForStatus((x) => live(x).vote === 0);
    await students[1].ui.click('vote-1');
    await students[2].ui.click('vote-1');
    s = await lecturer.ui.waitForStatus((st) => JSON.stringify(st.view?.live_tally?.counts) === '[1,2,0]');
    check(`${mode}: live: the presenter's histogram shows the split 1 / 2 / 0`,
      JSON.stringify(s?.view?.live_tally?.counts) === '[1,2,0]' && live(s).students === 3, JSON.stringify(s?.view?.live_tally));
    await lecturer.page.waitForTimeout(300);
    await lecturer.page.screenshot({ path: path.join(shots, `${mode}-live-presenter-histogram.png`) });
    await students[1].ui.waitForStatus((x) => live(x).vote === 1);
    await students[1].page.screenshot({ path: path.join(shots, `${mode}-live-phone-vote.png`) });

    const late = await open(join, phone);
    s = await late.ui.waitForStatus((x) => onStep(2)(x) && live(x).poll?.open);
    check(`${mode}: live: a late joiner lands on the current step`, onStep(2)(s), JSON.stringify(live(s)));
    students.push(late);

    await lecturer.ui.click('live-reveal');
    const revealed = await Promise.all(students.map((st) => st.ui.waitForStatus(
      (x) => x.view?.phase !== 'asking' && live(x).poll?.open === false)));
    check(`${mode}: live: Reveal closes the vote and plays the step on every phone`,
      revealed.every((x) => x.view?.phase !== 'asking' && live(x).poll?.open === false), JSON.stringify(revealed.map((x) => x.view?.phase)));
    await lecturer.page.waitForTimeout(500);
    await lecturer.page.screenshot({ path: path.join(shots, `${mode}-live-presenter-revealed.png`) });

    await lecturer.page.keyboard.press('ArrowRight');
    const followed = await Promise.all(students.map((st) => st.ui.waitForStatus(onStep(3))));
    check(`${mode}: live: the students follow the lecturer to step 3`, followed.every(onStep(3)),
      JSON.stringify(followed.map((x) => x.view?.step)));

    // The server stops: every page says the connection is lost; it starts again: the presenter's page opens a
    // new room and says so, a student's page says its room is gone, and the new code brings it back.
    await stopServer(server);
    const lost = await Promise.all([lecturer, ...students].map((p) => p.ui.waitForStatus((x) => !live(x).open)));
    check(`${mode}: live: with the server stopped every page says the connection is lost`,
      lost.every((x) => !live(x).open && /lost|reconnecting/.test(live(x).link)), JSON.stringify(lost.map((x) => live(x).link)));
    server = await startServer(dist, port, base);
    s = await lecturer.ui.waitForStatus((st) => live(st).open && live(st).code !== code, 60_000);
    const renewed = live(s).code;
    check(`${mode}: live: after the restart the presenter's page opens a new room (${renewed}) and says so`,
      live(s).open && renewed !== code && (live(s).notice ?? '').includes(`Room ${code} is gone`), JSON.stringify(live(s)));
    const student = students[0];
    s = await student.ui.waitForStatus((x) => (live(x).notice ?? '').includes('gone'), 60_000);
    check(`${mode}: live: the student's page says its room is gone`, (live(s).notice ?? '').includes('gone'), JSON.stringify(live(s)));
    await student.ui.click('live-code-field');
    await student.page.keyboard.type(renewed.toLowerCase());
    await student.ui.click('live-join');
    s = await student.ui.waitForStatus((x) => live(x).open && live(x).code === renewed && onStep(3)(x));
    check(`${mode}: live: the new code brings the student back to the lecture's step`,
      live(s).code === renewed && onStep(3)(s), JSON.stringify(live(s)));

    // The presenter's reload keeps the room (its secret in the browser's storage, not in the link).
    await lecturer.page.waitForTimeout(2_500);
    const url = lecturer.page.url();
    check(`${mode}: live: the presenter's link holds no secret`, !/secret|code=/.test(url), url);
    await lecturer.page.reload();
    s = await lecturer.ui.waitForStatus((st) => live(st).open, 60_000);
    check(`${mode}: live: the presenter's reload keeps room ${renewed}`, live(s).code === renewed, JSON.stringify(live(s)));
  } catch (e) {
    check(`${mode}: live: the classroom checks ran to the end`, false, e.stack ?? String(e));
  } finally {
    await browser.close();
    await stopServer(server).catch(() => null);
  }
}
