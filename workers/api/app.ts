// The edge API: configuration check, body limit, route groups, and one error handler.
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { loadGroups } from '../config/load.js';
import type { AppEnv } from './context.js';
import { ApiError, badConfig, errorBody } from './errors.js';
import { openApiDocument } from './openapi.js';
import { adminRoutes } from './routes/admin.js';
import { agentSocketRoutes } from './routes/agent-socket.js';
import { eventRoutes } from './routes/events.js';
import { groupRoutes } from './routes/groups.js';
import { masterRoutes } from './routes/master.js';
import { pageRoutes } from './routes/pages.js';
import { settingsRoutes } from './routes/settings.js';

/** Request bodies are tiny JSON objects (`{"target":"host:port"}`); anything bigger is refused. */
export const MAX_BODY_BYTES = 4 * 1024;

export const app = new Hono<AppEnv>();

/** Every route, /healthz included, refuses to serve while the deployed GROUPS are invalid. */
app.use('*', async function requireValidConfig(c, next) {
  const loaded = loadGroups(c.env);
  if (!loaded.ok) throw badConfig(`invalid group configuration: ${loaded.error}`);
  c.set('groups', loaded.groups);
  await next();
});

app.use(
  '*',
  bodyLimit({
    maxSize: MAX_BODY_BYTES,
    onError: () => {
      throw new ApiError(413, 'payload_too_large', `request bodies are limited to ${MAX_BODY_BYTES} bytes`);
    },
  }),
);

app.get('/healthz', (c) => c.json({ ok: true as const, groups: c.var.groups.size }));
app.get('/v1/openapi.json', (c) => c.json(openApiDocument()));

app.route('/v1/groups', groupRoutes);
app.route('/v1/groups', masterRoutes);
app.route('/v1/groups', eventRoutes);
app.route('/v1/groups', adminRoutes);
app.route('/v1/groups', settingsRoutes);
app.route('/v1/groups', agentSocketRoutes);
app.route('/', pageRoutes);

app.notFound((c) => c.json(errorBody('not_found', `no route for ${c.req.method} ${c.req.path}`), 404));

app.onError((error, c) => {
  if (error instanceof ApiError) {
    return c.json(errorBody(error.code, error.message), error.status, { ...error.headers });
  }
  if (error instanceof HTTPException) {
    const status = error.status as ContentfulStatusCode;
    const message = status === 400 ? `body: ${error.message}` : error.message;
    return c.json(errorBody(status === 400 ? 'bad_request' : 'http_error', message), status);
  }
  console.error('unhandled error', error);
  return c.json(errorBody('internal', 'internal error; see the Worker logs'), 500);
});
