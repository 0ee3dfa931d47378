// The Sentinel port's ACL users in the agent file: inline `sentinel.users` or `sentinel.aclFile`, checked at load.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseAgentConfig } from '../../../agent/config/load.js';
import { GOOD_AGENT_FILE } from './agent-file-text.js';

const directory = mkdtempSync(join(tmpdir(), 'edge-sentinel-acl-config-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

function withSentinel(section: string): string {
  return `${GOOD_AGENT_FILE}sentinel:\n${section}`;
}

function errorsOf(text: string): readonly string[] {
  const result = parseAgentConfig(text, 'agent.yaml', {});
  return result.ok ? [] : result.errors;
}

describe('sentinel.users', () => {
  it('accepts Redis ACL lines and keeps them', () => {
    const result = parseAgentConfig(
      withSentinel('  users:\n    - "user app on >app-secret -@all +sentinel|get-master-addr-by-name"\n'),
      'agent.yaml',
      {},
    );
    expect(result.ok).toBe(true);
    if (result.ok)
      expect(result.config.sentinel.users).toEqual([
        'user app on >app-secret -@all +sentinel|get-master-addr-by-name',
      ]);
  });

  it('refuses a bad rule, naming the line and the reason', () => {
    const errors = errorsOf(withSentinel('  users:\n    - "user app on +nosuch"\n'));
    expect(errors.join('\n')).toContain(
      "users:1: Error in user declaration '+nosuch': Unknown command or category name in ACL",
    );
  });

  it('refuses a default user defined twice (a line and sentinel.password)', () => {
    const errors = errorsOf(withSentinel('  password: pw\n  users:\n    - "user default on nopass +@all"\n'));
    expect(errors.join('\n')).toContain(
      "a 'user default' line and sentinel.password both set the default user",
    );
  });

  it('refuses users and aclFile together', () => {
    const errors = errorsOf(withSentinel('  users: ["user a on nopass"]\n  aclFile: /tmp/x.acl\n'));
    expect(errors.join('\n')).toContain('give users or aclFile, not both');
  });
});

describe('sentinel.aclFile', () => {
  it('is read and checked at load: a missing file and a bad line are config errors', () => {
    expect(errorsOf(withSentinel(`  aclFile: ${join(directory, 'missing.acl')}\n`)).join('\n')).toMatch(
      /sentinel\.aclFile: .*missing\.acl cannot be read: ENOENT/,
    );
    const bad = join(directory, 'bad.acl');
    writeFileSync(bad, 'user ok on nopass +@all\nuser worse on %%%\n');
    expect(errorsOf(withSentinel(`  aclFile: ${bad}\n`)).join('\n')).toContain(
      `sentinel.aclFile: ${bad}:2: Error in user declaration '%%%': Syntax error`,
    );
    const good = join(directory, 'good.acl');
    writeFileSync(good, 'user ok on nopass +@all\n');
    expect(errorsOf(withSentinel(`  aclFile: ${good}\n`))).toEqual([]);
  });
});
