// SENTINEL SET's write through the agent's admin client, against a real local HTTP server: one PUT with the admin token, and each refusal as a sentence.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdminClient } from '../../../agent/runtime/admin-client.js';

let server: Server;
let url: string;
const seen: { method: string; path: string; authorization: string | undefined; body: string }[] = [];
let answer: { status: number; body: string } = { status: 200, body: '{}' };

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => {
      body += chunk.toString('utf8');
    });
    req.on('end', () => {
      seen.push({
        method: req.method ?? '',
        path: req.url ?? '',
        authorization: req.headers.authorization,
        body,
      });
      res.writeHead(answer.status, { 'Content-Type': 'application/json' });
      res.end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

const refusal = (code: string, message: string) => JSON.stringify({ error: { code, message } });

describe('AdminClient.putSettings', () => {
  it('PUTs the change to /settings with the admin token and answers the version a majority holds', async () => {
    seen.length = 0;
    answer = {
      status: 200,
      body: JSON.stringify({ group: 'my group', settingsVersion: 7, acknowledged: 2 }),
    };
    const outcome = await new AdminClient(url, 'admin-token').putSettings('my group', {
      quorum: 1,
      downAfterMs: 2500,
    });
    expect(outcome).toEqual({ ok: true, version: 7 });
    expect(seen).toEqual([
      {
        method: 'PUT',
        path: '/v1/groups/my%20group/settings',
        authorization: 'Bearer admin-token',
        body: '{"quorum":1,"downAfterMs":2500}',
      },
    ]);
  });

  it.each([
    [
      503,
      refusal('no_majority', 'settings v3 adopted by 1 of 3 voters'),
      'coordinator refused the settings (503 no_majority): settings v3 adopted by 1 of 3 voters',
    ],
    [
      409,
      refusal('superseded', 'settings v3 was superseded'),
      'coordinator refused the settings (409 superseded): settings v3 was superseded',
    ],
    [
      400,
      refusal('bad_request', 'body.quorum: 4 is larger than the 3 node(s)'),
      'coordinator refused the settings (400 bad_request): body.quorum: 4 is larger than the 3 node(s)',
    ],
    [401, 'not json', 'coordinator refused the settings (401): not json'],
    [200, '{"no":"version"}', 'the coordinator accepted the settings but its answer has no settingsVersion'],
  ])('a %i answer is the sentence %#', async (status, body, message) => {
    answer = { status, body };
    expect(await new AdminClient(url, 'admin-token').putSettings('g', { quorum: 2 })).toEqual({
      ok: false,
      message,
    });
  });

  it('an unreachable coordinator, and no admin token (nothing sent), are sentences too', async () => {
    const down = await new AdminClient('http://127.0.0.1:1', 'admin-token').putSettings('g', { quorum: 2 });
    expect(down.ok ? '' : down.message).toMatch(/^coordinator unreachable: /);
    seen.length = 0;
    const none = await new AdminClient(url, undefined).putSettings('g', { quorum: 2 });
    expect(none.ok ? '' : none.message).toMatch(
      /^this agent has no admin token: set coordinator\.adminToken/,
    );
    expect(seen).toEqual([]);
  });
});
