// `npm run build`: bundles the agent (agent/cli.ts) and its supervisor (agent/supervisor/main.ts) into dist/ with esbuild.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { BuildInfo } from '../../agent/cli.js';

/**
 * What the bundle logs at start and prints for --version, so a stale build is visible: the
 * package version, `git describe --always --dirty` of the tree it was built from ("unknown"
 * outside git) and the build time (ISO 8601).
 */
export type BuildIdentity = BuildInfo;

export interface AgentBuild {
  readonly outfile: string;
  /** The supervisor, next to the agent: what the bin runs, and what forks the agent. */
  readonly supervisor: string;
  readonly identity: BuildIdentity;
  readonly bytes: number;
}

export const DEFAULT_AGENT_BUNDLE = join('dist', 'edge-sentinel-agent.mjs');
export const SUPERVISOR_BUNDLE_NAME = 'edge-sentinel-supervisor.mjs';

/**
 * CommonJS dependencies (ioredis, pino) call require() for Node built-ins, which an ESM bundle
 * lacks: the banner gives the bundle a real one.
 */
const REQUIRE_BANNER =
  "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);";

function gitCommit(root: string): string {
  try {
    return execFileSync('git', ['describe', '--always', '--dirty', '--abbrev=12'], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return 'unknown';
  }
}

export function buildIdentity(root: string, now: Date): BuildIdentity {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version?: unknown };
  return {
    version: typeof pkg.version === 'string' ? pkg.version : 'unknown',
    commit: gitCommit(root),
    builtAt: now.toISOString(),
  };
}

/**
 * One ESM file for Node 20 with every dependency inside (node_modules is not needed at run time).
 * The entry does what the bin used to do through tsx and hands the build identity to the CLI.
 *
 * Not minified by default: measured idle (test/bench/agent-footprint.ts) a minified bundle was no
 * smaller in RSS or heap (92 vs 101 MB, within the noise of young-generation growth: V8 compiles
 * lazily, so unused source costs little), while unminified frames keep production stack traces
 * readable without shipping a sourcemap (`--enable-source-maps` would hold the map in memory).
 * `minify` keeps names for the same reason.
 */
export async function buildAgent(
  root: string,
  outfile = join(root, DEFAULT_AGENT_BUNDLE),
  options: { readonly minify?: boolean } = {},
): Promise<AgentBuild> {
  const { build } = await import('esbuild');
  const identity = buildIdentity(root, new Date());
  mkdirSync(dirname(outfile), { recursive: true });
  const bundle = (contents: string, sourcefile: string, out: string) =>
    build({
      stdin: { contents, resolveDir: root, sourcefile, loader: 'ts' },
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      outfile: out,
      absWorkingDir: root,
      banner: { js: REQUIRE_BANNER },
      legalComments: 'none',
      minify: options.minify ?? false,
      keepNames: options.minify ?? false,
      logLevel: 'warning',
    });
  const agentName = basename(outfile);
  const supervisor = join(dirname(outfile), SUPERVISOR_BUNDLE_NAME);
  await Promise.all([
    bundle(
      "import { main } from './agent/cli.ts';\n" +
        `const build = ${JSON.stringify(identity)};\n` +
        // Every handle is closed once main returns; exit explicitly so nothing left over keeps the process up.
        'process.exit(await main(process.argv.slice(2), process.env, build));\n',
      'edge-sentinel-agent-entry.ts',
      outfile,
    ),
    // Only the fence and the child process: none of the agent's probing, WebSockets or Sentinel server.
    bundle(
      "import { superviseMain } from './agent/supervisor/main.ts';\n" +
        `superviseMain(process.argv.slice(2), process.env, new URL(${JSON.stringify(`./${agentName}`)}, import.meta.url));\n`,
      'edge-sentinel-supervisor-entry.ts',
      supervisor,
    ),
  ]);
  return { outfile, supervisor, identity, bytes: statSync(outfile).size };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
  const built = await buildAgent(root);
  console.log(
    `built ${relative(process.cwd(), built.outfile)} (${(built.bytes / 1024).toFixed(0)} KiB) and ` +
      `${relative(process.cwd(), built.supervisor)}: ` +
      `edge-sentinel-agent ${built.identity.version} ${built.identity.commit} ${built.identity.builtAt}`,
  );
}
