// A stack for measuring an agent at scale: one wrangler dev serving N groups on three redis-servers, then on demand one agent serving the first n of them, or a redis-sentinel monitoring n masters.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { AGENT_NODE_FLAGS } from '../../infra/agent/node-flags.mjs';
import { type AgentSpec, agentConfigPath, agentFile, launchAgent } from '../../infra/local/agent-process.js';
import { startCoordinator } from '../../infra/local/coordinator.js';
import { checkPrerequisites, type Prerequisites } from '../../infra/local/prerequisites.js';
import type { GroupProcess } from '../../infra/local/process-group.js';
import { startRedisNode } from '../../infra/local/redis-node.js';
import { portOpen, waitFor } from '../../infra/local/wait.js';
import { agentToken } from '../../workers/auth/hmac.js';
import { initialConfig } from '../../workers/protocol/index.js';
import { FakeVoters, TEST_AGENT_SECRET } from '../agent/runtime/fake-voters.js';
import { EndpointProbe } from './endpoint-probe.js';
import { firstChildPid } from './proc-stats.js';
import { spawnSentinel } from './sentinel-conf.js';

export interface ScalePorts {
  /** Node i listens on redis + i. */
  readonly redis: number;
  readonly coordinator: number;
  readonly sentinel: number;
  /** The agent's Sentinel port (its failsafe endpoint is UDP on the same number). */
  readonly agentSentinel: number;
  readonly metrics: number;
}

export interface Stoppable {
  stop(): Promise<void>;
}

/** How the bench keeps track of what it started (so an interrupted run stops it all). */
export interface ProcessHooks {
  started<T extends Stoppable>(s: Promise<T>): Promise<T>;
  stopped(s: Stoppable): Promise<void>;
}

const untracked: ProcessHooks = { started: (s) => s, stopped: (s) => s.stop() };

/** How to run the agent: as shipped (the supervisor forking the agent), or the agent bundle alone. */
export interface AgentLaunch {
  /** The supervisor bundle when `supervised`, else an agent entry (bundle or tsx entry). */
  readonly script: string;
  readonly supervised: boolean;
  /** Node flags; default the shipped ones. */
  readonly nodeFlags?: readonly string[];
  /** The node it runs beside (0: every group's master); default the stack's `agentNode`. */
  readonly node?: number;
}

export interface ScaleAgent extends Stoppable {
  /** The agent process (the supervisor's child when supervised). */
  readonly agentPid: number;
  readonly supervisorPid: number | null;
}

const NODES = 3;

/** The agent's file settings for running beside node `local`, every other node its peer. */
function besideNode(
  ports: ScalePorts,
  local: number,
  spec: Omit<AgentSpec, 'redisPort' | 'otherNodes'>,
): AgentSpec {
  if (!Number.isInteger(local) || local < 0 || local >= NODES) throw new Error(`no node ${local}`);
  return {
    ...spec,
    redisPort: ports.redis + local,
    otherNodes: [0, 1, 2]
      .filter((j) => j !== local)
      .map((j) => ({
        node: `127.0.0.1:${ports.redis + j}`,
        agent: `127.0.0.1:${ports.agentSentinel + 10 + j}`,
      })),
  };
}

export const groupNames = (n: number): string[] =>
  Array.from({ length: n }, (_, i) => (i === 0 ? 'mymaster' : `g${String(i).padStart(3, '0')}`));

function descendants(pid: number): number[] {
  let children: number[] = [];
  try {
    const text = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
    children = text === '' ? [] : text.split(/\s+/).map(Number);
  } catch {
    return [];
  }
  return children.flatMap((child) => [child, ...descendants(child)]);
}

/**
 * One group of the GROUPS table: the master and quorum, everything else the Worker's defaults (3
 * voters, down-after 1000 ms, failover timeout 6000 ms, parallel-syncs 1, fencing on, the lease
 * down-after), which are the local stack's. Short on purpose: wrangler hands GROUPS to workerd as
 * one environment string, which Linux caps at 128 KiB (spawn E2BIG): about 1,000 groups fit this
 * way, 600 with every field written out.
 */
function groupTable(master: string, leaseMs: number | undefined): Record<string, unknown> {
  return { master, quorum: 2, ...(leaseMs === undefined ? {} : { leaseMs }) };
}

/** Stand-in voters for every group, with the local stack's settings and node 0 master at epoch 0. */
async function startStandIn(
  names: readonly string[],
  master: string,
  leaseMs: number | undefined,
): Promise<Stoppable & { readonly voters: FakeVoters }> {
  const stand = await FakeVoters.start(names, { voters: 3, downAfterMs: 1000, leaseMs: leaseMs ?? 1000 });
  stand.push(initialConfig(master));
  return { voters: stand, stop: () => stand.close() };
}

export class ScaleStack {
  private readonly probe: EndpointProbe;

  private constructor(
    private readonly runDir: string,
    private readonly root: string,
    private readonly tools: Prerequisites,
    readonly names: readonly string[],
    private readonly ports: ScalePorts,
    private readonly spec: AgentSpec,
    /** wrangler dev; null with stand-in voters. */
    private readonly coordinator: GroupProcess | null,
    private readonly processes: Stoppable[],
    private readonly hooks: ProcessHooks,
  ) {
    this.probe = new EndpointProbe([{ host: '127.0.0.1', port: ports.agentSentinel }]);
  }

  /** wrangler dev (or stand-in voters) with `groups` groups of 3 voters and three redis-servers (node 0 master). */
  static async start(
    options: {
      readonly root: string;
      readonly runDir: string;
      readonly groups: number;
      readonly ports: ScalePorts;
      readonly readyTimeoutMs?: number;
      /** The groups' lease (default: down-after, as the coordinator's). */
      readonly leaseMs?: number;
      /**
       * Stand-in voters instead of wrangler dev: `FakeVoters` in this process, the real voter
       * protocol over real WebSockets (settings, one config, lease pongs), for an agent with more
       * groups than one local wrangler dev serves. It measures the agent, not the coordinator.
       */
      readonly standInVoters?: boolean;
      /** The node the agent runs beside: 0, the master of every group (default), or a replica. */
      readonly agentNode?: number;
    },
    hooks: ProcessHooks = untracked,
  ): Promise<ScaleStack> {
    const checked = checkPrerequisites(options.root);
    if (!checked.ok) throw new Error(checked.problems.join('\n'));
    const { runDir, ports } = options;
    mkdirSync(join(runDir, 'logs'), { recursive: true });
    const names = groupNames(options.groups);
    const secret = randomBytes(24).toString('hex');
    const processes: Stoppable[] = [];
    const master = `127.0.0.1:${ports.redis}`;
    const standIn =
      options.standInVoters === true
        ? await hooks.started(startStandIn(names, master, options.leaseMs))
        : null;
    if (standIn !== null) processes.push(standIn);
    const coordinator =
      standIn !== null
        ? null
        : await hooks.started(
            startCoordinator({
              root: options.root,
              wranglerJs: checked.found.wranglerJs,
              port: ports.coordinator,
              runDir,
              secrets: { AGENT_SECRET: secret, ADMIN_TOKEN: randomBytes(24).toString('hex') },
              groups: Object.fromEntries(names.map((group) => [group, groupTable(master, options.leaseMs)])),
              ...(options.readyTimeoutMs === undefined ? {} : { readyTimeoutMs: options.readyTimeoutMs }),
            }).then((c) => c.process),
          );
    if (coordinator !== null) processes.push(coordinator);
    for (let i = 0; i < NODES; i++) {
      const node = await hooks.started(
        startRedisNode({
          redisServer: checked.found.redisServer,
          port: ports.redis + i,
          runDir,
          ...(i === 0 ? {} : { replicaOf: master }),
        }),
      );
      processes.push(node);
    }
    const spec: AgentSpec = besideNode(ports, options.agentNode ?? 0, {
      agentId: 'agent-a',
      group: names[0] ?? 'mymaster',
      coordinatorUrl: standIn?.voters.url ?? `http://127.0.0.1:${ports.coordinator}`,
      agentSecret: standIn === null ? secret : TEST_AGENT_SECRET,
      adminToken: 'unused',
      voters: 3,
      fencing: true,
      sentinelPort: ports.agentSentinel,
      failsafePort: ports.agentSentinel,
      failsafeSecret: secret,
      metricsPort: ports.metrics,
      peers: [],
      logLevel: 'info',
      runDir,
    });
    return new ScaleStack(
      runDir,
      options.root,
      checked.found,
      names,
      ports,
      spec,
      coordinator,
      processes,
      hooks,
    );
  }

  /** wrangler dev and its workerd processes; none with stand-in voters (they run in this process). */
  coordinatorPids(): number[] {
    const coordinator = this.coordinator;
    return coordinator === null ? [] : [coordinator.pid, ...descendants(coordinator.pid)];
  }

  get master(): string {
    return `127.0.0.1:${this.ports.redis}`;
  }

  /** A redis-sentinel monitoring the first `groups` groups' master (down-after 1000 ms, quorum 2). */
  async startSentinel(groups: number): Promise<GroupProcess> {
    const proc = await this.hooks.started(
      Promise.resolve(
        spawnSentinel(this.tools.redisServer, this.runDir, {
          port: this.ports.sentinel,
          groups: this.names.slice(0, groups),
          master: this.master,
          quorum: 2,
          downAfterMs: 1000,
          failoverTimeoutMs: 6000,
        }),
      ),
    );
    await waitFor(`redis-sentinel ${this.ports.sentinel}`, 10_000, async () =>
      (await portOpen(this.ports.sentinel)) ? true : undefined,
    );
    return proc;
  }

  /**
   * The agent serving the first `groups` groups (a fresh state directory each time), once its
   * Sentinel port names the master of every one of them.
   */
  async startAgent(groups: number, launch: AgentLaunch): Promise<ScaleAgent> {
    const names = this.names.slice(0, groups);
    const spec = launch.node === undefined ? this.spec : besideNode(this.ports, launch.node, this.spec);
    const agentDir = join(this.runDir, `agent-${spec.agentId}`);
    rmSync(join(agentDir, 'state'), { recursive: true, force: true });
    mkdirSync(join(agentDir, 'state'), { recursive: true });
    const file = await agentFile(spec);
    const [template] = file.groups as Record<string, unknown>[];
    const perGroup = await Promise.all(
      // A deep copy each: shared objects would be written as YAML aliases, which the agent's parser caps.
      names.map(async (name) => ({
        ...structuredClone(template),
        name,
        token: await agentToken(spec.agentSecret, spec.agentId, name),
      })),
    );
    writeFileSync(
      agentConfigPath(this.runDir, spec.agentId),
      `# Generated by test/bench.\n${stringify({ ...file, groups: perGroup })}`,
      { mode: 0o600 },
    );
    const proc = await this.hooks.started(
      launchAgent(
        { ...spec, runDir: this.runDir },
        launch.script,
        this.root,
        launch.nodeFlags ?? AGENT_NODE_FLAGS,
      ),
    );
    await waitFor(
      `the agent to serve ${groups} groups`,
      60_000 + groups * 200,
      async () => {
        for (const group of names) {
          const [answer] = await this.probe.masters(group);
          if (answer !== this.master) throw new Error(`${group}: ${String(answer)}`);
        }
        return true;
      },
      500,
    );
    const agentPid = launch.supervised ? firstChildPid(proc.pid) : proc.pid;
    if (agentPid === null) throw new Error(`no agent process under its supervisor (pid ${proc.pid})`);
    const hooks = this.hooks;
    return {
      agentPid,
      supervisorPid: launch.supervised ? proc.pid : null,
      stop: () => hooks.stopped(proc),
    };
  }

  async stop(): Promise<void> {
    this.probe.close();
    for (const p of [...this.processes].reverse()) await this.hooks.stopped(p);
  }
}
