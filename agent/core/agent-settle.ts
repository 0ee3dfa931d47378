// After every input: report view changes, update fences, reconcile local nodes, answer observe requests.
import type { NodeId, NodeView } from '../../workers/protocol/index.js';
import { instancePayload } from '../../workers/protocol/index.js';
import {
  type AgentState,
  allNodes,
  isLocal,
  type NodeState,
  sortedLocalNodes,
  withNode,
  withVoter,
} from './agent-state.js';
import {
  bestReplicaFor,
  computeViews,
  currentFence,
  expectsMaster,
  sdownRuleOf,
  viewChanged,
  viewList,
} from './agent-views.js';
import { heldAt, holdReason } from './failsafe.js';
import { observationMessage } from './messages.js';
import { type AgentOut, broadcastVoters, effect, note } from './out.js';
import { markReconfSent, syncTurn, trackSyncTurns } from './parallel-syncs.js';
import { reconcile } from './reconcile.js';
import { clearMasterReboot, observeRole, sdownVerdict } from './sdown.js';
import { SENTINEL_DEFAULTS } from './sentinel-view.js';
import type { NodeAction } from './types.js';

export function settle(state: AgentState, nowMs: number, out: AgentOut): AgentState {
  let next = trackRoles(state, nowMs);
  // What the parts below change (what was reported, fences sent, sync turns, commands in flight)
  // is never what a view is computed from, so one computation serves them all: views are most of
  // a step's cost, and every probe result and tick settles.
  const views = computeViews(next, nowMs);
  next = reportViews(next, views, nowMs, out);
  next = updateFences(next, nowMs, out);
  next = followSyncTurns(next, views, nowMs, out);
  next = reconcileLocalNodes(next, views, nowMs, out);
  next = answerObserves(next, views, nowMs, out);
  return next;
}

function trackRoles(state: AgentState, nowMs: number): AgentState {
  let next = state;
  for (const node of allNodes(state.settings)) {
    const ns = next.nodes[node];
    if (ns === undefined) continue;
    const role = ns.info?.role ?? 'unknown';
    const expectMaster = expectsMaster(state.config, node);
    const observed = observeRole(ns.detector, nowMs, { expectMaster, role });
    // Sentinel's master_reboot belongs to its master instance: a failover away from it ends it.
    const detector = expectMaster ? observed : clearMasterReboot(observed);
    if (detector !== ns.detector) next = withNode(next, node, { ...ns, detector });
  }
  return next;
}

/**
 * Sentinel's instance payload (`master <group> <ip> <port>`, or `slave <ip:port> <ip> <port> @
 * <group> <master-ip> <master-port>`), which subscribers parse.
 */
function instanceName(state: AgentState, node: NodeId): string {
  const master = state.config?.master;
  const group = state.settings.group;
  if (master === node) return instancePayload('master', group, node);
  return instancePayload('slave', node, node, master === undefined ? undefined : { group, node: master });
}

/** The events of one node's view change: `±sdown`, `+reboot`, and `±fenced` of a local node. */
function viewEvents(
  state: AgentState,
  before: NodeView | undefined,
  after: NodeView,
  nowMs: number,
  out: AgentOut,
): void {
  const payload = instanceName(state, after.node);
  if ((before?.sdown ?? false) !== after.sdown) {
    const ns = state.nodes[after.node];
    const reason =
      ns === undefined
        ? 'unknown node'
        : sdownVerdict(ns.detector, nowMs, sdownRuleOf(state, after.node, after.role)).reason;
    effect(out, { kind: 'event', name: after.sdown ? '+sdown' : '-sdown', payload, reason });
  }
  if (!(before?.rebooted ?? false) && after.rebooted) {
    const reason = 'the node restarted with a new run id and an empty or much smaller dataset';
    effect(out, { kind: 'event', name: '+reboot', payload, reason });
  }
  if ((before?.fenced ?? false) !== after.fenced && isLocal(state.settings, after.node)) {
    const reason = currentFence(state, after.node, nowMs).reason;
    effect(out, { kind: 'event', name: after.fenced ? '+fenced' : '-fenced', payload, reason });
  }
}

/** Observations carry changes, not heartbeats: sent only when a meaningful field moved. */
function reportViews(
  state: AgentState,
  views: Readonly<Record<NodeId, NodeView>>,
  nowMs: number,
  out: AgentOut,
): AgentState {
  const nodes = allNodes(state.settings);
  const changed: NodeId[] = [];
  for (const node of nodes) {
    const after = views[node];
    if (after === undefined) continue;
    const before = state.reported?.[node];
    if (state.reported !== null && !viewChanged(before, after)) continue;
    changed.push(node);
    viewEvents(state, before, after, nowMs, out);
  }
  if (state.reported !== null && changed.length === 0) return state;
  const seq = state.seq + 1;
  broadcastVoters(out, state, observationMessage(state, seq, viewList(views, nodes), null));
  if (state.reported !== null) note(out, `view of ${changed.join(', ')} changed`);
  return { ...state, seq, reported: views };
}

function updateFences(state: AgentState, nowMs: number, out: AgentOut): AgentState {
  let next = state;
  for (const node of state.settings.localNodes) {
    const ns = next.nodes[node];
    if (ns === undefined) continue;
    const decision = currentFence(next, node, nowMs);
    const runId = fenceRunId(ns);
    if (
      ns.fenceSent !== undefined &&
      ns.fenceSent.writableUntilMs === decision.writableUntilMs &&
      ns.fenceSent.runId === runId
    ) {
      continue;
    }
    // Renewals move the deadline constantly; only a change between fenced/unfenced is worth a note.
    if (
      ns.fenceSent === undefined ||
      (ns.fenceSent.writableUntilMs === null) !== (decision.writableUntilMs === null)
    ) {
      note(out, `fence of ${node}: ${decision.reason}`);
    }
    effect(out, { kind: 'fence', node, writableUntilMs: decision.writableUntilMs, runId });
    next = withNode(next, node, { ...ns, fenceSent: { writableUntilMs: decision.writableUntilMs, runId } });
  }
  return next;
}

/**
 * The Redis process a fence decision is about: the run id of the last INFO whose dataset was
 * judged (while a restart waits to be judged, the process before it). The fence owner refuses
 * writes on any other process, so a node restarted empty that its connection reaches before the
 * agent read it never takes a write on the strength of a lease given to the process before it.
 */
export function fenceRunId(ns: NodeState): string | null {
  const judged = ns.rebootBaseline ?? ns.info;
  return judged === null || judged.runId === '' ? null : judged.runId;
}

/** The round of replicas moving to the configured master, and the local nodes' `+slave-reconf-*` events. */
function followSyncTurns(
  state: AgentState,
  views: Readonly<Record<NodeId, NodeView>>,
  nowMs: number,
  out: AgentOut,
): AgentState {
  const { turns, events } = trackSyncTurns(state.syncTurns, state.config, views, nowMs);
  for (const e of events) {
    effect(out, { kind: 'event', name: e.name, payload: instanceName(state, e.node), reason: e.reason });
    note(out, `${e.name} ${e.node}`);
  }
  return turns === state.syncTurns ? state : { ...state, syncTurns: turns };
}

/**
 * Why a local replica must wait before it is repointed (parallel-syncs.ts), or null when it may
 * go. The voters' announced limits, or Sentinel's defaults before they speak.
 */
function syncWait(
  state: AgentState,
  views: Readonly<Record<NodeId, NodeView>>,
  node: NodeId,
  nowMs: number,
  outdated: readonly NodeId[],
): string | null {
  if (state.syncTurns === null) return null;
  const limits = {
    parallelSyncs: state.announced?.parallelSyncs ?? SENTINEL_DEFAULTS.parallelSyncs,
    failoverTimeoutMs: state.announced?.failoverTimeoutMs ?? SENTINEL_DEFAULTS.failoverTimeoutMs,
  };
  const turn = syncTurn(state.syncTurns, views, node, limits, nowMs, outdated);
  return turn.mayStart ? null : turn.reason;
}

export function sameAction(a: NodeAction, b: NodeAction): boolean {
  switch (a.kind) {
    case 'promote':
      return b.kind === 'promote';
    case 'repoint':
      return b.kind === 'repoint' && b.master === a.master;
    case 'demote':
      return b.kind === 'demote' && b.master === a.master;
    case 'handoff':
      return b.kind === 'handoff' && b.to === a.to && b.timeoutMs === a.timeoutMs;
  }
}

/**
 * Make every local node match the highest config. An action already handed to the shell at
 * the same epoch is not repeated until its retry time: commands are idempotent, but repeating
 * them every step while INFO catches up would only add load.
 */
function reconcileLocalNodes(
  state: AgentState,
  views: Readonly<Record<NodeId, NodeView>>,
  nowMs: number,
  out: AgentOut,
): AgentState {
  let next = state;
  const { config, highestEpoch, settings } = state;
  // Reconciling changes no node's INFO: one look for every local node.
  const outdated = outdatedNodes(state);
  for (const node of sortedLocalNodes(settings)) {
    const ns = next.nodes[node];
    if (ns === undefined) continue;
    const view = views[node];
    if (view === undefined) continue;
    const decision = reconcile(
      config,
      node,
      view,
      highestEpoch,
      settings.handoffTimeoutMs,
      bestReplicaFor(views, allNodes(settings), node, outdated),
      heldAt(next.failsafe, nowMs) ? holdReason(next.failsafe) : null,
      syncWait(next, views, node, nowMs, outdated),
    );
    if (decision.action === null || config === null) {
      if (decision.refused) note(out, decision.reason);
      if (ns.inFlight !== null) next = withNode(next, node, { ...ns, inFlight: null });
      continue;
    }
    const flying = ns.inFlight;
    if (flying !== null && flying.epoch === config.epoch && sameAction(flying.action, decision.action)) {
      if (nowMs < flying.retryAtMs) continue;
    }
    effect(out, { kind: 'execute', node, epoch: config.epoch, action: decision.action });
    if (decision.action.kind === 'repoint' && next.syncTurns?.master === decision.action.master) {
      // Sentinel's +slave-reconf-sent, once per round: a retry of the same command is not news.
      if (next.syncTurns.local[node] === undefined) {
        effect(out, {
          kind: 'event',
          name: '+slave-reconf-sent',
          payload: instanceName(next, node),
          reason: decision.reason,
        });
        next = { ...next, syncTurns: markReconfSent(next.syncTurns, node) };
      }
    }
    if (decision.action.kind === 'demote') {
      effect(out, {
        kind: 'event',
        name: '+convert-to-slave',
        payload: instanceName(next, node),
        reason: decision.reason,
      });
    }
    note(out, `${decision.action.kind} ${node} at epoch ${config.epoch}: ${decision.reason}`);
    // A hand-off legitimately runs for its whole FAILOVER timeout: do not repeat it meanwhile.
    const extraMs = decision.action.kind === 'handoff' ? decision.action.timeoutMs : 0;
    const retryAtMs = nowMs + settings.probeTimeoutMs * 4 + extraMs;
    const inFlight = { epoch: config.epoch, action: decision.action, retryAtMs };
    next = withNode(next, node, { ...ns, inFlight });
  }
  return next;
}

/** Answer an `observe` once INFO of every node is back, or after probeTimeoutMs with what is known. */
function answerObserves(
  state: AgentState,
  views: Readonly<Record<NodeId, NodeView>>,
  nowMs: number,
  out: AgentOut,
): AgentState {
  let next = state;
  state.voters.forEach((link, voter) => {
    const pending = link.observe;
    if (pending === null) return;
    const complete = pending.waitingFor.length === 0;
    if (!complete && nowMs - pending.askedAtMs < state.settings.probeTimeoutMs) return;
    next = withVoter(next, voter, { ...link, observe: null });
    if (!link.connected) return;
    const seq = next.seq + 1;
    const list = viewList(views, allNodes(state.settings));
    effect(out, { kind: 'send', voter, message: observationMessage(next, seq, list, pending.requestId) });
    next = { ...next, seq };
    note(
      out,
      `answered observe ${pending.requestId} of voter ${voter}${complete ? '' : ' after its timeout'}`,
    );
  });
  return next;
}

/**
 * Nodes that answered again and whose INFO this agent has not read since (`infoOutdated`). Every
 * step settles, and almost never finds one: no array is made for none.
 */
function outdatedNodes(state: AgentState): readonly NodeId[] {
  let found: NodeId[] | null = null;
  for (const node of allNodes(state.settings)) {
    if (state.nodes[node]?.infoOutdated !== true) continue;
    found ??= [];
    found.push(node);
  }
  return found ?? NONE_OUTDATED;
}

const NONE_OUTDATED: readonly NodeId[] = Object.freeze([]);
