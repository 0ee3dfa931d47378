// The agent core's step function: one input in; the new state, what to persist and the effects out.
import type { VoterMessage } from '../../workers/protocol/index.js';
import { onConfigPush } from './agent-config-push.js';
import { onGrantReply, onGrantRequest } from './agent-grants.js';
import {
  detectStall,
  expireProbes,
  requestInfo,
  scheduleGrantRequests,
  scheduleInfo,
  scheduleLeasePings,
  scheduleProbes,
} from './agent-schedule.js';
import { settle } from './agent-settle.js';
import { type AgentState, allNodes, persistedOf, withNode, withVoter } from './agent-state.js';
import { computeViews, viewList } from './agent-views.js';
import { adoptAnnounced } from './announced.js';
import { heldAt } from './failsafe.js';
import { onEpochNotice, onLeasePong, onVoterDisconnected } from './lease.js';
import {
  andThen,
  broadcast,
  commandResultMessage,
  type Handled,
  handled,
  helloMessage,
  observationMessage,
  type Step,
} from './outbox.js';
import { detectReboot } from './reboot.js';
import { isValidReply, onProbeResult } from './sdown.js';
import { announceMaster } from './sentinel-view.js';
import type { AgentEffect, AgentInput, AgentResult, NodeInfo } from './types.js';

/**
 * Apply one input. The shell writes `persist` (when not null) before it carries out any effect,
 * then the effects in list order; if the write fails, only the local ones (`AgentResult`).
 */
export function stepAgent(state: AgentState, input: AgentInput, nowMs: number): AgentResult<AgentState> {
  const first = handle(state, input, nowMs);
  const settled = andThen(
    andThen(first.step, (s) => settle(s, nowMs)),
    (s) => announceMaster(state, s),
  );
  assertNoStaleExecute(settled);
  assertHoldKept(settled, nowMs);
  const reason = [first.reason, ...settled.notes].join('; ');
  const persist = settled.persist === true ? persistedOf(settled.state) : null;
  return { state: settled.state, persist, effects: settled.effects, reason };
}

/** Invariant 4: an agent never executes a command whose epoch is below the highest it has seen. */
function assertNoStaleExecute(step: Step): void {
  for (const effect of step.effects) {
    if (effect.kind === 'execute' && effect.epoch < step.state.highestEpoch) {
      throw new Error(`invariant broken: execute at epoch ${effect.epoch} below ${step.state.highestEpoch}`);
    }
  }
}

/** A grant given is a promise: no promotion and no unfence of a local node while it holds. */
function assertHoldKept(step: Step, nowMs: number): void {
  if (!heldAt(step.state.failsafe, nowMs)) return;
  for (const effect of step.effects) {
    const unfence =
      effect.kind === 'fence' && (effect.writableUntilMs === null || effect.writableUntilMs > nowMs);
    const promote = effect.kind === 'execute' && effect.action.kind === 'promote';
    if (unfence || promote) {
      throw new Error(`invariant broken: ${effect.kind} of ${effect.node} during a grant's hold`);
    }
  }
}

function validVoter(state: AgentState, voter: number): boolean {
  return Number.isInteger(voter) && voter >= 0 && voter < state.voters.length;
}

function handle(state: AgentState, input: AgentInput, nowMs: number): Handled {
  switch (input.kind) {
    case 'tick':
      return onTick(state, nowMs);
    case 'probe-result':
      return onProbe(state, input, nowMs);
    case 'info-result':
      return onInfoResult(state, input.node, input.info, nowMs);
    case 'voter-connected':
      return onVoterConnected(state, input.voter, nowMs);
    case 'voter-disconnected': {
      const link = state.voters[input.voter];
      if (link === undefined) return handled(state, `unknown voter ${input.voter} ignored`);
      const next = withVoter(state, input.voter, {
        connected: false,
        lease: onVoterDisconnected(link.lease),
        observe: null,
      });
      return handled(next, `voter ${input.voter} disconnected`);
    }
    case 'voter-message':
      if (!validVoter(state, input.voter))
        return handled(state, `message from unknown voter ${input.voter} ignored`);
      return onVoterMessage(state, input.voter, input.message, nowMs);
    case 'lease-pong': {
      const link = state.voters[input.voter];
      if (link === undefined) return handled(state, `lease pong from unknown voter ${input.voter} ignored`);
      const pong = onLeasePong(
        link.lease,
        input.pingSentAtMs,
        nowMs,
        state.config,
        state.settings.localNodes,
      );
      const next = withVoter(state, input.voter, { ...link, lease: pong.lease });
      return handled(
        next,
        `lease pong from voter ${input.voter} ${pong.renewed ? 'renews' : 'does not renew'}: ${pong.reason}`,
      );
    }
    case 'action-result':
      return onActionResult(state, input, nowMs);
    case 'grant-request':
      return onGrantRequest(state, input, nowMs);
    case 'grant-reply':
      return onGrantReply(state, input, nowMs);
    case 'fence-inherited': {
      if (!state.settings.localNodes.includes(input.node)) {
        return handled(state, `inherited fence of ${input.node}, not a local node, ignored`);
      }
      const next = { ...state, inherited: { ...state.inherited, [input.node]: input.writableUntilMs } };
      return handled(
        next,
        `${input.node} may write until ${input.writableUntilMs}, as the previous process left it`,
      );
    }
  }
}

function onProbe(state: AgentState, input: AgentInput & { kind: 'probe-result' }, nowMs: number): Handled {
  const ns = state.nodes[input.node];
  if (ns === undefined) return handled(state, `probe result for unknown node ${input.node} ignored`);
  const result = onProbeResult(ns.detector, input.sentAtMs, input.outcome, nowMs);
  if (result.stale) return handled(state, `stale probe result for ${input.node} ignored`);
  const next = withNode(state, input.node, { ...ns, detector: result.detector });
  // A node answering again after failures may have restarted empty: read INFO at once, since
  // its replicas resync within about a second and a wiped dataset cannot be taken back.
  const failed = ns.detector.lastFailedSentMs;
  if (isValidReply(input.outcome) && failed !== null && failed >= ns.detector.lastValidReplyMs) {
    const info = requestInfo(next, [input.node], nowMs);
    return handled(info.state, `${input.node} answers again: INFO requested`, info.effects);
  }
  return handled(next, `probe of ${input.node}: ${input.outcome}`);
}

function onTick(state: AgentState, nowMs: number): Handled {
  let step = detectStall(state, nowMs);
  step = andThen(step, (s) => expireProbes(s, nowMs));
  step = andThen(step, (s) => scheduleProbes(s, nowMs));
  step = andThen(step, (s) => scheduleInfo(s, nowMs));
  step = andThen(step, (s) => scheduleLeasePings(s, nowMs));
  step = andThen(step, (s) => scheduleGrantRequests(s, nowMs));
  return { step: { ...step, notes: [] }, reason: ['tick', ...step.notes].join('; ') };
}

function onInfoResult(state: AgentState, node: string, info: NodeInfo | null, nowMs: number): Handled {
  const ns = state.nodes[node];
  if (ns === undefined) return handled(state, `INFO for unknown node ${node} ignored`);
  // Any answer, even a failure, counts as "in" for a pending observe: the reply uses what is known.
  const voters = state.voters.map((link) =>
    link.observe === null
      ? link
      : {
          ...link,
          observe: { ...link.observe, waitingFor: link.observe.waitingFor.filter((n) => n !== node) },
        },
  );
  const base: AgentState = { ...state, voters };
  if (info === null) return handled(base, `INFO of ${node} failed; keeping the previous one`);
  const reboot = detectReboot(ns.info, info);
  const rebootedAtEpoch = reboot.rebooted ? state.highestEpoch : ns.rebootedAtEpoch;
  const next = withNode(base, node, {
    ...ns,
    info,
    rebootedAtEpoch,
    lastInfoRequestMs: ns.lastInfoRequestMs ?? nowMs,
  });
  return handled(next, `INFO of ${node}: role ${info.role}${reboot.rebooted ? `; ${reboot.reason}` : ''}`);
}

function onVoterConnected(state: AgentState, voter: number, nowMs: number): Handled {
  const link = state.voters[voter];
  if (link === undefined) return handled(state, `unknown voter ${voter} ignored`);
  // Report pending changes to the voters already connected first, so the new one's first message is hello.
  const before = settle(state, nowMs);
  const lease = link.connected ? onVoterDisconnected(link.lease) : link.lease;
  const connected = withVoter(before.state, voter, { connected: true, lease, observe: null });
  const seq = connected.seq + 1;
  const views = viewList(computeViews(connected, nowMs), allNodes(state.settings));
  const effects: AgentEffect[] = [
    ...before.effects,
    { kind: 'send', voter, message: helloMessage(connected) },
    { kind: 'send', voter, message: observationMessage(connected, seq, views, null) },
  ];
  return {
    step: { state: { ...connected, seq }, effects, notes: before.notes },
    reason: `voter ${voter} connected: hello and a full observation`,
  };
}

function onVoterMessage(state: AgentState, voter: number, message: VoterMessage, nowMs: number): Handled {
  if (message.group !== state.settings.group) {
    return handled(
      state,
      `message for group ${message.group} ignored: this agent serves ${state.settings.group}`,
    );
  }
  switch (message.kind) {
    case 'config':
      return onConfigPush(state, voter, message, nowMs);
    case 'epoch': {
      const link = state.voters[voter];
      if (link === undefined) return handled(state, `unknown voter ${voter} ignored`);
      const next = withVoter(state, voter, { ...link, lease: onEpochNotice(link.lease, message.epoch) });
      return handled(next, `voter ${voter} promised epoch ${message.epoch}`);
    }
    case 'observe': {
      const link = state.voters[voter];
      if (link === undefined) return handled(state, `unknown voter ${voter} ignored`);
      // Fresh INFO of every node we can reach; one already seen down would only hold the answer
      // back until its probe timeout, past the leader's wait, and cost the failover every replica.
      const views = computeViews(state, nowMs);
      const nodes = allNodes(state.settings).filter((node) => views[node]?.sdown !== true);
      const observe = { requestId: message.requestId, askedAtMs: nowMs, waitingFor: nodes };
      const step = requestInfo(withVoter(state, voter, { ...link, observe }), nodes, nowMs);
      return { step, reason: `voter ${voter} asked for a fresh observation (${message.requestId})` };
    }
    case 'error':
      return handled(state, `voter ${voter} refused a message: ${message.error}`);
    case 'settings': {
      const adopted = adoptAnnounced(state, message.settings);
      return handled(adopted.state, `voter ${voter}: ${adopted.reason}`);
    }
  }
}

function onActionResult(
  state: AgentState,
  input: AgentInput & { kind: 'action-result' },
  nowMs: number,
): Handled {
  const ns = state.nodes[input.node];
  if (ns === undefined) return handled(state, `action result for unknown node ${input.node} ignored`);
  const flying = ns.inFlight;
  let next = state;
  if (flying !== null && flying.epoch === input.epoch && flying.action.kind === input.action.kind) {
    // Success waits for INFO to confirm (or the usual retry time); a failure retries after one probe interval.
    const retryAtMs = input.ok ? flying.retryAtMs : nowMs + state.settings.probeIntervalMs;
    next = withNode(next, input.node, { ...ns, inFlight: { ...flying, retryAtMs } });
  }
  const message = commandResultMessage(next, {
    node: input.node,
    epoch: input.epoch,
    action: input.action.kind,
    ok: input.ok,
    detail: input.detail,
  });
  const sends = broadcast(next, message);
  const info = requestInfo(next, [input.node], nowMs);
  const step: Step = { state: info.state, effects: [...sends, ...info.effects], notes: [] };
  return {
    step,
    reason: `${input.action.kind} of ${input.node} at epoch ${input.epoch} ${input.ok ? 'succeeded' : `failed: ${input.detail}`}`,
  };
}
