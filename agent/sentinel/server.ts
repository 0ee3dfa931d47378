// The Sentinel wire-protocol server: a TCP listener and an optional TLS one whose clients read the agent's SentinelSource.
import { randomBytes } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { readAclFile } from './acl/acl-file.js';
import { AclUsers } from './acl/users.js';
import type { KillFilter, SentinelLogger, ServerContext } from './command-spec.js';
import { COMMANDS } from './commands/index.js';
import { Connection, type ConnectionLimits } from './connection.js';
import { FanOut } from './fan-out.js';
import type { NodeAccessPort } from './node-access-port.js';
import { encode, error } from './resp.js';
import { newSession, type Session, subscriptionBytes } from './session.js';
import type { SentinelSource } from './source.js';
import { newServerStats, RateSampler } from './stats.js';
import { type SentinelTlsOptions, tlsListener } from './tls-listener.js';

export type { AuthClients, SentinelTlsOptions } from './tls-listener.js';

export interface SentinelServerOptions {
  readonly host: string;
  /** 0 picks a free port; the bound one is returned. Null: no plain listener (Redis's `port 0`), TLS only. */
  readonly port: number | null;
  /**
   * Redis's `tls-port`: the same protocol over TLS, with the same clients, limits and events;
   * `maxClients` counts the clients of both listeners together.
   */
  readonly tls?: SentinelTlsOptions;
  /** `requirepass` of Sentinel: clients must AUTH (or HELLO AUTH) as `default` with it. */
  readonly password?: string | null;
  /**
   * ACL users in Redis's ACL file format (`user <name> <rules...>`), from the agent file's
   * `sentinel.users` or `sentinel.aclFile` (then `aclFile` names it, for ACL LOAD / SAVE).
   */
  readonly aclLines?: readonly string[];
  readonly aclFile?: string | null;
  /** SENTINEL FAILOVER, RESET and SET by a client without a password (a trusted network): refused by default. */
  readonly adminWithoutPassword?: boolean;
  readonly source: SentinelSource;
  /** The agent's credentials and renamed commands for its nodes (SENTINEL SET auth-pass, rename-command). */
  readonly nodeAccess?: NodeAccessPort;
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
  /** The plain listener's bound port; 0 when there is none (as Redis's `tcp_port` with `port 0`). */
  readonly port: number;
  /** The TLS listener's bound port; null when there is none. */
  readonly tlsPort: number | null;
  /** TLS clients dropped in their handshake (failed, timed out, certificate refused), since start. */
  tlsHandshakeFailures(): number;
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
  if (filter.user !== undefined && session.user !== filter.user) return false;
  if (filter.type !== undefined) {
    const pubsub = session.channels.size + session.patterns.size > 0;
    if ((filter.type === 'pubsub') !== pubsub) return false;
  }
  return true;
}

export async function startSentinelServer(options: SentinelServerOptions): Promise<SentinelServer> {
  if (options.port === null && options.tls === undefined)
    throw new Error('the Sentinel server needs a port, a TLS port or both');
  const logger = options.logger ?? silentLogger;
  const connections = new Map<number, Connection>();
  let boundPort = 0;
  const context = serverContext(options, logger, connections, () => boundPort);
  const accept = acceptor(context, connections, {
    maxOutputBytes: options.maxOutputBytes ?? 4 * 1024 * 1024,
    maxInputBytes: options.maxInputBytes ?? 1024 * 1024,
    maxQueuedCommands: 10_000,
  });
  const tcp = options.port === null ? null : createServer({ noDelay: true }, accept);
  const tls =
    options.tls === undefined
      ? null
      : tlsListener(options.tls, { maxClients: context.maxClients, stats: context.stats, logger, accept });
  // Matching many clients' patterns is sliced so it never holds up the agent's own work.
  const fanOut = new FanOut({ subscribers: () => connections.values() });
  const unsubscribe = options.source.onEvent((event) => fanOut.publish(event));
  let tlsPort: number | null = null;
  try {
    if (tcp !== null && options.port !== null) boundPort = await listen(tcp, options.host, options.port);
    if (tls !== null && options.tls !== undefined)
      tlsPort = await listen(tls.server, options.tls.host ?? options.host, options.tls.port);
  } catch (cause) {
    // One listener bound and the other not: release the first, so a retry finds its port free.
    unsubscribe();
    tcp?.close();
    tls?.server.close();
    throw cause;
  }
  for (const server of [tcp, tls?.server]) {
    server?.on('error', (cause) => logger.error({ err: cause.message }, 'sentinel server error'));
  }
  logger.info(
    {
      host: options.host,
      port: tcp === null ? null : boundPort,
      tlsPort,
      auth: !context.acl.defaultLogsIn(),
    },
    'sentinel server listening',
  );
  return {
    port: boundPort,
    tlsPort,
    tlsHandshakeFailures: () => context.stats.tlsHandshakeFailures,
    async close() {
      unsubscribe();
      fanOut.clear();
      const closed = Promise.all(
        [tcp, tls?.server].map(
          (server) => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())),
        ),
      );
      for (const connection of connections.values()) connection.destroy('server shutting down');
      // TLS sockets still in their handshake are no clients yet, but close() waits for them.
      tls?.destroyAll();
      await closed;
      logger.info({ port: boundPort, tlsPort }, 'sentinel server closed');
    },
  };
}

/** The ACL file's lines when the caller gave the path only (the agent's config load reads it already). */
function aclFileLines(options: SentinelServerOptions): readonly string[] {
  if (options.aclFile === undefined || options.aclFile === null) return [];
  const read = readAclFile(options.aclFile, COMMANDS, options.password ?? null);
  if ('error' in read) throw new Error(`sentinel ACL file: ${read.error}`);
  return read.lines;
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
    nodeAccess: options.nodeAccess ?? null,
    acl: new AclUsers(COMMANDS, {
      defaultPassword: options.password ?? null,
      lines: options.aclLines ?? aclFileLines(options),
      origin: options.aclFile ?? 'sentinel.users',
    }),
    aclFile: options.aclFile ?? null,
    adminWithoutPassword: options.adminWithoutPassword === true,
    runId: randomBytes(20).toString('hex'),
    startedAtMs: Date.now(),
    maxClients: options.maxClients ?? 10_000,
    maxSubscriptionsPerClient: options.maxSubscriptionsPerClient ?? 1024,
    maxSubscriptionBytesPerClient: options.maxSubscriptionBytesPerClient ?? 64 * 1024,
    maxSubscriptionBytes: options.maxSubscriptionBytes ?? 8 * 1024 * 1024,
    commands: COMMANDS,
    logger,
    stats: newServerStats(),
    rates: new RateSampler(),
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

/** Handles each new client, plain or secured: refused beyond `maxclients`, else a session and its connection. */
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
      needsAuth: !context.acl.defaultLogsIn(),
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

/** Binds a listener (plain or TLS); resolves with the port it got (`port` 0 picks a free one). */
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
