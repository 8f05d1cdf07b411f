// The lecture hall: the page in a slide's frame (960x540, with its controls), projected
// (1920x1080 embedded), on a laptop (1400x900) in English and Korean: the stage fits its
// frame, its text is large enough to read and never cut, and the logs are drawn to one
// scale that shows their segments. Screenshots land in e2e/screenshots/.
import { test, after } from 'node:test';
import { createServer } from 'node:http';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { pathToFileURL } from 'node:url';
import { open, screenshots } from './harness.mjs';

const simTimeAbove = (page, ms, timeout = 20000) =>
  page.waitForFunction((t) => Number(document.querySelector('[data-testid=sim-time]')?.textContent) > t, ms, { timeout });

/** The smallest font size (CSS px) of any visible text under `selector`. */
const minFontPx = (page, selector) => page.evaluate((sel) => {
  let min = Infinity;
  for (const root of document.querySelectorAll(sel)) {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const el = n.parentElement;
      if (!n.textContent.trim() || !el || el.closest('[hidden], [aria-hidden=true], title')) continue;
      const box = el.getBoundingClientRect();
      if (box.width === 0 || box.height === 0) continue;
      min = Math.min(min, parseFloat(getComputedStyle(el).fontSize));
    }
  }
  return min;
}, selector);

/** Every stage line that is cut (wider than its box) or box that is overfull, described. */
const clipped = (page) => page.evaluate(() => {
  const cut = [];
  for (const el of document.querySelectorAll('.stage .fit')) {
    if (el.scrollWidth > el.clientWidth + 1) cut.push(`line "${el.textContent.trim()}" ${el.scrollWidth} > ${el.clientWidth}`);
  }
  for (const el of document.querySelectorAll('.stage > *')) {
    if (el.scrollHeight > el.clientHeight + 1) cut.push(`box "${el.textContent.trim().slice(0, 60)}" ${el.scrollHeight} > ${el.clientHeight}`);
  }
  return cut;
});

const inside = (box, w, h) => box && box.x >= -1 && box.y >= -1 && box.x + box.width <= w + 1 && box.y + box.height <= h + 1;

test('in a 960x540 slide with its controls, the stage and the controls fit the frame at a readable size', async () => {
  const { page, errors, close } = await open('?embed=1&controls=show&lang=en', { viewport: { width: 960, height: 540 } });
  try {
    await simTimeAbove(page, 1500);
    await page.waitForTimeout(300);
    assert.ok(inside(await page.locator('.stage-box').boundingBox(), 960, 540), 'the stage is inside the frame');
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 960, `the page is not wider than the frame (${width} px)`);
    assert.ok(inside(await page.getByTestId('embed-play').boundingBox(), 960, 540), 'play is in the frame');
    assert.ok((await minFontPx(page, '.stage, .topbar')) >= 12, 'the stage and header text is at least 12 px');
    assert.deepEqual(await clipped(page), []);
    await page.screenshot({ path: join(screenshots, 'slide-960x540.png') });
    // The controls open in a drawer inside the frame, readable, and a slider still works.
    await page.getByTestId('controls-toggle').click();
    await page.getByTestId('controls').waitFor();
    assert.ok(inside(await page.locator('.drawer').boundingBox(), 960, 540), 'the drawer is inside the frame');
    assert.ok((await minFontPx(page, '.drawer')) >= 12, 'the controls are at least 12 px');
    await page.getByTestId('partitions').fill('4');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=replica]').length === 12);
    await page.screenshot({ path: join(screenshots, 'slide-960x540-controls.png') });
    await page.getByTestId('controls-toggle').click();
    assert.equal(await page.locator('.drawer').isVisible(), false, 'the drawer closes');
    assert.ok(inside(await page.locator('.stage-box').boundingBox(), 960, 540), 'four partitions still fit');
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
});

test('projected at 1920x1080 and embedded, the stage fills the frame and its text is at least 16 px', async () => {
  const { page, errors, close } = await open('?embed=1&lang=en', { viewport: { width: 1920, height: 1080 } });
  try {
    await simTimeAbove(page, 1500);
    await page.waitForTimeout(300);
    const font = await minFontPx(page, '.stage');
    assert.ok(font >= 16, `the smallest stage text is ${font} px`);
    const box = await page.locator('.stage-box').boundingBox();
    assert.ok(inside(box, 1920, 1080), 'the stage is inside the frame');
    assert.ok(box.height >= 0.45 * 1080, `the stage is ${box.height} px high`);
    assert.deepEqual(await clipped(page), []);
    await page.screenshot({ path: join(screenshots, 'projected-1920x1080.png') });
    // The same page in Korean.
    await page.goto(page.url().replace('lang=en', 'lang=ko'));
    await simTimeAbove(page, 1500);
    assert.ok((await minFontPx(page, '.stage')) >= 16, 'Korean too');
    assert.deepEqual(await clipped(page), []);
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
});

test('at 1400x900 no stage text is cut, in English and Korean, and the legend is in view', async () => {
  for (const lang of ['en', 'ko']) {
    const { page, errors, close } = await open(`?lang=${lang}&consumers=2&speed=2`, { viewport: { width: 1400, height: 900 } });
    try {
      await simTimeAbove(page, 8000, 30000);
      assert.deepEqual(await clipped(page), [], lang);
      const legend = await page.locator('.legend').boundingBox();
      assert.ok(legend && legend.y + 30 < 900, `the legend starts in view (${legend?.y})`);
      // A down, fenced broker says so in longer words, and its replicas fall out of the ISR.
      await page.locator('[data-testid=crash-broker]').first().click();
      await page.locator('[data-testid=broker][data-state=down]').waitFor();
      await page.waitForFunction(() => document.querySelectorAll('[data-testid=replica][data-in-isr=false]').length > 0, null, { timeout: 30000 });
      await page.waitForTimeout(600);
      assert.deepEqual(await clipped(page), [], `${lang}, a broker down`);
      assert.deepEqual(errors, []);
    } finally {
      await close();
    }
  }
});

test('logs share one scale: an empty log is empty, retention moves the log start and shows segments', async () => {
  const { page, errors, close } = await open('?autoplay=0&lang=en');
  try {
    await page.getByTestId('sim-time').waitFor();
    // Nothing written yet: no log has a committed or uncommitted part.
    assert.equal(await page.locator('[data-testid=log-bar] .committed, [data-testid=log-bar] .uncommitted').count(), 0);
    await page.getByTestId('play').click();
    await simTimeAbove(page, 1500);
    await page.getByTestId('play').click();
    // Two replicas' bars are as long as their logs, against the one scale the legend names.
    const scale = await page.getByTestId('log-scale').textContent();
    const [, to] = scale.match(/to (\d+)/);
    const bars = await page.evaluate(() => [...document.querySelectorAll('[data-testid=replica]')].map((r) => {
      const bar = r.querySelector('[data-testid=log-bar]');
      const parts = [...bar.querySelectorAll('.committed, .uncommitted')];
      const width = parts.reduce((w, p) => w + Number(p.getAttribute('width')), 0);
      return { leo: Number(r.dataset.leo), width };
    }));
    for (const b of bars) {
      assert.ok(Math.abs(b.width - (1000 * b.leo) / Number(to)) < 1.5, `LEO ${b.leo} drawn ${b.width}/1000 of 0..${to}`);
    }
  } finally {
    await close();
  }
  const retention = await open('?scenario=retention&lang=en&speed=5', { viewport: { width: 1400, height: 900 } });
  try {
    const { page } = retention;
    // Each caption holds until the presenter moves on: move on until the log start moves.
    const moved = () => page.evaluate(() => [...document.querySelectorAll('[data-testid=replica]')].some((r) => Number(r.dataset.logStart) > 0));
    for (let i = 0; i < 600 && !(await moved()); i++) {
      const held = /Play/.test(await page.getByTestId('play').textContent()) && !(await page.getByTestId('seeking').count());
      if (held) await page.getByTestId('play').click();
      await page.waitForTimeout(100);
    }
    assert.ok(await moved(), 'retention moved the log start');
    const segments = await page.evaluate(() => Math.max(...[...document.querySelectorAll('[data-testid=replica]')].map((r) => Number(r.dataset.segments))));
    assert.ok(segments >= 2, `segments are drawn (${segments})`);
    assert.ok(await page.locator('[data-testid=log-bar] .boundary').count() > 0, 'segment boundaries are drawn');
    await page.getByTestId('event-log').filter({ hasText: /segment/ }).waitFor();
    await page.screenshot({ path: join(screenshots, 'retention-segments.png') });
    assert.deepEqual(retention.errors, []);
    assert.deepEqual(errors, []);
  } finally {
    await retention.close();
  }
});

test('a slide deck drives the framed page with postMessage and hears each step; only its own origin is obeyed; controls=lock refuses changes', async () => {
  const { page, errors, close } = await open('?embed=1', { viewport: { width: 1280, height: 800 } });
  try {
    const base = new URL(page.url());
    const kscope = `${base.origin}${base.pathname}`;
    // The deck lives on another origin; it frames kscope and records what kscope posts.
    const deck = (query) => `<!doctype html><title>deck</title>
      <iframe id="k" src="${kscope}?${query}" style="width:960px;height:540px;border:0"></iframe>
      <script>window.got = []; addEventListener('message', (e) => { if (e.data && e.data.source === 'kscope') window.got.push(e.data); });
      window.send = (m) => document.getElementById('k').contentWindow.postMessage(m, '*');</script>`;
    // Served by a server of its own on loopback (another port, so another origin; a page
    // of a routed public name may not frame a loopback one).
    let query = 'embed=1&lang=en';
    const server = createServer((req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(deck(query)));
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    const decks = `http://127.0.0.1:${server.address().port}`;
    after(() => server.close());
    await page.goto(`${decks}/slides.html`);
    await page.waitForFunction(() => window.got.some((m) => m.type === 'ready'), null, { timeout: 30000 });
    const ready = await page.evaluate(() => window.got.find((m) => m.type === 'ready'));
    assert.equal(ready.version, 1);
    assert.ok(ready.scenarios.includes('acks-1-leader-dies'), ready.scenarios.join(' '));
    // Load a scenario at its second step: the frame presents it and says so.
    await page.evaluate(() => window.send({ type: 'load', scenario: 'acks-1-leader-dies', step: 2 }));
    await page.waitForFunction(() => window.got.some((m) => m.type === 'step' && m.scenario === 'acks-1-leader-dies' && m.step === 2), null, { timeout: 30000 });
    const frame = page.frameLocator('#k');
    await frame.getByTestId('caption').waitFor();
    // Next, as a deck's fragment would: step 3, and the notable events on the way.
    await page.evaluate(() => window.send({ type: 'next' }));
    await page.waitForFunction(() => window.got.some((m) => m.type === 'step' && m.step === 3), null, { timeout: 30000 });
    await page.waitForFunction(() => window.got.some((m) => m.type === 'notable' && m.kind === 'election'), null, { timeout: 30000 });
    // A bad command is refused in words; a message that is not a command is ignored.
    await page.evaluate(() => { window.send('hello'); window.send({ type: 'step', step: 99 }); window.send({ type: 'warp' }); });
    await page.waitForFunction(() => window.got.filter((m) => m.type === 'refused').length === 2);
    const refused = await page.evaluate(() => window.got.filter((m) => m.type === 'refused').map((m) => `${m.command}: ${m.reason}`));
    assert.match(refused[0], /^step: There is no step 99/);
    assert.match(refused[1], /^warp: /);
    await page.evaluate(() => window.send({ type: 'state' }));
    await page.waitForFunction(() => window.got.some((m) => m.type === 'state'));
    const state = await page.evaluate(() => window.got.find((m) => m.type === 'state'));
    assert.equal(state.scenario, 'acks-1-leader-dies');
    assert.equal(state.step, 3);

    // host= names another origin: the deck's commands are not obeyed, and nothing is posted to it.
    query = 'embed=1&host=https://elsewhere.example';
    await page.goto(`${decks}/other.html`);
    await frame.getByTestId('replica').first().waitFor();
    await page.waitForTimeout(1500);
    await page.evaluate(() => window.send({ type: 'load', scenario: 'acks-0' }));
    await page.waitForTimeout(1500);
    assert.deepEqual(await page.evaluate(() => window.got), []);
    assert.equal(await frame.getByTestId('caption').count(), 0);

    // controls=lock: loading is refused, moving through the run is not.
    query = 'embed=1&controls=lock&scenario=acks-0';
    await page.goto(`${decks}/locked.html`);
    await page.waitForFunction(() => window.got.some((m) => m.type === 'ready'), null, { timeout: 30000 });
    await page.evaluate(() => { window.send({ type: 'load', scenario: 'batching' }); window.send({ type: 'next' }); });
    await page.waitForFunction(() => window.got.some((m) => m.type === 'refused') && window.got.some((m) => m.type === 'step' && m.step === 2), null, { timeout: 30000 });
    const locked = await page.evaluate(() => window.got.find((m) => m.type === 'refused'));
    assert.equal(locked.command, 'load');
    assert.match(locked.reason, /controls=lock/);
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
});

test('the offline copy: one HTML file that plays from file:// at the session it was made from, fetching nothing', async () => {
  const { page, errors, close } = await open('?scenario=acks-1-leader-dies&step=2&lang=ko', { viewport: { width: 1400, height: 900 } });
  try {
    await page.waitForFunction(() => document.querySelector('[data-testid=caption-step]')?.textContent.includes('2'));
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-html').click()]);
    const file = join(mkdtempSync(join(tmpdir(), 'kscope-offline-')), download.suggestedFilename());
    await download.saveAs(file);
    assert.match(download.suggestedFilename(), /^kscope-\d+\.html$/);
    const html = readFileSync(file, 'utf8');
    assert.ok(!/<script[^>]+src=/.test(html) && !/<link[^>]+stylesheet/.test(html), 'nothing is loaded from beside the file');
    const offline = await page.context().newPage();
    const fetched = [];
    offline.on('request', (r) => { if (!/^(file|blob|data):/.test(r.url())) fetched.push(r.url()); });
    const offlineErrors = [];
    offline.on('pageerror', (e) => offlineErrors.push(String(e)));
    await offline.goto(pathToFileURL(file).href);
    await offline.getByTestId('replica').first().waitFor();
    // The scenarios and the help are inside the file; the session is the one it was made from.
    await offline.waitForFunction(() => document.querySelectorAll('[data-testid=scenario] option').length > 15);
    await offline.waitForFunction(() => document.querySelector('[data-testid=scenario]')?.value === 'acks-1-leader-dies');
    await offline.waitForFunction(() => document.querySelector('[data-testid=caption-step]')?.textContent.includes('2'));
    assert.equal(await offline.locator('html').getAttribute('lang'), 'ko');
    await offline.getByTestId('next-step').click();
    await offline.waitForFunction(() => document.querySelector('[data-testid=caption-step]')?.textContent.includes('3'), null, { timeout: 30000 });
    // A copy cannot make another; it says so.
    await offline.getByTestId('export-html').click();
    await offline.getByTestId('notice').first().waitFor();
    assert.match(await offline.getByTestId('notice').first().textContent(), /오프라인 사본/);
    assert.deepEqual(fetched, []);
    assert.deepEqual(offlineErrors, []);
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
});

test('the stage saved as an SVG: it parses, holds the stage markup and one shape per message in flight', async () => {
  const { page, errors, close } = await open('?rate=2000&partitions=6', { viewport: { width: 1400, height: 900 } });
  try {
    await page.waitForFunction(() => Number(document.querySelector('[data-testid=dots]')?.dataset.count) > 5, null, { timeout: 30000 });
    await page.getByTestId('play').click();
    await page.waitForTimeout(300);
    const count = Number(await page.getByTestId('dots').getAttribute('data-count'));
    const replicas = await page.getByTestId('replica').count();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-svg').click()]);
    assert.match(download.suggestedFilename(), /^kscope-\d+\.svg$/);
    const file = join(mkdtempSync(join(tmpdir(), 'kscope-svg-')), download.suggestedFilename());
    await download.saveAs(file);
    const text = readFileSync(file, 'utf8');
    // Parsed in a page of its own: a document parsed inside kscope's page would fall under
    // kscope's content policy, which forbids the picture's inline styles.
    const view = await page.context().newPage();
    await view.setViewportSize({ width: 1400, height: 900 });
    const parsed = await view.evaluate((t) => {
      const doc = new DOMParser().parseFromString(t, 'image/svg+xml');
      return {
        error: doc.querySelector('parsererror')?.textContent ?? null,
        root: doc.documentElement.localName,
        shapes: doc.querySelectorAll('g.messages > *').length,
        replicas: doc.querySelectorAll('[data-testid=replica]').length,
      };
    }, text);
    assert.equal(parsed.error, null);
    assert.equal(parsed.root, 'svg');
    assert.equal(parsed.shapes, count);
    assert.equal(parsed.replicas, replicas);
    // It shows as a picture on its own.
    await view.goto(pathToFileURL(file).href);
    await view.screenshot({ path: join(screenshots, 'stage-export.png') });
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
});

test('the event trace: JSON Lines made by the trace worker, one parsable event per line, counting the ledger\'s records', async () => {
  const { page, errors, close } = await open('?rate=300&partitions=2&consumers=1', { viewport: { width: 1400, height: 900 } });
  try {
    await simTimeAbove(page, 4000);
    await page.getByTestId('play').click();
    await page.waitForTimeout(200);
    const sent = Number(await page.getByTestId('ledger-sent').textContent());
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 60000 }), page.getByTestId('export-trace').click()]);
    assert.match(download.suggestedFilename(), /^kscope-\d+\.jsonl$/);
    const file = join(mkdtempSync(join(tmpdir(), 'kscope-trace-')), download.suggestedFilename());
    await download.saveAs(file);
    const events = readFileSync(file, 'utf8').trim().split('\n').map((line) => JSON.parse(line));
    assert.ok(events.length > 500, `${events.length} events`);
    assert.ok(events.every((e) => typeof e.at === 'number' || typeof e.at === 'object'));
    assert.equal(events.filter((e) => e.event.RecordSent).length, sent);
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
});

test('an export whose maker cannot be fetched says so in the page', async () => {
  const { page, errors, close } = await open('?lang=en', { viewport: { width: 1400, height: 900 } });
  try {
    await page.route('**/export.js', (route) => route.fulfill({ status: 404, body: 'not found' }));
    await page.getByTestId('export-svg').click();
    await page.getByTestId('notice').first().waitFor();
    assert.match(await page.getByTestId('notice').first().textContent(), /could not be made/);
    // The failed fetch itself is the only error the browser reports.
    assert.ok(errors.every((e) => /404|export\.js|Failed to fetch|dynamically imported/i.test(e)), errors.join('\n'));
  } finally {
    await close();
  }
});
