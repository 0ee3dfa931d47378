// Agent tokens (hex HMAC-SHA256 of agent id and group under AGENT_SECRET) and constant-time comparison.
// WebCrypto only, so the Worker and the Node token tool share this file.

const encoder = new TextEncoder();

/** What an agent token signs: the agent id and the group, separated by a newline neither may contain. */
export function agentTokenMessage(agentId: string, group: string): string {
  return `${agentId}\n${group}`;
}

/** Hex HMAC-SHA256 of `message` under `secret` (WebCrypto): agent tokens and webhook signatures. */
export async function hmacSha256Hex(secret: string, message: string): Promise<string> {
  const key = await crypto.subtle.importKey(
    'raw',
    encoder.encode(secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  return toHex(new Uint8Array(await crypto.subtle.sign('HMAC', key, encoder.encode(message))));
}

/** The bearer token of `agentId` for `group`: nothing per agent is stored, the Worker recomputes it. */
export function agentToken(secret: string, agentId: string, group: string): Promise<string> {
  return hmacSha256Hex(secret, agentTokenMessage(agentId, group));
}

/**
 * Compares two secrets without leaking where they differ. Both sides are hashed first, so the
 * byte comparison always runs over two 32-byte arrays and the length of the secret leaks neither.
 */
export async function constantTimeEqual(a: string, b: string): Promise<boolean> {
  const [left, right] = await Promise.all([sha256(a), sha256(b)]);
  return bytesEqual(left, right);
}

type SubtleWithTimingSafeEqual = typeof crypto.subtle & {
  timingSafeEqual?: (a: ArrayBufferView, b: ArrayBufferView) => boolean;
};

/** Workers provide `crypto.subtle.timingSafeEqual`; Node does not, so fall back to an XOR loop. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  const subtle = crypto.subtle as SubtleWithTimingSafeEqual;
  if (typeof subtle.timingSafeEqual === 'function') return subtle.timingSafeEqual(a, b);
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return diff === 0;
}

async function sha256(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(text)));
}

function toHex(bytes: Uint8Array): string {
  let hex = '';
  for (const byte of bytes) hex += byte.toString(16).padStart(2, '0');
  return hex;
}
