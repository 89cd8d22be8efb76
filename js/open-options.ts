// Shared checks of openStore options (browser and Node entries).
import type { StoreLocation, WorkerOpenOptions } from '../workers/protocol.js';
import { invalid } from './errors.js';
import { assertJsonSafe } from './client.js';
import type { OpenStoreOptions } from './types.js';

export const DEFAULT_MAX_SOURCE_BYTES = 64 * 1024 * 1024;

export function resolveOpenOptions(
  options: OpenStoreOptions | undefined,
  platform: 'node' | 'browser',
): { open: WorkerOpenOptions; maxSourceBytes: number } {
  if (options === undefined || options === null || typeof options !== 'object') {
    throw invalid('openStore needs an options object: { path }, { name } or { memory: true }', 'options');
  }
  const { path, name, memory, maxSourceBytes, workerUrl, ...rest } = options;
  const unknown = Object.keys(rest)[0];
  if (unknown !== undefined) throw invalid(`unknown option ${unknown}`, unknown);
  assertJsonSafe({ path, name, memory, maxSourceBytes }, '');
  const given = [path !== undefined, name !== undefined, memory === true].filter(Boolean).length;
  if (given !== 1) throw invalid('give exactly one of path (Node), name (browser) or memory: true', 'path');
  if (memory !== undefined && typeof memory !== 'boolean') throw invalid('memory must be a boolean', 'memory');
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
  return { open: { location, engine: { maxSourceBytes: max } }, maxSourceBytes: max };
}
