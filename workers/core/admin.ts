// Operator actions: forced failover, planned switchover, pause/resume, reset, and the operator's answer.
import { masterPayload, type NodeId, type VoterEventName } from '../protocol/index.js';
import { observeRequest } from './messages.js';
import { emit, note, type Out, refuse, sendAgent } from './out.js';
import { rankReplicas } from './ranking.js';
import type { AdminAction, AdminAnswer, AdminRefusalCode, VoterState } from './types.js';

/**
 * The abort events that answer an operator's request with a refusal, and the code each one gives.
 * Any of them emitted in the step of the request refuses it (in a group of one voter the whole
 * election runs in that step).
 */
export const REFUSAL_BY_ABORT_EVENT: Partial<Readonly<Record<VoterEventName, AdminRefusalCode>>> = {
  '-failover-abort': 'REFUSED',
  '-failover-abort-not-elected': 'REFUSED',
  '-failover-abort-in-progress': 'INPROG',
  '-failover-abort-no-good-slave': 'NOGOODSLAVE',
  '-failover-abort-timeout': 'REFUSED',
  '-failover-abort-slave-timeout': 'REFUSED',
  '-failover-abort-not-needed': 'REFUSED',
  '-failover-abort-master-down': 'REFUSED',
};

/** The answer to an `admin` input, once its step is done: a refusal, the first abort it emitted, or ok. */
export function adminAnswer(out: Out, reason: string): AdminAnswer {
  if (out.refusal !== null) return out.refusal;
  for (const effect of out.emits) {
    if (effect.kind !== 'emit') continue;
    const code = REFUSAL_BY_ABORT_EVENT[effect.event.name];
    if (code !== undefined) return { ok: false, code, reason: effect.event.reason };
  }
  return { ok: true, reason };
}

/**
 * Like Sentinel's `SENTINEL FAILOVER` answering `-NOGOODSLAVE` at once: with the agents' current
 * views (as if all were fresh), is there any replica the leader could pick? The election ranks
 * again with fresh observations, so this only refuses what cannot succeed. Refused without an
 * event: nothing was started.
 */
function refuseHopeless(state: VoterState, target: NodeId | null, nowMs: number, out: Out): boolean {
  const master = state.durable.published.master;
  if (target === master) {
    refuse(out, 'REFUSED', `${master} is already the master`);
    return true;
  }
  const connected = Object.values(state.agents).filter((a) => a.connected);
  const ranking = rankReplicas(state, nowMs, {
    exclude: new Set([master]),
    deprioritize: null,
    freshAgents: new Set(connected.map((a) => a.agentId)),
    masterDownMs: 0,
  });
  if (target !== null && !ranking.ranked.includes(target)) {
    const why = ranking.rejected.find((r) => r.node === target)?.why ?? 'it is not a known node';
    refuse(out, 'NOGOODSLAVE', `${target} cannot be promoted: ${why}`);
    return true;
  }
  if (ranking.ranked.length === 0) {
    const why = ranking.rejected.map((r) => `${r.node}: ${r.why}`).join('; ') || 'no replicas known';
    refuse(out, 'NOGOODSLAVE', `no replica can be promoted (${why})`);
    return true;
  }
  return false;
}

export function onAdmin(state: VoterState, action: AdminAction, nowMs: number, out: Out): VoterState {
  const payload = masterPayload(state.settings.name, state.durable.published.master);
  const epoch = state.durable.committed.epoch;
  switch (action.kind) {
    case 'pause':
      emit(out, '+paused', payload, epoch, 'automatic failover paused by an operator');
      return { ...state, durable: { ...state.durable, paused: true } };
    case 'resume':
      emit(out, '-paused', payload, epoch, 'automatic failover resumed by an operator');
      return { ...state, durable: { ...state.durable, paused: false } };
    case 'failover':
    case 'switchover': {
      if (state.durable.committed.state !== 'active' || state.role.kind !== 'follower') {
        emit(
          out,
          '-failover-abort-in-progress',
          payload,
          epoch,
          `${action.kind} refused: a failover is already in progress`,
        );
        return state;
      }
      if (refuseHopeless(state, action.target, nowMs, out)) return state;
      note(out, `operator asks for a ${action.kind}${action.target === null ? '' : ` to ${action.target}`}`);
      return {
        ...state,
        pendingRequest: {
          purpose: action.kind === 'failover' ? 'manual' : 'switchover',
          target: action.target,
          handoffTimeoutMs: action.kind === 'switchover' ? action.timeoutMs : null,
        },
        nextElectionAtMs: nowMs,
      };
    }
    case 'reset': {
      const agents = Object.fromEntries(
        Object.values(state.agents)
          .filter((a) => a.connected)
          .map((a) => [a.agentId, a]),
      );
      for (const agent of Object.values(agents)) {
        sendAgent(out, agent.agentId, observeRequest(state, epoch, `reset.${state.requestCounter}`));
      }
      emit(
        out,
        '+reset-master',
        payload,
        epoch,
        'reset: forgot disconnected agents and asked the others for fresh views',
      );
      return { ...state, agents, requestCounter: state.requestCounter + 1 };
    }
  }
}
