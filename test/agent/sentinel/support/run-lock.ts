// A lock across processes for a test file with fixed ports: concurrent runs of it (other sessions' `vitest run test/agent`) take turns.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes the lock named `name` (a directory, created atomically), waiting up to `timeoutMs` for
 * its holder; a lock whose holder process has died is taken over. Returns the release function.
 */
export async function takeRunLock(name: string, timeoutMs: number): Promise<() => void> {
  const dir = join(tmpdir(), `edge-sentinel-${name}.lock`);
  const owner = join(dir, 'pid');
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    try {
      mkdirSync(dir);
      writeFileSync(owner, String(process.pid));
      return () => rmSync(dir, { recursive: true, force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    let holder = Number.NaN;
    try {
      holder = Number(readFileSync(owner, 'utf8'));
    } catch {
      // Just created, pid not written yet: wait like for a live holder.
    }
    if (Number.isInteger(holder) && holder > 0 && !alive(holder)) {
      rmSync(dir, { recursive: true, force: true });
      continue;
    }
    if (performance.now() > deadline)
      throw new Error(`${dir} still held by pid ${holder} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
