// Invariant 7 (liveness): after the faults heal, one live master, the committed one, replicated by every live node.
import type { Config } from '../../workers/protocol/index.js';
import type { RedisNode } from './redis-node.js';
import type { World } from './world.js';

/** Null when converged, else what is still wrong. */
export function convergenceProblem(world: World): string | null {
  const masters = world.nodes.filter((n) => n.alive && n.role === 'master');
  if (masters.length !== 1) return `${masters.length} live masters (${masters.map((n) => n.id).join(', ')})`;
  const master = masters[0] as RedisNode;
  let committed: Config | null = null;
  let publishedAt = 0;
  for (const v of world.voters) {
    const d = v.state?.durable;
    if (d === undefined) return `voter ${v.index} is down`;
    if (committed === null || d.committed.epoch > committed.epoch) committed = d.committed;
  }
  if (committed === null) return 'no voters';
  for (const v of world.voters) {
    const p = v.state?.durable.published;
    if (p !== undefined && p.epoch === committed.epoch && p.master === master.id) publishedAt++;
  }
  if (committed.master !== master.id || committed.state !== 'active') {
    return `live master ${master.id} but the highest committed config is e${committed.epoch} ${committed.master} ${committed.state}`;
  }
  if (publishedAt < world.majority)
    return `only ${publishedAt} voters publish ${master.id} at e${committed.epoch}`;
  for (const n of world.nodes) {
    if (!n.alive || n === master) continue;
    if (n.role !== 'replica' || n.masterOf !== master.id || !n.linkUp) {
      return `${n.id} is ${n.role} of ${n.masterOf ?? '-'} (link ${n.linkUp ? 'up' : 'down'}), not a replica of ${master.id}`;
    }
  }
  return null;
}
