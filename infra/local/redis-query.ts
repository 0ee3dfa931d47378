// One-shot Redis-protocol questions to nodes and agents: SENTINEL get-master-addr-by-name, ROLE, INFO.
import { Redis } from 'ioredis';

/** A connection that fails fast instead of retrying: the caller polls. */
async function withConnection<T>(
  port: number,
  run: (redis: Redis) => Promise<T>,
  timeoutMs = 2000,
  password?: string,
): Promise<T> {
  const redis = new Redis({
    host: '127.0.0.1',
    port,
    ...(password === undefined ? {} : { password }),
    lazyConnect: true,
    enableReadyCheck: false,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    protocol: 2,
  });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    return await run(redis);
  } finally {
    redis.disconnect();
  }
}

/** `SENTINEL get-master-addr-by-name` on an agent's Sentinel port: "host:port", or null when it has none. */
export function sentinelMasterAddr(sentinelPort: number, group: string): Promise<string | null> {
  return withConnection(sentinelPort, async (redis) => {
    const reply = await redis.call('SENTINEL', 'get-master-addr-by-name', group);
    if (!Array.isArray(reply) || reply.length !== 2) return null;
    return `${String(reply[0])}:${String(reply[1])}`;
  });
}

/** `SENTINEL master <group>` on an agent's Sentinel port, as a field map (`flags`, `config-epoch`, ...). */
export function sentinelMaster(sentinelPort: number, group: string): Promise<Record<string, string>> {
  return withConnection(sentinelPort, async (redis) => {
    const reply = await redis.call('SENTINEL', 'master', group);
    if (!Array.isArray(reply)) throw new Error(`SENTINEL master answered ${String(reply)}`);
    const fields: Record<string, string> = {};
    for (let i = 0; i + 1 < reply.length; i += 2) fields[String(reply[i])] = String(reply[i + 1]);
    return fields;
  });
}

export interface NodeRole {
  readonly role: 'master' | 'replica' | 'other';
  /** For a replica, "host:port" of its master and whether the link is up. */
  readonly masterAddr: string | null;
  readonly linkUp: boolean;
  readonly keys: number;
}

/** The node's role (Redis says "slave"; translated here, at the edge) and its key count. */
export function nodeRole(port: number, password?: string): Promise<NodeRole> {
  return withConnection(
    port,
    async (redis) => {
      const info = await redis.info('replication');
      const size = await redis.dbsize();
      const field = (name: string) => new RegExp(`^${name}:(.*)$`, 'm').exec(info)?.[1]?.trim();
      const role = field('role');
      const host = field('master_host');
      const masterPort = field('master_port');
      return {
        role: role === 'master' ? 'master' : role === 'slave' ? 'replica' : 'other',
        masterAddr: host !== undefined && masterPort !== undefined ? `${host}:${masterPort}` : null,
        linkUp: field('master_link_status') === 'up',
        keys: size,
      };
    },
    2000,
    password,
  );
}

/** Which of `keys` exist on the node at `port` (read in batches, straight from the node). */
export function existingKeys(port: number, keys: readonly string[], password?: string): Promise<Set<string>> {
  return withConnection(
    port,
    async (redis) => {
      const found = new Set<string>();
      for (let i = 0; i < keys.length; i += 500) {
        const batch = keys.slice(i, i + 500);
        const values = await redis.mget(...batch);
        values.forEach((value, j) => {
          const key = batch[j];
          if (value !== null && key !== undefined) found.add(key);
        });
      }
      return found;
    },
    10_000,
    password,
  );
}

/** `CONFIG GET name` on the node at `port` (null if the node does not know it). */
export function configGet(port: number, name: string, password?: string): Promise<string | null> {
  return withConnection(
    port,
    async (redis) => {
      const reply = (await redis.config('GET', name)) as string[];
      return reply[1] ?? null;
    },
    2000,
    password,
  );
}

/** `CONFIG SET name value` on the node at `port` (a test or an operator tuning a node). */
export function configSet(port: number, name: string, value: string): Promise<void> {
  return withConnection(port, async (redis) => {
    await redis.config('SET', name, value);
  });
}
