// `edge-sentinel-agent --config agent.yaml`: load and check the file, run the agent until SIGTERM/SIGINT.
import { loadAgentConfig } from './config/load.js';
import { startAgent } from './runtime/agent.js';
import { createLogger } from './runtime/logger.js';

/** Exit codes: 0 stopped by a signal (or --check passed), 1 could not start, 2 bad config or usage. */
export const EXIT_OK = 0;
export const EXIT_START_FAILED = 1;
export const EXIT_BAD_CONFIG = 2;

const USAGE = `usage: edge-sentinel-agent --config <agent.yaml> [--check]
       edge-sentinel-agent --version
  --config <file>  the agent file (or EDGE_SENTINEL_CONFIG)
  --check          validate the file (and environment overrides), print a summary, exit
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
  readonly help: boolean;
  readonly version?: boolean;
  readonly error?: string;
}

function parseArgs(argv: readonly string[], env: Env): Args {
  let config = env.EDGE_SENTINEL_CONFIG;
  let check = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--help' || arg === '-h') return { check, help: true };
    if (arg === '--version') return { check, help: false, version: true };
    if (arg === '--check') check = true;
    else if (arg === '--config' || arg === '-c') {
      config = argv[++i];
      if (config === undefined) return { check, help: false, error: '--config needs a file path' };
    } else if (arg.startsWith('--config=')) config = arg.slice('--config='.length);
    else return { check, help: false, error: `unknown argument ${JSON.stringify(arg)}` };
  }
  return { ...(config === undefined ? {} : { config }), check, help: false };
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
    return EXIT_OK;
  }
  const logger = createLogger(config.logLevel, config.agentId);
  // First line of every run: a stale build (an old commit or build time) shows here.
  logger.info({ build: build ?? 'source' }, `edge-sentinel-agent ${describeBuild(build)} starting`);
  let agent: Awaited<ReturnType<typeof startAgent>>;
  try {
    agent = await startAgent(config, { logger });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    logger.fatal({ err: message }, 'agent could not start');
    console.error(`edge-sentinel-agent: cannot start: ${message}`);
    return EXIT_START_FAILED;
  }
  return new Promise<number>((resolve) => {
    let signals = 0;
    const onSignal = (signal: NodeJS.Signals) => {
      signals++;
      if (signals > 1) {
        logger.warn({ signal }, 'second signal: exiting without waiting');
        resolve(EXIT_START_FAILED);
        return;
      }
      logger.info({ signal }, 'signal received: graceful shutdown');
      agent.stop().then(
        () => resolve(EXIT_OK),
        (error: unknown) => {
          logger.error({ err: String(error) }, 'shutdown failed');
          resolve(EXIT_START_FAILED);
        },
      );
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
}
