// Accessibility: axe-core (npm) finds no serious or critical violation on the default
// page, a scenario presented in Korean, the embedded page with its controls, and a
// comparison of two runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { open } from './harness.mjs';

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** Runs axe on the page as it is; returns the serious and critical violations. */
async function violations(page) {
  // Evaluated through the browser's debugging protocol: the page's content policy refuses
  // an added inline <script>, as it should.
  await page.evaluate(axeSource);
  const result = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.slice(0, 3).map((n) => `${n.target.join(' ')}: ${n.failureSummary}`),
    }));
  });
  return result.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

const pages = [
  ['the default page', '', { width: 1400, height: 900 }],
  ['a scenario presented in Korean', '?scenario=acks-1-leader-dies&lang=ko', { width: 1400, height: 900 }],
  ['the embedded page with its controls', '?embed=1&controls=show', { width: 960, height: 540 }],
  ['a comparison of two runs', '?acks=1&compare=acks:all', { width: 1400, height: 900 }],
];

for (const [name, query, viewport] of pages) {
  test(`axe-core finds no serious or critical violation on ${name}`, async () => {
    const { page, close } = await open(query, { viewport });
    try {
      await page.getByTestId('replica').first().waitFor();
      // Run a little, so the stage, the event log and the charts hold something.
      await page.waitForTimeout(2500);
      if (query.includes('embed')) {
        await page.getByTestId('controls-toggle').click();
        await page.getByTestId('controls').waitFor();
      }
      const found = await violations(page);
      assert.deepEqual(found, [], JSON.stringify(found, null, 2));
    } finally {
      await close();
    }
  });
}
