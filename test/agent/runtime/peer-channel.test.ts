// PeerChannel through PeerEndpoint on an in-memory network: challenges, stale retries, replays, routing and bounds.
import { describe, expect, it } from 'vitest';
import type { AgentInput } from '../../../agent/core/index.js';
import type { Clock } from '../../../agent/runtime/clock.js';
import { silentLogger } from '../../../agent/runtime/logger.js';
import { type PeerAddress, PeerChannel } from '../../../agent/runtime/peer-channel.js';
import { type DatagramTransport, PeerEndpoint } from '../../../agent/runtime/peer-endpoint.js';
import {
  decodePeerDatagram,
  encodePeerDatagram,
  type PeerDatagram,
} from '../../../agent/runtime/peer-protocol.js';
import type { NodeId } from '../../../workers/protocol/index.js';

const SECRET = 'failsafe-secret-for-tests-0123';
const GROUP = 'g';
const NODE_A = 'redis-a:7001';
const NODE_B = 'redis-b:7002';
const NODE_C = 'redis-c:7003';
const AGENT_A: PeerAddress = { host: 'agent-a', port: 7101 };
const AGENT_B: PeerAddress = { host: 'agent-b', port: 7102 };
const AGENT_C: PeerAddress = { host: 'agent-c', port: 7103 };

interface Datagram {
  readonly to: PeerAddress;
  readonly bytes: Buffer;
}

/**
 * Datagrams wait in a queue until the test drains it, so nothing is delivered re-entrantly
 * inside a send. Every datagram is recorded; `hold` diverts matching ones into `held` instead
 * of delivering them (a lost datagram the test can still replay).
 */
class FakeNetwork {
  readonly sent: Datagram[] = [];
  readonly held: Datagram[] = [];
  hold: (message: PeerDatagram) => boolean = () => false;
  private readonly queue: Datagram[] = [];
  private readonly endpoints = new Map<string, PeerEndpoint>();

  transport(): DatagramTransport {
    return {
      send: (to, bytes) => {
        this.sent.push({ to, bytes });
        if (this.hold(decoded(bytes))) this.held.push({ to, bytes });
        else this.queue.push({ to, bytes });
      },
      close: async () => {},
    };
  }

  attach(address: PeerAddress, endpoint: PeerEndpoint): void {
    this.endpoints.set(key(address), endpoint);
  }

  /** Puts a datagram on the wire as it is: a replay, or one crafted by the test. */
  inject(to: PeerAddress, bytes: Buffer): void {
    this.queue.push({ to, bytes });
  }

  /** Delivers until the network is quiet; the bound turns a ping-pong bug into a failure. */
  drain(): void {
    for (let delivered = 0; delivered < 10_000; delivered++) {
      const next = this.queue.shift();
      if (next === undefined) return;
      this.endpoints.get(key(next.to))?.receive(next.bytes);
    }
    throw new Error('the network never went quiet');
  }

  /** The messages sent since `from` (an index into `sent`), decoded. */
  messagesSince(from: number): PeerDatagram[] {
    return this.sent.slice(from).map((d) => decoded(d.bytes));
  }
}

function key(address: PeerAddress): string {
  return `${address.host}:${address.port}`;
}

function decoded(bytes: Buffer): PeerDatagram {
  const result = decodePeerDatagram(SECRET, bytes);
  if (!result.ok) throw new Error(`the test network carried a bad datagram: ${result.error}`);
  return result.message;
}

/** Deterministic "random" hex: a per-agent prefix (so a restarted agent draws new values) and a counter. */
function counterHex(prefix: number): (bytes: number) => string {
  let n = 0;
  return (bytes) =>
    `${prefix.toString(16).padStart(4, '0')}${(++n).toString(16).padStart(bytes * 2 - 4, '0')}`;
}

class ManualClock implements Clock {
  constructor(public ms = 1_000) {}
  nowMs(): number {
    return this.ms;
  }
}

type GrantRequestInput = Extract<AgentInput, { kind: 'grant-request' }>;
type GrantReplyInput = Extract<AgentInput, { kind: 'grant-reply' }>;

/** One agent: its endpoint, its channel of group `g`, and a fake core that records inputs. */
class FakeAgent {
  readonly inputs: AgentInput[] = [];
  /** When set, the core answers each grant request at once with this verdict; otherwise it holds them. */
  grant: ((input: GrantRequestInput) => { granted: boolean; durationMs: number }) | null = null;
  readonly endpoint: PeerEndpoint;
  readonly channel: PeerChannel;

  constructor(
    net: FakeNetwork,
    readonly address: PeerAddress,
    readonly node: NodeId,
    peers: ReadonlyMap<NodeId, PeerAddress>,
    readonly clock: ManualClock,
    randomPrefix: number,
  ) {
    this.endpoint = new PeerEndpoint(SECRET, clock, silentLogger());
    this.endpoint.attach(net.transport());
    this.channel = new PeerChannel({
      group: GROUP,
      localNode: node,
      peers,
      send: (to, message) => this.endpoint.send(to, message),
      randomHex: counterHex(randomPrefix),
      logger: silentLogger(),
      onInput: (input) => this.onInput(input),
    });
    this.endpoint.register(GROUP, node, this.channel);
    net.attach(address, this.endpoint);
  }

  /** The core asks `to` for a grant of `durationMs`, as its `grant-request` effect would. */
  ask(to: NodeId, durationMs = 2000): void {
    this.channel.request(
      { kind: 'grant-request', to, epoch: 3, master: this.node, durationMs, membership: '0123456789abcdef' },
      this.clock.ms,
    );
  }

  /** The core answers a held grant request, as its `grant-reply` effect would. */
  answer(input: GrantRequestInput, granted = true, durationMs = input.durationMs): void {
    this.channel.reply({
      kind: 'grant-reply',
      to: input.from,
      requestId: input.requestId,
      granted,
      durationMs,
      reason: granted ? `granted for ${durationMs} ms` : 'refused by the test',
    });
  }

  grantRequests(): GrantRequestInput[] {
    return this.inputs.filter((i): i is GrantRequestInput => i.kind === 'grant-request');
  }

  grantReplies(): GrantReplyInput[] {
    return this.inputs.filter((i): i is GrantReplyInput => i.kind === 'grant-reply');
  }

  private onInput(input: AgentInput): void {
    this.inputs.push(input);
    if (input.kind !== 'grant-request' || this.grant === null) return;
    const verdict = this.grant(input);
    this.answer(input, verdict.granted, verdict.durationMs);
  }
}

/** Node A's and node B's agents of group `g`, each the other's peer; B's core grants what is asked. */
function pair() {
  const net = new FakeNetwork();
  const clock = new ManualClock();
  const a = new FakeAgent(net, AGENT_A, NODE_A, new Map([[NODE_B, AGENT_B]]), clock, 0xa);
  let generation = 0xb0;
  const startB = () => {
    const b = new FakeAgent(net, AGENT_B, NODE_B, new Map([[NODE_A, AGENT_A]]), clock, generation++);
    b.grant = (input) => ({ granted: true, durationMs: input.durationMs });
    return b;
  };
  return { net, clock, a, b: startB(), startB };
}

/** One request from A to B, delivered; returns what went over the wire for it. */
function exchange(p: ReturnType<typeof pair>, durationMs = 2000): PeerDatagram[] {
  const from = p.net.sent.length;
  p.a.ask(NODE_B, durationMs);
  p.net.drain();
  return p.net.messagesSince(from);
}

/**
 * `count` requests from A to B, each delivered before the next is sent, as the core sends them
 * (one in flight per peer): requests sent together would all carry the same single-use challenge.
 */
function askOneByOne(p: ReturnType<typeof pair>, count: number): void {
  for (let i = 0; i < count; i++) {
    p.a.ask(NODE_B);
    p.net.drain();
  }
}

function kinds(messages: PeerDatagram[]): string[] {
  return messages.map((m) =>
    m.kind === 'request' ? `request(${m.challenge || 'none'})` : `reply(${m.outcome})`,
  );
}

describe('PeerChannel over PeerEndpoint', () => {
  it('resends the first request once after a stale answer and reports the original send time', () => {
    const p = pair();
    const from = p.net.sent.length;
    p.a.ask(NODE_B, 2000);
    // Time passes before anything arrives: the grant must still count from the first send.
    p.clock.ms += 300;
    p.net.drain();
    const messages = p.net.messagesSince(from);
    expect(kinds(messages)).toEqual([
      'request(none)',
      'reply(stale)',
      `request(${(messages[1] as { next: string }).next})`,
      'reply(granted)',
    ]);
    expect(p.b.grantRequests()).toEqual([
      {
        kind: 'grant-request',
        from: NODE_A,
        requestId: messages[2]?.id,
        epoch: 3,
        master: NODE_A,
        durationMs: 2000,
        membership: '0123456789abcdef',
      },
    ]);
    expect(p.a.inputs).toEqual([
      {
        kind: 'grant-reply',
        from: NODE_B,
        sentAtMs: 1_000,
        epoch: 3,
        master: NODE_A,
        granted: true,
        durationMs: 2000,
        reason: 'granted for 2000 ms',
      },
    ]);
  });

  it('sends a second request with the challenge of the last reply: no stale round trip', () => {
    const p = pair();
    const first = exchange(p);
    const second = exchange(p);
    expect(kinds(second)).toEqual([`request(${(first[3] as { next: string }).next})`, 'reply(granted)']);
    expect(p.b.grantRequests()).toHaveLength(2);
    expect(p.a.grantReplies()).toHaveLength(2);
  });

  it('carries a refusal to the requester as a reply that is not granted', () => {
    const p = pair();
    p.b.grant = () => ({ granted: false, durationMs: 0 });
    exchange(p);
    expect(p.a.grantReplies()).toMatchObject([
      { granted: false, durationMs: 0, reason: 'refused by the test' },
    ]);
  });

  it('a replayed grant request grants nothing new: the grantor answers it stale without its core', () => {
    const p = pair();
    exchange(p);
    const second = p.net.sent.length;
    exchange(p);
    const captured = p.net.sent[second];
    expect(captured && decoded(captured.bytes).kind).toBe('request');
    const before = p.net.sent.length;
    p.clock.ms += 60_000;
    p.net.inject(AGENT_B, captured?.bytes ?? Buffer.alloc(0));
    p.net.drain();
    expect(kinds(p.net.messagesSince(before))).toEqual(['reply(stale)']);
    expect(p.b.grantRequests()).toHaveLength(2);
    // The stale answer matches no pending request at A: A's core hears nothing of the replay.
    expect(p.a.inputs).toHaveLength(2);
  });

  it('a replayed reply matches no pending request and reaches no core', () => {
    const p = pair();
    const replies = exchange(p);
    const grant = p.net.sent[p.net.sent.length - 1];
    expect(replies[replies.length - 1]?.kind).toBe('reply');
    p.net.inject(AGENT_A, grant?.bytes ?? Buffer.alloc(0));
    p.net.drain();
    // Even while a new request to the same peer is pending.
    p.net.hold = (m) => m.kind === 'request';
    p.a.ask(NODE_B);
    p.net.inject(AGENT_A, grant?.bytes ?? Buffer.alloc(0));
    p.net.drain();
    expect(p.a.inputs).toHaveLength(1);
  });

  it('after a lost reply, the next request is stale once and then granted', () => {
    const p = pair();
    exchange(p);
    p.net.hold = (m) => m.kind === 'reply' && m.outcome === 'granted';
    exchange(p);
    expect(p.a.grantReplies()).toHaveLength(1);
    p.net.hold = () => false;
    const messages = exchange(p);
    expect(kinds(messages).map((k) => k.replace(/request\(\w+\)/, 'request(...)'))).toEqual([
      'request(...)',
      'reply(stale)',
      'request(...)',
      'reply(granted)',
    ]);
    expect(p.a.grantReplies()).toHaveLength(2);
  });

  it('resends at most once: a second stale answer ends the request', () => {
    const p = pair();
    // The resend is held; meanwhile B restarts, so the resend's challenge is stale too.
    p.net.hold = (m) => m.kind === 'request' && m.challenge !== '';
    p.a.ask(NODE_B);
    p.net.drain();
    const resend = p.net.held.shift();
    p.net.hold = () => false;
    p.startB();
    const before = p.net.sent.length;
    p.net.inject(AGENT_B, resend?.bytes ?? Buffer.alloc(0));
    p.net.drain();
    expect(kinds(p.net.messagesSince(before))).toEqual(['reply(stale)']);
    expect(p.a.inputs).toEqual([]);
  });

  it('after the grantor restarts, the next request is stale once and then granted', () => {
    const p = pair();
    exchange(p);
    exchange(p);
    const b = p.startB();
    const messages = exchange(p);
    expect(kinds(messages).map((k) => k.replace(/request\(\w+\)/, 'request(...)'))).toEqual([
      'request(...)',
      'reply(stale)',
      'request(...)',
      'reply(granted)',
    ]);
    expect(b.grantRequests()).toHaveLength(1);
    expect(p.a.grantReplies()).toHaveLength(3);
  });

  it.each([
    ['the grant is shorter than asked', 2000, 1500, 1500],
    ['the grant is longer than asked', 2000, 5000, 2000],
    ['a readiness probe', 0, 0, 0],
  ])('counts the shorter of grant and request: %s', (_name, askedMs, grantedMs, countedMs) => {
    const p = pair();
    p.b.grant = () => ({ granted: true, durationMs: grantedMs });
    exchange(p, askedMs);
    expect(p.a.grantReplies().map((r) => r.durationMs)).toEqual([countedMs]);
  });

  it('sends nothing for a node that is not a configured peer', () => {
    const p = pair();
    p.a.ask(NODE_C);
    p.net.drain();
    expect(p.net.sent).toEqual([]);
    expect(p.a.inputs).toEqual([]);
  });

  it('ignores a request from an agent whose node is not a peer of the group, without answering', () => {
    const p = pair();
    const c = new FakeAgent(p.net, AGENT_C, NODE_C, new Map([[NODE_B, AGENT_B]]), p.clock, 0xc);
    c.ask(NODE_B);
    p.net.drain();
    expect(kinds(p.net.messagesSince(0))).toEqual(['request(none)']);
    expect(p.b.inputs).toEqual([]);
    expect(c.inputs).toEqual([]);
    // Authentic and for this agent: not an endpoint rejection, the channel drops it.
    expect(p.b.endpoint.counters).toEqual({ received: 1, rejected: 0, dropped: 0 });
  });

  it.each<[string, Partial<PeerDatagram>]>([
    ['another group', { group: 'other' }],
    ['another receiving node', { to: NODE_C }],
  ])('rejects and counts an authentic datagram for %s', (_name, change) => {
    const p = pair();
    const message: PeerDatagram = {
      v: 1,
      group: GROUP,
      from: NODE_A,
      to: NODE_B,
      id: '00000000000000aa',
      kind: 'request',
      challenge: '',
      epoch: 3,
      master: NODE_A,
      durationMs: 2000,
      membership: '0123456789abcdef',
      ...change,
    } as PeerDatagram;
    p.net.inject(AGENT_B, encodePeerDatagram(SECRET, message));
    p.net.drain();
    expect(p.b.endpoint.counters).toEqual({ received: 1, rejected: 1, dropped: 0 });
    expect(p.b.inputs).toEqual([]);
    expect(p.net.sent).toEqual([]);
  });

  it('rejects and counts a datagram signed with another secret', () => {
    const p = pair();
    exchange(p);
    const request = p.net.messagesSince(0)[0];
    if (request === undefined) throw new Error('no request was sent');
    p.net.inject(AGENT_B, encodePeerDatagram('another-secret-of-16-chars', request));
    p.net.drain();
    expect(p.b.endpoint.counters.rejected).toBe(1);
    expect(p.b.grantRequests()).toHaveLength(1);
  });

  it('bounds the requests awaiting a reply: the answer to one 200 requests old is ignored', () => {
    for (const [later, counted] of [
      [10, true],
      [200, false],
    ] as const) {
      const p = pair();
      exchange(p);
      // B's core holds requests; the answer to the first is lost on the way, and kept.
      p.b.grant = null;
      p.net.hold = (m) => m.kind === 'reply' && m.outcome !== 'stale';
      p.a.ask(NODE_B);
      p.net.drain();
      const old = p.b.grantRequests().at(-1);
      if (old === undefined) throw new Error('B never saw the request');
      p.b.answer(old);
      const lost = p.net.held.shift();
      expect(lost && decoded(lost.bytes).id).toBe(old.requestId);
      askOneByOne(p, later);
      expect(p.b.grantRequests()).toHaveLength(2 + later);
      p.net.inject(AGENT_A, lost?.bytes ?? Buffer.alloc(0));
      p.net.drain();
      expect(p.a.grantReplies().length, `${later} requests later`).toBe(counted ? 2 : 1);
    }
  });

  it('bounds the requests handed to the core: a verdict on one 200 requests old is not sent', () => {
    const p = pair();
    exchange(p);
    p.b.grant = null;
    askOneByOne(p, 200);
    const held = p.b.grantRequests().slice(1);
    expect(held).toHaveLength(200);
    const before = p.net.sent.length;
    const [oldest] = held;
    const newest = held[held.length - 1];
    if (oldest === undefined || newest === undefined) throw new Error('B saw no requests');
    p.b.answer(oldest);
    expect(p.net.sent.length).toBe(before);
    p.b.answer(newest);
    p.net.drain();
    expect(kinds(p.net.messagesSince(before))).toEqual(['reply(granted)']);
    expect(p.a.grantReplies()).toHaveLength(2);
  });

  it('answers a request only once: a second verdict on the same request is not sent', () => {
    const p = pair();
    exchange(p);
    const [request] = p.b.grantRequests();
    if (request === undefined) throw new Error('B saw no request');
    const before = p.net.sent.length;
    p.b.answer(request);
    expect(p.net.sent.length).toBe(before);
  });

  it('answers between nodes with the longest valid names: the reply fits one datagram', () => {
    // Node ids of 261 characters are valid (NodeIdSchema), and the core's reasons name nodes
    // (cut to 300 characters): such a refusal did not fit 1024 bytes; it fits the 1400 now.
    const longA = `${'a'.repeat(256)}:7001`;
    const longB = `${'b'.repeat(256)}:7002`;
    const net = new FakeNetwork();
    const clock = new ManualClock();
    const a = new FakeAgent(net, AGENT_A, longA, new Map([[longB, AGENT_B]]), clock, 0xa);
    const b = new FakeAgent(net, AGENT_B, longB, new Map([[longA, AGENT_A]]), clock, 0xb);
    a.ask(longB);
    net.drain();
    const [request] = b.grantRequests();
    if (request === undefined) throw new Error('B saw no request');
    const before = net.sent.length;
    const refusal = {
      kind: 'grant-reply',
      to: longA,
      requestId: request.requestId,
      granted: false,
      durationMs: 0,
      reason: `the agent of ${longA} asks for ${longB}: only a master's own agent may`,
    } as const;
    expect(() => b.channel.reply(refusal)).not.toThrow();
    expect(net.sent.length).toBe(before + 1);
    net.drain();
    expect(a.inputs).toMatchObject([{ kind: 'grant-reply', from: longB, granted: false }]);
  });

  it('closes: pending requests are forgotten, so a late reply reaches no core', () => {
    const p = pair();
    exchange(p);
    p.net.hold = (m) => m.kind === 'reply';
    p.a.ask(NODE_B);
    p.net.drain();
    const late = p.net.held.shift();
    p.a.channel.close();
    p.net.inject(AGENT_A, late?.bytes ?? Buffer.alloc(0));
    p.net.drain();
    expect(p.a.grantReplies()).toHaveLength(1);
  });
});
