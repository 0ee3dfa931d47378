// The agent process: state files, one GroupRunner per group, the fence owner, the failsafe endpoint, metrics, Sentinel, graceful stop.

import { instancePayload } from '../../workers/protocol/index.js';
import { type AgentFile, type GroupSection, rereadSecretFile } from '../config/load.js';
import { answerHealthCheck } from '../core/health-checks.js';
import { failsafeStatus } from '../core/index.js';
import { AdminClient } from './admin-client.js';
import { type Clock, monotonicClock } from './clock.js';
import { AgentStartError } from './errors.js';
import { FenceClient } from './fence-client.js';
import { FenceOwner, type FencePort, type FenceRetargeting, type FenceTarget } from './fence-owner.js';
import type { GroupRunner } from './group-runner.js';
import { type FailsafeEndpoint, groupRunners, startPeerEndpoint } from './group-wiring.js';
import { memoizedInfoParser } from './info-memo.js';
import type { Logger } from './logger.js';
import { AgentMetrics, type Health, type HealthChecks, startMetricsServer } from './metrics.js';
import { connectionAccess, fileAccess, type NodeAccessValues } from './node-access.js';
import { NodeAccessRegistry } from './node-access-registry.js';
import { NodePool } from './node-pool.js';
import { PeerSentinels } from './peer-sentinels.js';
import { type RunningSentinelServer, startSentinel } from './sentinel-server.js';
import { RuntimeSentinelSource } from './sentinel-source.js';
import { sharedIntervals } from './shared-intervals.js';
import { currentBootId, prepareStateDir } from './state-file.js';
import { realTimers, type Timers } from './timers.js';

export { AgentStartError } from './errors.js';

export interface AgentOptions {
  readonly logger: Logger;
  readonly clock?: Clock;
  readonly timers?: Timers;
  /** Serve the Sentinel protocol (if enabled in the file); tests of other parts turn it off. */
  readonly sentinel?: boolean;
  readonly defaultMetrics?: boolean;
  /** A broken invariant in a core: default logs and exits 1 so the supervisor restarts from the state file. */
  readonly onFatal?: (error: unknown) => void;
  /**
   * Who applies the fences: the supervisor, over IPC, as shipped (agent/supervisor/); default an
   * owner in this process (tests, and a development run), which dies with the agent.
   */
  readonly fence?: FencePort & FenceRetargeting;
}

export interface RunningAgent {
  readonly runners: readonly GroupRunner[];
  readonly source: RuntimeSentinelSource;
  readonly metrics: AgentMetrics;
  readonly metricsPort: number | null;
  /** The UDP port of the failsafe endpoint (null: no group has the failsafe on). */
  readonly failsafePort: number | null;
  /** Each group's node credentials and renamed commands now (SENTINEL SET changes them). */
  readonly nodeAccess: NodeAccessRegistry;
  /** SIGHUP: read every group's passwordFile again; a new password reconnects the group's node links and fence. */
  reloadSecrets(): void;
  stop(): Promise<void>;
}

/** How long shutdown waits for a command already sent to Redis. */
const COMMAND_GRACE_MS = 5_000;

/** A group's local node as its fence owner must reach it, with the group's credentials and renamed commands. */
export function fenceTarget(group: GroupSection, access: NodeAccessValues = fileAccess(group)): FenceTarget {
  const { local } = group;
  return {
    node: local.announce,
    host: local.host,
    port: local.port,
    ...connectionAccess(local, access),
    ...(local.minReplicasToWrite === undefined ? {} : { minReplicasToWrite: local.minReplicasToWrite }),
  };
}

/** Each group's local node, as its fence owner must reach it (the file's credentials, or the current ones). */
export function fenceTargets(config: AgentFile, access?: NodeAccessRegistry): FenceTarget[] {
  return config.groups.map((group) => fenceTarget(group, access?.of(group.name).current));
}

export async function startAgent(config: AgentFile, options: AgentOptions): Promise<RunningAgent> {
  const { logger } = options;
  const clock = options.clock ?? monotonicClock;
  const timers = options.timers ?? realTimers;
  stateDirOrThrow(config.stateDir);
  const metrics = new AgentMetrics({ defaultMetrics: options.defaultMetrics ?? true });
  const fence = fenceOwner(config, options, { clock, timers, metrics });
  const runners: GroupRunner[] = [];
  const nodeAccess = nodeAccessOf(config, logger, fence, (event) => source.publish(event), runners);
  // A restarted agent takes over the deadlines its previous process left with the supervisor.
  const targets = fenceTargets(config, nodeAccess);
  const inherited = await fence.configure(targets);
  // A supervisor that outlived this agent's previous process keeps the targets it was first given,
  // and the file may have changed since (a rotated passwordFile, renamed commands): hand them over
  // again. A fence connection whose target is unchanged is left as it is.
  for (const target of targets) fence.retarget(target);
  const peers = await startPeerEndpoint(config, clock, logger);
  const peerSentinels = new PeerSentinels({
    agentId: config.agentId,
    peers: config.peers,
    ...(config.sentinel.password === undefined ? {} : { password: config.sentinel.password }),
    clock,
    timers,
    logger: logger.child({ component: 'peer-sentinels' }),
  });
  const source = new RuntimeSentinelSource({
    agentId: config.agentId,
    groups: () => runners,
    peers: peerSentinels,
    admin: new AdminClient(config.coordinator.url, config.coordinator.adminToken),
    clock,
    timers,
    logger,
  });
  const onFatal = options.onFatal ?? exitOnFatal(logger);
  const context = {
    clock,
    timers: sharedIntervals(timers),
    logger,
    metrics,
    nodePool: new NodePool({
      connectionName: `edge-sentinel-agent:${config.agentId}`,
      logger: logger.child({ component: 'nodes' }),
    }),
    nodeAccess,
    parseInfo: memoizedInfoParser(),
    fence,
    inherited,
    peers,
    bootId: currentBootId(),
    onFatal,
  };
  runners.push(...groupRunners(config, context, source));
  let stopping = false;
  watchRunners(metrics, runners, peers, clock);
  const servers = await startServers(config, options, {
    metrics,
    source,
    nodeAccess,
    peerSentinels,
    health: () => health(config, { runners, peers, clock, stopping }),
    checks: (path, params) => answerHealthCheck(path, params, runners, clock.nowMs()),
  });
  for (const runner of runners) runner.start();
  logger.info(
    {
      groups: config.groups.map((g) => g.name),
      metricsPort: servers.metricsPort,
      failsafePort: peers?.port ?? null,
      config: config.source,
    },
    'agent started',
  );
  return {
    runners,
    source,
    metrics,
    metricsPort: servers.metricsPort,
    failsafePort: peers?.port ?? null,
    nodeAccess,
    reloadSecrets: () => nodeAccess.reloadPasswordFiles(),
    async stop() {
      if (stopping) return;
      stopping = true;
      logger.info(
        'agent stopping: probes stop, running commands may finish, state is persisted, links close',
      );
      await Promise.all(runners.map((r) => r.stop(COMMAND_GRACE_MS)));
      await peers?.endpoint.close();
      fence.close();
      await servers.close();
      logger.info('agent stopped');
    },
  };
}

function stateDirOrThrow(stateDir: string): void {
  try {
    prepareStateDir(stateDir);
  } catch (error) {
    throw new AgentStartError(`stateDir ${stateDir} is not writable: ${String(error)}`);
  }
}

/**
 * Each group's credentials and renamed commands, from the file; a change (SENTINEL SET, SIGHUP)
 * moves the group's node links (in the group's wiring) and its local node's fence connection.
 */
function nodeAccessOf(
  config: AgentFile,
  logger: Logger,
  fence: FenceRetargeting,
  publish: (event: { name: string; payload: string }) => void,
  runners: readonly GroupRunner[],
): NodeAccessRegistry {
  const registry = new NodeAccessRegistry({
    groups: config.groups,
    logger: logger.child({ component: 'node-access' }),
    readPasswordFile: rereadSecretFile,
    // Sentinel's `+set master <name> <ip> <port> <option> <value>` once the group has a published master.
    publish: (group, option, value) => {
      const master = runners.find((r) => r.name === group)?.publishedMaster ?? null;
      if (master !== null)
        publish({ name: '+set', payload: `${instancePayload('master', group, master)} ${option} ${value}` });
    },
  });
  for (const group of config.groups) {
    registry.of(group.name).onChange((values) => fence.retarget(fenceTarget(group, values)));
  }
  return registry;
}

/** A broken core invariant: exit 1, so the supervisor restarts the agent from its state file. */
function exitOnFatal(logger: Logger): (error: unknown) => void {
  return (error) => {
    logger.fatal({ err: String(error) }, 'exiting: a core invariant is broken');
    process.exit(1);
  };
}

/** The fence owner (the supervisor's, or one in this process), its applied fences in the metrics. */
function fenceOwner(
  config: AgentFile,
  options: AgentOptions,
  { clock, timers, metrics }: { clock: Clock; timers: Timers; metrics: AgentMetrics },
): FencePort & FenceRetargeting {
  const { logger } = options;
  const fence =
    options.fence ??
    new FenceOwner({
      clock,
      timers,
      logger: logger.child({ component: 'fence' }),
      connect: (target) => new FenceClient(target, `edge-sentinel-fence:${config.agentId}`, logger),
    });
  fence.subscribe((node, applied) => {
    for (const group of config.groups) {
      if (group.local.announce === node)
        metrics.fenced.set({ group: group.name, node }, applied === 'fenced' ? 1 : 0);
    }
  });
  return fence;
}

/** Local nodes count as fenced until their fence owner says otherwise; the failsafe gauges read at scrape time. */
function watchRunners(
  metrics: AgentMetrics,
  runners: readonly GroupRunner[],
  peers: FailsafeEndpoint | null,
  clock: Clock,
): void {
  for (const runner of runners) {
    for (const node of runner.current.settings.localNodes) {
      metrics.fenced.set({ group: runner.name, node }, 1);
    }
  }
  metrics.watchFailsafe(() => ({
    groups: runners.map((r) => ({ group: r.name, status: failsafeStatus(r.current, clock.nowMs()) })),
    datagrams: peers === null ? null : { ...peers.counters },
  }));
}

/** `/healthz`: each group's epoch, master, voter links and failsafe; not ok once stopping. */
function health(
  config: AgentFile,
  {
    runners,
    peers,
    clock,
    stopping,
  }: { runners: readonly GroupRunner[]; peers: FailsafeEndpoint | null; clock: Clock; stopping: boolean },
): Health {
  return {
    ok: !stopping,
    agentId: config.agentId,
    groups: runners.map((r) => ({
      name: r.name,
      epoch: r.current.highestEpoch,
      master: r.current.config?.master ?? null,
      voters: r.voterStatus,
      authFailures: r.authFailures,
      failsafe: failsafeStatus(r.current, clock.nowMs()),
    })),
    failsafeDatagrams: peers?.counters ?? null,
  };
}

interface Servers {
  readonly metricsPort: number | null;
  close(): Promise<void>;
}

/** The metrics/health HTTP server and the Sentinel server, each if enabled. */
async function startServers(
  config: AgentFile,
  options: AgentOptions,
  {
    metrics,
    source,
    nodeAccess,
    peerSentinels,
    health,
    checks,
  }: {
    metrics: AgentMetrics;
    source: RuntimeSentinelSource;
    nodeAccess: NodeAccessRegistry;
    peerSentinels: PeerSentinels;
    health: () => Health;
    checks: HealthChecks;
  },
): Promise<Servers> {
  const metricsServer = config.metrics.enabled
    ? await startMetricsServer(config.metrics.host, config.metrics.port, metrics, health, checks)
    : null;
  let sentinel: RunningSentinelServer | null = null;
  if (config.sentinel.enabled && options.sentinel !== false) {
    const { tls, tlsPort } = config.sentinel;
    sentinel = await startSentinel({
      // `port: 0` in the file turns the plain listener off (Redis's `port 0`).
      port: config.sentinel.port === 0 ? null : config.sentinel.port,
      host: config.sentinel.host,
      ...(tls === undefined || tlsPort === undefined ? {} : { tls: { port: tlsPort, ...tls } }),
      ...(config.sentinel.password === undefined ? {} : { password: config.sentinel.password }),
      ...(config.sentinel.users === undefined ? {} : { aclLines: config.sentinel.users }),
      ...(config.sentinel.aclFile === undefined ? {} : { aclFile: config.sentinel.aclFile }),
      adminWithoutPassword: config.sentinel.adminWithoutPassword,
      source,
      nodeAccess,
      peers: peerSentinels,
      logger: options.logger.child({ component: 'sentinel' }),
    });
  }
  return {
    metricsPort: metricsServer?.port ?? null,
    async close() {
      await sentinel?.close();
      await metricsServer?.close();
    },
  };
}
