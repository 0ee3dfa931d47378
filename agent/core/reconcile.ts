// Reconciliation: what a local node must be told so that it matches the highest committed config.
import type { Config, NodeId, NodeView } from '../../workers/protocol/index.js';
import type { NodeAction } from './types.js';

export interface ReconcileDecision {
  readonly action: NodeAction | null;
  /** True when the config is below the highest epoch seen: acting on it could undo a newer decision. */
  readonly refused: boolean;
  readonly reason: string;
}

const idle = (reason: string): ReconcileDecision => ({ action: null, refused: false, reason });
const act = (action: NodeAction, reason: string): ReconcileDecision => ({ action, refused: false, reason });

/**
 * Decide the one action (or none) for `localNode`. The epoch check comes first; a node the
 * agent cannot reach, or whose role it does not know yet, is left alone until it can.
 */
export function reconcile(
  config: Config | null,
  localNode: NodeId,
  view: NodeView,
  highestEpoch: number,
  handoffTimeoutMs: number,
  quarantineTo: NodeId | null = null,
  promotionHeld: string | null = null,
  syncWait: string | null = null,
): ReconcileDecision {
  const decision = decide(config, localNode, view, highestEpoch, handoffTimeoutMs, quarantineTo);
  // A grant this agent gave (failsafe.ts) forbids making its node master until it ends.
  if (decision.action?.kind === 'promote' && promotionHeld !== null) return idle(promotionHeld);
  // parallel-syncs: a replica moving to a new master waits its turn (parallel-syncs.ts). A demoted
  // master is not held back: Sentinel does not count converting an old master either.
  if (decision.action?.kind === 'repoint' && syncWait !== null) return idle(syncWait);
  return decision;
}

function decide(
  config: Config | null,
  localNode: NodeId,
  view: NodeView,
  highestEpoch: number,
  handoffTimeoutMs: number,
  quarantineTo: NodeId | null,
): ReconcileDecision {
  if (config === null) return idle('no committed config is known yet');
  if (config.epoch < highestEpoch) {
    return {
      action: null,
      refused: true,
      reason: `config epoch ${config.epoch} is stale: epoch ${highestEpoch} was already seen`,
    };
  }
  if (view.sdown) return idle(`${localNode} is down from here, so nothing can be done to it`);
  if (view.role === 'unknown') return idle(`the role of ${localNode} is not known yet`);
  if (config.master === localNode && view.rebooted) return quarantine(config, localNode, view, quarantineTo);
  if (config.master === localNode) return reconcileMaster(config, localNode, view);
  return reconcileOther(config, localNode, view, handoffTimeoutMs);
}

/**
 * The configured master came back with its dataset lost. Its replicas would resync from it
 * within a second and lose everything, so until the voters choose a new master it replicates
 * the best replica instead: a replica whose own master link is down refuses PSYNC
 * (NOMASTERLINK), so nothing syncs from the empty node, and it gets the data back. This never
 * creates a writer, so it needs no consensus. Reconciliation must not promote it meanwhile.
 */
function quarantine(config: Config, localNode: NodeId, view: NodeView, to: NodeId | null): ReconcileDecision {
  if (view.role === 'replica')
    return idle(`${localNode} lost its data on restart and stays a replica until a failover`);
  if (to === null) return idle(`${localNode} lost its data on restart but no replica is known to protect`);
  return act(
    { kind: 'demote', master: to },
    `${localNode} restarted empty while epoch ${config.epoch} names it master: replicate ${to} so no replica syncs from it`,
  );
}

function reconcileMaster(config: Config, localNode: NodeId, view: NodeView): ReconcileDecision {
  if (view.role === 'master') return idle(`${localNode} is master as epoch ${config.epoch} says`);
  switch (config.state) {
    case 'handoff':
      return idle(`${localNode} waits for the old master's FAILOVER TO at epoch ${config.epoch}`);
    case 'promoting':
    case 'active':
      return act({ kind: 'promote' }, `epoch ${config.epoch} names ${localNode} master but it is a replica`);
  }
}

function reconcileOther(
  config: Config,
  localNode: NodeId,
  view: NodeView,
  handoffTimeoutMs: number,
): ReconcileDecision {
  if (view.role === 'master') {
    if (config.state === 'handoff' && config.previousMaster === localNode) {
      return act(
        // The operator's timeout for this switchover, if given, over the agent's default.
        { kind: 'handoff', to: config.master, timeoutMs: config.handoffTimeoutMs ?? handoffTimeoutMs },
        `epoch ${config.epoch} hands ${localNode}'s mastership over to ${config.master}`,
      );
    }
    return act(
      { kind: 'demote', master: config.master },
      `${localNode} is master but epoch ${config.epoch} names ${config.master}`,
    );
  }
  if (view.masterNode !== config.master) {
    return act(
      { kind: 'repoint', master: config.master },
      `${localNode} replicates ${view.masterNode ?? 'nothing'} but epoch ${config.epoch} names ${config.master}`,
    );
  }
  return idle(`${localNode} already replicates ${config.master}`);
}
