// Every ioredis option the agent relies on, set explicitly: one place to read how the agent talks to Redis.
import type { RedisOptions } from 'ioredis';
import { backoffDelayMs } from '../../workers/protocol/index.js';
import type { TlsOptions } from '../config/load.js';
import type { RenameCommands } from '../config/rename-commands.js';

export interface NodeEndpoint {
  readonly host: string;
  readonly port: number;
  readonly username?: string;
  readonly password?: string;
  readonly tls?: TlsOptions;
  /** The group's renamed commands (Sentinel's per-master rename-command): what the connection sends. */
  readonly renameCommands?: RenameCommands;
}

/** Reconnect after 50 ms, doubling to 1 s: a node that comes back is probed within a second. */
export const RECONNECT_POLICY = { initialMs: 50, maxMs: 1000 } as const;

export function redisOptions(
  endpoint: NodeEndpoint,
  probeTimeoutMs: number,
  connectionName: string,
): RedisOptions {
  return {
    host: endpoint.host,
    port: endpoint.port,
    // 0 = IPv4 or IPv6, whatever the name resolves to (announce addresses may be hostnames).
    family: 0,
    ...(endpoint.username === undefined ? {} : { username: endpoint.username }),
    ...(endpoint.password === undefined ? {} : { password: endpoint.password }),
    ...(endpoint.tls === undefined
      ? {}
      : {
          tls: {
            ...(endpoint.tls.ca === undefined ? {} : { ca: endpoint.tls.ca }),
            ...(endpoint.tls.cert === undefined ? {} : { cert: endpoint.tls.cert }),
            ...(endpoint.tls.key === undefined ? {} : { key: endpoint.tls.key }),
            servername: endpoint.tls.servername ?? endpoint.host,
            rejectUnauthorized: endpoint.tls.rejectUnauthorized,
          },
        }),
    db: 0,
    // ioredis sends CLIENT SETNAME under that name only: with CLIENT renamed, NodeLink names the connection itself.
    ...(endpoint.renameCommands?.CLIENT === undefined ? { connectionName } : {}),
    // No CLIENT SETINFO on connect: one command less, and nothing older Redis versions reject.
    disableClientInfo: true,
    connectTimeout: probeTimeoutMs,
    // The core times out probes itself; this bound also frees ioredis's queue for every command.
    commandTimeout: probeTimeoutMs,
    // A command while disconnected fails at once (a probe "error"), it never waits in a queue.
    enableOfflineQueue: false,
    // A command lost with its connection is not resent: the core asks again if it still wants it.
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    autoResubscribe: false,
    // A loading node must answer PING (LOADING is a valid reply): do not wait for it to finish.
    enableReadyCheck: false,
    maxLoadingRetryTime: 0,
    enableAutoPipelining: false,
    reconnectOnError: null,
    retryStrategy: (times: number) => backoffDelayMs(RECONNECT_POLICY, Math.max(0, times - 1), Math.random),
    // RESP2: plain replies for INFO, ROLE and EXEC.
    protocol: 2,
    lazyConnect: true,
    keepAlive: 10_000,
    noDelay: true,
    readOnly: false,
    stringNumbers: false,
    showFriendlyErrorStack: false,
  };
}
