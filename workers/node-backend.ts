// Node backend: a store's files are ordinary files, reached through synchronous `fs` descriptors.
// The store is "path"; SQLite's WAL and journal sit beside it as "path-wal" / "path-journal".
// (The lock that keeps a second opener out is taken by the client: js/node-lock.ts.)
import fs from 'node:fs';
import { ERR_FULL, ERR_IO, ERR_NOT_FOUND, type JsFileBackend } from './protocol.js';

function errnoCode(e: unknown): number {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') return ERR_NOT_FOUND;
  if (code === 'ENOSPC' || code === 'EDQUOT' || code === 'EFBIG') return ERR_FULL;
  return ERR_IO;
}

export class NodeFsBackend implements JsFileBackend {
  lastError = '';

  private fail(e: unknown): number {
    this.lastError = e instanceof Error ? e.message : String(e);
    return errnoCode(e);
  }

  open(name: string, create: boolean): number {
    try {
      const flags = fs.constants.O_RDWR | (create ? fs.constants.O_CREAT : 0);
      return fs.openSync(name, flags, 0o644);
    } catch (e) {
      return this.fail(e);
    }
  }

  read(handle: number, dest: Uint8Array, offset: number): number {
    try {
      let got = 0;
      while (got < dest.length) {
        const n = fs.readSync(handle, dest, got, dest.length - got, offset + got);
        if (n === 0) break;
        got += n;
      }
      return got;
    } catch (e) {
      return this.fail(e);
    }
  }

  write(handle: number, src: Uint8Array, offset: number): number {
    try {
      let done = 0;
      while (done < src.length) done += fs.writeSync(handle, src, done, src.length - done, offset + done);
      return 0;
    } catch (e) {
      return this.fail(e);
    }
  }

  truncate(handle: number, size: number): number {
    try {
      fs.ftruncateSync(handle, size);
      return 0;
    } catch (e) {
      return this.fail(e);
    }
  }

  size(handle: number): number {
    try {
      return fs.fstatSync(handle).size;
    } catch (e) {
      return this.fail(e);
    }
  }

  sync(handle: number): number {
    try {
      fs.fsyncSync(handle);
      return 0;
    } catch (e) {
      return this.fail(e);
    }
  }

  close(handle: number): number {
    try {
      fs.closeSync(handle);
      return 0;
    } catch (e) {
      return this.fail(e);
    }
  }

  delete(name: string): number {
    try {
      fs.rmSync(name, { force: true });
      return 0;
    } catch (e) {
      return this.fail(e);
    }
  }

  exists(name: string): number {
    try {
      return fs.statSync(name).size > 0 ? 1 : 0;
    } catch (e) {
      const c = errnoCode(e);
      return c === ERR_NOT_FOUND ? 0 : this.fail(e);
    }
  }
}
