// Learning a committed config: persist it, tell the agents, publish it when active.
import type { Config } from '../protocol/index.js';
import { switchMasterPayload } from '../protocol/index.js';
import { configPush } from './messages.js';
import { broadcastAgents, emit, type Out } from './out.js';
import { learnCommitted, sameConfig } from './state.js';
import type { VoterState } from './types.js';

/**
 * Adopt `config` as committed if it is newer. A candidate or leader of an epoch at or below the
 * learned one steps down, unless the config is its own.
 */
export function learn(state: VoterState, config: Config, nowMs: number, out: Out): VoterState {
  const before = state.durable;
  const durable = learnCommitted(before, config);
  if (sameConfig(durable.committed, before.committed) && sameConfig(durable.published, before.published)) {
    return state;
  }
  let next: VoterState = { ...state, durable };
  if (!sameConfig(durable.committed, before.committed)) {
    const unfinished = durable.committed.state !== 'active';
    const sameChange = durable.committed.epoch === before.committed.epoch && state.unfinishedSinceMs !== null;
    next = {
      ...next,
      unfinishedSinceMs: unfinished ? (sameChange ? state.unfinishedSinceMs : nowMs) : null,
      abortStreak: 0,
    };
    broadcastAgents(out, next, configPush(next));
    // Payload `<master> <state> <epoch> <cause>`: `edge-sentinel history` reads the cause from it.
    emit(
      out,
      '+config',
      `${durable.committed.master} ${durable.committed.state} ${durable.committed.epoch} ${durable.committed.cause}`,
      durable.committed.epoch,
      `learned committed config epoch ${durable.committed.epoch}: master ${durable.committed.master} (${durable.committed.state}, ${durable.committed.cause})`,
    );
  }
  if (durable.published.master !== before.published.master) {
    emit(
      out,
      '+switch-master',
      switchMasterPayload(state.settings.name, before.published.master, durable.published.master),
      durable.published.epoch,
      `published master moves from ${before.published.master} to ${durable.published.master} at epoch ${durable.published.epoch}`,
    );
  }
  if (state.durable.vote !== null && durable.committed.epoch >= state.durable.vote.epoch) {
    next = { ...next, stickyUntilMs: 0 };
  }
  const role = next.role;
  const ownCommit = config.leader === state.index && role.kind !== 'follower' && role.epoch === config.epoch;
  if (role.kind !== 'follower' && role.epoch <= durable.committed.epoch && !ownCommit) {
    next = { ...next, role: { kind: 'follower' } };
  }
  return next;
}
