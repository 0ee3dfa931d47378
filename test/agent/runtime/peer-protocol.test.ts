// Failsafe datagrams: signing round trip, and every way a datagram is refused (size, MAC, JSON, schema).
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  decodePeerDatagram,
  encodePeerDatagram,
  MAX_PEER_DATAGRAM_BYTES,
  type PeerDatagram,
  type PeerReply,
  type PeerRequest,
} from '../../../agent/runtime/peer-protocol.js';

const SECRET = 'failsafe-secret-for-tests-0123';

const request: PeerRequest = {
  v: 1,
  group: 'g',
  from: 'redis-a:7001',
  to: 'redis-b:7002',
  id: '0123456789abcdef',
  kind: 'request',
  membership: '0123456789abcdef',
  challenge: '',
  epoch: 7,
  master: 'redis-a:7001',
  durationMs: 2000,
};

const reply: PeerReply = {
  v: 1,
  group: 'g',
  from: 'redis-b:7002',
  to: 'redis-a:7001',
  id: '0123456789abcdef',
  kind: 'reply',
  outcome: 'granted',
  durationMs: 2000,
  reason: 'no promotion or unfence here for 2000 ms',
  next: '0123456789abcdef0123456789abcdef',
};

/**
 * Signs any body the way the protocol does (its context string is private, so it is repeated
 * here): lets a test hand the decoder authentic bodies that `encodePeerDatagram` would not build.
 * The first test below proves this copy agrees with the real one.
 */
function sign(secret: string, body: string): Buffer {
  const bytes = Buffer.from(body, 'utf8');
  const mac = createHmac('sha256', secret).update('edge-sentinel failsafe v1\n').update(bytes).digest('hex');
  return Buffer.concat([Buffer.from(`${mac}\n`, 'ascii'), bytes]);
}

function errorOf(bytes: Buffer): string {
  const decoded = decodePeerDatagram(SECRET, bytes);
  return decoded.ok ? 'accepted' : decoded.error;
}

describe('encodePeerDatagram / decodePeerDatagram', () => {
  it('round-trips a request and a reply', () => {
    for (const message of [request, reply] satisfies PeerDatagram[]) {
      const bytes = encodePeerDatagram(SECRET, message);
      expect(bytes.subarray(64, 65).toString('ascii')).toBe('\n');
      expect(decodePeerDatagram(SECRET, bytes)).toEqual({ ok: true, message });
      expect(sign(SECRET, JSON.stringify(message))).toEqual(bytes);
    }
  });

  it('rejects a datagram signed with another secret', () => {
    const bytes = encodePeerDatagram('another-secret-of-16-chars', request);
    expect(errorOf(bytes)).toMatch(/bad MAC/);
  });

  it('rejects a datagram with one byte of its body or its MAC flipped', () => {
    const bytes = encodePeerDatagram(SECRET, request);
    for (const at of [70, bytes.length - 2, 3]) {
      const altered = Buffer.from(bytes);
      altered[at] = (altered[at] ?? 0) ^ 0x01;
      expect(errorOf(altered), `byte ${at}`).toMatch(/bad MAC/);
    }
  });

  it('rejects an oversized datagram before its MAC is looked at, even an authentic one', () => {
    const authentic = sign(SECRET, JSON.stringify({ ...reply, reason: 'x'.repeat(2000) }));
    expect(authentic.length).toBeGreaterThan(MAX_PEER_DATAGRAM_BYTES);
    expect(errorOf(authentic)).toBe(`larger than ${MAX_PEER_DATAGRAM_BYTES} bytes`);
    expect(errorOf(Buffer.alloc(MAX_PEER_DATAGRAM_BYTES + 1, 0x61))).toBe(
      `larger than ${MAX_PEER_DATAGRAM_BYTES} bytes`,
    );
  });

  it.each([
    ['an empty datagram', Buffer.alloc(0)],
    ['garbage without a MAC prefix', Buffer.from('hello, is this the failsafe port?', 'ascii')],
    ['a MAC and a newline without a body', Buffer.from(`${'a'.repeat(64)}\n`, 'ascii')],
    ['a body where the newline should be', Buffer.from(`${'a'.repeat(64)}{"v":1}`, 'ascii')],
    ['a MAC that is not hex', Buffer.from(`${'z'.repeat(64)}\n{"v":1}`, 'ascii')],
  ])('rejects %s', (_name, bytes) => {
    expect(errorOf(bytes)).toMatch(/not a failsafe datagram|bad MAC/);
  });

  it('rejects an authenticated body that is not JSON', () => {
    expect(errorOf(sign(SECRET, '{"v":1,'))).toBe('authenticated body is not JSON');
  });

  it.each<[string, Record<string, unknown>]>([
    ['a negative duration', { ...request, durationMs: -1 }],
    ['a fractional duration', { ...request, durationMs: 1.5 }],
    ['a duration above an hour', { ...request, durationMs: 3_600_001 }],
    ['an unknown field', { ...request, extra: true }],
    ['another version', { ...request, v: 2 }],
    ['an unknown kind', { ...request, kind: 'grant' }],
    ['an upper-case request id', { ...request, id: '0123456789ABCDEF' }],
    ['a short request id', { ...request, id: '0123' }],
    ['a node id without a port', { ...request, from: 'redis-a' }],
    ['a negative epoch', { ...request, epoch: -1 }],
    ['a reply with a short next challenge', { ...reply, next: 'abcd' }],
    ['a reply with an unknown outcome', { ...reply, outcome: 'maybe' }],
    ['a reply with a reason over 300 characters', { ...reply, reason: 'x'.repeat(301) }],
  ])('rejects an authenticated body with %s', (_name, body) => {
    expect(errorOf(sign(SECRET, JSON.stringify(body)))).toMatch(/^authenticated body: /);
  });

  // Found by these tests: encode used not to validate, so a sender could build a datagram
  // within the size limit that every receiver refuses. It refuses to send it now.
  it('refuses to encode a body the receiver would refuse', () => {
    expect(() => encodePeerDatagram(SECRET, { ...reply, reason: 'x'.repeat(301) })).toThrow(/not sent/);
    expect(() => encodePeerDatagram(SECRET, { ...request, durationMs: -1 })).toThrow(/not sent/);
  });

  // Also found here: with 261-character node names (NodeIdSchema allows them) a request did not
  // fit 1024 bytes. The limit is 1400 now, under a 1500-byte MTU: every valid message fits.
  it('encodes the longest valid request and reply within the limit', () => {
    const node = (c: string) => `${c.repeat(255)}:65535`;
    const long: PeerRequest = {
      ...request,
      group: 'g'.repeat(64),
      from: node('a'),
      to: node('b'),
      master: node('a'),
      id: 'f'.repeat(32),
      challenge: 'c'.repeat(32),
      epoch: Number.MAX_SAFE_INTEGER,
      durationMs: 3_600_000,
    };
    const longReply: PeerReply = {
      ...reply,
      group: 'g'.repeat(64),
      from: node('b'),
      to: node('a'),
      id: 'f'.repeat(32),
      durationMs: 3_600_000,
      reason: 'r'.repeat(300),
    };
    for (const message of [long, longReply]) {
      const bytes = encodePeerDatagram(SECRET, message);
      expect(bytes.length).toBeLessThanOrEqual(MAX_PEER_DATAGRAM_BYTES);
      expect(decodePeerDatagram(SECRET, bytes)).toEqual({ ok: true, message });
    }
  });
});
