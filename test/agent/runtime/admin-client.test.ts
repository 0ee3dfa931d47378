// The agent's client of the coordinator's admin API, against a real local HTTP server: which route
// SENTINEL FAILOVER [COORDINATED] reaches, with the admin token, and how refusals map to Sentinel's codes.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdminClient } from '../../../agent/runtime/admin-client.js';

let server: Server;
let url: string;
const seen: { path: string; authorization: string | undefined }[] = [];
let answer: { status: number; body: unknown } = { status: 202, body: {} };

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push({ path: req.url ?? '', authorization: req.headers.authorization });
    req.resume();
    req.on('end', () => {
      res.writeHead(answer.status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

describe('AdminClient', () => {
  it('posts a failover to /failover and a coordinated one to /switchover, with the admin token', async () => {
    seen.length = 0;
    answer = { status: 202, body: { group: 'g', action: 'failover', voter: 0, reason: '' } };
    const client = new AdminClient(url, 'admin-token');
    expect(await client.failover('g')).toEqual({ ok: true });
    expect(await client.failover('g', 'switchover')).toEqual({ ok: true });
    expect(seen).toEqual([
      { path: '/v1/groups/g/failover', authorization: 'Bearer admin-token' },
      { path: '/v1/groups/g/switchover', authorization: 'Bearer admin-token' },
    ]);
  });

  it.each([
    ['failover_in_progress', 'INPROG'],
    ['no_good_replica', 'NOGOODSLAVE'],
    ['refused', 'ERR'],
  ])('maps a 409 %s to %s', async (code, sentinelCode) => {
    answer = { status: 409, body: { error: { code, message: 'because' } } };
    const outcome = await new AdminClient(url, 'admin-token').failover('g', 'switchover');
    expect(outcome).toMatchObject({ ok: false, code: sentinelCode });
  });

  it('without an admin token says how to give it one, and sends nothing', async () => {
    seen.length = 0;
    const outcome = await new AdminClient(url, undefined).failover('g');
    expect(outcome).toMatchObject({ ok: false, code: 'ERR' });
    expect(outcome.ok ? '' : outcome.message).toContain('coordinator.adminToken');
    expect(seen).toEqual([]);
  });
});
