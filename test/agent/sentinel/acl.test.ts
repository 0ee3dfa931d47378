// ACL users on the Sentinel port (Redis's tests/sentinel/tests/09-acl-support.tcl and what operators do
// with it): users from the agent file, ACL SETUSER/GETUSER/DELUSER/LIST/WHOAMI/LOG/DRYRUN at runtime,
// per-user command and channel permissions, and an ACL file with LOAD/SAVE. Real clients throughout.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { type SentinelServer, startSentinelServer } from '../../../agent/sentinel/server.js';
import { startRedis } from '../../support/redis-server.js';
import { FakeSource, group, MY_ID, sentinelNode, view } from './support/fake-source.js';

const run = promisify(execFile);

/** A client that may look things up and follow events, and nothing else. */
const APP_USER =
  'user app on >app-secret -@all +@connection +acl|whoami +sentinel|get-master-addr-by-name +sentinel|masters +sentinel|master +sentinel|replicas +sentinel|slaves +sentinel|sentinels +subscribe +psubscribe &*';
const OPS_USER = 'user ops on >ops-secret +@all &*';

const servers: SentinelServer[] = [];
const clients: Redis[] = [];
const directory = mkdtempSync(join(tmpdir(), 'edge-sentinel-acl-'));

afterEach(async () => {
  for (const c of clients.splice(0)) c.disconnect();
  for (const s of servers.splice(0)) await s.close();
});

afterAll(() => rmSync(directory, { recursive: true, force: true }));

async function serve(
  options: { password?: string; aclLines?: string[]; aclFile?: string; adminWithoutPassword?: boolean } = {},
) {
  const source = new FakeSource({
    myId: MY_ID,
    groups: [group(sentinelNode(view('10.0.0.1:6379', { role: 'master' })), [])],
  });
  const server = await startSentinelServer({ host: '127.0.0.1', port: 0, source, ...options });
  servers.push(server);
  return { source, server };
}

async function connect(server: SentinelServer, auth: { username?: string; password?: string } = {}) {
  const client = new Redis({
    host: '127.0.0.1',
    port: server.port,
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    protocol: 2,
    enableReadyCheck: false,
    ...auth,
  });
  clients.push(client);
  await client.connect();
  return client;
}

async function redisCli(server: SentinelServer, ...args: string[]): Promise<string> {
  const { stdout, stderr } = await run('redis-cli', ['-p', String(server.port), ...args], { timeout: 5000 });
  return `${stdout}${stderr}`.trim();
}

describe('users from the agent file', () => {
  it('a lookup-only user resolves the master and subscribes, and is refused FAILOVER (ACL LOG says so)', async () => {
    const { source, server } = await serve({ password: 'admin-secret', aclLines: [APP_USER, OPS_USER] });
    const app = await connect(server, { username: 'app', password: 'app-secret' });
    expect(await app.call('ACL', 'WHOAMI')).toBe('app');
    expect(await app.call('SENTINEL', 'get-master-addr-by-name', 'mymaster')).toEqual(['10.0.0.1', '6379']);
    await expect(app.call('SENTINEL', 'FAILOVER', 'mymaster')).rejects.toThrow(
      "NOPERM User app has no permissions to run the 'sentinel|failover' command",
    );
    await expect(app.call('SENTINEL', 'RESET', '*')).rejects.toThrow(/^NOPERM User app/);
    await expect(app.call('ACL', 'SETUSER', 'app', '+@all')).rejects.toThrow(
      "NOPERM User app has no permissions to run the 'acl|setuser' command",
    );
    expect(source.failoverCalls).toEqual([]);

    // The transcript an operator sees with redis-cli (kept in the closing note).
    const transcript = await redisCli(
      server,
      '--user',
      'app',
      '--pass',
      'app-secret',
      '--no-auth-warning',
      'SENTINEL',
      'FAILOVER',
      'mymaster',
    );
    console.log(`$ redis-cli --user app --pass app-secret SENTINEL FAILOVER mymaster\n${transcript}`);
    expect(transcript).toBe("NOPERM User app has no permissions to run the 'sentinel|failover' command");

    const ops = await connect(server, { username: 'ops', password: 'ops-secret' });
    expect(await ops.call('SENTINEL', 'FAILOVER', 'mymaster')).toBe('OK');
    expect(source.failoverCalls).toEqual(['mymaster']);
    const log = (await ops.call('ACL', 'LOG')) as unknown[][];
    const entries = log.map((entry) => Object.fromEntries(pairs(entry)));
    expect(entries).toContainEqual(
      expect.objectContaining({ reason: 'command', object: 'sentinel|failover', username: 'app' }),
    );
  });

  it('redis-py Sentinel with a username and password looks the master up; a wrong password is WRONGPASS', async () => {
    const { server } = await serve({ password: 'admin-secret', aclLines: [APP_USER] });
    const script = `
import json, redis
from redis.sentinel import Sentinel
s = Sentinel([('127.0.0.1', ${server.port})], socket_timeout=2, sentinel_kwargs={'username': 'app', 'password': 'app-secret'})
out = {'master': s.discover_master('mymaster')}
try:
    redis.Redis(port=${server.port}, username='app', password='wrong', socket_timeout=2).ping()
except redis.exceptions.ResponseError as e:
    out['wrong'] = str(e)
print(json.dumps(out))
`;
    const { stdout } = await run('/usr/bin/python3', ['-c', script], { timeout: 10_000 });
    expect(JSON.parse(stdout)).toEqual({
      master: ['10.0.0.1', 6379],
      wrong: 'WRONGPASS invalid username-password pair or user is disabled.',
    });
  });

  it('a user without channel permissions cannot subscribe; &pattern allows only matching channels', async () => {
    const { server } = await serve({
      aclLines: ['user nochan on >pw +@all', 'user switchonly on >pw +@all &+switch-master'],
    });
    const nochan = await connect(server, { username: 'nochan', password: 'pw' });
    await expect(nochan.subscribe('+switch-master')).rejects.toThrow(
      'NOPERM No permissions to access a channel',
    );
    const only = await connect(server, { username: 'switchonly', password: 'pw' });
    expect(await only.subscribe('+switch-master')).toBe(1);
    const other = await connect(server, { username: 'switchonly', password: 'pw' });
    await expect(other.subscribe('+sdown')).rejects.toThrow('NOPERM No permissions to access a channel');
    // PSUBSCRIBE needs the very pattern, as Redis checks patterns literally.
    await expect(other.psubscribe('*')).rejects.toThrow('NOPERM No permissions to access a channel');
  });

  it('the default user without a password still gets NOPERM for operator actions; an ACL user with one runs them', async () => {
    const { source, server } = await serve({ aclLines: [OPS_USER] });
    const anonymous = await connect(server);
    await expect(anonymous.call('SENTINEL', 'FAILOVER', 'mymaster')).rejects.toThrow(
      /^NOPERM SENTINEL FAILOVER changes the group and user 'default' has no password/,
    );
    const ops = await connect(server, { username: 'ops', password: 'ops-secret' });
    expect(await ops.call('SENTINEL', 'FAILOVER', 'mymaster')).toBe('OK');
    expect(source.failoverCalls).toEqual(['mymaster']);
  });
});

describe("at runtime, as Redis's 09-acl-support sets it up and tears it down", () => {
  it('changing users is an operator action: refused to a client without a password on an untrusted port', async () => {
    const { server } = await serve();
    const anonymous = await connect(server);
    await expect(anonymous.call('ACL', 'SETUSER', 'mallory', 'on', '>pw', '+@all')).rejects.toThrow(
      "NOPERM ACL SETUSER changes this port's users and user 'default' has no password",
    );
    await expect(anonymous.call('ACL', 'DELUSER', 'x')).rejects.toThrow(/^NOPERM ACL DELUSER/);
    expect(await anonymous.call('ACL', 'WHOAMI')).toBe('default');
  });

  it('SETUSER, default off, CLIENT KILL USER default, AUTH, WHOAMI, then default on and DELUSER', async () => {
    // Redis's tests run on a trusted network: the password-less default user may change users there.
    const { server } = await serve({ adminWithoutPassword: true });
    const admin = await connect(server);
    expect(await admin.call('ACL', 'SETUSER', 'testuser', '>secret', '+@all', 'on')).toBe('OK');
    expect(await admin.call('ACL', 'SETUSER', 'default', 'off')).toBe('OK');
    const bystander = await connect(server);
    const closed = new Promise<void>((resolve) => bystander.once('end', () => resolve()));
    await admin.call('CLIENT', 'KILL', 'USER', 'default', 'SKIPME', 'no').catch(() => undefined);
    await closed;

    const user = await connect(server, { username: 'testuser', password: 'secret' });
    expect(await user.call('ACL', 'WHOAMI')).toBe('testuser');
    const unauthenticated = await connect(server);
    await expect(unauthenticated.call('SENTINEL', 'masters')).rejects.toThrow(
      'NOAUTH Authentication required.',
    );
    await expect(unauthenticated.call('AUTH', 'default', 'anything')).rejects.toThrow(
      'WRONGPASS invalid username-password pair or user is disabled.',
    );

    expect(await user.call('ACL', 'SETUSER', 'default', 'on')).toBe('OK');
    const other = await connect(server, { username: 'testuser', password: 'secret' });
    const otherClosed = new Promise<void>((resolve) => other.once('end', () => resolve()));
    expect(await user.call('ACL', 'DELUSER', 'testuser')).toBe(1);
    // Redis closes the deleted user's connections, the caller's own after its reply.
    await otherClosed;
    expect(await (await connect(server)).call('ACL', 'WHOAMI')).toBe('default');
  });

  it("SETUSER applies all rules or none, with Redis's error texts", async () => {
    const { server } = await serve({ adminWithoutPassword: true });
    const admin = await connect(server);
    await expect(admin.call('ACL', 'SETUSER', 'x', 'on', 'foo')).rejects.toThrow(
      "ERR Error in ACL SETUSER modifier 'foo': Syntax error",
    );
    expect(await admin.call('ACL', 'GETUSER', 'x')).toBeNull();
    await expect(admin.call('ACL', 'SETUSER', 'x', '+nosuch')).rejects.toThrow(
      "ERR Error in ACL SETUSER modifier '+nosuch': Unknown command or category name in ACL",
    );
    await expect(admin.call('ACL', 'SETUSER', 'x', '&a', 'allchannels', '&b')).rejects.toThrow(
      "ERR Error in ACL SETUSER modifier '&b': Adding a pattern after the * pattern (or the 'allchannels' flag)",
    );
    await expect(admin.call('ACL', 'SETUSER', 'x', '<never-set')).rejects.toThrow(
      'The password you are trying to remove from the user does not exist',
    );
    await expect(admin.call('ACL', 'SETUSER', 'a b')).rejects.toThrow(
      "ERR Usernames can't contain spaces or null characters",
    );
    await expect(admin.call('ACL', 'DELUSER', 'default')).rejects.toThrow(
      "ERR The 'default' user cannot be removed",
    );
    await expect(admin.call('ACL', 'CAT', 'nosuch')).rejects.toThrow("ERR Unknown category 'nosuch'");
    expect(await admin.call('ACL', 'USERS')).toEqual(['default']);
  });

  it('DRYRUN answers as Redis does', async () => {
    const { server } = await serve({ aclLines: [APP_USER] });
    const admin = await connect(server);
    expect(await admin.call('ACL', 'DRYRUN', 'app', 'SENTINEL', 'get-master-addr-by-name', 'mymaster')).toBe(
      'OK',
    );
    expect(await admin.call('ACL', 'DRYRUN', 'app', 'SENTINEL', 'failover', 'mymaster')).toBe(
      "This user has no permissions to run the 'sentinel|failover' command",
    );
    await expect(admin.call('ACL', 'DRYRUN', 'app', 'nosuch')).rejects.toThrow(
      "ERR Command 'nosuch' not found",
    );
    await expect(admin.call('ACL', 'DRYRUN', 'nobody', 'ping')).rejects.toThrow(
      "ERR User 'nobody' not found",
    );
  });
});

describe('an ACL file', () => {
  it('is read at start; ACL SAVE writes the users; ACL LOAD re-reads and closes clients of removed users', async () => {
    const file = join(directory, 'users.acl');
    writeFileSync(file, `# the Sentinel port's users\n${OPS_USER}\n`);
    const { server } = await serve({ aclFile: file, aclLines: undefined });
    const ops = await connect(server, { username: 'ops', password: 'ops-secret' });
    expect(await ops.call('ACL', 'SETUSER', 'app', 'on', '>app-secret', '+ping')).toBe('OK');
    expect(await ops.call('ACL', 'SAVE')).toBe('OK');
    const saved = readFileSync(file, 'utf8');
    expect(saved).toContain('user app on #');
    expect(saved).toContain('user ops on #');

    const app = await connect(server, { username: 'app', password: 'app-secret' });
    const appClosed = new Promise<void>((resolve) => app.once('end', () => resolve()));
    writeFileSync(file, `${OPS_USER}\n`);
    expect(await ops.call('ACL', 'LOAD')).toBe('OK');
    await appClosed;
    expect(await ops.call('ACL', 'USERS')).toEqual(['default', 'ops']);

    writeFileSync(file, `${OPS_USER}\nuser broken on +nosuch\n`);
    await expect(ops.call('ACL', 'LOAD')).rejects.toThrow(
      `ERR ${file}:2: Error in user declaration '+nosuch': Unknown command or category name in ACL`,
    );
    // Nothing changed: a bad file is refused as a whole.
    expect(await ops.call('ACL', 'USERS')).toEqual(['default', 'ops']);
  });

  it('without one, LOAD and SAVE say how to configure it', async () => {
    const { server } = await serve({ adminWithoutPassword: true });
    const admin = await connect(server);
    await expect(admin.call('ACL', 'SAVE')).rejects.toThrow(/set sentinel\.aclFile in the agent file/);
  });
});

describe('the same answers as redis-server', () => {
  it('ACL LIST, GETUSER and the description of rules match Redis 7 for the same SETUSER calls', async () => {
    const { server } = await serve({ adminWithoutPassword: true });
    const redis = await startRedis({ port: PARITY_PORT });
    try {
      const ours = await connect(server);
      const theirs = new Redis({
        host: '127.0.0.1',
        port: PARITY_PORT,
        maxRetriesPerRequest: 0,
        protocol: 2,
      });
      clients.push(theirs);
      const calls = [
        ['ACL', 'SETUSER', 'app', 'on', '>apppw', '+@connection', '&foo*', '-@all'],
        ['ACL', 'SETUSER', 'app', '+ping', '+client', '-ping', '+client|list'],
        ['ACL', 'SETUSER', 'ops', 'on', `#${'a'.repeat(64)}`, '+@all', '-client|kill', 'allchannels'],
        ['ACL', 'SETUSER', 'off-user'],
      ];
      for (const call of calls)
        expect(await ours.call(...(call as [string]))).toBe(await theirs.call(...(call as [string])));
      for (const read of [
        ['ACL', 'LIST'],
        ['ACL', 'GETUSER', 'app'],
        ['ACL', 'GETUSER', 'ops'],
        ['ACL', 'USERS'],
      ]) {
        expect(await ours.call(...(read as [string]))).toEqual(await theirs.call(...(read as [string])));
      }
    } finally {
      await redis.stop();
    }
  });
});

const PARITY_PORT = 7418;

function pairs(flat: unknown[]): [string, unknown][] {
  const out: [string, unknown][] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) out.push([String(flat[i]), flat[i + 1]]);
  return out;
}
