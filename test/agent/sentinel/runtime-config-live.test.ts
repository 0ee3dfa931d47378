// SENTINEL SET and SENTINEL CONFIG through redis-cli and ioredis against a real agent (its Sentinel server, a real redis-server, fake voters answering the admin API).
import { execFile } from 'node:child_process';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentFile } from '../../../agent/config/load.js';
import { type RunningAgent, startAgent } from '../../../agent/runtime/agent.js';
import { initialConfig } from '../../../workers/protocol/index.js';
import { startRedis } from '../../support/redis-server.js';
import { FakeVoters } from '../runtime/fake-voters.js';
import {
  capturingLogger,
  cleanupStack,
  node,
  removeDir,
  tempStateDir,
  testConfig,
  waitFor,
} from '../runtime/harness.js';
import { takeRunLock } from './support/run-lock.js';

const run = promisify(execFile);
const cleanups = cleanupStack();

/** This file's fixed ports (concurrent runs of it take turns): redis 7916, the agent's Sentinel port 8910. */
const REDIS = 7916;
const SENTINEL = 8910;
const PASSWORD = 'sentinel-pw';
const ADMIN_TOKEN = 'admin-token-for-the-live-test';
/** The fake voters push an accepted change this long after answering the PUT, as a slow push would. */
const PUSH_DELAY_MS = 300;

let releaseLock: (() => void) | null = null;
beforeAll(async () => {
  releaseLock = await takeRunLock('runtime-config-live-test', 120_000);
}, 130_000);
afterAll(() => releaseLock?.());

interface Admin {
  puts: { authorization: string | undefined; body: unknown }[];
  /** The next answer's status; 200 adopts the patch as the next version. */
  status: number;
}

/** The settings route of the admin API over the fake voters: PUT answers, then the voters push. */
function answerSettings(
  voters: FakeVoters,
  admin: Admin,
): (req: IncomingMessage, res: ServerResponse) => void {
  let version = 0;
  return (req, res) => {
    let text = '';
    req.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8');
    });
    req.on('end', () => {
      const body = JSON.parse(text) as Record<string, number>;
      admin.puts.push({ authorization: req.headers.authorization, body });
      res.setHeader('Content-Type', 'application/json');
      if (req.method !== 'PUT' || req.url !== '/v1/groups/mymaster/settings') {
        res.writeHead(404).end('{}');
        return;
      }
      if (admin.status !== 200) {
        const error = { code: 'no_majority', message: 'settings adopted by 1 of 3 voters (a majority is 2)' };
        res.writeHead(admin.status).end(JSON.stringify({ error }));
        return;
      }
      version++;
      res.writeHead(200).end(JSON.stringify({ group: 'mymaster', settingsVersion: version }));
      const pushed = version;
      setTimeout(() => voters.pushSettings(body, pushed), PUSH_DELAY_MS);
    });
  };
}

async function agentWithSentinel() {
  const redis = await startRedis({ port: REDIS });
  cleanups.push(() => redis.stop());
  const voters = await FakeVoters.start('mymaster');
  cleanups.push(() => voters.close());
  voters.push(initialConfig(node(REDIS)));
  const admin: Admin = { puts: [], status: 200 };
  voters.onRequest = answerSettings(voters, admin);
  const stateDir = tempStateDir();
  cleanups.push(() => removeDir(stateDir));
  const base = await testConfig({ voters, localPort: REDIS, stateDir });
  const file: AgentFile = {
    ...base,
    coordinator: { ...base.coordinator, adminToken: ADMIN_TOKEN },
    sentinel: {
      host: '127.0.0.1',
      port: SENTINEL,
      enabled: true,
      adminWithoutPassword: false,
      password: PASSWORD,
    },
    metrics: { host: '127.0.0.1', port: 0, enabled: false },
  };
  const { logger, lines } = capturingLogger('info');
  const agent: RunningAgent = await startAgent(file, {
    logger,
    defaultMetrics: false,
    onFatal: (error) => {
      throw error;
    },
  });
  cleanups.push(() => agent.stop());
  return { voters, admin, agent, lines };
}

/** `redis-cli -p 8910 [-a pw] <args>`, printed as a transcript. */
async function redisCli(args: string[], password: string | null = PASSWORD): Promise<string> {
  const auth = password === null ? [] : ['-a', password, '--no-auth-warning'];
  const { stdout } = await run('redis-cli', ['-p', String(SENTINEL), ...auth, ...args], { timeout: 10_000 });
  console.log(`$ redis-cli -p ${SENTINEL}${password === null ? '' : ' -a ***'} ${args.join(' ')}\n${stdout}`);
  return stdout.trim();
}

function sentinelClient(password?: string): Redis {
  const client = new Redis({
    host: '127.0.0.1',
    port: SENTINEL,
    protocol: 2,
    maxRetriesPerRequest: 0,
    ...(password === undefined ? {} : { password }),
  });
  client.on('error', () => undefined);
  cleanups.push(() => client.disconnect());
  return client;
}

async function masterFields(client: Redis): Promise<Record<string, string>> {
  const flat = (await client.call('SENTINEL', 'MASTER', 'mymaster')) as string[];
  const fields: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) fields[String(flat[i])] = String(flat[i + 1]);
  return fields;
}

describe('SENTINEL SET and CONFIG on a real agent', () => {
  it('SET writes to the admin API and answers once the push arrived: MASTER shows it at once, +set is published', async () => {
    const { admin } = await agentWithSentinel();
    const client = sentinelClient(PASSWORD);
    await waitFor('the voters settings', 5000, async () => (await masterFields(client)).quorum === '2');
    const events: string[] = [];
    const subscriber = sentinelClient(PASSWORD);
    subscriber.on('message', (channel: string, message: string) => events.push(`${channel} ${message}`));
    await subscriber.subscribe('+set');

    const startedMs = performance.now();
    expect(
      await redisCli(['SENTINEL', 'SET', 'mymaster', 'quorum', '1', 'down-after-milliseconds', '2500']),
    ).toBe('OK');
    const tookMs = performance.now() - startedMs;
    expect(tookMs).toBeGreaterThanOrEqual(PUSH_DELAY_MS - 20);
    const fields = await masterFields(client);
    expect(fields).toMatchObject({ quorum: '1', 'down-after-milliseconds': '2500' });
    expect(admin.puts).toEqual([
      { authorization: `Bearer ${ADMIN_TOKEN}`, body: { quorum: 1, downAfterMs: 2500 } },
    ]);
    await waitFor('+set events', 2000, () => events.length === 2);
    expect(events).toEqual([
      `+set master mymaster 127.0.0.1 ${REDIS} quorum 1`,
      `+set master mymaster 127.0.0.1 ${REDIS} down-after-milliseconds 2500`,
    ]);

    // Sentinel's refusals reach nothing; the coordinator's are an ERR with its reason.
    expect(await redisCli(['SENTINEL', 'SET', 'mymaster', 'down-after-milliseconds', '-20'])).toBe(
      "ERR Invalid argument '-20' for SENTINEL SET 'down-after-milliseconds'",
    );
    // The group has one node here: a quorum of 2 could never be reached, and nothing is written.
    expect(await redisCli(['SENTINEL', 'SET', 'mymaster', 'quorum', '2'])).toBe(
      "ERR Invalid argument '2' for SENTINEL SET 'quorum': the group has 1 node(s), one agent each, so at most 1 can see its master down",
    );
    expect(admin.puts).toHaveLength(1);
    admin.status = 503;
    expect(await redisCli(['SENTINEL', 'SET', 'mymaster', 'quorum', '1'])).toBe(
      'ERR coordinator refused the settings (503 no_majority): settings adopted by 1 of 3 voters (a majority is 2)',
    );
    expect(admin.puts).toHaveLength(2);
    // Without the password: NOAUTH, nothing sent.
    expect(await redisCli(['SENTINEL', 'SET', 'mymaster', 'quorum', '1'], null)).toBe(
      'NOAUTH Authentication required.',
    );
    expect(admin.puts).toHaveLength(2);
  });

  it('CONFIG GET reports the agent; CONFIG SET loglevel really changes what it logs', async () => {
    const { lines } = await agentWithSentinel();
    const all = await redisCli(['SENTINEL', 'CONFIG', 'GET', '*']);
    expect(all.split('\n')).toEqual([
      'resolve-hostnames',
      'yes',
      'announce-hostnames',
      'yes',
      'announce-ip',
      '127.0.0.1',
      'announce-port',
      String(SENTINEL),
      'sentinel-user',
      '',
      'sentinel-pass',
      PASSWORD,
      'loglevel',
      'notice',
    ]);

    const logged = () => lines.filter((l) => l.includes('SENTINEL SET requested by a client')).length;
    expect(await redisCli(['SENTINEL', 'CONFIG', 'SET', 'loglevel', 'warning'])).toBe('OK');
    expect(await redisCli(['SENTINEL', 'SET', 'mymaster', 'parallel-syncs', '2'])).toBe('OK');
    expect(logged()).toBe(0);
    expect(await redisCli(['SENTINEL', 'CONFIG', 'GET', 'log*'])).toBe('loglevel\nwarning');
    expect(await redisCli(['SENTINEL', 'CONFIG', 'SET', 'loglevel', 'verbose'])).toBe('OK');
    expect(await redisCli(['SENTINEL', 'SET', 'mymaster', 'parallel-syncs', '1'])).toBe('OK');
    expect(logged()).toBe(1);
    // verbose is pino's debug: the agent's debug lines (level 20) come through now.
    await waitFor('a debug line', 5000, () => lines.some((l) => l.includes('"level":20')));

    expect(await redisCli(['SENTINEL', 'CONFIG', 'SET', 'resolve-hostnames', 'no'])).toMatch(
      /^ERR resolve-hostnames is always yes on edge-sentinel/,
    );
    expect(await redisCli(['SENTINEL', 'CONFIG', 'SET', 'sentinel-pass', 'rotated'])).toBe('OK');
    expect(await redisCli(['SENTINEL', 'CONFIG', 'GET', 'sentinel-pass'])).toBe('sentinel-pass\nrotated');
    expect(await redisCli(['SENTINEL', 'DEBUG'])).toBe(
      'INFO-PERIOD\n500\nPING-PERIOD\n100\nPUBLISH-PERIOD\n2000\nPING-TIMEOUT\n300\nSENTINEL-PING-PERIOD\n500',
    );
  });
});
