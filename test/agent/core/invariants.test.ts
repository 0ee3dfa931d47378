// The agent step's rules as a list (checkAgentStep), and stepAgent's one Error naming them.
import { describe, expect, it } from 'vitest';
import { createAgentState } from '../../../agent/core/agent-state.js';
import { checkAgentStep } from '../../../agent/core/invariants.js';
import type { AgentEffect } from '../../../agent/core/types.js';
import { A, config, settings } from './helpers.js';

const state = createAgentState(
  settings(),
  { highestEpoch: 3, config: config(3, A), holdUntilMs: null },
  1000,
);
const held = { ...state, failsafe: { ...state.failsafe, holdUntilMs: 5000, holdFor: 'x' } };
const promote = (epoch: number): AgentEffect => ({
  kind: 'execute',
  node: A,
  epoch,
  action: { kind: 'promote' },
});
const unfence: AgentEffect = { kind: 'fence', node: A, writableUntilMs: null, runId: null };

describe('checkAgentStep', () => {
  it('finds nothing broken in a step at the highest epoch, outside a hold', () => {
    expect(checkAgentStep(state, [promote(3), unfence], 1000)).toEqual([]);
  });

  it('lists an execute below the highest epoch seen', () => {
    expect(checkAgentStep(state, [promote(2)], 1000)).toEqual(['execute at epoch 2 below 3']);
  });

  it("lists every promotion and unfence during a grant's hold, after the stale executes", () => {
    expect(checkAgentStep(held, [unfence, promote(2)], 1000)).toEqual([
      'execute at epoch 2 below 3',
      `fence of ${A} during a grant's hold`,
      `execute of ${A} during a grant's hold`,
    ]);
  });

  it('lets a fence go out during a hold', () => {
    expect(
      checkAgentStep(held, [{ kind: 'fence', node: A, writableUntilMs: 900, runId: null }], 1000),
    ).toEqual([]);
  });
});
