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
  { name: 'sentinel|replicas', arity: 3, flags: FLAGS, run: replicas },
  { name: 'sentinel|slaves', arity: 3, flags: FLAGS, run: replicas },
  { name: 'sentinel|sentinels', arity: 3, flags: FLAGS, run: sentinels },
];
