// The KRaft controller quorum on the page (quorum.size, the page's full build): the
// control-plane strip, a failover the presenter causes, a quorum that loses its
// majority; ZooKeeper mode (Kafka 3.9 and earlier) with its ensemble and controller broker.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { open, screenshots } from './harness.mjs';

const wasmOf = (page) => page.evaluate(() => document.querySelector('script[data-kscope-js]').dataset.kscopeWasm);
const controller = (page, id) => page.locator(`[data-testid=controller][data-node="${id}"]`);
const active = (page) => page.getByTestId('active-controller').textContent();

test('a three-controller quorum: the active controller crashes, another is elected, the first comes back a follower', async () => {
  const { page, errors, close } = await open('?lang=en&quorum.size=3&seed=1&speed=5', { viewport: { width: 1400, height: 1000 } });
  try {
    await page.getByTestId('quorum').waitFor({ timeout: 30000 });
    assert.match(await wasmOf(page), /kscope-full-/, 'a quorum loads the full build');
    assert.equal(await page.getByTestId('controller').count(), 3);
    assert.equal(await page.getByTestId('quorum-size').inputValue(), '3');
    assert.equal(await page.getByTestId('quorum-state').getAttribute('data-state'), 'ok');
    assert.equal(await active(page), '100');
    assert.equal(await controller(page, 100).getAttribute('data-role'), 'leader');
    for (const id of [101, 102]) {
      assert.equal(await controller(page, id).getAttribute('data-role'), 'follower');
      assert.equal(await controller(page, id).getAttribute('data-state'), 'up');
    }
    await controller(page, 100).getByTestId('crash-controller').click();
    await page.waitForFunction(() => document.querySelector('[data-testid=controller][data-node="100"]')?.dataset.state === 'down');
    assert.equal(await active(page), 'none', 'no active controller until the others elect one');
    // Two of three are a majority: after the fetch timeout and an election, another leads.
    await page.waitForFunction(() => ['101', '102'].includes(document.querySelector('[data-testid=active-controller]')?.textContent), null, { timeout: 30000 });
    assert.equal(await page.getByTestId('quorum-state').getAttribute('data-state'), 'ok');
    const leader = await active(page);
    assert.equal(await controller(page, leader).getAttribute('data-role'), 'leader');
    await page.screenshot({ path: join(screenshots, 'quorum-failover.png') });
    await controller(page, 100).getByTestId('restart-controller').click();
    await page.waitForFunction(() => document.querySelector('[data-testid=controller][data-node="100"]')?.dataset.role === 'follower', null, { timeout: 30000 });
    assert.equal(await controller(page, 100).getAttribute('data-state'), 'up');
    assert.equal(await active(page), leader, 'the returning controller follows the new leader');
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
});

test('the messages between controllers are drawn under their cards: fetches, then the votes of an election', async () => {
  const { page, errors, close } = await open('?lang=en&quorum.size=3&seed=1&speed=0.25', { viewport: { width: 1400, height: 1000 } });
  try {
    const wire = page.getByTestId('quorum-wire');
    await wire.waitFor({ timeout: 30000 });
    const drawn = (kind) => page.waitForFunction((k) => (document.querySelector('[data-testid=quorum-wire]')?.dataset.kinds ?? '').split(' ').includes(k), kind, { timeout: 60000 });
    // The followers fetch the metadata log from the leader: teal squares.
    await drawn('control-plane');
    // The band spans the cards: each card's centre sits over its tick.
    const box = await wire.boundingBox();
    const cards = await page.getByTestId('controller').evaluateAll((els) => els.map((e) => { const r = e.getBoundingClientRect(); return r.left + r.width / 2; }));
    cards.forEach((x, i) => assert.ok(Math.abs(x - (box.x + (box.width * (i + 0.5)) / 3)) < 2, `card ${i} at ${x}, band ${JSON.stringify(box)}`));
    await controller(page, 100).getByTestId('crash-controller').click();
    // The others time out and vote: amber circles.
    await drawn('election');
    await page.screenshot({ path: join(screenshots, 'quorum-votes.png'), clip: { x: 0, y: Math.max(0, box.y - 160), width: 1400, height: 260 } });
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
});

test('five controllers survive two failures; the third loses the quorum and the leader resigns', async () => {
  const { page, errors, close } = await open('?lang=ko&quorum.size=5&seed=1&speed=5', { viewport: { width: 1400, height: 1000 } });
  try {
    await page.getByTestId('quorum').waitFor({ timeout: 30000 });
    assert.equal(await page.getByTestId('controller').count(), 5);
    for (const id of [103, 104]) await controller(page, id).getByTestId('crash-controller').click();
    await page.waitForFunction(() => /컨트롤러 5개 중 3개 동작, 3개 필요/.test(document.querySelector('[data-testid=quorum]')?.textContent));
    assert.equal(await page.getByTestId('quorum-state').getAttribute('data-state'), 'ok');
    await controller(page, 102).getByTestId('crash-controller').click();
    await page.waitForFunction(() => document.querySelector('[data-testid=quorum-state]')?.dataset.state === 'lost');
    // 1.5 times controller.quorum.fetch.timeout.ms without a majority: 100 resigns.
    await page.waitForFunction(() => document.querySelector('[data-testid=active-controller]')?.textContent === 'none', null, { timeout: 30000 });
    assert.equal(await controller(page, 100).getAttribute('data-role'), 'resigned');
    assert.match(await controller(page, 100).textContent(), /사임/);
    await page.screenshot({ path: join(screenshots, 'quorum-lost.png') });
    await controller(page, 102).getByTestId('restart-controller').click();
    await page.waitForFunction(() => document.querySelector('[data-testid=active-controller]')?.textContent !== 'none', null, { timeout: 30000 });
    assert.equal(await page.getByTestId('quorum-state').getAttribute('data-state'), 'ok');
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
});

test('ZooKeeper mode: three servers and a controller broker; the ZooKeeper leader dies and another leads at once', async () => {
  const { page, errors, close } = await open('?lang=en&kafka.version=3.9&metadata.mode=zookeeper&seed=1&speed=5', { viewport: { width: 1400, height: 1000 } });
  try {
    await page.getByTestId('quorum').waitFor({ timeout: 30000 });
    assert.match(await wasmOf(page), /kscope-full-/, 'ZooKeeper mode loads the full build');
    assert.equal(await page.getByTestId('metadata-mode').inputValue(), 'zookeeper');
    assert.equal(await page.getByTestId('quorum-size').inputValue(), '3', 'three servers when no size is given');
    assert.equal(await page.getByTestId('controller').count(), 3);
    assert.match(await page.getByTestId('quorum').textContent(), /ZooKeeper ensemble/);
    // At a simultaneous start the greatest myid leads; the first broker is the controller.
    assert.equal(await controller(page, 3).getAttribute('data-role'), 'leader');
    for (const id of [1, 2]) assert.equal(await controller(page, id).getAttribute('data-role'), 'follower');
    assert.equal(await active(page), '0');
    // The stage marks the controller broker.
    assert.equal(await page.getByTestId('controller-broker').count(), 1);
    assert.equal(await page.locator('[data-testid=broker][data-broker="0"] [data-testid=controller-broker]').count(), 1);
    await controller(page, 3).getByTestId('crash-controller').click();
    // Its followers see its connections close and elect the one with the latest zxid.
    await page.waitForFunction(() => document.querySelector('[data-testid=controller][data-node="2"]')?.dataset.role === 'leader', null, { timeout: 30000 });
    assert.equal(await controller(page, 1).getAttribute('data-role'), 'follower');
    assert.equal(await page.getByTestId('quorum-state').getAttribute('data-state'), 'ok');
    assert.equal(await active(page), '0', 'the controller broker stays');
    await controller(page, 1).getByTestId('crash-controller').click();
    await page.waitForFunction(() => document.querySelector('[data-testid=quorum-state]')?.dataset.state === 'lost');
    await page.waitForFunction(() => document.querySelector('[data-testid=controller][data-node="2"]')?.dataset.role === 'looking', null, { timeout: 30000 });
    assert.equal(await active(page), 'none', 'no ensemble leader, no controller');
    await page.screenshot({ path: join(screenshots, 'zookeeper-lost.png') });
    await controller(page, 3).getByTestId('restart-controller').click();
    await page.waitForFunction(() => document.querySelector('[data-testid=active-controller]')?.textContent === '0', null, { timeout: 30000 });
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
});

test('the quorum size is a setting that opens the full build; Kafka 4.0 refuses ZooKeeper mode', async () => {
  const { page, errors, close } = await open('?lang=en&metadata.mode=zookeeper');
  try {
    // Kafka 4.0's own error, and the run goes on with kscope's defaults.
    await page.waitForFunction(() => /Missing required configuration "process\.roles"/.test(document.querySelector('[data-testid=notice]')?.textContent || ''), null, { timeout: 30000 });
    await page.getByTestId('replica').first().waitFor();
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
  const second = await open('?lang=en');
  try {
    const p = second.page;
    await p.getByTestId('replica').first().waitFor();
    assert.match(await wasmOf(p), /kscope-web-/, 'the first load is the first build');
    assert.equal(await p.getByTestId('quorum').count(), 0);
    await p.getByTestId('quorum-size').selectOption('3');
    await p.waitForURL(/quorum\.size=3/);
    await p.getByTestId('quorum').waitFor({ timeout: 30000 });
    assert.match(await wasmOf(p), /kscope-full-/);
    assert.equal(await p.getByTestId('controller').count(), 3);
    assert.deepEqual(second.errors, []);
  } finally {
    await second.close();
  }
});

test('brokers are observers of the metadata log: a crashed broker stays behind, and catches up when it returns', async () => {
  const { page, errors, close } = await open('?lang=en&quorum.size=3&seed=1&speed=5', { viewport: { width: 1400, height: 1000 } });
  const observers = () => page.getByTestId('observer').evaluateAll((es) => es.map((e) => [e.dataset.node, Number(e.dataset.offset), e.dataset.state]));
  try {
    await page.getByTestId('quorum').waitFor({ timeout: 30000 });
    const start = await observers();
    assert.deepEqual(start.map(([b]) => b), ['0', '1', '2'], 'one observer per broker');
    assert.ok(start.every(([, o]) => o > 0 && o === start[0][1]), `every broker has applied the committed log: ${JSON.stringify(start)}`);
    await page.locator('[data-testid=broker][data-broker="0"]').getByTestId('crash-broker').click();
    // Its session as the active controller counts it: 9 s from its last heartbeat.
    const left = page.locator('[data-testid=observer][data-node="0"] [data-testid=session-left]');
    await left.waitFor({ timeout: 10000 });
    const ms = Number(await left.getAttribute('data-ms'));
    assert.ok(ms > 0 && ms <= 9000, `session left: ${ms} ms`);
    // broker.session.timeout.ms later the controller fences it and moves its partitions:
    // records the others apply and the down broker does not.
    await page.waitForFunction(() => {
      const es = [...document.querySelectorAll('[data-testid=observer]')];
      const down = es.find((e) => e.dataset.node === '0');
      return down?.dataset.state === 'down' && es.filter((e) => e !== down).every((e) => Number(e.dataset.offset) > Number(down.dataset.offset));
    }, null, { timeout: 30000 });
    assert.equal(await left.count(), 0, 'a fenced broker has no session left');
    const behind = await observers();
    assert.ok(behind[0][1] >= start[0][1], 'a down broker keeps what it had applied');
    await page.locator('[data-testid=broker][data-broker="0"]').getByTestId('restart-broker').click();
    await page.waitForFunction(() => {
      const es = [...document.querySelectorAll('[data-testid=observer]')];
      return es.every((e) => e.dataset.state === 'current' && e.dataset.offset === es[0].dataset.offset);
    }, null, { timeout: 30000 });
    const after = await observers();
    assert.ok(after[0][1] > behind[0][1], `the returning broker caught up: ${JSON.stringify(after)}`);
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
});
