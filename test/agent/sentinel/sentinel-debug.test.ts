// SENTINEL DEBUG, PENDING-SCRIPTS, SIMULATE-FAILURE, MONITOR, REMOVE, FLUSHCONFIG and HELP: Sentinel's texts where it has them, a clear answer otherwise.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planDebugSet } from '../../../agent/sentinel/commands/sentinel-debug.js';
import {
  FLUSHCONFIG_REFUSAL,
  MONITOR_REFUSAL,
  REMOVE_REFUSAL,
} from '../../../agent/sentinel/commands/sentinel-monitor.js';
import { type SentinelServer, startSentinelServer } from '../../../agent/sentinel/server.js';
import { FakeSource, group, MY_ID, sentinelNode, view } from './support/fake-source.js';
import { RawClient } from './support/raw-client.js';
import { arr, bulk, err, flat, map3 } from './support/resp.js';

let server: SentinelServer;

beforeAll(async () => {
  const source = new FakeSource({
    myId: MY_ID,
    groups: [group(sentinelNode(view('10.0.0.1:6379', { role: 'master' })), [])],
  });
  server = await startSentinelServer({ host: '127.0.0.1', port: 0, source });
});

afterAll(async () => {
  await server.close();
});

async function reply(args: string[], expected: string, protocol: 2 | 3 = 2): Promise<string> {
  const client = await RawClient.connect(server.port, protocol);
  try {
    return await client.call(args, expected);
  } finally {
    client.close();
  }
}

describe('planDebugSet (sentinelSetDebugConfigParameters)', () => {
  it.each([
    [['info-period'], "ERR Unknown option or number of arguments for SENTINEL DEBUG 'info-period'"],
    [['bogus', '1'], "ERR Unknown option or number of arguments for SENTINEL DEBUG 'bogus'"],
    [['ping-timeout', '1'], "ERR Unknown option or number of arguments for SENTINEL DEBUG 'ping-timeout'"],
    [['INFO-PERIOD', '-5'], "ERR Invalid argument '-5' for SENTINEL DEBUG 'INFO-PERIOD'"],
    [['info-period', '0'], "ERR Invalid argument '0' for SENTINEL DEBUG 'info-period'"],
    [['info-period', '1.5'], "ERR Invalid argument '1.5' for SENTINEL DEBUG 'info-period'"],
    // Sentinel's checks run over every pair first: a later malformed pair wins over an earlier refusal.
    [['tilt-period', '5', 'ping-period', 'x'], "ERR Invalid argument 'x' for SENTINEL DEBUG 'ping-period'"],
    [['ping-period', '100', 'tilt-period', 'x'], "ERR Invalid argument 'x' for SENTINEL DEBUG 'tilt-period'"],
    [
      ['ping-period', '100', 'info-period'],
      "ERR Unknown option or number of arguments for SENTINEL DEBUG 'info-period'",
    ],
  ])("%j -> Sentinel's text", (args, text) => {
    expect(planDebugSet(args)).toEqual({ ok: false, error: text });
  });

  it.each([
    [['tilt-trigger', '1'], 'tilt-trigger', 'agents have no TILT mode'],
    [
      ['default-down-after', '5000'],
      'default-down-after',
      "there is no SENTINEL MONITOR to apply a default to: a group's down-after is the voters' (SENTINEL SET down-after-milliseconds)",
    ],
    [
      ['publish-period', '500'],
      'publish-period',
      'the hello to the other agents runs every 2000 ms, a constant',
    ],
    [
      ['ASK-PERIOD', '1000'],
      'ask-period',
      'agents do not ask each other whether a master is down: the voters count their reports',
    ],
    [['election-timeout', '1000'], 'election-timeout', 'agents hold no elections: the voters elect'],
    [['info-period', '200', 'script-max-runtime', '1'], 'script-max-runtime', 'agents run no scripts'],
  ])('%j (valid for Sentinel) is refused with why, and nothing applies', (args, parameter, why) => {
    expect(planDebugSet(args)).toEqual({
      ok: false,
      error: `ERR SENTINEL DEBUG cannot change ${parameter} on edge-sentinel: ${why}`,
    });
  });

  it.each([
    [
      ['ping-period', '5'],
      "ERR Invalid argument '5' for SENTINEL DEBUG 'ping-period': edge-sentinel accepts 10 to 10000",
    ],
    [
      ['ping-period', '10001'],
      "ERR Invalid argument '10001' for SENTINEL DEBUG 'ping-period': edge-sentinel accepts 10 to 10000",
    ],
    [
      ['INFO-period', '49'],
      "ERR Invalid argument '49' for SENTINEL DEBUG 'INFO-period': edge-sentinel accepts 50 to 60000",
    ],
    [
      ['info-period', '200', 'info-period', '60001'],
      "ERR Invalid argument '60001' for SENTINEL DEBUG 'info-period': edge-sentinel accepts 50 to 60000",
    ],
  ])("%j: outside the agent file's bounds", (args, text) => {
    expect(planDebugSet(args)).toEqual({ ok: false, error: text });
  });

  it.each([
    [['info-period', '8888'], { infoPeriodMs: 8888 }],
    [['PING-PERIOD', '200'], { pingPeriodMs: 200 }],
    [['ping-period', '10', 'info-period', '60000'], { pingPeriodMs: 10, infoPeriodMs: 60000 }],
    [['info-period', '300', 'INFO-PERIOD', '400'], { infoPeriodMs: 400 }],
  ])('%j applies %j', (args, change) => {
    expect(planDebugSet(args)).toEqual({ ok: true, change });
  });
});

describe('SENTINEL DEBUG <param> <value> through the server', () => {
  it('14-debug-command: info-period 8888 shows in the listing, and the old value back again', async () => {
    const source = new FakeSource({
      myId: MY_ID,
      groups: [group(sentinelNode(view('10.0.0.1:6379', { role: 'master' })), [])],
    });
    const open = await startSentinelServer({
      host: '127.0.0.1',
      port: 0,
      source,
      adminWithoutPassword: true,
    });
    try {
      const client = await RawClient.connect(open.port, 2);
      const infoPeriod = async () => {
        client.send(['SENTINEL', 'DEBUG']);
        const listed = await client.readQuiet();
        return /^\*\d+\r\n\$11\r\nINFO-PERIOD\r\n\$\d+\r\n(\d+)\r\n/.exec(listed)?.[1];
      };
      const current = await infoPeriod();
      expect(current).toBe('1000');
      expect(await client.call(['SENTINEL', 'DEBUG', 'info-period', '8888'], '+OK\r\n')).toBe('+OK\r\n');
      expect(await infoPeriod()).toBe('8888');
      expect(await client.call(['SENTINEL', 'DEBUG', 'info-period', String(current)], '+OK\r\n')).toBe(
        '+OK\r\n',
      );
      expect(await infoPeriod()).toBe(current);
      client.send(['SENTINEL', 'DEBUG', 'ping-period', '50', 'tilt-period', '1']);
      const refused = await client.readQuiet();
      expect(refused).toBe(
        '-ERR SENTINEL DEBUG cannot change tilt-period on edge-sentinel: agents have no TILT mode\r\n',
      );
      expect(source.timingChanges).toEqual([{ infoPeriodMs: 8888 }, { infoPeriodMs: 1000 }]);
      client.close();
    } finally {
      await open.close();
    }
  });

  it('is an operator action: refused to a user without a password, as SENTINEL SET', async () => {
    const expected =
      "-NOPERM SENTINEL DEBUG changes this agent's timing and user 'default' has no password: set sentinel.password or ACL users with passwords in the agent file (clients then AUTH), or sentinel.adminWithoutPassword: true on a trusted network\r\n";
    expect(await reply(['SENTINEL', 'DEBUG', 'info-period', '8888'], expected)).toBe(expected);
    // The listing stays open, as on a Sentinel.
    const client = await RawClient.connect(server.port, 2);
    client.send(['SENTINEL', 'DEBUG']);
    expect(await client.readQuiet()).toContain('INFO-PERIOD');
    client.close();
  });
});

describe('the other Sentinel subcommands', () => {
  it.each([2, 3] as const)(
    'SENTINEL DEBUG lists the timing parameters as a map (RESP%i)',
    async (protocol) => {
      const fields = [
        ['INFO-PERIOD', '1000'],
        ['PING-PERIOD', '100'],
      ] as const;
      const expected = protocol === 3 ? map3(fields) : flat(fields);
      expect(await reply(['SENTINEL', 'DEBUG'], expected, protocol)).toBe(expected);
    },
  );

  it.each([
    [['SENTINEL', 'PENDING-SCRIPTS'], arr()],
    [
      ['SENTINEL', 'PENDING-SCRIPTS', 'x'],
      err("ERR wrong number of arguments for 'sentinel|pending-scripts' command"),
    ],
    [
      ['SENTINEL', 'SIMULATE-FAILURE', 'HELP'],
      arr(bulk('crash-after-election'), bulk('crash-after-promotion')),
    ],
    [
      ['SENTINEL', 'SIMULATE-FAILURE', 'crash-after-election', 'help'],
      arr(bulk('crash-after-election'), bulk('crash-after-promotion')),
    ],
    [['SENTINEL', 'SIMULATE-FAILURE', 'bogus'], err('ERR Unknown failure simulation specified')],
    [
      ['SENTINEL', 'SIMULATE-FAILURE'],
      err("ERR wrong number of arguments for 'sentinel|simulate-failure' command"),
    ],
    [['SENTINEL', 'MONITOR', 'x', '127.0.0.1', '6379', '2'], err(MONITOR_REFUSAL)],
    [['SENTINEL', 'MONITOR', 'x'], err("ERR wrong number of arguments for 'sentinel|monitor' command")],
    [['SENTINEL', 'REMOVE', 'nope'], err('ERR No such master with that name')],
    [['SENTINEL', 'REMOVE', 'mymaster'], err(REMOVE_REFUSAL)],
    [['SENTINEL', 'FLUSHCONFIG'], err(FLUSHCONFIG_REFUSAL)],
  ])('%j', async (args, expected) => {
    expect(await reply(args, expected)).toBe(expected);
  });

  it('SIMULATE-FAILURE with a real flag says why it cannot run here', async () => {
    const simulate = await reply(
      ['SENTINEL', 'SIMULATE-FAILURE', 'CRASH-AFTER-PROMOTION'],
      '-ERR SENTINEL SIMULATE-FAILURE ',
    );
    expect(simulate).toBe('-ERR SENTINEL SIMULATE-FAILURE ');
  });

  it('MONITOR names wrangler.toml, where groups are declared', () => {
    expect(MONITOR_REFUSAL).toMatch(/groups are declared in wrangler\.toml \(GROUPS\)/);
    expect(REMOVE_REFUSAL).toMatch(/wrangler\.toml \(GROUPS\); remove it there/);
  });

  it('HELP lists SET, CONFIG, DEBUG and PENDING-SCRIPTS, which now answer', async () => {
    const client = await RawClient.connect(server.port);
    client.send(['SENTINEL', 'HELP']);
    const text = await client.readUntil('Print this help.\r\n');
    client.close();
    for (const line of [
      'CONFIG SET param value [param value ...]',
      'CONFIG GET <param> [param param param ...]',
      'DEBUG [<param> <value> ...]',
      'PENDING-SCRIPTS',
      'SET <master-name> <option> <value> [<option> <value> ...]',
    ]) {
      expect(text).toContain(`+${line}\r\n`);
    }
  });
});
