// `npm run check-config [-- path/to/wrangler.toml] [--env name]`: validates the Worker config before deploy.
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { experimental_readRawConfig } from 'wrangler';
import { checkWorkerConfig } from '../../workers/config/deploy-check.js';

export const CHECK_CONFIG_USAGE = `usage: npm run check-config [-- path/to/wrangler.toml] [--env name]
       edge-sentinel check-config [path/to/wrangler.toml] [--env name]

Validates the Worker configuration before deploy: [vars.GROUPS] (every field, voters 1, 3 or 5,
a quorum no larger than the group's nodes when it lists them), the Voter binding and migration.
  path          the file (default wrangler.toml)
  --env <name>  check that wrangler environment ([env.<name>])
  -h, --help    print this help
Exit codes: 0 valid, 1 invalid or unreadable, 2 usage.`;

/** Returns the exit code; reports go to stdout (valid) or stderr (invalid). */
export function checkConfig(argv: readonly string[]): number {
  const usageError = (message: string) => {
    console.error(`check-config: ${message}\n\n${CHECK_CONFIG_USAGE}`);
    return 2;
  };
  let path: string | undefined;
  let envName: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === undefined) continue;
    if (arg === '--help' || arg === '-h') {
      console.log(CHECK_CONFIG_USAGE);
      return 0;
    }
    if (arg === '--env') {
      envName = argv[++i];
      if (envName === undefined || envName.startsWith('-'))
        return usageError('--env needs an environment name');
    } else if (arg.startsWith('--env=')) envName = arg.slice('--env='.length);
    else if (arg.startsWith('-')) return usageError(`unknown option ${JSON.stringify(arg)}`);
    else if (path !== undefined) return usageError(`one file only (got ${path} and ${arg})`);
    else path = arg;
  }
  path ??= 'wrangler.toml';
  if (!existsSync(path)) {
    console.error(`check-config: ${path}: no such file`);
    return 1;
  }
  let raw: Record<string, unknown>;
  try {
    raw = experimental_readRawConfig({ config: path }).rawConfig as Record<string, unknown>;
  } catch (error) {
    console.error(`check-config: ${parseErrorLine(path, error)}`);
    return 1;
  }
  const config = envName === undefined ? raw : environment(raw, envName);
  if (config === undefined) {
    console.error(`check-config: ${path}: env.${envName}: no such environment`);
    return 1;
  }
  const report = checkWorkerConfig(config);
  const where = envName === undefined ? path : `${path} [env.${envName}]`;
  if (report.problems.length > 0) {
    console.error(`check-config: ${where} is invalid:`);
    for (const problem of report.problems) console.error(`  - ${problem}`);
    return 1;
  }
  console.log(`check-config: ${where} is valid: groups ${report.groups.join(', ')}`);
  return 0;
}

/**
 * wrangler's TOML parse errors carry the 1-based line of the offending text (a duplicate key or
 * table, a syntax error): `wrangler.toml:17: cannot be parsed: ...: quorum = 3`.
 */
function parseErrorLine(path: string, error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const location = (error as { location?: { line?: unknown; lineText?: unknown } } | null)?.location;
  if (typeof location?.line !== 'number') return `${path}: cannot be parsed: ${message}`;
  const text = typeof location.lineText === 'string' ? location.lineText.trim() : '';
  return `${path}:${location.line}: cannot be parsed: ${message}${text === '' ? '' : `: ${text}`}`;
}

/** wrangler environments inherit main and compatibility_date but not vars or bindings. */
function environment(raw: Record<string, unknown>, name: string): Record<string, unknown> | undefined {
  const envs = raw.env as Record<string, Record<string, unknown>> | undefined;
  const env = envs?.[name];
  if (env === undefined) return undefined;
  return {
    name: raw.name,
    main: raw.main,
    compatibility_date: raw.compatibility_date,
    migrations: raw.migrations,
    ...env,
  };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = checkConfig(process.argv.slice(2));
}
