// Memory: the heaviest run the page allows, asked for by a link to the end of the first
// hour, pauses at the heap limit with a notice, and the tab's WebAssembly memory stays
// under 512 MB; Reset starts a small run that does not grow it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { open } from './harness.mjs';

const MB = 1024 * 1024;
const heaviest = 'brokers=9&partitions=24&replication.factor=3&rate=20000&keys=1000&consumers=12';

test('the heaviest run pauses at the heap limit with the WebAssembly memory under 512 MB', async () => {
  const { page, errors, close } = await open(`?${heaviest}&at=3600000000`);
  try {
    const started = Date.now();
    await page.getByTestId('notice').filter({ hasText: 'Paused: this run holds' }).waitFor({ timeout: 150000 });
    const took = (Date.now() - started) / 1000;
    const memory = await page.evaluate(() => window.kscopeMemoryBytes());
    const simMs = Number(await page.getByTestId('sim-time').textContent());
    const sent = Number(await page.getByTestId('ledger-sent').textContent().catch(() => 'NaN'));
    console.log(`heaviest run: paused at ${simMs} ms simulated, ${sent} records, after ${took.toFixed(1)} s; wasm memory ${(memory / MB).toFixed(0)} MB`);
    assert.ok(memory < 512 * MB, `wasm memory ${(memory / MB).toFixed(0)} MB`);
    // Play is refused at the limit: the clock stays.
    await page.keyboard.press(' ');
    await page.waitForTimeout(1000);
    assert.equal(Number(await page.getByTestId('sim-time').textContent()), simMs);
    // Reset: a fresh run in the memory the tab already has.
    await page.getByTestId('reset').click();
    await page.getByTestId('play').click();
    await page.waitForFunction(() => Number(document.querySelector('[data-testid=sim-time]')?.textContent) > 3000, null, { timeout: 30000 });
    assert.equal(await page.evaluate(() => window.kscopeMemoryBytes()), memory, 'the new run fits in the memory already there');
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
});
