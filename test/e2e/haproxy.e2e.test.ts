// End to end: a real HAProxy routes writes by each agent's GET /primary; a client writing through it follows a SIGKILL failover and a switchover.

import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postAdmin } from '../../infra/local/coordinator-client.js';
import { defaultStackOptions } from '../../infra/local/options.js';
import { existingKeys } from '../../infra/local/redis-query.js';
import { type LocalStack, startStack } from '../../infra/local/stack.js';
import { waitFor } from '../../infra/local/wait.js';
import { HAPROXY_BIN, type RunningHaproxy, startHaproxy } from './haproxy.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
// This file's own ports: redis 7811-7813, Sentinel 26811.., metrics 26821.., wrangler 8881; HAProxy a free one.
const REDIS_PORT = 7811;
const METRICS_PORT = 26821;
const BOUND_MS = 30_000;

interface Ack {
  readonly key: string;
  readonly atMs: number;
  /** The redis-server that executed the write (tcp_port from INFO in the same MULTI). */
  readonly port: number;
}

/** Writes through HAProxy one at a time; each write's MULTI also reads which server executed it. */
class Writer {
  readonly acks: Ack[] = [];
  readonly refusals: { atMs: number; error: string }[] = [];
  private seq = 0;
  private running = true;
  private readonly done: Promise<void>;
  private readonly redis: Redis;

  constructor(port: number) {
    this.redis = new Redis({
      host: '127.0.0.1',
      port,
      protocol: 2,
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      connectTimeout: 1000,
      commandTimeout: 1000,
      retryStrategy: () => 20,
    });
    this.redis.on('error', () => undefined);
    this.done = this.loop();
  }

  private async loop(): Promise<void> {
    while (this.running) {
      const key = `hp:${++this.seq}`;
      try {
        const reply = await this.redis.multi().set(key, String(this.seq)).info('server').exec();
        const info = String(reply?.[1]?.[1] ?? '');
        const port = Number(/tcp_port:(\d+)/.exec(info)?.[1]);
        if (reply?.[0]?.[1] !== 'OK' || !Number.isInteger(port))
          throw new Error(`unexpected reply ${info.slice(0, 80)}`);
        this.acks.push({ key, atMs: performance.now(), port });
        await sleep(5);
      } catch (error) {
        this.refusals.push({ atMs: performance.now(), error: String(error).slice(0, 120) });
        await sleep(20);
      }
    }
  }

  refusedBetween(fromMs: number, toMs: number): number {
    return this.refusals.filter((r) => r.atMs >= fromMs && r.atMs <= toMs).length;
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.done;
    this.redis.disconnect();
  }
}

/** Refused writes counted by kind: no connection, or refused by the node (fenced: NOREPLICAS; demoted: READONLY). */
function refusalKinds(refusals: readonly { error: string }[]): string {
  const counts = new Map<string, number>();
  for (const { error } of refusals) {
    const kind = /EXECABORT|NOREPLICAS|READONLY/.test(error)
      ? 'refused by the node (EXECABORT: fenced or read-only)'
      : /timed out|timeout/i.test(error)
        ? 'timeout'
        : 'no connection through HAProxy';
    counts.set(kind, (counts.get(kind) ?? 0) + 1);
  }
  return [...counts].map(([kind, n]) => `${n} ${kind}`).join(', ') || 'none';
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function primaryCheck(metricsPort: number): Promise<number> {
  try {
    const res = await fetch(`http://127.0.0.1:${metricsPort}/primary`, { signal: AbortSignal.timeout(1000) });
    await res.arrayBuffer();
    return res.status;
  } catch {
    return 0;
  }
}

describe('HAProxy routing writes by GET /primary (3 nodes, 3 agents, 3 voters)', () => {
  let stack: LocalStack;
  let haproxy: RunningHaproxy | null = null;
  let writer: Writer | null = null;
  const dir = mkdtempSync(join(tmpdir(), 'edge-sentinel-haproxy-'));

  beforeAll(async () => {
    if (!existsSync(HAPROXY_BIN)) {
      throw new Error(`${HAPROXY_BIN} is missing: apt-get install haproxy (.ci/run installs it)`);
    }
    stack = await startStack({
      ...defaultStackOptions(root),
      redisPort: REDIS_PORT,
      sentinelPort: 26811,
      metricsPort: METRICS_PORT,
      coordinatorPort: 8881,
    });
    haproxy = await startHaproxy(
      dir,
      stack.nodes.map((n) => ({ name: `n${n.index}`, port: n.port, checkPort: n.metricsPort })),
    );
  }, 120_000);

  afterAll(async () => {
    await writer?.stop();
    await haproxy?.stop();
    await stack?.stop();
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('follows a SIGKILL failover and a switchover; only the committed master ever acknowledges a write', async () => {
    const [old] = stack.nodes;
    if (old === undefined || haproxy === null) throw new Error('no stack');
    // Exactly one agent answers 200 on /primary: the master's (once its lease is renewed after the start).
    const primaryChecks = () => Promise.all(stack.nodes.map((n) => primaryCheck(n.metricsPort)));
    await waitFor('only the master agent answering 200 on /primary', 15_000, async () =>
      JSON.stringify(await primaryChecks()) === '[200,503,503]' ? true : undefined,
    );
    expect(await primaryChecks()).toEqual([200, 503, 503]);
    const w = new Writer(haproxy.port);
    writer = w;
    await waitFor('200 writes through HAProxy', 20_000, async () =>
      w.acks.length >= 200 ? true : undefined,
    );
    expect(new Set(w.acks.map((a) => a.port))).toEqual(new Set([old.port]));

    // 1. SIGKILL the master.
    const killAtMs = performance.now();
    await stack.killRedis(old.index);
    // A reply already on its way when the signal was sent may still arrive: only once the
    // process is reaped can nothing more come from it.
    const killedAtMs = performance.now();
    const firstAfterKill = await waitFor(
      'a write acknowledged by another node after the kill',
      BOUND_MS,
      async () => w.acks.find((a) => a.atMs > killAtMs && a.port !== old.port),
    );
    const failover = stack.nodes.find((n) => n.port === firstAfterKill.port);
    if (failover === undefined) throw new Error(`ack from unknown port ${firstAfterKill.port}`);
    const published = await stack.publishedMaster();
    expect(`${published.host}:${published.port}`).toBe(failover.address);
    const failoverMs = firstAfterKill.atMs - killAtMs;
    const failoverRefused = w.refusedBetween(killAtMs, firstAfterKill.atMs);
    console.log(
      `haproxy: failover seen through HAProxy ${Math.round(failoverMs)} ms (SIGKILL of ${old.address} -> first write acknowledged by ${failover.address}); ${failoverRefused} writes refused meanwhile`,
    );
    expect(failoverMs).toBeLessThan(BOUND_MS);
    await waitFor('200 more writes on the new master', 20_000, async () =>
      w.acks.filter((a) => a.atMs > firstAfterKill.atMs).length >= 200 ? true : undefined,
    );

    // 2. Switch over to the remaining replica via the API.
    const target = stack.nodes.find((n) => n !== old && n !== failover);
    if (target === undefined) throw new Error('no switchover target');
    const askedAtMs = performance.now();
    const answer = await postAdmin(
      stack.coordinatorUrl,
      stack.options.group,
      'switchover',
      stack.adminToken,
      {
        target: target.address,
      },
    );
    expect(answer.status, JSON.stringify(answer.body)).toBe(202);
    const firstOnTarget = await waitFor('a write acknowledged by the switchover target', BOUND_MS, async () =>
      w.acks.find((a) => a.atMs > askedAtMs && a.port === target.port),
    );
    const switchMs = firstOnTarget.atMs - askedAtMs;
    const switchRefused = w.refusedBetween(askedAtMs, firstOnTarget.atMs);
    const lastOnOld = [...w.acks].reverse().find((a) => a.port === failover.port);
    const pauseMs = firstOnTarget.atMs - Math.max(askedAtMs, lastOnOld?.atMs ?? askedAtMs);
    console.log(
      `haproxy: switchover ${failover.address} -> ${target.address}: first write on the target ${Math.round(switchMs)} ms after the request, write pause ${Math.round(pauseMs)} ms; ${switchRefused} writes refused meanwhile`,
    );
    await waitFor('200 more writes on the switchover target', 20_000, async () =>
      w.acks.filter((a) => a.atMs > firstOnTarget.atMs).length >= 200 ? true : undefined,
    );
    await w.stop();
    writer = null;

    // The acknowledging node only ever moved forward: old master, failover master, switchover target.
    const order = [old.port, failover.port, target.port];
    let at = 0;
    for (const ack of w.acks) {
      const index = order.indexOf(ack.port);
      expect(index, `${ack.key} acknowledged by ${ack.port}`).toBeGreaterThanOrEqual(at);
      at = index;
    }
    // Nothing was acknowledged by the killed node after the kill, nor by the old master after its
    // successor took a write.
    expect(w.acks.filter((a) => a.atMs > killedAtMs && a.port === old.port)).toEqual([]);
    expect(w.acks.filter((a) => a.atMs > firstOnTarget.atMs && a.port !== target.port)).toEqual([]);
    // Every write acknowledged after the kill is on the final master (the hand-off loses none); before
    // the kill, only the asynchronous replication window may be lost.
    const afterKill = w.acks.filter((a) => a.atMs > killAtMs && a.port !== old.port).map((a) => a.key);
    const present = await existingKeys(target.port, afterKill);
    expect(afterKill.filter((k) => !present.has(k))).toEqual([]);
    const beforeKill = w.acks.filter((a) => a.port === old.port);
    const presentBefore = await existingKeys(
      target.port,
      beforeKill.map((a) => a.key),
    );
    const lostBefore = beforeKill.filter((a) => !presentBefore.has(a.key));
    for (const lost of lostBefore) expect(killedAtMs - lost.atMs).toBeLessThan(1000);
    // HAProxy now sends only to the target: its agent alone answers 200.
    const checks = await Promise.all(stack.nodes.map((n) => primaryCheck(n.metricsPort)));
    expect(checks[target.index]).toBe(200);
    expect(checks.filter((s) => s === 200)).toHaveLength(1);
    console.log(
      `haproxy: ${w.acks.length} writes acknowledged (${w.acks.filter((a) => a.port === old.port).length} on ${old.address}, ${w.acks.filter((a) => a.port === failover.port).length} on ${failover.address}, ${w.acks.filter((a) => a.port === target.port).length} on ${target.address}), ${w.refusals.length} refused in all, ${lostBefore.length} lost from the last instants before the kill` +
        `; refusals by kind: ${refusalKinds(w.refusals)}`,
    );
  }, 120_000);
});
