// The local stack: wrangler dev (voters + API), N redis-servers and one agent per node, started and stopped together.
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { FENCE_MIN_REPLICAS } from '../../agent/runtime/fence.js';
import { buildAgent } from '../scripts/build-agent.js';
import { launchAgent, startAgentProcess } from './agent-process.js';
import { type Coordinator, coordinatorLogLines, startCoordinator, workerSocketUrl } from './coordinator.js';
import type { PublishedMaster } from './coordinator-client.js';
import { localGroups } from './local-groups.js';
import { agentMasters, publishedMaster, waitForAgreedMaster } from './master-agreement.js';
import { portProblems, type StackOptions } from './options.js';
import { checkPrerequisites, type Prerequisites } from './prerequisites.js';
import type { GroupProcess } from './process-group.js';
import { startRedisNode } from './redis-node.js';
import { configGet } from './redis-query.js';
import { defaultRunDir } from './run-dir.js';
import { type StackSecrets, stackAgentSpec } from './stack-agent-spec.js';
import { portOfAddress, type StackNode, stackNodes } from './stack-nodes.js';
import { supervisedPid } from './supervised-pid.js';
import { waitFor } from './wait.js';

export type { StackNode };

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
   * `replicaOf` ("host:port") as a replica of that node (an operator's restart); `extraArgs` are
   * added to its command line.
   */
  restartRedisEmpty(index: number, replicaOf?: string, extraArgs?: readonly string[]): Promise<void>;
  /**
   * Start a node's redis-server again without --replicaof, loading the data a `SAVE` left in its
   * data directory (a master rebooted with its data); `extraArgs` are added to its command line.
   */
  restartRedisWithData(index: number, extraArgs?: readonly string[]): Promise<void>;
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
  /**
   * Everything `wrangler dev` printed in this run so far (its own lines, the Worker's and the
   * voters' console, workerd's "Uncaught" reports), across restarts, one entry per line.
   */
  coordinatorLog(): string[];
  /**
   * The Worker's own workerd socket behind wrangler dev's proxy (dev only), for measuring the
   * Worker without that proxy; waits up to 10 s for wrangler to say where it is.
   */
  workerSocketUrl(): Promise<string>;
  publishedMaster(): Promise<PublishedMaster>;
  /** Every running agent's answer to SENTINEL get-master-addr-by-name (null: none or unreachable). */
  agentMasters(): Promise<(string | null)[]>;
  /** Until the HTTP endpoint and every running agent name `address` as the master. */
  waitForMaster(address: string, timeoutMs: number): Promise<PublishedMaster>;
  stop(): Promise<void>;
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
  private readonly secrets: StackSecrets = {
    agentSecret: randomBytes(24).toString('hex'),
    adminToken: randomBytes(24).toString('hex'),
    failsafeSecret: randomBytes(24).toString('hex'),
  };
  private coordinator: Coordinator | null = null;
  private stopping: Promise<void> | null = null;

  constructor(
    readonly options: StackOptions,
    private readonly tools: Prerequisites & { readonly agentBin: string },
    readonly runDir: string,
  ) {
    this.nodes = stackNodes(options);
    this.sentinels = this.nodes.map((n) => ({ host: '127.0.0.1', port: n.sentinelPort }));
  }

  get adminToken(): string {
    return this.secrets.adminToken;
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
        Number(await configGet(master.port, 'min-replicas-to-write', o.redisPassword)) < FENCE_MIN_REPLICAS
          ? true
          : undefined,
      );
    }
  }

  private async launchCoordinator(): Promise<Coordinator> {
    try {
      return await this.startCoordinatorOnce();
    } catch (error) {
      // wrangler picks workerd's internal ports itself, free when chosen; another process can
      // take one before workerd binds it. That is the machine's race, not the stack's: once more.
      if (!String(error).includes('Address already in use')) throw error;
      return this.startCoordinatorOnce();
    }
  }

  private startCoordinatorOnce(): Promise<Coordinator> {
    const o = this.options;
    return startCoordinator({
      root: o.root,
      wranglerJs: this.tools.wranglerJs,
      port: o.coordinatorPort,
      runDir: this.runDir,
      secrets: {
        AGENT_SECRET: this.secrets.agentSecret,
        ADMIN_TOKEN: this.secrets.adminToken,
        ...(o.outageDrills === true ? { OUTAGE_DRILLS: 'on' } : {}),
        ...(o.readToken === undefined ? {} : { READ_TOKEN: o.readToken }),
      },
      groups: localGroups(o),
    });
  }

  private startRedis(
    node: StackNode,
    replicaOf: string | undefined,
    restart: { readonly keepData: boolean; readonly extraArgs: readonly string[] } | null = null,
  ): Promise<GroupProcess> {
    return startRedisNode({
      ...restart,
      redisServer: this.tools.redisServer,
      port: node.port,
      announcePort: portOfAddress(node.address),
      runDir: this.runDir,
      startFenced: this.options.fencing,
      ...(replicaOf === undefined ? {} : { replicaOf }),
      ...(this.options.redisPassword === undefined ? {} : { password: this.options.redisPassword }),
    });
  }

  private agentSpec(node: StackNode) {
    return stackAgentSpec({
      options: this.options,
      nodes: this.nodes,
      node,
      coordinatorUrl: this.coordinatorUrl,
      secrets: this.secrets,
      runDir: this.runDir,
    });
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

  async restartRedisEmpty(
    index: number,
    replicaOf?: string,
    extraArgs: readonly string[] = [],
  ): Promise<void> {
    const node = this.node(index);
    if (node.redis?.running()) throw new Error(`redis ${node.address} is still running`);
    node.redis = await this.startRedis(node, replicaOf, { keepData: false, extraArgs });
  }

  async restartRedisWithData(index: number, extraArgs: readonly string[] = []): Promise<void> {
    const node = this.node(index);
    if (node.redis?.running()) throw new Error(`redis ${node.address} is still running`);
    node.redis = await this.startRedis(node, undefined, { keepData: true, extraArgs });
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
    return supervisedPid(this.node(index).agent);
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

  coordinatorLog(): string[] {
    return coordinatorLogLines(
      this.coordinator?.process.logFile ?? join(this.runDir, 'logs', 'wrangler.log'),
    );
  }

  workerSocketUrl(): Promise<string> {
    const coordinator = this.coordinator;
    if (coordinator === null) return Promise.reject(new Error('wrangler dev is not running'));
    return waitFor(`the Worker's socket in ${coordinator.debugLogFile}`, 10_000, async () => {
      return workerSocketUrl(coordinator) ?? undefined;
    });
  }

  publishedMaster(): Promise<PublishedMaster> {
    return publishedMaster(this);
  }

  agentMasters(): Promise<(string | null)[]> {
    return agentMasters(this);
  }

  waitForMaster(address: string, timeoutMs: number): Promise<PublishedMaster> {
    return waitForAgreedMaster(this, address, timeoutMs);
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
