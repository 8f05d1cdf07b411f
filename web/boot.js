// Starts kscope. A same-origin file rather than the inline script Trunk would inject: a
// strict content policy (`script-src 'self'`, see index.html) forbids inline scripts, and
// the hash that could allow one would change with every build. The names of this build's
// JavaScript and WebAssembly (they carry a content hash) are on this script's tag, written
// there by Trunk (`pattern_script` in Trunk.toml).
const tag = document.querySelector('script[data-kscope-js]');
// A run with transactions (a transactional.id or commit.mode=transactional in the link)
// needs the page's full build (scripts/build-full.mjs), which the first load leaves out. The offline copy
// (export.js) copies whichever build runs, named on the tag.
const asked = new URLSearchParams(location.search);
// So does a controller quorum (quorum.size) or a ZooKeeper ensemble (metadata.mode).
const full =
  asked.get('transactional.id') ||
  asked.get('commit.mode') === 'transactional' ||
  ['1', '3', '5'].includes(asked.get('quorum.size')) ||
  asked.get('metadata.mode') === 'zookeeper';
if (full && tag.dataset.kscopeFullJs) {
  tag.dataset.kscopeJs = tag.dataset.kscopeFullJs;
  tag.dataset.kscopeWasm = tag.dataset.kscopeFullWasm;
  // The control-plane strip's styles come with the build that draws it.
  const css = document.createElement('link');
  css.rel = 'stylesheet';
  css.href = 'control-plane.css';
  document.head.append(css);
}
// The Korean catalogue is not in the WebAssembly: when the page will speak Korean (the
// URL's lang, else the browser's), it is fetched beside it, and read before the first frame.
const lang = new URLSearchParams(location.search).get('lang') || navigator.language.toLowerCase();
const korean = lang.startsWith('ko')
  ? fetch('help/ko.txt').then((r) => (r.ok ? r.text() : null), () => null)
  : null;
// The tooltips likewise (help/titles.txt), for every page.
const tips = fetch('help/titles.txt').then((r) => (r.ok ? r.text() : null), () => null);
const { default: init } = await import(tag.dataset.kscopeJs);
window.kscopeKo = await korean;
window.kscopeTips = await tips;
const wasm = await init({ module_or_path: tag.dataset.kscopeWasm });
// The size of the page's WebAssembly memory, in bytes (it grows, never shrinks): what
// e2e/memory.test.mjs bounds.
window.kscopeMemoryBytes = () => wasm.memory.buffer.byteLength;
// The exports (export.js: the offline copy, the stage as SVG), loaded only when asked for.
window.kscopeExport = async (what, ...args) => (await import('./export.js'))[what](...args);
