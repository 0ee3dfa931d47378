// A leader giving up its epoch: the abort event, and the back-off before its next candidacy.
import { doubledMs, jitterMs, masterPayload, type VoterEventName } from '../protocol/index.js';
import { emit, type Out } from './out.js';
import type { GroupSettings, VoterContext, VoterState } from './types.js';

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
