// The offline copy: the whole page as one HTML file that plays with no server and no
// network, opened from a USB stick with file:// in a lecture hall.
//
// Loaded only when the person asks for a copy (boot.js imports it on demand), so the page's
// first load does not carry it. It reads this build's own files as the page was served
// (the JavaScript glue and the snippets it imports, the WebAssembly, the stylesheet, the
// scenarios and the help files) and writes them into one file: the WebAssembly as base64,
// the text files as JSON. The copy starts from an inline module script, which the strict
// content policy of the served page forbids; the copy carries no policy (it is the one
// artefact exempt from it, see the README), and it fetches nothing: `browser.rs` reads the
// scenarios and help files from `window.kscopeFiles` when it is there.

const text = async (path) => {
  const r = await fetch(path);
  if (!r.ok) throw new Error(`${path}: HTTP ${r.status}`);
  return r.text();
};

const base64 = (bytes) => {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    s += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  }
  return btoa(s);
};

// JSON that cannot close the script element it sits in.
const inline = (value) => JSON.stringify(value).replace(/</g, '\\u003c');

// The copy's start: the same steps as boot.js, from the inlined files. Module scripts
// import each other by URL, so each module becomes a blob: URL, and the glue's imports of
// its snippets are pointed at theirs.
const start = `
const files = JSON.parse(document.getElementById('kscope-files').textContent);
window.kscopeFiles = files.text;
window.kscopeQuery = files.query;
const url = (src) => URL.createObjectURL(new Blob([src], { type: 'text/javascript' }));
let glue = files.glue;
for (const [path, src] of Object.entries(files.snippets)) glue = glue.split("'" + path + "'").join("'" + url(src) + "'");
const bytes = Uint8Array.from(atob(files.wasm), (c) => c.charCodeAt(0));
const { default: init } = await import(url(glue));
const wasm = await init({ module_or_path: bytes });
window.kscopeMemoryBytes = () => wasm.memory.buffer.byteLength;
`;

/** Builds the copy of this page, starting at `query` (the session), and saves it as `name`. */
export async function exportHtml(query, name) {
  const tag = document.querySelector('script[data-kscope-js]');
  const gluePath = tag.dataset.kscopeJs;
  const glue = await text(gluePath);
  const snippets = {};
  for (const m of glue.matchAll(/from\s*'(\.\/snippets\/[^']+)'/g)) {
    snippets[m[1]] = await text(new URL(m[1], new URL(gluePath, location.href)).href);
  }
  const wasm = new Uint8Array(await (await fetch(tag.dataset.kscopeWasm)).arrayBuffer());
  const styles = [];
  for (const link of document.querySelectorAll('link[rel=stylesheet]')) styles.push(await text(link.href));
  const files = {};
  const index = await text('scenarios/index.txt');
  files['scenarios/index.txt'] = index;
  for (const line of index.split('\n')) {
    const file = line.trim();
    if (file && !file.startsWith('#')) files[`scenarios/${file}`] = await text(`scenarios/${file}`);
  }
  for (const help of ['help/guide.txt', 'help/myths.txt']) files[help] = await text(help);
  const bundle = { query, glue, snippets, wasm: base64(wasm), text: files };
  const html = `<!doctype html>
<html lang="${document.documentElement.lang || 'en'}">
<head>
<meta charset="utf-8" />
<meta name="viewport" content="width=device-width, initial-scale=1" />
<title>${document.title.replace(/</g, '&lt;')} (offline)</title>
<link rel="icon" href="data:," />
<style>${styles.join('\n').replace(/<\/style/gi, '<\\/style')}</style>
</head>
<body>
<script id="kscope-files" type="application/json">${inline(bundle)}</script>
<script type="module">${start}</script>
</body>
</html>
`;
  const a = document.createElement('a');
  a.href = URL.createObjectURL(new Blob([html], { type: 'text/html' }));
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 60_000);
}
