// A file-based password rotation without a restart: SIGHUP makes the agent read local.passwordFile again, and its node links and fence (in the supervisor too) reconnect with the new password.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { describe, expect, it, onTestFailed } from 'vitest';
import { stringify } from 'yaml';
import { FENCE_MIN_REPLICAS } from '../../../agent/runtime/fence.js';
import { buildAgent } from '../../../infra/scripts/build-agent.js';
import { initialConfig } from '../../../workers/protocol/index.js';
import { startRedis } from '../../support/redis-server.js';
import { FakeVoters, tokenFor } from './fake-voters.js';
import {
  AGENT_ID,
  capturingLogger,
  cleanupStack,
  node,
  removeDir,
  runAgent,
  sleep,
  tempStateDir,
  testConfig,
  waitFor,
} from './harness.js';
import { masterFlags, sentinelClient } from './sentinel-port-agent.js';

const cleanups = cleanupStack();

/** This file's ports (issue 12's range). */
const IN_PROCESS = 7436;
const SHIPPED = 7437;
const SHIPPED_SENTINEL = 8964;
const root = resolve(fileURLToPath(new URL('../../..', import.meta.url)));

/** A client of the node authenticated with `password`, kept across the password change. */
async function admin(port: number, password: string): Promise<Redis> {
  const c = new Redis({
    host: '127.0.0.1',
    port,
    protocol: 2,
    maxRetriesPerRequest: 0,
    lazyConnect: true,
    password,
  });
  c.on('error', () => undefined);
  cleanups.push(() => c.disconnect());
  await c.connect();
  return c;
}

/** The node's password changes to `next` and every other client is dropped (they must AUTH again). */
async function rotate(c: Redis, next: string): Promise<void> {
  expect(await c.call('CONFIG', 'SET', 'requirepass', next)).toBe('OK');
  await c.call('CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes');
}

async function minReplicasToWrite(c: Redis): Promise<number> {
  return Number(((await c.call('CONFIG', 'GET', 'min-replicas-to-write')) as string[])[1]);
}

/** The supervisor's children (Linux): the forked agent. */
function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .split(' ')
      .filter((s) => s.trim() !== '')
      .map(Number);
  } catch {
    return [];
  }
}

function passwordFile(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'es-password-file-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'redis.pass');
  writeFileSync(file, text);
  return file;
}

describe('SIGHUP: local.passwordFile read again', () => {
  it('reloadSecrets (what SIGHUP calls) takes a new password from the file; an unreadable file keeps the current one', async () => {
    const redis = await startRedis({ port: IN_PROCESS, extraArgs: ['--requirepass', 'first-pw'] });
    cleanups.push(() => redis.stop());
    const file = passwordFile('first-pw\n');
    const v = await FakeVoters.start('password-file', { leaseMs: 1000 });
    cleanups.push(() => v.close());
    v.push(initialConfig(node(IN_PROCESS)));
    const stateDir = tempStateDir();
    cleanups.push(() => removeDir(stateDir));
    const { logger, lines } = capturingLogger('info');
    const config = await testConfig({
      voters: v,
      localPort: IN_PROCESS,
      stateDir,
      group: {
        local: {
          host: '127.0.0.1',
          port: IN_PROCESS,
          announce: node(IN_PROCESS),
          password: 'first-pw',
          passwordFile: file,
        },
      },
    });
    const agent = await runAgent(config, logger);
    cleanups.push(() => agent.stop());
    const sdown = () => agent.runners[0]?.current.reported?.[node(IN_PROCESS)]?.sdown;
    const c = await admin(IN_PROCESS, 'first-pw');
    await waitFor('unfenced', 5000, async () => (await minReplicasToWrite(c)) === 0);

    await rotate(c, 'second-pw');
    await waitFor('SDOWN with the old password', 5000, () => sdown() === true);
    // A SIGHUP before the file is updated changes nothing.
    agent.reloadSecrets();
    expect(lines.some((line) => line.includes('password unchanged'))).toBe(true);
    writeFileSync(file, '');
    agent.reloadSecrets();
    expect(lines.some((line) => line.includes('passwordFile unreadable') && line.includes('is empty'))).toBe(
      true,
    );
    expect(agent.nodeAccess.of('password-file').current.password).toBe('first-pw');

    writeFileSync(file, 'second-pw\n');
    agent.reloadSecrets();
    await waitFor('up with the new password', 5000, () => sdown() === false);
    // The fence's connection too: the lease runs out with the voters cut, and the fence lands.
    v.cut();
    await waitFor('fenced', 5000, async () => (await minReplicasToWrite(c)) === FENCE_MIN_REPLICAS);
    v.heal();
    await waitFor('unfenced again', 5000, async () => (await minReplicasToWrite(c)) === 0);
    expect(lines.filter((line) => line.includes('first-pw') || line.includes('second-pw'))).toEqual([]);
  });

  it('as shipped: SIGHUP to the supervisor reaches the agent, and both the agent and the supervisor fence reconnect; a restarted agent hands the supervisor the new password', async () => {
    const tree = mkdtempSync(join(tmpdir(), 'edge-sentinel-sighup-'));
    cleanups.push(() => rmSync(tree, { recursive: true, force: true }));
    const built = await buildAgent(root, join(tree, 'dist', 'edge-sentinel-agent.mjs'));
    const redis = await startRedis({ port: SHIPPED, extraArgs: ['--requirepass', 'first-pw'] });
    cleanups.push(() => redis.stop());
    const file = passwordFile('first-pw\n');
    const v = await FakeVoters.start('sighup', { leaseMs: 1000 });
    cleanups.push(() => v.close());
    v.push(initialConfig(node(SHIPPED)));
    const agentFile = join(tree, 'agent.yaml');
    writeFileSync(
      agentFile,
      stringify({
        agentId: AGENT_ID,
        coordinator: { url: v.url, token: await tokenFor(AGENT_ID, v.group) },
        voters: v.settings.voters,
        stateDir: join(tree, 'state'),
        sentinel: { host: '127.0.0.1', port: SHIPPED_SENTINEL, adminWithoutPassword: true },
        metrics: { enabled: false },
        groups: [
          {
            name: v.group,
            local: { host: '127.0.0.1', port: SHIPPED, announce: node(SHIPPED), passwordFile: file },
            failsafe: false,
            leaseMs: 1000,
          },
        ],
      }),
    );
    const env = Object.fromEntries(
      Object.entries(process.env).filter(([k]) => !k.startsWith('EDGE_SENTINEL_')),
    );
    const child: ChildProcess = spawn(process.execPath, [built.supervisor, '--config', agentFile], {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env,
    });
    const pid = child.pid;
    if (pid === undefined) throw new Error('the supervisor did not start');
    const output: string[] = [];
    child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')));
    child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')));
    onTestFailed(() => console.log(`supervisor and agent output (tail):\n${output.join('').slice(-6000)}`));
    cleanups.push(async () => {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // Gone already.
      }
      await sleep(100);
    });

    const c = await admin(SHIPPED, 'first-pw');
    const sentinel = sentinelClient(SHIPPED_SENTINEL, cleanups);
    await waitFor('unfenced by the supervisor', 10_000, async () => (await minReplicasToWrite(c)) === 0);
    await rotate(c, 'second-pw');
    await waitFor('s_down with the old password', 5000, async () =>
      (await masterFlags(sentinel, v.group)).startsWith('s_down'),
    );
    writeFileSync(file, 'second-pw\n');
    process.kill(pid, 'SIGHUP');
    await waitFor(
      'up with the new password',
      5000,
      async () => (await masterFlags(sentinel, v.group)) === 'master',
    );
    // Neither process died of the signal (Node's default for SIGHUP is to exit).
    expect(existsSync(`/proc/${pid}`)).toBe(true);
    expect(output.join('')).toContain('SIGHUP: passed on to the agent');
    // The supervisor's fence connection reconnected with the password the agent sent it: it fences and unfences.
    v.cut();
    await waitFor(
      'fenced by the supervisor',
      5000,
      async () => (await minReplicasToWrite(c)) === FENCE_MIN_REPLICAS,
    );
    v.heal();
    await waitFor('unfenced by the supervisor', 5000, async () => (await minReplicasToWrite(c)) === 0);

    // Rotated again, and the agent restarted rather than signalled (it died): the new process reads
    // the file at start and hands the supervisor, which kept its first targets, the new password.
    await rotate(c, 'third-pw');
    writeFileSync(file, 'third-pw\n');
    const agentPid = await waitFor('the agent forked by the supervisor', 5000, () => childrenOf(pid)[0]);
    process.kill(agentPid, 'SIGKILL');
    await waitFor('the agent restarted', 8000, () => childrenOf(pid).some((child) => child !== agentPid));
    // The supervisor's fence connection, cut by the password change, is back with the new one: it fences.
    await waitFor(
      'up under the restarted agent',
      8000,
      async () => (await masterFlags(sentinel, v.group)) === 'master',
    );
    v.cut();
    await waitFor('fenced by the supervisor with the new password', 5000, async () =>
      (await minReplicasToWrite(c)) === FENCE_MIN_REPLICAS ? true : undefined,
    );
    v.heal();
    await waitFor(
      'unfenced under the restarted agent',
      8000,
      async () => (await minReplicasToWrite(c)) === 0,
    );
    expect(output.join('')).not.toMatch(/second-pw|third-pw/);
  }, 60_000);
});
