// The runtime settings register (ABD over the voters): majority reads with repair, and writes.
import type { GroupEntry } from '../config/load.js';
import type { SettingsPatch } from '../config/settings-schema.js';
import { compareOverrides, effectiveSettings, OVERRIDABLE_SETTINGS } from '../core/settings-override.js';
import type { SettingsOverride, SettingsValues } from '../core/types.js';
import { noMajority } from './errors.js';
import { type Failure, gather, settleAll } from './gather.js';
import type { VoterSet } from './voters.js';

export interface SettingsRead {
  /** The highest override a majority was found to hold (null: none ever written). */
  readonly override: SettingsOverride | null;
  readonly answered: readonly number[];
  /** Voters that were behind and were written the highest value before the answer. */
  readonly repaired: readonly number[];
}

function failuresText(failures: readonly Failure[]): string {
  return failures.map((f) => `voter ${f.index}: ${f.error}`).join('; ');
}

/**
 * Reads the override from a majority and takes the highest; when fewer than a majority hold it,
 * writes it back first (so a later majority read cannot see an older value: the ABD read phase 2).
 */
export async function readSettings(voters: VoterSet): Promise<SettingsRead> {
  const read = await gather(
    voters.callAll((stub, address) => stub.readSettings(address)),
    voters.majority,
  );
  if (read.answers.length < voters.majority) {
    throw noMajority(
      `only ${read.answers.length} of ${voters.count} voters of "${voters.group.name}" answered a settings read ` +
        `(a majority is ${voters.majority}): ${failuresText(read.failures)}`,
    );
  }
  let best: SettingsOverride | null = null;
  for (const answer of read.answers) if (compareOverrides(answer.value, best) > 0) best = answer.value;
  const answered = read.answers.map((a) => a.index);
  const holding = read.answers.filter((a) => compareOverrides(a.value, best) >= 0).map((a) => a.index);
  if (best === null || holding.length >= voters.majority) return { override: best, answered, repaired: [] };
  const others = voters.indices().filter((i) => !holding.includes(i));
  const needed = voters.majority - holding.length;
  const written = await writeTo(voters, best, others, needed);
  if (written.acked.length < needed) {
    throw noMajority(
      `read repair of settings v${best.version} reached ${holding.length + written.acked.length} of ` +
        `${voters.count} voters (a majority is ${voters.majority}): ${failuresText(written.failures)}`,
    );
  }
  return { override: best, answered, repaired: written.acked };
}

export interface SettingsWrite {
  readonly override: SettingsOverride;
  /** Voters that hold the written value (or a newer one) after the write. */
  readonly acked: readonly number[];
  readonly failures: readonly Failure[];
  /** A newer value some voter already held (a concurrent write won): null when none. */
  readonly supersededBy: SettingsOverride | null;
}

/**
 * Writes `override` to `indices` and waits until `needed` of them hold it (or a newer value);
 * `needed` null waits for every call to settle, so the answer can report each voter.
 */
async function writeTo(
  voters: VoterSet,
  override: SettingsOverride,
  indices: readonly number[],
  needed: number | null,
): Promise<SettingsWrite> {
  const calls = voters.callAll(
    async (stub, address) => {
      const held = await stub.writeSettings(address, override);
      if (held.ok && compareOverrides(held.value, override) < 0)
        throw new Error(`still at v${held.value?.version ?? 0} after the write`);
      return held;
    },
    undefined,
    indices,
  );
  const result = needed === null ? await settleAll(calls) : await gather(calls, needed);
  let supersededBy: SettingsOverride | null = null;
  for (const { value } of result.answers) {
    if (compareOverrides(value, override) > 0 && compareOverrides(value, supersededBy) > 0)
      supersededBy = value;
  }
  return { override, acked: result.answers.map((a) => a.index), failures: result.failures, supersededBy };
}

/** The values after applying a patch: a field set to null is removed, absent fields are kept. */
export function mergeValues(held: SettingsValues, patch: SettingsPatch): SettingsValues {
  const merged: Record<string, number> = {};
  for (const key of OVERRIDABLE_SETTINGS) {
    const value = key in patch ? patch[key] : held[key];
    if (value !== null && value !== undefined) merged[key] = value;
  }
  return merged;
}

/**
 * The write phase: read the highest value from a majority, then write version+1 (with a fresh
 * writer id, so two concurrent writers of one version are still ordered) to every voter, and
 * answer once a majority adopted it. `reset` drops every override.
 */
export async function writeSettings(
  voters: VoterSet,
  patch: SettingsPatch,
  reset: boolean,
  writer: string,
): Promise<SettingsWrite> {
  const read = await readSettings(voters);
  const held = read.override;
  const values = reset ? {} : mergeValues(held?.values ?? {}, patch);
  const override: SettingsOverride = { version: (held?.version ?? 0) + 1, writer, values };
  return writeTo(voters, override, voters.indices(), null);
}

export type SettingSource = 'wrangler.toml' | `runtime override v${number}`;

export interface SettingsView {
  readonly settings: ReturnType<typeof effectiveSettings>;
  readonly sources: Record<(typeof OVERRIDABLE_SETTINGS)[number], SettingSource>;
  readonly version: number;
}

/** The effective settings of a group and where each overridable value comes from. */
export function settingsView(group: GroupEntry, override: SettingsOverride | null): SettingsView {
  const settings = effectiveSettings(group.settings, override);
  const sources = Object.fromEntries(
    OVERRIDABLE_SETTINGS.map((key): [string, SettingSource] => [
      key,
      override?.values[key] === undefined ? 'wrangler.toml' : `runtime override v${override.version}`,
    ]),
  ) as SettingsView['sources'];
  return { settings, sources, version: override?.version ?? 0 };
}
