// The operator's answer comes out of the step itself: hopeless requests are refused in the core.
import { describe, expect, it } from 'vitest';
import { REFUSAL_BY_ABORT_EVENT } from '../../../workers/core/admin.js';
import {
  type AdminAction,
  createVoterState,
  stepVoter,
  type VoterInput,
  type VoterResult,
  type VoterState,
} from '../../../workers/core/index.js';
import { type NodeView, VOTER_EVENT_NAMES } from '../../../workers/protocol/index.js';
import { AGENTS, NODES, SETTINGS, view } from './harness.js';

const [M, R1, R2] = NODES as [string, string, string];
const ctx = (nowMs: number) => ({ nowMs, rng: () => 0.5, autoResponseAtMs: {} });

/** Voter 0 with every agent connected and reporting `views` for its own node. */
function voterSeeing(views: (node: string) => NodeView): VoterState {
  let state = createVoterState(SETTINGS, 0, null, 0);
  const step = (input: VoterInput) => {
    state = stepVoter(state, input, ctx(100)).state;
  };
  AGENTS.forEach((agentId, k) => {
    const node = NODES[k] ?? '';
    step({ kind: 'agent-connected', agentId });
    step({
      kind: 'agent-message',
      agentId,
      message: {
        v: 1,
        kind: 'hello',
        agentId,
        group: 'mymaster',
        localNodes: [node],
        highestEpoch: 0,
        sentinel: null,
      },
    });
    step({
      kind: 'agent-message',
      agentId,
      message: {
        v: 1,
        kind: 'observation',
        agentId,
        group: 'mymaster',
        seq: 1,
        highestEpoch: 0,
        inReplyTo: null,
        views: [views(node)],
      },
    });
  });
  return state;
}

function ask(state: VoterState, action: AdminAction): VoterResult {
  return stepVoter(state, { kind: 'admin', action }, ctx(200));
}

/** Nothing started: no epoch, no request pending, nothing persisted, sent or recorded. */
function expectNothingStarted(before: VoterState, result: VoterResult): void {
  expect(result.state.pendingRequest).toBeNull();
  expect(result.state.role.kind).toBe('follower');
  expect(result.state.durable).toEqual(before.durable);
  expect(result.effects.filter((e) => e.kind !== 'set-alarm')).toEqual([]);
}

describe('the answer to an operator', () => {
  it('refuses a failover to the current master (REFUSED) and starts nothing', () => {
    const state = voterSeeing((n) => view(n));
    const result = ask(state, { kind: 'failover', target: M });
    expect(result.answer).toEqual({ ok: false, code: 'REFUSED', reason: `${M} is already the master` });
    expectNothingStarted(state, result);
  });

  it('refuses a switchover to a replica that cannot be promoted (NOGOODSLAVE), with why', () => {
    const state = voterSeeing((n) => view(n, { priority: n === R2 ? 0 : 100 }));
    const result = ask(state, { kind: 'switchover', target: R2, timeoutMs: null });
    expect(result.answer).toEqual({
      ok: false,
      code: 'NOGOODSLAVE',
      reason: `${R2} cannot be promoted: its replica-priority is 0`,
    });
    expectNothingStarted(state, result);
  });

  it('refuses a failover to a node nobody knows (NOGOODSLAVE)', () => {
    const state = voterSeeing((n) => view(n));
    const result = ask(state, { kind: 'failover', target: '10.9.9.9:6379' });
    expect(result.answer).toMatchObject({ ok: false, code: 'NOGOODSLAVE' });
    expect(result.answer?.reason).toContain('it is not a known node');
    expectNothingStarted(state, result);
  });

  it('refuses a failover when no replica could be chosen (NOGOODSLAVE), naming each one', () => {
    const state = voterSeeing((n) => view(n, n === M ? {} : { priority: 0 }));
    const result = ask(state, { kind: 'failover', target: null });
    expect(result.answer).toMatchObject({ ok: false, code: 'NOGOODSLAVE' });
    expect(result.answer?.reason).toMatch(/^no replica can be promoted \(/);
    expect(result.answer?.reason).toContain(`${R1}: its replica-priority is 0`);
    expectNothingStarted(state, result);
  });

  it('refuses when a replica has no connected agent (NOGOODSLAVE)', () => {
    const seen = voterSeeing((n) => view(n));
    const state = stepVoter(seen, { kind: 'agent-disconnected', agentId: 'a3' }, ctx(150)).state;
    const result = ask(state, { kind: 'switchover', target: R2, timeoutMs: null });
    expect(result.answer).toEqual({
      ok: false,
      code: 'NOGOODSLAVE',
      reason: `${R2} cannot be promoted: its agent is not connected`,
    });
  });

  it('answers INPROG while a change is in progress, from the abort event it emits', () => {
    const state = voterSeeing((n) => view(n));
    const started = ask(state, { kind: 'failover', target: null }).state;
    expect(started.role.kind).toBe('candidate');
    const result = ask(started, { kind: 'switchover', target: R1, timeoutMs: null });
    expect(result.answer).toMatchObject({ ok: false, code: 'INPROG' });
    expect(
      result.effects.some((e) => e.kind === 'emit' && e.event.name === '-failover-abort-in-progress'),
    ).toBe(true);
  });

  it('answers ok when the election starts, and carries no answer for other inputs', () => {
    const state = voterSeeing((n) => view(n));
    const result = ask(state, { kind: 'failover', target: R1 });
    expect(result.answer).toEqual({ ok: true, reason: result.reason });
    expect(result.state.role.kind).toBe('candidate');
    expect(ask(state, { kind: 'pause' }).answer).toMatchObject({ ok: true });
    expect(stepVoter(state, { kind: 'alarm' }, ctx(200)).answer).toBeNull();
  });

  it('maps every failover-abort event to a refusal code, and no other event', () => {
    const aborts = VOTER_EVENT_NAMES.filter((name) => name.startsWith('-failover-abort'));
    expect(Object.keys(REFUSAL_BY_ABORT_EVENT).sort()).toEqual([...aborts].sort());
  });
});
