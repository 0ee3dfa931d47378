// The parallel-syncs check: never more than parallelSyncs replicas syncing at once from a new master.
import type { NodeId } from '../../workers/protocol/index.js';
import type { RedisNode } from './redis-node.js';
import { violate } from './violation.js';

/**
 * After a failover or switchover each replica's agent moves its node to the new master in turn
 * (agent/core/parallel-syncs.ts). This checks, after every event, that at most `parallelSyncs`
 * replicas are syncing from one master: moved there by `REPLICAOF` and not linked since.
 *
 * Two kinds of moves are not the rule's and are left out: demotions of a master (an old master
 * coming back; Sentinel does not count them either), and moves made once the round's failover
 * timeout has passed, when every replica still waiting goes at once on purpose. An agent starts
 * that timeout when it first sees the new master up as master, which is never before the node
 * became master while it was the committed master; its clock may run 0.5 % fast, hence 0.99.
 * A round belongs to the committed master: it ends when the highest committed config names
 * another node.
 */
export class ParallelSyncsCheck {
  /** Per committed master: when it was first seen master in its current round. */
  private readonly roundStartMs = new Map<NodeId, number>();
  /** The most syncing at once seen from one master, for the run's summary. */
  maxSyncing = 0;

  constructor(
    private readonly parallelSyncs: number,
    private readonly failoverTimeoutMs: number,
  ) {}

  check(nodes: readonly RedisNode[], committedMaster: NodeId | null, nowMs: number): void {
    for (const id of [...this.roundStartMs.keys()]) if (id !== committedMaster) this.roundStartMs.delete(id);
    const master = nodes.find((n) => n.id === committedMaster);
    if (master === undefined) return;
    if (!this.roundStartMs.has(master.id) && master.alive && master.role === 'master') {
      this.roundStartMs.set(master.id, nowMs);
    }
    const startMs = this.roundStartMs.get(master.id);
    if (startMs === undefined) return;
    const timeoutAtMs = startMs + this.failoverTimeoutMs * 0.99;
    const syncing = nodes.filter(
      (n) => n.syncingAfterMove(master.id) && n.movedTo !== null && n.movedTo.atMs < timeoutAtMs,
    );
    this.maxSyncing = Math.max(this.maxSyncing, syncing.length);
    if (syncing.length > this.parallelSyncs) {
      const which = syncing.map((n) => `${n.id} (moved at ${n.movedTo?.atMs})`).join(', ');
      violate(
        'P',
        `${syncing.length} replicas sync from ${master.id} at once (parallel-syncs ${this.parallelSyncs}): ${which}`,
      );
    }
  }
}
