// The Sentinel wire-protocol server: a TCP listener whose clients read the agent's SentinelSource.
import { randomBytes } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import type { KillFilter, SentinelLogger, ServerContext } from './command-spec.js';
import { COMMANDS } from './commands/index.js';
import { Connection, type ConnectionLimits } from './connection.js';
import { encode, error } from './resp.js';
import { newSession, type Session, subscriptionBytes } from './session.js';
import type { SentinelSource } from './source.js';
import { newServerStats } from './stats.js';

export interface SentinelServerOptions {
  readonly host: string;
  /** 0 picks a free port; the bound one is returned. */
  readonly port: number;
  /** `requirepass` of Sentinel: clients must AUTH (or HELLO AUTH) as `default` with it. */
  readonly password?: string | null;
  /** SENTINEL FAILOVER and RESET without a password (a trusted network): refused by default. */
  readonly adminWithoutPassword?: boolean;
  readonly source: SentinelSource;
  readonly logger?: SentinelLogger;
  /** Redis's `maxclients`; 10000 by default. */
  readonly maxClients?: number;
  /** Unread output per client before it is disconnected; 4 MiB by default. */
  readonly maxOutputBytes?: number;
  /** Size of one request; 1 MiB by default (Sentinel commands are a few dozen bytes). */
  readonly maxInputBytes?: number;
  /** Channels plus patterns per client; 1024 by default. */
  readonly maxSubscriptionsPerClient?: number;
  /** Bytes of channel and pattern names per client (64 KiB) and for all clients (8 MiB) by default. */
  readonly maxSubscriptionBytesPerClient?: number;
  readonly maxSubscriptionBytes?: number;
}

export interface SentinelServer {
  readonly port: number;
  /** Stops listening, closes every client and stops listening to the source. */
  close(): Promise<void>;
}

const silentLogger: SentinelLogger = { debug() {}, info() {}, warn() {}, error() {} };

function peerAddress(socket: Socket): string {
  const host = socket.remoteAddress ?? '?';
  return `${host.includes(':') ? `[${host}]` : host}:${socket.remotePort ?? 0}`;
}

function matches(session: Session, filter: KillFilter): boolean {
  if (filter.id !== undefined && session.id !== filter.id) return false;
  if (filter.address !== undefined && session.address !== filter.address) return false;
  if (filter.type !== undefined) {
    const pubsub = session.channels.size + session.patterns.size > 0;
    if ((filter.type === 'pubsub') !== pubsub) return false;
  }
  return true;
}

export async function startSentinelServer(options: SentinelServerOptions): Promise<SentinelServer> {
  const logger = options.logger ?? silentLogger;
  const connections = new Map<number, Connection>();
  const tcp = createServer({ noDelay: true });
  let boundPort = options.port;
  const context = serverContext(options, logger, connections, () => boundPort);
  const accept = acceptor(context, connections, {
    maxOutputBytes: options.maxOutputBytes ?? 4 * 1024 * 1024,
    maxInputBytes: options.maxInputBytes ?? 1024 * 1024,
    maxQueuedCommands: 10_000,
  });
  tcp.on('connection', accept);
  const unsubscribe = options.source.onEvent((event) => {
    for (const connection of connections.values()) connection.deliver(event);
  });
  boundPort = await listen(tcp, options.host, options.port);
  tcp.on('error', (cause) => logger.error({ err: cause.message }, 'sentinel server error'));
  logger.info(
    { host: options.host, port: boundPort, auth: context.password !== null },
    'sentinel server listening',
  );
  return {
    port: boundPort,
    async close() {
      unsubscribe();
      const closed = new Promise<void>((resolve) => tcp.close(() => resolve()));
      for (const connection of connections.values()) connection.destroy('server shutting down');
      await closed;
      logger.info({ port: boundPort }, 'sentinel server closed');
    },
  };
}

/** What every command handler sees of the server: the source, auth, limits, the clients and CLIENT KILL. */
function serverContext(
  options: SentinelServerOptions,
  logger: SentinelLogger,
  connections: ReadonlyMap<number, Connection>,
  port: () => number,
): ServerContext {
  return {
    source: options.source,
    password: options.password ?? null,
    operatorActions: (options.password ?? null) !== null || options.adminWithoutPassword === true,
    runId: randomBytes(20).toString('hex'),
    startedAtMs: Date.now(),
    maxClients: options.maxClients ?? 10_000,
    maxSubscriptionsPerClient: options.maxSubscriptionsPerClient ?? 1024,
    maxSubscriptionBytesPerClient: options.maxSubscriptionBytesPerClient ?? 64 * 1024,
    maxSubscriptionBytes: options.maxSubscriptionBytes ?? 8 * 1024 * 1024,
    commands: COMMANDS,
    logger,
    stats: newServerStats(),
    nowMs: () => Date.now(),
    port,
    clients: () => [...connections.values()].map((c) => c.session),
    kill(filter, self) {
      let killed = 0;
      for (const connection of [...connections.values()]) {
        const session = connection.session;
        if (!matches(session, filter) || (filter.skipMe && session === self)) continue;
        killed++;
        // The caller still gets its reply; other clients go at once.
        if (session === self) session.closeAfterReply = true;
        else connection.destroy(`CLIENT KILL from client ${self.id}`);
      }
      return killed;
    },
  };
}

/** Handles each new TCP client: refused beyond `maxclients`, else a session and its connection. */
function acceptor(
  context: ServerContext,
  connections: Map<number, Connection>,
  limits: ConnectionLimits,
): (socket: Socket) => void {
  let nextClientId = 1;
  return (socket) => {
    socket.on('error', () => {
      // Resets and timeouts just end the connection; 'close' cleans up.
    });
    if (connections.size >= context.maxClients) {
      context.stats.rejectedConnections++;
      context.logger.warn(
        { client: peerAddress(socket), maxClients: context.maxClients },
        'sentinel client refused: too many clients',
      );
      socket.end(encode(error('ERR max number of clients reached'), 2));
      return;
    }
    socket.setKeepAlive(true, 300_000);
    context.stats.connectionsReceived++;
    const session = newSession({
      id: nextClientId++,
      address: peerAddress(socket),
      nowMs: Date.now(),
      needsAuth: context.password !== null,
    });
    const connection = new Connection(socket, session, context, limits);
    connections.set(session.id, connection);
    socket.once('close', () => {
      connection.destroy('socket closed');
      connections.delete(session.id);
      // Its subscriptions no longer count against the agent's budget.
      context.stats.subscriptionBytes -= subscriptionBytes(session);
      session.channels.clear();
      session.patterns.clear();
    });
  };
}

/** Binds the listener; resolves with the port it got (`port` 0 picks a free one). */
async function listen(tcp: Server, host: string, port: number): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    tcp.once('error', reject);
    tcp.listen({ host, port }, () => {
      tcp.off('error', reject);
      resolve();
    });
  });
  const address = tcp.address();
  if (address === null || typeof address === 'string')
    throw new Error('the Sentinel server has no TCP address');
  return address.port;
}
