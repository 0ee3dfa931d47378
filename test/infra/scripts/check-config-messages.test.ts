// `npm run check-config`: a duplicate key names its line; 4 voters lists the allowed values; a quorum over the group's nodes is refused.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { checkConfigFile } from '../../../infra/scripts/check-config.js';

const HEAD = readFileSync('test/fixtures/wrangler/good.toml', 'utf8').split('[vars.GROUPS.mymaster]')[0];
const dir = mkdtempSync(join(tmpdir(), 'check-config-'));

function capture(groups: string) {
  const path = join(dir, `wrangler-${Math.random().toString(36).slice(2)}.toml`);
  writeFileSync(path, `${HEAD}${groups}`);
  const err: string[] = [];
  vi.spyOn(console, 'log').mockImplementation(() => undefined);
  vi.spyOn(console, 'error').mockImplementation((line: string) => void err.push(line));
  return {
    status: checkConfigFile(path),
    stderr: err.join('\n'),
    path,
    lineOf: (text: string) => lineOf(path, text),
  };
}

const lineOf = (path: string, text: string) => readFileSync(path, 'utf8').split('\n').lastIndexOf(text) + 1;

afterEach(() => {
  vi.restoreAllMocks();
});

describe('check-config messages', () => {
  it('a duplicate key is reported with its line', () => {
    const result = capture(
      '[vars.GROUPS.mymaster]\nmaster = "127.0.0.1:7001"\nquorum = 2\nvoters = 3\nquorum = 3\n',
    );
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(
      `check-config: ${result.path}:${result.lineOf('quorum = 3')}: cannot be parsed: Invalid TOML document: trying to redefine an already defined table or value: quorum = 3`,
    );
  });

  it('a duplicate table is reported with its line', () => {
    const result = capture(
      '[vars.GROUPS.mymaster]\nmaster = "127.0.0.1:7001"\nquorum = 2\n\n[vars.GROUPS.mymaster]\nquorum = 1\n',
    );
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(new RegExp(`^check-config: ${result.path}:\\d+: cannot be parsed: `));
  });

  it('voters = 4 lists the allowed values', () => {
    const result = capture('[vars.GROUPS.mymaster]\nmaster = "127.0.0.1:7001"\nquorum = 2\nvoters = 4\n');
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('vars.GROUPS.mymaster.voters: expected 1, 3 or 5 voters, got 4');
  });

  it('quorum = 7 over the 3 nodes the group names is refused', () => {
    const result = capture(
      '[vars.GROUPS.mymaster]\nmaster = "127.0.0.1:7001"\nnodes = ["127.0.0.1:7001", "127.0.0.1:7002", "127.0.0.1:7003"]\nquorum = 7\n',
    );
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(
      'vars.GROUPS.mymaster.quorum: quorum 7 is larger than the 3 node(s) in nodes: no failover could ever start (at most 3)',
    );
  });

  it('quorum = 3 over those 3 nodes passes', () => {
    const result = capture(
      '[vars.GROUPS.mymaster]\nmaster = "127.0.0.1:7001"\nnodes = ["127.0.0.1:7001", "127.0.0.1:7002", "127.0.0.1:7003"]\nquorum = 3\nvoters = 1\n',
    );
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });
});
