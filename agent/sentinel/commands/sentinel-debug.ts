// SENTINEL DEBUG (this agent's timing), PENDING-SCRIPTS (none) and SIMULATE-FAILURE (refused, with why): Sentinel's introspection subcommands.
import { redisInteger } from '../../../workers/config/sentinel-set.js';
import type { CommandSpec } from '../command-spec.js';
import { array, bulk, error, map, type Reply } from '../resp.js';

const FLAGS = ['admin', 'sentinel', 'only_sentinel'];

/**
 * Sentinel's SENTINEL DEBUG parameters (sentinelSetDebugConfigParameters), and why each cannot be
 * changed on the Sentinel port here: the agent's own are read from its file at start.
 */
const DEBUG_PARAMETERS: Readonly<Record<string, string>> = {
  'info-period': "it is groups[].infoIntervalMs in the agent's file",
  'ping-period': "it is groups[].probeIntervalMs in the agent's file",
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

/** `SENTINEL DEBUG <param> <value> ...`: Sentinel's checks and texts, then why nothing can change here. */
export function debugSet(args: readonly string[]): string {
  for (let i = 0; i < args.length; i++) {
    const option = args[i] ?? '';
    const parameter = option.toLowerCase();
    const more = args.length - 1 - i;
    if (!(parameter in DEBUG_PARAMETERS) || more === 0) {
      return `ERR Unknown option or number of arguments for SENTINEL DEBUG '${option}'`;
    }
    const value = args[++i] ?? '';
    const ms = redisInteger(value);
    if (ms === null || ms <= 0) return `ERR Invalid argument '${value}' for SENTINEL DEBUG '${option}'`;
  }
  const first = (args[0] ?? '').toLowerCase();
  return `ERR SENTINEL DEBUG cannot change timing on edge-sentinel: ${first}: ${DEBUG_PARAMETERS[first] ?? ''}`;
}

export const sentinelDebug: CommandSpec = {
  name: 'sentinel|debug',
  arity: -2,
  docs: {
    summary:
      "Lists or updates the current configurable parameters of Redis Sentinel. On edge-sentinel it lists this agent's timing parameters; updates are refused (they are in the agent's file).",
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
  run({ args, server }): Reply {
    if (args.length > 2) return error(debugSet(args.slice(2)));
    return map(server.source.timing().map(({ name, valueMs }) => [name, bulk(String(valueMs))] as const));
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
