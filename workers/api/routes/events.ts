// GET /v1/groups/:group/events: one voter's event log by cursor, as JSON or as Server-Sent Events.
import { Hono } from 'hono';
import { readAccess } from '../../auth/guards.js';
import type { GroupEntry } from '../../config/load.js';
import type { EventsPage, VoterAddress } from '../../voter/contract.js';
import { type AppContext, type AppEnv, groupOf, voterIndexOf, votersOf } from '../context.js';
import { ApiError, badRequest } from '../errors.js';
import { EventsQuerySchema } from '../schemas.js';
import { streamEvents } from '../sse.js';
import { query } from '../validate.js';
import type { VoterSet, VoterStub } from '../voters.js';

const DEFAULT_LIMIT = 100;

export const eventRoutes = new Hono<AppEnv>().get(
  '/:group/events',
  readAccess(),
  query(EventsQuerySchema),
  async (c) => {
    const group = groupOf(c);
    const voters = votersOf(c, group);
    const { after: afterQuery, limit = DEFAULT_LIMIT, voter } = c.req.valid('query');
    if (voter !== undefined) voterIndexOf(group, voters, voter);
    const after = lastEventId(c) ?? afterQuery ?? 0;
    const first = await firstPage(voters, group, voter, after, limit);
    if (wantsStream(c)) return streamEvents(c, voters, first.index, first.page, limit);
    return c.json({ group: group.name, voter: first.index, ...first.page });
  },
);

/** Events are served by the voter the client names, or by default by the first one that answers. */
async function firstPage(
  voters: VoterSet,
  group: GroupEntry,
  voter: number | undefined,
  after: number,
  limit: number,
): Promise<{ index: number; page: EventsPage }> {
  const read = (stub: VoterStub, address: VoterAddress) => stub.events(address, after, limit);
  if (voter !== undefined) {
    try {
      return { index: voter, page: await voters.call(voter, read) };
    } catch (error) {
      throw new ApiError(503, 'voter_unreachable', `voter ${voter} of "${group.name}": ${String(error)}`);
    }
  }
  const first = await voters.first(read);
  if (first.index === null) {
    throw new ApiError(503, 'no_voter', `no voter of "${group.name}" answered: ${first.errors.join('; ')}`);
  }
  return { index: first.index, page: first.value };
}

function wantsStream(c: AppContext): boolean {
  return (c.req.header('Accept') ?? '').toLowerCase().includes('text/event-stream');
}

/** An EventSource reconnecting sends the id of the last event it saw; it wins over `after`. */
function lastEventId(c: AppContext): number | undefined {
  const header = c.req.header('Last-Event-ID');
  if (header === undefined || header.trim() === '') return undefined;
  const id = header.trim();
  // Checked like `after`: 16 digits can exceed 2^53, which a voter would refuse (a 503, not a 400).
  if (!/^\d{1,16}$/.test(id) || !Number.isSafeInteger(Number(id))) {
    throw badRequest('header.Last-Event-ID: expected an event id (a whole number up to 2^53 - 1)');
  }
  return Number(id);
}
