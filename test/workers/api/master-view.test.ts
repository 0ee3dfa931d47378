// How the published master is shown: host/port split (IPv6 too) and If-None-Match matching.
import { describe, expect, it } from 'vitest';
import { etagMatches, etagOf, toMaster } from '../../../workers/api/master-view.js';
import { initialConfig } from '../../../workers/protocol/index.js';

describe('master view', () => {
  it('splits host and port, unbracketing IPv6', () => {
    expect(toMaster('g', initialConfig('[::1]:7001'))).toEqual({
      group: 'g',
      host: '::1',
      port: 7001,
      epoch: 0,
      since: null,
    });
    expect(etagOf({ ...initialConfig('h:1'), epoch: 12 })).toBe('"12"');
  });

  it('since is the publication time the leader put in the config', () => {
    const next = {
      ...initialConfig('h:1'),
      epoch: 2,
      master: 'h:2',
      publishedAtMs: Date.UTC(2026, 3, 1, 10),
    };
    expect(toMaster('g', next).since).toBe('2026-04-01T10:00:00.000Z');
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
