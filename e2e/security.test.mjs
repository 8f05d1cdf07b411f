// Security: the page works under the strict content policy it ships (index.html's
// <meta http-equiv>), served as a school's or a company's server would send it, as a
// header; and a locked embed (`controls=lock`) lets no one in the audience change the run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { open, dist, screenshots } from './harness.mjs';

/** The policy the build carries in its <meta http-equiv="Content-Security-Policy">. */
function shippedPolicy() {
  const html = readFileSync(join(dist, 'index.html'), 'utf8');
  const m = html.match(/http-equiv="?Content-Security-Policy"?[^>]*content="([^"]+)"|content="([^"]+)"[^>]*http-equiv="?Content-Security-Policy/i);
  assert.ok(m, 'the built page carries its content policy');
  return (m[1] || m[2]).replaceAll('&#39;', "'");
}

test('the page runs under the strict content policy it ships, with no violation', async () => {
  const policy = shippedPolicy();
  for (const part of ["default-src 'self'", "script-src 'self' 'wasm-unsafe-eval'", "style-src 'self'", "worker-src 'self' blob:"]) {
    assert.ok(policy.includes(part), `the policy has ${part}: ${policy}`);
  }
  const { page, errors, close } = await open('?consumers=2&partitions=3', {
    headers: { 'content-security-policy': policy },
    // From the first script on: a refused start-up script would be the first violation.
    init: () => {
      window.__violations = [];
      document.addEventListener('securitypolicyviolation', (e) => window.__violations.push(`${e.violatedDirective}: ${e.blockedURI}`));
    },
  });
  try {
    await page.waitForFunction(() => Number(document.querySelector('[data-testid=sim-time]')?.textContent) > 2000, null, { timeout: 20000 });
    // The group forms (after group.initial.rebalance.delay.ms): partitions have owners.
    await page.waitForSelector('[data-testid=owner]:not([data-consumer=""])', { timeout: 20000 });
    const t0 = Number(await page.getByTestId('sim-time').textContent());
    await page.waitForTimeout(1500);
    assert.ok(Number(await page.getByTestId('sim-time').textContent()) > t0, 'the run goes on');
    // What the page used to set with `style` attributes now comes through the CSSOM.
    const looks = await page.evaluate(() => {
      const stage = document.querySelector('.stage');
      const badge = document.querySelector('[data-testid=owner] .badge:not(.none)');
      const card = document.querySelector('[data-testid=consumer]');
      return {
        columns: getComputedStyle(stage).gridTemplateColumns.split(' ').length,
        fills: [...document.querySelectorAll('.batchbar .fill')].map((f) => f.style.transform),
        badgeHue: badge && getComputedStyle(badge).getPropertyValue('--hue').trim(),
        cardHue: card && getComputedStyle(card).getPropertyValue('--hue').trim(),
        lagStroke: document.querySelector('polyline.lag')?.getAttribute('stroke'),
        painter: document.querySelector('[data-testid=dots]').dataset.painter,
      };
    });
    assert.equal(looks.columns, 3 + 2, 'the producer, three brokers and the group');
    assert.equal(looks.fills.length, 3);
    assert.ok(looks.fills.every((f) => /^scaleX\(/.test(f)), `every batch bar is filled: ${looks.fills}`);
    assert.match(looks.badgeHue ?? '', /^\d+$/, 'an owner badge has its consumer hue');
    assert.match(looks.cardHue ?? '', /^\d+$/, 'a consumer card has its hue');
    assert.match(looks.lagStroke ?? '', /^hsl\(/, 'each lag line has its colour');
    assert.equal(looks.painter, 'worker', 'messages are painted by the worker, which the policy allows from blob:');
    await page.screenshot({ path: join(screenshots, 'strict-csp.png') });
    assert.deepEqual(await page.evaluate(() => window.__violations), []);
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
});

test('controls=lock disables every button on the stage, and the presenter keys still step', async () => {
  const { page, errors, close } = await open('?scenario=acks-1-leader-dies&embed=1&controls=lock');
  try {
    await page.getByTestId('caption').waitFor();
    await page.getByTestId('replica').first().waitFor();
    const buttons = page.locator('.stage button');
    assert.ok((await buttons.count()) >= 6, 'the brokers have their buttons');
    assert.equal(await page.locator('.stage button:not(:disabled)').count(), 0, 'none is enabled');
    await page.getByTestId('crash-broker').first().click({ force: true });
    await page.waitForTimeout(300);
    assert.equal(await page.locator('[data-testid=broker][data-state=down]').count(), 0, 'no broker went down');
    const before = await page.getByTestId('caption-step').textContent();
    await page.keyboard.press('ArrowRight');
    await page.waitForFunction((b) => document.querySelector('[data-testid=caption-step]').textContent !== b, before);
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
  // Not embedded, the consumers' buttons and the links are the run's too.
  const second = await open('?controls=lock&consumers=2');
  try {
    await second.page.getByTestId('consumer').first().waitFor();
    assert.ok(await second.page.locator('[data-testid=consumer] button').count() >= 2);
    assert.equal(await second.page.locator('[data-testid=consumer] button:not(:disabled)').count(), 0);
    assert.equal(await second.page.locator('[data-testid=link]:not(:disabled)').count(), 0);
    assert.equal(await second.page.locator('[data-testid=crash-broker]:not(:disabled)').count(), 0);
    assert.deepEqual(second.errors, []);
  } finally {
    await second.close();
  }
});

test('every bad parameter is answered: beside a scenario, a thousand refused actions in one line, long values cut', async () => {
  // Bad values beside a valid scenario are each said, after the scenario starts.
  const first = await open('?scenario=acks-1-leader-dies&step=abc&acks=7&colour=blue');
  try {
    await first.page.getByTestId('caption').waitFor();
    await first.page.waitForTimeout(500);
    const said = (await first.page.getByTestId('notice').allTextContents()).join('\n');
    for (const what of ['step=abc', 'acks', 'colour']) assert.ok(said.includes(what), `${what} is said: ${said}`);
    assert.deepEqual(first.errors, []);
  } finally {
    await first.close();
  }
  // A link replaying a thousand refused actions: one line, with its count.
  const run = `1${'_rs~cb9'.repeat(1000)}`;
  const long = 'x'.repeat(4000);
  const second = await open(`?run=${run}&at=1500000&bogus=${long}`);
  try {
    await second.page.waitForFunction(() => document.querySelector('[data-testid=seeking]') === null
      && Number(document.querySelector('[data-testid=sim-time]')?.textContent) >= 1500, null, { timeout: 30000 });
    const lines = await second.page.getByTestId('notice').allTextContents();
    assert.ok(lines.length <= 7, `${lines.length} notices`);
    assert.ok(lines.some((l) => l.includes('crash-broker 9') && l.includes('1000×')), lines.join('\n'));
    assert.ok(lines.every((l) => l.length < 400), 'no notice quotes a long value whole');
    const height = await second.page.evaluate(() => document.documentElement.scrollHeight);
    assert.ok(height < 4000, `the page is ${height} px tall`);
    assert.deepEqual(second.errors, []);
  } finally {
    await second.close();
  }
});
