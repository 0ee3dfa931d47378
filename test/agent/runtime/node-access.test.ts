// A group's node access: SENTINEL SET's changes in Sentinel's order and rules, their refusals (a password never echoed), and SIGHUP's re-read of the passwordFile.
import { describe, expect, it } from 'vitest';
import type { GroupSection } from '../../../agent/config/load.js';
import { silentLogger } from '../../../agent/runtime/logger.js';
import { changedAccess } from '../../../agent/runtime/node-access.js';
import { NodeAccessRegistry } from '../../../agent/runtime/node-access-registry.js';

const group = (name: string, local: Partial<GroupSection['local']> = {}): GroupSection => ({
  name,
  token: 't',
  local: { host: '127.0.0.1', port: 7001, announce: '127.0.0.1:7001', ...local },
  nodes: [],
  agents: {},
  probeIntervalMs: 100,
  probeTimeoutMs: 300,
  infoIntervalMs: 500,
  handoffTimeoutMs: 3000,
  fencing: true,
  failsafe: false,
  leaseMs: 2000,
  renameCommands: { CONFIG: 'cfg-xyz' },
});

describe('changedAccess', () => {
  it.each([
    [[{ kind: 'auth-pass', value: 'pw' }], { password: 'pw', renameCommands: {} }],
    [
      [
        { kind: 'auth-pass', value: 'pw' },
        { kind: 'auth-pass', value: '' },
      ],
      { renameCommands: {} },
    ],
    [[{ kind: 'auth-user', value: 'u' }], { username: 'u', renameCommands: {} }],
    [[{ kind: 'rename-command', command: 'ping', renamed: 'PONG' }], { renameCommands: { PING: 'PONG' } }],
    [
      [
        { kind: 'rename-command', command: 'PING', renamed: 'PONG' },
        { kind: 'rename-command', command: 'PING', renamed: 'Ping' },
      ],
      { renameCommands: {} },
    ],
  ] as const)('%j -> %j', (changes, values) => {
    expect(changedAccess({ renameCommands: {} }, changes)).toEqual(values);
  });
});

describe('NodeAccessRegistry', () => {
  type Read = { ok: true; value: string } | { ok: false; error: string };
  function registry(readPasswordFile: (path: string) => Read = () => ({ ok: true, value: 'from-file' })) {
    const published: string[] = [];
    const changes: unknown[] = [];
    const r = new NodeAccessRegistry({
      groups: [
        group('g', { password: 'pw0', passwordFile: '/etc/pw' }),
        group('inline', { password: 'pw1' }),
      ],
      logger: silentLogger(),
      publish: (g, option, value) => published.push(`${g} ${option} ${value}`),
      readPasswordFile,
    });
    r.of('g').onChange((values) => changes.push(values));
    return { r, published, changes };
  }

  it('applies SENTINEL SET changes for the group asked only, and publishes them with the password hidden', () => {
    const { r, published, changes } = registry();
    expect(r.of('g').current).toEqual({ password: 'pw0', renameCommands: { CONFIG: 'cfg-xyz' } });
    r.apply(
      'g',
      [
        { kind: 'auth-user', value: 'agent' },
        { kind: 'auth-pass', value: 'pw2' },
      ],
      '127.0.0.1:5000',
    );
    expect(r.of('g').current).toEqual({
      username: 'agent',
      password: 'pw2',
      renameCommands: { CONFIG: 'cfg-xyz' },
    });
    expect(r.of('inline').current.password).toBe('pw1');
    expect(published).toEqual(['g auth-user agent', 'g auth-pass ******']);
    // One change of the connections for the whole command.
    expect(changes).toHaveLength(1);
    // The same values again: nothing reconnects.
    r.apply('g', [{ kind: 'auth-pass', value: 'pw2' }], '127.0.0.1:5000');
    expect(changes).toHaveLength(1);
  });

  it.each([
    [
      { kind: 'rename-command', command: 'SUBSCRIBE', renamed: 'x' },
      /^ERR Invalid argument 'SUBSCRIBE' for SENTINEL SET 'rename-command': the agent sends only/,
    ],
    [{ kind: 'rename-command', command: 'AUTH', renamed: 'x' }, /AUTH cannot be renamed/],
    [
      { kind: 'rename-command', command: 'CONFIG', renamed: 'a b' },
      /^ERR Invalid argument 'a b' .*no spaces/,
    ],
    [{ kind: 'auth-user', value: 'u'.repeat(257) }, /at most 256 characters/],
    [
      { kind: 'auth-pass', value: 'p'.repeat(1025) },
      /^ERR Invalid argument for SENTINEL SET 'auth-pass': edge-sentinel accepts at most 1024 characters$/,
    ],
  ] as const)('refuses %j', (change, text) => {
    const { r } = registry();
    expect(r.refusal('g', [change])).toMatch(text);
  });

  it('refuses an unknown group, and accepts what it can do', () => {
    const { r } = registry();
    expect(r.refusal('nope', [{ kind: 'auth-pass', value: 'x' }])).toBe('ERR No such master with that name');
    expect(r.refusal('g', [{ kind: 'rename-command', command: 'replicaof', renamed: 'ro-1' }])).toBeNull();
  });

  it('SIGHUP: reads the passwordFile of the groups that have one; a failed read keeps the password', () => {
    let next: Read = { ok: true, value: 'rotated' };
    const { r, changes } = registry(() => next);
    r.reloadPasswordFiles();
    expect(r.of('g').current.password).toBe('rotated');
    expect(r.of('inline').current.password).toBe('pw1');
    expect(changes).toHaveLength(1);
    next = { ok: false, error: '/etc/pw is empty' };
    r.reloadPasswordFiles();
    expect(r.of('g').current.password).toBe('rotated');
    expect(changes).toHaveLength(1);
  });
});
