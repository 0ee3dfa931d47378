// The local stack: wrangler dev (voters + API), N redis-servers and one agent per node, started and stopped together.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { FENCE_MIN_REPLICAS } from '../../agent/runtime/fence.js';
import { buildAgent } from '../scripts/build-agent.js';
import { type AgentSpec, launchAgent, startAgentProcess } from './agent-process.js';
import { type Coordinator, startCoordinator } from './coordinator.js';
import { getMaster, type PublishedMaster } from './coordinator-client.js';
import { portProblems, type StackOptions } from './options.js';
import { checkPrerequisites, type Prerequisites } from './prerequisites.js';
import type { GroupProcess } from './process-group.js';
import { startRedisNode } from './redis-node.js';
import { configGet, sentinelMasterAddr } from './redis-query.js';
import { waitFor } from './wait.js';

export interface StackNode {
  readonly index: number;
  /** "127.0.0.1:port": the node's name everywhere (announce address; `port` unless announcePorts). */
  readonly address: string;
  /** The port redis-server listens on (its own agent connects here). */
  readonly port: number;
  readonly agentId: string;
  readonly sentinelPort: number;
  readonly metricsPort: number;
  redis: GroupProcess | null;
  agent: GroupProcess | null;
}

export interface LocalStack {
  readonly options: StackOptions;
  readonly runDir: string;
  readonly coordinatorUrl: string;
  readonly adminToken: string;
  readonly nodes: readonly StackNode[];
  readonly sentinels: readonly { host: string; port: number }[];
  /** SIGKILL a node's redis-server (its agent keeps running). */
  killRedis(index: number): Promise<void>;
  /**
   * Start a node's redis-server again, empty and without --replicaof (a rebooted master), or with
   * `replicaOf` ("host:port") as a replica of that node (an operator's restart).
   */
  restartRedisEmpty(index: number, replicaOf?: string): Promise<void>;
  /** SIGKILL a node's agent and its supervisor together (the whole unit; nothing fences its node). */
  killAgent(index: number): Promise<void>;
  restartAgent(index: number): Promise<void>;
  /** The agent process under node `index`'s supervisor (its only child), or null. */
  agentPid(index: number): number | null;
  /** A signal to the agent process only (SIGKILL, SIGSTOP, SIGCONT): its supervisor stays. */
  signalAgent(index: number, signal: NodeJS.Signals): void;
  /** Stop `wrangler dev` (SIGTERM, as an operator would); agents, redis and the persisted state stay. */
  stopCoordinator(): Promise<void>;
  /** Start `wrangler dev` again on the same port and persist dir (stopping it first if it runs). */
  restartCoordinator(): Promise<void>;
  publishedMaster(): Promise<PublishedMaster>;
  /** Every running agent's answer to SENTINEL get-master-addr-by-name (null: none or unreachable). */
  agentMasters(): Promise<(string | null)[]>;
  /** Until the HTTP endpoint and every running agent name `address` as the master. */
  waitForMaster(address: string, timeoutMs: number): Promise<PublishedMaster>;
  stop(): Promise<void>;
}

const portOfAddress = (address: string) => Number(address.slice(address.lastIndexOf(':') + 1));

const agentLetter = (i: number) => String.fromCharCode('a'.charCodeAt(0) + i);

/** Runs kept under .local-state (logs for a post-mortem); older ones are removed at the next start. */
const KEPT_RUNS = 10;

export function defaultRunDir(root: string): string {
  const base = join(root, '.local-state');
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  try {
    // ISO timestamps sort by time; the new run is not created yet, hence KEPT_RUNS - 1.
    const runs = readdirSync(base)
      .filter((name) => name.startsWith('run-'))
      .sort();
    for (const old of runs.slice(0, Math.max(0, runs.length - (KEPT_RUNS - 1)))) {
      rmSync(join(base, old), { recursive: true, force: true });
    }
  } catch {
    // No .local-state yet.
  }
  return join(base, `run-${stamp}`);
}

/** The group served by the local wrangler dev: the options' ports, voters, down-after and fencing. */
export function localGroups(o: StackOptions): Record<string, unknown> {
  return {
    [o.group]: {
      master: `127.0.0.1:${o.announcePorts?.[0] ?? o.redisPort}`,
      quorum: o.quorum ?? Math.floor(o.nodes / 2) + 1,
      voters: o.voters,
      downAfterMs: o.downAfterMs,
      failoverTimeoutMs: o.failoverTimeoutMs,
      parallelSyncs: 1,
      fencing: o.fencing,
      webhooks: [],
    },
  };
}

/**
 * Starts everything and resolves once the group has a committed master that the HTTP endpoint and
 * every agent agree on. On any failure, whatever was started is stopped before the error is thrown.
 */
export async function startStack(
  options: StackOptions,
  log: (line: string) => void = () => {},
): Promise<LocalStack> {
  const checked = checkPrerequisites(options.root);
  if (!checked.ok) throw new Error(checked.problems.join('\n'));
  const problems = portProblems(options);
  if (problems.length > 0) throw new Error(problems.join('\n'));
  const runDir = resolve(options.runDir ?? defaultRunDir(options.root));
  mkdirSync(join(runDir, 'logs'), { recursive: true });
  // Agents run from a bundle built now from the working tree, as shipped (npm run build), never a stale dist/.
  const bundle = await buildAgent(options.root, join(runDir, 'edge-sentinel-agent.mjs'));
  log(`built the agent bundle ${bundle.outfile} and its supervisor (${bundle.identity.commit})`);
  const stack = new Stack(options, { ...checked.found, agentBin: bundle.supervisor }, runDir);
  try {
    await stack.start(log);
  } catch (error) {
    await stack.stop();
    throw error;
  }
  return stack;
}

class Stack implements LocalStack {
  readonly nodes: StackNode[];
  readonly sentinels: { host: string; port: number }[];
  readonly adminToken = randomBytes(24).toString('hex');
  private readonly agentSecret = randomBytes(24).toString('hex');
  private readonly failsafeSecret = randomBytes(24).toString('hex');
  private coordinator: Coordinator | null = null;
  private stopping: Promise<void> | null = null;

  constructor(
    readonly options: StackOptions,
    private readonly tools: Prerequisites & { readonly agentBin: string },
    readonly runDir: string,
  ) {
    this.nodes = Array.from({ length: options.nodes }, (_, index) => ({
      index,
      address: `127.0.0.1:${options.announcePorts?.[index] ?? options.redisPort + index}`,
      port: options.redisPort + index,
      agentId: `agent-${agentLetter(index)}`,
      sentinelPort: options.sentinelPort + index,
      metricsPort: options.metricsPort + index,
      redis: null,
      agent: null,
    }));
    this.sentinels = this.nodes.map((n) => ({ host: '127.0.0.1', port: n.sentinelPort }));
  }

  get coordinatorUrl(): string {
    return this.coordinator?.url ?? `http://127.0.0.1:${this.options.coordinatorPort}`;
  }

  async start(log: (line: string) => void): Promise<void> {
    const o = this.options;
    log(`starting wrangler dev on ${this.coordinatorUrl} (${o.voters} voter${o.voters === 1 ? '' : 's'})`);
    this.coordinator = await this.launchCoordinator();
    const [master, ...replicas] = this.nodes;
    if (master === undefined) throw new Error('a stack needs at least one node');
    log(
      `starting redis-server ${master.address} (master) and ${replicas.map((n) => n.port).join(', ') || 'no'} replicas`,
    );
    master.redis = await this.startRedis(master, undefined);
    await Promise.all(replicas.map(async (n) => (n.redis = await this.startRedis(n, master.address))));
    log(
      `starting ${this.nodes.length} agents (Sentinel ports ${this.sentinels.map((s) => s.port).join(', ')})`,
    );
    await Promise.all(
      this.nodes.map(
        async (n) => (n.agent = await startAgentProcess(this.agentSpec(n), this.tools.agentBin, o.root)),
      ),
    );
    log('waiting for the committed master');
    await this.waitForMaster(master.address, 60_000);
    if (o.fencing) {
      // Ready means writable: the master's agent unfences it once a majority renewed its lease.
      await waitFor(`${master.address} to be unfenced by its agent`, 30_000, async () =>
        Number(await configGet(master.port, 'min-replicas-to-write')) < FENCE_MIN_REPLICAS ? true : undefined,
      );
    }
  }

  private launchCoordinator(): Promise<Coordinator> {
    const o = this.options;
    return startCoordinator({
      root: o.root,
      wranglerJs: this.tools.wranglerJs,
      port: o.coordinatorPort,
      runDir: this.runDir,
      secrets: {
        AGENT_SECRET: this.agentSecret,
        ADMIN_TOKEN: this.adminToken,
        ...(o.outageDrills === true ? { OUTAGE_DRILLS: 'on' } : {}),
      },
      groups: localGroups(o),
    });
  }

  private startRedis(node: StackNode, replicaOf: string | undefined): Promise<GroupProcess> {
    return startRedisNode({
      redisServer: this.tools.redisServer,
      port: node.port,
      announcePort: portOfAddress(node.address),
      runDir: this.runDir,
      startFenced: this.options.fencing,
      ...(replicaOf === undefined ? {} : { replicaOf }),
    });
  }

  private agentSpec(node: StackNode): AgentSpec {
    const others = this.nodes.filter((n) => n !== node);
    return {
      agentId: node.agentId,
      group: this.options.group,
      coordinatorUrl: this.coordinatorUrl,
      agentSecret: this.agentSecret,
      adminToken: this.adminToken,
      voters: this.options.voters,
      fencing: this.options.fencing,
      redisPort: node.port,
      announce: node.address,
      otherNodes: others.map((n) => ({
        node: n.address,
        agent: `127.0.0.1:${this.options.failsafeRoutes?.[node.index]?.[n.index] ?? n.sentinelPort}`,
      })),
      sentinelPort: node.sentinelPort,
      failsafePort: node.sentinelPort,
      failsafeSecret: this.options.failsafe ? this.failsafeSecret : null,
      metricsPort: node.metricsPort,
      peers: others.map((n) => `127.0.0.1:${n.sentinelPort}`),
      logLevel: this.options.agentLogLevel,
      runDir: this.runDir,
      ...(this.options.agentRoutes?.[node.index] === undefined
        ? {}
        : { routes: this.options.agentRoutes[node.index] }),
    };
  }

  private node(index: number): StackNode {
    const node = this.nodes[index];
    if (node === undefined) throw new Error(`no node ${index}`);
    return node;
  }

  async killRedis(index: number): Promise<void> {
    const node = this.node(index);
    await node.redis?.kill();
    node.redis = null;
  }

  async restartRedisEmpty(index: number, replicaOf?: string): Promise<void> {
    const node = this.node(index);
    if (node.redis?.running()) throw new Error(`redis ${node.address} is still running`);
    node.redis = await this.startRedis(node, replicaOf);
  }

  async killAgent(index: number): Promise<void> {
    const node = this.node(index);
    await node.agent?.kill();
    node.agent = null;
  }

  async restartAgent(index: number): Promise<void> {
    const node = this.node(index);
    if (node.agent?.running()) throw new Error(`${node.agentId} is still running`);
    node.agent = await launchAgent(this.agentSpec(node), this.tools.agentBin, this.options.root);
  }

  agentPid(index: number): number | null {
    const supervisor = this.node(index).agent;
    if (supervisor === null || !supervisor.running()) return null;
    try {
      const children = readFileSync(`/proc/${supervisor.pid}/task/${supervisor.pid}/children`, 'utf8').trim();
      const pid = Number(children.split(/\s+/)[0]);
      return Number.isInteger(pid) && pid > 0 ? pid : null;
    } catch {
      return null;
    }
  }

  signalAgent(index: number, signal: NodeJS.Signals): void {
    const pid = this.agentPid(index);
    if (pid === null) throw new Error(`no agent process under node ${index}'s supervisor`);
    process.kill(pid, signal);
  }

  async stopCoordinator(): Promise<void> {
    await this.coordinator?.process.stop();
  }

  async restartCoordinator(): Promise<void> {
    await this.stopCoordinator();
    // Same run dir: same generated env file (secrets, GROUPS) and the same --persist-to state.
    this.coordinator = await this.launchCoordinator();
  }

  publishedMaster(): Promise<PublishedMaster> {
    return getMaster(this.coordinatorUrl, this.options.group);
  }

  agentMasters(): Promise<(string | null)[]> {
    return Promise.all(
      this.nodes.map((n) =>
        n.agent?.running() ? sentinelMasterAddr(n.sentinelPort, this.options.group).catch(() => null) : null,
      ),
    );
  }

  waitForMaster(address: string, timeoutMs: number): Promise<PublishedMaster> {
    return waitFor(
      `every agent and the HTTP endpoint to name ${address} the master`,
      timeoutMs,
      async () => {
        const published = await this.publishedMaster();
        if (`${published.host}:${published.port}` !== address) {
          throw new Error(
            `HTTP endpoint says ${published.host}:${published.port} at epoch ${published.epoch}`,
          );
        }
        const answers = await this.agentMasters();
        const running = this.nodes.filter((n) => n.agent?.running());
        const wrong = running.filter((n) => answers[n.index] !== address);
        if (wrong.length > 0) {
          throw new Error(wrong.map((n) => `${n.agentId} says ${answers[n.index] ?? 'nothing'}`).join(', '));
        }
        return published;
      },
      100,
    );
  }

  /** Agents first (so none reacts to the others going away), then redis, then wrangler. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      await Promise.all(this.nodes.map((n) => n.agent?.stop()));
      await Promise.all(this.nodes.map((n) => n.redis?.stop()));
      await this.coordinator?.process.stop();
      for (const n of this.nodes) {
        n.agent = null;
        n.redis = null;
      }
    })();
    return this.stopping;
  }
}
