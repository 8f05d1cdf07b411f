// Run by scripts/post-build.mjs, after Trunk's release build: builds the page a second time with the features
// the first load leaves out (kscope-web's `full` feature: transactions), as the
// `kscope-full` binary, through the steps Trunk takes for the first (cargo, wasm-bindgen
// --target web, wasm-opt -Oz), into files named by a hash of their content. Their names go
// on boot.js's tag in index.html (`data-kscope-full-js`, `data-kscope-full-wasm`); boot.js
// loads this build instead of the first only for a run that needs it (a link with a
// transactional.id), so the default page's first load stays without it.
//
// Release builds only: a debug build (`trunk serve` without --release) has no full build,
// and a transactional link there says that transactions are not in the page's build.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const staging = process.env.TRUNK_STAGING_DIR;
if (!staging || process.env.TRUNK_PROFILE !== 'release') process.exit(0);
const root = process.env.TRUNK_SOURCE_DIR || process.cwd();
const run = (cmd, args) => execFileSync(cmd, args, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });

const started = Date.now();
run('cargo', ['build', '--release', '--locked', '--target', 'wasm32-unknown-unknown',
  '-p', 'kscope-web', '--bin', 'kscope-full', '--features', 'full']);
const meta = JSON.parse(execFileSync('cargo', ['metadata', '--format-version', '1', '--no-deps'], { cwd: root }));
const built = join(meta.target_directory, 'wasm32-unknown-unknown', 'release', 'kscope-full.wasm');
const out = join(meta.target_directory, 'kscope-full');
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
run('wasm-bindgen', ['--target=web', `--out-dir=${out}`, '--out-name=kscope-full', '--no-typescript', built]);
// The passes index.html gives the first build (`data-wasm-opt-params`): after -Oz, a flat
// and rebuilt control flow optimised twice more, two rounds of it (~1.7 KB smaller once
// compressed than -Oz alone; a third round grows it again); the toolchain's custom
// sections (producers, target features), which browsers ignore, dropped.
const round = ['--flatten', '--rereloop', '-Oz', '-Oz'];
run('wasm-opt', [`--output=${join(out, 'opt.wasm')}`, '-Oz', join(out, 'kscope-full_bg.wasm'), ...round, ...round, '--strip-producers', '--strip-target-features']);
renameSync(join(out, 'opt.wasm'), join(out, 'kscope-full_bg.wasm'));

// Named by their content, as Trunk names the first build's files. The glue names its
// WebAssembly only as a default (boot.js passes the path), and imports its snippets from
// ./snippets/, which the first build's glue shares (the same crate, the same files).
const hash = createHash('sha256');
for (const f of ['kscope-full.js', 'kscope-full_bg.wasm']) hash.update(readFileSync(join(out, f)));
const tag = hash.digest('hex').slice(0, 16);
const js = `kscope-full-${tag}.js`;
const wasm = `kscope-full-${tag}_bg.wasm`;
writeFileSync(join(staging, js), readFileSync(join(out, 'kscope-full.js')));
writeFileSync(join(staging, wasm), readFileSync(join(out, 'kscope-full_bg.wasm')));
const snippets = join(out, 'snippets');
if (existsSync(snippets)) {
  for (const f of readdirSync(snippets, { recursive: true })) {
    const from = join(snippets, f);
    const to = join(staging, 'snippets', f);
    if (f.endsWith('.js') && !existsSync(to)) {
      mkdirSync(join(to, '..'), { recursive: true });
      writeFileSync(to, readFileSync(from));
    }
  }
}
const htmlPath = join(staging, 'index.html');
const html = readFileSync(htmlPath, 'utf8');
// The release build's index.html is minified: its attribute values may be unquoted.
const withFull = html.replace(/data-kscope-wasm=("?)([^"\s>]*)\1/, (m, quote, first) => {
  const base = first.slice(0, first.lastIndexOf('/') + 1);
  return `${m} data-kscope-full-js="${base}${js}" data-kscope-full-wasm="${base}${wasm}"`;
});
if (withFull === html) throw new Error('build-full: no data-kscope-wasm attribute in index.html to put the full build beside');
writeFileSync(htmlPath, withFull);
console.log(`build-full: ${js} and ${wasm} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
