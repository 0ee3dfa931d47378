// GET /v1/groups/:group/master: the published master from a majority of voters, ETag and long-poll.
import { Hono } from 'hono';
import { readAccess } from '../../auth/guards.js';
import { type AppEnv, groupOf, votersOf } from '../context.js';
import { waitForNewerMaster } from '../long-poll.js';
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
    const { waitEpoch, timeoutMs = DEFAULT_LONG_POLL_MS } = c.req.valid('query');
    const read =
      waitEpoch === undefined
        ? await readMajority(voters)
        : await waitForNewerMaster(voters, waitEpoch, timeoutMs);
    const etag = etagOf(read.config);
    c.header('ETag', etag);
    c.header('Cache-Control', 'no-store');
    c.header('x-edge-sentinel-voters', read.answered.join(','));
    // A long-poll that timed out with an unchanged epoch answers 304 too, if the client sent the tag.
    if (etagMatches(c.req.header('If-None-Match'), etag)) return c.body(null, 304);
    return c.json(toMaster(group.name, read.config));
  },
);
