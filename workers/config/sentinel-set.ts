// SENTINEL SET's options as a runtime settings patch: for the agent's Sentinel port to call later.
import { type SettingsPatch, SettingsPatchSchema } from './settings-schema.js';

/** Sentinel's option names for the settings that may change at runtime, and ours. */
export const SENTINEL_SET_OPTIONS = {
  quorum: 'quorum',
  'down-after-milliseconds': 'downAfterMs',
  'failover-timeout': 'failoverTimeoutMs',
  'parallel-syncs': 'parallelSyncs',
} as const;

export type SentinelSetResult =
  | { readonly ok: true; readonly patch: SettingsPatch }
  | { readonly ok: false; readonly error: string };

/**
 * `SENTINEL SET <master> <option> <value> [<option> <value> ...]` after the master name: the
 * patch to PUT to /v1/groups/:group/settings, or the error line to answer (nothing is changed
 * when any pair is refused, as Sentinel refuses the whole command). Options that exist in
 * Sentinel but are deploy-time here (or unknown) are refused with their name.
 */
export function patchFromSentinelSet(args: readonly string[]): SentinelSetResult {
  if (args.length === 0 || args.length % 2 !== 0) {
    return { ok: false, error: "ERR wrong number of arguments for 'sentinel|set' command" };
  }
  const patch: Record<string, number> = {};
  for (let i = 0; i < args.length; i += 2) {
    const option = (args[i] ?? '').toLowerCase();
    const value = args[i + 1] ?? '';
    const ours = (SENTINEL_SET_OPTIONS as Record<string, string | undefined>)[option];
    if (ours === undefined) {
      return {
        ok: false,
        error: `ERR Invalid argument '${option}' for SENTINEL SET: only ${Object.keys(SENTINEL_SET_OPTIONS).join(', ')} change at runtime here`,
      };
    }
    if (!/^\d+$/.test(value))
      return { ok: false, error: `ERR Invalid argument '${value}' for SENTINEL SET '${option}'` };
    patch[ours] = Number(value);
  }
  const parsed = SettingsPatchSchema.safeParse(patch);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return {
      ok: false,
      error: `ERR Invalid argument for SENTINEL SET: ${issue?.path.join('.')}: ${issue?.message}`,
    };
  }
  return { ok: true, patch: parsed.data };
}
