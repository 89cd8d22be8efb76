// Chat providers in the worker: the OpenAI-compatible streaming HTTP provider, and the sealing of
// provider API keys (WebCrypto AES-GCM with a key derived from a passphrase by PBKDF2, or a
// non-extractable CryptoKey the page hands over). The unsealing key lives only in this worker's
// memory; the store holds sealed keys and a verifier, never a plain key.
import type { JobContext } from './host.js';
import type { WireError } from './protocol.js';

export interface Sealed {
  v: 1;
  alg: 'AES-GCM';
  iv: string; // base64
  ct: string; // base64 (ciphertext + tag)
}

export interface ProviderRecord {
  name: string;
  kind: 'openai' | 'extractive';
  baseUrl: string | null;
  model: string | null;
  options: { temperature?: number; maxTokens?: number; stallTimeoutMs?: number; timeoutMs?: number; headers?: Record<string, string> };
  hasKey: boolean;
  sealedKey?: Sealed | null;
}

export function wire(code: string, message: string, field?: string): WireError & Error {
  const e = new Error(message) as WireError & Error;
  e.code = code;
  if (field) e.field = field;
  return e;
}

// ---- sealing ---------------------------------------------------------------------------------

const PBKDF2_ITERATIONS = 210_000; // OWASP 2023 guidance for PBKDF2-HMAC-SHA256
const VERIFIER_TEXT = 'kspace-keyring-v1';
const VERIFIER_AAD = 'kspace-keyring';
const enc = new TextEncoder();
const dec = new TextDecoder();

let unlocked: CryptoKey | null = null;

function b64(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}
function unb64(s: string): Uint8Array<ArrayBuffer> {
  const bin = atob(s);
  const out = new Uint8Array(new ArrayBuffer(bin.length));
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function subtle(): SubtleCrypto {
  const s = globalThis.crypto?.subtle;
  if (!s) throw wire('UNSUPPORTED', 'WebCrypto (crypto.subtle) is not available here; sealed keys need it');
  return s;
}

export async function seal(key: CryptoKey, plain: string, aad: string): Promise<Sealed> {
  const iv = globalThis.crypto.getRandomValues(new Uint8Array(12));
  const ct = new Uint8Array(await subtle().encrypt({ name: 'AES-GCM', iv, additionalData: enc.encode(aad) }, key, enc.encode(plain)));
  return { v: 1, alg: 'AES-GCM', iv: b64(iv), ct: b64(ct) };
}

export async function unseal(key: CryptoKey, sealed: Sealed, aad: string): Promise<string> {
  const plain = await subtle().decrypt({ name: 'AES-GCM', iv: unb64(sealed.iv), additionalData: enc.encode(aad) }, key, unb64(sealed.ct));
  return dec.decode(plain);
}

async function derive(passphrase: string, salt: Uint8Array<ArrayBuffer>, iterations: number): Promise<CryptoKey> {
  const base = await subtle().importKey('raw', enc.encode(passphrase), 'PBKDF2', false, ['deriveKey']);
  return subtle().deriveKey({ name: 'PBKDF2', salt, iterations, hash: 'SHA-256' }, base, { name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
}

interface KeyringWire {
  kdf: 'PBKDF2-SHA256' | 'key';
  params: { salt?: string; iterations?: number };
  verifier: Sealed;
}

/**
 * providers.unlock({ passphrase } | { key }): makes the sealing key available in this worker. The
 * first unlock of a store creates its keyring (salt + verifier); later ones must match it
 * (INVALID_ARGUMENT "passphrase"/"key" otherwise).
 */
export async function unlockJob(ctx: JobContext): Promise<unknown> {
  const { passphrase, key, iterations } = ctx.args as { passphrase?: unknown; key?: unknown; iterations?: unknown };
  if ((passphrase === undefined) === (key === undefined)) throw wire('INVALID_ARGUMENT', 'give a passphrase or a key', 'passphrase');
  if (passphrase !== undefined && (typeof passphrase !== 'string' || passphrase.length < 8 || passphrase.length > 1024)) {
    throw wire('INVALID_ARGUMENT', 'passphrase must be a string of 8 to 1024 characters', 'passphrase');
  }
  if (key !== undefined && !(typeof CryptoKey !== 'undefined' && key instanceof CryptoKey && key.algorithm.name === 'AES-GCM')) {
    throw wire('INVALID_ARGUMENT', 'key must be an AES-GCM CryptoKey (usages encrypt, decrypt)', 'key');
  }
  const kr = ctx.call('keyringGet', {}).value as KeyringWire | null;
  const kdf = passphrase !== undefined ? 'PBKDF2-SHA256' : 'key';
  const field = passphrase !== undefined ? 'passphrase' : 'key';
  if (kr && kr.kdf !== kdf) throw wire('INVALID_ARGUMENT', `this store's keys are sealed with a ${kr.kdf === 'key' ? 'CryptoKey' : 'passphrase'}`, field);
  let k: CryptoKey;
  if (passphrase !== undefined) {
    const salt = kr?.params.salt ? unb64(kr.params.salt) : globalThis.crypto.getRandomValues(new Uint8Array(16));
    const n = kr?.params.iterations ?? (typeof iterations === 'number' && Number.isInteger(iterations) && iterations >= 1000 ? iterations : PBKDF2_ITERATIONS);
    k = await derive(passphrase as string, salt, n);
    if (!kr) {
      ctx.call('keyringInit', { kdf, params: { salt: b64(salt), iterations: n }, verifier: await seal(k, VERIFIER_TEXT, VERIFIER_AAD) });
    }
  } else {
    k = key as CryptoKey;
    if (!kr) ctx.call('keyringInit', { kdf, params: {}, verifier: await seal(k, VERIFIER_TEXT, VERIFIER_AAD) });
  }
  if (kr) {
    let ok = false;
    try {
      ok = (await unseal(k, kr.verifier, VERIFIER_AAD)) === VERIFIER_TEXT;
    } catch {
      ok = false;
    }
    if (!ok) throw wire('INVALID_ARGUMENT', `wrong ${field}: it does not open this store's keyring`, field);
  }
  unlocked = k;
  return { unlocked: true, created: !kr };
}

export async function lockJob(): Promise<unknown> {
  unlocked = null;
  return { unlocked: false };
}

/** providers.set: seals `apiKey` (if given) and stores the provider. */
export async function setProviderJob(ctx: JobContext): Promise<unknown> {
  const { apiKey, ...rest } = ctx.args as { apiKey?: unknown; name?: unknown; [k: string]: unknown };
  const args: Record<string, unknown> = { ...rest };
  if (typeof rest.name !== 'string') throw wire('INVALID_ARGUMENT', 'name is required', 'name');
  if (apiKey !== undefined && apiKey !== null) {
    if (typeof apiKey !== 'string' || apiKey.length === 0 || apiKey.length > 4096) throw wire('INVALID_ARGUMENT', 'apiKey must be a non-empty string', 'apiKey');
    if (!unlocked) throw wire('FAILED_PRECONDITION', 'unlock the keyring first (store.providers.unlock) to store an API key', 'apiKey');
    args.sealedKey = await seal(unlocked, apiKey, `provider:${rest.name}`);
  } else if (apiKey === undefined) {
    // Keep the key already stored for this provider.
    try {
      const old = ctx.call('providerGet', { name: rest.name }).value as ProviderRecord | null;
      if (old?.sealedKey) args.sealedKey = old.sealedKey;
    } catch {
      /* new provider */
    }
  }
  return ctx.call('providerPut', args).value;
}

/** The plain API key of a provider, for one request (never stored or returned). */
export async function providerKey(p: ProviderRecord): Promise<string | null> {
  if (!p.sealedKey) return null;
  if (!unlocked) throw wire('FAILED_PRECONDITION', `provider "${p.name}" has a sealed API key: unlock the keyring first (store.providers.unlock)`, 'provider');
  try {
    return await unseal(unlocked, p.sealedKey, `provider:${p.name}`);
  } catch {
    throw wire('FAILED_PRECONDITION', `the API key of provider "${p.name}" does not open with the unlocked key`, 'provider');
  }
}

// ---- the OpenAI-compatible streaming provider -----------------------------------------------

export interface ChatMessageWire {
  role: string;
  content: string;
}

export interface StreamResult {
  text: string;
  model: string;
  finishReason: string | null;
  usage: { prompt_tokens?: number; completion_tokens?: number; total_tokens?: number } | null;
  thinking: string;
  firstTokenMs: number | null;
}

export interface StreamOptions {
  apiKey: string | null;
  onToken(text: string): void;
  /** Polled; true aborts the request (CANCELLED). */
  cancelled(): boolean;
  stallTimeoutMs: number;
  temperature?: number | undefined;
  maxTokens?: number | undefined;
}

const KNOWN = new Set(['INVALID_ARGUMENT', 'NOT_FOUND', 'FAILED_PRECONDITION', 'QUOTA_EXCEEDED', 'TOO_LARGE', 'CANCELLED', 'UNSUPPORTED', 'IO_ERROR', 'INTERNAL']);

function httpError(status: number, body: string): WireError & Error {
  const detail = body.slice(0, 300).replace(/\s+/g, ' ').trim();
  const msg = `the provider answered HTTP ${status}${detail ? `: ${detail}` : ''}`;
  if (status === 401 || status === 403) return wire('FAILED_PRECONDITION', msg, 'apiKey');
  if (status === 400 || status === 404 || status === 422) return wire('INVALID_ARGUMENT', msg, 'provider');
  return wire('IO_ERROR', msg, 'provider');
}

/**
 * POST {baseUrl}/chat/completions with stream: true and reads the server-sent events: each
 * `data: {json}` line is a chat.completion.chunk whose choices[0].delta.content is the next text;
 * `data: [DONE]` ends it. Comment and blank lines are skipped; a data line that is not JSON is an
 * IO_ERROR (a garbled stream is not silently truncated). Nothing received for stallTimeoutMs
 * (including the wait for the headers) aborts with IO_ERROR; cancellation aborts with CANCELLED.
 */
export async function streamOpenAI(p: ProviderRecord, messages: ChatMessageWire[], o: StreamOptions): Promise<StreamResult> {
  if (!p.baseUrl) throw wire('INVALID_ARGUMENT', `provider "${p.name}" has no baseUrl`, 'provider');
  const url = `${p.baseUrl.replace(/\/+$/, '')}/chat/completions`;
  const ac = new AbortController();
  let why: 'cancel' | 'stall' | null = null;
  let stallTimer: ReturnType<typeof setTimeout> | undefined;
  const armStall = () => {
    clearTimeout(stallTimer);
    stallTimer = setTimeout(() => {
      why = 'stall';
      ac.abort();
    }, o.stallTimeoutMs);
  };
  const poll = setInterval(() => {
    if (o.cancelled()) {
      why = 'cancel';
      ac.abort();
    }
  }, 20);
  const t0 = performance.now();
  const out: StreamResult = { text: '', model: p.model ?? '', finishReason: null, usage: null, thinking: '', firstTokenMs: null };
  const body: Record<string, unknown> = { model: p.model, messages, stream: true, stream_options: { include_usage: true } };
  const temperature = o.temperature ?? p.options.temperature;
  const maxTokens = o.maxTokens ?? p.options.maxTokens;
  if (temperature !== undefined) body.temperature = temperature;
  if (maxTokens !== undefined) body.max_tokens = maxTokens;
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'text/event-stream', ...(p.options.headers ?? {}) };
  if (o.apiKey) headers.authorization = `Bearer ${o.apiKey}`;
  try {
    armStall();
    let res: Response;
    try {
      res = await fetch(url, { method: 'POST', headers, body: JSON.stringify(body), signal: ac.signal });
    } catch (e) {
      throw failure(e);
    }
    if (!res.ok) {
      let text = '';
      try {
        text = await res.text();
      } catch {
        /* the status says enough */
      }
      throw httpError(res.status, text);
    }
    if (!res.body) throw wire('IO_ERROR', 'the provider sent no body', 'provider');
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    let buf = '';
    let finished = false;
    const handle = (line: string) => {
      if (!line.startsWith('data:')) return; // event:, id:, retry:, comments
      const data = line.slice(5).trim();
      if (data === '') return;
      if (data === '[DONE]') {
        finished = true;
        return;
      }
      let chunk: {
        model?: string;
        error?: { message?: string };
        usage?: StreamResult['usage'];
        choices?: { delta?: { content?: string | null; reasoning_content?: string | null }; finish_reason?: string | null }[];
      };
      try {
        chunk = JSON.parse(data);
      } catch {
        throw wire('IO_ERROR', `the provider sent a malformed chunk: ${data.slice(0, 120)}`, 'provider');
      }
      if (!chunk || typeof chunk !== 'object') throw wire('IO_ERROR', 'the provider sent a malformed chunk', 'provider');
      if (chunk.error) throw wire('IO_ERROR', `the provider reported an error: ${chunk.error.message ?? 'unknown'}`, 'provider');
      if (typeof chunk.model === 'string') out.model = chunk.model;
      if (chunk.usage) out.usage = chunk.usage;
      const choice = Array.isArray(chunk.choices) ? chunk.choices[0] : undefined;
      if (!choice) return;
      const delta = choice.delta ?? {};
      if (typeof delta.reasoning_content === 'string') out.thinking += delta.reasoning_content;
      if (typeof delta.content === 'string' && delta.content.length > 0) {
        out.firstTokenMs ??= performance.now() - t0;
        out.text += delta.content;
        o.onToken(delta.content);
      }
      if (choice.finish_reason) out.finishReason = choice.finish_reason;
    };
    while (!finished) {
      let r: ReadableStreamReadResult<Uint8Array>;
      try {
        r = await reader.read();
      } catch (e) {
        throw failure(e);
      }
      if (r.done) break;
      armStall();
      buf += decoder.decode(r.value, { stream: true });
      let nl: number;
      while (!finished && (nl = buf.search(/\r?\n/)) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(buf[nl] === '\r' ? nl + 2 : nl + 1);
        handle(line);
      }
    }
    if (!finished && buf.trim()) handle(buf.trim());
    if (!finished && out.finishReason === null) throw wire('IO_ERROR', 'the provider closed the stream before it finished', 'provider');
    void reader.cancel().catch(() => {});
    return out;
  } catch (e) {
    throw failure(e);
  } finally {
    clearTimeout(stallTimer);
    clearInterval(poll);
  }

  function failure(e: unknown): WireError & Error {
    if (why === 'cancel') return wire('CANCELLED', 'cancelled by the caller');
    if (why === 'stall') return wire('IO_ERROR', `the provider sent nothing for ${o.stallTimeoutMs} ms`, 'provider');
    if (e && typeof e === 'object' && 'code' in e && KNOWN.has(String((e as { code: unknown }).code))) {
      return e as WireError & Error;
    }
    return wire('IO_ERROR', `the provider could not be reached: ${e instanceof Error ? e.message : String(e)}`, 'provider');
  }
}
