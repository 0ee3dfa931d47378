// The event fan-out: every client gets every event in publish order, in slices bounded in time.
import { describe, expect, it } from 'vitest';
import type { EncodedEvent } from '../../../agent/sentinel/delivery.js';
import { FanOut, type Subscriber } from '../../../agent/sentinel/fan-out.js';

/** A clock the subscribers advance: each delivery costs `costMs`. */
function world(clients: number, costMs: number) {
  let now = 0;
  const received: string[][] = Array.from({ length: clients }, () => []);
  const subscribers: Subscriber[] = received.map((log) => ({
    isClosed: false,
    deliver(event: EncodedEvent) {
      now += costMs;
      log.push(event.event.name);
    },
  }));
  const scheduled: (() => void)[] = [];
  const fanOut = new FanOut({
    subscribers: () => subscribers,
    sliceMs: 4,
    nowMs: () => now,
    schedule: (next) => scheduled.push(next),
  });
  const runScheduled = () => {
    let slices = 0;
    for (let next = scheduled.shift(); next !== undefined; next = scheduled.shift()) {
      next();
      slices++;
    }
    return slices;
  };
  return { fanOut, received, runScheduled, subscribers };
}

describe('FanOut', () => {
  it('delivers at once when the work fits in one slice', () => {
    const { fanOut, received, runScheduled } = world(3, 1);
    fanOut.publish({ name: '+sdown', payload: 'x' });
    expect(received).toEqual([['+sdown'], ['+sdown'], ['+sdown']]);
    expect(runScheduled()).toBe(0);
    expect(fanOut.backlog).toBe(0);
  });

  it('yields after the slice budget and finishes later, each client getting events in publish order', () => {
    const { fanOut, received, runScheduled } = world(10, 1);
    fanOut.publish({ name: 'first', payload: '' });
    fanOut.publish({ name: 'second', payload: '' });
    // 4 ms budget at 1 ms per client: four clients now, the rest in later slices.
    expect(received.filter((r) => r.length > 0)).toHaveLength(4);
    expect(fanOut.backlog).toBe(2);
    expect(runScheduled()).toBe(5);
    for (const log of received) expect(log).toEqual(['first', 'second']);
    expect(fanOut.backlog).toBe(0);
  });

  it('skips clients closed meanwhile, and clear() drops the backlog', () => {
    const { fanOut, received, runScheduled, subscribers } = world(8, 2);
    fanOut.publish({ name: 'e', payload: '' });
    (subscribers[7] as { isClosed: boolean }).isClosed = true;
    runScheduled();
    expect(received[7]).toEqual([]);
    fanOut.publish({ name: 'f', payload: '' });
    fanOut.clear();
    runScheduled();
    expect(received[6]).toEqual(['e']);
  });
});
