// The effect collector one step fills: messages, events and the sentences explaining decisions.
import {
  type AgentId,
  note,
  type PeerMessage,
  type Reasons,
  type VoterEventName,
  type VoterMessage,
} from '../protocol/index.js';
import type { AdminRefusal, AdminRefusalCode, VoterEffect, VoterState } from './types.js';

/** `note` and the step's one-sentence reason (`reasonOf`) are shared with the agent core (step-result.ts). */
export { note };

export interface Out extends Reasons {
  readonly sends: VoterEffect[];
  readonly emits: VoterEffect[];
  /** An operator request this step refused without an event (see `refuse`). */
  refusal: AdminRefusal | null;
}

export function newOut(): Out {
  return { sends: [], emits: [], reasons: [], refusal: null };
}

export function sendPeer(out: Out, to: number, message: PeerMessage): void {
  out.sends.push({ kind: 'send-peer', to, message });
}

export function sendAgent(out: Out, to: AgentId, message: VoterMessage): void {
  out.sends.push({ kind: 'send-agent', to, message });
}

/** Send to every other voter of the group. */
export function broadcastPeers(out: Out, state: VoterState, message: PeerMessage): void {
  for (let i = 0; i < state.settings.voters; i++) if (i !== state.index) sendPeer(out, i, message);
}

/** Send to every agent currently connected to this voter. */
export function broadcastAgents(out: Out, state: VoterState, message: VoterMessage): void {
  for (const agent of Object.values(state.agents))
    if (agent.connected) sendAgent(out, agent.agentId, message);
}

export function emit(out: Out, name: VoterEventName, payload: string, epoch: number, reason: string): void {
  out.emits.push({ kind: 'emit', event: { name, payload, epoch, reason } });
  note(out, reason);
}

/** Refuse the operator's request of this step: the answer carries the code and the reason. */
export function refuse(out: Out, code: AdminRefusalCode, reason: string): void {
  out.refusal = { ok: false, code, reason };
  note(out, reason);
}
