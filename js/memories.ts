// store.memories: scoped memories (user or space) with importance, tags and entities, searchable by
// text and vector (relevance = 0.7 x similarity + 0.3 x importance by default).
import type { Channel } from './client.js';
import { invalid } from './errors.js';
import type { Id } from './types.js';
import type { ListMemoriesOptions, Memory, MemoryHit, MemoryInput, MemorySearchOptions, MemoryUpdate, RememberOptions } from './chat-types.js';

function obj<T>(v: T | undefined, field: string): Partial<T> {
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw invalid(`${field} must be an object`, field);
  return v;
}

export class MemoriesApi {
  constructor(private readonly channel: Channel) {}
  /** Scope 'user' (no spaceId) or 'space' (spaceId required; the default when one is given). */
  add(input: MemoryInput): Promise<Memory> {
    return this.channel.call('memoryAdd', { ...obj(input, 'input') });
  }
  update(memoryId: Id, input: MemoryUpdate): Promise<Memory> {
    return this.channel.call('memoryUpdate', { ...obj(input, 'input'), memoryId });
  }
  /** Soft delete (restore brings it back). */
  delete(memoryId: Id): Promise<Memory> {
    return this.channel.call('memoryDelete', { memoryId });
  }
  restore(memoryId: Id): Promise<Memory> {
    return this.channel.call('memoryRestore', { memoryId });
  }
  get(memoryId: Id): Promise<Memory> {
    return this.channel.call('memoryGet', { memoryId });
  }
  list(options?: ListMemoriesOptions): Promise<Memory[]> {
    return this.channel.call('memoryList', { ...obj(options, 'options') });
  }
  search(query: string, options?: MemorySearchOptions): Promise<MemoryHit[]> {
    return this.channel.call('memorySearch', { ...obj(options, 'options'), query });
  }
  /** A memory from a chat message (its text unless `content` is given), source type 'chat'. */
  remember(messageId: Id, options?: RememberOptions): Promise<Memory> {
    return this.channel.call('memoryRemember', { ...obj(options, 'options'), messageId });
  }
}
