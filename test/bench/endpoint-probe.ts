// Persistent connections to Sentinel-protocol endpoints (our agents or real sentinels), polled every few ms.
import { Redis } from 'ioredis';

export interface Endpoint {
  readonly host: string;
  readonly port: number;
}

/**
 * One connection per endpoint, kept open: a poll every 20 ms must not pay a TCP handshake each
 * time. A disconnected endpoint answers null at once (no offline queue) and reconnects by itself.
 */
export class EndpointProbe {
  private readonly clients: Redis[];

  constructor(endpoints: readonly Endpoint[]) {
    this.clients = endpoints.map((e) => {
      const client = new Redis({
        host: e.host,
        port: e.port,
        protocol: 2,
        enableOfflineQueue: false,
        enableReadyCheck: false,
        maxRetriesPerRequest: 0,
        retryStrategy: () => 50,
        connectTimeout: 1000,
        commandTimeout: 500,
      });
      client.on('error', () => undefined);
      return client;
    });
  }

  /** Each endpoint's `SENTINEL get-master-addr-by-name` answer ("host:port"), null if none or unreachable. */
  masters(group: string): Promise<(string | null)[]> {
    return Promise.all(this.clients.map((c) => masterOf(c, group)));
  }

  /** A command on one endpoint (SENTINEL FAILOVER, SENTINEL SET, ...). */
  call(index: number, ...args: [string, ...string[]]): Promise<unknown> {
    const client = this.clients[index];
    if (client === undefined) throw new Error(`no endpoint ${index}`);
    return client.call(...args);
  }

  get size(): number {
    return this.clients.length;
  }

  close(): void {
    for (const c of this.clients) c.disconnect();
  }
}

async function masterOf(client: Redis, group: string): Promise<string | null> {
  try {
    const reply = await client.call('SENTINEL', 'get-master-addr-by-name', group);
    if (!Array.isArray(reply) || reply.length !== 2) return null;
    return `${String(reply[0])}:${String(reply[1])}`;
  } catch {
    return null;
  }
}

/** A flat RESP2 field list ([k1, v1, k2, v2, ...]) as a map, as SENTINEL master/replicas answer. */
export function fieldsOf(reply: unknown): Record<string, string> {
  const fields: Record<string, string> = {};
  if (!Array.isArray(reply)) return fields;
  for (let i = 0; i + 1 < reply.length; i += 2) fields[String(reply[i])] = String(reply[i + 1]);
  return fields;
}
