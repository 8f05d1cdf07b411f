import { open } from './harness.mjs';
const [query, out, wait, w, h, keys] = process.argv.slice(2);
const { page, errors, close } = await open(query);
if (w) await page.setViewportSize({ width: +w, height: +h });
await page.waitForTimeout(+(wait || 2000));
if (keys) { for (const k of keys.split(',')) { await page.keyboard.press(k); await page.waitForTimeout(1500); } }
await page.screenshot({ path: out, fullPage: false });
console.log('url', page.url());
console.log('caption', await page.locator('[data-testid=caption]').textContent().catch(() => null));
console.log('errors', errors);
await close();
