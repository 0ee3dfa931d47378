// The launcher's reaper: a small detached process that outlives a launcher killed without warning
// (tsx SIGKILLs a child that does not acknowledge a relayed signal within 30 ms; kill -9; the OOM
// killer) and then stops what the run dir records, as `demo --stop` would.
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { processStartTime, recordLauncher, stopRecordedStack } from './stack-registry.js';

/**
 * Starts `cli.ts __reap <runDir>` in its own session (no Ctrl-C reaches it), its stdin a pipe from
 * this process: the pipe closes when the launcher exits, however it exits. Records the launcher and
 * the reaper in the run dir.
 */
export function startReaper(runDir: string, cliPath: string): number | null {
  const fd = openSync(join(runDir, 'logs', 'reaper.log'), 'a');
  let pid: number | undefined;
  try {
    const child = spawn(process.execPath, [...process.execArgv, cliPath, '__reap', runDir], {
      detached: true,
      stdio: ['pipe', fd, fd],
    });
    pid = child.pid;
    child.on('error', () => {});
    child.unref();
    // The write end stays open (never written) until this process is gone; it must not keep it up.
    (child.stdin as unknown as { _handle?: { unref?: () => void } } | null)?._handle?.unref?.();
  } finally {
    closeSync(fd);
  }
  recordLauncher(runDir, {
    pid: process.pid,
    startTime: processStartTime(process.pid),
    ...(pid === undefined ? {} : { reaperPid: pid, reaperStartTime: processStartTime(pid) }),
  });
  return pid ?? null;
}

/** The reaper's body: wait for the launcher to be gone, then stop whatever of its run is left. */
export async function runReaper(runDir: string): Promise<number> {
  for (const signal of ['SIGINT', 'SIGHUP'] as const) process.on(signal, () => {});
  await new Promise<void>((resolve) => {
    process.stdin.on('data', () => {});
    process.stdin.once('end', resolve);
    process.stdin.once('close', resolve);
    process.stdin.once('error', () => resolve());
  });
  const stamp = () => new Date().toISOString();
  const result = await stopRecordedStack(runDir, {
    log: (line) => console.log(`${stamp()} reaper: ${line}`),
  });
  console.log(
    `${stamp()} reaper: the launcher is gone; ${result.stopped.length === 0 ? 'nothing was left running' : `stopped ${result.stopped.join(', ')}`}` +
      (result.left.length > 0 ? `; STILL RUNNING: ${result.left.join(', ')}` : ''),
  );
  return result.left.length > 0 ? 1 : 0;
}
