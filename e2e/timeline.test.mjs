// Time travel: the timeline under the stage spans the run so far, marks its notable
// moments, goes to any instant (back as well as forward), and steps back; acting in the
// past forks the run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { open, screenshots } from './harness.mjs';

test('the timeline goes back to any instant and forward again; step back stops at notable moments; its marks name them', async () => {
  const { page, errors, close } = await open('?partitions=3&acks=1&consumers=2&speed=5', { viewport: { width: 1400, height: 1000 } });
  try {
    const simMs = async () => Number(await page.getByTestId('sim-time').textContent());
    await page.waitForFunction(() => Number(document.querySelector('[data-testid=sim-time]')?.textContent) > 2000);
    await page.getByTestId('crash-broker').first().click();
    await page.waitForFunction(() => Number(document.querySelector('[data-testid=sim-time]')?.textContent) > 16000, null, { timeout: 60000 });
    await page.keyboard.press(' ');
    const end = await simMs();
    const timeline = page.getByTestId('timeline');
    assert.equal(Number(await timeline.getAttribute('max')) >= end * 1000, true);
    // An election after the crash is marked, in its kind.
    const kinds = await page.getByTestId('timeline-marker').evaluateAll((els) => els.map((e) => e.dataset.kind));
    assert.ok(kinds.includes('election'), JSON.stringify(kinds));
    assert.ok(kinds.includes('rebalance'), JSON.stringify(kinds));
    // Hovered, a mark says what happened and when.
    const said = await page.locator('[data-testid=timeline-marker][data-kind=election] title').first().textContent();
    assert.match(said, /^\d+(\.\d+)?m?s · .*leader/i, said);
    await page.locator('.timeline-bar').screenshot({ path: join(screenshots, 'timeline.png') });
    // Back to 1 s: the broker is up again, the clock reads 1000.
    await timeline.fill('1000000');
    await page.waitForFunction(() => Number(document.querySelector('[data-testid=sim-time]')?.textContent) === 1000);
    assert.equal(await page.locator('[data-testid=broker][data-state=down]').count(), 0);
    // The timeline keeps the run's end; forward again, the crash happens again.
    assert.equal(Number(await timeline.getAttribute('max')) >= end * 1000, true);
    await timeline.fill('8000000');
    await page.waitForFunction(() => Number(document.querySelector('[data-testid=sim-time]')?.textContent) === 8000);
    assert.equal(await page.locator('[data-testid=broker][data-state=down]').count(), 1);
    // Step back: to an earlier notable moment.
    await page.getByTestId('step-back').click();
    await page.waitForFunction(() => Number(document.querySelector('[data-testid=sim-time]')?.textContent) < 8000);
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
});

test('Save downloads the session as a scenario file, which the page opens and replays', async () => {
  const { page, errors, close } = await open('?partitions=3&consumers=1&speed=5', { viewport: { width: 1400, height: 1000 } });
  try {
    await page.waitForFunction(() => Number(document.querySelector('[data-testid=sim-time]')?.textContent) > 1500);
    await page.getByTestId('crash-broker').nth(1).click();
    await page.waitForFunction(() => Number(document.querySelector('[data-testid=sim-time]')?.textContent) > 4000);
    await page.keyboard.press(' ');
    const acked = await page.getByTestId('ledger-acked').textContent();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-scenario').click()]);
    const path = await download.path();
    const { readFileSync } = await import('node:fs');
    const text = readFileSync(path, 'utf8');
    assert.match(text, /^# A kscope session saved at/);
    assert.match(text, /do: crash-broker 1/);
    assert.match(text, new RegExp(`expect: acked=${acked} `));
    // Opened as a teacher opens a file: it runs, to the same ledger at its end.
    await page.getByTestId('open-scenario').setInputFiles(path);
    await page.getByTestId('caption').waitFor();
    // Each caption holds until the presenter moves on: Play through the steps to the end.
    const end = Number(text.match(/^end: ([0-9.]+)(ms|s)$/m)[1]) * (text.match(/^end: [0-9.]+(ms|s)$/m)[1] === 's' ? 1000 : 1);
    for (let i = 0; i < 6 && Number(await page.getByTestId('sim-time').textContent()) < Math.floor(end); i++) {
      if ((await page.getByTestId('play').textContent()).match(/Play/)) await page.getByTestId('play').click();
      await page.waitForTimeout(1500);
    }
    await page.waitForFunction((n) => document.querySelector('[data-testid=ledger-acked]')?.textContent === n, acked, { timeout: 20000 });
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
});

test('compare= shows runs A and B from one seed; an action applies to both; the divergence is named; Stop comparing keeps run A', async () => {
  const { page, errors, close } = await open('?acks=1&partitions=2&consumers=1&speed=2&compare=acks:all', { viewport: { width: 1400, height: 1000 } });
  try {
    const a = page.locator('[data-testid=run][data-run=a]');
    const b = page.locator('[data-testid=run][data-run=b]');
    await b.getByTestId('ledger-acked').waitFor();
    assert.equal(await page.getByTestId('run').count(), 2);
    assert.match(await a.locator('.run-setting').textContent(), /^acks=1$/);
    assert.match(await b.locator('.run-setting').textContent(), /^acks=all$/);
    // Each run has its own ledger readouts, with the usual ids.
    for (const run of [a, b]) {
      for (const id of ['sim-time', 'ledger-sent', 'ledger-acked', 'ledger-lost']) {
        assert.equal(await run.getByTestId(id).count(), 1, id);
      }
    }
    // acks=1 hears its first acknowledgement before acks=all: the runs part there.
    const divergence = page.getByTestId('divergence');
    await page.waitForFunction(() => /B: at [\d.]+ ms, the producer hears batch/.test(document.querySelector('[data-testid=divergence]')?.textContent), null, { timeout: 20000 });
    assert.match(await divergence.textContent(), /^The runs part at [\d.]+ ms\. A: the producer hears batch \d+ of orders-\d acknowledged/);
    // One click crashes broker 1 in both runs, at the same instant.
    await page.waitForFunction(() => Number(document.querySelector('[data-testid=sim-time]')?.textContent) > 1500);
    await a.locator('[data-testid=crash-broker]').nth(1).click();
    await page.getByTestId('play').click();
    await page.getByTestId('play').filter({ hasText: 'Play' }).waitFor();
    for (const run of [a, b]) {
      await run.locator('[data-testid=broker][data-broker="1"][data-state=down]').waitFor();
    }
    assert.equal(await a.getByTestId('sim-time').textContent(), await b.getByTestId('sim-time').textContent());
    // The counts that differ are ringed.
    assert.ok(await page.locator('.counter.differs').count() >= 2);
    await page.screenshot({ path: join(screenshots, 'compare.png') });
    // The URL keeps the comparison; Stop comparing leaves run A where it was.
    assert.match(page.url(), /compare=acks(%3A|:)all/);
    const at = Number(await a.getByTestId('sim-time').textContent());
    await page.getByTestId('compare-stop').click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=run]').length === 0);
    assert.equal(await page.getByTestId('ledger-acked').count(), 1, 'outside compare mode every id is unique');
    assert.equal(Number(await page.getByTestId('sim-time').textContent()), at);
    assert.doesNotMatch(page.url(), /compare=/);
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
});

test('a comparison scenario shows both runs and states both outcomes; a bad compare= is said in the page', async () => {
  const { page, errors, close } = await open('?scenario=idempotence-off-vs-on&lang=ko', { viewport: { width: 1400, height: 1000 } });
  try {
    await page.locator('[data-testid=run][data-run=b]').waitFor();
    assert.match(await page.locator('[data-testid=run][data-run=b] .run-setting').textContent(), /enable\.idempotence=true/);
    assert.match(await page.getByTestId('divergence').textContent(), /아직 차이 없음|두 실행이/);
    assert.equal(await page.locator('[data-testid=run][data-run=b]').getAttribute('aria-label'), '실행 B: enable.idempotence=true');
    await page.goto(page.url().split('?')[0] + '?compare=seed:4');
    await page.locator('.notice').filter({ hasText: /compare=seed:4/ }).waitFor();
    assert.equal(await page.getByTestId('run').count(), 0);
    // From the panel: setting:value starts the comparison, from the seed; empty stops it.
    await page.getByTestId('compare').fill('partitions:4');
    await page.getByTestId('compare').dispatchEvent('change');
    const b = page.locator('[data-testid=run][data-run=b]');
    await b.waitFor();
    assert.equal(await b.locator('[data-testid=replica][data-broker="0"]').count(), 4);
    assert.match(page.url(), /compare=partitions(%3A|:)4/);
    await page.getByTestId('controls').screenshot({ path: join(screenshots, 'compare-controls.png') });
    await page.getByTestId('compare').fill('');
    await page.getByTestId('compare').dispatchEvent('change');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=run]').length === 0);
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
});

test('embedded in a 16:9 slide, a comparison shows both stages side by side within the frame', async () => {
  const { page, errors, close } = await open('?embed=1&acks=1&compare=acks:all&partitions=2', { viewport: { width: 960, height: 540 } });
  try {
    const boxes = page.locator('[data-testid=run] .stage-box');
    await boxes.nth(1).waitFor();
    await page.waitForTimeout(1500);
    const [a, b] = [await boxes.nth(0).boundingBox(), await boxes.nth(1).boundingBox()];
    assert.ok(Math.abs(a.y - b.y) < 2 && b.x > a.x + a.width - 1, `side by side: ${JSON.stringify([a, b])}`);
    assert.ok(b.x + b.width <= 960 + 1 && b.y + b.height <= 540, `within the frame: ${JSON.stringify(b)}`);
    assert.ok(await page.getByTestId('divergence').isVisible());
    await page.screenshot({ path: join(screenshots, 'compare-embed.png') });
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
});
