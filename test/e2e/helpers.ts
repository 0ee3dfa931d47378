// Shared by the e2e files: agent metrics scrapes, agent-voter links, and a write load's failures and pauses in a window.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type GroupStatusView, getStatus } from '../../infra/local/coordinator-client.js';
import type { LocalStack } from '../../infra/local/stack.js';
import { waitFor } from '../../infra/local/wait.js';
import { type AckedWrite, longestPause, type WriteLoad } from '../../infra/local/write-load.js';

export const portOf = (address: string) => Number(address.slice(address.lastIndexOf(':') + 1));

/** CLOCK_MONOTONIC in whole milliseconds: the clock of the agents' and supervisors' deadlines (agent/runtime/clock.ts). */
export const monotonicMs = () => Number(process.hrtime.bigint() / 1_000_000n);

/**
 * The value of the first sample of `name` on an agent's /metrics (any labels), or null when the
 * agent does not expose it (yet). Throws when the agent does not answer.
 */
export async function agentMetric(metricsPort: number, name: string): Promise<number | null> {
  const response = await fetch(`http://127.0.0.1:${metricsPort}/metrics`, {
    signal: AbortSignal.timeout(3000),
  });
  const text = await response.text();
  for (const line of text.split('\n')) {
    if (line.startsWith(`${name}{`) || line.startsWith(`${name} `)) {
      return Number(line.slice(line.lastIndexOf(' ') + 1));
    }
  }
  return null;
}

/** Until every running agent holds a WebSocket to every voter (as the voters report it). */
export function waitForAgentsConnected(stack: LocalStack, timeoutMs = 30_000): Promise<GroupStatusView> {
  return waitFor('every agent connected to every voter', timeoutMs, async () => {
    const status = await getStatus(stack.coordinatorUrl, stack.options.group);
    const links = status.agents.map((a) => `${a.agentId}:[${a.connectedTo.join(',')}]`).join(' ');
    const full = stack.nodes.every((n) =>
      status.agents.some((a) => a.agentId === n.agentId && a.connectedTo.length === stack.options.voters),
    );
    if (!full) throw new Error(`links: ${links}`);
    return status;
  });
}

/**
 * When each write of `load` failed (any error) within [fromMs, toMs] (performance.now()). The load
 * exposes only "the first failure at or after t", so the failures are walked one after the other.
 */
export function failuresBetween(load: WriteLoad, fromMs: number, toMs: number, prefix = ''): number[] {
  const found: number[] = [];
  // Failures are at least 50 ms apart (the load sleeps after each), so a step of 1 µs misses none.
  for (let at = load.firstErrorAfter(prefix, fromMs); at !== undefined && at <= toMs; ) {
    found.push(at);
    at = load.firstErrorAfter(prefix, at + 0.001);
  }
  return found;
}

/** Acknowledged writes whose acknowledgement arrived within [fromMs, toMs]. */
export function ackedBetween(acked: readonly AckedWrite[], fromMs: number, toMs: number): AckedWrite[] {
  return acked.filter((w) => w.ackAtMs >= fromMs && w.ackAtMs <= toMs);
}

/**
 * The longest time without an acknowledgement within [fromMs, toMs], counting the window's edges
 * (a window with no acknowledgement at all is one pause as long as the window).
 */
export function longestPauseBetween(acked: readonly AckedWrite[], fromMs: number, toMs: number): number {
  const inside = ackedBetween(acked, fromMs, toMs);
  const first = inside[0];
  const last = inside[inside.length - 1];
  if (first === undefined || last === undefined) return toMs - fromMs;
  return Math.max(first.ackAtMs - fromMs, longestPause(inside).ms, toMs - last.ackAtMs);
}

export interface AgentLogEvent {
  readonly event: string;
  readonly payload: string;
  /** Wall-clock time of the line (Date.parse of its ISO `time`). */
  readonly atWallMs: number;
}

/** Every JSON line of node `index`'s agent log (the agent's and its supervisor's), in log order. */
export function agentLogRecords(stack: LocalStack, index: number): Record<string, unknown>[] {
  const node = stack.nodes[index];
  if (node === undefined) throw new Error(`no node ${index}`);
  const records: Record<string, unknown>[] = [];
  const text = readFileSync(join(stack.runDir, 'logs', `agent-${node.agentId}.log`), 'utf8');
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      records.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      // A line cut short by a kill: not a record.
    }
  }
  return records;
}

/** The Sentinel-style events (`+fenced`, `-fenced`, ...) an agent logged, in log order. */
export function agentLogEvents(stack: LocalStack, index: number): AgentLogEvent[] {
  const events: AgentLogEvent[] = [];
  for (const entry of agentLogRecords(stack, index)) {
    if (typeof entry.event !== 'string' || typeof entry.time !== 'string') continue;
    events.push({
      event: entry.event,
      payload: typeof entry.payload === 'string' ? entry.payload : '',
      atWallMs: Date.parse(entry.time),
    });
  }
  return events;
}

/** The last line of wrangler's log (the voters' decisions and their reasons) that matches `pattern`. */
export function lastVoterLine(stack: LocalStack, pattern: RegExp): string | undefined {
  let text: string;
  try {
    text = readFileSync(join(stack.runDir, 'logs', 'wrangler.log'), 'utf8');
  } catch {
    return undefined;
  }
  return text
    .split('\n')
    .filter((line) => pattern.test(line))
    .pop();
}
