// Drives `npm run demo` as a terminal would, for the stop tests (test/infra/local/demo-stop.test.ts)
// and the stop loop (stop-loop.ts): its own process group, Ctrl-C to the whole group, then checks
// that no port of the run is bound and no process of it is left.
import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { liveGroups, processesOfRun, processStartTime, readLauncher } from './stack-registry.js';
import { portOpen, sleep } from './wait.js';

export interface DemoPorts {
  readonly port: number;
  readonly redisPort: number;
  readonly sentinelPort: number;
  readonly metricsPort: number;
  readonly nodes: number;
}

/** Every TCP port a run with these ports listens on. */
export function portsOf(p: DemoPorts): number[] {
  const ports = [p.port];
  for (let i = 0; i < p.nodes; i++) ports.push(p.redisPort + i, p.sentinelPort + i, p.metricsPort + i);
  return ports;
}

export function demoArgs(p: DemoPorts, runDir: string): string[] {
  return [
    '--port',
    String(p.port),
    '--redis-port',
    String(p.redisPort),
    '--sentinel-port',
    String(p.sentinelPort),
    '--metrics-port',
    String(p.metricsPort),
    '--nodes',
    String(p.nodes),
    '--run-dir',
    runDir,
  ];
}

export interface RunningDemo {
  readonly child: ChildProcess;
  /** The foreground process group (npm's pid): what a terminal's Ctrl-C reaches. */
  readonly pgid: number;
  output(): string;
  readonly exited: Promise<number | string>;
}

/**
 * `npm run demo -- <args>` (or, with `direct`, `node --import tsx infra/local/cli.ts demo <args>`)
 * in a process group of its own, as a shell puts a foreground job; resolves once the launcher
 * prints that it is running.
 */
export async function startDemo(
  root: string,
  args: readonly string[],
  { direct = false, readyTimeoutMs = 120_000 } = {},
): Promise<RunningDemo> {
  const child = direct
    ? spawn(process.execPath, ['--import', 'tsx', 'infra/local/cli.ts', 'demo', ...args], {
        cwd: root,
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      })
    : spawn('npm', ['run', 'demo', '--', ...args], {
        cwd: root,
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
  if (child.pid === undefined) throw new Error('npm run demo did not start');
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(signal ?? code ?? -1)),
  );
  const demo: RunningDemo = { child, pgid: child.pid, output: () => out, exited };
  const deadline = Date.now() + readyTimeoutMs;
  while (!out.includes('running; Ctrl-C stops everything')) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`the demo exited before it was ready:\n${out}`);
    if (Date.now() > deadline) {
      // Ctrl-C, then SIGKILL: never leave a launcher behind (its reaper stops what it started).
      process.kill(-demo.pgid, 'SIGINT');
      if (!(await within(exited, 30_000))) process.kill(-demo.pgid, 'SIGKILL');
      throw new Error(`the demo was not ready in ${readyTimeoutMs} ms:\n${out}`);
    }
    await sleep(100);
  }
  return demo;
}

/** Resolves true once `promise` settled, false after `ms`. */
export async function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  const done = await Promise.race([promise.then(() => true as const), timeout]);
  clearTimeout(timer);
  return done;
}

/** Live (non-zombie) processes in process group `pgid`. */
export function groupMembers(pgid: number): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (fields[0] !== 'Z' && Number(fields[2]) === pgid) pids.push(Number(entry));
    } catch {
      // Gone meanwhile.
    }
  }
  return pids;
}

export interface Leftovers {
  readonly boundPorts: number[];
  /** Processes carrying the run's marker, the launcher and its reaper, the terminal's group. */
  readonly processes: number[];
  readonly groups: string[];
}

/** What of a run is still there, waiting up to `ms` for it to go. */
export async function leftovers(
  runDir: string,
  ports: readonly number[],
  pgid: number,
  ms: number,
): Promise<Leftovers> {
  const deadline = Date.now() + ms;
  for (;;) {
    const boundPorts: number[] = [];
    for (const port of ports) if (await portOpen(port)) boundPorts.push(port);
    const { launcher, reaper } = launcherAndReaper(runDir);
    const extra = [launcher, reaper].filter(present);
    const processes = [...new Set([...processesOfRun(runDir), ...groupMembers(pgid), ...extra])];
    const groups = liveGroups(runDir).map((g) => g.group.name);
    const found = { boundPorts, processes, groups };
    if ((boundPorts.length === 0 && processes.length === 0 && groups.length === 0) || Date.now() > deadline)
      return found;
    await sleep(200);
  }
}

/** The run's launcher and reaper while they still run (same pid and start time as recorded). */
export function launcherAndReaper(runDir: string): { launcher: number | null; reaper: number | null } {
  const l = readLauncher(runDir);
  const alive = (pid: number | undefined, start: string | null | undefined) =>
    pid !== undefined && start != null && processStartTime(pid) === start ? pid : null;
  return { launcher: alive(l?.pid, l?.startTime), reaper: alive(l?.reaperPid, l?.reaperStartTime) };
}

const present = (pid: number | null): pid is number => pid !== null;

/** Last resort for tests: SIGKILL the terminal's group and every recorded group of the run. */
export function killEverything(runDir: string, pgid: number): void {
  const kill = (target: number) => {
    try {
      process.kill(target, 'SIGKILL');
    } catch {
      // Gone.
    }
  };
  kill(-pgid);
  const { launcher, reaper } = launcherAndReaper(runDir);
  for (const pid of [launcher, reaper].filter(present)) kill(pid);
  for (const g of liveGroups(runDir)) kill(-g.group.pgid);
}
