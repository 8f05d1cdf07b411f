// The release page in Chromium: it loads, runs the simulation, takes a crash command,
// and honours the seed in its URL. Screenshots land in e2e/screenshots/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { open, screenshots } from './harness.mjs';

const int = async (page, testid) => Number(await page.getByTestId(testid).textContent());

test('the page runs the simulation and shows brokers, replicas and the ledger', async () => {
  const { page, errors, close } = await open();
  try {
    await page.getByTestId('sim-time').waitFor();
    await page.waitForFunction(() => Number(document.querySelector('[data-testid=sim-time]').textContent) > 500);
    assert.equal(await page.getByTestId('broker').count(), 3);
    assert.equal(await page.getByTestId('replica').count(), 9);
    assert.ok((await int(page, 'ledger-acked')) > 0, 'records are acknowledged');
    const leaders = await page.locator('[data-testid=replica][data-role=leader]').count();
    assert.equal(leaders, 3, 'one leader per partition');
    await page.screenshot({ path: join(screenshots, 'inspector.png'), fullPage: true });
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
});

test('crashing a broker shows it down, then fenced, with new leaders elsewhere', async () => {
  const { page, errors, close } = await open('?seed=3');
  try {
    await page.getByTestId('sim-time').waitFor();
    assert.equal(await page.getByTestId('seed').inputValue(), '3');
    await page.getByTestId('speed').selectOption('10');
    await page.locator('[data-testid=broker][data-broker="0"] [data-testid=crash-broker]').click();
    const b0 = page.locator('[data-testid=broker][data-broker="0"]');
    assert.equal(await b0.getAttribute('data-state'), 'down');
    // broker.session.timeout.ms is 9 s of simulated time: about 1 s at 10x.
    await page.waitForFunction(() => Number(document.querySelector('[data-testid=sim-time]').textContent) > 12000, null, { timeout: 20000 });
    const leadersOn0 = await page.locator('[data-testid=replica][data-broker="0"][data-role=leader]').count();
    assert.equal(leadersOn0, 0, 'a fenced broker leads nothing');
    await page.screenshot({ path: join(screenshots, 'broker-down.png'), fullPage: true });
    assert.equal(await int(page, 'ledger-lost'), 0, 'acks=all with min.insync.replicas=2 loses nothing');
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
});

test('keyboard-free controls: pause stops time, step advances it', async () => {
  const { page, close } = await open();
  try {
    await page.getByTestId('sim-time').waitFor();
    await page.getByTestId('play').click();
    const paused = await int(page, 'sim-time');
    await page.waitForTimeout(300);
    assert.equal(await int(page, 'sim-time'), paused);
    await page.getByTestId('step').click();
    assert.ok((await int(page, 'sim-time')) >= paused);
  } finally {
    await close();
  }
});
