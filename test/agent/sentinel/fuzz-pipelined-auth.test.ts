// Found while building the fuzz suite's reference model: Redis runs each request before it reads
// the next (networking.c processInputBuffer), so `AUTH` pipelined in the same write as a request
// above the unauthenticated limits (more than 10 arguments, or an argument over 16 KiB) is
// accepted. The parser now hands over one request at a time before AUTH, so the same holds here.
import { createConnection } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SentinelServer, startSentinelServer } from '../../../agent/sentinel/server.js';
import { FakeSource, group, MY_ID, sentinelNode, view } from './support/fake-source.js';
import { encodeCommand } from './support/raw-client.js';

const PASSWORD = 'pipelined-auth-password-0123';
let server: SentinelServer;

beforeAll(async () => {
  const source = new FakeSource({
    myId: MY_ID,
    groups: [group(sentinelNode(view('10.0.0.1:6379', { role: 'master' })), [])],
  });
  server = await startSentinelServer({ host: '127.0.0.1', port: 0, source, password: PASSWORD });
});

afterAll(async () => {
  await server.close();
});

async function sendInOneWrite(commands: readonly (readonly string[])[]): Promise<string> {
  const socket = createConnection({ host: '127.0.0.1', port: server.port, noDelay: true });
  let received = '';
  socket.on('data', (chunk: Buffer) => {
    received += chunk.toString('utf8');
  });
  await new Promise((resolve) => socket.once('connect', resolve));
  socket.write(commands.map((c) => encodeCommand(c)).join(''));
  await new Promise((resolve) => setTimeout(resolve, 200));
  socket.destroy();
  return received;
}

describe('AUTH pipelined with a large request in the same write', () => {
  it('a request within the unauthenticated limits after AUTH runs', async () => {
    expect(
      await sendInOneWrite([
        ['AUTH', PASSWORD],
        ['PING', 'x'],
      ]),
    ).toBe('+OK\r\n$1\r\nx\r\n');
  });

  it('a request with 11 arguments after AUTH runs, as in Redis', async () => {
    // PING with 10 arguments is a wrong-arity error: an answer, not a protocol error.
    const reply = await sendInOneWrite([
      ['AUTH', PASSWORD],
      ['PING', ...Array(10).fill('y')],
    ]);
    expect(reply).toMatch(/^\+OK\r\n-ERR wrong number of arguments/);
  });
});
