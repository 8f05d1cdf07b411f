// The page beside a Kafka book: the Kafka release the book describes (kafka.version, with
// its defaults, each marked), and what the books get wrong: a card for each widely taught
// statement, beside the control it concerns, in the page's language, fetched after the
// first frame; each one's demonstration changes the run (a setting, or a scenario).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { open, screenshots } from './harness.mjs';

test('the cards of what the books get wrong sit beside their controls, in English and Korean, and demonstrate', async () => {
  const { page, errors, close } = await open('?acks=all', { viewport: { width: 1400, height: 1000 } });
  try {
    const cards = page.getByTestId('myth');
    await cards.first().waitFor({ state: 'attached' });
    const ids = await cards.evaluateAll((els) => els.map((e) => e.dataset.myth));
    assert.ok(ids.length >= 12, `${ids.length} cards`);
    for (const id of ['key-hash', 'keyless-round-robin', 'batch-size-counts-records', 'acks-1-means-on-disk',
      'acks-all-means-every-replica', 'acks-all-turns-on-idempotence', 'isr-means-equal-offsets',
      'high-watermark-is-the-group-position', 'consumers-read-any-replica', 'lag-is-log-end-minus-offset',
      'ordering-needs-one-consumer-per-partition', 'producer-sequences-in-memory']) {
      assert.ok(ids.includes(id), id);
    }
    // Beside its control: the batch.size card comes right after the batch.size slider.
    const after = await page.evaluate(() => {
      const slider = document.querySelector('[data-testid=batch-size]').closest('label');
      return slider.nextElementSibling?.dataset.myth;
    });
    assert.equal(after, 'batch-size-counts-records');
    // Folded until opened; opened, it says what Kafka does.
    const card = page.locator('[data-myth=acks-all-turns-on-idempotence]');
    assert.equal(await card.evaluate((e) => e.open), false);
    await card.locator('summary').click();
    assert.match(await card.textContent(), /KIP-679/);
    await page.screenshot({ path: join(screenshots, 'myth-card.png') });
    // Its demonstration: acks=1, which turns the default idempotence off.
    await card.getByTestId('myth-try').click();
    await page.waitForFunction(() => location.search.includes('acks=1'));
    assert.equal(await page.getByTestId('idempotence').isChecked(), false);
    // A card that demonstrates with a scenario starts it.
    const isr = page.locator('[data-myth=isr-means-equal-offsets]');
    await isr.locator('summary').click();
    await isr.getByTestId('myth-try').click();
    await page.getByTestId('caption').waitFor();
    assert.match(await page.evaluate(() => location.search), /scenario=follower-leaves-isr/);
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
  // In Korean.
  const ko = await open('?lang=ko');
  try {
    const card = ko.page.locator('[data-myth=key-hash]');
    await card.waitFor({ state: 'attached' });
    assert.match(await card.locator('summary').textContent(), /오해/);
    assert.match(await card.textContent(), /murmur2/);
    assert.deepEqual(ko.errors, []);
  } finally {
    await ko.close();
  }
});

test('kafka.version=2.8 opens with acks=1, no idempotence and linger.ms 0, each marked; 4.0 brings back its defaults', async () => {
  const { page, errors, close } = await open('?kafka.version=2.8', { viewport: { width: 1400, height: 1000 } });
  try {
    await page.getByTestId('replica').first().waitFor();
    assert.equal(await page.getByTestId('kafka-version').inputValue(), '2.8');
    const output = (testid) => page.locator(`label:has([data-testid=${testid}]) output`).first().textContent();
    assert.equal(await output('acks'), '1');
    assert.equal(await output('linger-ms'), '0');
    assert.equal(await page.getByTestId('idempotence').isChecked(), false);
    assert.equal(await page.getByTestId('tagline').textContent(), 'Apache Kafka 2.8 internals, simulated');
    const marks = await page.getByTestId('version-default').evaluateAll((els) => els.map((e) => [e.dataset.param, e.textContent]));
    assert.deepEqual(marks.map(([p]) => p).sort(), ['acks', 'enable.idempotence', 'linger.ms', 'partition.assignment.strategy', 'partitioner', 'session.timeout.ms']);
    assert.ok(marks.some(([p, t]) => p === 'acks' && t === 'default in 2.8: 1 (4.0: all)'), JSON.stringify(marks));
    await page.locator('label:has([data-testid=acks])').screenshot({ path: join(screenshots, 'kafka-2-8-acks.png') });
    await page.getByTestId('kafka-version').selectOption('4.0');
    await page.waitForFunction(() => !location.search.includes('kafka.version'));
    assert.equal(await output('acks'), 'all');
    assert.equal(await output('linger-ms'), '5');
    assert.equal(await page.getByTestId('idempotence').isChecked(), true);
    assert.equal(await page.getByTestId('version-default').count(), 0);
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
});

test("every client setting of a Kafka study is on the panel, folded under the common ones, and Kafka's rules answer a bad combination", async () => {
  const { page, errors, close } = await open('', { viewport: { width: 1400, height: 1000 } });
  try {
    await page.getByTestId('replica').first().waitFor();
    for (const id of ['buffer-memory', 'max-block-ms', 'compression-type', 'retries', 'delivery-timeout-ms', 'request-timeout-ms',
      'retry-backoff-ms', 'max-request-size', 'enable-auto-commit', 'commit-mode', 'auto-commit-interval-ms', 'auto-offset-reset',
      'max-poll-records', 'max-poll-interval-ms', 'session-timeout-ms', 'heartbeat-interval-ms', 'fetch-min-bytes', 'fetch-max-wait-ms']) {
      assert.equal(await page.getByTestId(id).count(), 1, id);
    }
    // Folded until asked for.
    assert.equal(await page.getByTestId('compression-type').isVisible(), false);
    await page.getByTestId('more-producer').locator('summary').click();
    await page.getByTestId('compression-type').selectOption('zstd');
    await page.waitForFunction(() => location.search.includes('compression.type=zstd'));
    // The codec's CPU, on both sides, at lzbench's speeds.
    await page.waitForFunction(() => {
      const cpu = document.querySelector('[data-testid=compression-cpu]');
      return cpu && Number(cpu.dataset.producer) > 0 && Number(cpu.dataset.consumers) > 0;
    }, null, { timeout: 30000 });
    await page.getByTestId('more-consumer').locator('summary').click();
    await page.getByTestId('enable-auto-commit').uncheck();
    await page.waitForFunction(() => location.search.includes('enable.auto.commit=false'));
    await page.getByTestId('commit-mode').selectOption('before-processing');
    await page.waitForFunction(() => location.search.includes('commit.mode=before-processing'));
    await page.getByTestId('more-consumer').screenshot({ path: join(screenshots, 'more-consumer-settings.png') });
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
  const bad = await open('?heartbeat.interval.ms=50000');
  try {
    await bad.page.getByTestId('notice').first().waitFor();
    assert.match(await bad.page.getByTestId('notice').first().textContent(), /Heartbeat must be set lower than the session timeout/);
    await bad.page.getByTestId('replica').first().waitFor();
    assert.deepEqual(bad.errors, []);
  } finally {
    await bad.close();
  }
});

test('send.mode: sync (send().get() per record) takes most of the throughput, live; fire-and-forget leaves failures unseen', async () => {
  const { page, errors, close } = await open('?rate=2000&consumers=0', { viewport: { width: 1400, height: 1000 } });
  try {
    const simMs = async () => Number(await page.getByTestId('sim-time').textContent());
    const throughput = async () => Number(await page.getByTestId('throughput').textContent());
    await page.waitForFunction(() => Number(document.querySelector('[data-testid=sim-time]')?.textContent) > 4000, null, { timeout: 60000 });
    const async_ = await throughput();
    assert.ok(async_ > 1500, `async: ${async_} records/s`);
    const switched = await simMs();
    await page.getByTestId('send-mode').selectOption('sync');
    await page.waitForFunction(() => location.search.includes('send.mode=sync'));
    await page.waitForFunction((t) => Number(document.querySelector('[data-testid=sim-time]')?.textContent) > t + 4000, switched, { timeout: 60000 });
    assert.ok((await simMs()) > switched, 'the run went on: the application changed, not the cluster');
    const sync = await throughput();
    assert.ok(sync < async_ / 4, `sync: ${sync} records/s against ${async_}`);
    await page.getByTestId('send-mode').selectOption('fire-and-forget');
    await page.waitForFunction(() => /unseen/.test(document.querySelector('[data-testid=ledger-failed]')?.parentElement?.textContent ?? ''));
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
});

test('groups: each consumer group has its column, its members, its offsets and lag, and reads every record', async () => {
  const { page, errors, close } = await open('?groups=3&consumers=2&rate=300', { viewport: { width: 1500, height: 1000 } });
  try {
    const heads = page.getByTestId('group');
    await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=group]')].filter((g) => g.dataset.state === 'Stable').length === 3, null, { timeout: 60000 });
    assert.deepEqual(await heads.evaluateAll((els) => els.map((e) => [e.dataset.group, e.dataset.groupId])),
      [['0', 'orders-app'], ['1', 'audit-app'], ['2', 'search-indexer']]);
    // Every partition has an owner cell in every group's column.
    const partitions = await page.getByTestId('accumulator').count();
    for (const g of ['0', '1', '2']) {
      assert.equal(await page.locator(`[data-testid=owner][data-group="${g}"]`).count(), partitions, g);
    }
    // Each group processes the records on its own.
    await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=group-processed]')].every((e) => Number(e.dataset.processed) > 0), null, { timeout: 60000 });
    // A third member for search-indexer only.
    const members = (g) => page.locator(`[data-testid=consumer][data-group="${g}"]`).count();
    assert.equal(await members('2'), 2);
    await page.locator('[data-testid=add-consumer][data-group="2"]').click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=consumer][data-group="2"]').length === 3);
    assert.equal(await members('1'), 2);
    assert.equal(await members('0'), 2);
    // audit-app moves to cooperative-sticky, live: its members restart with the new list
    // (the group empties, so the coordinator takes it); the others keep range.
    const before = Number(await page.getByTestId('sim-time').textContent());
    await page.locator('[data-testid=group-assignor][data-group="1"]').selectOption('cooperative-sticky');
    await page.waitForFunction(() => location.search.includes('audit-app.partition.assignment.strategy=cooperative-sticky'));
    await page.waitForFunction(() => document.querySelector('[data-testid=group][data-group="1"]')?.dataset.assignor === 'cooperative-sticky', null, { timeout: 60000 });
    assert.ok(Number(await page.getByTestId('sim-time').textContent()) > before, 'the run went on');
    assert.equal(await page.locator('[data-testid=group][data-group="2"]').getAttribute('data-assignor'), 'range');
    await page.locator('.stage').screenshot({ path: join(screenshots, 'three-groups.png') });
    assert.ok(new URL(page.url()).searchParams.get('groups') === '3');
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
});

test('subscriptions: a group subscribes to another topic live, and one member to two', async () => {
  const { page, errors, close } = await open('?topics=2&groups=2&consumers=2&rate=300&auto.offset.reset=earliest', { viewport: { width: 1400, height: 1000 } });
  try {
    await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=group]')].filter((g) => g.dataset.state === 'Stable').length === 2, null, { timeout: 60000 });
    // The topic bar says which groups read the shown topic: both read orders, the only
    // topic they subscribe to (so it cannot be unticked).
    const reads = (g) => page.locator(`[data-testid=group-subscription][data-group="${g}"]`);
    assert.equal(await reads(1).getAttribute('data-topic'), 'orders');
    assert.ok(await reads(1).isChecked());
    assert.ok(await reads(1).isDisabled());
    // audit-app moves to payments while the cluster runs: its members rejoin, nothing restarts.
    await page.locator('[data-testid=topic-tab][data-topic=payments]').click();
    assert.ok(!(await reads(1).isChecked()));
    await reads(1).check();
    await page.waitForFunction(() => location.search.includes('audit-app.subscription=orders%2Cpayments') || location.search.includes('audit-app.subscription=orders,payments'));
    await page.locator('[data-testid=topic-tab][data-topic=orders]').click();
    await reads(1).uncheck();
    await page.waitForFunction(() => location.search.includes('audit-app.subscription=payments'));
    await page.locator('[data-testid=topic-tab][data-topic=payments]').click();
    await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=owner][data-group="1"]')].every((o) => o.dataset.subscribed !== 'false'));
    await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=consumer][data-group="1"]')].every((c) => /payments-\d/.test(c.textContent) && !/orders-\d/.test(c.textContent)), null, { timeout: 60000 });
    assert.equal(await page.locator('[data-testid=owner][data-group="0"][data-subscribed=false]').count(), 3);
    // c0 of orders-app subscribes to both topics: it takes payments alone (range, per topic).
    const c0 = page.locator('[data-testid=consumer-subscription][data-consumer="0"]');
    await c0.selectOption('orders,payments');
    await page.waitForFunction(() => /payments-0, payments-1, payments-2/.test(document.querySelector('[data-testid=consumer][data-consumer="0"]')?.textContent ?? ''), null, { timeout: 60000 });
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=owner][data-group="0"][data-subscribed=false]').length === 0);
    // Each card's subscription select leaves room for its buttons.
    assert.deepEqual(await page.evaluate(() => [...document.querySelectorAll('.consumer-card')].filter((c) => {
      const edge = c.getBoundingClientRect().right;
      return [...c.querySelectorAll('.actions > *')].some((b) => b.getBoundingClientRect().right > edge + 0.5);
    }).length), 0);
    await page.locator('main.stage-wrap').screenshot({ path: join(screenshots, 'subscriptions.png') });
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
});

test('topics: the application writes to several topics, the stage shows one at a time, each with its own partitions, replication factor and min.insync.replicas', async () => {
  const { page, errors, close } = await open('?topics=3&rate=600', { viewport: { width: 1400, height: 1000 } });
  try {
    await page.getByTestId('topic-bar').waitFor();
    assert.deepEqual(await page.getByTestId('topic-tab').evaluateAll((els) => els.map((e) => e.dataset.topic)), ['orders', 'payments', 'shipments']);
    await page.locator('[data-testid=topic-tab][data-topic=payments]').click();
    await page.waitForFunction(() => location.search.includes('topic=payments'));
    await page.waitForFunction(() => document.querySelector('[data-testid=accumulator] strong')?.textContent === 'payments-0');
    // payments gets 4 partitions and 2 replicas: a new run, with the new layout.
    await page.getByTestId('topic-partitions').fill('4');
    await page.getByTestId('topic-partitions').dispatchEvent('change');
    await page.waitForFunction(() => location.search.includes('payments.partitions=4'));
    await page.getByTestId('topic-replication-factor').fill('2');
    await page.getByTestId('topic-replication-factor').dispatchEvent('change');
    await page.waitForFunction(() => location.search.includes('payments.replication.factor=2'));
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=accumulator]').length === 4);
    await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=replica]')].length === 8);
    // The group reads orders: on payments its column says so.
    assert.equal(await page.locator('[data-testid=owner][data-subscribed=false]').count(), 4);
    await page.waitForFunction(() => Number(document.querySelector('[data-testid=ledger-acked]')?.textContent) > 300);
    await page.locator('main.stage-wrap').screenshot({ path: join(screenshots, 'topics-payments.png') });
    // A replication factor above the brokers is Kafka's error, in the page.
    await page.getByTestId('topic-replication-factor').fill('5');
    await page.getByTestId('topic-replication-factor').dispatchEvent('change');
    await page.getByTestId('notice').first().waitFor();
    assert.match(await page.getByTestId('notice').first().textContent(), /replication factor/i);
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
});

test('delivery semantics, named: what the settings promise beside what the run delivered, with why', async () => {
  const text = async (page, id) => (await page.getByTestId(id).textContent()).trim();
  // The defaults: an idempotent acks=all producer, a group committing after processing.
  const plain = await open('?lang=en');
  try {
    await plain.page.getByTestId('promised-guarantee').waitFor();
    assert.equal(await text(plain.page, 'promised-guarantee'), 'at-least-once');
    assert.equal(await text(plain.page, 'delivery-guarantee'), 'exactly-once');
    assert.match(await plain.page.locator('.guarantees .why').textContent(), /commit after processing/);
    assert.deepEqual(plain.errors, []);
  } finally {
    await plain.close();
  }
  // acks=0 with nothing consuming: at most once, and the Korean says why.
  const acks0 = await open('?acks=0&consumers=0&lang=ko');
  try {
    await acks0.page.getByTestId('promised-guarantee').waitFor();
    assert.equal(await text(acks0.page, 'promised-guarantee'), 'at-most-once');
    assert.match(await acks0.page.locator('.guarantees .why').textContent(), /응답이 없으니 재시도도 없음/);
  } finally {
    await acks0.close();
  }
  // Committing before processing, a slow application crashes with a poll in hand: those
  // records were committed and are skipped by the group.
  const { page, errors, close } = await open('?lang=en&consumers=2&enable.auto.commit=false&commit.mode=before-processing&consumer.rate=100&rate=400',
    { viewport: { width: 1400, height: 1000 } });
  try {
    await page.getByTestId('promised-guarantee').waitFor();
    assert.equal(await text(page, 'promised-guarantee'), 'at-most-once');
    await page.waitForFunction(() => Number(document.querySelector('[data-testid=ledger-consumed]')?.textContent) > 200, null, { timeout: 60000 });
    const victim = page.locator('[data-testid=consumer][data-consumer="0"]');
    await victim.getByTestId('crash-consumer').click();
    await page.waitForFunction(() => document.querySelector('[data-testid=delivery-guarantee]')?.textContent.trim() === 'at-most-once', null, { timeout: 60000 });
    assert.match(await page.locator('.guarantees .counts').textContent(), /skipped by the group [1-9]/);
    await page.locator('.guarantees').screenshot({ path: join(screenshots, 'delivery-guarantees.png') });
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
});
