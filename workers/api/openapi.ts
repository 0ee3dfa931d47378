// GET /v1/openapi.json: the OpenAPI 3.1 document, generated from the same zod schemas the routes use.
import { z } from 'zod';
import { SettingsPatchSchema } from '../config/settings-schema.js';
import {
  AdminAcceptedSchema,
  AdminFanOutSchema,
  AgentQuerySchema,
  EmptyBodySchema,
  ErrorSchema,
  EventSchema,
  EventsPageSchema,
  EventsQuerySchema,
  FailoverBodySchema,
  GroupListQuerySchema,
  GroupListSchema,
  GroupSettingsSchema,
  GroupStatusSchema,
  HealthSchema,
  MasterQuerySchema,
  MasterSchema,
  OutageBodySchema,
  OutageSchema,
  SettingsQuerySchema,
  SettingsWriteSchema,
  SwitchoverBodySchema,
} from './schemas.js';

type Auth = 'none' | 'read' | 'admin' | 'agent';

interface Operation {
  readonly method: 'get' | 'post' | 'put' | 'delete';
  readonly path: string;
  readonly summary: string;
  readonly auth: Auth;
  readonly query?: z.ZodObject;
  readonly body?: string;
  /** Status -> [description, component schema id or null]. */
  readonly responses: Readonly<Record<number, readonly [string, string | null]>>;
}

const COMPONENTS: Readonly<Record<string, z.ZodType>> = {
  Error: ErrorSchema,
  Health: HealthSchema,
  Master: MasterSchema,
  GroupList: GroupListSchema,
  GroupStatus: GroupStatusSchema,
  Event: EventSchema,
  EventsPage: EventsPageSchema,
  FailoverBody: FailoverBodySchema,
  SwitchoverBody: SwitchoverBodySchema,
  EmptyBody: EmptyBodySchema,
  OutageBody: OutageBodySchema,
  Outage: OutageSchema,
  AdminAccepted: AdminAcceptedSchema,
  AdminFanOut: AdminFanOutSchema,
  GroupSettings: GroupSettingsSchema,
  SettingsPatch: SettingsPatchSchema,
  SettingsWrite: SettingsWriteSchema,
};

const G = '/v1/groups/{group}';
const admin = (path: string, summary: string, body: string, ok: readonly [number, string]): Operation => ({
  method: 'post',
  path: `${G}/${path}`,
  summary,
  auth: 'admin',
  body,
  responses: {
    [ok[0]]: ['done', ok[1]],
    409: ['refused by the voters', 'Error'],
    503: ['voters unreachable', 'Error'],
  },
});

const OPERATIONS: readonly Operation[] = [
  {
    method: 'get',
    path: '/healthz',
    summary: 'Liveness and configuration check',
    auth: 'none',
    responses: { 200: ['ok', 'Health'] },
  },
  {
    method: 'get',
    path: '/v1/groups',
    summary: 'Groups and their published masters',
    auth: 'read',
    query: GroupListQuerySchema,
    responses: { 200: ['groups', 'GroupList'] },
  },
  {
    method: 'get',
    path: G,
    summary: 'Group status aggregated from its voters',
    auth: 'read',
    responses: { 200: ['status', 'GroupStatus'] },
  },
  {
    method: 'get',
    path: `${G}/master`,
    summary:
      "Published master: the isolate's copy of a majority read younger than MASTER_CACHE_MS (never below minEpoch or the If-None-Match epoch), or a majority read (consistency=majority, long-polls); ETag is the epoch; long-poll with waitEpoch",
    auth: 'read',
    query: MasterQuerySchema,
    responses: {
      200: ['master', 'Master'],
      304: ['unchanged (If-None-Match)', null],
      503: ['no majority answered', 'Error'],
    },
  },
  {
    method: 'get',
    path: `${G}/events`,
    summary: "One voter's events by cursor; with Accept: text/event-stream, Server-Sent Events",
    auth: 'read',
    query: EventsQuerySchema,
    responses: {
      200: ['events (JSON or text/event-stream)', 'EventsPage'],
      503: ['voter unreachable', 'Error'],
    },
  },
  admin('failover', 'Forced failover (like SENTINEL FAILOVER)', 'FailoverBody', [202, 'AdminAccepted']),
  admin('switchover', 'Coordinated switchover without acknowledged-write loss', 'SwitchoverBody', [
    202,
    'AdminAccepted',
  ]),
  admin('pause', 'Pause automatic failover on a majority of voters', 'EmptyBody', [200, 'AdminFanOut']),
  admin('resume', 'Resume automatic failover on a majority of voters', 'EmptyBody', [200, 'AdminFanOut']),
  admin('reset', 'Forget disconnected agents and ask for fresh views', 'EmptyBody', [200, 'AdminFanOut']),
  admin(
    'voters/{i}/outage',
    'Outage drill: take one voter down or bring it back (404 unless the OUTAGE_DRILLS var is "on")',
    'OutageBody',
    [200, 'Outage'],
  ),
  {
    method: 'get',
    path: `${G}/settings`,
    summary: 'Effective runtime-overridable settings and where each comes from (majority read)',
    auth: 'read',
    responses: { 200: ['settings', 'GroupSettings'], 503: ['no majority answered', 'Error'] },
  },
  {
    method: 'put',
    path: `${G}/settings`,
    summary:
      'Override quorum, downAfterMs, failoverTimeoutMs, parallelSyncs or masterRebootDownAfterMs at runtime (null removes one; ?reset=1 with {} clears all)',
    auth: 'admin',
    query: SettingsQuerySchema,
    body: 'SettingsPatch',
    responses: {
      200: ['adopted by a majority', 'SettingsWrite'],
      409: ['superseded by a concurrent write', 'Error'],
      503: ['no majority adopted it', 'Error'],
    },
  },
  {
    method: 'delete',
    path: `${G}/settings`,
    summary: "Remove every runtime override: back to wrangler.toml's values",
    auth: 'admin',
    responses: {
      200: ['adopted by a majority', 'SettingsWrite'],
      409: ['superseded by a concurrent write', 'Error'],
      503: ['no majority adopted it', 'Error'],
    },
  },
  {
    method: 'get',
    path: `${G}/voters/{i}/agent`,
    summary: 'WebSocket upgrade for agents (agent id in x-edge-sentinel-agent or ?agent=)',
    auth: 'agent',
    query: AgentQuerySchema,
    responses: { 101: ['switching protocols', null], 426: ['not a WebSocket upgrade', 'Error'] },
  },
];

const COMMON_ERRORS: Readonly<Record<Auth, readonly number[]>> = {
  none: [],
  read: [401, 403, 404],
  admin: [400, 401, 403, 404, 413],
  agent: [400, 401, 403, 404],
};

let cached: object | undefined;

export function openApiDocument(): object {
  cached ??= build();
  return cached;
}

function build(): object {
  const paths: Record<string, Record<string, object>> = {};
  for (const op of OPERATIONS) {
    const item = paths[op.path] ?? {};
    item[op.method] = operation(op);
    paths[op.path] = item;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'edge-sentinel',
      version: '1',
      description: 'Redis Sentinel at the edge: the coordinator API.',
    },
    paths,
    components: {
      schemas: componentSchemas(),
      securitySchemes: {
        read: {
          type: 'http',
          scheme: 'bearer',
          description: 'READ_TOKEN or ADMIN_TOKEN; reads are open when READ_TOKEN is unset',
        },
        admin: { type: 'http', scheme: 'bearer', description: 'ADMIN_TOKEN' },
        agent: {
          type: 'http',
          scheme: 'bearer',
          description: 'hex HMAC-SHA256(AGENT_SECRET, agentId + "\\n" + group)',
        },
      },
    },
  };
}

function operation(op: Operation): object {
  const ref = (id: string) => ({ $ref: `#/components/schemas/${id}` });
  const responses: Record<string, object> = {};
  for (const status of COMMON_ERRORS[op.auth]) {
    responses[String(status)] = {
      description: `error ${status}`,
      content: { 'application/json': { schema: ref('Error') } },
    };
  }
  for (const [status, [description, id]] of Object.entries(op.responses)) {
    responses[status] =
      id === null ? { description } : { description, content: { 'application/json': { schema: ref(id) } } };
  }
  const parameters = [...pathParameters(op.path), ...queryParameters(op.query)];
  return {
    summary: op.summary,
    ...(op.auth === 'none' ? {} : { security: [{ [op.auth]: [] }] }),
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(op.body === undefined
      ? {}
      : { requestBody: { required: false, content: { 'application/json': { schema: ref(op.body) } } } }),
    responses,
  };
}

function pathParameters(path: string): object[] {
  return [...path.matchAll(/\{(\w+)\}/g)].map((m) => ({
    name: m[1],
    in: 'path',
    required: true,
    schema: { type: 'string' },
  }));
}

function queryParameters(schema: z.ZodObject | undefined): object[] {
  if (schema === undefined) return [];
  return Object.entries(schema.shape).map(([name, field]) => ({
    name,
    in: 'query',
    required: !(field as z.ZodType).safeParse(undefined).success,
    schema: strip(z.toJSONSchema(field as z.ZodType, { io: 'input' })),
  }));
}

function componentSchemas(): Record<string, object> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(COMPONENTS)) registry.add(schema, { id });
  const { schemas } = z.toJSONSchema(registry, { uri: (id) => `#/components/schemas/${id}`, io: 'output' });
  return Object.fromEntries(Object.entries(schemas).map(([id, schema]) => [id, strip(schema)]));
}

/** OpenAPI embeds the schemas: their own `$schema` and `$id` would only confuse readers. */
function strip(schema: object): object {
  const { $schema: _schema, $id: _id, ...rest } = schema as Record<string, unknown>;
  return rest;
}
