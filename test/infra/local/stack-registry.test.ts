// The run dir's records: a group counts as the run's only when it can be proven to be (its marker
// in a member's environment, or its leader with the recorded start time), never a reused pid.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  liveGroups,
  processesOfRun,
  processStartTime,
  RUN_MARKER_ENV,
  recordGroup,
  stopRecordedStack,
} from '../../../infra/local/stack-registry.js';

const children: ChildProcess[] = [];
const dirs: string[] = [];
afterEach(() => {
  for (const c of children.splice(0)) {
    try {
      process.kill(-(c.pid as number), 'SIGKILL');
    } catch {
      // Gone.
    }
  }
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function runDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'registry-'));
  dirs.push(dir);
  return dir;
}

/** A `sleep` in its own process group, with or without a run's marker. */
function sleeper(marker?: string): number {
  const env = marker === undefined ? { ...process.env } : { ...process.env, [RUN_MARKER_ENV]: marker };
  const child = spawn('sleep', ['60'], { detached: true, stdio: 'ignore', env });
  children.push(child);
  return child.pid as number;
}

const record = (dir: string, name: string, pid: number, startTime: string | null) =>
  recordGroup(dir, { name, pid, pgid: pid, startTime, command: 'sleep 60' });

describe('stack registry', () => {
  it('claims a group by its leader and start time, or by the marker; not a pid with another start time', () => {
    const dir = runDir();
    const byStart = sleeper();
    const reused = sleeper();
    const marked = sleeper(dir);
    record(dir, 'redis-a', byStart, processStartTime(byStart));
    record(dir, 'redis-b', reused, '1');
    record(dir, 'agent-c', marked, null);
    expect(liveGroups(dir).map((g) => g.group.name)).toEqual(['agent-c', 'redis-a']);
    expect(processesOfRun(dir)).toEqual([marked]);
  });

  it('stops the run: agents first, SIGTERM then SIGKILL, and leaves an unproven group alone', async () => {
    const dir = runDir();
    const agent = sleeper(dir);
    const redis = sleeper(dir);
    const stranger = sleeper();
    record(dir, 'agent-a', agent, processStartTime(agent));
    record(dir, 'redis-7001', redis, processStartTime(redis));
    record(dir, 'wrangler', stranger, 'not its start time');
    const lines: string[] = [];
    const result = await stopRecordedStack(dir, { graceScale: 0.1, log: (l) => lines.push(l) });
    expect(result).toEqual({ stopped: ['agent-a', 'redis-7001'], left: [], launcherSignalled: false });
    expect(lines[0]).toMatch(/^stopping agent-a/);
    expect(liveGroups(dir)).toEqual([]);
    expect(processStartTime(stranger)).not.toBeNull();
  });
});
