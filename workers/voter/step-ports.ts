// The narrow ports StepRunner runs on: the Durable Object provides them in production
// (object-runtime.ts, store.ts), the simulator provides them on simulated time, storage and network.
import type { stepVoter } from '../core/index.js';
import type { AgentRecord, DurableState, VoterEvent } from '../core/types.js';
import type { AgentId, PeerMessage, VoterMessage } from '../protocol/index.js';
import type { Booted } from './booted.js';
import type { StoredEvent } from './contract.js';
import type { Volatile } from './schemas.js';

/** The runtime around one voter: clock, randomness, sockets, peers, the alarm, transactions, logs. */
export interface VoterRuntime {
  /** The core to step (the simulator injects deliberately broken ones for its teeth tests). */
  readonly step: typeof stepVoter;
  nowMs(): number;
  /** Uniform in [0, 1). */
  random(): number;
  /** The last auto-response (lease pong) time per open agent socket. */
  autoResponseTimes(): Record<AgentId, number>;
  /** Fire and forget: a voter never waits on another. */
  sendPeer(me: Booted, to: number, message: PeerMessage): void;
  sendAgent(to: AgentId, message: VoterMessage): void;
  /** Sets the object's single alarm; null deletes it. */
  setAlarm(atMs: number | null): void;
  /** Runs `fn` as one storage transaction: all of its writes land, or none. */
  transactionSync(fn: () => void): void;
  log(line: string): void;
  logError(line: string): void;
}

/** The rows one step writes (workers/voter/store.ts is the SQLite implementation). */
export interface StepStorage {
  saveDurable(durable: DurableState): void;
  saveAgent(record: AgentRecord): void;
  deleteAgent(agentId: AgentId): void;
  loadVolatile(): Volatile | null;
  saveVolatile(volatile: Volatile): void;
  insertEvent(event: VoterEvent, atMs: number): StoredEvent;
  trimEvents(lastId: number): void;
  earliestWebhookAt(): number | null;
  saveCounters(): void;
}
