// Carries out the core's `execute` effects on local nodes: promote, repoint, demote, hand-off; verified with ROLE.

import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { type NodeId, parseNodeId } from '../../workers/protocol/index.js';
import type { NodeAction } from '../core/index.js';
import { parseInfo } from '../core/index.js';
import type { Clock } from './clock.js';
import { errorText } from './errors.js';
import type { ActionOutcome, ActionRunner } from './group-ports.js';
import type { Logger } from './logger.js';
import type { CommandResult, NodeCommands } from './node-commands.js';
import type { Timers } from './timers.js';

export interface ExecutorDeps {
  readonly links: ReadonlyMap<NodeId, NodeCommands>;
  /** Deadlines and pauses of a hand-off run on the agent's clock and timers (simulated in the simulation). */
  readonly clock: Clock;
  readonly timers: Timers;
  /** The addresses of a host name (DNS by default), to match FAILOVER's target in the master's replica list. */
  readonly resolve?: (host: string) => Promise<readonly string[]>;
  /** Highest epoch durably in the state file: a command must be at exactly this epoch. */
  readonly persistedEpoch: () => number;
  readonly logger: Logger;
  readonly onResult: (kind: NodeAction['kind'] | 'refuse', ok: boolean) => void;
}

const KILL_CLIENTS: readonly (readonly string[])[] = [
  // SKIPME yes is the default: the connection sending it, the agent's own, survives.
  ['CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes'],
  ['CLIENT', 'KILL', 'TYPE', 'pubsub', 'SKIPME', 'yes'],
];

/**
 * A demoted node's own replicas are cut too. A replica that attached to a master restarted empty
 * in the moment before its agent made it a replica (reconcile.ts quarantine) would still be sent
 * the empty dataset once the node's `repl-diskless-sync-delay` ends (a replica serves its own
 * replicas); cut before that, it reconnects and is refused (NOMASTERLINK) until a failover.
 */
const KILL_REPLICAS: readonly string[] = ['CLIENT', 'KILL', 'TYPE', 'replica'];

/** How often the hand-off target is asked to acknowledge its offset while FAILOVER waits for it. */
const ACK_REQUEST_EVERY_MS = 10;
/** How often the old master's role is read while FAILOVER runs (it completes in tens of ms). */
const ROLE_POLL_MS = 5;

async function dnsAddresses(host: string): Promise<readonly string[]> {
  const found = await lookup(host, { all: true }).catch(() => []);
  return found.map((a) => a.address);
}

/** One action at a time per node; the core retries a refused one after a probe interval. */
export class Executor implements ActionRunner {
  private readonly busy = new Map<NodeId, Promise<ActionOutcome>>();

  constructor(private readonly deps: ExecutorDeps) {}

  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => this.deps.timers.after(ms, resolve));
  }

  /** Commands still running (graceful shutdown waits for them, bounded). */
  inFlight(): Promise<ActionOutcome>[] {
    return [...this.busy.values()];
  }

  async execute(node: NodeId, epoch: number, action: NodeAction): Promise<ActionOutcome> {
    const log = this.deps.logger.child({ node, epoch, action: action.kind });
    // Defence in depth: the core never asks for a stale epoch, and its persist came first.
    const persisted = this.deps.persistedEpoch();
    if (epoch !== persisted) {
      const detail =
        epoch < persisted
          ? `refused: epoch ${epoch} is below ${persisted} in the state file`
          : `refused: epoch ${epoch} is not in the state file yet (it holds ${persisted})`;
      log.warn(detail);
      this.deps.onResult('refuse', false);
      return { ok: false, detail };
    }
    const link = this.deps.links.get(node);
    if (link === undefined) return { ok: false, detail: `no connection to ${node}` };
    if (this.busy.has(node)) return { ok: false, detail: 'another command is still running on this node' };
    const run = this.run(link, action).catch((error: unknown) => ({ ok: false, detail: errorText(error) }));
    this.busy.set(node, run);
    try {
      log.info(`executing ${describe(action)}`);
      const outcome = await run;
      (outcome.ok ? log.info : log.warn).call(
        log,
        `${action.kind} ${outcome.ok ? 'done' : 'failed'}: ${outcome.detail}`,
      );
      this.deps.onResult(action.kind, outcome.ok);
      return outcome;
    } finally {
      this.busy.delete(node);
    }
  }

  private run(link: NodeCommands, action: NodeAction): Promise<ActionOutcome> {
    switch (action.kind) {
      case 'promote':
        return this.promote(link);
      case 'repoint':
        return this.replicate(link, action.master, { kill: false });
      case 'demote':
        return this.replicate(link, action.master, { kill: true });
      case 'handoff':
        return this.handoff(link, action.to, action.timeoutMs);
    }
  }

  private async promote(link: NodeCommands): Promise<ActionOutcome> {
    const results = await link.transaction([['REPLICAOF', 'NO', 'ONE'], ...KILL_CLIENTS]);
    const failed = results[0]?.error;
    if (failed !== null && failed !== undefined) return { ok: false, detail: `REPLICAOF NO ONE: ${failed}` };
    return verifyRole(link, null, `REPLICAOF NO ONE; ${killed(results)}`);
  }

  /** Repoint keeps the role (no kills); demote changes it, so its clients are disconnected. */
  private async replicate(
    link: NodeCommands,
    master: NodeId,
    { kill }: { kill: boolean },
  ): Promise<ActionOutcome> {
    const { host, port } = parseNodeId(master);
    const command = ['REPLICAOF', host, String(port)];
    if (!kill) {
      await link.command('REPLICAOF', [host, port]);
      return verifyRole(link, master, `REPLICAOF ${master}`);
    }
    const results = await link.transaction([command, KILL_REPLICAS, ...KILL_CLIENTS]);
    const failed = results[0]?.error;
    if (failed !== null && failed !== undefined)
      return { ok: false, detail: `REPLICAOF ${master}: ${failed}` };
    const replicas = results[1]?.error === null ? String(results[1].reply) : `error ${results[1]?.error}`;
    return verifyRole(link, master, `REPLICAOF ${master}; ${killed(results)}, ${replicas} replicas`);
  }

  /**
   * Coordinated switchover: Redis's FAILOVER pauses writes, waits for the target to catch up
   * and swaps roles. The agent's fence (min-replicas-to-write) does not stand in its way.
   */
  private async handoff(link: NodeCommands, to: NodeId, timeoutMs: number): Promise<ActionOutcome> {
    const { host, port } = await replicaAddress(link, to, this.deps.resolve ?? dnsAddresses);
    try {
      await link.command('FAILOVER', ['TO', host, port, 'TIMEOUT', timeoutMs]);
    } catch (error) {
      const text = errorText(error);
      if (/unknown command|ERR unknown/i.test(text)) return this.pausedHandoff(link, to, timeoutMs, text);
      return { ok: false, detail: `FAILOVER TO ${host} ${port} refused: ${text}` };
    }
    // The clients' writes wait in FAILOVER's pause: cut them now, so their reconnect delay runs
    // while the target catches up, and they re-resolve once the new master is published (about
    // when FAILOVER completes) instead of a full retry delay after it. A write cut while paused was
    // never executed, so nothing acknowledged is lost; those that reconnect sooner than FAILOVER
    // ends are paused again on this node, and cut again below.
    const atPause = await link.transaction(KILL_CLIENTS).catch(() => null);
    const stopAcks = this.deps.links.get(to)?.requestAcks(ACK_REQUEST_EVERY_MS);
    try {
      const { clock } = this.deps;
      const deadline = clock.nowMs() + timeoutMs + 1000;
      while (clock.nowMs() < deadline) {
        await this.sleep(ROLE_POLL_MS);
        const role = await readRole(link).catch(() => null);
        if (role?.role === 'slave') break;
      }
    } finally {
      stopAcks?.();
    }
    const verified = await verifyRole(link, to, `FAILOVER TO ${host} ${port}`);
    if (!verified.ok) return verified;
    const results = await link.transaction(KILL_CLIENTS);
    const first = atPause === null ? 'could not cut clients at the pause' : `at the pause ${killed(atPause)}`;
    return { ok: true, detail: `${verified.detail}; ${first}; after it ${killed(results)}` };
  }

  /**
   * FAILOVER is missing (renamed, or Redis < 6.2): pause writes, wait until the target has
   * every byte, make it master, then replicate it. Writes stay paused throughout, so nothing
   * acknowledged is lost; on timeout writes resume on this node.
   */
  private async pausedHandoff(
    link: NodeCommands,
    to: NodeId,
    timeoutMs: number,
    why: string,
  ): Promise<ActionOutcome> {
    const target = this.deps.links.get(to);
    if (target === undefined)
      return { ok: false, detail: `FAILOVER unavailable (${why}) and no connection to ${to}` };
    await link.command('CLIENT', ['PAUSE', timeoutMs, 'WRITE']);
    try {
      const offset = await masterOffset(link);
      const { clock } = this.deps;
      const deadline = clock.nowMs() + timeoutMs;
      let caughtUp = false;
      while (clock.nowMs() < deadline && !caughtUp) {
        const text = await target.info();
        const replication = text === null ? null : parseInfo(text);
        const r = replication?.ok ? replication.value.replication : null;
        caughtUp = r !== null && r.role === 'replica' && r.linkUp && r.offsetBytes >= offset;
        if (!caughtUp) await this.sleep(10);
      }
      if (!caughtUp)
        return {
          ok: false,
          detail: `paused hand-off: ${to} did not reach offset ${offset} in ${timeoutMs} ms`,
        };
      await target.command('REPLICAOF', ['NO', 'ONE']);
      const { host, port } = parseNodeId(to);
      const results = await link.transaction([['REPLICAOF', host, String(port)], ...KILL_CLIENTS]);
      const verified = await verifyRole(
        link,
        to,
        `CLIENT PAUSE WRITE; ${to} caught up at offset ${offset}; REPLICAOF ${to}`,
      );
      return verified.ok ? { ok: true, detail: `${verified.detail}; ${killed(results)}` } : verified;
    } finally {
      await link.command('CLIENT', ['UNPAUSE']).catch(() => undefined);
    }
  }
}

function describe(action: NodeAction): string {
  switch (action.kind) {
    case 'promote':
      return 'promote (REPLICAOF NO ONE + CLIENT KILL)';
    case 'repoint':
      return `repoint (REPLICAOF ${action.master})`;
    case 'demote':
      return `demote (REPLICAOF ${action.master} + CLIENT KILL, replicas too)`;
    case 'handoff':
      return `hand-off (FAILOVER TO ${action.to} TIMEOUT ${action.timeoutMs})`;
  }
}

function killed(results: readonly CommandResult[]): string {
  const counts = results.slice(-2).map((r) => (r.error === null ? String(r.reply) : `error ${r.error}`));
  return `killed ${counts[0] ?? '?'} normal and ${counts[1] ?? '?'} pubsub clients`;
}

interface Role {
  readonly role: string;
  readonly master: string | null;
}

async function readRole(link: NodeCommands): Promise<Role> {
  const reply = await link.command('ROLE');
  if (!Array.isArray(reply) || typeof reply[0] !== 'string') throw new Error('unexpected ROLE reply');
  if (reply[0] === 'slave') return { role: 'slave', master: `${String(reply[1])}:${String(reply[2])}` };
  return { role: reply[0], master: null };
}

/** ROLE after the command: `master`, or `slave` of exactly the expected announce address. */
async function verifyRole(link: NodeCommands, master: NodeId | null, done: string): Promise<ActionOutcome> {
  const role = await readRole(link);
  if (master === null) {
    return role.role === 'master'
      ? { ok: true, detail: `${done}; ROLE master` }
      : { ok: false, detail: `${done} but ROLE says ${role.role}` };
  }
  const { host, port } = parseNodeId(master);
  const ok = role.role === 'slave' && role.master === `${host}:${port}`;
  return ok
    ? { ok: true, detail: `${done}; ROLE slave of ${role.master}` }
    : {
        ok: false,
        detail: `${done} but ROLE says ${role.role}${role.master === null ? '' : ` of ${role.master}`}`,
      };
}

async function masterOffset(link: NodeCommands): Promise<number> {
  const text = await link.info();
  const parsed = text === null ? null : parseInfo(text);
  const r = parsed?.ok ? parsed.value.replication : null;
  if (r === null || r.role !== 'master') throw new Error('the node is no longer master');
  return r.offsetBytes;
}

/**
 * FAILOVER TO names the replica as the master lists it (its IP, or replica-announce-ip), while
 * configs name it by announce address, maybe a hostname: match the master's replica list.
 */
async function replicaAddress(
  link: NodeCommands,
  to: NodeId,
  resolve: (host: string) => Promise<readonly string[]>,
): Promise<{ host: string; port: number }> {
  const target = parseNodeId(to);
  if (isIP(target.host) !== 0) return target;
  const text = await link.info();
  const parsed = text === null ? null : parseInfo(text);
  const replicas = parsed?.ok ? (parsed.value.replication?.connectedReplicas ?? []) : [];
  const exact = replicas.find((r) => r.host === target.host && r.port === target.port);
  if (exact !== undefined) return target;
  const addresses = await resolve(target.host);
  const match = replicas.find((r) => r.port === target.port && addresses.includes(r.host));
  return match === undefined ? target : { host: match.host, port: match.port };
}
