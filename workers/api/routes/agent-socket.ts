// GET /v1/groups/:group/voters/:i/agent: authenticate an agent, then hand its WebSocket to the voter.
import { Hono } from 'hono';
import { verifyAgent } from '../../auth/guards.js';
import { AgentIdSchema } from '../../protocol/index.js';
import { type AppEnv, groupOf, voterIndexOf, votersOf } from '../context.js';
import { ApiError, badRequest } from '../errors.js';
import { AgentQuerySchema } from '../schemas.js';
import { query } from '../validate.js';

/** Headers the voter trusts because only this Worker sets them; a client's copies are removed. */
const TRUSTED_PREFIX = 'x-edge-sentinel-';

export const agentSocketRoutes = new Hono<AppEnv>().get(
  '/:group/voters/:i/agent',
  query(AgentQuerySchema),
  async (c) => {
    const claimed = c.req.header('x-edge-sentinel-agent') ?? c.req.valid('query').agent;
    if (claimed === undefined) {
      throw badRequest('header.x-edge-sentinel-agent: give the agent id in this header or in ?agent=');
    }
    const agentId = AgentIdSchema.safeParse(claimed);
    if (!agentId.success)
      throw badRequest(`agent: ${agentId.error.issues[0]?.message ?? 'invalid agent id'}`);
    const groupName = c.req.param('group');
    await verifyAgent(c.env, c.req.header('Authorization'), agentId.data, groupName);
    const group = groupOf(c);
    const voters = votersOf(c, group);
    const index = voterIndexOf(group, voters, c.req.param('i'));
    if ((c.req.header('Upgrade') ?? '').toLowerCase() !== 'websocket') {
      throw new ApiError(426, 'upgrade_required', 'this route only accepts a WebSocket upgrade', {
        Upgrade: 'websocket',
      });
    }
    const headers = new Headers(c.req.raw.headers);
    for (const name of [...headers.keys()]) {
      if (name.toLowerCase().startsWith(TRUSTED_PREFIX)) headers.delete(name);
    }
    headers.delete('Authorization');
    headers.set('x-edge-sentinel-group', group.name);
    headers.set('x-edge-sentinel-voter', String(index));
    headers.set('x-edge-sentinel-agent', agentId.data);
    return voters.stub(index).fetch(new Request(c.req.raw.url, { method: 'GET', headers }));
  },
);
