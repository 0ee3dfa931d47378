// When a follower runs for an epoch: ODOWN, a stuck change, an open epoch, or an operator request.

import type { ElectionPurpose, NodeId } from '../protocol/index.js';
import { masterPayload } from '../protocol/index.js';
import { odownOf } from './detection.js';
import { startCandidacy } from './election.js';
import { emit, type Out } from './out.js';
import type { ElectionRequest, VoterContext, VoterState } from './types.js';

/** Before the first try, each voter waits a random part of this, so they rarely collide. */
const FIRST_TRY_SPREAD_MS = 250;

/** Track ODOWN of the published master and emit +odown/-odown when it changes. */
export function trackOdown(state: VoterState, ctx: VoterContext, out: Out): VoterState {
  const { settings, durable } = state;
  const verdict = odownOf(state, durable.published.master, ctx.nowMs);
  const was = state.odownSinceMs !== null;
  if (verdict.odown === was) return state;
  const payload = masterPayload(settings.name, durable.published.master);
  if (!verdict.odown) {
    emit(out, '-odown', payload, durable.committed.epoch, verdict.reason);
    return { ...state, odownSinceMs: null };
  }
  emit(
    out,
    '+odown',
    `${payload} #quorum ${verdict.reporters.length}/${settings.quorum}`,
    durable.committed.epoch,
    verdict.reason,
  );
  const spreadMs = Math.floor(ctx.rng() * Math.min(FIRST_TRY_SPREAD_MS, settings.electionBackoffMs));
  return {
    ...state,
    odownSinceMs: ctx.nowMs,
    nextElectionAtMs: Math.max(state.nextElectionAtMs, ctx.nowMs + spreadMs),
  };
}

export function unfinishedTooLong(state: VoterState, nowMs: number): boolean {
  const since = state.unfinishedSinceMs;
  return since !== null && nowMs - since >= state.settings.failoverTimeoutMs;
}

/** The election a follower wants to run now (timing aside), if any: one predicate for trigger and alarm. */
export function wantedElection(state: VoterState, nowMs: number): ElectionRequest | null {
  const { durable } = state;
  const request = state.pendingRequest;
  if (request !== null) return { ...request, subject: durable.published.master };
  if (unfinishedTooLong(state, nowMs)) return automatic('retry', durable.committed.master);
  if (state.odownSinceMs !== null && !durable.paused && durable.committed.state === 'active') {
    return automatic('failover', durable.published.master);
  }
  // An epoch was promised here but never closed (a candidate failed): close it, so leases resume.
  if (durable.promisedEpoch > durable.committed.epoch && state.odownSinceMs === null) {
    return automatic('reaffirm', durable.committed.master);
  }
  return null;
}

/** An election no operator asked for. */
const automatic = (purpose: ElectionPurpose, subject: NodeId): ElectionRequest => ({
  purpose,
  subject,
  target: null,
  handoffTimeoutMs: null,
});

export function considerElection(state: VoterState, ctx: VoterContext, out: Out): VoterState {
  if (state.role.kind !== 'follower' || ctx.nowMs < state.nextElectionAtMs) return state;
  const wanted = wantedElection(state, ctx.nowMs);
  if (wanted === null) return state;
  const next =
    wanted.purpose === 'manual' || wanted.purpose === 'switchover'
      ? { ...state, pendingRequest: null }
      : state;
  return startCandidacy(next, wanted, ctx, out);
}
