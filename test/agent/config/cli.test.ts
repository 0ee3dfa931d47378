// The CLI's exit codes and messages for bad usage and bad files, in-process (the built bin: test/infra/agent/bundle.test.ts).

import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { EXIT_BAD_CONFIG, EXIT_OK, EXIT_START_FAILED, main } from '../../../agent/cli.js';
import { FENCE_MIN_REPLICAS } from '../../../agent/runtime/fence.js';
import { startRedis } from '../../support/redis-server.js';

function file(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'agent-cli-'));
  const path = join(dir, 'agent.yaml');
  writeFileSync(path, text);
  return path;
}

const GOOD = `coordinator: { url: "https://x.example.com", token: abc }
agentId: a1
failsafe: { secret: a-failsafe-secret-for-tests }
groups:
  - name: g
    local: { port: 7399, announce: "127.0.0.1:7399" }
`;

describe('edge-sentinel-agent CLI', () => {
  it('exits 2 with the field and line on a bad file', async () => {
    const errors: string[] = [];
    const spy = vi.spyOn(console, 'error').mockImplementation((text: string) => errors.push(text));
    const code = await main(['--config', file(GOOD.replace('port: 7399', 'port: 0'))], {});
    spy.mockRestore();
    expect(code).toBe(EXIT_BAD_CONFIG);
    expect(errors.join('\n')).toMatch(/agent\.yaml:6: groups\.0\.local\.port: /);
  });

  it('exits 2 without --config, 0 with --check on a good file', async () => {
    const spy = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    expect(await main([], {})).toBe(EXIT_BAD_CONFIG);
    expect(await main(['--bogus'], {})).toBe(EXIT_BAD_CONFIG);
    expect(await main(['--config', file(GOOD), '--check'], {})).toBe(EXIT_OK);
    spy.mockRestore();
    log.mockRestore();
  });
});

describe('edge-sentinel-agent --check and --fence', () => {
  it('--check says where the failsafe expects each peer', async () => {
    const lines: string[] = [];
    const log = vi.spyOn(console, 'log').mockImplementation((text: string) => lines.push(text));
    const withPeers = GOOD.replace(
      '    local: { port: 7399, announce: "127.0.0.1:7399" }',
      '    local: { port: 7399, announce: "127.0.0.1:7399" }\n    nodes: [{ node: "127.0.0.1:7398", agent: "127.0.0.1:27398" }]',
    );
    expect(await main(['--config', file(withPeers), '--check'], {})).toBe(EXIT_OK);
    log.mockRestore();
    expect(lines.join('\n')).toContain(
      'group g: failsafe grants from 127.0.0.1:7398 (agent 127.0.0.1:27398)',
    );
  });

  it('--check says which renamed commands the agent will send', async () => {
    const lines: string[] = [];
    const log = vi.spyOn(console, 'log').mockImplementation((text: string) => lines.push(text));
    const renamed = GOOD.replace(
      '    local: { port: 7399, announce: "127.0.0.1:7399" }',
      '    local: { port: 7399, announce: "127.0.0.1:7399" }\n    renameCommands: { config: cfg-xyz, REPLICAOF: ro-xyz }',
    );
    expect(await main(['--config', file(renamed), '--check'], {})).toBe(EXIT_OK);
    log.mockRestore();
    expect(lines.join('\n')).toContain(
      'group g: sends CONFIG as cfg-xyz, REPLICAOF as ro-xyz to every node of the group (not checked against the nodes here)',
    );
  });

  it('--fence refuses writes on the local node at once (ExecStopPost), and fails on an unreachable one', async () => {
    const redis = await startRedis({ port: 7397 });
    try {
      const fenced = GOOD.replace(/7399/g, '7397');
      expect(await main(['--config', file(fenced), '--fence'], {})).toBe(EXIT_OK);
      const reply = spawnSync('redis-cli', ['-p', '7397', 'CONFIG', 'GET', 'min-replicas-to-write'], {
        encoding: 'utf8',
      });
      expect(reply.stdout.split('\n')[1]).toBe(String(FENCE_MIN_REPLICAS));
    } finally {
      await redis.stop();
    }
    const started = performance.now();
    expect(await main(['--config', file(GOOD.replace(/7399/g, '7396')), '--fence'], {})).toBe(
      EXIT_START_FAILED,
    );
    expect(performance.now() - started).toBeLessThan(5000);
  }, 20_000);
});
