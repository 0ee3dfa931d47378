// The shipped StepRunner over its ports: what it saves, sends and asks of the alarm, step by step.
import { describe, expect, it } from 'vitest';
import type { GroupEntry } from '../../../workers/config/load.js';
import { createVoterState, stepVoter } from '../../../workers/core/index.js';
import type { Booted } from '../../../workers/voter/booted.js';
import { zeroCounters } from '../../../workers/voter/counters.js';
import type { VoterRuntime } from '../../../workers/voter/step-ports.js';
import { StepRunner } from '../../../workers/voter/step-runner.js';
import type { WebhookHost } from '../../../workers/voter/webhooks.js';
import { SimVoterStorage } from '../../sim/voter-storage.js';
import { SETTINGS } from '../core/harness.js';

const SOLO = { ...SETTINGS, voters: 1, quorum: 1, agentTtlMs: 10_000 };
const ENTRY = { name: SOLO.name, settings: SOLO, config: {} } as unknown as GroupEntry;
const NO_HOOKS = { hooks: [] } as unknown as WebhookHost;

function harness() {
  let now = 1_000;
  const alarms: (number | null)[] = [];
  const sentToAgents: string[] = [];
  const runtime: VoterRuntime = {
    step: stepVoter,
    nowMs: () => now,
    random: () => 0.5,
    autoResponseTimes: () => ({}),
    sendPeer: () => {},
    sendAgent: (to, message) => sentToAgents.push(`${to} ${message.kind}`),
    setAlarm: (atMs) => alarms.push(atMs),
    transactionSync: (fn) => fn(),
    log: () => {},
    logError: () => {},
  };
  const storage = new SimVoterStorage(() => {});
  const runner = new StepRunner(runtime, storage, zeroCounters());
  const me: Booted = {
    entry: ENTRY,
    index: 0,
    name: 'mymaster#0',
    state: createVoterState(SOLO, 0, null, now),
    hooks: NO_HOOKS,
    sink: null,
  };
  runner.rememberStored([]);
  return {
    runner,
    me,
    storage,
    alarms,
    sentToAgents,
    at: (ms: number) => {
      now = ms;
    },
  };
}

describe('StepRunner', () => {
  it('saves agent rows and sends the config push when an agent connects', () => {
    const h = harness();
    h.runner.run(h.me, { kind: 'agent-connected', agentId: 'a1' });
    expect(h.storage.agents.has('a1')).toBe(true);
    expect(h.sentToAgents).toContain('a1 config');
  });

  it('after an alarm that leaves nothing pending, sets no alarm again (no busy loop)', () => {
    const h = harness();
    h.runner.run(h.me, { kind: 'agent-connected', agentId: 'a1' });
    h.runner.run(h.me, { kind: 'agent-disconnected', agentId: 'a1' });
    // The disconnected agent is forgotten after agentTtlMs: the core wants an alarm then.
    const expiry = h.alarms.at(-1);
    expect(expiry).toBe(1_000 + SOLO.agentTtlMs);
    h.at(expiry as number);
    h.runner.alarmFired();
    h.runner.run(h.me, { kind: 'alarm' });
    expect(h.me.state.agents.a1).toBeUndefined();
    // Storage holds no alarm and the core wants none: nothing is set (an alarm at `expiry`, now
    // in the past, would fire at once, again and again).
    expect(h.alarms.slice(1)).toEqual([]);
  });
});
