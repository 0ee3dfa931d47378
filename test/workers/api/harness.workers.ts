// Calling the API in the Workers runtime with test secrets, test groups and fake (or real) voters.
import { env } from 'cloudflare:workers';
import { app } from '../../../workers/api/app.js';
import { agentToken } from '../../../workers/auth/hmac.js';
import { FakeNamespace } from './fake-voters.workers.js';

export const ADMIN_TOKEN = 'admin-token-0123456789abcdef';
export const READ_TOKEN = 'read-token-0123456789abcdef';
export const AGENT_SECRET = 'agent-secret-0123456789abcdef';

/** Groups for API tests: `mymaster` with 3 voters and hints, `five` with 5, `solo` with 1. */
export const TEST_GROUPS = {
  mymaster: { master: '127.0.0.1:7001', quorum: 2, voters: 3, locationHints: ['weur', 'eeur', 'enam'] },
  five: { master: '10.0.0.1:6379', quorum: 3, voters: 5 },
  solo: { master: 'redis.local:6379', quorum: 1, voters: 1 },
};

export interface TestEnvOptions {
  readonly readToken?: boolean;
  readonly adminToken?: boolean;
  readonly agentSecret?: boolean;
  readonly groups?: unknown;
  /** The isolate's master copy (MASTER_CACHE_MS); off unless a test is about it. */
  readonly masterCacheMs?: number;
}

export function fakeEnv(voters = new FakeNamespace(), options: TestEnvOptions = {}) {
  return {
    ...env,
    VOTER: voters,
    GROUPS: options.groups ?? TEST_GROUPS,
    ADMIN_TOKEN: options.adminToken === false ? undefined : ADMIN_TOKEN,
    READ_TOKEN: options.readToken === true ? READ_TOKEN : undefined,
    AGENT_SECRET: options.agentSecret === false ? undefined : AGENT_SECRET,
    // Tests of majority reads must reach the voters every time; master-cache tests turn the copy on.
    MASTER_CACHE_MS: options.masterCacheMs ?? 0,
  };
}

/** The runtime's own bindings (real voter Durable Objects, wrangler.toml groups) plus test secrets. */
export function realEnv() {
  return { ...env, ADMIN_TOKEN, AGENT_SECRET, READ_TOKEN: undefined, MASTER_CACHE_MS: 0 };
}

export type TestEnv = ReturnType<typeof fakeEnv>;

export function call(path: string, init: RequestInit, testEnv: object): Promise<Response> {
  return Promise.resolve(app.request(`https://edge.test${path}`, init, testEnv));
}

export function bearer(token: string, extra: Record<string, string> = {}): RequestInit {
  return { headers: { Authorization: `Bearer ${token}`, ...extra } };
}

export function adminPost(body?: string, extra: Record<string, string> = {}): RequestInit {
  return {
    method: 'POST',
    headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, 'Content-Type': 'application/json', ...extra },
    ...(body === undefined ? {} : { body }),
  };
}

export async function errorOf(response: Response): Promise<{ code: string; message: string }> {
  const body = (await response.json()) as { error: { code: string; message: string } };
  return body.error;
}

export function tokenFor(agentId: string, group: string): Promise<string> {
  return agentToken(AGENT_SECRET, agentId, group);
}
