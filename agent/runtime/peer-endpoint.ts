// The agent's failsafe endpoint: checks every datagram (size, rate, MAC, schema) and routes it to its group's channel.
import type { Clock } from './clock.js';
import type { Logger } from './logger.js';
import type { PeerAddress, PeerChannel } from './peer-channel.js';
import { decodePeerDatagram, encodePeerDatagram, type PeerDatagram } from './peer-protocol.js';

/** How datagrams leave and arrive: UDP in production, the simulator's network in test/sim. */
export interface DatagramTransport {
  send(to: PeerAddress, bytes: Buffer): void;
  close(): Promise<void>;
}

/**
 * More than this many datagrams a second is a flood, not failsafe traffic (a few per peer per
 * lease): the excess is dropped before its MAC is computed, so a flood costs little CPU.
 */
const MAX_DATAGRAMS_PER_SECOND = 2000;

export interface PeerEndpointCounters {
  received: number;
  rejected: number;
  dropped: number;
}

export class PeerEndpoint {
  private readonly channels = new Map<string, PeerChannel>();
  private transport: DatagramTransport | null = null;
  private windowStartMs = 0;
  private windowCount = 0;
  private lastRejectionLogMs = Number.NEGATIVE_INFINITY;
  readonly counters: PeerEndpointCounters = { received: 0, rejected: 0, dropped: 0 };

  constructor(
    private readonly secret: string,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  attach(transport: DatagramTransport): void {
    this.transport = transport;
  }

  /** The channel of `group` receives the datagrams addressed to `localNode`. */
  register(group: string, localNode: string, channel: PeerChannel): void {
    this.channels.set(routeKey(group, localNode), channel);
  }

  send(to: PeerAddress, message: PeerDatagram): void {
    let bytes: Buffer;
    try {
      bytes = encodePeerDatagram(this.secret, message);
    } catch (error) {
      // Node ids too long to fit one datagram: a configuration problem to report, not an
      // exception to throw into the group's runner (which would stop its input pump).
      this.logger.error({ err: String(error), to: message.to }, 'failsafe datagram not sent');
      return;
    }
    this.transport?.send(to, bytes);
  }

  receive(bytes: Buffer): void {
    const nowMs = this.clock.nowMs();
    if (nowMs - this.windowStartMs >= 1000) {
      this.windowStartMs = nowMs;
      this.windowCount = 0;
    }
    if (++this.windowCount > MAX_DATAGRAMS_PER_SECOND) {
      this.counters.dropped++;
      return;
    }
    this.counters.received++;
    const decoded = decodePeerDatagram(this.secret, bytes);
    if (!decoded.ok) {
      this.reject(decoded.error, nowMs);
      return;
    }
    const { message } = decoded;
    const channel = this.channels.get(routeKey(message.group, message.to));
    if (channel === undefined) {
      this.reject(`for ${message.to} in group ${message.group}, which this agent does not serve`, nowMs);
      return;
    }
    channel.receive(message);
  }

  close(): Promise<void> {
    for (const channel of this.channels.values()) channel.close();
    return this.transport?.close() ?? Promise.resolve();
  }

  /** Rejections are counted, and logged at most once every 10 s: a misconfigured secret shows, a flood does not fill the log. */
  private reject(error: string, nowMs: number): void {
    this.counters.rejected++;
    if (nowMs - this.lastRejectionLogMs < 10_000) return;
    this.lastRejectionLogMs = nowMs;
    this.logger.warn(
      { error, rejected: this.counters.rejected },
      'failsafe datagram rejected: check that every agent of the group has the same failsafe secret',
    );
  }
}

function routeKey(group: string, node: string): string {
  return `${group}\n${node}`;
}
