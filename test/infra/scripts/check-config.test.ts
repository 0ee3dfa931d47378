// `npm run check-config`: the script's checks in-process on the fixtures, and its exit code for real.
import { execFile } from 'node:child_process';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { checkConfigFile } from '../../../infra/scripts/check-config.js';

function capture(path?: string) {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((line: string) => void out.push(line));
  vi.spyOn(console, 'error').mockImplementation((line: string) => void err.push(line));
  const status = checkConfigFile(path);
  return { status, stdout: out.join('\n'), stderr: err.join('\n') };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('check-config', () => {
  it('passes the repository wrangler.toml', () => {
    const result = capture();
    expect(result.stdout).toContain('wrangler.toml is valid: groups mymaster');
    expect(result.status).toBe(0);
  });

  it.each([
    ['bad-quorum.toml', 'vars.GROUPS.mymaster.quorum'],
    ['typo-key.toml', 'vars.GROUPS.mymaster.downAfter: unknown key'],
    ['no-binding.toml', 'durable_objects.bindings'],
    ['not-toml.toml', 'cannot be parsed'],
    ['missing.toml', 'no such file'],
  ])('fails %s naming %s', (fixture, message) => {
    const result = capture(`test/fixtures/wrangler/${fixture}`);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(message);
  });

  it('exits 1 from the command line for a bad file', async () => {
    const status = await new Promise<number>((resolve) => {
      execFile(
        process.execPath,
        ['--import', 'tsx', 'infra/cli/run.ts', 'check-config', 'test/fixtures/wrangler/bad-hints.toml'],
        { timeout: 60_000 },
        (error) => resolve(error === null ? 0 : typeof error.code === 'number' ? error.code : -1),
      );
    });
    expect(status).toBe(1);
  });
});
