// Failsafe datagrams over UDP: one socket per agent, peer host names resolved and cached.
import { createSocket, type Socket } from 'node:dgram';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { Logger } from './logger.js';
import type { PeerAddress } from './peer-channel.js';
import type { DatagramTransport } from './peer-endpoint.js';
import { MAX_PEER_DATAGRAM_BYTES } from './peer-protocol.js';

/** A resolved host name is used this long; a peer's address change is picked up after it. */
const RESOLVE_TTL_MS = 30_000;

/**
 * Binds `host:port` and hands every datagram to `onDatagram`. UDP suits a lease: a lost datagram
 * is a missed renewal retried at the next cadence, with no connection to re-establish and no
 * head-of-line blocking. Rejects if the port cannot be bound (the agent then refuses to start).
 */
export async function startUdpTransport(
  host: string,
  port: number,
  logger: Logger,
  onDatagram: (bytes: Buffer) => void,
): Promise<DatagramTransport & { readonly port: number }> {
  const socket: Socket = createSocket({ type: isIP(host) === 6 ? 'udp6' : 'udp4' });
  socket.on('message', (bytes) => {
    if (bytes.length <= MAX_PEER_DATAGRAM_BYTES) onDatagram(bytes);
  });
  socket.on('error', (error) => logger.error({ err: error.message }, 'failsafe socket error'));
  await new Promise<void>((resolve, reject) => {
    // A socket that could not bind is closed here: the caller never gets it to close.
    const failed = (error: Error) => {
      socket.close();
      reject(error);
    };
    socket.once('error', failed);
    socket.bind(port, host, () => {
      socket.off('error', failed);
      resolve();
    });
  });
  const resolved = new Map<string, { address: string; atMs: number }>();
  const resolve = async (name: string): Promise<string> => {
    if (isIP(name) !== 0) return name;
    const cached = resolved.get(name);
    if (cached !== undefined && performance.now() - cached.atMs < RESOLVE_TTL_MS) return cached.address;
    const { address } = await lookup(name);
    resolved.set(name, { address, atMs: performance.now() });
    return address;
  };
  return {
    port: socket.address().port,
    send(to: PeerAddress, bytes: Buffer): void {
      resolve(to.host).then(
        (address) => {
          // The socket may have closed while the address resolved (a send racing close()):
          // socket.send then throws, which here would be an unhandled rejection.
          try {
            socket.send(bytes, to.port, address, (error) => {
              if (error) logger.debug({ to, err: error.message }, 'failsafe datagram not sent');
            });
          } catch (error) {
            logger.debug({ to, err: String(error) }, 'failsafe datagram not sent');
          }
        },
        (error: unknown) => logger.warn({ to, err: String(error) }, 'failsafe peer address does not resolve'),
      );
    },
    close: () => new Promise<void>((done) => socket.close(() => done())),
  };
}
