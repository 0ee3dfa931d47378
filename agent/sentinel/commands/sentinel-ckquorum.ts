// SENTINEL CKQUORUM: can this group reach ODOWN (enough agents) and commit a failover (a majority of voters)?
import { majority } from '../../../workers/protocol/index.js';
import type { CommandSpec } from '../command-spec.js';
import { error, type Reply, simple } from '../resp.js';
import type { SentinelGroup } from '../source.js';
import { groupOrError, isGroup } from './instance-maps.js';

/**
 * Sentinel's two conditions, mapped onto edge-sentinel: the usable Sentinels are this agent
 * and the other agents it knows that are not SDOWN over its own links to them (Sentinel's
 * `sentinelIsQuorumReachable`), which must reach the ODOWN quorum; failover authorization is
 * the voters' here, so it needs this agent's links to a majority of them.
 */
export function ckquorum(group: SentinelGroup): Reply {
  const usable = 1 + group.sentinels.filter((s) => !s.sdown).length;
  const noQuorum = usable < group.quorum;
  const noAuthorization = group.votersConnected < majority(group.voterCount);
  if (!noQuorum && !noAuthorization) {
    return simple(`OK ${usable} usable Sentinels. Quorum and failover authorization can be reached`);
  }
  let text = `NOQUORUM ${usable} usable Sentinels. `;
  if (noQuorum) text += 'Not enough available Sentinels to reach the specified quorum for this master';
  if (noAuthorization) {
    if (noQuorum) text += '. ';
    text += 'Not enough available Sentinels to reach the majority and authorize a failover';
  }
  return error(text);
}

export const sentinelCkquorum: CommandSpec = {
  name: 'sentinel|ckquorum',
  arity: 3,
  docs: {
    summary: 'Checks for a Redis Sentinel quorum.',
    since: '2.8.4',
    group: 'sentinel',
    arguments: [{ name: 'master-name', type: 'string' }],
  },
  flags: ['admin', 'sentinel', 'only_sentinel'],
  run(context) {
    const group = groupOrError(context);
    return isGroup(group) ? ckquorum(group) : group;
  },
};
