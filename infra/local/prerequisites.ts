// Checks what the local stack needs before starting anything, with one exact message per missing piece.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export interface Prerequisites {
  readonly redisServer: string;
  readonly wranglerJs: string;
}

export type PrerequisiteCheck =
  | { readonly ok: true; readonly found: Prerequisites }
  | { readonly ok: false; readonly problems: readonly string[] };

/** package.json's `engines.node`: >=20.3 <21 || >=22. */
export function nodeVersionProblem(version: string): string | null {
  const [major = 0, minor = 0] = version.replace(/^v/, '').split('.').map(Number);
  const ok = (major === 20 && minor >= 3) || major >= 22;
  return ok ? null : `Node ${version} is not supported: install Node 20 (>= 20.3) or 22+`;
}

function onPath(command: string): string | null {
  const found = spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' });
  const path = found.stdout.trim();
  return found.status === 0 && path !== '' ? path : null;
}

/** Everything is looked up relative to the repository root, never on a global install. */
export function checkPrerequisites(root: string): PrerequisiteCheck {
  const problems: string[] = [];
  const nodeProblem = nodeVersionProblem(process.version);
  if (nodeProblem !== null) problems.push(nodeProblem);
  const redisServer = onPath('redis-server');
  if (redisServer === null) problems.push('redis-server not found: apt-get install redis-server');
  const wranglerJs = join(root, 'node_modules', 'wrangler', 'bin', 'wrangler.js');
  if (!existsSync(wranglerJs)) problems.push(`wrangler not found (${wranglerJs}): run npm install`);
  // The stack bundles the agent at start (infra/scripts/build-agent.ts), as `npm run build` does.
  if (!existsSync(join(root, 'node_modules', 'esbuild'))) problems.push('esbuild not found: run npm install');
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, found: { redisServer: redisServer ?? 'redis-server', wranglerJs } };
}
