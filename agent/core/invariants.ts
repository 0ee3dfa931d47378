// The rules every agent step must keep, checked on its final state and effects (README.md, "The rules it enforces").
import type { AgentState } from './agent-state.js';
import { heldAt } from './failsafe.js';
import type { AgentEffect } from './types.js';

/**
 * The rules this step broke, one entry per offending effect; empty when it kept them all.
 * Invariant 4: no `execute` below the highest epoch seen. A grant given is a promise: no
 * promotion and no unfence of a local node while it holds.
 */
export function checkAgentStep(
  state: AgentState,
  effects: readonly AgentEffect[],
  nowMs: number,
): readonly string[] {
  const broken: string[] = [];
  for (const effect of effects) {
    if (effect.kind === 'execute' && effect.epoch < state.highestEpoch) {
      broken.push(`execute at epoch ${effect.epoch} below ${state.highestEpoch}`);
    }
  }
  if (!heldAt(state.failsafe, nowMs)) return broken;
  for (const effect of effects) {
    const unfence =
      effect.kind === 'fence' && (effect.writableUntilMs === null || effect.writableUntilMs > nowMs);
    const promote = effect.kind === 'execute' && effect.action.kind === 'promote';
    if (unfence || promote) broken.push(`${effect.kind} of ${effect.node} during a grant's hold`);
  }
  return broken;
}
