// Starts the Sentinel wire-protocol server (agent/sentinel) over the agent's SentinelSource.
import { startSentinelServer } from '../sentinel/server.js';
import type { SentinelSource } from '../sentinel/source.js';
import type { Logger } from './logger.js';

export interface SentinelServerOptions {
  readonly port: number;
  readonly host: string;
  readonly password?: string;
  readonly source: SentinelSource;
  readonly logger: Logger;
}

export interface RunningSentinelServer {
  close(): Promise<void> | void;
}

export async function startSentinel(options: SentinelServerOptions): Promise<RunningSentinelServer> {
  const server = await startSentinelServer(options);
  options.logger.info({ host: options.host, port: options.port }, 'Sentinel protocol server listening');
  return server;
}
