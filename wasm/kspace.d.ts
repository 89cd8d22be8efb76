// Types of the Emscripten ES-module glue (build output dist/wasm/kspace.js).
import type { JsFileBackend, WireError } from '../workers/protocol.js';

export type WireOpenResult = { ok: true } | { error: WireError };
export type WireCallResult = { json: string; bytes?: Uint8Array } | { error: WireError };

export interface WasmEngine {
  open(optionsJson: string, backendId: number): WireOpenResult;
  call(method: string, argsJson: string, bytes: Uint8Array | undefined): WireCallResult;
  close(): void;
  delete(): void;
}

/** The second worker's half of a pipelined ingest (src/api/prepare.h). */
export interface WasmPreparer {
  call(method: 'loadTerms' | 'prepare', bytes: Uint8Array): WireCallResult;
  delete(): void;
}

export interface KspaceModule {
  Engine: new () => WasmEngine;
  Preparer: new (optionsJson: string) => WasmPreparer;
  version(): string;
  ksBackends: Record<number, JsFileBackend>;
}

export interface KspaceModuleOptions {
  wasmBinary?: ArrayBuffer | Uint8Array;
  locateFile?: (path: string, prefix: string) => string;
  instantiateWasm?: (
    imports: WebAssembly.Imports,
    done: (instance: WebAssembly.Instance, module: WebAssembly.Module) => void,
  ) => object | false;
}

export default function createKspaceModule(options?: KspaceModuleOptions): Promise<KspaceModule>;
