// The demo's merge of every voter's event log: each thing once, the leader's own events kept.
import { describe, expect, it } from 'vitest';
import { EventMerger } from '../../../infra/local/event-merge.js';
import type { EventName } from '../../../workers/protocol/index.js';

const event = (id: number, name: EventName, payload = 'master mymaster 127.0.0.1 7001', epoch = 1) => ({
  id,
  name,
  payload,
  epoch,
  reason: '',
  at: '2026-11-26T00:00:00.000Z',
});

describe('EventMerger', () => {
  it('shows what several voters report alike once, and what only the leader reports', () => {
    const m = new EventMerger();
    expect(m.accept(0, event(10, '+odown'), 0)).toBe(true);
    expect(m.accept(1, event(7, '+odown'), 20)).toBe(false);
    expect(m.accept(2, event(9, '+odown'), 25)).toBe(false);
    expect(m.accept(1, event(8, '+elected-leader'), 30)).toBe(true);
    expect(m.accept(1, event(9, '+selected-slave', 'slave 127.0.0.1:7002'), 40)).toBe(true);
  });

  it('drops a voter replaying ids it already sent (a reconnect with Last-Event-ID)', () => {
    const m = new EventMerger();
    expect(m.accept(0, event(5, '+sdown', 'slave 127.0.0.1:7003'), 0)).toBe(true);
    expect(m.accept(0, event(5, '+sdown', 'slave 127.0.0.1:7003'), 10)).toBe(false);
    expect(m.accept(0, event(4, '-sdown', 'slave 127.0.0.1:7003'), 10)).toBe(false);
  });

  it('shows a repeat from the same voter (a flap) and any repeat after the window', () => {
    const m = new EventMerger();
    expect(m.accept(0, event(1, '+sdown', 'slave 127.0.0.1:7003'), 0)).toBe(true);
    expect(m.accept(0, event(2, '-sdown', 'slave 127.0.0.1:7003'), 100)).toBe(true);
    expect(m.accept(0, event(3, '+sdown', 'slave 127.0.0.1:7003'), 200)).toBe(true);
    expect(m.accept(1, event(1, '+sdown', 'slave 127.0.0.1:7003'), 4000)).toBe(true);
  });

  it('keeps events of different epochs apart', () => {
    const m = new EventMerger();
    expect(m.accept(0, event(1, '+config', '127.0.0.1:7002 active 1', 1), 0)).toBe(true);
    expect(m.accept(1, event(1, '+config', '127.0.0.1:7002 active 1', 2), 10)).toBe(true);
  });
});
