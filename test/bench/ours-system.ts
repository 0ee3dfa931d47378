// edge-sentinel under test: the infra/local stack with a fault proxy in front of every node, of each agent's voter link and of every agent-to-agent failsafe link.
import { z } from 'zod';
import { getStatus, postAdmin } from '../../infra/local/coordinator-client.js';
import { defaultStackOptions } from '../../infra/local/options.js';
import { nodeRole } from '../../infra/local/redis-query.js';
import { type LocalStack, startStack } from '../../infra/local/stack.js';
import { sleep, waitFor } from '../../infra/local/wait.js';
import { type FaultProxy, startFaultProxy } from '../support/fault-proxy.js';
import { startUdpFaultProxy, type UdpFaultProxy } from '../support/udp-fault-proxy.js';
import { EndpointProbe } from './endpoint-probe.js';
import { type EventClock, voterEventClock } from './event-clock.js';
import type { OursPorts } from './plan.js';
import type { BenchNode, SystemUnderTest } from './system.js';

export interface OursSpec {
  readonly root: string;
  readonly runDir: string;
  readonly ports: OursPorts;
  readonly downAfterMs: number;
  readonly failoverTimeoutMs: number;
  readonly fencing: boolean;
  /** Agents keep the master writable on each other's grants while the voters are unreachable. */
  readonly failsafe: boolean;
}

/** One direction of the failsafe link between two agents (datagrams from agent `from` to agent `to`). */
interface FailsafeLink {
  readonly from: number;
  readonly to: number;
  readonly proxy: UdpFaultProxy;
}

const NODES = 3;

const MasterSchema = z.object({ host: z.string(), port: z.number().int(), epoch: z.number().int() });

/**
 * Every node is named by its proxy (announcePorts), so replicas, the other agents and clients
 * reach it only through the proxy; its own agent uses the real port. Each agent reaches wrangler
 * dev through a proxy of its own (agentRoutes), and every other agent's failsafe endpoint through
 * a one-way UDP proxy per direction (failsafeRoutes: an agent answers at its configured address
 * for the asker, not at a datagram's source, so a link is two proxies). Isolating node i
 * blackholes its TCP proxies and every failsafe link to or from its agent: the master and its
 * agent are cut off together, as in test/e2e/isolation.e2e.test.ts. Without the failsafe links,
 * an isolated master would keep writing on its peers' grants.
 */
export async function startOurs(spec: OursSpec, log: (line: string) => void): Promise<OursSystem> {
  const p = spec.ports;
  const proxies: FaultProxy[] = [];
  const links: FailsafeLink[] = [];
  try {
    for (let i = 0; i < NODES; i++) {
      proxies.push(await startFaultProxy({ host: '127.0.0.1', port: p.redis + i }, p.nodeProxy + i));
    }
    for (let i = 0; i < NODES; i++) {
      proxies.push(await startFaultProxy({ host: '127.0.0.1', port: p.coordinator }, p.coordinatorProxy + i));
    }
    const announcePorts: Record<number, number> = {};
    const agentRoutes: Record<number, Record<string, string>> = {};
    const failsafeRoutes: Record<number, Record<number, number>> = {};
    for (let i = 0; i < NODES; i++) {
      announcePorts[i] = p.nodeProxy + i;
      agentRoutes[i] = { [`127.0.0.1:${p.coordinator}`]: `127.0.0.1:${p.coordinatorProxy + i}` };
      const routes: Record<number, number> = {};
      failsafeRoutes[i] = routes;
      for (let j = 0; j < NODES; j++) {
        if (j === i) continue;
        // Agent j's failsafe endpoint is UDP on its Sentinel port's number (infra/local/stack-agent-spec.ts).
        const port = p.failsafeProxy + NODES * i + j;
        links.push({
          from: i,
          to: j,
          proxy: await startUdpFaultProxy({ host: '127.0.0.1', port: p.sentinel + j }, port),
        });
        routes[j] = port;
      }
    }
    const stack = await startStack(
      {
        ...defaultStackOptions(spec.root),
        runDir: spec.runDir,
        nodes: NODES,
        redisPort: p.redis,
        sentinelPort: p.sentinel,
        metricsPort: p.metrics,
        coordinatorPort: p.coordinator,
        downAfterMs: spec.downAfterMs,
        failoverTimeoutMs: spec.failoverTimeoutMs,
        fencing: spec.fencing,
        failsafe: spec.failsafe,
        announcePorts,
        agentRoutes,
        failsafeRoutes,
      },
      log,
    );
    // Freshly started voters judge a down master only after their restart grace (2 x down-after by
    // default: agents reconnecting after a deploy must not look like a dead master). A deployment
    // that has been running is past it, hibernation included, so the runs start after it too.
    await sleep(2 * spec.downAfterMs);
    return new OursSystem(stack, proxies, links, spec.downAfterMs);
  } catch (error) {
    await Promise.all([...proxies, ...links.map((l) => l.proxy)].map((x) => x.close()));
    throw error;
  }
}

export class OursSystem implements SystemUnderTest {
  readonly kind = 'ours' as const;
  readonly nodes: readonly BenchNode[];
  private readonly probe: EndpointProbe;
  private readonly events: EventClock;

  constructor(
    readonly stack: LocalStack,
    private readonly proxies: readonly FaultProxy[],
    private readonly links: readonly FailsafeLink[],
    readonly downAfterMs: number,
  ) {
    this.nodes = stack.nodes.map((n) => ({ index: n.index, address: n.address, port: n.port }));
    this.probe = new EndpointProbe(stack.sentinels);
    this.events = voterEventClock(stack.coordinatorUrl, stack.options.group, stack.options.voters);
  }

  milestonesSince(sinceMs: number) {
    return this.events.milestonesSince(sinceMs);
  }

  get group(): string {
    return this.stack.options.group;
  }

  get coordinatorUrl(): string {
    return this.stack.coordinatorUrl;
  }

  /** The Worker's own socket, behind wrangler dev's proxy. */
  workerSocketUrl(): Promise<string> {
    return this.stack.workerSocketUrl();
  }

  endpoints(excludeNode?: number) {
    return this.stack.sentinels.filter((_, i) => i !== excludeNode).map((s) => ({ ...s }));
  }

  async published() {
    const m = await this.stack.publishedMaster();
    return { address: `${m.host}:${m.port}`, epoch: m.epoch };
  }

  /** The HTTP endpoint's long-poll (`?waitEpoch=`): it answers as soon as a newer epoch is published. */
  async waitNewMaster(old: string, epoch: number, timeoutMs: number): Promise<string> {
    const deadline = performance.now() + timeoutMs;
    let seen = epoch;
    for (;;) {
      const left = Math.round(deadline - performance.now());
      if (left <= 0) throw new Error(`no new master on the HTTP endpoint within ${timeoutMs} ms`);
      const url = `${this.coordinatorUrl}/v1/groups/${this.group}/master?waitEpoch=${seen}&timeoutMs=${Math.min(left, 30_000)}`;
      try {
        const response = await fetch(url, { signal: AbortSignal.timeout(left + 2000) });
        if (response.status === 200) {
          const m = MasterSchema.parse(await response.json());
          const address = `${m.host}:${m.port}`;
          if (address !== old) return address;
          seen = Math.max(seen, m.epoch);
          continue;
        }
        await response.body?.cancel();
      } catch {
        // wrangler busy or the read timed out: ask again.
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  endpointMasters() {
    return this.probe.masters(this.group);
  }

  waitHealthy(timeoutMs: number): Promise<string> {
    return waitFor(
      'edge-sentinel: one master, two linked replicas, every agent connected and agreeing',
      timeoutMs,
      async () => {
        const { address } = await this.published();
        const problems = await topologyProblems(this.nodes, address);
        const status = await getStatus(this.coordinatorUrl, this.group);
        if (status.agents.length !== NODES) problems.push(`${status.agents.length} agents known`);
        for (const agent of status.agents) {
          if (agent.connectedTo.length !== this.stack.options.voters)
            problems.push(`${agent.agentId} connected to voters ${agent.connectedTo.join(',')}`);
          for (const view of agent.views)
            if (view.sdown) problems.push(`${agent.agentId} sees ${view.node} down`);
        }
        const answers = await this.endpointMasters();
        if (answers.some((a) => a !== address)) problems.push(`agents say ${answers.join(', ')}`);
        if (problems.length > 0) throw new Error(problems.join('; '));
        return address;
      },
      100,
    );
  }

  killRedis(index: number) {
    return this.stack.killRedis(index);
  }

  restartRedisAsReplica(index: number, master: string) {
    return this.stack.restartRedisEmpty(index, master);
  }

  isolate(index: number): void {
    this.proxies[index]?.blackhole();
    this.proxies[NODES + index]?.blackhole();
    for (const link of this.linksOf(index)) link.proxy.blackhole();
  }

  heal(index: number): void {
    this.proxies[index]?.restore();
    this.proxies[NODES + index]?.restore();
    for (const link of this.linksOf(index)) link.proxy.restore();
  }

  private linksOf(index: number): FailsafeLink[] {
    return this.links.filter((l) => l.from === index || l.to === index);
  }

  /** Blackholes every agent's link to the voters (a coordinator outage); nodes and failsafe links stay up. */
  cutCoordinator(): void {
    for (let i = 0; i < NODES; i++) this.proxies[NODES + i]?.blackhole();
  }

  restoreCoordinator(): void {
    for (let i = 0; i < NODES; i++) this.proxies[NODES + i]?.restore();
  }

  async switchover(target: string): Promise<void> {
    const answer = await postAdmin(this.coordinatorUrl, this.group, 'switchover', this.stack.adminToken, {
      target,
    });
    if (answer.status !== 202)
      throw new Error(`switchover answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  }

  /** Both processes of every agent as shipped: the supervisor (the unit's main process) and the agent it forked. */
  monitorPids(): number[] {
    return this.agentProcesses().flatMap((box) => [box.agent, box.supervisor]);
  }

  /** Per node, in node order: the dead-man supervisor and the agent under it. Throws if one is missing. */
  agentProcesses(): { readonly supervisor: number; readonly agent: number }[] {
    return this.stack.nodes.map((n) => {
      const agent = this.stack.agentPid(n.index);
      if (n.agent === null || !n.agent.running() || agent === null)
        throw new Error(`${n.agentId}: no running supervisor with an agent under it`);
      return { supervisor: n.agent.pid, agent };
    });
  }

  async stop(): Promise<void> {
    this.probe.close();
    await this.stack.stop();
    await Promise.all([...this.proxies, ...this.links.map((l) => l.proxy)].map((x) => x.close()));
  }
}

/** What is wrong with the redis side: `master` must be master, every other node its replica with the link up. */
export async function topologyProblems(nodes: readonly BenchNode[], master: string): Promise<string[]> {
  const problems: string[] = [];
  await Promise.all(
    nodes.map(async (n) => {
      const role = await nodeRole(n.port).catch(() => null);
      if (role === null) problems.push(`${n.address} unreachable`);
      else if (n.address === master) {
        if (role.role !== 'master') problems.push(`${n.address} is ${role.role}, not master`);
      } else if (role.role !== 'replica' || role.masterAddr !== master || !role.linkUp) {
        problems.push(
          `${n.address} is ${role.role} of ${role.masterAddr ?? 'nothing'} (link ${role.linkUp ? 'up' : 'down'})`,
        );
      }
    }),
  );
  return problems;
}
