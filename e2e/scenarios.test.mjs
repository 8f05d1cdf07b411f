// Scenarios, presenter keys and share links in the release page, in Chromium: every
// built-in scenario runs to its end with the outcome its file states; a slide remote's
// keys step through the captions; a share link replays to the same ledger; a damaged
// link is refused with a message. Screenshots land in e2e/screenshots/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { open, dist, screenshots } from './harness.mjs';

const int = async (page, testid) => Number(await page.getByTestId(testid).textContent());
const caption = (page) => page.getByTestId('caption').textContent();
const settled = (page) => page.waitForFunction(() => !document.querySelector('[data-testid=seeking]'), null, { timeout: 60000 });

const FIGURES = {
  acked: 'ledger-acked', lost: 'ledger-lost', duplicated: 'ledger-duplicated', reordered: 'ledger-reordered',
  consumed: 'ledger-consumed', redelivered: 'ledger-redelivered', skipped: 'ledger-skipped', failed: 'ledger-failed',
  aborted: 'ledger-aborted', 'read-aborted': 'ledger-read-aborted',
};

function scenarios() {
  const index = readFileSync(join(dist, 'scenarios', 'index.txt'), 'utf8');
  return index.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#')).map((name) => {
    const text = readFileSync(join(dist, 'scenarios', name), 'utf8');
    const line = (key) => (text.match(new RegExp(`^${key}:\\s*(.*)$`, 'm')) || [])[1];
    const steps = text.split('\n').filter((l) => /^at\s/.test(l.trim())).length;
    // A comparison states run B's outcome too (`expect.b:`), read in run B's readouts.
    const outcomes = (key, run) => (line(key) || '').split(/\s+/).filter(Boolean).map((e) => {
      const [, figure, op, value] = e.match(/^([a-z-]+)(>=|<=|=|>|<)(\d+)$/);
      return { figure, op, value: Number(value), run };
    });
    const compared = /compare=/.test(line('settings') || '');
    const expect = [...outcomes('expect', compared ? 'a' : null), ...outcomes('expect\\.b', 'b')];
    return { id: line('id'), steps, expect };
  });
}

const holds = (op, a, b) => ({ '=': a === b, '>': a > b, '<': a < b, '>=': a >= b, '<=': a <= b })[op];

test('every scenario runs to its end and its ledger matches its stated outcome', async () => {
  const all = scenarios();
  assert.ok(all.length >= 15, `${all.length} scenarios`);
  const { page, errors, close } = await open('?speed=10');
  try {
    for (const sc of all) {
      // From the start of its last step, at 10x, to its end.
      await page.goto(page.url().split('?')[0] + `?scenario=${sc.id}&step=${sc.steps}&speed=10`);
      await page.getByTestId('caption').waitFor();
      await settled(page);
      // The last step: Next is disabled, Play plays it to the end.
      assert.ok(await page.getByTestId('next-step').isDisabled(), `${sc.id}: Next on the last step`);
      if (/Play/.test(await page.getByTestId('play').textContent())) await page.getByTestId('play').click();
      await page.getByTestId('scenario-ended').waitFor({ timeout: 60000 });
      for (const e of sc.expect) {
        if (!FIGURES[e.figure]) continue; // not shown on the page (lag, unclean-elections)
        const where = e.run ? page.locator(`[data-testid=run][data-run=${e.run}]`) : page;
        const v = await int(where, FIGURES[e.figure]);
        assert.ok(holds(e.op, v, e.value), `${sc.id}${e.run ? ` run ${e.run}` : ''}: ${e.figure}${e.op}${e.value} but the page shows ${v}`);
      }
      assert.equal(await page.getByTestId('scenario').inputValue(), sc.id);
      if (sc.id === 'acks-1-leader-dies') await page.screenshot({ path: join(screenshots, 'scenario-end.png') });
    }
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
});

test('a slide remote steps through the captions, and a reload keeps the step', async () => {
  const { page, errors, close } = await open('?scenario=acks-1-leader-dies&lang=ko&embed=1&autoplay=0');
  try {
    await page.getByTestId('caption').waitFor();
    assert.equal(await page.getByTestId('controls').count(), 0, 'embedded: no controls');
    const first = await caption(page);
    assert.match(first, /acks=1이면/);
    await page.keyboard.press('PageDown');
    await settled(page);
    const second = await caption(page);
    assert.notEqual(second, first);
    assert.ok((await int(page, 'sim-time')) >= 3000, 'the clock went to the step');
    await page.keyboard.press('ArrowRight');
    await settled(page);
    await page.keyboard.press('Space');
    // The key reaches the page a moment after the press returns: wait for its step.
    await page.waitForURL(/step=4/);
    await settled(page);
    await page.waitForTimeout(500);
    await page.screenshot({ path: join(screenshots, 'presenting-ko.png') });
    await page.keyboard.press('PageUp');
    await page.waitForURL(/step=3/);
    await settled(page);
    const t = await int(page, 'sim-time');
    assert.ok(t >= 6000 && t < 16000, `back at step 3 (${t} ms)`);
    await page.reload();
    await page.getByTestId('caption').waitFor();
    await settled(page);
    assert.match(await page.getByTestId('caption-step').textContent(), /^3\/5/);
    assert.ok((await int(page, 'sim-time')) >= 6000, 'the reload went back to step 3');
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
});

test('a share link replays the session to the same ledger', async () => {
  const { page, errors, close } = await open('?partitions=3&acks=1&rate=400&consumers=2&speed=2&seed=11');
  try {
    await page.waitForFunction(() => Number(document.querySelector('[data-testid=sim-time]')?.textContent) > 1500);
    await page.locator('[data-testid=broker][data-broker="1"] [data-testid=isolate-broker]').click();
    await page.waitForTimeout(800);
    await page.locator('[data-testid=broker][data-broker="1"] [data-testid=crash-broker]').click();
    await page.getByTestId('consumers').fill('3');
    await page.getByTestId('consumers').dispatchEvent('change');
    await page.waitForFunction(() => Number(document.querySelector('[data-testid=ledger-lost]')?.textContent) > 0, null, { timeout: 30000 });
    await page.getByTestId('play').click(); // pause
    await page.getByTestId('share').click();
    const link = await page.getByTestId('share-link').inputValue();
    assert.match(link, /run=1_/);
    const ledger = {};
    // The figures this run shows (the transactional ones only with a transactional.id).
    const shown = [];
    for (const [k, id] of Object.entries(FIGURES)) if (await page.getByTestId(id).count()) shown.push([k, id]);
    for (const [k, id] of shown) ledger[k] = await int(page, id);
    const time = await int(page, 'sim-time');

    await page.goto(link);
    await page.waitForFunction((t) => Number(document.querySelector('[data-testid=sim-time]')?.textContent) === t, time, { timeout: 60000 });
    await page.waitForTimeout(300);
    for (const [k, id] of shown) assert.equal(await int(page, id), ledger[k], `${k} after the replay`);
    assert.equal(await page.getByTestId('consumers').inputValue(), '3');
    await page.screenshot({ path: join(screenshots, 'share-replayed.png') });
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
});

test('a damaged share link is refused with a message and the page still runs', async () => {
  const { page, errors, close } = await open('?seed=3&run=1_zz~cb1_q~nonsense&at=abc&step=0');
  try {
    // The page's notices appear with its first frame, which may follow the load event.
    await page.locator('.notice').filter({ hasText: /at=abc/ }).waitFor();
    const notices = await page.locator('.notice').allTextContents();
    assert.ok(notices.some((n) => /Action 2 of the link is damaged/.test(n)), notices.join(' | '));
    assert.ok(notices.some((n) => /at=abc/.test(n)), notices.join(' | '));
    await page.waitForFunction(() => Number(document.querySelector('[data-testid=sim-time]')?.textContent) > 500);
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
});

test('charts draw throughput, latency and the lag of every partition, live', async () => {
  const { page, errors, close } = await open('?partitions=4&consumers=1&consumer.rate=50&rate=300&speed=5&seed=2');
  try {
    await page.getByTestId('chart-lag').waitFor();
    await page.waitForFunction(() => Number(document.querySelector('[data-testid=sim-time]')?.textContent) > 12000, null, { timeout: 30000 });
    assert.equal(await page.locator('[data-testid=chart-lag] polyline').count(), 4, 'one line per partition');
    const points = () => page.locator('[data-testid=chart-throughput] polyline').getAttribute('points');
    const before = await points();
    assert.ok(before.split(' ').length > 10, before);
    await page.waitForTimeout(1000);
    assert.notEqual(await points(), before, 'the chart moves on');
    const latest = await page.locator('[data-testid=chart-lag] .latest').textContent();
    assert.ok(Number(latest.replace(/[^0-9]/g, '')) > 0, `one slow consumer lags: ${latest}`);
    await page.getByTestId('chart-lag').screenshot({ path: join(screenshots, 'chart-lag.png') });
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
});

test("with lang=ko, kscope's own messages are in Korean", async () => {
  const { page, errors, close } = await open('?lang=ko&brokers=40&at=abc');
  try {
    await page.locator('.notice').filter({ hasText: /at=abc/ }).waitFor();
    const notices = (await page.locator('.notice').allTextContents()).join(' | ');
    assert.match(notices, /brokers=40: 허용되는 값은 1부터 9까지의 정수입니다/);
    assert.match(notices, /at=abc: 허용되는 값은 첫 한 시간 안의 시각입니다/);
    await page.getByTestId('seed').fill('x');
    await page.getByTestId('seed').dispatchEvent('change');
    await page.locator('.notice').filter({ hasText: /시드는 0부터/ }).waitFor();
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
});

test("a teacher's own scenario file runs from the page; a bad one is named by its line", async () => {
  const { page, errors, close } = await open('?speed=5');
  try {
    await page.getByTestId('open-scenario').setInputFiles({
      name: 'my-lesson.txt', mimeType: 'text/plain',
      buffer: Buffer.from('id: my-lesson\ntitle.en: My lesson\ntitle.ko: 내 수업\nsettings: partitions=2 acks=1 seed=4\nend: 6s\n\nat 0s\nen: Two partitions.\nko: 파티션 둘.\nat 2s\ndo: crash-broker 0\nen: Broker 0 crashes.\nko: 브로커 0 장애.\n'),
    });
    await page.getByTestId('caption').waitFor();
    assert.equal(await page.getByTestId('scenario').inputValue(), 'my-lesson');
    assert.equal(await page.getByTestId('partitions').inputValue(), '2');
    // The first caption holds; Next presents the last step, which plays to the end.
    await page.getByTestId('play').filter({ hasText: 'Play' }).waitFor({ timeout: 20000 });
    await page.getByTestId('next-step').click();
    await page.getByTestId('scenario-ended').waitFor({ timeout: 20000 });
    assert.equal(await page.getByTestId('caption').textContent(), 'Broker 0 crashes.');
    await page.getByTestId('open-scenario').setInputFiles({
      name: 'broken.txt', mimeType: 'text/plain',
      buffer: Buffer.from('id: broken\ntitle.en: B\ntitle.ko: B\nend: 5s\nat 0s\ndo: crash-brokr 1\n'),
    });
    await page.locator('.notice').waitFor();
    assert.match(await page.locator('.notice').textContent(), /broken\.txt line 6: 'crash-brokr' is not an action/);
    assert.equal(await page.getByTestId('scenario').inputValue(), 'my-lesson', 'the page keeps what it was showing');
    await page.getByTestId('open-scenario').setInputFiles({ name: 'huge.txt', mimeType: 'text/plain', buffer: Buffer.alloc(70 * 1024, 'x') });
    await page.waitForFunction(() => /huge\.txt is larger than a scenario file may be/.test(document.querySelector('.notice')?.textContent || ''));
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
});

test('a scenario holds each caption until the presenter moves on; Play then goes on, and the URL follows', async () => {
  const { page, errors, close } = await open('?scenario=acks-0&speed=10');
  try {
    await page.getByTestId('caption').waitFor();
    // Step 1 plays to just before step 2 and holds there, its caption still shown.
    await page.getByTestId('play').filter({ hasText: 'Play' }).waitFor({ timeout: 20000 });
    assert.equal(await int(page, 'sim-time'), 3999);
    assert.match(await page.getByTestId('caption-step').textContent(), /^Step 1 of 3/);
    assert.doesNotMatch(page.url(), /step=/);
    // The outcome is said in words, not as a test's assertion.
    const outcome = await page.locator('.caption-expect').textContent();
    assert.doesNotMatch(outcome, /[<>=]/);
    assert.match(outcome, /^By the end: /);
    await page.getByTestId('play').click();
    await page.waitForFunction(() => /^Step 2 of 3/.test(document.querySelector('[data-testid=caption-step]')?.textContent), null, { timeout: 20000 });
    assert.ok((await int(page, 'sim-time')) >= 4000, 'step 2 starts at 4 s');
    assert.match(page.url(), /scenario=acks-0&step=2/);
    assert.match(await caption(page), /Broker 1, the leader of orders-0, crashes/);
    assert.equal(await page.locator('[data-testid=broker][data-broker="1"]').getAttribute('data-state'), 'down');
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
});
