// A steady writer through an ioredis Sentinel-mode client pointed at the agents, recording every acknowledged write.
import { Redis } from 'ioredis';
import { sleep } from './wait.js';

export interface AckedWrite {
  readonly key: string;
  /** performance.now() when the SET was sent and when its OK arrived. */
  readonly sentAtMs: number;
  readonly ackAtMs: number;
}

export interface WriteLoadReport {
  readonly acked: readonly AckedWrite[];
  readonly failed: number;
  /** The first few distinct error messages, for the log. */
  readonly errorSamples: readonly string[];
}

export interface WriteLoad {
  readonly client: Redis;
  /** Every acknowledged write so far, in order (live). */
  readonly acked: readonly AckedWrite[];
  ackedCount(): number;
  /** When a write first failed with a message starting with `prefix` at or after `afterMs`, if it did. */
  firstErrorAfter(prefix: string, afterMs: number): number | undefined;
  /** The first write sent at or after `afterMs` (performance.now()) that was acknowledged, if any yet. */
  firstAckSentAfter(afterMs: number): AckedWrite | undefined;
  stop(): Promise<WriteLoadReport>;
}

export interface WriteLoadOptions {
  readonly sentinels: readonly { host: string; port: number }[];
  readonly group: string;
  /** Keys are `<prefix>:<seq>`. */
  readonly prefix: string;
  /** Pause between writes (one write in flight at a time). */
  readonly intervalMs?: number;
  /** Write straight to this node instead of asking `sentinels` (a client that knows the address). */
  readonly target?: { readonly host: string; readonly port: number };
  /** Default 1000. */
  readonly commandTimeoutMs?: number;
  /**
   * Drop the connection after a timed-out command, so the next write reconnects (and a
   * Sentinel-mode client asks for the master again): a blackholed connection never closes by itself.
   */
  readonly reconnectOnTimeout?: boolean;
  /**
   * Give up a question to one agent's Sentinel port after this long and ask the next (default:
   * never, ioredis's default). A hung agent (SIGSTOP) accepts connections and never answers: without
   * it, a client that learnt that agent from `SENTINEL sentinels` waits on it for good.
   */
  readonly sentinelCommandTimeoutMs?: number;
  /** The database written (default 0): a test can keep db 0's DBSIZE to the keys it loaded. */
  readonly db?: number;
}

/**
 * One write in flight at a time, so "acknowledged" is unambiguous. The client asks the agents for
 * the master (`SENTINEL get-master-addr-by-name`), checks the node's role, and re-resolves on
 * disconnect, as any application using Sentinel would.
 */
export function startWriteLoad(options: WriteLoadOptions): WriteLoad {
  const common = {
    retryStrategy: () => 100,
    connectTimeout: 1000,
    commandTimeout: options.commandTimeoutMs ?? 1000,
    maxRetriesPerRequest: 1,
    ...(options.db === undefined ? {} : { db: options.db }),
  };
  const client =
    options.target === undefined
      ? new Redis({
          ...common,
          sentinels: options.sentinels.map((s) => ({ ...s })),
          name: options.group,
          role: 'master',
          sentinelRetryStrategy: () => 100,
          ...(options.sentinelCommandTimeoutMs === undefined
            ? {}
            : { sentinelCommandTimeout: options.sentinelCommandTimeoutMs }),
          // Not `failoverDetector: true`: in ioredis 6.0.0 its +switch-master handler calls the
          // connector's disconnect() while a reconnect is resolving the master, the pending connect
          // then rejects with "Connection is closed." and the client ends for good (seen here 4 runs
          // in 5). Without it the client re-resolves through the agents when its connection drops.
        })
      : new Redis({ ...common, host: options.target.host, port: options.target.port });
  const errors = new Map<string, number>();
  client.on('error', (error: Error) => errors.set(error.message, (errors.get(error.message) ?? 0) + 1));
  const acked: AckedWrite[] = [];
  const failures: { message: string; atMs: number }[] = [];
  let failed = 0;
  let running = true;
  const intervalMs = options.intervalMs ?? 5;
  const loop = (async () => {
    for (let seq = 0; running; seq++) {
      const key = `${options.prefix}:${seq}`;
      const sentAtMs = performance.now();
      try {
        await client.set(key, String(seq));
        acked.push({ key, sentAtMs, ackAtMs: performance.now() });
      } catch (error) {
        failed++;
        const message = error instanceof Error ? error.message : String(error);
        errors.set(message, (errors.get(message) ?? 0) + 1);
        failures.push({ message, atMs: performance.now() });
        // Only from a connection that is up: ioredis 6 ends a Sentinel-mode client for good when
        // disconnect() lands while it is still resolving the master ("Connection is closed.").
        if (options.reconnectOnTimeout === true && /timed out/i.test(message) && client.status === 'ready') {
          client.disconnect(true);
        }
        await sleep(50);
      }
      await sleep(intervalMs);
    }
  })();
  return {
    client,
    acked,
    ackedCount: () => acked.length,
    firstErrorAfter: (prefix, afterMs) =>
      failures.find((f) => f.atMs >= afterMs && f.message.startsWith(prefix))?.atMs,
    firstAckSentAfter: (afterMs) => acked.find((w) => w.sentAtMs >= afterMs),
    async stop() {
      running = false;
      await loop;
      client.disconnect();
      return {
        acked,
        failed,
        errorSamples: [...errors.entries()].slice(0, 5).map(([message, n]) => `${message} (x${n})`),
      };
    },
  };
}

/** The longest gap between two consecutive acknowledgements (0 with fewer than two), and when it ended. */
export function longestPause(acked: readonly AckedWrite[]): {
  readonly ms: number;
  readonly endedAtMs: number;
} {
  let longest = { ms: 0, endedAtMs: 0 };
  for (let i = 1; i < acked.length; i++) {
    const prev = acked[i - 1];
    const next = acked[i];
    if (prev === undefined || next === undefined) continue;
    const gap = next.ackAtMs - prev.ackAtMs;
    if (gap > longest.ms) longest = { ms: gap, endedAtMs: next.ackAtMs };
  }
  return longest;
}
