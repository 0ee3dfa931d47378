// Groups and secrets the runtime tests add to wrangler.toml's (vitest.config.ts passes them as bindings).
import { UPSTASH_TEST_TOKEN } from './global-setup.js';

export const WEBHOOK_TEST_SECRET = 'webhook-test-secret-0123456789';

const base = {
  master: '10.0.0.1:6379',
  quorum: 2,
  voters: 3,
  downAfterMs: 1000,
  failoverTimeoutMs: 6000,
  leaseMs: 200,
  restartGraceMs: 0,
  freshObservationMs: 300,
  electionBackoffMs: 200,
};

export function voterTestGroups(receiverUrl: string, upstashUrl: string): Record<string, unknown> {
  return {
    // Three voters electing over real RPC, driven by fake agents.
    'vt-elect': base,
    // The same with one voter that no agent reaches: the other two must still decide.
    'vt-elect-two': base,
    // Votes and configs that must survive eviction.
    'vt-persist': base,
    // Hibernation wake-up vs restart: a long restart grace makes the difference visible.
    'vt-wake': { ...base, restartGraceMs: 60_000 },
    // A voter whose stored state is damaged: it must refuse to serve, not start afresh.
    'vt-corrupt': { ...base, voters: 1, quorum: 1 },
    // Runtime settings overrides: written through the API, kept across restarts, repaired by reads.
    'vt-settings': { ...base, nodes: ['10.0.0.1:6379', '10.0.0.2:6379', '10.0.0.3:6379'] },
    // Alarms and malformed messages on a single voter.
    'vt-solo': { ...base, voters: 1, quorum: 1 },
    'vt-hooks': {
      ...base,
      voters: 1,
      quorum: 1,
      webhooks: [{ url: `${receiverUrl}/hooks/flaky-2`, secretName: 'WEBHOOK_TEST_SECRET' }],
    },
    'vt-upstash': {
      ...base,
      voters: 1,
      quorum: 1,
      upstash: { url: upstashUrl, tokenSecretName: 'UPSTASH_TEST_TOKEN', streamMaxLen: 10 },
    },
    'vt-upstash-down': {
      ...base,
      voters: 1,
      quorum: 1,
      upstash: { url: 'http://127.0.0.1:9', tokenSecretName: 'UPSTASH_TEST_TOKEN' },
    },
  };
}

export const voterTestSecrets = {
  WEBHOOK_TEST_SECRET,
  UPSTASH_TEST_TOKEN,
};
