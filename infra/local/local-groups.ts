// The GROUPS table the local wrangler dev serves, built from the stack options.
import { majority } from '../../workers/protocol/index.js';
import type { StackOptions } from './options.js';

/** The group served by the local wrangler dev: the options' ports, voters, down-after and fencing. */
export function localGroups(o: StackOptions): Record<string, unknown> {
  return {
    [o.group]: {
      master: `${o.nodeHost ?? '127.0.0.1'}:${o.announcePorts?.[0] ?? o.redisPort}`,
      quorum: o.quorum ?? majority(o.nodes),
      voters: o.voters,
      downAfterMs: o.downAfterMs,
      failoverTimeoutMs: o.failoverTimeoutMs,
      parallelSyncs: 1,
      fencing: o.fencing,
      webhooks: [],
    },
  };
}
