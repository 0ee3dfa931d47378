// Reading a process's memory and CPU time from /proc (Linux), and the arithmetic over a window.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { ProcessFootprint } from './results.js';

export interface ProcSnapshot {
  readonly rssKb: number;
  readonly peakRssKb: number;
  /** utime + stime, in clock ticks. */
  readonly cpuTicks: number;
}

/** VmRSS and VmHWM (kB) from /proc/<pid>/status. */
export function parseStatus(text: string): { rssKb: number; peakRssKb: number } {
  const field = (name: string) => {
    const match = new RegExp(`^${name}:\\s+(\\d+) kB$`, 'm').exec(text);
    if (match?.[1] === undefined) throw new Error(`/proc status has no ${name}`);
    return Number(match[1]);
  };
  return { rssKb: field('VmRSS'), peakRssKb: field('VmHWM') };
}

/**
 * utime + stime from /proc/<pid>/stat. The command name (field 2) is in parentheses and may hold
 * spaces or parentheses itself, so fields are counted from the last ')'.
 */
export function parseStatTicks(text: string): number {
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // rest[0] is field 3 (state); utime and stime are fields 14 and 15.
  const utime = Number(rest[11]);
  const stime = Number(rest[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) throw new Error('unreadable /proc stat');
  return utime + stime;
}

export function snapshot(pid: number): ProcSnapshot {
  const status = parseStatus(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return { ...status, cpuTicks: parseStatTicks(readFileSync(`/proc/${pid}/stat`, 'utf8')) };
}

/** The first child of `pid` (/proc/<pid>/task/<pid>/children: the agent under its supervisor), or null. */
export function firstChildPid(pid: number): number | null {
  try {
    const child = Number(readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(child) && child > 0 ? child : null;
  } catch {
    return null;
  }
}

let ticksPerSecond: number | null = null;

/** The kernel's USER_HZ (100 almost everywhere). */
export function clockTicksPerSecond(): number {
  if (ticksPerSecond === null) {
    const out = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
    const n = Number(out.stdout.trim());
    ticksPerSecond = out.status === 0 && n > 0 ? n : 100;
  }
  return ticksPerSecond;
}

export function footprintOf(
  pid: number,
  before: ProcSnapshot,
  after: ProcSnapshot,
  windowMs: number,
  ticksPerSec: number,
): ProcessFootprint {
  return {
    pid,
    rssMb: after.rssKb / 1024,
    peakRssMb: after.peakRssKb / 1024,
    cpuPercent: ((after.cpuTicks - before.cpuTicks) / ticksPerSec / (windowMs / 1000)) * 100,
  };
}

/** Samples every pid at the start and the end of the same window (the processes side by side). */
export async function sampleWindow(pids: readonly number[], windowMs: number): Promise<ProcessFootprint[]> {
  const ticks = clockTicksPerSecond();
  const startMs = performance.now();
  const before = pids.map(snapshot);
  await new Promise((r) => setTimeout(r, windowMs));
  const after = pids.map(snapshot);
  const elapsedMs = performance.now() - startMs;
  return pids.map((pid, i) =>
    footprintOf(pid, before[i] as ProcSnapshot, after[i] as ProcSnapshot, elapsedMs, ticks),
  );
}
