// Fuzzing a real Sentinel port (agent/sentinel/server.ts on a fake source): each hostile client gets
// well-formed replies, the protocol error the reference model predicts, and only it is closed; the
// others keep being served, new clients are accepted, and no connection is left behind.
import { createConnection, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SentinelServer, startSentinelServer } from '../../agent/sentinel/server.js';
import { FakeSource, group, MY_ID, sentinelNode, view } from '../agent/sentinel/support/fake-source.js';
import { randomChunks } from './generators.js';
import { type FuzzCase, fuzzSettings, runFuzz } from './harness.js';
import { referenceParse } from './reference-resp.js';
import { readReplies } from './resp-replies.js';
import { damagedSegment, hostileSegment, type Segment, validSegment } from './resp-streams.js';

const FILE = 'test/fuzz/sentinel-port-live.test.ts';
const settings = fuzzSettings(process.env);
const MAX_INPUT_BYTES = 64 * 1024;
const PASSWORD = 'fuzz-password-0123456789';

/** A client that keeps every byte it receives and knows when the server closed it. */
class Client {
  private chunks: Buffer[] = [];
  closed = false;
  private changed: (() => void) | null = null;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.chunks.push(chunk);
      this.changed?.();
    });
    socket.on('close', () => {
      this.closed = true;
      this.changed?.();
    });
    socket.on('error', () => {});
  }

  static async connect(port: number): Promise<Client> {
    // No Nagle: a small write held for the server's delayed ACK (40 ms) would look like a hang.
    const socket = createConnection({ host: '127.0.0.1', port, noDelay: true });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new Client(socket);
  }

  write(bytes: Uint8Array): void {
    if (!this.closed) this.socket.write(bytes);
  }

  get received(): Buffer {
    return Buffer.concat(this.chunks);
  }

  take(): Buffer {
    const all = this.received;
    this.chunks = [];
    return all;
  }

  /** Waits until the server closed the connection, or nothing arrived for `quietMs` after the last write left, or `maxMs` passed. */
  async settle(quietMs: number, maxMs: number): Promise<void> {
    const deadline = Date.now() + maxMs;
    // The quiet period starts once everything written has left this socket.
    while (!this.closed && this.socket.writableLength > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 1));
    }
    let seen = -1;
    while (!this.closed && Date.now() < deadline && seen !== this.chunks.length) {
      seen = this.chunks.length;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, quietMs);
        this.changed = () => {
          clearTimeout(timer);
          // Data restarts the quiet period; a close ends the wait.
          setTimeout(resolve, this.closed ? 0 : quietMs);
        };
      });
      this.changed = null;
    }
  }

  /** One command, answered within `timeoutMs`: its reply's bytes. */
  async call(args: readonly string[], expected: string, timeoutMs = 2000): Promise<string> {
    this.take();
    this.write(
      Buffer.from(`*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`),
    );
    const deadline = Date.now() + timeoutMs;
    while (this.received.length < Buffer.byteLength(expected) && !this.closed && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 2));
    }
    return this.take().toString('utf8');
  }

  destroy(): void {
    this.socket.destroy();
  }
}

interface Port {
  readonly name: string;
  readonly server: SentinelServer;
  readonly authenticated: boolean;
  bystander: Client;
}

let source: FakeSource;
const ports: Port[] = [];

async function bystanderOf(server: SentinelServer, password: string | null): Promise<Client> {
  const client = await Client.connect(server.port);
  if (password !== null) expect(await client.call(['AUTH', password], '+OK\r\n')).toBe('+OK\r\n');
  return client;
}

beforeAll(async () => {
  source = new FakeSource({
    myId: MY_ID,
    groups: [group(sentinelNode(view('10.0.0.1:6379', { role: 'master' })), [])],
  });
  for (const password of [null, PASSWORD]) {
    const server = await startSentinelServer({
      host: '127.0.0.1',
      port: 0,
      source,
      password,
      maxInputBytes: MAX_INPUT_BYTES,
    });
    ports.push({
      name: password === null ? 'open' : 'password',
      server,
      authenticated: password === null,
      bystander: await bystanderOf(server, password),
    });
  }
});

afterAll(async () => {
  for (const port of ports) {
    port.bystander.destroy();
    await port.server.close();
  }
});

function hostileStream(c: FuzzCase, authenticated: boolean): Buffer {
  const valid = (): Segment => validSegment(c.rng, authenticated, MAX_INPUT_BYTES);
  const victim = valid();
  const parts = [
    ...Array.from({ length: c.rng.int(0, 3) }, () => valid().bytes),
    ...Array.from({ length: c.rng.int(1, 3) }, () =>
      c.rng.chance(0.6) ? hostileSegment(c.rng, MAX_INPUT_BYTES) : damagedSegment(c.rng, victim),
    ),
    ...Array.from({ length: c.rng.int(0, 2) }, () => valid().bytes),
  ];
  return Buffer.concat(parts);
}

const PROTOCOL_ERROR = '-ERR Protocol error: ';

describe('fuzz: a live Sentinel port', () => {
  it('sentinel-port/live: hostile clients get well-formed replies and their protocol error; everyone else is still served', async () => {
    const target = { name: 'sentinel-port/live', file: FILE, runs: 160, caseTimeoutMs: 8000 };
    await runFuzz(target, settings, async (c) => {
      const port = c.rng.pick(ports);
      const bytes = hostileStream(c, port.authenticated);
      c.note('port', port.name);
      c.note('bytes', bytes.toString('latin1'));
      const hostile = await Client.connect(port.server.port);
      // Sometimes byte by byte; a few pauses between writes, so the server reads them apart.
      const chunks = randomChunks(c.rng, bytes, 8);
      for (const [i, chunk] of chunks.entries()) {
        hostile.write(chunk);
        if (i < 16 && c.rng.chance(0.3)) await new Promise((r) => setTimeout(r, c.rng.int(0, 3)));
      }
      const expected = referenceParse(bytes, MAX_INPUT_BYTES, port.authenticated);
      c.note('reference', { requests: expected.requests.length, error: expected.error });
      // A predicted protocol error must end in a close: wait for it (bounded), not for a quiet moment.
      await hostile.settle(expected.error === null ? 30 : 3000, 3000);
      c.note('closed', hostile.closed);
      const replies = readReplies(hostile.received);
      c.note('replies', replies.heads);
      expect(replies.malformed).toBeNull();
      const protocolErrors = replies.heads.filter((h) => h.startsWith(PROTOCOL_ERROR));
      if (expected.error !== null) {
        expect(hostile.closed, 'closed after its protocol error').toBe(true);
        expect(protocolErrors).toHaveLength(1);
        expect(replies.heads.at(-1)).toBe(protocolErrors[0]);
        // Error replies carry no CR or LF (Redis turns them into spaces). The connection's own
        // limit on the bytes of one request may refuse it before the parser does.
        const message = protocolErrors[0]?.slice(PROTOCOL_ERROR.length);
        if (message !== expected.error.replace(/[\r\n]/g, ' '))
          expect(message).toBe(`request larger than ${MAX_INPUT_BYTES} bytes`);
      } else if (bytes.length <= MAX_INPUT_BYTES) {
        expect(protocolErrors).toEqual([]);
      }
      // While the hostile client waits mid-request (or after it was closed), the others are served.
      expect(await port.bystander.call(['PING'], '+PONG\r\n')).toBe('+PONG\r\n');
      hostile.destroy();
      if (c.rng.chance(0.2)) {
        const fresh = await Client.connect(port.server.port);
        const reply = await fresh.call(['PING'], '+PONG\r\n');
        fresh.destroy();
        expect(reply).toMatch(port.authenticated ? /^\+PONG\r\n$/ : /^-NOAUTH /);
      }
    });
    // Every hostile connection is gone: each server has only its bystander left.
    for (const port of ports) {
      let clients = -1;
      for (let i = 0; i < 100 && clients !== 1; i++) {
        const list = await port.bystander.call(['CLIENT', 'LIST'], '$');
        clients = list.split('\n').filter((line) => line.startsWith('id=')).length;
        if (clients !== 1) await new Promise((r) => setTimeout(r, 20));
      }
      expect(clients, `${port.name}: clients still connected`).toBe(1);
    }
  });
});
