// ROLE: ["sentinel", [names of the groups this agent serves]].
import type { CommandSpec } from '../command-spec.js';
import { array, bulk } from '../resp.js';

export const role: CommandSpec = {
  name: 'role',
  arity: 1,
  docs: { summary: 'Returns the replication role.', since: '2.8.12', group: 'server', complexity: 'O(1)' },
  flags: ['noscript', 'loading', 'stale', 'fast', 'sentinel'],
  run: ({ server }) =>
    array([bulk('sentinel'), array(server.source.snapshot().groups.map((g) => bulk(g.name)))]),
};
