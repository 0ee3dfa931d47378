// The runtime settings register in the voter core: adoption only upward, effective settings, pushes.
import { describe, expect, it } from 'vitest';
import { createVoterState, stepVoter } from '../../../workers/core/index.js';
import { newOut } from '../../../workers/core/out.js';
import {
  compareOverrides,
  effectiveSettings,
  onSettingsOverride,
} from '../../../workers/core/settings-override.js';
import type { SettingsOverride, VoterState } from '../../../workers/core/types.js';
import { Cluster, NODES, SETTINGS, view } from './harness.js';

const o = (version: number, writer: string, values: SettingsOverride['values']): SettingsOverride => ({
  version,
  writer,
  values,
});

describe('compareOverrides', () => {
  it.each([
    [null, null, 0],
    [null, o(1, 'a', {}), -1],
    [o(1, 'a', {}), null, 1],
    [o(2, 'a', {}), o(1, 'z', {}), 1],
    [o(1, 'a', {}), o(1, 'b', {}), -1],
    [o(3, 'b', {}), o(3, 'b', { quorum: 1 }), 0],
  ])('orders %j against %j as %i', (a, b, sign) => {
    expect(Math.sign(compareOverrides(a, b))).toBe(sign);
  });
});

describe('effectiveSettings', () => {
  it('puts the overridable fields over the baseline and nothing else', () => {
    const effective = effectiveSettings(
      SETTINGS,
      o(1, 'w', { quorum: 3, downAfterMs: 2000, parallelSyncs: 2, masterRebootDownAfterMs: 5000 }),
    );
    expect(effective).toEqual({
      ...SETTINGS,
      quorum: 3,
      downAfterMs: 2000,
      parallelSyncs: 2,
      masterRebootDownAfterMs: 5000,
    });
  });

  it('a runtime master-reboot-down-after-period of 0 turns off a deployed one', () => {
    const deployed = { ...SETTINGS, masterRebootDownAfterMs: 5000 };
    expect(
      effectiveSettings(deployed, o(1, 'w', { masterRebootDownAfterMs: 0 })).masterRebootDownAfterMs,
    ).toBe(0);
    expect(effectiveSettings(deployed, o(2, 'w', {})).masterRebootDownAfterMs).toBe(5000);
  });

  it('a runtime downAfterMs leaves the lease and the restart grace as deployed', () => {
    const effective = effectiveSettings(SETTINGS, o(1, 'w', { downAfterMs: 5000 }));
    expect(effective.leaseMs).toBe(SETTINGS.leaseMs);
    expect(effective.restartGraceMs).toBe(SETTINGS.restartGraceMs);
  });

  it('no override is the baseline itself', () => {
    expect(effectiveSettings(SETTINGS, null)).toBe(SETTINGS);
  });
});

function adopt(state: VoterState, override: SettingsOverride) {
  const out = newOut();
  return { state: onSettingsOverride(state, override, out), out };
}

describe('onSettingsOverride', () => {
  it('adopts only a greater (version, writer): versions never go back', () => {
    let state = createVoterState(SETTINGS, 0, null, 0);
    state = adopt(state, o(2, 'b', { quorum: 3 })).state;
    for (const older of [o(1, 'z', { quorum: 1 }), o(2, 'a', { quorum: 1 }), o(2, 'b', { quorum: 1 })]) {
      const { state: after, out } = adopt(state, older);
      expect(after).toBe(state);
      expect(out.emits).toEqual([]);
    }
    expect(state.settings.quorum).toBe(3);
    state = adopt(state, o(2, 'c', {})).state;
    expect(state.durable.settingsOverride?.writer).toBe('c');
    expect(state.settings.quorum).toBe(SETTINGS.quorum);
  });

  it('asks to persist the new override, and a restart from it runs on the effective settings', () => {
    const state = createVoterState(SETTINGS, 1, null, 0);
    const result = stepVoter(
      state,
      { kind: 'settings-override', override: o(1, 'w', { downAfterMs: 2500 }) },
      {
        nowMs: 10,
        rng: () => 0.5,
        autoResponseAtMs: {},
      },
    );
    expect(result.persist?.settingsOverride?.version).toBe(1);
    const restarted = createVoterState(SETTINGS, 1, result.persist ?? null, 20);
    expect(restarted.settings.downAfterMs).toBe(2500);
    expect(restarted.baseline).toBe(SETTINGS);
    expect(restarted.settings.leaseMs).toBe(SETTINGS.leaseMs);
  });

  it('pushes the new settings to every connected agent and emits +set per changed field', () => {
    const c = new Cluster();
    c.connectAgents((agent) => NODES.map((n) => view(n, { offsetBytes: agent === 'a1' ? 1 : 0 })));
    c.toAgents.length = 0;
    c.step(0, { kind: 'settings-override', override: o(1, 'w', { quorum: 3, downAfterMs: 2000 }) });
    const pushes = c.toAgents.filter((d) => d.message.kind === 'settings');
    expect(pushes.map((d) => d.to).sort()).toEqual(['a1', 'a2', 'a3']);
    for (const push of pushes) {
      expect(push.message).toMatchObject({
        settings: { quorum: 3, downAfterMs: 2000, leaseMs: SETTINGS.leaseMs },
      });
    }
    expect(c.events.filter((e) => e.name === '+set').map((e) => e.payload)).toEqual([
      'master mymaster 10.0.0.1 6379 quorum 3',
      'master mymaster 10.0.0.1 6379 down-after-milliseconds 2000',
    ]);
  });

  it("pushes master-reboot-down-after-period to the agents with Sentinel's +set", () => {
    const c = new Cluster();
    c.connectAgents(() => NODES.map((n) => view(n)));
    const first = c.toAgents.find((d) => d.message.kind === 'settings');
    // Deployed as 0 (off): announced as such from the first push on.
    expect(first?.message).toMatchObject({ settings: { masterRebootDownAfterMs: 0 } });
    c.toAgents.length = 0;
    c.step(0, { kind: 'settings-override', override: o(1, 'w', { masterRebootDownAfterMs: 5000 }) });
    const pushes = c.toAgents.filter((d) => d.message.kind === 'settings');
    expect(pushes).toHaveLength(3);
    for (const push of pushes) {
      expect(push.message).toMatchObject({ settingsVersion: 1, settings: { masterRebootDownAfterMs: 5000 } });
    }
    expect(c.events.filter((e) => e.name === '+set').map((e) => e.payload)).toEqual([
      'master mymaster 10.0.0.1 6379 master-reboot-down-after-period 5000',
    ]);
  });
});
