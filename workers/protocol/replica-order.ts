// The replica order voters and agents agree on, so an agent's choice matches the voters' ranking.
import type { NodeId } from './common.js';

/** What the order looks at in a node's view. */
export interface ReplicaOrderKey {
  readonly node: NodeId;
  /** replica-priority: lower is preferred (0, never promote, is filtered out before ordering). */
  readonly priority: number;
  readonly offsetBytes: number;
  readonly runId: string;
}

/**
 * Lower priority first, then the larger replication offset, then the smaller run id, then the
 * smaller node id: the same views always give the same order (Sentinel's `compareSlavesForPromotion`).
 */
export function compareReplicas(a: ReplicaOrderKey, b: ReplicaOrderKey): number {
  if (a.priority !== b.priority) return a.priority - b.priority;
  if (a.offsetBytes !== b.offsetBytes) return b.offsetBytes - a.offsetBytes;
  if (a.runId !== b.runId) return a.runId < b.runId ? -1 : 1;
  if (a.node !== b.node) return a.node < b.node ? -1 : 1;
  return 0;
}
