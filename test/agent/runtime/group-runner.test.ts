// The group runner with fake ports: a grant is never sent while the state file cannot hold its promise.
import { describe, expect, it } from 'vitest';
import type { AgentEffect, AgentInput, PersistedAgentState } from '../../../agent/core/index.js';
import { membershipOf } from '../../../agent/core/index.js';
import type { FencePort } from '../../../agent/runtime/fence-owner.js';
import { GroupRunner, type VoterPort } from '../../../agent/runtime/group-runner.js';
import { silentLogger } from '../../../agent/runtime/logger.js';
import { AgentMetrics } from '../../../agent/runtime/metrics.js';
import type { Timers } from '../../../agent/runtime/timers.js';
import { A, B, C, config, settings } from '../core/helpers.js';

/** Timers that never fire: the test feeds every input itself. */
const stillTimers: Timers = { after: () => () => {}, every: () => () => {} };

const fence: FencePort = {
  configure: () => Promise.resolve(new Map()),
  set: () => {},
  fencedNow: () => true,
  applied: () => 'unknown',
  subscribe: () => {},
  close: () => {},
};

const voter: VoterPort = {
  status: 'waiting',
  consecutiveAuthFailures: 0,
  start: () => {},
  send: () => {},
  leasePing: () => {},
  close: () => Promise.resolve(),
};

function rig() {
  let nowMs = 1000;
  let diskFails = true;
  const written: PersistedAgentState[] = [];
  const sent: AgentEffect[] = [];
  const runner = new GroupRunner({
    settings: settings({ agentId: 'agent-b', localNodes: [B], failsafe: true, sentinel: null }),
    persisted: { highestEpoch: 1, config: config(1, A), holdUntilMs: null },
    clock: { nowMs: () => nowMs },
    timers: stillTimers,
    logger: silentLogger(),
    metrics: new AgentMetrics(false),
    nodes: new Map(),
    executor: { execute: () => Promise.resolve({ ok: true, detail: '' }), inFlight: () => [] },
    fence,
    store: {
      write: (state) => {
        if (diskFails) return Promise.reject(new Error('ENOSPC: no space left on device'));
        written.push(state);
        return Promise.resolve();
      },
    },
    openVoter: () => voter,
    openPeers: () => ({ request: () => {}, reply: (e) => sent.push(e), close: () => {} }),
    onEvent: () => {},
    onFatal: (error) => {
      throw error;
    },
  });
  let seq = 0;
  const ask = async (atMs: number) => {
    nowMs = atMs;
    const input: AgentInput = {
      kind: 'grant-request',
      from: A,
      requestId: `r${++seq}`,
      epoch: 1,
      master: A,
      durationMs: 2000,
      membership: membershipOf([A, B, C]),
    };
    runner.enqueue(input);
    await new Promise((resolve) => setImmediate(resolve));
  };
  return {
    runner,
    written,
    sent,
    ask,
    heal: () => {
      diskFails = false;
    },
    tick: async (atMs: number) => {
      nowMs = atMs;
      runner.enqueue({ kind: 'tick' });
      await new Promise((resolve) => setImmediate(resolve));
    },
  };
}

describe('the group runner and the state file', () => {
  it('sends no grant whose hold could not be written, nor one within that unwritten horizon', async () => {
    const r = rig();
    // The first grant needs its hold on disk: the write fails three times, the grant is dropped.
    await r.ask(1000);
    expect(r.sent).toEqual([]);
    // The core now believes the horizon persisted; the next grant falls within it, and it is still
    // not durable: dropped too.
    await r.ask(1400);
    expect(r.sent).toEqual([]);
    // The disk recovers: the next tick writes the pending state, and grants go out again.
    r.heal();
    await r.tick(1500);
    expect(r.written.at(-1)?.holdUntilMs).toBeGreaterThan(1000 + 2000);
    await r.ask(1600);
    expect(r.sent).toMatchObject([{ kind: 'grant-reply', to: A, granted: true, durationMs: 2000 }]);
  });
});
