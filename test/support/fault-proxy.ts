// A TCP proxy for one link that tests can cut, blackhole, delay and restore (no toxiproxy here).
import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * - `pass`: bytes flow both ways (after `delayMs`, if set).
 * - `cut`: every connection is reset and new ones are refused at once (a crashed peer or a
 *   firewall answering with RST).
 * - `blackhole`: connections are accepted and kept, but nothing is forwarded either way and
 *   nothing is answered (a partition that drops packets: the other side only sees timeouts).
 */
export type LinkMode = 'pass' | 'cut' | 'blackhole';

export interface FaultProxy {
  /** The port clients connect to instead of the target's. */
  readonly port: number;
  readonly address: string;
  mode(): LinkMode;
  cut(): void;
  blackhole(): void;
  restore(): void;
  /** One-way delay added to every chunk in both directions (0 = none). */
  delay(ms: number): void;
  /** Open client connections right now. */
  connections(): number;
  close(): Promise<void>;
}

interface Pair {
  readonly client: Socket;
  upstream: Socket | null;
}

const MAX_CONNECTIONS = 1024;

export async function startFaultProxy(
  target: { host: string; port: number },
  listenPort = 0,
): Promise<FaultProxy> {
  let mode: LinkMode = 'pass';
  let delayMs = 0;
  const pairs = new Set<Pair>();

  const destroy = (pair: Pair) => {
    pair.client.destroy();
    pair.upstream?.destroy();
    pairs.delete(pair);
  };

  // One side of a pair closed or failed. Through a blackhole the other side must not learn of it
  // (a FIN or RST does not cross a partition either): it keeps its open, silent connection until
  // restore() drops the pair. E.g. replicas that leave an isolated master must not look gone to it.
  const gone = (pair: Pair, side: Socket) => {
    if (mode === 'blackhole') side.destroy();
    else destroy(pair);
  };

  // Chunks keep their order: each waits for the previous one's delay to end, not its own start.
  const forwarder = (to: () => Socket | null) => {
    let lastAtMs = 0;
    return (chunk: Buffer) => {
      if (mode === 'blackhole') return;
      const send = () => {
        if (mode === 'pass') to()?.write(chunk);
      };
      if (delayMs === 0 && lastAtMs <= Date.now()) return send();
      lastAtMs = Math.max(Date.now() + delayMs, lastAtMs);
      setTimeout(send, lastAtMs - Date.now());
    };
  };

  const server: Server = createServer((client) => {
    if (mode === 'cut' || pairs.size >= MAX_CONNECTIONS) {
      client.resetAndDestroy();
      return;
    }
    const pair: Pair = { client, upstream: null };
    pairs.add(pair);
    client.on('error', () => gone(pair, client));
    client.on('close', () => gone(pair, client));
    client.on(
      'data',
      forwarder(() => pair.upstream),
    );
    if (mode === 'blackhole') return;
    const upstream = connect({ host: target.host, port: target.port });
    pair.upstream = upstream;
    upstream.on(
      'data',
      forwarder(() => pair.client),
    );
    upstream.on('error', () => gone(pair, upstream));
    upstream.on('close', () => gone(pair, upstream));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listenPort, '127.0.0.1', () => resolve());
  });
  const addr = server.address();
  if (addr === null || typeof addr === 'string') throw new Error('fault proxy did not get a TCP port');

  return {
    port: addr.port,
    address: `127.0.0.1:${addr.port}`,
    mode: () => mode,
    cut() {
      mode = 'cut';
      for (const pair of [...pairs]) {
        pair.client.resetAndDestroy();
        pair.upstream?.destroy();
        pairs.delete(pair);
      }
    },
    blackhole() {
      mode = 'blackhole';
    },
    restore() {
      // Connections that lived through a blackhole lost bytes in between: a real network would
      // have retransmitted them, so they cannot resume cleanly. Drop them; clients reconnect.
      if (mode === 'blackhole') for (const pair of [...pairs]) destroy(pair);
      mode = 'pass';
    },
    delay(ms: number) {
      delayMs = Math.max(0, ms);
    },
    connections: () => pairs.size,
    async close() {
      for (const pair of [...pairs]) destroy(pair);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
