// The agent process: state files, one GroupRunner per group, the fence owner, the failsafe endpoint, metrics, Sentinel, graceful stop.
import { randomBytes } from 'node:crypto';
import type { AgentConfig, GroupConfig } from '../config/load.js';
import { failsafeStatus, type PersistedAgentState } from '../core/index.js';
import { AdminClient } from './admin-client.js';
import { type Clock, monotonicClock } from './clock.js';
import { Executor } from './executor.js';
import { FenceClient } from './fence-client.js';
import { FenceOwner, type FencePort, type FenceTarget } from './fence-owner.js';
import { GroupRunner, type NodePort } from './group-runner.js';
import { agentSettings, nodeEndpoints, voterUrl } from './group-settings.js';
import type { Logger } from './logger.js';
import { AgentMetrics, startMetricsServer } from './metrics.js';
import { NodeLink } from './node-link.js';
import { PeerChannel } from './peer-channel.js';
import { PeerEndpoint } from './peer-endpoint.js';
import { type RunningSentinelServer, startSentinel } from './sentinel-server.js';
import { RuntimeSentinelSource } from './sentinel-source.js';
import { currentBootId, loadStateFile, prepareStateDir, writeStateFile } from './state-file.js';
import { realTimers, type Timers } from './timers.js';
import { startUdpTransport } from './udp-transport.js';
import { VoterSocket } from './voter-socket.js';

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
  readonly fence?: FencePort;
}

export interface RunningAgent {
  readonly runners: readonly GroupRunner[];
  readonly source: RuntimeSentinelSource;
  readonly metrics: AgentMetrics;
  readonly metricsPort: number | null;
  /** The UDP port of the failsafe endpoint (null: no group has the failsafe on). */
  readonly failsafePort: number | null;
  stop(): Promise<void>;
}

/** Refuses to start (with a message for the operator) on a state file it cannot trust. */
export class AgentStartError extends Error {}

/** How long shutdown waits for a command already sent to Redis. */
const COMMAND_GRACE_MS = 5_000;

/** Each group's local node, as its fence owner must reach it. */
export function fenceTargets(config: AgentConfig): FenceTarget[] {
  return config.groups.map(({ local }) => ({
    node: local.announce,
    host: local.host,
    port: local.port,
    ...(local.username === undefined ? {} : { username: local.username }),
    ...(local.password === undefined ? {} : { password: local.password }),
    ...(local.tls === undefined ? {} : { tls: local.tls }),
    ...(local.minReplicasToWrite === undefined ? {} : { minReplicasToWrite: local.minReplicasToWrite }),
  }));
}

export async function startAgent(config: AgentConfig, options: AgentOptions): Promise<RunningAgent> {
  const { logger } = options;
  const clock = options.clock ?? monotonicClock;
  const timers = options.timers ?? realTimers;
  try {
    prepareStateDir(config.stateDir);
  } catch (error) {
    throw new AgentStartError(`stateDir ${config.stateDir} is not writable: ${String(error)}`);
  }
  const metrics = new AgentMetrics({ defaultMetrics: options.defaultMetrics ?? true });
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
  // A restarted agent takes over the deadlines its previous process left with the supervisor.
  const inherited = await fence.configure(fenceTargets(config));
  const peers = await startPeerEndpoint(config, clock, logger);
  const runners: GroupRunner[] = [];
  const source = new RuntimeSentinelSource(
    config.agentId,
    () => runners,
    config.peers,
    new AdminClient(config.coordinator.url, config.coordinator.adminToken),
  );
  const onFatal =
    options.onFatal ??
    ((error: unknown) => {
      logger.fatal({ err: String(error) }, 'exiting: a core invariant is broken');
      process.exit(1);
    });
  const bootId = currentBootId();
  for (const group of config.groups) {
    const loaded = loadStateFile(config.stateDir, group.name, clock.nowMs(), bootId);
    if (!loaded.ok) throw new AgentStartError(loaded.error);
    runners.push(
      groupRunner(config, group, {
        persisted: loaded.state,
        clock,
        timers,
        logger,
        metrics,
        fence,
        inherited,
        peers,
        bootId,
        onEvent: (event) => source.publish({ name: event.name, payload: event.payload }),
        onFatal,
      }),
    );
  }
  for (const runner of runners) {
    for (const node of runner.current.settings.localNodes) {
      metrics.fenced.set({ group: runner.name, node }, 1);
    }
  }
  metrics.watchFailsafe(() => ({
    groups: runners.map((r) => ({ group: r.name, status: failsafeStatus(r.current, clock.nowMs()) })),
    datagrams: peers === null ? null : { ...peers.counters },
  }));
  let stopping = false;
  const health = () => ({
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
  });
  const metricsServer = config.metrics.enabled
    ? await startMetricsServer(config.metrics.host, config.metrics.port, metrics, health)
    : null;
  let sentinel: RunningSentinelServer | null = null;
  if (config.sentinel.enabled && options.sentinel !== false) {
    sentinel = await startSentinel({
      port: config.sentinel.port,
      host: config.sentinel.host,
      ...(config.sentinel.password === undefined ? {} : { password: config.sentinel.password }),
      source,
      logger: logger.child({ component: 'sentinel' }),
    });
  }
  for (const runner of runners) runner.start();
  logger.info(
    {
      groups: config.groups.map((g) => g.name),
      metricsPort: metricsServer?.port ?? null,
      failsafePort: peers?.port ?? null,
      config: config.source,
    },
    'agent started',
  );
  return {
    runners,
    source,
    metrics,
    metricsPort: metricsServer?.port ?? null,
    failsafePort: peers?.port ?? null,
    async stop() {
      if (stopping) return;
      stopping = true;
      logger.info(
        'agent stopping: probes stop, running commands may finish, state is persisted, links close',
      );
      await Promise.all(runners.map((r) => r.stop(COMMAND_GRACE_MS)));
      await peers?.endpoint.close();
      fence.close();
      await sentinel?.close();
      await metricsServer?.close();
      logger.info('agent stopped');
    },
  };
}

interface FailsafeEndpoint {
  readonly endpoint: PeerEndpoint;
  readonly port: number;
  readonly counters: PeerEndpoint['counters'];
}

/** The UDP endpoint, when any group has the failsafe on; a port that cannot be bound stops the start. */
async function startPeerEndpoint(
  config: AgentConfig,
  clock: Clock,
  logger: Logger,
): Promise<FailsafeEndpoint | null> {
  const secret = config.failsafe.secret;
  if (!config.groups.some((g) => g.failsafe) || secret === undefined) return null;
  const log = logger.child({ component: 'failsafe' });
  const endpoint = new PeerEndpoint(secret, clock, log);
  try {
    const transport = await startUdpTransport(config.failsafe.host, config.failsafe.port, log, (bytes) =>
      endpoint.receive(bytes),
    );
    endpoint.attach(transport);
    return { endpoint, port: transport.port, counters: endpoint.counters };
  } catch (error) {
    throw new AgentStartError(
      `failsafe.port ${config.failsafe.host}:${config.failsafe.port} (UDP) cannot be bound: ${String(error)}`,
    );
  }
}

interface RunnerContext {
  readonly persisted: PersistedAgentState | null;
  readonly clock: Clock;
  readonly timers: Timers;
  readonly logger: Logger;
  readonly metrics: AgentMetrics;
  readonly fence: FencePort;
  readonly inherited: ReadonlyMap<string, number>;
  readonly peers: FailsafeEndpoint | null;
  readonly bootId: string;
  readonly onEvent: ConstructorParameters<typeof GroupRunner>[0]['onEvent'];
  readonly onFatal: (error: unknown) => void;
}

/** One group's runner on real ports: ioredis links, the executor, WebSockets, UDP, the state file. */
function groupRunner(config: AgentConfig, group: GroupConfig, ctx: RunnerContext): GroupRunner {
  const log = ctx.logger.child({ group: group.name });
  const links = new Map<string, NodeLink>();
  for (const [node, endpoint] of nodeEndpoints(group)) {
    links.set(
      node,
      new NodeLink(
        node,
        endpoint,
        group.probeTimeoutMs,
        `edge-sentinel-agent:${config.agentId}`,
        log,
        () => {},
      ),
    );
  }
  let runner: GroupRunner | null = null;
  const executor = new Executor({
    links,
    persistedEpoch: () => runner?.durableEpoch ?? 0,
    logger: log,
    onResult: (kind, ok) =>
      ctx.metrics.commands.inc({ group: group.name, kind, result: ok ? 'ok' : 'failed' }),
  });
  runner = new GroupRunner({
    settings: agentSettings(config, group),
    persisted: ctx.persisted,
    clock: ctx.clock,
    timers: ctx.timers,
    logger: ctx.logger,
    metrics: ctx.metrics,
    nodes: links as ReadonlyMap<string, NodePort>,
    executor,
    fence: ctx.fence,
    inheritedFence: ctx.inherited.get(group.local.announce) ?? null,
    store: {
      write: (state) => writeStateFile(config.stateDir, group.name, state, ctx.clock.nowMs(), ctx.bootId),
    },
    openVoter: (voter, events) =>
      new VoterSocket({
        url: voterUrl(config.coordinator.url, group.name, voter),
        token: group.token,
        agentId: config.agentId,
        voter,
        clock: ctx.clock,
        logger: log.child({ voter }),
        ...events,
      }),
    openPeers: (onInput) => {
      const endpoint = ctx.peers?.endpoint;
      if (endpoint === undefined || !group.failsafe) return null;
      const channel = new PeerChannel({
        group: group.name,
        localNode: group.local.announce,
        peers: new Map(Object.entries(group.agents)),
        send: (to, message) => endpoint.send(to, message),
        randomHex: (bytes) => randomBytes(bytes).toString('hex'),
        logger: log.child({ component: 'failsafe' }),
        onInput,
      });
      endpoint.register(group.name, group.local.announce, channel);
      return channel;
    },
    onEvent: ctx.onEvent,
    onFatal: ctx.onFatal,
  });
  return runner;
}
