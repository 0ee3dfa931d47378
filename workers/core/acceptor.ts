// The voter as acceptor: one persisted vote per epoch, accepts at or above the promise, learning commits.
import {
  type Accept,
  type ElectionPurpose,
  type NodeId,
  newerConfig,
  type VoteReply,
  type VoteRequest,
} from '../protocol/index.js';
import { odownOf } from './detection.js';
import { leaseRemainingMs } from './lease-view.js';
import { acceptReply, epochNotice, voteReply } from './messages.js';
import { broadcastAgents, emit, note, type Out, sendPeer } from './out.js';
import { stickyMs } from './timing.js';
import type { VoterContext, VoterState } from './types.js';

export interface VoteReplyOptions {
  readonly epoch: number;
  /** The master the election is about: the reply says whether this voter sees it ODOWN, and its lease. */
  readonly subject: NodeId;
  readonly granted: boolean;
  /** Refused because another candidate holds the vote (the loser then waits longer); false if omitted. */
  readonly busy?: boolean;
  readonly reason: string;
  readonly nowMs: number;
}

/** This voter's answer to a vote request: its durable state, its ODOWN and lease views of the subject. */
export function buildVoteReply(state: VoterState, opts: VoteReplyOptions): VoteReply {
  const { epoch, subject, granted, busy = false, reason, nowMs } = opts;
  return voteReply(state, {
    epoch,
    granted,
    busy,
    odown: odownOf(state, subject, nowMs).odown,
    leaseRemainingMs: leaseRemainingMs(state, subject, nowMs),
    reason,
  });
}

/** Whether this voter itself has grounds for the election's purpose. */
function purposeAllowed(
  state: VoterState,
  purpose: ElectionPurpose,
  subject: NodeId,
  nowMs: number,
): string | null {
  const odown = odownOf(state, subject, nowMs).odown;
  switch (purpose) {
    case 'failover':
      if (state.durable.paused) return 'the group is paused';
      return odown ? null : `this voter does not see ${subject} ODOWN`;
    case 'retry': {
      const since = state.unfinishedSinceMs;
      const stuck = since !== null && nowMs - since >= state.settings.failoverTimeoutMs;
      return odown || stuck
        ? null
        : 'this voter sees neither ODOWN nor an unfinished change past its timeout';
    }
    case 'manual':
    case 'switchover':
    case 'reaffirm':
      return null;
  }
}

function stickiness(state: VoterState, req: VoteRequest, nowMs: number): string | null {
  const vote = state.durable.vote;
  if (req.purpose === 'manual' || req.purpose === 'switchover') return null;
  if (state.role.kind !== 'follower')
    return `this voter is itself ${state.role.kind} of epoch ${state.role.epoch}`;
  if (vote === null || vote.candidate === req.candidate || nowMs >= state.stickyUntilMs) return null;
  return `voted for voter ${vote.candidate} in epoch ${vote.epoch}; other candidates wait ${state.stickyUntilMs - nowMs} ms more`;
}

/** Raise the promise to `epoch`; while it is above the committed epoch, agents stop counting our pongs. */
export function promise(state: VoterState, epoch: number, out: Out): VoterState {
  if (epoch <= state.durable.promisedEpoch) return state;
  const next = { ...state, durable: { ...state.durable, promisedEpoch: epoch } };
  if (epoch > next.durable.committed.epoch) broadcastAgents(out, next, epochNotice(next));
  const role = next.role;
  return role.kind !== 'follower' && role.epoch < epoch ? { ...next, role: { kind: 'follower' } } : next;
}

export function onVoteRequest(state: VoterState, req: VoteRequest, ctx: VoterContext, out: Out): VoterState {
  const { nowMs } = ctx;
  const about = { epoch: req.epoch, subject: req.subject, nowMs };
  const deny = (s: VoterState, denial: { readonly why: string; readonly busy: boolean }): VoterState => {
    note(out, `denied vote to voter ${req.candidate} for epoch ${req.epoch}: ${denial.why}`);
    const reply = buildVoteReply(s, { ...about, granted: false, busy: denial.busy, reason: denial.why });
    sendPeer(out, req.candidate, reply);
    return s;
  };
  const { promisedEpoch, vote } = state.durable;
  if (req.epoch < promisedEpoch)
    return deny(state, { why: `epoch ${req.epoch} is below promised ${promisedEpoch}`, busy: true });
  if (req.epoch === promisedEpoch) {
    // A duplicate request from the candidate we voted for gets the same answer again.
    if (vote?.epoch === req.epoch && vote.candidate === req.candidate) {
      sendPeer(
        out,
        req.candidate,
        buildVoteReply(state, { ...about, granted: true, reason: 'vote repeated' }),
      );
      return state;
    }
    return deny(state, { why: `already promised epoch ${req.epoch}`, busy: true });
  }
  const refusal = purposeAllowed(state, req.purpose, req.subject, nowMs);
  if (refusal !== null) return deny(state, { why: refusal, busy: false });
  const held = stickiness(state, req, nowMs);
  if (held !== null) return deny(state, { why: held, busy: true });
  let next = promise(state, req.epoch, out);
  next = {
    ...next,
    durable: { ...next.durable, vote: { epoch: req.epoch, candidate: req.candidate } },
    // Give the candidate a full failover timeout before this voter closes the epoch itself.
    nextElectionAtMs: Math.max(next.nextElectionAtMs, nowMs + state.settings.failoverTimeoutMs),
    stickyUntilMs: nowMs + stickyMs(state.settings),
  };
  emit(
    out,
    '+vote-for-leader',
    `${req.candidate} ${req.epoch}`,
    req.epoch,
    `voted for voter ${req.candidate} in epoch ${req.epoch} (${req.purpose} from ${req.subject})`,
  );
  sendPeer(out, req.candidate, buildVoteReply(next, { ...about, granted: true, reason: 'vote granted' }));
  return next;
}

export function onAccept(state: VoterState, msg: Accept, out: Out): VoterState {
  const reply = (s: VoterState, verdict: { readonly ok: boolean; readonly reason: string }): VoterState => {
    sendPeer(out, msg.leader, acceptReply(s, msg, verdict));
    const what = verdict.ok ? 'accepted' : 'refused';
    note(out, `${what} config epoch ${msg.epoch} from voter ${msg.leader}: ${verdict.reason}`);
    return s;
  };
  if (msg.epoch < state.durable.promisedEpoch) {
    return reply(state, {
      ok: false,
      reason: `epoch ${msg.epoch} is below promised ${state.durable.promisedEpoch}`,
    });
  }
  if (msg.config.epoch !== msg.epoch)
    return reply(state, { ok: false, reason: 'config epoch differs from the accept epoch' });
  let next = promise(state, msg.epoch, out);
  next = { ...next, durable: { ...next.durable, accepted: newerConfig(next.durable.accepted, msg.config) } };
  return reply(next, { ok: true, reason: `master ${msg.config.master} (${msg.config.state})` });
}
