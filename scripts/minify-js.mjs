// Run by scripts/post-build.mjs, after scripts/build-full.mjs: minifies the page's JavaScript that Trunk leaves
// as it is (its own minifier fails on wasm-bindgen's glue: "Failed to minify JS") with
// terser, and writes the new files' hashes into index.html's integrity attributes.
// Release builds only. terser is installed by scripts/ensure-tools.sh; without it the
// build goes on unminified, and says so.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const staging = process.env.TRUNK_STAGING_DIR;
if (!staging || process.env.TRUNK_PROFILE !== 'release') process.exit(0);
const terser = process.env.TERSER || '/opt/terser/bin/terser';
if (!existsSync(terser)) {
  console.warn(`minify-js: no terser at ${terser} (scripts/ensure-tools.sh installs it): the JavaScript stays unminified`);
  process.exit(0);
}
// What the first load fetches: the page's start, the glue and its snippets. Single
// quotes, as export.js finds the glue's imports of its snippets by them.
const files = readdirSync(staging, { recursive: true })
  .filter((f) => f === 'boot.js' || /^kscope-(web|full)-[^/]*\.js$/.test(f) || (/^snippets\//.test(f) && f.endsWith('.js')));
const htmlPath = join(staging, 'index.html');
let html = readFileSync(htmlPath, 'utf8');
for (const f of files) {
  const path = join(staging, f);
  execFileSync(terser, [path, '--module', '--compress', '--mangle', '--format', 'quote_style=1', '-o', path]);
  const hash = createHash('sha384').update(readFileSync(path)).digest('base64');
  const escaped = f.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  html = html.replace(new RegExp(`(href="?\\./${escaped}"? integrity="?)sha384-[A-Za-z0-9+/=]+`, 'g'), `$1sha384-${hash}`);
}
writeFileSync(htmlPath, html);
console.log(`minify-js: ${files.length} files minified`);
