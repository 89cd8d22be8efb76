// kspace for Node: the same API as the browser entry, with the engine in a worker thread and
// stores as ordinary files ({ path }) or in memory ({ memory: true }).
//
//   import { openStore } from 'kspace';
//   const store = await openStore({ path: './my.kspace' });
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import nodePath from 'node:path';
import { Worker } from 'node:worker_threads';
import { Store, type Transport } from './client.js';
import { KspaceError } from './errors.js';
import { acquireLockFile, releaseLockFile } from './node-lock.js';
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

function nodeTransport(worker: Worker, onGone: () => void): Transport {
  let onMessage: ((msg: never) => void) | null = null;
  let onExit: ((reason: string) => void) | null = null;
  let terminated = false;
  worker.on('message', (msg) => onMessage?.(msg as never));
  worker.on('error', (e) => onExit?.(e.message));
  worker.on('exit', (code) => {
    onGone();
    if (!terminated) onExit?.(`exited with code ${code}`);
  });
  worker.unref(); // referenced only while calls are in flight (setBusy)
  return {
    post: (msg, transfer) => worker.postMessage(msg, transfer ?? []),
    onMessage: (handler) => {
      onMessage = handler as (msg: never) => void;
    },
    onExit: (handler) => {
      onExit = handler;
    },
    setBusy: (busy) => (busy ? worker.ref() : worker.unref()),
    terminate: () => {
      // The worker has closed the store (or never opened it): the lock can go now.
      terminated = true;
      onGone();
      void worker.terminate();
    },
  };
}

// Compiled once per process and shared with every store's worker: V8 shares the compiled code, so
// only the first store opened pays for compiling the engine.
let compiled: Promise<WebAssembly.Module | undefined> | null = null;
function compiledModule(): Promise<WebAssembly.Module | undefined> {
  compiled ??= WebAssembly.compile(fs.readFileSync(new URL('../wasm/kspace.wasm', import.meta.url))).catch(() => undefined);
  return compiled;
}

// A worker inherits the process's Node options. Two kinds break it: --input-type (as in `node
// --input-type=module -e '...'`) is only valid for the main script's string input, and the worker
// fails to start with it; and an execArgv given explicitly (to leave --input-type out) may not
// hold V8 or process-wide flags (--max-old-space-size, --expose-gc, --stack-size...), which Node
// then refuses with ERR_WORKER_INVALID_EXEC_ARGV. So: inherit when there is no --input-type, else
// pass the rest, and if Node refuses that, pass none (the flags are the process's anyway).
function startWorker(url: string | URL): Worker {
  const inputType = (a: string, i: number, all: string[]) => a.startsWith('--input-type') || all[i - 1] === '--input-type';
  if (!process.execArgv.some(inputType)) return new Worker(url);
  try {
    return new Worker(url, { execArgv: process.execArgv.filter((a, i, all) => !inputType(a, i, all)) });
  } catch (e) {
    if ((e as { code?: string }).code !== 'ERR_WORKER_INVALID_EXEC_ARGV') throw e;
    return new Worker(url, { execArgv: [] });
  }
}

/**
 * Opens a store: `{ path }` (a file; created if missing) or `{ memory: true }`.
 * Rejects with STORE_LOCKED when another process (or another open in this one) has the file.
 */
export async function openStore(options: OpenStoreOptions): Promise<Store> {
  const { open, maxSourceBytes } = resolveOpenOptions(options, 'node');
  let release = () => {};
  if (open.location.kind === 'path') {
    const file = nodePath.resolve(open.location.path);
    open.location = { kind: 'path', path: file };
    const lockPath = `${file}.lock`;
    const token = randomUUID();
    let holder: number | null;
    try {
      holder = acquireLockFile(lockPath, token);
    } catch (e) {
      throw new KspaceError('IO_ERROR', `cannot create ${lockPath}: ${(e as Error).message}`, 'path');
    }
    if (holder !== null) {
      throw new KspaceError('STORE_LOCKED', `${file} is open in another process or store (pid ${holder})`, 'path');
    }
    release = () => releaseLockFile(lockPath, token);
  }
  const worker = startWorker(options.workerUrl ?? new URL('../workers/node-worker.bundle.js', import.meta.url));
  let released = false;
  const gone = () => {
    if (!released) {
      released = true;
      release();
    }
  };
  try {
    return await Store.open(nodeTransport(worker, gone), open, maxSourceBytes, compiledModule(), options.embedder);
  } catch (e) {
    void worker.terminate();
    gone();
    throw e;
  }
}
