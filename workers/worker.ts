// Browser worker entry: hosts the engine over OPFS (or memory) inside a dedicated module Worker.
// Started by js/index.ts as its bundle: new Worker(new URL('../workers/worker.bundle.js', import.meta.url), { type: 'module' }).
import { Host, type OpenedFiles, type Port } from './host.js';
import { loadModule } from './module.js';
import { acquireWebLock, checkStoreName, OpfsPoolBackend, storeDirectory } from './opfs-backend.js';
import type { PreparerWorker } from './prep.js';
import type { FromWorker, PrepReply, StoreLocation, ToWorker } from './protocol.js';

interface WorkerScope {
  postMessage(msg: unknown, transfer?: ArrayBuffer[]): void;
  addEventListener(type: 'message', listener: (e: MessageEvent<ToWorker>) => void): void;
}
const scope = globalThis as unknown as WorkerScope;

const port: Port = {
  post: (msg: FromWorker, transfer?: ArrayBuffer[]) => scope.postMessage(msg, transfer ?? []),
  onMessage: (handler) => scope.addEventListener('message', (e) => handler(e.data)),
};

async function openFiles(location: StoreLocation): Promise<OpenedFiles> {
  if (location.kind === 'memory') return { backend: null, filename: 'memory.kspace', release: () => {} };
  if (location.kind !== 'opfs') {
    throw Object.assign(new Error('in a browser a store is opened by name (OPFS) or in memory'), {
      code: 'INVALID_ARGUMENT',
      field: 'path',
    });
  }
  const bad = checkStoreName(location.name);
  if (bad) throw Object.assign(new Error(bad), { code: 'INVALID_ARGUMENT', field: 'name' });
  // The lock and the directory are asked for side by side (each a round trip to the browser); no
  // file is opened before the lock is held.
  const [locked, directory] = await Promise.allSettled([acquireWebLock(location.name), storeDirectory(location.name)]);
  if (locked.status === 'rejected') throw locked.reason;
  const unlock = locked.value;
  try {
    if (directory.status === 'rejected') throw directory.reason;
    const dir = directory.value;
    const backend = await OpfsPoolBackend.open(dir, 'store.kspace');
    return {
      backend,
      filename: 'store.kspace',
      release: () => {
        backend.closeAll();
        unlock();
      },
    };
  } catch (e) {
    unlock();
    throw e;
  }
}

// The ingest pipeline's second worker: a nested dedicated worker.
function startPreparer(): PreparerWorker | null {
  if (typeof Worker === 'undefined') return null;
  const w = new Worker(new URL('./prep-worker.bundle.js', import.meta.url), { type: 'module' });
  let onError: ((message: string) => void) | null = null;
  w.addEventListener('error', (e) => onError?.(e.message || 'worker error'));
  return {
    post: (msg, transfer) => w.postMessage(msg, transfer ?? []),
    onMessage: (handler) => w.addEventListener('message', (e: MessageEvent<PrepReply>) => handler(e.data)),
    onError: (handler) => {
      onError = handler;
    },
    terminate: () => w.terminate(),
  };
}

new Host(port, {
  loadModule,
  openFiles,
  startPreparer,
});
