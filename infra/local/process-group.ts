// Child processes of the local stack: each in its own process group with its own log file, stopped by group.
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { processStartTime, RUN_MARKER_ENV, recordGroup } from './stack-registry.js';

export interface SpawnSpec {
  /** Short name for messages and the log file (`redis-7001`, `agent-b`, `wrangler`). */
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly logFile: string;
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** How long `stop()` waits after SIGTERM before SIGKILL. */
  readonly stopGraceMs?: number;
  /**
   * The stack's run dir: the group is recorded there (stack-registry.ts) and every process of it
   * carries the run's marker in its environment, so `demo --stop` can find it after a crash.
   */
  readonly runDir?: string;
}

export interface GroupProcess {
  readonly name: string;
  readonly pid: number;
  readonly logFile: string;
  /** Resolves with the exit code (or signal name) once the group leader has exited. */
  readonly exited: Promise<string>;
  running(): boolean;
  /** SIGKILL the whole group at once: a crash. */
  kill(): Promise<void>;
  /** SIGTERM the group, SIGKILL it after the grace period. */
  stop(): Promise<void>;
}

const DEFAULT_STOP_GRACE_MS = 5_000;

/** Every group started by this process and not yet reaped: what the exit hook kills. */
const live = new Map<number, ChildProcess>();
let exitHookInstalled = false;

/**
 * Spawns `command` detached (its own process group, so wrappers like wrangler's workerd children
 * go with it), stdout and stderr appended to `logFile`.
 */
export function spawnGroup(spec: SpawnSpec): GroupProcess {
  installExitHook();
  const fd = openSync(spec.logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(spec.command, [...spec.args], {
      detached: true,
      stdio: ['ignore', fd, fd],
      cwd: spec.cwd,
      env:
        spec.runDir === undefined
          ? (spec.env ?? process.env)
          : { ...(spec.env ?? process.env), [RUN_MARKER_ENV]: spec.runDir },
    });
  } finally {
    // The child holds its own copy of the descriptor.
    closeSync(fd);
  }
  const pid = child.pid;
  if (pid === undefined) throw new Error(`${spec.name}: ${spec.command} could not be started`);
  live.set(pid, child);
  if (spec.runDir !== undefined) {
    recordGroup(spec.runDir, {
      name: spec.name,
      pid,
      pgid: pid,
      startTime: processStartTime(pid),
      command: [spec.command, ...spec.args].join(' '),
    });
  }
  let done = false;
  const exited = new Promise<string>((resolve) => {
    child.once('exit', (code, signal) => {
      done = true;
      resolve(signal ?? String(code));
    });
    child.once('error', (error) => {
      done = true;
      resolve(`error: ${error.message}`);
    });
  });
  const graceMs = spec.stopGraceMs ?? DEFAULT_STOP_GRACE_MS;
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-pid, signal);
    } catch {
      // The group is already gone.
    }
  };
  const reap = async () => {
    await exited;
    // The leader is gone; stragglers of its group (workerd under wrangler) go with it.
    signalGroup('SIGKILL');
    live.delete(pid);
  };
  return {
    name: spec.name,
    pid,
    logFile: spec.logFile,
    exited,
    running: () => !done,
    async kill() {
      signalGroup('SIGKILL');
      await reap();
    },
    async stop() {
      signalGroup('SIGTERM');
      const timer = setTimeout(() => signalGroup('SIGKILL'), graceMs);
      await reap();
      clearTimeout(timer);
    },
  };
}

/** Kills every group still alive, synchronously: the last line of defence when this process exits. */
export function killAllGroups(): void {
  for (const pid of live.keys()) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  live.clear();
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // 'exit' handlers may only do synchronous work; process.kill is synchronous.
  process.on('exit', killAllGroups);
}

/** Signals closer together than this are one Ctrl-C: the terminal, npm and tsx each deliver or relay it. */
export const SAME_CTRL_C_MS = 500;
/** A graceful stop that takes longer than this ends with SIGKILL to every group. */
export const GRACEFUL_STOP_BOUND_MS = 30_000;

/**
 * For command-line use: on Ctrl-C, SIGTERM or SIGHUP run `cleanup` (a graceful stop) once, bounded
 * by GRACEFUL_STOP_BOUND_MS, then exit with 130/143/129. Signals within SAME_CTRL_C_MS of the first
 * are the same Ctrl-C relayed (terminal, npm, tsx) and ignored; a later one kills every group at
 * once and exits.
 */
export function onTerminationSignals(
  cleanup: () => Promise<void>,
  { sameSignalMs = SAME_CTRL_C_MS, boundMs = GRACEFUL_STOP_BOUND_MS } = {},
): void {
  let firstAt: number | null = null;
  const exitCode = (signal: NodeJS.Signals) => (signal === 'SIGINT' ? 130 : signal === 'SIGHUP' ? 129 : 143);
  const handler = (signal: NodeJS.Signals) => {
    const code = exitCode(signal);
    if (firstAt !== null) {
      if (Date.now() - firstAt < sameSignalMs) return;
      process.stderr.write(`\n${signal} again: killing every process group of the local stack\n`);
      killAllGroups();
      process.exit(code);
    }
    firstAt = Date.now();
    process.stderr.write(`\n${signal}: stopping the local stack (Ctrl-C again to kill at once)\n`);
    const bound = setTimeout(() => {
      process.stderr.write(`the graceful stop took over ${boundMs} ms: SIGKILL to every process group\n`);
      killAllGroups();
      process.exit(code);
    }, boundMs);
    cleanup().then(
      () => {
        clearTimeout(bound);
        process.exit(code);
      },
      (error: unknown) => {
        process.stderr.write(`stop failed: ${String(error)}\n`);
        killAllGroups();
        process.exit(code);
      },
    );
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  process.on('SIGHUP', handler);
}
