// Bytes: clicking a replica opens its log as Kafka lays it out on disk (log-view): its
// segment files, its batches with their header fields, a batch's bytes with each field
// marked, and the picked segment's files to download with Kafka's names. The view is made
// by the page's worker, out of the first load.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { open, screenshots, mkdtempSync, tmpdir } from './harness.mjs';

const simMs = () => Number(document.querySelector('[data-testid=sim-time]')?.textContent);

/** Reads a v2 record batch's header at `at` of `bytes` (a Buffer). */
function batchAt(bytes, at) {
  return {
    baseOffset: Number(bytes.readBigInt64BE(at)),
    length: 12 + bytes.readInt32BE(at + 8),
    magic: bytes.readInt8(at + 16),
    lastOffsetDelta: bytes.readInt32BE(at + 23),
    records: bytes.readInt32BE(at + 57),
  };
}

test('a replica opens its log: segments, batches, a batch in bytes, and its files with Kafka\'s names', async () => {
  const { page, errors, close } = await open('?partitions=2&keys=4&segment.bytes=16384&speed=5&lang=en', { viewport: { width: 1400, height: 1100 } });
  try {
    await page.waitForFunction(() => Number(document.querySelector('[data-testid=sim-time]')?.textContent) > 4000);
    // The worker's files are not fetched until a log is opened.
    const fetched = await page.evaluate(() => performance.getEntriesByType('resource').map((r) => r.name));
    assert.ok(!fetched.some((n) => /kscope-trace|log-view\.css/.test(n)), fetched.join('\n'));
    // Its tooltip (help/titles.txt, fetched after the first frame) says so.
    await page.waitForFunction(() => document.querySelector('[data-testid=replica]')?.title);
    assert.match(await page.locator('[data-testid=replica]').first().getAttribute('title'), /Open this replica's log/);
    await page.locator('[data-testid=replica][data-partition="1"][data-role=leader]').click();
    const view = page.getByTestId('log-view');
    await view.getByTestId('log-segment').first().waitFor();
    assert.match(await view.locator('h2').textContent(), /orders-1/);
    const segments = await view.getByTestId('log-segment').count();
    assert.ok(segments > 1, `${segments} segments: the log rolled at 16 KB`);
    assert.match(await view.getByTestId('log-segment').first().locator('button').textContent(), /^00000000000000000000\.log$/);
    // The latest batches, the newest picked, its bytes marked field by field.
    assert.ok(await view.getByTestId('log-batch').count() > 0);
    const hex = view.getByTestId('log-hex');
    const fields = await hex.locator('[data-field]').evaluateAll((els) => els.slice(0, 13).map((e) => e.dataset.field));
    assert.deepEqual(fields, ['baseOffset', 'batchLength', 'partitionLeaderEpoch', 'magic', 'crc', 'attributes',
      'lastOffsetDelta', 'baseTimestamp', 'maxTimestamp', 'producerId', 'producerEpoch', 'baseSequence', 'recordsCount']);
    assert.match(await hex.locator('[data-field=magic]').first().getAttribute('title'), /magic = 2/);
    assert.match(await hex.locator('[data-field=key]').first().getAttribute('title'), /key = key-\d/);
    await page.keyboard.press(' '); // pause: the view stays as it is for the screenshot
    await view.screenshot({ path: join(screenshots, 'log-view.png') });
    // The first segment, picked: its first batch is at offset 0.
    await view.getByTestId('log-segment').first().locator('button').click();
    await page.waitForFunction(() => document.querySelector('[data-testid=log-segment] button')?.getAttribute('aria-pressed') === 'true');
    // Its .log downloads with Kafka's name and holds v2 batches back to back from offset 0.
    const dir = mkdtempSync(join(tmpdir(), 'kscope-log-'));
    const [logFile] = await Promise.all([page.waitForEvent('download'), view.getByTestId('download-log').click()]);
    assert.equal(logFile.suggestedFilename(), '00000000000000000000.log');
    await logFile.saveAs(join(dir, 'log'));
    const bytes = readFileSync(join(dir, 'log'));
    const size = Number(await view.locator('[data-testid=log-segment]').first().locator('td.n').first().textContent());
    assert.equal(bytes.length, size, 'the file holds the bytes the simulation counted');
    let at = 0;
    let next = 0;
    while (at < bytes.length) {
      const b = batchAt(bytes, at);
      assert.equal(b.magic, 2);
      assert.equal(b.baseOffset, next, 'batches follow one another');
      next = b.baseOffset + b.lastOffsetDelta + 1;
      at += b.length;
    }
    assert.equal(at, bytes.length);
    const [index] = await Promise.all([page.waitForEvent('download'), view.getByTestId('download-index').click()]);
    assert.equal(index.suggestedFilename(), '00000000000000000000.index');
    await index.saveAs(join(dir, 'index'));
    const entries = readFileSync(join(dir, 'index'));
    assert.equal(entries.length % 8, 0);
    // Each entry points at a batch holding its offset.
    for (let i = 0; i < entries.length; i += 8) {
      const b = batchAt(bytes, entries.readInt32BE(i + 4));
      const offset = entries.readInt32BE(i);
      assert.ok(b.baseOffset <= offset && offset <= b.baseOffset + b.lastOffsetDelta, `entry ${i / 8}`);
    }
    const [time] = await Promise.all([page.waitForEvent('download'), view.getByTestId('download-timeindex').click()]);
    assert.equal(time.suggestedFilename(), '00000000000000000000.timeindex');
    // The partition's leader-epoch cache as Kafka checkpoints it: version 0, one epoch.
    const [epochs] = await Promise.all([page.waitForEvent('download'), view.getByTestId('download-leader-epoch-checkpoint').click()]);
    assert.equal(epochs.suggestedFilename(), 'leader-epoch-checkpoint');
    await epochs.saveAs(join(dir, 'epochs'));
    assert.equal(readFileSync(join(dir, 'epochs'), 'utf8'), '0\n1\n0 0\n');
    // No producer snapshot for the log's first segment; the next one has Kafka's.
    assert.equal(await view.getByTestId('download-snapshot').count(), 0);
    await view.getByTestId('log-segment').nth(1).locator('button').click();
    const snapshot = view.getByTestId('download-snapshot');
    await snapshot.waitFor();
    assert.match(await snapshot.textContent(), /\d{20}\.snapshot$/);
    // Closed, the view is gone.
    await view.getByTestId('log-view-close').click();
    await view.waitFor({ state: 'detached' });
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
});

test('the log view follows the run, speaks Korean, and opens from the keyboard', async () => {
  const { page, errors, close } = await open('?partitions=1&lang=ko&speed=5', { viewport: { width: 1200, height: 1000 } });
  try {
    await page.waitForFunction(() => Number(document.querySelector('[data-testid=sim-time]')?.textContent) > 1000);
    await page.locator('[data-testid=replica][data-role=follower]').first().focus();
    await page.keyboard.press('Enter');
    const view = page.getByTestId('log-view');
    await view.getByTestId('log-segment').first().waitFor();
    assert.match(await view.locator('h2').textContent(), /브로커 \d의 orders-0 로그/);
    const leo = async () => Number((await view.locator('.nums').textContent()).match(/LEO (\d+)/)[1]);
    const first = await leo();
    await page.waitForFunction((n) => Number(document.querySelector('[data-testid=log-view] .nums')?.textContent.match(/LEO (\d+)/)?.[1]) > n, first, { timeout: 30000 });
    assert.ok(await leo() > first, 'the view follows the run');
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
});

test('power off: acks=all acknowledged records that were only in page caches are lost when every broker loses power', async () => {
  const { page, errors, close } = await open('?partitions=1&acks=all&speed=10&lang=en', { viewport: { width: 1400, height: 1000 } });
  try {
    const replica = page.locator('[data-testid=replica]').first();
    await page.waitForFunction(() => Number(document.querySelector('[data-testid=sim-time]')?.textContent) > 5000);
    // Nothing rolled and nothing is 30 s old yet: the log is only in the page cache.
    assert.equal(await replica.getAttribute('data-recovery-point'), '0');
    assert.equal(await replica.getAttribute('data-on-disk'), '0');
    await page.waitForFunction(() => Number(document.querySelector('[data-testid=sim-time]')?.textContent) > 40000, null, { timeout: 60000 });
    await page.keyboard.press(' ');
    const disk = Number(await replica.getAttribute('data-on-disk'));
    const leo = Number(await replica.getAttribute('data-leo'));
    assert.ok(disk > 0 && disk < leo, `on disk ${disk} of ${leo}: the kernel wrote back what was 30 s old`);
    assert.equal(Number(await page.getByTestId('ledger-lost').textContent()), 0);
    for (const button of await page.getByTestId('power-off-broker').all()) await button.click();
    await page.keyboard.press('ArrowRight');
    await page.waitForFunction(() => Number(document.querySelector('[data-testid=ledger-lost]')?.textContent) > 0);
    assert.ok(Number(await replica.getAttribute('data-leo')) <= leo);
    await page.locator('.stage').first().screenshot({ path: join(screenshots, 'power-off.png') });
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
});

test('the wire: the latest requests as a sequence diagram and a log, filtered by API, a message opened in the inspector', async () => {
  const { page, errors, close } = await open('?partitions=2&keys=4&consumers=2&speed=2&lang=en', { viewport: { width: 1400, height: 1100 } });
  try {
    await page.waitForFunction(() => Number(document.querySelector('[data-testid=sim-time]')?.textContent) > 6000);
    await page.keyboard.press(' '); // pause: the messages stay where they are
    await page.getByTestId('open-wire').click();
    const view = page.getByTestId('wire-view');
    const diagram = view.getByTestId('sequence-diagram');
    await diagram.locator('g.arrow').first().waitFor();
    assert.ok(await view.getByTestId('wire-row').count() > 0);
    const inspector = view.getByTestId('inspector');
    await inspector.waitFor();
    // The latest message, in Kafka's bytes: its header's fields come first.
    const names = await inspector.locator('tbody td:first-child').evaluateAll((els) => els.slice(0, 2).map((e) => e.textContent));
    assert.equal(names[0], 'Size');
    // Only Produce: every row is a ProduceRequest or ProduceResponse; pick a request.
    await view.locator('[data-testid=wire-filter][data-arg="0"]').click();
    await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=wire-row]')].every((r) => /^Produce(Request|Response)$/.test(r.dataset.kind)));
    const request = view.locator('[data-testid=wire-row][data-kind=ProduceRequest] button').last();
    await request.click();
    await page.waitForFunction(() => document.querySelector('[data-testid=inspector]')?.dataset.kind === 'ProduceRequest');
    assert.equal(await inspector.getAttribute('data-api-key'), '0');
    assert.equal(await inspector.getAttribute('data-api-version'), '12');
    const text = await inspector.textContent();
    for (const f of ['RequestApiKey', 'CorrelationId', 'ClientId', '"producer-1"', 'Acks', 'TopicData', 'Records', 'baseOffset', 'crc', 'key']) {
      assert.ok(text.includes(f), `the inspector shows ${f}`);
    }
    // Its bytes start with the size: the message's length less the size's 4 bytes.
    const size = Number(await inspector.getAttribute('data-bytes'));
    const first = await inspector.getByTestId('wire-hex').locator('.hf').first().textContent();
    assert.equal(parseInt(first.replace(/ /g, ''), 16), size - 4);
    await view.screenshot({ path: join(screenshots, 'wire-view.png') });
    // An arrow of the diagram picks its message too.
    const arrow = diagram.locator('g.arrow').first();
    const id = await arrow.getAttribute('data-arg');
    // (Arrows cross: the event goes to this one's line, whatever lies above it.)
    await arrow.locator('line.hit').dispatchEvent('click');
    await page.waitForFunction((id) => document.querySelector(`[data-testid=sequence-diagram] g.arrow[data-arg="${id}"]`)?.classList.contains('picked'), id);
    await view.getByTestId('wire-view-close').click();
    await page.getByTestId('wire-view').waitFor({ state: 'detached' });
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
});
