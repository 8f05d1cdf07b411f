// Shared set-up of kscope's end-to-end tests: serves the release build in ../dist on a
// free loopback port and opens it in Debian's Chromium through playwright-core.
import { createServer } from 'node:http';
import { mkdtempSync, mkdirSync, existsSync, symlinkSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, extname, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
// KSCOPE_DIST: another build to measure (an A/B comparison of two builds on one machine).
export const dist = process.env.KSCOPE_DIST || join(here, '..', 'dist');
export const screenshots = join(here, 'screenshots');

const types = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
  '.json': 'application/json',
};

/**
 * A static server of `root` on a free loopback port, as any web server would serve
 * dist/ (a folder's index.html for the folder), with `headers` on every answer (a
 * content policy, as a school's or a company's server would add). Resolves to
 * { port, close }.
 */
function serve(root, headers) {
  // Long query strings are part of what is tested (a pasted paragraph as a parameter).
  const server = createServer({ maxHeaderSize: 1 << 20 }, (req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    let file = normalize(join(root, path));
    if (!file.startsWith(normalize(root + sep)) && file !== normalize(root)) {
      res.writeHead(403).end();
      return;
    }
    try {
      if (statSync(file).isDirectory()) file = join(file, 'index.html');
      const body = readFileSync(file);
      res.writeHead(200, { 'content-type': types[extname(file)] || 'application/octet-stream', ...headers });
      res.end(body);
    } catch {
      res.writeHead(404, headers).end('not found');
    }
  });
  return new Promise((resolve, reject) => {
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => resolve({ port: server.address().port, close: () => server.close() }));
  });
}

/**
 * Starts the static server and the browser; returns { page, url, close }. With `under`
 * (say 'slides/kscope'), the build is served from that subfolder of the site, as a copy of
 * dist/ next to a lecturer's slides is; `viewport` is the window's size (a slide's frame,
 * a projector, a phone). The first-run guide is marked as seen unless `guide` is true (a
 * first visit). `headers` go on every answer of the server; `init` runs in the page before
 * any of its scripts.
 */
export async function open(query = '', { under = '', viewport = { width: 1400, height: 1000 }, guide = false, headers = {}, init = null } = {}) {
  if (!existsSync(join(dist, 'index.html'))) {
    throw new Error('no release build in dist/: run `trunk build --release` first');
  }
  mkdirSync(screenshots, { recursive: true });
  let root = dist;
  if (under) {
    root = mkdtempSync(join(tmpdir(), 'kscope-site-'));
    mkdirSync(join(root, dirname(under)), { recursive: true });
    symlinkSync(dist, join(root, under));
  }
  const server = await serve(root, headers);
  const base = `http://127.0.0.1:${server.port}/${under ? `${under}/` : ''}`;
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
  const context = await browser.newContext({ viewport });
  if (!guide) await context.addInitScript(() => localStorage.setItem('kscope.guide.seen', '1'));
  if (init) await context.addInitScript(init);
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
      server.close();
    },
  };
}

export { mkdtempSync, tmpdir };
