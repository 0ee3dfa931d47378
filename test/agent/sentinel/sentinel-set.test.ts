// SENTINEL SET on the Sentinel port: Sentinel 7.2's checks and texts (03-runtime-reconf.tcl), one settings write per command, its gates.
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import type { NodeAccessChange, NodeAccessPort } from '../../../agent/sentinel/node-access-port.js';
import { type SentinelServer, startSentinelServer } from '../../../agent/sentinel/server.js';
import { FakeSource, group, MY_ID, sentinelNode, view } from './support/fake-source.js';
import { RawClient } from './support/raw-client.js';
import { err, status } from './support/resp.js';

const SNAPSHOT = {
  myId: MY_ID,
  groups: [group(sentinelNode(view('10.0.0.1:6379', { role: 'master' })), [])],
};

const servers: SentinelServer[] = [];
const clients: (Redis | RawClient)[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c instanceof Redis ? c.disconnect() : c.close();
  for (const s of servers.splice(0)) await s.close();
});

/** The agent's node-access port as SENTINEL SET sees it: what it was asked, and a refusal to give. */
class FakeNodeAccess implements NodeAccessPort {
  readonly applied: { group: string; changes: readonly NodeAccessChange[] }[] = [];
  refusing: string | null = null;
  refusal(): string | null {
    return this.refusing;
  }
  apply(group: string, changes: readonly NodeAccessChange[]): void {
    this.applied.push({ group, changes });
  }
}

async function serve(
  options: { password?: string; adminWithoutPassword?: boolean; nodeAccess?: NodeAccessPort } = {},
) {
  const source = new FakeSource(SNAPSHOT);
  const server = await startSentinelServer({ host: '127.0.0.1', port: 0, source, ...options });
  servers.push(server);
  return { source, server };
}

/** A RESP2 client as redis-cli is: no HELLO on connect, errors as thrown ReplyErrors. */
async function cli(port: number, password?: string): Promise<Redis> {
  const client = new Redis({
    host: '127.0.0.1',
    port,
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    protocol: 2,
    enableReadyCheck: false,
    ...(password === undefined ? {} : { password }),
  });
  clients.push(client);
  await client.connect();
  return client;
}

async function answer(client: Redis, ...args: string[]): Promise<unknown> {
  try {
    return await client.call('SENTINEL', ...args);
  } catch (error) {
    return `-${error instanceof Error ? error.message : String(error)}`;
  }
}

describe('SENTINEL SET', () => {
  it('writes every pair as one settings change and answers OK once the source says a majority holds it', async () => {
    const { source, server } = await serve({ adminWithoutPassword: true });
    const client = await cli(server.port);
    expect(await answer(client, 'SET', 'mymaster', 'quorum', '3')).toBe('OK');
    expect(
      await answer(
        client,
        'set',
        'mymaster',
        'DOWN-AFTER-MILLISECONDS',
        '2000',
        'failover-timeout',
        '9000',
        'parallel-syncs',
        '2',
      ),
    ).toBe('OK');
    expect(await answer(client, 'SET', 'mymaster', 'master-reboot-down-after-period', '5000')).toBe('OK');
    expect(await answer(client, 'SET', 'mymaster', 'master-reboot-down-after-period', '0')).toBe('OK');
    expect(source.settingsCalls).toEqual([
      { group: 'mymaster', change: { quorum: 3 } },
      { group: 'mymaster', change: { downAfterMs: 2000, failoverTimeoutMs: 9000, parallelSyncs: 2 } },
      { group: 'mymaster', change: { masterRebootDownAfterMs: 5000 } },
      { group: 'mymaster', change: { masterRebootDownAfterMs: 0 } },
    ]);
  });

  // The rows of 03-runtime-reconf.tcl "with bad format" and "with other error situations", and the rest of sentinelSetCommand's texts.
  it.each([
    [['nope', 'quorum', '1'], '-ERR No such master with that name'],
    [['mymaster', 'fakeoption'], "-ERR wrong number of arguments for 'sentinel|set' command"],
    [['mymaster'], "-ERR wrong number of arguments for 'sentinel|set' command"],
    [
      ['mymaster', 'fakeoption', 'fakevalue'],
      "-ERR Unknown option or number of arguments for SENTINEL SET 'fakeoption'",
    ],
    [
      ['mymaster', 'down-after-milliseconds', '-20'],
      "-ERR Invalid argument '-20' for SENTINEL SET 'down-after-milliseconds'",
    ],
    [
      ['mymaster', 'down-after-milliseconds', 'abc'],
      "-ERR Invalid argument 'abc' for SENTINEL SET 'down-after-milliseconds'",
    ],
    [
      ['mymaster', 'quorum', '2', 'parallel-syncs'],
      "-ERR Unknown option or number of arguments for SENTINEL SET 'parallel-syncs'",
    ],
    [['mymaster', 'quorum', '2', 'quorum', 'x'], "-ERR Invalid argument 'x' for SENTINEL SET 'quorum'"],
    [
      ['mymaster', 'master-reboot-down-after-period', '-1'],
      "-ERR Invalid argument '-1' for SENTINEL SET 'master-reboot-down-after-period'",
    ],
  ])('SENTINEL SET %j -> %s, and nothing is written', async (args, reply) => {
    const { source, server } = await serve({ adminWithoutPassword: true });
    const client = await cli(server.port);
    expect(await answer(client, 'SET', ...args)).toBe(reply);
    expect(source.settingsCalls).toEqual([]);
  });

  it.each([['notification-script', 'webhooks']])(
    'SET %s names where edge-sentinel sets it instead',
    async (option, where) => {
      const { source, server } = await serve({ adminWithoutPassword: true });
      const client = await cli(server.port);
      const reply = String(await answer(client, 'SET', 'mymaster', option, 'x'));
      expect(reply).toMatch(
        new RegExp(`^-ERR SENTINEL SET '${option}' cannot be changed on the Sentinel port`),
      );
      expect(reply).toContain(where);
      expect(source.settingsCalls).toEqual([]);
    },
  );

  it("auth-pass, auth-user and rename-command are this agent's own: applied here, nothing written to the voters", async () => {
    const nodeAccess = new FakeNodeAccess();
    const { source, server } = await serve({ adminWithoutPassword: true, nodeAccess });
    const client = await cli(server.port);
    expect(await answer(client, 'SET', 'mymaster', 'auth-user', 'agent', 'auth-pass', 'pw')).toBe('OK');
    expect(await answer(client, 'SET', 'mymaster', 'rename-command', 'PING', 'PONG')).toBe('OK');
    expect(source.settingsCalls).toEqual([]);
    expect(nodeAccess.applied).toEqual([
      {
        group: 'mymaster',
        changes: [
          { kind: 'auth-user', value: 'agent' },
          { kind: 'auth-pass', value: 'pw' },
        ],
      },
      { group: 'mymaster', changes: [{ kind: 'rename-command', command: 'PING', renamed: 'PONG' }] },
    ]);
  });

  it("with settings in the same command: the voters' part first, and a refusal on either side changes nothing", async () => {
    const nodeAccess = new FakeNodeAccess();
    const { source, server } = await serve({ adminWithoutPassword: true, nodeAccess });
    const client = await cli(server.port);
    expect(await answer(client, 'SET', 'mymaster', 'quorum', '2', 'auth-pass', 'pw')).toBe('OK');
    expect(source.settingsCalls).toEqual([{ group: 'mymaster', change: { quorum: 2 } }]);
    expect(nodeAccess.applied).toHaveLength(1);

    nodeAccess.refusing =
      "ERR Invalid argument 'SUBSCRIBE' for SENTINEL SET 'rename-command': the agent sends only ...";
    expect(await answer(client, 'SET', 'mymaster', 'quorum', '3', 'rename-command', 'SUBSCRIBE', 'x')).toBe(
      `-${nodeAccess.refusing}`,
    );
    nodeAccess.refusing = null;
    source.settingsOutcome = { ok: false, message: 'coordinator unreachable: connection refused' };
    expect(await answer(client, 'SET', 'mymaster', 'quorum', '3', 'auth-pass', 'pw2')).toBe(
      '-ERR coordinator unreachable: connection refused',
    );
    expect(nodeAccess.applied).toHaveLength(1);
  });

  it('refuses them where the server has no node connections, and to a client without a password', async () => {
    const { server } = await serve({ adminWithoutPassword: true });
    const client = await cli(server.port);
    expect(String(await answer(client, 'SET', 'mymaster', 'auth-pass', 'pw'))).toMatch(/^-ERR .*no/);
    const nodeAccess = new FakeNodeAccess();
    const gated = await serve({ nodeAccess });
    const anonymous = await cli(gated.server.port);
    expect(String(await answer(anonymous, 'SET', 'mymaster', 'auth-pass', 'pw'))).toMatch(/^-NOPERM/);
    expect(nodeAccess.applied).toEqual([]);
  });

  it("a coordinator refusal, an outage or a missing admin token is an ERR with the source's reason", async () => {
    const { source, server } = await serve({ adminWithoutPassword: true });
    const raw = await RawClient.connect(server.port);
    clients.push(raw);
    const message =
      'coordinator refused the settings (503 no_majority): settings v4 adopted by 1 of 3 voters';
    source.settingsOutcome = { ok: false, message };
    const expected = err(`ERR ${message}`);
    expect(await raw.call(['SENTINEL', 'SET', 'mymaster', 'quorum', '2'], expected)).toBe(expected);
    // Accepted by a majority but not seen here within the wait: still OK (the voters hold it).
    source.settingsOutcome = { ok: true, version: 4, applied: false };
    expect(await raw.call(['SENTINEL', 'SET', 'mymaster', 'quorum', '2'], status('OK'))).toBe(status('OK'));
  });

  it('is an operator action: NOPERM on a port without a password, NOAUTH before AUTH, OK after it', async () => {
    const open = await serve();
    const anonymous = await cli(open.server.port);
    expect(await answer(anonymous, 'SET', 'mymaster', 'quorum', '1')).toMatch(
      /^-NOPERM SENTINEL SET changes the group and user 'default' has no password/,
    );
    expect(open.source.settingsCalls).toEqual([]);

    const locked = await serve({ password: 's3cret' });
    const stranger = await cli(locked.server.port);
    expect(await answer(stranger, 'SET', 'mymaster', 'quorum', '1')).toBe('-NOAUTH Authentication required.');
    const operator = await cli(locked.server.port, 's3cret');
    expect(await answer(operator, 'SET', 'mymaster', 'quorum', '1')).toBe('OK');
    expect(locked.source.settingsCalls).toEqual([{ group: 'mymaster', change: { quorum: 1 } }]);
  });
});
