// Starts the Sentinel wire-protocol server (agent/sentinel) over the agent's SentinelSource, and the links to the peers' Sentinels it reports.

import type { NodeAccessPort } from '../sentinel/node-access-port.js';
import { type SentinelTlsOptions, startSentinelServer } from '../sentinel/server.js';
import type { SentinelSource } from '../sentinel/source.js';
import type { Logger } from './logger.js';
import type { PeerSentinels } from './peer-sentinels.js';

export interface SentinelServerOptions {
  /** Null: no plain listener (`sentinel.port: 0`), TLS only. */
  readonly port: number | null;
  readonly host: string;
  /** `sentinel.tlsPort` and `sentinel.tls`, the PEM files already read. */
  readonly tls?: SentinelTlsOptions;
  readonly password?: string;
  /** `sentinel.users` (ACL file lines) or `sentinel.aclFile` (read at start, by ACL LOAD and written by ACL SAVE). */
  readonly aclLines?: readonly string[];
  readonly aclFile?: string;
  /** `sentinel.adminWithoutPassword`: SENTINEL FAILOVER and RESET on a port without a password. */
  readonly adminWithoutPassword?: boolean;
  readonly source: SentinelSource;
  /** SENTINEL SET auth-pass / auth-user / rename-command: this agent's node connections. */
  readonly nodeAccess?: NodeAccessPort;
  readonly logger: Logger;
  /** Linked while the server runs: only SENTINEL SENTINELS, CKQUORUM and INFO read them. */
  readonly peers?: PeerSentinels;
}

export interface RunningSentinelServer {
  close(): Promise<void> | void;
}

export async function startSentinel(options: SentinelServerOptions): Promise<RunningSentinelServer> {
  const server = await startSentinelServer(options);
  options.peers?.start();
  options.logger.info(
    { host: options.host, port: options.port === null ? null : server.port, tlsPort: server.tlsPort },
    'Sentinel protocol server listening',
  );
  return {
    async close() {
      options.peers?.stop();
      await server.close();
    },
  };
}
