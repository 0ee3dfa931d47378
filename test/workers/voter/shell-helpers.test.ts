// The voter shell's pure helpers in Node: hibernation restore, webhook signing and back-off, waiters, refusals.
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createVoterState } from '../../../workers/core/index.js';
import type { AgentRecord } from '../../../workers/core/types.js';
import { type Config, initialConfig } from '../../../workers/protocol/index.js';
import { refuseAgentMessage } from '../../../workers/voter/agent-gate.js';
import { agentChangeKey, planBoot, restoreAfterHibernation } from '../../../workers/voter/restore.js';
import { MAX_WAITERS, Waiters } from '../../../workers/voter/waiters.js';
import { MAX_ATTEMPTS, retryDelayMs, signWebhook, webhookId } from '../../../workers/voter/webhooks.js';
import { SETTINGS } from '../core/harness.js';

const record = (agentId: string, connected: boolean): AgentRecord => ({
  agentId,
  connected,
  localNodes: ['10.0.0.1:6379'],
  views: {},
  seq: 3,
  highestEpoch: 0,
  lastSeenMs: 500,
  leaseSeenMs: 900,
});

describe('restoreAfterHibernation', () => {
  it('keeps the stored start and agents, and lists agents whose sockets closed or are unknown', () => {
    const restored = restoreAfterHibernation(
      { ...SETTINGS, restartGraceMs: 60_000 },
      0,
      null,
      { startedAtMs: 1_000, unfinishedSinceMs: null, stickyUntilMs: 7 },
      [record('a', true), record('b', true), record('c', false)],
      new Set(['a', 'd']),
      100_000,
    );
    expect(restored.state.startedAtMs).toBe(1_000);
    expect(restored.state.stickyUntilMs).toBe(7);
    expect(restored.state.role).toEqual({ kind: 'follower' });
    expect(Object.keys(restored.state.agents)).toEqual(['a', 'b', 'c']);
    expect(restored.gone).toEqual(['b']);
    expect(restored.unknown).toEqual(['d']);
  });

  it('a lease renewal alone does not change what is stored', () => {
    expect(agentChangeKey({ ...record('a', true), leaseSeenMs: 5 })).toBe(agentChangeKey(record('a', true)));
    expect(agentChangeKey({ ...record('a', true), seq: 4 })).not.toBe(agentChangeKey(record('a', true)));
  });
});

describe('planBoot', () => {
  const rows = (agents: AgentRecord[]) => ({
    durable: null,
    volatile: () => ({ startedAtMs: 1_000, unfinishedSinceMs: null, stickyUntilMs: 0 }),
    agents: () => agents,
  });

  it('with no socket open is a real restart: a new life, the old agent rows dropped, nothing replayed', () => {
    let read = false;
    const plan = planBoot(
      SETTINGS,
      0,
      {
        ...rows([]),
        agents: () => {
          read = true;
          return [];
        },
      },
      new Set(),
      50_000,
    );
    expect(plan.state.startedAtMs).toBe(50_000);
    expect(plan).toMatchObject({ dropStoredAgents: true, stored: [], replay: [] });
    expect(read).toBe(false);
  });

  it('with sockets open is a wake-up: the stored life and agents, and the changes replayed in order', () => {
    const plan = planBoot(
      SETTINGS,
      0,
      rows([record('a', true), record('b', true)]),
      new Set(['a', 'c']),
      50_000,
    );
    expect(plan.state.startedAtMs).toBe(1_000);
    expect(plan.dropStoredAgents).toBe(false);
    expect(plan.stored.map((r) => r.agentId)).toEqual(['a', 'b']);
    expect(plan.replay).toEqual([
      { kind: 'agent-disconnected', agentId: 'b' },
      { kind: 'agent-connected', agentId: 'c' },
    ]);
  });
});

describe('webhooks', () => {
  it('sign HMAC-SHA256 over "<timestamp>.<body>" in hex', async () => {
    const expected = createHmac('sha256', 'k3y').update('1700000000.{"a":1}').digest('hex');
    expect(await signWebhook('k3y', 1_700_000_000, '{"a":1}')).toBe(expected);
  });

  it('back off from 1 s doubling to 5 min, and ids are stable per voter and event', () => {
    expect([1, 2, 3, 4].map(retryDelayMs)).toEqual([1_000, 2_000, 4_000, 8_000]);
    expect(retryDelayMs(MAX_ATTEMPTS)).toBe(300_000);
    expect(webhookId('mymaster', 2, 41)).toBe('mymaster#2:41');
  });
});

describe('Waiters', () => {
  it('answers at once when the epoch is already past, else on publish or at the timeout', async () => {
    const waiters = new Waiters<Config>();
    const current = initialConfig('10.0.0.1:6379');
    const past = (epoch: number) => (config: Config) => config.epoch > epoch;
    expect(await waiters.wait(past(-1), 1000, () => current)).toBe(current);
    const next = { ...current, epoch: 1, master: '10.0.0.2:6379' };
    const parked = waiters.wait(past(0), 10_000, () => current);
    const timedOut = waiters.wait(past(5), 20, () => current);
    expect(waiters.size).toBe(2);
    waiters.notify(next);
    expect(await parked).toBe(next);
    expect(await timedOut).toBe(current);
    expect(waiters.size).toBe(0);
  });

  it('parks at most MAX_WAITERS callers; one more is answered at once with the current value', async () => {
    const waiters = new Waiters<number>();
    const parked = Array.from({ length: MAX_WAITERS }, () =>
      waiters.wait(
        (id) => id > 3,
        10_000,
        () => 3,
      ),
    );
    expect(waiters.size).toBe(MAX_WAITERS);
    expect(
      await waiters.wait(
        (id) => id > 3,
        10_000,
        () => 3,
      ),
    ).toBe(3);
    waiters.notify(3);
    expect(waiters.size).toBe(MAX_WAITERS);
    waiters.notify(4);
    expect(await Promise.all(parked)).toEqual(Array.from({ length: MAX_WAITERS }, () => 4));
    expect(waiters.size).toBe(0);
  });
});

describe('refuseAgentMessage', () => {
  const state = createVoterState(SETTINGS, 0, null, 0);
  it('refuses other agents, other groups and stale command results', () => {
    const result = {
      v: 1,
      kind: 'command-result',
      agentId: 'a1',
      group: 'mymaster',
      epoch: 0,
      node: '10.0.0.1:6379',
      action: 'promote',
      ok: true,
      detail: '',
    } as const;
    expect(refuseAgentMessage(state, 'a1', result)).toBeNull();
    expect(refuseAgentMessage(state, 'a2', result)).toMatch(/names agent a1/);
    expect(refuseAgentMessage(state, 'a1', { ...result, group: 'other' })).toMatch(/names group other/);
    const later = {
      ...state,
      durable: { ...state.durable, committed: { ...state.durable.committed, epoch: 3 } },
    };
    expect(refuseAgentMessage(later, 'a1', result)).toBe('stale epoch 0: the committed epoch is 3');
  });

  it('refuses results at epochs no one here promised or committed (forged 1e15, 2^53-1), not those promised', () => {
    const result = {
      v: 1,
      kind: 'command-result',
      agentId: 'a1',
      group: 'mymaster',
      epoch: 1e15,
      node: '10.0.0.1:6379',
      action: 'promote',
      ok: true,
      detail: '',
    } as const;
    expect(refuseAgentMessage(state, 'a1', result)).toBe(
      'epoch 1000000000000000 is above any this voter promised or knows committed (0)',
    );
    expect(refuseAgentMessage(state, 'a1', { ...result, epoch: Number.MAX_SAFE_INTEGER })).toMatch(
      /is above any/,
    );
    const promised = { ...state, durable: { ...state.durable, promisedEpoch: 4 } };
    expect(refuseAgentMessage(promised, 'a1', { ...result, epoch: 4 })).toBeNull();
    expect(refuseAgentMessage(promised, 'a1', { ...result, epoch: 5 })).toMatch(/above any .* \(4\)/);
  });
});
