// Test configuration: `unit` runs in Node; `workers` and `workers-voter` run *.workers.test.ts in the
// real Workers runtime (@cloudflare/vitest-pool-workers 0.15, the `cloudflareTest` plugin).
// `workers` sees wrangler.toml as deployed; `workers-voter` adds test-only groups
// (webhooks to a local receiver, an Upstash sink on a real redis-server) to its GROUPS. `e2e` runs
// the whole system (wrangler dev, redis-servers, agents) one file at a time.
import { cloudflareTest } from '@cloudflare/vitest-pool-workers';
import { defineConfig } from 'vitest/config';
import { voterTestGroups, voterTestSecrets } from './test/workers/voter/test-groups.js';

/** Test-only secrets: at least 16 characters, like the Worker demands of real ones. */
const TEST_SECRETS = {
  AGENT_SECRET: 'agent-secret-for-tests-0123456789',
  ADMIN_TOKEN: 'admin-token-for-tests-0123456789',
};

/** wrangler.toml's groups (the default `mymaster`); wrangler is imported only when a runtime project starts. */
async function deployedGroups(): Promise<Record<string, unknown>> {
  const { unstable_readConfig } = await import('wrangler');
  return (unstable_readConfig({ config: './wrangler.toml' }).vars.GROUPS ?? {}) as Record<string, unknown>;
}

const runtime = { main: './workers/index.ts', wrangler: { configPath: './wrangler.toml' } };
/** The fuzz suite's budget and replay variables, handed to the Workers runtime (test/fuzz/harness.ts). */
const FUZZ_ENV = Object.fromEntries(
  ['FUZZ_RUNS', 'FUZZ_START', 'FUZZ_SEED', 'FUZZ_TRACE'].map((name) => [name, process.env[name] ?? '']),
);
const VOTER_TESTS = 'test/workers/voter/**/*.workers.test.ts';
const E2E_TESTS = 'test/e2e/**/*.e2e.test.ts';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          environment: 'node',
          include: ['test/**/*.test.ts'],
          exclude: ['**/node_modules/**', '**/*.workers.test.ts', E2E_TESTS],
          // Simulation runs over many seeds; a stuck test still fails, just not too early.
          testTimeout: 120_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'e2e',
          environment: 'node',
          include: [E2E_TESTS],
          // Fails a file whose stacks' Worker logged an "Uncaught" error.
          setupFiles: ['test/e2e/no-uncaught.setup.ts'],
          // Each file starts a whole stack on fixed loopback ports: never two at once, and only
          // after the other projects finished, so their load does not skew its timing.
          fileParallelism: false,
          sequence: { groupOrder: 1 },
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        plugins: [cloudflareTest({ ...runtime, miniflare: { bindings: TEST_SECRETS } })],
        test: {
          name: 'workers',
          include: ['test/**/*.workers.test.ts'],
          exclude: ['**/node_modules/**', VOTER_TESTS],
          testTimeout: 30_000,
          provide: { fuzzEnv: FUZZ_ENV },
        },
      },
      {
        plugins: [
          cloudflareTest(async ({ inject }) => {
            const receiver = inject('webhookReceiverUrl');
            const upstash = inject('upstashUrl');
            return {
              ...runtime,
              miniflare: {
                bindings: {
                  ...TEST_SECRETS,
                  ...voterTestSecrets,
                  GROUPS: { ...(await deployedGroups()), ...voterTestGroups(receiver, upstash) },
                  TEST_WEBHOOK_RECEIVER_URL: receiver,
                  TEST_UPSTASH_URL: upstash,
                },
              },
            };
          }),
        ],
        test: {
          name: 'workers-voter',
          include: [VOTER_TESTS],
          globalSetup: ['test/workers/voter/global-setup.ts'],
          testTimeout: 30_000,
          hookTimeout: 30_000,
        },
      },
    ],
  },
});
