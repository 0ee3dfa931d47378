// Shared helpers for the runtime tests: a test agent file, a running agent, direct Redis clients, polling.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, afterEach } from 'vitest';
import type { AgentFile, GroupSection } from '../../../agent/config/load.js';
import { type RunningAgent, startAgent } from '../../../agent/runtime/agent.js';
import type { Logger } from '../../../agent/runtime/logger.js';
import { killAllRedis } from '../../support/redis-server.js';
import { type FakeVoters, tokenFor } from './fake-voters.js';

export const AGENT_ID = 'agent-test';

export interface TestAgentOptions {
  readonly voters: FakeVoters;
  readonly localPort: number;
  readonly otherPorts?: readonly number[];
  readonly stateDir?: string;
  readonly token?: string;
  readonly group?: Partial<GroupSection>;
}

export function tempStateDir(): string {
  return mkdtempSync(join(tmpdir(), 'edge-sentinel-agent-'));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

export const node = (port: number) => `127.0.0.1:${port}`;

export async function testConfig(options: TestAgentOptions): Promise<AgentFile> {
  const group: GroupSection = {
    name: options.voters.group,
    token: options.token ?? (await tokenFor(AGENT_ID, options.voters.group)),
    local: { host: '127.0.0.1', port: options.localPort, announce: node(options.localPort) },
    nodes: (options.otherPorts ?? []).map(node),
    agents: {},
    probeIntervalMs: 100,
    probeTimeoutMs: 300,
    infoIntervalMs: 500,
    handoffTimeoutMs: 3000,
    fencing: true,
    // The runtime tests here have one agent; the failsafe has its own tests with several.
    failsafe: false,
    leaseMs: options.voters.settings.leaseMs,
    ...options.group,
  };
  return {
    agentId: AGENT_ID,
    coordinator: { url: options.voters.url },
    voters: options.voters.settings.voters,
    stateDir: options.stateDir ?? tempStateDir(),
    logLevel: 'info',
    sentinel: { host: '127.0.0.1', port: 26379, enabled: false, adminWithoutPassword: false },
    metrics: { host: '127.0.0.1', port: 0, enabled: true },
    peers: [],
    failsafe: { host: '127.0.0.1', port: 0 },
    groups: [group],
    source: 'test',
  };
}

/** A logger whose lines are kept for assertions. */
export function capturingLogger(level = 'debug'): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString('utf8'));
      if (lines.length > 50_000) lines.splice(0, 10_000);
      done();
    },
  });
  return { logger: pino({ level }, stream), lines };
}

export async function runAgent(config: AgentFile, logger?: Logger): Promise<RunningAgent> {
  return startAgent(config, {
    logger: logger ?? pino({ level: 'silent' }),
    sentinel: false,
    defaultMetrics: false,
    onFatal: (error) => {
      throw error;
    },
  });
}

/** A direct client for assertions: no retries, RESP2. */
export function client(port: number): Redis {
  const redis = new Redis({
    host: '127.0.0.1',
    port,
    lazyConnect: false,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: true,
    retryStrategy: () => null,
    protocol: 2,
  });
  redis.on('error', () => undefined);
  return redis;
}

/** Waits until the agent has applied "unfenced" on its local node (a lease from a majority). */
export function waitUnfenced(agent: RunningAgent, port: number, timeoutMs = 3000): Promise<true> {
  return waitFor(
    `${node(port)} unfenced`,
    timeoutMs,
    () => agent.runners[0]?.fenceApplied(node(port)) === 'unfenced',
  );
}

/**
 * Waits until the master on `masterPort` lists the replica on `replicaPort` as online: FAILOVER TO
 * refuses a target that is not ("target replica is not online"), and a replica started beside a
 * fast agent may still be in its first sync when a test asks for a hand-off.
 */
export function waitReplicaOnline(
  masterPort: number,
  replicaPort: number,
  timeoutMs = 10_000,
): Promise<true> {
  return waitFor(`127.0.0.1:${replicaPort} online at 127.0.0.1:${masterPort}`, timeoutMs, async () => {
    const c = client(masterPort);
    try {
      const info = String(await c.call('INFO', 'replication'));
      return info.includes(`port=${replicaPort},state=online`) ? true : undefined;
    } finally {
      c.disconnect();
    }
  });
}

export async function role(port: number): Promise<string> {
  const c = client(port);
  try {
    const reply = (await c.call('ROLE')) as unknown[];
    return reply[0] === 'slave' ? `slave of ${String(reply[1])}:${String(reply[2])}` : String(reply[0]);
  } finally {
    c.disconnect();
  }
}

export async function waitFor<T>(
  what: string,
  timeoutMs: number,
  check: () => Promise<T | undefined | false> | T | undefined | false,
): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    if (performance.now() > deadline)
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`,
      );
    await new Promise((r) => setTimeout(r, 20));
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export type Cleanup = () => Promise<void> | void;

/**
 * Cleanups a test registers, run after it last-first; after the file, every redis-server it
 * started is killed whatever happened. Call once at the top of a test file.
 */
export function cleanupStack(): Cleanup[] {
  const cleanups: Cleanup[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  afterAll(() => killAllRedis());
  return cleanups;
}
