// The close code a voter answers an agent's WebSocket close with (RFC 6455 §7.4).

/** 1002 (protocol error): what a peer gets for a close code it may not send. */
export const PROTOCOL_ERROR = 1002;

/**
 * Echo the peer's code when it is one an endpoint may send; no code (1005) is answered 1000; any
 * other (999, the reserved 1004-1006 and 1015, 1016-2999, 5000+) gets 1002. Echoing an invalid
 * code makes `close()` throw, and the socket would stay half-closed.
 */
export function closeReply(code: number): number {
  if (code === 1005) return 1000;
  const sendable =
    (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
  return sendable ? code : PROTOCOL_ERROR;
}
