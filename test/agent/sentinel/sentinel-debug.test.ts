// SENTINEL DEBUG, PENDING-SCRIPTS, SIMULATE-FAILURE, MONITOR, REMOVE, FLUSHCONFIG and HELP: Sentinel's texts where it has them, a clear answer otherwise.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { debugSet } from '../../../agent/sentinel/commands/sentinel-debug.js';
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

describe('debugSet (sentinelSetDebugConfigParameters)', () => {
  it.each([
    [['info-period'], "ERR Unknown option or number of arguments for SENTINEL DEBUG 'info-period'"],
    [['bogus', '1'], "ERR Unknown option or number of arguments for SENTINEL DEBUG 'bogus'"],
    [['INFO-PERIOD', '-5'], "ERR Invalid argument '-5' for SENTINEL DEBUG 'INFO-PERIOD'"],
    [['ping-period', '100', 'tilt-period', 'x'], "ERR Invalid argument 'x' for SENTINEL DEBUG 'tilt-period'"],
  ])("%j -> Sentinel's text", (args, text) => {
    expect(debugSet(args)).toBe(text);
  });

  it.each([
    [['info-period', '8888'], "info-period: it is groups[].infoIntervalMs in the agent's file"],
    [['PING-PERIOD', '200'], "ping-period: it is groups[].probeIntervalMs in the agent's file"],
    [['tilt-trigger', '1'], 'tilt-trigger: agents have no TILT mode'],
  ])('%j (valid for Sentinel) is refused with where it is set', (args, why) => {
    expect(debugSet(args)).toBe(`ERR SENTINEL DEBUG cannot change timing on edge-sentinel: ${why}`);
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
    [
      ['SENTINEL', 'DEBUG', 'info-period', '8888'],
      err(
        "ERR SENTINEL DEBUG cannot change timing on edge-sentinel: info-period: it is groups[].infoIntervalMs in the agent's file",
      ),
    ],
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
