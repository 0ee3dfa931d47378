// SENTINEL MONITOR, REMOVE and FLUSHCONFIG: Sentinel's configuration-file commands, refused with where edge-sentinel declares groups.
import type { CommandSpec } from '../command-spec.js';
import { error, type Reply } from '../resp.js';
import { groupOrError, isGroup } from './instance-maps.js';

const FLAGS = ['admin', 'sentinel', 'only_sentinel'];

export const MONITOR_REFUSAL =
  "ERR SENTINEL MONITOR cannot add a group on edge-sentinel: groups are declared in wrangler.toml (GROUPS) and deployed with the Worker, and each node's agent lists it in groups[] of its file";

export const REMOVE_REFUSAL =
  "ERR SENTINEL REMOVE cannot remove a group on edge-sentinel: groups are declared in wrangler.toml (GROUPS); remove it there and deploy the Worker, and from groups[] of each agent's file";

export const FLUSHCONFIG_REFUSAL =
  "ERR SENTINEL FLUSHCONFIG has nothing to write on edge-sentinel: agents write no configuration file, SENTINEL SET changes are already durable on the voters, and SENTINEL CONFIG SET values last until the agent restarts (the agent's file is their persistent home)";

export const sentinelMonitor: CommandSpec = {
  name: 'sentinel|monitor',
  arity: 6,
  docs: {
    summary: 'Starts monitoring. Refused on edge-sentinel: groups are declared in wrangler.toml (GROUPS).',
    since: '2.8.4',
    group: 'sentinel',
    complexity: 'O(1)',
    arguments: [
      { name: 'name', type: 'string' },
      { name: 'ip', type: 'string' },
      { name: 'port', type: 'integer' },
      { name: 'quorum', type: 'integer' },
    ],
  },
  flags: FLAGS,
  run: () => error(MONITOR_REFUSAL),
};

export const sentinelRemove: CommandSpec = {
  name: 'sentinel|remove',
  arity: 3,
  docs: {
    summary: 'Stops monitoring. Refused on edge-sentinel: groups are declared in wrangler.toml (GROUPS).',
    since: '2.8.4',
    group: 'sentinel',
    complexity: 'O(1)',
    arguments: [{ name: 'master-name', type: 'string' }],
  },
  flags: FLAGS,
  // Sentinel answers an unknown name first; a known one is refused with where to remove it.
  run(context): Reply {
    const group = groupOrError(context);
    return isGroup(group) ? error(REMOVE_REFUSAL) : group;
  },
};

export const sentinelFlushconfig: CommandSpec = {
  name: 'sentinel|flushconfig',
  arity: 2,
  docs: {
    summary:
      'Rewrites the Redis Sentinel configuration file. Refused on edge-sentinel: agents write no configuration file.',
    since: '2.8.4',
    group: 'sentinel',
    complexity: 'O(1)',
  },
  flags: FLAGS,
  run: () => error(FLUSHCONFIG_REFUSAL),
};
