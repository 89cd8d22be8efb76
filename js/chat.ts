// store.chat, store.agents and store.providers: conversations over a message DAG with branches,
// answers with citations (streamed), agent definitions, and chat providers with sealed API keys.
import type { Channel } from './client.js';
import { KspaceError, invalid, objectArg } from './errors.js';
import type { Id } from './types.js';
import type {
  AgentInput,
  AiAgent,
  AppendInput,
  ChatBranch,
  ChatEvent,
  ChatMessage,
  ChatSession,
  CreateSessionInput,
  ForkOptions,
  GetOrCreateSessionOptions,
  ProviderInfo,
  ProviderInput,
  SendInput,
  SendOptions,
  UnlockInput,
} from './chat-types.js';

const utf8 = new TextDecoder();

export class ChatApi {
  constructor(private readonly channel: Channel) {}

  /** A new session in a space, with an empty `main` branch (its id is `mainBranchId`). */
  createSession(spaceId: Id, input?: CreateSessionInput): Promise<ChatSession> {
    return this.channel.call('chatCreateSession', { ...objectArg(input, 'input'), spaceId });
  }

  /** Today's session of this kind in the space (seed 001 daily reuse), created if needed. */
  getOrCreateSession(spaceId: Id, options?: GetOrCreateSessionOptions): Promise<ChatSession> {
    return this.channel.call('chatGetOrCreateSession', { ...objectArg(options, 'options'), spaceId });
  }

  /** Live sessions, most recently active first (of one space when given). */
  sessions(options?: { spaceId?: Id; limit?: number }): Promise<ChatSession[]> {
    return this.channel.call('chatSessions', { ...objectArg(options, 'options') });
  }

  session(sessionId: Id): Promise<ChatSession> {
    return this.channel.call('chatGetSession', { sessionId });
  }

  /** Ends a session: status 'ended', extractive summary and keywords. */
  endSession(sessionId: Id): Promise<ChatSession> {
    return this.channel.call('chatEndSession', { sessionId });
  }

  deleteSession(sessionId: Id): Promise<{ sessionId: Id; deleted: true }> {
    return this.channel.call('chatDeleteSession', { sessionId });
  }

  /**
   * Asks a question: yields `retrieval` (the numbered passages), then `token`s as the provider
   * streams, then `done` with the stored answer (question, answer, citations and steps are written
   * in one transaction at the end). A failed or cancelled generation yields `failed` (the visible
   * failed answer) and then throws the typed error. Breaking out of the loop cancels.
   */
  async *send(sessionId: Id, input: SendInput, options?: SendOptions): AsyncGenerator<ChatEvent, void, undefined> {
    const { signal } = objectArg(options, 'options');
    if (signal !== undefined && !(signal instanceof AbortSignal)) throw invalid('signal must be an AbortSignal', 'signal');
    const ac = new AbortController();
    const onAbort = () => ac.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    if (signal?.aborted) ac.abort();
    const queue: ChatEvent[] = [];
    let wake: (() => void) | null = null;
    let settled = false;
    let result: { message: ChatMessage; query: ChatMessage; branch: ChatBranch } | undefined;
    let error: unknown;
    const job = this.channel
      .job<{ message: ChatMessage; query: ChatMessage; branch: ChatBranch }, ChatEvent>('chatSend', { ...objectArg(input, 'input'), sessionId }, {
        onProgress: (ev) => {
          queue.push(ev);
          wake?.();
        },
        signal: ac.signal,
      })
      .then(
        (r) => {
          result = r;
        },
        (e: unknown) => {
          error = e;
        },
      )
      .finally(() => {
        settled = true;
        wake?.();
      });
    try {
      for (;;) {
        if (queue.length > 0) {
          yield queue.shift()!;
          continue;
        }
        if (settled) break;
        await new Promise<void>((r) => (wake = r));
        wake = null;
      }
      if (error !== undefined) throw error;
      if (!result) throw new KspaceError('INTERNAL', 'chatSend finished without an answer');
      yield { type: 'done', message: result.message, query: result.query, branch: result.branch };
    } finally {
      signal?.removeEventListener('abort', onAbort);
      if (!settled) {
        ac.abort();
        await job;
      }
    }
  }

  /** Adds a message without generating an answer (imports; a user turn to answer later). */
  append(sessionId: Id, input: AppendInput): Promise<ChatMessage> {
    return this.channel.call('chatAppend', { ...objectArg(input, 'input'), sessionId });
  }

  /** A new branch whose tip and fork point are the message. */
  fork(messageId: Id, options?: ForkOptions): Promise<ChatBranch> {
    return this.channel.call('chatFork', { ...objectArg(options, 'options'), messageId });
  }

  /** A session's branches in creation order (the first is main). */
  branches(sessionId: Id, options?: { includeArchived?: boolean }): Promise<ChatBranch[]> {
    return this.channel.call('chatBranches', { ...objectArg(options, 'options'), sessionId });
  }

  /** The branch's messages, root to tip (the newest `limit` when given). */
  async history(branchId: Id, options?: { limit?: number }): Promise<ChatMessage[]> {
    // The engine writes the history as one UTF-8 JSON text into the call's binary output (asText),
    // which the worker transfers here as it is: decoding and parsing it once on this side is much
    // cheaper than the engine escaping it into a JSON string, or the worker parsing it and
    // structured-cloning hundreds of message objects.
    const { bytes } = await this.channel.callWithBytes('chatHistory', { ...objectArg(options, 'options'), branchId, asText: true });
    if (!bytes) throw new KspaceError('INTERNAL', 'chatHistory returned no text');
    return JSON.parse(utf8.decode(bytes)) as ChatMessage[];
  }

  message(messageId: Id, options?: { includeSteps?: boolean }): Promise<ChatMessage> {
    return this.channel.call('chatMessage', { ...objectArg(options, 'options'), messageId });
  }

  setFeedback(messageId: Id, feedback: 'good' | 'bad' | null): Promise<ChatMessage> {
    return this.channel.call('chatSetFeedback', { messageId, feedback });
  }

  renameBranch(branchId: Id, title: string): Promise<ChatBranch> {
    return this.channel.call('chatRenameBranch', { branchId, title });
  }

  /** Archived branches keep their history but take no new messages. */
  archiveBranch(branchId: Id): Promise<ChatBranch> {
    return this.channel.call('chatArchiveBranch', { branchId });
  }
}

export class AgentsApi {
  constructor(private readonly channel: Channel) {}
  create(input: AgentInput & { name: string }): Promise<AiAgent> {
    return this.channel.call('agentCreate', { ...objectArg(input, 'input') });
  }
  list(): Promise<AiAgent[]> {
    return this.channel.call('agentList', {});
  }
  get(agentId: Id): Promise<AiAgent> {
    return this.channel.call('agentGet', { agentId });
  }
  update(agentId: Id, input: AgentInput): Promise<AiAgent> {
    return this.channel.call('agentUpdate', { ...objectArg(input, 'input'), agentId });
  }
  delete(agentId: Id): Promise<{ agentId: Id; deleted: true }> {
    return this.channel.call('agentDelete', { agentId });
  }
}

export class ProvidersApi {
  constructor(private readonly channel: Channel) {}
  /**
   * Opens the store's keyring in the worker: `{ passphrase }` (PBKDF2-SHA256 -> AES-GCM) or
   * `{ key }` (a non-extractable AES-GCM CryptoKey). The first unlock creates the keyring; later
   * ones must match (INVALID_ARGUMENT naming passphrase/key otherwise). Needed to store or use keys.
   */
  unlock(input: UnlockInput): Promise<{ unlocked: true; created: boolean }> {
    return this.channel.job('providerUnlock', { ...objectArg(input, 'input') } as Record<string, unknown>, undefined);
  }
  /** Forgets the unlocked key (providers with keys fail until the next unlock). */
  lock(): Promise<{ unlocked: false }> {
    return this.channel.job('providerLock', {}, undefined);
  }
  /** Adds or replaces a provider; its apiKey is sealed in the worker before it is stored. */
  set(input: ProviderInput): Promise<ProviderInfo> {
    return this.channel.job('providerSet', { ...objectArg(input, 'input') } as Record<string, unknown>, undefined);
  }
  list(): Promise<ProviderInfo[]> {
    return this.channel.call('providerList', {});
  }
  delete(name: string): Promise<{ name: string; deleted: true }> {
    return this.channel.call('providerDelete', { name });
  }
}
