// Finding one's way: the first-run guide, the event log, presenting without traps, Play
// that stays put, Share with Copy, a phone, bad links said in words, Korean throughout,
// and a page left running with nothing in its console.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { open, screenshots } from './harness.mjs';

const int = async (page, testid) => Number(await page.getByTestId(testid).first().textContent());

test('a first visit opens a short guide; it is remembered once dismissed, and never embedded or over a scenario', async () => {
  const { page, errors, close } = await open('', { guide: true, viewport: { width: 1400, height: 900 } });
  try {
    const guide = page.getByTestId('guide');
    await guide.waitFor();
    assert.match(await guide.textContent(), /Columns are brokers/);
    await page.screenshot({ path: join(screenshots, 'first-visit-guide.png') });
    await page.getByTestId('guide-close').click();
    await guide.waitFor({ state: 'detached' });
    await page.reload();
    await page.getByTestId('replica').first().waitFor();
    await page.waitForTimeout(300);
    assert.equal(await guide.count(), 0, 'remembered');
    // "Try a scenario" starts one.
    await page.evaluate(() => localStorage.clear());
    await page.reload();
    await guide.waitFor();
    await page.locator('[data-testid=scenario] option').nth(1).waitFor({ state: 'attached' });
    await page.getByTestId('guide-try').click();
    await page.getByTestId('caption').waitFor();
    assert.equal(await guide.count(), 0);
    // Embedded, or opening a scenario, a first visit shows no guide.
    for (const q of ['?embed=1', '?scenario=acks-0']) {
      await page.evaluate(() => localStorage.clear());
      await page.goto(page.url().split('?')[0] + q);
      await page.getByTestId('replica').first().waitFor();
      await page.waitForTimeout(500);
      assert.equal(await guide.count(), 0, q);
    }
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
});

test('the event log is newest first, each line labelled by its instant, and it takes the focus', async () => {
  const { page, errors, close } = await open('?speed=5');
  try {
    await page.locator('[data-testid=crash-broker]').first().click();
    const lines = page.locator('[data-testid=event-log] li');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=event-log] li').length >= 3, null, { timeout: 20000 });
    const list = page.locator('[data-testid=event-log] ul');
    assert.equal(await page.locator('[data-testid=event-log] ol').count(), 0, 'not numbered');
    assert.equal(await list.getAttribute('tabindex'), '0');
    const times = await lines.locator('time').allTextContents();
    const ms = times.map((t) => Number(t.replace(/\D/g, '')));
    for (let i = 1; i < ms.length; i++) assert.ok(ms[i - 1] >= ms[i], `newest first: ${times}`);
    // Lines keep their labels as others arrive above them: the lines still in view after
    // an update are the newest of before, unchanged (or every line is newer than those).
    const before = await lines.allTextContents();
    await page.locator('[data-testid=restart-broker]').first().click();
    await page.waitForFunction((t) => document.querySelector('[data-testid=event-log] li')?.textContent !== t, before[0], { timeout: 20000 });
    const after = await lines.allTextContents();
    let kept = 0;
    for (let m = Math.min(before.length, after.length); m > 0 && !kept; m--) {
      if (after.slice(after.length - m).join('\n') === before.slice(0, m).join('\n')) kept = m;
    }
    const newestBefore = Number(before[0].replace(/ ms.*/s, ''));
    const allNewer = after.every((l) => Number(l.replace(/ ms.*/s, '')) >= newestBefore);
    assert.ok(kept > 0 || allNewer, `before ${JSON.stringify(before)} after ${JSON.stringify(after)}`);
    await list.focus();
    assert.ok(await list.evaluate((el) => el === document.activeElement));
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
});

test('a setting that needs a new cluster says the scenario was left and offers the way back', async () => {
  const { page, errors, close } = await open('?scenario=acks-0&step=2&autoplay=0');
  try {
    await page.getByTestId('caption').waitFor();
    await page.waitForFunction(() => !document.querySelector('[data-testid=seeking]'));
    await page.getByTestId('brokers').fill('4');
    await page.getByTestId('brokers').dispatchEvent('change');
    const left = page.getByTestId('left-scenario');
    await left.waitFor();
    assert.match(await left.textContent(), /You left the scenario/);
    assert.equal(await page.getByTestId('caption').count(), 0);
    assert.equal(await page.locator('[data-testid=broker]').count(), 4);
    await page.getByTestId('back-to-scenario').click();
    await page.getByTestId('caption').waitFor();
    await page.waitForFunction(() => !document.querySelector('[data-testid=seeking]'));
    assert.match(await page.getByTestId('caption-step').textContent(), /^Step 2 of 3/);
    assert.equal(await left.count(), 0);
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
});

test('Play and Pause leave the panel where it was; Share copies its link', async () => {
  const { page, errors, close } = await open('', { viewport: { width: 1400, height: 900 } });
  try {
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
    const play = page.getByTestId('play');
    const settings = page.locator('.controls-settings');
    const before = [await play.boundingBox(), await settings.boundingBox()];
    await play.click();
    await page.waitForTimeout(200);
    const after = [await play.boundingBox(), await settings.boundingBox()];
    assert.deepEqual(after, before);
    await page.getByTestId('share').click();
    const link = await page.getByTestId('share-link').inputValue();
    await page.getByTestId('copy-link').click();
    const status = page.getByTestId('copy-status');
    await status.waitFor();
    assert.equal(await status.getAttribute('data-copied'), 'true', await status.textContent());
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), link);
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
});

test('on a phone, the scenario and Play are on the first screen and the stage says it scrolls sideways', async () => {
  const { page, errors, close } = await open('', { viewport: { width: 390, height: 844 } });
  try {
    await page.getByTestId('replica').first().waitFor();
    for (const id of ['play', 'scenario']) {
      const box = await page.getByTestId(id).boundingBox();
      assert.ok(box.y + box.height <= 844, `${id} at ${box.y}`);
    }
    assert.ok(await page.locator('.scroll-hint').isVisible());
    const wrap = page.locator('.stage-wrap');
    assert.ok(await wrap.evaluate((el) => el.scrollWidth > el.clientWidth), 'the stage scrolls sideways');
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= innerWidth), 'the page itself does not');
    await page.screenshot({ path: join(screenshots, 'phone-390x844.png') });
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
});

test('bad link parameters are said in words, and a pasted paragraph does not widen the page', async () => {
  const cases = [
    [`?seed=${'9'.repeat(20000)}`, /seed=9{40}…/],
    ['?scenario=acks-0&step=-5', /step=-5 is not a whole number from 1 to/],
    ['?embed=1&controls=weird', /controls=weird is not one of show, hide, lock; ignored\./],
    ['?autoplay=maybe', /autoplay=maybe is not 1 or 0; using 1\./],
    ['?acks=2', /\. Using/],
  ];
  const { page, errors, close } = await open('', { viewport: { width: 1400, height: 900 } });
  try {
    for (const [q, said] of cases) {
      await page.goto(page.url().split('?')[0] + q);
      const notice = page.locator('.notice').filter({ hasText: said });
      await notice.waitFor({ timeout: 5000 }).catch(() => {});
      const all = await page.locator('.notice').allTextContents();
      assert.ok(all.some((t) => said.test(t)), `${q.slice(0, 40)}: ${JSON.stringify(all)}`);
      assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= innerWidth + 1), `${q.slice(0, 40)} widens the page`);
    }
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
});

test('in Korean, the title, the landmarks, the log bars and the events are Korean, in one set of terms', async () => {
  const { page, errors, close } = await open('?lang=ko&speed=5&consumers=3', { viewport: { width: 1400, height: 900 } });
  try {
    await page.getByTestId('replica').first().waitFor();
    await page.waitForFunction(() => /카프카/.test(document.title));
    const labels = await page.locator('[aria-label]').evaluateAll((els) => els.map((e) => e.getAttribute('aria-label')));
    // Kafka's configuration keys stay as Kafka writes them (acks, retries, linger.ms, ...).
    const english = labels.filter((l) => /^[\x20-\x7e]+$/.test(l) && !/^(acks|retries|[a-z]+(\.[a-z]+)+)$/.test(l));
    assert.deepEqual(english, [], 'labels left in English');
    const tooltip = await page.locator('[data-testid=log-bar] title').first().textContent();
    assert.match(tooltip, /로그 시작/);
    await page.locator('[data-testid=crash-broker]').nth(1).click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=event-log] li').length >= 3, null, { timeout: 20000 });
    const text = await page.locator('body').innerText();
    assert.doesNotMatch(text, /\((가|를|는|과|으)\)/, 'a particle left in both forms');
    assert.doesNotMatch(text, /리밸런싱|협력적/);
    // Every broker's crash button names its broker.
    const names = await page.locator('[data-testid=crash-broker]').evaluateAll((els) => els.map((e) => e.getAttribute('aria-label')));
    assert.equal(new Set(names).size, names.length, JSON.stringify(names));
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
});

test('text=large from the panel: larger text, and the link says so', async () => {
  const { page, errors, close } = await open('', { viewport: { width: 1400, height: 900 } });
  try {
    const size = () => page.evaluate(() => parseFloat(getComputedStyle(document.documentElement).fontSize));
    const normal = await size();
    await page.getByTestId('text-size').check();
    await page.waitForFunction(() => /text=large/.test(location.search));
    assert.ok((await size()) > normal);
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
});

test('a release build left running for 30 seconds logs nothing to its console', async () => {
  const { page, errors, close } = await open('?speed=2&consumers=3', { viewport: { width: 1400, height: 900 } });
  try {
    await page.getByTestId('replica').first().waitFor();
    const warnings = [];
    page.on('console', (m) => { if (m.type() === 'warning') warnings.push(m.text()); });
    await page.waitForTimeout(30000);
    assert.ok((await int(page, 'sim-time')) > 20000, 'it ran');
    assert.deepEqual(errors, []);
    assert.deepEqual(warnings, []);
  } finally {
    await close();
  }
});

test('__consumer_offsets is reachable: the partition that stores the group, its leader the coordinator, and the commits it holds', async () => {
  const { page, errors, close } = await open('?speed=5', { viewport: { width: 1400, height: 900 } });
  try {
    const offsets = page.getByTestId('consumer-offsets');
    await offsets.waitFor();
    await offsets.locator('summary').click();
    await page.waitForFunction(() => /orders-\d → \d+/.test(document.querySelector('[data-testid=offsets-commits]')?.textContent || ''), null, { timeout: 30000 });
    const text = await offsets.textContent();
    const partition = await offsets.getAttribute('data-partition');
    assert.match(text, new RegExp(`__consumer_offsets-${partition}`));
    const coordinator = await page.locator('[data-testid=broker]:has([data-testid=coordinator])').getAttribute('data-broker');
    assert.match(text, new RegExp(`Its leader, broker ${coordinator}, is the group's coordinator`));
    assert.match(await page.getByTestId('offsets-metadata').textContent(), /generation \d+, \d+ members?/);
    await offsets.scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(screenshots, 'consumer-offsets.png') });
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
});
