// kspace for browsers (and bundlers): the package entry. The engine runs in a dedicated module
// Worker; stores live in the Origin Private File System ({ name }) or in memory ({ memory: true }).
//
//   import { openStore } from 'kspace';
//   const store = await openStore({ name: 'notes' });
import { Store, type Transport } from './client.js';
import { KspaceError } from './errors.js';
import { resolveOpenOptions } from './open-options.js';
import type { OpenStoreOptions } from './types.js';

export { Store, assertJsonSafe } from './client.js';
export { KspaceError, type ErrorCode } from './errors.js';
export type * from './types.js';
export { MapApi } from './map.js';
export type * from './map-types.js';
export type * from './chat-types.js'; // chat
export { ChatApi, AgentsApi, ProvidersApi } from './chat.js'; // chat
export { MemoriesApi } from './memories.js'; // chat

function browserTransport(worker: Worker): Transport {
  let onExit: ((reason: string) => void) | null = null;
  worker.addEventListener('error', (e) => onExit?.(e.message || 'worker error'));
  worker.addEventListener('messageerror', () => onExit?.('a message could not be decoded'));
  return {
    post: (msg, transfer) => worker.postMessage(msg, transfer ?? []),
    onMessage: (handler) => {
      worker.onmessage = (e: MessageEvent) => handler(e.data);
    },
    onExit: (handler) => {
      onExit = handler;
    },
    terminate: () => worker.terminate(),
  };
}

// The engine's code, fetched and compiled here once per page while the worker starts, and handed
// to every store's worker (and its ingest pipeline's): the compile no longer waits for the worker's
// own scripts, and a second store in the page reuses it. Undefined when it cannot be fetched here
// (the worker then loads kspace.wasm itself, as before). Only with the default worker: with a
// custom workerUrl the .wasm may live elsewhere.
let compiled: Promise<WebAssembly.Module | undefined> | null = null;
function compiledModule(): Promise<WebAssembly.Module | undefined> {
  compiled ??= (async () => {
    // The literal new URL(...) form lets bundlers find and emit the file.
    const url = new URL('../wasm/kspace.wasm', import.meta.url);
    try {
      return await WebAssembly.compileStreaming(fetch(url, { credentials: 'same-origin' }));
    } catch {
      // compileStreaming needs the application/wasm content type; a server may not send it.
      try {
        const res = await fetch(url, { credentials: 'same-origin' });
        return res.ok ? await WebAssembly.compile(await res.arrayBuffer()) : undefined;
      } catch {
        return undefined;
      }
    }
  })();
  return compiled;
}

/**
 * Opens a store: `{ name }` in the Origin Private File System, or `{ memory: true }`.
 * Rejects with STORE_LOCKED when another tab or worker has the store open.
 */
export async function openStore(options: OpenStoreOptions): Promise<Store> {
  const { open, maxSourceBytes } = resolveOpenOptions(options, 'browser');
  if (typeof Worker === 'undefined') throw new KspaceError('UNSUPPORTED', 'this environment has no Web Workers');
  // The literal `new Worker(new URL(...), { type: 'module' })` form lets Vite and webpack find and
  // bundle the worker (and, through it, the .wasm file). The default is the build's bundle of
  // the worker (workers/worker.bundle.js, one request), which starts ~50 ms sooner than its
  // unbundled module graph would.
  const module = options.workerUrl ? undefined : compiledModule();
  const worker = options.workerUrl
    ? new Worker(options.workerUrl, { type: 'module' })
    : new Worker(new URL('../workers/worker.bundle.js', import.meta.url), { type: 'module' });
  try {
    return await Store.open(browserTransport(worker), open, maxSourceBytes, module, options.embedder);
  } catch (e) {
    worker.terminate();
    throw e;
  }
}
