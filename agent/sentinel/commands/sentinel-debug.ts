// SENTINEL DEBUG (this agent's timing: listed; info-period and ping-period changed in memory), PENDING-SCRIPTS (none) and SIMULATE-FAILURE (refused, with why): Sentinel's introspection subcommands.
import { redisInteger } from '../../../workers/config/sentinel-set.js';
import { INFO_INTERVAL_BOUNDS, PROBE_INTERVAL_BOUNDS } from '../../config/timing-bounds.js';
import { operatorRefusal } from '../acl/permission.js';
import type { CommandSpec } from '../command-spec.js';
import { array, bulk, error, map, OK, type Reply } from '../resp.js';
import type { TimingChange } from '../source.js';

const FLAGS = ['admin', 'sentinel', 'only_sentinel'];

/**
 * The SENTINEL DEBUG parameters an agent applies: every group's probe and INFO periods, in memory
 * until the agent restarts, within the agent file's bounds for them (agent/config/timing-bounds.ts).
 */
const SETTABLE: Readonly<
  Record<string, { readonly field: keyof TimingChange; readonly minMs: number; readonly maxMs: number }>
> = {
  'info-period': { field: 'infoPeriodMs', ...INFO_INTERVAL_BOUNDS },
  'ping-period': { field: 'pingPeriodMs', ...PROBE_INTERVAL_BOUNDS },
};

/**
 * Sentinel's other SENTINEL DEBUG parameters (sentinelSetDebugConfigParameters), and why each
 * has no meaning on an agent.
 */
const NOT_HERE: Readonly<Record<string, string>> = {
  'ask-period': 'agents do not ask each other whether a master is down: the voters count their reports',
  'publish-period': 'the hello to the other agents runs every 2000 ms, a constant',
  'default-down-after':
    "there is no SENTINEL MONITOR to apply a default to: a group's down-after is the voters' (SENTINEL SET down-after-milliseconds)",
  'tilt-trigger': 'agents have no TILT mode',
  'tilt-period': 'agents have no TILT mode',
  'slave-reconf-timeout': 'replicas are repointed by their own agents, not by a failover leader',
  'min-link-reconnect-period': 'links reconnect with their own bounded back-off',
  'default-failover-timeout':
    "there is no SENTINEL MONITOR to apply a default to: a group's failover-timeout is the voters' (SENTINEL SET failover-timeout)",
  'election-timeout': 'agents hold no elections: the voters elect',
  'script-max-runtime': 'agents run no scripts',
  'script-retry-delay': 'agents run no scripts',
};

export type DebugPlan =
  | { readonly ok: true; readonly change: TimingChange }
  | { readonly ok: false; readonly error: string };

/**
 * `SENTINEL DEBUG <param> <value> ...`: Sentinel's checks and texts over every pair, in order,
 * then edge-sentinel's (a parameter without a meaning here, a value outside the file's bounds).
 * Unlike Sentinel, which applies the pairs before a refused one, nothing applies unless all pass;
 * a parameter given twice takes its last value, as in Sentinel.
 */
export function planDebugSet(args: readonly string[]): DebugPlan {
  const pairs: { option: string; parameter: string; value: string; ms: number }[] = [];
  for (let i = 0; i < args.length; i++) {
    const option = args[i] ?? '';
    const parameter = option.toLowerCase();
    const more = args.length - 1 - i;
    if (!(parameter in SETTABLE || parameter in NOT_HERE) || more === 0) {
      return { ok: false, error: `ERR Unknown option or number of arguments for SENTINEL DEBUG '${option}'` };
    }
    const value = args[++i] ?? '';
    const ms = redisInteger(value);
    if (ms === null || ms <= 0) {
      return { ok: false, error: `ERR Invalid argument '${value}' for SENTINEL DEBUG '${option}'` };
    }
    pairs.push({ option, parameter, value, ms });
  }
  const change: { -readonly [K in keyof TimingChange]: TimingChange[K] } = {};
  for (const { option, parameter, value, ms } of pairs) {
    const settable = SETTABLE[parameter];
    if (settable === undefined) {
      return {
        ok: false,
        error: `ERR SENTINEL DEBUG cannot change ${parameter} on edge-sentinel: ${NOT_HERE[parameter] ?? ''}`,
      };
    }
    if (ms < settable.minMs || ms > settable.maxMs) {
      return {
        ok: false,
        error: `ERR Invalid argument '${value}' for SENTINEL DEBUG '${option}': edge-sentinel accepts ${settable.minMs} to ${settable.maxMs}`,
      };
    }
    change[settable.field] = ms;
  }
  return { ok: true, change };
}

export const sentinelDebug: CommandSpec = {
  name: 'sentinel|debug',
  arity: -2,
  docs: {
    summary:
      "Lists or updates the current configurable parameters of Redis Sentinel. On edge-sentinel it lists this agent's timing parameters; info-period and ping-period change every group's INFO and probe periods on this agent until it restarts, the others are refused with why.",
    since: '7.0.0',
    group: 'sentinel',
    complexity: 'O(N) where N is the number of configurable parameters',
    arguments: [
      {
        name: 'data',
        type: 'block',
        flags: ['optional', 'multiple'],
        arguments: [
          { name: 'parameter', type: 'string' },
          { name: 'value', type: 'string' },
        ],
      },
    ],
  },
  flags: FLAGS,
  run({ args, server, session }): Reply {
    if (args.length === 2) {
      return map(server.source.timing().map(({ name, valueMs }) => [name, bulk(String(valueMs))] as const));
    }
    const refused = operatorRefusal(server, session, "SENTINEL DEBUG changes this agent's timing");
    if (refused !== null) return refused;
    const plan = planDebugSet(args.slice(2));
    if (!plan.ok) return error(plan.error);
    server.source.setTiming(plan.change);
    server.logger.info(
      { client: session.address, change: plan.change },
      'SENTINEL DEBUG applied to every group (until the agent restarts)',
    );
    return OK;
  },
};

const SIMULATE_FLAGS = ['crash-after-election', 'crash-after-promotion'];

export const sentinelSimulateFailure: CommandSpec = {
  name: 'sentinel|simulate-failure',
  arity: -3,
  docs: {
    summary:
      'Simulates failover scenarios. Refused on edge-sentinel (agents are never failover leaders); HELP lists the flags.',
    since: '3.2.0',
    group: 'sentinel',
    arguments: [
      {
        name: 'mode',
        type: 'oneof',
        flags: ['optional', 'multiple'],
        arguments: [
          { name: 'crash-after-election', type: 'pure-token' },
          { name: 'crash-after-promotion', type: 'pure-token' },
          { name: 'help', type: 'pure-token' },
        ],
      },
    ],
  },
  flags: FLAGS,
  /** Sentinel reads the flags in order: HELP answers the list, an unknown one its error. */
  run({ args }): Reply {
    for (const flag of args.slice(2)) {
      const lower = flag.toLowerCase();
      if (lower === 'help') return array(SIMULATE_FLAGS.map(bulk));
      if (!SIMULATE_FLAGS.includes(lower)) return error('ERR Unknown failure simulation specified');
    }
    return error(
      'ERR SENTINEL SIMULATE-FAILURE has nothing to crash on edge-sentinel: agents are never elected failover leader and never promote on their own (the voters decide); fault injection is in the simulator (npm run sim) and the e2e fault proxies',
    );
  },
};

export const sentinelPendingScripts: CommandSpec = {
  name: 'sentinel|pending-scripts',
  arity: 2,
  docs: {
    summary:
      'Returns information about pending scripts for Redis Sentinel. Always empty on edge-sentinel: agents run no scripts (webhooks and the event stream replace them).',
    since: '2.8.4',
    group: 'sentinel',
  },
  flags: FLAGS,
  run: () => array([]),
};
