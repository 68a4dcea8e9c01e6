// Runs a WASI preview-1 module on Node's own WASI (node:wasi) for a side-by-side figure: node node-wasi-run.mjs
// MODULE.wasm HOSTDIR N, with HOSTDIR preopened as /data and argv = files N. Prints the instantiate+run time on stderr.
import { readFile } from 'node:fs/promises';
import { WASI } from 'node:wasi';
const [wasmPath, dir, n] = process.argv.slice(2);
const wasi = new WASI({ version: 'preview1', args: ['files', n], env: {}, preopens: { '/data': dir }, returnOnExit: true });
const mod = await WebAssembly.compile(await readFile(wasmPath));
const t0 = process.hrtime.bigint();
const inst = await WebAssembly.instantiate(mod, wasi.getImportObject());
const code = wasi.start(inst);
const t1 = process.hrtime.bigint();
console.error(`node wasi: exit ${code}, ${Number(t1 - t0) / 1e6} ms`);
