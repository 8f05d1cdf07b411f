// The page's exports that need no simulation: the offline copy (`html`) and the stage as
// a picture (`svg`). Loaded only when the person asks for one (boot.js imports it on
// demand), so the page's first load does not carry it.
//
// The offline copy is the whole page as one HTML file that plays with no server and no
// network, opened from a USB stick with file:// in a lecture hall. It reads this build's own files as the page was served
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

/** The page's stylesheet, as served. */
async function stylesheet() {
  const parts = [];
  for (const link of document.querySelectorAll('link[rel=stylesheet]')) parts.push(await text(link.href));
  return parts.join('\n');
}

// JSON that cannot close the script element it sits in.
const inline = (value) => JSON.stringify(value).replace(/</g, '\\u003c');

// The copy's start: the same steps as boot.js, from the inlined files. Module scripts
// import each other by URL, so each module becomes a blob: URL, and the glue's imports of
// its snippets are pointed at theirs.
const start = `
const files = JSON.parse(document.getElementById('kscope-files').textContent);
window.kscopeFiles = files.text;
window.kscopeKo = files.text['help/ko.txt'];
window.kscopeTips = files.text['help/titles.txt'];
window.kscopeQuery = files.query;
const url = (src) => URL.createObjectURL(new Blob([src], { type: 'text/javascript' }));
let glue = files.glue;
for (const [path, src] of Object.entries(files.snippets)) glue = glue.split("'" + path + "'").join("'" + url(src) + "'");
const bytes = Uint8Array.from(atob(files.wasm), (c) => c.charCodeAt(0));
const { default: init } = await import(url(glue));
const wasm = await init({ module_or_path: bytes });
window.kscopeMemoryBytes = () => wasm.memory.buffer.byteLength;
`;

/** Saves `text` as a file called `name`. */
function save(text, type, name) {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(new Blob([text], { type }));
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 60_000);
}

/** Builds the copy of this page, starting at `query` (the session), and saves it as `name`. */
export async function html(name, query) {
  const tag = document.querySelector('script[data-kscope-js]');
  const gluePath = tag.dataset.kscopeJs;
  const glue = await text(gluePath);
  const snippets = {};
  for (const m of glue.matchAll(/from\s*'(\.\/snippets\/[^']+)'/g)) {
    snippets[m[1]] = await text(new URL(m[1], new URL(gluePath, location.href)).href);
  }
  const wasm = new Uint8Array(await (await fetch(tag.dataset.kscopeWasm)).arrayBuffer());
  const styles = await stylesheet();
  const files = {};
  const index = await text('scenarios/index.txt');
  files['scenarios/index.txt'] = index;
  for (const line of index.split('\n')) {
    const file = line.trim();
    if (file && !file.startsWith('#')) files[`scenarios/${file}`] = await text(`scenarios/${file}`);
  }
  for (const help of ['help/guide.txt', 'help/myths.txt', 'help/titles.txt', 'help/ko.txt']) files[help] = await text(help);
  const bundle = { query, glue, snippets, wasm: base64(wasm), text: files };
  const html = `<!doctype html>
<html lang="${document.documentElement.lang || 'en'}">
<head>
<meta charset="utf-8" />
<meta name="viewport" content="width=device-width, initial-scale=1" />
<title>${document.title.replace(/</g, '&lt;')} (offline)</title>
<link rel="icon" href="data:," />
<style>${styles.replace(/<\/style/gi, '<\\/style')}</style>
</head>
<body>
<script id="kscope-files" type="application/json">${inline(bundle)}</script>
<script type="module">${start}</script>
</body>
</html>
`;
  save(html, 'text/html', name);
}

/** Saves the event trace (JSON Lines, made by the trace worker) as `name`. */
export async function jsonl(name, lines) {
  save(lines, 'application/x-ndjson', name);
}

// Text for XML: the stylesheet and the page's words may hold `&` and `<`.
const xml = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');

/**
 * Saves the stage as it is drawn now as an SVG called `name`: its markup, styled by the
 * page's stylesheet, in a `foreignObject` (text and boxes stay vector), and over it the
 * messages in flight as SVG shapes, from the last frame the painter was given (dots.js
 * keeps it on the canvas as `kscopeFrame`), each in its kind's colour and shape.
 */
export async function svg(name) {
  const box = document.querySelector('.stage-box');
  const canvas = box.querySelector('canvas.dots');
  const at = box.getBoundingClientRect();
  const w = Math.ceil(at.width);
  const h = Math.ceil(at.height);
  const styles = await stylesheet();
  const clone = box.cloneNode(true);
  clone.querySelector('canvas.dots')?.remove();
  const markup = new XMLSerializer().serializeToString(clone);
  const shapes = [];
  const frame = canvas?.kscopeFrame;
  if (frame) {
    const c = canvas.getBoundingClientRect();
    const dx = c.left - at.left;
    const dy = c.top - at.top;
    const scale = frame.design > 0 && frame.h > 0 ? frame.h / frame.design : 1;
    for (let i = 0; i < frame.data.length; i += 3) {
      const [colour, round, size] = frame.palette[frame.data[i]];
      const side = size * scale;
      const x = dx + frame.data[i + 1] * frame.w;
      const y = dy + frame.data[i + 2] * scale;
      shapes.push(round
        ? `<circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="${(side / 2).toFixed(1)}" fill="${colour}"/>`
        : `<rect x="${(x - side / 2).toFixed(1)}" y="${(y - side / 2).toFixed(1)}" width="${side.toFixed(1)}" height="${side.toFixed(1)}" fill="${colour}"/>`);
    }
  }
  const picture = `<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}">
<title>${xml(document.title)}</title>
<foreignObject x="0" y="0" width="${w}" height="${h}">
<div xmlns="http://www.w3.org/1999/xhtml" lang="${document.documentElement.lang}" style="width:${w}px"><style>${xml(styles)}</style>${markup}</div>
</foreignObject>
<g class="messages" stroke="#ffffff" stroke-width="1.5">${shapes.join('')}</g>
</svg>
`;
  save(picture, 'image/svg+xml', name);
}
