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
