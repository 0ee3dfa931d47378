// SENTINEL SET's option/value pairs mapped to a runtime settings patch, refused with Redis Sentinel 7.2's texts.
import { describe, expect, it } from 'vitest';
import { patchFromSentinelSet, redisInteger } from '../../../workers/config/sentinel-set.js';

describe('patchFromSentinelSet', () => {
  it.each([
    [['quorum', '3'], { quorum: 3 }],
    [['down-after-milliseconds', '2000', 'QUORUM', '2'], { downAfterMs: 2000, quorum: 2 }],
    [['failover-timeout', '9000', 'parallel-syncs', '2'], { failoverTimeoutMs: 9000, parallelSyncs: 2 }],
    // Sentinel applies pairs in order, so the last of two wins.
    [['quorum', '1', 'quorum', '2'], { quorum: 2 }],
    [['master-reboot-down-after-period', '5000'], { masterRebootDownAfterMs: 5000 }],
    // 0 turns it off, as in Sentinel (the other options refuse 0).
    [['MASTER-REBOOT-DOWN-AFTER-PERIOD', '0'], { masterRebootDownAfterMs: 0 }],
    [
      ['quorum', '2', 'master-reboot-down-after-period', '3600000'],
      { quorum: 2, masterRebootDownAfterMs: 3_600_000 },
    ],
  ])('%j -> %j', (args, patch) => {
    expect(patchFromSentinelSet(args)).toEqual({ ok: true, patch, nodeAccess: [] });
  });

  // The agent's own: nothing for the voters, each change in order for the agent asked.
  it.each([
    [['auth-pass', 'secret'], [{ kind: 'auth-pass', value: 'secret' }]],
    // "" removes the password or the user, as in Sentinel.
    [['AUTH-PASS', ''], [{ kind: 'auth-pass', value: '' }]],
    [
      ['auth-user', 'agent', 'auth-pass', 'pw'],
      [
        { kind: 'auth-user', value: 'agent' },
        { kind: 'auth-pass', value: 'pw' },
      ],
    ],
    [['rename-command', 'PING', 'PONG'], [{ kind: 'rename-command', command: 'PING', renamed: 'PONG' }]],
    // Renaming to the same name is kept as sent: the agent removes the renaming then.
    [['rename-command', 'ping', 'PING'], [{ kind: 'rename-command', command: 'ping', renamed: 'PING' }]],
  ])("%j -> the agent's node-access changes", (args, nodeAccess) => {
    expect(patchFromSentinelSet(args)).toEqual({ ok: true, patch: {}, nodeAccess });
  });

  it('takes settings and node-access changes in one command', () => {
    expect(patchFromSentinelSet(['quorum', '2', 'auth-pass', 'pw'])).toEqual({
      ok: true,
      patch: { quorum: 2 },
      nodeAccess: [{ kind: 'auth-pass', value: 'pw' }],
    });
  });

  // Redis's tests/sentinel/tests/03-runtime-reconf.tcl and sentinelSetCommand's texts, byte for byte.
  it.each([
    [[], "ERR wrong number of arguments for 'sentinel|set' command"],
    [
      ['down-after-milliseconds', '-20'],
      "ERR Invalid argument '-20' for SENTINEL SET 'down-after-milliseconds'",
    ],
    [
      ['down-after-milliseconds', 'abc'],
      "ERR Invalid argument 'abc' for SENTINEL SET 'down-after-milliseconds'",
    ],
    [['quorum', '0'], "ERR Invalid argument '0' for SENTINEL SET 'quorum'"],
    [['Quorum', '01'], "ERR Invalid argument '01' for SENTINEL SET 'Quorum'"],
    [['parallel-syncs', '+1'], "ERR Invalid argument '+1' for SENTINEL SET 'parallel-syncs'"],
    [['failover-timeout', ' 5'], "ERR Invalid argument ' 5' for SENTINEL SET 'failover-timeout'"],
    [
      ['master-reboot-down-after-period', '-1'],
      "ERR Invalid argument '-1' for SENTINEL SET 'master-reboot-down-after-period'",
    ],
    [
      ['master-reboot-down-after-period', '5s'],
      "ERR Invalid argument '5s' for SENTINEL SET 'master-reboot-down-after-period'",
    ],
    [
      ['master-reboot-down-after-period', '-0'],
      "ERR Invalid argument '-0' for SENTINEL SET 'master-reboot-down-after-period'",
    ],
    [
      ['quorum', '2', 'master-reboot-down-after-period'],
      "ERR Unknown option or number of arguments for SENTINEL SET 'master-reboot-down-after-period'",
    ],
    [
      ['quorum', '99999999999999999999'],
      "ERR Invalid argument '99999999999999999999' for SENTINEL SET 'quorum'",
    ],
    [['fakeoption', 'fakevalue'], "ERR Unknown option or number of arguments for SENTINEL SET 'fakeoption'"],
    // An option without its value is "unknown or number of arguments", as in Sentinel.
    [
      ['quorum', '2', 'parallel-syncs'],
      "ERR Unknown option or number of arguments for SENTINEL SET 'parallel-syncs'",
    ],
    [
      ['rename-command', 'CONFIG'],
      "ERR Unknown option or number of arguments for SENTINEL SET 'rename-command'",
    ],
    [['auth-pass'], "ERR Unknown option or number of arguments for SENTINEL SET 'auth-pass'"],
    // An empty name on either side (Sentinel's badfmt).
    [['rename-command', 'PING', ''], "ERR Invalid argument '' for SENTINEL SET 'rename-command'"],
    [['rename-command', '', 'PONG'], "ERR Invalid argument '' for SENTINEL SET 'rename-command'"],
    // The first refusal in order is answered, and nothing before it is kept.
    [
      ['quorum', '2', 'fake', 'x', 'quorum', 'y'],
      "ERR Unknown option or number of arguments for SENTINEL SET 'fake'",
    ],
  ])("refuses %j with Sentinel's text", (args, text) => {
    expect(patchFromSentinelSet(args)).toEqual({ ok: false, error: text });
  });

  it.each([
    [
      ['down-after-milliseconds', '10'],
      "ERR Invalid argument '10' for SENTINEL SET 'down-after-milliseconds': edge-sentinel accepts 100 to 600000",
    ],
    [['quorum', '65'], "ERR Invalid argument '65' for SENTINEL SET 'quorum': edge-sentinel accepts 1 to 64"],
    [
      ['failover-timeout', '999'],
      "ERR Invalid argument '999' for SENTINEL SET 'failover-timeout': edge-sentinel accepts 1000 to 3600000",
    ],
    [
      ['master-reboot-down-after-period', '3600001'],
      "ERR Invalid argument '3600001' for SENTINEL SET 'master-reboot-down-after-period': edge-sentinel accepts 0 to 3600000",
    ],
  ])("refuses %j outside edge-sentinel's bounds, naming them", (args, text) => {
    expect(patchFromSentinelSet(args)).toEqual({ ok: false, error: text });
  });

  it.each([
    ['notification-script', ['/x.sh'], /runs no scripts: .*webhooks/],
    ['client-reconfig-script', ['/x.sh'], /runs no scripts: .*\+switch-master/],
  ])('refuses %s, naming where edge-sentinel sets it', (option, values, where) => {
    const result = patchFromSentinelSet([option, ...values]);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error).toMatch(
        new RegExp(`^ERR SENTINEL SET '${option}' cannot be changed on the Sentinel port of edge-sentinel: `),
      );
      expect(result.error).toMatch(where);
    }
  });
});

describe('redisInteger (string2ll)', () => {
  it.each([
    ['0', 0],
    ['7', 7],
    ['-20', -20],
    ['9223372036854775807', Number(9223372036854775807n)],
    ['', null],
    ['-0', null],
    ['007', null],
    ['+5', null],
    ['5 ', null],
    ['1e3', null],
    ['9223372036854775808', null],
  ])('%j -> %j', (text, value) => {
    expect(redisInteger(text)).toBe(value);
  });
});
