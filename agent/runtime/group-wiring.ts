// Each group's GroupRunner on real ports: ioredis links, the executor, voter WebSockets, the failsafe over UDP, the state file.
import { randomBytes } from 'node:crypto';
import type { AgentFile, GroupSection } from '../config/load.js';
import type { AgentInput, PersistedAgentState } from '../core/index.js';
import type { Clock } from './clock.js';
import { AgentStartError } from './errors.js';
import { Executor } from './executor.js';
import type { FencePort } from './fence-owner.js';
import { GroupRunner } from './group-runner.js';
import { agentSettings, nodeEndpoints, voterUrl } from './group-settings.js';
import type { ParseInfo } from './info-memo.js';
import type { Logger } from './logger.js';
import type { AgentMetrics } from './metrics.js';
import type { NodeAccessRegistry } from './node-access-registry.js';
import type { NodePool, PooledNode } from './node-pool.js';
import { PeerChannel } from './peer-channel.js';
import { PeerEndpoint } from './peer-endpoint.js';
import type { RuntimeSentinelSource } from './sentinel-source.js';
import { loadStateFile, writeStateFile } from './state-file.js';
import type { Timers } from './timers.js';
import { startUdpTransport } from './udp-transport.js';
import { VoterSocket } from './voter-socket.js';

/** One runner per group, from its state file (a corrupt one stops the start); events go to the Sentinel surface. */
export function groupRunners(
  config: AgentFile,
  context: Omit<RunnerContext, 'persisted' | 'onEvent'>,
  source: RuntimeSentinelSource,
): GroupRunner[] {
  return config.groups.map((group) => {
    const loaded = loadStateFile(config.stateDir, group.name, context.clock.nowMs(), context.bootId);
    if (!loaded.ok) throw new AgentStartError(loaded.error);
    return groupRunner(config, group, {
      ...context,
      persisted: loaded.state,
      onEvent: (event) => source.publish({ name: event.name, payload: event.payload }),
    });
  });
}

export interface FailsafeEndpoint {
  readonly endpoint: PeerEndpoint;
  readonly port: number;
  readonly counters: PeerEndpoint['counters'];
}

/** The UDP endpoint, when any group has the failsafe on; a port that cannot be bound stops the start. */
export async function startPeerEndpoint(
  config: AgentFile,
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

export interface RunnerContext {
  readonly persisted: PersistedAgentState | null;
  readonly clock: Clock;
  /** The groups' timers: one interval per period for all of them (`sharedIntervals`). */
  readonly timers: Timers;
  readonly logger: Logger;
  readonly metrics: AgentMetrics;
  /** Every group's connections to its nodes, one per node for the whole agent. */
  readonly nodePool: NodePool;
  /** Each group's credentials and renamed commands now (SENTINEL SET and SIGHUP change them). */
  readonly nodeAccess: NodeAccessRegistry;
  readonly parseInfo: ParseInfo;
  readonly fence: FencePort;
  readonly inherited: ReadonlyMap<string, number>;
  readonly peers: FailsafeEndpoint | null;
  readonly bootId: string;
  readonly onEvent: ConstructorParameters<typeof GroupRunner>[0]['onEvent'];
  readonly onFatal: (error: unknown) => void;
}

/** One group's runner on real ports: the pool's ioredis links, the executor, WebSockets, UDP, the state file. */
function groupRunner(config: AgentFile, group: GroupSection, ctx: RunnerContext): GroupRunner {
  const log = ctx.logger.child({ group: group.name });
  const links = new Map<string, PooledNode>();
  const access = ctx.nodeAccess.of(group.name);
  for (const [node, endpoint] of nodeEndpoints(group, access.current)) {
    links.set(node, ctx.nodePool.acquire(node, endpoint, group.probeTimeoutMs));
  }
  // New credentials or command names: every link (the runner's probes and the executor's commands) moves to them.
  access.onChange((values) => {
    for (const [node, endpoint] of nodeEndpoints(group, values)) links.get(node)?.retarget(endpoint);
  });
  let runner: GroupRunner | null = null;
  const executor = new Executor({
    links,
    clock: ctx.clock,
    timers: ctx.timers,
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
    nodes: links,
    parseInfo: ctx.parseInfo,
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
    openPeers: (onInput) => openPeerChannel(group, ctx.peers, log, onInput),
    onEvent: ctx.onEvent,
    onFatal: ctx.onFatal,
  });
  return runner;
}

/** The group's failsafe channel on the agent's UDP endpoint; null with the group's failsafe off. */
function openPeerChannel(
  group: GroupSection,
  peers: FailsafeEndpoint | null,
  log: Logger,
  onInput: (input: AgentInput) => void,
): PeerChannel | null {
  const endpoint = peers?.endpoint;
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
}
