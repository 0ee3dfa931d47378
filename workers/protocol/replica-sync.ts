// Where a replica stands in resyncing from a new master (Sentinel's SRI_RECONF_*), read from a node's view.
import type { NodeView } from './agent-messages.js';
import type { NodeId } from './common.js';

/**
 * A node's place in the reconfiguration after the master changed to `master`:
 * - `done`: it replicates `master` and its link is up (Sentinel's `SRI_RECONF_DONE`). Redis
 *   reports `master_link_status:up` only once a sync has finished (the RDB is loaded), so a
 *   link that is up is never still syncing;
 * - `syncing`: it replicates `master` but its link is not up yet: connecting, transferring or
 *   loading the dataset (`SRI_RECONF_SENT`/`SRI_RECONF_INPROG`); it holds one of the
 *   `parallelSyncs` slots;
 * - `waiting`: a replica that still replicates another node (or nothing): its turn has not come;
 * - `outside`: not part of the reconfiguration: the new master itself, a node down or of unknown
 *   role from here, or a node that is master (an old master is demoted by reconciliation, which
 *   Sentinel does not count against `parallel-syncs` either).
 */
export type ReplicaSyncStatus = 'done' | 'syncing' | 'waiting' | 'outside';

export function replicaSyncStatus(view: NodeView, master: NodeId): ReplicaSyncStatus {
  if (view.node === master || view.sdown || view.role !== 'replica') return 'outside';
  if (view.masterNode !== master) return 'waiting';
  return view.linkUp ? 'done' : 'syncing';
}
