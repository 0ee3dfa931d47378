// The agent core's step function: one input in, the new state and the effects to carry out out.
import {
  type ConfigPush,
  compareConfigs,
  majority,
  type VoterMessage,
} from '../../workers/protocol/index.js';
import {
  detectStall,
  expireProbes,
  localMasterSilent,
  requestInfo,
  scheduleGrantRequests,
  scheduleInfo,
  scheduleLeasePings,
  scheduleProbes,
} from './agent-schedule.js';
import { settle } from './agent-settle.js';
import {
  type AgentState,
  allNodes,
  isLocal,
  peerNodes,
  persistedOf,
  withNode,
  withVoter,
} from './agent-state.js';
import { computeView, computeViews, viewList, writableLocalNode } from './agent-views.js';
import { adoptAnnounced } from './announced.js';
import {
  dropGrants,
  grantVerdict,
  heldAt,
  holdEnd,
  holdHorizon,
  membershipOf,
  onPeerAnswer,
} from './failsafe.js';
import {
  onEpochNotice,
  onLeasePong,
  onPingSent,
  onVoterConfig,
  onVoterDisconnected,
  renewalVerdict,
} from './lease.js';
import {
  andThen,
  broadcast,
  commandResultMessage,
  connectedCount,
  helloMessage,
  noop,
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
  const handled = handle(state, input, nowMs);
  const settled = andThen(
    andThen(handled.step, (s) => settle(s, nowMs)),
    (s) => announceMaster(state, s),
  );
  assertNoStaleExecute(settled);
  assertHoldKept(settled, nowMs);
  const reason = [handled.reason, ...settled.notes].join('; ');
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

interface Handled {
  readonly step: Step;
  readonly reason: string;
}

const handled = (state: AgentState, reason: string, effects: readonly AgentEffect[] = []): Handled => ({
  step: { state, effects, notes: [] },
  reason,
});

function validVoter(state: AgentState, voter: number): boolean {
  return Number.isInteger(voter) && voter >= 0 && voter < state.voters.length;
}

function handle(state: AgentState, input: AgentInput, nowMs: number): Handled {
  switch (input.kind) {
    case 'tick':
      return onTick(state, nowMs);
    case 'probe-result': {
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

/**
 * A peer master's agent asks for a grant. A grant is a promise that must outlive a crash of this
 * agent, so a hold beyond the persisted horizon makes the step a persisting one: the shell writes
 * the state file before it sends the reply.
 */
function onGrantRequest(
  state: AgentState,
  input: AgentInput & { kind: 'grant-request' },
  nowMs: number,
): Handled {
  const { settings } = state;
  const verdict = grantVerdict(input, {
    failsafe: settings.failsafe,
    fencing: settings.fencing,
    localNodes: settings.localNodes,
    peerNodes: peerNodes(settings),
    membership: membershipOf(allNodes(settings)),
    masterDownAndVotersReachable:
      computeView(state, input.master, nowMs).sdown && connectedCount(state) >= majority(settings.voters),
    config: state.config,
    writableLocal: writableLocalNode(state, nowMs),
    capMs: settings.leaseMs,
  });
  const reply: AgentEffect = {
    kind: 'grant-reply',
    to: input.from,
    requestId: input.requestId,
    granted: verdict.granted,
    durationMs: verdict.durationMs,
    reason: verdict.reason,
  };
  const what = `grant request of the agent of ${input.from} (epoch ${input.epoch}, ${input.durationMs} ms)`;
  if (!verdict.granted || verdict.durationMs === 0) {
    return handled(state, `${what}: ${verdict.granted ? 'would grant' : 'refused'}: ${verdict.reason}`, [
      reply,
    ]);
  }
  const { failsafe } = state;
  const untilMs = holdEnd(nowMs, verdict.durationMs, settings.clockDriftRatio);
  let next: AgentState = {
    ...state,
    failsafe: {
      ...failsafe,
      holdUntilMs: Math.max(failsafe.holdUntilMs ?? untilMs, untilMs),
      holdFor: input.from,
    },
  };
  const persist = failsafe.persistedHoldUntilMs === null || untilMs > failsafe.persistedHoldUntilMs;
  if (persist) {
    const horizon = holdHorizon(nowMs, untilMs, verdict.durationMs, settings.clockDriftRatio);
    next = { ...next, failsafe: { ...next.failsafe, persistedHoldUntilMs: horizon } };
  }
  const step: Step = { state: next, effects: [reply], notes: [], ...(persist ? { persist: true } : {}) };
  return { step, reason: `${what}: granted until ${untilMs}: ${verdict.reason}` };
}

/** A peer answered this agent's grant request; it counts only for the config it was asked for. */
function onGrantReply(
  state: AgentState,
  input: AgentInput & { kind: 'grant-reply' },
  nowMs: number,
): Handled {
  const peer = state.failsafe.peers[input.from];
  if (peer === undefined) return handled(state, `grant reply from unknown node ${input.from} ignored`);
  const { config, settings } = state;
  const current =
    config !== null &&
    config.epoch === input.epoch &&
    config.master === input.master &&
    isLocal(settings, config.master);
  const answered = onPeerAnswer(peer, input, nowMs, { current, clockDriftRatio: settings.clockDriftRatio });
  const next = {
    ...state,
    failsafe: { ...state.failsafe, peers: { ...state.failsafe.peers, [input.from]: answered } },
  };
  const verdict = input.granted ? (input.durationMs > 0 ? 'granted' : 'would grant') : 'refused';
  return handled(
    next,
    `the agent of ${input.from} ${verdict}${current ? '' : ' (for a config no longer held)'}: ${input.reason}`,
  );
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

/**
 * A config push. A newer config makes the step a persisting one (the shell writes the state file
 * before the execute that follows from it), then is reconciled in `settle`; an older one only updates what
 * this voter is known to hold, which matters for the lease, never for reconciliation.
 */
function onConfigPush(state: AgentState, voter: number, message: ConfigPush, nowMs: number): Handled {
  const link = state.voters[voter];
  if (link === undefined) return handled(state, `unknown voter ${voter} ignored`);
  const { config } = message;
  let next = withVoter(state, voter, { ...link, lease: onVoterConfig(link.lease, config) });
  const newer =
    config.epoch >= state.highestEpoch && (state.config === null || compareConfigs(config, state.config) > 0);
  let reason = `voter ${voter} holds epoch ${config.epoch} (${config.state}, master ${config.master})`;
  if (newer) {
    const highestEpoch = Math.max(state.highestEpoch, config.epoch);
    // Grants were asked for the old config's epoch and master: they do not carry over.
    if (state.config?.epoch !== config.epoch || state.config?.master !== config.master) {
      next = { ...next, failsafe: dropGrants(next.failsafe) };
    }
    next = { ...next, config, highestEpoch };
    next = clearReboots(next, config.epoch);
    reason += '; it is the newest config seen: persisted, then reconciled';
  } else if (config.epoch < state.highestEpoch) {
    reason += `; below epoch ${state.highestEpoch}, ignored for reconciliation`;
  }
  const handledPush: Step = { state: next, effects: [], notes: [], ...(newer ? { persist: true } : {}) };
  const step = andThen(handledPush, (s) => pingIfRenewing(s, voter, nowMs));
  return { step, reason };
}

/** A voter that now names our node master can renew the lease: ask it at once rather than at the next tick. */
function pingIfRenewing(state: AgentState, voter: number, nowMs: number): Step {
  const link = state.voters[voter];
  if (link === undefined || !link.connected || link.lease.pingSentAtMs !== null) return noop(state);
  if (!renewalVerdict(link.lease, state.config, state.settings.localNodes).counts) return noop(state);
  if (localMasterSilent(state, nowMs)) return noop(state);
  const next = withVoter(state, voter, { ...link, lease: onPingSent(link.lease, nowMs) });
  return { state: next, effects: [{ kind: 'lease-ping', voter }], notes: [] };
}

function clearReboots(state: AgentState, epoch: number): AgentState {
  let next = state;
  for (const node of allNodes(state.settings)) {
    const ns = next.nodes[node];
    if (ns?.rebootedAtEpoch !== null && ns?.rebootedAtEpoch !== undefined && epoch > ns.rebootedAtEpoch) {
      next = withNode(next, node, { ...ns, rebootedAtEpoch: null });
    }
  }
  return next;
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
