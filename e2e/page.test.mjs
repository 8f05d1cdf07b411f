// The release page in Chromium: it loads and runs, its sliders change the run and the
// URL, a crashed leader with acks=1 loses acknowledged records, a pasted URL gives the
// same configuration, and the keyboard plays, pauses and steps. Screenshots land in
// e2e/screenshots/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { open, screenshots } from './harness.mjs';

const int = async (page, testid) => Number(await page.getByTestId(testid).textContent());
const simTimeAbove = (page, ms, timeout = 20000) =>
  page.waitForFunction((t) => Number(document.querySelector('[data-testid=sim-time]')?.textContent) > t, ms, { timeout });

test('the page runs the simulation and shows the stage', async () => {
  const { page, errors, close } = await open();
  try {
    await simTimeAbove(page, 200);
    assert.equal(await page.getByTestId('broker').count(), 3);
    assert.equal(await page.getByTestId('replica').count(), 9);
    assert.equal(await page.locator('[data-testid=replica][data-role=leader]').count(), 3, 'one leader per partition');
    await page.waitForFunction(() => Number(document.querySelector('[data-testid=ledger-acked]')?.textContent) > 0);
    await page.screenshot({ path: join(screenshots, 'stage.png'), fullPage: true });
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
});

test('sliders change the run and the URL; a reload keeps the configuration', async () => {
  const { page, errors, close } = await open();
  try {
    await page.getByTestId('acks').fill('1');
    await page.waitForFunction(() => location.search.includes('acks=1'));
    await page.getByTestId('partitions').fill('6');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=replica]').length === 18);
    assert.ok((await page.evaluate(() => location.search)).includes('partitions=6'));
    await page.reload();
    await page.getByTestId('sim-time').waitFor();
    assert.equal(await page.getByTestId('acks').inputValue(), '1');
    assert.equal(await page.getByTestId('partitions').inputValue(), '6');
    assert.equal(await page.getByTestId('replica').count(), 18);
    await page.getByTestId('partitions').fill('4');
    await page.getByRole('alert').filter({ hasText: 'never remove them' }).waitFor();
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
});

test('a bad URL parameter falls back alone, with a message', async () => {
  const { page, close } = await open('?brokers=40&partitions=5');
  try {
    await page.getByTestId('sim-time').waitFor();
    await page.getByRole('alert').filter({ hasText: 'brokers=40' }).waitFor();
    assert.equal(await page.getByTestId('broker').count(), 3);
    assert.equal(await page.locator('[data-testid=replica][data-broker="0"]').count(), 5);
  } finally {
    await close();
  }
});

test('acks=1: a leader that dies before its followers copy loses acknowledged records', async () => {
  const { page, errors, close } = await open('?partitions=1&acks=1&rate=500&speed=10&seed=5');
  try {
    await page.getByTestId('sim-time').waitFor();
    const leader = await page.locator('[data-testid=replica][data-role=leader]').getAttribute('data-broker');
    const column = page.locator(`[data-testid=broker][data-broker="${leader}"]`);
    // Slow the leader's links to its followers: acks return long before the copies land.
    await column.getByTestId('slow-broker').click();
    await simTimeAbove(page, 3000);
    const before = await int(page, 'sim-time');
    await column.getByTestId('crash-broker').click();
    assert.equal(await column.getAttribute('data-state'), 'down');
    // The controller fences it after broker.session.timeout.ms (9 s) and elects a follower.
    await simTimeAbove(page, before + 10000);
    await page.waitForFunction(() => Number(document.querySelector('[data-testid=ledger-lost]')?.textContent) > 0);
    await page.screenshot({ path: join(screenshots, 'acks1-loss.png'), fullPage: true });
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
});

test('the keyboard plays, pauses and steps', async () => {
  const { page, close } = await open();
  try {
    await simTimeAbove(page, 100);
    await page.locator('body').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('Space');
    const paused = await int(page, 'sim-time');
    await page.waitForTimeout(300);
    assert.equal(await int(page, 'sim-time'), paused, 'space pauses');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    assert.ok((await int(page, 'sim-time')) >= paused, 'the right arrow steps');
    await page.keyboard.press('Space');
    await simTimeAbove(page, paused + 100);
  } finally {
    await close();
  }
});

test('consumers own the partitions; a crashed one is replaced after its session times out', async () => {
  const { page, errors, close } = await open('?partitions=4&consumers=2&speed=10&seed=3');
  try {
    const owners = () => page.$$eval('[data-testid=owner]', (els) => els.map((e) => e.dataset.consumer));
    // Four owner cells, each with its consumer (an empty list would pass `every` before the
    // stage has rendered its rows).
    await page.waitForFunction(() => {
      const cells = [...document.querySelectorAll('[data-testid=owner]')];
      return cells.length === 4 && cells.every((e) => e.dataset.consumer !== '');
    }, null, { timeout: 20000 });
    assert.deepEqual((await owners()).sort(), ['0', '0', '1', '1']);
    await page.waitForFunction(() => Number(document.querySelector('[data-testid=ledger-consumed]')?.textContent) > 0);
    assert.equal(await page.locator('[data-testid=group]').getAttribute('data-state'), 'Stable');
    // Crash c1: no LeaveGroup, so the coordinator waits session.timeout.ms (45 s) before
    // giving its partitions to c0.
    const victim = page.locator('[data-testid=consumer][data-consumer="1"]');
    await victim.getByTestId('crash-consumer').click();
    assert.equal(await victim.getAttribute('data-state'), 'crashed');
    await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=owner]')].every((e) => e.dataset.consumer === '0'), null, { timeout: 30000 });
    await page.getByTestId('event-log').filter({ hasText: 'no heartbeat for session.timeout.ms' }).waitFor();
    await page.screenshot({ path: join(screenshots, 'consumer-crash.png'), fullPage: true });
    // The slider sets how many consumers run: it starts three more in the running group
    // (no restart of the run).
    const before = await int(page, 'sim-time');
    await page.getByTestId('consumers').fill('4');
    await page.waitForFunction(() => location.search.includes('consumers=4'));
    assert.ok((await int(page, 'sim-time')) >= before, 'the run goes on');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=consumer][data-state=running]').length === 4, null, { timeout: 20000 });
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
});

test('any link can be cut and healed from the links panel', async () => {
  const { page, errors, close } = await open('?speed=2');
  try {
    await simTimeAbove(page, 200);
    await page.getByTestId('links').locator('summary').click();
    const link = page.locator('[data-testid=link][data-a="broker 0"][data-b="broker 2"]');
    await link.click();
    assert.equal(await link.getAttribute('data-cut'), 'true');
    await page.getByTestId('event-log').filter({ hasText: 'between broker 0 and broker 2 was cut' }).waitFor();
    await link.click();
    assert.equal(await link.getAttribute('data-cut'), 'false');
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
});

test('lang=ko shows the page in Korean; switching language keeps the run', async () => {
  const { page, errors, close } = await open('?lang=ko&speed=2');
  try {
    await simTimeAbove(page, 300);
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'ko');
    assert.equal((await page.getByTestId('reset').textContent()).trim(), '초기화');
    await page.getByTestId('event-log').filter({ hasText: '컨슈머 c0 시작' }).waitFor();
    await page.screenshot({ path: join(screenshots, 'korean.png'), fullPage: true });
    const before = await int(page, 'sim-time');
    await page.getByTestId('lang').selectOption('en');
    await page.waitForFunction(() => document.documentElement.lang === 'en');
    assert.equal((await page.getByTestId('reset').textContent()).trim(), 'Reset');
    await page.getByTestId('event-log').filter({ hasText: 'consumer c0 started' }).waitFor();
    assert.ok((await int(page, 'sim-time')) >= before, 'the run goes on');
    assert.ok((await page.evaluate(() => location.search)).includes('lang=en'));
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
});

test('embed mode shows the stage without the controls; reduced motion is honoured', async () => {
  const { page, errors, close } = await open('?embed=1&lang=en&speed=2');
  try {
    await simTimeAbove(page, 300);
    assert.equal(await page.getByTestId('controls').count(), 0, 'no control panel');
    assert.equal(await page.getByTestId('broker').count(), 3, 'the stage is there');
    assert.equal(await page.getByTestId('dots').getAttribute('data-motion'), 'smooth');
    await page.screenshot({ path: join(screenshots, 'embed.png') });
  } finally {
    await close();
  }
  const locked = await open('?embed=1&controls=lock&autoplay=0');
  try {
    await locked.page.getByTestId('sim-time').waitFor();
    assert.equal(await locked.page.getByTestId('controls').count(), 1);
    assert.ok(await locked.page.getByTestId('brokers').isDisabled(), 'locked controls cannot be moved');
    assert.equal(await int(locked.page, 'sim-time'), 0, 'autoplay=0 starts paused');
  } finally {
    await locked.close();
  }
  const reduced = await open('?speed=1');
  try {
    await reduced.page.emulateMedia({ reducedMotion: 'reduce' });
    await reduced.page.reload();
    await simTimeAbove(reduced.page, 300);
    assert.equal(await reduced.page.getByTestId('dots').getAttribute('data-motion'), 'steps', 'messages step instead of gliding');
    assert.deepEqual(reduced.errors, []);
  } finally {
    await reduced.close();
  }
  assert.deepEqual(errors, []);
});

test('messages in flight are painted on the stage, by a worker off the main thread', async () => {
  const { page, errors, close } = await open('?rate=2000&speed=0.1&lang=en');
  try {
    await simTimeAbove(page, 40);
    const dots = page.getByTestId('dots');
    assert.equal(await dots.getAttribute('data-painter'), 'worker', 'Chromium moves the canvas into a worker');
    await page.getByTestId('play').click();
    await page.waitForFunction(() => Number(document.querySelector('[data-testid=dots]').dataset.count) > 0);
    await page.waitForTimeout(300);
    // Paused, the page does not change: the canvas is what tells the two pictures apart.
    const box = await dots.boundingBox();
    const clip = { x: box.x, y: box.y, width: box.width, height: Math.min(box.height, 600) };
    const painted = await page.screenshot({ clip });
    // Through the CSSOM: the page's content policy refuses an added <style>.
    await page.evaluate(() => { document.querySelector('[data-testid=dots]').style.visibility = 'hidden'; });
    const bare = await page.screenshot({ clip });
    assert.notDeepEqual(painted, bare, 'the messages show on the stage');
    // On a phone the stage scrolls sideways; the canvas must span all of it, since the
    // messages' places are fractions of its width.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForTimeout(300);
    const stage = await page.locator('.stage').boundingBox();
    const canvas = await dots.boundingBox();
    assert.ok(stage.width > 390, `the stage is wider than the phone (${stage.width})`);
    assert.ok(Math.abs(canvas.width - stage.width) <= 2, `canvas ${canvas.width} px, stage ${stage.width} px`);
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
});

test('served from a subfolder (dist/ next to slides) the page loads everything and runs', async () => {
  const failed = [];
  const { page, errors, close } = await open('?speed=10', { under: 'slides/kscope' });
  page.on('requestfailed', (r) => failed.push(r.url()));
  try {
    await simTimeAbove(page, 200);
    assert.equal(await page.getByTestId('broker').count(), 3);
    assert.match(page.url(), /\/slides\/kscope\/\?/);
    // The scenarios are data files beside the page: the selector lists them.
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=scenario] option').length > 10);
    assert.deepEqual(failed, []);
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
});

test('Korean wraps between words, never inside one', async () => {
  const { page, errors, close } = await open('?lang=ko&scenario=acks-0');
  try {
    await page.waitForFunction(() => document.documentElement.lang === 'ko');
    const caption = page.getByTestId('caption');
    await caption.waitFor();
    assert.equal(await caption.evaluate((e) => getComputedStyle(e).wordBreak), 'keep-all');
    // Back in English, words break as usual.
    await page.goto(page.url().replace('lang=ko', 'lang=en'));
    await page.waitForFunction(() => document.documentElement.lang === 'en');
    await caption.waitFor();
    assert.equal(await caption.evaluate((e) => getComputedStyle(e).wordBreak), 'normal');
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
});
