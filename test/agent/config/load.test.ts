// The agent file: defaults, environment overrides, and errors that name the field and its line.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { groupVariable } from '../../../agent/config/env.js';
import { loadAgentConfig, parseAgentConfig } from '../../../agent/config/load.js';
import { GOOD_AGENT_FILE } from './agent-file-text.js';

const GOOD = GOOD_AGENT_FILE;

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
    // The failsafe is on, and each other node's agent is at its host on this agent's failsafe port.
    expect(config.failsafe).toEqual({
      host: '0.0.0.0',
      port: 26379,
      secret: 'a-failsafe-secret-of-32-characters',
    });
    expect(group?.failsafe).toBe(true);
    expect(group?.nodes).toEqual(['db2.example.com:6380']);
    expect(group?.agents).toEqual({ 'db2.example.com:6380': { host: 'db2.example.com', port: 26379 } });
  });

  it('takes a node with its agent address, and the failsafe off without a secret', () => {
    const withAgent = GOOD.replace(
      '      - db2.example.com:6380',
      '      - { node: db2.example.com:6380, agent: "10.0.0.2:27000" }',
    );
    const result = parseAgentConfig(withAgent, 'agent.yaml', {});
    expect(result.ok && result.config.groups[0]?.agents).toEqual({
      'db2.example.com:6380': { host: '10.0.0.2', port: 27000 },
    });
    const off = GOOD.replace('failsafe:\n  secret: a-failsafe-secret-of-32-characters\n', '').replace(
      '    nodes:',
      '    failsafe: false\n    nodes:',
    );
    const offResult = parseAgentConfig(off, 'agent.yaml', {});
    expect(offResult.ok ? offResult.config.groups[0]?.failsafe : offResult.errors).toBe(false);
  });

  it("refuses a peer's agent address that is this agent's own, or one shared by two nodes", () => {
    // Nodes on this box's loopback without their agent's address would send to this very agent.
    const local = GOOD.replace('db2.example.com:6380', '127.0.0.1:6381');
    expect(errorsOf(local)[0]).toMatch(
      /the agent of 127\.0\.0\.1:6381 would be at 127\.0\.0\.1:26379, this agent's own/,
    );
    const shared = GOOD.replace(
      '      - db2.example.com:6380',
      '      - { node: db2.example.com:6380, agent: "10.0.0.9:26379" }\n      - { node: db3.example.com:6380, agent: "10.0.0.9:26379" }',
    );
    expect(errorsOf(shared)[0]).toMatch(
      /db2\.example\.com:6380 and db3\.example\.com:6380 both have their agent at 10\.0\.0\.9:26379/,
    );
    // With the failsafe off there are no datagrams, so nothing to check.
    const off = local.replace('    nodes:', '    failsafe: false\n    nodes:');
    expect(errorsOf(off)).toEqual([]);
  });

  it('reads the failsafe secret from a file or the environment', () => {
    const dir = mkdtempSync(join(tmpdir(), 'agent-config-'));
    writeFileSync(join(dir, 'secret'), 'a-secret-from-a-file-0123456789\n');
    const fromFile = GOOD.replace(
      '  secret: a-failsafe-secret-of-32-characters',
      `  secretFile: ${join(dir, 'secret')}`,
    );
    const result = parseAgentConfig(fromFile, 'agent.yaml', {});
    expect(result.ok && result.config.failsafe.secret).toBe('a-secret-from-a-file-0123456789');
    const env = parseAgentConfig(fromFile, 'agent.yaml', {
      EDGE_SENTINEL_FAILSAFE_SECRET: 'a-secret-from-the-env-0123',
    });
    expect(env.ok && env.config.failsafe.secret).toBe('a-secret-from-the-env-0123');
    writeFileSync(join(dir, 'short'), 'short\n');
    const short = errorsOf(fromFile.replace(join(dir, 'secret'), join(dir, 'short')));
    expect(short[0]).toMatch(/failsafe\.secretFile: the secret must be at least 16 characters/);
  });

  it.each([
    ['a wrong type', GOOD.replace('port: 6380', 'port: "six"'), 11, 'groups.0.local.port'],
    [
      'a bad announce address',
      GOOD.replace('announce: db1.example.com:6380', 'announce: db1'),
      12,
      'groups.0.local.announce',
    ],
    [
      'an unknown key',
      GOOD.replace('stateDir: /tmp/es-state', 'stateDir: /tmp/es-state\nprobeInterval: 5'),
      6,
      'probeInterval',
    ],
    ['a missing required field', GOOD.replace('      port: 6380\n', ''), 10, 'groups.0.local.port'],
    ['a bad url', GOOD.replace('https://edge-sentinel.example.workers.dev', 'ftp://x'), 3, 'coordinator.url'],
    [
      'the local node listed among the others',
      GOOD.replace('db2.example.com:6380', 'db1.example.com:6380'),
      14,
      'groups.0.nodes.0',
    ],
    [
      'a too small probe interval',
      GOOD.replace('    nodes:', '    probeIntervalMs: 1\n    nodes:'),
      13,
      'groups.0.probeIntervalMs',
    ],
    [
      'the failsafe on without a secret',
      GOOD.replace('failsafe:\n  secret: a-failsafe-secret-of-32-characters\n', ''),
      7,
      'groups.0.failsafe',
    ],
    [
      'a failsafe secret shorter than 16 characters',
      GOOD.replace('a-failsafe-secret-of-32-characters', 'short'),
      7,
      'failsafe.secret',
    ],
    [
      'a node listed twice',
      GOOD.replace(
        '      - db2.example.com:6380',
        '      - db2.example.com:6380\n      - { node: db2.example.com:6380 }',
      ),
      15,
      'groups.0.nodes.1',
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
  it('is valid (with the token and the failsafe secret from the environment instead of their files)', () => {
    const result = loadAgentConfig('infra/agent/agent.example.yaml', {
      EDGE_SENTINEL_TOKEN: 'x',
      EDGE_SENTINEL_FAILSAFE_SECRET: 'a-failsafe-secret-from-the-environment',
    });
    expect(result.ok ? [] : result.errors).toEqual([]);
  });
});
