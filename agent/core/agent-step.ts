// The agent core's step function: one input in; the new state, what to persist and the effects out.
import type { VoterMessage } from '../../workers/protocol/index.js';
import { reasonOf } from '../../workers/protocol/index.js';
import { onConfigPush } from './agent-config-push.js';
import { onGrantReply, onGrantRequest } from './agent-grants.js';
import {
  detectStall,
  expireProbes,
  nextWakeMs,
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
  type NodeState,
  persistedOf,
  withNode,
  withVoter,
} from './agent-state.js';
import { computeViews, currentLeaseValidUntil, expectsMaster, viewList } from './agent-views.js';
import { adoptAnnounced, masterRebootDownAfterMs } from './announced.js';
import { checkAgentStep } from './invariants.js';
import { onEpochNotice, onLeasePong, onVoterDisconnected } from './lease.js';
import { commandResultMessage, helloMessage, observationMessage } from './messages.js';
import { type AgentOut, broadcastVoters, effect, newAgentOut, note } from './out.js';
import { checkRunId, datasetComplete } from './reboot.js';
import { isValidReply, type NodeDetector, onMasterReboot, onProbeResult } from './sdown.js';
import { announceMaster } from './sentinel-view.js';
import type { AgentInput, AgentResult, NodeInfo, ProbeOutcome, WaitedInput } from './types.js';

/**
 * Apply the inputs that waited for this step (`waitsForTick`), each at its arrival time, and this
 * one, then settle (views, fences, reconciliation, observe answers) and announce a
 * changed published master. The shell writes `persist` (when not null) before it carries out any
 * effect, then the effects in list order; if the write fails, only the local ones (`AgentResult`).
 */
export function stepAgent(
  before: AgentState,
  input: AgentInput,
  nowMs: number,
  waited: readonly WaitedInput[] = [],
): AgentResult<AgentState> {
  const out = newAgentOut();
  let state = before;
  for (const early of waited) state = handle(state, early.input, Math.min(early.atMs, nowMs), out);
  state = handle(state, input, nowMs, out);
  state = settle(state, nowMs, out);
  state = announceMaster(before, state, out);
  const broken = checkAgentStep(state, out.effects, nowMs);
  if (broken.length > 0) throw new Error(`invariant broken: ${broken.join('; ')}`);
  const persist = out.persist ? persistedOf(state) : null;
  return {
    state,
    persist,
    effects: out.effects,
    reason: reasonOf(out, input.kind),
    wakeAtMs: nextWakeMs(state, nowMs),
  };
}

function validVoter(state: AgentState, voter: number): boolean {
  return Number.isInteger(voter) && voter >= 0 && voter < state.voters.length;
}

/** Each handler notes why first: that sentence opens the step's reason. */
function handle(state: AgentState, input: AgentInput, nowMs: number, out: AgentOut): AgentState {
  switch (input.kind) {
    case 'tick':
      return onTick(state, nowMs, out);
    case 'probe-result':
      return onProbe(state, input, nowMs, out);
    case 'info-result':
      return onInfoResult(state, input.node, input.info, nowMs, out);
    case 'voter-connected':
      return onVoterConnected(state, input.voter, nowMs, out);
    case 'voter-disconnected': {
      const link = state.voters[input.voter];
      if (link === undefined) {
        note(out, `unknown voter ${input.voter} ignored`);
        return state;
      }
      note(out, `voter ${input.voter} disconnected`);
      return withVoter(state, input.voter, {
        connected: false,
        lease: onVoterDisconnected(link.lease),
        observe: null,
      });
    }
    case 'voter-message':
      if (!validVoter(state, input.voter)) {
        note(out, `message from unknown voter ${input.voter} ignored`);
        return state;
      }
      return onVoterMessage(state, input.voter, input.message, nowMs, out);
    case 'lease-pong': {
      const link = state.voters[input.voter];
      if (link === undefined) {
        note(out, `lease pong from unknown voter ${input.voter} ignored`);
        return state;
      }
      const pong = onLeasePong(
        link.lease,
        input.pingSentAtMs,
        nowMs,
        state.config,
        state.settings.localNodes,
      );
      note(
        out,
        `lease pong from voter ${input.voter} ${pong.renewed ? 'renews' : 'does not renew'}: ${pong.reason}`,
      );
      return withVoter(state, input.voter, { ...link, lease: pong.lease });
    }
    case 'action-result':
      return onActionResult(state, input, nowMs, out);
    case 'grant-request':
      return onGrantRequest(state, input, nowMs, out);
    case 'grant-reply':
      return onGrantReply(state, input, nowMs, out);
    case 'timing':
      return onTiming(state, input, out);
    case 'fence-inherited': {
      if (!state.settings.localNodes.includes(input.node)) {
        note(out, `inherited fence of ${input.node}, not a local node, ignored`);
        return state;
      }
      note(out, `${input.node} may write until ${input.writableUntilMs}, as the previous process left it`);
      return { ...state, inherited: { ...state.inherited, [input.node]: input.writableUntilMs } };
    }
  }
}

/**
 * New probe and INFO periods: the next probe or INFO of each node is due one new period after the
 * last one sent (scheduleProbes, scheduleInfo), so a shorter period applies at the next tick.
 */
function onTiming(
  state: AgentState,
  input: Extract<AgentInput, { kind: 'timing' }>,
  out: AgentOut,
): AgentState {
  const { probeIntervalMs, infoIntervalMs, stallThresholdMs } = input;
  for (const [name, ms] of Object.entries({ probeIntervalMs, infoIntervalMs, stallThresholdMs })) {
    if (!Number.isInteger(ms) || ms <= 0)
      throw new Error(`timing: ${name} must be a positive integer, got ${ms}`);
  }
  note(
    out,
    `timing changed: probes every ${probeIntervalMs} ms (was ${state.settings.probeIntervalMs}), INFO every ${infoIntervalMs} ms (was ${state.settings.infoIntervalMs}), stall over ${stallThresholdMs} ms`,
  );
  return { ...state, settings: { ...state.settings, probeIntervalMs, infoIntervalMs, stallThresholdMs } };
}

function onProbe(
  state: AgentState,
  input: AgentInput & { kind: 'probe-result' },
  nowMs: number,
  out: AgentOut,
): AgentState {
  const ns = state.nodes[input.node];
  if (ns === undefined) {
    note(out, `probe result for unknown node ${input.node} ignored`);
    return state;
  }
  const result = onProbeResult(ns.detector, input.sentAtMs, input.outcome, nowMs);
  if (result.stale) {
    note(out, `stale probe result for ${input.node} ignored`);
    return state;
  }
  const next = withNode(state, input.node, { ...ns, detector: result.detector });
  if (ns.detector.rebootSinceMs !== null && result.detector.rebootSinceMs === null) {
    note(out, `${input.node} answers PONG: its master reboot is over`);
  }
  switch (probeNews(ns, input.outcome)) {
    // A node answering again after failures may have restarted empty: read INFO at once, since
    // its replicas resync within about a second and a wiped dataset cannot be taken back.
    case 'answers-again': {
      note(out, `${input.node} answers again: INFO requested`);
      const outdated = withNode(state, input.node, { ...ns, detector: result.detector, infoOutdated: true });
      return requestInfo(outdated, [input.node], nowMs, out);
    }
    // A restart's dataset waits to be judged until the node answers PONG (reboot.ts): judge it now.
    case 'restart-to-judge':
      note(out, `${input.node} answers PONG after its restart: INFO requested`);
      return requestInfo(next, [input.node], nowMs, out);
    case null:
      note(out, `probe of ${input.node}: ${input.outcome}`);
      return next;
  }
}

/** What a probe result asks for beyond the detector's update; null when nothing. */
function probeNews(ns: NodeState, outcome: ProbeOutcome): 'answers-again' | 'restart-to-judge' | null {
  const failed = ns.detector.lastFailedSentMs;
  if (isValidReply(outcome) && failed !== null && failed >= ns.detector.lastValidReplyMs)
    return 'answers-again';
  if (outcome === 'pong' && ns.rebootBaseline !== null) return 'restart-to-judge';
  return null;
}

/**
 * Whether an input only refreshes what the agent already knows, so the shell may hold it until
 * its next step (the next tick at the latest) and hand it over then (`stepAgent`'s `waited`): a
 * node answering validly as it did last time, and a lease pong while the lease is far from its
 * end. Each is applied at the time it arrived, so no deadline moves; only what follows from it
 * (a fence extended, a view reported) happens up to one tick later, and nothing does but an
 * extension (the lease is counted from the ping's send time) or a freshness the views already
 * show. Everything else steps at once: a changed answer, a failure, a pong that may end a fence.
 * At many groups this turns most probe results and pongs from a step each into part of a tick.
 */
export function waitsForTick(state: AgentState, input: AgentInput, nowMs: number): boolean {
  switch (input.kind) {
    case 'probe-result': {
      const ns = state.nodes[input.node];
      return (
        ns !== undefined &&
        isValidReply(input.outcome) &&
        input.outcome === ns.detector.lastOutcome &&
        ns.detector.rebootSinceMs === null &&
        probeNews(ns, input.outcome) === null
      );
    }
    case 'lease-pong': {
      const validUntil = currentLeaseValidUntil(state);
      return validUntil !== null && validUntil - nowMs > state.settings.leaseMs / 2;
    }
    default:
      return false;
  }
}

function onTick(state: AgentState, nowMs: number, out: AgentOut): AgentState {
  note(out, 'tick');
  let next = detectStall(state, nowMs, out);
  next = expireProbes(next, nowMs);
  next = scheduleProbes(next, nowMs, out);
  next = scheduleInfo(next, nowMs, out);
  next = scheduleLeasePings(next, nowMs, out);
  next = scheduleGrantRequests(next, nowMs, out);
  return next;
}

function onInfoResult(
  state: AgentState,
  node: string,
  info: NodeInfo | null,
  nowMs: number,
  out: AgentOut,
): AgentState {
  const ns = state.nodes[node];
  if (ns === undefined) {
    note(out, `INFO for unknown node ${node} ignored`);
    return state;
  }
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
  if (info === null) {
    note(out, `INFO of ${node} failed; keeping the previous one`);
    return base;
  }
  const check = checkRunId(ns.info, ns.rebootBaseline, info, datasetComplete(ns.detector));
  const rebootedAtEpoch = check.lost ? state.highestEpoch : ns.rebootedAtEpoch;
  note(out, `INFO of ${node}: role ${info.role}`);
  if (check.reason !== null) note(out, check.reason);
  return withNode(base, node, {
    ...ns,
    detector: masterRebootSeen(state, node, check.runIdChanged, ns.detector, nowMs, out),
    info,
    infoOutdated: false,
    rebootedAtEpoch,
    rebootBaseline: check.baseline,
    lastInfoRequestMs: ns.lastInfoRequestMs ?? nowMs,
  });
}

/**
 * Sentinel flags its master `master_reboot` when INFO shows a new run id and
 * master-reboot-down-after-period is on (sentinelRefreshInstanceInfo): the node the active config
 * names master, here. From then on it is SDOWN once the period passes without a PONG (sdown.ts).
 */
function masterRebootSeen(
  state: AgentState,
  node: string,
  runIdChanged: boolean,
  detector: NodeDetector,
  nowMs: number,
  out: AgentOut,
): NodeDetector {
  const periodMs = masterRebootDownAfterMs(state);
  if (!runIdChanged || periodMs <= 0 || !expectsMaster(state.config, node)) return detector;
  note(
    out,
    `${node}, the master, restarted: down unless it answers PONG within ${periodMs} ms (master_reboot)`,
  );
  return onMasterReboot(detector, nowMs);
}

function onVoterConnected(state: AgentState, voter: number, nowMs: number, out: AgentOut): AgentState {
  const link = state.voters[voter];
  if (link === undefined) {
    note(out, `unknown voter ${voter} ignored`);
    return state;
  }
  note(out, `voter ${voter} connected: hello and a full observation`);
  // Report pending changes to the voters already connected first, so the new one's first message is hello.
  const before = settle(state, nowMs, out);
  const lease = link.connected ? onVoterDisconnected(link.lease) : link.lease;
  const connected = withVoter(before, voter, { connected: true, lease, observe: null });
  const seq = connected.seq + 1;
  const views = viewList(computeViews(connected, nowMs), allNodes(state.settings));
  effect(out, { kind: 'send', voter, message: helloMessage(connected) });
  effect(out, { kind: 'send', voter, message: observationMessage(connected, seq, views, null) });
  return { ...connected, seq };
}

function onVoterMessage(
  state: AgentState,
  voter: number,
  message: VoterMessage,
  nowMs: number,
  out: AgentOut,
): AgentState {
  if (message.group !== state.settings.group) {
    note(out, `message for group ${message.group} ignored: this agent serves ${state.settings.group}`);
    return state;
  }
  switch (message.kind) {
    case 'config':
      return onConfigPush(state, voter, message, nowMs, out);
    case 'epoch': {
      const link = state.voters[voter];
      if (link === undefined) {
        note(out, `unknown voter ${voter} ignored`);
        return state;
      }
      note(out, `voter ${voter} promised epoch ${message.epoch}`);
      return withVoter(state, voter, { ...link, lease: onEpochNotice(link.lease, message.epoch) });
    }
    case 'observe': {
      const link = state.voters[voter];
      if (link === undefined) {
        note(out, `unknown voter ${voter} ignored`);
        return state;
      }
      note(out, `voter ${voter} asked for a fresh observation (${message.requestId})`);
      // Fresh INFO of every node we can reach; one already seen down would only hold the answer
      // back until its probe timeout, past the leader's wait, and cost the failover every replica.
      const views = computeViews(state, nowMs);
      const nodes = allNodes(state.settings).filter((node) => views[node]?.sdown !== true);
      const observe = { requestId: message.requestId, askedAtMs: nowMs, waitingFor: nodes };
      return requestInfo(withVoter(state, voter, { ...link, observe }), nodes, nowMs, out);
    }
    case 'error':
      note(out, `voter ${voter} refused a message: ${message.error}`);
      return state;
    case 'settings': {
      const version = message.settingsVersion ?? 0;
      if (version < state.announcedVersion) {
        // A voter that missed a newer override (it was unreachable during the write) until a read repairs it.
        note(out, `voter ${voter} announces settings v${version}; v${state.announcedVersion} is newer: kept`);
        return state;
      }
      const adopted = adoptAnnounced({ ...state, announcedVersion: version }, message.settings);
      note(out, `voter ${voter}: ${adopted.reason}`);
      return adopted.state;
    }
  }
}

function onActionResult(
  state: AgentState,
  input: AgentInput & { kind: 'action-result' },
  nowMs: number,
  out: AgentOut,
): AgentState {
  const ns = state.nodes[input.node];
  if (ns === undefined) {
    note(out, `action result for unknown node ${input.node} ignored`);
    return state;
  }
  note(
    out,
    `${input.action.kind} of ${input.node} at epoch ${input.epoch} ${input.ok ? 'succeeded' : `failed: ${input.detail}`}`,
  );
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
  broadcastVoters(out, next, message);
  return requestInfo(next, [input.node], nowMs, out);
}
