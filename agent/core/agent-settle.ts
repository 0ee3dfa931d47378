// After every input: report view changes, update fences, reconcile local nodes, answer observe requests.
import type { NodeId, NodeView } from '../../workers/protocol/index.js';
import { instancePayload } from '../../workers/protocol/index.js';
import { type AgentState, allNodes, isLocal, withNode, withVoter } from './agent-state.js';
import {
  bestReplicaFor,
  computeView,
  computeViews,
  currentFence,
  expectsMaster,
  viewChanged,
  viewList,
} from './agent-views.js';
import { heldAt, holdReason } from './failsafe.js';
import { andThen, broadcast, noop, observationMessage, type Step } from './outbox.js';
import { reconcile } from './reconcile.js';
import { observeRole, sdownVerdict } from './sdown.js';
import type { AgentEffect, NodeAction } from './types.js';

export function settle(state: AgentState, nowMs: number): Step {
  let step = noop(trackRoles(state, nowMs));
  step = andThen(step, (s) => reportViews(s, nowMs));
  step = andThen(step, (s) => updateFences(s, nowMs));
  step = andThen(step, (s) => reconcileLocalNodes(s, nowMs));
  step = andThen(step, (s) => answerObserves(s, nowMs));
  return step;
}

function trackRoles(state: AgentState, nowMs: number): AgentState {
  let next = state;
  for (const node of allNodes(state.settings)) {
    const ns = next.nodes[node];
    if (ns === undefined) continue;
    const role = ns.info?.role ?? 'unknown';
    const detector = observeRole(ns.detector, nowMs, {
      expectMaster: expectsMaster(state.config, node),
      role,
    });
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

function viewEvents(
  state: AgentState,
  before: NodeView | undefined,
  after: NodeView,
  nowMs: number,
): AgentEffect[] {
  const effects: AgentEffect[] = [];
  const payload = instanceName(state, after.node);
  if ((before?.sdown ?? false) !== after.sdown) {
    const ns = state.nodes[after.node];
    const reason =
      ns === undefined
        ? 'unknown node'
        : sdownVerdict(ns.detector, nowMs, {
            downAfterMs: state.settings.downAfterMs,
            expectMaster: expectsMaster(state.config, after.node),
            role: after.role,
            roleGraceMs: state.settings.roleGraceMs,
          }).reason;
    effects.push({ kind: 'event', name: after.sdown ? '+sdown' : '-sdown', payload, reason });
  }
  if (!(before?.rebooted ?? false) && after.rebooted) {
    const reason = 'the node restarted with a new run id and an empty or much smaller dataset';
    effects.push({ kind: 'event', name: '+reboot', payload, reason });
  }
  if ((before?.fenced ?? false) !== after.fenced && isLocal(state.settings, after.node)) {
    const reason = currentFence(state, after.node, nowMs).reason;
    effects.push({ kind: 'event', name: after.fenced ? '+fenced' : '-fenced', payload, reason });
  }
  return effects;
}

/** Observations carry changes, not heartbeats: sent only when a meaningful field moved. */
function reportViews(state: AgentState, nowMs: number): Step {
  const views = computeViews(state, nowMs);
  const nodes = allNodes(state.settings);
  const effects: AgentEffect[] = [];
  const changed: NodeId[] = [];
  for (const node of nodes) {
    const after = views[node];
    if (after === undefined) continue;
    const before = state.reported?.[node];
    if (state.reported !== null && !viewChanged(before, after)) continue;
    changed.push(node);
    effects.push(...viewEvents(state, before, after, nowMs));
  }
  if (state.reported !== null && changed.length === 0) return noop(state);
  const seq = state.seq + 1;
  effects.push(...broadcast(state, observationMessage(state, seq, viewList(views, nodes), null)));
  const notes = state.reported === null ? [] : [`view of ${changed.join(', ')} changed`];
  return { state: { ...state, seq, reported: views }, effects, notes };
}

function updateFences(state: AgentState, nowMs: number): Step {
  let next = state;
  const effects: AgentEffect[] = [];
  const notes: string[] = [];
  for (const node of state.settings.localNodes) {
    const ns = next.nodes[node];
    if (ns === undefined) continue;
    const decision = currentFence(next, node, nowMs);
    if (ns.fenceSent !== undefined && ns.fenceSent.writableUntilMs === decision.writableUntilMs) continue;
    // Renewals move the deadline constantly; only a change between fenced/unfenced is worth a note.
    if (
      ns.fenceSent === undefined ||
      (ns.fenceSent.writableUntilMs === null) !== (decision.writableUntilMs === null)
    ) {
      notes.push(`fence of ${node}: ${decision.reason}`);
    }
    effects.push({ kind: 'fence', node, writableUntilMs: decision.writableUntilMs });
    next = withNode(next, node, { ...ns, fenceSent: { writableUntilMs: decision.writableUntilMs } });
  }
  return { state: next, effects, notes };
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
function reconcileLocalNodes(state: AgentState, nowMs: number): Step {
  let next = state;
  const effects: AgentEffect[] = [];
  const notes: string[] = [];
  const { config, highestEpoch, settings } = state;
  for (const node of [...settings.localNodes].sort()) {
    const ns = next.nodes[node];
    if (ns === undefined) continue;
    const decision = reconcile(
      config,
      node,
      computeView(next, node, nowMs),
      highestEpoch,
      settings.handoffTimeoutMs,
      bestReplicaFor(next, node, nowMs),
      heldAt(next.failsafe, nowMs) ? holdReason(next.failsafe) : null,
    );
    if (decision.action === null || config === null) {
      if (decision.refused) notes.push(decision.reason);
      if (ns.inFlight !== null) next = withNode(next, node, { ...ns, inFlight: null });
      continue;
    }
    const flying = ns.inFlight;
    if (flying !== null && flying.epoch === config.epoch && sameAction(flying.action, decision.action)) {
      if (nowMs < flying.retryAtMs) continue;
    }
    effects.push({ kind: 'execute', node, epoch: config.epoch, action: decision.action });
    if (decision.action.kind === 'demote') {
      effects.push({
        kind: 'event',
        name: '+convert-to-slave',
        payload: instanceName(next, node),
        reason: decision.reason,
      });
    }
    notes.push(`${decision.action.kind} ${node} at epoch ${config.epoch}: ${decision.reason}`);
    // A hand-off legitimately runs for its whole FAILOVER timeout: do not repeat it meanwhile.
    const extraMs = decision.action.kind === 'handoff' ? decision.action.timeoutMs : 0;
    const retryAtMs = nowMs + settings.probeTimeoutMs * 4 + extraMs;
    const inFlight = { epoch: config.epoch, action: decision.action, retryAtMs };
    next = withNode(next, node, { ...ns, inFlight });
  }
  return { state: next, effects, notes };
}

/** Answer an `observe` once INFO of every node is back, or after probeTimeoutMs with what is known. */
function answerObserves(state: AgentState, nowMs: number): Step {
  let next = state;
  const effects: AgentEffect[] = [];
  const notes: string[] = [];
  state.voters.forEach((link, voter) => {
    const pending = link.observe;
    if (pending === null) return;
    const complete = pending.waitingFor.length === 0;
    if (!complete && nowMs - pending.askedAtMs < state.settings.probeTimeoutMs) return;
    next = withVoter(next, voter, { ...link, observe: null });
    if (!link.connected) return;
    const seq = next.seq + 1;
    const views = viewList(computeViews(next, nowMs), allNodes(state.settings));
    effects.push({ kind: 'send', voter, message: observationMessage(next, seq, views, pending.requestId) });
    next = { ...next, seq };
    notes.push(
      `answered observe ${pending.requestId} of voter ${voter}${complete ? '' : ' after its timeout'}`,
    );
  });
  return { state: next, effects, notes };
}
