// The fence's own connection to a local node: an ioredis link (in the supervisor, or in the agent without one).
import type { FenceTarget, OwnedConnection } from './fence-owner.js';
import type { Logger } from './logger.js';
import { NodeLink } from './node-link.js';

/** Connect and command timeout of a fence: a fence that cannot be applied is retried, never waited on. */
const FENCE_TIMEOUT_MS = 500;

export function redisFenceConnection(
  target: FenceTarget,
  connectionName: string,
  logger: Logger,
): OwnedConnection {
  let onReady: () => void = () => {};
  const endpoint = {
    host: target.host,
    port: target.port,
    ...(target.username === undefined ? {} : { username: target.username }),
    ...(target.password === undefined ? {} : { password: target.password }),
    ...(target.tls === undefined ? {} : { tls: target.tls }),
  };
  const link = new NodeLink(target.node, endpoint, FENCE_TIMEOUT_MS, connectionName, logger, () => onReady());
  return {
    get ready() {
      return link.ready;
    },
    command: (name, args) => link.command(name, args),
    start(ready) {
      onReady = ready;
      link.start();
    },
    close() {
      void link.close();
    },
  };
}
