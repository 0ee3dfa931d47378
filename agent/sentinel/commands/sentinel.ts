// SENTINEL: the container of the Sentinel subcommands, MYID and HELP.
import type { CommandSpec } from '../command-spec.js';
import { array, bulk, simple } from '../resp.js';
import { sentinelFailover, sentinelReset } from './sentinel-admin.js';
import { sentinelCkquorum } from './sentinel-ckquorum.js';
import { sentinelConfig } from './sentinel-config.js';
import { sentinelDebug, sentinelPendingScripts, sentinelSimulateFailure } from './sentinel-debug.js';
import { sentinelInfoCache } from './sentinel-info-cache.js';
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

/** Sentinel 7.2's SENTINEL HELP (sentinel.c), every subcommand it lists, with addReplyHelp's header and footer. */
const HELP_LINES = [
  'SENTINEL <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'CKQUORUM <master-name>',
  '    Check if the current Sentinel configuration is able to reach the quorum',
  '    needed to failover a master and the majority needed to authorize the',
  '    failover.',
  'CONFIG SET param value [param value ...]',
  '    Set a global Sentinel configuration parameter.',
  'CONFIG GET <param> [param param param ...]',
  '    Get global Sentinel configuration parameter.',
  'DEBUG [<param> <value> ...]',
  '    Show a list of configurable time parameters and their values (milliseconds).',
  '    Or update current configurable parameters values (one or more).',
  'GET-MASTER-ADDR-BY-NAME <master-name>',
  '    Return the ip and port number of the master with that name.',
  'FAILOVER <master-name>',
  '    Manually failover a master node without asking for agreement from other',
  '    Sentinels',
  'FLUSHCONFIG',
  '    Force Sentinel to rewrite its configuration on disk, including the current',
  '    Sentinel state.',
  'INFO-CACHE <master-name>',
  '    Return last cached INFO output from masters and all its replicas.',
  'IS-MASTER-DOWN-BY-ADDR <ip> <port> <current-epoch> <runid>',
  "    Check if the master specified by ip:port is down from current Sentinel's",
  '    point of view.',
  'MASTER <master-name>',
  '    Show the state and info of the specified master.',
  'MASTERS',
  '    Show a list of monitored masters and their state.',
  'MONITOR <name> <ip> <port> <quorum>',
  '    Start monitoring a new master with the specified name, ip, port and quorum.',
  'MYID',
  '    Return the ID of the Sentinel instance.',
  'PENDING-SCRIPTS',
  '    Get pending scripts information.',
  'REMOVE <master-name>',
  "    Remove master from Sentinel's monitor list.",
  'REPLICAS <master-name>',
  '    Show a list of replicas for this master and their state.',
  'RESET <pattern>',
  '    Reset masters for specific master name matching this pattern.',
  'SENTINELS <master-name>',
  '    Show a list of Sentinel instances for this master and their state.',
  'SET <master-name> <option> <value> [<option> <value> ...]',
  '    Set configuration parameters for certain masters.',
  'SIMULATE-FAILURE [CRASH-AFTER-ELECTION] [CRASH-AFTER-PROMOTION] [HELP]',
  '    Simulate a Sentinel crash.',
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
