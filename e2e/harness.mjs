// Shared set-up of kscope's end-to-end tests: serves the release build in ../dist on a
// free loopback port and opens it in Debian's Chromium through playwright-core.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdtempSync, mkdirSync, existsSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
// KSCOPE_DIST: another build to measure (an A/B comparison of two builds on one machine).
export const dist = process.env.KSCOPE_DIST || join(here, '..', 'dist');
export const screenshots = join(here, 'screenshots');

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

async function waitForServer(url, tries = 50) {
  for (let i = 0; i < tries; i++) {
    try {
      const r = await fetch(url);
      if (r.ok) return;
    } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no server at ${url}`);
}

/**
 * Starts the static server and the browser; returns { page, url, close }. With `under`
 * (say 'slides/kscope'), the build is served from that subfolder of the site, as a copy of
 * dist/ next to a lecturer's slides is; `viewport` is the window's size (a slide's frame,
 * a projector, a phone). The first-run guide is marked as seen unless `guide` is true (a
 * first visit).
 */
export async function open(query = '', { under = '', viewport = { width: 1400, height: 1000 }, guide = false } = {}) {
  if (!existsSync(join(dist, 'index.html'))) {
    throw new Error('no release build in dist/: run `trunk build --release` first');
  }
  mkdirSync(screenshots, { recursive: true });
  const port = await freePort();
  let root = dist;
  if (under) {
    root = mkdtempSync(join(tmpdir(), 'kscope-site-'));
    mkdirSync(join(root, dirname(under)), { recursive: true });
    symlinkSync(dist, join(root, under));
  }
  const server = spawn('python3', ['-m', 'http.server', String(port), '--bind', '127.0.0.1', '--directory', root], {
    stdio: 'ignore',
  });
  const base = `http://127.0.0.1:${port}/${under ? `${under}/` : ''}`;
  await waitForServer(base);
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
  const context = await browser.newContext({ viewport });
  if (!guide) await context.addInitScript(() => localStorage.setItem('kscope.guide.seen', '1'));
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  await page.goto(base + query);
  return {
    page,
    errors,
    async close() {
      await browser.close();
      server.kill();
    },
  };
}

export { mkdtempSync, tmpdir };
