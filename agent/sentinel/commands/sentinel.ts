// SENTINEL: the container of the Sentinel subcommands, MYID and HELP.
import type { CommandSpec } from '../command-spec.js';
import { array, bulk, simple } from '../resp.js';
import { sentinelFailover, sentinelReset } from './sentinel-admin.js';
import { sentinelCkquorum } from './sentinel-ckquorum.js';
import { sentinelConfig } from './sentinel-config.js';
import {
  sentinelDebug,
  sentinelInfoCache,
  sentinelPendingScripts,
  sentinelSimulateFailure,
} from './sentinel-debug.js';
import { sentinelIsDownCommands } from './sentinel-is-down.js';
import { sentinelMasterCommands } from './sentinel-masters.js';
import { sentinelFlushconfig, sentinelMonitor, sentinelRemove } from './sentinel-monitor.js';
import { sentinelSet } from './sentinel-set.js';
import { sentinelTopologyCommands } from './sentinel-topology.js';

const FLAGS = ['admin', 'sentinel', 'only_sentinel'];

const myid: CommandSpec = {
  name: 'sentinel|myid',
  arity: 2,
  docs: {
    summary: 'Returns the Redis Sentinel instance ID.',
    since: '6.2.0',
    group: 'sentinel',
    complexity: 'O(1)',
  },
  flags: FLAGS,
  run: ({ server }) => bulk(server.source.snapshot().myId),
};

const HELP_LINES = [
  'SENTINEL <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'CKQUORUM <master-name>',
  '    Check if the current Sentinel configuration is able to reach the quorum needed to failover a master and the majority needed to authorize the failover.',
  'CONFIG SET param value [param value ...]',
  '    Set a global Sentinel configuration parameter.',
  'CONFIG GET <param> [param param param ...]',
  '    Get global Sentinel configuration parameter.',
  'DEBUG [<param> <value> ...]',
  '    Show a list of configurable time parameters and their values (milliseconds).',
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
  'PENDING-SCRIPTS',
  '    Get pending scripts information.',
  'REPLICAS <master-name>',
  '    Show a list of replicas for this master and their state.',
  'RESET <pattern>',
  '    Reset masters for specific master name matching this pattern.',
  'SENTINELS <master-name>',
  '    Show a list of Sentinel instances for this master and their state.',
  'SET <master-name> <option> <value> [<option> <value> ...]',
  '    Set configuration parameters for certain masters.',
  'HELP',
  '    Print this help.',
];

const help: CommandSpec = {
  name: 'sentinel|help',
  arity: 2,
  docs: {
    summary: 'Returns helpful text about the different subcommands.',
    since: '6.2.0',
    group: 'sentinel',
    complexity: 'O(1)',
  },
  flags: ['loading', 'stale', 'sentinel', 'only_sentinel'],
  run: () => array(HELP_LINES.map(simple)),
};

export const sentinel: CommandSpec = {
  name: 'sentinel',
  arity: -2,
  docs: {
    summary: 'A container for Redis Sentinel commands.',
    since: '2.8.4',
    group: 'sentinel',
    complexity: 'Depends on subcommand.',
  },
  flags: FLAGS,
  subcommands: [
    ...sentinelMasterCommands,
    ...sentinelTopologyCommands,
    myid,
    sentinelCkquorum,
    sentinelFailover,
    sentinelReset,
    ...sentinelIsDownCommands,
    help,
    sentinelSet,
    sentinelConfig,
    sentinelMonitor,
    sentinelRemove,
    sentinelFlushconfig,
    sentinelDebug,
    sentinelInfoCache,
    sentinelPendingScripts,
    sentinelSimulateFailure,
  ],
};
