// End to end: the `edge-sentinel` ops CLI against a real `wrangler dev` stack with READ_TOKEN set:
// status during a SIGKILL failover, wait-master, history, events --follow across a coordinator
// restart (resumed by id, nothing twice), switchover, confirmation, pause/resume, refusals.
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../infra/cli/main.js';
import { defaultStackOptions } from '../../infra/local/options.js';
import { type LocalStack, startStack } from '../../infra/local/stack.js';
import { waitFor } from '../../infra/local/wait.js';
import { GroupStatusSchema } from '../../workers/api/schemas.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
// This file's own ports: redis 7861-7863, wrangler 8891, Sentinel 26861.., metrics 26871...
const REDIS_PORT = 7861;
const READ_TOKEN = 'cli-e2e-read-token-0123456789abcdef';

interface Run {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

describe('edge-sentinel CLI against a real stack', () => {
  let stack: LocalStack;
  let follower: ChildProcess | null = null;

  beforeAll(async () => {
    stack = await startStack({
      ...defaultStackOptions(root),
      redisPort: REDIS_PORT,
      sentinelPort: 26861,
      metricsPort: 26871,
      coordinatorPort: 8891,
      readToken: READ_TOKEN,
    });
  }, 120_000);

  afterAll(async () => {
    follower?.kill('SIGKILL');
    await stack?.stop();
  }, 60_000);

  /** The CLI in this process, as `edge-sentinel <args>` with the stack's URL and the given tokens. */
  async function cli(
    args: string[],
    tokens: { read?: boolean; admin?: boolean } = { read: true },
    answer?: string,
  ): Promise<Run> {
    const out: string[] = [];
    const err: string[] = [];
    const env: NodeJS.ProcessEnv = {
      EDGE_SENTINEL_URL: stack.coordinatorUrl,
      ...(tokens.read === true ? { EDGE_SENTINEL_READ_TOKEN: READ_TOKEN } : {}),
      ...(tokens.admin === true ? { EDGE_SENTINEL_ADMIN_TOKEN: stack.adminToken } : {}),
    };
    const io = {
      out: (line: string) => void out.push(line),
      err: (line: string) => void err.push(line),
      interactive: answer !== undefined,
      ask: async () => answer ?? '',
    };
    const status = await main(args, env, io, new AbortController().signal);
    return { status, stdout: out.join('\n'), stderr: err.join('\n') };
  }

  const both = { read: true, admin: true };

  it('status: refused without the read token (exit 1, with the hint), a table of the three nodes with it', async () => {
    const refused = await cli(['status'], {});
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/HTTP 401 .*--read-token \/ EDGE_SENTINEL_READ_TOKEN/);

    // Right after the start the replicas' agents may not have read INFO yet: wait for the links.
    const shown = await waitFor('status to show both replicas linked', 20_000, async () => {
      const run = await cli(['status']);
      return run.stdout.split(`replica of 127.0.0.1:${REDIS_PORT}, link up`).length === 3 ? run : undefined;
    });
    expect(shown.stderr).toBe('');
    expect(shown.status).toBe(0);
    expect(shown.stdout).toContain(`group ${stack.options.group}: master 127.0.0.1:${REDIS_PORT}`);
    for (const node of stack.nodes) expect(shown.stdout).toContain(node.address);
    expect(shown.stdout).toContain(`replica of 127.0.0.1:${REDIS_PORT}, link up`);
    expect(shown.stdout).toContain('voters answering 3/3');

    const json = await cli(['status', stack.options.group, '--json']);
    const status = GroupStatusSchema.parse(JSON.parse(json.stdout));
    expect(status.master).toMatchObject({ host: '127.0.0.1', port: REDIS_PORT });
    expect(status.agents).toHaveLength(3);

    const groups = await cli(['groups', '--json']);
    expect(JSON.parse(groups.stdout).groups.map((g: { group: string }) => g.group)).toEqual([
      stack.options.group,
    ]);
  });

  it('failover asks first on a terminal; "n" sends nothing; without the admin token it is a usage error', async () => {
    const declined = await cli(['failover'], both, 'n');
    expect(declined.status).toBe(1);
    expect(declined.stderr).toContain('failover not sent: not confirmed');
    const noToken = await cli(['switchover', '--yes']);
    expect(noToken.status).toBe(2);
    expect(noToken.stderr).toContain('needs the admin token');
    const unknown = await cli(['switchover', '--to', '127.0.0.1:7869', '--yes'], both);
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toContain('HTTP 409 no_good_replica');
    expect((await stack.publishedMaster()).port).toBe(REDIS_PORT);
  });

  it('a SIGKILL failover: status shows it under way, wait-master prints the new master, history records it', async () => {
    const before = await stack.publishedMaster();
    const waiting = cli(['wait-master', '--after-epoch', String(before.epoch), '--once', '--timeout', '60']);
    await stack.killRedis(0);
    // Status while the voters decide: the old master seen down (or the failover already done).
    let during = '';
    const until = Date.now() + 30_000;
    while (Date.now() < until) {
      during = (await cli(['status'])).stdout;
      if (/SDOWN|promoting|epoch [1-9]/.test(during)) break;
    }
    console.log(`edge-sentinel status during the failover:\n${during}`);
    expect(during).toMatch(/SDOWN|promoting|epoch [1-9]/);

    const waited = await waiting;
    expect(waited.status).toBe(0);
    const [address, , epoch] = waited.stdout.split(' ');
    expect(stack.nodes.slice(1).map((n) => n.address)).toContain(address);
    expect(Number(epoch)).toBeGreaterThan(before.epoch);
    await stack.waitForMaster(address ?? '', 30_000);

    const history = await cli(['history', '--json']);
    const changes = JSON.parse(history.stdout).changes as {
      cause: string;
      from: string;
      to: string;
      outcome: string;
      detectedAt: string | null;
      durationMs: number;
    }[];
    expect(changes.at(-1)).toMatchObject({
      cause: 'failover',
      from: `127.0.0.1:${REDIS_PORT}`,
      to: address,
      outcome: 'done',
    });
    expect(changes.at(-1)?.detectedAt).not.toBeNull();
    console.log(`edge-sentinel history:\n${(await cli(['history'])).stdout}`);
  }, 90_000);

  it('events --follow survives a coordinator restart: resumed by id, the switchover seen, nothing twice, Ctrl-C exits 0', async () => {
    const master = await stack.publishedMaster();
    const target = stack.nodes.find((n) => n.redis !== null && n.address !== `${master.host}:${master.port}`);
    if (target === undefined) throw new Error('no running replica to switch over to');
    follower = spawn(
      process.execPath,
      ['--import', 'tsx', 'infra/cli/run.ts', 'events', '--follow', '-n', '1', '--json'],
      {
        cwd: root,
        env: {
          ...process.env,
          EDGE_SENTINEL_URL: stack.coordinatorUrl,
          EDGE_SENTINEL_READ_TOKEN: READ_TOKEN,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    follower.stdout?.on('data', (chunk) => (stdout += chunk));
    follower.stderr?.on('data', (chunk) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => follower?.on('exit', (code) => resolve(code)));
    // The follower is streaming once it has printed the stored events (a fixed wait raced the CLI's
    // start on a loaded machine: a restart during its first reads is a failed start, exit 1).
    // (A stack with no event yet prints nothing: then a generous fixed wait.)
    const startedAt = performance.now();
    await waitFor('the follower printing the last stored event', 30_000, () =>
      Promise.resolve(stdout.trim() !== '' || performance.now() - startedAt > 10_000 ? true : undefined),
    );
    await new Promise((resolve) => setTimeout(resolve, 1_000));

    await stack.restartCoordinator();
    // As an operator would: the switchover once every agent is back with every voter (a target
    // whose agent has not reconnected yet is refused or abandoned, correctly).
    await waitFor('every agent reconnected to every voter', 30_000, async () => {
      const status = GroupStatusSchema.parse(JSON.parse((await cli(['status', '--json'])).stdout));
      return status.agents.length === 3 && status.agents.every((a) => a.connectedTo.length === 3)
        ? true
        : undefined;
    });
    const switched = await cli(['switchover', '--to', target.address, '--yes'], both);
    expect(switched.stderr).toContain('accepted by voter');
    expect(switched.status, switched.stderr).toBe(0);
    expect(switched.stdout).toMatch(
      new RegExp(`switchover of ${stack.options.group} done: master .* -> ${target.address} at epoch \\d+`),
    );

    const lines = () =>
      stdout
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l) as { voter: number; id: number; name: string; payload: string });
    const deadline = Date.now() + 30_000;
    while (
      Date.now() < deadline &&
      !lines().some(
        (e) => e.name === '+switch-master' && e.payload.endsWith(target.address.replace(':', ' ')),
      )
    ) {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    follower.kill('SIGINT');
    expect(await exited).toBe(0);
    follower = null;
    const seen = lines();
    expect(
      seen.some((e) => e.name === '+switch-master' && e.payload.endsWith(target.address.replace(':', ' '))),
    ).toBe(true);
    const keys = seen.map((e) => `${e.voter}/${e.id}`);
    expect(new Set(keys).size).toBe(keys.length);
    // The restart dropped every stream; each was resumed after the last id it had delivered.
    expect(stderr).toMatch(/reconnecting after event \d+/);
  }, 120_000);

  it('pause shows in status; resume clears it', async () => {
    const paused = await cli(['pause'], both);
    expect(paused.status).toBe(0);
    expect(paused.stdout).toMatch(/pause of .*: acknowledged by 3 of 3 voters/);
    expect((await cli(['status'])).stdout).toContain('PAUSED');
    expect((await cli(['resume'], both)).status).toBe(0);
    expect((await cli(['status'])).stdout).not.toContain('PAUSED');
  });
});
