// What agents tell a voter: connections, hellos, observations, command results; forgetting dead agents.
import type { AgentId, AgentMessage } from '../protocol/index.js';
import { fetchStateIfBehind } from './catch-up.js';
import { noteFreshObservation } from './leadership.js';
import { leaseFrozen } from './lease-view.js';
import { configPush, epochNotice, settingsPush } from './messages.js';
import { judgeClaims } from './node-claims.js';
import { emit, note, type Out, sendAgent } from './out.js';
import { rebootEvents } from './reboot-events.js';
import { onRepointResult, reconfFromObservation } from './reconf-events.js';
import type { AgentRecord, VoterState } from './types.js';

function blankRecord(agentId: AgentId, nowMs: number): AgentRecord {
  return {
    agentId,
    connected: false,
    localNodes: [],
    views: {},
    seq: -1,
    highestEpoch: 0,
    lastSeenMs: nowMs,
    leaseSeenMs: 0,
  };
}

function withAgent(state: VoterState, record: AgentRecord): VoterState {
  return { ...state, agents: { ...state.agents, [record.agentId]: record } };
}

export function onAgentConnected(state: VoterState, agentId: AgentId, nowMs: number, out: Out): VoterState {
  const record = state.agents[agentId] ?? blankRecord(agentId, nowMs);
  const next = withAgent(state, { ...record, connected: true, lastSeenMs: nowMs, seq: -1 });
  // Settings first (the agent's lease must match ours), then the committed config, then the open
  // epoch if any: the agent must not count our pongs as lease renewals while an election is open.
  sendAgent(out, agentId, settingsPush(next));
  sendAgent(out, agentId, configPush(next));
  if (leaseFrozen(next)) sendAgent(out, agentId, epochNotice(next));
  emit(out, '+agent-up', agentId, state.durable.committed.epoch, `agent ${agentId} connected`);
  return next;
}

export function onAgentDisconnected(
  state: VoterState,
  agentId: AgentId,
  nowMs: number,
  out: Out,
): VoterState {
  const record = state.agents[agentId];
  if (record === undefined || !record.connected) return state;
  // Pongs answered since the last step are invisible to the core: assume one just now.
  const leaseSeenMs = leaseFrozen(state) ? record.leaseSeenMs : Math.max(record.leaseSeenMs, nowMs);
  emit(out, '-agent-down', agentId, state.durable.committed.epoch, `agent ${agentId} disconnected`);
  return withAgent(state, { ...record, connected: false, lastSeenMs: nowMs, leaseSeenMs });
}

export function onAgentMessage(
  state: VoterState,
  agentId: AgentId,
  message: AgentMessage,
  nowMs: number,
  out: Out,
): VoterState {
  const record = state.agents[agentId];
  if (record === undefined || !record.connected) {
    note(out, `ignored ${message.kind} from agent ${agentId}, which is not connected`);
    return state;
  }
  if (message.agentId !== agentId || message.group !== state.settings.name) {
    note(out, `ignored ${message.kind}: it names agent ${message.agentId} of group ${message.group}`);
    return state;
  }
  switch (message.kind) {
    case 'hello': {
      fetchStateIfBehind(state, message.highestEpoch, -1, out);
      const claims = judgeClaims(state, agentId, message.localNodes);
      for (const { node, reason } of claims.refused) {
        emit(
          out,
          '-agent-claim-refused',
          `${agentId} ${node}`,
          state.durable.committed.epoch,
          `agent ${agentId}'s claim refused: ${reason}`,
        );
      }
      return withAgent(state, {
        ...record,
        localNodes: claims.accepted,
        highestEpoch: message.highestEpoch,
        lastSeenMs: nowMs,
      });
    }
    case 'observation': {
      if (message.seq <= record.seq) {
        note(out, `ignored observation ${message.seq} from ${agentId}: already have ${record.seq}`);
        return state;
      }
      fetchStateIfBehind(state, message.highestEpoch, record.highestEpoch, out);
      const views = Object.fromEntries(message.views.map((v) => [v.node, v]));
      let next = withAgent(state, {
        ...record,
        views,
        seq: message.seq,
        highestEpoch: Math.max(record.highestEpoch, message.highestEpoch),
        lastSeenMs: nowMs,
      });
      next = reconfFromObservation(next, agentId, record.views, views, out);
      rebootEvents(next, agentId, record.views, views, out);
      return noteFreshObservation(next, agentId, message.inReplyTo);
    }
    case 'command-result':
      // Only the node's own agent runs commands on it: a result about another node is not stored.
      if (!record.localNodes.includes(message.node)) {
        note(
          out,
          `ignored a ${message.action} result for ${message.node} from ${agentId}, which does not speak for it`,
        );
        return state;
      }
      emit(
        out,
        message.ok ? `+${message.action}-done` : `-${message.action}-failed`,
        `${message.node} ${message.epoch}`,
        message.epoch,
        `agent ${agentId} ${message.ok ? 'did' : 'failed to'} ${message.action} ${message.node} at epoch ${message.epoch}: ${message.detail}`,
      );
      return onRepointResult(withAgent(state, { ...record, lastSeenMs: nowMs }), message, out);
  }
}

/** Agents gone longer than agentTtlMs are forgotten (Sentinel needs a manual RESET for this). */
export function forgetExpiredAgents(state: VoterState, nowMs: number, out: Out): VoterState {
  const expired = Object.values(state.agents).filter(
    (a) => !a.connected && nowMs - a.lastSeenMs >= state.settings.agentTtlMs,
  );
  if (expired.length === 0) return state;
  const agents = { ...state.agents };
  for (const a of expired) delete agents[a.agentId];
  note(
    out,
    `forgot agents ${expired.map((a) => a.agentId).join(', ')} after ${state.settings.agentTtlMs} ms away`,
  );
  return { ...state, agents };
}
