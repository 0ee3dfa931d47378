// End to end: SENTINEL SET and SENTINEL CONFIG on an agent's Sentinel port, on a real `wrangler dev`
// stack. `redis-cli -a <pw> SENTINEL SET mymaster quorum 1` answers OK once a majority of voters
// holds it; SENTINEL MASTER shows it on that agent at once and on the others after their push; the
// group status shows it as a runtime override; every agent publishes +set; Sentinel's refusals;
// a client without the password gets NOAUTH; CONFIG SET sentinel-pass lets an agent's peer link
// authenticate; the settings are reset at the end. (Redis's 03-runtime-reconf "Set parameters".)
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultStackOptions } from '../../infra/local/options.js';
import { type LocalStack, startStack } from '../../infra/local/stack.js';
import { waitFor } from '../../infra/local/wait.js';
import { GroupStatusSchema } from '../../workers/api/schemas.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));
// This file's own ports: redis 7981-7983, wrangler 8931, Sentinel 8932-8934, metrics 8935-8937.
const REDIS_PORT = 7981;
const SENTINEL_PORT = 8932;
/** Agent 1 (a replica's) is restarted with this password on its Sentinel port. */
const PASSWORD = 'e2e-sentinel-password-0123';
const GROUP = 'mymaster';

describe('SENTINEL SET and CONFIG on a real stack', () => {
  let stack: LocalStack;
  const transcript: string[] = [];

  beforeAll(async () => {
    stack = await startStack({
      ...defaultStackOptions(root),
      redisPort: REDIS_PORT,
      sentinelPort: SENTINEL_PORT,
      metricsPort: 8935,
      coordinatorPort: 8931,
    });
    // Agent 0 must have heard agent 1's hello naming the group first: once agent 1 wants a password,
    // agent 0's hellos to it fail, and a peer is listed by the groups its last hello named.
    await waitFor("agent 0's link to both other agents", 30_000, async () =>
      (await sentinelMaster(0))['num-other-sentinels'] === '2' ? true : undefined,
    );
    // The stack's agents serve without a password (adminWithoutPassword): agent 1 is restarted with
    // one, from the agent's environment override, which its process inherits.
    await stack.killAgent(1);
    process.env.EDGE_SENTINEL_SENTINEL_PASSWORD = PASSWORD;
    try {
      await stack.restartAgent(1);
    } finally {
      delete process.env.EDGE_SENTINEL_SENTINEL_PASSWORD;
    }
  }, 120_000);

  afterAll(async () => {
    console.log(`redis-cli transcript:\n${transcript.join('\n')}`);
    await stack?.stop();
  }, 60_000);

  const sentinelPort = (i: number) => SENTINEL_PORT + i;

  /** `redis-cli -p <agent i> [-a pw] <args>`: its output, kept for the transcript. */
  async function redisCli(i: number, args: string[], password: string | null = null): Promise<string> {
    const auth = password === null ? [] : ['-a', password, '--no-auth-warning'];
    const { stdout } = await run('redis-cli', ['-p', String(sentinelPort(i)), ...auth, ...args], {
      timeout: 15_000,
    });
    const shown = `$ redis-cli -p ${sentinelPort(i)}${password === null ? '' : ` -a ${password}`} ${args.join(' ')}`;
    transcript.push(shown, stdout.trimEnd());
    return stdout.trim();
  }

  function sentinelClient(i: number, password?: string): Redis {
    const client = new Redis({
      host: '127.0.0.1',
      port: sentinelPort(i),
      protocol: 2,
      maxRetriesPerRequest: 0,
      lazyConnect: true,
      ...(password === undefined ? {} : { password }),
    });
    client.on('error', () => undefined);
    return client;
  }

  async function sentinelMaster(i: number, password?: string): Promise<Record<string, string>> {
    const client = sentinelClient(i, password);
    try {
      await client.connect();
      const flat = (await client.call('SENTINEL', 'MASTER', GROUP)) as string[];
      const fields: Record<string, string> = {};
      for (let k = 0; k + 1 < flat.length; k += 2) fields[String(flat[k])] = String(flat[k + 1]);
      return fields;
    } finally {
      client.disconnect();
    }
  }

  const passwordOf = (i: number) => (i === 1 ? PASSWORD : undefined);

  async function everyAgentShows(field: string, value: string, timeoutMs: number): Promise<number> {
    const started = Date.now();
    await waitFor(`every agent's SENTINEL MASTER ${field} ${value}`, timeoutMs, async () => {
      const views = await Promise.all([0, 1, 2].map((i) => sentinelMaster(i, passwordOf(i))));
      return views.every((v) => v[field] === value) ? true : undefined;
    });
    return Date.now() - started;
  }

  async function groupStatus() {
    const res = await fetch(`${stack.coordinatorUrl}/v1/groups/${GROUP}`, {
      headers: { Authorization: `Bearer ${stack.adminToken}` },
    });
    return GroupStatusSchema.parse(await res.json());
  }

  it('SET quorum 1 with the password: OK, shown by every agent and as a runtime override; +set everywhere', async () => {
    await waitFor('agent 1 to name the master', 30_000, async () => {
      const fields = await sentinelMaster(1, PASSWORD).catch(() => null);
      return fields?.quorum === '2' ? true : undefined;
    });
    // A subscriber on another agent than the one asked: the change arrives there from the voters.
    const events: string[] = [];
    const subscriber = sentinelClient(2);
    subscriber.on('message', (channel: string, message: string) => events.push(`${channel} ${message}`));
    await subscriber.connect();
    await subscriber.subscribe('+set');

    const startedMs = Date.now();
    expect(await redisCli(1, ['SENTINEL', 'SET', GROUP, 'quorum', '1'], PASSWORD)).toBe('OK');
    const setMs = Date.now() - startedMs;
    // The reply waited for this agent to apply it: SENTINEL MASTER shows it at once.
    const asked = await sentinelMaster(1, PASSWORD);
    expect(asked.quorum).toBe('1');
    transcript.push(
      `# SENTINEL SET answered in ${setMs} ms; SENTINEL MASTER on the same agent right after: quorum ${asked.quorum}`,
    );
    const othersMs = await everyAgentShows('quorum', '1', 5_000);
    transcript.push(`# every agent's SENTINEL MASTER showed quorum 1 within ${othersMs} ms of the reply`);
    await redisCli(0, ['SENTINEL', 'MASTER', GROUP]);

    const status = await groupStatus();
    expect(status.settings.quorum).toBe(1);
    expect(status.settingsSources?.quorum).toMatch(/^runtime override v\d+$/);
    transcript.push(
      `# GET /v1/groups/${GROUP}: quorum ${status.settings.quorum} (${status.settingsSources?.quorum})`,
    );

    await waitFor('+set on agent 2', 5_000, async () => (events.length > 0 ? true : undefined));
    expect(events).toEqual([`+set master ${GROUP} 127.0.0.1 ${REDIS_PORT} quorum 1`]);
    transcript.push(`# agent 2 (not the one asked) published: ${events[0]}`);
    subscriber.disconnect();
  }, 60_000);

  it("refuses bad formats, unknown options and groups with Sentinel's texts, and a client without the password", async () => {
    const before = await groupStatus();
    expect(await redisCli(1, ['SENTINEL', 'SET', GROUP, 'down-after-milliseconds', '-20'], PASSWORD)).toBe(
      "ERR Invalid argument '-20' for SENTINEL SET 'down-after-milliseconds'",
    );
    expect(await redisCli(1, ['SENTINEL', 'SET', GROUP, 'down-after-milliseconds', 'abc'], PASSWORD)).toBe(
      "ERR Invalid argument 'abc' for SENTINEL SET 'down-after-milliseconds'",
    );
    expect(await redisCli(1, ['SENTINEL', 'SET', GROUP, 'fakeoption', 'fakevalue'], PASSWORD)).toBe(
      "ERR Unknown option or number of arguments for SENTINEL SET 'fakeoption'",
    );
    expect(await redisCli(1, ['SENTINEL', 'SET', GROUP, 'fakeoption'], PASSWORD)).toBe(
      "ERR wrong number of arguments for 'sentinel|set' command",
    );
    expect(await redisCli(1, ['SENTINEL', 'SET', 'nope', 'quorum', '1'], PASSWORD)).toBe(
      'ERR No such master with that name',
    );
    // auth-pass would change this agent's node password (issue 12): a rename it refuses instead.
    expect(
      await redisCli(1, ['SENTINEL', 'SET', GROUP, 'rename-command', 'SUBSCRIBE', 'x'], PASSWORD),
    ).toMatch(/^ERR Invalid argument 'SUBSCRIBE' for SENTINEL SET 'rename-command': the agent sends only /);
    // More than the group's agents could ever agree: refused before anything is written.
    expect(await redisCli(1, ['SENTINEL', 'SET', GROUP, 'quorum', '4'], PASSWORD)).toBe(
      "ERR Invalid argument '4' for SENTINEL SET 'quorum': the group has 3 node(s), one agent each, so at most 3 can see its master down",
    );
    expect(await redisCli(1, ['SENTINEL', 'SET', GROUP, 'quorum', '2'])).toBe(
      'NOAUTH Authentication required.',
    );
    const after = await groupStatus();
    expect(after.settings).toEqual(before.settings);
    expect((await sentinelMaster(1, PASSWORD)).quorum).toBe('1');
  }, 60_000);

  it('CONFIG GET answers; CONFIG SET sentinel-pass lets a peer link AUTH to the agent with the password', async () => {
    expect(await redisCli(1, ['SENTINEL', 'CONFIG', 'GET', 'announce*', 'loglevel'], PASSWORD)).toBe(
      [
        'announce-hostnames',
        'yes',
        'announce-ip',
        '127.0.0.1',
        'announce-port',
        String(sentinelPort(1)),
        'loglevel',
        'notice',
      ].join('\n'),
    );
    // Agent 0's link to agent 1 authenticates with agent 0's own password (none): agent 1 answers NOAUTH.
    const peerOnAgent0 = async () => {
      const client = sentinelClient(0);
      try {
        await client.connect();
        const list = (await client.call('SENTINEL', 'SENTINELS', GROUP)) as string[][];
        for (const flat of list) {
          const fields: Record<string, string> = {};
          for (let k = 0; k + 1 < flat.length; k += 2) fields[String(flat[k])] = String(flat[k + 1]);
          if (fields.port === String(sentinelPort(1))) return fields;
        }
        throw new Error(`agent 1 not listed: ${JSON.stringify(list)}`);
      } finally {
        client.disconnect();
      }
    };
    await waitFor('agent 1 s_down on agent 0', 15_000, async () => {
      const fields = await peerOnAgent0();
      if (fields.flags?.includes('s_down')) return true;
      throw new Error(`agent 1 on agent 0: ${JSON.stringify(fields)}`);
    });
    expect(await redisCli(0, ['SENTINEL', 'CONFIG', 'SET', 'sentinel-pass', PASSWORD])).toBe('OK');
    await waitFor('agent 1 back on agent 0', 15_000, async () => {
      const fields = await peerOnAgent0();
      if (!fields.flags?.includes('s_down')) return true;
      throw new Error(`agent 1 on agent 0: ${JSON.stringify(fields)}`);
    });
    await redisCli(0, ['SENTINEL', 'SENTINELS', GROUP]);
    expect(await redisCli(0, ['SENTINEL', 'CONFIG', 'SET', 'sentinel-pass', ''])).toBe('OK');
  }, 60_000);

  it('restores: DELETE the runtime override, every agent shows the deployed quorum again', async () => {
    const res = await fetch(`${stack.coordinatorUrl}/v1/groups/${GROUP}/settings`, {
      method: 'DELETE',
      headers: { Authorization: `Bearer ${stack.adminToken}` },
    });
    expect(res.status).toBe(200);
    const status = await groupStatus();
    expect(status.settingsSources?.quorum).toBe('wrangler.toml');
    await everyAgentShows('quorum', String(status.settings.quorum), 5_000);
  }, 60_000);
});
