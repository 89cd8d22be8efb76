// Node entry of the ingest pipeline's second worker (workers/prep.ts), a worker thread started by
// the store's worker thread.
import { parentPort } from 'node:worker_threads';
import { loadNodeModule } from './node-module.js';
import { servePreparer } from './prep.js';
import type { PrepReply, ToPrep } from './protocol.js';

if (!parentPort) throw new Error('node-prep-worker.js must run in a worker thread');
const parent = parentPort;

servePreparer(
  {
    post: (msg: PrepReply, transfer?: ArrayBuffer[]) => parent.postMessage(msg, transfer ?? []),
    onMessage: (handler) => parent.on('message', (msg: ToPrep) => handler(msg)),
  },
  loadNodeModule,
);
