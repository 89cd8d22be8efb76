// Browser backend: a store's files in the Origin Private File System, through a small pool of
// FileSystemSyncAccessHandles opened before the database opens (as SQLite's "opfs-sahpool" VFS
// does). Synchronous handles are what a synchronous C VFS needs, and they work in any dedicated
// worker: no SharedArrayBuffer, no COOP/COEP headers, any static host.
//
// Layout: /kspace/<store name>/ holds one file per name SQLite uses: the database and its "-wal"
// and "-journal". All three are opened up front (3 handles per open store; Safari caps a page at
// about 250). A name outside the pool cannot be opened. An empty file counts as missing, so
// "deleting" a pooled file truncates it and keeps its handle.
//
// Sync access handles are exclusive: the Web Lock taken in openOpfsStore keeps a second tab out
// cleanly (STORE_LOCKED at once); a handle still held by a tab that is closing is retried briefly.
import { ERR_FULL, ERR_IO, ERR_NOT_FOUND, type JsFileBackend } from './protocol.js';

interface SyncAccessHandle {
  read(buffer: Uint8Array, options?: { at: number }): number;
  write(buffer: Uint8Array, options?: { at: number }): number;
  truncate(size: number): void;
  getSize(): number;
  flush(): void;
  close(): void;
}

interface SyncCapableFileHandle extends FileSystemFileHandle {
  createSyncAccessHandle(): Promise<SyncAccessHandle>;
}

export class StoreLockedError extends Error {
  readonly code = 'STORE_LOCKED';
}

/** Store names double as directory names: keep them portable. */
export function checkStoreName(name: string): string | null {
  if (typeof name !== 'string' || name.length < 1 || name.length > 100) return 'name must be 1-100 characters';
  if (!/^[A-Za-z0-9][A-Za-z0-9._ -]*$/.test(name)) {
    return 'name may use letters, digits, space, dot, dash and underscore, and must start with a letter or digit';
  }
  return null;
}

const SUFFIXES = ['', '-wal', '-journal'];

export class OpfsPoolBackend implements JsFileBackend {
  lastError = '';
  private readonly byName = new Map<string, number>();

  private constructor(
    private readonly handles: SyncAccessHandle[],
    names: string[],
  ) {
    names.forEach((n, i) => this.byName.set(n, i));
  }

  /** Opens (creating as needed) the pool for database file `dbName` inside `dir`. */
  static async open(dir: FileSystemDirectoryHandle, dbName: string, retryMs = 3000): Promise<OpfsPoolBackend> {
    const names = SUFFIXES.map((s) => dbName + s);
    // Each step is a round trip to the browser process: the files are opened side by side.
    const opened = await Promise.allSettled(
      names.map(async (n) => openWithRetry((await dir.getFileHandle(n, { create: true })) as SyncCapableFileHandle, retryMs)),
    );
    const handles: SyncAccessHandle[] = [];
    for (const r of opened) {
      if (r.status === 'fulfilled') handles.push(r.value);
    }
    const failed = opened.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      for (const h of handles) h.close();
      throw failed.reason;
    }
    return new OpfsPoolBackend(handles, names);
  }

  /** Releases every handle (after the engine closed the database). */
  closeAll(): void {
    for (const h of this.handles) {
      try {
        h.flush();
        h.close();
      } catch {
        // already closed
      }
    }
    this.handles.length = 0;
  }

  private fail(e: unknown, code = ERR_IO): number {
    this.lastError = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    if (e instanceof DOMException && e.name === 'QuotaExceededError') return ERR_FULL;
    return code;
  }

  private handle(h: number): SyncAccessHandle {
    const sah = this.handles[h];
    if (!sah) throw new Error(`bad handle ${h}`);
    return sah;
  }

  open(name: string, _create: boolean): number {
    const h = this.byName.get(name);
    if (h === undefined) {
      this.lastError = `no pooled OPFS file for ${name}`;
      return ERR_NOT_FOUND;
    }
    return h;
  }

  read(h: number, dest: Uint8Array, offset: number): number {
    try {
      return this.handle(h).read(dest, { at: offset });
    } catch (e) {
      return this.fail(e);
    }
  }

  write(h: number, src: Uint8Array, offset: number): number {
    try {
      const n = this.handle(h).write(src, { at: offset });
      if (n !== src.length) {
        this.lastError = `short write (${n} of ${src.length} bytes)`;
        return ERR_FULL;
      }
      return 0;
    } catch (e) {
      return this.fail(e);
    }
  }

  truncate(h: number, size: number): number {
    try {
      this.handle(h).truncate(size);
      return 0;
    } catch (e) {
      return this.fail(e);
    }
  }

  size(h: number): number {
    try {
      return this.handle(h).getSize();
    } catch (e) {
      return this.fail(e);
    }
  }

  sync(h: number): number {
    try {
      this.handle(h).flush();
      return 0;
    } catch (e) {
      return this.fail(e);
    }
  }

  close(_h: number): number {
    return 0; // pooled: the handle stays open until closeAll
  }

  delete(name: string): number {
    const h = this.byName.get(name);
    if (h === undefined) return 0;
    return this.truncate(h, 0);
  }

  exists(name: string): number {
    const h = this.byName.get(name);
    if (h === undefined) return 0;
    const s = this.size(h);
    return s < 0 ? s : s > 0 ? 1 : 0;
  }
}

async function openWithRetry(fh: SyncCapableFileHandle, retryMs: number): Promise<SyncAccessHandle> {
  const deadline = Date.now() + retryMs;
  for (let delay = 20; ; delay = Math.min(delay * 2, 250)) {
    try {
      return await fh.createSyncAccessHandle();
    } catch (e) {
      // A tab that is closing releases its handles a moment later.
      const busy = e instanceof DOMException && (e.name === 'NoModificationAllowedError' || e.name === 'InvalidStateError');
      if (!busy) throw e;
      if (Date.now() + delay > deadline) throw new StoreLockedError('the store is open in another tab or worker');
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}

/** The directory that holds store `name`'s files. */
export async function storeDirectory(name: string): Promise<FileSystemDirectoryHandle> {
  const root = await navigator.storage.getDirectory();
  const top = await root.getDirectoryHandle('kspace', { create: true });
  return top.getDirectoryHandle(name, { create: true });
}

/**
 * Takes the store's Web Lock without waiting: resolves with a release function, or rejects with
 * StoreLockedError when another tab or worker holds it.
 */
export function acquireWebLock(name: string): Promise<() => void> {
  return new Promise((resolve, reject) => {
    navigator.locks
      .request(`kspace:${name}`, { ifAvailable: true, mode: 'exclusive' }, (lock) => {
        if (!lock) {
          reject(new StoreLockedError(`store "${name}" is open in another tab or worker`));
          return undefined;
        }
        return new Promise<void>((release) => resolve(() => release()));
      })
      .catch(reject);
  });
}
