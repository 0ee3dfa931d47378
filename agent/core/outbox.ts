// Builders of the messages the agent core sends to voters, and the partial-step type they feed.
import { type AgentMessage, type NodeView, PROTOCOL_VERSION } from '../../workers/protocol/index.js';
import type { AgentState } from './agent-state.js';
import type { AgentEffect, LocalEffect, NodeAction } from './types.js';

/**
 * A step under construction: the state so far, the effects in order, and notes for the reason.
 * `persist` marks a step whose state the state file must hold before any of its effects: the
 * step's result then carries the final state's `persistedOf`, ahead of every effect.
 */
export interface Step {
  readonly state: AgentState;
  readonly effects: readonly AgentEffect[];
  readonly notes: readonly string[];
  readonly persist?: true;
}

/** Named `andThen`, not `then`: a module exporting `then` is a thenable and breaks `await import()`. */
export function andThen(step: Step, next: (state: AgentState) => Step): Step {
  const after = next(step.state);
  const merged: Step = {
    state: after.state,
    effects: [...step.effects, ...after.effects],
    notes: [...step.notes, ...after.notes],
  };
  return step.persist === true || after.persist === true ? { ...merged, persist: true } : merged;
}

const LOCAL_KINDS: ReadonlySet<AgentEffect['kind']> = new Set(['probe', 'info', 'fence']);

/** Carried out even when the step's persist failed (see `LocalEffect`). */
export function isLocalEffect(effect: AgentEffect): effect is LocalEffect {
  return LOCAL_KINDS.has(effect.kind);
}

export const noop = (state: AgentState): Step => ({ state, effects: [], notes: [] });

/** An input handled: its step so far, and why (the start of the step's reason). */
export interface Handled {
  readonly step: Step;
  readonly reason: string;
}

export const handled = (
  state: AgentState,
  reason: string,
  effects: readonly AgentEffect[] = [],
): Handled => ({
  step: { state, effects, notes: [] },
  reason,
});

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

/** One `send` effect per connected voter, in voter order. */
export function broadcast(state: AgentState, message: AgentMessage): AgentEffect[] {
  const effects: AgentEffect[] = [];
  state.voters.forEach((link, voter) => {
    if (link.connected) effects.push({ kind: 'send', voter, message });
  });
  return effects;
}

export function connectedCount(state: AgentState): number {
  return state.voters.filter((link) => link.connected).length;
}
