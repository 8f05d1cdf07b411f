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
