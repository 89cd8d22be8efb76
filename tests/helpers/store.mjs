// Test helpers: temporary store paths and opening the built package (dist/) the way users do.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');
export const SHARED = path.resolve(ROOT, '..', 'shared');

export const kspace = await import(path.join(ROOT, 'dist', 'js', 'node.js'));

/** A fresh directory removed when the process exits. */
export function tempDir(prefix = 'kspace-test-') {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Asserts that `promise` rejects with a KspaceError of `code` (and `field`, when given). */
export async function rejectsWith(promise, code, field) {
  let err;
  try {
    await promise;
  } catch (e) {
    err = e;
  }
  if (!err) throw new Error(`expected ${code}${field ? ` (${field})` : ''}, but the call succeeded`);
  if (!(err instanceof kspace.KspaceError)) throw new Error(`expected a KspaceError, got ${err?.stack ?? err}`);
  if (err.code !== code) throw new Error(`expected ${code}, got ${err.code}: ${err.message}`);
  if (field !== undefined && err.field !== field) {
    throw new Error(`expected field ${field}, got ${err.field} (${err.code}: ${err.message})`);
  }
  return err;
}
