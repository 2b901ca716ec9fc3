// Browser checks of the landing page and lesson mode (issue 14), run by e2e.mjs in both modes: every
// built-in lesson started from its card and walked with the presenter keys (→ and PageDown), a question
// answered and revealed, full screen by F and left by Esc, a step opened from its link, a bad lesson link
// named, the narrative at 1024 × 768 in projector mode, and a hand-written lesson file opened with the
// file picker, a step added from the live view, saved, checked in the page, and a Markdown handout made.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { control, status } from './e2e-ui.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const FIXTURE = path.join(here, '..', 'tests', 'fixtures', 'short.lesson');

export async function lessonChecks(page, mode, t) {
  const { check, waitForStatus, click, shots } = t;
  const view = (s) => s?.view ?? {};
  // A landing card below the fold: the page scrolled by the wheel until the card's button is on screen.
  const scrollIntoView = async (id) => {
    for (let k = 0; k < 20; k += 1) {
      const c = (await status(page))?.controls?.find((r) => r.id === id);
      const height = page.viewportSize()?.height ?? 800;
      if (c && c.y >= 60 && c.y + c.h <= height - 40) return;
      await page.mouse.move(640, height / 2);
      await page.mouse.wheel(0, c ? c.y - height / 2 : 400);
      await page.waitForTimeout(300);
    }
  };
  const shot = async (name) => {
    await page.waitForTimeout(400);
    await page.screenshot({ path: path.join(shots, `${mode}-${name}.png`) });
  };

  // The landing page lists the built-in lessons as cards.
  await page.evaluate(() => { location.hash = '#welcome'; });
  let s = await waitForStatus((st) => st.active_view === 'welcome' && (view(st).lessons ?? []).length > 0);
  const lessons = view(s).lessons ?? [];
  check(`${mode}: landing page lists ${lessons.length} lessons`, lessons.length >= 6, JSON.stringify(lessons));
  check(`${mode}: landing page links the papers' figures`, (view(s).figures ?? []).length >= 5, JSON.stringify(view(s).figures));
  await shot('landing');

  // Every lesson: started from its card, walked to its end with → and PageDown in turn.
  for (const [i, lesson] of lessons.entries()) {
    await page.evaluate(() => { location.hash = '#welcome'; });
    await waitForStatus((st) => st.active_view === 'welcome');
    await scrollIntoView(`lesson-card-${i}`);
    await click(`lesson-card-${i}`);
    s = await waitForStatus((st) => st.active_view === 'lesson' && view(st).lesson === lesson.id && view(st).step === 1);
    check(`${mode}: card ${i} starts “${lesson.title}” at step 1 / ${lesson.steps}`,
      view(s).lesson === lesson.id && view(s).steps === lesson.steps, JSON.stringify([view(s).lesson, view(s).step]));
    await page.waitForFunction((h) => location.hash === h, `#lesson?id=${lesson.id}&step=1`, { timeout: 5_000 })
      .catch(() => null);
    const hash = await page.evaluate(() => location.hash);
    check(`${mode}: the URL names the lesson's step (${hash})`, hash === `#lesson?id=${lesson.id}&step=1`, hash);
    let walked = 1;
    if (mode === 'webgpu') await shot(`lesson-${lesson.id}-1`);
    for (let k = 2; k <= lesson.steps; k += 1) {
      await page.keyboard.press(k % 2 === 0 ? 'ArrowRight' : 'PageDown');
      s = await waitForStatus((st) => view(st).lesson === lesson.id && view(st).step === k, 10_000);
      if (view(s).step !== k) break;
      walked = k;
      if (mode === 'webgpu') await shot(`lesson-${lesson.id}-${k}`);
    }
    check(`${mode}: “${lesson.id}” walked with → / PageDown to step ${walked} of ${lesson.steps}`, walked === lesson.steps,
      JSON.stringify(view(s)).slice(0, 300));
    await page.keyboard.press('Home');
    s = await waitForStatus((st) => view(st).step === 1, 10_000);
    check(`${mode}: Home goes back to step 1`, view(s).step === 1, String(view(s).step));
  }

  // A question: asked with the view at rest, answered by a click, revealed once the run has ended.
  await page.evaluate(() => { location.hash = '#lesson?id=nash-vs-stackelberg&step=2'; });
  s = await waitForStatus((st) => view(st).lesson === 'nash-vs-stackelberg' && view(st).step === 2 && view(st).phase === 'asking');
  check(`${mode}: a step opened from its link waits for the question`, view(s).phase === 'asking' && !view(s).question_revealed,
    JSON.stringify([view(s).step, view(s).phase]));
  await click('answer-0');
  s = await waitForStatus((st) => view(st).question_revealed, 120_000);
  const x = view(s).inner?.runs?.[0]?.x?.[0];
  check(`${mode}: the answer is revealed after the run, which ends at x = 1`,
    view(s).question_revealed && view(s).answer === 0 && Math.abs(x - 1) < 1e-3, JSON.stringify([view(s).phase, x]));
  await shot('lesson-question-revealed');

  // An exercise solved in the page (issue 37): Lesson 0's last step starts with the leader too slow
  // (outer step 0.01, 100 steps); moving the outer-step slider and pressing Play turns "not yet" into
  // "done", and the link then carries the student's view.
  await page.evaluate(() => { location.hash = '#lesson?id=the-core&step=5'; });
  s = await waitForStatus((st) => view(st).lesson === 'the-core' && view(st).step === 5 && view(st).inner?.step === 100, 60_000);
  check(`${mode}: the exercise opens "not yet"`, view(s).exercise?.done === false, JSON.stringify(view(s).exercise));
  const eta = async () => {
    const hash = decodeURIComponent(await page.evaluate(() => location.hash));
    return Number(hash.match(/outer_lr=([0-9.e+-]+)/)?.[1] ?? NaN);
  };
  let [lo, hi, value] = [0, 1, NaN];
  const tried = [];
  for (let k = 0; k < 8; k += 1) {
    const c = await control(page, 'outer-lr');
    const t = (lo + hi) / 2;
    // On the stage the control's rectangle is the slider's rail; the handle's centre runs a handle's radius
    // (egui: the rail's height / 2.5) in from either end.
    const r = c.h / 2.5;
    await page.mouse.click(c.x + r + (c.w - 2 * r) * t, c.y + c.h / 2);
    await page.waitForTimeout(300);
    value = await eta();
    tried.push([t, value, c]);
    if (value < 0.05) lo = t; else if (value > 0.4) hi = t; else break;
  }
  check(`${mode}: the outer-step slider moved to ${value}`, value >= 0.05 && value <= 0.4, JSON.stringify(tried));
  await click('play');
  s = await waitForStatus((st) => view(st).exercise?.done === true, 120_000);
  check(`${mode}: moving the slider and playing solves the exercise: "done"`, view(s).exercise?.done === true,
    JSON.stringify(view(s).exercise));
  const handIn = await page.evaluate(() => location.hash);
  check(`${mode}: the link carries the student's view`, handIn.includes('id=the-core&step=5&view=%23playground'), handIn);
  await shot('lesson-exercise-done');

  // Full screen: F enters, Esc leaves.
  await page.keyboard.press('f');
  s = await waitForStatus((st) => view(st).fullscreen === true, 10_000);
  check(`${mode}: F enters full screen`, view(s).fullscreen === true);
  await page.keyboard.press('Escape');
  s = await waitForStatus((st) => view(st).fullscreen === false, 10_000);
  check(`${mode}: Esc leaves full screen`, view(s).fullscreen === false);

  // A step from its link, and a bad one named.
  await page.evaluate(() => { location.hash = '#lesson?id=bilevel-rl&step=3'; });
  s = await waitForStatus((st) => view(st).lesson === 'bilevel-rl' && view(st).step === 3);
  check(`${mode}: a step's link opens it`, view(s).step === 3 && view(s).inner_view === 'soft_rl', JSON.stringify([view(s).step, view(s).inner_view]));
  await page.evaluate(() => { location.hash = '#lesson?id=no-such-lesson&step=2'; });
  s = await waitForStatus((st) => (st.last_error ?? '').includes('no-such-lesson'));
  check(`${mode}: an unknown lesson in a link is named`, (s?.last_error ?? '').includes('`id`'), s?.last_error);

  // The narrative in projector mode on a 1024 × 768 projector.
  await page.setViewportSize({ width: 1024, height: 768 });
  await click('projector');
  await waitForStatus((st) => st.projector);
  for (const step of mode === 'webgpu' ? [1, 2, 5] : [2]) {
    await page.evaluate((k) => { location.hash = `#lesson?id=actor-critic-cycles&step=${k}`; }, step);
    s = await waitForStatus((st) => view(st).lesson === 'actor-critic-cycles' && view(st).step === step);
    check(`${mode}: projector 1024×768 shows step ${step}`, view(s).step === step && s.projector);
    await shot(`projector-1024-lesson-${step}`);
  }
  await click('projector');
  await waitForStatus((st) => !st.projector);

  // The stage (issue 38) at 1280 × 720: every step of every lesson in the CPU tab, three in the WebGPU tab —
  // each shown part inside the window, the parts covering ≥ 55 % of it, at most 6 controls (the built-in
  // lessons name none beyond their views' stages).
  await page.setViewportSize({ width: 1280, height: 720 });
  const staged = mode === 'cpu'
    ? lessons.flatMap((l) => Array.from({ length: l.steps }, (_, k) => [l.id, k + 1]))
    : [['the-core', 2], ['actor-critic-cycles', 4], ['bilevel-rl', 2]];
  const stageFaults = [];
  for (const [id, step] of staged) {
    await page.evaluate(([i, k]) => { location.hash = `#lesson?id=${i}&step=${k}`; }, [id, step]);
    s = await waitForStatus((st) => view(st).lesson === id && view(st).step === step && st.stage, 20_000);
    const stage = s?.stage;
    if (!stage) { stageFaults.push(`${id} ${step}: no stage`); continue; }
    const covered = stage.parts.reduce((a, p) => a + p.w * p.h, 0) / (1280 * 720);
    const outside = stage.parts.filter((p) => p.clipped || p.overflow || p.x < -0.5 || p.y < -0.5 || p.x + p.w > 1280.5 || p.y + p.h > 720.5);
    if (covered < 0.55 || outside.length > 0 || stage.controls.length > 6) {
      stageFaults.push(`${id} ${step}: ${(100 * covered).toFixed(0)} %, outside ${outside.map((p) => p.id)}, controls ${stage.controls}`);
    }
  }
  check(`${mode}: ${staged.length} lesson steps staged at 1280 × 720: parts inside, ≥ 55 % covered, ≤ 6 controls`,
    stageFaults.length === 0, stageFaults.join('; '));
  await shot('stage-1280x720');
  // Present (P) stages the open view, Esc leaves it.
  await page.evaluate(() => { location.hash = '#stackelberg'; });
  await waitForStatus((st) => st.active_view === 'stackelberg' && !st.stage);
  await page.keyboard.press('p');
  s = await waitForStatus((st) => st.stage, 10_000);
  check(`${mode}: P presents the Stackelberg view on the stage`,
    (s?.stage?.parts ?? []).some((p) => p.id === 'portrait-0'), JSON.stringify(s?.stage ?? null).slice(0, 200));
  if (mode === 'webgpu') await shot('present-stackelberg');
  await page.keyboard.press('Escape');
  s = await waitForStatus((st) => !st.stage, 10_000);
  check(`${mode}: Esc leaves Present`, s && !s.stage);
  await page.setViewportSize({ width: 1280, height: 800 });

  // A hand-written lesson file: opened, a step added from the live view, saved, a handout made.
  await page.evaluate(() => { location.hash = '#lesson'; });
  await waitForStatus((st) => st.active_view === 'lesson' && view(st).lesson === null);
  const [chooser] = await Promise.all([
    page.waitForEvent('filechooser', { timeout: 20_000 }).catch(() => null),
    click('lesson-open-file'),
  ]);
  check(`${mode}: Open a lesson file shows the file picker`, chooser !== null);
  if (!chooser) return;
  await chooser.setFiles(FIXTURE);
  s = await waitForStatus((st) => view(st).lesson === 'short-one' && view(st).step === 1);
  check(`${mode}: the fixture lesson opens at step 1 of 3`, view(s).lesson === 'short-one' && view(s).steps === 3,
    JSON.stringify([view(s).lesson, view(s).steps, view(s).message, view(s).file_error]));
  await page.keyboard.press('End');
  await waitForStatus((st) => view(st).step === 3);
  await click('lesson-edit');
  await waitForStatus((st) => view(st).editing);
  await click('lesson-add-step');
  s = await waitForStatus((st) => view(st).steps === 4 && view(st).step === 4);
  check(`${mode}: the live view added as step 4`, view(s).steps === 4 && view(s).inner_view === 'stackelberg',
    JSON.stringify([view(s).steps, view(s).step, view(s).message]));
  const [saved] = await Promise.all([
    page.waitForEvent('download', { timeout: 20_000 }).catch(() => null),
    click('lesson-save'),
  ]);
  const text = saved ? fs.readFileSync(await saved.path(), 'utf8') : '';
  const original = fs.readFileSync(FIXTURE, 'utf8');
  check(`${mode}: the saved file has the three steps and the new one`,
    saved?.suggestedFilename() === 'short-one.lesson' && (text.match(/^## /gm) ?? []).length === 4
      && text.includes('## The one-step game') && text.includes(original.split('\n')[0]),
    `${saved?.suggestedFilename()}: ${text.slice(0, 120)}`);
  if (text) fs.writeFileSync(path.join(shots, `${mode}-short-one.lesson`), text);
  await click('lesson-check');
  s = await waitForStatus((st) => view(st).check?.steps_done === 4, 180_000);
  const c = view(s).check ?? {};
  check(`${mode}: Check this lesson plays its 4 steps in the page: 4 claims hold`,
    c.steps_done === 4 && c.claims_passed === 4 && c.claims_failed === 0 && c.errors === 0, JSON.stringify(c));
  await shot('lesson-editor');
  {
    // Both tabs: the page copies each step's view from the canvas (WebGPU's, or WebGL2's).
    const [handout] = await Promise.all([
      page.waitForEvent('download', { timeout: 180_000 }).catch(() => null),
      click('lesson-handout'),
    ]);
    const md = handout ? fs.readFileSync(await handout.path(), 'utf8') : '';
    const pictures = (md.match(/\]\(data:image\/png;base64,/g) ?? []).length;
    check(`${mode}: the handout has the 4 steps, each with its picture`,
      handout?.suggestedFilename() === 'short-one-handout.md' && pictures === 4 && md.includes('#lesson?id=short-one&step=4'),
      `${handout?.suggestedFilename()}: ${pictures} pictures, ${md.length} bytes`);
    if (md) fs.writeFileSync(path.join(shots, `${mode}-short-one-handout.md`), md);
  }
  await click('lesson-edit');
}
