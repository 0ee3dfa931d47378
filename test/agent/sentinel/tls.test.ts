// The Sentinel port over TLS: redis-cli --tls, redis-py ssl=True and ioredis sentinelTLS against a CA made with openssl; client certificates, bad clients, limits.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgent } from '../../../agent/runtime/agent.js';
import {
  type AuthClients,
  type SentinelServer,
  startSentinelServer,
} from '../../../agent/sentinel/server.js';
import { initialConfig } from '../../../workers/protocol/index.js';
import { killAllRedis, type RedisServer, startRedis } from '../../support/redis-server.js';
import { FakeVoters } from '../runtime/fake-voters.js';
import { capturingLogger, removeDir, testConfig, waitFor } from '../runtime/harness.js';
import { FakeSource, liveSnapshot } from './support/fake-source.js';
import { RawClient } from './support/raw-client.js';
import { takeRunLock } from './support/run-lock.js';

const run = promisify(execFile);
/** A real master, so the clients' whole path (lookup over TLS, then the master) runs; fixed, under a lock. */
const MASTER = 7411;
/** The agent's TLS port in the wiring test (fixed: the agent does not report its bound port). */
const AGENT_TLS_PORT = 8941;
const HANDSHAKE_TIMEOUT_MS = 1000;

let releaseLock: () => void = () => {};
let dir = '';
let redis: RedisServer | undefined;
let source: FakeSource;
/** TLS with `authClients` no, yes and optional; `tlsOnly` has no plain listener. */
const servers: Partial<Record<AuthClients | 'tlsOnly' | 'small', SentinelServer>> = {};
const clients: Redis[] = [];

const pem = (name: string) => readFileSync(join(dir, name), 'utf8');
const file = (name: string) => join(dir, name);

function server(name: keyof typeof servers): SentinelServer {
  const found = servers[name];
  if (found === undefined) throw new Error(`server ${name} did not start`);
  return found;
}

async function openssl(args: string[]): Promise<void> {
  await run('/usr/bin/openssl', args, { cwd: dir, timeout: 10_000 });
}

/** A P-256 key and a certificate `name`.pem signed by `ca` (self-signed when absent), with `extensions`. */
async function certificate(name: string, ca: string | null, extensions: string): Promise<void> {
  const key = [
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    `${name}.key`,
  ];
  if (ca === null) {
    await openssl(['req', '-x509', ...key, '-out', `${name}.pem`, '-days', '2', '-subj', `/CN=${name}`]);
    return;
  }
  await openssl(['req', ...key, '-out', `${name}.csr`, '-subj', `/CN=${name}`]);
  writeFileSync(file(`${name}.ext`), extensions);
  await openssl([
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    `${ca}.pem`,
    '-CAkey',
    `${ca}.key`,
    '-CAcreateserial',
    '-out',
    `${name}.pem`,
    '-days',
    '2',
    '-extfile',
    `${name}.ext`,
  ]);
}

interface CliResult {
  readonly ok: boolean;
  readonly stdout: string;
  readonly stderr: string;
}

/** redis-cli against `port`, never throwing: a refused client is a result, with its output. */
async function redisCli(port: number, tlsArgs: string[], ...args: string[]): Promise<CliResult> {
  try {
    const { stdout, stderr } = await run(
      'redis-cli',
      [...tlsArgs, '-h', '127.0.0.1', '-p', String(port), ...args],
      { timeout: 5000 },
    );
    // redis-cli exits 0 on some connection errors; a reply on stdout is what counts.
    return { ok: stdout !== '', stdout, stderr };
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string };
    return { ok: false, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

const withCa = (ca = 'ca') => ['--tls', '--cacert', file(`${ca}.pem`)];
const withCert = (name: string) => [...withCa(), '--cert', file(`${name}.pem`), '--key', file(`${name}.key`)];

async function python(script: string): Promise<string> {
  const { stdout } = await run('/usr/bin/python3', ['-c', script], { timeout: 10_000 });
  return stdout;
}

async function until<T>(what: string, probe: () => T | undefined, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function startTls(authClients: AuthClients, port: number | null = 0, maxClients?: number) {
  return startSentinelServer({
    host: '127.0.0.1',
    port,
    source,
    adminWithoutPassword: true,
    ...(maxClients === undefined ? {} : { maxClients }),
    tls: {
      port: 0,
      cert: pem('server.pem'),
      key: pem('server.key'),
      ca: pem('ca.pem'),
      authClients,
      handshakeTimeoutMs: HANDSHAKE_TIMEOUT_MS,
    },
  });
}

beforeAll(async () => {
  releaseLock = await takeRunLock('sentinel-tls-test', 120_000);
  dir = mkdtempSync(join(tmpdir(), 'sentinel-tls-'));
  await certificate('ca', null, '');
  await certificate('otherca', null, '');
  await certificate(
    'server',
    'ca',
    'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n',
  );
  await certificate('client', 'ca', 'extendedKeyUsage=clientAuth\n');
  // A client certificate from a CA the server does not trust.
  await certificate('stranger', 'otherca', 'extendedKeyUsage=clientAuth\n');
  redis = await startRedis({ port: MASTER });
  source = new FakeSource(await liveSnapshot(MASTER, []));
  servers.no = await startTls('no');
  servers.yes = await startTls('yes');
  servers.optional = await startTls('optional');
  servers.tlsOnly = await startTls('no', null);
  servers.small = await startTls('no', 0, 2);
});

afterAll(async () => {
  for (const client of clients) client.disconnect();
  await Promise.all(Object.values(servers).map((s) => s.close()));
  await redis?.stop();
  killAllRedis();
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
  releaseLock();
});

describe('real clients over TLS', () => {
  it('redis-cli --tls --cacert looks the master up, like on the plain port', async () => {
    const tlsPort = server('no').tlsPort ?? 0;
    expect(tlsPort).toBeGreaterThan(0);
    const lookup = ['SENTINEL', 'get-master-addr-by-name', 'mymaster'];
    expect((await redisCli(tlsPort, withCa(), ...lookup)).stdout).toBe(`127.0.0.1\n${MASTER}\n`);
    expect((await redisCli(server('no').port, [], ...lookup)).stdout).toBe(`127.0.0.1\n${MASTER}\n`);
    // The certificate names localhost too.
    const byName = await run('redis-cli', [...withCa(), '-h', 'localhost', '-p', String(tlsPort), 'ROLE'], {
      timeout: 5000,
    });
    expect(byName.stdout).toBe('sentinel\nmymaster\n');
  });

  it('redis-py: Sentinel with sentinel_kwargs ssl=True discovers the master, and writes through master_for', async () => {
    const script = `
import json
from redis.sentinel import Sentinel
s = Sentinel([('127.0.0.1', ${server('no').tlsPort})], socket_timeout=2,
             sentinel_kwargs={'ssl': True, 'ssl_ca_certs': ${JSON.stringify(file('ca.pem'))}, 'socket_timeout': 2})
s.master_for('mymaster', socket_timeout=2).set('via-tls-sentinel', 'py')
print(json.dumps({'master': s.discover_master('mymaster')}))
`;
    expect(JSON.parse(await python(script))).toEqual({ master: ['127.0.0.1', MASTER] });
    const direct = new Redis({ port: MASTER, lazyConnect: true });
    clients.push(direct);
    expect(await direct.get('via-tls-sentinel')).toBe('py');
  });

  it('redis-py: redis.Redis(ssl=True) runs SENTINEL commands', async () => {
    const script = `
import redis
r = redis.Redis(host='127.0.0.1', port=${server('no').tlsPort}, ssl=True,
                ssl_ca_certs=${JSON.stringify(file('ca.pem'))}, socket_timeout=2)
print(r.execute_command('SENTINEL', 'get-master-addr-by-name', 'mymaster'))
`;
    expect(await python(script)).toBe(`[b'127.0.0.1', b'${MASTER}']\n`);
  });

  it('ioredis in Sentinel mode with sentinelTLS resolves the master and writes', async () => {
    const client = new Redis({
      sentinels: [{ host: '127.0.0.1', port: server('no').tlsPort ?? 0 }],
      name: 'mymaster',
      sentinelTLS: { ca: pem('ca.pem') },
      sentinelRetryStrategy: () => null,
      connectTimeout: 3000,
      maxRetriesPerRequest: 1,
    });
    client.on('error', () => {});
    clients.push(client);
    await client.set('via-ioredis-tls', 'io');
    expect(await client.get('via-ioredis-tls')).toBe('io');
  });

  it('delivers events to a TLS subscriber, and CLIENT LIST on the plain port shows it (one client registry)', async () => {
    const subscriber = new Redis({
      host: '127.0.0.1',
      port: server('no').tlsPort ?? 0,
      tls: { ca: pem('ca.pem') },
      protocol: 2,
      maxRetriesPerRequest: 1,
    });
    subscriber.on('error', () => {});
    clients.push(subscriber);
    const messages: string[] = [];
    subscriber.on('message', (channel: string, message: string) => messages.push(`${channel} ${message}`));
    await subscriber.subscribe('+switch-master');
    const list = await redisCli(server('no').port, [], 'CLIENT', 'LIST');
    expect(list.stdout).toMatch(/ sub=1 /);
    source.publish({ name: '+switch-master', payload: 'mymaster 127.0.0.1 1 127.0.0.1 2' });
    await until('the event', () => (messages.length > 0 ? true : undefined));
    expect(messages).toEqual(['+switch-master mymaster 127.0.0.1 1 127.0.0.1 2']);
  });
});

describe('clients that fail', () => {
  it('a plain TCP client on the TLS port is dropped, counted, and the port keeps serving', async () => {
    const s = server('no');
    const before = s.tlsHandshakeFailures();
    const plain = await RawClient.connect(s.tlsPort ?? 0);
    plain.send(['PING']);
    expect(await plain.waitClosed(3000)).toBe(true);
    expect(await plain.readQuiet()).not.toContain('PONG');
    await until('the failure counted', () => (s.tlsHandshakeFailures() > before ? true : undefined));
    expect((await redisCli(s.tlsPort ?? 0, [], 'PING')).ok).toBe(false);
    expect((await redisCli(s.tlsPort ?? 0, withCa(), 'PING')).stdout).toBe('PONG\n');
  });

  it('a client that never starts its handshake is dropped after the handshake timeout', async () => {
    const s = server('no');
    const before = s.tlsHandshakeFailures();
    const started = performance.now();
    const silent = await RawClient.connect(s.tlsPort ?? 0);
    expect(await silent.waitClosed(HANDSHAKE_TIMEOUT_MS + 3000)).toBe(true);
    expect(performance.now() - started).toBeGreaterThanOrEqual(HANDSHAKE_TIMEOUT_MS - 50);
    expect(s.tlsHandshakeFailures()).toBe(before + 1);
  });

  it('a client trusting another CA fails its verification (redis-cli, redis-py, node)', async () => {
    const port = server('no').tlsPort ?? 0;
    const cli = await redisCli(port, withCa('otherca'), 'PING');
    expect(cli.ok).toBe(false);
    expect(cli.stderr).toContain('certificate verify failed');
    const script = `
import redis
try:
    redis.Redis(host='127.0.0.1', port=${port}, ssl=True, ssl_ca_certs=${JSON.stringify(file('otherca.pem'))}, socket_timeout=2).ping()
    print('connected')
except redis.exceptions.ConnectionError as e:
    print('refused', 'CERTIFICATE_VERIFY_FAILED' in str(e))
`;
    expect(await python(script)).toBe('refused True\n');
    const error = await new Promise<NodeJS.ErrnoException>((resolve) => {
      const socket = tlsConnect({ host: '127.0.0.1', port, ca: pem('otherca.pem') }, () =>
        resolve(new Error('connected')),
      );
      socket.on('error', resolve);
      socket.setTimeout(3000, () => resolve(new Error('timed out')));
    });
    // The server sends its CA with its certificate, so the client finds a self-signed root it does not trust.
    expect(error.code).toMatch(/^(SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE)$/);
    expect((await redisCli(port, withCa(), 'PING')).stdout).toBe('PONG\n');
  });
});

describe('authClients', () => {
  it('yes: refuses a client without a certificate or with one from another CA, serves one with the CA-signed certificate', async () => {
    const s = server('yes');
    const port = s.tlsPort ?? 0;
    const before = s.tlsHandshakeFailures();
    expect((await redisCli(port, withCa(), 'PING')).ok).toBe(false);
    expect((await redisCli(port, withCert('stranger'), 'PING')).ok).toBe(false);
    expect((await redisCli(port, withCert('client'), 'PING')).stdout).toBe('PONG\n');
    expect(s.tlsHandshakeFailures()).toBeGreaterThanOrEqual(before + 2);
    const script = `
import redis
r = redis.Redis(host='127.0.0.1', port=${port}, ssl=True, ssl_ca_certs=${JSON.stringify(file('ca.pem'))},
                ssl_certfile=${JSON.stringify(file('client.pem'))}, ssl_keyfile=${JSON.stringify(file('client.key'))}, socket_timeout=2)
print(r.execute_command('SENTINEL', 'get-master-addr-by-name', 'mymaster'))
`;
    expect(await python(script)).toBe(`[b'127.0.0.1', b'${MASTER}']\n`);
  });

  it('optional: serves clients without a certificate and with the CA-signed one, refuses one from another CA', async () => {
    const port = server('optional').tlsPort ?? 0;
    expect((await redisCli(port, withCa(), 'PING')).stdout).toBe('PONG\n');
    expect((await redisCli(port, withCert('client'), 'PING')).stdout).toBe('PONG\n');
    expect((await redisCli(port, withCert('stranger'), 'PING')).ok).toBe(false);
  });
});

describe('listeners', () => {
  it('TLS only (port null): no plain listener, INFO says tcp_port:0 as Redis with port 0', async () => {
    const s = server('tlsOnly');
    expect(s.port).toBe(0);
    const info = await redisCli(s.tlsPort ?? 0, withCa(), 'INFO', 'server');
    expect(info.stdout).toContain('tcp_port:0');
  });

  it('maxClients counts the plain and the TLS clients together', async () => {
    const s = server('small');
    const plain = await RawClient.connect(s.port);
    expect(await plain.call(['PING'], '+PONG\r\n')).toBe('+PONG\r\n');
    const tls = new Redis({ port: s.tlsPort ?? 0, tls: { ca: pem('ca.pem') }, maxRetriesPerRequest: 1 });
    tls.on('error', () => {});
    clients.push(tls);
    expect(await tls.ping()).toBe('PONG');
    const third = await redisCli(s.tlsPort ?? 0, withCa(), 'PING');
    expect(third.stdout).toContain('max number of clients reached');
    const fourth = await RawClient.connect(s.port);
    expect(await fourth.readUntil('\r\n')).toBe('-ERR max number of clients reached\r\n');
    plain.close();
    tls.disconnect();
  });

  it('close() closes both listeners without waiting for a client stuck in its handshake', async () => {
    const s = await startTls('no');
    const stuck = await RawClient.connect(s.tlsPort ?? 0);
    const started = performance.now();
    await s.close();
    expect(performance.now() - started).toBeLessThan(HANDSHAKE_TIMEOUT_MS / 2);
    expect(await stuck.waitClosed(1000)).toBe(true);
    await expect(RawClient.connect(s.port)).rejects.toThrow(/ECONNREFUSED/);
    await expect(RawClient.connect(s.tlsPort ?? 0)).rejects.toThrow(/ECONNREFUSED/);
  });
});

describe('the agent (startAgent) with sentinel.port 0 and a tlsPort', () => {
  it('serves lookups on the TLS port only, and logs its ports', async () => {
    const voters = await FakeVoters.start('mymaster');
    const { logger, lines } = capturingLogger('info');
    const base = await testConfig({ voters, localPort: MASTER });
    const agent = await startAgent(
      {
        ...base,
        metrics: { ...base.metrics, enabled: false },
        sentinel: {
          host: '127.0.0.1',
          port: 0,
          tlsPort: AGENT_TLS_PORT,
          tls: { cert: pem('server.pem'), key: pem('server.key'), authClients: 'no' },
          announce: `127.0.0.1:${AGENT_TLS_PORT}`,
          enabled: true,
          adminWithoutPassword: false,
        },
      },
      {
        logger,
        defaultMetrics: false,
        onFatal: (error) => {
          throw error;
        },
      },
    );
    try {
      voters.push(initialConfig(`127.0.0.1:${MASTER}`));
      await waitFor('the agent serving the master', 10_000, async () => {
        const reply = await redisCli(
          AGENT_TLS_PORT,
          withCa(),
          'SENTINEL',
          'get-master-addr-by-name',
          'mymaster',
        );
        return reply.stdout === `127.0.0.1\n${MASTER}\n`;
      });
      const listening = lines
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .find((l) => l.msg === 'Sentinel protocol server listening');
      expect(listening).toMatchObject({ port: null, tlsPort: AGENT_TLS_PORT });
    } finally {
      await agent.stop();
      await voters.close();
      removeDir(base.stateDir);
    }
  });
});
