// Runtime overrides of a group's settings: an ABD register held by the voters, merged over wrangler.toml.

import { settingsPush } from './messages.js';
import { emit, note, type Out, sendAgent } from './out.js';
import type { GroupSettings, SettingsOverride, VoterState } from './types.js';

/**
 * The settings an operator may change at runtime. leaseMs, fencing, voters and clockDriftRatio
 * stay deploy-time only: they are safety parameters every agent and voter must agree on at once.
 */
export const OVERRIDABLE_SETTINGS = [
  'quorum',
  'downAfterMs',
  'failoverTimeoutMs',
  'parallelSyncs',
  'masterRebootDownAfterMs',
] as const;
export type OverridableSetting = (typeof OVERRIDABLE_SETTINGS)[number];

/** Total order of register values: by version, then writer (distinct writers never tie). */
export function compareOverrides(a: SettingsOverride | null, b: SettingsOverride | null): number {
  if (a === null || b === null) return a === null ? (b === null ? 0 : -1) : 1;
  if (a.version !== b.version) return a.version - b.version;
  return a.writer < b.writer ? -1 : a.writer > b.writer ? 1 : 0;
}

/**
 * The baseline with the override's values on top. Only the overridable fields change: the
 * lease and the restart grace keep what toGroupSettings derived from the declared downAfterMs.
 */
export function effectiveSettings(baseline: GroupSettings, override: SettingsOverride | null): GroupSettings {
  if (override === null) return baseline;
  const v = override.values;
  return {
    ...baseline,
    quorum: v.quorum ?? baseline.quorum,
    downAfterMs: v.downAfterMs ?? baseline.downAfterMs,
    failoverTimeoutMs: v.failoverTimeoutMs ?? baseline.failoverTimeoutMs,
    parallelSyncs: v.parallelSyncs ?? baseline.parallelSyncs,
    masterRebootDownAfterMs: v.masterRebootDownAfterMs ?? baseline.masterRebootDownAfterMs,
  };
}

/** Sentinel's `+set` payload: "master <name> <ip> <port> <option> <value>" once per changed field. */
function changes(before: GroupSettings, after: GroupSettings): string[] {
  const names: Record<OverridableSetting, string> = {
    quorum: 'quorum',
    downAfterMs: 'down-after-milliseconds',
    failoverTimeoutMs: 'failover-timeout',
    parallelSyncs: 'parallel-syncs',
    masterRebootDownAfterMs: 'master-reboot-down-after-period',
  };
  return OVERRIDABLE_SETTINGS.filter((k) => before[k] !== after[k]).map((k) => `${names[k]} ${after[k]}`);
}

/**
 * Adopt `override` only if it is newer than what this voter holds (so versions never go back);
 * then the effective settings change and every connected agent gets them at once.
 */
export function onSettingsOverride(state: VoterState, override: SettingsOverride, out: Out): VoterState {
  const held = state.durable.settingsOverride;
  if (compareOverrides(override, held) <= 0) return state;
  const settings = effectiveSettings(state.baseline, override);
  const next: VoterState = { ...state, settings, durable: { ...state.durable, settingsOverride: override } };
  const master = state.durable.published.master;
  const [host, port] = splitNode(master);
  const changed = changes(state.settings, settings);
  const epoch = state.durable.committed.epoch;
  const reason = `runtime settings v${override.version} adopted`;
  if (changed.length === 0) note(out, `${reason}: no effective change`);
  for (const change of changed) {
    emit(
      out,
      '+set',
      `master ${state.settings.name} ${host} ${port} ${change}`,
      epoch,
      `${reason}: ${change}`,
    );
  }
  for (const agent of Object.values(next.agents)) {
    if (agent.connected) sendAgent(out, agent.agentId, settingsPush(next));
  }
  return next;
}

function splitNode(node: string): [string, string] {
  const at = node.lastIndexOf(':');
  return at < 0 ? [node, ''] : [node.slice(0, at), node.slice(at + 1)];
}
