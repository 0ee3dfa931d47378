import { describe, expect, it } from 'vitest';
import {
  createVoterState,
  stepVoter,
  type VoterResult,
  type VoterState,
} from '../../../workers/core/index.js';
import type { Config, PeerMessage, VoteReply } from '../../../workers/protocol/index.js';
import { SETTINGS } from './harness.js';

const M = '10.0.0.1:6379';
const R = '10.0.0.2:6379';
const ctx = (nowMs = 1000) => ({ nowMs, rng: () => 0.5, autoResponseAtMs: {} });

function deliver(state: VoterState, from: number, message: PeerMessage, nowMs = 1000): VoterResult {
  return stepVoter(state, { kind: 'peer-message', from, message }, ctx(nowMs));
}

const voteRequest = (
  epoch: number,
  candidate: number,
  purpose: 'failover' | 'manual' | 'reaffirm' = 'manual',
) =>
  ({
    v: 1,
    kind: 'vote-request',
    group: 'mymaster',
    epoch,
    candidate,
    purpose,
    subject: M,
    target: null,
  }) as const;

const config = (epoch: number, state: Config['state'] = 'promoting'): Config => ({
  epoch,
  master: R,
  state,
  previousMaster: M,
  cause: 'manual',
  leader: 1,
});

const accept = (epoch: number, leader = 1, state: Config['state'] = 'promoting') =>
  ({ v: 1, kind: 'accept', group: 'mymaster', epoch, leader, config: config(epoch, state) }) as const;

function reply(result: VoterResult): VoteReply | undefined {
  for (const e of result.effects) {
    if (e.kind === 'send-peer' && e.message.kind === 'vote-reply') return e.message;
  }
  return undefined;
}

/** Position in the order the shell carries a step out: `persist` first, then the effects. */
function persistIndex(result: VoterResult): number {
  return result.persist === null ? -1 : 0;
}

function firstSendIndex(result: VoterResult): number {
  const index = result.effects.findIndex((e) => e.kind === 'send-peer');
  return index === -1 ? -1 : index + 1;
}

describe('acceptor: one persisted vote per epoch', () => {
  const fresh = () => createVoterState(SETTINGS, 0, null, 0);

  it('grants a first vote, persisting it before the reply leaves', () => {
    const result = deliver(fresh(), 1, voteRequest(1, 1));
    expect(reply(result)?.granted).toBe(true);
    expect(result.state.durable.vote).toEqual({ epoch: 1, candidate: 1 });
    expect(persistIndex(result)).toBeGreaterThanOrEqual(0);
    expect(persistIndex(result)).toBeLessThan(firstSendIndex(result));
  });

  it.each([
    { name: 'another candidate, same epoch', second: voteRequest(1, 2), granted: false },
    { name: 'the same candidate again (duplicate)', second: voteRequest(1, 1), granted: true },
    { name: 'a lower epoch', second: voteRequest(0, 2), granted: false },
    { name: 'a higher epoch, operator request', second: voteRequest(2, 2), granted: true },
  ])('after voting for 1 in epoch 1: $name -> granted $granted', ({ second, granted }) => {
    const first = deliver(fresh(), 1, voteRequest(1, 1)).state;
    const result = deliver(first, second.candidate, second);
    expect(reply(result)?.granted).toBe(granted);
    if (!granted) expect(result.state.durable).toEqual(first.durable);
  });

  it('refuses an automatic failover it has no ODOWN for, and says why', () => {
    const result = deliver(fresh(), 1, voteRequest(1, 1, 'failover'));
    expect(reply(result)?.granted).toBe(false);
    expect(reply(result)?.busy).toBe(false);
    expect(result.reason).toContain('does not see');
    expect(result.state.durable.promisedEpoch).toBe(0);
  });

  it('holds its vote for the winner: another automatic candidacy right after is refused as busy', () => {
    const voted = deliver(fresh(), 1, voteRequest(1, 1)).state;
    const result = deliver(voted, 2, voteRequest(2, 2, 'reaffirm'));
    expect(reply(result)?.granted).toBe(false);
    expect(reply(result)?.busy).toBe(true);
  });

  it('remembers its vote across a restart from what it persisted', () => {
    const first = deliver(fresh(), 1, voteRequest(1, 1));
    const restarted = createVoterState(SETTINGS, 0, first.state.durable, 5000);
    expect(reply(deliver(restarted, 2, voteRequest(1, 2), 5000))?.granted).toBe(false);
  });
});

describe('acceptor: accepts at or above the promise only', () => {
  const voted = () => deliver(createVoterState(SETTINGS, 0, null, 0), 1, voteRequest(3, 1)).state;

  it.each([
    { name: 'below the promise', epoch: 2, ok: false },
    { name: 'at the promise', epoch: 3, ok: true },
    { name: 'above the promise', epoch: 4, ok: true },
  ])('$name (epoch $epoch) -> ok $ok', ({ epoch, ok }) => {
    const result = deliver(voted(), 1, accept(epoch));
    const sent = result.effects.find((e) => e.kind === 'send-peer');
    expect(sent?.kind === 'send-peer' && sent.message.kind === 'accept-reply' && sent.message.ok).toBe(ok);
    expect(result.state.durable.accepted.epoch).toBe(ok ? epoch : 0);
  });

  it('does not let a late promoting accept undo an active one of the same epoch', () => {
    const active = deliver(voted(), 1, accept(3, 1, 'active')).state;
    const late = deliver(active, 1, accept(3, 1, 'promoting')).state;
    expect(late.durable.accepted.state).toBe('active');
  });

  it('learns a commit: committed, accepted and promised move up; active configs are published', () => {
    const learned = deliver(voted(), 1, {
      v: 1,
      kind: 'commit',
      group: 'mymaster',
      config: config(5, 'active'),
    });
    expect(learned.state.durable.committed.epoch).toBe(5);
    expect(learned.state.durable.accepted.epoch).toBe(5);
    expect(learned.state.durable.promisedEpoch).toBe(5);
    expect(learned.state.durable.published.master).toBe(R);
    expect(learned.effects.some((e) => e.kind === 'emit' && e.event.name === '+switch-master')).toBe(true);
    // Commits only move forward.
    const old = deliver(learned.state, 1, {
      v: 1,
      kind: 'commit',
      group: 'mymaster',
      config: config(4, 'active'),
    });
    expect(old.state.durable.committed.epoch).toBe(5);
  });
});
