// Stateful exchanges: pub/sub context and event delivery, client state, CLIENT KILL, and asynchronous commands in order.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type SentinelServer, startSentinelServer } from '../../../agent/sentinel/server.js';
import { switchMasterPayload } from '../../../workers/protocol/index.js';
import { FakeSource, group, MY_ID, sentinelNode, view } from './support/fake-source.js';
import { encodeCommand, RawClient } from './support/raw-client.js';
import { arr, bulk, err, int, push3, status } from './support/resp.js';

const SNAPSHOT = {
  myId: MY_ID,
  groups: [group(sentinelNode(view('10.0.0.1:6379', { role: 'master' })), [])],
};

let source: FakeSource;
let server: SentinelServer;
const open: RawClient[] = [];

async function client(protocol: 2 | 3 = 2): Promise<RawClient> {
  const c = await RawClient.connect(server.port, protocol);
  open.push(c);
  return c;
}

beforeAll(async () => {
  source = new FakeSource(SNAPSHOT);
  server = await startSentinelServer({ host: '127.0.0.1', port: 0, source, adminWithoutPassword: true });
});

beforeEach(() => {
  source.current = SNAPSHOT;
  source.failoverOutcome = { ok: true };
  source.failoverGate = null;
});

afterEach(async () => {
  for (const c of open) c.close();
  open.length = 0;
  // Let the server see the closes before the next test counts clients.
  await new Promise((r) => setTimeout(r, 20));
});

afterAll(async () => {
  await server.close();
  expect(source.listenerCount).toBe(0);
});

const SWITCH = {
  name: '+switch-master',
  payload: switchMasterPayload('mymaster', '10.0.0.1:6379', '10.0.0.2:6379'),
};

describe('pub/sub', () => {
  it('RESP2: only the subscribe family, PING, QUIT and RESET run while subscribed', async () => {
    const c = await client();
    await c.call(['SUBSCRIBE', 'a'], arr(bulk('subscribe'), bulk('a'), int(1)));
    expect(await c.call(['PING'], arr(bulk('pong'), bulk('')))).toBe(arr(bulk('pong'), bulk('')));
    expect(await c.call(['PING', 'x'], arr(bulk('pong'), bulk('x')))).toBe(arr(bulk('pong'), bulk('x')));
    const refused = err(
      "ERR Can't execute 'sentinel|myid': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context",
    );
    expect(await c.call(['SENTINEL', 'myid'], refused)).toBe(refused);
    const info = err(
      "ERR Can't execute 'info': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context",
    );
    expect(await c.call(['INFO'], info)).toBe(info);
    // Unknown commands are still unknown, as in Redis (lookup comes first).
    const unknown = err("ERR unknown command 'FOO', with args beginning with: ");
    expect(await c.call(['FOO'], unknown)).toBe(unknown);
    const unsub = arr(bulk('unsubscribe'), bulk('a'), int(0));
    expect(await c.call(['UNSUBSCRIBE'], unsub)).toBe(unsub);
    expect(await c.call(['SENTINEL', 'myid'], bulk(MY_ID))).toBe(bulk(MY_ID));
  });

  it('RESP2: delivers message then pmessage frames, with counts that track channels and patterns', async () => {
    const c = await client();
    await c.call(['SUBSCRIBE', '+switch-master'], arr(bulk('subscribe'), bulk('+switch-master'), int(1)));
    const psub = arr(bulk('psubscribe'), bulk('*'), int(2)) + arr(bulk('psubscribe'), bulk('+s*'), int(3));
    expect(await c.call(['PSUBSCRIBE', '*', '+s*'], psub)).toBe(psub);
    source.publish(SWITCH);
    const payload = 'mymaster 10.0.0.1 6379 10.0.0.2 6379';
    const frames =
      arr(bulk('message'), bulk('+switch-master'), bulk(payload)) +
      arr(bulk('pmessage'), bulk('*'), bulk('+switch-master'), bulk(payload)) +
      arr(bulk('pmessage'), bulk('+s*'), bulk('+switch-master'), bulk(payload));
    expect(await c.read(Buffer.byteLength(frames))).toBe(frames);
    source.publish({ name: '-sdown', payload: 'master mymaster 10.0.0.1 6379' });
    const sdown = arr(bulk('pmessage'), bulk('*'), bulk('-sdown'), bulk('master mymaster 10.0.0.1 6379'));
    expect(await c.read(Buffer.byteLength(sdown))).toBe(sdown);
    expect(await c.readQuiet(30)).toBe('');
    const punsub =
      arr(bulk('punsubscribe'), bulk('*'), int(2)) + arr(bulk('punsubscribe'), bulk('+s*'), int(1));
    expect(await c.call(['PUNSUBSCRIBE'], punsub)).toBe(punsub);
  });

  it('RESP3: push frames, and every command still runs while subscribed', async () => {
    const c = await client(3);
    await c.call(['SUBSCRIBE', '+switch-master'], push3(bulk('subscribe'), bulk('+switch-master'), int(1)));
    expect(await c.call(['SENTINEL', 'myid'], bulk(MY_ID))).toBe(bulk(MY_ID));
    expect(await c.call(['PING'], status('PONG'))).toBe(status('PONG'));
    source.publish(SWITCH);
    const frame = push3(
      bulk('message'),
      bulk('+switch-master'),
      bulk('mymaster 10.0.0.1 6379 10.0.0.2 6379'),
    );
    expect(await c.read(Buffer.byteLength(frame))).toBe(frame);
  });

  it('clients that did not subscribe receive nothing; RESET drops subscriptions', async () => {
    const idle = await client();
    const c = await client();
    await c.call(['SUBSCRIBE', '+switch-master'], arr(bulk('subscribe'), bulk('+switch-master'), int(1)));
    expect(await c.call(['RESET'], status('RESET'))).toBe(status('RESET'));
    source.publish(SWITCH);
    expect(await c.readQuiet(30)).toBe('');
    expect(await idle.readQuiet(5)).toBe('');
    expect(await c.call(['PING'], status('PONG'))).toBe(status('PONG'));
  });
});

describe('client state', () => {
  it('names, ids, CLIENT INFO and LIST', async () => {
    const c = await client();
    c.send(['CLIENT', 'ID']);
    const id = Number((await c.readUntil('\r\n')).slice(1, -2));
    expect(id).toBeGreaterThan(0);
    await c.call(['CLIENT', 'SETNAME', 'worker-7'], status('OK'));
    expect(await c.call(['CLIENT', 'GETNAME'], bulk('worker-7'))).toBe(bulk('worker-7'));
    c.send(['CLIENT', 'INFO']);
    const info = await c.readQuiet(30);
    expect(info).toMatch(
      new RegExp(`^\\$\\d+\\r\\nid=${id} addr=127\\.0\\.0\\.1:\\d+ name=worker-7 age=0 flags=N `),
    );
    c.send(['CLIENT', 'LIST']);
    expect(await c.readQuiet(30)).toContain(`id=${id} `);
    // An empty name clears it.
    await c.call(['CLIENT', 'SETNAME', ''], status('OK'));
    expect(await c.call(['CLIENT', 'GETNAME'], '$-1\r\n')).toBe('$-1\r\n');
  });

  it('CLIENT KILL closes other clients by id and by type, and itself after the reply', async () => {
    const victim = await client();
    victim.send(['CLIENT', 'ID']);
    const victimId = (await victim.readUntil('\r\n')).slice(1, -2);
    const subscriber = await client();
    await subscriber.call(['SUBSCRIBE', 'x'], arr(bulk('subscribe'), bulk('x'), int(1)));
    const killer = await client();
    expect(await killer.call(['CLIENT', 'KILL', 'ID', victimId], int(1))).toBe(int(1));
    expect(await victim.waitClosed()).toBe(true);
    expect(await killer.call(['CLIENT', 'KILL', 'TYPE', 'pubsub'], int(1))).toBe(int(1));
    expect(await subscriber.waitClosed()).toBe(true);
    killer.send(['CLIENT', 'ID']);
    const killerId = (await killer.readUntil('\r\n')).slice(1, -2);
    expect(await killer.call(['CLIENT', 'KILL', 'ID', killerId, 'SKIPME', 'no'], int(1))).toBe(int(1));
    expect(await killer.waitClosed()).toBe(true);
  });

  it('QUIT answers +OK and closes', async () => {
    const c = await client();
    expect(await c.call(['QUIT'], status('OK'))).toBe(status('OK'));
    expect(await c.waitClosed()).toBe(true);
  });
});

describe('SENTINEL FAILOVER through the source', () => {
  it('keeps pipelined replies in order while the coordinator answers', async () => {
    let release: () => void = () => {};
    source.failoverGate = new Promise((resolve) => {
      release = resolve;
    });
    const c = await client();
    c.sendRaw(
      encodeCommand(['PING']) +
        encodeCommand(['SENTINEL', 'failover', 'mymaster']) +
        encodeCommand(['PING', 'after']),
    );
    expect(await c.read(7)).toBe(status('PONG'));
    expect(await c.readQuiet(50)).toBe('');
    release();
    const rest = status('OK') + bulk('after');
    expect(await c.read(Buffer.byteLength(rest))).toBe(rest);
    expect(source.failoverCalls.at(-1)).toBe('mymaster');
  });

  it.each([
    [{ ok: false, code: 'INPROG', message: 'x' } as const, err('INPROG Failover already in progress')],
    [
      { ok: false, code: 'NOGOODSLAVE', message: 'x' } as const,
      err('NOGOODSLAVE No suitable replica to promote'),
    ],
    [{ ok: false, code: 'ERR', message: 'no voter reachable' } as const, err('ERR no voter reachable')],
  ])('maps %o to Sentinel errors', async (outcome, expected) => {
    source.failoverOutcome = outcome;
    const c = await client();
    expect(await c.call(['SENTINEL', 'FAILOVER', 'mymaster'], expected)).toBe(expected);
  });

  it('answers INPROG from the snapshot without asking the coordinator', async () => {
    const before = source.failoverCalls.length;
    source.current = {
      ...SNAPSHOT,
      groups: SNAPSHOT.groups.map((g) => ({ ...g, failoverInProgress: true })),
    };
    const c = await client();
    const inprog = err('INPROG Failover already in progress');
    expect(await c.call(['SENTINEL', 'failover', 'mymaster'], inprog)).toBe(inprog);
    expect(source.failoverCalls.length).toBe(before);
  });

  it('a source that throws becomes an ERR reply, and the connection keeps working', async () => {
    const broken = new FakeSource(SNAPSHOT);
    broken.reset = async () => {
      throw new Error('coordinator unreachable');
    };
    const other = await startSentinelServer({
      host: '127.0.0.1',
      port: 0,
      source: broken,
      adminWithoutPassword: true,
    });
    const c = await RawClient.connect(other.port);
    const failed = err('ERR sentinel|reset failed: coordinator unreachable');
    expect(await c.call(['SENTINEL', 'reset', '*'], failed)).toBe(failed);
    expect(await c.call(['PING'], status('PONG'))).toBe(status('PONG'));
    c.close();
    await other.close();
  });
});
