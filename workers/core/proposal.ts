// The leader's proposal: accepted by itself first, then by a majority; committed; then confirmed.
import {
  type AcceptReply,
  majority,
  masterPayload,
  newerConfig,
  replicaPayload,
  tally,
} from '../protocol/index.js';
import { abort } from './abort.js';
import { ownAgentOf } from './detection.js';
import { learn } from './learn.js';
import { acceptRequest, commitMessage, observeRequest } from './messages.js';
import { broadcastPeers, emit, type Out, sendAgent } from './out.js';
import type { Leadership, VoterContext, VoterState } from './types.js';

/** The leader accepts its own proposal first, then asks the others. */
export function sendAccepts(state: VoterState, leader: Leadership, ctx: VoterContext, out: Out): VoterState {
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
