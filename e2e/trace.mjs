// Where the page's main thread spends its time (a profiling aid, not a test): records a
// Chrome trace of 5 seconds of the perf.mjs configuration and prints the busy share (the
// union of the renderer main thread's tasks) and the largest trace events by total time.
// Run: trunk build --release && node e2e/trace.mjs ['?query']
import { open } from './harness.mjs';
const query = process.argv[2] || '?brokers=5&partitions=24&replication.factor=3&min.insync.replicas=2&rate=20000&linger.ms=5&speed=1&seed=3';
const { page, close } = await open(query);
await page.getByTestId('sim-time').waitFor();
await page.waitForTimeout(3000);
const cdp = await page.context().newCDPSession(page);
const events = [];
cdp.on('Tracing.dataCollected', (d) => events.push(...d.value));
const done = new Promise((r) => cdp.once('Tracing.tracingComplete', r));
await cdp.send('Tracing.start', { categories: 'devtools.timeline,disabled-by-default-devtools.timeline,v8.execute,blink,cc,gpu,viz', transferMode: 'ReportEvents' });
await page.waitForTimeout(5000);
await cdp.send('Tracing.end');
await done;
// main thread: the renderer's CrRendererMain
const threads = {};
for (const e of events) if (e.name === 'thread_name') threads[`${e.pid}:${e.tid}`] = e.args.name;
const agg = {}; const cnt = {};
for (const e of events) {
  if (e.ph !== 'X' || !e.dur) continue;
  const th = threads[`${e.pid}:${e.tid}`] || '?';
  const k = `${th} | ${e.name}`;
  agg[k] = (agg[k] || 0) + e.dur / 1000; cnt[k] = (cnt[k] || 0) + 1;
}
{
  const iv = events.filter((e) => e.ph === 'X' && e.name === 'RunTask' && threads[`${e.pid}:${e.tid}`] === 'CrRendererMain').map((e) => [e.ts, e.ts + e.dur]).sort((a, b) => a[0] - b[0]);
  let total = 0, end = -1;
  for (const [a, b] of iv) { if (a >= end) { total += b - a; end = b; } else if (b > end) { total += b - end; end = b; } }
  const span = (Math.max(...events.filter(e=>e.ts).map(e=>e.ts)) - Math.min(...events.filter(e=>e.ts).map(e=>e.ts)));
  console.log('main thread busy (union of RunTask):', (total/1000).toFixed(0), 'ms of', (span/1000).toFixed(0), 'ms =', (100*total/span).toFixed(1) + '%');
}
Object.entries(agg).sort((a, b) => b[1] - a[1]).slice(0, 40).forEach(([k, v]) => console.log(v.toFixed(0).padStart(7), 'ms', String(cnt[k]).padStart(5), k));
await close();
