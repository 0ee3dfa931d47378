// The fence's own connection to a local node (in the supervisor, or in the agent without one).
import { FenceClient } from './fence-client.js';
import type { FenceTarget, OwnedConnection } from './fence-owner.js';
import type { Logger } from './logger.js';

export function redisFenceConnection(
  target: FenceTarget,
  connectionName: string,
  logger: Logger,
): OwnedConnection {
  return new FenceClient(target, connectionName, logger);
}
