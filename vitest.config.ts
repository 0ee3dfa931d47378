// Test configuration: one Node project for now; `npm test` runs `vitest run`.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          environment: 'node',
          include: ['test/**/*.test.ts'],
          exclude: ['**/node_modules/**'],
          // Simulation runs over many seeds; a stuck test still fails, just not too early.
          testTimeout: 120_000,
          hookTimeout: 60_000,
        },
      },
      // A `workers` project arrives with the coordinator issue: the Durable Object shell tested in
      // the real Workers runtime with @cloudflare/vitest-pool-workers 0.15 (the `cloudflareTest`
      // plugin, see shared TOOLCHAIN.md), including test/workers/**/*.workers.test.ts, which this
      // project will then exclude.
    ],
  },
});
