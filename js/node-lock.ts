// The Node store lock: a file "<store>.lock" holding the owner's pid and a random token.
// Taken by the client before it starts the worker, released after the worker closes the store or
// dies. A lock whose pid no longer exists (a crash, a SIGKILL) is stale and is taken over.
import fs from 'node:fs';

function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes the store's lock file, or reports who holds it. A lock left by a process that no longer
 * exists (a crash, a SIGKILL) is taken over. Returns null on success, else the holder's pid.
 */
export function acquireLockFile(lockPath: string, token: string): number | null {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = fs.openSync(lockPath, 'wx', 0o644);
      fs.writeSync(fd, `${process.pid}\n${token}\n`);
      fs.fsyncSync(fd);
      fs.closeSync(fd);
      return null;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    let holder = NaN;
    try {
      holder = Number.parseInt(fs.readFileSync(lockPath, 'utf8').split('\n')[0] ?? '', 10);
    } catch {
      continue; // vanished in between: try again
    }
    if (pidAlive(holder)) return holder;
    fs.rmSync(lockPath, { force: true }); // stale
  }
  return -1;
}

/** Removes the lock file if it is still ours. */
export function releaseLockFile(lockPath: string, token: string): void {
  try {
    const [, t] = fs.readFileSync(lockPath, 'utf8').split('\n');
    if (t === token) fs.rmSync(lockPath, { force: true });
  } catch {
    // already gone
  }
}
