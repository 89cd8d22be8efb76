// chatSend: one answer, orchestrated in the worker. The engine prepares (retrieval, memories,
// prompt, the extractive answer; writes nothing), the provider generates while tokens stream to
// the caller as progress events, and the engine stores question + answer + links + steps in one
// transaction (chatCommit). A cancelled or failed generation is recorded as a visible failed
// answer (chatFail) and the error is rethrown; no partial answer is ever stored.
import type { JobContext } from './host.js';
import type { WireError } from './protocol.js';
import { providerKey, streamOpenAI, wire, type ChatMessageWire, type ProviderRecord } from './providers.js';

interface PreparedSource {
  n: number;
  chunkId: string;
  sourceId: string;
  sourceTitle: string;
  headingPath: string[];
  score: number;
  text: string;
}

interface Prepared {
  sessionId: string;
  branchId: string;
  parentId: string | null;
  question: string;
  sources: PreparedSource[];
  memories: { id: string; content: string; relevance: number }[];
  messages: ChatMessageWire[];
  promptTokens: number;
  agent: { id: string; name: string; modelConfig: { temperature?: number; maxTokens?: number; model?: string } } | null;
  extractive: string;
  timings: Record<string, number>;
}

const EXTRACTIVE_MODEL = 'kspace-extractive-v1';
const DEFAULT_STALL_MS = 30_000;

function asWire(e: unknown): WireError {
  if (e && typeof e === 'object' && 'code' in e && typeof (e as { code: unknown }).code === 'string') {
    const err = e as { code: string; message?: string; field?: string };
    const w: WireError = { code: err.code, message: String(err.message ?? err.code) };
    if (err.field) w.field = err.field;
    return w;
  }
  return { code: 'INTERNAL', message: e instanceof Error ? e.message : String(e) };
}

function pick(args: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of keys) if (args[k] !== undefined) out[k] = args[k];
  return out;
}

export async function chatSendJob(ctx: JobContext): Promise<unknown> {
  const a = ctx.args;
  const known = new Set(['sessionId', 'branchId', 'text', 'k', 'memories', 'tokenBudget', 'mode', 'historyLimit', 'provider', 'temperature', 'maxTokens', 'stallTimeoutMs']);
  for (const k of Object.keys(a)) if (!known.has(k)) throw wire('INVALID_ARGUMENT', `unknown field ${k}`, k);
  if (a.provider !== undefined && typeof a.provider !== 'string') throw wire('INVALID_ARGUMENT', 'provider must be a provider name', 'provider');
  for (const [k, lo, hi] of [['temperature', 0, 2], ['maxTokens', 1, 1_000_000], ['stallTimeoutMs', 10, 600_000]] as const) {
    const v = a[k];
    if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v) || v < lo || v > hi)) {
      throw wire('INVALID_ARGUMENT', `${k} must be a number in [${lo}, ${hi}]`, k);
    }
  }
  // Everything is validated (and nothing written) before the provider runs.
  const prep = ctx.call('chatPrepare', pick(a, ['sessionId', 'branchId', 'text', 'k', 'memories', 'tokenBudget', 'mode', 'historyLimit'])).value as Prepared;
  const provider = ctx.call('providerGet', a.provider !== undefined ? { name: a.provider } : {}).value as ProviderRecord | null;
  ctx.progress({
    type: 'retrieval',
    chunks: prep.sources,
    memories: prep.memories,
    promptTokens: prep.promptTokens,
    timings: prep.timings,
  });
  const base = {
    sessionId: prep.sessionId,
    branchId: prep.branchId,
    parentId: prep.parentId,
    text: prep.question,
    sources: prep.sources.map((s) => ({ n: s.n, chunkId: s.chunkId, score: s.score })),
    memories: prep.memories.map((m) => ({ id: m.id, relevance: m.relevance })),
    retrievalTimings: prep.timings,
    provider: provider?.name ?? 'extractive',
  };
  const t0 = performance.now();
  let partial = '';
  const steps: { type: string; content: string; metadata?: Record<string, unknown> }[] = [];
  try {
    let answer: string;
    let model: string;
    const generationConfig: Record<string, unknown> = {};
    const performanceInfo: Record<string, unknown> = {};
    if (!provider || provider.kind === 'extractive') {
      answer = prep.extractive;
      model = EXTRACTIVE_MODEL;
      generationConfig.model = model;
      // Streamed word by word, like a model would, so callers have one code path.
      const words = answer.match(/\S+\s*/g) ?? [];
      for (let i = 0; i < words.length; i++) {
        ctx.checkCancelled();
        partial += words[i]!;
        ctx.progress({ type: 'token', text: words[i] });
        if (i % 16 === 15) await ctx.yield();
      }
      ctx.checkCancelled();
    } else {
      const cfg = prep.agent?.modelConfig ?? {};
      const temperature = (a.temperature as number | undefined) ?? cfg.temperature;
      const maxTokens = (a.maxTokens as number | undefined) ?? cfg.maxTokens;
      const apiKey = await providerKey(provider);
      const r = await streamOpenAI(provider, prep.messages, {
        apiKey,
        onToken: (t) => {
          partial += t;
          ctx.progress({ type: 'token', text: t });
        },
        cancelled: () => ctx.cancelled,
        stallTimeoutMs: (a.stallTimeoutMs as number | undefined) ?? provider.options.stallTimeoutMs ?? DEFAULT_STALL_MS,
        temperature,
        maxTokens,
      });
      answer = r.text;
      model = r.model || provider.model || 'unknown';
      Object.assign(generationConfig, { model, temperature: temperature ?? null, maxTokens: maxTokens ?? null, baseUrl: provider.baseUrl });
      if (r.usage) performanceInfo.token_usage = r.usage;
      performanceInfo.first_token_ms = r.firstTokenMs;
      performanceInfo.finish_reason = r.finishReason;
      if (r.thinking) steps.push({ type: 'thinking', content: r.thinking });
      ctx.checkCancelled();
    }
    performanceInfo.total_response_time_ms = Math.round(performance.now() - t0);
    performanceInfo.prompt_tokens_estimate = prep.promptTokens;
    return ctx.call('chatCommit', { ...base, answer, model, generationConfig, performance: performanceInfo, steps }).value;
  } catch (e) {
    const err = asWire(e);
    // A branch that moved under us cannot take the answer either way: nothing is recorded.
    if (!(err.code === 'FAILED_PRECONDITION' && err.field === 'branchId')) {
      try {
        const failed = ctx.call('chatFail', {
          ...base,
          answer: partial,
          error: { code: err.code, message: err.message },
          performance: { total_response_time_ms: Math.round(performance.now() - t0) },
          steps,
        }).value as { message: unknown; query: unknown };
        ctx.progress({ type: 'failed', message: failed.message, query: failed.query, error: err });
      } catch {
        /* the store is closing or the branch moved: the error below still reaches the caller */
      }
    }
    throw e;
  }
}
