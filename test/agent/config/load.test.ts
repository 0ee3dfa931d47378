// The agent file: defaults, environment overrides, and errors that name the field and its line.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { groupVariable } from '../../../agent/config/env.js';
import { loadAgentConfig, parseAgentConfig } from '../../../agent/config/load.js';

const GOOD = `agentId: db1
coordinator:
  url: https://edge-sentinel.example.workers.dev
  token: t0ken
stateDir: /tmp/es-state
groups:
  - name: mymaster
    local:
      port: 6380
      announce: db1.example.com:6380
    nodes:
      - db2.example.com:6380
`;

function errorsOf(text: string, env: Record<string, string> = {}): readonly string[] {
  const result = parseAgentConfig(text, 'agent.yaml', env);
  return result.ok ? [] : result.errors;
}

describe('agent file', () => {
  it('fills defaults', () => {
    const result = parseAgentConfig(GOOD, 'agent.yaml', {});
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const { config } = result;
    expect(config.voters).toBe(3);
    expect(config.sentinel).toMatchObject({ port: 26379, host: '0.0.0.0', enabled: true });
    expect(config.metrics).toMatchObject({ port: 9479, host: '127.0.0.1' });
    const group = config.groups[0];
    expect(group).toMatchObject({
      probeIntervalMs: 100,
      probeTimeoutMs: 500,
      handoffTimeoutMs: 5000,
      token: 't0ken',
      fencing: true,
    });
    expect(group?.local.host).toBe('127.0.0.1');
    expect(group?.downAfterMs).toBeUndefined();
  });

  it.each([
    ['a wrong type', GOOD.replace('port: 6380', 'port: "six"'), 9, 'groups.0.local.port'],
    [
      'a bad announce address',
      GOOD.replace('announce: db1.example.com:6380', 'announce: db1'),
      10,
      'groups.0.local.announce',
    ],
    [
      'an unknown key',
      GOOD.replace('stateDir: /tmp/es-state', 'stateDir: /tmp/es-state\nprobeInterval: 5'),
      6,
      'probeInterval',
    ],
    ['a missing required field', GOOD.replace('      port: 6380\n', ''), 8, 'groups.0.local.port'],
    ['a bad url', GOOD.replace('https://edge-sentinel.example.workers.dev', 'ftp://x'), 3, 'coordinator.url'],
    [
      'the local node listed among the others',
      GOOD.replace('db2.example.com:6380', 'db1.example.com:6380'),
      11,
      'groups.0.nodes',
    ],
    [
      'a too small probe interval',
      GOOD.replace('    nodes:', '    probeIntervalMs: 1\n    nodes:'),
      11,
      'groups.0.probeIntervalMs',
    ],
  ])('reports %s with field and line', (_name, text, line, field) => {
    const errors = errorsOf(text);
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.some((e) => e.startsWith(`agent.yaml:${line}: ${field}`))).toBe(true);
  });

  it('reports YAML syntax errors with line and column', () => {
    const errors = errorsOf('agentId: db1\ncoordinator:\n  url: [unclosed\n');
    expect(errors[0]).toMatch(/^agent\.yaml:\d+:\d+: YAML: /);
  });

  it('reports a missing token', () => {
    const errors = errorsOf(GOOD.replace('  token: t0ken\n', ''));
    expect(errors.some((e) => e.includes('groups.0.name: no agent token'))).toBe(true);
  });

  it('applies environment overrides and names the variable in errors', () => {
    const env = {
      EDGE_SENTINEL_COORDINATOR_URL: 'https://other.example.com/',
      EDGE_SENTINEL_TOKEN: 'from-env',
      EDGE_SENTINEL_SENTINEL_PORT: '26380',
      EDGE_SENTINEL_REDIS_PASSWORD: 's3cret',
      [groupVariable('mymaster')]: 'group-token',
    };
    const result = parseAgentConfig(GOOD, 'agent.yaml', env);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.config.coordinator.url).toBe('https://other.example.com');
    expect(result.config.sentinel.port).toBe(26380);
    expect(result.config.groups[0]?.token).toBe('group-token');
    expect(result.config.groups[0]?.local.password).toBe('s3cret');
    expect(errorsOf(GOOD, { EDGE_SENTINEL_METRICS_PORT: 'abc' })[0]).toMatch(
      /^EDGE_SENTINEL_METRICS_PORT \(environment\): metrics\.port: /,
    );
  });

  it('reads tokens from files and reports unreadable ones', () => {
    const dir = mkdtempSync(join(tmpdir(), 'agent-config-'));
    writeFileSync(join(dir, 'token'), 'file-token\n');
    const text = GOOD.replace('  token: t0ken', `  tokenFile: ${join(dir, 'token')}`);
    const result = parseAgentConfig(text, 'agent.yaml', {});
    expect(result.ok && result.config.groups[0]?.token).toBe('file-token');
    const missing = errorsOf(GOOD.replace('  token: t0ken', `  tokenFile: ${join(dir, 'nope')}`));
    expect(missing[0]).toMatch(/coordinator\.tokenFile: .*nope cannot be read/);
  });

  it('reports an unreadable file', () => {
    const result = loadAgentConfig('/nonexistent/agent.yaml', {});
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.errors[0]).toMatch(/cannot be read/);
  });
});

describe('infra/agent/agent.example.yaml', () => {
  it('is valid (with the token from the environment instead of its file)', () => {
    const result = loadAgentConfig('infra/agent/agent.example.yaml', { EDGE_SENTINEL_TOKEN: 'x' });
    expect(result.ok ? [] : result.errors).toEqual([]);
  });
});
