// zod schemas of runtime settings overrides: the same bounds as GroupDefinitionSchema in groups.ts.
import { z } from 'zod';
import type { SettingsOverride } from '../core/types.js';

export const SETTINGS_BOUNDS = {
  quorum: z.number().int().min(1).max(64),
  downAfterMs: z.number().int().min(100).max(600_000),
  failoverTimeoutMs: z.number().int().min(1000).max(3_600_000),
  parallelSyncs: z.number().int().min(1).max(64),
  masterRebootDownAfterMs: z.number().int().min(0).max(3_600_000),
} as const;

/** What a voter holds: every field optional (absent means wrangler.toml's value). */
export const SettingsValuesSchema = z.strictObject({
  quorum: SETTINGS_BOUNDS.quorum.optional(),
  downAfterMs: SETTINGS_BOUNDS.downAfterMs.optional(),
  failoverTimeoutMs: SETTINGS_BOUNDS.failoverTimeoutMs.optional(),
  parallelSyncs: SETTINGS_BOUNDS.parallelSyncs.optional(),
  masterRebootDownAfterMs: SETTINGS_BOUNDS.masterRebootDownAfterMs.optional(),
});

export const SettingsOverrideSchema = z.strictObject({
  version: z.number().int().min(1),
  writer: z.string().min(1).max(64),
  values: SettingsValuesSchema,
}) satisfies z.ZodType<SettingsOverride>;

/** The body of PUT /v1/groups/:group/settings: a field set to null removes that override. */
export const SettingsPatchSchema = z.strictObject({
  quorum: SETTINGS_BOUNDS.quorum.nullable().optional(),
  downAfterMs: SETTINGS_BOUNDS.downAfterMs.nullable().optional(),
  failoverTimeoutMs: SETTINGS_BOUNDS.failoverTimeoutMs.nullable().optional(),
  parallelSyncs: SETTINGS_BOUNDS.parallelSyncs.nullable().optional(),
  masterRebootDownAfterMs: SETTINGS_BOUNDS.masterRebootDownAfterMs.nullable().optional(),
});
export type SettingsPatch = z.infer<typeof SettingsPatchSchema>;
