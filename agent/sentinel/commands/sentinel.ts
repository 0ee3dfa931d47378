// SENTINEL: the container of the Sentinel subcommands, MYID and HELP, and refusals of the configuration ones.
import type { CommandDocs, CommandSpec } from '../command-spec.js';
import { array, bulk, error, simple } from '../resp.js';
import { sentinelFailover, sentinelReset } from './sentinel-admin.js';
import { sentinelCkquorum } from './sentinel-ckquorum.js';
import { sentinelIsDownCommands } from './sentinel-is-down.js';
import { sentinelMasterCommands } from './sentinel-masters.js';
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

/**
 * Real Sentinel subcommands that change its own configuration or serve Sentinel-to-Sentinel
 * traffic. Groups live in the coordinator here, so they get an explanation rather than
 * "unknown subcommand".
 */
const UNSUPPORTED: readonly { readonly name: string; readonly docs: CommandDocs }[] = [
  {
    name: 'monitor',
    docs: {
      summary: 'Starts monitoring.',
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
  },
  {
    name: 'remove',
    docs: {
      summary: 'Stops monitoring.',
      since: '2.8.4',
      group: 'sentinel',
      complexity: 'O(1)',
      arguments: [{ name: 'master-name', type: 'string' }],
    },
  },
  {
    name: 'set',
    docs: {
      summary: 'Changes the configuration of a monitored Redis master.',
      since: '2.8.4',
      group: 'sentinel',
      complexity: 'O(1)',
      arguments: [
        { name: 'master-name', type: 'string' },
        {
          name: 'data',
          type: 'block',
          flags: ['multiple'],
          arguments: [
            { name: 'option', type: 'string' },
            { name: 'value', type: 'string' },
          ],
        },
      ],
    },
  },
  {
    name: 'config',
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
  },
  {
    name: 'flushconfig',
    docs: {
      summary: 'Rewrites the Redis Sentinel configuration file.',
      since: '2.8.4',
      group: 'sentinel',
      complexity: 'O(1)',
    },
  },
  {
    name: 'debug',
    docs: {
      summary: 'Lists or updates the current configurable parameters of Redis Sentinel.',
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
  },
  {
    name: 'info-cache',
    docs: {
      summary: "Returns the cached `INFO` replies from the deployment's instances.",
      since: '3.2.0',
      group: 'sentinel',
      complexity: 'O(N) where N is the number of instances',
      arguments: [{ name: 'nodename', type: 'string', flags: ['multiple'] }],
    },
  },
  {
    name: 'pending-scripts',
    docs: {
      summary: 'Returns information about pending scripts for Redis Sentinel.',
      since: '2.8.4',
      group: 'sentinel',
    },
  },
  {
    name: 'simulate-failure',
    docs: {
      summary: 'Simulates failover scenarios.',
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
  },
];

const unsupported: CommandSpec[] = UNSUPPORTED.map(({ name, docs }) => ({
  name: `sentinel|${name}`,
  arity: -2,
  flags: FLAGS,
  // Redis's documentation of the command, saying first that it is refused here.
  docs: {
    ...docs,
    summary: `Not supported by edge-sentinel (groups are configured in the coordinator). ${docs.summary}`,
  },
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
    ...unsupported,
  ],
};
