// A password-protected server: NOAUTH before auth, WRONGPASS, and the HELLO sequences Lettuce, ioredis and redis-py send.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SentinelServer, startSentinelServer } from '../../../agent/sentinel/server.js';
import { killAllRedis, type RedisServer, startRedis } from '../../support/redis-server.js';
import { FakeSource, liveSnapshot } from './support/fake-source.js';
import { RawClient } from './support/raw-client.js';
import { arr, bulk, err, status } from './support/resp.js';

const run = promisify(execFile);
const PASSWORD = 's3cret-pass';
const MASTER = 7404;

const NOAUTH = err('NOAUTH Authentication required.');
const WRONGPASS = err('WRONGPASS invalid username-password pair or user is disabled.');
const HELLO_NOAUTH = err(
  'NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time',
);

let redis: RedisServer;
let server: SentinelServer;

beforeAll(async () => {
  redis = await startRedis({ port: MASTER });
  const source = new FakeSource(await liveSnapshot(MASTER, []));
  server = await startSentinelServer({ host: '127.0.0.1', port: 0, password: PASSWORD, source });
});

afterAll(async () => {
  await server.close();
  await redis.stop();
  killAllRedis();
});

function helloMap(client: RawClient, protocol: 2 | 3): Promise<string> {
  return client.readUntil('$7\r\nmodules\r\n*0\r\n').then((reply) => {
    expect(reply.startsWith(protocol === 3 ? '%6\r\n' : '*12\r\n')).toBe(true);
    expect(reply).toContain(`$5\r\nproto\r\n:${protocol}\r\n`);
    return reply;
  });
}

describe('before authentication', () => {
  it('refuses commands with NOAUTH, after unknown-command and arity checks, and allows QUIT', async () => {
    const c = await RawClient.connect(server.port);
    for (const args of [
      ['PING'],
      ['SENTINEL', 'myid'],
      ['CLIENT', 'SETNAME', 'x'],
      ['SUBSCRIBE', 'a'],
      ['COMMAND'],
    ]) {
      expect(await c.call(args, NOAUTH)).toBe(NOAUTH);
    }
    const unknown = err("ERR unknown command 'FOO', with args beginning with: ");
    expect(await c.call(['FOO'], unknown)).toBe(unknown);
    const arity = err("ERR wrong number of arguments for 'sentinel|master' command");
    expect(await c.call(['SENTINEL', 'master'], arity)).toBe(arity);
    expect(await c.call(['HELLO'], HELLO_NOAUTH)).toBe(HELLO_NOAUTH);
    expect(await c.call(['HELLO', '3'], HELLO_NOAUTH)).toBe(HELLO_NOAUTH);
    expect(await c.call(['HELLO', '2', 'SETNAME', 'x'], HELLO_NOAUTH)).toBe(HELLO_NOAUTH);
    expect(await c.call(['QUIT'], status('OK'))).toBe(status('OK'));
    expect(await c.waitClosed()).toBe(true);
  });

  it('AUTH: WRONGPASS for a bad password or another user, OK for the password with or without `default`', async () => {
    const c = await RawClient.connect(server.port);
    expect(await c.call(['AUTH', 'wrong'], WRONGPASS)).toBe(WRONGPASS);
    expect(await c.call(['AUTH', 'admin', PASSWORD], WRONGPASS)).toBe(WRONGPASS);
    expect(await c.call(['PING'], NOAUTH)).toBe(NOAUTH);
    expect(await c.call(['AUTH', PASSWORD], status('OK'))).toBe(status('OK'));
    expect(await c.call(['PING'], status('PONG'))).toBe(status('PONG'));
    // As in Redis 7, a failed AUTH does not log an authenticated client out.
    expect(await c.call(['AUTH', 'wrong'], WRONGPASS)).toBe(WRONGPASS);
    expect(await c.call(['PING'], status('PONG'))).toBe(status('PONG'));
    // RESET does.
    expect(await c.call(['RESET'], status('RESET'))).toBe(status('RESET'));
    expect(await c.call(['PING'], NOAUTH)).toBe(NOAUTH);
    expect(await c.call(['AUTH', 'default', PASSWORD], status('OK'))).toBe(status('OK'));
    expect(await c.call(['ROLE'], arr(bulk('sentinel'), arr(bulk('mymaster'))))).toBe(
      arr(bulk('sentinel'), arr(bulk('mymaster'))),
    );
    c.close();
  });
});

describe('HELLO as Lettuce sends it', () => {
  it('HELLO 3 AUTH default <pw> SETNAME <name> authenticates, names and switches to RESP3 in one step', async () => {
    const c = await RawClient.connect(server.port);
    expect(await c.call(['HELLO', '3', 'AUTH', 'default', 'nope', 'SETNAME', 'lettuce#1'], WRONGPASS)).toBe(
      WRONGPASS,
    );
    c.send(['HELLO', '3', 'AUTH', 'default', PASSWORD, 'SETNAME', 'lettuce#1']);
    const reply = await helloMap(c, 3);
    expect(reply).toContain('$4\r\nmode\r\n$8\r\nsentinel\r\n');
    expect(reply).not.toContain('role');
    expect(await c.call(['CLIENT', 'GETNAME'], bulk('lettuce#1'))).toBe(bulk('lettuce#1'));
    // Lettuce 6.3+ then sends CLIENT SETINFO; then the Sentinel lookups, now answered in RESP3.
    expect(await c.call(['CLIENT', 'SETINFO', 'lib-name', 'Lettuce'], status('OK'))).toBe(status('OK'));
    const address = arr(bulk('127.0.0.1'), bulk(String(MASTER)));
    expect(await c.call(['SENTINEL', 'get-master-addr-by-name', 'mymaster'], address)).toBe(address);
    expect(await c.call(['SENTINEL', 'get-master-addr-by-name', 'nope'], '_\r\n')).toBe('_\r\n');
    c.send(['SENTINEL', 'MASTER', 'mymaster']);
    expect(await c.readUntil('$14\r\nparallel-syncs\r\n$1\r\n1\r\n')).toMatch(/^%19\r\n\$4\r\nname\r\n/);
    c.close();
  });

  it('HELLO 2 AUTH keeps RESP2; HELLO 4 is NOPROTO, the error Lettuce falls back on', async () => {
    const c = await RawClient.connect(server.port);
    const noproto = err('NOPROTO unsupported protocol version');
    expect(await c.call(['HELLO', '4', 'AUTH', 'default', PASSWORD], noproto)).toBe(noproto);
    expect(await c.call(['PING'], NOAUTH)).toBe(NOAUTH);
    c.send(['HELLO', '2', 'AUTH', 'default', PASSWORD]);
    await helloMap(c, 2);
    expect(await c.call(['SENTINEL', 'get-master-addr-by-name', 'nope'], '*-1\r\n')).toBe('*-1\r\n');
    c.send(['CLIENT', 'ID']);
    expect(await c.readUntil('\r\n')).toMatch(/^:\d+\r\n$/);
    c.close();
  });
});

describe('real clients with a Sentinel password', () => {
  it('ioredis (sentinelPassword) resolves and writes; without it the resolution fails', async () => {
    const sentinels = [{ host: '127.0.0.1', port: server.port }];
    const good = new Redis({ sentinels, name: 'mymaster', sentinelPassword: PASSWORD });
    good.on('error', () => {});
    await good.set('with-auth', '1');
    expect(await good.get('with-auth')).toBe('1');
    good.disconnect();
    const bad = new Redis({
      sentinels,
      name: 'mymaster',
      sentinelRetryStrategy: () => null,
      lazyConnect: true,
    });
    bad.on('error', () => {});
    await expect(bad.connect()).rejects.toThrow();
    bad.disconnect();
  });

  it('redis-py Sentinel with sentinel_kwargs password discovers the master', async () => {
    const script = `
import json
from redis.sentinel import Sentinel
s = Sentinel([('127.0.0.1', ${server.port})], sentinel_kwargs={'password': '${PASSWORD}'}, socket_timeout=2)
print(json.dumps(s.discover_master('mymaster')))
`;
    const { stdout } = await run('/usr/bin/python3', ['-c', script], { timeout: 10_000 });
    expect(JSON.parse(stdout)).toEqual(['127.0.0.1', MASTER]);
  });

  it('redis-cli with -a', async () => {
    const { stdout } = await run(
      'redis-cli',
      [
        '-p',
        String(server.port),
        '--no-auth-warning',
        '-a',
        PASSWORD,
        'SENTINEL',
        'get-master-addr-by-name',
        'mymaster',
      ],
      { timeout: 5000 },
    );
    expect(stdout).toBe(`127.0.0.1\n${MASTER}\n`);
  });
});
