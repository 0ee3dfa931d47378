// How the published master is shown: host/port split (IPv6 too) and If-None-Match matching.
import { describe, expect, it } from 'vitest';
import { earliestSince } from '../../../workers/api/master-read.js';
import { etagMatches, etagOf, toMaster } from '../../../workers/api/master-view.js';
import { initialConfig } from '../../../workers/protocol/index.js';

describe('master view', () => {
  it('splits host and port, unbracketing IPv6', () => {
    expect(toMaster('g', initialConfig('[::1]:7001'), '2026-04-01T00:00:00.000Z')).toEqual({
      group: 'g',
      host: '::1',
      port: 7001,
      epoch: 0,
      since: '2026-04-01T00:00:00.000Z',
    });
    expect(etagOf({ ...initialConfig('h:1'), epoch: 12 })).toBe('"12"');
  });

  it('since is the earliest time reported with the config itself; older configs and unknowns do not count', () => {
    const old = initialConfig('h:1');
    const next = { ...old, epoch: 2, master: 'h:2', cause: 'failover' as const, leader: 0 };
    const seen = [
      { config: old, since: '2026-01-01T00:00:00.000Z' },
      { config: next, since: '2026-04-01T10:00:05.000Z' },
      { config: next, since: null },
      { config: next, since: '2026-04-01T10:00:01.000Z' },
      { config: next, since: 'not a time' },
    ];
    expect(earliestSince(next, seen)).toBe('2026-04-01T10:00:01.000Z');
    expect(earliestSince(next, [{ config: next, since: null }])).toBeNull();
    expect(earliestSince(next, [])).toBeNull();
  });

  it.each([
    [undefined, false],
    ['"3"', true],
    ['W/"3"', true],
    ['"1", "3"', true],
    ['*', true],
    ['"30"', false],
  ])('If-None-Match %j against "3" is %s', (header, matches) => {
    expect(etagMatches(header, '"3"')).toBe(matches);
  });
});
