// The Store client: a typed API over RPC to the worker that hosts the engine.
//
// Every method returns a promise that settles with the engine's answer or rejects with a
// KspaceError. Arguments are checked for what JSON cannot carry (NaN, Infinity, lone surrogates,
// functions...) here, where the field can still be named; everything else is validated by the
// engine itself, which changes nothing when it rejects a call.
import type { FromWorker, OpenedInfo, ToWorker, WireError, WorkerOpenOptions } from '../workers/protocol.js';
import { KspaceError, invalid, objectArg } from './errors.js';
import { MapApi } from './map.js';
import type {
  CheckResult,
  Chunk,
  Embedder,
  IngestOptions,
  IngestResult,
  JobOptions,
  ReembedOptions,
  ReembedResult,
  SearchHit,
  SearchOptions,
  SimilarOptions,
  SimilarTarget,
  SpaceStats,
  CreateSpaceInput,
  Id,
  ListSourcesOptions,
  ListSpacesOptions,
  PurgeResult,
  Source,
  SourceContent,
  SourceContentOptions,
  SourceInput,
  Space,
  SpaceInput,
  StoreStats,
  WarmIndexResult,
} from './types.js';
import { AgentsApi, ChatApi, ProvidersApi } from './chat.js'; // chat
import { MemoriesApi } from './memories.js'; // chat

/** A message channel to a worker (a browser Worker or a Node worker thread). */
export interface Transport {
  post(msg: ToWorker, transfer?: ArrayBuffer[]): void;
  onMessage(handler: (msg: FromWorker) => void): void;
  /** Called once if the worker dies or fails to start. */
  onExit(handler: (reason: string) => void): void;
  /** Whether the worker should keep a Node process alive (only meaningful in Node). */
  setBusy?(busy: boolean): void;
  terminate(): void;
}

interface Pending {
  resolve(v: { value: unknown; bytes?: Uint8Array }): void;
  reject(e: KspaceError): void;
  onProgress?: ((p: unknown) => void) | undefined;
}

/** Runs an embedder on a batch and checks its output: n x dimensions finite numbers. */
async function runEmbedder(embedder: Embedder, texts: string[]): Promise<Float32Array> {
  let out: ArrayLike<number>[] | Float32Array;
  try {
    out = await embedder.embed(texts);
  } catch (e) {
    throw new KspaceError('IO_ERROR', `embedder.embed failed: ${e instanceof Error ? e.message : String(e)}`, 'embedder');
  }
  const dim = embedder.dimensions;
  const flat = new Float32Array(texts.length * dim);
  if (out instanceof Float32Array) {
    if (out.length !== flat.length) {
      throw invalid(`embedder.embed returned ${out.length} numbers for ${texts.length} texts of ${dim} dimensions`, 'embedder');
    }
    flat.set(out);
  } else {
    if (!Array.isArray(out) || out.length !== texts.length) {
      throw invalid(`embedder.embed must return one vector per text (${texts.length})`, 'embedder');
    }
    out.forEach((v, i) => {
      if (!v || v.length !== dim) throw invalid(`embedder.embed returned a vector of length ${v?.length} (expected ${dim})`, 'embedder');
      flat.set(v, i * dim);
    });
  }
  for (let i = 0; i < flat.length; i++) {
    if (!Number.isFinite(flat[i])) throw invalid('embedder.embed returned a NaN or infinite value', 'embedder');
  }
  return flat;
}

/**
 * Throws INVALID_ARGUMENT (naming the field) for values JSON would silently change or drop:
 * NaN and Infinity (they become null), strings with lone surrogates (not valid Unicode),
 * functions, symbols, bigints, binary arrays, and cycles.
 */
export function assertJsonSafe(value: unknown, field: string, seen: Set<object> = new Set()): void {
  switch (typeof value) {
    case 'number':
      if (!Number.isFinite(value)) throw invalid(`${field} must be a finite number`, field);
      return;
    case 'string':
      if (!value.isWellFormed()) throw invalid(`${field} is not valid Unicode (it has a lone surrogate)`, field);
      return;
    case 'boolean':
    case 'undefined':
      return;
    case 'bigint':
      throw invalid(`${field} must be a number, not a bigint`, field);
    case 'function':
    case 'symbol':
      throw invalid(`${field} cannot be a ${typeof value}`, field);
    case 'object': {
      if (value === null) return;
      if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) {
        throw invalid(`${field} cannot hold binary data here`, field);
      }
      if (seen.has(value)) throw invalid(`${field} contains a cycle`, field);
      seen.add(value);
      if (Array.isArray(value)) {
        value.forEach((v, i) => assertJsonSafe(v, `${field}[${i}]`, seen));
      } else {
        for (const [k, v] of Object.entries(value)) assertJsonSafe(v, field ? `${field}.${k}` : k, seen);
      }
      seen.delete(value);
      return;
    }
  }
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * What a namespace of the Store (store.map, store.chat, store.memories, ...) uses to reach the
 * engine: one call, or one long-running job with progress and cancellation. Namespaces live in
 * their own modules and receive this from the Store's constructor.
 */
export interface Channel {
  call<T>(method: string, args: Record<string, unknown>): Promise<T>;
  /** One call whose answer also carries binary output (transferred from the worker, not cloned). */
  callWithBytes<T>(method: string, args: Record<string, unknown>): Promise<{ value: T; bytes: Uint8Array | undefined }>;
  job<T, P>(method: string, args: Record<string, unknown>, options: JobOptions<P> | undefined): Promise<T>;
}

export class Store {
  /** The namespaces' way in (see Channel). */
  private readonly channel: Channel = {
    call: <T>(method: string, args: Record<string, unknown>) => this.call<T>(method, args),
    callWithBytes: async <T>(method: string, args: Record<string, unknown>) => {
      const r = await this.rpc(method, args);
      return { value: r.value as T, bytes: r.bytes };
    },
    job: async <T, P>(method: string, args: Record<string, unknown>, options: JobOptions<P> | undefined) => {
      const { onProgress, signal, ...rest } = objectArg(options, 'options') as JobOptions<P>;
      const unknown = Object.keys(rest)[0];
      if (unknown !== undefined) throw invalid(`unknown option ${unknown}`, unknown);
      const job: JobOptions<never> = {};
      if (onProgress !== undefined) job.onProgress = onProgress as (p: never) => void;
      if (signal !== undefined) job.signal = signal;
      return (await this.rpc(method, args, undefined, undefined, job)).value as T;
    },
  };
  readonly chat = new ChatApi(this.channel); // chat
  readonly agents = new AgentsApi(this.channel); // chat
  readonly providers = new ProvidersApi(this.channel); // chat
  readonly memories = new MemoriesApi(this.channel); // chat
  readonly map = new MapApi(this.channel);
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private closedReason: string | null = null;
  private closing: Promise<void> | null = null;
  private closeWaiter: (() => void) | null = null;

  private constructor(
    private readonly transport: Transport,
    /** Engine version and where the store lives. */
    readonly info: OpenedInfo,
    private readonly maxSourceBytes: number,
    private readonly embedder: Embedder | undefined,
  ) {
    transport.onMessage((msg) => this.onMessage(msg));
    transport.onExit((reason) => this.fail(`the store's worker stopped: ${reason}`));
  }

  /** Opens a store in a worker reached through `transport`. Used by openStore(). */
  static open(
    transport: Transport,
    options: WorkerOpenOptions,
    maxSourceBytes: number,
    wasmModule?: WebAssembly.Module | Promise<WebAssembly.Module | undefined>,
    embedder?: Embedder,
  ): Promise<Store> {
    return new Promise<Store>((resolve, reject) => {
      let settled = false;
      transport.onExit((reason) => {
        if (!settled) {
          settled = true;
          reject(new KspaceError('INTERNAL', `the store's worker failed to start: ${reason}`));
        }
      });
      transport.onMessage((msg) => {
        if (settled) return;
        if (msg.type === 'opened') {
          settled = true;
          resolve(new Store(transport, msg.info, maxSourceBytes, embedder));
        } else if (msg.type === 'openFailed') {
          settled = true;
          transport.terminate();
          reject(KspaceError.fromWire(msg.error));
        }
      });
      transport.setBusy?.(true);
      if (wasmModule instanceof Promise) {
        // The worker starts on the store's files while the engine compiles here, then gets the code.
        transport.post({ type: 'open', options, moduleFollows: true });
        void wasmModule.then(
          (m) => {
            if (!settled) transport.post(m ? { type: 'module', wasmModule: m } : { type: 'module' });
          },
          () => {
            if (!settled) transport.post({ type: 'module' });
          },
        );
      } else {
        transport.post(wasmModule ? { type: 'open', options, wasmModule } : { type: 'open', options });
      }
    });
  }

  private onMessage(msg: FromWorker): void {
    if (msg.type === 'result') {
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      this.updateBusy();
      if (msg.ok) p.resolve(msg.bytes ? { value: msg.value, bytes: msg.bytes } : { value: msg.value });
      else p.reject(KspaceError.fromWire(msg.error));
    } else if (msg.type === 'progress') {
      this.pending.get(msg.id)?.onProgress?.(msg.progress);
    } else if (msg.type === 'callback') {
      void this.answerCallback(msg.cbId, msg.kind, msg.payload);
    } else if (msg.type === 'closed') {
      this.closeWaiter?.();
    }
  }

  /** Runs a callback the worker asked for (the page-side embedder) and sends the answer back. */
  private async answerCallback(cbId: number, kind: string, payload: unknown): Promise<void> {
    try {
      if (kind !== 'embed' || !this.embedder) throw new KspaceError('UNSUPPORTED', `no client callback "${kind}"`);
      const texts = (payload as { texts: string[] }).texts;
      const vectors = await runEmbedder(this.embedder, texts);
      this.transport.post({ type: 'callbackResult', cbId, ok: true, value: vectors }, [vectors.buffer as ArrayBuffer]);
    } catch (e) {
      const err = e instanceof KspaceError ? e : new KspaceError('INTERNAL', String(e));
      const error: WireError = { code: err.code, message: err.message };
      if (err.field) error.field = err.field;
      this.transport.post({ type: 'callbackResult', cbId, ok: false, error });
    }
  }

  private updateBusy(): void {
    this.transport.setBusy?.(this.pending.size > 0 || this.closing !== null);
  }

  private fail(reason: string): void {
    if (this.closedReason === null) this.closedReason = reason;
    const err = new KspaceError('CLOSED', reason);
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
    this.closeWaiter?.();
    this.updateBusy();
  }

  /**
   * Sends one call; rejects at once with CLOSED after close() or a worker failure. Jobs report
   * progress through `job.onProgress` and are cancelled through `job.signal`.
   */
  private async rpc(
    method: string,
    args: Record<string, unknown>,
    bytes?: Uint8Array,
    transfer?: ArrayBuffer[],
    job?: JobOptions<never>,
  ) {
    if (this.closedReason !== null || this.closing) {
      throw new KspaceError('CLOSED', this.closedReason ?? 'the store is closed');
    }
    assertJsonSafe(args, '');
    const signal = job?.signal;
    if (signal !== undefined && !(signal instanceof AbortSignal)) throw invalid('signal must be an AbortSignal', 'signal');
    if (job?.onProgress !== undefined && typeof job.onProgress !== 'function') throw invalid('onProgress must be a function', 'onProgress');
    if (signal?.aborted) throw new KspaceError('CANCELLED', 'cancelled before it started');
    const id = this.nextId++;
    const result = new Promise<{ value: unknown; bytes?: Uint8Array }>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, onProgress: job?.onProgress as ((p: unknown) => void) | undefined });
    });
    if (signal) {
      const onAbort = () => this.transport.post({ type: 'cancel', id });
      signal.addEventListener('abort', onAbort, { once: true });
      void result.finally(() => signal.removeEventListener('abort', onAbort)).catch(() => {});
    }
    this.updateBusy();
    const msg: ToWorker = bytes ? { type: 'call', id, method, args, bytes } : { type: 'call', id, method, args };
    this.transport.post(msg, transfer);
    return result;
  }

  private async call<T>(method: string, args: Record<string, unknown>): Promise<T> {
    return (await this.rpc(method, args)).value as T;
  }

  // ---- spaces ------------------------------------------------------------------------------

  /** Creates a space. `title` is required; the quota defaults to 1 GiB. */
  async createSpace(input: CreateSpaceInput): Promise<Space> {
    return this.call('createSpace', { ...objectArg(input, 'input') });
  }

  /** The space with this id, also when soft-deleted (see `deletedAt`). NOT_FOUND otherwise. */
  async getSpace(spaceId: Id): Promise<Space> {
    return this.call('getSpace', { spaceId });
  }

  /** Spaces in creation order; deleted ones only with `includeDeleted`. */
  async listSpaces(options?: ListSpacesOptions): Promise<Space[]> {
    return this.call('listSpaces', { ...objectArg(options, 'options') });
  }

  /** Changes the given fields; `null` clears icon, coverImage and guestAccessExpiry. */
  async updateSpace(spaceId: Id, patch: SpaceInput): Promise<Space> {
    return this.call('updateSpace', { ...objectArg(patch, 'patch'), spaceId });
  }

  /** Soft-deletes a space: hidden from listSpaces, read-only, restorable until purged. */
  async deleteSpace(spaceId: Id): Promise<Space> {
    return this.call('deleteSpace', { spaceId });
  }

  async restoreSpace(spaceId: Id): Promise<Space> {
    return this.call('restoreSpace', { spaceId });
  }

  /** Permanently removes a deleted space, its sources, and blobs nothing else uses. */
  async purgeSpace(spaceId: Id): Promise<PurgeResult> {
    return this.call('purgeSpace', { spaceId });
  }

  // ---- sources -----------------------------------------------------------------------------

  /** Splits a SourceInput into its JSON fields and its content bytes, checking what JSON cannot. */
  private encodeSource(input: SourceInput, prefix: string): { fields: Record<string, unknown>; payload: Uint8Array; owned: boolean } {
    const { text, bytes, ...fields } = objectArg(input, prefix ? prefix.slice(0, -1) : 'input');
    let payload: Uint8Array;
    let owned = false;
    let content: 'text' | 'bytes';
    if (text !== undefined && bytes !== undefined) throw invalid('give either text or bytes, not both', `${prefix}text`);
    if (text !== undefined) {
      if (typeof text !== 'string') throw invalid('text must be a string', `${prefix}text`);
      if (!text.isWellFormed()) throw invalid('text is not valid Unicode (it has a lone surrogate)', `${prefix}text`);
      // A string holds at most 3 UTF-8 bytes per code unit: refuse huge ones before encoding.
      if (text.length / 3 > this.maxSourceBytes) {
        throw new KspaceError('TOO_LARGE', `text is larger than ${this.maxSourceBytes} bytes`, `${prefix}text`);
      }
      payload = encoder.encode(text);
      owned = true;
      content = 'text';
    } else if (bytes !== undefined) {
      if (bytes instanceof ArrayBuffer) payload = new Uint8Array(bytes);
      else if (bytes instanceof Uint8Array) payload = bytes;
      else throw invalid('bytes must be a Uint8Array or ArrayBuffer', `${prefix}bytes`);
      content = 'bytes';
    } else {
      throw invalid('a source needs text or bytes', `${prefix}text`);
    }
    if (payload.byteLength > this.maxSourceBytes) {
      throw new KspaceError('TOO_LARGE', `source is ${payload.byteLength} bytes; the limit is ${this.maxSourceBytes}`, `${prefix}${content}`);
    }
    if (payload.byteLength === 0) throw invalid("the source's content is empty", `${prefix}${content}`);
    return { fields: { ...fields, content }, payload, owned };
  }

  /**
   * Adds a source from `text` or `bytes`. Identical bytes are stored once. Fails with
   * QUOTA_EXCEEDED (nothing written) when the space's quota would be exceeded, and TOO_LARGE above
   * maxSourceBytes.
   */
  async addSource(spaceId: Id, input: SourceInput): Promise<Source> {
    const { fields, payload, owned } = this.encodeSource(input, '');
    const transfer = owned ? [payload.buffer as ArrayBuffer] : undefined;
    return (await this.rpc('addSource', { ...fields, spaceId }, payload, transfer)).value as Source;
  }

  /**
   * Ingests many sources as a job: they are stored first (so an interrupted ingest resumes when the
   * store is opened again), then parsed, chunked, embedded and indexed in batches, each committed
   * on its own. Progress comes through `onProgress`; aborting `signal` stops after the current
   * batch and removes the sources not yet processed. Every source ends `processed` or `failed`
   * (with its errorMessage). Identical bytes are not processed twice (`duplicates: 'skip'`).
   */
  async ingest(spaceId: Id, inputs: SourceInput | SourceInput[], options?: IngestOptions): Promise<IngestResult> {
    const list = Array.isArray(inputs) ? inputs : [inputs];
    if (list.length === 0) throw invalid('inputs is empty', 'sources');
    const { onProgress, signal, duplicates, ...rest } = objectArg(options, 'options');
    const unknown = Object.keys(rest)[0];
    if (unknown !== undefined) throw invalid(`unknown option ${unknown}`, unknown);
    const { all, sources } = this.encodeBatch(list);
    const args: Record<string, unknown> = { spaceId, sources };
    if (duplicates !== undefined) args.duplicates = duplicates;
    const job: JobOptions<never> = {};
    if (onProgress !== undefined) job.onProgress = onProgress as (p: never) => void;
    if (signal !== undefined) job.signal = signal;
    return (await this.rpc('ingest', args, all, [all.buffer as ArrayBuffer], job)).value as IngestResult;
  }

  /** Encodes a batch of sources: their fields, and all contents back to back. */
  private encodeBatch(inputs: SourceInput[]): { all: Uint8Array; sources: Record<string, unknown>[] } {
    const parts = inputs.map((input, i) => this.encodeSource(input, `sources[${i}].`));
    const total = parts.reduce((n, p) => n + p.payload.byteLength, 0);
    const all = new Uint8Array(total);
    let at = 0;
    const sources = parts.map((p) => {
      all.set(p.payload, at);
      at += p.payload.byteLength;
      return { ...p.fields, size: p.payload.byteLength };
    });
    return { all, sources };
  }

  /** Processes failed sources again (e.g. after opening the store with the embedder they need). */
  async retrySources(sourceIds: Id[]): Promise<Source[]> {
    return this.call('retrySources', { sourceIds });
  }

  /**
   * Searches a space. `hybrid` (default) fuses BM25F full text with vector similarity; every hit
   * says which side found it and at what rank. Any string is a valid query.
   */
  async search(spaceId: Id, query: string, options?: SearchOptions): Promise<SearchHit[]> {
    return this.call('search', { ...objectArg(options, 'options'), spaceId, query });
  }

  /** The chunks nearest to a chunk, a source, or a text (vector similarity). */
  async similar(target: SimilarTarget, options?: SimilarOptions): Promise<SearchHit[]> {
    return this.call('similar', { ...objectArg(options, 'options'), ...objectArg(target, 'target') });
  }

  async getChunk(chunkId: Id): Promise<Chunk> {
    return this.call('getChunk', { chunkId });
  }

  /** A source's chunks in order. */
  async listChunks(sourceId: Id): Promise<Chunk[]> {
    return this.call('listChunks', { sourceId });
  }

  /**
   * Moves a space to another embedding model as a resumable job: chunks without a vector of the
   * new model are embedded in batches (committed as they go), then the space switches over and the
   * old vectors are dropped. Running it again after an interruption continues where it stopped.
   */
  async reembed(spaceId: Id, options?: ReembedOptions): Promise<ReembedResult> {
    const { onProgress, signal, to, ...rest } = objectArg(options, 'options');
    const unknown = Object.keys(rest)[0];
    if (unknown !== undefined) throw invalid(`unknown option ${unknown}`, unknown);
    const job: JobOptions<never> = {};
    if (onProgress !== undefined) job.onProgress = onProgress as (p: never) => void;
    if (signal !== undefined) job.signal = signal;
    return (await this.rpc('reembed', to === undefined ? { spaceId } : { spaceId, to }, undefined, undefined, job))
      .value as ReembedResult;
  }

  /** Adds many sources in one transaction: all of them, or (on any error) none. */
  async addSources(spaceId: Id, inputs: SourceInput[]): Promise<Source[]> {
    if (!Array.isArray(inputs)) throw invalid('inputs must be an array', 'sources');
    if (inputs.length === 0) throw invalid('inputs is empty', 'sources');
    const { all, sources } = this.encodeBatch(inputs);
    return (await this.rpc('addSources', { spaceId, sources }, all, [all.buffer as ArrayBuffer])).value as Source[];
  }

  async getSource(sourceId: Id): Promise<Source> {
    return this.call('getSource', { sourceId });
  }

  /** Sources of a space in the order they were added (paginate with `limit` and `after`). */
  async listSources(spaceId: Id, options?: ListSourcesOptions): Promise<Source[]> {
    return this.call('listSources', { ...objectArg(options, 'options'), spaceId });
  }

  /** The original bytes of a source, or with `processed: true` its processed text. */
  async getSourceContent(sourceId: Id, options?: SourceContentOptions): Promise<SourceContent> {
    const r = await this.rpc('getSourceContent', { ...objectArg(options, 'options'), sourceId });
    const meta = r.value as Omit<SourceContent, 'bytes' | 'text'>;
    const bytes = r.bytes ?? new Uint8Array(0);
    return { ...meta, bytes, text: meta.processed ? decoder.decode(bytes) : null };
  }

  /** Soft-deletes a source; the space's counters drop at once. */
  async deleteSource(sourceId: Id): Promise<Source> {
    return this.call('deleteSource', { sourceId });
  }

  /** Restores a deleted source (QUOTA_EXCEEDED if it no longer fits). */
  async restoreSource(sourceId: Id): Promise<Source> {
    return this.call('restoreSource', { sourceId });
  }

  /** Permanently removes a deleted source and blobs nothing else uses. */
  async purgeSource(sourceId: Id): Promise<PurgeResult> {
    return this.call('purgeSource', { sourceId });
  }

  // ---- the store ---------------------------------------------------------------------------

  async stats(): Promise<StoreStats> {
    return this.call('stats', {});
  }

  /**
   * A SHA-256 over the store's whole content: equal digests mean equal stores. Background work the
   * worker would do when idle (linking new vectors into the search graph) and what closing would
   * save (vector index snapshots, term statistics) are done first, so an unchanged store always
   * gives the same digest, before and after a close.
   */
  async digest(): Promise<string> {
    return (await this.call<{ digest: string }>('digest', {})).digest;
  }

  /** What a space holds and the state of its vector index (diagnostics). */
  async spaceStats(spaceId: Id): Promise<SpaceStats> {
    return this.call('spaceStats', { spaceId });
  }

  /**
   * Loads the vector index that a search of `spaceId` needs, ahead of that search (a search loads
   * it on first use otherwise: 100-300 ms for 100k chunks). Without an id, the space updated most
   * recently among those with a saved index, as the worker does by itself after opening (see
   * OpenStoreOptions.warmIndex). NOT_FOUND for an unknown space.
   */
  async warmIndex(spaceId?: Id): Promise<WarmIndexResult> {
    return this.call('warmIndex', spaceId === undefined ? {} : { spaceId });
  }

  /** SQLite's integrity and foreign-key checks over the whole file. */
  async check(): Promise<CheckResult> {
    return this.call('check', {});
  }

  /** Closes the store after the calls already made finish. Later calls fail with CLOSED. */
  close(): Promise<void> {
    if (this.closing) return this.closing;
    if (this.closedReason !== null) return Promise.resolve();
    this.closing = new Promise<void>((resolve) => {
      this.closeWaiter = () => {
        this.closeWaiter = null;
        this.closedReason ??= 'the store is closed';
        for (const p of this.pending.values()) p.reject(new KspaceError('CLOSED', 'the store was closed before this call finished'));
        this.pending.clear();
        this.transport.setBusy?.(false);
        this.transport.terminate();
        resolve();
      };
      this.transport.post({ type: 'close', id: this.nextId++ });
    });
    this.updateBusy();
    return this.closing;
  }

  /** True once close() finished or the worker stopped. */
  get closed(): boolean {
    return this.closedReason !== null;
  }
}

export type { WireError };
