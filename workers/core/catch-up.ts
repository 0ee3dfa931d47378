// A voter that missed a commit (down, or the one-shot message lost) catches up from its peers.
import type { FetchState } from '../protocol/index.js';
import { commitMessage, fetchState } from './messages.js';
import { broadcastPeers, note, type Out, sendPeer } from './out.js';
import type { VoterState } from './types.js';

/**
 * An agent reports an epoch above this voter's committed one: ask the peers once per such
 * report. Without it the voter would serve an old master to readers and renew no lease of the
 * new master until the next election, so one more voter down would fence a healthy master.
 */
export function fetchStateIfBehind(
  state: VoterState,
  agentEpoch: number,
  previousAgentEpoch: number,
  out: Out,
): void {
  const committedEpoch = state.durable.committed.epoch;
  if (agentEpoch <= committedEpoch || agentEpoch <= previousAgentEpoch) return;
  broadcastPeers(out, state, fetchState(state));
  note(out, `an agent reports epoch ${agentEpoch}, above committed ${committedEpoch}: asked the peers`);
}

/** A peer behind this voter gets its committed config as a `commit` (it learns only what is newer). */
export function onFetchState(state: VoterState, message: FetchState, out: Out): VoterState {
  const { committed } = state.durable;
  if (committed.epoch <= message.committedEpoch || message.from === state.index) return state;
  sendPeer(out, message.from, commitMessage(state.settings.name, committed));
  note(
    out,
    `voter ${message.from} is at epoch ${message.committedEpoch}: sent it committed epoch ${committed.epoch}`,
  );
  return state;
}
