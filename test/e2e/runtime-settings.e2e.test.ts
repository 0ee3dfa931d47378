// End to end: runtime group settings through the CLI on a real `wrangler dev` stack. `set` changes
// quorum and down-after on a majority of voters; the group status shows them with their source;
// every agent's Sentinel port reports them; they survive a coordinator restart; `--reset` clears them.
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../infra/cli/main.js';
import { defaultStackOptions } from '../../infra/local/options.js';
import { type LocalStack, startStack } from '../../infra/local/stack.js';
import { waitFor } from '../../infra/local/wait.js';
import { GroupStatusSchema } from '../../workers/api/schemas.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
// This file's own ports: redis 7971-7973, wrangler 8921, Sentinel 8922-8924, metrics 8925-8927.
const REDIS_PORT = 7971;

interface Run {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

describe('runtime settings through the CLI on a real stack', () => {
  let stack: LocalStack;

  beforeAll(async () => {
    stack = await startStack({
      ...defaultStackOptions(root),
      redisPort: REDIS_PORT,
      sentinelPort: 8922,
      metricsPort: 8925,
      coordinatorPort: 8921,
    });
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
  }, 60_000);

  async function cli(args: string[]): Promise<Run> {
    const out: string[] = [];
    const err: string[] = [];
    const env: NodeJS.ProcessEnv = {
      EDGE_SENTINEL_URL: stack.coordinatorUrl,
      EDGE_SENTINEL_ADMIN_TOKEN: stack.adminToken,
    };
    const io = {
      out: (line: string) => void out.push(line),
      err: (line: string) => void err.push(line),
      interactive: false,
      ask: async () => '',
    };
    const status = await main(args, env, io, new AbortController().signal);
    const run = { status, stdout: out.join('\n'), stderr: err.join('\n') };
    console.log(`$ edge-sentinel ${args.join(' ')}  (exit ${status})\n${run.stdout}${run.stderr}`);
    return run;
  }

  async function groupStatus() {
    const res = await fetch(`${stack.coordinatorUrl}/v1/groups/${stack.options.group}`, {
      headers: { Authorization: `Bearer ${stack.adminToken}` },
    });
    return GroupStatusSchema.parse(await res.json());
  }

  /** `SENTINEL MASTER <group>` on one agent's Sentinel port, as field -> value. */
  async function sentinelMaster(port: number): Promise<Record<string, string>> {
    const client = new Redis({
      host: '127.0.0.1',
      port,
      protocol: 2,
      maxRetriesPerRequest: 0,
      lazyConnect: true,
    });
    try {
      await client.connect();
      const flat = (await client.call('SENTINEL', 'MASTER', stack.options.group)) as string[];
      const fields: Record<string, string> = {};
      for (let i = 0; i + 1 < flat.length; i += 2) fields[String(flat[i])] = String(flat[i + 1]);
      return fields;
    } finally {
      client.disconnect();
    }
  }

  async function everyAgentReports(quorum: string, downAfter: string, timeoutMs: number) {
    const started = Date.now();
    await waitFor(
      `every agent's SENTINEL MASTER to report quorum ${quorum}, down-after ${downAfter}`,
      timeoutMs,
      async () => {
        const views = await Promise.all(stack.nodes.map((n) => sentinelMaster(n.sentinelPort)));
        const ok = views.every((v) => v.quorum === quorum && v['down-after-milliseconds'] === downAfter);
        return ok ? true : undefined;
      },
    );
    return Date.now() - started;
  }

  it('set quorum=3 downAfterMs=2000: shown with its source, applied by every agent, kept across a restart, then reset', async () => {
    const before = await cli(['settings', stack.options.group]);
    expect(before.status).toBe(0);
    expect(before.stdout).toMatch(/quorum\s+│ 2\s+│ wrangler\.toml/);

    const set = await cli(['set', stack.options.group, 'quorum=3', 'downAfterMs=2000']);
    expect(set.stderr).toBe('');
    expect(set.status).toBe(0);
    expect(set.stdout).toMatch(/version 1 adopted by 3 of 3 voters/);

    const status = await groupStatus();
    expect(status.settings).toMatchObject({ quorum: 3, downAfterMs: 2000 });
    expect(status.settingsSources).toMatchObject({
      quorum: 'runtime override v1',
      downAfterMs: 'runtime override v1',
      failoverTimeoutMs: 'wrangler.toml',
    });
    const tookMs = await everyAgentReports('3', '2000', 5_000);
    console.log(`every agent's SENTINEL MASTER reported quorum 3 / down-after 2000 after ${tookMs} ms`);
    const one = await sentinelMaster(stack.nodes[0]?.sentinelPort ?? 0);
    console.log(
      `SENTINEL MASTER quorum ${one.quorum} down-after-milliseconds ${one['down-after-milliseconds']}`,
    );

    await stack.restartCoordinator();
    const after = await cli(['settings', stack.options.group, '--json']);
    expect(after.status).toBe(0);
    expect(JSON.parse(after.stdout)).toMatchObject({
      settings: { quorum: 3, downAfterMs: 2000 },
      settingsVersion: 1,
      settingsSources: { quorum: 'runtime override v1' },
    });
    // Agents reconnect to the restarted voters and are told the same settings again.
    await everyAgentReports('3', '2000', 15_000);

    const reset = await cli(['set', stack.options.group, '--reset']);
    expect(reset.status).toBe(0);
    expect(reset.stdout).toMatch(/version 2 adopted/);
    const back = await groupStatus();
    expect(back.settingsSources?.quorum).toBe('wrangler.toml');
    expect(back.settings.quorum).toBe(2);
    await everyAgentReports('2', String(back.settings.downAfterMs), 5_000);
  }, 120_000);
});
