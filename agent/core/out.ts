// The collector one agent step fills: its effects in order, the persist mark, and why (the reasons).
import { type AgentMessage, note, type Reasons } from '../../workers/protocol/index.js';
import type { AgentState } from './agent-state.js';
import type { AgentEffect, LocalEffect } from './types.js';

/** `note` and the step's one-sentence reason (`reasonOf`) are shared with the voter core (step-result.ts). */
export { note };

/**
 * What one step has decided so far. The effects stay in the order they were decided: the shell
 * carries them out in that order. `persist` marks a step whose state the state file must hold
 * before any of its effects: the step's result then carries the final state's `persistedOf`.
 */
export interface AgentOut extends Reasons {
  readonly effects: AgentEffect[];
  persist: boolean;
}

export function newAgentOut(): AgentOut {
  return { effects: [], reasons: [], persist: false };
}

export function effect(out: AgentOut, decided: AgentEffect): void {
  out.effects.push(decided);
}

/** The state file must hold this step's final state before any of its effects goes out. */
export function markPersist(out: AgentOut): void {
  out.persist = true;
}

/** One `send` effect per connected voter, in voter order. */
export function broadcastVoters(out: AgentOut, state: AgentState, message: AgentMessage): void {
  state.voters.forEach((link, voter) => {
    if (link.connected) effect(out, { kind: 'send', voter, message });
  });
}

const LOCAL_KINDS: ReadonlySet<AgentEffect['kind']> = new Set(['probe', 'info', 'fence']);

/** Carried out even when the step's persist failed (see `LocalEffect`). */
export function isLocalEffect(decided: AgentEffect): decided is LocalEffect {
  return LOCAL_KINDS.has(decided.kind);
}
