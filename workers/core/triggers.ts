// When a follower runs for an epoch: ODOWN, a stuck change, an open epoch, or an operator request.
import { odownOf } from './detection.js';
import { startCandidacy } from './election.js';
import { masterPayload } from './events.js';
import { emit, type Out } from './out.js';
import type { VoterContext, VoterState } from './types.js';

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

export function considerElection(state: VoterState, ctx: VoterContext, out: Out): VoterState {
  if (state.role.kind !== 'follower' || ctx.nowMs < state.nextElectionAtMs) return state;
  const { durable } = state;
  const request = state.pendingRequest;
  if (request !== null) {
    const next = { ...state, pendingRequest: null };
    return startCandidacy(next, request.purpose, durable.published.master, request.target, ctx, out);
  }
  if (unfinishedTooLong(state, ctx.nowMs)) {
    return startCandidacy(state, 'retry', durable.committed.master, null, ctx, out);
  }
  if (state.odownSinceMs !== null && !durable.paused && durable.committed.state === 'active') {
    return startCandidacy(state, 'failover', durable.published.master, null, ctx, out);
  }
  // An epoch was promised here but never closed (a candidate failed): close it, so leases resume.
  if (durable.promisedEpoch > durable.committed.epoch && state.odownSinceMs === null) {
    return startCandidacy(state, 'reaffirm', durable.committed.master, null, ctx, out);
  }
  return state;
}
