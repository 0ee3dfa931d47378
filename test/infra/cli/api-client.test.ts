// The CLI's HTTP client against a real local HTTP server: which token goes where, and every kind
// of failure as one line with the right exit code (1 refused or unreachable, 2 usage).
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, checkedUrl } from '../../../infra/cli/api-client.js';
import { CliError } from '../../../infra/cli/errors.js';
import { HealthSchema } from '../../../workers/api/schemas.js';

let server: Server;
let url: string;
const seen: { path: string; authorization: string | undefined; body: string }[] = [];

/** Each path answers one way; every request is recorded. */
const ROUTES: Record<string, (req: IncomingMessage) => { status: number; body: string; type?: string }> = {
  '/ok': () => ({ status: 200, body: JSON.stringify({ ok: true, groups: 1 }) }),
  '/forbidden': () => ({
    status: 403,
    body: JSON.stringify({ error: { code: 'forbidden', message: 'this token may not read' } }),
  }),
  '/conflict': () => ({
    status: 409,
    body: JSON.stringify({
      error: { code: 'failover_in_progress', message: 'failover refused: epoch 3 runs' },
    }),
  }),
  '/html': () => ({ status: 200, body: '<html>captive portal</html>', type: 'text/html' }),
  '/proxy-error': () => ({ status: 502, body: '<html>bad gateway</html>', type: 'text/html' }),
  '/wrong-shape': () => ({ status: 200, body: JSON.stringify({ ok: 'yes' }) }),
};

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      seen.push({ path: req.url ?? '', authorization: req.headers.authorization, body });
      const answer = ROUTES[req.url ?? '']?.(req) ?? { status: 404, body: '{}' };
      res.writeHead(answer.status, { 'Content-Type': answer.type ?? 'application/json' });
      res.end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

const client = (tokens: { adminToken?: string; readToken?: string } = {}) =>
  new ApiClient({ url, adminToken: tokens.adminToken, readToken: tokens.readToken, timeoutMs: 2_000 });

async function failure(promise: Promise<unknown>): Promise<CliError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  if (!(error instanceof CliError)) throw new Error(`expected a CliError, got ${String(error)}`);
  return error;
}

describe('ApiClient', () => {
  it('reads with the read token when given, else the admin token, else none', async () => {
    seen.length = 0;
    await client({ readToken: 'r', adminToken: 'a' }).read('/ok', HealthSchema);
    await client({ adminToken: 'a' }).read('/ok', HealthSchema);
    await client().read('/ok', HealthSchema);
    expect(seen.map((s) => s.authorization)).toEqual(['Bearer r', 'Bearer a', undefined]);
  });

  it('sends actions with the admin token and a JSON body; without one it is a usage error (exit 2)', async () => {
    seen.length = 0;
    await client({ adminToken: 'a', readToken: 'r' }).admin('/ok', { target: '10.0.0.2:6379' }, HealthSchema);
    expect(seen).toEqual([{ path: '/ok', authorization: 'Bearer a', body: '{"target":"10.0.0.2:6379"}' }]);
    const missing = await failure(client({ readToken: 'r' }).admin('/ok', {}, HealthSchema));
    expect(missing.exitCode).toBe(2);
    expect(missing.message).toContain('EDGE_SENTINEL_ADMIN_TOKEN');
  });

  it("turns the API's error answers into one line with its code, and a hint on 403", async () => {
    const forbidden = await failure(client().read('/forbidden', HealthSchema));
    expect(forbidden.exitCode).toBe(1);
    expect(forbidden.message).toMatch(
      /^\/forbidden: HTTP 403 forbidden: this token may not read \(tokens: --read-token/,
    );
    const conflict = await failure(client({ adminToken: 'a' }).admin('/conflict', {}, HealthSchema));
    expect(conflict.message).toBe('/conflict: HTTP 409 failover_in_progress: failover refused: epoch 3 runs');
    const proxy = await failure(client().read('/proxy-error', HealthSchema));
    expect(proxy.message).toBe('/proxy-error: HTTP 502 <html>bad gateway</html>');
  });

  it('refuses an answer that is not the API (not JSON, or not the schema)', async () => {
    expect((await failure(client().read('/html', HealthSchema))).message).toContain('the answer is not JSON');
    expect((await failure(client().read('/wrong-shape', HealthSchema))).message).toMatch(
      /unexpected answer \(ok: .*\); is http:\/\/127\.0\.0\.1:\d+ an edge-sentinel coordinator/,
    );
  });

  it('says which coordinator it could not reach and why (exit 1)', async () => {
    // A port that was just free: bound, then closed.
    const spare = createServer();
    await new Promise<void>((resolve) => spare.listen(0, '127.0.0.1', resolve));
    const port = (spare.address() as AddressInfo).port;
    await new Promise((resolve) => spare.close(resolve));
    const closedUrl = `http://127.0.0.1:${port}`;
    const closed = new ApiClient({
      url: closedUrl,
      adminToken: undefined,
      readToken: undefined,
      timeoutMs: 2_000,
    });
    const error = await failure(closed.read('/ok', HealthSchema));
    expect(error.exitCode).toBe(1);
    expect(error.message).toBe(`cannot reach the coordinator at ${closedUrl}: ECONNREFUSED`);
  });

  it('checks the URL before any request (exit 2)', () => {
    expect(checkedUrl('http://127.0.0.1:8787/')).toBe('http://127.0.0.1:8787');
    for (const bad of ['127.0.0.1:8787', 'ftp://x', 'not a url']) {
      expect(() => checkedUrl(bad)).toThrow(CliError);
      try {
        checkedUrl(bad);
      } catch (error) {
        expect((error as CliError).exitCode).toBe(2);
      }
    }
  });
});
