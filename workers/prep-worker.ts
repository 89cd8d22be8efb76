// Browser entry of the ingest pipeline's second worker (workers/prep.ts), started by the store's
// worker with new Worker(new URL('./prep-worker.bundle.js', import.meta.url), { type: 'module' }).
import { loadModule } from './module.js';
import { servePreparer } from './prep.js';
import type { PrepReply, ToPrep } from './protocol.js';

interface WorkerScope {
  postMessage(msg: unknown, transfer?: ArrayBuffer[]): void;
  addEventListener(type: 'message', listener: (e: MessageEvent<ToPrep>) => void): void;
}
const scope = globalThis as unknown as WorkerScope;

servePreparer(
  {
    post: (msg: PrepReply, transfer?: ArrayBuffer[]) => scope.postMessage(msg, transfer ?? []),
    onMessage: (handler) => scope.addEventListener('message', (e) => handler(e.data)),
  },
  loadModule,
);
