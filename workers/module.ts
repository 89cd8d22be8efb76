// Instantiating the engine module in a browser worker (the store's and the ingest pipeline's):
// from the module the client compiled and shared, or by fetching kspace.wasm beside kspace.js.
import createKspaceModule, { type KspaceModule } from '../wasm/kspace.js';

/** Emscripten's hook for instantiating from an already compiled module. */
export function instantiateFrom(compiled: WebAssembly.Module) {
  return (imports: WebAssembly.Imports, done: (i: WebAssembly.Instance, m: WebAssembly.Module) => void) => {
    void WebAssembly.instantiate(compiled, imports).then((instance) => done(instance, compiled));
    return {};
  };
}

export function loadModule(compiled?: WebAssembly.Module): Promise<KspaceModule> {
  return createKspaceModule(compiled ? { instantiateWasm: instantiateFrom(compiled) } : {});
}
