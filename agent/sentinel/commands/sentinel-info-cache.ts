// SENTINEL INFO-CACHE: the last INFO text this agent holds of each named group's master and replicas, in Sentinel's reply shape.
import type { CommandSpec } from '../command-spec.js';
import { array, bulk, integer, nullBulk, type Reply } from '../resp.js';

/**
 * Sentinel's `sentinelInfoCacheCommand`: a flat array of name, then [age-ms, text] pairs (the
 * master first, then its replicas; a null text for a node never heard from). Unknown names are
 * skipped and a name given twice is answered once, as Sentinel's dictionary of the names does;
 * the order here is the order asked (Sentinel's is its hash order). Always arrays, RESP3 too.
 */
export const sentinelInfoCache: CommandSpec = {
  name: 'sentinel|info-cache',
  // As Redis 7's command table: at least one name (the code's "no name: every master" is unreachable).
  arity: -3,
  docs: {
    summary: "Returns the cached `INFO` replies from the deployment's instances.",
    since: '3.2.0',
    group: 'sentinel',
    complexity: 'O(N) where N is the number of instances',
    arguments: [{ name: 'nodename', type: 'string', flags: ['multiple'] }],
  },
  flags: ['admin', 'sentinel', 'only_sentinel'],
  run({ args, server }): Reply {
    const entries: Reply[] = [];
    for (const name of new Set(args.slice(2))) {
      const nodes = server.source.infoCache(name);
      if (nodes === null) continue;
      const pairs = nodes.map(({ ageMs, text }) =>
        array([integer(ageMs), text === null ? nullBulk() : bulk(text)]),
      );
      entries.push(bulk(name), array(pairs));
    }
    return array(entries);
  },
};
