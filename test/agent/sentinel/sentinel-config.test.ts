// SENTINEL CONFIG GET/SET: Sentinel 7.2's checks, texts and order (15-config-set-config-get.tcl), what an agent accepts, the SET gate.
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { configGet, planConfigSet } from '../../../agent/sentinel/commands/sentinel-config.js';
import { type SentinelServer, startSentinelServer } from '../../../agent/sentinel/server.js';
import type { SentinelConfigValues } from '../../../agent/sentinel/source.js';
import { FakeSource, group, MY_ID, sentinelNode, view } from './support/fake-source.js';
import { RawClient } from './support/raw-client.js';
import { err, flat, map3, status } from './support/resp.js';

const VALUES: SentinelConfigValues = {
  loglevel: 'notice',
  sentinelUser: '',
  sentinelPass: 'peer-pw',
  resolveHostnames: true,
  announceHostnames: true,
  announceIp: '10.0.0.9',
  announcePort: 26379,
};

describe('configGet (sentinelConfigGetCommand)', () => {
  it.each([
    // 15: "handles multiple variables", "duplicate and unknown variables", "for patterns".
    [
      ['resolve-hostnames', 'announce-port'],
      [
        ['resolve-hostnames', 'yes'],
        ['announce-port', '26379'],
      ],
    ],
    [['resolve-hostnames', 'resolve-hostnames', 'does-not-exist'], [['resolve-hostnames', 'yes']]],
    [['log*', '*level', 'loglevel'], [['loglevel', 'notice']]],
    [
      ['announce*'],
      [
        ['announce-hostnames', 'yes'],
        ['announce-ip', '10.0.0.9'],
        ['announce-port', '26379'],
      ],
    ],
    // Each pattern answers in Sentinel's order; a later pattern adds only what is new.
    [
      ['loglevel', 'sentinel-*', 'LOG?EVEL'],
      [
        ['loglevel', 'notice'],
        ['sentinel-user', ''],
        ['sentinel-pass', 'peer-pw'],
      ],
    ],
    [['nope'], []],
  ])('%j', (patterns, fields) => {
    expect(configGet(patterns, VALUES)).toEqual(fields);
  });

  it('* answers all seven in Sentinel order', () => {
    expect(configGet(['*'], VALUES).map(([name]) => name)).toEqual([
      'resolve-hostnames',
      'announce-hostnames',
      'announce-ip',
      'announce-port',
      'sentinel-user',
      'sentinel-pass',
      'loglevel',
    ]);
  });
});

describe('planConfigSet (sentinelConfigSetCommand)', () => {
  it.each([
    [['loglevel', 'WARNING'], { loglevel: 'warning' }],
    [['sentinel-user', 'peer', 'sentinel-pass', 'pw'], { sentinelUser: 'peer', sentinelPass: 'pw' }],
    [['sentinel-pass', ''], { sentinelPass: '' }],
    // What the agent already does is accepted and changes nothing.
    [
      [
        'resolve-hostnames',
        'YES',
        'announce-hostnames',
        'yes',
        'announce-port',
        '26379',
        'announce-ip',
        '10.0.0.9',
      ],
      {},
    ],
  ])('%j -> %j', (args, change) => {
    expect(planConfigSet(args, VALUES)).toEqual({ ok: true, change });
  });

  it.each([
    [
      ['does-not-exist', 'yes', 'announce-port', '1234'],
      "ERR Invalid argument 'does-not-exist' to SENTINEL CONFIG SET",
    ],
    [
      ['resolve-hostnames', 'yes', 'announce-port', '1234', 'announce-port', '100'],
      "ERR Duplicate argument 'announce-port' to SENTINEL CONFIG SET",
    ],
    [['loglevel', 'notice', 'LOGLEVEL', 'debug'], "ERR Duplicate argument 'LOGLEVEL' to SENTINEL CONFIG SET"],
    [
      ['resolve-hostnames', 'yes', 'announce-port', '1234', 'announce-ip'],
      "ERR Missing argument 'announce-ip' value",
    ],
    [
      ['announce-port', '-1234', 'resolve-hostnames', 'yes'],
      "ERR Invalid value '-1234' to SENTINEL CONFIG SET 'announce-port'",
    ],
    [['announce-port', '65536'], "ERR Invalid value '65536' to SENTINEL CONFIG SET 'announce-port'"],
    [['Loglevel', 'loud'], "ERR Invalid value 'loud' to SENTINEL CONFIG SET 'Loglevel'"],
    [
      ['announce-hostnames', 'maybe'],
      "ERR Invalid value 'maybe' to SENTINEL CONFIG SET 'announce-hostnames'",
    ],
    // Sentinel's own checks of every pair come before what this agent cannot do.
    [
      ['resolve-hostnames', 'no', 'announce-port', 'x'],
      "ERR Invalid value 'x' to SENTINEL CONFIG SET 'announce-port'",
    ],
  ])('%j -> %s (nothing applied)', (args, error) => {
    expect(planConfigSet(args, VALUES)).toEqual({ ok: false, error });
  });

  it.each([
    [
      ['loglevel', 'debug', 'resolve-hostnames', 'no'],
      /^ERR resolve-hostnames is always yes on edge-sentinel: /,
    ],
    [
      ['announce-hostnames', 'no'],
      /^ERR announce-hostnames is always yes on edge-sentinel: .*name the nodes by IP/,
    ],
    [
      ['announce-ip', '1.2.3.4'],
      /^ERR announce-ip cannot change at runtime on edge-sentinel: .*sentinel\.announce/,
    ],
    [['announce-port', '1234'], /^ERR announce-port cannot change at runtime on edge-sentinel: /],
  ])('%j is refused with why, and nothing else applied', (args, error) => {
    const plan = planConfigSet(args, VALUES);
    expect(plan.ok).toBe(false);
    if (!plan.ok) expect(plan.error).toMatch(error);
  });
});

const servers: SentinelServer[] = [];
const clients: (Redis | RawClient)[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c instanceof Redis ? c.disconnect() : c.close();
  for (const s of servers.splice(0)) await s.close();
});

async function serve(options: { adminWithoutPassword?: boolean } = {}) {
  const source = new FakeSource({
    myId: MY_ID,
    groups: [group(sentinelNode(view('10.0.0.1:6379', { role: 'master' })), [])],
  });
  source.configValues = VALUES;
  const server = await startSentinelServer({ host: '127.0.0.1', port: 0, source, ...options });
  servers.push(server);
  return { source, server };
}

async function raw(port: number, protocol: 2 | 3): Promise<RawClient> {
  const client = await RawClient.connect(port, protocol);
  clients.push(client);
  return client;
}

describe('SENTINEL CONFIG on the Sentinel port', () => {
  it.each([2, 3] as const)(
    'GET answers a map in RESP%i (a flat array in RESP2), byte for byte',
    async (protocol) => {
      const { server } = await serve();
      const client = await raw(server.port, protocol);
      const fields = [
        ['loglevel', 'notice'],
        ['announce-port', '26379'],
      ] as const;
      const expected = protocol === 3 ? map3(fields) : flat(fields);
      expect(
        await client.call(['SENTINEL', 'CONFIG', 'GET', 'loglevel', 'announce-port', 'nope'], expected),
      ).toBe(expected);
      const none = protocol === 3 ? '%0\r\n' : '*0\r\n';
      expect(await client.call(['SENTINEL', 'config', 'get', 'nope'], none)).toBe(none);
    },
  );

  it.each([
    [['SENTINEL', 'CONFIG'], err("ERR wrong number of arguments for 'sentinel|config' command")],
    [['SENTINEL', 'CONFIG', 'GET'], err("ERR wrong number of arguments for 'sentinel|config' command")],
    [
      ['SENTINEL', 'CONFIG', 'SET', 'loglevel'],
      err(
        'ERR Only SENTINEL CONFIG GET <param> [<param> <param> ...] / SET <param> <value> [<param> <value> ...] are supported.',
      ),
    ],
    [
      ['SENTINEL', 'CONFIG', 'REWRITE', 'x'],
      err(
        'ERR Only SENTINEL CONFIG GET <param> [<param> <param> ...] / SET <param> <value> [<param> <value> ...] are supported.',
      ),
    ],
    [
      ['SENTINEL', 'CONFIG', 'SET', 'announce-port', '1234', 'announce-ip'],
      err("ERR Missing argument 'announce-ip' value"),
    ],
  ])('%j', async (args, expected) => {
    const { server, source } = await serve({ adminWithoutPassword: true });
    const client = await raw(server.port, 2);
    expect(await client.call(args, expected)).toBe(expected);
    expect(source.configCalls).toEqual([]);
  });

  it('SET applies every change at once, then GET shows it', async () => {
    const { server, source } = await serve({ adminWithoutPassword: true });
    const client = await raw(server.port, 2);
    const args = [
      'SENTINEL',
      'CONFIG',
      'SET',
      'loglevel',
      'warning',
      'sentinel-user',
      'peer',
      'sentinel-pass',
      'x',
    ];
    expect(await client.call(args, status('OK'))).toBe(status('OK'));
    expect(source.configCalls).toEqual([{ loglevel: 'warning', sentinelUser: 'peer', sentinelPass: 'x' }]);
    const expected = flat([
      ['sentinel-user', 'peer'],
      ['sentinel-pass', 'x'],
      ['loglevel', 'warning'],
    ]);
    expect(await client.call(['SENTINEL', 'CONFIG', 'GET', 'sentinel-*', 'loglevel'], expected)).toBe(
      expected,
    );
  });

  it('SET is an operator action (NOPERM without a password), GET is not', async () => {
    const { server, source } = await serve();
    const client = new Redis({ host: '127.0.0.1', port: server.port, protocol: 2, maxRetriesPerRequest: 0 });
    clients.push(client);
    await expect(client.call('SENTINEL', 'CONFIG', 'SET', 'loglevel', 'debug')).rejects.toThrow(
      /^NOPERM SENTINEL CONFIG SET changes this agent and user 'default' has no password/,
    );
    expect(source.configCalls).toEqual([]);
    expect(await client.call('SENTINEL', 'CONFIG', 'GET', 'loglevel')).toEqual(['loglevel', 'notice']);
  });
});
