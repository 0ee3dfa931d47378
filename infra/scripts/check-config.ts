// `edge-sentinel check-config [wrangler.toml] [--env name]` (also `npm run check-config`): validates the Worker config before deploy.
import { existsSync } from 'node:fs';
import { experimental_readRawConfig } from 'wrangler';
import { checkWorkerConfig } from '../../workers/config/deploy-check.js';

/** What check-config writes: the verdict to `out`, the problems to `err`. */
export interface CheckConfigOutput {
  out(line: string): void;
  err(line: string): void;
}

const consoleOutput: CheckConfigOutput = {
  out: (line) => console.log(line),
  err: (line) => console.error(line),
};

/**
 * Validates the Worker configuration before deploy: [vars.GROUPS] (every field, voters 1, 3 or 5,
 * a quorum no larger than the group's nodes when it lists them), the Voter binding and migration.
 * Returns the exit code: 0 valid, 1 invalid or unreadable.
 */
export function checkConfigFile(
  path = 'wrangler.toml',
  envName: string | undefined = undefined,
  output: CheckConfigOutput = consoleOutput,
): number {
  if (!existsSync(path)) {
    output.err(`check-config: ${path}: no such file`);
    return 1;
  }
  let raw: Record<string, unknown>;
  try {
    raw = experimental_readRawConfig({ config: path }).rawConfig as Record<string, unknown>;
  } catch (error) {
    output.err(`check-config: ${parseErrorLine(path, error)}`);
    return 1;
  }
  const config = envName === undefined ? raw : environment(raw, envName);
  if (config === undefined) {
    output.err(`check-config: ${path}: env.${envName}: no such environment`);
    return 1;
  }
  const report = checkWorkerConfig(config);
  const where = envName === undefined ? path : `${path} [env.${envName}]`;
  if (report.problems.length > 0) {
    output.err(`check-config: ${where} is invalid:`);
    for (const problem of report.problems) output.err(`  - ${problem}`);
    return 1;
  }
  output.out(`check-config: ${where} is valid: groups ${report.groups.join(', ')}`);
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
