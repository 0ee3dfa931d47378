// GET /v1/groups/:group/master: the published master (the isolate's recent copy of a majority read, or a majority read), ETag and long-poll.
import { Hono } from 'hono';
import { readAccess } from '../../auth/guards.js';
import { type AppEnv, groupOf, votersOf } from '../context.js';
import { waitForNewerMaster } from '../long-poll.js';
import { DEFAULT_MASTER_CACHE_MS, masterCache } from '../master-cache.js';
import { readMajority } from '../master-read.js';
import { etagMatches, etagOf, toMaster } from '../master-view.js';
import { MasterQuerySchema } from '../schemas.js';
import { query } from '../validate.js';

/** A long-poll without `timeoutMs` waits this long. */
export const DEFAULT_LONG_POLL_MS = 30_000;

export const masterRoutes = new Hono<AppEnv>().get(
  '/:group/master',
  readAccess(),
  query(MasterQuerySchema),
  async (c) => {
    const group = groupOf(c);
    const voters = votersOf(c, group);
    const {
      waitEpoch,
      timeoutMs = DEFAULT_LONG_POLL_MS,
      minEpoch = 0,
      consistency = 'cached',
    } = c.req.valid('query');
    const ifNoneMatch = c.req.header('If-None-Match');
    const nowMs = Date.now();
    const ttlMs = masterCacheMs(c.env.MASTER_CACHE_MS);
    // The epoch the client already has (its tag) is a floor as well: it never sees an older one.
    const floor = Math.max(minEpoch, taggedEpoch(ifNoneMatch));
    const cached =
      waitEpoch === undefined && consistency === 'cached' && ttlMs > 0
        ? masterCache.fresh(group.name, nowMs, ttlMs, floor)
        : null;
    let config = cached;
    if (config === null) {
      const read =
        waitEpoch === undefined
          ? await readMajority(voters)
          : await waitForNewerMaster(voters, waitEpoch, timeoutMs);
      masterCache.offer(group.name, read.config, Date.now());
      c.header('x-edge-sentinel-voters', read.answered.join(','));
      config = read.config;
    }
    c.header('x-edge-sentinel-read', cached === null ? 'majority' : 'cached');
    const etag = etagOf(config);
    c.header('ETag', etag);
    c.header('Cache-Control', 'no-store');
    // A long-poll that timed out with an unchanged epoch answers 304 too, if the client sent the tag.
    if (etagMatches(ifNoneMatch, etag)) return c.body(null, 304);
    return c.json(toMaster(group.name, config));
  },
);

/** `MASTER_CACHE_MS` (wrangler.toml [vars]): 0 turns the copy off; absent or invalid: the default. */
function masterCacheMs(raw: unknown): number {
  const value = typeof raw === 'number' ? raw : typeof raw === 'string' ? Number(raw) : Number.NaN;
  return Number.isInteger(value) && value >= 0 && value <= 60_000 ? value : DEFAULT_MASTER_CACHE_MS;
}

/** The highest epoch among the client's `If-None-Match` tags (`"<epoch>"`); 0 without one. */
function taggedEpoch(ifNoneMatch: string | undefined): number {
  let highest = 0;
  for (const tag of (ifNoneMatch ?? '').split(',')) {
    const digits = /^(?:W\/)?"(\d{1,15})"$/.exec(tag.trim())?.[1];
    if (digits !== undefined) highest = Math.max(highest, Number(digits));
  }
  return highest;
}
