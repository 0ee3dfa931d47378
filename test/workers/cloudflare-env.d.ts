// Types `env` from cloudflare:workers / cloudflare:test as the Worker's own Env in runtime tests,
// plus the bindings vitest.config.ts adds for them.
import type { Env as WorkerEnv } from '../../workers/env.js';

declare global {
  namespace Cloudflare {
    interface Env extends WorkerEnv {
      readonly TEST_WEBHOOK_RECEIVER_URL: string;
      readonly TEST_UPSTASH_URL: string;
    }
  }
}
