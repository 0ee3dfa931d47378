// SENTINEL: the container of the Sentinel subcommands, MYID and HELP, and refusals of the configuration ones.
import type { CommandSpec } from '../command-spec.js';
import { array, bulk, error, simple } from '../resp.js';
import { sentinelFailover, sentinelReset } from './sentinel-admin.js';
import { sentinelCkquorum } from './sentinel-ckquorum.js';
import { sentinelMasterCommands } from './sentinel-masters.js';
import { sentinelTopologyCommands } from './sentinel-topology.js';

const FLAGS = ['admin', 'sentinel', 'only_sentinel'];

const myid: CommandSpec = {
  name: 'sentinel|myid',
  arity: 2,
  flags: FLAGS,
  run: ({ server }) => bulk(server.source.snapshot().myId),
};

/**
 * Real Sentinel subcommands that change its own configuration or serve Sentinel-to-Sentinel
 * traffic. Groups live in the coordinator here, so they get an explanation rather than
 * "unknown subcommand".
 */
const UNSUPPORTED = [
  'monitor',
  'remove',
  'set',
  'config',
  'flushconfig',
  'debug',
  'info-cache',
  'pending-scripts',
  'simulate-failure',
  'is-master-down-by-addr',
  'is-primary-down-by-addr',
];

const unsupported: CommandSpec[] = UNSUPPORTED.map((name) => ({
  name: `sentinel|${name}`,
  arity: -2,
  flags: FLAGS,
  run: () =>
    error(
      `ERR SENTINEL ${name.toUpperCase()} is not supported by edge-sentinel: groups are configured in the coordinator`,
    ),
}));

const HELP_LINES = [
  'SENTINEL <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'CKQUORUM <master-name>',
  '    Check if the current Sentinel configuration is able to reach the quorum needed to failover a master and the majority needed to authorize the failover.',
  'GET-MASTER-ADDR-BY-NAME <master-name>',
  '    Return the ip and port number of the master with that name.',
  'FAILOVER <master-name>',
  '    Manually failover a master node without asking for agreement from other Sentinels',
  'MASTER <master-name>',
  '    Show the state and info of the specified master.',
  'MASTERS',
  '    Show a list of monitored masters and their state.',
  'MYID',
  '    Return the ID of the Sentinel instance.',
  'REPLICAS <master-name>',
  '    Show a list of replicas for this master and their state.',
  'RESET <pattern>',
  '    Reset masters for specific master name matching this pattern.',
  'SENTINELS <master-name>',
  '    Show a list of Sentinel instances for this master and their state.',
  'HELP',
  '    Print this help.',
];

const help: CommandSpec = {
  name: 'sentinel|help',
  arity: 2,
  flags: ['loading', 'stale', 'sentinel', 'only_sentinel'],
  run: () => array(HELP_LINES.map(simple)),
};

export const sentinel: CommandSpec = {
  name: 'sentinel',
  arity: -2,
  flags: FLAGS,
  subcommands: [
    ...sentinelMasterCommands,
    ...sentinelTopologyCommands,
    myid,
    sentinelCkquorum,
    sentinelFailover,
    sentinelReset,
    help,
    ...unsupported,
  ],
};
