// `edge-sentinel settings` and `edge-sentinel set` against a small local HTTP server: arguments,
// the requests sent, the output and the exit codes (0 ok, 1 refused, 2 usage).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseAssignments } from '../../../infra/cli/commands/settings.js';
import type { CliIo } from '../../../infra/cli/io.js';
import { main } from '../../../infra/cli/main.js';

let server: Server;
let url: string;
const seen: { method: string; path: string; authorization: string | undefined; body: string }[] = [];
let status = 200;
/** The coordinator's masterRebootDownAfterMs; undefined: one deployed before it existed (it sends none). */
let rebootMs: number | undefined;

const answer = (version: number, quorum: number) => ({
  group: 'mymaster',
  settings: {
    quorum,
    downAfterMs: 2000,
    failoverTimeoutMs: 6000,
    parallelSyncs: 1,
    ...(rebootMs === undefined ? {} : { masterRebootDownAfterMs: rebootMs }),
  },
  settingsSources: {
    quorum: `runtime override v${version}`,
    downAfterMs: `runtime override v${version}`,
    failoverTimeoutMs: 'wrangler.toml',
    parallelSyncs: 'wrangler.toml',
    ...(rebootMs === undefined ? {} : { masterRebootDownAfterMs: `runtime override v${version}` }),
  },
  settingsVersion: version,
  override: {
    quorum,
    downAfterMs: 2000,
    ...(rebootMs === undefined ? {} : { masterRebootDownAfterMs: rebootMs }),
  },
});

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      seen.push({
        method: req.method ?? '',
        path: req.url ?? '',
        authorization: req.headers.authorization,
        body,
      });
      res.writeHead(status, { 'Content-Type': 'application/json' });
      if (status !== 200) {
        res.end(
          JSON.stringify({ error: { code: 'no_majority', message: 'settings v2 adopted by 1 of 3 voters' } }),
        );
      } else if (req.method === 'PUT') {
        const voters = [0, 1, 2].map((voter) => ({
          voter,
          ok: voter !== 2,
          code: voter === 2 ? 'UNREACHABLE' : null,
          reason: 'x',
        }));
        res.end(JSON.stringify({ ...answer(2, 3), acknowledged: 2, majority: 2, voters }));
      } else {
        res.end(JSON.stringify(answer(1, 3)));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  seen.length = 0;
  status = 200;
});

async function cli(args: string[], env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    out: (l) => out.push(l),
    err: (l) => err.push(l),
    interactive: false,
    ask: async () => '',
  };
  const code = await main(['--url', url, ...args], env, io, new AbortController().signal);
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('parseAssignments', () => {
  it.each([
    [['mymaster', 'quorum=3'], 'mymaster', { quorum: 3 }],
    [['quorum=3', 'downAfterMs=2000'], undefined, { quorum: 3, downAfterMs: 2000 }],
    [['g', 'parallelSyncs=default'], 'g', { parallelSyncs: null }],
    [['masterRebootDownAfterMs=5000'], undefined, { masterRebootDownAfterMs: 5000 }],
    [['g', 'masterRebootDownAfterMs=0'], 'g', { masterRebootDownAfterMs: 0 }],
  ])('%j -> group %s, patch %j', (args, group, patch) => {
    expect(parseAssignments(args)).toEqual({ group, patch });
  });

  it.each([
    [['leaseMs=500'], /deploy-time only/],
    [['quorum=three'], /whole number/],
    [['quorum=0'], /quorum/],
    [['quorum=2', 'quorum=3'], /twice/],
    [['masterRebootDownAfterMs=3600001'], /masterRebootDownAfterMs/],
    [['g', 'quorum'], /name=value/],
  ])('%j is a usage error', (args, message) => {
    expect(() => parseAssignments(args)).toThrow(message);
  });
});

describe('edge-sentinel settings / set', () => {
  it('settings prints each value with its source', async () => {
    const result = await cli(['settings', 'mymaster']);
    expect(result.code).toBe(0);
    expect(result.out).toContain('runtime settings version 1');
    expect(result.out).toMatch(/quorum\s+│ 3\s+│ runtime override v1/);
    expect(result.out).toMatch(/failoverTimeoutMs │ 6000\s+│ wrangler\.toml/);
    expect(seen[0]).toMatchObject({ method: 'GET', path: '/v1/groups/mymaster/settings' });
    const json = await cli(['settings', 'mymaster', '--json']);
    expect(JSON.parse(json.out)).toMatchObject({ settingsVersion: 1 });
  });

  it('settings shows masterRebootDownAfterMs when the coordinator has it, and leaves it out when not', async () => {
    expect((await cli(['settings', 'mymaster'])).out).not.toContain('masterRebootDownAfterMs');
    rebootMs = 5000;
    try {
      const result = await cli(['settings', 'mymaster']);
      expect(result.out).toMatch(/masterRebootDownAfterMs │ 5000\s+│ runtime override v1/);
    } finally {
      rebootMs = undefined;
    }
  });

  it('set sends a PUT with the admin token and reports the voters that did not adopt it', async () => {
    const result = await cli(['--admin-token', 'tok', 'set', 'mymaster', 'quorum=3', 'downAfterMs=2000']);
    expect(result.code).toBe(0);
    expect(seen[0]).toMatchObject({
      method: 'PUT',
      path: '/v1/groups/mymaster/settings',
      authorization: 'Bearer tok',
    });
    expect(JSON.parse(seen[0]?.body ?? '')).toEqual({ quorum: 3, downAfterMs: 2000 });
    expect(result.out).toContain('version 2 adopted by 2 of 3 voters (a majority is 2)');
    expect(result.out).toContain('voter 2: UNREACHABLE');
  });

  it('set --reset sends {} with ?reset=1', async () => {
    const result = await cli(['--admin-token', 'tok', 'set', 'mymaster', '--reset']);
    expect(result.code).toBe(0);
    expect(seen[0]).toMatchObject({
      method: 'PUT',
      path: '/v1/groups/mymaster/settings?reset=1',
      body: '{}',
    });
  });

  it('exit codes: 2 for usage (no token, nothing to set, both), 1 when the voters refuse', async () => {
    expect((await cli(['set', 'mymaster', 'quorum=3'])).code).toBe(2);
    expect((await cli(['--admin-token', 't', 'set', 'mymaster'])).code).toBe(2);
    expect((await cli(['--admin-token', 't', 'set', 'mymaster', 'quorum=3', '--reset'])).code).toBe(2);
    expect((await cli(['--admin-token', 't', 'set', 'mymaster', 'fencing=0'])).code).toBe(2);
    expect(seen).toEqual([]);
    status = 503;
    const refused = await cli(['--admin-token', 't', 'set', 'mymaster', 'quorum=3']);
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('adopted by 1 of 3 voters');
  });

  it('--help explains the names and the example', async () => {
    const result = await cli(['set', '--help']);
    expect(result.code).toBe(0);
    expect(result.out.replace(/\s+/g, ' ')).toContain(
      'quorum, downAfterMs, failoverTimeoutMs, parallelSyncs, masterRebootDownAfterMs',
    );
    expect(result.out).toContain('edge-sentinel set mymaster quorum=3 downAfterMs=2000');
  });
});
