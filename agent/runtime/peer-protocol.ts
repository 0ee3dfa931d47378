// The agent-to-agent failsafe datagrams: zod schemas, and HMAC-SHA256 signing and checking under the shared secret.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { EpochSchema, GroupNameSchema, NodeIdSchema } from '../../workers/protocol/index.js';

/**
 * One datagram: 64 hex characters of HMAC-SHA256 over the body, a newline, then the JSON body.
 * The MAC covers the exact bytes received, so no canonical JSON is needed; the body names the
 * group, the sender's node and the receiver's node, so a datagram cannot be moved to another
 * group or peer. Bounded under a 1500-byte path MTU (1472 bytes of UDP payload): every message
 * the schemas admit fits, even with 261-character node names and a 300-character reason.
 */
export const MAX_PEER_DATAGRAM_BYTES = 1400;
const MAC_HEX = 64;
/** Separates the MAC of this protocol from any other use of the same secret. */
const MAC_CONTEXT = 'edge-sentinel failsafe v1\n';

export const MIN_PEER_SECRET_CHARS = 16;

const Hex = (min: number, max: number) =>
  z
    .string()
    .min(min)
    .max(max)
    .regex(/^[0-9a-f]*$/, 'lower-case hex');

const Envelope = {
  v: z.literal(1),
  group: GroupNameSchema,
  /** The sender's own node (the node its agent speaks for). */
  from: NodeIdSchema,
  /** The receiver's node. */
  to: NodeIdSchema,
  /** Request id, echoed by the reply. */
  id: Hex(16, 32),
};

export const PeerRequestSchema = z.strictObject({
  ...Envelope,
  kind: z.literal('request'),
  /** The receiver's single-use challenge from its previous reply ('' when the sender has none). */
  challenge: Hex(0, 32),
  epoch: EpochSchema,
  master: NodeIdSchema,
  /** 0: only "would you grant?" (a readiness probe). */
  durationMs: z.number().int().min(0).max(3_600_000),
  /** The sender's node list fingerprint (`membershipOf`). */
  membership: Hex(16, 16),
});

export const PeerReplySchema = z.strictObject({
  ...Envelope,
  kind: z.literal('reply'),
  /** `stale`: the request carried an old challenge (a retry after a lost reply, or a replay). */
  outcome: z.enum(['granted', 'refused', 'stale']),
  durationMs: z.number().int().min(0).max(3_600_000),
  reason: z.string().max(300),
  /** The challenge the sender's next request must carry. */
  next: Hex(32, 32),
});

export const PeerMessageSchema = z.discriminatedUnion('kind', [PeerRequestSchema, PeerReplySchema]);
export type PeerRequest = z.infer<typeof PeerRequestSchema>;
export type PeerReply = z.infer<typeof PeerReplySchema>;
export type PeerDatagram = z.infer<typeof PeerMessageSchema>;

function mac(secret: string, body: Buffer): Buffer {
  return createHmac('sha256', secret).update(MAC_CONTEXT).update(body).digest();
}

/** Throws on a message the receiver would refuse (the schema), so nothing invalid is ever sent. */
export function encodePeerDatagram(secret: string, message: PeerDatagram): Buffer {
  const checked = PeerMessageSchema.safeParse(message);
  if (!checked.success) {
    throw new Error(`failsafe datagram not sent: ${checked.error.issues[0]?.message ?? 'invalid'}`);
  }
  const body = Buffer.from(JSON.stringify(message), 'utf8');
  const bytes = Buffer.concat([Buffer.from(`${mac(secret, body).toString('hex')}\n`, 'ascii'), body]);
  if (bytes.length > MAX_PEER_DATAGRAM_BYTES) {
    throw new Error(`failsafe datagram of ${bytes.length} bytes exceeds ${MAX_PEER_DATAGRAM_BYTES}`);
  }
  return bytes;
}

export type DecodedPeerDatagram =
  | { readonly ok: true; readonly message: PeerDatagram }
  | { readonly ok: false; readonly error: string };

/** Size, then the MAC (constant time), and only then JSON and the schema: nothing unauthenticated is parsed. */
export function decodePeerDatagram(secret: string, bytes: Buffer): DecodedPeerDatagram {
  if (bytes.length > MAX_PEER_DATAGRAM_BYTES)
    return { ok: false, error: `larger than ${MAX_PEER_DATAGRAM_BYTES} bytes` };
  if (bytes.length <= MAC_HEX + 1 || bytes[MAC_HEX] !== 0x0a)
    return { ok: false, error: 'not a failsafe datagram' };
  const given = Buffer.from(bytes.subarray(0, MAC_HEX).toString('ascii'), 'hex');
  const body = bytes.subarray(MAC_HEX + 1);
  const expected = mac(secret, body);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, error: 'bad MAC (another secret, or altered)' };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(body.toString('utf8'));
  } catch {
    return { ok: false, error: 'authenticated body is not JSON' };
  }
  const parsed = PeerMessageSchema.safeParse(raw);
  if (!parsed.success)
    return { ok: false, error: `authenticated body: ${parsed.error.issues[0]?.message ?? 'invalid'}` };
  return { ok: true, message: parsed.data };
}
