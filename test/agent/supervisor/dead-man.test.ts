// The dead-man switch as shipped: the supervisor bundle forks the agent bundle; killing, stopping or freezing either process leaves no writable master past its lease.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, onTestFailed } from 'vitest';
import { stringify } from 'yaml';
import { FENCE_MIN_REPLICAS } from '../../../agent/runtime/fence.js';
import { type AgentBuild, buildAgent } from '../../../infra/scripts/build-agent.js';
import { initialConfig } from '../../../workers/protocol/index.js';
import { killAllRedis, type RedisServer, startRedis } from '../../support/redis-server.js';
import { FakeVoters, tokenFor } from '../runtime/fake-voters.js';
import { AGENT_ID, client, node, sleep, waitFor } from '../runtime/harness.js';

const root = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
/** Unused by every other test (7900–7999 holds only the benchmarks' proxies, at 7900, 7903, 7910, 7920, ...). */
const PORT = 7971;
/**
 * Shorter than the supervisor's shortest first restart delay (half of its 1 s back-off step), so a
 * restarted agent can never renew the lease before the dead one's deadline passes: otherwise the
 * node stays writable under a fresh lease (safe, but not what the SIGKILL case checks).
 */
const LEASE_MS = 450;
/** What the brief allows between losing the agent and a refused write: its lease, plus slack for timers and CONFIG SET. */
const FENCED_WITHIN_MS = LEASE_MS + 500;
const SHIPPED_FLAGS = ['--optimize-for-size', '--v8-pool-size=1'];

let tree: string;
let built: AgentBuild;
let redis: RedisServer;
let voters: FakeVoters;
let writer: Redis;
/** The supervisor of the running test, killed with its whole process group afterwards. */
let running: Supervised | null = null;

beforeAll(async () => {
  tree = mkdtempSync(join(tmpdir(), 'edge-sentinel-dead-man-'));
  built = await buildAgent(root, join(tree, 'dist', 'edge-sentinel-agent.mjs'));
  redis = await startRedis({ port: PORT });
  voters = await FakeVoters.start('deadman', { leaseMs: LEASE_MS });
  voters.push(initialConfig(node(PORT)));
  writer = client(PORT);
});

afterAll(async () => {
  writer?.disconnect();
  await voters?.close();
  await redis?.stop();
  killAllRedis();
  if (tree !== undefined) rmSync(tree, { recursive: true, force: true });
});

beforeEach(async () => {
  voters.heal();
  voters.answerPings = true;
  // Every test starts from a fenced node: a write that succeeds later was allowed by the supervisor.
  await writer.call('CONFIG', ['SET', 'min-replicas-to-write', String(FENCE_MIN_REPLICAS)]);
});

afterEach(async () => {
  const supervised = running;
  running = null;
  if (supervised === null) return;
  try {
    process.kill(-supervised.pid, 'SIGKILL');
  } catch {
    // The group is gone already.
  }
  await Promise.race([supervised.exited, sleep(3000)]);
  rmSync(supervised.dir, { recursive: true, force: true });
});

interface Supervised {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly dir: string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Writes the agent file and runs the supervisor bundle on it, as the bin does, in its own process group. */
async function startSupervised(): Promise<Supervised> {
  const dir = mkdtempSync(join(tree, 'run-'));
  const file = join(dir, 'agent.yaml');
  writeFileSync(
    file,
    stringify({
      agentId: AGENT_ID,
      coordinator: { url: voters.url, token: await tokenFor(AGENT_ID, voters.group) },
      voters: voters.settings.voters,
      stateDir: join(dir, 'state'),
      logLevel: 'info',
      sentinel: { enabled: false },
      metrics: { enabled: false },
      groups: [
        {
          name: voters.group,
          // The unfenced value is given, so nothing is learned from a node the test fenced beforehand.
          local: { host: '127.0.0.1', port: PORT, announce: node(PORT), minReplicasToWrite: 0 },
          probeIntervalMs: 100,
          probeTimeoutMs: 300,
          infoIntervalMs: 500,
          fencing: true,
          // No peers in this test: a coordinator outage fences the master after leaseMs.
          failsafe: false,
          leaseMs: LEASE_MS,
        },
      ],
    }),
  );
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('EDGE_SENTINEL_')),
  );
  const child = spawn(process.execPath, [...SHIPPED_FLAGS, built.supervisor, '--config', file], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env,
  });
  if (child.pid === undefined) throw new Error('the supervisor did not start');
  // Both processes log here (the agent inherits the supervisor's stdout): kept for a failing test.
  const output: string[] = [];
  const keep = (chunk: Buffer) => {
    output.push(chunk.toString('utf8'));
    if (output.length > 2000) output.splice(0, 1000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  onTestFailed(() => {
    console.log(`supervisor and agent output (tail):\n${output.join('').split('\n').slice(-80).join('\n')}`);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
    child.once('exit', (code, signal) => r({ code, signal })),
  );
  const supervised = { child, pid: child.pid, dir, exited };
  running = supervised;
  return supervised;
}

/** The supervisor's children (Linux): the forked agent, once it runs. */
function childrenOf(pid: number): number[] {
  try {
    const text = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8');
    return text
      .split(' ')
      .filter((s) => s.trim() !== '')
      .map(Number);
  } catch {
    return [];
  }
}

/** The agent PID under the supervisor, other than `previous` (a restarted agent has a new one). */
function agentPid(supervisor: number, previous?: number): Promise<number> {
  return waitFor('the agent forked by the supervisor', 5000, () =>
    childrenOf(supervisor).find((pid) => pid !== previous),
  );
}

/** Gone, or a zombie nobody reaps (an orphan's new parent here may not be a real init). */
function processGone(pid: number): boolean {
  if (!existsSync(`/proc/${pid}`)) return true;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

/** One write: 'ok', 'refused' (NOREPLICAS: fenced), or the error text. */
async function write(): Promise<string> {
  try {
    return (await writer.set('dead-man', String(performance.now()))) === 'OK' ? 'ok' : 'unexpected reply';
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error);
    return text.startsWith('NOREPLICAS') ? 'refused' : text;
  }
}

/** Polls writes every 2 ms (a short fenced window must not slip between two polls); resolves when one is refused. */
async function refusedAt(timeoutMs: number): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  // Bounded by the deadline: at most one poll per 2 ms.
  while (performance.now() < deadline) {
    if ((await write()) === 'refused') return performance.now();
    await sleep(2);
  }
  throw new Error(`no write was refused within ${timeoutMs} ms`);
}

const writableAgain = (what: string, timeoutMs: number) =>
  waitFor(what, timeoutMs, async () => ((await write()) === 'ok' ? performance.now() : undefined));

async function fenceValue(): Promise<number> {
  const reply = (await writer.call('CONFIG', ['GET', 'min-replicas-to-write'])) as string[];
  return Number(reply[1]);
}

describe('the dead-man supervisor (real processes)', () => {
  it('SIGKILL of the agent: its lease still fences the node, then the restarted agent unfences it', {
    timeout: 30_000,
  }, async () => {
    const supervised = await startSupervised();
    const firstAgent = await agentPid(supervised.pid);
    const startedAt = performance.now();
    await writableAgain('the node unfenced under the supervisor', 10_000);
    console.log(
      `dead-man: node writable ${(performance.now() - startedAt).toFixed(0)} ms after the agent forked`,
    );

    const killedAt = performance.now();
    process.kill(firstAgent, 'SIGKILL');
    const refused = (await refusedAt(FENCED_WITHIN_MS + 1000)) - killedAt;
    const secondAgent = await agentPid(supervised.pid, firstAgent);
    const writable = (await writableAgain('writes accepted under the restarted agent', 8000)) - killedAt;
    console.log(
      `dead-man: agent SIGKILLed: writes refused after ${refused.toFixed(0)} ms (lease ${LEASE_MS} ms), ` +
        `agent restarted as pid ${secondAgent}, writable again after ${writable.toFixed(0)} ms`,
    );
    expect(refused).toBeLessThan(FENCED_WITHIN_MS);
    expect(processGone(firstAgent)).toBe(true);
    expect(supervised.child.exitCode).toBeNull();
  });

  it('SIGSTOP of the agent: fenced by the supervisor within the lease; SIGCONT: writable again', {
    timeout: 30_000,
  }, async () => {
    const supervised = await startSupervised();
    const agent = await agentPid(supervised.pid);
    await writableAgain('the node unfenced under the supervisor', 10_000);

    const stoppedAt = performance.now();
    process.kill(agent, 'SIGSTOP');
    let refused: number;
    try {
      refused = (await refusedAt(FENCED_WITHIN_MS + 1000)) - stoppedAt;
      // It stays fenced while the agent is frozen: nothing renews the deadline.
      await sleep(500);
      expect(await write()).toBe('refused');
    } finally {
      process.kill(agent, 'SIGCONT');
    }
    const continuedAt = performance.now();
    const writable = (await writableAgain('writes accepted after SIGCONT', 8000)) - continuedAt;
    console.log(
      `dead-man: agent SIGSTOPped: writes refused after ${refused.toFixed(0)} ms (lease ${LEASE_MS} ms); ` +
        `after SIGCONT writable again in ${writable.toFixed(0)} ms`,
    );
    expect(refused).toBeLessThan(FENCED_WITHIN_MS);
    // The same agent resumed: the supervisor saw no exit and restarted nothing.
    expect(childrenOf(supervised.pid)).toEqual([agent]);
  });

  it('SIGTERM of the supervisor: the agent stops, the supervisor exits 0, and the node is fenced by then', {
    timeout: 30_000,
  }, async () => {
    const supervised = await startSupervised();
    const agent = await agentPid(supervised.pid);
    await writableAgain('the node unfenced under the supervisor', 10_000);

    const termAt = performance.now();
    process.kill(supervised.pid, 'SIGTERM');
    const refusedPromise = refusedAt(FENCED_WITHIN_MS + 5000);
    const exit = await supervised.exited;
    const exitedMs = performance.now() - termAt;
    // The supervisor exits only once the fence is on: no master stays writable behind it.
    const valueAtExit = await fenceValue();
    const refused = (await refusedPromise) - termAt;
    console.log(
      `dead-man: supervisor SIGTERMed: writes refused after ${refused.toFixed(0)} ms, supervisor exited ${exit.code} after ${exitedMs.toFixed(0)} ms`,
    );
    expect(exit).toEqual({ code: 0, signal: null });
    expect(valueAtExit).toBe(FENCE_MIN_REPLICAS);
    expect(await write()).toBe('refused');
    // The lease the agent held when it stopped bounds the wait (plus the settle loop's grace).
    expect(exitedMs).toBeLessThan(LEASE_MS + 3000);
    await waitFor('the agent gone', 2000, () => processGone(agent));
    await sleep(LEASE_MS);
    expect(await write()).toBe('refused');
  });

  it('SIGKILL of the supervisor alone: the agent sees its channel close, fences the node itself and exits', {
    timeout: 30_000,
  }, async () => {
    const supervised = await startSupervised();
    const agent = await agentPid(supervised.pid);
    await writableAgain('the node unfenced under the supervisor', 10_000);

    const killedAt = performance.now();
    process.kill(supervised.pid, 'SIGKILL');
    const refused = (await refusedAt(2500)) - killedAt;
    await waitFor('the agent exits', 4000, () => processGone(agent));
    const goneMs = performance.now() - killedAt;
    console.log(
      `dead-man: supervisor SIGKILLed: the agent fenced the node after ${refused.toFixed(0)} ms and was gone after ${goneMs.toFixed(0)} ms`,
    );
    expect(refused).toBeLessThan(2000);
    expect(await fenceValue()).toBe(FENCE_MIN_REPLICAS);
    // Nothing runs any more to unfence it.
    await sleep(LEASE_MS);
    expect(await write()).toBe('refused');
  });
});
