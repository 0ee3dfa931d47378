// Agent files that are mistakes or attacks: each is refused with a line an operator can act on
// (the agent then exits 2, which systemd does not restart), quickly, and without reading forever.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadAgentConfig, parseAgentConfig } from '../../../agent/config/load.js';
import { GOOD_AGENT_FILE } from './agent-file-text.js';

const GOOD = GOOD_AGENT_FILE;

const dir = mkdtempSync(join(tmpdir(), 'hostile-agent-files-'));

function errorsOf(text: string): readonly string[] {
  const result = parseAgentConfig(text, 'agent.yaml', {});
  return result.ok ? [] : result.errors;
}

/** A billion laughs: nine levels of nine aliases each. */
function aliasBomb(): string {
  const lines = ['a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]'];
  for (let i = 1; i <= 9; i++) {
    const refs = Array.from({ length: 9 }, () => `*a${i - 1}`).join(', ');
    lines.push(`a${i}: &a${i} [${refs}]`);
  }
  return `${GOOD}${lines.join('\n')}\n`;
}

describe('hostile agent files', () => {
  it('an alias bomb is an error naming the file, not an exception', () => {
    const errors = errorsOf(aliasBomb());
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^agent\.yaml: YAML: .*alias/i);
  });

  it('an alias bomb makes the agent exit 2 with one message and no stack trace', () => {
    const path = join(dir, 'bomb.yaml');
    writeFileSync(path, aliasBomb());
    const result = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'infra/cli/run.ts', 'agent', '--check', '--config', path],
      {
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/alias/i);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('a duplicate key names its line, even among 70,000 keys, in well under a second', () => {
    const many = Array.from({ length: 70_000 }, (_, i) => `  k${i}: 1`).join('\n');
    const text = `${GOOD}extra:\n${many}\n  k12345: again\n`;
    const started = performance.now();
    const errors = errorsOf(text);
    const tookMs = performance.now() - started;
    const line = text.split('\n').indexOf('  k12345: again') + 1;
    expect(errors[0]).toBe(
      `agent.yaml:${line}:3: YAML: duplicate key "k12345" (a key may appear once per mapping)`,
    );
    // yaml's own uniqueKeys check took about 30 s here; the generous bound only catches a quadratic.
    expect(tookMs).toBeLessThan(10_000);
  });

  it('a duplicate key in a nested mapping is found too', () => {
    const errors = errorsOf(GOOD.replace('      port: 6380\n', '      port: 6380\n      port: 6381\n'));
    expect(errors).toEqual([
      'agent.yaml:12:7: YAML: duplicate key "port" (a key may appear once per mapping)',
    ]);
  });

  it('--config /dev/zero is refused after 1 MiB, not read until memory runs out', () => {
    const result = loadAgentConfig('/dev/zero', {});
    expect(result.ok ? [] : result.errors).toEqual(['/dev/zero: is larger than 1048576 bytes']);
  });

  it('tokenFile and tls.ca on /dev/zero are refused by size', () => {
    const token = errorsOf(GOOD.replace('  token: t0ken', '  tokenFile: /dev/zero'));
    expect(token).toEqual(['agent.yaml: coordinator.tokenFile: /dev/zero is larger than 65536 bytes']);
    const ca = errorsOf(
      GOOD.replace(
        '      announce: db1.example.com:6380\n',
        '      announce: db1.example.com:6380\n      tls:\n        ca: /dev/zero\n',
      ),
    );
    expect(ca.some((e) => /tls\.ca: \/dev\/zero is larger than 1048576 bytes/.test(e))).toBe(true);
  });
});
