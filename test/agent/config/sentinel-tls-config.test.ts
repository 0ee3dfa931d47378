// The agent file's sentinel.tlsPort / sentinel.tls: the cross-field rules, the PEM files read and checked at start, exit 2 on a bad one.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { EXIT_BAD_CONFIG, EXIT_OK, main } from '../../../agent/cli.js';
import { parseAgentConfig } from '../../../agent/config/load.js';
import { GOOD_AGENT_FILE } from './agent-file-text.js';

const run = promisify(execFile);
let dir = '';
const file = (name: string) => join(dir, name);

/** The good file with a `sentinel:` section made of `lines` (each indented under it). */
function withSentinel(...lines: string[]): string {
  return `${GOOD_AGENT_FILE}sentinel:\n${lines.map((l) => `  ${l}\n`).join('')}`;
}

function errorsOf(text: string): readonly string[] {
  const result = parseAgentConfig(text, 'agent.yaml', {});
  return result.ok ? [] : result.errors;
}

const TLS_OK = ['tlsPort: 26380', 'tls:', '  cert: CERT', '  key: KEY'];
const paths = (lines: string[]) =>
  lines.map((l) => l.replace('CERT', file('server.pem')).replace('KEY', file('server.key')));

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sentinel-tls-config-'));
  const openssl = (args: string[]) => run('/usr/bin/openssl', args, { cwd: dir, timeout: 10_000 });
  const key = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  await openssl([
    'req',
    '-x509',
    ...key,
    '-keyout',
    'server.key',
    '-out',
    'server.pem',
    '-days',
    '2',
    '-subj',
    '/CN=a',
  ]);
  await openssl([
    'req',
    '-x509',
    ...key,
    '-keyout',
    'other.key',
    '-out',
    'other.pem',
    '-days',
    '2',
    '-subj',
    '/CN=b',
  ]);
  writeFileSync(file('junk.pem'), 'not a certificate\n');
});

afterAll(() => {
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

describe('sentinel TLS settings', () => {
  it('are off by default: the plain port only', () => {
    const result = parseAgentConfig(GOOD_AGENT_FILE, 'agent.yaml', {});
    if (!result.ok) throw new Error(result.errors.join('\n'));
    expect(result.config.sentinel).toMatchObject({ host: '0.0.0.0', port: 26379, enabled: true });
    expect(result.config.sentinel.tlsPort).toBeUndefined();
    expect(result.config.sentinel.tls).toBeUndefined();
  });

  it('read the PEM files at start: the section carries their text, authClients defaults to no', () => {
    const result = parseAgentConfig(withSentinel(...paths(TLS_OK)), 'agent.yaml', {});
    if (!result.ok) throw new Error(result.errors.join('\n'));
    const { sentinel } = result.config;
    expect(sentinel.tlsPort).toBe(26380);
    expect(sentinel.port).toBe(26379);
    expect(sentinel.tls?.authClients).toBe('no');
    expect(sentinel.tls?.cert).toMatch(/^-----BEGIN CERTIFICATE-----/);
    expect(sentinel.tls?.key).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(sentinel.tls?.ca).toBeUndefined();
  });

  it('take a CA for client certificates, and port 0 (TLS only) with announce', () => {
    const text = withSentinel(
      'port: 0',
      'announce: "db1.example.com:26380"',
      ...paths(TLS_OK),
      `  ca: ${file('other.pem')}`,
      '  authClients: yes',
      '  minVersion: TLSv1.3',
    );
    const result = parseAgentConfig(text, 'agent.yaml', {});
    if (!result.ok) throw new Error(result.errors.join('\n'));
    expect(result.config.sentinel).toMatchObject({ port: 0, tlsPort: 26380 });
    expect(result.config.sentinel.tls).toMatchObject({ authClients: 'yes', minVersion: 'TLSv1.3' });
    expect(result.config.sentinel.tls?.ca).toMatch(/^-----BEGIN CERTIFICATE-----/);
  });
});

describe('sentinel TLS rules', () => {
  // GOOD_AGENT_FILE has 14 lines; `sentinel:` is line 15 and its fields start at 16.
  it.each([
    [
      'tlsPort without tls',
      ['tlsPort: 26380'],
      '16: sentinel.tlsPort: tlsPort needs tls.cert and tls.key (PEM file paths)',
    ],
    [
      'tlsPort without tls.key',
      ['tlsPort: 26380', 'tls:', '  cert: /x.pem'],
      '16: sentinel.tlsPort: tlsPort needs tls.cert and tls.key (PEM file paths)',
    ],
    [
      'tls without tlsPort',
      ['tls:', '  cert: /x.pem', '  key: /x.key'],
      '16: sentinel.tls: tls is used only on the TLS port: set tlsPort too (Redis: tls-port)',
    ],
    [
      'authClients yes without ca',
      [...TLS_OK, '  authClients: yes'],
      '20: sentinel.tls.authClients: authClients yes needs tls.ca, the CA that signs the client certificates',
    ],
    [
      'authClients optional without ca',
      [...TLS_OK, '  authClients: optional'],
      '20: sentinel.tls.authClients: authClients optional needs tls.ca, the CA that signs the client certificates',
    ],
    [
      'tlsPort equal to port',
      ['port: 26380', ...TLS_OK],
      '17: sentinel.tlsPort: tlsPort must differ from port (both 26380)',
    ],
    [
      'port 0 without tlsPort',
      ['port: 0', 'announce: "db1.example.com:26380"'],
      '16: sentinel.port: port 0 turns the plain listener off, so tlsPort is needed (or enabled: false)',
    ],
    [
      'port 0 without announce',
      ['port: 0', ...TLS_OK],
      '15: sentinel.announce: port 0 needs announce ("host:tlsPort"): without it the voters are told the plain port',
    ],
    [
      'an unknown authClients',
      [...TLS_OK, '  authClients: maybe'],
      '20: sentinel.tls.authClients: Invalid option: expected one of "yes"|"no"|"optional"',
    ],
  ])('%s is an error', (_name, lines, expected) => {
    expect(errorsOf(withSentinel(...paths(lines)))).toEqual([`agent.yaml:${expected}`]);
  });
});

describe('sentinel TLS files', () => {
  const withFiles = (cert: string, key: string, ...more: string[]) =>
    errorsOf(withSentinel('tlsPort: 26380', 'tls:', `  cert: ${cert}`, `  key: ${key}`, ...more));

  it('a missing file is named with its field', () => {
    const missing = file('missing.pem');
    expect(withFiles(missing, file('server.key'))).toEqual([
      `agent.yaml: sentinel.tls.cert: ${missing} cannot be read: ENOENT`,
    ]);
  });

  it('/dev/zero is refused by size', () => {
    expect(withFiles(file('server.pem'), '/dev/zero')).toEqual([
      'agent.yaml: sentinel.tls.key: /dev/zero is larger than 1048576 bytes',
    ]);
  });

  it('a file that is no certificate, no key, or a CA of junk is refused', () => {
    const junk = file('junk.pem');
    expect(withFiles(junk, file('server.key'))).toEqual([
      `agent.yaml: sentinel.tls.cert: ${junk} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`,
    ]);
    const [keyError] = withFiles(file('server.pem'), file('server.pem'));
    expect(keyError).toMatch(
      /^agent\.yaml: sentinel\.tls\.key: .*server\.pem is not a usable PEM private key/,
    );
    expect(withFiles(file('server.pem'), file('server.key'), `  ca: ${junk}`)).toEqual([
      `agent.yaml: sentinel.tls.ca: ${junk} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`,
    ]);
  });

  it('a key that does not match the certificate is refused', () => {
    const [error] = withFiles(file('server.pem'), file('other.key'));
    expect(error).toMatch(
      /^agent\.yaml: sentinel\.tls\.key: .*other\.key does not go with .*server\.pem: .*key values mismatch/,
    );
  });

  it('the CLI exits 2 on a bad PEM, with the message and no stack trace; --check passes a good one', async () => {
    const errors: string[] = [];
    const spy = vi.spyOn(console, 'error').mockImplementation((text: string) => errors.push(text));
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    const bad = file('bad-agent.yaml');
    writeFileSync(bad, withSentinel(...paths(TLS_OK)).replace(file('server.key'), file('junk.pem')));
    const good = file('good-agent.yaml');
    writeFileSync(good, withSentinel(...paths(TLS_OK)));
    try {
      expect(await main(['--config', bad, '--check'], {})).toBe(EXIT_BAD_CONFIG);
      expect(await main(['--config', good, '--check'], {})).toBe(EXIT_OK);
    } finally {
      spy.mockRestore();
      log.mockRestore();
    }
    const text = errors.join('\n');
    expect(text).toContain('sentinel.tls.key:');
    expect(text).toContain('is not a usable PEM private key');
    expect(text).not.toMatch(/\n\s+at /);
  });
});
