// The voter as leader of an epoch: adopt, wait out the old lease, choose, accept, confirm, activate.
import {
  type AcceptReply,
  type AgentId,
  type Config,
  doubledMs,
  jitterMs,
  majority,
  masterPayload,
  type NodeId,
  newerConfig,
  replicaPayload,
  tally,
  type VoterEventName,
} from '../protocol/index.js';
import { liveAgents, odownOf, ownAgentOf } from './detection.js';
import { learn } from './learn.js';
import { leaderWaitMs } from './lease-view.js';
import { acceptRequest, commitMessage, observeRequest } from './messages.js';
import { broadcastPeers, emit, note, type Out, sendAgent } from './out.js';
import { rankReplicas } from './ranking.js';
import type { Candidacy, GroupSettings, Leadership, VoterContext, VoterState } from './types.js';

type Plan = 'continue' | 'replace';

/**
 * Paxos: the leader adopts the highest accepted config among its grants. It replaces that
 * config's master only if that master is the one the election was about; otherwise someone else's
 * change is newer than what this voter saw, and the safe move is to finish (re-commit) it.
 */
function planFor(c: Candidacy, from: Config): Plan {
  if (c.purpose === 'reaffirm' || from.master !== c.subject) return 'continue';
  if (c.purpose === 'retry') return from.state === 'active' ? 'continue' : 'replace';
  if (from.state !== 'active') return 'continue';
  return 'replace';
}

export function becomeLeader(state: VoterState, c: Candidacy, ctx: VoterContext, out: Out): VoterState {
  const grants = Object.values(c.replies).filter((r) => r.granted);
  const from = grants.map((r) => r.accepted).reduce(newerConfig, state.durable.accepted);
  emit(
    out,
    '+elected-leader',
    masterPayload(state.settings.name, from.master),
    c.epoch,
    `voter ${state.index} leads epoch ${c.epoch} with ${grants.length} votes; adopted config epoch ${from.epoch} (master ${from.master}, ${from.state})`,
  );
  const waitMs = state.settings.fencing
    ? Math.max(0, ...grants.map((r) => leaderWaitMs(r.leaseRemainingMs, state.settings.clockDriftRatio)))
    : 0;
  const leader: Leadership = {
    kind: 'leader',
    epoch: c.epoch,
    purpose: c.purpose,
    phase: 'preparing',
    from,
    subject: c.subject,
    target: c.target,
    handoffTimeoutMs: c.handoffTimeoutMs,
    proposal: null,
    acceptedBy: [],
    refusedBy: [],
    // A switchover needs no wait: the old master pauses its own writes before handing over.
    leaseWaitUntilMs: c.purpose === 'switchover' ? ctx.nowMs : ctx.nowMs + waitMs,
    freshUntilMs: ctx.nowMs,
    freshFrom: [],
    observeRequestId: '',
    observedAtMs: ctx.nowMs,
    // The failover timeout runs from the end of the lease wait, or a lease longer than the
    // timeout would make every attempt abort.
    deadlineMs: ctx.nowMs + waitMs + state.settings.failoverTimeoutMs,
  };
  let next: VoterState = { ...state, role: leader };
  if (planFor(c, from) === 'continue') {
    const proposal: Config = { ...from, epoch: c.epoch, cause: 'reaffirm', leader: state.index };
    note(out, `re-commits master ${from.master} (${from.state}) at epoch ${c.epoch}`);
    return sendAccepts(next, { ...leader, proposal }, ctx, out);
  }
  next = requestObservations(next, leader, ctx.nowMs, out);
  note(out, `waits ${waitMs} ms for the lease of ${from.master} and for fresh observations`);
  return advanceLeader(next, ctx, out);
}

/** Ask every connected agent for a fresh observation; replies are counted against this request only. */
function requestObservations(state: VoterState, role: Leadership, nowMs: number, out: Out): VoterState {
  const requestId = `${state.index}.${role.epoch}.${state.requestCounter}`;
  for (const agent of liveAgents(state))
    sendAgent(out, agent.agentId, observeRequest(state, role.epoch, requestId));
  const fresh = {
    observeRequestId: requestId,
    freshFrom: [],
    freshUntilMs: nowMs + state.settings.freshObservationMs,
    observedAtMs: nowMs,
  };
  return { ...state, role: { ...role, ...fresh }, requestCounter: state.requestCounter + 1 };
}

/** The leader accepts its own proposal first, then asks the others. */
function sendAccepts(state: VoterState, leader: Leadership, ctx: VoterContext, out: Out): VoterState {
  const proposal = leader.proposal;
  if (proposal === null) return state;
  const durable = { ...state.durable, accepted: newerConfig(state.durable.accepted, proposal) };
  const phase = proposal.state === 'active' ? 'activating' : 'accepting';
  const next: VoterState = {
    ...state,
    durable,
    role: { ...leader, phase, acceptedBy: [state.index], refusedBy: [] },
  };
  broadcastPeers(out, next, acceptRequest(state, leader.epoch, proposal));
  return checkCommitted(next, ctx, out);
}

function checkCommitted(state: VoterState, ctx: VoterContext, out: Out): VoterState {
  const role = state.role;
  if (role.kind !== 'leader' || role.proposal === null) return state;
  if (role.acceptedBy.length < majority(state.settings.voters)) return state;
  const proposal = role.proposal;
  let next = learn(state, proposal, ctx.nowMs, out);
  broadcastPeers(out, next, commitMessage(state.settings.name, proposal));
  if (proposal.state === 'active') {
    emit(
      out,
      '+failover-end',
      masterPayload(state.settings.name, proposal.master),
      proposal.epoch,
      `epoch ${proposal.epoch} is done: ${proposal.master} is the active master`,
    );
    return { ...next, role: { kind: 'follower' } };
  }
  // The promotion gets a full failover timeout of its own.
  next = {
    ...next,
    role: { ...role, phase: 'confirming', deadlineMs: ctx.nowMs + state.settings.failoverTimeoutMs },
  };
  emit(
    out,
    proposal.state === 'handoff' ? '+failover-state-handoff' : '+failover-state-wait-promotion',
    replicaPayload(state.settings.name, proposal.master, proposal.previousMaster ?? proposal.master),
    proposal.epoch,
    `epoch ${proposal.epoch} committed by ${role.acceptedBy.length} voters; waiting for ${proposal.master} to become master`,
  );
  // If the node is master already its views will not change, so ask its agent for a fresh
  // observation; the config push went first on the same socket, so the answer shows the epoch.
  const agent = ownAgentOf(next, proposal.master);
  if (agent === undefined) return next;
  const requestId = `${state.index}.${role.epoch}.${next.requestCounter}`;
  sendAgent(out, agent.agentId, observeRequest(next, role.epoch, requestId));
  return { ...next, requestCounter: next.requestCounter + 1 };
}

export function onAcceptReply(
  state: VoterState,
  reply: AcceptReply,
  ctx: VoterContext,
  out: Out,
): VoterState {
  const role = state.role;
  if (role.kind !== 'leader' || role.proposal === null || reply.epoch !== role.epoch) return state;
  if (role.phase !== 'accepting' && role.phase !== 'activating') return state;
  if (reply.state !== role.proposal.state) return state;
  if (role.acceptedBy.includes(reply.voter) || role.refusedBy.includes(reply.voter)) return state;
  if (!reply.ok) {
    if (reply.promisedEpoch <= role.epoch) return state;
    const refusedBy = [...role.refusedBy, reply.voter];
    if (tally(state.settings.voters, role.acceptedBy.length, refusedBy.length) === 'lost') {
      const why = `voters ${refusedBy.join(', ')} promised higher epochs`;
      return abort(state, '-failover-abort-not-elected', why, ctx, out);
    }
    return { ...state, role: { ...role, refusedBy } };
  }
  return checkCommitted(
    { ...state, role: { ...role, acceptedBy: [...role.acceptedBy, reply.voter] } },
    ctx,
    out,
  );
}

export function abort(
  state: VoterState,
  event: VoterEventName,
  why: string,
  ctx: VoterContext,
  out: Out,
): VoterState {
  const epoch = state.role.kind === 'follower' ? state.durable.promisedEpoch : state.role.epoch;
  emit(
    out,
    event,
    masterPayload(state.settings.name, state.durable.published.master),
    epoch,
    `epoch ${epoch} aborted: ${why}`,
  );
  return {
    ...state,
    role: { kind: 'follower' },
    nextElectionAtMs: ctx.nowMs + jitterMs(abortBackoffMs(state.settings, state.abortStreak), ctx.rng),
    abortStreak: state.abortStreak + 1,
  };
}

/** electionBackoffMs doubled per abort in a row, at most the failover timeout. */
export function abortBackoffMs(settings: GroupSettings, streak: number): number {
  const initialMs = settings.electionBackoffMs;
  return doubledMs({ initialMs, maxMs: Math.max(initialMs, settings.failoverTimeoutMs) }, streak);
}

export function noteFreshObservation(
  state: VoterState,
  agentId: string,
  inReplyTo: string | null,
): VoterState {
  const role = state.role;
  if (role.kind !== 'leader' || inReplyTo !== role.observeRequestId || role.freshFrom.includes(agentId))
    return state;
  return { ...state, role: { ...role, freshFrom: [...role.freshFrom, agentId] } };
}

/** Is `node` confirmed master by its own agent, after that agent has seen epoch `epoch`? */
function confirmedMaster(state: VoterState, node: NodeId, epoch: number): boolean {
  const agent = ownAgentOf(state, node);
  const view = agent?.views[node];
  return (
    agent !== undefined &&
    view !== undefined &&
    view.role === 'master' &&
    !view.sdown &&
    agent.highestEpoch >= epoch
  );
}

/** Move the leader forward on whatever this step changed; called after every input. */
export function advanceLeader(state: VoterState, ctx: VoterContext, out: Out): VoterState {
  const role = state.role;
  if (role.kind !== 'leader') return state;
  const { nowMs } = ctx;
  if (nowMs >= role.deadlineMs) {
    const event = role.phase === 'confirming' ? '-failover-abort-slave-timeout' : '-failover-abort-timeout';
    return abort(state, event, `phase ${role.phase} did not finish within the failover timeout`, ctx, out);
  }
  if (role.phase === 'preparing') {
    if (nowMs < role.leaseWaitUntilMs) return state;
    if (role.observedAtMs < role.leaseWaitUntilMs) return requestObservations(state, role, nowMs, out);
    const waiting = liveAgents(state).some((a) => !role.freshFrom.includes(a.agentId));
    if (waiting && nowMs < role.freshUntilMs) return state;
    return choose(state, role, ctx, out);
  }
  if (
    role.phase === 'confirming' &&
    role.proposal !== null &&
    confirmedMaster(state, role.proposal.master, role.epoch)
  ) {
    const active: Config = { ...role.proposal, state: 'active', publishedAtMs: ctx.nowMs };
    emit(
      out,
      '+promoted-slave',
      replicaPayload(state.settings.name, active.master, active.previousMaster ?? active.master),
      active.epoch,
      `${active.master} reports role master at epoch ${active.epoch}`,
    );
    return sendAccepts(state, { ...role, proposal: active }, ctx, out);
  }
  return state;
}

/** Pick the new master (or, for a stuck hand-off, go back to the old one) and propose it. */
function choose(state: VoterState, role: Leadership, ctx: VoterContext, out: Out): VoterState {
  const { from } = role;
  // Nothing is committed yet: if the master came back while the lease ran out, stop here rather
  // than replace a healthy master (and discard what it wrote meanwhile). The open epoch is closed
  // later by a reaffirm.
  const verdict = odownOf(state, from.master, ctx.nowMs);
  if (role.purpose === 'failover' && !verdict.odown) {
    return abort(state, '-failover-abort-not-needed', verdict.reason, ctx, out);
  }
  // A hand-off needs a live master to run FAILOVER TO; a dead one would hand over whenever it
  // returns, perhaps long after newer decisions. An operator wants a forced failover then.
  if (role.purpose === 'switchover' && !confirmedMaster(state, from.master, from.epoch)) {
    const why = `${from.master} is not a healthy master to hand over from (${verdict.reason}); use a failover`;
    return abort(state, '-failover-abort-master-down', why, ctx, out);
  }
  if (role.purpose === 'retry' && confirmedMaster(state, from.master, from.epoch)) {
    const proposal: Config = { ...from, epoch: role.epoch, cause: 'reaffirm', leader: state.index };
    note(out, `${from.master} turns out to be promoted; finishing epoch ${from.epoch}'s change`);
    return sendAccepts(state, { ...role, proposal }, ctx, out);
  }
  // A hand-off that never completed goes back to its source; otherwise rank the replicas.
  const abortTo = role.purpose === 'retry' && from.state === 'handoff' ? from.previousMaster : null;
  const ranking = rankReplicas(state, ctx.nowMs, {
    exclude: new Set(role.purpose === 'retry' ? [] : [from.master]),
    deprioritize: role.purpose === 'retry' ? from.master : null,
    freshAgents: new Set(role.freshFrom),
    masterDownMs: masterDownMs(state, from.master, role.freshFrom, ctx.nowMs),
  });
  if (role.target !== null && !ranking.ranked.includes(role.target)) {
    const why = ranking.rejected.find((r) => r.node === role.target)?.why ?? 'it is not a known node';
    const reason = `requested replica ${role.target} is not eligible: ${why}`;
    return abort(state, '-failover-abort-no-good-slave', reason, ctx, out);
  }
  const chosen = role.target ?? abortTo ?? ranking.ranked[0];
  if (chosen === undefined) {
    const why = ranking.rejected.map((r) => `${r.node}: ${r.why}`).join('; ') || 'no replicas known';
    return abort(state, '-failover-abort-no-good-slave', `no replica can be promoted (${why})`, ctx, out);
  }
  const proposal: Config = {
    epoch: role.epoch,
    master: chosen,
    state: role.purpose === 'switchover' ? 'handoff' : 'promoting',
    previousMaster: role.purpose === 'retry' ? (from.previousMaster ?? from.master) : from.master,
    cause: abortTo !== null ? 'abort' : role.purpose,
    leader: state.index,
    ...(role.purpose === 'switchover' && role.handoffTimeoutMs !== null
      ? { handoffTimeoutMs: role.handoffTimeoutMs }
      : {}),
  };
  emit(
    out,
    '+selected-slave',
    replicaPayload(state.settings.name, chosen, from.master),
    role.epoch,
    `selected ${chosen} (ranked ${ranking.ranked.join(', ') || 'none'}; ${verdict.reason})`,
  );
  return sendAccepts(state, { ...role, proposal }, ctx, out);
}

/**
 * How long the old master has been down: since this voter saw ODOWN, or longer if a fresh agent
 * has had no reply from it for longer (the voters were unreachable when it died: its replicas'
 * links have been down since then, and would all be judged too stale otherwise).
 */
function masterDownMs(state: VoterState, master: NodeId, fresh: readonly AgentId[], nowMs: number): number {
  const odownSince = state.odownSinceMs;
  let downMs = odownSince === null ? 0 : nowMs - odownSince;
  for (const agentId of fresh) downMs = Math.max(downMs, state.agents[agentId]?.views[master]?.downMs ?? 0);
  return downMs;
}
