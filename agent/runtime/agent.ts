// The agent process: state files, one GroupRunner per group, metrics, the Sentinel surface, graceful stop.
import type { AgentConfig } from '../config/load.js';
import { AdminClient } from './admin-client.js';
import { type Clock, monotonicClock } from './clock.js';
import { GroupRunner } from './group-runner.js';
import type { Logger } from './logger.js';
import { AgentMetrics, startMetricsServer } from './metrics.js';
import { type RunningSentinelServer, startSentinel } from './sentinel-server.js';
import { RuntimeSentinelSource } from './sentinel-source.js';
import { loadStateFile, prepareStateDir } from './state-file.js';

export interface AgentOptions {
  readonly logger: Logger;
  readonly clock?: Clock;
  /** Serve the Sentinel protocol (if enabled in the file); tests of other parts turn it off. */
  readonly sentinel?: boolean;
  readonly defaultMetrics?: boolean;
  /** A broken invariant in a core: default logs and exits 1 so systemd restarts from the state file. */
  readonly onFatal?: (error: unknown) => void;
}

export interface RunningAgent {
  readonly runners: readonly GroupRunner[];
  readonly source: RuntimeSentinelSource;
  readonly metrics: AgentMetrics;
  readonly metricsPort: number | null;
  stop(): Promise<void>;
}

/** Refuses to start (with a message for the operator) on a state file it cannot trust. */
export class AgentStartError extends Error {}

/** How long shutdown waits for a command already sent to Redis. */
const COMMAND_GRACE_MS = 5_000;

export async function startAgent(config: AgentConfig, options: AgentOptions): Promise<RunningAgent> {
  const { logger } = options;
  const clock = options.clock ?? monotonicClock;
  try {
    prepareStateDir(config.stateDir);
  } catch (error) {
    throw new AgentStartError(`stateDir ${config.stateDir} is not writable: ${String(error)}`);
  }
  const metrics = new AgentMetrics(options.defaultMetrics ?? true);
  const runners: GroupRunner[] = [];
  const source = new RuntimeSentinelSource(
    config.agentId,
    () => runners,
    config.peers,
    new AdminClient(config.coordinator.url, config.coordinator.adminToken),
    clock,
  );
  const onFatal =
    options.onFatal ??
    ((error: unknown) => {
      logger.fatal({ err: String(error) }, 'exiting: a core invariant is broken');
      process.exit(1);
    });
  for (const group of config.groups) {
    const loaded = loadStateFile(config.stateDir, group.name);
    if (!loaded.ok) throw new AgentStartError(loaded.error);
    runners.push(
      new GroupRunner({
        config,
        group,
        persisted: loaded.state,
        clock,
        logger,
        metrics,
        onEvent: (event) => source.publish({ name: event.name, payload: event.payload }),
        onFatal,
      }),
    );
  }
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
    })),
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
      config: config.source,
    },
    'agent started',
  );
  return {
    runners,
    source,
    metrics,
    metricsPort: metricsServer?.port ?? null,
    async stop() {
      if (stopping) return;
      stopping = true;
      logger.info(
        'agent stopping: probes stop, running commands may finish, state is persisted, links close',
      );
      await Promise.all(runners.map((r) => r.stop(COMMAND_GRACE_MS)));
      await sentinel?.close();
      await metricsServer?.close();
      logger.info('agent stopped');
    },
  };
}
