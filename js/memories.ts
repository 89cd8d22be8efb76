// store.memories: scoped memories (user or space) with importance, tags and entities, searchable by
// text and vector (relevance = 0.7 x similarity + 0.3 x importance by default).
import type { Channel } from './client.js';
import { objectArg } from './errors.js';
import type { Id } from './types.js';
import type { ListMemoriesOptions, Memory, MemoryHit, MemoryInput, MemorySearchOptions, MemoryUpdate, RememberOptions } from './chat-types.js';

export class MemoriesApi {
  constructor(private readonly channel: Channel) {}
  /** Scope 'user' (no spaceId) or 'space' (spaceId required; the default when one is given). */
  add(input: MemoryInput): Promise<Memory> {
    return this.channel.call('memoryAdd', { ...objectArg(input, 'input') });
  }
  update(memoryId: Id, input: MemoryUpdate): Promise<Memory> {
    return this.channel.call('memoryUpdate', { ...objectArg(input, 'input'), memoryId });
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
    return this.channel.call('memoryList', { ...objectArg(options, 'options') });
  }
  search(query: string, options?: MemorySearchOptions): Promise<MemoryHit[]> {
    return this.channel.call('memorySearch', { ...objectArg(options, 'options'), query });
  }
  /** A memory from a chat message (its text unless `content` is given), source type 'chat'. */
  remember(messageId: Id, options?: RememberOptions): Promise<Memory> {
    return this.channel.call('memoryRemember', { ...objectArg(options, 'options'), messageId });
  }
}
