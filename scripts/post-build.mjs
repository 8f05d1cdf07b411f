// Trunk's post-build hook (Trunk.toml; Trunk starts a stage's hooks all at once, so the
// steps that follow one another are run from here): the page's full build beside the first
// (build-full.mjs), then the JavaScript minified (minify-js.mjs). Release builds only; each
// step says what it did.
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
for (const step of ['build-full.mjs', 'minify-js.mjs']) {
  execFileSync(process.execPath, [join(here, step)], { stdio: 'inherit' });
}
