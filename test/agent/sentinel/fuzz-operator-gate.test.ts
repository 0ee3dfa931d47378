// Found while writing infra/SECURITY.md: on a Sentinel port without a password the anonymous
// `default` user (Redis's `on nopass +@all`) could run ACL SETUSER, give itself (or a new user) a
// password, AUTH as it and then run the operator actions the NOPERM gate of
// agent/sentinel/acl/permission.ts keeps from anonymous clients (SENTINEL FAILOVER, SET). The ACL
// subcommands that change users are operator actions now, so the gate holds.
import { createConnection } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SentinelServer, startSentinelServer } from '../../../agent/sentinel/server.js';
import { FakeSource, group, MY_ID, sentinelNode, view } from './support/fake-source.js';
import { encodeCommand } from './support/raw-client.js';

let source: FakeSource;
let server: SentinelServer;

beforeAll(async () => {
  source = new FakeSource({
    myId: MY_ID,
    groups: [group(sentinelNode(view('10.0.0.1:6379', { role: 'master' })), [])],
  });
  server = await startSentinelServer({ host: '127.0.0.1', port: 0, source });
});

afterAll(async () => {
  await server.close();
});

async function send(commands: readonly (readonly string[])[]): Promise<string> {
  const socket = createConnection({ host: '127.0.0.1', port: server.port });
  let received = '';
  socket.on('data', (chunk: Buffer) => {
    received += chunk.toString('utf8');
  });
  await new Promise((resolve) => socket.once('connect', resolve));
  socket.write(commands.map((c) => encodeCommand(c)).join(''));
  const deadline = Date.now() + 2000;
  while (received.split('\r\n').length <= commands.length && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  socket.destroy();
  return received;
}

describe('operator actions on a port without a password', () => {
  it('are refused to the anonymous default user', async () => {
    const reply = await send([['SENTINEL', 'FAILOVER', 'mymaster']]);
    expect(reply).toMatch(/^-NOPERM SENTINEL FAILOVER changes the group/);
    expect(source.failoverCalls).toEqual([]);
  });

  it('stay refused after the anonymous client creates itself a user with a password', async () => {
    const reply = await send([
      ['ACL', 'SETUSER', 'mallory', 'on', '>mallory-password', '+@all'],
      ['AUTH', 'mallory', 'mallory-password'],
      ['SENTINEL', 'FAILOVER', 'mymaster'],
    ]);
    expect(reply).toMatch(/NOPERM/);
    expect(source.failoverCalls).toEqual([]);
  });
});
