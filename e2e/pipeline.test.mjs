// The exactly-once pipeline on the page: commit.mode=transactional opens the page's full
// build; the group's results land in `processed`, which the stage shows on its own tab,
// read by processed-reader with read_committed; a member's crash leaves no result read
// twice.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { open, screenshots } from './harness.mjs';

const text = async (page, testid) => (await page.getByTestId(testid).first().textContent()).trim();
const wasmOf = (page) => page.evaluate(() => document.querySelector('script[data-kscope-js]').dataset.kscopeWasm);
const results = (page) => page.getByTestId('pipeline-results');

test('commit.mode=transactional runs the exactly-once pipeline: results in processed, none read twice after a crash', async () => {
  const { page, errors, close } = await open('?lang=en&consumers=2&enable.auto.commit=false&isolation.level=read_committed&speed=4',
    { viewport: { width: 1400, height: 1000 } });
  try {
    await page.getByTestId('replica').first().waitFor();
    assert.match(await wasmOf(page), /kscope-web-/, 'the first load is the first build');
    assert.equal(await text(page, 'promised-guarantee'), 'at-least-once');
    // Choosing the pipeline opens the page again, in the full build.
    await page.getByTestId('more-consumer').locator('summary').click();
    await page.getByTestId('commit-mode').selectOption('transactional');
    await page.waitForURL(/commit\.mode=transactional/);
    await results(page).waitFor({ timeout: 30000 });
    assert.match(await wasmOf(page), /kscope-full-/, 'the pipeline loads the full build');
    assert.equal(await text(page, 'promised-guarantee'), 'exactly-once');
    await page.waitForFunction(() => Number(document.querySelector('[data-testid=pipeline-results]')?.dataset.results) > 100, null, { timeout: 60000 });
    // The stage shows the output topic on its own tab: its replicas, with their LSOs.
    await page.locator('[data-testid=topic-tab][data-topic=processed]').click();
    await page.waitForURL(/topic=processed/);
    await page.waitForFunction(() => {
      const r = [...document.querySelectorAll('[data-testid=replica]')];
      return r.length > 0 && r.every((e) => Number(e.dataset.lso) <= Number(e.dataset.hw));
    });
    await page.screenshot({ path: join(screenshots, 'pipeline.png') });
    // A member dies mid-poll and comes back: its new producer fences the old one, whose
    // transaction is aborted; the reader never reads a result twice.
    const victim = page.locator('[data-testid=consumer][data-consumer="0"]');
    await victim.getByTestId('crash-consumer').click();
    await page.waitForTimeout(500);
    await victim.getByTestId('restart-consumer').click();
    const before = Number(await results(page).getAttribute('data-results'));
    await page.waitForFunction((n) => Number(document.querySelector('[data-testid=pipeline-results]')?.dataset.results) > n + 100, before, { timeout: 90000 });
    assert.equal(await results(page).getAttribute('data-twice'), '0');
    assert.equal(await text(page, 'delivery-guarantee'), 'exactly-once');
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
});
