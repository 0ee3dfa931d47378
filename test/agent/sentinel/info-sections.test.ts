// INFO's sections as a Sentinel prints them (Server, Clients, Stats, CPU, Sentinel), and the Stats counters counted exactly.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type SentinelServer, startSentinelServer } from '../../../agent/sentinel/server.js';
import { FakeSource, group, MY_ID, sentinelNode, view } from './support/fake-source.js';
import { encodeCommand, RawClient } from './support/raw-client.js';
import { arr, bulk, err, int } from './support/resp.js';
import { takeRunLock } from './support/run-lock.js';

/** This file's port; concurrent runs of it (other sessions) take turns. */
const PORT = 8904;
let releaseLock: (() => void) | null = null;
beforeAll(async () => {
  releaseLock = await takeRunLock('info-sections-test', 120_000);
}, 130_000);
afterAll(() => releaseLock?.());

const servers: SentinelServer[] = [];
const clients: RawClient[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const s of servers.splice(0)) await s.close();
});

async function server(maxClients?: number): Promise<SentinelServer> {
  const source = new FakeSource({
    myId: MY_ID,
    groups: [group(sentinelNode(view('10.0.0.1:6379', { role: 'master' })), [])],
  });
  const started = await startSentinelServer({
    host: '127.0.0.1',
    port: PORT,
    source,
    ...(maxClients === undefined ? {} : { maxClients }),
  });
  servers.push(started);
  return started;
}

async function client(port: number): Promise<RawClient> {
  const c = await RawClient.connect(port);
  clients.push(c);
  return c;
}

/** INFO's text (the bulk string's body) as field -> value, plus the section headers in order. */
async function info(
  c: RawClient,
  ...sections: string[]
): Promise<{ headers: string[]; fields: Map<string, string> }> {
  c.send(['INFO', ...sections]);
  const header = await c.readUntil('\r\n');
  const body = await c.read(Number(header.slice(1, -2)) + 2);
  const lines = body.split('\r\n');
  const fields = new Map(
    lines
      .filter((l) => l.includes(':'))
      .map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1)] as const),
  );
  return { headers: lines.filter((l) => l.startsWith('#')), fields };
}

describe('INFO sections', () => {
  it('prints a Sentinel 7 set and order: default, all, and named sections', async () => {
    const s = await server();
    const c = await client(s.port);
    const all = ['# Server', '# Clients', '# Stats', '# CPU', '# Sentinel'];
    expect((await info(c)).headers).toEqual(all);
    expect((await info(c, 'everything')).headers).toEqual(all);
    expect((await info(c, 'CPU', 'stats')).headers).toEqual(['# Stats', '# CPU']);
    expect((await info(c, 'sentinel', 'server')).headers).toEqual(['# Server', '# Sentinel']);
  });

  it('# CPU reports the process CPU time from process.cpuUsage(), which grows with work', async () => {
    const s = await server();
    const c = await client(s.port);
    const before = await info(c, 'cpu');
    expect([...before.fields.keys()]).toEqual([
      'used_cpu_sys',
      'used_cpu_user',
      'used_cpu_sys_children',
      'used_cpu_user_children',
    ]);
    for (const value of before.fields.values()) expect(value).toMatch(/^\d+\.\d{6}$/);
    const busyUntil = performance.now() + 100;
    while (performance.now() < busyUntil) Math.sqrt(Math.random());
    const after = await info(c, 'cpu');
    const total = (f: Map<string, string>) => Number(f.get('used_cpu_user')) + Number(f.get('used_cpu_sys'));
    expect(total(after.fields)).toBeGreaterThan(total(before.fields));
  });

  it('# Stats counts connections, commands, bytes, errors and subscriptions exactly', async () => {
    const s = await server();
    const a = await client(s.port);
    const sent: string[][] = [
      ['PING'],
      ['FOO'],
      ['SENTINEL', 'MASTER', 'nope'],
      ['SUBSCRIBE', 'x', 'y'],
      ['PSUBSCRIBE', '+*'],
    ];
    const replies = [
      '+PONG\r\n',
      err("ERR unknown command 'FOO', with args beginning with: "),
      err('ERR No such master with that name'),
      arr(bulk('subscribe'), bulk('x'), int(1)) + arr(bulk('subscribe'), bulk('y'), int(2)),
      arr(bulk('psubscribe'), bulk('+*'), int(3)),
    ];
    for (let i = 0; i < sent.length; i++) {
      const expected = replies[i] ?? '';
      expect(await a.call(sent[i] ?? [], expected)).toBe(expected);
    }
    const b = await client(s.port);
    const { fields } = await info(b, 'stats');
    const inputBytes = [...sent, ['INFO', 'stats']].reduce(
      (n, args) => n + Buffer.byteLength(encodeCommand(args)),
      0,
    );
    const outputBytes = replies.reduce((n, r) => n + Buffer.byteLength(r), 0);
    expect(Object.fromEntries(fields)).toEqual({
      total_connections_received: '2',
      // FOO was rejected before it ran; SENTINEL MASTER ran and answered an error.
      total_commands_processed: '5',
      instantaneous_ops_per_sec: expect.stringMatching(/^\d+$/),
      total_net_input_bytes: String(inputBytes),
      total_net_output_bytes: String(outputBytes),
      total_net_repl_input_bytes: '0',
      total_net_repl_output_bytes: '0',
      instantaneous_input_kbps: expect.stringMatching(/^\d+\.\d\d$/),
      instantaneous_output_kbps: expect.stringMatching(/^\d+\.\d\d$/),
      instantaneous_input_repl_kbps: '0.00',
      instantaneous_output_repl_kbps: '0.00',
      rejected_connections: '0',
      pubsub_channels: '2',
      pubsub_patterns: '1',
      pubsubshard_channels: '0',
      unexpected_error_replies: '0',
      total_error_replies: '2',
    });
  });

  it('# Stats counts clients refused at maxclients', async () => {
    const s = await server(1);
    const a = await client(s.port);
    const refused = await client(s.port);
    expect(await refused.read(Buffer.byteLength(err('ERR max number of clients reached')))).toBe(
      err('ERR max number of clients reached'),
    );
    const { fields } = await info(a, 'stats');
    expect([fields.get('total_connections_received'), fields.get('rejected_connections')]).toEqual([
      '1',
      '1',
    ]);
  });
});
