// The stage's frame-time benchmark (a benchmark that prints figures, not a test):
// 5 brokers, 24 partitions, replication factor 3, and a rate that keeps over a thousand
// records in flight, animated for 10 seconds in headless Chromium. Prints the p50 and p95
// frame times, the main thread's busy share (Chrome's TaskDuration over wall time) and its
// CPU time (ThreadTime), the records in flight, and the first-load size of the release
// build (gzip); then seek times on the timeline of a 10-minute run, and the time to the
// first stage drawn. KSCOPE_PERF_QUERY measures other settings (`&compare=acks:1`: two
// runs).
// Run: trunk build --release && node e2e/perf.mjs
import { readdirSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { open, dist } from './harness.mjs';

const query = process.env.KSCOPE_PERF_QUERY || '?brokers=5&partitions=24&replication.factor=3&min.insync.replicas=2&rate=20000&linger.ms=5&speed=1&seed=3';
const { page, close } = await open(query);
try {
  await page.getByTestId('sim-time').first().waitFor();
  await page.waitForTimeout(3000);
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  const metric = async (name) => (await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === name).value;
  const busy0 = await metric('TaskDuration');
  const cpu0 = await metric('ThreadTime');
  const wall0 = Date.now();
  const samples = await page.evaluate(() => new Promise((resolve) => {
    const times = [];
    const inFlight = [];
    const start = performance.now();
    function frame(t) {
      times.push(t);
      inFlight.push(Number(document.querySelector('[data-testid=records-in-flight]').textContent));
      if (t - start < 10000) requestAnimationFrame(frame); else resolve({ times, inFlight });
    }
    requestAnimationFrame(frame);
  }));
  const wall = (Date.now() - wall0) / 1000;
  const busy = (await metric('TaskDuration')) - busy0;
  const cpu = (await metric('ThreadTime')) - cpu0;
  const deltas = samples.times.slice(1).map((t, i) => t - samples.times[i]).sort((a, b) => a - b);
  const pct = (p) => deltas[Math.min(deltas.length - 1, Math.floor(p * deltas.length))];
  const flight = [...samples.inFlight].sort((a, b) => a - b);
  console.log(`frames: ${deltas.length + 1} in ${wall.toFixed(1)} s`);
  console.log(`frame time p50: ${pct(0.5).toFixed(1)} ms, p95: ${pct(0.95).toFixed(1)} ms`);
  console.log(`main thread busy: ${(100 * busy / wall).toFixed(1)}%`);
  // The CPU time the main thread got (ThreadTime): on a machine shared with other work, a
  // task's wall time (above) also counts the time the thread waited for a core.
  console.log(`main thread CPU: ${(100 * cpu / wall).toFixed(1)}%`);
  console.log(`records in flight: median ${flight[Math.floor(flight.length / 2)]}, min ${flight[0]}`);
  let total = 0;
  let full = 0;
  // The page's own files and wasm-bindgen's snippets (the canvas painter) beside them; not
  // what is fetched only when asked for (the exports' export.js, the page's worker and the
  // log view's stylesheet), nor the full build (kscope-full-* and the control-plane strip's
  // stylesheet, loaded instead of the first build's kscope-web-* for a run with transactions
  // or a controller quorum: its load is reported beside).
  const onDemand = (f) => f === 'export.js' || f === 'log-view.css' || f.startsWith('kscope-trace');
  const fullOnly = (f) => f.startsWith('kscope-full') || f === 'control-plane.css';
  for (const f of readdirSync(dist, { recursive: true })) {
    if (/\.(wasm|js|css)$/.test(f) && !f.startsWith('scenarios') && !onDemand(f)) {
      const size = gzipSync(readFileSync(join(dist, f))).length;
      if (!fullOnly(f)) total += size;
      if (!f.startsWith('kscope-web')) full += size;
      console.log(`  ${f}: ${(size / 1024).toFixed(1)} KB gzip`);
    }
  }
  const html = gzipSync(readFileSync(join(dist, 'index.html'))).length;
  console.log(`first load (wasm + js + css, gzip): ${(total / 1024).toFixed(1)} KB; with index.html ${((total + html) / 1024).toFixed(1)} KB`);
  if (full > total) {
    console.log(`first load of a run with transactions or a controller quorum (the full build): ${(full / 1024).toFixed(1)} KB; with index.html ${((full + html) / 1024).toFixed(1)} KB`);
  }
} finally {
  await close();
}

// Seeking on the timeline: a 10-minute run at the default rate, reached by a link, then
// the timeline dragged back (from a checkpoint, or from the start), and forward again.
{
  const run = await open('?at=600000000', { viewport: { width: 1400, height: 900 } });
  try {
    const at = (ms) => run.page.waitForFunction((t) => Number(document.querySelector('[data-testid=sim-time]')?.textContent) === t, ms, { timeout: 120000 });
    await at(600000);
    for (const [label, ms] of [['back to 9:50', 590000], ['back to 5:00', 300000], ['back to 0:05', 5000], ['forward to 9:55', 595000]]) {
      const started = Date.now();
      await run.page.getByTestId('timeline').fill(String(ms * 1000));
      await at(ms);
      console.log(`timeline ${label}: ${Date.now() - started} ms`);
    }
  } finally {
    await run.close();
  }
}

// Time to the first stage: from navigation to the first replica in the page, with a cold
// cache (a new browser each load), the median of 5; alone and comparing two runs.
for (const [label, query] of [['first stage drawn', ''], ['first stages drawn, comparing', '?compare=acks:1']]) {
  const times = [];
  for (let i = 0; i < 5; i++) {
    const run = await open(query, {
      init: () => {
        new MutationObserver((_, seen) => {
          if (document.querySelector('[data-testid=replica]')) {
            window.kscopeFirstStage = performance.now();
            seen.disconnect();
          }
        }).observe(document, { childList: true, subtree: true });
      },
    });
    try {
      await run.page.waitForFunction(() => window.kscopeFirstStage !== undefined, null, { timeout: 30000 });
      times.push(await run.page.evaluate(() => window.kscopeFirstStage));
    } finally {
      await run.close();
    }
  }
  times.sort((a, b) => a - b);
  console.log(`${label}: median ${times[2].toFixed(0)} ms after navigation (cold cache, 5 loads; ${times.map((t) => t.toFixed(0)).join(', ')})`);
}
