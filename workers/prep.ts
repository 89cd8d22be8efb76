// The ingest pipeline's second worker: no store, only the engine's text pipeline and built-in
// embedder (Module.Preparer, src/api/prepare.h). The store's worker hands it a batch's rows and
// bytes; it answers with the batch parsed, chunked, analysed and embedded, while the store's worker
// commits the batch before. Messages are served one at a time, in order.
//
// servePreparer runs inside that worker; PreparerClient is its handle in the store's worker.
import type { KspaceModule, WasmPreparer } from '../wasm/kspace.js';
import type { PrepReply, ToPrep, WireError } from './protocol.js';

/** How either side talks to the other. */
export interface PrepPort<In, Out> {
  post(msg: Out, transfer?: ArrayBuffer[]): void;
  onMessage(handler: (msg: In) => void): void;
}

/** Inside the second worker: answers ToPrep messages with a Module.Preparer. */
export function servePreparer(port: PrepPort<ToPrep, PrepReply>, loadModule: (compiled?: WebAssembly.Module) => Promise<KspaceModule>): void {
  let module: KspaceModule | null = null;
  let preparer: WasmPreparer | null = null;
  let queue = Promise.resolve();
  const fail = (id: number, error: WireError) => port.post({ id, ok: false, error });
  const handle = async (msg: ToPrep): Promise<void> => {
    try {
      if (msg.method === 'init') {
        module ??= await loadModule(msg.wasmModule);
        preparer?.delete();
        preparer = new module.Preparer(msg.options);
        port.post({ id: msg.id, ok: true, json: '{}' });
        return;
      }
      if (!preparer) return fail(msg.id, { code: 'FAILED_PRECONDITION', message: 'the preparer is not initialised' });
      const reply = preparer.call(msg.method, msg.bytes);
      if ('error' in reply) return fail(msg.id, reply.error);
      if (reply.bytes) port.post({ id: msg.id, ok: true, json: reply.json, bytes: reply.bytes }, [reply.bytes.buffer as ArrayBuffer]);
      else port.post({ id: msg.id, ok: true, json: reply.json });
    } catch (e) {
      fail(msg.id, { code: 'INTERNAL', message: e instanceof Error ? e.message : String(e) });
    }
  };
  port.onMessage((msg) => {
    queue = queue.then(() => handle(msg));
  });
}

/** A batch the second worker prepared: for ingestProcess { batchId, prepared }, and its timings. */
export interface PreparedBatch {
  bytes: Uint8Array;
  timings: { parseMs?: number; embedMs?: number };
}

/** The second worker as the store's worker sees it (started by HostEnv.startPreparer). */
export interface PreparerWorker extends PrepPort<PrepReply, ToPrep> {
  /** Called once if the worker dies (an uncaught error, or it could not start). */
  onError(handler: (message: string) => void): void;
  terminate(): void;
}

/** Calls into the second worker; every call rejects once the worker is gone. */
export class PreparerClient {
  private next = 1;
  private readonly waiting = new Map<number, { resolve(r: { json: string; bytes?: Uint8Array }): void; reject(e: WireError): void }>();
  private dead: WireError | null = null;

  constructor(private readonly worker: PreparerWorker) {
    worker.onMessage((msg) => {
      const w = this.waiting.get(msg.id);
      if (!w) return;
      this.waiting.delete(msg.id);
      if (msg.ok) w.resolve(msg.bytes ? { json: msg.json, bytes: msg.bytes } : { json: msg.json });
      else w.reject(msg.error);
    });
    worker.onError((message) => this.fail({ code: 'INTERNAL', message: `the ingest preparer stopped: ${message}` }));
  }

  get alive(): boolean {
    return this.dead === null;
  }

  init(options: string, wasmModule?: WebAssembly.Module): Promise<unknown> {
    return this.send({ id: 0, method: 'init', options, ...(wasmModule ? { wasmModule } : {}) });
  }

  loadTerms(bytes: Uint8Array): Promise<unknown> {
    return this.send({ id: 0, method: 'loadTerms', bytes });
  }

  async prepare(bytes: Uint8Array): Promise<PreparedBatch> {
    const r = await this.send({ id: 0, method: 'prepare', bytes }, [bytes.buffer as ArrayBuffer]);
    if (!r.bytes) throw { code: 'INTERNAL', message: 'the preparer returned no batch' } satisfies WireError;
    return { bytes: r.bytes, timings: JSON.parse(r.json) as PreparedBatch['timings'] };
  }

  terminate(): void {
    this.fail({ code: 'CLOSED', message: 'the store is closed' });
    this.worker.terminate();
  }

  private fail(e: WireError): void {
    if (this.dead) return;
    this.dead = e;
    for (const w of this.waiting.values()) w.reject(e);
    this.waiting.clear();
  }

  private send(msg: ToPrep, transfer?: ArrayBuffer[]): Promise<{ json: string; bytes?: Uint8Array }> {
    if (this.dead) return Promise.reject(this.dead);
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.worker.post({ ...msg, id }, transfer);
    });
  }
}
