// The Sentinel surface's runtime pieces: `+set` from the settings a group shows, the bounded wait for a version, the log level by Redis's names.
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { monotonicClock } from '../../../agent/runtime/clock.js';
import { sentinelLogLevel, setSentinelLogLevel } from '../../../agent/runtime/logger.js';
import { SettingsEvents, type ShownSettings, waitUntil } from '../../../agent/runtime/sentinel-settings.js';
import { realTimers } from '../../../agent/runtime/timers.js';

const BASE: ShownSettings = {
  quorum: 2,
  downAfterMs: 1000,
  failoverTimeoutMs: 6000,
  parallelSyncs: 1,
  masterRebootDownAfterMs: 0,
};
const MASTER = '10.0.0.1:6379';

describe('SettingsEvents', () => {
  it('says nothing of the first settings a group shows, then one +set per changed setting', () => {
    const events = new SettingsEvents();
    expect(events.check([{ name: 'g', master: MASTER, settings: null }])).toEqual([]);
    expect(events.check([{ name: 'g', master: MASTER, settings: BASE }])).toEqual([]);
    expect(events.check([{ name: 'g', master: MASTER, settings: BASE }])).toEqual([]);
    const changed = { ...BASE, quorum: 1, failoverTimeoutMs: 9000 };
    expect(events.check([{ name: 'g', master: MASTER, settings: changed }])).toEqual([
      { name: '+set', payload: 'master g 10.0.0.1 6379 quorum 1' },
      { name: '+set', payload: 'master g 10.0.0.1 6379 failover-timeout 9000' },
    ]);
    expect(
      events.check([
        { name: 'g', master: MASTER, settings: { ...changed, downAfterMs: 2000, parallelSyncs: 3 } },
      ]),
    ).toEqual([
      { name: '+set', payload: 'master g 10.0.0.1 6379 down-after-milliseconds 2000' },
      { name: '+set', payload: 'master g 10.0.0.1 6379 parallel-syncs 3' },
    ]);
    expect(
      events.check([
        {
          name: 'g',
          master: MASTER,
          settings: { ...changed, downAfterMs: 2000, parallelSyncs: 3, masterRebootDownAfterMs: 5000 },
        },
      ]),
    ).toEqual([{ name: '+set', payload: 'master g 10.0.0.1 6379 master-reboot-down-after-period 5000' }]);
  });

  it('keeps each group apart, and a group with no master yet only updates its baseline', () => {
    const events = new SettingsEvents();
    events.check([
      { name: 'a', master: MASTER, settings: BASE },
      { name: 'b', master: null, settings: BASE },
    ]);
    expect(
      events.check([
        { name: 'a', master: MASTER, settings: BASE },
        { name: 'b', master: null, settings: { ...BASE, quorum: 3 } },
      ]),
    ).toEqual([]);
    expect(events.check([{ name: 'b', master: '[::1]:7000', settings: { ...BASE, quorum: 1 } }])).toEqual([
      { name: '+set', payload: 'master b ::1 7000 quorum 1' },
    ]);
  });
});

describe('waitUntil', () => {
  it('resolves true as soon as the condition holds, false after the bound', async () => {
    let reached = false;
    setTimeout(() => {
      reached = true;
    }, 50);
    const started = performance.now();
    expect(await waitUntil(() => reached, 2000, monotonicClock, realTimers)).toBe(true);
    expect(performance.now() - started).toBeLessThan(500);
    const bounded = performance.now();
    expect(await waitUntil(() => false, 100, monotonicClock, realTimers)).toBe(false);
    expect(performance.now() - bounded).toBeGreaterThanOrEqual(95);
  });
});

describe('the log level by Redis names', () => {
  it('maps each Redis level to one pino level and back; file-only error/fatal show as warning', () => {
    const logger = pino({ level: 'info' });
    expect(sentinelLogLevel(logger)).toBe('notice');
    for (const [redis, level] of [
      ['debug', 'trace'],
      ['verbose', 'debug'],
      ['notice', 'info'],
      ['warning', 'warn'],
      ['nothing', 'silent'],
    ] as const) {
      setSentinelLogLevel(logger, redis);
      expect(logger.level).toBe(level);
      expect(sentinelLogLevel(logger)).toBe(redis);
    }
    expect(sentinelLogLevel(pino({ level: 'error' }))).toBe('warning');
    expect(sentinelLogLevel(pino({ level: 'fatal' }))).toBe('warning');
  });

  it("changes the children made before, as the agent's components are", () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString('utf8'));
        done();
      },
    });
    const root = pino({ level: 'info' }, sink);
    const component = root.child({ component: 'sentinel' }).child({ group: 'g' });
    component.debug('hidden');
    setSentinelLogLevel(root, 'verbose');
    component.debug('shown');
    setSentinelLogLevel(root, 'nothing');
    component.error('hidden too');
    expect(lines.map((l) => (JSON.parse(l) as { msg: string }).msg)).toEqual(['shown']);
  });
});
