// The failsafe over real loopback UDP: a grant round trip, a port in use, oversized datagrams and a flood.
import { createSocket, type Socket } from 'node:dgram';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AgentInput } from '../../../agent/core/index.js';
import { monotonicClock } from '../../../agent/runtime/clock.js';
import { silentLogger } from '../../../agent/runtime/logger.js';
import { PeerChannel } from '../../../agent/runtime/peer-channel.js';
import { type DatagramTransport, PeerEndpoint } from '../../../agent/runtime/peer-endpoint.js';
import { MAX_PEER_DATAGRAM_BYTES } from '../../../agent/runtime/peer-protocol.js';
import { startUdpTransport } from '../../../agent/runtime/udp-transport.js';

const SECRET = 'failsafe-secret-for-tests-0123';
const HOST = '127.0.0.1';
const NODE_A = '127.0.0.1:7001';
const NODE_B = '127.0.0.1:7002';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

function track<T extends DatagramTransport>(transport: T): T {
  closers.push(() => transport.close());
  return transport;
}

async function rawSocket(): Promise<Socket> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, HOST, resolve));
  closers.push(() => new Promise<void>((done) => socket.close(() => done())));
  return socket;
}

function sendRaw(socket: Socket, port: number, bytes: Buffer): Promise<void> {
  return new Promise((resolve, reject) => socket.send(bytes, port, HOST, (e) => (e ? reject(e) : resolve())));
}

let hexCounter = 0;
/** Distinct lower-case hex for request ids and challenges; uniqueness is all these tests need. */
function counterHex(bytes: number): string {
  return (++hexCounter).toString(16).padStart(bytes * 2, '0');
}

interface UdpAgent {
  readonly endpoint: PeerEndpoint;
  readonly channel: PeerChannel;
  readonly inputs: AgentInput[];
  readonly port: number;
}

/**
 * Two agents on real UDP sockets, node A's and node B's; B's core grants every request at once.
 * The channels need their peer's port before it exists, so the peer maps are filled after binding.
 */
async function udpPair(): Promise<{ a: UdpAgent; b: UdpAgent }> {
  const start = async (node: string, peer: string, peers: Map<string, { host: string; port: number }>) => {
    const endpoint = new PeerEndpoint(SECRET, monotonicClock, silentLogger());
    const transport = track(await startUdpTransport(HOST, 0, silentLogger(), (b) => endpoint.receive(b)));
    endpoint.attach(transport);
    const inputs: AgentInput[] = [];
    const channel: PeerChannel = new PeerChannel({
      group: 'g',
      localNode: node,
      peers,
      send: (to, message) => endpoint.send(to, message),
      randomHex: counterHex,
      logger: silentLogger(),
      onInput: (input) => {
        inputs.push(input);
        if (input.kind !== 'grant-request') return;
        channel.reply({
          kind: 'grant-reply',
          to: peer,
          requestId: input.requestId,
          granted: true,
          durationMs: input.durationMs,
          reason: 'granted over UDP',
        });
      },
    });
    endpoint.register('g', node, channel);
    return { endpoint, channel, inputs, port: transport.port };
  };
  const peersOfA = new Map<string, { host: string; port: number }>();
  const peersOfB = new Map<string, { host: string; port: number }>();
  const a = await start(NODE_A, NODE_B, peersOfA);
  const b = await start(NODE_B, NODE_A, peersOfB);
  peersOfA.set(NODE_B, { host: HOST, port: b.port });
  peersOfB.set(NODE_A, { host: HOST, port: a.port });
  return { a, b };
}

function grantReplies(agent: UdpAgent): AgentInput[] {
  return agent.inputs.filter((i) => i.kind === 'grant-reply');
}

function ask(agent: UdpAgent): void {
  agent.channel.request(
    {
      kind: 'grant-request',
      to: NODE_B,
      epoch: 1,
      master: NODE_A,
      durationMs: 2000,
      membership: '0123456789abcdef',
    },
    42,
  );
}

describe('startUdpTransport', () => {
  it('carries a grant request and its reply over loopback UDP', async () => {
    const { a, b } = await udpPair();
    ask(a);
    await vi.waitFor(() => expect(grantReplies(a)).toHaveLength(1), { timeout: 5_000, interval: 10 });
    expect(grantReplies(a)).toEqual([
      {
        kind: 'grant-reply',
        from: NODE_B,
        sentAtMs: 42,
        epoch: 1,
        master: NODE_A,
        granted: true,
        durationMs: 2000,
        reason: 'granted over UDP',
      },
    ]);
    expect(b.inputs.filter((i) => i.kind === 'grant-request')).toHaveLength(1);
    // The first request met no challenge: one stale round trip, then the grant.
    expect(b.endpoint.counters).toEqual({ received: 2, rejected: 0, dropped: 0 });
  });

  it('rejects a port that is already bound', async () => {
    const first = track(await startUdpTransport(HOST, 0, silentLogger(), () => {}));
    await expect(startUdpTransport(HOST, first.port, silentLogger(), () => {})).rejects.toThrow(/EADDRINUSE/);
  });

  it('ignores a datagram larger than the protocol allows', async () => {
    const seen: number[] = [];
    const transport = track(await startUdpTransport(HOST, 0, silentLogger(), (b) => seen.push(b.length)));
    const raw = await rawSocket();
    await sendRaw(raw, transport.port, Buffer.alloc(MAX_PEER_DATAGRAM_BYTES + 1, 0x61));
    await sendRaw(raw, transport.port, Buffer.alloc(MAX_PEER_DATAGRAM_BYTES, 0x61));
    await sendRaw(raw, transport.port, Buffer.alloc(10, 0x61));
    // Loopback keeps order: once the last has arrived, the oversized one was seen and dropped.
    await vi.waitFor(() => expect(seen).toContain(10), { timeout: 5_000, interval: 10 });
    expect(seen).toEqual([MAX_PEER_DATAGRAM_BYTES, 10]);
  });

  it('survives a send that races close()', async () => {
    const transport = await startUdpTransport(HOST, 0, silentLogger(), () => {});
    const raw = await rawSocket();
    const port = raw.address().port;
    // The address resolves asynchronously, so both sends reach the socket after it closed: they
    // are lost like any datagram, not thrown as unhandled rejections (which fail this run).
    transport.send({ host: HOST, port }, Buffer.from('before'));
    await transport.close();
    transport.send({ host: HOST, port }, Buffer.from('after'));
    await new Promise((resolve) => setTimeout(resolve, 50));
  });

  it('drops a flood beyond its rate before checking MACs, and still answers a real request after it', async () => {
    const { a, b } = await udpPair();
    const raw = await rawSocket();
    const garbage = Buffer.from(`${'0'.repeat(64)}\n${'x'.repeat(100)}`, 'ascii');
    // A send completes without polling for input, so the sender yields to the event loop every
    // few datagrams: the kernel's receive buffer does not overflow, and the endpoint, not the
    // kernel, does the dropping.
    for (let i = 0; i < 3000; i++) {
      await sendRaw(raw, b.port, garbage);
      if (i % 16 === 15) await new Promise((resolve) => setImmediate(resolve));
    }
    await vi.waitFor(() => expect(b.endpoint.counters.dropped).toBeGreaterThan(0), {
      timeout: 5_000,
      interval: 10,
    });
    const { received, rejected } = b.endpoint.counters;
    expect(rejected).toBe(received);
    // The real request may still fall in the flooded second and be dropped: it is retried, as the
    // core retries, until the rate window has passed and the grant arrives.
    const startedMs = performance.now();
    for (let attempt = 0; grantReplies(a).length === 0; attempt++) {
      expect(performance.now() - startedMs, `no grant after ${attempt} requests`).toBeLessThan(5_000);
      ask(a);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(grantReplies(a)[0]).toMatchObject({ from: NODE_B, granted: true, durationMs: 2000 });
  });
});
