// What every command gets: where to write, the environment, and a client built from the global
// options (flags win over EDGE_SENTINEL_URL / EDGE_SENTINEL_ADMIN_TOKEN / EDGE_SENTINEL_READ_TOKEN).
import { GroupListSchema } from '../../workers/api/schemas.js';
import { GroupNameSchema } from '../../workers/protocol/index.js';
import { ApiClient, checkedUrl } from './api-client.js';
import { usageError } from './errors.js';
import type { CliIo } from './io.js';

/** `npm run demo`'s coordinator: what a newcomer's first `edge-sentinel status` should reach. */
export const DEFAULT_URL = 'http://127.0.0.1:8787';

export interface GlobalOptions {
  readonly url?: string | undefined;
  readonly adminToken?: string | undefined;
  readonly readToken?: string | undefined;
  readonly requestTimeout: number;
}

export interface CliContext {
  readonly io: CliIo;
  readonly env: NodeJS.ProcessEnv;
  /** Set by a command that finished but must not exit 0 (e.g. an invalid config it reported). */
  exitCode: number;
  /** Aborted on SIGINT/SIGTERM: commands that watch (events --follow, wait-master) end cleanly. */
  readonly interrupted: AbortSignal;
}

/** Reads the global options from inside a subcommand's action. */
export function globalsOf(command: { optsWithGlobals(): Record<string, unknown> }): GlobalOptions {
  const o = command.optsWithGlobals();
  const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
  return {
    url: text(o.url),
    adminToken: text(o.adminToken),
    readToken: text(o.readToken),
    requestTimeout: typeof o.requestTimeout === 'number' ? o.requestTimeout : 10_000,
  };
}

/** The API client for a subcommand, from its global options and the environment. */
export function clientOf(
  ctx: CliContext,
  command: { optsWithGlobals(): Record<string, unknown> },
): ApiClient {
  const options = globalsOf(command);
  const nonEmpty = (value: string | undefined) => (value === undefined || value === '' ? undefined : value);
  return new ApiClient({
    url: checkedUrl(nonEmpty(options.url) ?? nonEmpty(ctx.env.EDGE_SENTINEL_URL) ?? DEFAULT_URL),
    adminToken: nonEmpty(options.adminToken) ?? nonEmpty(ctx.env.EDGE_SENTINEL_ADMIN_TOKEN),
    readToken: nonEmpty(options.readToken) ?? nonEmpty(ctx.env.EDGE_SENTINEL_READ_TOKEN),
    timeoutMs: options.requestTimeout,
  });
}

/**
 * The group a command acts on: the one named, else the only group the coordinator serves. Naming
 * none when there are several is a usage error that lists the first ones.
 */
export async function groupOf(client: ApiClient, named: string | undefined): Promise<string> {
  if (named !== undefined) {
    const parsed = GroupNameSchema.safeParse(named);
    if (!parsed.success)
      throw usageError(`group ${JSON.stringify(named)}: ${parsed.error.issues[0]?.message}`);
    return parsed.data;
  }
  const list = await client.read('/v1/groups?limit=6', GroupListSchema);
  const [only, ...others] = list.groups;
  if (only !== undefined && others.length === 0) return only.group;
  if (only === undefined) throw usageError('the coordinator serves no group (GROUPS in wrangler.toml)');
  const names = list.groups.slice(0, 5).map((g) => g.group);
  throw usageError(
    `name a group: the coordinator serves several (${names.join(', ')}${list.next === null ? '' : ', ...'})`,
  );
}

/** Pretty JSON for `--json` (one document; `events --json` writes one object per line instead). */
export function printJson(ctx: CliContext, value: unknown): void {
  ctx.io.out(JSON.stringify(value, null, 2));
}
