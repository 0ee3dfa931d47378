// The CLI's exit codes and messages for bad usage and bad files, in-process (the built bin: test/infra/agent/bundle.test.ts).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { EXIT_BAD_CONFIG, EXIT_OK, main } from '../../../agent/cli.js';

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
