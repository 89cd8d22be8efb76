// The long-running engine calls, orchestrated in the worker (host.ts runs them as jobs): ingest,
// adding sources with a page-side embedder, re-embedding a space, resuming interrupted ingests,
// and searches that need a query vector from the page.
//
// The engine does the work in C++ in bounded steps (stage a slice of sources; process a batch;
// embed a batch), each committed on its own; between steps the job reports progress, lets other
// messages through, and stops if cancelled. Vectors of a page-side embedder come back through
// ctx.callClient('embed').
import type { JobContext } from './host.js';
import type { IngestProgress } from '../js/types.js';
import type { PreparedBatch, PreparerClient } from './prep.js';
import type { WireError } from './protocol.js';

interface SourceWire {
  id: string;
  status: string;
  totalSizeBytes: number;
  duplicate?: boolean;
  [k: string]: unknown;
}

interface BatchResult {
  sources?: SourceWire[];
  chunks?: number;
  failed?: number;
  bytes?: number;
  timings?: Record<string, number>;
  needVectors?: boolean;
  batchId?: number;
  texts?: string[];
}


const STAGE_SLICE_BYTES = 32 * 1024 * 1024;
const STAGE_SLICE_SOURCES = 500;
const PROCESS_BATCH_BYTES = 2 * 1024 * 1024;
const PROCESS_BATCH_SOURCES = 64;
/** Batches the ingest pipeline keeps handed over beside the one it commits (see pipelined). */
const PIPELINE_DEPTH = 2;

function wire(code: string, message: string, field?: string): WireError & Error {
  const e = new Error(message) as WireError & Error;
  e.code = code;
  if (field) e.field = field;
  return e;
}

/** Vectors for `texts` from the page-side embedder, as float32 bytes. */
async function embedOnPage(ctx: JobContext, texts: string[]): Promise<Uint8Array> {
  const out = (await ctx.callClient('embed', { texts })) as Float32Array;
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

type Batch = { ids: string[]; bytes: number };

/** Staged sources in batches of the sizes ingestProcess takes (bounded bytes and count). */
function batchesOf(items: { id: string; bytes: number }[]): Batch[] {
  const out: Batch[] = [];
  let i = 0;
  while (i < items.length) {
    const batch: string[] = [];
    let bytes = 0;
    while (i < items.length && batch.length < PROCESS_BATCH_SOURCES && (batch.length === 0 || bytes + items[i]!.bytes <= PROCESS_BATCH_BYTES)) {
      bytes += items[i]!.bytes;
      batch.push(items[i]!.id);
      i++;
    }
    out.push({ ids: batch, bytes });
  }
  return out;
}

/**
 * Processes staged sources in batches until done; returns the final source rows by id. Stops
 * between batches when cancelled (throwing CANCELLED) and leaves the unprocessed ones staged.
 * Given the space (an ingest), batches are pipelined when they can be (see Pipeline); `pipeline`
 * is one an ingest started while it was still staging, holding the first batches of `items`.
 */
async function processAll(
  ctx: JobContext,
  items: { id: string; bytes: number }[],
  progress: IngestProgress | null,
  report: () => void,
  spaceId?: string,
  stats?: { pipelinedBatches: number },
  pipeline?: Pipeline | null,
): Promise<Map<string, SourceWire>> {
  const done = new Map<string, SourceWire>();
  const account = (r: BatchResult, batch: Batch) => {
    for (const s of r.sources ?? []) done.set(s.id, s);
    if (progress) {
      progress.stage = 'commit';
      progress.sourcesDone += batch.ids.length;
      progress.bytesDone += batch.bytes;
      progress.chunks += r.chunks ?? 0;
      progress.failed += r.failed ?? 0;
      for (const k of ['parseMs', 'embedMs', 'indexMs', 'commitMs'] as const) progress.timings[k] += r.timings?.[k] ?? 0;
      report();
    }
  };
  let batches: Batch[];
  if (pipeline) {
    // Its batches first, as they were handed over; the rest of the items after them.
    const first = new Set(pipeline.batches.flatMap((x) => x.ids));
    pipeline.add(batchesOf(items.filter((x) => !first.has(x.id))));
    batches = pipeline.batches;
  } else {
    batches = batchesOf(items);
    if (spaceId !== undefined && batches.length >= 2) pipeline = await Pipeline.start(ctx, spaceId, batches);
  }
  let b = pipeline ? await pipeline.run(progress, report, account) : 0;
  if (stats) stats.pipelinedBatches = b;
  for (; b < batches.length; b++) {
    ctx.checkCancelled();
    const batch = batches[b]!;
    if (progress) {
      progress.stage = 'parse';
      report();
    }
    let r = ctx.call('ingestProcess', { sourceIds: batch.ids }).value as BatchResult;
    if (r.needVectors) {
      if (progress) {
        progress.stage = 'embed';
        report();
      }
      const t0 = performance.now();
      const vectors = await embedOnPage(ctx, r.texts ?? []);
      const embedMs = performance.now() - t0;
      r = ctx.call('ingestProcess', { batchId: r.batchId }, vectors).value as BatchResult;
      r.timings = { ...(r.timings ?? {}), embedMs };
    }
    account(r, batch);
    await ctx.yield();
  }
  return done;
}

type Handed = { batchId: number; work: Promise<PreparedBatch> } | { result: BatchResult };

/**
 * The ingest pipeline: while this worker commits batch i, the second worker (workers/prep.ts)
 * parses, analyses and embeds batch i+1, which was handed to it (ingestProcess { handOff }) with
 * the space's term statistics; its answer is committed as it is (ingestProcess { prepared }), so
 * the store ends as after a serial ingest. Handing a batch over only reads the store, so an
 * ingest starts the pipeline as soon as its first sources are staged and stages the rest while
 * the second worker prepares them; nothing is committed before staging has finished.
 */
class Pipeline {
  /** Every batch of the job in order; the first `handed` went to the second worker. */
  readonly batches: Batch[] = [];
  /** Batches handed over and not yet committed, oldest first. */
  private readonly queue: Handed[] = [];
  private handed = 0;

  private constructor(private readonly ctx: JobContext, private readonly prep: PreparerClient) {}

  /**
   * The pipeline for `batches` of a space, with the first ones handed over; null when it cannot
   * run (no second worker, or the space embeds on the page): then every batch goes serially.
   */
  static async start(ctx: JobContext, spaceId: string, batches: Batch[]): Promise<Pipeline | null> {
    const prep = await ctx.preparer();
    if (!prep) return null;
    try {
      const terms = ctx.call('ingestTermStats', { spaceId }).bytes ?? new Uint8Array(0);
      await prep.loadTerms(terms);
    } catch {
      return null;
    }
    const p = new Pipeline(ctx, prep);
    p.batches.push(...batches);
    try {
      p.queue.push(p.handOff(p.handed++));
    } catch (e) {
      if ((e as WireError).code === 'FAILED_PRECONDITION') return null; // not the built-in model
      throw e;
    }
    p.fill();
    return p;
  }

  /** Appends batches (staged after the pipeline started) and hands over what the queue has room for. */
  add(batches: Batch[]): void {
    this.batches.push(...batches);
    this.fill();
  }

  /**
   * Commits the batches in order as the second worker answers; returns how many it processed.
   * The rest go through the serial loop: those after a failure of the second worker.
   */
  async run(progress: IngestProgress | null, report: () => void, account: (r: BatchResult, batch: Batch) => void): Promise<number> {
    const { ctx, batches } = this;
    for (let b = 0; b < batches.length; b++) {
      ctx.checkCancelled();
      if (progress) {
        progress.stage = 'parse';
        report();
      }
      const current = this.queue.shift()!;
      this.fill(); // the second worker prepares the next ones while this one waits and commits
      let r: BatchResult;
      if ('work' in current) {
        let prepared: PreparedBatch;
        try {
          prepared = await current.work;
        } catch {
          return b; // the second worker failed: this batch and the rest, serially (still staged)
        }
        ctx.checkCancelled();
        r = ctx.call('ingestProcess', { batchId: current.batchId, prepared: true }, prepared.bytes).value as BatchResult;
        r.timings = { ...(r.timings ?? {}), parseMs: prepared.timings.parseMs ?? 0, embedMs: prepared.timings.embedMs ?? 0 };
      } else {
        r = current.result;
      }
      account(r, batches[b]!);
      await ctx.yield();
    }
    return batches.length;
  }

  private handOff(b: number): Handed {
    const r = this.ctx.call('ingestProcess', { sourceIds: this.batches[b]!.ids, handOff: true });
    const v = r.value as BatchResult & { handOff?: boolean; batchId?: number };
    if (!v.handOff || !r.bytes) return { result: v }; // nothing left to process in it
    const work = this.prep.prepare(r.bytes);
    work.catch(() => {}); // awaited in run, or abandoned on cancel
    return { batchId: v.batchId!, work };
  }

  /**
   * Two batches wait beside the one being committed, so that a batch that takes longer to
   * prepare than the one before takes to commit does not leave this worker idle.
   */
  private fill(): void {
    while (this.handed < this.batches.length && this.queue.length < PIPELINE_DEPTH) this.queue.push(this.handOff(this.handed++));
  }
}

/**
 * ingest(spaceId, sources[]): stage everything (so an interrupted ingest can resume), then process
 * in batches. Cancelling discards what was staged but not yet processed.
 */
export async function ingestJob(ctx: JobContext): Promise<unknown> {
  const { spaceId, sources, duplicates } = ctx.args as {
    spaceId: string;
    sources: { size: number; [k: string]: unknown }[];
    duplicates?: string;
  };
  const bytes = ctx.bytes ?? new Uint8Array(0);
  if (!Array.isArray(sources)) throw wire('INVALID_ARGUMENT', 'sources must be an array', 'sources');
  const bytesTotal = bytes.byteLength;
  const progress: IngestProgress = {
    stage: 'stage', sourcesTotal: sources.length, sourcesDone: 0, bytesTotal, bytesDone: 0, chunks: 0,
    failed: 0, duplicates: 0, timings: { parseMs: 0, embedMs: 0, indexMs: 0, commitMs: 0 },
  };
  const report = () => ctx.progress({ ...progress, timings: { ...progress.timings } });
  report();

  // 1. Stage in slices of bounded size, each one transaction. When there is more than the
  // pipeline's first batches, the first slice holds just those, and the second worker starts
  // preparing them while the rest is staged (see Pipeline).
  const staged: SourceWire[] = [];
  const firstSources = PROCESS_BATCH_SOURCES * PIPELINE_DEPTH;
  const firstBytes = PROCESS_BATCH_BYTES * PIPELINE_DEPTH;
  const early = sources.length > firstSources || bytesTotal > firstBytes;
  // The space's last-updated stamp, put back if a later slice fails (nothing of a failed ingest
  // stays). Only an ingest of more than one slice can need it: one slice fails as a whole.
  let stamp: { lastUpdatedAt?: string; lastUpdatedBy?: string } = {};
  if (early) {
    try {
      const sp = ctx.call('getSpace', { spaceId }).value as { lastUpdatedAt: string; lastUpdatedBy: string };
      stamp = { lastUpdatedAt: sp.lastUpdatedAt, lastUpdatedBy: sp.lastUpdatedBy };
    } catch {
      // no such space, or a bad id: staging says so
    }
  }
  let pipeline: Pipeline | null = null;
  // The second worker starts (a new thread and module instance: tens of ms) while the first slice
  // is staged, rather than after it, when the pipeline asks for it.
  if (early) void ctx.preparer().catch(() => null);
  let at = 0;
  for (let i = 0; i < sources.length;) {
    ctx.checkCancelled();
    const slice: typeof sources = [];
    let sliceBytes = 0;
    const isFirst = i === 0;
    const [maxSources, maxBytes] = isFirst && early ? [firstSources, firstBytes] : [STAGE_SLICE_SOURCES, STAGE_SLICE_BYTES];
    while (i < sources.length && slice.length < maxSources && (slice.length === 0 || sliceBytes + sources[i]!.size <= maxBytes)) {
      sliceBytes += sources[i]!.size;
      slice.push(sources[i]!);
      i++;
    }
    const args: Record<string, unknown> = { spaceId, sources: slice };
    if (duplicates !== undefined) args.duplicates = duplicates;
    try {
      const r = ctx.call('ingestStage', args, bytes.subarray(at, at + sliceBytes)).value as SourceWire[];
      staged.push(...r);
    } catch (e) {
      // Field names refer to this slice: shift them to the caller's indexes.
      const err = e as WireError;
      const offset = i - slice.length;
      if (err.field) err.field = err.field.replace(/^sources\[(\d+)\]/, (_m, n: string) => `sources[${Number(n) + offset}]`);
      if (err.message) err.message = err.message.replace(/^sources\[(\d+)\]/, (_m, n: string) => `sources[${Number(n) + offset}]`);
      // Undo the slices already staged: nothing of a failed ingest stays half-added.
      const mine = staged.filter((s) => !s.duplicate).map((s) => s.id);
      if (mine.length) ctx.call('ingestDiscard', { sourceIds: mine, ...stamp });
      throw e;
    }
    at += sliceBytes;
    if (isFirst && early && i < sources.length) {
      const first = staged.filter((s) => !s.duplicate && s.status === 'processing');
      if (first.length) {
        try {
          pipeline = await Pipeline.start(ctx, spaceId, batchesOf(first.map((s) => ({ id: s.id, bytes: s.totalSizeBytes }))));
        } catch {
          pipeline = null; // tried again, and its error reported, once everything is staged
        }
      }
    }
    await ctx.yield();
  }
  progress.duplicates = staged.filter((s) => s.duplicate).length;
  const todo = staged.filter((s) => !s.duplicate && s.status === 'processing');
  progress.sourcesDone = staged.length - todo.length;
  progress.bytesDone = staged.filter((s) => s.duplicate).reduce((n, s) => n + s.totalSizeBytes, 0);

  // 2. Process in batches.
  let processed: Map<string, SourceWire>;
  const stats = { pipelinedBatches: 0 };
  try {
    processed = await processAll(ctx, todo.map((s) => ({ id: s.id, bytes: s.totalSizeBytes })), progress, report, spaceId, stats, pipeline);
  } catch (e) {
    const left = todo.map((s) => s.id);
    try {
      if ((e as WireError).code === 'CANCELLED' || ctx.cancelled) {
        // Cancelled: what was processed stays, what was only staged goes.
        ctx.call('ingestDiscard', { sourceIds: left });
      } else {
        // Failed (e.g. the page-side embedder threw): the unprocessed sources say why.
        ctx.call('ingestFail', { sourceIds: left, message: (e as Error).message });
      }
    } catch {
      // the store may be closing; staged sources then resume on the next open
    }
    throw e;
  }
  try {
    ctx.call('saveIndexes', { minLogEntries: 5000 });
  } catch {
    // a snapshot is an optimisation: the log replays on the next load
  }
  progress.stage = 'done';
  report();
  const out = staged.map((s) => {
    const p = processed.get(s.id) ?? s;
    return s.duplicate ? { ...p, duplicate: true } : p;
  });
  return {
    sources: out, chunks: progress.chunks, failed: progress.failed, duplicates: progress.duplicates, bytes: bytesTotal,
    timings: progress.timings, pipelinedBatches: stats.pipelinedBatches,
  };
}

/** addSource / addSources: the engine stages and, with the built-in model, processes; else we finish. */
export function addSourcesJob(method: 'addSource' | 'addSources') {
  return async (ctx: JobContext): Promise<unknown> => {
    const r = ctx.call(method, ctx.args, ctx.bytes).value as SourceWire | SourceWire[];
    const list = Array.isArray(r) ? r : [r];
    const todo = list.filter((s) => s.status === 'processing' && !s.duplicate);
    if (todo.length === 0) return r;
    const done = await processAll(ctx, todo.map((s) => ({ id: s.id, bytes: s.totalSizeBytes })), null, () => {});
    const fin = list.map((s) => ({ ...(done.get(s.id) ?? s), ...(s.duplicate ? { duplicate: true } : {}) }));
    return Array.isArray(r) ? fin : fin[0];
  };
}

/** retrySources: failed sources processed again. */
export async function retryJob(ctx: JobContext): Promise<unknown> {
  const ids = ctx.call('ingestRetry', ctx.args).value as string[];
  const items = ids.map((id) => ({ id, bytes: (ctx.call('getSource', { sourceId: id }).value as SourceWire).totalSizeBytes }));
  const done = await processAll(ctx, items, null, () => {});
  return ids.map((id) => done.get(id) ?? ctx.call('getSource', { sourceId: id }).value);
}

/** reembed(spaceId): moves a space's vectors to another model, step by step (resumable). */
export async function reembedJob(ctx: JobContext): Promise<unknown> {
  const { spaceId, to } = ctx.args as { spaceId: string; to?: string };
  const base: Record<string, unknown> = { spaceId };
  if (to !== undefined) base.to = to;
  let embedded = 0;
  let total = -1;
  for (;;) {
    ctx.checkCancelled();
    let r = ctx.call('reembedStep', base).value as { done: boolean; model: string; remaining: number; embedded?: number; needVectors?: boolean; batchId?: number; texts?: string[] };
    if (r.needVectors) {
      const vectors = await embedOnPage(ctx, r.texts ?? []);
      embedded += r.texts?.length ?? 0;
      r = ctx.call('reembedStep', { ...base, batchId: r.batchId }, vectors).value as typeof r;
    } else {
      embedded += r.embedded ?? 0;
    }
    if (total < 0) total = embedded + r.remaining;
    ctx.progress({ embedded, remaining: r.remaining, total: Math.max(total, embedded + r.remaining), model: r.model });
    if (r.done) {
      try {
        ctx.call('saveIndexes', { minLogEntries: 0 });
      } catch {
        // optional
      }
      return { spaceId, model: r.model, embedded };
    }
    await ctx.yield();
  }
}

/**
 * search / similar: the engine answers, unless the space embeds with the page-side model: then it
 * asks for the query's vector (FAILED_PRECONDITION on field "embedder"), which we get from the
 * page and pass along.
 */
export function withQueryVector(method: 'search' | 'similar', hasEmbedder: () => boolean) {
  return async (ctx: JobContext): Promise<unknown> => {
    try {
      return ctx.call(method, ctx.args).value;
    } catch (e) {
      const err = e as WireError;
      const text = (ctx.args.query ?? ctx.args.text) as unknown;
      if (err.code !== 'FAILED_PRECONDITION' || err.field !== 'embedder' || !hasEmbedder() || typeof text !== 'string') throw e;
      const vector = await embedOnPage(ctx, [text]);
      return ctx.call(method, ctx.args, vector).value;
    }
  };
}

/** Processes sources an interrupted ingest left staged (runs in the background after open). */
export async function resumeJob(ctx: JobContext): Promise<unknown> {
  const pending = ctx.call('ingestPending', {}).value as { sourceId: string; spaceId: string }[];
  const bySpace = new Map<string, string[]>();
  for (const p of pending) bySpace.set(p.spaceId, [...(bySpace.get(p.spaceId) ?? []), p.sourceId]);
  let resumed = 0;
  for (const ids of bySpace.values()) {
    const items = ids.map((id) => ({ id, bytes: (ctx.call('getSource', { sourceId: id }).value as SourceWire).totalSizeBytes }));
    try {
      const done = await processAll(ctx, items, null, () => {});
      resumed += done.size;
    } catch (e) {
      const err = e as WireError;
      if (err.code === 'CANCELLED' || err.code === 'CLOSED') throw e;
      // Cannot process them here (e.g. their embedder is not available): say so on the sources.
      ctx.call('ingestFail', { sourceIds: ids, message: `processing could not resume: ${err.message}` });
    }
  }
  if (resumed > 0) ctx.call('saveIndexes', { minLogEntries: 5000 });
  return { resumed };
}
