// The production VoterRuntime: the Durable Object's clock, crypto randomness, hibernatable sockets, peer stubs, alarm and SQLite transactions.
import { stepVoter } from '../core/index.js';
import type { Env } from '../env.js';
import type { AgentId, PeerMessage, VoterMessage } from '../protocol/index.js';
import type { Booted } from './booted.js';
import type { MutableCounters } from './counters.js';
import { PeerSender } from './peers.js';
import { autoResponseTimes, sendToAgent } from './sockets.js';
import type { VoterRuntime } from './step-ports.js';

export class ObjectRuntime implements VoterRuntime {
  readonly step = stepVoter;
  private readonly peers: PeerSender;

  constructor(
    private readonly ctx: DurableObjectState,
    env: Env,
    private readonly counters: MutableCounters,
  ) {
    this.peers = new PeerSender(env);
  }

  nowMs(): number {
    return Date.now();
  }

  random(): number {
    return (crypto.getRandomValues(new Uint32Array(1))[0] ?? 0) / 2 ** 32;
  }

  autoResponseTimes(): Record<AgentId, number> {
    return autoResponseTimes(this.ctx);
  }

  sendPeer(me: Booted, to: number, message: PeerMessage): void {
    this.peers.send(me.entry, me.index, to, message);
  }

  sendAgent(to: AgentId, message: VoterMessage): void {
    sendToAgent(this.ctx, this.counters, to, message);
  }

  setAlarm(atMs: number | null): void {
    const done = atMs === null ? this.ctx.storage.deleteAlarm() : this.ctx.storage.setAlarm(atMs);
    done.catch((error: unknown) => console.error(`voter: alarm update failed: ${String(error)}`));
  }

  transactionSync(fn: () => void): void {
    this.ctx.storage.transactionSync(fn);
  }

  log(line: string): void {
    console.log(line);
  }

  logError(line: string): void {
    console.error(line);
  }
}
