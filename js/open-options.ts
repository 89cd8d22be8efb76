// Shared checks of openStore options (browser and Node entries).
import type { StoreLocation, WorkerOpenOptions } from '../workers/protocol.js';
import { invalid } from './errors.js';
import { assertJsonSafe } from './client.js';
import type { Embedder, OpenStoreOptions } from './types.js';

export const DEFAULT_MAX_SOURCE_BYTES = 64 * 1024 * 1024;

function checkEmbedder(e: Embedder): void {
  if (e === null || typeof e !== 'object') throw invalid('embedder must be an object { id, dimensions, embed }', 'embedder');
  if (typeof e.id !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._:/@+-]{0,199}$/.test(e.id)) {
    throw invalid('embedder.id must be 1-200 characters of letters, digits and ._:/@+-', 'embedder.id');
  }
  if (!Number.isInteger(e.dimensions) || e.dimensions < 1 || e.dimensions > 16384) {
    throw invalid('embedder.dimensions must be an integer from 1 to 16384', 'embedder.dimensions');
  }
  if (typeof e.embed !== 'function') throw invalid('embedder.embed must be a function', 'embedder.embed');
  if (e.batchSize !== undefined && (!Number.isInteger(e.batchSize) || e.batchSize < 1 || e.batchSize > 4096)) {
    throw invalid('embedder.batchSize must be an integer from 1 to 4096', 'embedder.batchSize');
  }
}

export function resolveOpenOptions(
  options: OpenStoreOptions | undefined,
  platform: 'node' | 'browser',
): { open: WorkerOpenOptions; maxSourceBytes: number } {
  if (options === undefined || options === null || typeof options !== 'object') {
    throw invalid('openStore needs an options object: { path }, { name } or { memory: true }', 'options');
  }
  const { path, name, memory, maxSourceBytes, workerUrl, embedder, chunkTokens, chunkOverlap, schemaVersion, ingestPipeline, warmIndex, ...rest } = options;
  const unknown = Object.keys(rest)[0];
  if (unknown !== undefined) throw invalid(`unknown option ${unknown}`, unknown);
  assertJsonSafe({ path, name, memory, maxSourceBytes, chunkTokens, chunkOverlap, schemaVersion }, '');
  const given = [path !== undefined, name !== undefined, memory === true].filter(Boolean).length;
  if (given !== 1) throw invalid('give exactly one of path (Node), name (browser) or memory: true', 'path');
  if (memory !== undefined && typeof memory !== 'boolean') throw invalid('memory must be a boolean', 'memory');
  if (ingestPipeline !== undefined && typeof ingestPipeline !== 'boolean') throw invalid('ingestPipeline must be a boolean', 'ingestPipeline');
  if (warmIndex !== undefined && typeof warmIndex !== 'boolean') throw invalid('warmIndex must be a boolean', 'warmIndex');
  if (workerUrl !== undefined && typeof workerUrl !== 'string' && !(workerUrl instanceof URL)) {
    throw invalid('workerUrl must be a string or URL', 'workerUrl');
  }
  let location: StoreLocation;
  if (memory) {
    location = { kind: 'memory' };
  } else if (path !== undefined) {
    if (platform !== 'node') throw invalid('path is for Node; in a browser open a store by name (OPFS)', 'path');
    if (typeof path !== 'string' || path.length === 0 || path.includes('\0')) {
      throw invalid('path must be a non-empty file path', 'path');
    }
    location = { kind: 'path', path };
  } else {
    if (platform !== 'browser') throw invalid('name is for browsers (OPFS); in Node open a store by path', 'name');
    if (typeof name !== 'string') throw invalid('name must be a string', 'name');
    location = { kind: 'opfs', name };
  }
  let max = DEFAULT_MAX_SOURCE_BYTES;
  if (maxSourceBytes !== undefined) {
    if (typeof maxSourceBytes !== 'number' || !Number.isInteger(maxSourceBytes) || maxSourceBytes < 1 || maxSourceBytes > 2 ** 30) {
      throw invalid('maxSourceBytes must be an integer from 1 to 2^30', 'maxSourceBytes');
    }
    max = maxSourceBytes;
  }
  const engine: Record<string, unknown> = { maxSourceBytes: max };
  // Ranges are checked by the engine, which names the field.
  if (chunkTokens !== undefined) engine.chunkTokens = chunkTokens;
  if (chunkOverlap !== undefined) engine.chunkOverlap = chunkOverlap;
  if (schemaVersion !== undefined) engine.schemaVersion = schemaVersion;
  if (embedder !== undefined) {
    checkEmbedder(embedder);
    engine.embedder = { id: embedder.id, dimensions: embedder.dimensions };
  }
  return { open: { location, engine, ingestPipeline: ingestPipeline ?? true, warmIndex: warmIndex ?? true }, maxSourceBytes: max };
}
