// `npx edge-sentinel token`: the printed token is the Worker's HMAC of the agent id and group.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { agentToken } from '../../../workers/auth/hmac.js';

const SECRET = 'token-tool-test-secret-0123456789';

function run(args: string[], secret: string | null = SECRET) {
  const env: NodeJS.ProcessEnv = { ...process.env, npm_config_offline: 'true' };
  if (secret === null) delete env.AGENT_SECRET;
  else env.AGENT_SECRET = secret;
  return spawnSync('npx', ['edge-sentinel', ...args], { encoding: 'utf8', env, timeout: 60_000 });
}

describe('edge-sentinel token', () => {
  it('prints the agent token the Worker expects', async () => {
    const result = run(['token', '--agent', 'dc1-agent', '--group', 'mymaster']);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout.trim()).toBe(await agentToken(SECRET, 'dc1-agent', 'mymaster'));
  });

  it('explains a missing secret and bad arguments', () => {
    const missing = run(['token', '--agent', 'a', '--group', 'g'], null);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('AGENT_SECRET is not set');
    const bad = run(['token', '--agent', 'no spaces', '--group', 'g']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--agent');
  });
});
