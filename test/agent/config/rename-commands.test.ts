// groups[].renameCommands in the agent file: the commands the agent sends, each once, names Redis can read; and the passwordFile kept for SIGHUP.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAgentConfig, rereadSecretFile } from '../../../agent/config/load.js';
import { RenameCommandsSchema, renameRefusal } from '../../../agent/config/rename-commands.js';
import { GOOD_AGENT_FILE } from './agent-file-text.js';

/** The good file with a renameCommands mapping (YAML flow style) in its group. */
function withRenames(flow: string): string {
  return GOOD_AGENT_FILE.replace('    nodes:', `    renameCommands: ${flow}\n    nodes:`);
}

function parse(text: string) {
  return parseAgentConfig(text, 'agent.yaml', {});
}

describe('groups[].renameCommands', () => {
  it('is absent by default: every command under its own name', () => {
    const result = parse(GOOD_AGENT_FILE);
    expect(result.ok && result.config.groups[0]?.renameCommands).toBeUndefined();
  });

  it.each([
    ['{ CONFIG: cfg-xyz, REPLICAOF: ro-xyz }', { CONFIG: 'cfg-xyz', REPLICAOF: 'ro-xyz' }],
    // Keys in any case, as redis.conf and Sentinel take them; stored upper case.
    ['{ config: cfg-xyz, Ping: "p!ng" }', { CONFIG: 'cfg-xyz', PING: 'p!ng' }],
    // A command renamed to its own name (Redis matches names in any case) is no renaming.
    ['{ INFO: info, CLIENT: c1 }', { CLIENT: 'c1' }],
    [
      '{ MULTI: m, EXEC: e, FAILOVER: f, REPLCONF: r, ROLE: ro }',
      { MULTI: 'm', EXEC: 'e', FAILOVER: 'f', REPLCONF: 'r', ROLE: 'ro' },
    ],
  ])('%s -> %j', (flow, renamed) => {
    const result = parse(withRenames(flow));
    expect(result.ok ? result.config.groups[0]?.renameCommands : result.errors).toEqual(renamed);
  });

  it.each([
    [
      '{ SUBSCRIBE: x }',
      /renameCommands\.SUBSCRIBE: SUBSCRIBE: the agent sends only PING, INFO, ROLE, CONFIG/,
    ],
    ['{ SLAVEOF: x }', /SLAVEOF: the agent sends REPLICAOF .*rename REPLICAOF/],
    ['{ AUTH: x }', /AUTH cannot be renamed/],
    ['{ CONFIG: "" }', /a renamed command needs a name/],
    ['{ CONFIG: "cfg xyz" }', /no spaces or control characters/],
    ['{ CONFIG: "cfg\\txyz" }', /no spaces or control characters/],
    ['{ CONFIG: a, config: b }', /CONFIG is renamed twice/],
    ['{ CONFIG: 7 }', /renameCommands\.CONFIG: .*expected string/],
    ['[CONFIG]', /renameCommands: .*expected record/],
  ])('refuses %s, naming the field and its line', (flow, message) => {
    const result = parse(withRenames(flow));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.join('\n')).toMatch(message);
    expect(result.errors.join('\n')).toMatch(/^agent\.yaml:\d+/);
  });

  it('refuses a name longer than 128 characters', () => {
    expect(RenameCommandsSchema.safeParse({ PING: 'x'.repeat(129) }).success).toBe(false);
    expect(RenameCommandsSchema.safeParse({ PING: 'x'.repeat(128) }).success).toBe(true);
  });

  it('says the same refusal to SENTINEL SET', () => {
    expect(renameRefusal('ping')).toBeNull();
    expect(renameRefusal('slaveof')).toMatch(/rename REPLICAOF/);
    expect(renameRefusal('PUBLISH')).toMatch(/sends only/);
  });
});

describe('local.passwordFile', () => {
  it('is kept (the path) beside the password it held, so SIGHUP can read it again', () => {
    const dir = mkdtempSync(join(tmpdir(), 'es-password-'));
    const file = join(dir, 'redis.pass');
    writeFileSync(file, 'first-password\n');
    const text = GOOD_AGENT_FILE.replace(
      '      announce: db1.example.com:6380',
      `      announce: db1.example.com:6380\n      passwordFile: ${file}`,
    );
    const result = parse(text);
    expect(result.ok && result.config.groups[0]?.local).toMatchObject({
      password: 'first-password',
      passwordFile: file,
    });
    writeFileSync(file, 'second-password\n');
    expect(rereadSecretFile(file, 'passwordFile')).toEqual({ ok: true, value: 'second-password' });
    writeFileSync(file, '  \n');
    expect(rereadSecretFile(file, 'passwordFile')).toMatchObject({
      ok: false,
      error: expect.stringMatching(/is empty/),
    });
    expect(rereadSecretFile(join(dir, 'missing'), 'passwordFile').ok).toBe(false);
  });

  it('is not kept when EDGE_SENTINEL_REDIS_PASSWORD replaces it (fixed at start)', () => {
    const text = GOOD_AGENT_FILE.replace(
      '      announce: db1.example.com:6380',
      '      announce: db1.example.com:6380\n      passwordFile: /nonexistent/redis.pass',
    );
    const result = parseAgentConfig(text, 'agent.yaml', { EDGE_SENTINEL_REDIS_PASSWORD: 'from-env' });
    expect(result.ok && result.config.groups[0]?.local).toMatchObject({ password: 'from-env' });
    expect(result.ok && result.config.groups[0]?.local.passwordFile).toBeUndefined();
  });
});
