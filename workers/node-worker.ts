// Node worker entry: hosts the engine over ordinary files (or memory) in a worker thread, so long
// engine calls never block the application's event loop. Started by js/node.ts.
import { parentPort, Worker } from 'node:worker_threads';
import { Host, type OpenedFiles, type Port } from './host.js';
import { loadNodeModule } from './node-module.js';
import { NodeFsBackend } from './node-backend.js';
import type { PreparerWorker } from './prep.js';
import type { FromWorker, PrepReply, StoreLocation, ToWorker } from './protocol.js';

if (!parentPort) throw new Error('node-worker.js must run in a worker thread');
const parent = parentPort;

const port: Port = {
  post: (msg: FromWorker, transfer?: ArrayBuffer[]) => parent.postMessage(msg, transfer ?? []),
  onMessage: (handler) => parent.on('message', (msg: ToWorker) => handler(msg)),
};

async function openFiles(location: StoreLocation): Promise<OpenedFiles> {
  if (location.kind === 'memory') return { backend: null, filename: 'memory.kspace', release: () => {} };
  if (location.kind !== 'path') {
    throw Object.assign(new Error('in Node a store is opened by path or in memory'), {
      code: 'INVALID_ARGUMENT',
      field: 'name',
    });
  }
  return { backend: new NodeFsBackend(), filename: location.path, release: () => {} };
}

new Host(port, {
  loadModule: loadNodeModule,
  openFiles,
  // The ingest pipeline's second worker: a worker thread of this worker thread.
  startPreparer: (): PreparerWorker => {
    const w = new Worker(new URL('./node-prep-worker.bundle.js', import.meta.url));
    w.unref(); // never keeps the process alive; the store's worker holds it while it waits
    let onError: ((message: string) => void) | null = null;
    w.on('error', (e: Error) => onError?.(e.message));
    w.on('exit', (code: number) => onError?.(`exited with code ${code}`));
    return {
      post: (msg, transfer) => w.postMessage(msg, transfer ?? []),
      onMessage: (handler) => w.on('message', (msg: PrepReply) => handler(msg)),
      onError: (handler) => {
        onError = handler;
      },
      terminate: () => void w.terminate(),
    };
  },
});
