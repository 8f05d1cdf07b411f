// Runs kscope-core's throughput benchmark compiled to WebAssembly (wasm32-wasip1) in
// Node's WASI host, so the same simulation can be measured natively and as wasm.
// Usage: node scripts/bench-wasm.mjs path/to/throughput-*.wasm   (see scripts/bench.sh)
import { readFile } from 'node:fs/promises';
import { WASI } from 'node:wasi';

const file = process.argv[2];
const wasi = new WASI({ version: 'preview1', args: ['throughput', '--bench'], env: {} });
const module = await WebAssembly.compile(await readFile(file));
const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
wasi.start(instance);
