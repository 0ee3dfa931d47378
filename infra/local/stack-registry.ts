// What a run of the local stack started, recorded in its run dir, so that a stack left behind by a
// crashed launcher can be found and stopped (`npm run demo -- --stop`, the launcher's reaper). Linux (/proc).
import { appendFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Set in the environment of every process the stack starts (inherited by wrangler's workerd). */
export const RUN_MARKER_ENV = 'EDGE_SENTINEL_LOCAL_RUN';

const GROUPS_FILE = 'processes.jsonl';
const LAUNCHER_FILE = 'launcher.json';

/** One process group started by the stack: its leader's pid is the group id. */
export interface RecordedGroup {
  readonly name: string;
  readonly pid: number;
  readonly pgid: number;
  /** The leader's start time (/proc/<pid>/stat field 22): tells a reused pid apart. */
  readonly startTime: string | null;
  readonly command: string;
}

export interface RecordedLauncher {
  readonly pid: number;
  readonly startTime: string | null;
  readonly reaperPid?: number;
  readonly reaperStartTime?: string | null;
}

interface ProcInfo {
  readonly pid: number;
  readonly pgid: number;
  readonly state: string;
  readonly startTime: string;
}

function procStat(pid: number): ProcInfo | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces and parentheses: parse after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state), fields[2] field 5 (pgrp), fields[19] field 22 (starttime).
    return { pid, state: fields[0] ?? '?', pgid: Number(fields[2]), startTime: fields[19] ?? '' };
  } catch {
    return null;
  }
}

/** The start time of a live process, or null when it is gone (or a zombie). */
export function processStartTime(pid: number): string | null {
  const info = procStat(pid);
  return info === null || info.state === 'Z' ? null : info.startTime;
}

function allProcesses(): ProcInfo[] {
  const out: ProcInfo[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const info = procStat(Number(entry));
    // A zombie holds no port and no memory; its parent (or init) reaps it.
    if (info !== null && info.state !== 'Z') out.push(info);
  }
  return out;
}

function hasRunMarker(pid: number, runDir: string): boolean {
  try {
    const env = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
    return env.includes(`${RUN_MARKER_ENV}=${runDir}`);
  } catch {
    return false;
  }
}

export function recordGroup(runDir: string, group: RecordedGroup): void {
  appendFileSync(join(runDir, GROUPS_FILE), `${JSON.stringify(group)}\n`);
}

export function recordLauncher(runDir: string, launcher: RecordedLauncher): void {
  writeFileSync(join(runDir, LAUNCHER_FILE), `${JSON.stringify(launcher)}\n`);
}

export function readLauncher(runDir: string): RecordedLauncher | null {
  try {
    return JSON.parse(readFileSync(join(runDir, LAUNCHER_FILE), 'utf8')) as RecordedLauncher;
  } catch {
    return null;
  }
}

export function readRecordedGroups(runDir: string): RecordedGroup[] {
  let text: string;
  try {
    text = readFileSync(join(runDir, GROUPS_FILE), 'utf8');
  } catch {
    return [];
  }
  const groups: RecordedGroup[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      groups.push(JSON.parse(line) as RecordedGroup);
    } catch {
      // A line cut short by a crash mid-write.
    }
  }
  return groups;
}

export interface LiveGroup {
  readonly group: RecordedGroup;
  /** Its live members, every one checked to belong to this run. */
  readonly pids: readonly number[];
}

/**
 * The recorded groups that still have members belonging to this run. A group counts only when one
 * of its members carries this run's marker in its environment, or is the recorded leader with its
 * recorded start time: Linux never hands out a pid that is still a process group's id, so a
 * group with such a member is still the one the stack started.
 */
export function liveGroups(runDir: string): LiveGroup[] {
  const recorded = readRecordedGroups(runDir);
  if (recorded.length === 0) return [];
  const byPgid = new Map<number, ProcInfo[]>();
  for (const p of allProcesses()) {
    const members = byPgid.get(p.pgid) ?? [];
    members.push(p);
    byPgid.set(p.pgid, members);
  }
  const out: LiveGroup[] = [];
  const seen = new Set<number>();
  // The latest record of a pgid wins (a restarted node may, rarely, reuse an old pid).
  for (const group of [...recorded].reverse()) {
    if (seen.has(group.pgid)) continue;
    seen.add(group.pgid);
    const members = byPgid.get(group.pgid) ?? [];
    const ours = members.some(
      (m) => hasRunMarker(m.pid, runDir) || (m.pid === group.pid && m.startTime === group.startTime),
    );
    if (ours) out.push({ group, pids: members.map((m) => m.pid) });
  }
  return out;
}

/** Every live process (any group) carrying this run's marker: what a test checks is gone. */
export function processesOfRun(runDir: string): number[] {
  return allProcesses()
    .filter((p) => p.pid !== process.pid && hasRunMarker(p.pid, runDir))
    .map((p) => p.pid);
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // Gone already.
  }
}

/** The order and grace periods of a graceful stop, as the launcher's own (stack.ts, spawn specs). */
const TIERS: readonly { readonly match: (name: string) => boolean; readonly graceMs: number }[] = [
  { match: (n) => n.startsWith('agent-'), graceMs: 12_000 },
  { match: (n) => n.startsWith('redis-'), graceMs: 3_000 },
  { match: () => true, graceMs: 5_000 },
];

export interface StopResult {
  /** Names of the groups that were found running and signalled. */
  readonly stopped: readonly string[];
  /** Groups still alive after SIGKILL (should never happen). */
  readonly left: readonly string[];
  readonly launcherSignalled: boolean;
}

/**
 * Stops whatever of this run is still running: agents, then redis-servers, then wrangler; each tier
 * SIGTERM, up to its grace period (`graceScale` shortens them), then SIGKILL by process group.
 */
export async function stopRecordedStack(
  runDir: string,
  { graceScale = 1, log = () => {} }: { graceScale?: number; log?: (line: string) => void } = {},
): Promise<StopResult> {
  let launcherSignalled = false;
  const launcher = readLauncher(runDir);
  if (
    launcher !== null &&
    launcher.pid !== process.pid &&
    launcher.startTime !== null &&
    processStartTime(launcher.pid) === launcher.startTime
  ) {
    // A launcher still running stops its own stack on SIGTERM; what it leaves is stopped below.
    log(`launcher ${launcher.pid} is still running: SIGTERM`);
    try {
      process.kill(launcher.pid, 'SIGTERM');
      launcherSignalled = true;
    } catch {
      // Gone meanwhile.
    }
  }
  const stopped: string[] = [];
  const claimed = new Set<number>();
  for (const tier of TIERS) {
    const groups = liveGroups(runDir).filter((g) => !claimed.has(g.group.pgid) && tier.match(g.group.name));
    for (const g of groups) claimed.add(g.group.pgid);
    if (groups.length === 0) continue;
    for (const g of groups) {
      log(`stopping ${g.group.name} (process group ${g.group.pgid}: ${g.pids.join(' ')})`);
      stopped.push(g.group.name);
      signalGroup(g.group.pgid, 'SIGTERM');
    }
    const pgids = new Set(groups.map((g) => g.group.pgid));
    const deadline = Date.now() + tier.graceMs * graceScale;
    const alive = () => liveGroups(runDir).filter((g) => pgids.has(g.group.pgid));
    while (alive().length > 0 && Date.now() < deadline) await sleep(100);
    for (const g of alive()) {
      log(`${g.group.name} did not stop in time: SIGKILL to process group ${g.group.pgid}`);
      signalGroup(g.group.pgid, 'SIGKILL');
    }
  }
  const killDeadline = Date.now() + 5_000;
  let left = liveGroups(runDir);
  while (left.length > 0 && Date.now() < killDeadline) {
    for (const g of left) signalGroup(g.group.pgid, 'SIGKILL');
    await sleep(100);
    left = liveGroups(runDir);
  }
  return { stopped, left: left.map((g) => g.group.name), launcherSignalled };
}

/** Run dirs under `<root>/.local-state` that still have something running. */
export function runDirsWithLiveGroups(root: string): string[] {
  const base = join(root, '.local-state');
  if (!existsSync(base)) return [];
  return readdirSync(base)
    .filter((name) => name.startsWith('run-'))
    .map((name) => join(base, name))
    .filter((dir) => liveGroups(dir).length > 0);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
