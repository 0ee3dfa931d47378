// SENTINEL FAILOVER (forwarded to the coordinator through the source) and SENTINEL RESET (this agent's lists, through the source).
import type { CommandSpec } from '../command-spec.js';
import { error, integer, OK, type Reply } from '../resp.js';
import { groupOrError, isGroup } from './instance-maps.js';

const INPROG = error('INPROG Failover already in progress');
const NOGOODSLAVE = error('NOGOODSLAVE No suitable replica to promote');

export const sentinelFailover: CommandSpec = {
  name: 'sentinel|failover',
  // `SENTINEL FAILOVER <name> [COORDINATED]`: Valkey 9 added the coordinated form.
  arity: -3,
  docs: {
    summary: 'Forces a Redis Sentinel failover.',
    since: '2.8.4',
    group: 'sentinel',
    arguments: [
      { name: 'master-name', type: 'string' },
      { name: 'coordinated', type: 'pure-token', token: 'COORDINATED', flags: ['optional'] },
    ],
  },
  flags: ['admin', 'sentinel', 'only_sentinel'],
  operatorAction: true,
  async run(context): Promise<Reply> {
    const extra = context.args.slice(3);
    const coordinated = extra.length === 1 && extra[0]?.toUpperCase() === 'COORDINATED';
    if (extra.length > 0 && !coordinated) return error('ERR syntax error');
    const group = groupOrError(context);
    if (!isGroup(group)) return group;
    if (group.failoverInProgress) return INPROG;
    // COORDINATED is the zero-loss hand-off: the coordinator's switchover (FAILOVER TO on the master).
    const outcome = await context.server.source.failover(group.name, coordinated ? 'switchover' : 'failover');
    context.server.logger.info(
      { group: group.name, client: context.session.address, outcome, coordinated },
      'SENTINEL FAILOVER requested by a client',
    );
    if (outcome.ok) return OK;
    switch (outcome.code) {
      case 'INPROG':
        return INPROG;
      case 'NOGOODSLAVE':
        return NOGOODSLAVE;
      case 'ERR':
        return error(`ERR ${outcome.message}`);
      default: {
        const unreachable: never = outcome.code;
        throw new Error(`unknown failover outcome ${String(unreachable)}`);
      }
    }
  },
};

export const sentinelReset: CommandSpec = {
  name: 'sentinel|reset',
  arity: 3,
  docs: {
    summary: 'Resets Redis masters by name matching a pattern.',
    since: '2.8.4',
    group: 'sentinel',
    complexity: 'O(N) where N is the number of monitored masters',
    arguments: [{ name: 'pattern', type: 'pattern' }],
  },
  flags: ['admin', 'sentinel', 'only_sentinel'],
  operatorAction: true,
  async run({ args, server, session }) {
    const pattern = args[2] ?? '';
    const count = await server.source.reset(pattern);
    server.logger.info({ pattern, count, client: session.address }, 'SENTINEL RESET requested by a client');
    return integer(count);
  },
};
