// Transactions on the page: the page's full build (scripts/build-full.mjs), which the first
// load leaves out, loaded for a run with a transactional.id; the coordinator's state as it
// happens, an abort the presenter asks for, and what read_committed hides.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { open, screenshots } from './harness.mjs';

const int = async (page, testid) => Number(await page.getByTestId(testid).textContent());
const wasmOf = (page) => page.evaluate(() => document.querySelector('script[data-kscope-js]').dataset.kscopeWasm);

test('the transactions checkbox opens the full build; an abort lands in the logs and read_committed hides it', async () => {
  const { page, errors, close } = await open('?lang=en&consumers=2&transaction.interval.ms=1000', { viewport: { width: 1400, height: 1000 } });
  try {
    await page.getByTestId('replica').first().waitFor();
    assert.match(await wasmOf(page), /kscope-web-/, 'the first load is the first build');
    assert.equal(await page.getByTestId('transaction').count(), 0);
    await page.getByTestId('more-producer').locator('summary').click();
    await page.getByTestId('transactions').check();
    await page.waitForURL(/transactional\.id=orders-app-tx/);
    await page.getByTestId('transaction').waitFor({ timeout: 30000 });
    assert.match(await wasmOf(page), /kscope-full-/, 'a transactional run loads the full build');
    assert.equal(await page.getByTestId('transactions').isChecked(), true);
    // The coordinator's states as Kafka names them, as transactions come and go.
    const states = new Set();
    for (let i = 0; i < 40 && states.size < 2; i++) {
      states.add(await page.getByTestId('transaction').getAttribute('data-state'));
      await page.waitForTimeout(100);
    }
    for (const s of states) assert.ok(['Empty', 'Ongoing', 'PrepareCommit', 'CompleteCommit', 'none'].includes(s), s);
    // Every replica says its last stable offset, never above its high watermark.
    const replicas = await page.$$eval('[data-testid=replica]', (els) => els.map((e) => [Number(e.dataset.lso), Number(e.dataset.hw)]));
    assert.ok(replicas.length > 0 && replicas.every(([lso, hw]) => lso <= hw), JSON.stringify(replicas));
    await page.getByTestId('abort-transaction').click();
    await page.waitForFunction(() => Number(document.querySelector('[data-testid=ledger-aborted]')?.textContent) > 0, null, { timeout: 30000 });
    await page.screenshot({ path: join(screenshots, 'transactions.png') });
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
  // read_uncommitted processes what an abort threw away; read_committed does not.
  const read = async (level) => {
    const run = await open(`?lang=en&consumers=2&transactional.id=t1&isolation.level=${level}&auto.offset.reset=earliest&transaction.interval.ms=1000`);
    try {
      await run.page.getByTestId('transaction').waitFor({ timeout: 30000 });
      await run.page.waitForFunction(() => Number(document.querySelector('[data-testid=ledger-consumed]')?.textContent) > 100, null, { timeout: 60000 });
      await run.page.getByTestId('abort-transaction').click();
      await run.page.waitForFunction(() => Number(document.querySelector('[data-testid=ledger-aborted]')?.textContent) > 0, null, { timeout: 30000 });
      const aborted = await int(run.page, 'ledger-aborted');
      // Long enough for the group to read past the aborted records.
      const until = (await int(run.page, 'sim-time')) + 8000;
      await run.page.waitForFunction((t) => Number(document.querySelector('[data-testid=sim-time]')?.textContent) > t, until, { timeout: 60000 });
      assert.equal(await run.page.getByTestId('isolation-level').inputValue(), level);
      assert.deepEqual(run.errors, []);
      return { aborted, read: await int(run.page, 'ledger-read-aborted') };
    } finally {
      await run.close();
    }
  };
  const uncommitted = await read('read_uncommitted');
  assert.ok(uncommitted.read > 0, `read_uncommitted processed aborted records: ${JSON.stringify(uncommitted)}`);
  const committed = await read('read_committed');
  assert.ok(committed.aborted > 0);
  assert.equal(committed.read, 0, `read_committed processed none: ${JSON.stringify(committed)}`);
});

test('the producer crashes mid-transaction and its restart aborts what it left open', async () => {
  const { page, errors, close } = await open('?lang=en&consumers=1&transactional.id=t1&isolation.level=read_committed&auto.offset.reset=earliest&transaction.interval.ms=1000', { viewport: { width: 1400, height: 1000 } });
  try {
    await page.getByTestId('transaction').waitFor({ timeout: 30000 });
    // Crash while a transaction is open with records in it: just after one begins (a
    // transaction lasts a second), not as it is being committed.
    await page.waitForFunction(() => document.querySelector('[data-testid=transaction]')?.dataset.state !== 'Ongoing', null, { timeout: 30000 });
    await page.waitForFunction(() => document.querySelector('[data-testid=transaction]')?.dataset.state === 'Ongoing', null, { timeout: 30000 });
    await page.getByTestId('crash-producer').click();
    await page.getByTestId('restart-producer').waitFor();
    assert.equal(await page.getByTestId('producer').getAttribute('data-state'), 'down');
    assert.equal(await page.getByTestId('crash-producer').count(), 0);
    // Down, it sends nothing; the coordinator keeps the transaction open.
    const sent = await int(page, 'ledger-sent');
    const until = (await int(page, 'sim-time')) + 2000;
    await page.waitForFunction((t) => Number(document.querySelector('[data-testid=sim-time]')?.textContent) > t, until, { timeout: 30000 });
    assert.equal(await int(page, 'ledger-sent'), sent);
    assert.equal(await page.getByTestId('transaction').getAttribute('data-state'), 'Ongoing');
    await page.screenshot({ path: join(screenshots, 'producer-crashed.png') });
    await page.getByTestId('restart-producer').click();
    await page.getByTestId('crash-producer').waitFor();
    // The new process's initTransactions() fences the old epoch; the coordinator aborts.
    await page.waitForFunction(() => Number(document.querySelector('[data-testid=ledger-aborted]')?.textContent) > 0, null, { timeout: 30000 });
    await page.waitForFunction((s) => Number(document.querySelector('[data-testid=ledger-sent]')?.textContent) > s + 50, sent, { timeout: 30000 });
    assert.equal(await int(page, 'ledger-read-aborted'), 0);
    // A second instance while this one runs: it takes over, and this one is an earlier
    // instance now (fenced at its next transactional request).
    await page.getByTestId('start-producer').click();
    await page.waitForFunction(() => document.querySelector('[data-testid=producer]')?.dataset.producer === '1', null, { timeout: 30000 });
    await page.waitForFunction(() => /earlier instance, producer 0/.test(document.querySelector('[data-testid=transaction]')?.textContent), null, { timeout: 30000 });
    const moved = await int(page, 'ledger-sent');
    await page.waitForFunction((s) => Number(document.querySelector('[data-testid=ledger-sent]')?.textContent) > s + 50, moved, { timeout: 30000 });
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
});
