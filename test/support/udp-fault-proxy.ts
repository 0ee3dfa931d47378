// A UDP relay for one direction of a link that tests can blackhole, delay, thin out and restore.
import { createSocket, type Socket } from 'node:dgram';

/**
 * - `pass`: every datagram is forwarded to the target (after `delay`, if set; each is dropped with
 *   probability `dropRatio`).
 * - `blackhole`: every datagram is dropped, including those already delayed (a partition).
 *
 * One direction only: the failsafe answers to the sender's configured peer address, not to a
 * datagram's source, so a link between two agents is a pair of proxies, one each way, and each
 * agent names the other's proxy as its peer.
 */
export type UdpLinkMode = 'pass' | 'blackhole';

export interface UdpFaultProxy {
  /** The port senders address instead of the target's. */
  readonly port: number;
  readonly address: string;
  mode(): UdpLinkMode;
  blackhole(): void;
  restore(): void;
  /** One-way delay added to every datagram (0 = none); order is kept. */
  delay(ms: number): void;
  /** Each datagram is dropped with probability `p` (0 = none, 1 = all). */
  dropRatio(p: number): void;
  /** Datagrams sent on to the target so far. */
  forwarded(): number;
  /** Datagrams dropped so far (blackhole, drop ratio, or too many in flight). */
  dropped(): number;
  /** Delayed datagrams waiting to be forwarded right now. */
  inFlight(): number;
  close(): Promise<void>;
}

export interface UdpFaultProxyOptions {
  /** Uniform in [0, 1): decides the drops under `dropRatio`; inject a seeded one to replay a run. */
  readonly random?: () => number;
}

/** Delayed datagrams waiting at once; beyond it they are dropped, as a full router queue would. */
const MAX_IN_FLIGHT = 1024;

export async function startUdpFaultProxy(
  target: { host: string; port: number },
  listenPort = 0,
  options: UdpFaultProxyOptions = {},
): Promise<UdpFaultProxy> {
  const random = options.random ?? Math.random;
  let mode: UdpLinkMode = 'pass';
  let delayMs = 0;
  let dropProbability = 0;
  let forwarded = 0;
  let dropped = 0;
  let closed = false;
  // Delayed datagrams in arrival order, each with the time it is due; one timer serves the head.
  // A single queue keeps the order even when the delay is shortened in between (separate timers
  // of different lengths may fire out of order).
  const queue: { readonly bytes: Buffer; readonly dueMs: number }[] = [];
  let timer: NodeJS.Timeout | null = null;

  const socket: Socket = createSocket('udp4');
  const forward = (bytes: Buffer) => {
    if (closed || mode === 'blackhole') {
      dropped++;
      return;
    }
    forwarded++;
    // A send error (the target is gone) is a lost datagram, which UDP allows.
    socket.send(bytes, target.port, target.host, () => {});
  };

  const release = () => {
    timer = null;
    const nowMs = performance.now();
    for (let head = queue[0]; head !== undefined && head.dueMs <= nowMs; head = queue[0]) {
      queue.shift();
      forward(head.bytes);
    }
    schedule();
  };

  const schedule = () => {
    const head = queue[0];
    if (timer !== null || head === undefined || closed) return;
    // Timers may fire a little early against performance.now(): release() then re-arms.
    timer = setTimeout(release, Math.max(0, Math.ceil(head.dueMs - performance.now())));
  };

  socket.on('message', (bytes) => {
    if (mode === 'blackhole' || random() < dropProbability) {
      dropped++;
      return;
    }
    if (delayMs === 0 && queue.length === 0) {
      forward(bytes);
      return;
    }
    if (queue.length >= MAX_IN_FLIGHT) {
      dropped++;
      return;
    }
    queue.push({ bytes, dueMs: performance.now() + delayMs });
    schedule();
  });
  // Errors on a relay socket (an ICMP unreachable reported back) are lost datagrams, not failures.
  socket.on('error', () => {});

  await new Promise<void>((resolve, reject) => {
    const failed = (error: Error) => {
      socket.close();
      reject(error);
    };
    socket.once('error', failed);
    socket.bind(listenPort, '127.0.0.1', () => {
      socket.off('error', failed);
      resolve();
    });
  });
  const { port } = socket.address();

  return {
    port,
    address: `127.0.0.1:${port}`,
    mode: () => mode,
    blackhole() {
      mode = 'blackhole';
    },
    restore() {
      mode = 'pass';
    },
    delay(ms: number) {
      delayMs = Math.max(0, ms);
    },
    dropRatio(p: number) {
      dropProbability = Math.min(1, Math.max(0, p));
    },
    forwarded: () => forwarded,
    dropped: () => dropped,
    inFlight: () => queue.length,
    async close() {
      if (closed) return;
      closed = true;
      if (timer !== null) clearTimeout(timer);
      dropped += queue.splice(0).length;
      await new Promise<void>((resolve) => socket.close(() => resolve()));
    },
  };
}
