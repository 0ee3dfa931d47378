// Operator actions: forced failover, planned switchover, pause/resume, reset.
import { masterPayload } from '../protocol/index.js';
import { emit, note, type Out, sendAgent } from './out.js';
import type { AdminAction, VoterState } from './types.js';

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
        sendAgent(out, agent.agentId, {
          v: 1,
          kind: 'observe',
          group: state.settings.name,
          voter: state.index,
          epoch,
          requestId: `reset.${state.requestCounter}`,
        });
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
