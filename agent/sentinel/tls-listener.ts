// The Sentinel port's TLS listener: handshakes bounded in time and number, client certificates checked as Redis's `tls-auth-clients`.
import type { Socket } from 'node:net';
import { createServer, type Server, type TLSSocket } from 'node:tls';
import type { SentinelLogger } from './command-spec.js';
import type { ServerStats } from './stats.js';

/**
 * Redis's `tls-auth-clients`: `yes` requires a client certificate signed by `ca`; `optional`
 * accepts a client without one but refuses one whose certificate `ca` did not sign; `no` asks
 * for none.
 */
export type AuthClients = 'yes' | 'no' | 'optional';

export interface SentinelTlsOptions {
  /** Redis's `tls-port`; 0 picks a free port, returned as `tlsPort`. */
  readonly port: number;
  /** The plain listener's host when absent. */
  readonly host?: string;
  /** PEM texts (not paths): the server's certificate chain, its key, the CA of client certificates. */
  readonly cert: string;
  readonly key: string;
  readonly ca?: string;
  /** `no` by default (Redis's default is `yes`; Sentinel clients rarely hold a certificate). */
  readonly authClients?: AuthClients;
  /** Node's default (TLS 1.2) when absent. */
  readonly minVersion?: 'TLSv1.2' | 'TLSv1.3';
  /** A client that has not finished its handshake by then is dropped; 10 s by default. */
  readonly handshakeTimeoutMs?: number;
}

export interface TlsListenerDeps {
  /** Clients of both listeners together; also the bound on sockets of this one, handshakes included. */
  readonly maxClients: number;
  readonly stats: ServerStats;
  readonly logger: SentinelLogger;
  /** The server's acceptor, the same as for plain TCP clients. */
  readonly accept: (socket: Socket) => void;
}

export interface TlsListener {
  readonly server: Server;
  /** Destroys every socket of this listener, those still in their handshake included. */
  destroyAll(): void;
}

const DEFAULT_HANDSHAKE_TIMEOUT_MS = 10_000;

/**
 * A TLS server whose secured clients go to `deps.accept`. A handshake that fails, times out or
 * presents a refused certificate is counted in `tlsHandshakeFailures` and logged at debug (a port
 * scanner would otherwise flood the log), never thrown.
 */
export function tlsListener(options: SentinelTlsOptions, deps: TlsListenerDeps): TlsListener {
  const authClients = options.authClients ?? 'no';
  const server = createServer({
    cert: options.cert,
    key: options.key,
    ...(options.ca === undefined ? {} : { ca: options.ca }),
    requestCert: authClients !== 'no',
    // `optional` is checked after the handshake: OpenSSL alone cannot accept "none" but refuse "bad".
    rejectUnauthorized: authClients === 'yes',
    ...(options.minVersion === undefined ? {} : { minVersion: options.minVersion }),
    handshakeTimeout: options.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS,
    noDelay: true,
  });
  // Sockets in their handshake hold no client slot, but each holds memory: at most maxClients
  // sockets on this listener, and none longer than the handshake timeout before it is secured.
  server.maxConnections = deps.maxClients;
  const sockets = new Set<Socket>();
  server.on('connection', (raw: Socket) => {
    sockets.add(raw);
    raw.once('close', () => sockets.delete(raw));
  });
  server.on('drop', (data) => {
    deps.stats.rejectedConnections++;
    deps.logger.warn(
      { client: `${data?.remoteAddress ?? '?'}:${data?.remotePort ?? 0}`, maxClients: deps.maxClients },
      'sentinel TLS client refused: too many clients',
    );
  });
  const failed = (socket: TLSSocket, reason: string) => {
    deps.stats.tlsHandshakeFailures++;
    deps.logger.debug(
      { client: `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0}`, reason },
      'sentinel TLS handshake failed',
    );
    socket.destroy();
  };
  server.on('tlsClientError', (cause: NodeJS.ErrnoException, socket: TLSSocket) =>
    failed(socket, cause.code ?? cause.message),
  );
  server.on('secureConnection', (socket: TLSSocket) => {
    const refusal = certificateRefusal(socket, authClients);
    if (refusal !== null) failed(socket, refusal);
    else deps.accept(socket);
  });
  return {
    server,
    destroyAll() {
      for (const socket of sockets) socket.destroy();
    },
  };
}

/** Why `optional` refuses a secured client: it sent a certificate that `ca` does not verify. */
function certificateRefusal(socket: TLSSocket, authClients: AuthClients): string | null {
  if (authClients !== 'optional' || socket.authorized) return null;
  const presented = Object.keys(socket.getPeerCertificate()).length > 0;
  return presented ? `client certificate refused: ${String(socket.authorizationError)}` : null;
}
