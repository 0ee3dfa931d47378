// The voter as candidate: promise and vote for itself, ask the others, win or lose by majority.
import type { VoteReply } from '../protocol/index.js';
import { jitterMs, masterPayload, tally } from '../protocol/index.js';
import { buildVoteReply, promise } from './acceptor.js';
import { becomeLeader } from './leadership.js';
import { learn } from './learn.js';
import { voteRequest } from './messages.js';
import { broadcastPeers, emit, type Out } from './out.js';
import { electionTimeoutMs, stickyMs } from './timing.js';
import type { Candidacy, ElectionRequest, VoterContext, VoterState } from './types.js';

export function startCandidacy(
  state: VoterState,
  wanted: ElectionRequest,
  ctx: VoterContext,
  out: Out,
): VoterState {
  const { purpose, subject, target } = wanted;
  const epoch = state.durable.promisedEpoch + 1;
  let next = promise(state, epoch, out);
  next = { ...next, durable: { ...next.durable, vote: { epoch, candidate: state.index } } };
  const candidacy: Candidacy = {
    kind: 'candidate',
    epoch,
    ...wanted,
    replies: {},
    deadlineMs: ctx.nowMs + electionTimeoutMs(state.settings),
  };
  next = { ...next, role: candidacy };
  emit(out, '+new-epoch', `${epoch}`, epoch, `epoch ${epoch} begins`);
  emit(
    out,
    '+try-failover',
    masterPayload(state.settings.name, subject),
    epoch,
    `voter ${state.index} runs for epoch ${epoch} (${purpose} from ${subject}${target === null ? '' : ` to ${target}`})`,
  );
  broadcastPeers(out, next, voteRequest(state, { epoch, purpose, subject, target }));
  const own = buildVoteReply(next, { epoch, subject, granted: true, reason: 'own vote', nowMs: ctx.nowMs });
  return onVoteReply(next, own, ctx, out);
}

export interface Loss {
  readonly why: string;
  /** Someone else holds the votes (a refusal said so, or a voter promised a higher epoch). */
  readonly busy: boolean;
}

/**
 * After losing, wait for a possible winner to finish if someone else holds the votes; retry soon
 * if the others merely did not see ODOWN yet (their agents' reports arrive a little later).
 */
export function loseElection(state: VoterState, loss: Loss, ctx: VoterContext, out: Out): VoterState {
  const { why, busy } = loss;
  const epoch = state.role.kind === 'follower' ? state.durable.promisedEpoch : state.role.epoch;
  emit(
    out,
    '-failover-abort-not-elected',
    masterPayload(state.settings.name, state.durable.published.master),
    epoch,
    `voter ${state.index} gives up epoch ${epoch}: ${why}`,
  );
  return {
    ...state,
    role: { kind: 'follower' },
    nextElectionAtMs:
      ctx.nowMs + (busy ? stickyMs(state.settings) : 0) + jitterMs(state.settings.electionBackoffMs, ctx.rng),
  };
}

export function onVoteReply(state: VoterState, reply: VoteReply, ctx: VoterContext, out: Out): VoterState {
  let next = learn(state, reply.committed, ctx.nowMs, out);
  const role = next.role;
  if (role.kind !== 'candidate' || reply.epoch !== role.epoch || reply.voter in role.replies) return next;
  if (!reply.granted && reply.promisedEpoch > role.epoch) {
    const why = `voter ${reply.voter} promised epoch ${reply.promisedEpoch}`;
    return loseElection(next, { why, busy: true }, ctx, out);
  }
  const replies = { ...role.replies, [reply.voter]: reply };
  next = { ...next, role: { ...role, replies } };
  const all = Object.values(replies);
  const yes = all.filter((r) => r.granted).length;
  const verdict = tally(next.settings.voters, yes, all.length - yes);
  if (verdict === 'won') return becomeLeader(next, { ...role, replies }, ctx, out);
  if (verdict === 'lost') {
    const busy = all.some((r) => r.busy);
    return loseElection(next, { why: `only ${yes} of ${next.settings.voters} votes`, busy }, ctx, out);
  }
  return next;
}

/** A candidate that has no majority by its deadline gives the epoch up. */
export function expireCandidacy(state: VoterState, ctx: VoterContext, out: Out): VoterState {
  const role = state.role;
  if (role.kind !== 'candidate' || ctx.nowMs < role.deadlineMs) return state;
  const replies = Object.values(role.replies);
  const yes = replies.filter((r) => r.granted).length;
  const why = `no majority within the election timeout (${yes} of ${state.settings.voters} votes)`;
  return loseElection(state, { why, busy: replies.some((r) => r.busy) }, ctx, out);
}
