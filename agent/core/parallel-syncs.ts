// Parallel syncs: when a local replica may start resyncing from a new master, and its +slave-reconf-* events.
import {
  type Config,
  type NodeId,
  type NodeView,
  type ReplicaSyncStatus,
  replicaSyncStatus,
} from '../../workers/protocol/index.js';

/**
 * Sentinel's `parallel-syncs`, enforced without a coordinator in the loop. Sentinel's leader
 * sends `REPLICAOF` to at most N replicas at a time (`sentinelFailoverReconfNextSlave`); here
 * every replica's own agent repoints its node (reconciliation), so each agent decides for its own
 * node from what it sees of all of them, by one rule that every agent applies alike:
 *
 * - the replicas still to be moved (`waiting`, `replicaSyncStatus`) queue in node-id order;
 * - a replica that replicates the new master with its link not yet up is `syncing` and holds a
 *   slot until its link is up (`done`: Sentinel's `SRI_RECONF_SENT|INPROG` until `DONE`);
 * - no replica starts before its agent has seen the new master up as master (Sentinel's leader
 *   starts reconfiguring the replicas at `+promoted-slave`): until then it knows nothing of
 *   where the others stand in this round;
 * - a waiting replica may start when it is among the first `parallelSyncs − syncing` waiting;
 * - `failoverTimeoutMs` after this agent first saw the new master up as master (Sentinel's
 *   `+promoted-slave`, where its reconfiguration phase starts), every replica still waiting goes
 *   at once: Sentinel's `sentinelFailoverDetectEnd`, which on timeout sends `REPLICAOF` to every
 *   replica not yet reconfigured. The same moment frees the slot of a replica stuck syncing: a
 *   per-replica timeout of the same length would run from its `REPLICAOF`, never earlier than
 *   the phase start, so it would never fire first (Sentinel's own per-replica timeout,
 *   `-slave-reconf-sent-timeout`, is a fixed 10 s).
 *
 * Why it holds with stale views: a view lags behind, it never runs ahead. A replica that has
 * started but still looks `waiting` to another agent keeps its place at the head of the queue
 * there, so it still takes a slot; one that finished but looks `syncing` only delays the next.
 * A node that answers but whose role is not known yet (no INFO since a restart) holds everyone
 * back until it is. A replica this agent cannot reach holds a slot unless last seen done
 * (`unreachedReplica`): it may be syncing unseen. What breaks the bound is the timeout, on purpose.
 */
export interface SyncTurns {
  /** The master the replicas move to; a new master starts a new round. */
  readonly master: NodeId;
  /** The epoch that named it (the latest at that master). */
  readonly epoch: number;
  /** When this agent first saw the master up as master (after a restart: again); null before. */
  readonly startedAtMs: number | null;
  /** Local nodes this agent repointed to the master, and how far they got (the events' state). */
  readonly local: Readonly<Record<NodeId, LocalReconf>>;
}

/** Sentinel's `SRI_RECONF_SENT`, `SRI_RECONF_INPROG`, `SRI_RECONF_DONE`. */
export type LocalReconf = 'sent' | 'inprog' | 'done';

export interface ReconfEvent {
  readonly node: NodeId;
  readonly name: '+slave-reconf-inprog' | '+slave-reconf-done';
  readonly reason: string;
}

/**
 * Follow the round of `config`'s master: a new one when the master changes, its clock started
 * when the master is first seen up as master, and the local nodes this agent repointed moved
 * along sent → inprog → done, returning Sentinel's events for each move (inprog before done, both when
 * one look finds the sync already over).
 */
export function trackSyncTurns(
  turns: SyncTurns | null,
  config: Config | null,
  views: Readonly<Record<NodeId, NodeView>>,
  nowMs: number,
): { readonly turns: SyncTurns | null; readonly events: readonly ReconfEvent[] } {
  if (config === null) return { turns: null, events: [] };
  const master = config.master;
  const current: SyncTurns =
    turns !== null && turns.master === master
      ? { ...turns, epoch: Math.max(turns.epoch, config.epoch) }
      : { master, epoch: config.epoch, startedAtMs: null, local: {} };
  const masterView = views[master];
  const masterUp = masterView !== undefined && !masterView.sdown && masterView.role === 'master';
  const startedAtMs = current.startedAtMs ?? (masterUp ? nowMs : null);
  const events: ReconfEvent[] = [];
  const local: Record<NodeId, LocalReconf> = { ...current.local };
  for (const node of sortedKeys(local)) {
    const view = views[node];
    const status = view === undefined ? 'outside' : replicaSyncStatus(view, master);
    const was = local[node];
    if (was === 'sent' && (status === 'syncing' || status === 'done')) {
      local[node] = 'inprog';
      events.push({ node, name: '+slave-reconf-inprog', reason: `${node} replicates ${master} and syncs` });
    }
    if (local[node] === 'inprog' && status === 'done') {
      local[node] = 'done';
      events.push({ node, name: '+slave-reconf-done', reason: `${node}'s link to ${master} is up: synced` });
    }
  }
  // Most steps move nothing (an event is the only change to `local`): keep the same object, so
  // the state is not copied on every step.
  const unchanged =
    turns !== null &&
    turns.master === master &&
    turns.epoch === current.epoch &&
    turns.startedAtMs === startedAtMs &&
    events.length === 0;
  if (unchanged) return { turns, events };
  return { turns: { ...current, startedAtMs, local }, events };
}

/** This agent repointed `node` to the round's master: Sentinel's `+slave-reconf-sent`. */
export function markReconfSent(turns: SyncTurns | null, node: NodeId): SyncTurns | null {
  if (turns === null) return null;
  return { ...turns, local: { ...turns.local, [node]: 'sent' } };
}

export interface SyncTurnDecision {
  readonly mayStart: boolean;
  readonly reason: string;
}

export interface SyncLimits {
  readonly parallelSyncs: number;
  readonly failoverTimeoutMs: number;
}

/**
 * Whether local replica `node` may be repointed to the round's master now (see `SyncTurns`).
 * Pure: the same turns, views and time give the same answer.
 */
export function syncTurn(
  turns: SyncTurns,
  views: Readonly<Record<NodeId, NodeView>>,
  node: NodeId,
  limits: SyncLimits,
  nowMs: number,
  /** Nodes that answered again and whose INFO this agent has not read since (`infoOutdated`). */
  outdated: readonly NodeId[] = [],
): SyncTurnDecision {
  const { master } = turns;
  const { parallelSyncs, failoverTimeoutMs } = limits;
  const own = views[node];
  if (own === undefined || replicaSyncStatus(own, master) !== 'waiting') {
    return { mayStart: true, reason: `${node} is not waiting for a sync from ${master}` };
  }
  if (turns.startedAtMs === null) {
    return { mayStart: false, reason: `${node} waits until ${master} is seen up as master` };
  }
  if (nowMs - turns.startedAtMs >= failoverTimeoutMs) {
    return {
      mayStart: true,
      reason: `the failover timeout (${failoverTimeoutMs} ms) passed since ${master} was seen master: every waiting replica goes`,
    };
  }
  const nodes = sortedKeys(views);
  const status = (n: NodeId): ReplicaSyncStatus => {
    const view = views[n];
    if (view === undefined) return 'outside';
    return unreachedReplica(view, turns) ? 'syncing' : replicaSyncStatus(view, master);
  };
  // A node that answers but whose INFO this agent has not read yet (just after a restart), or not
  // since it answered again (its INFO may be from before a partition: seed 5277 saw an old master's
  // role and counted it out), may be syncing: wait until it is known, or down, rather than count it out.
  const unknown = nodes.filter((n) => {
    const view = views[n];
    if (n === master || view === undefined || view.sdown) return false;
    return view.role === 'unknown' || outdated.includes(n);
  });
  if (unknown.length > 0) {
    return {
      mayStart: false,
      reason: `${node} waits its turn to sync from ${master}: the role of ${unknown.join(', ')} is not known yet`,
    };
  }
  const syncing = nodes.filter((n) => status(n) === 'syncing');
  const waiting = nodes.filter((n) => status(n) === 'waiting');
  const free = parallelSyncs - syncing.length;
  const place = waiting.indexOf(node);
  const busy = syncing.length === 0 ? 'none syncing' : `${syncing.join(', ')} syncing`;
  if (place < free) {
    return {
      mayStart: true,
      reason: `${node}'s turn to sync from ${master}: ${busy}, parallel-syncs ${parallelSyncs}`,
    };
  }
  const ahead = waiting.slice(0, place);
  return {
    mayStart: false,
    reason: `${node} waits its turn to sync from ${master}: ${busy}${ahead.length > 0 ? `, ${ahead.join(', ')} ahead` : ''}, parallel-syncs ${parallelSyncs}`,
  };
}

/**
 * A replica this agent cannot reach, not last seen done: cut from this agent is not cut from its
 * own agent and the master, so it may be syncing unseen, whatever it was last seen doing (the
 * simulation found one cut while syncing, one cut while still on the old master, and one cut
 * 34 ms before this agent learned of the round, each moved by its own agent). It holds a slot
 * until the round's timeout, as Sentinel counts a reconfiguration in progress whether or not it
 * still reaches the replica. The price: a replica that is really down delays the others' resyncs
 * by up to the failover timeout, where Sentinel's leader, knowing it sent it nothing, skips it.
 */
function unreachedReplica(view: NodeView, turns: SyncTurns): boolean {
  if (!view.sdown || view.node === turns.master || view.role !== 'replica') return false;
  return !(view.masterNode === turns.master && view.linkUp);
}

/** The record's keys, sorted; most records here have a key or none, which need no sort. */
function sortedKeys(record: Readonly<Record<string, unknown>>): string[] {
  const keys = Object.keys(record);
  return keys.length < 2 ? keys : keys.sort();
}
