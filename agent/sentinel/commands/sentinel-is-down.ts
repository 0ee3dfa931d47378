// SENTINEL IS-MASTER-DOWN-BY-ADDR (and Valkey's IS-PRIMARY-DOWN-BY-ADDR): whether this agent sees
// the master at ip:port subjectively down, in Sentinel's reply shape.
import { parseNodeId } from '../../../workers/protocol/index.js';
import type { CommandDocs, CommandSpec } from '../command-spec.js';
import { array, bulk, error, integer, type Reply } from '../resp.js';

/**
 * Sentinel's `[down-state, leader, leader-epoch]`. Sentinels also use this command to ask each
 * other for a failover vote (a runid instead of `*`); here the voters elect the leader, so an
 * agent never votes and always answers leader `*` at epoch 0, as a Sentinel that did not vote.
 */
function isDownByAddr(name: string, docs: CommandDocs): CommandSpec {
  return {
    name,
    arity: 6,
    docs,
    flags: ['admin', 'sentinel', 'only_sentinel'],
    run({ args, server }): Reply {
      const [, , ip = '', portText = '', epochText = ''] = args;
      if (!/^-?\d{1,19}$/.test(portText) || !/^-?\d{1,19}$/.test(epochText)) {
        return error('ERR value is not an integer or out of range');
      }
      const port = Number(portText);
      const group = server.source.snapshot().groups.find((g) => {
        const master = parseNodeId(g.master.node);
        return master.host === ip && master.port === port;
      });
      const down = group?.master.view?.sdown === true;
      return array([integer(down ? 1 : 0), bulk('*'), integer(0)]);
    },
  };
}

const ARGUMENTS: CommandDocs['arguments'] = [
  { name: 'ip', type: 'string' },
  { name: 'port', type: 'integer' },
  { name: 'current-epoch', type: 'integer' },
  { name: 'runid', type: 'string' },
];

export const sentinelIsDownCommands: readonly CommandSpec[] = [
  isDownByAddr('sentinel|is-master-down-by-addr', {
    summary: 'Determines whether a master Redis instance is down.',
    since: '2.8.4',
    group: 'sentinel',
    complexity: 'O(1)',
    arguments: ARGUMENTS,
  }),
  isDownByAddr('sentinel|is-primary-down-by-addr', {
    summary: 'Determines whether a primary instance is down.',
    since: '8.0.0',
    group: 'sentinel',
    complexity: 'O(1)',
    arguments: ARGUMENTS,
  }),
];
