// The engine host: runs inside a dedicated worker (a browser Worker or a Node worker thread), owns
// the WebAssembly module and one open store, and answers the client's messages (protocol.ts).
//
// Engine calls are synchronous and never interleave (JS runs one thing at a time), and no engine
// transaction ever spans an `await`: every write the engine acknowledges is committed.
import type { KspaceModule, WasmEngine } from '../wasm/kspace.js';
import { addSourcesJob, ingestJob, reembedJob, resumeJob, retryJob, withQueryVector } from './jobs.js';
import { mapLayoutJob } from './map-jobs.js';
import { chatSendJob } from './chat-jobs.js'; // chat
import { lockJob, setProviderJob, unlockJob } from './providers.js'; // chat
import type { FromWorker, JsFileBackend, StoreLocation, ToWorker, WireError, WorkerOpenOptions } from './protocol.js';
import { PreparerClient, type PreparerWorker } from './prep.js';

/** How long after opening the worker loads the most recently updated space's index (scheduleWarm). */
const WARM_DELAY_MS = 150;

/** How the host talks to its client. */
export interface Port {
  post(msg: FromWorker, transfer?: ArrayBuffer[]): void;
  onMessage(handler: (msg: ToWorker) => void): void;
}

/** The store's files, prepared for the engine. `backend` null means in memory. */
export interface OpenedFiles {
  backend: JsFileBackend | null;
  filename: string;
  release(): void;
}

/** What a long-running job (ingest, re-embedding, layout) gets to work with. */
export interface JobContext {
  readonly args: Record<string, unknown>;
  readonly bytes: Uint8Array | undefined;
  /** Runs one engine call; throws a wire-shaped error ({ code, message, field }) on failure. */
  call(method: string, args: unknown, bytes?: Uint8Array): { value: unknown; bytes?: Uint8Array };
  /** Reports progress to the caller's onProgress. */
  progress(p: unknown): void;
  /** Throws CANCELLED once the caller aborted; call it between units of work. */
  checkCancelled(): void;
  readonly cancelled: boolean;
  /** Asks the client to run a callback it registered (e.g. `embed` for a page-side embedder). */
  callClient(kind: string, payload: unknown): Promise<unknown>;
  /** Lets other messages (searches, cancels) through between units of work. */
  yield(): Promise<void>;
  /**
   * The ingest pipeline's second worker (workers/prep.ts), started on first use and kept until the
   * store closes; null where it cannot run (or the store was opened with ingestPipeline: false),
   * and while another job holds it: it keeps one space's statistics, so one job uses it at a time,
   * until that job ends.
   */
  preparer(): Promise<PreparerClient | null>;
}

export type JobHandler = (ctx: JobContext) => Promise<unknown>;

/** What differs between the browser and Node. */
export interface HostEnv {
  /** Instantiates the engine module, from `compiled` when the client shares one it compiled. */
  loadModule(compiled?: WebAssembly.Module): Promise<KspaceModule>;
  openFiles(location: StoreLocation): Promise<OpenedFiles>;
  /** Starts the ingest pipeline's second worker; absent or null where workers cannot be nested. */
  startPreparer?(): PreparerWorker | null;
}

export function toWireError(e: unknown, fallbackCode = 'INTERNAL'): WireError {
  if (e && typeof e === 'object' && 'code' in e && typeof (e as { code: unknown }).code === 'string') {
    const err = e as { code: string; message?: string; field?: string };
    const out: WireError = { code: err.code, message: String(err.message ?? err.code) };
    if (err.field) out.field = err.field;
    return out;
  }
  return { code: fallbackCode, message: e instanceof Error ? e.message : String(e) };
}

let nextBackendId = 1;

/** A failure with a wire code, thrown inside the worker (jobs may inspect and adjust it). */
export class WireFailure extends Error implements WireError {
  code: string;
  field?: string;
  constructor(w: WireError) {
    super(w.message);
    this.code = w.code;
    if (w.field !== undefined) this.field = w.field;
  }
}

export class Host {
  private readonly jobs = new Map<number, { cancelled: boolean; done: Promise<void> }>();
  private readonly callbacks = new Map<number, { resolve(v: unknown): void; reject(e: unknown): void }>();
  private nextCallback = 1;
  private readonly jobHandlers = new Map<string, JobHandler>();
  private module: KspaceModule | null = null;
  private engine: WasmEngine | null = null;
  private files: OpenedFiles | null = null;
  private backendId = 0;

  private hasEmbedder = false;
  /** The compiled module, when the client shared one (the second worker reuses it). */
  private compiled: WebAssembly.Module | undefined;
  /** Resolves the open's wait for the client's compiled module (the `module` message). */
  private moduleArrived: ((m: WebAssembly.Module | undefined) => void) | null = null;
  /** The engine's open options, which the second worker's Preparer takes (chunk sizes). */
  private engineOptions = '{}';
  private pipeline = false;
  /** undefined: not started yet; null: cannot be used. */
  private preparerClient: Promise<PreparerClient | null> | undefined;
  /** The job that holds the second worker, if any (see JobContext.preparer). */
  private preparerOwner: number | null = null;
  private nextInternalJob = -1;
  /** The pending idle step that links vectors into their index graphs (see scheduleIndexing). */
  private indexTimer: ReturnType<typeof setTimeout> | null = null;
  /** The pending load of vector indexes ahead of searches (see scheduleWarm). */
  private warmTimer: ReturnType<typeof setTimeout> | null = null;
  /** Whether the store was opened with warmIndex (the default). */
  private warm = false;

  constructor(
    private readonly port: Port,
    private readonly env: HostEnv,
  ) {
    this.registerJob('ingest', ingestJob);
    this.registerJob('addSource', addSourcesJob('addSource'));
    this.registerJob('addSources', addSourcesJob('addSources'));
    this.registerJob('retrySources', retryJob);
    this.registerJob('reembed', reembedJob);
    this.registerJob('search', withQueryVector('search', () => this.hasEmbedder));
    this.registerJob('similar', withQueryVector('similar', () => this.hasEmbedder));
    this.registerJob('mapLayout', mapLayoutJob);
    this.registerJob('chatSend', chatSendJob); // chat
    this.registerJob('providerSet', setProviderJob); // chat
    this.registerJob('providerUnlock', unlockJob); // chat
    this.registerJob('providerLock', lockJob); // chat
    port.onMessage((msg) => {
      this.dispatch(msg).catch((e: unknown) => {
        // Last resort: never leave the client waiting on a message we could not handle.
        if ('id' in msg) this.port.post({ type: 'result', id: msg.id, ok: false, error: toWireError(e) });
      });
    });
  }

  private async dispatch(msg: ToWorker): Promise<void> {
    switch (msg.type) {
      case 'open': {
        const compiled = msg.moduleFollows
          ? new Promise<WebAssembly.Module | undefined>((resolve) => (this.moduleArrived = resolve))
          : Promise.resolve(msg.wasmModule);
        return this.open(msg.options, compiled);
      }
      case 'module':
        this.moduleArrived?.(msg.wasmModule);
        this.moduleArrived = null;
        return;
      case 'call':
        return this.call(msg.id, msg.method, msg.args, msg.bytes);
      case 'close': {
        // Running jobs stop at their next checkpoint (what they committed stays; an interrupted
        // ingest resumes when the store is opened again), then the store closes.
        for (const job of this.jobs.values()) job.cancelled = true;
        await Promise.allSettled([...this.jobs.values()].map((j) => j.done));
        this.close();
        this.port.post({ type: 'closed', id: msg.id });
        return;
      }
      case 'cancel': {
        const job = this.jobs.get(msg.id);
        if (job) job.cancelled = true;
        return;
      }
      case 'callbackResult': {
        const cb = this.callbacks.get(msg.cbId);
        if (!cb) return;
        this.callbacks.delete(msg.cbId);
        if (msg.ok) cb.resolve(msg.value);
        else cb.reject(new WireFailure(msg.error));
        return;
      }
    }
  }

  /** Makes `method` a job: run by `handler` in JS with progress, cancellation and callbacks. */
  registerJob(method: string, handler: JobHandler): void {
    this.jobHandlers.set(method, handler);
  }

  private engineCall(method: string, args: unknown, bytes?: Uint8Array): { value: unknown; bytes?: Uint8Array } {
    if (!this.engine) throw new WireFailure({ code: 'CLOSED', message: 'the store is closed' });
    const reply = this.engine.call(method, JSON.stringify(args ?? {}), bytes);
    if ('error' in reply) throw new WireFailure(reply.error);
    const value: unknown = JSON.parse(reply.json);
    return reply.bytes ? { value, bytes: reply.bytes } : { value };
  }

  private callClient(kind: string, payload: unknown): Promise<unknown> {
    const cbId = this.nextCallback++;
    return new Promise((resolve, reject) => {
      this.callbacks.set(cbId, { resolve, reject });
      this.port.post({ type: 'callback', cbId, kind, payload });
    });
  }

  private async runJob(id: number, handler: JobHandler, args: unknown, bytes: Uint8Array | undefined): Promise<void> {
    let finished = () => {};
    const state = { cancelled: false, done: new Promise<void>((r) => (finished = r)) };
    this.jobs.set(id, state);
    const ctx: JobContext = {
      args: (args && typeof args === 'object' ? args : {}) as Record<string, unknown>,
      bytes,
      call: (m, a, b) => this.engineCall(m, a, b),
      progress: (p) => {
        if (id >= 0) this.port.post({ type: 'progress', id, progress: p });
      },
      checkCancelled: () => {
        if (state.cancelled) throw new WireFailure({ code: 'CANCELLED', message: 'cancelled by the caller' });
      },
      get cancelled() {
        return state.cancelled;
      },
      callClient: (kind, payload) => this.callClient(kind, payload),
      yield: () => new Promise((r) => setTimeout(r, 0)),
      preparer: async () => {
        if (this.preparerOwner !== null && this.preparerOwner !== id) return null;
        this.preparerOwner = id;
        const client = await this.preparer();
        if (!client && this.preparerOwner === id) this.preparerOwner = null;
        return client;
      },
    };
    try {
      const value = await handler(ctx);
      if (id >= 0) this.port.post({ type: 'result', id, ok: true, value });
    } catch (e) {
      if (id >= 0) this.port.post({ type: 'result', id, ok: false, error: toWireError(e) });
    } finally {
      this.jobs.delete(id);
      if (this.preparerOwner === id) this.preparerOwner = null;
      finished();
      this.scheduleIndexing();
    }
  }

  private preparer(): Promise<PreparerClient | null> {
    if (this.preparerClient === undefined) {
      this.preparerClient = (async () => {
        if (!this.pipeline || !this.env.startPreparer) return null;
        let worker: PreparerWorker | null = null;
        try {
          worker = this.env.startPreparer();
          if (!worker) return null;
          const client = new PreparerClient(worker);
          await client.init(this.engineOptions, this.compiled);
          return client;
        } catch {
          worker?.terminate();
          return null; // ingest runs in this worker alone
        }
      })();
    }
    return this.preparerClient.then((c) => (c && c.alive ? c : null));
  }

  /**
   * Idle work: vectors a commit stored enter their index's graph later (searches scan them exactly
   * meanwhile; see src/api/vector_spaces.h). While no job runs, the worker links them in steps of
   * about 20 ms with a timer turn in between, so calls from the page wait at most one step.
   */
  private scheduleIndexing(): void {
    if (this.indexTimer !== null || !this.engine) return;
    this.indexTimer = setTimeout(() => {
      this.indexTimer = null;
      if (!this.engine || this.jobs.size > 0) return; // a job's end schedules the next step
      const reply = this.engine.call('indexStep', '{"budgetMs":20}', undefined);
      // A failed step (e.g. an I/O error saving the snapshot) stops until the next call.
      if ('error' in reply) return;
      const { unlinked } = JSON.parse(reply.json) as { unlinked: number };
      if (unlinked > 0) this.scheduleIndexing();
    }, 0);
  }

  private async open(options: WorkerOpenOptions, compiledModule: Promise<WebAssembly.Module | undefined>): Promise<void> {
    try {
      if (this.engine) throw Object.assign(new Error('store already open'), { code: 'FAILED_PRECONDITION' });
      const t0 = performance.now();
      // The store's files (lock, OPFS handles: round trips to the browser) are prepared while the
      // engine's code arrives and is instantiated; after a browser restart both take ~10-40 ms.
      const opening = this.env.openFiles(options.location);
      opening.catch(() => {}); // reported below, once the module is ready
      let compiled: WebAssembly.Module | undefined;
      try {
        compiled = await compiledModule;
        this.module ??= await this.env.loadModule(compiled);
      } catch (e) {
        void opening.then((f) => f.release(), () => {});
        throw e;
      }
      const moduleMs = performance.now() - t0;
      const files = await opening;
      const t1 = performance.now();
      const filesMs = t1 - t0 - moduleMs;
      let id = 0;
      if (files.backend) {
        id = nextBackendId++;
        this.module.ksBackends ??= {};
        this.module.ksBackends[id] = files.backend;
      }
      const engine = new this.module.Engine();
      const opened = engine.open(JSON.stringify({ ...options.engine, filename: files.filename }), id);
      if ('error' in opened) {
        engine.delete();
        if (id) delete this.module.ksBackends[id];
        files.release();
        this.port.post({ type: 'openFailed', error: opened.error });
        return;
      }
      this.engine = engine;
      this.files = files;
      this.compiled = compiled;
      this.engineOptions = JSON.stringify(options.engine);
      this.pipeline = options.ingestPipeline !== false;
      this.backendId = id;
      this.hasEmbedder = options.engine.embedder !== undefined;
      const openMs = performance.now() - t1;
      this.port.post({ type: 'opened', info: { engineVersion: this.module.version(), location: options.location, moduleMs, filesMs, openMs } });
      // Sources an interrupted ingest left staged are processed in the background.
      void this.runJob(this.nextInternalJob--, resumeJob, {}, undefined);
      this.warm = options.warmIndex !== false;
      if (this.warm) this.scheduleWarm(WARM_DELAY_MS);
    } catch (e) {
      this.port.post({ type: 'openFailed', error: toWireError(e, 'IO_ERROR') });
    }
  }

  private async call(id: number, method: string, args: unknown, bytes: Uint8Array | undefined): Promise<void> {
    if (!this.engine) {
      this.port.post({ type: 'result', id, ok: false, error: { code: 'CLOSED', message: 'the store is closed' } });
      return;
    }
    const job = this.jobHandlers.get(method);
    if (job) {
      await this.runJob(id, job, args, bytes);
      // A search may have answered from an index snapshot without loading it: load it while idle.
      if (this.warm && (method === 'search' || method === 'similar')) this.scheduleWarm(WARM_DELAY_MS);
      return;
    }
    const reply = this.engine.call(method, JSON.stringify(args ?? {}), bytes);
    this.scheduleIndexing();
    if ('error' in reply) {
      this.port.post({ type: 'result', id, ok: false, error: reply.error });
      return;
    }
    const value: unknown = JSON.parse(reply.json);
    if (reply.bytes) {
      this.port.post({ type: 'result', id, ok: true, value, bytes: reply.bytes }, [reply.bytes.buffer as ArrayBuffer]);
    } else {
      this.port.post({ type: 'result', id, ok: true, value });
    }
  }

  /**
   * Loads vector indexes ahead of the searches that need them (the engine's warmIndex): soon after
   * the store opens, that of the space updated most recently; after a search that was answered
   * from an index's snapshot without loading it (the first search after opening), that index.
   * Reading a big space's index (100-300 ms at 100k chunks) then happens while the person types,
   * not inside a search. The delay lets an application's first calls (listing spaces to draw its
   * page) go first. It waits while a job runs. Failures are dropped: the next search loads (or
   * rebuilds) the index and reports any error itself.
   */
  private scheduleWarm(delayMs: number): void {
    if (this.warmTimer !== null || !this.engine) return;
    this.warmTimer = setTimeout(() => {
      this.warmTimer = null;
      if (!this.engine) return;
      if (this.jobs.size > 0) {
        this.scheduleWarm(delayMs);
        return;
      }
      this.engine.call('warmIndex', '{}', undefined);
      this.scheduleIndexing();
    }, delayMs);
  }

  private close(): void {
    if (this.warmTimer !== null) clearTimeout(this.warmTimer);
    this.warmTimer = null;
    if (this.indexTimer !== null) clearTimeout(this.indexTimer);
    void this.preparerClient?.then((c) => c?.terminate());
    this.preparerClient = undefined;
    this.indexTimer = null;
    for (const cb of this.callbacks.values()) cb.reject(new WireFailure({ code: 'CLOSED', message: 'the store is closed' }));
    this.callbacks.clear();
    if (this.engine) {
      this.engine.close();
      this.engine.delete();
      this.engine = null;
    }
    if (this.module && this.backendId) delete this.module.ksBackends[this.backendId];
    this.backendId = 0;
    this.files?.release();
    this.files = null;
  }
}
