// Public types of store.chat, store.agents, store.providers and store.memories.
import type { Id } from './types.js';

export interface ChatSession {
  id: Id;
  spaceId: Id;
  userId: Id;
  title: string;
  sessionType: string;
  /** YYYY-MM-DD (UTC) for a daily session (getOrCreateSession), else null. */
  day: string | null;
  status: 'active' | 'ended';
  agentId: Id | null;
  /** Extractive keyphrases, set when the session ends. */
  keywords: string[] | null;
  /** Extractive summary, set when the session ends. */
  summary: string | null;
  summarizedAt: string | null;
  contextMetadata: Record<string, unknown>;
  /** Messages ever added (sequence numbers are 1..messageCount). */
  messageCount: number;
  createdAt: string;
  updatedAt: string;
  endedAt: string | null;
  deletedAt: string | null;
  /** The session's first branch (returned by createSession, getOrCreateSession, session). */
  mainBranchId?: Id | null;
  /** getOrCreateSession: whether this call created it. */
  created?: boolean;
}

export interface ChatBranch {
  id: Id;
  sessionId: Id;
  title: string;
  status: 'active' | 'merged' | 'archived';
  /** The newest message of the branch; its history is this message and its ancestors. */
  tipMessageId: Id | null;
  forkMessageId: Id | null;
  parentBranchId: Id | null;
  createdAt: string;
  updatedAt: string;
}

/** A citation of an answer. `deleted` once the cited chunk's source is deleted (or purged). */
export interface Citation {
  n: number;
  chunkId: Id;
  sourceId: Id;
  sourceTitle: string;
  /** The cited text as it was at answer time (kept when the source is purged). */
  excerpt: string;
  score: number;
  deleted: boolean;
  purged: boolean;
}

export interface ChatMessage {
  id: Id;
  sessionId: Id;
  parentId: Id | null;
  /** Per-session sequence number (1, 2, ...). */
  sequence: number;
  role: 'user' | 'assistant' | 'system';
  text: string;
  /** 'failed': a generation that was cancelled or failed; its text is empty, `error` says why. */
  status: 'complete' | 'failed';
  error?: { code: string; message: string };
  /** response_metadata: generationConfig, performance, retrievedChunks, memories, provider. */
  metadata: Record<string, unknown>;
  modelVersion: string | null;
  feedback: 'good' | 'bad' | null;
  isBranchRoot: boolean;
  agentId: Id | null;
  createdAt: string;
  /** Assistant messages only. */
  citations?: Citation[];
  /** message(id, { includeSteps: true }) only. */
  steps?: GenerationStep[];
}

export interface GenerationStep {
  id: Id;
  type: 'retrieval' | 'thinking' | 'tool_call' | 'final_contribution';
  index: number;
  agentId: Id | null;
  content: string;
  metadata: Record<string, unknown>;
  createdAt: string;
}

export interface RetrievedChunk {
  n: number;
  chunkId: Id;
  sourceId: Id;
  sourceTitle: string;
  headingPath: string[];
  score: number;
  text: string;
}

export type ChatEvent =
  | { type: 'retrieval'; chunks: RetrievedChunk[]; memories: { id: Id; content: string; relevance: number }[]; promptTokens: number; timings: Record<string, number> }
  | { type: 'token'; text: string }
  | { type: 'failed'; message: ChatMessage; query: ChatMessage; error: { code: string; message: string } }
  | { type: 'done'; message: ChatMessage; query: ChatMessage; branch: ChatBranch };

export interface CreateSessionInput {
  title?: string;
  agentId?: Id;
  sessionType?: string;
}

export interface GetOrCreateSessionOptions {
  /** Default 'daily'. One live session per (space, type, UTC day). */
  sessionType?: string;
  title?: string;
  /** The time to take the day from (default now); for imports and tests. */
  now?: string;
}

export interface SendInput {
  text: string;
  /** Default: the session's main branch. */
  branchId?: Id;
  /** A provider name (store.providers.set); default: the default provider, else the built-in extractive one. */
  provider?: string;
  /** Passages to retrieve (default 6, at most 50). */
  k?: number;
  /** Include relevant memories in the prompt (default true). */
  memories?: boolean;
  /** Token budget for sources, memories and history (default 3000). */
  tokenBudget?: number;
  mode?: 'hybrid' | 'text' | 'vector';
  historyLimit?: number;
  temperature?: number;
  maxTokens?: number;
  /** Abort when the provider sends nothing for this long (default: provider option, else 30 s). */
  stallTimeoutMs?: number;
}

export interface SendOptions {
  signal?: AbortSignal;
}

export interface ForkOptions {
  title?: string;
  /** The branch the message is on (default: the earliest branch whose history holds it). */
  branchId?: Id;
  /** When given, the message must belong to this session. */
  sessionId?: Id;
}

export interface AppendInput {
  text: string;
  role?: 'user' | 'assistant' | 'system';
  branchId?: Id;
}

export interface AiAgent {
  id: Id;
  name: string;
  agentType: string;
  roleDescription: string;
  systemPrompt: string;
  modelConfig: Record<string, unknown>;
  capabilities: string[];
  isActive: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface AgentInput {
  name?: string;
  agentType?: string;
  roleDescription?: string;
  systemPrompt?: string;
  modelConfig?: { model?: string; temperature?: number; maxTokens?: number; [k: string]: unknown };
  capabilities?: string[];
  isActive?: boolean;
}

export interface ProviderInput {
  name: string;
  kind: 'openai' | 'extractive';
  /** e.g. https://api.openai.com/v1 (the provider POSTs to {baseUrl}/chat/completions). */
  baseUrl?: string;
  model?: string;
  /** Sealed before it is stored (unlock first); null removes the stored key; absent keeps it. */
  apiKey?: string | null;
  options?: { temperature?: number; maxTokens?: number; stallTimeoutMs?: number; headers?: Record<string, string> };
  isDefault?: boolean;
}

export interface ProviderInfo {
  name: string;
  kind: 'openai' | 'extractive';
  baseUrl: string | null;
  model: string | null;
  options: Record<string, unknown>;
  hasKey: boolean;
  isDefault: boolean;
  createdAt: string;
  updatedAt: string;
}

export type UnlockInput = { passphrase: string; iterations?: number } | { key: CryptoKey };

export interface Memory {
  id: Id;
  scope: 'user' | 'space';
  spaceId: Id | null;
  content: string;
  importance: number;
  tags: string[];
  entities: Record<string, unknown>;
  sourceType: 'chat' | 'document' | 'manual' | 'import';
  sourceRef: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
  deletedAt: string | null;
}

export interface MemoryInput {
  scope?: 'user' | 'space';
  spaceId?: Id;
  content: string;
  importance?: number;
  tags?: string[];
  entities?: Record<string, unknown>;
  sourceType?: 'chat' | 'document' | 'manual' | 'import';
  /** e.g. { messageId, chunkId, sourceId } */
  sourceRef?: Record<string, unknown>;
}

export interface MemoryUpdate {
  content?: string;
  importance?: number;
  tags?: string[];
  entities?: Record<string, unknown>;
}

export interface MemorySearchOptions {
  /** Memories of this space plus user-scoped ones (default: all). */
  spaceId?: Id;
  scope?: 'user' | 'space';
  k?: number;
  mode?: 'hybrid' | 'text' | 'vector';
  /** relevance = similarity x weights.similarity + importance x weights.importance (0.7 / 0.3). */
  weights?: { similarity?: number; importance?: number };
  tags?: string[];
  minImportance?: number;
}

export interface MemoryHit extends Memory {
  relevance: number;
  similarity: number;
  scores: { vector: number; text: number };
}

export interface ListMemoriesOptions {
  spaceId?: Id;
  scope?: 'user' | 'space';
  includeDeleted?: boolean;
  limit?: number;
  after?: Id;
}

export interface RememberOptions {
  content?: string;
  importance?: number;
  tags?: string[];
  entities?: Record<string, unknown>;
  scope?: 'user' | 'space';
}
