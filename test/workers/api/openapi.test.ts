// The OpenAPI document: every public route, generated from the zod schemas.
import { describe, expect, it } from 'vitest';
import { openApiDocument } from '../../../workers/api/openapi.js';

interface Doc {
  openapi: string;
  paths: Record<
    string,
    Record<string, { parameters?: Array<{ name: string; in: string }>; responses: Record<string, unknown> }>
  >;
  components: { schemas: Record<string, { properties?: Record<string, unknown>; $id?: string }> };
}

describe('openApiDocument', () => {
  const doc = openApiDocument() as Doc;

  it('lists exactly the routes of the README.md "HTTP API" table', () => {
    const routes = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
    );
    expect(routes.sort()).toEqual(
      [
        'GET /healthz',
        'GET /v1/groups',
        'GET /v1/groups/{group}',
        'GET /v1/groups/{group}/master',
        'GET /v1/groups/{group}/events',
        'POST /v1/groups/{group}/failover',
        'POST /v1/groups/{group}/switchover',
        'POST /v1/groups/{group}/pause',
        'POST /v1/groups/{group}/resume',
        'POST /v1/groups/{group}/reset',
        'GET /v1/groups/{group}/settings',
        'PUT /v1/groups/{group}/settings',
        'DELETE /v1/groups/{group}/settings',
        'GET /v1/groups/{group}/voters/{i}/agent',
        'POST /v1/groups/{group}/voters/{i}/outage',
      ].sort(),
    );
  });

  it('lists the closed set of event names an Event may carry', () => {
    const name = doc.components.schemas.Event?.properties?.name as { enum?: string[] } | undefined;
    expect(name?.enum).toEqual(
      expect.arrayContaining(['+switch-master', '+odown', '+promote-done', '-fenced']),
    );
    expect(name?.enum).not.toContain('+made-up');
  });

  it('derives parameters and bodies from the zod schemas', () => {
    const master = doc.paths['/v1/groups/{group}/master']?.get;
    expect(master?.parameters?.map((p) => `${p.in}:${p.name}`)).toEqual([
      'path:group',
      'query:waitEpoch',
      'query:timeoutMs',
      'query:minEpoch',
      'query:consistency',
    ]);
    expect(Object.keys(doc.components.schemas.Master?.properties ?? {})).toEqual([
      'group',
      'host',
      'port',
      'epoch',
      'since',
    ]);
    expect(doc.components.schemas.FailoverBody?.properties?.target).toMatchObject({ type: 'string' });
    expect(doc.components.schemas.Master?.$id).toBeUndefined();
  });
});
