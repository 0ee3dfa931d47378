// Builders of the messages the agent core sends to voters, built in one place (the voter's are in workers/core/messages.ts).
import { type AgentMessage, type NodeView, PROTOCOL_VERSION } from '../../workers/protocol/index.js';
import type { AgentState } from './agent-state.js';
import type { NodeAction } from './types.js';

/** The protocol's bound on a reason or detail string. */
const MAX_DETAIL = 500;

export function helloMessage(state: AgentState): AgentMessage {
  const { settings } = state;
  return {
    v: PROTOCOL_VERSION,
    kind: 'hello',
    agentId: settings.agentId,
    group: settings.group,
    localNodes: [...settings.localNodes],
    highestEpoch: state.highestEpoch,
    sentinel:
      settings.sentinel === null ? null : { host: settings.sentinel.host, port: settings.sentinel.port },
  };
}

export function observationMessage(
  state: AgentState,
  seq: number,
  views: readonly NodeView[],
  inReplyTo: string | null,
): AgentMessage {
  return {
    v: PROTOCOL_VERSION,
    kind: 'observation',
    agentId: state.settings.agentId,
    group: state.settings.group,
    seq,
    highestEpoch: state.highestEpoch,
    inReplyTo,
    views: [...views],
  };
}

/** How a command on a local node ended, as reported to the voters. */
export interface CommandOutcome {
  readonly node: string;
  readonly epoch: number;
  readonly action: NodeAction['kind'] | 'refuse';
  readonly ok: boolean;
  readonly detail: string;
}

export function commandResultMessage(
  state: AgentState,
  { node, epoch, action, ok, detail }: CommandOutcome,
): AgentMessage {
  return {
    v: PROTOCOL_VERSION,
    kind: 'command-result',
    agentId: state.settings.agentId,
    group: state.settings.group,
    epoch,
    node,
    action,
    ok,
    detail: detail.slice(0, MAX_DETAIL),
  };
}
