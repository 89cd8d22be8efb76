// The messages between the client (js/) and the worker that hosts the engine (workers/).
//
// One worker serves one store. The client sends `open` once, then `call`s; every call gets exactly
// one `result`. Long calls (ingest, layout) may send `progress` first and can be cancelled. The
// worker can call back into the client (e.g. a JS embedder living on the page) with `callback`.
// Binary payloads travel as Uint8Array next to the JSON-like values, never inside them.

/** A failure as it crosses the wire: a stable code, a message, and the offending argument. */
export interface WireError {
  code: string;
  message: string;
  field?: string;
}

/** Where the worker finds the store's files. */
export type StoreLocation =
  | { kind: 'memory' }
  | { kind: 'path'; path: string } // Node: a file path
  | { kind: 'opfs'; name: string }; // browser: a name in the Origin Private File System

export interface WorkerOpenOptions {
  location: StoreLocation;
  /** Engine options passed through to C++ (see Engine::ParseOptions). */
  engine: Record<string, unknown>;
  /** Whether a multi-batch ingest may prepare batches in a second worker (workers/prep.ts). */
  ingestPipeline?: boolean;
  /** Whether the worker loads the most recently updated space's vector index soon after opening. */
  warmIndex?: boolean;
}

/** To the ingest pipeline's second worker (workers/prep.ts), answered by PrepReply in order. */
export type ToPrep =
  | { id: number; method: 'init'; options: string; wasmModule?: WebAssembly.Module }
  | { id: number; method: 'loadTerms' | 'prepare'; bytes: Uint8Array };
export type PrepReply =
  | { id: number; ok: true; json: string; bytes?: Uint8Array }
  | { id: number; ok: false; error: WireError };

export interface OpenedInfo {
  engineVersion: string;
  location: StoreLocation;
  /**
   * Milliseconds from the open message until the WebAssembly module was instantiated (0 if already
   * loaded), including any wait for the client's compile. The store's files are prepared meanwhile.
   */
  moduleMs: number;
  /** Milliseconds spent preparing the store's files (lock, OPFS handles) after the module was ready. */
  filesMs: number;
  /** Milliseconds the engine took to open the store (SQLite, schema check, migrations). */
  openMs: number;
}

export type ToWorker =
  // With moduleFollows, the client is still compiling the engine: the worker prepares the store's
  // files meanwhile and takes the code from the `module` message that follows (undefined there:
  // the worker loads kspace.wasm itself).
  | { type: 'open'; options: WorkerOpenOptions; wasmModule?: WebAssembly.Module; moduleFollows?: boolean }
  | { type: 'module'; wasmModule?: WebAssembly.Module }
  | { type: 'call'; id: number; method: string; args: unknown; bytes?: Uint8Array }
  | { type: 'cancel'; id: number }
  | { type: 'callbackResult'; cbId: number; ok: true; value: unknown }
  | { type: 'callbackResult'; cbId: number; ok: false; error: WireError }
  | { type: 'close'; id: number };

export type FromWorker =
  | { type: 'opened'; info: OpenedInfo }
  | { type: 'openFailed'; error: WireError }
  | { type: 'result'; id: number; ok: true; value: unknown; bytes?: Uint8Array }
  | { type: 'result'; id: number; ok: false; error: WireError }
  | { type: 'progress'; id: number; progress: unknown }
  | { type: 'callback'; cbId: number; kind: string; payload: unknown }
  | { type: 'closed'; id: number };

/**
 * A store's files as the engine's C++ VFS sees them (wasm/js_backend.h states the contract).
 * Errors are negative numbers: -1 not found, -2 I/O error, -3 out of space; `lastError` explains.
 */
export interface JsFileBackend {
  open(name: string, create: boolean): number;
  read(handle: number, dest: Uint8Array, offset: number): number;
  write(handle: number, src: Uint8Array, offset: number): number;
  truncate(handle: number, size: number): number;
  size(handle: number): number;
  sync(handle: number): number;
  close(handle: number): number;
  delete(name: string): number;
  exists(name: string): number;
  lastError: string;
}

export const ERR_NOT_FOUND = -1;
export const ERR_IO = -2;
export const ERR_FULL = -3;
