// `edge-sentinel-agent --config agent.yaml`: load and check the file, run the agent until SIGTERM/SIGINT.
import { type AgentFile, loadAgentConfig } from './config/load.js';
import { fenceTargets, startAgent } from './runtime/agent.js';
import { monotonicClock } from './runtime/clock.js';
import {
  ChannelFence,
  FENCE_BATCHES_VARIABLE,
  SUPERVISED_VARIABLE,
  ToAgentSchema,
} from './runtime/fence-channel.js';
import { FenceClient } from './runtime/fence-client.js';
import { FenceOwner } from './runtime/fence-owner.js';
import { createLogger, type Logger } from './runtime/logger.js';
import { realTimers } from './runtime/timers.js';

/** Exit codes: 0 stopped by a signal (or --check passed), 1 could not start, 2 bad config or usage. */
export const EXIT_OK = 0;
export const EXIT_START_FAILED = 1;
export const EXIT_BAD_CONFIG = 2;

const USAGE = `usage: edge-sentinel-agent --config <agent.yaml> [--check | --fence]
       edge-sentinel-agent --version
  --config <file>  the agent file (or EDGE_SENTINEL_CONFIG)
  --check          validate the file (and environment overrides), print a summary, exit
  --fence          refuse writes on every local node now (min-replicas-to-write), exit:
                   the systemd unit's ExecStopPost, for when the supervisor itself is gone
  --version        print the build (version, commit, build time) and exit
See agent/README.md for every field and EDGE_SENTINEL_* override.`;

type Env = Readonly<Record<string, string | undefined>>;

/** Stamped into the bundle by infra/scripts/build-agent.ts; absent when run from source (tsx). */
export interface BuildInfo {
  readonly version: string;
  readonly commit: string;
  readonly builtAt: string;
}

const describeBuild = (build: BuildInfo | undefined) =>
  build === undefined ? 'from source' : `${build.version} ${build.commit} built ${build.builtAt}`;

interface Args {
  readonly config?: string;
  readonly check: boolean;
  readonly fence?: boolean;
  readonly help: boolean;
  readonly version?: boolean;
  readonly error?: string;
}

function parseArgs(argv: readonly string[], env: Env): Args {
  let config = env.EDGE_SENTINEL_CONFIG;
  let check = false;
  let fence = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--help' || arg === '-h') return { check, help: true };
    if (arg === '--version') return { check, help: false, version: true };
    if (arg === '--check') check = true;
    else if (arg === '--fence') fence = true;
    else if (arg === '--config' || arg === '-c') {
      config = argv[++i];
      if (config === undefined) return { check, help: false, error: '--config needs a file path' };
    } else if (arg.startsWith('--config=')) config = arg.slice('--config='.length);
    else return { check, help: false, error: `unknown argument ${JSON.stringify(arg)}` };
  }
  if (check && fence) return { check, help: false, error: '--check and --fence do not go together' };
  return { ...(config === undefined ? {} : { config }), check, fence, help: false };
}

export async function main(
  argv: readonly string[],
  env: Env = process.env,
  build?: BuildInfo,
): Promise<number> {
  const args = parseArgs(argv, env);
  if (args.help) {
    console.log(USAGE);
    return EXIT_OK;
  }
  if (args.version === true) {
    console.log(`edge-sentinel-agent ${describeBuild(build)}`);
    return EXIT_OK;
  }
  if (args.error !== undefined || args.config === undefined) {
    console.error(`edge-sentinel-agent: ${args.error ?? '--config is required'}\n${USAGE}`);
    return EXIT_BAD_CONFIG;
  }
  const loaded = loadAgentConfig(args.config, env);
  if (!loaded.ok) {
    console.error(`edge-sentinel-agent: invalid configuration:`);
    for (const error of loaded.errors) console.error(`  ${error}`);
    return EXIT_BAD_CONFIG;
  }
  const { config } = loaded;
  if (args.check) {
    console.log(
      `edge-sentinel-agent: ${args.config} is valid: agent ${config.agentId}, groups ${config.groups.map((g) => g.name).join(', ')} (${describeBuild(build)})`,
    );
    for (const line of [...failsafeSummary(config), ...renamedSummary(config)]) console.log(`  ${line}`);
    return EXIT_OK;
  }
  if (args.fence === true) {
    const logger = createLogger(config.logLevel, config.agentId);
    return (await fenceNow(config, logger)) ? EXIT_OK : EXIT_START_FAILED;
  }
  return run(config, env, build);
}

/** Runs the agent until a signal or the supervisor stops it; resolves with the exit code. */
async function run(config: AgentFile, env: Env, build: BuildInfo | undefined): Promise<number> {
  const logger = createLogger(config.logLevel, config.agentId);
  // First line of every run: a stale build (an old commit or build time) shows here.
  logger.info({ build: build ?? 'source' }, `edge-sentinel-agent ${describeBuild(build)} starting`);
  const supervised = env[SUPERVISED_VARIABLE] === '1' && typeof process.send === 'function';
  const fence = supervised ? supervisedFence(config, logger, env[FENCE_BATCHES_VARIABLE] === '1') : undefined;
  if (!supervised) {
    logger.warn(
      'running without the supervisor: if this process dies or hangs, nothing fences its master (run the edge-sentinel-agent bin)',
    );
  }
  let agent: Awaited<ReturnType<typeof startAgent>>;
  try {
    agent = await startAgent(config, { logger, ...(fence === undefined ? {} : { fence: fence.port }) });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    logger.fatal({ err: message }, 'agent could not start');
    console.error(`edge-sentinel-agent: cannot start: ${message}`);
    return EXIT_START_FAILED;
  }
  return untilStopped(agent, logger, fence);
}

/**
 * The first SIGTERM/SIGINT, or the supervisor's request, stops the agent gracefully; a second
 * signal exits at once.
 */
function untilStopped(
  agent: Awaited<ReturnType<typeof startAgent>>,
  logger: Logger,
  fence: ReturnType<typeof supervisedFence> | undefined,
): Promise<number> {
  return new Promise<number>((resolve) => {
    let signals = 0;
    let stopping = false;
    const stop = (why: string) => {
      if (stopping) return;
      stopping = true;
      logger.info({ why }, 'graceful shutdown');
      agent.stop().then(
        () => resolve(EXIT_OK),
        (error: unknown) => {
          logger.error({ err: String(error) }, 'shutdown failed');
          resolve(EXIT_START_FAILED);
        },
      );
    };
    // A signal to the whole process group reaches the supervisor too, which then asks over IPC:
    // that request is the same stop, not a second one.
    const onSignal = (signal: NodeJS.Signals) => {
      signals++;
      if (signals > 1) {
        logger.warn({ signal }, 'second signal: exiting without waiting');
        resolve(EXIT_START_FAILED);
        return;
      }
      stop(signal);
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
    // SIGHUP (systemctl reload; forwarded by the supervisor): a file-based password rotation without a restart.
    process.on('SIGHUP', () => {
      logger.info('SIGHUP: reading every local.passwordFile again');
      agent.reloadSecrets();
    });
    fence?.onStop(() => stop('the supervisor asked'));
  });
}

/**
 * Under the supervisor, fence deadlines go to it over IPC, and it asks for a graceful stop the
 * same way. If the supervisor is gone (the channel closes), nothing would enforce the deadlines:
 * the agent fences its local nodes itself, as it can, and exits for the service manager to
 * restart the whole unit.
 */
function supervisedFence(
  config: AgentFile,
  logger: Logger,
  batches: boolean,
): { port: ChannelFence; onStop: (fn: () => void) => void } {
  let stopListener: () => void = () => {};
  // Once the channel is closed, process.send emits 'error' on process, and with no listener that
  // crashes the agent before the disconnect handler below has fenced its nodes: send only while
  // connected, and let a failed send report to the callback instead.
  const port = new ChannelFence(
    (message) => {
      if (process.connected) process.send?.(message, undefined, undefined, () => {});
    },
    monotonicClock,
    realTimers,
    batches,
  );
  process.on('message', (raw) => {
    const parsed = ToAgentSchema.safeParse(raw);
    if (!parsed.success) {
      logger.error(
        { error: parsed.error.issues[0]?.message },
        'malformed message from the supervisor ignored',
      );
      return;
    }
    if (parsed.data.kind === 'stop') stopListener();
    else port.receive(parsed.data);
  });
  process.on('disconnect', () => {
    logger.fatal('the supervisor is gone: fencing the local nodes here and exiting');
    void fenceNow(config, logger).then(() => process.exit(EXIT_START_FAILED));
  });
  return {
    port,
    onStop: (fn) => {
      stopListener = fn;
    },
  };
}

/** How long `fenceNow` tries to reach the local nodes. */
const FENCE_NOW_TIMEOUT_MS = 2000;

/** Fences every local node at once; true once every fence is applied, false if one could not be in time. */
async function fenceNow(config: AgentFile, logger: Logger): Promise<boolean> {
  const owner = new FenceOwner({
    clock: monotonicClock,
    timers: realTimers,
    logger,
    connect: (target) => new FenceClient(target, `edge-sentinel-fence:${config.agentId}`, logger),
  });
  void owner.configure(fenceTargets(config));
  owner.fenceAllNow();
  const giveUpAtMs = monotonicClock.nowMs() + FENCE_NOW_TIMEOUT_MS;
  while (!owner.allSettled() && monotonicClock.nowMs() < giveUpAtMs) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const settled = owner.allSettled();
  if (!settled) logger.error('a local node could not be fenced in time (unreachable?)');
  owner.close();
  return settled;
}

/**
 * What --check says of renamed commands: it cannot reach the nodes to see whether they know these
 * names (a wrong one shows at run time: SDOWN, or a fence or promotion failure naming it), so it
 * says what the agent will send.
 */
function renamedSummary(config: AgentFile): string[] {
  return config.groups.flatMap((group) => {
    const renamed = Object.entries(group.renameCommands ?? {});
    if (renamed.length === 0) return [];
    const list = renamed.map(([command, name]) => `${command} as ${name}`).join(', ');
    return [
      `group ${group.name}: sends ${list} to every node of the group (not checked against the nodes here)`,
    ];
  });
}

/** What --check says of the failsafe: on or off per group, and where each peer's agent is expected. */
function failsafeSummary(config: AgentFile): string[] {
  const lines: string[] = [];
  const on = config.groups.filter((g) => g.failsafe);
  if (on.length > 0) {
    lines.push(`failsafe: UDP ${config.failsafe.host}:${config.failsafe.port}, secret set`);
  }
  for (const group of config.groups) {
    if (!group.failsafe) {
      lines.push(
        `group ${group.name}: failsafe off (a coordinator outage fences its master after the lease)`,
      );
      continue;
    }
    const peers = group.nodes.map((node) => {
      const agent = group.agents[node];
      return `${node} (agent ${agent === undefined ? '?' : `${agent.host}:${agent.port}`})`;
    });
    lines.push(
      `group ${group.name}: failsafe grants from ${peers.length === 0 ? 'no other node' : peers.join(', ')}`,
    );
  }
  return lines;
}
