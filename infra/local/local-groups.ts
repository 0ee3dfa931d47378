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
    ...idleGroups(o.idleGroups?.count ?? 0, o.idleGroups?.voters ?? o.voters),
  };
}

/** The first port an idle group's (never started) master is named by: far from every stack's. */
const IDLE_MASTER_BASE_PORT = 40_000;

/** `idle-0001`, ...: a master, a quorum and voters, the Worker's defaults for the rest (GROUPS stays small). */
export const idleGroupName = (i: number): string => `idle-${String(i + 1).padStart(4, '0')}`;

function idleGroups(count: number, voters: number): Record<string, unknown> {
  return Object.fromEntries(
    Array.from({ length: count }, (_, i) => [
      idleGroupName(i),
      { master: `127.0.0.1:${IDLE_MASTER_BASE_PORT + i}`, quorum: 2, voters },
    ]),
  );
}
