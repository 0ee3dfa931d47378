// A simulated Redis node: role, append-only log of write ids, replication link, min-replicas-to-write, INFO text and hand-off.
import type { ProbeOutcome } from '../../agent/core/types.js';
import { FENCE_MIN_REPLICAS } from '../../agent/runtime/fence.js';
import type { NodeId } from '../../workers/protocol/index.js';
import { renderInfo } from './info-text.js';

/** What a node needs from the world around it. */
export interface NodeEnv {
  now(): number;
  schedule(delayMs: number, label: string, run: () => void): void;
  randInt(lo: number, hi: number): number;
  reachable(a: string, b: string): boolean;
  nodeById(id: NodeId): RedisNode | undefined;
  trace(text: string): void;
  /** Called whenever a node's log changes, so its replicas can be scheduled to catch up. */
  logChanged(node: RedisNode): void;
  /** A write id reached a second node (for classifying lost writes). */
  replicated(id: number): void;
  /** Replicas of `master` whose link to it is up (what min-replicas-to-write counts). */
  linkedReplicas(master: NodeId): number;
}

export type Restart = 'empty' | 'data';

/**
 * A log is a sequence of unique write ids. A write id is created once, at one position, and
 * only ever copied to the same position, so `a` is a prefix of `b` iff their entries at `a`'s
 * last position agree.
 */
export function isPrefix(a: readonly number[], b: readonly number[]): boolean {
  if (a.length > b.length) return false;
  return a.length === 0 || a[a.length - 1] === b[a.length - 1];
}

export class RedisNode {
  alive = true;
  /** Bumped on every crash, so events scheduled for an earlier life are ignored. */
  life = 0;
  loadingUntilMs = 0;
  role: 'master' | 'replica' = 'replica';
  masterOf: NodeId | null = null;
  log: number[] = [];
  runId: string;
  linkUp = false;
  linkDownSinceMs = 0;
  /** The link to the current master has been up since the last REPLICAOF (Redis prints -1 otherwise). */
  linkEverUp = false;
  /**
   * The replica's last move to another master by REPLICAOF (not a demotion of a master, not a
   * FAILOVER TO): the parallel-syncs check counts it as syncing until its link first comes up.
   */
  movedTo: { readonly master: NodeId; readonly atMs: number } | null = null;
  private linkAttemptPending = false;
  private syncPending = false;
  /**
   * CONFIG min-replicas-to-write: the agent's fence sets FENCE_MIN_REPLICAS, its unfence 0. A node
   * (re)starts with its config file's value: the fence value with fencing on (the shipped local
   * stack and the recommended deployment), so it takes no write its agent has not allowed.
   */
  minReplicasToWrite: number;
  startedAtMs = 0;
  pausedForHandoff = false;
  readonly crashTimesMs: number[] = [];

  constructor(
    readonly id: NodeId,
    readonly index: number,
    readonly endpoint: string,
    readonly priority: number,
    private readonly fencing: boolean,
    private readonly env: NodeEnv,
  ) {
    this.runId = runIdFor(index, 0);
    this.minReplicasToWrite = fencing ? FENCE_MIN_REPLICAS : 0;
  }

  writable(nowMs: number): boolean {
    if (!this.alive || this.role !== 'master' || this.pausedForHandoff) return false;
    if (nowMs < this.loadingUntilMs) return false;
    const min = this.minReplicasToWrite;
    return min === 0 || (min < FENCE_MIN_REPLICAS && this.env.linkedReplicas(this.id) >= min);
  }

  /** A client write arriving now; true when accepted (appended). */
  write(id: number): boolean {
    if (!this.writable(this.env.now())) return false;
    this.log.push(id);
    this.env.logChanged(this);
    return true;
  }

  probe(): ProbeOutcome {
    if (!this.alive) return 'error';
    if (this.env.now() < this.loadingUntilMs) return 'loading';
    return 'pong';
  }

  /** `INFO server replication keyspace` as redis 7.0 prints the fields the agent reads. */
  infoText(): string | null {
    if (!this.alive) return null;
    const now = this.env.now();
    return renderInfo({
      runId: this.runId,
      uptimeSeconds: Math.floor((now - this.startedAtMs) / 1000),
      role: this.role,
      masterOf: this.role === 'replica' ? this.masterOf : null,
      linkUp: this.linkUp,
      linkDownSinceSeconds: this.linkEverUp ? Math.floor((now - this.linkDownSinceMs) / 1000) : null,
      offsetBytes: this.log.length,
      priority: this.priority,
      keys: this.keysLoaded(now),
    });
  }

  /**
   * Keys INFO counts: while loading after a restart, as Redis does, only those loaded so far (a
   * share of the log growing over the load), which the agent must not take for a lost dataset.
   */
  private keysLoaded(nowMs: number): number {
    if (nowMs >= this.loadingUntilMs) return this.log.length;
    const share = (nowMs - this.startedAtMs) / Math.max(1, this.loadingUntilMs - this.startedAtMs);
    return Math.floor(this.log.length * Math.max(0, share));
  }

  /** CONFIG GET / SET of min-replicas-to-write, the only setting the agent's fence touches. */
  config(args: readonly (string | number)[]): unknown {
    const [verb, name, value] = args;
    if (String(name) !== 'min-replicas-to-write') throw new Error(`ERR unsupported CONFIG parameter ${name}`);
    if (verb === 'GET') return ['min-replicas-to-write', String(this.minReplicasToWrite)];
    if (verb === 'SET') {
      this.minReplicasToWrite = Number(value);
      this.env.trace(`${this.id} min-replicas-to-write ${value}`);
      return 'OK';
    }
    throw new Error(`ERR unknown CONFIG subcommand ${verb}`);
  }

  crash(): void {
    if (!this.alive) return;
    this.alive = false;
    this.life++;
    this.crashTimesMs.push(this.env.now());
    this.linkUp = false;
    this.pausedForHandoff = false;
    this.linkAttemptPending = false;
    this.syncPending = false;
  }

  /** Real redis without a `replicaof` line comes back as a master, with or without its data. */
  restart(mode: Restart): void {
    if (this.alive) return;
    this.alive = true;
    this.life++;
    this.runId = runIdFor(this.index, this.life);
    if (mode === 'empty') this.log = [];
    this.role = 'master';
    this.masterOf = null;
    this.linkUp = false;
    this.linkEverUp = false;
    this.linkDownSinceMs = this.env.now();
    this.startedAtMs = this.env.now();
    this.minReplicasToWrite = this.fencing ? FENCE_MIN_REPLICAS : 0;
    this.loadingUntilMs = this.env.now() + (mode === 'empty' ? 5 : this.env.randInt(50, 300));
    this.env.trace(`${this.id} restarted ${mode} as master, runId ${this.runId}, ${this.log.length} writes`);
    this.env.logChanged(this);
  }

  /** REPLICAOF NO ONE. */
  promote(): void {
    this.role = 'master';
    this.masterOf = null;
    this.linkUp = false;
    this.env.logChanged(this);
  }

  /** Moved to `master` by REPLICAOF and not linked to it since: a sync the parallel-syncs rule counts. */
  syncingAfterMove(master: NodeId): boolean {
    return (
      this.alive &&
      this.role === 'replica' &&
      this.masterOf === master &&
      this.movedTo?.master === master &&
      !this.linkEverUp
    );
  }

  /** REPLICAOF <host> <port>. */
  replicaOf(master: NodeId): void {
    if (master === this.id) return;
    const wasLinked = this.role === 'replica' && this.masterOf === master && this.linkUp;
    if (!wasLinked) this.movedTo = this.role === 'replica' ? { master, atMs: this.env.now() } : null;
    this.role = 'replica';
    this.masterOf = master;
    if (!wasLinked) {
      this.linkUp = false;
      this.linkEverUp = false;
      this.linkDownSinceMs = this.env.now();
      this.pausedForHandoff = false;
      this.scheduleLinkAttempt(this.env.randInt(5, 30));
    }
  }

  /**
   * FAILOVER TO: refused at once (the error text), or started (null): writes pause until the
   * target has caught up, then the roles swap; `done` says how it ended, as ROLE will show it.
   */
  failoverTo(to: NodeId, timeoutMs: number, done: (ok: boolean, detail: string) => void): string | null {
    const target = this.env.nodeById(to);
    if (this.role !== 'master') return 'ERR FAILOVER requires a master';
    if (target === undefined || !target.alive || target.masterOf !== this.id || target.role !== 'replica') {
      return 'ERR FAILOVER target is not a replica';
    }
    this.pausedForHandoff = true;
    const life = this.life;
    const deadline = this.env.now() + timeoutMs;
    const poll = (): void => {
      if (this.life !== life) {
        done(false, 'connection lost');
        return;
      }
      const caughtUp = target.alive && target.linkUp && target.log.length === this.log.length;
      if (caughtUp && isPrefix(target.log, this.log)) {
        this.pausedForHandoff = false;
        target.role = 'master';
        target.masterOf = null;
        target.linkUp = false;
        this.role = 'replica';
        this.masterOf = target.id;
        this.linkUp = true;
        this.linkEverUp = true;
        this.env.logChanged(target);
        done(true, `FAILOVER TO ${to} done at offset ${this.log.length}`);
        return;
      }
      if (this.env.now() >= deadline) {
        this.pausedForHandoff = false;
        done(false, 'FAILOVER timed out; writes resumed');
        return;
      }
      this.env.schedule(5, `${this.id} handoff poll`, poll);
    };
    poll();
    return null;
  }

  /** Re-checks whether the replication link can exist; called after every topology change. */
  reevaluateLink(): void {
    if (!this.alive || this.role !== 'replica') return;
    const master = this.masterOf === null ? undefined : this.env.nodeById(this.masterOf);
    const usable = master !== undefined && this.linkUsable(master);
    if (this.linkUp && !usable) {
      this.linkUp = false;
      this.linkDownSinceMs = this.env.now();
      this.env.trace(`${this.id} replication link to ${this.masterOf} down`);
    }
    // Like redis's replication cron: a replica without a link keeps retrying about once a second.
    if (!this.linkUp) this.scheduleLinkAttempt(usable ? this.env.randInt(200, 1000) : 1000);
  }

  private linkUsable(master: RedisNode): boolean {
    return (
      master.alive &&
      master.id !== this.id &&
      this.env.now() >= master.loadingUntilMs &&
      this.env.reachable(this.endpoint, master.endpoint)
    );
  }

  private scheduleLinkAttempt(delayMs: number): void {
    if (this.linkAttemptPending) return;
    this.linkAttemptPending = true;
    const life = this.life;
    this.env.schedule(delayMs, `${this.id} replication connect`, () => {
      if (this.life !== life) return;
      this.linkAttemptPending = false;
      this.connectLink();
    });
  }

  private connectLink(): void {
    if (!this.alive || this.role !== 'replica' || this.linkUp) return;
    const master = this.masterOf === null ? undefined : this.env.nodeById(this.masterOf);
    if (master === undefined || !this.linkUsable(master)) {
      if (master?.alive) this.scheduleLinkAttempt(this.env.randInt(500, 1000));
      else this.scheduleLinkAttempt(1000);
      return;
    }
    if (isPrefix(this.log, master.log)) {
      this.linkUp = true;
      this.linkEverUp = true;
      this.env.trace(`${this.id} partial resync from ${master.id} at ${this.log.length}`);
      this.catchUp(master);
      return;
    }
    // Full resync: the replica's data is replaced by the master's once the transfer completes.
    const life = this.life;
    this.env.schedule(this.env.randInt(20, 100), `${this.id} full resync from ${master.id}`, () => {
      if (this.life !== life || this.role !== 'replica' || this.masterOf !== master.id) return;
      if (!this.linkUsable(master)) return this.scheduleLinkAttempt(1000);
      this.env.trace(`${this.id} full resync from ${master.id}: ${this.log.length} -> ${master.log.length}`);
      this.log = master.log.slice();
      for (const id of this.log) this.env.replicated(id);
      this.linkUp = true;
      this.linkEverUp = true;
      this.env.logChanged(this);
    });
  }

  /** A change of the master's log reaches this replica after a replication lag. */
  scheduleSync(): void {
    if (this.syncPending || !this.linkUp) return;
    this.syncPending = true;
    const life = this.life;
    this.env.schedule(this.env.randInt(5, 40), `${this.id} replicate`, () => {
      if (this.life !== life) return;
      this.syncPending = false;
      const master = this.masterOf === null ? undefined : this.env.nodeById(this.masterOf);
      if (!this.linkUp || this.role !== 'replica' || master === undefined) return;
      if (!this.linkUsable(master)) return this.reevaluateLink();
      this.catchUp(master);
    });
  }

  private catchUp(master: RedisNode): void {
    if (!isPrefix(this.log, master.log)) {
      // The master's history was replaced under us (it resynced from elsewhere): reconnect.
      this.linkUp = false;
      this.linkDownSinceMs = this.env.now();
      this.scheduleLinkAttempt(this.env.randInt(5, 30));
      return;
    }
    if (master.log.length > this.log.length) {
      for (let i = this.log.length; i < master.log.length; i++) {
        const id = master.log[i] as number;
        this.log.push(id);
        this.env.replicated(id);
      }
      this.env.logChanged(this);
    }
  }
}

function runIdFor(index: number, life: number): string {
  return `run${index}x${life}`.padEnd(40, '0');
}
