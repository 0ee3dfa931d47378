// The voter as leader of an epoch: adopt the newest accepted config, wait out the old lease, then
// choose (choice.ts), get the proposal accepted and confirmed (proposal.ts), or abort (abort.ts).
import { type Config, masterPayload, newerConfig, replicaPayload } from '../protocol/index.js';
import { abort } from './abort.js';
import { choose, confirmedMaster } from './choice.js';
import { liveAgents } from './detection.js';
import { leaderWaitMs } from './lease-view.js';
import { observeRequest } from './messages.js';
import { emit, note, type Out, sendAgent } from './out.js';
import { sendAccepts } from './proposal.js';
import type { Candidacy, Leadership, VoterContext, VoterState } from './types.js';

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
