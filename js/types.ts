// The public data types of the kspace API. Field names are the SQL schema's snake_case names in
// camelCase; ids are UUID strings; times are ISO 8601 UTC strings ("2026-11-22T03:40:00.123Z").

/** A UUID string. */
export type Id = string;
/** An ISO 8601 UTC timestamp string. */
export type Timestamp = string;
/** Any JSON object. */
export type JsonObject = { [key: string]: JsonValue };
export type JsonValue = string | number | boolean | null | JsonValue[] | JsonObject;

export type AccessLevel = 'private' | 'shared' | 'public';
export type SpaceStatus = 'active' | 'archived';
export type ProcessingStatus = 'idle' | 'processing' | 'failed';

/** A knowledge space (seed 000 SPACES). */
export interface Space {
  id: Id;
  title: string;
  description: string;
  /** A URL or an emoji. */
  icon: string | null;
  coverImage: string | null;
  keywords: string[];
  ownerId: Id;
  createdAt: Timestamp;
  createdBy: Id;
  lastUpdatedAt: Timestamp;
  lastUpdatedBy: Id;
  /** Live (not deleted) sources in the space. Exact: updated in the same transaction as the sources. */
  documentCount: number;
  /** Sum of the live sources' original sizes, in bytes (counted per source, even when bytes are shared). */
  totalSizeBytes: number;
  /** Writes that would take totalSizeBytes above this fail with QUOTA_EXCEEDED. Default 1 GiB. */
  storageQuotaBytes: number;
  accessLevel: AccessLevel;
  guestAccessEnabled: boolean;
  guestAccessExpiry: Timestamp | null;
  status: SpaceStatus;
  processingStatus: ProcessingStatus;
  /** Set when soft-deleted; the space can be restored until it is purged. */
  deletedAt: Timestamp | null;
  /** The embedding model of the space's vectors ("kspace-builtin-v1" or a page-side embedder's id). */
  embeddingModel: string;
}

/** Fields accepted by createSpace (title required) and updateSpace (all optional). */
export interface SpaceInput {
  title?: string;
  description?: string;
  icon?: string | null;
  coverImage?: string | null;
  keywords?: string[];
  storageQuotaBytes?: number;
  accessLevel?: AccessLevel;
  guestAccessEnabled?: boolean;
  guestAccessExpiry?: Timestamp | null;
  status?: SpaceStatus;
}

export interface CreateSpaceInput extends SpaceInput {
  title: string;
}

export type MediaType = 'document' | 'text' | 'web' | 'image' | 'audio' | 'video';
export type SourceOrigin = 'upload' | 'paste' | 'web' | 'vault' | 'import' | 'gdrive' | 'onedrive' | 'notion';
export type SourceStatus = 'processing' | 'processed' | 'failed';

/** A content source: a document, note, page or file in a space (seed 000 CONTENT_SOURCES). */
export interface Source {
  id: Id;
  spaceId: Id;
  ownerId: Id;
  title: string;
  mediaType: MediaType;
  origin: SourceOrigin;
  mimeType: string | null;
  /** Where it came from, e.g. its path in a vault or folder. */
  path: string | null;
  /** SHA-256 (hex) of the original bytes; identical bytes are stored once. */
  originalBlobHash: string;
  /** SHA-256 of the processed text, for text-like sources. */
  processedBlobHash: string | null;
  contentSummary: string | null;
  keywords: string[];
  metadata: JsonObject;
  status: SourceStatus;
  /** Why processing failed, when status is 'failed'. */
  errorMessage: string | null;
  numChunks: number;
  /** Size of the original bytes. */
  totalSizeBytes: number;
  createdAt: Timestamp;
  updatedAt: Timestamp;
  deletedAt: Timestamp | null;
}

/** A new source: exactly one of `text` or `bytes`. */
export interface SourceInput {
  title: string;
  mediaType: MediaType;
  origin: SourceOrigin;
  text?: string;
  bytes?: Uint8Array | ArrayBuffer;
  mimeType?: string;
  path?: string;
  keywords?: string[];
  metadata?: JsonObject;
}

export interface ListSpacesOptions {
  includeDeleted?: boolean;
}

export interface ListSourcesOptions {
  includeDeleted?: boolean;
  status?: SourceStatus;
  /** At most this many (1-10000, default 1000). */
  limit?: number;
  /** Continue after this source id (the last one of the previous page). */
  after?: Id;
}

export interface SourceContentOptions {
  /** The processed text instead of the original bytes. */
  processed?: boolean;
}

export interface SourceContent {
  sourceId: Id;
  processed: boolean;
  mimeType: string | null;
  hash: string;
  sizeBytes: number;
  bytes: Uint8Array;
  /** The bytes decoded as UTF-8, for processed text. */
  text: string | null;
}

export interface PurgeResult {
  purged: true;
  freedBytes: number;
}

export interface StoreStats {
  storeId: Id;
  /** Chunks in the store (all spaces, including those of deleted sources). */
  chunks: number;
  profileId: Id;
  schemaVersion: number;
  spaces: number;
  deletedSpaces: number;
  sources: number;
  deletedSources: number;
  blobs: number;
  blobBytes: number;
  fileBytes: number;
  freeBytes: number;
  pageSize: number;
  /** The vector indexes in memory: loaded by a search, an ingest or warmIndex, kept until close. */
  loadedIndexes: LoadedIndex[];
}

export interface LoadedIndex {
  spaceId: Id;
  embeddingModel: string;
  storedVectors: number;
  memoryBytes: number;
}

/** What Store.warmIndex did. */
export interface WarmIndexResult {
  /** The space whose index was loaded; null when no space qualified (warmIndex() without an id). */
  spaceId: Id | null;
  embeddingModel?: string;
  /** The index was in memory already (nothing was read). */
  alreadyLoaded?: boolean;
  /** Live vectors in the index. */
  vectors?: number;
  /** Milliseconds the load took (0 when already loaded). */
  loadMs?: number;
}

export interface CheckResult {
  ok: boolean;
  problems: string[];
}

/**
 * An embedding model plugged in from JavaScript (a transformers.js model, a remote API...).
 * Its vectors are stored with its `id`; vectors of different ids are never compared.
 */
export interface Embedder {
  /** Stable id recorded with every vector, e.g. "Xenova/all-MiniLM-L6-v2". Change it when the model changes. */
  id: string;
  /** Length of every vector (1-16384). */
  dimensions: number;
  /** Embeds a batch of texts: one vector per text, as arrays or one flat Float32Array (n x dimensions). */
  embed(texts: string[]): Promise<ArrayLike<number>[] | Float32Array> | ArrayLike<number>[] | Float32Array;
  /** Most texts per embed() call (default 64). */
  batchSize?: number;
}

/** Where a store lives. Exactly one of path (Node), name (browser, OPFS) or memory. */
export interface OpenStoreOptions {
  /** Node: the store's file path. */
  path?: string;
  /** Browser: the store's name in the Origin Private File System. */
  name?: string;
  /** Both: a store that lives only as long as it is open. */
  memory?: boolean;
  /** Largest source accepted, in bytes (default 64 MiB). */
  maxSourceBytes?: number;
  /** An embedder to use instead of the built-in one (see Embedder). */
  embedder?: Embedder;
  /** Chunk token budget, 32-8192 (default 300); applies to sources processed from now on. */
  chunkTokens?: number;
  /** Tokens repeated between consecutive chunks of a long section, at most chunkTokens / 2 (default 30). */
  chunkOverlap?: number;
  /**
   * Advanced (migration tests and tools): create a NEW store at this older schema version. An
   * existing store is always brought up to the latest version this build knows.
   */
  schemaVersion?: number;
  /** Advanced: the worker script to run, when a bundler cannot resolve the default. */
  workerUrl?: string | URL;
  /**
   * Ingest of several batches with the built-in embedder parses and embeds the next batch in a
   * second worker while the store's worker commits the current one (default true). False keeps
   * one worker (less memory); the results are the same either way.
   */
  ingestPipeline?: boolean;
  /**
   * Soon after the store opens, load the vector index of the space updated most recently (the one
   * with a saved index), so that the first search does not wait for it (default true; a 100k-chunk
   * space's index takes 100-300 ms to read and ~70 MB of memory). A search that comes first loads
   * its own space's index as before. Store.warmIndex(spaceId) loads a chosen space's index.
   */
  warmIndex?: boolean;
}

/** Options of long-running calls (ingest, reembed, layout). */
export interface JobOptions<P> {
  /** Called with progress reports while the job runs. */
  onProgress?: (progress: P) => void;
  /** Aborting it cancels the job: work already committed stays, the rest is undone. */
  signal?: AbortSignal;
}

export type ChunkType = 'paragraph' | 'section' | 'table' | 'code_block' | 'list';

/** A passage of a source (seed 000 content_chunk): what search finds and chat cites. */
export interface Chunk {
  id: Id;
  spaceId: Id;
  contentSourceId: Id;
  /** 0-based order within the source. */
  chunkIndex: number;
  chunkType: ChunkType;
  /** The passage (without the "Title > Heading" context line that was embedded with it). */
  text: string;
  /** Enclosing headings, outermost first. */
  headingPath: string[];
  tokenCount: number;
  /** The passage's range in the source's processed text, in UTF-16 code units (String.slice). */
  charStart: number;
  charEnd: number;
  createdAt: Timestamp;
  sourceTitle?: string;
  sourceDeleted?: boolean;
}

/** How ingest treats bytes a live source of the space already has. */
export type DuplicatePolicy = 'skip' | 'keep';

export interface IngestOptions extends JobOptions<IngestProgress> {
  /** 'skip' (default for ingest): return the existing source instead of adding the same bytes again. */
  duplicates?: DuplicatePolicy;
}

export interface IngestProgress {
  /** stage: storing the raw sources; parse/embed/commit: processing a batch; done. */
  stage: 'stage' | 'parse' | 'embed' | 'commit' | 'done';
  sourcesTotal: number;
  sourcesDone: number;
  bytesTotal: number;
  bytesDone: number;
  chunks: number;
  failed: number;
  duplicates: number;
  /** Cumulative milliseconds per stage (parse includes chunking, keywords and summary). */
  timings: { parseMs: number; embedMs: number; indexMs: number; commitMs: number };
}

export interface IngestResult {
  /** One per input, in input order: processed, failed (see errorMessage), or the existing duplicate. */
  sources: (Source & { duplicate?: boolean })[];
  chunks: number;
  failed: number;
  duplicates: number;
  bytes: number;
  /** Stage times summed over batches; with the ingest pipeline, parse and embed ran beside commit. */
  timings: IngestProgress['timings'];
  /** Batches parsed and embedded by the ingest pipeline's second worker (0: all in the store's worker). */
  pipelinedBatches: number;
}

/** Conditions a search result must meet (all of them). */
export interface SearchFilter {
  sourceIds?: Id[];
  chunkTypes?: ChunkType[];
  /** The source has any of these tags (#tags and front matter tags, without '#'). */
  tags?: string[];
  mediaTypes?: MediaType[];
  /** The source was added at or after this time. */
  createdAfter?: Timestamp;
  /** The source was added before this time. */
  createdBefore?: Timestamp;
  /** Only 'chunk' so far. */
  entityTypes?: 'chunk'[];
}

export type SearchMode = 'hybrid' | 'text' | 'vector';

export interface SearchOptions {
  /** Results to return, 1-1000 (default 10). */
  k?: number;
  /** hybrid (default): full text and vectors fused; text: BM25F only; vector: embeddings only. */
  mode?: SearchMode;
  filter?: SearchFilter;
  /** Fusion of the two rankings: 'convex' (default, tuned) or reciprocal rank fusion. */
  fusion?: 'convex' | 'rrf';
  /** Weight of the full-text side in convex fusion, 0-1 (default 0.5). */
  alpha?: number;
  /** Include each hit's full passage text. */
  includeText?: boolean;
  /** One hit per source (its best passage): rank documents rather than passages. */
  groupBySource?: boolean;
  /**
   * Search as you type: when the query ends inside a word (no space after it), that word also
   * matches as a prefix on the full-text side ("borr" finds "borrow"). Words under 3 letters and
   * stopwords are not expanded. Default false: a finished query matches whole words only.
   */
  prefix?: boolean;
}

/** One side's contribution to a hit. */
export interface SideScore {
  score: number;
  /** 1-based rank within that side's list. */
  rank: number;
}

export interface SearchHit {
  chunkId: Id;
  sourceId: Id;
  sourceTitle: string | null;
  chunkIndex: number;
  chunkType: ChunkType;
  headingPath: string[];
  charStart: number;
  charEnd: number;
  /** An excerpt with the matched words wrapped in <mark></mark> (escape it before using as HTML). */
  snippet: string;
  /** The fused score (higher is better); its scale depends on the mode and fusion. */
  score: number;
  rank: number;
  /** Each side's score and rank, or null when the hit came only from the other side. */
  scores: { text: SideScore | null; vector: SideScore | null };
  text?: string;
}

/** What `similar` starts from: a chunk, a source (all its chunks), or a text in a space. */
export type SimilarTarget = { chunkId: Id } | { sourceId: Id } | { text: string; spaceId: Id };

export interface SimilarOptions {
  k?: number;
  filter?: SearchFilter;
  includeText?: boolean;
}

export interface ReembedProgress {
  embedded: number;
  remaining: number;
  total: number;
  model: string;
}

export interface ReembedOptions extends JobOptions<ReembedProgress> {
  /** 'store' (default): the embedder the store was opened with; 'builtin': the built-in model. */
  to?: 'store' | 'builtin';
}

export interface ReembedResult {
  spaceId: Id;
  model: string;
  embedded: number;
}

export interface SpaceStats {
  spaceId: Id;
  documentCount: number;
  totalSizeBytes: number;
  chunks: number;
  /** Chunks of live sources: what search covers. */
  liveChunks: number;
  processingSources: number;
  failedSources: number;
  embeddingModel: string;
  dimensions: number;
  /** Whether this store (as opened) can embed queries for the space's model. */
  modelAvailable: boolean;
  index: {
    liveVectors: number;
    storedVectors: number;
    /**
     * Vectors stored but not yet in the HNSW graph. Searches find them by exact scan; the worker
     * links them while idle (vector queries are at full speed again when this is 0).
     */
    unlinkedVectors: number;
    generation: number;
    snapshotGeneration: number;
    logEntries: number;
    memoryBytes: number;
  } | null;
}
