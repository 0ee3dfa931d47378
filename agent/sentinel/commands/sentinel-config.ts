// SENTINEL CONFIG GET/SET: Sentinel's global parameters on this agent, validated and answered with Redis Sentinel 7.2's texts.

import { redisInteger } from '../../../workers/config/sentinel-set.js';
import { operatorRefusal } from '../acl/permission.js';
import type { CommandContext, CommandSpec } from '../command-spec.js';
import { globMatch } from '../glob.js';
import { error, OK, type Reply, stringMap } from '../resp.js';
import type { SentinelConfigChange, SentinelConfigValues, SentinelLogLevel } from '../source.js';

/** Sentinel's parameters in the order `SENTINEL CONFIG GET` answers them (sentinelConfigGetCommand). */
export const CONFIG_PARAMETERS = [
  'resolve-hostnames',
  'announce-hostnames',
  'announce-ip',
  'announce-port',
  'sentinel-user',
  'sentinel-pass',
  'loglevel',
] as const;
type Parameter = (typeof CONFIG_PARAMETERS)[number];

const LOG_LEVELS: readonly SentinelLogLevel[] = ['debug', 'verbose', 'notice', 'warning', 'nothing'];

const ONLY_GET_SET =
  'ERR Only SENTINEL CONFIG GET <param> [<param> <param> ...] / SET <param> <value> [<param> <value> ...] are supported.';

const isParameter = (name: string): name is Parameter =>
  (CONFIG_PARAMETERS as readonly string[]).includes(name);

/** Redis's `yesnotoi`: yes → true, no → false, in any case; anything else null. */
function yesNo(text: string): boolean | null {
  const lower = text.toLowerCase();
  return lower === 'yes' ? true : lower === 'no' ? false : null;
}

function shown(parameter: Parameter, values: SentinelConfigValues): string {
  switch (parameter) {
    case 'resolve-hostnames':
      return values.resolveHostnames ? 'yes' : 'no';
    case 'announce-hostnames':
      return values.announceHostnames ? 'yes' : 'no';
    case 'announce-ip':
      return values.announceIp;
    case 'announce-port':
      return String(values.announcePort);
    case 'sentinel-user':
      return values.sentinelUser;
    case 'sentinel-pass':
      return values.sentinelPass;
    case 'loglevel':
      return values.loglevel;
    default: {
      const unreachable: never = parameter;
      throw new Error(`unknown parameter ${String(unreachable)}`);
    }
  }
}

/**
 * `SENTINEL CONFIG GET <pattern> ...`: every parameter matching any pattern (Redis globs, any
 * case), each once, in Sentinel's order per pattern; unknown names match nothing.
 */
export function configGet(
  patterns: readonly string[],
  values: SentinelConfigValues,
): (readonly [string, string])[] {
  const answered = new Set<Parameter>();
  const fields: (readonly [string, string])[] = [];
  for (const pattern of patterns) {
    const lower = pattern.toLowerCase();
    for (const parameter of CONFIG_PARAMETERS) {
      if (answered.has(parameter) || !globMatch(lower, parameter)) continue;
      answered.add(parameter);
      fields.push([parameter, shown(parameter, values)]);
    }
  }
  return fields;
}

export type ConfigSetPlan =
  | { readonly ok: true; readonly change: SentinelConfigChange }
  | { readonly ok: false; readonly error: string };

/** Sentinel's checks of every pair (names, duplicates, a value each, its format), in its order and texts. */
function sentinelChecks(args: readonly string[]): { error: string } | { pairs: [Parameter, string][] } {
  const pairs: [Parameter, string][] = [];
  for (let i = 0; i < args.length; i++) {
    const option = args[i] ?? '';
    const parameter = option.toLowerCase();
    if (!isParameter(parameter)) return { error: `ERR Invalid argument '${option}' to SENTINEL CONFIG SET` };
    if (pairs.some(([seen]) => seen === parameter)) {
      return { error: `ERR Duplicate argument '${option}' to SENTINEL CONFIG SET` };
    }
    if (i + 1 === args.length) return { error: `ERR Missing argument '${option}' value` };
    const value = args[++i] ?? '';
    const port = redisInteger(value);
    const valid =
      parameter === 'resolve-hostnames' || parameter === 'announce-hostnames'
        ? yesNo(value) !== null
        : parameter === 'announce-port'
          ? port !== null && port >= 0 && port <= 65535
          : parameter === 'loglevel'
            ? (LOG_LEVELS as readonly string[]).includes(value.toLowerCase())
            : true;
    if (!valid) return { error: `ERR Invalid value '${value}' to SENTINEL CONFIG SET '${option}'` };
    pairs.push([parameter, value]);
  }
  return { pairs };
}

/**
 * Why a parameter Sentinel may change cannot take `value` here, or null when it can (a value
 * equal to what the agent does already is accepted and changes nothing).
 */
function refusal(parameter: Parameter, value: string, current: SentinelConfigValues): string | null {
  switch (parameter) {
    case 'resolve-hostnames':
      return yesNo(value) === current.resolveHostnames
        ? null
        : `ERR resolve-hostnames is always yes on edge-sentinel: node addresses (in wrangler.toml and the agent files) may be DNS names, resolved whenever an agent connects`;
    case 'announce-hostnames':
      return yesNo(value) === current.announceHostnames
        ? null
        : `ERR announce-hostnames is always yes on edge-sentinel: nodes are announced exactly as they are named in wrangler.toml and the agent files; to announce IP addresses, name the nodes by IP there`;
    case 'announce-ip':
    case 'announce-port': {
      const same =
        parameter === 'announce-ip'
          ? value === current.announceIp
          : redisInteger(value) === current.announcePort;
      return same
        ? null
        : `ERR ${parameter} cannot change at runtime on edge-sentinel: this agent's Sentinel endpoint is announced as sentinel.announce in its file, read at start, and the other agents reach it at the address in their own file's peers`;
    }
    case 'sentinel-user':
    case 'sentinel-pass':
    case 'loglevel':
      return null;
    default: {
      const unreachable: never = parameter;
      throw new Error(`unknown parameter ${String(unreachable)}`);
    }
  }
}

/**
 * `SENTINEL CONFIG SET <param> <value> ...` (the arguments after SET): every pair is checked before
 * any is applied, Sentinel's checks first, then what this agent can do; the changes to apply.
 */
export function planConfigSet(args: readonly string[], current: SentinelConfigValues): ConfigSetPlan {
  const checked = sentinelChecks(args);
  if ('error' in checked) return { ok: false, error: checked.error };
  const change: { -readonly [K in keyof SentinelConfigChange]: SentinelConfigChange[K] } = {};
  for (const [parameter, value] of checked.pairs) {
    const refused = refusal(parameter, value, current);
    if (refused !== null) return { ok: false, error: refused };
    if (parameter === 'loglevel') change.loglevel = value.toLowerCase() as SentinelLogLevel;
    if (parameter === 'sentinel-user') change.sentinelUser = value;
    if (parameter === 'sentinel-pass') change.sentinelPass = value;
  }
  return { ok: true, change };
}

function run(context: CommandContext): Reply {
  const { args, server, session } = context;
  const action = (args[2] ?? '').toLowerCase();
  if (action === 'get' && args.length >= 4) {
    return stringMap(configGet(args.slice(3), server.source.config()));
  }
  if (action !== 'set' || args.length < 5) return error(ONLY_GET_SET);
  // The SET form only: GET stays open, as in Sentinel.
  const refused = operatorRefusal(server, session, 'SENTINEL CONFIG SET changes this agent');
  if (refused !== null) return refused;
  const plan = planConfigSet(args.slice(3), server.source.config());
  if (!plan.ok) return error(plan.error);
  server.source.setConfig(plan.change);
  const { sentinelPass, ...logged } = plan.change;
  server.logger.info(
    {
      client: session.address,
      change: { ...logged, ...(sentinelPass === undefined ? {} : { sentinelPass: '***' }) },
    },
    'SENTINEL CONFIG SET applied (until the agent restarts)',
  );
  return OK;
}

export const sentinelConfig: CommandSpec = {
  name: 'sentinel|config',
  arity: -4,
  docs: {
    summary: 'Configures Redis Sentinel.',
    since: '6.2.0',
    group: 'sentinel',
    complexity: 'O(N) when N is the number of configuration parameters provided',
    history: [['7.2.0', 'Added the ability to set and get multiple parameters in one call.']],
    arguments: [
      {
        name: 'action',
        type: 'oneof',
        arguments: [
          {
            name: 'set',
            type: 'block',
            token: 'SET',
            flags: ['multiple'],
            arguments: [
              { name: 'parameter', type: 'string' },
              { name: 'value', type: 'string' },
            ],
          },
          { name: 'parameter', type: 'string', token: 'GET', flags: ['multiple'] },
        ],
      },
    ],
  },
  flags: ['admin', 'sentinel', 'only_sentinel'],
  run,
};
