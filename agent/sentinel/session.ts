// One client's connection state: protocol, name, authentication and subscriptions.
import type { Protocol } from './resp.js';

export interface Session {
  /** Redis-style client id: increasing, unique for the server's lifetime. */
  readonly id: number;
  /** The peer's `ip:port`, as `CLIENT KILL ADDR` and logs name it. */
  readonly address: string;
  readonly connectedAtMs: number;
  name: string | null;
  libName: string | null;
  libVersion: string | null;
  protocol: Protocol;
  authenticated: boolean;
  /** The ACL user it runs as (`default` until AUTH). */
  user: string;
  /** Insertion-ordered, so `UNSUBSCRIBE` without arguments answers in subscription order. */
  readonly channels: Set<string>;
  readonly patterns: Set<string>;
  /** Set by QUIT (and CLIENT KILL of oneself): close once the pending replies are written. */
  closeAfterReply: boolean;
}

export interface NewSession {
  readonly id: number;
  readonly address: string;
  readonly nowMs: number;
  /** `default` does not log in by itself (it has a password or is off): the client must AUTH first. */
  readonly needsAuth: boolean;
}

export function newSession({ id, address, nowMs, needsAuth }: NewSession): Session {
  return {
    id,
    address,
    connectedAtMs: nowMs,
    name: null,
    libName: null,
    libVersion: null,
    protocol: 2,
    authenticated: !needsAuth,
    user: 'default',
    channels: new Set(),
    patterns: new Set(),
    closeAfterReply: false,
  };
}

export function subscriptionCount(session: Session): number {
  return session.channels.size + session.patterns.size;
}

/** Bytes of the client's channel and pattern names (what the per-client and per-agent budgets count). */
export function subscriptionBytes(session: Session): number {
  let bytes = 0;
  for (const name of session.channels) bytes += Buffer.byteLength(name);
  for (const name of session.patterns) bytes += Buffer.byteLength(name);
  return bytes;
}

/** Redis's RESP2 pub/sub context: only the subscribe family, PING, QUIT and RESET are allowed. */
export function inSubscribedContext(session: Session): boolean {
  return session.protocol === 2 && subscriptionCount(session) > 0;
}
