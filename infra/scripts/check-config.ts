// `npm run check-config [-- path/to/wrangler.toml] [--env name]`: validates the Worker config before deploy.
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { experimental_readRawConfig } from 'wrangler';
import { checkWorkerConfig } from '../../workers/config/deploy-check.js';

/** Returns the exit code; reports go to stdout (valid) or stderr (invalid). */
export function checkConfig(argv: readonly string[]): number {
  let path = 'wrangler.toml';
  let envName: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--env') envName = argv[++i];
    else if (arg === '--help' || arg === '-h') {
      console.log('usage: npm run check-config [-- path/to/wrangler.toml] [--env name]');
      return 0;
    } else if (arg !== undefined) path = arg;
  }
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
