// Garbage closes only its own client; requests in odd chunks and long pipelines work; clients, input and output are bounded.
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SentinelServer, startSentinelServer } from '../../../agent/sentinel/server.js';
import { FakeSource, group, MY_ID, sentinelNode, view } from './support/fake-source.js';
import { encodeCommand, RawClient } from './support/raw-client.js';
import { bulk, err, status } from './support/resp.js';

const SNAPSHOT = {
  myId: MY_ID,
  groups: [group(sentinelNode(view('10.0.0.1:6379', { role: 'master' })), [])],
};

let source: FakeSource;
let server: SentinelServer;

beforeAll(async () => {
  source = new FakeSource(SNAPSHOT);
  server = await startSentinelServer({ host: '127.0.0.1', port: 0, source, maxInputBytes: 64 * 1024 });
});

afterAll(async () => {
  await server.close();
});

describe('garbage input', () => {
  // Redis's own texts (networking.c), answered at once: no waiting for bytes that never come.
  it.each([
    ['an integer argument', '*2\r\n$4\r\nPING\r\n:1\r\n', "expected '$', got ':'"],
    ['a nested array', '*1\r\n*1\r\n$4\r\nPING\r\n', "expected '$', got '*'"],
    ['a non-numeric array length', '*abc\r\n', 'invalid multibulk length'],
    ['an absurd array length', '*99999999999999999\r\n', 'invalid multibulk length'],
    ['an array length above 1024 × 1024', '*2147483647\r\n', 'invalid multibulk length'],
    ['a non-numeric bulk length', '*1\r\n$abc\r\n', 'invalid bulk length'],
    ['a bulk length above the limit', '*1\r\n$999999999\r\n', 'invalid bulk length'],
    ['a bulk length of 2^63 - 1', '*1\r\n$9223372036854775807\r\n', 'invalid bulk length'],
    ['a bulk string without its CRLF', '*1\r\n$4\r\nPINGxx', 'invalid bulk format'],
  ])('%s: the protocol error at once, then only that client is closed', async (_name, bytes, message) => {
    const bystander = await RawClient.connect(server.port);
    const bad = await RawClient.connect(server.port);
    bad.sendRaw(bytes);
    const reply = await bad.readQuiet(50);
    expect(reply).toBe(`-ERR Protocol error: ${message}\r\n`);
    expect(await bad.waitClosed()).toBe(true);
    expect(await bystander.call(['PING'], status('PONG'))).toBe(status('PONG'));
    bystander.close();
  });

  it('inline commands run as in Redis (telnet), and what is not a command is an unknown command', async () => {
    const c = await RawClient.connect(server.port);
    c.sendRaw('PING\r\nPING hello\n');
    expect(await c.readQuiet(50)).toBe('+PONG\r\n$5\r\nhello\r\n');
    c.sendRaw('-ERR hi\r\n');
    expect(await c.readQuiet(50)).toMatch(/^-ERR unknown command '-ERR'/);
    expect(await c.call(['PING'], status('PONG'))).toBe(status('PONG'));
    c.close();
  });

  it('requests before the garbage in the same write are answered first', async () => {
    const bad = await RawClient.connect(server.port);
    bad.sendRaw(`${encodeCommand(['PING', 'one'])}${encodeCommand(['PING', 'two'])}*abc\r\n`);
    const reply = await bad.readQuiet(50);
    expect(reply).toBe('$3\r\none\r\n$3\r\ntwo\r\n-ERR Protocol error: invalid multibulk length\r\n');
    expect(await bad.waitClosed()).toBe(true);
  });

  it('a request larger than maxInputBytes closes the client: refused by its declared length, or by its bytes', async () => {
    const declared = await RawClient.connect(server.port);
    declared.sendRaw(`*2\r\n$4\r\nPING\r\n$${200 * 1024}\r\n${'x'.repeat(100 * 1024)}`);
    expect(await declared.readQuiet(50)).toBe('-ERR Protocol error: invalid bulk length\r\n');
    expect(await declared.waitClosed()).toBe(true);
    // Many small arguments that add up: the bytes of the unfinished request are bounded too.
    const many = await RawClient.connect(server.port);
    many.sendRaw(`*100000\r\n${'$1\r\nx\r\n'.repeat(12_000)}`);
    expect(await many.readQuiet(50)).toBe('-ERR Protocol error: request larger than 65536 bytes\r\n');
    expect(await many.waitClosed()).toBe(true);
  });
});

describe('framing', () => {
  it('a request delivered one byte at a time', async () => {
    const c = await RawClient.connect(server.port);
    const bytes = encodeCommand(['SENTINEL', 'myid']);
    for (const ch of bytes) {
      c.sendRaw(ch);
      await new Promise((r) => setImmediate(r));
    }
    expect(await c.read(Buffer.byteLength(bulk(MY_ID)))).toBe(bulk(MY_ID));
    c.close();
  });

  it('a thousand pipelined commands in one write, answered in order', async () => {
    const c = await RawClient.connect(server.port);
    const count = 1000;
    let request = '';
    let expected = '';
    for (let i = 0; i < count; i++) {
      request += encodeCommand(['PING', String(i)]);
      expected += bulk(String(i));
    }
    c.sendRaw(request);
    expect(await c.read(Buffer.byteLength(expected))).toBe(expected);
    c.close();
  });

  it('empty and null requests are ignored, as Redis does', async () => {
    const c = await RawClient.connect(server.port);
    c.sendRaw(`*0\r\n*-1\r\n${encodeCommand(['PING'])}`);
    expect(await c.read(7)).toBe(status('PONG'));
    c.close();
  });
});

describe('bounds', () => {
  it('refuses clients beyond maxClients with Redis error', async () => {
    const small = await startSentinelServer({ host: '127.0.0.1', port: 0, source, maxClients: 2 });
    const a = await RawClient.connect(small.port);
    const b = await RawClient.connect(small.port);
    await a.call(['PING'], status('PONG'));
    await b.call(['PING'], status('PONG'));
    const c = await RawClient.connect(small.port);
    expect(await c.readQuiet(50)).toBe(err('ERR max number of clients reached'));
    expect(await c.waitClosed()).toBe(true);
    expect(await a.call(['PING'], status('PONG'))).toBe(status('PONG'));
    a.close();
    b.close();
    await small.close();
  });

  it('disconnects a subscriber that does not read, and keeps serving the others', async () => {
    const small = await startSentinelServer({
      host: '127.0.0.1',
      port: 0,
      source,
      maxOutputBytes: 64 * 1024,
    });
    const slow = await RawClient.connect(small.port);
    await slow.call(['SUBSCRIBE', 'flood'], '*3\r\n$9\r\nsubscribe\r\n$5\r\nflood\r\n:1\r\n');
    slow.pause();
    const watcher = await RawClient.connect(small.port);
    const payload = 'x'.repeat(16 * 1024);
    for (let i = 0; i < 2000 && !slow.closed; i++) {
      source.publish({ name: 'flood', payload });
      if (i % 50 === 0) await new Promise((r) => setImmediate(r));
    }
    let clients = '';
    for (let i = 0; i < 100; i++) {
      watcher.send(['INFO', 'clients']);
      clients = await watcher.readQuiet(10);
      if (clients.includes('connected_clients:1\r\n')) break;
    }
    expect(clients).toContain('connected_clients:1\r\n');
    watcher.close();
    slow.close();
    await small.close();
  });

  it('close() ends every client, stops listening and lets go of the source', async () => {
    const own = new FakeSource(SNAPSHOT);
    const logger = pino({ level: 'silent' });
    const other = await startSentinelServer({ host: '127.0.0.1', port: 0, source: own, logger });
    const c = await RawClient.connect(other.port);
    await c.call(['SUBSCRIBE', 'x'], '*3\r\n$9\r\nsubscribe\r\n$1\r\nx\r\n:1\r\n');
    // A client in the middle of closing (QUIT answered, its side still open) does not hold up close().
    const quitting = await RawClient.connect(other.port);
    quitting.pause();
    quitting.send(['QUIT']);
    await new Promise((r) => setTimeout(r, 50));
    expect(own.listenerCount).toBe(1);
    const started = Date.now();
    await other.close();
    expect(Date.now() - started).toBeLessThan(500);
    expect(await c.waitClosed()).toBe(true);
    expect(own.listenerCount).toBe(0);
    quitting.close();
    await expect(RawClient.connect(other.port)).rejects.toThrow();
  });
});
