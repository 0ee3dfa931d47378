// The agent's --check: voters must be 1, 3 or 5 (as the Worker's groups), named with the file's line or the variable that set it.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { EXIT_BAD_CONFIG, EXIT_OK, main } from '../../../agent/cli.js';

function file(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'agent-voters-')), 'agent.yaml');
  writeFileSync(path, text);
  return path;
}

const GOOD = `coordinator: { url: "https://x.example.com", token: abc }
agentId: a1
failsafe: { secret: a-failsafe-secret-for-tests }
voters: 3
groups:
  - name: g
    local: { port: 7399, announce: "127.0.0.1:7399" }
`;

async function check(text: string, env: Record<string, string> = {}) {
  const errors: string[] = [];
  vi.spyOn(console, 'error').mockImplementation((line: string) => void errors.push(line));
  vi.spyOn(console, 'log').mockImplementation(() => undefined);
  const code = await main(['--config', file(text), '--check'], env);
  return { code, stderr: errors.join('\n') };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('agent --check voters', () => {
  it.each([0, 2, 4, 6])('voters: %d is refused at its line, listing 1, 3 or 5', async (voters) => {
    const result = await check(GOOD.replace('voters: 3', `voters: ${voters}`));
    expect(result.code).toBe(EXIT_BAD_CONFIG);
    expect(result.stderr).toContain(`agent.yaml:4: voters: expected 1, 3 or 5 voters, got ${voters}`);
  });

  it('EDGE_SENTINEL_VOTERS=4 is refused naming the variable', async () => {
    const result = await check(GOOD, { EDGE_SENTINEL_VOTERS: '4' });
    expect(result.code).toBe(EXIT_BAD_CONFIG);
    expect(result.stderr).toContain(
      'EDGE_SENTINEL_VOTERS (environment): voters: expected 1, 3 or 5 voters, got 4',
    );
  });

  it.each([1, 3, 5])('voters: %d passes', async (voters) => {
    const result = await check(GOOD.replace('voters: 3', `voters: ${voters}`));
    expect(result.stderr).toBe('');
    expect(result.code).toBe(EXIT_OK);
  });
});
