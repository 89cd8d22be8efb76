// Instantiating the engine module in a Node worker thread (the store's and the ingest pipeline's).
// The client compiles the module once per process and shares it, so every store opened after the
// first reuses the compiled code; without it, read and compile the file here.
import fs from 'node:fs';
import createKspaceModule, { type KspaceModule } from '../wasm/kspace.js';
import { instantiateFrom } from './module.js';

export function loadNodeModule(compiled?: WebAssembly.Module): Promise<KspaceModule> {
  return compiled
    ? createKspaceModule({ instantiateWasm: instantiateFrom(compiled) })
    : createKspaceModule({ wasmBinary: fs.readFileSync(new URL('../wasm/kspace.wasm', import.meta.url)) });
}
