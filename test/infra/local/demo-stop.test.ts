// `npm run demo` stops cleanly: Ctrl-C as a terminal sends it (SIGINT to the whole foreground
// process group: npm, tsx and the launcher each get it and relay it), a launcher SIGKILLed (its
// reaper stops the stack), and a launcher killed with its reaper (`npm run demo -- --stop`).
// Real processes on ports of their own; every test cleans up by process group.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, onTestFailed } from 'vitest';
import {
  type DemoPorts,
  demoArgs,
  killEverything,
  launcherAndReaper,
  leftovers,
  portsOf,
  type RunningDemo,
  startDemo,
  within,
} from '../../../infra/local/demo-launch.js';
import { liveGroups } from '../../../infra/local/stack-registry.js';
import { portOpen } from '../../../infra/local/wait.js';

const root = resolve(fileURLToPath(new URL('../../..', import.meta.url)));

/**
 * Ports no other test file uses, below the ephemeral range (32768..) so that no outgoing connection
 * holds one; each test its own set (a leftover must not fail the next test).
 */
const portsFor = (i: number): DemoPorts => ({
  port: 19820 + i,
  redisPort: 19200 + 10 * i,
  sentinelPort: 29600 + 10 * i,
  metricsPort: 29700 + 10 * i,
  nodes: 3,
});

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

async function launch(
  i: number,
  direct = false,
): Promise<{ demo: RunningDemo; runDir: string; ports: number[] }> {
  const runDir = mkdtempSync(join(tmpdir(), 'demo-stop-'));
  const p = portsFor(i);
  for (const port of portsOf(p))
    expect(await portOpen(port), `port ${port} free before the test`).toBe(false);
  let demo: RunningDemo | null = null;
  let keep = false;
  onTestFailed(() => {
    keep = true;
    console.error(`demo-stop: kept the failed run's logs in ${runDir}/logs`);
  });
  cleanups.push(() => {
    if (demo !== null) killEverything(runDir, demo.pgid);
    if (!keep) rmSync(runDir, { recursive: true, force: true });
  });
  try {
    demo = await startDemo(root, demoArgs(p, runDir), { direct });
  } catch (error) {
    // A stack that did not start (wrangler's inspector port taken meanwhile, a loaded machine) is
    // not what this file tests: once more, in a fresh run dir, and then it counts.
    keep = true;
    console.error(`demo-stop: the demo did not start (logs kept in ${runDir}/logs), once more:`, error);
    await leftovers(runDir, portsOf(p), -1, 30_000);
    const again = mkdtempSync(join(tmpdir(), 'demo-stop-'));
    cleanups.push(() => {
      if (demo !== null) killEverything(again, demo.pgid);
    });
    demo = await startDemo(root, demoArgs(p, again), { direct });
    return { demo, runDir: again, ports: portsOf(p) };
  }
  return { demo, runDir, ports: portsOf(p) };
}

/** A terminal's Ctrl-C: SIGINT to every process of the foreground process group. */
const ctrlC = (demo: RunningDemo) => process.kill(-demo.pgid, 'SIGINT');

describe('npm run demo stops cleanly', () => {
  it('one Ctrl-C through npm and tsx stops everything it started, gracefully, and frees every port', async () => {
    const { demo, runDir, ports } = await launch(0);
    expect(
      liveGroups(runDir)
        .map((g) => g.group.name)
        .sort(),
    ).toEqual([
      'agent-agent-a',
      'agent-agent-b',
      'agent-agent-c',
      'redis-19200',
      'redis-19201',
      'redis-19202',
      'wrangler',
    ]);
    ctrlC(demo);
    expect(await within(demo.exited, 40_000), 'npm exits after Ctrl-C').toBe(true);
    expect(await leftovers(runDir, ports, demo.pgid, 10_000)).toEqual({
      boundPorts: [],
      processes: [],
      groups: [],
    });
    // The relayed copies of the one Ctrl-C were not taken for a second one.
    expect(demo.output()).toContain('stopping the stack');
    expect(demo.output()).not.toContain('again: killing');
  }, 240_000);

  it('run directly (node --import tsx, no npm): one Ctrl-C frees every port', async () => {
    const { demo, runDir, ports } = await launch(1, true);
    ctrlC(demo);
    expect(await within(demo.exited, 40_000)).toBe(true);
    expect(await leftovers(runDir, ports, demo.pgid, 10_000)).toEqual({
      boundPorts: [],
      processes: [],
      groups: [],
    });
  }, 240_000);

  it('a second Ctrl-C later than the same-signal window kills at once and leaves nothing', async () => {
    const { demo, runDir, ports } = await launch(2);
    ctrlC(demo);
    await new Promise((r) => setTimeout(r, 600));
    ctrlC(demo);
    expect(await within(demo.exited, 40_000)).toBe(true);
    expect(await leftovers(runDir, ports, demo.pgid, 10_000)).toEqual({
      boundPorts: [],
      processes: [],
      groups: [],
    });
  }, 240_000);

  it('a SIGKILLed launcher (what tsx does to a child slow to acknowledge a signal): its reaper stops the stack', async () => {
    const { demo, runDir, ports } = await launch(3);
    const { launcher } = launcherAndReaper(runDir);
    expect(launcher).not.toBeNull();
    process.kill(launcher as number, 'SIGKILL');
    expect(await within(demo.exited, 20_000)).toBe(true);
    expect(await leftovers(runDir, ports, demo.pgid, 40_000)).toEqual({
      boundPorts: [],
      processes: [],
      groups: [],
    });
  }, 240_000);

  it('a launcher SIGKILLed with its reaper leaves the stack running; npm run demo -- --stop finds and stops it', async () => {
    const { demo, runDir, ports } = await launch(4);
    const { launcher, reaper } = launcherAndReaper(runDir);
    expect(launcher).not.toBeNull();
    expect(reaper).not.toBeNull();
    process.kill(reaper as number, 'SIGKILL');
    process.kill(launcher as number, 'SIGKILL');
    expect(await within(demo.exited, 20_000)).toBe(true);
    // Left behind: the Worker still answers and redis still listens.
    expect(await portOpen(portsFor(4).port)).toBe(true);
    expect(liveGroups(runDir)).toHaveLength(7);

    const stop = spawn('npm', ['run', 'demo', '--', '--stop', '--run-dir', runDir], {
      cwd: root,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    cleanups.push(() => {
      try {
        process.kill(-(stop.pid as number), 'SIGKILL');
      } catch {
        // Exited.
      }
    });
    let out = '';
    stop.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    stop.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    const code = new Promise<number | null>((r) => stop.once('exit', (c) => r(c)));
    expect(await within(code, 60_000), `--stop finishes:\n${out}`).toBe(true);
    expect(await code, out).toBe(0);
    expect(out).toContain('stopped 7 process group(s)');
    expect(await leftovers(runDir, ports, demo.pgid, 5_000)).toEqual({
      boundPorts: [],
      processes: [],
      groups: [],
    });
  }, 240_000);
});
