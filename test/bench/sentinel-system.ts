// Real Redis Sentinel under test: three redis-servers behind fault proxies and three `redis-server --sentinel`.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { checkPrerequisites } from '../../infra/local/prerequisites.js';
import type { GroupProcess } from '../../infra/local/process-group.js';
import { startRedisNode } from '../../infra/local/redis-node.js';
import { portOpen, sleep, waitFor } from '../../infra/local/wait.js';
import { type FaultProxy, startFaultProxy } from '../support/fault-proxy.js';
import { EndpointProbe, fieldsOf } from './endpoint-probe.js';
import { type EventClock, sentinelEventClock } from './event-clock.js';
import { topologyProblems } from './ours-system.js';
import type { SentinelPorts } from './plan.js';
import { spawnSentinel } from './sentinel-conf.js';
import type { BenchNode, SystemUnderTest } from './system.js';

export interface SentinelSpec {
  readonly root: string;
  readonly runDir: string;
  readonly ports: SentinelPorts;
  readonly group: string;
  readonly downAfterMs: number;
  readonly failoverTimeoutMs: number;
}

const NODES = 3;
const SENTINELS = 3;
const QUORUM = 2;

/**
 * Every node is named by its proxy: replicas start with `--replicaof <proxy of node 0>`, every
 * node announces its proxy port as a replica (`replica-announce-port`, so the replica list
 * Sentinel reads from the master's INFO carries proxy addresses), and the sentinels monitor the
 * proxy address. So sentinels, replicas and Sentinel-mode clients reach a node only through its
 * proxy, and blackholing one proxy isolates that node and nothing else. Only the "inside" client
 * writes to a node's real port.
 */
export async function startSentinelSystem(
  spec: SentinelSpec,
  log: (line: string) => void,
): Promise<SentinelSystem> {
  const checked = checkPrerequisites(spec.root);
  if (!checked.ok) throw new Error(checked.problems.join('\n'));
  const system = new SentinelSystem(spec, checked.found.redisServer);
  try {
    await system.start(log);
  } catch (error) {
    await system.stop();
    throw error;
  }
  return system;
}

export class SentinelSystem implements SystemUnderTest {
  readonly kind = 'sentinel' as const;
  readonly nodes: readonly BenchNode[];
  downAfterMs: number;
  private readonly proxies: FaultProxy[] = [];
  private readonly redis: (GroupProcess | null)[] = [null, null, null];
  private readonly sentinels: GroupProcess[] = [];
  private readonly probe: EndpointProbe;
  private events: EventClock | null = null;
  private readonly dir: string;

  constructor(
    private readonly spec: SentinelSpec,
    private readonly redisServer: string,
  ) {
    const p = spec.ports;
    this.downAfterMs = spec.downAfterMs;
    this.nodes = Array.from({ length: NODES }, (_, index) => ({
      index,
      address: `127.0.0.1:${p.nodeProxy + index}`,
      port: p.redis + index,
    }));
    this.probe = new EndpointProbe(this.endpoints());
    this.dir = join(spec.runDir, 'sentinel');
  }

  get group(): string {
    return this.spec.group;
  }

  async start(log: (line: string) => void): Promise<void> {
    mkdirSync(join(this.dir, 'logs'), { recursive: true });
    for (const n of this.nodes) {
      this.proxies.push(
        await startFaultProxy({ host: '127.0.0.1', port: n.port }, this.spec.ports.nodeProxy + n.index),
      );
    }
    const [master] = this.nodes;
    if (master === undefined) throw new Error('no node 0');
    log(`starting redis-server ${this.nodes.map((n) => n.port).join(', ')} for Redis Sentinel`);
    for (const n of this.nodes) {
      await this.startNode(n.index, n === master ? undefined : master.address);
    }
    log(
      `starting redis-sentinel ${this.endpoints()
        .map((e) => e.port)
        .join(', ')} (quorum ${QUORUM})`,
    );
    for (let i = 0; i < SENTINELS; i++) {
      const port = this.spec.ports.sentinel + i;
      if (await portOpen(port)) throw new Error(`port ${port} is already in use`);
      const proc = spawnSentinel(this.redisServer, this.dir, {
        port,
        groups: [this.spec.group],
        master: master.address,
        quorum: QUORUM,
        downAfterMs: this.spec.downAfterMs,
        failoverTimeoutMs: this.spec.failoverTimeoutMs,
      });
      this.sentinels.push(proc);
      await waitFor(`redis-sentinel on ${port} (log ${proc.logFile})`, 10_000, async () => {
        if (!proc.running()) throw new Error(`redis-sentinel exited: ${await proc.exited}`);
        return (await portOpen(port)) ? true : undefined;
      });
    }
    this.events = sentinelEventClock(this.endpoints());
    await this.waitHealthy(30_000);
  }

  async milestonesSince(sinceMs: number) {
    return (await this.events?.milestonesSince(sinceMs)) ?? {};
  }

  private async startNode(index: number, replicaOf: string | undefined): Promise<void> {
    const n = this.nodes[index];
    if (n === undefined) throw new Error(`no node ${index}`);
    this.redis[index] = await startRedisNode({
      redisServer: this.redisServer,
      port: n.port,
      announcePort: this.spec.ports.nodeProxy + index,
      runDir: this.dir,
      ...(replicaOf === undefined ? {} : { replicaOf }),
    });
  }

  endpoints(excludeNode?: number) {
    return Array.from({ length: SENTINELS }, (_, i) => ({
      host: '127.0.0.1',
      port: this.spec.ports.sentinel + i,
    })).filter((_, i) => i !== excludeNode);
  }

  /** What the sentinels agree on (all three must): there is no epoch-versioned read path to compare. */
  async published() {
    const answers = await this.probe.masters(this.group);
    const first = answers[0];
    if (first === null || first === undefined || answers.some((a) => a !== first))
      throw new Error(`the sentinels disagree: ${answers.join(', ')}`);
    const fields = fieldsOf(await this.probe.call(0, 'SENTINEL', 'master', this.group));
    return { address: first, epoch: Number(fields['config-epoch'] ?? 0) };
  }

  /** Polls every sentinel's `get-master-addr-by-name` every 20 ms; the first to change wins. */
  waitNewMaster(old: string, _epoch: number, timeoutMs: number): Promise<string> {
    return waitFor(
      'a sentinel to name a new master',
      timeoutMs,
      async () => (await this.probe.masters(this.group)).find((a) => a !== null && a !== old) ?? undefined,
      20,
    );
  }

  endpointMasters() {
    return this.probe.masters(this.group);
  }

  waitHealthy(timeoutMs: number): Promise<string> {
    return waitFor(
      'Redis Sentinel: one master, two linked replicas, three sentinels agreeing and seeing them all',
      timeoutMs,
      async () => {
        const { address } = await this.published();
        const problems = await topologyProblems(this.nodes, address);
        for (let i = 0; i < SENTINELS; i++) {
          const master = fieldsOf(await this.probe.call(i, 'SENTINEL', 'master', this.group));
          if (master.flags !== 'master') problems.push(`sentinel ${i} flags the master ${master.flags}`);
          if (master['num-other-sentinels'] !== String(SENTINELS - 1))
            problems.push(`sentinel ${i} knows ${master['num-other-sentinels']} other sentinels`);
          const replicas = await this.probe.call(i, 'SENTINEL', 'replicas', this.group);
          const healthy = (Array.isArray(replicas) ? replicas : [])
            .map(fieldsOf)
            .filter((r) => r.flags === 'slave' && r['master-link-status'] === 'ok');
          if (healthy.length !== NODES - 1)
            problems.push(`sentinel ${i} sees ${healthy.length} healthy replicas`);
        }
        if (problems.length > 0) throw new Error(problems.join('; '));
        return address;
      },
      100,
    );
  }

  async killRedis(index: number): Promise<void> {
    await this.redis[index]?.kill();
    this.redis[index] = null;
  }

  async restartRedisAsReplica(index: number, master: string): Promise<void> {
    if (this.redis[index]?.running()) throw new Error(`node ${index} is still running`);
    await this.startNode(index, master);
  }

  isolate(index: number): void {
    this.proxies[index]?.blackhole();
  }

  heal(index: number): void {
    this.proxies[index]?.restore();
  }

  /** `SENTINEL FAILOVER` picks the replica itself; `target` cannot be honoured. */
  async switchover(_target: string): Promise<void> {
    const reply = await this.probe.call(0, 'SENTINEL', 'FAILOVER', this.group);
    if (reply !== 'OK') throw new Error(`SENTINEL FAILOVER answered ${String(reply)}`);
  }

  /** `SENTINEL SET down-after-milliseconds` on every sentinel (no restart needed, unlike ours). */
  async setDownAfter(ms: number): Promise<void> {
    for (let i = 0; i < SENTINELS; i++) {
      await this.probe.call(i, 'SENTINEL', 'SET', this.group, 'down-after-milliseconds', String(ms));
    }
    this.downAfterMs = ms;
    // Let the next INFO/PING round see the new value before anything is killed.
    await sleep(200);
  }

  /** `min-replicas-to-write` on every running node (only a master applies it; set everywhere so it follows). */
  async setMinReplicasToWrite(n: number): Promise<void> {
    for (const node of this.nodes) {
      if (!this.redis[node.index]?.running()) continue;
      const client = new Redis({ host: '127.0.0.1', port: node.port, protocol: 2, maxRetriesPerRequest: 0 });
      client.on('error', () => undefined);
      try {
        await client.config('SET', 'min-replicas-to-write', String(n));
      } finally {
        client.disconnect();
      }
    }
  }

  monitorPids(): number[] {
    return this.sentinels.filter((s) => s.running()).map((s) => s.pid);
  }

  async stop(): Promise<void> {
    this.probe.close();
    this.events?.close();
    await Promise.all(this.sentinels.map((s) => s.stop()));
    await Promise.all(this.redis.map((r) => r?.stop()));
    await Promise.all(this.proxies.map((x) => x.close()));
  }
}
