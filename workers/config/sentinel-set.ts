// SENTINEL SET's option/value pairs: a runtime settings patch for the voters and the agent's own node-access changes, with Redis Sentinel 7.2's error texts (sentinelSetCommand).
import type { z } from 'zod';
import { SETTINGS_BOUNDS, type SettingsValuesSchema } from './settings-schema.js';

/** The settings SENTINEL SET changes, each optional (a PUT body of /v1/groups/:group/settings). */
export type SentinelSetPatch = z.infer<typeof SettingsValuesSchema>;

/** Sentinel's option names for the settings that may change at runtime, and ours. */
export const SENTINEL_SET_OPTIONS = {
  quorum: 'quorum',
  'down-after-milliseconds': 'downAfterMs',
  'failover-timeout': 'failoverTimeoutMs',
  'parallel-syncs': 'parallelSyncs',
  'master-reboot-down-after-period': 'masterRebootDownAfterMs',
} as const;

type RuntimeOption = keyof typeof SENTINEL_SET_OPTIONS;

/** Sentinel refuses a value <= 0 for every option above but this one, where 0 turns it off (< 0 is refused). */
const ZERO_ALLOWED: ReadonlySet<RuntimeOption> = new Set(['master-reboot-down-after-period']);

/**
 * How the agent asked reaches the group's nodes: their ACL user and password and the commands they
 * rename. As on a Sentinel, each agent keeps its own (the voters never see node credentials or
 * command names): applied by the agent that runs the command, until it restarts.
 */
export type NodeAccessChange =
  | { readonly kind: 'auth-pass'; readonly value: string }
  | { readonly kind: 'auth-user'; readonly value: string }
  | { readonly kind: 'rename-command'; readonly command: string; readonly renamed: string };

/**
 * Sentinel's other SENTINEL SET options: how many values each takes (as Sentinel counts them) and
 * where edge-sentinel sets the same thing instead. None of them is a voters' setting.
 */
const CONFIGURED_ELSEWHERE: Readonly<Record<string, { readonly values: 1 | 2; readonly where: string }>> = {
  'notification-script': {
    values: 1,
    where:
      "edge-sentinel runs no scripts: events go to the group's webhooks (GROUPS in wrangler.toml), GET /v1/groups/:group/events (SSE) and the Upstash sink",
  },
  'client-reconfig-script': {
    values: 1,
    where:
      "edge-sentinel runs no scripts: clients follow +switch-master on the agents' Sentinel ports, and the group's webhooks (GROUPS in wrangler.toml) are told of every failover",
  },
};

export type SentinelSetResult =
  | { readonly ok: true; readonly patch: SentinelSetPatch; readonly nodeAccess: readonly NodeAccessChange[] }
  | { readonly ok: false; readonly error: string };

/**
 * A decimal integer exactly as Redis reads one (`string2ll`): an optional `-`, no leading zero,
 * no `+`, no spaces, within a signed 64-bit integer. Null otherwise. Values beyond 2^53 come back
 * rounded, which no bound here is near.
 */
export function redisInteger(text: string): number | null {
  if (text.length === 0 || text.length > 20) return null;
  if (!/^(0|-?[1-9][0-9]*)$/.test(text)) return null;
  const value = BigInt(text);
  if (value > 9223372036854775807n || value < -9223372036854775808n) return null;
  return Number(value);
}

function invalid(value: string, option: string): string {
  return `ERR Invalid argument '${value}' for SENTINEL SET '${option}'`;
}

/**
 * `SENTINEL SET <master> <option> <value> [<option> <value> ...]` after the master name: the
 * patch to PUT to /v1/groups/:group/settings and the agent's node-access changes, or the error
 * line to answer. Pairs are read in order as Sentinel reads them and the first refusal is answered
 * with Sentinel's text; unlike Sentinel, which applies the pairs before a refused one, nothing is
 * changed then. A value Sentinel accepts but outside edge-sentinel's bounds is refused with them.
 */
export function patchFromSentinelSet(args: readonly string[]): SentinelSetResult {
  if (args.length === 0) {
    return { ok: false, error: "ERR wrong number of arguments for 'sentinel|set' command" };
  }
  const patch: Record<string, number> = {};
  const nodeAccess: NodeAccessChange[] = [];
  for (let i = 0; i < args.length; i++) {
    const option = args[i] ?? '';
    const lower = option.toLowerCase();
    const more = args.length - 1 - i;
    if ((lower === 'auth-pass' || lower === 'auth-user') && more > 0) {
      // "" removes it, as in Sentinel.
      nodeAccess.push({ kind: lower, value: args[++i] ?? '' });
      continue;
    }
    if (lower === 'rename-command' && more > 1) {
      const command = args[++i] ?? '';
      const renamed = args[++i] ?? '';
      if (command === '' || renamed === '') return { ok: false, error: invalid('', option) };
      nodeAccess.push({ kind: 'rename-command', command, renamed });
      continue;
    }
    if (lower in SENTINEL_SET_OPTIONS && more > 0) {
      const value = args[++i] ?? '';
      const setting = SENTINEL_SET_OPTIONS[lower as RuntimeOption];
      const number = redisInteger(value);
      const least = ZERO_ALLOWED.has(lower as RuntimeOption) ? 0 : 1;
      if (number === null || number < least) return { ok: false, error: invalid(value, option) };
      const bounds = SETTINGS_BOUNDS[setting];
      if (!bounds.safeParse(number).success) {
        return {
          ok: false,
          error: `${invalid(value, option)}: edge-sentinel accepts ${bounds.minValue} to ${bounds.maxValue}`,
        };
      }
      patch[setting] = number;
      continue;
    }
    const elsewhere = CONFIGURED_ELSEWHERE[lower];
    if (elsewhere !== undefined && more >= elsewhere.values) {
      return {
        ok: false,
        error: `ERR SENTINEL SET '${option}' cannot be changed on the Sentinel port of edge-sentinel: ${elsewhere.where}`,
      };
    }
    return { ok: false, error: `ERR Unknown option or number of arguments for SENTINEL SET '${option}'` };
  }
  return { ok: true, patch, nodeAccess };
}
