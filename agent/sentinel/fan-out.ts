// Delivers published events to the subscribed clients in slices of the event loop, so that matching
// thousands of patterns never holds up the agent's probes, voter links, fencing or commands.
import { type EncodedEvent, encodeEvent } from './delivery.js';
import type { SentinelEvent } from './source.js';

/** What the fan-out needs of a client. */
export interface Subscriber {
  readonly isClosed: boolean;
  deliver(event: EncodedEvent): void;
}

export interface FanOutOptions {
  /** The clients an event goes to: those connected when it is published. */
  readonly subscribers: () => Iterable<Subscriber>;
  /** Work per slice before yielding to the event loop; 4 ms by default. */
  readonly sliceMs?: number;
  readonly nowMs?: () => number;
  /** Schedules the next slice; `setImmediate` (after pending I/O and timers) by default. */
  readonly schedule?: (next: () => void) => void;
}

interface Pending {
  readonly event: EncodedEvent;
  readonly subscribers: readonly Subscriber[];
  next: number;
}

/**
 * Events are delivered in the order published, each client's frames in that order too; a
 * slice stops at its time budget between two clients and the rest continues after the event
 * loop has run the agent's own timers and sockets.
 */
export class FanOut {
  private readonly queue: Pending[] = [];
  private scheduled = false;
  private readonly sliceMs: number;
  private readonly nowMs: () => number;
  private readonly schedule: (next: () => void) => void;

  constructor(private readonly options: FanOutOptions) {
    this.sliceMs = options.sliceMs ?? 4;
    this.nowMs = options.nowMs ?? (() => performance.now());
    this.schedule = options.schedule ?? ((next) => setImmediate(next));
  }

  publish(event: SentinelEvent): void {
    this.queue.push({ event: encodeEvent(event), subscribers: [...this.options.subscribers()], next: 0 });
    if (!this.scheduled) this.slice();
  }

  /** Events not yet delivered to every client (for tests and INFO). */
  get backlog(): number {
    return this.queue.length;
  }

  private slice(): void {
    this.scheduled = false;
    const deadline = this.nowMs() + this.sliceMs;
    for (;;) {
      const pending = this.queue[0];
      if (pending === undefined) return;
      while (pending.next < pending.subscribers.length) {
        const subscriber = pending.subscribers[pending.next++] as Subscriber;
        if (!subscriber.isClosed) subscriber.deliver(pending.event);
        if (this.nowMs() >= deadline) {
          this.scheduled = true;
          this.schedule(() => this.slice());
          return;
        }
      }
      this.queue.shift();
    }
  }

  /** Drops what is not delivered yet (the server is closing). */
  clear(): void {
    this.queue.length = 0;
  }
}
