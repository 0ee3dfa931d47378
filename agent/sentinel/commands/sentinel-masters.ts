// SENTINEL MASTERS / MASTER / GET-MASTER-ADDR-BY-NAME and their Valkey names (PRIMARIES / PRIMARY / GET-PRIMARY-ADDR-BY-NAME).
import { parseNodeId } from '../../../workers/protocol/index.js';
import type { CommandSpec, Handler } from '../command-spec.js';
import { array, bulk, nullArray, type Reply, reusable } from '../resp.js';
import { asMap, groupOrError, isGroup, masterFields } from './instance-maps.js';

const FLAGS = ['admin', 'sentinel', 'only_sentinel'];

const listMasters: Handler = ({ server }) =>
  array(server.source.snapshot().groups.map((g) => asMap(masterFields(g))));

const oneMaster: Handler = (context) => {
  const group = groupOrError(context);
  return isGroup(group) ? asMap(masterFields(group)) : group;
};

/** The reply for the master clients ask about most: built once per address, not per lookup. */
let lastAddress: { readonly master: string; readonly reply: Reply } | null = null;

/** Unknown names answer the null array (`*-1`), which clients read as "no such master". */
const addressByName: Handler = ({ args, server }) => {
  const master = server.source.masterAddress(args[2] ?? '');
  if (master === null) return nullArray();
  if (lastAddress?.master !== master) {
    const { host, port } = parseNodeId(master);
    lastAddress = { master, reply: reusable(array([bulk(host), bulk(String(port))])) };
  }
  return lastAddress.reply;
};

export const sentinelMasterCommands: CommandSpec[] = [
  {
    name: 'sentinel|masters',
    arity: 2,
    flags: FLAGS,
    docs: {
      summary: 'Returns a list of monitored Redis masters.',
      since: '2.8.4',
      group: 'sentinel',
      complexity: 'O(N) where N is the number of masters',
    },
    run: listMasters,
  },
  {
    name: 'sentinel|primaries',
    arity: 2,
    flags: FLAGS,
    docs: {
      summary: 'Returns a list of monitored primaries.',
      since: '8.0.0',
      group: 'sentinel',
      complexity: 'O(N) where N is the number of primaries',
    },
    run: listMasters,
  },
  {
    name: 'sentinel|master',
    arity: 3,
    flags: FLAGS,
    docs: {
      summary: 'Returns the state of a master Redis instance.',
      since: '2.8.4',
      group: 'sentinel',
      complexity: 'O(1)',
      arguments: [{ name: 'master-name', type: 'string' }],
    },
    run: oneMaster,
  },
  {
    name: 'sentinel|primary',
    arity: 3,
    flags: FLAGS,
    docs: {
      summary: 'Returns the state of a primary instance.',
      since: '8.0.0',
      group: 'sentinel',
      complexity: 'O(1)',
      arguments: [{ name: 'primary-name', type: 'string' }],
    },
    run: oneMaster,
  },
  {
    name: 'sentinel|get-master-addr-by-name',
    arity: 3,
    flags: FLAGS,
    docs: {
      summary: 'Returns the port and address of a master Redis instance.',
      since: '2.8.4',
      group: 'sentinel',
      complexity: 'O(1)',
      arguments: [{ name: 'master-name', type: 'string' }],
    },
    run: addressByName,
  },
  {
    name: 'sentinel|get-primary-addr-by-name',
    arity: 3,
    flags: FLAGS,
    docs: {
      summary: 'Returns the port and address of a primary instance.',
      since: '8.0.0',
      group: 'sentinel',
      complexity: 'O(1)',
      arguments: [{ name: 'primary-name', type: 'string' }],
    },
    run: addressByName,
  },
];
