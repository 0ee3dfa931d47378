// SENTINEL REPLICAS / SLAVES (the group's other nodes) and SENTINEL SENTINELS (the other agents, live).
import type { CommandSpec, Handler } from '../command-spec.js';
import { array } from '../resp.js';
import { asMap, groupOrError, isGroup, replicaFields, sentinelFields } from './instance-maps.js';

const FLAGS = ['admin', 'sentinel', 'only_sentinel'];

const replicas: Handler = (context) => {
  const group = groupOrError(context);
  if (!isGroup(group)) return group;
  // Like Sentinel, a replica with `replica-announced no` is counted (num-slaves) but not listed.
  const announced = group.replicas.filter((r) => r.replicaAnnounced !== false);
  return array(announced.map((r) => asMap(replicaFields(group, r))));
};

const sentinels: Handler = (context) => {
  const group = groupOrError(context);
  if (!isGroup(group)) return group;
  return array(group.sentinels.map((s) => asMap(sentinelFields(group, s))));
};

export const sentinelTopologyCommands: CommandSpec[] = [
  {
    name: 'sentinel|replicas',
    arity: 3,
    flags: FLAGS,
    docs: {
      summary: 'Returns a list of the monitored Redis replicas.',
      since: '5.0.0',
      group: 'sentinel',
      complexity: 'O(N) where N is the number of replicas',
      arguments: [{ name: 'master-name', type: 'string' }],
    },
    run: replicas,
  },
  {
    name: 'sentinel|slaves',
    arity: 3,
    flags: FLAGS,
    docs: {
      summary: 'Returns a list of the monitored replicas.',
      since: '2.8.0',
      group: 'sentinel',
      complexity: 'O(N) where N is the number of replicas.',
      docFlags: ['deprecated'],
      deprecatedSince: '5.0.0',
      replacedBy: '`SENTINEL REPLICAS`',
      arguments: [{ name: 'master-name', type: 'string' }],
    },
    run: replicas,
  },
  {
    name: 'sentinel|sentinels',
    arity: 3,
    flags: FLAGS,
    docs: {
      summary: 'Returns a list of Sentinel instances.',
      since: '2.8.4',
      group: 'sentinel',
      complexity: 'O(N) where N is the number of Sentinels',
      arguments: [{ name: 'master-name', type: 'string' }],
    },
    run: sentinels,
  },
];
